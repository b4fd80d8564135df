/*
 * Which Gateway API implementation a GatewayClass belongs to, from its spec.controllerName (issue 11
 * item 8; kept here so other checks — issue 13 — can use the same table). Sources, per row:
 *   - Envoy Gateway: envoyproxy/gateway api/v1alpha1/shared_types.go GatewayControllerName (also
 *     ../shared/fixtures/envoy-gateway-config.default.yaml gateway.controllerName);
 *   - Istio: istio/istio pilot/pkg/features/pilot.go ManagedGatewayController and
 *     pkg/config/constants/constants.go (ManagedGatewayMeshController, UnmanagedGatewayController,
 *     ManagedGatewayEastWestController);
 *   - kgateway and agentgateway: kgateway-dev/kgateway wellknown constants
 *     DefaultGatewayControllerName / DefaultAgwControllerName;
 *   - NGINX Gateway Fabric: nginx/nginx-gateway-fabric charts/nginx-gateway-fabric/values.yaml
 *     nginxGateway.gatewayControllerName (configurable, always under gateway.nginx.org/);
 *   - GKE: networking.gke.io/gateway (closed source; matched by its prefix).
 * Istio, kgateway, agentgateway, NGINX Gateway Fabric and GKE implement InferencePool backends
 * themselves: they need neither an EnvoyExtensionPolicy nor Envoy AI Gateway.
 */

export type Implementation = 'envoy-gateway' | 'istio' | 'kgateway' | 'agentgateway' | 'nginx-gateway-fabric' | 'gke';

export interface ImplementationInfo {
  id: Implementation;
  /** the name users know it by */
  name: string;
  /** implements InferencePool backends natively (no Envoy Gateway extension needed) */
  nativeInferencePool: boolean;
}

const INFO: Record<Implementation, ImplementationInfo> = {
  'envoy-gateway': {id: 'envoy-gateway', name: 'Envoy Gateway', nativeInferencePool: false},
  istio: {id: 'istio', name: 'Istio', nativeInferencePool: true},
  kgateway: {id: 'kgateway', name: 'kgateway', nativeInferencePool: true},
  agentgateway: {id: 'agentgateway', name: 'agentgateway', nativeInferencePool: true},
  'nginx-gateway-fabric': {id: 'nginx-gateway-fabric', name: 'NGINX Gateway Fabric', nativeInferencePool: true},
  gke: {id: 'gke', name: 'GKE Gateway', nativeInferencePool: true},
};

/** Exact controllerName → implementation (the defaults each project ships). */
export const CONTROLLER_NAMES: Readonly<Record<string, Implementation>> = {
  'gateway.envoyproxy.io/gatewayclass-controller': 'envoy-gateway',
  'istio.io/gateway-controller': 'istio',
  'istio.io/mesh-controller': 'istio',
  'istio.io/unmanaged-gateway': 'istio',
  'istio.io/eastwest-controller': 'istio',
  'kgateway.dev/kgateway': 'kgateway',
  'agentgateway.dev/agentgateway': 'agentgateway',
  'gateway.nginx.org/nginx-gateway-controller': 'nginx-gateway-fabric',
  'networking.gke.io/gateway': 'gke',
};

/** Prefixes for configurable or undocumented names (NGF requires gateway.nginx.org/<path>; GKE's are closed source). */
const CONTROLLER_PREFIXES: readonly [string, Implementation][] = [
  ['gateway.nginx.org/', 'nginx-gateway-fabric'],
  ['networking.gke.io/', 'gke'],
];

/** The implementation behind a controllerName, or undefined when it is not one we know. */
export function implementationOf(controllerName: string | undefined): ImplementationInfo | undefined {
  if (!controllerName) return undefined;
  const exact = CONTROLLER_NAMES[controllerName];
  if (exact) return INFO[exact];
  const byPrefix = CONTROLLER_PREFIXES.find(([p]) => controllerName.startsWith(p));
  return byPrefix ? INFO[byPrefix[1]] : undefined;
}
