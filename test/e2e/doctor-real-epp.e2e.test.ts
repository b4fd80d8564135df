// Doctor against the real GIE v1.5.0 Endpoint Picker (test/scenarios/install-real-epp.ts): the EPP
// pod is served by the real process (its log through KWOK Logs, its :9090 through KWOK
// port-forward, with the real TokenReview/SubjectAccessReview auth of controller-runtime's metrics
// filter), the model pods by simulators at their own loopback pod IPs, which the EPP scrapes.
// Each fault changes an input (helm values, RBAC, the InferencePool) and waits for the EPP's own
// reaction (a log line, an exit, an HTTP status); doctor then reads what the EPP really did.
import {afterEach, describe, expect, inject, it} from 'vitest';
import {connect} from '../../src/kube/client.ts';
import {takeSnapshot} from '../../src/snapshot/take.ts';
import {runDoctor} from '../../src/doctor/run.ts';
import type {Finding} from '../../src/checks/types.ts';
import type {Snapshot} from '../../src/snapshot/types.ts';
import {installHealthyRealEpp, realEppFaults, type RealEppFault, type RealEppInstallation} from '../scenarios/install-real-epp.ts';

const kubeconfig = inject('kubeconfig');
const RUN = Date.now().toString(36).slice(-5);
let current: RealEppInstallation | undefined;

afterEach(async () => {
  await current?.cleanup();
  current = undefined;
}, 120_000);

async function doctorIn(namespace: string): Promise<{snap: Snapshot; findings: Finding[]}> {
  const kube = await connect({kubeconfig});
  const snap = await takeSnapshot(kube, {namespace});
  return {snap, findings: runDoctor(snap, {namespace}).findings};
}
const problems = (f: Finding[]): Finding[] => f.filter((x) => x.severity === 'error' || x.severity === 'warning');
const show = (f: Finding[]): string => f.map((x) => `${x.code} ${x.severity} ${x.object?.kind ?? ''}/${x.object?.name ?? ''}: ${x.message}`).join('\n');

async function install(suffix: string, fault?: RealEppFault): Promise<RealEppInstallation> {
  current = await installHealthyRealEpp(kubeconfig, {namespace: `drepp-${RUN}-${suffix}`, pods: 2, litellm: false});
  if (fault) await realEppFaults[fault].inject(current);
  return current;
}

describe('doctor with the real GIE v1.5.0 EPP', () => {
  it('healthy: 0 errors / 0 warnings; /metrics and the log are the real EPP\'s', async () => {
    const inst = await install('ok');
    const metrics = await inst.scrapeEpp();
    // Names GIE v1.5.0 exposes (pkg/epp/metrics/metrics.go), not a stand-in's.
    expect(metrics.text).toMatch(/^inference_pool_ready_pods\{.*\} 2$/m);
    expect(metrics.text).toMatch(/^inference_extension_info\{/m);
    for (const ip of inst.modelPodIps) expect(inst.epp.output()).toContain(`"msg":"starting collection","endpoint":"${ip}"`);
    const {snap, findings} = await doctorIn(inst.names.namespace);
    expect(problems(findings), show(problems(findings))).toEqual([]);
    const rt = snap.runtime![0]!;
    expect(rt.metrics.outcome).toBe('ok');
    expect(rt.log.ok && rt.log.text).toContain('"starting collection"');
    expect(findings.find((f) => f.code === 'IGW-505')?.message).toContain('reports 2 ready endpoint(s)');
  }, 300_000);
});
