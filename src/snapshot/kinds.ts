/*
 * The kinds doctor reads, one list call each (cluster-wide, or per namespace with -n). Requests
 * grow with the number of kinds, never with the number of objects (issue 4, "Performance").
 *
 * Left out on purpose, to stay within the request budget (≤ 25 for a healthy install):
 * - ReplicaSets: the Deployment controller copies a ReplicaSet's ReplicaFailure condition onto
 *   the Deployment (k8s.io/kubernetes pkg/controller/deployment/sync.go calculateStatus), and pods
 *   carry pod-template-hash, which is all the "why" needs.
 * - ServiceAccounts: a missing one shows up as that same ReplicaFailure condition.
 * - EnvoyProxy: where a Gateway's proxy runs is read from the proxy Service's owning-gateway labels.
 * BackendTLSPolicy is read only when an EPP serves TLS behind an EnvoyExtensionPolicy (follow-up).
 */

export type KindKey =
  | 'GatewayClass'
  | 'Gateway'
  | 'HTTPRoute'
  | 'ReferenceGrant'
  | 'InferencePool'
  | 'XInferencePool'
  | 'InferenceObjective'
  | 'LlmdInferenceObjective'
  | 'EnvoyExtensionPolicy'
  | 'InferenceService'
  | 'LLMInferenceService'
  | 'Deployment'
  | 'Pod'
  | 'Service'
  | 'EndpointSlice'
  | 'ConfigMap'
  | 'HelmReleaseSecret'
  | 'Role'
  | 'RoleBinding'
  | 'ClusterRole'
  | 'ClusterRoleBinding'
  | 'BackendTLSPolicy'
  | 'BackendTrafficPolicy'
  | 'Namespace'
  | 'TCPRoute'
  | 'UDPRoute'
  | 'Backend'
  | 'GKEHealthCheckPolicy'
  | 'GCPBackendPolicy';

export interface KindDef {
  key: KindKey;
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  labelSelector?: string;
  /** read only when a check needs it (see takeSnapshot's follow-up wave) */
  followUp?: boolean;
  /** runtime state that manifests (helm template output) never contain */
  runtime?: boolean;
}

export const GROUP = {
  gatewayApi: 'gateway.networking.k8s.io',
  pool: 'inference.networking.k8s.io',
  xPool: 'inference.networking.x-k8s.io',
  llmd: 'llm-d.ai',
  envoy: 'gateway.envoyproxy.io',
  kserve: 'serving.kserve.io',
} as const;

export const KINDS: readonly KindDef[] = [
  {key: 'GatewayClass', group: GROUP.gatewayApi, version: 'v1', resource: 'gatewayclasses', kind: 'GatewayClass', namespaced: false},
  {key: 'Gateway', group: GROUP.gatewayApi, version: 'v1', resource: 'gateways', kind: 'Gateway', namespaced: true},
  {key: 'HTTPRoute', group: GROUP.gatewayApi, version: 'v1', resource: 'httproutes', kind: 'HTTPRoute', namespaced: true},
  {key: 'ReferenceGrant', group: GROUP.gatewayApi, version: 'v1beta1', resource: 'referencegrants', kind: 'ReferenceGrant', namespaced: true},
  {key: 'InferencePool', group: GROUP.pool, version: 'v1', resource: 'inferencepools', kind: 'InferencePool', namespaced: true},
  {key: 'XInferencePool', group: GROUP.xPool, version: 'v1alpha2', resource: 'inferencepools', kind: 'InferencePool', namespaced: true},
  {key: 'InferenceObjective', group: GROUP.xPool, version: 'v1alpha2', resource: 'inferenceobjectives', kind: 'InferenceObjective', namespaced: true},
  {key: 'LlmdInferenceObjective', group: GROUP.llmd, version: 'v1alpha2', resource: 'inferenceobjectives', kind: 'InferenceObjective', namespaced: true},
  {key: 'EnvoyExtensionPolicy', group: GROUP.envoy, version: 'v1alpha1', resource: 'envoyextensionpolicies', kind: 'EnvoyExtensionPolicy', namespaced: true},
  {key: 'InferenceService', group: GROUP.kserve, version: 'v1beta1', resource: 'inferenceservices', kind: 'InferenceService', namespaced: true},
  {key: 'LLMInferenceService', group: GROUP.kserve, version: 'v1alpha1', resource: 'llminferenceservices', kind: 'LLMInferenceService', namespaced: true},
  {key: 'Deployment', group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true},
  {key: 'Pod', group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, runtime: true},
  {key: 'Service', group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true},
  {key: 'EndpointSlice', group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', kind: 'EndpointSlice', namespaced: true, runtime: true},
  {key: 'ConfigMap', group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true},
  // Helm 3/4 storage driver "secret" (helm.sh/helm pkg/storage/driver/secrets.go) labels every release Secret owner=helm.
  {key: 'HelmReleaseSecret', group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true, labelSelector: 'owner=helm', runtime: true},
  {key: 'Role', group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', kind: 'Role', namespaced: true},
  {key: 'RoleBinding', group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', kind: 'RoleBinding', namespaced: true},
  {key: 'ClusterRole', group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', kind: 'ClusterRole', namespaced: false},
  {key: 'ClusterRoleBinding', group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false},
  {key: 'BackendTLSPolicy', group: GROUP.gatewayApi, version: 'v1', resource: 'backendtlspolicies', kind: 'BackendTLSPolicy', namespaced: true, followUp: true},
  // Read only when an HTTPRoute rule to an InferencePool sets no timeouts.request (IGW-416): a
  // BackendTrafficPolicy timeout.http.requestTimeout may set it instead.
  {key: 'BackendTrafficPolicy', group: GROUP.envoy, version: 'v1alpha1', resource: 'backendtrafficpolicies', kind: 'BackendTrafficPolicy', namespaced: true, followUp: true},
  // Read only when a Gateway listener admits routes by namespace label (allowedRoutes.namespaces.from: Selector, IGW-419).
  {key: 'Namespace', group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false, followUp: true},
  // Read only when an Envoy Gateway config calls the Envoy AI Gateway extension (IGW-213: its hook fails on
  // TCP/UDP filter chains, ai-gateway#2600). Gateway API v1.6 serves them at v1 (standard channel);
  // older experimental bundles only at v1alpha2, read when v1 is not served (take.ts).
  {key: 'TCPRoute', group: GROUP.gatewayApi, version: 'v1', resource: 'tcproutes', kind: 'TCPRoute', namespaced: true, followUp: true},
  {key: 'UDPRoute', group: GROUP.gatewayApi, version: 'v1', resource: 'udproutes', kind: 'UDPRoute', namespaced: true, followUp: true},
  // Envoy Gateway's Backend (api/v1alpha1/backend_types.go: endpoints fqdn/ip/unix, tls): read only when an
  // EnvoyExtensionPolicy ext-proc or an HTTPRoute rule names one as its backendRef (the chain follows it).
  {key: 'Backend', group: GROUP.envoy, version: 'v1alpha1', resource: 'backends', kind: 'Backend', namespaced: true, followUp: true},
  // GKE's policies (closed source; API reference googlecloudplatform.github.io/gke-gateway-api,
  // networking.gke.io/v1): read only when a GatewayClass of GKE's controller exists (IGW-238/239).
  // Their CRDs exist only on GKE: a cluster without them answers 404 ("not served"), never an error.
  {key: 'GKEHealthCheckPolicy', group: 'networking.gke.io', version: 'v1', resource: 'healthcheckpolicies', kind: 'HealthCheckPolicy', namespaced: true, followUp: true},
  {key: 'GCPBackendPolicy', group: 'networking.gke.io', version: 'v1', resource: 'gcpbackendpolicies', kind: 'GCPBackendPolicy', namespaced: true, followUp: true},
];

export const KIND_BY_KEY: ReadonlyMap<KindKey, KindDef> = new Map(KINDS.map((k) => [k.key, k]));

export function kindDef(key: KindKey): KindDef {
  const d = KIND_BY_KEY.get(key);
  if (!d) throw new Error(`unknown kind ${key}`);
  return d;
}

export function apiVersionOf(d: KindDef): string {
  return d.group ? `${d.group}/${d.version}` : d.version;
}

/** Which kind key an object from a manifest belongs to (apiVersion + kind), if doctor reads it. */
export function kindKeyOf(apiVersion: string | undefined, kind: string | undefined): KindKey | undefined {
  if (!apiVersion || !kind) return undefined;
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  for (const d of KINDS) {
    if (d.kind !== kind || d.group !== group) continue;
    // Gateway API objects are often written with older versions (v1beta1); the group decides.
    if (d.key === 'HelmReleaseSecret') continue;
    return d.key;
  }
  return undefined;
}

/** The namespace Envoy Gateway's controller and its config live in (gateway-helm default). */
export const ENVOY_GATEWAY_NAMESPACE = 'envoy-gateway-system';
export const ENVOY_GATEWAY_CONFIGMAP = 'envoy-gateway-config';
export const ENVOY_GATEWAY_CONFIG_KEY = 'envoy-gateway.yaml';

/**
 * Gateway API CRDs that Envoy Gateway v1.8.x watches unconditionally at gateway.networking.k8s.io/v1
 * (envoyproxy/gateway v1.8.0 internal/provider/kubernetes/controller.go watchResources), read by name in
 * the follow-up wave only when an Envoy Gateway v1.8 runs (IGW-114): v1.9 watches them only when found.
 */
export const EG_1_8_REQUIRED_CRDS = {
  ListenerSet: 'listenersets.gateway.networking.k8s.io',
  GRPCRoute: 'grpcroutes.gateway.networking.k8s.io',
  TLSRoute: 'tlsroutes.gateway.networking.k8s.io',
  BackendTLSPolicy: 'backendtlspolicies.gateway.networking.k8s.io',
} as const;

/** CRDs read by name: for bundle versions (the annotation lives on the CRD). */
export const CRD_NAMES = {
  gateways: 'gateways.gateway.networking.k8s.io',
  inferencePools: 'inferencepools.inference.networking.k8s.io',
} as const;
