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

  it('IGW-505: EPP reports 0 ready pods while pool pods are Ready → error with the --pool-* args to check', () => {
    const f = run(okMetrics(withReadyPods(GIE, 0)));
    const e = one(f, 'IGW-505', 'error');
    expect(e.message).toMatch(/reports 0 ready endpoints \(inference_pool_ready_pods\) while \d+ Ready pod\(s\) match InferencePool llm\/qwen/);
    expect(e.fix).toContain('--pool-name=qwen --pool-namespace=llm');
    expect(e.fix).toContain('kubectl get inferencepool qwen -n llm');
  });

  it('IGW-504: /metrics 500 (no TokenReview rights) → error with clusterrole + binding for the EPP ServiceAccount; 505/506 blocked', () => {
    const f = run({outcome: 'http', status: 500, message: 'answered HTTP 500: Authentication failed', tokenSource: 'tokenrequest', durationMs: 4});
    const e = one(f, 'IGW-504', 'error');
    expect(e.message).toContain('answered 500');
    expect(e.fix).toBe(`kubectl create clusterrole ${EPP}-llm-metrics-auth --verb=create --resource=tokenreviews.authentication.k8s.io,subjectaccessreviews.authorization.k8s.io\nkubectl create clusterrolebinding ${EPP}-llm-metrics-auth --clusterrole=${EPP}-llm-metrics-auth --serviceaccount=llm:${EPP}`);
    expect(one(f, 'IGW-505', 'blocked').blockedBy).toEqual(['IGW-504']);
    expect(one(f, 'IGW-506', 'blocked').blockedBy).toEqual(['IGW-504']);
  });

  it('IGW-504: 401 → error; 403 → warning with a /metrics reader role; unreachable → info only', () => {
    expect(one(run({outcome: 'unauthorized', status: 401, message: '401', tokenSource: 'kubeconfig', durationMs: 1}), 'IGW-504', 'error').fix).toContain('tokenreviews.authentication.k8s.io');
    expect(one(run({outcome: 'forbidden', status: 403, message: '403', tokenSource: 'tokenrequest', durationMs: 1}), 'IGW-504', 'warning').fix).toContain('--non-resource-url=/metrics');
    one(run({outcome: 'unreachable', message: 'connection refused', durationMs: 1}), 'IGW-504', 'info');
  });
});
