// Phase 5 runtime checks (IGW-504..507) over EPP /metrics and logs as src/snapshot/runtime.ts
// records them; metrics are the real EPP samples in /work/shared/fixtures, read at test time.
import {describe, expect, it} from 'vitest';
import {runtimeTargets} from '../../../../src/snapshot/runtime.ts';
import {chartInstall, EPP} from '../chart-fixture.ts';
import {one, snap} from '../fixture.ts';
import {GIE, LLMD, okMetrics, run, withKv, withReadyPods} from './runtime-fixture.ts';

describe('phase 5 — EPP runtime (live metrics and logs)', () => {
  it('targets: the chart EPP, its Ready pod, metrics port 9090', () => {
    const t = runtimeTargets(snap(chartInstall()));
    expect(t).toHaveLength(1);
    expect(t[0]!.port).toBe(9090);
    expect(t[0]!.serviceAccount).toBe(EPP);
  });

  it('healthy GIE sample with ready pods: 504/505/506/507 ok', () => {
    const f = run(okMetrics(withReadyPods(GIE, 2)));
    expect(one(f, 'IGW-504', 'ok').message).toContain('/metrics answered (token: tokenrequest');
    expect(one(f, 'IGW-505', 'ok').message).toContain('reports 2 ready endpoint(s)');
    expect(one(f, 'IGW-506', 'ok').message).toContain('is 30%');
    one(f, 'IGW-507', 'ok');
  });

  it('llm-d-router sample: KV cache read from its own name; no ready gauge → info, not a guess', () => {
    const f = run(okMetrics(withKv(LLMD, 'llm_d_epp_average_kv_cache_utilization', 0.95)));
    const w = one(f, 'IGW-506', 'warning');
    expect(w.message).toContain('is 95% (llm_d_epp_average_kv_cache_utilization');
    expect(one(f, 'IGW-505', 'info').message).toContain('tried llm_d_epp_ready_endpoints, inference_pool_ready_pods');
  });

  it('offline snapshot (no runtime): skipped, never guessed', () => {
    const f = run(okMetrics(GIE), '', {runtime: false});
    for (const c of ['IGW-504', 'IGW-507']) expect(one(f, c, 'skipped').message).toContain('runtime not read');
    // 505/506 need 504's scrape: skipped because it could not run
    for (const c of ['IGW-505', 'IGW-506']) expect(one(f, c, 'skipped').message).toContain('IGW-504');
  });
});
