/*
 * probe-cache, end to end: find the pool and the way in, read every counter, send the identical
 * then the unique prompts, read the counters again after each phase, and analyse. Every forward
 * opened through the Kubernetes API is closed before this returns, whatever happened.
 * With --url and --model the cluster is optional: when it cannot be used, the prompts are still
 * sent and timed, and the report says what is unknown without the counters (offline.ts).
 */
import {randomBytes} from 'node:crypto';
import {Agent} from 'undici';
import {ExitCode, InfgwError, UsageError} from '../errors.ts';
import type {KubeClient} from '../kube/client.ts';
import {type MetricsToken, type PodPortForward, metricsBearerToken, openPortForward, scrapeThroughForward} from '../kube/portforward.ts';
import {parseExposition} from '../metrics/exposition.ts';
import {readEpp} from '../metrics/read.ts';
import {type Analysis, type EndpointRef, type EppScrape, type Snapshot, analyzeProbe, eppFigures} from './analyze.ts';
import {type EnvoyProxyTarget, type EppInfo, type GatewayInfo, type PoolInfo, findEpp, poolEndpoints, resolvePool} from './discover.ts';
import {modelOfPool, readCounters, wayIn} from './entry.ts';
import {type OfflineReason, analyzeOffline, offlineDecision, offlineWarning} from './offline.ts';
import {type PromptPlan, planPrompts} from './prompts.ts';
import {type PhaseRun, type StopReason, type Target, RequestBudget, runPhase, stopReasonOf} from './send.ts';

/**
 * The cluster: a client, or a function that makes one (the command passes a function when --url
 * and --model are given, so that a missing kubeconfig is found only when the counters are wanted).
 */
export type KubeAccess = KubeClient | (() => Promise<KubeClient>);

/** How long the first API request may take before a --url probe goes on without the cluster. */
export const CLUSTER_CHECK_MS = 15_000;

export interface ProbeOptions {
  /** default: the client's (the kubeconfig context's namespace, else "default") */
  namespace?: string | undefined;
  release?: string | undefined;
  pool?: string | undefined;
  gateway?: string | undefined;
  url?: string | undefined;
  path: string;
  model?: string | undefined;
  /** --header values; never printed */
  headers: Record<string, string>;
  requests: number;
  prompt?: string | undefined;
  prefixTokens: number;
  concurrency: number;
  maxTokens: number;
  maxRequests: number;
  maxDurationMs: number;
  httpTimeoutMs: number;
  /** where the EPP metrics token comes from: the user's own if any (auto), or always minted for the EPP ServiceAccount */
  metricsToken: 'auto' | 'serviceaccount';
  /** Ctrl-C */
  signal: AbortSignal;
  progress?: (message: string) => void;
  runId?: string;
  /** ms to wait for counters to catch up after a phase (default 3000) */
  settleMs?: number;
  /** --kubeconfig, --context, --cluster or --user was given (see offlineDecision) */
  explicitCluster?: boolean;
  /** bound on the first API request when the probe could go on without the cluster (default CLUSTER_CHECK_MS; --request-timeout wins) */
  clusterCheckMs?: number;
}

export interface ProbeReport {
  runId: string;
  startedAt: string;
  durationMs: number;
  target: {
    url: string;
    via: 'flag' | 'gateway-address' | 'port-forward';
    path: string;
    model: string;
    modelSource: string;
    host?: string | undefined;
    /** names only: values are never printed */
    headerNames: string[];
    gateway?: {namespace: string; name: string; listenerPort?: number | undefined; addresses: string[]} | undefined;
    envoyProxy?: EnvoyProxyTarget | undefined;
  };
  /** null when the probe ran without the cluster (see `offline`) */
  pool: (PoolInfo & {notReady: string[]}) | null;
  /** set when the cluster could not be used: the prompts were sent and timed, the counters not read */
  offline?: OfflineReason | undefined;
  endpoints: EndpointRef[];
  epp: (EppInfo & {token: Omit<MetricsToken, 'token'>}) | {error: string} | null;
  plan: {
    identical: number;
    unique: number;
    prefixTokens: number;
    approxPromptTokens: number;
    concurrency: number;
    maxTokens: number;
    maxRequests: number;
    maxDurationMs: number;
    httpTimeoutMs: number;
  };
  stopped?: {by: StopReason; message: string} | undefined;
  phases: {identical: PhaseRun; unique: PhaseRun | null};
  snapshots: Snapshot[];
  portForwards: {target: string; localPort: number; connections: number; errors: string[]; closed: boolean}[];
  analysis: Analysis;
}

const STOP_MESSAGES: Record<StopReason, (o: ProbeOptions) => string> = {
  'max-requests': (o) => `stopped at --max-requests=${o.maxRequests} (${2 * o.requests} planned)`,
  'max-duration': (o) => `stopped at --max-duration (${Math.round(o.maxDurationMs / 1000)} s)`,
  interrupted: () => 'interrupted (Ctrl-C)',
};

function validate(o: ProbeOptions): void {
  const whole = (name: string, v: number, min: number): void => {
    if (!Number.isInteger(v) || v < min) throw new UsageError(`--${name} must be a whole number >= ${min} (got ${v})`);
  };
  whole('requests', o.requests, 1);
  whole('concurrency', o.concurrency, 1);
  whole('max-requests', o.maxRequests, 1);
  whole('prefix-tokens', o.prefixTokens, 0);
  whole('max-tokens', o.maxTokens, 1);
  if (!(o.maxDurationMs > 0)) throw new UsageError('--max-duration must be positive');
  if (!(o.httpTimeoutMs > 0)) throw new UsageError('--http-timeout must be positive');
  if (!o.path.startsWith('/')) throw new UsageError(`--path must start with "/" (got ${o.path})`);
  if (o.url) {
    try {
      const u = new URL(o.url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    } catch {
      throw new UsageError(`--url must be an http(s) URL (got ${o.url})`);
    }
  }
}

/** Run the whole probe. Throws only for problems before the first request (usage, cluster, discovery). */
export async function probeCache(kube: KubeAccess, o: ProbeOptions): Promise<ProbeReport> {
  validate(o);
  const t0 = performance.now();
  const resources: Resources = {forwards: [], dispatcher: undefined};
  let report: ProbeReport;
  try {
    report = await runProbe(kube, o, t0, resources);
  } finally {
    await resources.dispatcher?.close().catch(() => {});
    await Promise.all(resources.forwards.map((f) => f.close()));
  }
  // Recorded after closing, so the report shows they are closed (the e2e test checks the OS too).
  report.portForwards = resources.forwards.map((f) => ({
    target: `${f.namespace}/${f.pod}:${f.port}`,
    localPort: f.localPort,
    connections: f.connectionCount,
    errors: [...f.errors],
    closed: f.closed,
  }));
  report.durationMs = Math.round(performance.now() - t0);
  return report;
}

interface Resources {
  forwards: PodPortForward[];
  dispatcher: Agent | undefined;
}

interface Reached {
  kube: KubeClient;
  pool: PoolInfo;
  endpoints: EndpointRef[];
  pods: Awaited<ReturnType<typeof poolEndpoints>>['pods'];
  notReady: string[];
}

/**
 * Make the client, check the API answers, find the pool and its ready endpoints — or, when that
 * fails in a way offlineDecision allows, say why the probe goes on without the cluster.
 */
async function reachCluster(access: KubeAccess, o: ProbeOptions): Promise<Reached | {offline: OfflineReason}> {
  const decide = (error: unknown, stage: 'kubeconfig' | 'api'): {offline: OfflineReason} => {
    const d = offlineDecision({error, stage, url: o.url, model: o.model, explicitCluster: o.explicitCluster ?? false, interrupted: o.signal.aborted});
    if (!d.offline) throw d.error;
    return {offline: d.why};
  };
  let kube: KubeClient;
  try {
    kube = typeof access === 'function' ? await access() : access;
  } catch (error) {
    return decide(error, 'kubeconfig');
  }
  const canGoOffline = Boolean(o.url && o.model);
  try {
    // A cluster that does not answer at all (a stale context behind a VPN) would otherwise hold a
    // --url probe for minutes; --request-timeout, when set, is the user's own bound.
    const checkMs = canGoOffline && kube.config.requestTimeoutMs === 0 ? (o.clusterCheckMs ?? CLUSTER_CHECK_MS) : 0;
    const check = checkMs > 0 ? AbortSignal.timeout(checkMs) : undefined;
    try {
      await kube.warm({signal: check ? AbortSignal.any([o.signal, check]) : o.signal});
    } catch (error) {
      if (check?.aborted && !o.signal.aborted) {
        throw new InfgwError(`the Kubernetes API server at ${kube.server} did not answer within ${checkMs / 1000} s`, {
          exitCode: ExitCode.cluster,
          hint: 'Is the cluster running and the address right (VPN, proxy)? Pass --request-timeout to wait longer.',
        });
      }
      throw error;
    }
    const pool = await resolvePool(kube, {namespace: o.namespace ?? kube.namespace, pool: o.pool, release: o.release});
    const {endpoints, pods, notReady} = await poolEndpoints(kube, pool);
    return {kube, pool, endpoints, pods, notReady};
  } catch (error) {
    return decide(error, 'api');
  }
}

/** What both paths share to send the two phases: the stop signal (Ctrl-C, --max-duration), the --max-requests budget, the connection pool, the per-request progress line. */
function sending(o: ProbeOptions, t0: number, resources: Resources, progress: (line: string) => void) {
  const stop = AbortSignal.any([o.signal, AbortSignal.timeout(o.maxDurationMs)]);
  const budget = new RequestBudget(o.maxRequests);
  const dispatcher = new Agent({connections: o.concurrency + 1, keepAliveTimeout: 4_000});
  resources.dispatcher = dispatcher;
  const onResult = (r: {phase: string; index: number; ok: boolean; status: number | null; ttftMs: number | null; error?: string}): void =>
    progress(`  ${r.phase} #${r.index + 1}: ${r.ok ? `${r.status} TTFT ${r.ttftMs ?? '?'} ms` : `failed: ${r.status ?? ''} ${r.error ?? ''}`.trim()}`);
  return {concurrency: o.concurrency, budget, stop, httpTimeoutMs: o.httpTimeoutMs, t0, dispatcher, onResult};
}

function planOf(o: ProbeOptions, prompts: PromptPlan): ProbeReport['plan'] {
  return {
    identical: o.requests,
    unique: o.requests,
    prefixTokens: o.prefixTokens,
    approxPromptTokens: prompts.approxTokens,
    concurrency: o.concurrency,
    maxTokens: o.maxTokens,
    maxRequests: o.maxRequests,
    maxDurationMs: o.maxDurationMs,
    httpTimeoutMs: o.httpTimeoutMs,
  };
}

/** The probe without the cluster: send and time both phases against --url; the counters are unknown. */
async function runOffline(o: ProbeOptions, why: OfflineReason, t0: number, resources: Resources, runId: string, startedAt: Date): Promise<ProbeReport> {
  const progress = o.progress ?? (() => {});
  const url = (o.url as string).replace(/\/+$/, '');
  const model = o.model as string;
  progress(offlineWarning(why, url));
  const target: Target = {url, path: o.path, headers: {...o.headers}, model, maxTokens: o.maxTokens};
  const prompts = planPrompts({runId, prefixTokens: o.prefixTokens, question: o.prompt});
  progress(`Sending ${o.requests} identical then ${o.requests} unique prompts (~${prompts.approxTokens} tokens) to ${url}${o.path} (model ${model})`);
  const common = {...sending(o, t0, resources, progress), target};
  const identical = await runPhase({...common, phase: 'identical', count: o.requests, promptOf: () => prompts.identical, firstAlone: true});
  let unique: PhaseRun | null = null;
  let stoppedBy = identical.stoppedBy;
  if (!stoppedBy) {
    unique = await runPhase({...common, phase: 'unique', count: o.requests, promptOf: (i) => prompts.unique(i), firstAlone: false});
    stoppedBy = unique.stoppedBy;
  }
  stoppedBy ??= stopReasonOf(o.signal);
  const stopped = stoppedBy ? {by: stoppedBy, message: STOP_MESSAGES[stoppedBy](o)} : undefined;
  if (stopped) progress(stopped.message);
  return {
    runId,
    startedAt: startedAt.toISOString(),
    durationMs: 0,
    target: {url, via: 'flag', path: o.path, model, modelSource: '--model', headerNames: Object.keys(o.headers)},
    pool: null,
    offline: why,
    endpoints: [],
    epp: null,
    plan: planOf(o, prompts),
    ...(stopped ? {stopped} : {}),
    phases: {identical, unique},
    snapshots: [],
    portForwards: [],
    analysis: analyzeOffline({identical, unique: unique ?? undefined, why, url, stoppedBy: stopped?.message}),
  };
}

async function runProbe(access: KubeAccess, o: ProbeOptions, t0: number, resources: Resources): Promise<ProbeReport> {
  const progress = o.progress ?? (() => {});
  const runId = o.runId ?? randomBytes(4).toString('hex');
  const startedAt = new Date();
  const reached = await reachCluster(access, o);
  if ('offline' in reached) return runOffline(o, reached.offline, t0, resources, runId, startedAt);
  const {kube, pool, endpoints, pods, notReady} = reached;
  const namespace = o.namespace ?? kube.namespace;
  const opened = async (target: {namespace: string; pod: string; port: number}): Promise<PodPortForward> => {
    const f = await openPortForward(kube, target);
    resources.forwards.push(f);
    return f;
  };
  {
    progress(
      `InferencePool ${pool.namespace}/${pool.name}: ${endpoints.length} ready endpoint${endpoints.length === 1 ? '' : 's'}${endpoints.length ? ` (${endpoints.map((e) => e.id).join(', ')})` : ''}${notReady.length ? `; not ready: ${notReady.join(', ')}` : ''}`,
    );

    // Forwards to every model server, and to the EPP's metrics port.
    const podForwards = new Map<string, PodPortForward>();
    for (const e of endpoints) podForwards.set(e.id, await opened({namespace: pool.namespace, pod: e.pod, port: e.port}));
    const eppFound = pool.epp ? await findEpp(kube, pool) : null;
    let epp: ProbeReport['epp'] = null;
    let eppForward: PodPortForward | undefined;
    let eppToken: string | undefined;
    if (eppFound && 'error' in eppFound) epp = eppFound;
    else if (eppFound) {
      const token = await metricsBearerToken(kube, {
        namespace: eppFound.namespace,
        serviceAccount: eppFound.serviceAccount,
        ...(o.metricsToken === 'serviceaccount' ? {prefer: 'serviceaccount' as const} : {}),
      });
      eppToken = token.token;
      epp = {...eppFound, token: {source: token.source, ...(token.reason ? {reason: token.reason} : {})}};
      eppForward = await opened({namespace: eppFound.namespace, pod: eppFound.pod, port: eppFound.metricsPort});
      progress(`EPP ${eppFound.namespace}/${eppFound.pod} (metrics port ${eppFound.metricsPort}, token: ${token.source}${token.reason ? ` — ${token.reason}` : ''})`);
    }

    // The model.
    let model = o.model;
    let modelSource = '--model';
    if (!model) {
      const found = await modelOfPool(kube, pool, endpoints, pods, (e) => podForwards.get(e.id));
      if (found) ({model, source: modelSource} = found);
    }
    if (!model) {
      throw new UsageError(
        endpoints.length === 0
          ? `InferencePool ${pool.namespace}/${pool.name} has no ready model-server pod to ask which model it serves`
          : `cannot tell which model InferencePool ${pool.namespace}/${pool.name} serves (no answer from /v1/models, no InferenceService)`,
        endpoints.length === 0 ? 'Wait until its pods are Ready, or pass --model NAME to probe anyway.' : 'Pass --model NAME.',
      );
    }

    // Where to send.
    let url: string;
    let via: ProbeReport['target']['via'];
    let gateway: GatewayInfo | undefined;
    let envoyProxy: EnvoyProxyTarget | undefined;
    if (o.url) {
      url = o.url.replace(/\/+$/, '');
      via = 'flag';
    } else {
      ({url, via, gateway, envoyProxy} = await wayIn(kube, pool, {gateway: o.gateway, release: o.release, namespace}, opened, progress));
    }
    const headers = {...o.headers};
    const hasHost = Object.keys(headers).some((h) => h.toLowerCase() === 'host');
    const host = !hasHost && gateway?.host ? gateway.host : undefined;
    if (host) headers.host = host;
    const target: Target = {url, path: o.path, headers, model, maxTokens: o.maxTokens};
    const prompts = planPrompts({runId, prefixTokens: o.prefixTokens, question: o.prompt});
    progress(`Sending ${o.requests} identical then ${o.requests} unique prompts (~${prompts.approxTokens} tokens) to ${url}${o.path} (model ${model})`);

    // Snapshots.
    const scrapeTimeoutMs = 8_000;
    const takeSnapshot = async (label: Snapshot['label']): Promise<Snapshot> => {
      const pods = await readCounters(endpoints, podForwards, scrapeTimeoutMs);
      let eppScrape: EppScrape | undefined;
      if (eppForward) {
        try {
          const text = await scrapeThroughForward(eppForward, {bearerToken: eppToken, timeoutMs: scrapeTimeoutMs});
          eppScrape = {ok: true, figures: eppFigures(readEpp(parseExposition(text)))};
        } catch (error) {
          const hint = (error as {hint?: string}).hint;
          eppScrape = {ok: false, error: `${(error as Error).message}${hint ? ` (${hint})` : ''}`};
        }
      }
      return {label, atMs: Math.round(performance.now() - t0), pods, ...(eppScrape ? {epp: eppScrape} : {})};
    };
    /** After a phase, wait (briefly) until the request counters account for the successes. */
    const settle = async (label: Snapshot['label'], from: Snapshot, run: PhaseRun): Promise<Snapshot> => {
      const succeeded = run.results.filter((r) => r.ok).length;
      const deadline = performance.now() + (o.signal.aborted ? 0 : (o.settleMs ?? 3000));
      for (;;) {
        const s = await takeSnapshot(label);
        let total = 0;
        let readable = 0;
        for (const e of endpoints) {
          const a = from.pods[e.id];
          const b = s.pods[e.id];
          if (a?.ok && b?.ok && a.figures.requestSuccess !== null && b.figures.requestSuccess !== null) {
            readable++;
            total += Math.max(0, b.figures.requestSuccess - a.figures.requestSuccess);
          }
        }
        if (readable === 0 || total >= succeeded || performance.now() >= deadline) return s;
        await new Promise((r) => setTimeout(r, 300));
      }
    };

    const before = await takeSnapshot('before');
    const common = {...sending(o, t0, resources, progress), target};
    const identical = await runPhase({...common, phase: 'identical', count: o.requests, promptOf: () => prompts.identical, firstAlone: true});
    const between = await settle('between', before, identical);
    let unique: PhaseRun | null = null;
    let after: Snapshot | undefined;
    let stoppedBy = identical.stoppedBy;
    if (!stoppedBy) {
      unique = await runPhase({...common, phase: 'unique', count: o.requests, promptOf: (i) => prompts.unique(i), firstAlone: false});
      after = await settle('after', between, unique);
      stoppedBy = unique.stoppedBy;
    }
    stoppedBy ??= stopReasonOf(o.signal);
    const stopped = stoppedBy ? {by: stoppedBy, message: STOP_MESSAGES[stoppedBy](o)} : undefined;
    if (stopped) progress(stopped.message);

    const analysis = analyzeProbe({
      endpoints,
      before,
      between,
      after,
      identical,
      unique: unique ?? undefined,
      eppExpected: eppForward !== undefined || (epp !== null && 'error' in epp),
      stoppedBy: stopped?.message,
    });
    const report: ProbeReport = {
      runId,
      startedAt: startedAt.toISOString(),
      durationMs: 0,
      target: {
        url,
        via,
        path: o.path,
        model,
        modelSource,
        ...(host ? {host} : {}),
        headerNames: Object.keys(o.headers),
        ...(gateway ? {gateway: {namespace: gateway.namespace, name: gateway.name, listenerPort: gateway.listener?.port, addresses: gateway.addresses}} : {}),
        ...(envoyProxy ? {envoyProxy} : {}),
      },
      pool: {...pool, notReady},
      endpoints,
      epp,
      plan: planOf(o, prompts),
      ...(stopped ? {stopped} : {}),
      phases: {identical, unique},
      snapshots: [before, between, ...(after ? [after] : [])],
      portForwards: [],
      analysis,
    };
    return report;
  }
}
