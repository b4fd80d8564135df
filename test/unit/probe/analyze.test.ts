// probe-cache's conclusions: attribution from counter deltas, hit ratios, TTFT, and the verdict in
// each of its cases. Snapshots are built from real exposition text (the vLLM names of the shared
// sample, and the simulator's names without _total) through the same parser the command uses.
import {readFileSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {parseExposition} from '../../../src/metrics/exposition.ts';
import {readEpp, readVllm} from '../../../src/metrics/read.ts';
import {
  AFFINITY_MIN_SHARE,
  OUTSIDE_POOL,
  type EndpointRef,
  type PodScrape,
  type Snapshot,
  analyzeProbe,
  endpointForEppLabel,
  eppFigures,
  vllmFigures,
} from '../../../src/probe/analyze.ts';
import type {PhaseRun, RequestResult} from '../../../src/probe/send.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const fixture = (name: string): string => readFileSync(resolve(repoRoot, '..', 'shared', 'fixtures', name), 'utf8');

const pods = ['vllm-0', 'vllm-1', 'vllm-2'];
const endpoints: EndpointRef[] = pods.map((p) => ({id: p, pod: p, port: 8000}));

interface Counters {
  requests?: number;
  queries?: number;
  hits?: number;
  kv?: number;
}

/** A real-vLLM-style exposition (names with _total, as in the shared sample). */
function vllmText(c: Counters): string {
  const lines = [
    '# TYPE vllm:num_requests_running gauge',
    'vllm:num_requests_running{engine="0",model_name="m"} 0.0',
    '# TYPE vllm:kv_cache_usage_perc gauge',
    `vllm:kv_cache_usage_perc{engine="0",model_name="m"} ${c.kv ?? 0}`,
  ];
  if (c.queries !== undefined) lines.push('# TYPE vllm:prefix_cache_queries_total counter', `vllm:prefix_cache_queries_total{engine="0",model_name="m"} ${c.queries}`);
  if (c.hits !== undefined) lines.push('# TYPE vllm:prefix_cache_hits_total counter', `vllm:prefix_cache_hits_total{engine="0",model_name="m"} ${c.hits}`);
  if (c.requests !== undefined) {
    lines.push(
      '# TYPE vllm:request_success_total counter',
      `vllm:request_success_total{engine="0",finished_reason="length",model_name="m"} ${c.requests}`,
      `vllm:request_success_total{engine="0",finished_reason="stop",model_name="m"} 0`,
    );
  }
  return lines.join('\n');
}

function scrape(c: Counters | string): PodScrape {
  if (typeof c === 'string') return {ok: false, error: c};
  return {ok: true, figures: vllmFigures(readVllm(parseExposition(vllmText(c))))};
}

function snap(label: Snapshot['label'], perPod: Record<string, Counters | string>, epp?: string): Snapshot {
  return {
    label,
    atMs: 0,
    pods: Object.fromEntries(Object.entries(perPod).map(([k, v]) => [k, scrape(v)])),
    ...(epp ? {epp: {ok: true as const, figures: eppFigures(readEpp(parseExposition(epp)))}} : {}),
  };
}

function results(phase: 'identical' | 'unique', n: number, opts: {fail?: number[]; status?: number; ttft?: (i: number) => number} = {}): RequestResult[] {
  return Array.from({length: n}, (_, i) => {
    const failed = opts.fail?.includes(i);
    return {
      phase,
      index: i,
      startMs: i * 100,
      status: failed ? (opts.status ?? 503) : 200,
      ok: !failed,
      ...(failed ? {errorKind: 'http' as const, error: 'no healthy upstream'} : {}),
      ttftMs: failed ? null : (opts.ttft?.(i) ?? (i === 0 ? 800 : 90 + i)),
      totalMs: 1000,
      streamed: true,
    };
  });
}

function run(phase: 'identical' | 'unique', n: number, opts?: Parameters<typeof results>[2]): PhaseRun {
  return {phase, planned: n, results: results(phase, n, opts), durationMs: 1000};
}

// A working pool: 10 identical prompts of 810 tokens all on vllm-0 (the first misses, 9 hit 800 of
// 810), 10 unique prompts spread 4/3/3 with no hits.
const before = snap('before', {'vllm-0': {requests: 5, queries: 1000, hits: 100}, 'vllm-1': {requests: 7, queries: 700, hits: 0}, 'vllm-2': {requests: 0, queries: 0, hits: 0}});
const betweenWorking = snap('between', {
  'vllm-0': {requests: 15, queries: 1000 + 8100, hits: 100 + 7200},
  'vllm-1': {requests: 7, queries: 700, hits: 0},
  'vllm-2': {requests: 0, queries: 0, hits: 0},
});
const afterWorking = snap('after', {
  'vllm-0': {requests: 19, queries: 9100 + 4 * 810, hits: 7300 + 16},
  'vllm-1': {requests: 10, queries: 700 + 3 * 810, hits: 0},
  'vllm-2': {requests: 3, queries: 3 * 810, hits: 0},
});

describe('verdict', () => {
  it('working: all identical prompts on one pod, high hit ratio vs unique', () => {
    const a = analyzeProbe({endpoints, before, between: betweenWorking, after: afterWorking, identical: run('identical', 10), unique: run('unique', 10), eppExpected: false});
    expect(a.verdict.result).toBe('working');
    expect(a.affinity).toEqual({topPod: 'vllm-0', topCount: 10, total: 10, share: 1, podsUsed: 1});
    expect(a.control).toMatchObject({podsUsed: 3, topPod: 'vllm-0', topCount: 4});
    expect(a.identical.attribution).toMatchObject({source: 'vllm-requests', counts: {'vllm-0': 10, 'vllm-1': 0, 'vllm-2': 0}, total: 10, succeeded: 10});
    expect(a.identical.hitRatio).toBeCloseTo(7200 / 8100);
    expect(a.unique?.hitRatio).toBeCloseTo(16 / 8100);
    expect(a.pods[0]?.identical).toMatchObject({requests: 10, queries: 8100, hits: 7200});
    expect(a.pods[1]?.unique).toMatchObject({requests: 3, hitRatio: 0});
    expect(a.verdict.reason).toMatch(/10 of 10 identical prompts landed on vllm-0; prefix-cache hit ratio 0.89 for identical prompts vs 0.00 for unique ones; TTFT 800 ms for the first, 95 ms median for the repeats/);
    expect(a.verdict.nextSteps).toEqual([]);
    expect(a.ttft).toMatchObject({firstMs: 800, restCount: 9, restMedianMs: 95});
  });

  it('not working: identical prompts spread over the pods; next step: the prefix scorer', () => {
    const between = snap('between', {
      'vllm-0': {requests: 9, queries: 1000 + 4 * 810, hits: 100},
      'vllm-1': {requests: 10, queries: 700 + 3 * 810, hits: 0},
      'vllm-2': {requests: 3, queries: 3 * 810, hits: 0},
    });
    const a = analyzeProbe({endpoints, before, between, identical: run('identical', 10), eppExpected: false});
    expect(a.verdict.result).toBe('not-working');
    expect(a.affinity?.share).toBeCloseTo(0.4);
    expect(a.verdict.reason).toMatch(/the 10 identical prompts spread over 3 pods \(vllm-0: 4, vllm-1: 3, vllm-2: 3\); at most 40% on one pod, 80% needed/);
    expect(a.verdict.nextSteps.join('\n')).toMatch(/prefix-cache-scorer/);
    expect(a.verdict.caveats).toContain('The control phase (unique prompts) did not run.');
  });

  it('not working: the EPP made no picks while the pods served the requests (gateway bypasses the EPP)', () => {
    const epp = (picks: number) =>
      [
        '# TYPE llm_d_epp_scheduler_attempts_total counter',
        `llm_d_epp_scheduler_attempts_total{endpoint_name="vllm-0",namespace="ns",port="8000",status="success",target_model_name="m"} ${picks}`,
        '# TYPE llm_d_epp_ready_endpoints gauge',
        'llm_d_epp_ready_endpoints{name="pool"} 3',
      ].join('\n');
    const b0 = {...before, epp: snap('before', {}, epp(4)).epp};
    const between = snap(
      'between',
      {'vllm-0': {requests: 8, queries: 1000, hits: 100}, 'vllm-1': {requests: 11, queries: 700, hits: 0}, 'vllm-2': {requests: 3, queries: 0, hits: 0}},
      epp(4),
    );
    const a = analyzeProbe({endpoints, before: b0, between, identical: run('identical', 10), eppExpected: true});
    expect(a.verdict.result).toBe('not-working');
    expect(a.identical.eppPicksTotal).toBe(0);
    expect(a.verdict.nextSteps[0]).toMatch(/The EPP made no picks .* not asking the EPP/);
    expect(a.epp).toEqual({generation: 'llm-d-router', readyPods: 3, missing: expect.any(Array)});
  });

  it('not working: sticky routing but no cache reuse (prefix caching off)', () => {
    const between = snap('between', {
      'vllm-0': {requests: 15, queries: 1000 + 8100, hits: 100},
      'vllm-1': {requests: 7, queries: 700, hits: 0},
      'vllm-2': {requests: 0, queries: 0, hits: 0},
    });
    const a = analyzeProbe({endpoints, before, between, identical: run('identical', 10), eppExpected: false});
    expect(a.verdict.result).toBe('not-working');
    expect(a.verdict.reason).toMatch(/stuck to vllm-0 \(10 of 10\) but its prefix cache barely helped: hit ratio 0.00/);
    expect(a.verdict.nextSteps[0]).toMatch(/prefix caching is enabled/);
  });

  it('cannot tell: one pod only', () => {
    const one = endpoints.slice(0, 1);
    const a = analyzeProbe({endpoints: one, before, between: betweenWorking, identical: run('identical', 10), eppExpected: false});
    expect(a.verdict.result).toBe('cannot-tell');
    expect(a.verdict.reason).toMatch(/only one model-server endpoint/);
    expect(a.verdict.nextSteps[0]).toMatch(/2 or more replicas/);
  });

  it('cannot tell: most identical requests failed; the advice follows the status codes', () => {
    const a = analyzeProbe({endpoints, before, between: before, identical: run('identical', 10, {fail: [0, 1, 2, 3, 4, 5, 6, 7, 8], status: 503}), eppExpected: false});
    expect(a.verdict.result).toBe('cannot-tell');
    expect(a.verdict.reason).toMatch(/only 1 of 10 identical requests succeeded: 503 ×9 \("no healthy upstream"\)/);
    expect(a.verdict.nextSteps[0]).toMatch(/^503/);
    expect(a.errors).toEqual({total: 9, byKind: {'503': {count: 9, example: 'no healthy upstream'}}});
  });

  it('cannot tell: counters unreadable and no EPP picks', () => {
    const forbidden = 'forbidden: you cannot port-forward to pods/vllm-0 in namespace ns';
    const s = snap('before', {'vllm-0': forbidden, 'vllm-1': forbidden, 'vllm-2': forbidden});
    const a = analyzeProbe({endpoints, before: s, between: {...s, label: 'between'}, identical: run('identical', 10), eppExpected: false});
    expect(a.verdict.result).toBe('cannot-tell');
    expect(a.identical.attribution.source).toBe('none');
    expect(a.verdict.reason).toMatch(/cannot be attributed to pods: no model-server request counter could be read/);
    expect(a.verdict.reason).toContain(forbidden);
    expect(a.verdict.nextSteps[0]).toMatch(/pods\/portforward/);
    expect(a.pods[0]?.error).toBe(forbidden);
    expect(a.affinity).toBeNull();
  });

  it('attributes from EPP picks when the model servers are unreadable (GIE pod_name label)', () => {
    const epp = (a: number, b: number) =>
      [
        '# TYPE inference_extension_scheduler_attempts_total counter',
        `inference_extension_scheduler_attempts_total{namespace="ns",pod_name="vllm-1",port="8000",status="success",target_model_name="m"} ${a}`,
        `inference_extension_scheduler_attempts_total{namespace="ns",pod_name="vllm-2",port="8000",status="success",target_model_name="m"} ${b}`,
        `inference_extension_scheduler_attempts_total{namespace="ns",pod_name="vllm-2",port="8000",status="failure",target_model_name="m"} 50`,
      ].join('\n');
    const err = 'connection refused';
    const s0 = snap('before', {'vllm-0': err, 'vllm-1': err, 'vllm-2': err}, epp(3, 1));
    const s1 = snap('between', {'vllm-0': err, 'vllm-1': err, 'vllm-2': err}, epp(12, 2));
    const a = analyzeProbe({endpoints, before: s0, between: s1, identical: run('identical', 10), eppExpected: true});
    expect(a.identical.attribution).toMatchObject({source: 'epp-picks', counts: {'vllm-0': 0, 'vllm-1': 9, 'vllm-2': 1}, total: 10});
    expect(a.verdict.result).toBe('working');
    expect(a.verdict.caveats.join(' ')).toMatch(/Attributed from the EPP picks/);
    expect(a.verdict.caveats.join(' ')).toMatch(/hit ratio unknown \(the counters of vllm-1, vllm-2 could not be read\)/);
  });

  it('infers the share of an unreadable pod by elimination when the others account for every request', () => {
    const between = snap('between', {'vllm-0': {requests: 15, queries: 9100, hits: 7300}, 'vllm-1': {requests: 7, queries: 700, hits: 0}, 'vllm-2': 'timeout'});
    const b0 = snap('before', {'vllm-0': {requests: 5, queries: 1000, hits: 100}, 'vllm-1': {requests: 7, queries: 700, hits: 0}, 'vllm-2': 'timeout'});
    const a = analyzeProbe({endpoints, before: b0, between, identical: run('identical', 10), eppExpected: false});
    expect(a.identical.attribution).toMatchObject({source: 'vllm-requests', unreadable: ['vllm-2'], counts: {'vllm-2': 0}});
    expect(a.verdict.result).toBe('working');
    expect(a.verdict.caveats.join(' ')).toMatch(/vllm-2 unreadable; they got none of the requests by elimination/);
  });

  it('cannot tell: other traffic moved the counters', () => {
    const between = snap('between', {'vllm-0': {requests: 45, queries: 9100, hits: 7300}, 'vllm-1': {requests: 37, queries: 700, hits: 0}, 'vllm-2': {requests: 20}});
    const a = analyzeProbe({endpoints, before, between, identical: run('identical', 10), eppExpected: false});
    expect(a.verdict.result).toBe('cannot-tell');
    expect(a.verdict.reason).toMatch(/moved by 90 but only 10 requests were sent: other traffic/);
  });

  it('cannot tell: counters lag behind the successes', () => {
    const between = snap('between', {'vllm-0': {requests: 8, queries: 1000, hits: 100}, 'vllm-1': {requests: 7}, 'vllm-2': {requests: 0}});
    const a = analyzeProbe({endpoints, before, between, identical: run('identical', 10), eppExpected: false});
    expect(a.verdict.result).toBe('cannot-tell');
    expect(a.verdict.reason).toMatch(/moved by 3 but 10 requests succeeded/);
  });

  it('cannot tell: the unique prompts went to the same single pod too', () => {
    const after = snap('after', {'vllm-0': {requests: 25, queries: 9100 + 8100, hits: 7300}, 'vllm-1': {requests: 7, queries: 700, hits: 0}, 'vllm-2': {requests: 0, queries: 0, hits: 0}});
    const a = analyzeProbe({endpoints, before, between: betweenWorking, after, identical: run('identical', 10), unique: run('unique', 10), eppExpected: false});
    expect(a.verdict.result).toBe('cannot-tell');
    expect(a.verdict.reason).toMatch(/the unique prompts also went to vllm-0 \(10 of 10\)/);
  });

  it('judges affinity from request counts alone when the prefix-cache counters are missing (simulator)', () => {
    const sim = (requests: number) => ({requests});
    const b = snap('before', {'vllm-0': sim(0), 'vllm-1': sim(0), 'vllm-2': sim(0)});
    const m = snap('between', {'vllm-0': sim(9), 'vllm-1': sim(0), 'vllm-2': sim(1)});
    const a = analyzeProbe({endpoints, before: b, between: m, identical: run('identical', 10), eppExpected: false});
    expect(a.affinity?.share).toBe(0.9);
    expect(a.identical.hitRatio).toBeNull();
    expect(a.verdict.result).toBe('working');
    expect(a.verdict.caveats.join(' ')).toMatch(/Prefix-cache hit ratio unknown \(vllm-0, vllm-2 do not expose vllm:prefix_cache_queries\/hits\); affinity judged from request counts only/);
    // just below the threshold is not working
    const m2 = snap('between', {'vllm-0': sim(7), 'vllm-1': sim(2), 'vllm-2': sim(1)});
    expect(AFFINITY_MIN_SHARE).toBe(0.8);
    expect(analyzeProbe({endpoints, before: b, between: m2, identical: run('identical', 10), eppExpected: false}).verdict.result).toBe('not-working');
  });

  it('treats a counter that went down as a restart (delta = the new value) and flags it', () => {
    const between = snap('between', {'vllm-0': {requests: 10, queries: 8100, hits: 7200}, 'vllm-1': {requests: 7, queries: 700, hits: 0}, 'vllm-2': {requests: 0, queries: 0, hits: 0}});
    const b0 = snap('before', {'vllm-0': {requests: 500, queries: 90000, hits: 8000}, 'vllm-1': {requests: 7, queries: 700, hits: 0}, 'vllm-2': {requests: 0, queries: 0, hits: 0}});
    const a = analyzeProbe({endpoints, before: b0, between, identical: run('identical', 10), eppExpected: false});
    expect(a.pods[0]?.identical).toMatchObject({requests: 10, reset: true});
    expect(a.verdict.result).toBe('working');
  });
});

describe('EPP endpoint labels', () => {
  it('maps pod names, GIE "<pod>-rank-<i>" names, and flags endpoints outside the pool', () => {
    const multi: EndpointRef[] = [
      {id: 'p:8000', pod: 'p', port: 8000},
      {id: 'p:8001', pod: 'p', port: 8001},
    ];
    expect(endpointForEppLabel('p-rank-1', multi)).toBe('p:8001');
    expect(endpointForEppLabel('vllm-2', endpoints)).toBe('vllm-2');
    expect(endpointForEppLabel('elsewhere', endpoints)).toBeUndefined();
    expect(OUTSIDE_POOL).toBe('(outside the pool)');
  });
});

describe('figures from the real vLLM sample', () => {
  it('reads every figure the probe needs, and reports the missing request counter as null', () => {
    const f = vllmFigures(readVllm(parseExposition(fixture('vllm-metrics.sample.txt'))));
    expect(f).toMatchObject({prefixCacheQueries: 0, prefixCacheHits: 0, kvCacheUsage: 0, running: 0, waiting: 0, requestSuccess: null});
    expect(f.names).toMatchObject({prefixCacheQueries: 'vllm:prefix_cache_queries_total', kvCacheUsage: 'vllm:kv_cache_usage_perc'});
  });

  it('reads EPP figures of the GIE sample, listing what is missing', () => {
    const f = eppFigures(readEpp(parseExposition(fixture('epp-metrics.gie-v1.5.0.sample.txt'))));
    expect(f).toMatchObject({generation: 'gie-1.1-1.5', readyPods: null, requests: 4, picks: {'pod-1': 2}, prefixIndexer: {sum: 2.7, count: 6}});
    expect(f.missing[0]).toMatch(/^ready pods \(tried llm_d_epp_ready_endpoints, inference_pool_ready_pods\)/);
  });
});
