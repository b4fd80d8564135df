/*
 * Metric names as data: what each logical figure is called by each generation of the Endpoint
 * Picker (EPP) and by vLLM. Sources (domain-facts §2 and §3):
 *   - GIE <= 1.0 and 1.1-1.5: kubernetes-sigs/gateway-api-inference-extension
 *     pkg/epp/metrics/metrics.go and pkg/epp/metrics/testdata/* (sample in
 *     ../shared/fixtures/epp-metrics.gie-v1.5.0.sample.txt);
 *   - llm-d-router: llm-d/llm-d-router docs/metrics.md ("Metrics catalog", "Deprecated series") and
 *     pkg/epp/metrics/testdata/* (../shared/fixtures/epp-metrics.llm-d-router-v0.10.0.sample.txt);
 *   - vLLM: vllm/v1/metrics/loggers.py (PrometheusStatLogger); the `_total` suffix is added by
 *     prometheus_client, llm-d-inference-sim registers the counters without it.
 * Keep this file a table: doctor reads the same entries to explain renamed/removed metrics.
 */

export type EppGeneration = 'gie-0.x-1.0' | 'gie-1.1-1.5' | 'llm-d-router';

export const EPP_GENERATION_LABEL: Record<EppGeneration, string> = {
  'gie-0.x-1.0': 'GIE <= 1.0 (inference_model_* names)',
  'gie-1.1-1.5': 'GIE 1.1-1.5 (inference_objective_* / inference_extension_* names)',
  'llm-d-router': 'llm-d-router (llm_d_epp_* names)',
};

export type EppLogicalMetric = 'requests' | 'latency' | 'readyPods' | 'avgKvCache' | 'prefixIndexerHitRatio' | 'picksPerPod';

export interface MetricCandidate {
  name: string;
  /** generations that emit this name (several: the name survived a rename, or is dual-emitted) */
  generations: EppGeneration[];
  type: 'counter' | 'gauge' | 'histogram';
  /** for per-pod metrics: the label that names the pod/endpoint */
  podLabel?: string;
  /** only samples with these label values count (e.g. successful scheduling attempts) */
  filter?: Record<string, string>;
  /** emitted for compatibility next to a newer name */
  legacy?: boolean;
}

export interface EppMetricSpec {
  meaning: string;
  /** in order of preference: the newest name first */
  candidates: MetricCandidate[];
}

export const EPP_METRICS: Record<EppLogicalMetric, EppMetricSpec> = {
  requests: {
    meaning: 'requests handled by the EPP',
    candidates: [
      {name: 'llm_d_epp_request_total', generations: ['llm-d-router'], type: 'counter'},
      {name: 'inference_objective_request_total', generations: ['gie-1.1-1.5'], type: 'counter'},
      {name: 'inference_model_request_total', generations: ['gie-0.x-1.0'], type: 'counter'},
    ],
  },
  latency: {
    meaning: 'end-to-end request latency (histogram, seconds)',
    candidates: [
      {name: 'llm_d_epp_request_duration_seconds', generations: ['llm-d-router'], type: 'histogram'},
      {name: 'inference_objective_request_duration_seconds', generations: ['gie-1.1-1.5'], type: 'histogram'},
      {name: 'inference_model_request_duration_seconds', generations: ['gie-0.x-1.0'], type: 'histogram'},
    ],
  },
  readyPods: {
    meaning: 'ready model-server endpoints the EPP sees in its InferencePool',
    candidates: [
      {name: 'llm_d_epp_ready_endpoints', generations: ['llm-d-router'], type: 'gauge'},
      {name: 'inference_pool_ready_pods', generations: ['gie-0.x-1.0', 'gie-1.1-1.5', 'llm-d-router'], type: 'gauge', legacy: true},
    ],
  },
  avgKvCache: {
    meaning: 'average KV-cache utilisation over the pool',
    candidates: [
      {name: 'llm_d_epp_average_kv_cache_utilization', generations: ['llm-d-router'], type: 'gauge'},
      {name: 'inference_pool_average_kv_cache_utilization', generations: ['gie-0.x-1.0', 'gie-1.1-1.5', 'llm-d-router'], type: 'gauge', legacy: true},
    ],
  },
  prefixIndexerHitRatio: {
    meaning: "the EPP's own estimate of the prefix matched per lookup (histogram of ratios 0-1)",
    candidates: [
      {name: 'llm_d_epp_prefix_indexer_hit_ratio', generations: ['llm-d-router'], type: 'histogram'},
      {name: 'inference_extension_prefix_indexer_hit_ratio', generations: ['gie-1.1-1.5'], type: 'histogram'},
    ],
  },
  picksPerPod: {
    meaning: 'successful scheduling attempts per chosen endpoint',
    candidates: [
      {name: 'llm_d_epp_scheduler_attempts_total', generations: ['llm-d-router'], type: 'counter', podLabel: 'endpoint_name', filter: {status: 'success'}},
      // llm-d-router kept the old family name for a while with the new label (domain-facts §2).
      {
        name: 'inference_extension_scheduler_attempts_total',
        generations: ['llm-d-router'],
        type: 'counter',
        podLabel: 'endpoint_name',
        filter: {status: 'success'},
        legacy: true,
      },
      {name: 'inference_extension_scheduler_attempts_total', generations: ['gie-1.1-1.5'], type: 'counter', podLabel: 'pod_name', filter: {status: 'success'}},
    ],
  },
};

/** Names that decide the generation, most specific first. */
const GENERATION_MARKERS: {generation: EppGeneration; prefixes: string[]}[] = [
  {generation: 'llm-d-router', prefixes: ['llm_d_epp_']},
  {generation: 'gie-1.1-1.5', prefixes: ['inference_objective_', 'inference_extension_']},
  {generation: 'gie-0.x-1.0', prefixes: ['inference_model_']},
];

export interface GenerationDetection {
  generation: EppGeneration | undefined;
  /** the metric names that decided it */
  evidence: string[];
  /** inference_pool_* only: an EPP of GIE, version not decidable from names */
  ambiguous: boolean;
}

/**
 * Which EPP generation produced these metric names. llm-d-router dual-emits some legacy
 * inference_pool_* names, so the newest family present wins.
 */
export function detectEppGeneration(names: Iterable<string>): GenerationDetection {
  const all = [...names];
  for (const marker of GENERATION_MARKERS) {
    const evidence = all.filter((n) => marker.prefixes.some((p) => n.startsWith(p)));
    if (evidence.length > 0) return {generation: marker.generation, evidence: evidence.slice(0, 5), ambiguous: false};
  }
  const pool = all.filter((n) => n.startsWith('inference_pool_'));
  return {generation: undefined, evidence: pool.slice(0, 5), ambiguous: pool.length > 0};
}

/**
 * The EPP's data-layer error counters (llm-d-router ≥ v0.9; pkg/epp/metrics/llm_d_router_metrics.go,
 * subsystem llm_d_epp; deprecated duplicates under llm_d_inference_scheduler_ in pkg/epp/metrics/metrics.go,
 * incremented together by RecordDataLayerPollError / RecordDataLayerExtractError). Labels: source_type
 * (e.g. metrics-data-source) and, for extract errors, extractor_type (e.g. core-metrics-extractor). A
 * CounterVec has no series before its first increment: absent = 0. These replace the GIE ≤ 1.5 log line
 * "extract failed" (llm-d-router logs it at DEBUG only).
 */
export const EPP_DATALAYER_ERRORS = {
  poll: ['llm_d_epp_datalayer_poll_errors_total', 'llm_d_inference_scheduler_datalayer_poll_errors_total'],
  extract: ['llm_d_epp_datalayer_extract_errors_total', 'llm_d_inference_scheduler_datalayer_extract_errors_total'],
} as const;

// ---------------------------------------------------------------------------------------------
// vLLM

export type VllmLogicalMetric =
  | 'prefixCacheQueries'
  | 'prefixCacheHits'
  | 'kvCacheUsage'
  | 'requestsRunning'
  | 'requestsWaiting'
  | 'requestSuccess'
  | 'promptTokens';

export interface VllmMetricSpec {
  meaning: string;
  type: 'counter' | 'gauge';
  /** preferred first; counters with and without `_total` */
  candidates: string[];
}

export const VLLM_METRICS: Record<VllmLogicalMetric, VllmMetricSpec> = {
  prefixCacheQueries: {
    meaning: 'prefix-cache queries, in tokens',
    type: 'counter',
    candidates: ['vllm:prefix_cache_queries_total', 'vllm:prefix_cache_queries'],
  },
  prefixCacheHits: {
    meaning: 'prefix-cache hits, in tokens',
    type: 'counter',
    candidates: ['vllm:prefix_cache_hits_total', 'vllm:prefix_cache_hits'],
  },
  kvCacheUsage: {meaning: 'KV-cache usage (1 = full)', type: 'gauge', candidates: ['vllm:kv_cache_usage_perc']},
  requestsRunning: {meaning: 'requests running', type: 'gauge', candidates: ['vllm:num_requests_running']},
  requestsWaiting: {meaning: 'requests waiting', type: 'gauge', candidates: ['vllm:num_requests_waiting']},
  requestSuccess: {
    meaning: 'requests finished successfully (all finish reasons)',
    type: 'counter',
    candidates: ['vllm:request_success_total', 'vllm:request_success'],
  },
  promptTokens: {meaning: 'prompt tokens processed', type: 'counter', candidates: ['vllm:prompt_tokens_total', 'vllm:prompt_tokens']},
};

export interface DeprecatedMetric {
  /** exact name, or a prefix when it ends with `*` */
  pattern: string;
  replacement: string;
  note: string;
}

/** vLLM names that went away (domain-facts §3; vllm-project/vllm PR #18354 renamed, PR #29330 removed). */
export const VLLM_DEPRECATED: DeprecatedMetric[] = [
  {pattern: 'vllm:gpu_cache_usage_perc', replacement: 'vllm:kv_cache_usage_perc', note: 'deprecated in vLLM 0.10, removed by 0.12'},
  {
    pattern: 'vllm:gpu_prefix_cache_*',
    replacement: 'vllm:prefix_cache_queries / vllm:prefix_cache_hits',
    note: 'deprecated in vLLM 0.10, removed by 0.12',
  },
];

/** Which deprecated names appear in a list of metric names. */
export function deprecatedVllmNames(names: Iterable<string>): {name: string; replacement: string; note: string}[] {
  const out: {name: string; replacement: string; note: string}[] = [];
  for (const name of names) {
    for (const d of VLLM_DEPRECATED) {
      const hit = d.pattern.endsWith('*') ? name.startsWith(d.pattern.slice(0, -1)) : name === d.pattern;
      if (hit) out.push({name, replacement: d.replacement, note: d.note});
    }
  }
  return out;
}

/** The name the install notes grep for; it never existed (domain-facts §2). */
export const NONEXISTENT_EPP_METRICS = ['inference_pool_prefix_cache_hit_ratio'];
