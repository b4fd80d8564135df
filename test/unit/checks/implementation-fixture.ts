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
