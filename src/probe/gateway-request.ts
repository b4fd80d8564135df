/*
 * doctor --request: ONE OpenAI-style request through a pool's Gateway, the way probe-cache sends
 * its prompts (entry.ts: the model from the pool, the Gateway's status address or a port-forward
 * to its Envoy proxy pod; send.ts: streamed, timed), with the model servers' request counters
 * read before and after to tell which pod served it. Bounded: one request, a time limit, only
 * addresses the cluster names. Every forward it opens is closed before it returns.
 */
import type {KubeClient} from '../kube/client.ts';
import {type PodPortForward, openPortForward} from '../kube/portforward.ts';
import type {GatewayRequestRead} from '../snapshot/types.ts';
import {type EndpointRef, type PodScrape} from './analyze.ts';
import {type PoolInfo, poolEndpoints} from './discover.ts';
import {modelOfPool, readCounters, wayIn} from './entry.ts';
import {sendOne} from './send.ts';

/** The response headers kept: who answered, and why it refused (llm-d-router flow control sets x-llm-d-request-dropped-reason). */
export const KEPT_HEADERS = [
  'server',
  'content-type',
  'x-envoy-upstream-service-time',
  'x-envoy-overloaded',
  'x-envoy-ratelimited',
  'x-llm-d-request-dropped-reason',
  'x-gateway-destination-endpoint',
  'grpc-status',
  'grpc-message',
  'retry-after',
] as const;

/** Model servers read for the attribution (their counters); a bigger pool is attributed among these only. */
export const MAX_COUNTED_ENDPOINTS = 16;
/** A fixed, harmless prompt: doctor never sends anything of the user's. */
export const REQUEST_PROMPT = 'kubectl infgw doctor --request: reply with one word.';

export interface GatewayRequestOptions {
  namespace: string;
  release?: string | undefined;
  gateway?: string | undefined;
  /** --request-model; else the model the pool serves */
  model?: string | undefined;
  path: string;
  /** how to reach the Gateway (entry.ts wayIn): auto = a status address that answers, else a port-forward */
  via?: 'auto' | 'address' | 'port-forward' | undefined;
  timeLimitMs: number;
  maxTokens?: number;
  signal: AbortSignal;
  progress?: (line: string) => void;
  /** ms to wait for the counters to show the request (default 3000) */
  settleMs?: number;
}

/**
 * Which pods served the request, from the counter deltas: null (unknown, with why) when no counter
 * was read, or when none of the read ones rose while some endpoints were not read (beyond the first
 * MAX_COUNTED_ENDPOINTS, or a failed forward: the server may be among those); [] only when every
 * endpoint's counter was read and none rose.
 */
export function servedVerdict(d: {pods: string[]; readable: number}, endpoints: number, unreadableError?: string): {servedBy: string[] | null; countersError?: string} {
  if (d.readable === 0) return {servedBy: null, countersError: endpoints === 0 ? 'the pool has no ready model server' : (unreadableError ?? 'no request counter (vllm:request_success) on the model servers')};
  if (d.pods.length === 0 && d.readable < endpoints) return {servedBy: null, countersError: `only ${d.readable} of ${endpoints} model servers' counters were read, none of them counted it`};
  return {servedBy: d.pods};
}

function deltas(endpoints: EndpointRef[], before: Record<string, PodScrape>, after: Record<string, PodScrape>): {pods: string[]; readable: number} {
  const pods = new Set<string>();
  let readable = 0;
  for (const e of endpoints) {
    const a = before[e.id];
    const b = after[e.id];
    if (!a?.ok || !b?.ok || a.figures.requestSuccess === null || b.figures.requestSuccess === null) continue;
    readable++;
    if (b.figures.requestSuccess > a.figures.requestSuccess) pods.add(e.pod);
  }
  return {pods: [...pods], readable};
}

export async function requestThroughGateway(kube: KubeClient, pool: PoolInfo, o: GatewayRequestOptions): Promise<GatewayRequestRead> {
  const key = `${pool.namespace}/${pool.name}`;
  const forwards: PodPortForward[] = [];
  const open = async (t: {namespace: string; pod: string; port: number}): Promise<PodPortForward> => {
    const f = await openPortForward(kube, t);
    forwards.push(f);
    return f;
  };
  try {
    let endpoints: EndpointRef[] = [];
    let pods: Awaited<ReturnType<typeof poolEndpoints>>['pods'] = [];
    try {
      ({endpoints, pods} = await poolEndpoints(kube, pool));
    } catch {
      /* an empty selector or no target port: the checks say so; the request is still sent */
    }
    const counted = endpoints.slice(0, MAX_COUNTED_ENDPOINTS);
    const byId = new Map<string, PodPortForward>();
    for (const e of counted) {
      try {
        byId.set(e.id, await open({namespace: pool.namespace, pod: e.pod, port: e.port}));
      } catch {
        /* this pod's counters stay unknown */
      }
    }
    let model = o.model;
    let modelSource = '--request-model';
    if (!model) {
      const found = await modelOfPool(kube, pool, counted, pods, (e) => byId.get(e.id));
      if (!found) {
        return {
          pool: key,
          sent: false,
          stage: 'model',
          reason: counted.length === 0 ? 'the pool has no ready model server to ask which model it serves, and no InferenceService names it' : 'no model server answered /v1/models and no InferenceService names the model',
        };
      }
      ({model, source: modelSource} = found);
    }
    let way: Awaited<ReturnType<typeof wayIn>>;
    try {
      way = await wayIn(kube, pool, {gateway: o.gateway, release: o.release, namespace: o.namespace, via: o.via}, open, o.progress);
    } catch (error) {
      return {pool: key, sent: false, stage: 'way-in', reason: (error as Error).message};
    }
    const before = await readCounters(counted, byId, 5_000);
    const headers: Record<string, string> = {'user-agent': 'kubectl-infgw doctor --request'};
    if (way.gateway.host) headers.host = way.gateway.host;
    o.progress?.(`Sending one request to ${way.url}${o.path} (model ${model})`);
    const r = await sendOne(
      {url: way.url, path: o.path, headers, model, maxTokens: o.maxTokens ?? 8},
      REQUEST_PROMPT,
      {phase: 'identical', index: 0, t0: performance.now(), httpTimeoutMs: o.timeLimitMs, stop: o.signal, capture: {headers: KEPT_HEADERS, bodyChars: 2048}},
    );
    // the counters move when the model server finishes: wait briefly for a success to show
    let after = await readCounters(counted, byId, 5_000);
    const deadline = performance.now() + (r.ok ? (o.settleMs ?? 3_000) : 0);
    for (let d = deltas(counted, before, after); r.ok && d.pods.length === 0 && d.readable > 0 && performance.now() < deadline && !o.signal.aborted; d = deltas(counted, before, after)) {
      await new Promise((res) => setTimeout(res, 250));
      after = await readCounters(counted, byId, 5_000);
    }
    const d = deltas(counted, before, after);
    const unreadable = Object.entries(after).find(([, s]) => !s.ok) as [string, {ok: false; error: string}] | undefined;
    return {
      pool: key,
      sent: true,
      url: way.url,
      via: way.via,
      gateway: {namespace: way.gateway.namespace, name: way.gateway.name},
      ...(way.envoyProxy ? {envoyProxy: {namespace: way.envoyProxy.namespace, pod: way.envoyProxy.pod}} : {}),
      ...(way.addressesRefused ? {addressesRefused: way.addressesRefused} : {}),
      ...(way.gateway.host ? {host: way.gateway.host} : {}),
      path: o.path,
      model,
      modelSource,
      timeLimitMs: o.timeLimitMs,
      status: r.status,
      ...(r.errorKind ? {errorKind: r.errorKind} : {}),
      ...(r.error ? {error: r.error} : {}),
      ttftMs: r.ttftMs,
      totalMs: r.totalMs,
      streamed: r.streamed,
      ...(r.headers?.['content-type'] ? {contentType: r.headers['content-type']} : {}),
      headers: r.headers ?? {},
      body: r.bodyHead ?? '',
      ...servedVerdict(d, endpoints.length, unreadable?.[1].error),
    };
  } finally {
    await Promise.all(forwards.map((f) => f.close()));
  }
}
