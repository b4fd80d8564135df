import type {KubeObject} from '../kube/client.ts';
import {ENVOY_GATEWAY_CONFIG_KEY, ENVOY_GATEWAY_CONFIGMAP, ENVOY_GATEWAY_NAMESPACE} from './kinds.ts';
import {get, items} from './query.ts';
import type {Snapshot} from './types.ts';
import type {Deployment, Pod} from '../k8s/objects.ts';
import {selectorMatches} from '../k8s/selectors.ts';

/** The label gateway-helm puts on the controller Deployment and its pods (charts/gateway-helm/templates/envoy-gateway-deployment.yaml). */
export const EG_CONTROLLER_LABEL = 'control-plane=envoy-gateway';

export interface EnvoyGatewayInstall {
  namespace: string;
  deployment: Deployment;
  pods: Pod[];
  /** the ConfigMap its config volume mounts (gateway-helm: envoy-gateway-config) */
  configMapName: string;
}

/**
 * An Envoy Gateway controller Deployment: labelled control-plane=envoy-gateway, or running the
 * envoyproxy/gateway image in a container named envoy-gateway. Not the Envoy proxies it creates
 * (app.kubernetes.io/component=proxy; their shutdown-manager sidecar runs the gateway image too).
 */
export function isEnvoyGatewayController(d: Deployment): boolean {
  const labels = d.metadata.labels ?? {};
  if (labels['app.kubernetes.io/component'] === 'proxy' || labels['gateway.envoyproxy.io/owning-gateway-name']) return false;
  if (labels['control-plane'] === 'envoy-gateway') return true;
  return (d.spec?.template?.spec?.containers ?? []).some((c) => c.name === 'envoy-gateway' && /envoyproxy\/gateway(-dev)?(:|@|$)/.test(c.image ?? ''));
}

const cache = new WeakMap<Snapshot, EnvoyGatewayInstall[]>();

/** Every Envoy Gateway controller found, the one in envoy-gateway-system first. */
export function envoyGatewayInstalls(snap: Snapshot): EnvoyGatewayInstall[] {
  let out = cache.get(snap);
  if (out) return out;
  out = items<Deployment>(snap, 'Deployment')
    .filter(isEnvoyGatewayController)
    .map((d) => {
      const ns = d.metadata.namespace ?? '';
      const vols = d.spec?.template?.spec?.volumes ?? [];
      const cm = vols.find((v) => v.configMap?.name && /envoy-gateway/.test(v.configMap.name)) ?? vols.find((v) => v.configMap?.name);
      return {
        namespace: ns,
        deployment: d,
        pods: items<Pod>(snap, 'Pod').filter((p) => p.metadata.namespace === ns && selectorMatches(d.spec?.selector, p.metadata.labels)),
        configMapName: cm?.configMap?.name ?? ENVOY_GATEWAY_CONFIGMAP,
      };
    })
    .sort((a, b) => (a.namespace === ENVOY_GATEWAY_NAMESPACE ? -1 : b.namespace === ENVOY_GATEWAY_NAMESPACE ? 1 : a.namespace.localeCompare(b.namespace)));
  cache.set(snap, out);
  return out;
}

/** The (first) controller: envoy-gateway-system's when there are several. */
export function envoyGatewayController(snap: Snapshot): EnvoyGatewayInstall | undefined {
  return envoyGatewayInstalls(snap)[0];
}

export function envoyGatewayConfigMap(snap: Snapshot, install?: EnvoyGatewayInstall): (KubeObject & {data?: Record<string, string>}) | undefined {
  const eg = install ?? envoyGatewayController(snap);
  return get(snap, 'ConfigMap', eg?.namespace ?? ENVOY_GATEWAY_NAMESPACE, eg?.configMapName ?? ENVOY_GATEWAY_CONFIGMAP);
}

export function envoyGatewayConfigText(snap: Snapshot, install?: EnvoyGatewayInstall): string | undefined {
  return envoyGatewayConfigMap(snap, install)?.data?.[ENVOY_GATEWAY_CONFIG_KEY];
}

/**
 * When an object's data last changed, as far as the API tells: the newest managedFields entry
 * (every create/update/apply records its time there), else creationTimestamp.
 */
export function lastChanged(o: KubeObject): Date | undefined {
  let best: number | undefined;
  for (const m of o.metadata.managedFields ?? []) {
    const t = m.time ? Date.parse(m.time) : NaN;
    if (Number.isFinite(t) && (best === undefined || t > best)) best = t;
  }
  if (best === undefined && o.metadata.creationTimestamp) best = Date.parse(o.metadata.creationTimestamp);
  return best === undefined || !Number.isFinite(best) ? undefined : new Date(best);
}
