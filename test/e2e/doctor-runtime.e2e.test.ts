// Doctor's EPP runtime wave (src/snapshot/runtime.ts → IGW-504..507) against the real test control
// plane, in-process: the EPP pods' :9090 is served by the scenario stand-in that authenticates
// scrapes like the EPP (TokenReview; 500 once `epp-no-tokenreviews` removes the rule), and the EPP
// log is what KWOK shows for the pod.
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {installHealthy, type Installation} from '../scenarios/index.ts';
import {connect} from '../../src/kube/client.ts';
import {takeSnapshot} from '../../src/snapshot/take.ts';
import {runDoctor} from '../../src/doctor/run.ts';
import type {Finding} from '../../src/checks/types.ts';
import type {Snapshot} from '../../src/snapshot/types.ts';

const kubeconfig = inject('kubeconfig');
const RUN = Date.now().toString(36).slice(-5);
const installs: Installation[] = [];

async function doctorIn(namespace: string): Promise<{snap: Snapshot; findings: Finding[]}> {
  const kube = await connect({kubeconfig});
  const snap = await takeSnapshot(kube, {namespace});
  return {snap, findings: runDoctor(snap, {namespace}).findings};
}
const codes = (f: Finding[], code: string) => f.filter((x) => x.code === code);

let healthy: Installation;
let broken: Installation;

beforeAll(async () => {
  [healthy, broken] = await Promise.all([
    installHealthy(kubeconfig, {namespace: `drt-${RUN}-ok`, pods: 2, withEppMetrics: true, litellm: false}),
    installHealthy(kubeconfig, {namespace: `drt-${RUN}-tr`, pods: 2, withEppMetrics: true, litellm: false}),
  ]);
  installs.push(healthy, broken);
  await broken.inject('epp-no-tokenreviews');
}, 300_000);

afterAll(async () => {
  await Promise.all(installs.map((i) => i.cleanup()));
}, 120_000);

describe('doctor EPP runtime (live /metrics and logs)', () => {
  it('healthy: the EPP /metrics answers with a token, sees the 2 Ready pods, KV cache low, log clean', async () => {
    const {snap, findings} = await doctorIn(healthy.names.namespace);
    expect(snap.runtime).toHaveLength(1);
    const rt = snap.runtime![0]!;
    expect(rt.metrics.outcome).toBe('ok');
    expect(rt.metrics.durationMs).toBeLessThan(5_000);
    expect(codes(findings, 'IGW-504').map((f) => f.severity)).toEqual(['ok']);
    expect(codes(findings, 'IGW-505').map((f) => f.severity)).toEqual(['ok']);
    expect(codes(findings, 'IGW-505')[0]!.message).toContain('reports 2 ready endpoint(s)');
    expect(codes(findings, 'IGW-506').map((f) => f.severity)).toEqual(['ok']);
    expect(codes(findings, 'IGW-507').map((f) => f.severity)).toEqual(['ok']);
    expect(findings.filter((f) => /^IGW-50[4-7]$/.test(f.code) && (f.severity === 'error' || f.severity === 'warning'))).toEqual([]);
  }, 120_000);

  it('epp-no-tokenreviews: /metrics answers 500 → IGW-504 error with the ClusterRole + binding for the EPP ServiceAccount', async () => {
    const {snap, findings} = await doctorIn(broken.names.namespace);
    const rt = snap.runtime![0]!;
    expect(rt.metrics.outcome).toBe('http');
    const e = codes(findings, 'IGW-504');
    expect(e.map((f) => f.severity)).toEqual(['error']);
    expect(e[0]!.message).toContain('answered 500');
    expect(e[0]!.object?.namespace).toBe(broken.names.namespace);
    expect(e[0]!.fix).toContain('--resource=tokenreviews.authentication.k8s.io,subjectaccessreviews.authorization.k8s.io');
    expect(e[0]!.fix).toContain(`--serviceaccount=${broken.names.namespace}:`);
    expect(codes(findings, 'IGW-505')[0]!.blockedBy).toEqual(['IGW-504']);
  }, 120_000);
});
