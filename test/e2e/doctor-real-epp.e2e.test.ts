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
import {startRealBbr} from '../scenarios/install-real-bbr.ts';
import {installHealthyBbr, type Installation} from '../scenarios/index.ts';
import {kubectl} from '../harness/cluster.ts';
import {probeCache} from '../../src/probe/run.ts';
import {startAffinityGateway} from './support/affinity-gateway.ts';
import {extProcPick, loadExtProcSchema} from './support/ext-proc.ts';

const kubeconfig = inject('kubeconfig');
const RUN = Date.now().toString(36).slice(-5);
let current: Installation | undefined;

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
  const inst = await installHealthyRealEpp(kubeconfig, {namespace: `drepp-${RUN}-${suffix}`, pods: 2, litellm: false});
  current = inst;
  if (fault) await realEppFaults[fault].inject(inst);
  return inst;
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

  // Every fault below comes from changing an input; the findings are what doctor reads from the
  // cluster and from the real EPP (its log through KWOK, its /metrics through port-forward).
  const only = (f: Finding[], code: string): Finding[] => f.filter((x) => x.code === code && x.severity !== 'ok' && x.severity !== 'skipped');

  it('real-epp-wrong-pool-name: the EPP watches a pool that does not exist → IGW-406 error on the EPP Deployment', async () => {
    const inst = await install('pool', 'real-epp-wrong-pool-name');
    expect(inst.epp.args).toContain(`${inst.names.pool}-typo`);
    // The real EPP serves, with no endpoint for the pool the route sends to.
    expect((await inst.scrapeEpp()).text).not.toMatch(new RegExp(`inference_pool_ready_pods\\{[^}]*name="${inst.names.pool}"`));
    const {findings} = await doctorIn(inst.names.namespace);
    const e = only(findings, 'IGW-406');
    expect(e.map((f) => f.severity), show(problems(findings))).toEqual(['error']);
    expect(e[0]!.object).toMatchObject({kind: 'Deployment', name: inst.names.eppDeployment});
    expect(e[0]!.message).toContain(`serves InferencePool ${inst.names.namespace}/${inst.names.pool}-typo`);
  }, 300_000);

  it('real-epp-rbac-no-pods: the EPP logs "pods is forbidden" → IGW-501 error and IGW-507 error quoting the real line', async () => {
    const inst = await install('pods', 'real-epp-rbac-no-pods');
    const {findings} = await doctorIn(inst.names.namespace);
    expect(only(findings, 'IGW-501').map((f) => f.severity), show(problems(findings))).toEqual(['error']);
    expect(only(findings, 'IGW-501')[0]!.object).toMatchObject({kind: 'Deployment', name: inst.names.eppDeployment});
    const log = only(findings, 'IGW-507');
    expect(log.map((f) => f.severity)).toEqual(['error']);
    expect(log[0]!.object?.kind).toBe('Pod');
    expect(log[0]!.message).toContain('pods is forbidden');
  }, 300_000);

  it('real-epp-rbac-no-pools: the EPP may not list its InferencePool → IGW-501 error and IGW-507 error', async () => {
    const inst = await install('pools', 'real-epp-rbac-no-pools');
    const {findings} = await doctorIn(inst.names.namespace);
    expect(only(findings, 'IGW-501').map((f) => f.severity), show(problems(findings))).toEqual(['error']);
    expect(only(findings, 'IGW-501')[0]!.message).toContain('inferencepools.inference.networking.k8s.io');
    const log = only(findings, 'IGW-507');
    expect(log.map((f) => f.severity)).toEqual(['error']);
    expect(log[0]!.message).toContain('may not read pods/InferencePools');
  }, 300_000);

  it('real-epp-rbac-no-objectives: the EPP may not list InferenceObjectives → warnings only (it still routes)', async () => {
    const inst = await install('obj', 'real-epp-rbac-no-objectives');
    const {findings} = await doctorIn(inst.names.namespace);
    expect(findings.filter((f) => f.severity === 'error'), show(problems(findings))).toEqual([]);
    expect(only(findings, 'IGW-501').map((f) => f.severity)).toEqual(['warning']);
    const log = only(findings, 'IGW-507');
    expect(log.map((f) => f.severity)).toEqual(['warning']);
    expect(log[0]!.message).toContain('may not read InferenceObjectives');
  }, 300_000);

  it('real-epp-pool-wrong-target-port: the EPP\'s scrapes of :8001 fail → IGW-305 error on the pool, IGW-505 error (0 ready endpoints)', async () => {
    const inst = await install('port', 'real-epp-pool-wrong-target-port');
    const {findings} = await doctorIn(inst.names.namespace);
    const port = only(findings, 'IGW-305');
    expect(port.map((f) => f.severity), show(problems(findings))).toEqual(['error']);
    expect(port[0]!.object).toMatchObject({kind: 'InferencePool', name: inst.names.pool});
    const ready = only(findings, 'IGW-505');
    expect(ready.map((f) => f.severity)).toEqual(['error']);
    expect(ready[0]!.message).toContain('reports 0 ready endpoints');
    // The real EPP's own words for the failed scrape, as doctor read them from the pod's log.
    const log = only(findings, 'IGW-507');
    expect(log.map((f) => f.severity)).toEqual(['warning']);
    expect(log[0]!.message).toContain("cannot scrape a model server's metrics");
    expect(log[0]!.message).toContain('"msg":"poll failed"');
  }, 300_000);

  it('real-epp-v14-scheduling-config: v1.5.0 refuses the inline saturationDetector and exits → IGW-602 error on the ConfigMap, IGW-405 error (crashing)', async () => {
    const inst = await install('cfg', 'real-epp-v14-scheduling-config');
    expect(inst.epp.output()).toContain('strict decoding error: unknown field \\"saturationDetector.');
    expect(await inst.epp.exited).not.toBe(0);
    const {findings} = await doctorIn(inst.names.namespace);
    const cfg = only(findings, 'IGW-602');
    expect(cfg.map((f) => f.severity), show(problems(findings))).toEqual(['error']);
    expect(cfg[0]!.object).toMatchObject({kind: 'ConfigMap', name: inst.names.eppConfigMap});
    const crash = only(findings, 'IGW-405');
    expect(crash.map((f) => f.severity)).toEqual(['error']);
    expect(crash[0]!.message).toContain('keeps crashing');
  }, 300_000);

  it('real-epp-no-tokenreviews: the real metrics filter answers 500 → IGW-504 error on the EPP pod, IGW-502 warning', async () => {
    const inst = await install('tr', 'real-epp-no-tokenreviews');
    expect((await inst.scrapeEpp()).status).toBe(500);
    const {findings} = await doctorIn(inst.names.namespace);
    const e = only(findings, 'IGW-504');
    expect(e.map((f) => f.severity), show(problems(findings))).toEqual(['error']);
    expect(e[0]!.object?.kind).toBe('Pod');
    expect(e[0]!.message).toContain('answered 500');
    expect(only(findings, 'IGW-502').map((f) => f.severity)).toEqual(['warning']);
  }, 300_000);
});

describe('doctor with the real GIE v1.5.0 body-based router', () => {
  it('healthy BBR install: the real router reconciles both bbr-managed ConfigMaps; doctor 0 errors / 0 warnings', async () => {
    const {inst, bbr} = await installHealthyBbr(kubeconfig, {namespace: `drbbr-${RUN}-ok`, pods: 1, litellm: false});
    current = inst;
    const real = await startRealBbr(inst, bbr);
    for (const m of bbr.baseModels) await real.waitLog(new RegExp(`"msg":"Reconciling ConfigMap".*"name":"${m}-adapters-allowlist"`), `Reconciling ConfigMap ${m}-adapters-allowlist`);
    // kubectl logs of the BBR pod is the real router's output.
    const logs = await kubectl(['logs', '-n', inst.names.namespace, `deploy/${bbr.bbr}`], {kubeconfig});
    expect(logs.stdout).toContain('"msg":"Reconciling ConfigMap"');
    const {findings} = await doctorIn(inst.names.namespace);
    expect(problems(findings), show(problems(findings))).toEqual([]);
    expect(findings.filter((f) => f.code === 'IGW-441').map((f) => f.severity)).toEqual(['ok']);
  }, 300_000);

  it('a bbr-managed ConfigMap without baseModel: the real reconciler fails on it → IGW-441 error on the ConfigMap', async () => {
    const {inst, bbr} = await installHealthyBbr(kubeconfig, {namespace: `drbbr-${RUN}-cm`, pods: 1, litellm: false});
    current = inst;
    const real = await startRealBbr(inst, bbr);
    const name = `${bbr.baseModels[1]}-adapters-allowlist`;
    await inst.kube.patch({apiVersion: 'v1', kind: 'ConfigMap', namespace: inst.names.namespace, name}, {data: {baseModel: null}});
    const line = await real.waitLog(new RegExp(`"msg":"Reconciler error".*"name":"${name}"`), `Reconciler error for ${name}`);
    expect(line).toContain('failed to add or update ConfigMap');
    const {findings} = await doctorIn(inst.names.namespace);
    const e = findings.filter((f) => f.code === 'IGW-441' && f.severity === 'error');
    expect(e.map((f) => f.object?.name), show(problems(findings))).toEqual([name]);
  }, 300_000);
});

describe('probe-cache with the real EPP picking over ext_proc', () => {
  it('the stand-in gateway routes where the real EPP says (x-gateway-destination-endpoint); identical prompts stay on one pod → "working"', async () => {
    const inst = await install('probe');
    const schema = loadExtProcSchema();
    const pods = await inst.kube.list<{metadata: {name: string}; status?: {podIP?: string}}>({apiVersion: 'v1', kind: 'Pod', namespace: inst.names.namespace}, 'serving.kserve.io/inferenceservice');
    const backends = pods.filter((p) => inst.modelPodIps.includes(p.status?.podIP ?? '')).map((p) => ({name: p.metadata.name, url: `http://${p.status!.podIP}:8000`, port: 8000}));
    expect(backends).toHaveLength(2);
    const picks: string[] = [];
    const gw = await startAffinityGateway({
      backends,
      affinity: false,
      picker: async ({path, body}) => {
        // The install's EPP serves TLS (self-signed): the 'ai-gateway' wiring, as Envoy AI Gateway dials it.
        const r = await extProcPick(schema, {port: inst.epp.ports.grpc, tls: true, path, headers: {'x-request-id': `probe-${picks.length}`}, body});
        picks.push(r.endpoint ?? '');
        return backends.find((b) => b.url === `http://${r.endpoint ?? ''}`)?.name;
      },
    });
    try {
      const kube = await connect({kubeconfig});
      const report = await probeCache(kube, {
        namespace: inst.names.namespace,
        url: gw.url,
        path: '/v1/chat/completions',
        headers: {},
        requests: 8,
        prefixTokens: 200,
        concurrency: 1,
        maxTokens: 4,
        maxRequests: 200,
        maxDurationMs: 120_000,
        httpTimeoutMs: 20_000,
        metricsToken: 'auto',
        signal: new AbortController().signal,
      });
      kube.close();
      // Every request was routed by the real EPP's answer, to a model pod's IP:8000.
      expect(picks).toHaveLength(16);
      for (const p of picks) expect(inst.modelPodIps.map((ip) => `${ip}:8000`)).toContain(p);
      // The 8 identical prompts: one pod, chosen by the EPP's prefix-cache scorer.
      expect(new Set(picks.slice(0, 8)).size).toBe(1);
      const a = report.analysis;
      expect(a.verdict.result, `${a.verdict.reason}\n${JSON.stringify(gw.decisions)}`).toBe('working');
      expect(a.affinity).toMatchObject({topCount: 8, total: 8, share: 1});
      // probe-cache read the real EPP's metrics (GIE 1.1–1.5 names) through the pod's port-forward.
      expect(a.epp?.generation).toBe('gie-1.1-1.5');
    } finally {
      await gw.close();
    }
  }, 300_000);
});
