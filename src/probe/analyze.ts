/*
 * What probe-cache concludes, as pure functions over what it measured: counter snapshots before
 * and after each phase, and the requests it sent. No response tells the client which pod served
 * it (the EPP tells only Envoy, in x-gateway-destination-endpoint; domain-facts §2), so requests
 * are attributed to pods from counter deltas: vLLM's request counter per pod, else the EPP's picks
 * per pod. The decision follows the order a person would check (kubectl rollout_status style):
 * enough pods? enough answers? readable counters? consistent counts? then affinity, then cache use.
 */
import type {EppReading, Figure, VllmReading} from '../metrics/read.ts';
import type {PhaseRun, RequestResult} from './send.ts';
import {counterDelta, median, quantile} from './stats.ts';

/** Share of the identical prompts that must land on one pod for affinity to count as working. */
export const AFFINITY_MIN_SHARE = 0.8;
/** Fewer successful identical requests than this and there is nothing to judge. */
export const MIN_IDENTICAL_SUCCESSES = 3;
/**
 * The identical phase's pooled hit ratio must reach this fraction of the best possible, which is
 * (n-1)/n: the first request fills the cache, the n-1 others can hit it.
 */
export const HIT_RATIO_MIN_FRACTION = 0.6;
/** ...and beat the control phase's hit ratio by this much (chat templates give unique prompts a few hits). */
export const HIT_RATIO_MIN_MARGIN = 0.2;

export interface EndpointRef {
  /** pod name, or pod:port when the pool has several target ports */
  id: string;
  pod: string;
  port: number;
}

/** One scrape of one model server; null = not exposed. */
export interface PodFigures {
  requestSuccess: number | null;
  prefixCacheQueries: number | null;
  prefixCacheHits: number | null;
  kvCacheUsage: number | null;
  running: number | null;
  waiting: number | null;
  /** the metric names found, per figure */
  names: Record<string, string>;
  /** deprecated/removed vLLM names still exposed */
  deprecated: string[];
}
export type PodScrape = {ok: true; figures: PodFigures} | {ok: false; error: string};

export interface EppFigures {
  generation: string | null;
  readyPods: number | null;
  requests: number | null;
  /** successful picks per endpoint label value (pod_name / endpoint_name) */
  picks: Record<string, number> | null;
  picksMetric: string | null;
  prefixIndexer: {sum: number; count: number} | null;
  /** why a figure is missing */
  missing: string[];
}
export type EppScrape = {ok: true; figures: EppFigures} | {ok: false; error: string};

export interface Snapshot {
  label: 'before' | 'between' | 'after';
  /** ms since the probe started */
  atMs: number;
  pods: Record<string, PodScrape>;
  epp?: EppScrape;
}

const value = (f: Figure): number | null => (f.found ? f.value : null);

export function vllmFigures(r: VllmReading): PodFigures {
  const names: Record<string, string> = {};
  for (const [k, f] of Object.entries(r)) if (f && typeof f === 'object' && 'found' in f && f.found) names[k] = (f as {name: string}).name;
  return {
    requestSuccess: value(r.requestSuccess),
    prefixCacheQueries: value(r.prefixCacheQueries),
    prefixCacheHits: value(r.prefixCacheHits),
    kvCacheUsage: value(r.kvCacheUsage),
    running: value(r.requestsRunning),
    waiting: value(r.requestsWaiting),
    names,
    deprecated: r.deprecated.map((d) => d.name),
  };
}

export function eppFigures(r: EppReading): EppFigures {
  const missing: string[] = [];
  if (!r.readyPods.found) missing.push(`ready pods (tried ${r.readyPods.tried.join(', ')})`);
  if (!r.picksPerPod.found) missing.push(`picks per pod (tried ${r.picksPerPod.tried.join(', ')}${r.picksPerPod.note ? `; ${r.picksPerPod.note}` : ''})`);
  if (!r.prefixIndexerHitRatio.found) missing.push(`prefix indexer hit ratio (tried ${r.prefixIndexerHitRatio.tried.join(', ')})`);
  const h = r.prefixIndexerHitRatio.found ? r.prefixIndexerHitRatio.histogram : undefined;
  return {
    generation: r.generation.generation ?? null,
    readyPods: value(r.readyPods),
    requests: value(r.requests),
    picks: r.picksPerPod.found ? r.picksPerPod.byPod : null,
    picksMetric: r.picksPerPod.found ? r.picksPerPod.name : null,
    prefixIndexer: h && h.sum !== undefined && h.count !== undefined ? {sum: h.sum, count: h.count} : null,
    missing,
  };
}

// ---------------------------------------------------------------------------------------------

export interface PhaseFigures {
  /** requests attributed to this pod */
  requests: number | null;
  queries: number | null;
  hits: number | null;
  hitRatio: number | null;
  eppPicks: number | null;
  /** a counter went down: the server restarted during the phase */
  reset: boolean;
}

export interface PodRow {
  id: string;
  pod: string;
  port: number;
  identical: PhaseFigures;
  unique: PhaseFigures;
  kvCacheUsage: number | null;
  running: number | null;
  waiting: number | null;
  /** why this pod's counters could not be read (any snapshot) */
  error?: string;
  deprecated: string[];
}

export interface Attribution {
  source: 'vllm-requests' | 'epp-picks' | 'none';
  /** requests per endpoint id ("(outside the pool)" for EPP picks of unknown endpoints) */
  counts: Record<string, number>;
  total: number;
  succeeded: number;
  sent: number;
  /** pods whose counters could not be read (their share inferred by elimination when complete) */
  unreadable: string[];
  /** set when the counts cannot be trusted */
  problem?: string;
}

export interface PhaseSummary {
  planned: number;
  sent: number;
  succeeded: number;
  attribution: Attribution;
  /** pooled Δhits/Δqueries over the pods; null with a reason when unknown */
  hitRatio: number | null;
  hitRatioUnknown?: string;
  queries: number | null;
  hits: number | null;
  eppPicksTotal: number | null;
  /** mean of the EPP's prefix-indexer hit ratio over the phase (Δsum/Δcount) */
  eppPrefixIndexerHitRatio: number | null;
  ttft: {medianMs: number | null; p90Ms: number | null; count: number};
}

export interface Affinity {
  topPod: string;
  topCount: number;
  total: number;
  share: number;
  /** pods that received at least one identical prompt */
  podsUsed: number;
}

export interface TtftSummary {
  firstMs: number | null;
  restMedianMs: number | null;
  restP90Ms: number | null;
  restCount: number;
  /** TTFT of every identical request, in send order (null = none measured) */
  series: (number | null)[];
}

export interface Verdict {
  result: 'working' | 'not-working' | 'cannot-tell';
  reason: string;
  nextSteps: string[];
  caveats: string[];
}

export interface Analysis {
  pods: PodRow[];
  identical: PhaseSummary;
  unique: PhaseSummary | null;
  affinity: Affinity | null;
  control: Affinity | null;
  ttft: TtftSummary;
  errors: {total: number; byKind: Record<string, {count: number; example: string}>};
  epp: {generation: string | null; readyPods: number | null; unreadable?: string; missing: string[]} | null;
  verdict: Verdict;
}

export interface AnalysisInput {
  endpoints: EndpointRef[];
  before: Snapshot;
  between: Snapshot;
  /** absent when the control phase did not run */
  after?: Snapshot | undefined;
  identical: PhaseRun;
  unique?: PhaseRun | undefined;
  /** true when an EPP was found for the pool (its metrics were expected) */
  eppExpected: boolean;
  /** the reason the run stopped early, if it did */
  stoppedBy?: string | undefined;
}

/** Map an EPP pod/endpoint label value to one of our endpoints (GIE names ranks `<pod>-rank-<i>`). */
export function endpointForEppLabel(label: string, endpoints: EndpointRef[]): string | undefined {
  const direct = endpoints.filter((e) => e.pod === label);
  if (direct.length >= 1) return direct[0]?.id;
  const m = /^(.*)-rank-(\d+)$/.exec(label);
  if (m) {
    const ofPod = endpoints.filter((e) => e.pod === m[1]);
    return ofPod[Number(m[2])]?.id;
  }
  return endpoints.find((e) => e.id === label)?.id;
}

export const OUTSIDE_POOL = '(outside the pool)';

function podScrapeError(s: Snapshot | undefined, id: string): string | undefined {
  const p = s?.pods[id];
  return p && !p.ok ? p.error : undefined;
}

function figuresOf(s: Snapshot | undefined, id: string): PodFigures | undefined {
  const p = s?.pods[id];
  return p?.ok ? p.figures : undefined;
}

function eppPicksDelta(s0: Snapshot, s1: Snapshot, endpoints: EndpointRef[]): Record<string, number> | null {
  if (!s0.epp?.ok || !s1.epp?.ok) return null;
  const a = s0.epp.figures.picks;
  const b = s1.epp.figures.picks;
  if (!a || !b) return null;
  const out: Record<string, number> = {};
  for (const label of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = counterDelta(a[label] ?? 0, b[label] ?? 0).delta ?? 0;
    if (d === 0) continue;
    const id = endpointForEppLabel(label, endpoints) ?? OUTSIDE_POOL;
    out[id] = (out[id] ?? 0) + d;
  }
  return out;
}

function attribute(endpoints: EndpointRef[], s0: Snapshot, s1: Snapshot, run: PhaseRun): Attribution {
  const sent = run.results.length;
  const succeeded = run.results.filter((r) => r.ok).length;
  const counts: Record<string, number> = {};
  const unreadable: string[] = [];
  for (const e of endpoints) {
    const d = counterDelta(figuresOf(s0, e.id)?.requestSuccess, figuresOf(s1, e.id)?.requestSuccess).delta;
    if (d === null) unreadable.push(e.id);
    else counts[e.id] = d;
  }
  let source: Attribution['source'] = 'vllm-requests';
  let result: Attribution;
  const readTotal = Object.values(counts).reduce((n, c) => n + c, 0);
  if (unreadable.length === 0 || (unreadable.length < endpoints.length && readTotal >= succeeded && succeeded > 0)) {
    // complete, or complete by elimination: the pods we could read account for every success
    for (const id of unreadable) counts[id] = 0;
    result = {source, counts, total: readTotal, succeeded, sent, unreadable};
  } else {
    const picks = eppPicksDelta(s0, s1, endpoints);
    if (picks) {
      source = 'epp-picks';
      const total = Object.values(picks).reduce((n, c) => n + c, 0);
      for (const e of endpoints) picks[e.id] ??= 0;
      result = {source, counts: picks, total, succeeded, sent, unreadable};
    } else {
      return {
        source: 'none',
        counts: {},
        total: 0,
        succeeded,
        sent,
        unreadable,
        problem:
          unreadable.length === endpoints.length
            ? 'no model-server request counter could be read, and no EPP picks per pod'
            : `the request counters of ${unreadable.join(', ')} could not be read and the others do not account for every request`,
      };
    }
  }
  // Consistency: the counters should have moved by what we sent — not much less (metrics lag, or
  // the gateway sent our requests to pods outside the pool), not much more (other traffic).
  const slackLow = Math.max(1, Math.ceil(0.2 * succeeded));
  const slackHigh = Math.max(2, Math.ceil(0.2 * sent));
  if (result.total < succeeded - slackLow) {
    result.problem = `the counters moved by ${result.total} but ${succeeded} requests succeeded (metrics lag, or pods outside the InferencePool served them)`;
  } else if (result.total > sent + slackHigh) {
    result.problem = `the counters moved by ${result.total} but only ${sent} requests were sent: other traffic reached these pods during the probe`;
  }
  return result;
}

function concentration(a: Attribution): Affinity | null {
  const entries = Object.entries(a.counts).filter(([id]) => id !== OUTSIDE_POOL);
  const total = Object.values(a.counts).reduce((n, c) => n + c, 0);
  if (total <= 0 || entries.length === 0) return null;
  const [topPod, topCount] = entries.reduce((best, cur) => (cur[1] > best[1] ? cur : best));
  return {topPod, topCount, total, share: topCount / total, podsUsed: Object.values(a.counts).filter((c) => c > 0).length};
}

function phaseSummary(endpoints: EndpointRef[], s0: Snapshot, s1: Snapshot, run: PhaseRun): {summary: PhaseSummary; perPod: Record<string, PhaseFigures>} {
  const attribution = attribute(endpoints, s0, s1, run);
  const picks = eppPicksDelta(s0, s1, endpoints);
  const perPod: Record<string, PhaseFigures> = {};
  let queries = 0;
  let hits = 0;
  const noPrefix: string[] = [];
  const notExposed: string[] = [];
  for (const e of endpoints) {
    const f0 = figuresOf(s0, e.id);
    const f1 = figuresOf(s1, e.id);
    const q = counterDelta(f0?.prefixCacheQueries, f1?.prefixCacheQueries);
    const h = counterDelta(f0?.prefixCacheHits, f1?.prefixCacheHits);
    const r = counterDelta(f0?.requestSuccess, f1?.requestSuccess);
    const requests = attribution.source === 'none' ? null : (attribution.counts[e.id] ?? null);
    perPod[e.id] = {
      requests,
      queries: q.delta,
      hits: h.delta,
      hitRatio: q.delta && h.delta !== null ? h.delta / q.delta : null,
      eppPicks: picks ? (picks[e.id] ?? 0) : null,
      reset: q.reset || h.reset || r.reset,
    };
    if (q.delta === null || h.delta === null) {
      // a pod that got none of our requests does not matter for the pooled ratio
      if (requests === null || requests > 0) {
        noPrefix.push(e.id);
        if (f0 && f1) notExposed.push(e.id);
      }
    } else {
      queries += q.delta;
      hits += h.delta;
    }
  }
  let hitRatio: number | null = null;
  let hitRatioUnknown: string | undefined;
  if (noPrefix.length > 0) {
    const unreadable = noPrefix.filter((id) => !notExposed.includes(id));
    hitRatioUnknown = [
      notExposed.length ? `${notExposed.join(', ')} ${notExposed.length === 1 ? 'does' : 'do'} not expose vllm:prefix_cache_queries/hits` : '',
      unreadable.length ? `the counters of ${unreadable.join(', ')} could not be read` : '',
    ]
      .filter(Boolean)
      .join('; ');
  }
  else if (queries === 0) hitRatioUnknown = 'the prefix-cache query counters did not move';
  else hitRatio = hits / queries;

  let eppPrefix: number | null = null;
  if (s0.epp?.ok && s1.epp?.ok && s0.epp.figures.prefixIndexer && s1.epp.figures.prefixIndexer) {
    const dc = s1.epp.figures.prefixIndexer.count - s0.epp.figures.prefixIndexer.count;
    const ds = s1.epp.figures.prefixIndexer.sum - s0.epp.figures.prefixIndexer.sum;
    if (dc > 0) eppPrefix = ds / dc;
  }
  const ttfts = run.results.filter((r) => r.ok && r.ttftMs !== null).map((r) => r.ttftMs as number);
  return {
    perPod,
    summary: {
      planned: run.planned,
      sent: run.results.length,
      succeeded: attribution.succeeded,
      attribution,
      hitRatio,
      ...(hitRatioUnknown ? {hitRatioUnknown} : {}),
      queries: noPrefix.length ? null : queries,
      hits: noPrefix.length ? null : hits,
      eppPicksTotal: picks ? Object.values(picks).reduce((n, c) => n + c, 0) : null,
      eppPrefixIndexerHitRatio: eppPrefix,
      ttft: {medianMs: median(ttfts) ?? null, p90Ms: quantile(ttfts, 0.9) ?? null, count: ttfts.length},
    },
  };
}

export function ttftSummary(results: RequestResult[]): TtftSummary {
  const sorted = [...results].sort((a, b) => a.index - b.index);
  const first = sorted.find((r) => r.index === 0);
  const rest = sorted.filter((r) => r.index > 0 && r.ok && r.ttftMs !== null).map((r) => r.ttftMs as number);
  return {
    firstMs: first?.ok ? first.ttftMs : null,
    restMedianMs: median(rest) ?? null,
    restP90Ms: quantile(rest, 0.9) ?? null,
    restCount: rest.length,
    series: sorted.map((r) => (r.ok ? r.ttftMs : null)),
  };
}

export function errorSummary(results: RequestResult[]): Analysis['errors'] {
  const byKind: Record<string, {count: number; example: string}> = {};
  let total = 0;
  for (const r of results) {
    if (r.ok) continue;
    total++;
    const key = r.status !== null && r.errorKind !== 'aborted' ? String(r.status) : (r.errorKind ?? 'error');
    const entry = (byKind[key] ??= {count: 0, example: r.error ?? ''});
    entry.count++;
  }
  return {total, byKind};
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;
const ratio = (x: number | null): string => (x === null ? 'unknown' : x.toFixed(2));

function describeCounts(a: Attribution): string {
  return Object.entries(a.counts)
    .filter(([, c]) => c > 0)
    .sort((x, y) => y[1] - x[1])
    .map(([id, c]) => `${id}: ${c}`)
    .join(', ');
}

export function errorAdvice(errors: Analysis['errors']): string[] {
  const steps: string[] = [];
  const kinds = Object.keys(errors.byKind);
  if (kinds.includes('404')) steps.push('404: check --path and --model (the model name must be one the pool serves: see its /v1/models).');
  if (kinds.includes('401') || kinds.includes('403')) steps.push('401/403: the gateway wants credentials; pass them with --header "Authorization: Bearer …".');
  if (kinds.includes('500')) steps.push('500 (e.g. "fault filter abort"): run "kubectl infgw doctor": the HTTPRoute backendRef or the EPP is likely broken.');
  if (kinds.includes('503')) steps.push('503 ("no healthy upstream"): no Ready model-server pods, or the InferencePool targetPorts are wrong.');
  if (kinds.includes('429')) steps.push('429: the gateway or EPP is shedding load; lower --concurrency.');
  if (kinds.includes('timeout')) steps.push('Timeouts: raise --http-timeout, or check the model servers are not saturated.');
  if (kinds.includes('network')) steps.push('Network errors: check the gateway URL is reachable from here (or let probe-cache port-forward to the Envoy proxy).');
  if (steps.length === 0) steps.push('Fix the failing requests first ("kubectl infgw doctor" checks the whole chain).');
  return steps;
}

/** The whole analysis: per-pod table, overall figures and the verdict. */
export function analyzeProbe(input: AnalysisInput): Analysis {
  const {endpoints} = input;
  const ident = phaseSummary(endpoints, input.before, input.between, input.identical);
  const uniq = input.unique && input.after ? phaseSummary(endpoints, input.between, input.after, input.unique) : null;
  const last = input.after ?? input.between;
  const pods: PodRow[] = endpoints.map((e) => {
    const f = figuresOf(last, e.id) ?? figuresOf(input.between, e.id) ?? figuresOf(input.before, e.id);
    const error = podScrapeError(input.before, e.id) ?? podScrapeError(input.between, e.id) ?? podScrapeError(input.after, e.id);
    const empty: PhaseFigures = {requests: null, queries: null, hits: null, hitRatio: null, eppPicks: null, reset: false};
    return {
      id: e.id,
      pod: e.pod,
      port: e.port,
      identical: ident.perPod[e.id] ?? empty,
      unique: uniq?.perPod[e.id] ?? empty,
      kvCacheUsage: f?.kvCacheUsage ?? null,
      running: f?.running ?? null,
      waiting: f?.waiting ?? null,
      ...(error ? {error} : {}),
      deprecated: f?.deprecated ?? [],
    };
  });
  const allResults = [...input.identical.results, ...(input.unique?.results ?? [])];
  const errors = errorSummary(allResults);
  const ttft = ttftSummary(input.identical.results);
  const affinity = ident.summary.attribution.source === 'none' ? null : concentration(ident.summary.attribution);
  const control = uniq && uniq.summary.attribution.source !== 'none' ? concentration(uniq.summary.attribution) : null;

  const eppScrape = last.epp ?? input.before.epp;
  const epp = input.eppExpected
    ? eppScrape?.ok
      ? {generation: eppScrape.figures.generation, readyPods: eppScrape.figures.readyPods, missing: eppScrape.figures.missing}
      : {generation: null, readyPods: null, missing: [], unreadable: eppScrape && !eppScrape.ok ? eppScrape.error : 'not scraped'}
    : null;

  const analysis: Omit<Analysis, 'verdict'> = {pods, identical: ident.summary, unique: uniq?.summary ?? null, affinity, control, ttft, errors, epp};
  return {...analysis, verdict: decide(analysis, endpoints, input)};
}

/** The verdict, checked in order; each "cannot tell" says what would make it tell. */
export function decide(a: Omit<Analysis, 'verdict'>, endpoints: EndpointRef[], input: Pick<AnalysisInput, 'stoppedBy'>): Verdict {
  const caveats: string[] = [];
  if (input.stoppedBy) caveats.push(`The run stopped early (${input.stoppedBy}); the figures cover what was sent.`);
  const id = a.identical;

  if (endpoints.length < 2) {
    return {
      result: 'cannot-tell',
      reason: `the InferencePool has ${endpoints.length === 0 ? 'no ready model-server endpoint' : 'only one model-server endpoint'}: every request lands there, so affinity cannot be observed`,
      nextSteps: ['Scale the model server to 2 or more replicas (and wait until they are Ready), then run probe-cache again.'],
      caveats,
    };
  }
  if (id.succeeded < MIN_IDENTICAL_SUCCESSES) {
    const errs = Object.entries(a.errors.byKind)
      .map(([k, v]) => `${k} ×${v.count}${v.example ? ` ("${v.example.slice(0, 80)}")` : ''}`)
      .join(', ');
    return {
      result: 'cannot-tell',
      reason: `only ${id.succeeded} of ${id.sent} identical requests succeeded${errs ? `: ${errs}` : ''}`,
      nextSteps: a.errors.total > 0 ? errorAdvice(a.errors) : [`Send more requests (-N ${Math.max(5, MIN_IDENTICAL_SUCCESSES * 2)} or more).`],
      caveats,
    };
  }
  if (id.attribution.source === 'none') {
    const podErrors = a.pods.filter((p) => p.error).map((p) => `${p.id}: ${p.error}`);
    return {
      result: 'cannot-tell',
      reason: `requests cannot be attributed to pods: ${id.attribution.problem ?? 'no counters'}${podErrors.length ? ` (${podErrors.slice(0, 3).join('; ')})` : ''}`,
      nextSteps: [
        'Check you may port-forward to the model-server pods (RBAC: create pods/portforward in their namespace).',
        'Check the model servers serve Prometheus metrics on the InferencePool target port (vLLM: /metrics with vllm:request_success).',
        ...(a.epp?.unreadable ? [`The EPP metrics were unreadable too: ${a.epp.unreadable}.`] : []),
      ],
      caveats,
    };
  }
  if (id.attribution.problem) {
    return {
      result: 'cannot-tell',
      reason: id.attribution.problem,
      nextSteps: id.attribution.total > id.attribution.sent ? ['Run again when the pool is quiet, or with more requests (-N) so our traffic dominates.'] : ['Run again; if it repeats, check that the gateway routes to this InferencePool (and not to other pods).'],
      caveats,
    };
  }
  if (id.attribution.source === 'epp-picks') caveats.push('Attributed from the EPP picks per pod (model-server request counters unreadable).');
  if (id.attribution.unreadable.length > 0 && id.attribution.source === 'vllm-requests') {
    caveats.push(`Counters of ${id.attribution.unreadable.join(', ')} unreadable; they got none of the requests by elimination.`);
  }

  const aff = a.affinity as Affinity;
  const ctl = a.control;
  if (a.unique === null) caveats.push('The control phase (unique prompts) did not run.');
  else if (a.unique.attribution.problem) caveats.push(`Control phase: ${a.unique.attribution.problem}.`);
  if (ctl && a.unique && a.unique.succeeded >= MIN_IDENTICAL_SUCCESSES && !a.unique.attribution.problem && ctl.share >= AFFINITY_MIN_SHARE && ctl.topPod === aff.topPod && aff.share >= AFFINITY_MIN_SHARE) {
    return {
      result: 'cannot-tell',
      reason: `the unique prompts also went to ${ctl.topPod} (${ctl.topCount} of ${ctl.total}): everything lands on one pod, so sticking to it proves nothing about prefix affinity`,
      nextSteps: [
        'Check the EPP sees every pod (its ready-pods metric; "kubectl infgw doctor").',
        'Check the other pods are Ready and not saturated (queue and KV-cache scorers avoid busy pods).',
      ],
      caveats,
    };
  }

  // Supporting evidence only (TTFT also moves with load): mentioned when the repeats were clearly faster.
  const ttftNote =
    a.ttft.firstMs !== null && a.ttft.restMedianMs !== null && a.ttft.restMedianMs > 0 && a.ttft.firstMs >= 1.5 * a.ttft.restMedianMs
      ? `; TTFT ${Math.round(a.ttft.firstMs)} ms for the first, ${Math.round(a.ttft.restMedianMs)} ms median for the repeats`
      : '';
  if (aff.share < AFFINITY_MIN_SHARE) {
    const steps: string[] = [];
    const eppPicks = id.eppPicksTotal;
    if (eppPicks === 0) {
      steps.push(
        'The EPP made no picks while the requests were served: the gateway is not asking the EPP. Check the HTTPRoute backendRef is the InferencePool (not a Service) and the EnvoyExtensionPolicy/ext-proc is attached ("kubectl infgw doctor").',
      );
    }
    if (id.eppPrefixIndexerHitRatio !== null && id.eppPrefixIndexerHitRatio >= 0.5) {
      steps.push(
        `The EPP did match the prefix (its indexer hit ratio was ${ratio(id.eppPrefixIndexerHitRatio)}) but other scorers outweighed it: raise the prefix-cache-scorer weight above the queue and kv-cache scorers.`,
      );
    } else {
      steps.push(
        'Check the EPP scheduling profile includes the prefix-cache-scorer plugin with a weight at least as high as the queue and kv-cache scorers (the upstream chart defaults to prefix 3, queue 2, kv-cache 2).',
      );
    }
    steps.push('Check the EPP logs for prefix plugin errors, and that the EPP version matches its config (kind EndpointPickerConfig).');
    return {
      result: 'not-working',
      reason: `the ${aff.total} identical prompts spread over ${aff.podsUsed} pods (${describeCounts(id.attribution)}); at most ${pct(aff.share)} on one pod, ${pct(AFFINITY_MIN_SHARE)} needed`,
      nextSteps: steps,
      caveats,
    };
  }

  const n = id.succeeded;
  const needed = HIT_RATIO_MIN_FRACTION * ((n - 1) / n);
  const uniqueRatio = a.unique?.hitRatio ?? null;
  if (id.hitRatio !== null && (id.hitRatio < needed || (uniqueRatio !== null && id.hitRatio - uniqueRatio < HIT_RATIO_MIN_MARGIN))) {
    return {
      result: 'not-working',
      reason: `the identical prompts stuck to ${aff.topPod} (${aff.topCount} of ${aff.total}) but its prefix cache barely helped: hit ratio ${ratio(id.hitRatio)} for identical prompts vs ${ratio(uniqueRatio)} for unique ones (at least ${needed.toFixed(2)} expected)`,
      nextSteps: [
        'Check prefix caching is enabled on the model server (vLLM: on by default in the V1 engine; make sure --no-enable-prefix-caching is not set).',
        'Check the prompt is longer than one KV-cache block (vLLM --block-size, 16 tokens by default); raise --prefix-tokens.',
        'Check the KV cache is not so full that blocks are evicted between requests (vllm:kv_cache_usage_perc near 1).',
      ],
      caveats,
    };
  }
  if (id.hitRatio === null) caveats.push(`Prefix-cache hit ratio unknown (${id.hitRatioUnknown ?? 'not measured'}); affinity judged from request counts only.`);
  return {
    result: 'working',
    reason: `${aff.topCount} of ${aff.total} identical prompts landed on ${aff.topPod}${id.hitRatio !== null ? `; prefix-cache hit ratio ${ratio(id.hitRatio)} for identical prompts vs ${ratio(uniqueRatio)} for unique ones` : ''}${ttftNote}`,
    nextSteps: [],
    caveats,
  };
}
