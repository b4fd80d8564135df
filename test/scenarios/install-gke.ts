// Issue 13: the healthy install on GKE's Gateway (install-implementation.ts moves it there). GKE's
// Gateway controller is closed source and runs outside the cluster: no controller Deployment, no
// proxy in the cluster (the Gateway's address is a Cloud load balancer's). What is public:
// - the class gke-l7-regional-external-managed with controllerName networking.gke.io/gateway (GIE
//   config/manifests/gateway/gke/gateway.yaml; GKE's "Deploy GKE Inference Gateway" page);
// - the policies GIE's inferencepool chart renders with provider.name=gke
//   (config/charts/inferencepool/templates/gke.yaml): HealthCheckPolicy HTTP /health on the target
//   port, GCPBackendPolicy timeoutSec 300 + logging, both targetRef {group
//   inference.networking.k8s.io, kind InferencePool, name}. Their CRDs (networking.gke.io/v1, API
//   reference googlecloudplatform.github.io/gke-gateway-api) are not in ../shared/crds, and the test
//   world never hand-writes a CRD: IGW-238/239 over these policies are unit-tested only (until the CRDs
//   are added to ../shared/crds).
// GKE's own status texts are not public: the conditions carry the standard reasons; no InferencePool
// status is written (what GKE writes there is not documented).
import type {Installation} from './install.ts';
import {cond, moveToImplementation, type ImplementationInstall, type ImplementationWorld} from './install-implementation.ts';

export const GKE_CONTROLLER = 'networking.gke.io/gateway';
export const GKE_CLASS = 'gke-l7-regional-external-managed';

export const gkeWorld: ImplementationWorld = {
  id: 'gke',
  controllerName: GKE_CONTROLLER,
  className: () => GKE_CLASS,
  classStatus: (g) => ({conditions: [cond('Accepted', true, 'Accepted', 'Accepted', g)]}),
  gatewayStatus: ({generation: g, address, attachedRoutes}) => ({
    addresses: [{type: 'IPAddress', value: address}],
    conditions: [cond('Accepted', true, 'Accepted', 'Accepted', g), cond('Programmed', true, 'Programmed', 'Programmed', g)],
    listeners: [{name: 'http', attachedRoutes, supportedKinds: [{group: 'gateway.networking.k8s.io', kind: 'HTTPRoute'}], conditions: [cond('Accepted', true, 'Accepted', 'Accepted', g), cond('Programmed', true, 'Programmed', 'Programmed', g), cond('ResolvedRefs', true, 'ResolvedRefs', 'ResolvedRefs', g)]}],
  }),
  routeStatus: ({generation: g, gateway}) => ({
    parents: [{parentRef: {group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gateway.name}, controllerName: GKE_CONTROLLER, conditions: [cond('Accepted', true, 'Accepted', 'Accepted', g), cond('ResolvedRefs', true, 'ResolvedRefs', 'ResolvedRefs', g)]}],
  }),
  poolStatus: () => ({parents: []}),
};

/** The healthy install, on GKE (without GKE's policy CRDs, which ../shared/crds does not hold). */
export async function installGke(inst: Installation): Promise<ImplementationInstall> {
  return moveToImplementation(inst, gkeWorld);
}
