// Phase 5 runtime checks (IGW-504..509) over EPP /metrics and logs as src/snapshot/runtime.ts
// records them; metrics are the real EPP samples in /work/shared/fixtures, read at test time.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {expect} from 'vitest';
import type {Finding} from '../../../../src/checks/types.ts';
import {runDoctor} from '../../../../src/doctor/run.ts';
import {parseExposition} from '../../../../src/metrics/exposition.ts';
import {readEpp} from '../../../../src/metrics/read.ts';
import {runtimeTargets, type EppMetricsRead, type EppRuntime} from '../../../../src/snapshot/runtime.ts';
import {chartInstall, EPP} from '../chart-fixture.ts';
import {NOW, sharedDir, snap} from '../fixture.ts';

export const sample = (name: string): string => readFileSync(join(sharedDir, 'fixtures', `epp-metrics.${name}.sample.txt`), 'utf8');
export const GIE = sample('gie-v1.5.0');
export const LLMD = sample('llm-d-router-v0.10.0');

/** The GIE sample with a ready-pods gauge appended (the family GIE's EPP registers: inference_pool_ready_pods). */
export function withReadyPods(text: string, n: number): string {
  return `${text.trimEnd()}\n# HELP inference_pool_ready_pods [ALPHA] The number of ready pods in the inference server pool.\n# TYPE inference_pool_ready_pods gauge\ninference_pool_ready_pods{name="qwen"} ${n}\n`;
}

/** The sample with the p1 series of KV-cache family `name` set to `v` (throws when the sample has no such line). */
export function withKv(text: string, name: string, v: number): string {
  const out = text.replace(new RegExp(`^(${name}\\{name="p1"\\}) [0-9.]+$`, 'm'), `$1 ${v}`);
  if (out === text) throw new Error(`sample has no ${name} line`);
  return out;
}

export const okMetrics = (text: string): EppMetricsRead => ({outcome: 'ok', reading: readEpp(parseExposition(text)), tokenSource: 'tokenrequest', durationMs: 3});

/** Doctor over the chart install with one EPP runtime record (its /metrics read and log); `runtime: false` = an offline snapshot. */
export function run(metrics: EppMetricsRead, log = 'I1121 setup Flags processed\n', opts: {runtime?: boolean} = {}): Finding[] {
  const objs = chartInstall();
  const s = snap(objs);
  const t = runtimeTargets(s);
  expect(t.map((x) => x.deployment.metadata.name)).toEqual([EPP]);
  const rt: EppRuntime = {namespace: 'llm', deployment: EPP, pod: t[0]!.pod.metadata.name, port: t[0]!.port, log: {ok: true, text: log, durationMs: 2}, metrics};
  if (opts.runtime !== false) s.runtime = [rt];
  return runDoctor(s, {now: NOW}).findings;
}
