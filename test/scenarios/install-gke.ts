// Issue 13: the healthy install on GKE's Gateway (install-implementation.ts moves it there). GKE's
// Gateway controller is closed source and runs outside the cluster: no controller Deployment, no
// proxy in the cluster (the Gateway's address is a Cloud load balancer's). What is public:
// - the class gke-l7-regional-external-managed with controllerName networking.gke.io/gateway (GIE
//   config/manifests/gateway/gke/gateway.yaml; GKE's "Deploy GKE Inference Gateway" page);
// - the policies GIE's inferencepool chart renders with provider.name=gke
//   (config/charts/inferencepool/templates/gke.yaml): HealthCheckPolicy HTTP /health on the target
//   port, GCPBackendPolicy timeoutSec 300 + logging, both targetRef {group
//   inference.networking.k8s.io, kind InferencePool, name}. Their CRDs (networking.gke.io/v1, API
//   reference googlecloudplatform.github.io/gke-gateway-api) are not in ../shared/crds: with
//   `policies` this world installs stand-in CRDs that accept any spec (the test cluster has no GKE).
// GKE's own status texts are not public: the conditions carry the standard reasons; no InferencePool
// status is written (what GKE writes there is not documented).
import type {Installation} from './install.ts';
import {cond, moveToImplementation, type ImplementationInstall, type ImplementationWorld} from './install-implementation.ts';
import {until, type KubeObject, type Manifest} from './kube.ts';
import * as objects from './objects.ts';

export const GKE_CONTROLLER = 'networking.gke.io/gateway';
export const GKE_CLASS = 'gke-l7-regional-external-managed';
const POOL_GROUP = 'inference.networking.k8s.io';

/** A stand-in CRD for one of GKE's policy kinds: the group/version/kind GKE serves, any spec. */
function standInCrd(kind: string, plural: string): Manifest {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {name: `${plural}.networking.gke.io`},
    spec: {
      group: 'networking.gke.io',
      scope: 'Namespaced',
      names: {kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List`},
      versions: [{name: 'v1', served: true, storage: true, schema: {openAPIV3Schema: {type: 'object', 'x-kubernetes-preserve-unknown-fields': true}}, subresources: {status: {}}}],
    },
  };
}

/** The two policies of GIE's inferencepool chart (provider.name=gke), targeting `group`. */
export function gkePolicies(inst: Installation, group = POOL_GROUP): Manifest[] {
  const {names} = inst;
  const targetRef = {group, kind: 'InferencePool', name: names.pool};
  return [
    {
      apiVersion: 'networking.gke.io/v1',
      kind: 'HealthCheckPolicy',
      metadata: {name: names.pool, namespace: names.namespace},
      spec: {targetRef, default: {config: {type: 'HTTP', httpHealthCheck: {requestPath: '/health', port: objects.MODEL_PORT}}}},
    },
    {apiVersion: 'networking.gke.io/v1', kind: 'GCPBackendPolicy', metadata: {name: names.pool, namespace: names.namespace}, spec: {targetRef, default: {timeoutSec: 300, logging: {enabled: true}}}},
  ];
}

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

/** The stand-in CRDs, established (left in the test cluster: a CRD being deleted cannot be re-created meanwhile). */
export async function installGkePolicyCrds(inst: Installation): Promise<void> {
  for (const [kind, plural] of [['HealthCheckPolicy', 'healthcheckpolicies'], ['GCPBackendPolicy', 'gcpbackendpolicies']] as const) {
    const crd = standInCrd(kind, plural);
    await inst.kube.apply(crd);
    await until(`CRD ${crd.metadata.name} established`, async () => {
      const o = await inst.kube.get<KubeObject & {status?: {conditions?: {type: string; status: string}[]}}>({apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name});
      return o.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });
  }
}

/** The healthy install, on GKE; with `policies`, the GIE chart's HealthCheckPolicy and GCPBackendPolicy (on stand-in CRDs). */
export async function installGke(inst: Installation, opts: {policies?: boolean; policyGroup?: string} = {}): Promise<ImplementationInstall> {
  const im = await moveToImplementation(inst, gkeWorld);
  if (opts.policies) {
    await installGkePolicyCrds(inst);
    for (const p of gkePolicies(inst, opts.policyGroup)) await inst.kube.apply(p);
  }
  return im;
}
