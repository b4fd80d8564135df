/*
 * patch-envoy configures Envoy Gateway only (issue 13): a Gateway or GatewayClass of another
 * implementation — Istio, kgateway, agentgateway, NGINX Gateway Fabric, GKE, each implementing
 * InferencePool itself — gains nothing from an extensionManager. With --gateway / --gateway-class,
 * patch-envoy reads the class's controllerName first and refuses (exit 4) when it is not Envoy
 * Gateway's, saying what that implementation needs instead.
 */
import type {KubeClient, KubeObject} from '../kube/client.ts';
import {implementationOf, type Implementation} from '../k8s/implementation.ts';
import {InfgwError} from '../errors.ts';
import {ISTIO_INFERENCE_FLAG, KGATEWAY_INFERENCE_FLAG} from '../model/gateway-controllers.ts';

/** What enables InferencePool on each implementation (sources in src/model/gateway-controllers.ts and /work notes). */
const INSTEAD: Partial<Record<Implementation, string>> = {
  istio: `Istio implements InferencePool itself: run istiod with ${ISTIO_INFERENCE_FLAG}=true (istioctl install --set values.pilot.env.${ISTIO_INFERENCE_FLAG}=true)`,
  kgateway: `kgateway implements InferencePool itself: run its controller with ${KGATEWAY_INFERENCE_FLAG}=true (helm value inferenceExtension.enabled=true)`,
  agentgateway: 'agentgateway implements InferencePool itself: install it with the Helm value inferenceExtension.enabled=true',
  'nginx-gateway-fabric': 'NGINX Gateway Fabric implements InferencePool itself: install it with nginxGateway.gwAPIInferenceExtension.enable=true',
  gke: 'GKE Gateway implements InferencePool itself (gke-l7 regional classes)',
};

export interface GatewayTarget {
  /** "name" (in `namespace`) or "namespace/name" */
  gateway?: string | undefined;
  gatewayClass?: string | undefined;
  namespace?: string | undefined;
}

export interface GatewayImplementationCheck {
  gateway?: {namespace: string; name: string} | undefined;
  className: string;
  controllerName: string;
  implementation: Implementation | 'unknown';
}

const GW_API = '/apis/gateway.networking.k8s.io/v1';

/**
 * Reads the Gateway (when given) and its GatewayClass. Throws a usage-level problem (exit 1) when
 * they do not exist; returns the refusal message when the class is not Envoy Gateway's.
 */
export async function gatewayImplementation(kube: KubeClient, t: GatewayTarget): Promise<{check: GatewayImplementationCheck; refusal?: string | undefined}> {
  let className = t.gatewayClass;
  let gateway: {namespace: string; name: string} | undefined;
  if (t.gateway) {
    const [ns, name] = t.gateway.includes('/') ? (t.gateway.split('/', 2) as [string, string]) : [t.namespace ?? 'default', t.gateway];
    gateway = {namespace: ns, name};
    const gw = await kube.getOptional<KubeObject & {spec?: {gatewayClassName?: string}}>(`${GW_API}/namespaces/${encodeURIComponent(ns)}/gateways/${encodeURIComponent(name)}`);
    if (!gw) throw new InfgwError(`Gateway ${ns}/${name} not found`);
    if (className && gw.spec?.gatewayClassName !== className) throw new InfgwError(`Gateway ${ns}/${name} uses GatewayClass ${gw.spec?.gatewayClassName ?? '(none)'}, not ${className}`);
    className = gw.spec?.gatewayClassName;
  }
  if (!className) throw new InfgwError(`Gateway ${gateway?.namespace}/${gateway?.name} names no GatewayClass`);
  const gc = await kube.getOptional<KubeObject & {spec?: {controllerName?: string}}>(`${GW_API}/gatewayclasses/${encodeURIComponent(className)}`);
  if (!gc) throw new InfgwError(`GatewayClass ${className} not found`);
  const controllerName = gc.spec?.controllerName ?? '';
  const impl = implementationOf(controllerName)?.id ?? (controllerName.startsWith('gateway.envoyproxy.io/') ? 'envoy-gateway' : 'unknown');
  const check: GatewayImplementationCheck = {...(gateway ? {gateway} : {}), className, controllerName, implementation: impl};
  if (impl === 'envoy-gateway') return {check};
  const what = gateway ? `Gateway ${gateway.namespace}/${gateway.name} (GatewayClass ${className})` : `GatewayClass ${className}`;
  const name = impl === 'unknown' ? `controller ${controllerName || '(none)'}, not Envoy Gateway` : `${implementationOf(controllerName)?.name ?? impl} (controllerName ${controllerName})`;
  const instead = impl === 'unknown' ? 'see its documentation for InferencePool support' : (INSTEAD[impl] ?? 'see its documentation');
  return {check, refusal: `${what} belongs to ${name}: patch-envoy only configures Envoy Gateway's extensionManager, which would change nothing for it. ${instead}. Nothing was written.`};
}
