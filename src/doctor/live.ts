/*
 * doctor's reads of live traffic, only when asked: --request sends one request through the
 * Gateway of the (first) pool in scope (src/probe/gateway-request.ts); --envoy-admin, and
 * --request with it, reads the Envoy proxy's admin view of each Gateway in scope (at most
 * MAX_PROXIES; src/probe/envoy-admin.ts). Both land in the snapshot (snap.request,
 * snap.envoyAdmin), where the checks of phase 8 judge them like any other read. Without these
 * flags nothing here runs: doctor's requests stay what they were.
 */
import type {KubeClient} from '../kube/client.ts';
import {redactString} from '../bundle/redact.ts';
import {discover} from '../model/target.ts';
import type {EnvoyAdminRead, Snapshot} from '../snapshot/types.ts';
import {poolInfo, resolveGateway, type PoolInfo} from '../probe/discover.ts';
import {readEnvoyAdmin} from '../probe/envoy-admin.ts';
import {requestThroughGateway} from '../probe/gateway-request.ts';

export const MAX_PROXIES = 3;
/** characters of the response body kept in the report */
export const BODY_SNIPPET = 300;
export const DEFAULT_REQUEST_PATH = '/v1/chat/completions';

/** What of a response body goes into the report: tokens and credentials removed (src/bundle/redact.ts), at most BODY_SNIPPET characters. */
export function bodySnippet(body: string): string {
  return redactString(body).slice(0, BODY_SNIPPET);
}

export interface LiveReadOptions {
  namespace?: string | undefined;
  defaultNamespace: string;
  release?: string | undefined;
  pool?: string | undefined;
  request?: {timeLimitMs: number; model?: string | undefined; path?: string | undefined; via?: 'auto' | 'address' | 'port-forward' | undefined} | undefined;
  envoyAdmin: boolean;
  signal?: AbortSignal | undefined;
  progress?: ((line: string) => void) | undefined;
}

export async function readLive(kube: KubeClient, snap: Snapshot, o: LiveReadOptions): Promise<void> {
  const target = discover(snap, {namespace: o.namespace, release: o.release, pool: o.pool});
  const chains = target.chains.filter((c) => c.pool);
  const pools: PoolInfo[] = chains.map((c) => poolInfo(c.pool!.obj as Parameters<typeof poolInfo>[0], {group: c.pool!.group, version: c.pool!.version}));
  const signal = o.signal ?? new AbortController().signal;
  const started = kube.requestCount;
  if (o.request && pools[0]) {
    const pool = pools[0];
    const t0 = performance.now();
    const r = await requestThroughGateway(kube, pool, {
      namespace: pool.namespace,
      release: o.release,
      path: o.request.path ?? DEFAULT_REQUEST_PATH,
      timeLimitMs: o.request.timeLimitMs,
      model: o.request.model,
      via: o.request.via,
      signal,
      ...(o.progress ? {progress: o.progress} : {}),
    });
    if (r.sent) r.body = bodySnippet(r.body);
    snap.request = r;
    snap.requests.push({what: `one request through the Gateway (doctor --request)`, path: r.sent ? `${r.url}${r.path}` : r.reason, durationMs: Math.round(performance.now() - t0), status: r.sent && r.status !== null ? 'ok' : 'failed'});
  }
  if (o.envoyAdmin || o.request) {
    const reads: EnvoyAdminRead[] = [];
    const seen = new Set<string>();
    for (const pool of pools) {
      if (seen.size >= MAX_PROXIES) break;
      let gw;
      try {
        gw = await resolveGateway(kube, pool, {release: o.release, namespace: pool.namespace});
      } catch {
        continue; // no Gateway in front of this pool: the Gateway checks say so
      }
      const key = `${gw.namespace}/${gw.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const t0 = performance.now();
      const read = await readEnvoyAdmin(kube, gw, {timeoutMs: 10_000, signal});
      reads.push(read);
      snap.requests.push({what: `Envoy admin of Gateway ${key}`, path: read.proxy ? `/api/v1/namespaces/${read.proxy.namespace}/pods/${read.proxy.pod}/portforward` : key, durationMs: Math.round(performance.now() - t0), status: read.ok ? 'ok' : 'failed'});
    }
    snap.envoyAdmin = reads;
  }
  snap.apiRequests += kube.requestCount - started;
}
