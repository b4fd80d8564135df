// Metric-name generations and logical readings, against the real EPP and vLLM samples.
import {readFileSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {parseExposition} from '../../../src/metrics/exposition.ts';
import {EPP_METRICS, NONEXISTENT_EPP_METRICS, VLLM_METRICS, deprecatedVllmNames, detectEppGeneration} from '../../../src/metrics/names.ts';
import {metricNames, readEpp, readVllm} from '../../../src/metrics/read.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const fixture = (name: string): string => readFileSync(resolve(repoRoot, '..', 'shared', 'fixtures', name), 'utf8');

describe('EPP generations', () => {
  it('detects GIE 1.1-1.5 from the GIE v1.5.0 sample and reads its figures', () => {
    const r = readEpp(parseExposition(fixture('epp-metrics.gie-v1.5.0.sample.txt')));
    expect(r.generation.generation).toBe('gie-1.1-1.5');
    expect(r.requests).toEqual({found: true, name: 'inference_objective_request_total', value: 4});
    expect(r.avgKvCache).toEqual({found: true, name: 'inference_pool_average_kv_cache_utilization', value: 0.3});
    // inference_pool_ready_pods is not in the upstream test files: missing, not 0
    expect(r.readyPods).toEqual({found: false, tried: ['llm_d_epp_ready_endpoints', 'inference_pool_ready_pods']});
    expect(r.picksPerPod).toEqual({found: true, name: 'inference_extension_scheduler_attempts_total', podLabel: 'pod_name', byPod: {'pod-1': 2}});
    expect(r.prefixIndexerHitRatio.found && r.prefixIndexerHitRatio.name).toBe('inference_extension_prefix_indexer_hit_ratio');
    expect(r.prefixIndexerHitRatio.found && r.prefixIndexerHitRatio.mean).toBeCloseTo(0.45);
  });

  it('detects llm-d-router from its v0.10.0 sample; picks per pod use endpoint_name', () => {
    const r = readEpp(parseExposition(fixture('epp-metrics.llm-d-router-v0.10.0.sample.txt')));
    expect(r.generation.generation).toBe('llm-d-router');
    expect(r.generation.evidence[0]).toMatch(/^llm_d_epp_/);
    expect(r.requests).toMatchObject({found: true, name: 'llm_d_epp_request_total', value: 4});
    expect(r.avgKvCache).toMatchObject({found: true, name: 'llm_d_epp_average_kv_cache_utilization', value: 0.3});
    expect(r.picksPerPod).toEqual({found: true, name: 'llm_d_epp_scheduler_attempts_total', podLabel: 'endpoint_name', byPod: {'pod-1': 2}});
    expect(r.prefixIndexerHitRatio.found && r.prefixIndexerHitRatio.name).toBe('llm_d_epp_prefix_indexer_hit_ratio');
  });

  it('detects GIE <= 1.0 from inference_model_* names', () => {
    const text = [
      '# TYPE inference_model_request_total counter',
      'inference_model_request_total{model_name="m",target_model_name="t"} 3',
      '# TYPE inference_pool_ready_pods gauge',
      'inference_pool_ready_pods{name="p"} 2',
      '# TYPE inference_extension_scheduler_attempts_total counter',
      'inference_extension_scheduler_attempts_total{status="success"} 3',
    ].join('\n');
    // GIE <= 1.0 has no inference_extension_* families in practice; with only model names it is 0.x-1.0
    expect(detectEppGeneration(['inference_model_request_total', 'inference_pool_ready_pods']).generation).toBe('gie-0.x-1.0');
    const r = readEpp(parseExposition(text));
    expect(r.requests).toMatchObject({found: true, name: 'inference_model_request_total', value: 3});
    expect(r.readyPods).toMatchObject({found: true, name: 'inference_pool_ready_pods', value: 2});
    // attempts without a pod label: picks per pod are unknown, and the reason says why
    expect(r.picksPerPod.found).toBe(false);
    expect(!r.picksPerPod.found && r.picksPerPod.note).toMatch(/has no pod label \(labels: status\)/);
  });

  it('reports an exposition with only inference_pool_* names as ambiguous, and nothing as unknown', () => {
    expect(detectEppGeneration(['inference_pool_ready_pods'])).toEqual({generation: undefined, evidence: ['inference_pool_ready_pods'], ambiguous: true});
    expect(detectEppGeneration(['go_goroutines'])).toEqual({generation: undefined, evidence: [], ambiguous: false});
  });

  it('lists every generation for every logical metric that exists in it (the table of domain-facts §2)', () => {
    const byGen = (g: string) =>
      Object.fromEntries(Object.entries(EPP_METRICS).map(([k, spec]) => [k, spec.candidates.filter((c) => c.generations.includes(g as never)).map((c) => c.name)]));
    expect(byGen('gie-0.x-1.0')).toMatchObject({
      requests: ['inference_model_request_total'],
      latency: ['inference_model_request_duration_seconds'],
      prefixIndexerHitRatio: [],
      picksPerPod: [],
    });
    expect(byGen('gie-1.1-1.5').picksPerPod).toEqual(['inference_extension_scheduler_attempts_total']);
    expect(byGen('llm-d-router').readyPods).toEqual(['llm_d_epp_ready_endpoints', 'inference_pool_ready_pods']);
    // the install notes' metric never existed in any generation
    const all = Object.values(EPP_METRICS).flatMap((s) => s.candidates.map((c) => c.name));
    for (const n of NONEXISTENT_EPP_METRICS) expect(all).not.toContain(n);
  });
});

describe('vLLM', () => {
  it('reads the real vLLM capture (names with _total)', () => {
    const r = readVllm(parseExposition(fixture('vllm-metrics.sample.txt')));
    expect(r.prefixCacheQueries).toEqual({found: true, name: 'vllm:prefix_cache_queries_total', value: 0});
    expect(r.prefixCacheHits).toEqual({found: true, name: 'vllm:prefix_cache_hits_total', value: 0});
    expect(r.kvCacheUsage).toEqual({found: true, name: 'vllm:kv_cache_usage_perc', value: 0});
    expect(r.requestsRunning).toMatchObject({found: true, value: 0});
    expect(r.requestsWaiting).toMatchObject({found: true, value: 0});
    expect(r.promptTokens).toMatchObject({found: true, name: 'vllm:prompt_tokens_total'});
    // cut off by `head -40`: declared by a HELP line only, no TYPE, no samples -> unknown
    expect(r.requestSuccess).toEqual({found: false, tried: VLLM_METRICS.requestSuccess.candidates});
    expect(r.deprecated).toEqual([]);
    expect(r.vllmNames).toBeGreaterThan(10);
  });

  it('reads simulator names without _total and sums over label sets', () => {
    const text = [
      '# TYPE vllm:prefix_cache_queries counter',
      'vllm:prefix_cache_queries{model_name="m"} 160',
      '# TYPE vllm:prefix_cache_hits counter',
      'vllm:prefix_cache_hits{model_name="m"} 144',
      '# TYPE vllm:request_success counter',
      'vllm:request_success{finished_reason="length",model_name="m"} 7',
      'vllm:request_success{finished_reason="stop",model_name="m"} 3',
      '# TYPE vllm:kv_cache_usage_perc gauge',
      'vllm:kv_cache_usage_perc{engine="0"} 0.2',
      'vllm:kv_cache_usage_perc{engine="1"} 0.4',
      '# TYPE vllm:gpu_cache_usage_perc gauge',
      'vllm:gpu_cache_usage_perc{engine="0"} 0.2',
      'vllm:gpu_prefix_cache_hits_total 1',
    ].join('\n');
    const r = readVllm(parseExposition(text));
    expect(r.prefixCacheQueries).toEqual({found: true, name: 'vllm:prefix_cache_queries', value: 160});
    expect(r.prefixCacheHits).toEqual({found: true, name: 'vllm:prefix_cache_hits', value: 144});
    expect(r.requestSuccess).toEqual({found: true, name: 'vllm:request_success', value: 10});
    expect(r.kvCacheUsage).toMatchObject({found: true, value: 0.30000000000000004});
    expect(r.requestsRunning).toEqual({found: false, tried: ['vllm:num_requests_running']});
    expect(r.deprecated.map((d) => d.name).sort()).toEqual(['vllm:gpu_cache_usage_perc', 'vllm:gpu_prefix_cache_hits_total']);
  });

  it('counts a declared counter without series as 0, but a missing one as missing', () => {
    const r = readVllm(parseExposition('# HELP vllm:request_success_total x\n# TYPE vllm:request_success_total counter\n'));
    expect(r.requestSuccess).toEqual({found: true, name: 'vllm:request_success_total', value: 0, declaredOnly: true});
    expect(r.prefixCacheHits.found).toBe(false);
  });

  it('flags deprecated and removed vLLM names', () => {
    expect(deprecatedVllmNames(['vllm:gpu_prefix_cache_queries', 'vllm:kv_cache_usage_perc']).map((d) => d.replacement)).toEqual([
      'vllm:prefix_cache_queries / vllm:prefix_cache_hits',
    ]);
  });

  it('lists every name of a generation sample', () => {
    expect(metricNames(parseExposition(fixture('vllm-metrics.sample.txt')))).toContain('vllm:num_requests_waiting');
  });
});
