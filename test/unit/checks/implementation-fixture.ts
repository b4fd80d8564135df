// The healthy fixture moved to Istio and to kgateway (issue 13): the Envoy Gateway control plane
// replaced by the implementation's, statuses shaped as that implementation's source writes them
// (see implementations.test.ts). Shared by implementations.test.ts and reads.test.ts.
import type {KubeObject} from '../../../src/kube/client.ts';
import {istioShadowServiceName} from '../../../src/model/gateway-controllers.ts';
import {loadObjects, obj} from './fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export const T = '2026-11-20T10:00:00Z';
export const cond = (type: string, ok: boolean, reason: string, message: string) => ({type, status: ok ? 'True' : 'False', lastTransitionTime: T, reason, message, observedGeneration: 1});

/** The healthy fixture without Envoy Gateway, the AI Gateway extension and the Envoy proxy. */
export function withoutEnvoyGateway(): KubeObject[] {
  return loadObjects('healthy-ai-gateway.yaml').filter(
    (o) => !['envoy-gateway-system', 'envoy-ai-gateway-system'].includes(o.metadata.namespace ?? ''),
  );
}

export function controller(opts: {name: string; namespace: string; labels: Record<string, string>; container: string; image: string; env: {name: string; value: string}[]}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: opts.name, namespace: opts.namespace, generation: 1, labels: opts.labels},
    spec: {
      replicas: 1,
      selector: {matchLabels: opts.labels},
      template: {metadata: {labels: opts.labels}, spec: {containers: [{name: opts.container, image: opts.image, env: opts.env}]}},
    },
    status: {observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, conditions: [{type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', lastTransitionTime: T}]},
  } as KubeObject;
}

export function istio(flag: string | null = 'true'): KubeObject[] {
  const objs = withoutEnvoyGateway();
  const gc = obj<Any>(objs, 'GatewayClass', 'envoy-gateway');
  gc.metadata.name = 'istio';
  gc.spec.controllerName = 'istio.io/gateway-controller';
  gc.status.conditions = [cond('Accepted', true, 'Accepted', 'Handled by Istio controller')];
  const gw = obj<Any>(objs, 'Gateway', 'inference-gateway');
  gw.spec.gatewayClassName = 'istio';
  gw.status.conditions = [cond('Accepted', true, 'Accepted', 'Resource accepted'), cond('Programmed', true, 'Programmed', 'Resource programmed, assigned to service(s) inference-gateway-istio.llm.svc.cluster.local:80')];
  const route = obj<Any>(objs, 'HTTPRoute', 'qwen');
  route.status.parents[0].controllerName = 'istio.io/gateway-controller';
  route.status.parents[0].conditions = [cond('Accepted', true, 'Accepted', 'Route was valid'), cond('ResolvedRefs', true, 'ResolvedRefs', 'All references resolved')];
  const pool = obj<Any>(objs, 'InferencePool', 'qwen');
  // calculateSingleParentStatus: parentRef with group/kind/namespace/name, no controllerName
  pool.status.parents = [
    {
      parentRef: {group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'llm', name: 'inference-gateway'},
      conditions: [cond('Accepted', true, 'Accepted', 'Referenced by an HTTPRoute accepted by the parentRef Gateway'), cond('ResolvedRefs', true, 'ResolvedRefs', 'Referenced ExtensionRef resolved successfully')],
    },
  ];
  const env = flag === null ? [] : [{name: 'ENABLE_GATEWAY_API_INFERENCE_EXTENSION', value: flag}];
  objs.push(controller({name: 'istiod', namespace: 'istio-system', labels: {app: 'istiod', istio: 'pilot'}, container: 'discovery', image: 'docker.io/istio/pilot:1.28.0', env}));
  objs.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: istioShadowServiceName('qwen'),
      namespace: 'llm',
      labels: {
        'istio.io/inferencepool-name': 'qwen',
        'istio.io/inferencepool-extension-service': 'qwen-epp',
        'istio.io/inferencepool-extension-port': '9002',
        'istio.io/inferencepool-extension-failure-mode': 'FailClose',
        'internal.istio.io/service-semantics': 'inferencepool',
      },
      ownerReferences: [{apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', name: 'qwen', uid: 'u1'}],
    },
    spec: {clusterIP: 'None', selector: {'serving.kserve.io/inferenceservice': 'qwen'}, ports: [{name: 'http-0', protocol: 'TCP', port: 54321, targetPort: 8080}]},
  } as KubeObject);
  return objs;
}

export function kgateway(flag: string | null = 'true'): KubeObject[] {
  const objs = withoutEnvoyGateway();
  const gc = obj<Any>(objs, 'GatewayClass', 'envoy-gateway');
  gc.metadata.name = 'kgateway';
  gc.spec.controllerName = 'kgateway.dev/kgateway';
  const gw = obj<Any>(objs, 'Gateway', 'inference-gateway');
  gw.spec.gatewayClassName = 'kgateway';
  const route = obj<Any>(objs, 'HTTPRoute', 'qwen');
  route.status.parents[0].controllerName = 'kgateway.dev/kgateway';
  const pool = obj<Any>(objs, 'InferencePool', 'qwen');
  // status.go updatePoolStatus: parentRef {kind, namespace, name}, no group, no controllerName
  pool.status.parents = [
    {
      parentRef: {kind: 'Gateway', namespace: 'llm', name: 'inference-gateway'},
      conditions: [cond('Accepted', true, 'Accepted', 'InferencePool has been accepted by controller kgateway.dev/kgateway'), cond('ResolvedRefs', true, 'ResolvedRefs', 'All InferencePool references have been resolved')],
    },
  ];
  const env = flag === null ? [] : [{name: 'KGW_ENABLE_INFER_EXT', value: flag}];
  const labels = {kgateway: 'kgateway', 'app.kubernetes.io/name': 'kgateway', 'app.kubernetes.io/instance': 'kgateway'};
  objs.push(controller({name: 'kgateway', namespace: 'kgateway-system', labels, container: 'controller', image: 'cr.kgateway.dev/kgateway-dev/kgateway:v2.1.1', env}));
  return objs;
}

/** A ClusterRole with `rules` bound to a ServiceAccount (what the charts install for their controller). */
export function clusterRbac(name: string, sa: {namespace: string; name: string}, rules: {apiGroups: string[]; resources: string[]; verbs: string[]}[]): KubeObject[] {
  return [
    {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: {name}, rules} as KubeObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: {name},
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name},
      subjects: [{kind: 'ServiceAccount', name: sa.name, namespace: sa.namespace}],
    } as KubeObject,
  ];
}

const POOL_GROUP = 'inference.networking.k8s.io';

/**
 * On agentgateway (agentgateway/agentgateway controller/): GatewayClass "agentgateway"
 * (wellknown DefaultAgwClassName / DefaultAgwControllerName); reporter messages (pkg/reports/status.go);
 * InferencePool parent with group, kind Gateway, namespace, name AND controllerName
 * (plugins/inference_plugin.go buildInferencePoolStatus); the controller Deployment of the chart
 * (labels agentgateway=agentgateway…, container "controller", env AGW_ENABLE_INFER_EXT) and its
 * ClusterRole agentgateway-<namespace> with the inferencepools rules (templates/role.yaml).
 */
export function agentgateway(opts: {flag?: string | null; rbac?: boolean} = {}): KubeObject[] {
  const flag = opts.flag === undefined ? 'true' : opts.flag;
  const cn = 'agentgateway.dev/agentgateway';
  const objs = withoutEnvoyGateway();
  const gc = obj<Any>(objs, 'GatewayClass', 'envoy-gateway');
  gc.metadata.name = 'agentgateway';
  gc.spec.controllerName = cn;
  gc.status.conditions = [cond('Accepted', true, 'Accepted', 'GatewayClass accepted by agentgateway controller')];
  const gw = obj<Any>(objs, 'Gateway', 'inference-gateway');
  gw.spec.gatewayClassName = 'agentgateway';
  gw.status.conditions = [cond('Accepted', true, 'Accepted', 'Successfully accepted Gateway'), cond('Programmed', true, 'Programmed', 'Successfully programmed Gateway')];
  const route = obj<Any>(objs, 'HTTPRoute', 'qwen');
  route.status.parents[0].controllerName = cn;
  route.status.parents[0].conditions = [cond('Accepted', true, 'Accepted', 'Successfully accepted Route'), cond('ResolvedRefs', true, 'ResolvedRefs', 'Successfully resolved all references')];
  obj<Any>(objs, 'InferencePool', 'qwen').status.parents = [
    {
      parentRef: {group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'llm', name: 'inference-gateway'},
      controllerName: cn,
      conditions: [cond('Accepted', true, 'Accepted', `InferencePool has been accepted by controller ${cn}`), cond('ResolvedRefs', true, 'ResolvedRefs', 'All InferencePool references have been resolved')],
    },
  ];
  const env = flag === null ? [] : [{name: 'AGW_ENABLE_INFER_EXT', value: flag}];
  const labels = {agentgateway: 'agentgateway', 'app.kubernetes.io/name': 'agentgateway', 'app.kubernetes.io/instance': 'agentgateway'};
  const d = controller({name: 'agentgateway', namespace: 'agentgateway-system', labels, container: 'controller', image: 'cr.agentgateway.dev/controller:v1.0.0', env}) as Any;
  d.spec.template.spec.serviceAccountName = 'agentgateway';
  objs.push(d as KubeObject);
  if (opts.rbac !== false) {
    objs.push(
      ...clusterRbac('agentgateway-agentgateway-system', {namespace: 'agentgateway-system', name: 'agentgateway'}, [
        {apiGroups: [POOL_GROUP], resources: ['inferencepools'], verbs: ['get', 'watch', 'list']},
        {apiGroups: [POOL_GROUP], resources: ['inferencepools/status'], verbs: ['patch', 'update']},
      ]),
    );
  }
  return objs;
}

/**
 * On NGINX Gateway Fabric (nginx/nginx-gateway-fabric): GatewayClass "nginx"; conditions from
 * internal/controller/state/conditions/conditions.go ("The GatewayClass is accepted", "The Route is
 * accepted", "All references are resolved", "The InferencePool is accepted by the Gateway.", "The
 * InferencePool references a valid ExtensionRef."); InferencePool parent {group, kind Gateway,
 * namespace, name} without controllerName (status/prepare_requests.go); the chart's controller
 * (container "nginx-gateway", args controller --gateway-ctlr-name=… --gateway-api-inference-extension
 * --endpoint-picker-tls-skip-verify=true, templates/deployment.yaml) and ClusterRole; the headless
 * Service <pool>-pool-svc (handler.go ensureInferencePoolServices).
 */
export function ngf(opts: {flag?: boolean; rbac?: boolean; args?: string[]} = {}): KubeObject[] {
  const cn = 'gateway.nginx.org/nginx-gateway-controller';
  const objs = withoutEnvoyGateway();
  const gc = obj<Any>(objs, 'GatewayClass', 'envoy-gateway');
  gc.metadata.name = 'nginx';
  gc.spec.controllerName = cn;
  gc.status.conditions = [cond('Accepted', true, 'Accepted', 'The GatewayClass is accepted'), cond('SupportedVersion', true, 'SupportedVersion', 'The Gateway API CRD versions are supported')];
  const gw = obj<Any>(objs, 'Gateway', 'inference-gateway');
  gw.spec.gatewayClassName = 'nginx';
  gw.status.conditions = [cond('Accepted', true, 'Accepted', 'The Gateway is accepted'), cond('Programmed', true, 'Programmed', 'The Gateway is programmed')];
  const route = obj<Any>(objs, 'HTTPRoute', 'qwen');
  route.status.parents[0].controllerName = cn;
  route.status.parents[0].conditions = [cond('Accepted', true, 'Accepted', 'The Route is accepted'), cond('ResolvedRefs', true, 'ResolvedRefs', 'All references are resolved')];
  const pool = obj<Any>(objs, 'InferencePool', 'qwen');
  pool.status.parents = [
    {
      parentRef: {group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'llm', name: 'inference-gateway'},
      conditions: [cond('Accepted', true, 'Accepted', 'The InferencePool is accepted by the Gateway.'), cond('ResolvedRefs', true, 'ResolvedRefs', 'The InferencePool references a valid ExtensionRef.')],
    },
  ];
  const labels = {'app.kubernetes.io/name': 'nginx-gateway-fabric', 'app.kubernetes.io/instance': 'ngf'};
  const d = controller({name: 'ngf-nginx-gateway-fabric', namespace: 'nginx-gateway', labels, container: 'nginx-gateway', image: 'ghcr.io/nginx/nginx-gateway-fabric:2.2.0', env: []}) as Any;
  d.spec.template.spec.serviceAccountName = 'ngf-nginx-gateway-fabric';
  d.spec.template.spec.containers[0].args = opts.args ?? [
    'controller',
    `--gateway-ctlr-name=${cn}`,
    '--gatewayclass=nginx',
    '--config=ngf-config',
    '--service=ngf-nginx-gateway-fabric',
    ...(opts.flag === false ? [] : ['--gateway-api-inference-extension', '--endpoint-picker-tls-skip-verify=true']),
  ];
  objs.push(d as KubeObject);
  if (opts.rbac !== false) {
    objs.push(
      ...clusterRbac('ngf-nginx-gateway-fabric', {namespace: 'nginx-gateway', name: 'ngf-nginx-gateway-fabric'}, [
        {apiGroups: [POOL_GROUP], resources: ['inferencepools'], verbs: ['get', 'list', 'watch']},
        {apiGroups: [POOL_GROUP], resources: ['inferencepools/status', 'inferencepools/finalizers'], verbs: ['update']},
      ]),
    );
  }
  objs.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name: 'qwen-pool-svc', namespace: 'llm', labels: {'app.kubernetes.io/managed-by': 'ngf-nginx'}, ownerReferences: [{apiVersion: `${POOL_GROUP}/v1`, kind: 'InferencePool', name: 'qwen', uid: 'u1', controller: true}]},
    spec: {clusterIP: 'None', selector: {...pool.spec.selector.matchLabels}, ports: [{name: 'port-8080', port: 8080, targetPort: 8080, protocol: 'TCP'}]},
  } as KubeObject);
  return objs;
}

/**
 * On GKE: class gke-l7-regional-external-managed (GIE config/manifests/gateway/gke/gateway.yaml),
 * controllerName networking.gke.io/gateway, no controller in the cluster; the HealthCheckPolicy and
 * GCPBackendPolicy GIE's inferencepool chart renders with provider.name=gke (templates/gke.yaml).
 * GKE's own status texts are not public: the conditions carry their standard reasons only. No pool
 * status (what GKE writes there is not documented).
 */
export function gke(opts: {policies?: boolean; policyGroup?: string} = {}): KubeObject[] {
  const cn = 'networking.gke.io/gateway';
  const objs = withoutEnvoyGateway();
  const gc = obj<Any>(objs, 'GatewayClass', 'envoy-gateway');
  gc.metadata.name = 'gke-l7-regional-external-managed';
  gc.spec.controllerName = cn;
  gc.status.conditions = [cond('Accepted', true, 'Accepted', '')];
  obj<Any>(objs, 'Gateway', 'inference-gateway').spec.gatewayClassName = 'gke-l7-regional-external-managed';
  obj<Any>(objs, 'HTTPRoute', 'qwen').status.parents[0].controllerName = cn;
  obj<Any>(objs, 'InferencePool', 'qwen').status.parents = [];
  if (opts.policies !== false) {
    const targetRef = {group: opts.policyGroup ?? POOL_GROUP, kind: 'InferencePool', name: 'qwen'};
    objs.push(
      {apiVersion: 'networking.gke.io/v1', kind: 'HealthCheckPolicy', metadata: {name: 'qwen', namespace: 'llm'}, spec: {targetRef, default: {config: {type: 'HTTP', httpHealthCheck: {requestPath: '/health', port: 8080}}}}} as KubeObject,
      {apiVersion: 'networking.gke.io/v1', kind: 'GCPBackendPolicy', metadata: {name: 'qwen', namespace: 'llm'}, spec: {targetRef, default: {timeoutSec: 300, logging: {enabled: true}}}} as KubeObject,
    );
  }
  return objs;
}
