/*
 * Read logical figures (see names.ts) out of a parsed exposition. A figure that is not exposed is
 * reported as missing with the names that were tried — never as 0 — so doctor and probe-cache can
 * say "unknown" instead of inventing a value. One exception, stated where it applies: a counter
 * family that is declared (HELP/TYPE) but has no series yet counts as 0, which is what the
 * Prometheus client libraries mean by it (a labelled counter before its first increment).
 */
import {type Exposition, type Histogram, hasMetric, histogramMean, histogramOf, samplesNamed, sumBy, sumOf} from './exposition.ts';
import {
  type EppLogicalMetric,
  type GenerationDetection,
  type VllmLogicalMetric,
  EPP_DATALAYER_ERRORS,
  EPP_METRICS,
  VLLM_METRICS,
  deprecatedVllmNames,
  detectEppGeneration,
} from './names.ts';

export type Figure =
  | {found: true; name: string; value: number; declaredOnly?: boolean}
  | {found: false; tried: string[]};

function missing(tried: string[]): Figure {
  return {found: false, tried};
}

/** Every family and sample name in an exposition. */
export function metricNames(expo: Exposition): string[] {
  const names = new Set<string>();
  for (const f of expo.families.values()) {
    names.add(f.name);
    for (const s of f.samples) names.add(s.name);
  }
  return [...names];
}

// ---------------------------------------------------------------------------------------------
// vLLM

export interface VllmReading {
  prefixCacheQueries: Figure;
  prefixCacheHits: Figure;
  kvCacheUsage: Figure;
  requestsRunning: Figure;
  requestsWaiting: Figure;
  requestSuccess: Figure;
  promptTokens: Figure;
  /** deprecated or removed names this server still exposes (doctor flags them) */
  deprecated: {name: string; replacement: string; note: string}[];
  /** how many vllm:* names it exposes at all (0 = probably not a vLLM server) */
  vllmNames: number;
}

function readCounter(expo: Exposition, candidates: string[]): Figure {
  for (const name of candidates) {
    const v = sumOf(expo, name);
    if (v !== undefined) return {found: true, name, value: v};
  }
  for (const name of candidates) {
    const fam = expo.families.get(name);
    if (fam && fam.type === 'counter' && fam.samples.length === 0) return {found: true, name, value: 0, declaredOnly: true};
  }
  return missing(candidates);
}

function readGauge(expo: Exposition, candidates: string[], how: 'sum' | 'mean'): Figure {
  for (const name of candidates) {
    const samples = samplesNamed(expo, name);
    if (samples.length === 0) continue;
    const total = samples.reduce((n, s) => n + s.value, 0);
    return {found: true, name, value: how === 'sum' ? total : total / samples.length};
  }
  return missing(candidates);
}

export function readVllm(expo: Exposition): VllmReading {
  const m = VLLM_METRICS;
  const counter = (k: VllmLogicalMetric): Figure => readCounter(expo, m[k].candidates);
  const names = metricNames(expo);
  return {
    prefixCacheQueries: counter('prefixCacheQueries'),
    prefixCacheHits: counter('prefixCacheHits'),
    kvCacheUsage: readGauge(expo, m.kvCacheUsage.candidates, 'mean'),
    requestsRunning: readGauge(expo, m.requestsRunning.candidates, 'sum'),
    requestsWaiting: readGauge(expo, m.requestsWaiting.candidates, 'sum'),
    requestSuccess: counter('requestSuccess'),
    promptTokens: counter('promptTokens'),
    deprecated: deprecatedVllmNames(names.filter((n) => hasMetric(expo, n))),
    vllmNames: names.filter((n) => n.startsWith('vllm:')).length,
  };
}

// ---------------------------------------------------------------------------------------------
// EPP

export interface EppReading {
  generation: GenerationDetection;
  requests: Figure;
  readyPods: Figure;
  avgKvCache: Figure;
  /** histogram sum/count: the mean ratio over a phase is Δsum/Δcount */
  prefixIndexerHitRatio: {found: true; name: string; histogram: Histogram; mean: number | undefined} | {found: false; tried: string[]};
  picksPerPod: {found: true; name: string; podLabel: string; byPod: Record<string, number>} | {found: false; tried: string[]; note?: string};
  /**
   * llm-d-router flow control (pkg/epp/metrics/llm_d_router_metrics.go, subsystem llm_d_epp):
   * requests by outcome and priority since the EPP started (`…_flow_control_requests_total`,
   * outcomes of pkg/epp/flowcontrol/types/outcomes.go), and the pool's saturation gauge.
   */
  flowControl: {found: true; outcomes: {outcome: string; priority: string; value: number}[]; saturation: number | undefined} | {found: false; tried: string[]};
  /** data-layer error counters (llm-d-router ≥ 0.9), non-zero series only; undefined = not exposed (or never incremented) */
  datalayerErrors?: {poll: DatalayerCount[]; extract: DatalayerCount[]} | undefined;
}

export interface DatalayerCount {
  name: string;
  /** source_type, and extractor_type for extract errors */
  labels: Record<string, string>;
  value: number;
}

/** The first of `names` that has samples, its non-zero series. */
function datalayerCounts(expo: Exposition, names: readonly string[]): DatalayerCount[] {
  for (const name of names) {
    const samples = samplesNamed(expo, name);
    if (samples.length === 0) continue;
    return samples.filter((s) => s.value > 0).map((s) => ({name, labels: s.labels, value: s.value}));
  }
  return [];
}

export const FLOW_CONTROL_REQUESTS = 'llm_d_epp_flow_control_requests_total';
export const FLOW_CONTROL_SATURATION = 'llm_d_epp_flow_control_pool_saturation';

function readFlowControl(expo: Exposition): EppReading['flowControl'] {
  const requests = samplesNamed(expo, FLOW_CONTROL_REQUESTS);
  const saturation = samplesNamed(expo, FLOW_CONTROL_SATURATION);
  if (requests.length === 0 && saturation.length === 0 && !expo.families.has(FLOW_CONTROL_REQUESTS)) return {found: false, tried: [FLOW_CONTROL_REQUESTS, FLOW_CONTROL_SATURATION]};
  return {
    found: true,
    outcomes: requests.map((s) => ({outcome: s.labels.outcome ?? '', priority: s.labels.priority ?? '', value: s.value})),
    saturation: saturation.length ? Math.max(...saturation.map((s) => s.value)) : undefined,
  };
}

function candidatesOf(k: EppLogicalMetric): string[] {
  return [...new Set(EPP_METRICS[k].candidates.map((c) => c.name))];
}

export function readEpp(expo: Exposition): EppReading {
  const names = metricNames(expo);
  const generation = detectEppGeneration(names);
  const gauge = (k: EppLogicalMetric): Figure => readGauge(expo, candidatesOf(k), 'sum');

  let prefixIndexerHitRatio: EppReading['prefixIndexerHitRatio'] = {found: false, tried: candidatesOf('prefixIndexerHitRatio')};
  for (const c of EPP_METRICS.prefixIndexerHitRatio.candidates) {
    const h = histogramOf(expo, c.name);
    if (h) {
      prefixIndexerHitRatio = {found: true, name: c.name, histogram: h, mean: histogramMean(h)};
      break;
    }
  }

  let picksPerPod: EppReading['picksPerPod'] = {found: false, tried: candidatesOf('picksPerPod')};
  for (const c of EPP_METRICS.picksPerPod.candidates) {
    const samples = samplesNamed(expo, c.name);
    const declared = expo.families.get(c.name);
    if (samples.length === 0 && !declared) continue;
    const podLabel = c.podLabel as string;
    if (samples.length > 0 && !samples.some((s) => s.labels[podLabel] !== undefined)) {
      // Same family name, other label (pod_name vs endpoint_name): try the next candidate; if none
      // fits, say so rather than guessing.
      const labels = [...new Set(samples.flatMap((s) => Object.keys(s.labels)))];
      picksPerPod = {found: false, tried: candidatesOf('picksPerPod'), note: `${c.name} has no pod label (labels: ${labels.join(', ') || 'none'})`};
      continue;
    }
    picksPerPod = {found: true, name: c.name, podLabel, byPod: Object.fromEntries(sumBy(expo, c.name, podLabel, c.filter))};
    break;
  }

  return {
    generation,
    requests: readCounter(expo, candidatesOf('requests')),
    readyPods: gauge('readyPods'),
    avgKvCache: readGauge(expo, candidatesOf('avgKvCache'), 'mean'),
    prefixIndexerHitRatio,
    picksPerPod,
    flowControl: readFlowControl(expo),
    ...(() => {
      const poll = datalayerCounts(expo, EPP_DATALAYER_ERRORS.poll);
      const extract = datalayerCounts(expo, EPP_DATALAYER_ERRORS.extract);
      return poll.length || extract.length ? {datalayerErrors: {poll, extract}} : {};
    })(),
  };
}
