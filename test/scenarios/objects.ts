// Manifests of the objects a healthy install has besides the chart's own: what the model-serving
// chart, KServe, Envoy Gateway and LiteLLM would have created. Pure functions of the names.
import type {Manifest} from './kube.ts';
import type {Names} from './names.ts';

export const POOL_GROUP = 'inference.networking.k8s.io';
export const POOL_GROUP_OLD = 'inference.networking.x-k8s.io';
export const MODEL_PORT = 8000;
export const EPP_GRPC_PORT = 9002;
/** KServe labels every predictor pod with the InferenceService's name. */
export const ISVC_LABEL = 'serving.kserve.io/inferenceservice';
export const VLLM_IMAGE = 'docker.io/vllm/vllm-openai:v0.11.0';
export const ENVOY_IMAGE = 'docker.io/envoyproxy/envoy:distroless-v1.36.2';
export const LITELLM_IMAGE = 'ghcr.io/berriai/litellm:main-v1.77.7-stable';

export function namespace(name: string, labels: Record<string, string> = {}): Manifest {
  return {apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels: {'infgw.test/scenario': 'true', ...labels}}};
}

// ---------------------------------------------------------------------------------------------
// Model serving (KServe RawDeployment: InferenceService -> <name>-predictor Deployment + Service)

export function inferenceService(n: Names, replicas: number, isvc = n.inferenceService): Manifest {
  return {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: {
      name: isvc,
      namespace: n.namespace,
      annotations: {'serving.kserve.io/deploymentMode': 'RawDeployment'},
    },
    spec: {
      predictor: {
        minReplicas: replicas,
        maxReplicas: replicas,
        containers: [
          {
            name: 'kserve-container',
            image: VLLM_IMAGE,
            args: ['--model', `Qwen/${isvc}`, '--served-model-name', isvc, '--port', String(MODEL_PORT)],
            ports: [{containerPort: MODEL_PORT, protocol: 'TCP'}],
          },
        ],
      },
    },
  };
}

/** The predictor Deployment KServe creates (owned by the InferenceService). */
export function predictorDeployment(n: Names, replicas: number, owner: {uid: string}, isvc = n.inferenceService): Manifest {
  const labels = {[ISVC_LABEL]: isvc, component: 'predictor', app: `isvc.${isvc}-predictor`};
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: `${isvc}-predictor`,
      namespace: n.namespace,
      labels,
      ownerReferences: [{apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService', name: isvc, uid: owner.uid, controller: true, blockOwnerDeletion: true}],
    },
    spec: {
      replicas,
      selector: {matchLabels: {app: `isvc.${isvc}-predictor`}},
      template: {
        metadata: {labels},
        spec: {
          containers: [
            {
              name: 'kserve-container',
              image: VLLM_IMAGE,
              args: ['--model', `Qwen/${isvc}`, '--served-model-name', isvc, '--port', String(MODEL_PORT)],
              ports: [{containerPort: MODEL_PORT, protocol: 'TCP'}],
              readinessProbe: {httpGet: {path: '/health', port: MODEL_PORT}, periodSeconds: 5},
            },
          ],
        },
      },
    },
  };
}

export function predictorService(n: Names, owner: {uid: string}, isvc = n.inferenceService): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: `${isvc}-predictor`,
      namespace: n.namespace,
      labels: {[ISVC_LABEL]: isvc, component: 'predictor'},
      ownerReferences: [{apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService', name: isvc, uid: owner.uid, controller: true, blockOwnerDeletion: true}],
    },
    spec: {
      type: 'ClusterIP',
      selector: {app: `isvc.${isvc}-predictor`},
      ports: [{name: 'http', port: 80, targetPort: MODEL_PORT, protocol: 'TCP'}],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// What the model-serving chart adds: InferencePool (+ HTTPRoute to it on the chart's Gateway)

export function inferencePool(n: Names, opts: {name?: string; isvc?: string} = {}): Manifest {
  return {
    apiVersion: `${POOL_GROUP}/v1`,
    kind: 'InferencePool',
    metadata: {name: opts.name ?? n.pool, namespace: n.namespace},
    spec: {
      selector: {matchLabels: {[ISVC_LABEL]: opts.isvc ?? n.inferenceService}},
      targetPorts: [{number: MODEL_PORT}],
      endpointPickerRef: {group: '', kind: 'Service', name: n.eppService, port: {number: EPP_GRPC_PORT}, failureMode: 'FailClose'},
    },
  };
}

/** The removed x-k8s.io v1alpha2 form of the same pool (GIE <= 0.5 manifests). */
export function inferencePoolV1alpha2(n: Names): Manifest {
  return {
    apiVersion: `${POOL_GROUP_OLD}/v1alpha2`,
    kind: 'InferencePool',
    metadata: {name: n.pool, namespace: n.namespace},
    spec: {
      selector: {[ISVC_LABEL]: n.inferenceService},
      targetPortNumber: MODEL_PORT,
      extensionRef: {group: '', kind: 'Service', name: n.eppService, portNumber: EPP_GRPC_PORT, failureMode: 'FailClose'},
    },
  };
}

export function httpRoute(n: Names, opts: {name?: string; pool?: string; poolGroup?: string; routeNamespace?: string} = {}): Manifest {
  const routeNs = opts.routeNamespace ?? n.routeNamespace;
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: {name: opts.name ?? n.httpRoute, namespace: routeNs},
    spec: {
      parentRefs: [{group: 'gateway.networking.k8s.io', kind: 'Gateway', name: n.gateway, ...(routeNs !== n.namespace ? {namespace: n.namespace} : {})}],
      rules: [
        {
          matches: [{path: {type: 'PathPrefix', value: '/'}}],
          backendRefs: [
            {
              group: opts.poolGroup ?? POOL_GROUP,
              kind: 'InferencePool',
              name: opts.pool ?? n.pool,
              ...(routeNs !== n.namespace ? {namespace: n.namespace} : {}),
            },
          ],
          timeouts: {request: '300s'},
        },
      ],
    },
  };
}

/** Lets HTTPRoutes of routeNamespace reference InferencePools of the release namespace. */
export function referenceGrant(n: Names): Manifest {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: {name: `${n.routeNamespace}-routes-to-pools`, namespace: n.namespace},
    spec: {
      from: [{group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: n.routeNamespace}],
      to: [{group: POOL_GROUP, kind: 'InferencePool'}],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The Envoy proxy Envoy Gateway creates for the Gateway (internal/infrastructure/kubernetes/proxy)

export function proxyLabels(n: Names): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'envoy',
    'app.kubernetes.io/component': 'proxy',
    'app.kubernetes.io/managed-by': 'envoy-gateway',
    'gateway.envoyproxy.io/owning-gateway-name': n.gateway,
    'gateway.envoyproxy.io/owning-gateway-namespace': n.namespace,
  };
}

/** Envoy Gateway maps privileged listener ports to port + 10000 in the container. */
export function proxyContainerPort(port: number): number {
  return port < 1024 ? port + 10000 : port;
}

export function proxyDeployment(n: Names): Manifest {
  const labels = proxyLabels(n);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: n.proxyDeployment, namespace: n.egNamespace, labels},
    spec: {
      replicas: 1,
      selector: {matchLabels: labels},
      template: {
        metadata: {labels, annotations: {'prometheus.io/port': '19001', 'prometheus.io/scrape': 'true'}},
        spec: {
          serviceAccountName: n.proxyDeployment,
          containers: [
            {
              name: 'envoy',
              image: ENVOY_IMAGE,
              args: ['--service-cluster', n.proxyDeployment, '--service-node', '$(ENVOY_POD_NAME)', '--config-yaml', '{}', '--log-level', 'warn'],
              ports: [
                {name: `http-${proxyContainerPort(n.gatewayPort)}`, containerPort: proxyContainerPort(n.gatewayPort), protocol: 'TCP'},
                {name: 'metrics', containerPort: 19001, protocol: 'TCP'},
              ],
              readinessProbe: {httpGet: {path: '/ready', port: 19003}, periodSeconds: 5},
            },
            {name: 'shutdown-manager', image: 'docker.io/envoyproxy/gateway:v1.6.0', args: ['envoy', 'shutdown-manager']},
          ],
        },
      },
    },
  };
}

export function proxyService(n: Names): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name: n.proxyService, namespace: n.egNamespace, labels: proxyLabels(n)},
    spec: {
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
      selector: proxyLabels(n),
      ports: [{name: `http-${n.gatewayPort}`, port: n.gatewayPort, targetPort: proxyContainerPort(n.gatewayPort), protocol: 'TCP'}],
    },
  };
}

export function proxyServiceAccount(n: Names): Manifest {
  return {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: n.proxyDeployment, namespace: n.egNamespace, labels: proxyLabels(n)}};
}

/** A stable fake load-balancer address for a Service name (what a cloud LB would report). */
export function loadBalancerIp(name: string): string {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `172.18.${(h >>> 8) % 250}.${(h % 250) + 2}`;
}

// ---------------------------------------------------------------------------------------------
// LiteLLM (the proxy in front of the internal Gateway)

export interface LitellmModel {
  modelName: string;
  apiBase: string;
}

export function litellmConfigYaml(models: LitellmModel[]): string {
  const lines = ['model_list:'];
  for (const m of models) {
    lines.push(`  - model_name: ${m.modelName}`, '    litellm_params:', `      model: hosted_vllm/${m.modelName}`, `      api_base: ${m.apiBase}`, '      api_key: "none"');
  }
  lines.push('litellm_settings:', '  drop_params: true', 'general_settings:', '  master_key: os.environ/LITELLM_MASTER_KEY', '');
  return lines.join('\n');
}

/** What the gateway's LiteLLM route should be: the Envoy proxy Service of the internal Gateway. */
export function litellmApiBase(n: Names): string {
  return `${n.gatewayUrl}/v1`;
}

export function litellmConfigMap(n: Names, apiBase = litellmApiBase(n)): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {name: n.litellmConfigMap, namespace: n.litellmNamespace, labels: {'app.kubernetes.io/name': 'litellm'}},
    data: {'config.yaml': litellmConfigYaml([{modelName: n.servedModel, apiBase}])},
  };
}

export function litellmDeployment(n: Names): Manifest {
  const labels = {'app.kubernetes.io/name': 'litellm', 'app.kubernetes.io/instance': 'litellm'};
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: n.litellmDeployment, namespace: n.litellmNamespace, labels},
    spec: {
      replicas: 1,
      selector: {matchLabels: labels},
      template: {
        metadata: {labels},
        spec: {
          containers: [
            {
              name: 'litellm',
              image: LITELLM_IMAGE,
              args: ['--config', '/app/config.yaml', '--port', '4000'],
              ports: [{name: 'http', containerPort: 4000}],
              volumeMounts: [{name: 'config', mountPath: '/app/config.yaml', subPath: 'config.yaml'}],
            },
          ],
          volumes: [{name: 'config', configMap: {name: n.litellmConfigMap}}],
        },
      },
    },
  };
}

export function litellmService(n: Names): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name: n.litellmDeployment, namespace: n.litellmNamespace, labels: {'app.kubernetes.io/name': 'litellm'}},
    spec: {selector: {'app.kubernetes.io/name': 'litellm', 'app.kubernetes.io/instance': 'litellm'}, ports: [{name: 'http', port: 4000, targetPort: 4000}]},
  };
}
