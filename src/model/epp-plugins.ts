/*
 * The plugin types each EPP release registers (issue 11 item 5): an EndpointPickerConfig plugin whose
 * `type` is not registered makes the EPP exit at start with "plugin type '<type>' is not registered"
 * (GIE v1.5.0 pkg/epp/config/loader/configloader.go and validation.go; llm-d-router v0.10.0
 * pkg/epp/config/loader/validation.go). Data only, read from upstream registrations:
 *   - GIE v1.5.0 cmd/epp/runner/runner.go (fwkplugin.Register, lines 452–497): 36 types, no stability
 *     levels. header-based-testing-filter and destination-endpoint-served-verifier are "for test purpose
 *     only (used in conformance tests)". The eviction-* plugins of pkg/epp/framework/plugins/flowcontrol/
 *     eviction register in init() but no non-test code imports them: not in the binary.
 *   - llm-d-router v0.10.0 cmd/epp/runner/runner.go (lines ~569–690): 98 registrations (prefill-filter and
 *     decode-filter twice: 96 types) with a stability level; Alpha ones are refused unless
 *     --allow-experimental-plugins (pkg/epp/server/options.go; ValidatePluginStability() in
 *     pkg/epp/framework/interface/plugin/registry.go: "plugin '<name>' (type: '<type>') has Alpha stability
 *     level, but command line flag --allow-experimental-plugins is not set"); RegisterDeprecated ones still
 *     load, with the replacement named.
 */

export type Stability = 'Alpha' | 'Beta' | 'Stable';

export interface PluginType {
  type: string;
  stability?: Stability | undefined;
  deprecated?: {deprecatedIn: string; removalIn: string; replacement: string} | undefined;
  /** registered for conformance tests only */
  testOnly?: boolean | undefined;
}

export interface PluginRegistry {
  /** "GIE v1.5.0", "llm-d-router v0.10.0" */
  release: string;
  /** Alpha plugins need --allow-experimental-plugins */
  experimentalFlag: boolean;
  types: ReadonlyMap<string, PluginType>;
}

const GIE_TEST_ONLY = new Set(['header-based-testing-filter', 'destination-endpoint-served-verifier']);

const GIE_V1_5_0 = [
  'prefix-cache-scorer',
  'max-score-picker',
  'random-picker',
  'weighted-random-picker',
  'single-profile-handler',
  'kv-cache-utilization-scorer',
  'queue-scorer',
  'running-requests-size-scorer',
  'lora-affinity-scorer',
  'token-load-scorer',
  'global-strict-fairness-policy',
  'round-robin-fairness-policy',
  'fcfs-ordering-policy',
  'edf-ordering-policy',
  'slo-deadline-ordering-policy',
  'static-usage-limit-policy',
  'approx-prefix-cache-producer',
  'predicted-latency-scorer',
  'predicted-latency-producer',
  'latency-slo-admitter',
  'prefix-cache-affinity-filter',
  'slo-headroom-tier-filter',
  'latency-scorer',
  'inflight-load-producer',
  'header-based-testing-filter',
  'destination-endpoint-served-verifier',
  'metrics-data-source',
  'core-metrics-extractor',
  'k8s-notification-source',
  'endpoint-notification-source',
  'request-attribute-reporter',
  'openai-parser',
  'vllmgrpc-parser',
  'passthrough-parser',
  'concurrency-detector',
  'utilization-detector',
];

type Row = [string, Stability] | [string, Stability, {deprecatedIn: string; removalIn: string; replacement: string}];

const LLM_D_ROUTER_V0_10_0: Row[] = [
  ['disaggregatedset-rollout-screener', 'Alpha'],
  ['label-selector-filter', 'Beta'],
  ['by-label-selector', 'Beta', {deprecatedIn: 'v0.9.0', removalIn: 'v0.11.0', replacement: 'label-selector-filter'}],
  ['by-label', 'Beta', {deprecatedIn: 'v0.9.0', removalIn: 'v0.11.0', replacement: 'label-selector-filter'}],
  ['encode-filter', 'Beta'],
  ['decode-filter', 'Beta'],
  ['prefill-filter', 'Beta'],
  ['session-affinity-filter', 'Alpha'],
  ['endpoint-attribute-filter', 'Alpha'],
  ['topology-affinity-filter', 'Alpha'],
  ['utilization-filter', 'Alpha'],
  ['data-parallel-profile-handler', 'Beta'],
  ['load-aware-scorer', 'Beta'],
  ['context-length-aware', 'Beta'],
  ['session-affinity-scorer', 'Alpha'],
  ['header-label-affinity-scorer', 'Alpha'],
  ['models-data-source', 'Beta'],
  ['models-data-extractor', 'Beta'],
  ['topology-extractor', 'Alpha'],
  ['dcgm-data-source', 'Alpha'],
  ['dcgm-extractor', 'Alpha'],
  ['prefix-cache-scorer', 'Beta'],
  ['max-score-picker', 'Beta'],
  ['random-picker', 'Beta'],
  ['weighted-random-picker', 'Beta'],
  ['single-profile-handler', 'Beta'],
  ['disagg-headers-handler', 'Beta', {deprecatedIn: 'v0.9.0', removalIn: 'v0.11.0', replacement: 'disagg-profile-handler'}],
  ['prefill-header-handler', 'Beta', {deprecatedIn: 'v0.9.0', removalIn: 'v0.11.0', replacement: 'disagg-profile-handler'}],
  ['pd-profile-handler', 'Beta', {deprecatedIn: 'v0.7.0', removalIn: 'v0.9.0', replacement: 'disagg-profile-handler'}],
  ['disagg-profile-handler', 'Beta'],
  ['always-disagg-pd-decider', 'Beta'],
  ['prefix-based-pd-decider', 'Beta'],
  ['always-disagg-multimodal-decider', 'Beta'],
  ['kv-cache-utilization-scorer', 'Beta'],
  ['queue-scorer', 'Beta'],
  ['running-requests-size-scorer', 'Beta'],
  ['lora-affinity-scorer', 'Beta'],
  ['token-load-scorer', 'Beta'],
  ['no-hit-lru-scorer', 'Beta'],
  ['active-request-scorer', 'Beta'],
  ['precise-prefix-cache-scorer', 'Beta'],
  ['mm-embeddings-cache-scorer', 'Beta'],
  ['precise-prefix-cache-producer', 'Beta'],
  ['header-profile-handler', 'Alpha'],
  ['endpoint-attribute-scorer', 'Alpha'],
  ['topology-affinity-scorer', 'Alpha'],
  ['burst-prefix-cache-producer', 'Alpha'],
  ['p2p-source-producer', 'Alpha'],
  ['multicluster-session-affinity-filter', 'Alpha'],
  ['multicluster-queue-scorer', 'Alpha'],
  ['multicluster-kv-cache-utilization-scorer', 'Alpha'],
  ['multicluster-prefix-cache-scorer', 'Alpha'],
  ['multicluster-approx-prefix-cache-producer', 'Alpha'],
  ['global-strict-fairness-policy', 'Beta'],
  ['round-robin-fairness-policy', 'Beta'],
  ['program-aware-fairness', 'Beta'],
  ['fcfs-ordering-policy', 'Beta'],
  ['edf-ordering-policy', 'Beta'],
  ['slo-deadline-ordering-policy', 'Beta'],
  ['static-usage-limit-policy', 'Beta'],
  ['sheddable-eviction-filter', 'Alpha'],
  ['priority-then-time-eviction-order-policy', 'Alpha'],
  ['priority-holdback-policy', 'Alpha'],
  ['soft-reflective-ceiling-policy', 'Alpha'],
  ['approx-prefix-cache-producer', 'Beta'],
  ['inflight-load-producer', 'Beta'],
  ['predicted-latency-producer', 'Beta'],
  ['tokenizer', 'Beta', {deprecatedIn: 'v0.9.0', removalIn: 'v0.11.0', replacement: 'token-producer'}],
  ['mm-embeddings-cache-producer', 'Beta'],
  ['token-producer', 'Beta'],
  ['session-id-producer', 'Beta'],
  ['latency-slo-admitter', 'Beta'],
  ['probabilistic-admitter', 'Beta'],
  ['prefix-cache-affinity-filter', 'Beta'],
  ['slo-headroom-tier-filter', 'Beta'],
  ['latency-scorer', 'Beta'],
  ['header-based-testing-filter', 'Beta'],
  ['destination-endpoint-served-verifier', 'Beta'],
  ['metrics-data-source', 'Beta'],
  ['core-metrics-extractor', 'Beta'],
  ['multicluster-metrics-data-source', 'Alpha'],
  ['multicluster-metrics-extractor', 'Alpha'],
  ['k8s-notification-source', 'Beta'],
  ['endpoint-notification-source', 'Beta'],
  ['request-attribute-reporter', 'Beta'],
  ['openai-parser', 'Beta'],
  ['vllmgrpc-parser', 'Beta'],
  ['passthrough-parser', 'Beta'],
  ['anthropic-parser', 'Beta'],
  ['vllmhttp-parser', 'Beta'],
  ['vertexai-parser', 'Beta'],
  ['concurrency-detector', 'Beta'],
  ['utilization-detector', 'Beta'],
  ['file-discovery', 'Beta'],
  ['multicluster-file-discovery', 'Alpha'],
  ['agent-identity', 'Alpha'],
];

export const GIE_PLUGINS: PluginRegistry = {
  release: 'GIE v1.5.0',
  experimentalFlag: false,
  types: new Map(GIE_V1_5_0.map((type) => [type, {type, ...(GIE_TEST_ONLY.has(type) ? {testOnly: true} : {})}])),
};

export const LLM_D_ROUTER_PLUGINS: PluginRegistry = {
  release: 'llm-d-router v0.10.0',
  experimentalFlag: true,
  types: new Map(LLM_D_ROUTER_V0_10_0.map(([type, stability, deprecated]) => [type, {type, stability, ...(deprecated ? {deprecated} : {})}])),
};

/**
 * The registry of the EPP image in use, and whether it is exact for that image's version. Images are
 * matched on their repository path, never on the registry host: GIE `…/gateway-api-inference-extension/epp`,
 * llm-d-router `…/llm-d-router-endpoint-picker` (llm-d-router config/charts/README.md). Another version than
 * the one a list was read from gets the list as a reference only (types come and go between releases).
 */
export function pluginRegistryFor(image: string | undefined, tag: string | undefined): {registry: PluginRegistry; exact: boolean} | undefined {
  if (!image) return undefined;
  if (/\/gateway-api-inference-extension\/epp(?::|@|$)/.test(image)) return {registry: GIE_PLUGINS, exact: /^v?1\.5\.\d+$/.test(tag ?? '')};
  if (/\/llm-d-router-endpoint-picker(?::|@|$)/.test(image) || /\/llm-d-router(?::|@|$)/.test(image)) return {registry: LLM_D_ROUTER_PLUGINS, exact: /^v?0\.10\.\d+$/.test(tag ?? '')};
  return undefined;
}

/** Every type either release registers (for EPPs of unknown origin: near-typos only). */
export const ALL_PLUGIN_TYPES: readonly string[] = [...new Set([...GIE_PLUGINS.types.keys(), ...LLM_D_ROUTER_PLUGINS.types.keys()])];
