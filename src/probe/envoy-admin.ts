/*
 * The Envoy proxy's admin endpoint through a port-forward (doctor --envoy-admin): GET
 * /config_dump and /stats from the proxy pod of a Gateway, as `egctl config envoy-proxy` does.
 * Envoy Gateway's bootstrap binds the admin listener to 127.0.0.1:19000 inside the pod
 * (envoyproxy/gateway internal/xds/bootstrap/bootstrap.go: EnvoyAdminAddress "127.0.0.1",
 * EnvoyAdminPort 19000; bootstrap.yaml.tpl admin.address). A port-forward connects to the pod's
 * own loopback (the kubelet dials localhost in the pod's network namespace), so it is reachable
 * that way and only that way — not through the Service, not from another pod.
 */
import type {KubeClient} from '../kube/client.ts';
import {getThroughForward, openPortForward} from '../kube/portforward.ts';
import {readConfigDump, readEnvoyStats, STATS_FILTER} from '../envoy/admin.ts';
import type {EnvoyAdminRead} from '../snapshot/types.ts';
import {type GatewayInfo, findEnvoyProxy} from './discover.ts';

export const ENVOY_ADMIN_PORT = 19000;

export async function readEnvoyAdmin(kube: KubeClient, gateway: GatewayInfo, opts: {timeoutMs: number; signal?: AbortSignal | undefined}): Promise<EnvoyAdminRead> {
  const gw = {namespace: gateway.namespace, name: gateway.name};
  let proxy: {namespace: string; pod: string};
  try {
    const p = await findEnvoyProxy(kube, gateway);
    proxy = {namespace: p.namespace, pod: p.pod};
  } catch (error) {
    return {gateway: gw, ok: false, reason: (error as Error).message};
  }
  let forward;
  try {
    forward = await openPortForward(kube, {namespace: proxy.namespace, pod: proxy.pod, port: ENVOY_ADMIN_PORT});
  } catch (error) {
    return {gateway: gw, proxy, ok: false, reason: `cannot port-forward to ${proxy.namespace}/${proxy.pod}:${ENVOY_ADMIN_PORT}: ${(error as Error).message}`};
  }
  const get = {timeoutMs: opts.timeoutMs, ...(opts.signal ? {signal: opts.signal} : {})};
  try {
    let dumpText: string;
    try {
      const res = await getThroughForward(forward, '/config_dump', get);
      if (res.status !== 200) return {gateway: gw, proxy, ok: false, reason: `${proxy.namespace}/${proxy.pod}:${ENVOY_ADMIN_PORT}/config_dump answered HTTP ${res.status}`};
      dumpText = res.body;
    } catch (error) {
      const tunnel = forward.errors.at(-1);
      return {gateway: gw, proxy, ok: false, reason: `cannot read ${proxy.namespace}/${proxy.pod}:${ENVOY_ADMIN_PORT}/config_dump: ${tunnel ?? (error as Error).message}`};
    }
    let config;
    try {
      config = readConfigDump(JSON.parse(dumpText));
    } catch (error) {
      return {gateway: gw, proxy, ok: false, reason: `the config dump is not JSON: ${(error as Error).message}`};
    }
    try {
      const res = await getThroughForward(forward, `/stats?filter=${encodeURIComponent(STATS_FILTER)}`, get);
      if (res.status !== 200) return {gateway: gw, proxy, ok: true, config, stats: null, statsError: `/stats answered HTTP ${res.status}`};
      return {gateway: gw, proxy, ok: true, config, stats: readEnvoyStats(res.body)};
    } catch (error) {
      return {gateway: gw, proxy, ok: true, config, stats: null, statsError: (error as Error).message};
    }
  } finally {
    await forward.close();
  }
}
