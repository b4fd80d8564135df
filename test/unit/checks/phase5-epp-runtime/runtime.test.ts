// Phase 5 runtime checks (IGW-504..507) over EPP /metrics and logs as src/snapshot/runtime.ts
// records them; metrics are the real EPP samples in /work/shared/fixtures, read at test time.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import type {Finding} from '../../../../src/checks/types.ts';
import {runDoctor} from '../../../../src/doctor/run.ts';
import {parseExposition} from '../../../../src/metrics/exposition.ts';
import {readEpp} from '../../../../src/metrics/read.ts';
import {runtimeTargets, type EppMetricsRead, type EppRuntime} from '../../../../src/snapshot/runtime.ts';
import {chartInstall, EPP} from '../chart-fixture.ts';
import {NOW, one, sharedDir, snap} from '../fixture.ts';

const sample = (name: string): string => readFileSync(join(sharedDir, 'fixtures', `epp-metrics.${name}.sample.txt`), 'utf8');
const GIE = sample('gie-v1.5.0');
const LLMD = sample('llm-d-router-v0.10.0');

/** The GIE sample with a ready-pods gauge appended (the family GIE's EPP registers: inference_pool_ready_pods). */
function withReadyPods(text: string, n: number): string {
  return `${text.trimEnd()}\n# HELP inference_pool_ready_pods [ALPHA] The number of ready pods in the inference server pool.\n# TYPE inference_pool_ready_pods gauge\ninference_pool_ready_pods{name="qwen"} ${n}\n`;
}
function withKv(text: string, name: string, v: number): string {
  const out = text.replace(new RegExp(`^(${name}\\{name="p1"\\}) [0-9.]+$`, 'm'), `$1 ${v}`);
  if (out === text) throw new Error(`sample has no ${name} line`);
  return out;
}
const okMetrics = (text: string): EppMetricsRead => ({outcome: 'ok', reading: readEpp(parseExposition(text)), tokenSource: 'tokenrequest', durationMs: 3});

function run(metrics: EppMetricsRead, log = 'I1121 setup Flags processed\n', opts: {runtime?: boolean} = {}): Finding[] {
  const objs = chartInstall();
  const s = snap(objs);
  const t = runtimeTargets(s);
  expect(t.map((x) => x.deployment.metadata.name)).toEqual([EPP]);
  const rt: EppRuntime = {namespace: 'llm', deployment: EPP, pod: t[0]!.pod.metadata.name, port: t[0]!.port, log: {ok: true, text: log, durationMs: 2}, metrics};
  if (opts.runtime !== false) s.runtime = [rt];
  return runDoctor(s, {now: NOW}).findings;
}

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
