import type {KubeObject} from '../kube/client.ts';
import {ENVOY_GATEWAY_CONFIG_KEY, ENVOY_GATEWAY_CONFIGMAP, ENVOY_GATEWAY_NAMESPACE} from './kinds.ts';
import {get, inNamespace} from './query.ts';
import type {Snapshot} from './types.ts';
import type {Deployment, Pod} from '../checks/k8s.ts';
import {selectorMatches} from '../checks/k8s.ts';

/**
 * Envoy Gateway's controller: the Deployment `envoy-gateway` that gateway-helm installs in
 * envoy-gateway-system (charts/gateway-helm/templates/envoy-gateway-deployment.yaml), or any
 * Deployment there whose image is envoyproxy/gateway (renamed installs). The proxies it creates
 * run image envoyproxy/envoy and are not it.
 */
export function envoyGatewayController(snap: Snapshot): {deployment: Deployment; pods: Pod[]} | undefined {
  const deployments = inNamespace<Deployment>(snap, 'Deployment', ENVOY_GATEWAY_NAMESPACE);
  const d =
    deployments.find((x) => x.metadata.name === 'envoy-gateway') ??
    deployments.find((x) => (x.spec?.template?.spec?.containers ?? []).some((c) => /envoyproxy\/gateway(-dev)?(:|@|$)/.test(c.image ?? '')));
  if (!d) return undefined;
  const pods = inNamespace<Pod>(snap, 'Pod', ENVOY_GATEWAY_NAMESPACE).filter((p) => selectorMatches(d.spec?.selector, p.metadata.labels));
  return {deployment: d, pods};
}

/**
 * The ConfigMap the controller mounts (its Deployment's configMap volume; gateway-helm names it
 * envoy-gateway-config), read from the snapshot.
 */
export function envoyGatewayConfigMapName(snap: Snapshot): string {
  const eg = envoyGatewayController(snap);
  const vols = eg?.deployment.spec?.template?.spec?.volumes ?? [];
  const cm = vols.find((v) => v.configMap?.name && /envoy-gateway/.test(v.configMap.name)) ?? vols.find((v) => v.configMap?.name);
  return cm?.configMap?.name ?? ENVOY_GATEWAY_CONFIGMAP;
}

export function envoyGatewayConfigMap(snap: Snapshot): (KubeObject & {data?: Record<string, string>}) | undefined {
  return get(snap, 'ConfigMap', ENVOY_GATEWAY_NAMESPACE, envoyGatewayConfigMapName(snap));
}

export function envoyGatewayConfigText(snap: Snapshot): string | undefined {
  return envoyGatewayConfigMap(snap)?.data?.[ENVOY_GATEWAY_CONFIG_KEY];
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
