// Phase 5 runtime checks (IGW-504..507) over EPP /metrics and logs as src/snapshot/runtime.ts
// records them; metrics are the real EPP samples in /work/shared/fixtures, read at test time.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {matchEppLog} from '../../../../src/checks/phase5-epp-runtime/logs.ts';
import type {Finding} from '../../../../src/checks/types.ts';
import {runDoctor} from '../../../../src/doctor/run.ts';
import {parseExposition} from '../../../../src/metrics/exposition.ts';
import {readEpp} from '../../../../src/metrics/read.ts';
import {runtimeTargets, type EppMetricsRead, type EppRuntime} from '../../../../src/snapshot/runtime.ts';
import {chartInstall, EPP} from '../chart-fixture.ts';
import {NOW, sharedDir, snap} from '../fixture.ts';

const sample = (name: string): string => readFileSync(join(sharedDir, 'fixtures', `epp-metrics.${name}.sample.txt`), 'utf8');
const GIE = sample('gie-v1.5.0');

/** The GIE sample with a ready-pods gauge appended (the family GIE's EPP registers: inference_pool_ready_pods). */
function withReadyPods(text: string, n: number): string {
  return `${text.trimEnd()}\n# HELP inference_pool_ready_pods [ALPHA] The number of ready pods in the inference server pool.\n# TYPE inference_pool_ready_pods gauge\ninference_pool_ready_pods{name="qwen"} ${n}\n`;
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

  it('IGW-507: EPP log lines for RBAC, renamed metric and TLS failures → findings citing the line', () => {
    const rbac = '{"level":"error","ts":"2026-11-21T12:00:00Z","logger":"reflector","msg":"Failed to watch: failed to list *v1.Pod: pods is forbidden: User \\"system:serviceaccount:llm:x\\" cannot list resource \\"pods\\" in API group \\"\\" in the namespace \\"llm\\""}';
    const renamed = '{"level":"error","msg":"Failed to refresh metrics","error":"metric family \\"vllm:gpu_cache_usage_perc\\" not found"}';
    const tls = '{"level":"error","msg":"dial failed","error":"tls: failed to verify certificate: x509: certificate signed by unknown authority"}';
    const f = run(okMetrics(withReadyPods(GIE, 2)), [rbac, renamed, renamed, tls].join('\n'));
    const e = f.filter((x) => x.code === 'IGW-507');
    expect(e.map((x) => x.severity).sort()).toEqual(['error', 'warning', 'warning']);
    expect(e.find((x) => x.severity === 'error')!.message).toContain('pods is forbidden');
    expect(e.find((x) => x.message.includes('model server metric'))!.message).toContain('(2 line(s)');
    expect(matchEppLog('I1121 all good\nstarting server')).toEqual([]);
  });
});
