// Issue 13: the healthy install on Istio (install-implementation.ts moves it there). Objects and
// statuses as istio/istio (master of 2026-08, 1.28+) writes them — notes in
// /work/notes/issue13-research.md:
// - istiod: Deployment "istiod", labels app=istiod + istio=pilot, container "discovery", env
//   ENABLE_GATEWAY_API_INFERENCE_EXTENSION=true (pilot/pkg/features/experimental.go; the istio docs'
//   `istioctl install --set values.pilot.env.ENABLE_GATEWAY_API_INFERENCE_EXTENSION=true`);
// - GatewayClass Accepted "Handled by Istio controller" (pilot/pkg/config/kube/gatewaycommon/gatewayclass.go);
// - the Gateway's proxy: Deployment + Service "<gateway>-<class>" in the Gateway's namespace, labelled
//   gateway.networking.k8s.io/gateway-name (manifests/charts/istio-control/istio-discovery/files/kube-gateway.yaml);
//   Gateway Accepted "Resource accepted", Programmed "Resource programmed, assigned to service(s) …"
//   (gatewaycommon/conversion.go);
// - HTTPRoute parent (controllerName istio.io/gateway-controller): Accepted "Route was valid",
//   ResolvedRefs "All references resolved" (gateway/conditions.go);
// - InferencePool parent without controllerName: Accepted "Referenced by an HTTPRoute accepted by the
//   parentRef Gateway", ResolvedRefs "Referenced ExtensionRef resolved successfully"
//   (gateway/inferencepool_collection.go calculateSingleParentStatus);
// - the headless shadow Service "<pool>-ip-<sha256[:8]>" with the EPP in its labels, ports 54321+i →
//   targetPorts (translateShadowServiceToService).
import {createHash} from 'node:crypto';
import type {Installation} from './install.ts';
import {cond, moveToImplementation, oneReplicaDeployment, type ImplementationInstall, type ImplementationWorld} from './install-implementation.ts';
import type {Manifest} from './kube.ts';
import * as objects from './objects.ts';

export const ISTIO_CONTROLLER = 'istio.io/gateway-controller';
export const ISTIO_FLAG = 'ENABLE_GATEWAY_API_INFERENCE_EXTENSION';

/** inferencepool_collection.go InferencePoolServiceName */
export function istioShadowServiceName(pool: string): string {
  const hash = createHash('sha256').update(pool).digest('hex').slice(0, 8);
  const name = `${pool}-ip-${hash}`;
  return name.length > 63 ? `${pool.slice(0, 63 - 4 - 8)}-ip-${hash}` : name;
}

export function istioShadowService(inst: Installation): Manifest {
  const {names} = inst;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: istioShadowServiceName(names.pool),
      namespace: names.namespace,
      labels: {
        'istio.io/inferencepool-name': names.pool,
        'istio.io/inferencepool-extension-service': names.eppService,
        'istio.io/inferencepool-extension-port': String(objects.EPP_GRPC_PORT),
        'istio.io/inferencepool-extension-failure-mode': 'FailClose',
        'internal.istio.io/service-semantics': 'inferencepool',
      },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP: 'None',
      selector: {[objects.ISVC_LABEL]: names.inferenceService},
      ports: [{name: 'http-0', protocol: 'TCP', port: 54321, targetPort: objects.MODEL_PORT}],
    },
  };
}

export const istioWorld: ImplementationWorld = {
  id: 'istio',
  controllerName: ISTIO_CONTROLLER,
  controller(ns, {flag}) {
    return oneReplicaDeployment({
      name: 'istiod',
      namespace: ns,
      labels: {app: 'istiod', istio: 'pilot'},
      container: {
        name: 'discovery',
        image: 'docker.io/istio/pilot:1.28.1',
        args: ['discovery', '--monitoringAddr=:15014', '--log_output_level=default:info', '--domain', 'cluster.local'],
        env: [
          {name: 'PILOT_ENABLE_ANALYSIS', value: 'false'},
          ...(flag ? [{name: ISTIO_FLAG, value: 'true'}] : []),
        ],
        ports: [{containerPort: 15010, name: 'grpc-xds', protocol: 'TCP'}],
      },
    });
  },
  classStatus: (g) => ({conditions: [cond('Accepted', true, 'Accepted', 'Handled by Istio controller', g)]}),
  proxyName: (gateway, className) => `${gateway}-${className}`.slice(0, 63),
  proxyLabels: (gateway) => ({'gateway.networking.k8s.io/gateway-name': gateway, 'gateway.istio.io/managed': 'istio.io-gateway-controller'}),
  gatewayStatus: ({generation: g, address, proxyService, namespace, attachedRoutes}) => ({
    addresses: [{type: 'IPAddress', value: address}],
    conditions: [
      cond('Accepted', true, 'Accepted', 'Resource accepted', g),
      cond('Programmed', true, 'Programmed', `Resource programmed, assigned to service(s) ${proxyService}.${namespace}.svc.cluster.local:80`, g),
    ],
    listeners: [
      {
        name: 'http',
        attachedRoutes,
        supportedKinds: [{group: 'gateway.networking.k8s.io', kind: 'HTTPRoute'}, {group: 'gateway.networking.k8s.io', kind: 'GRPCRoute'}],
        conditions: [cond('Accepted', true, 'Accepted', 'No errors found', g), cond('Programmed', true, 'Programmed', 'No errors found', g), cond('ResolvedRefs', true, 'ResolvedRefs', 'No errors found', g)],
      },
    ],
  }),
  routeStatus: ({generation: g, gateway}) => ({
    parents: [
      {
        parentRef: {group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gateway.name},
        controllerName: ISTIO_CONTROLLER,
        conditions: [cond('Accepted', true, 'Accepted', 'Route was valid', g), cond('ResolvedRefs', true, 'ResolvedRefs', 'All references resolved', g)],
      },
    ],
  }),
  poolStatus: ({generation: g, gateway}) => ({
    parents: [
      {
        parentRef: {group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: gateway.namespace, name: gateway.name},
        conditions: [
          cond('Accepted', true, 'Accepted', 'Referenced by an HTTPRoute accepted by the parentRef Gateway', g),
          cond('ResolvedRefs', true, 'ResolvedRefs', 'Referenced ExtensionRef resolved successfully', g),
        ],
      },
    ],
  }),
  extraObjects: (inst) => [istioShadowService(inst)],
};

/** The healthy install, on Istio. */
export function installIstio(inst: Installation, opts: {flag?: boolean} = {}): Promise<ImplementationInstall> {
  return moveToImplementation(inst, istioWorld, opts);
}
