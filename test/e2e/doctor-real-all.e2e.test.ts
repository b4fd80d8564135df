// The closest thing to a real user install (issue 12): ONE install in which Envoy Gateway v1.9.1,
// the Envoy AI Gateway v1.1.0 extension AND the GIE v1.5.0 Endpoint Picker are all the real
// programs — installHealthyRealEg (test/scenarios/install-real-eg.ts) with its install step being
// installHealthyRealEpp (test/scenarios/install-real-epp.ts: model pods on a KWOK node of their own
// with a 127.x podCIDR, each served by a simulator at its own pod IP, which the real EPP scrapes).
// A control plane of this file's own (the real Envoy Gateway reconciles every GatewayClass of its
// controllerName cluster-wide). Every status, log line and metric asserted below is written by a
// real controller; the test waits for each as observable state (statuses, log lines, /metrics).
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {repoRoot, startCluster, type Cluster} from '../harness/cluster.ts';
import {conditionOf, installHealthyRealEg, parentConditions, type RealEgInstallation} from '../scenarios/install-real-eg.ts';
import {installHealthyRealEpp, realEppFaults, type RealEppInstallation} from '../scenarios/install-real-epp.ts';
import {until, type KubeObject} from '../scenarios/kube.ts';
import {doctorCli, expectHealthy, problems, type DoctorCli, type Finding} from './support/doctor-run.ts';

const RUN = Date.now().toString(36).slice(-5);
const EG_VERSION = 'v1.9.1';
const EG_CONTROLLER = 'gateway.envoyproxy.io/gatewayclass-controller';
const LONG = 300_000;

let cluster: Cluster | undefined;
let real: RealEgInstallation | undefined;
let cli: DoctorCli;

const r = (): RealEgInstallation => {
  if (!real) throw new Error('the all-real install did not come up (see beforeAll)');
  return real;
};
const epp = (): RealEppInstallation => r().inst as RealEppInstallation;
const active = (j: {findings: Finding[]}, code: string): Finding[] => j.findings.filter((f) => f.code === code && f.severity !== 'ok' && f.severity !== 'skipped');

beforeAll(async () => {
  cluster = await startCluster({log: join(repoRoot, '.tools', 'logs', `real-all-${RUN}`)});
  cli = doctorCli(cluster.kubeconfig, {name: 'infgw-cli-real-all', reuse: 'env'});
  real = await installHealthyRealEg(cluster.kubeconfig, {
    namespace: `real-all-${RUN}`,
    pods: 2,
    litellm: false,
    egVersion: EG_VERSION,
    aiGateway: true,
    install: (kubeconfig, opts) => installHealthyRealEpp(kubeconfig, opts),
  });
  await cli.ready;
}, 600_000);

afterAll(async () => {
  await real?.inst.cleanup().catch(() => {});
  await real?.controller.stop();
  await cluster?.stop();
}, 120_000);

describe('one install with the real Envoy Gateway, AI Gateway and EPP (issue 12)', () => {
  it('healthy: every status, log line and metric is a real controller\'s; doctor 0 errors / 0 warnings', async () => {
    const {inst, aiGateway} = r();
    const n = inst.names;
    const kube = inst.kube;
    // Envoy Gateway's own status of the HTTPRoute (parent entry with its controllerName).
    const route = await kube.get({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: n.routeNamespace, name: n.httpRoute});
    const rc = parentConditions(route, n.gateway, EG_CONTROLLER);
    // Envoy Gateway v1.9.1's own words (internal/gatewayapi/status), not a scenario's.
    expect(conditionOf(rc, 'Accepted')).toMatchObject({status: 'True', reason: 'Accepted', message: 'Route is accepted'});
    expect(conditionOf(rc, 'ResolvedRefs')).toMatchObject({status: 'True', reason: 'ResolvedRefs', message: 'Resolved all the Object references for the Route'});
    const managers = (o: KubeObject): (string | undefined)[] =>
      ((o.metadata.managedFields ?? []) as {manager?: string; subresource?: string}[]).filter((m) => m.subresource === 'status').map((m) => m.manager);
    expect(managers(route)).toContain('envoy-gateway');
    // The InferencePool's status: written by the real AI Gateway controller, not by the scenario.
    const pool = await kube.get({apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', namespace: n.namespace, name: n.pool});
    const pc = parentConditions(pool, n.gateway);
    expect(conditionOf(pc, 'Accepted')).toMatchObject({status: 'True', reason: 'Accepted'});
    expect(conditionOf(pc, 'Accepted')?.message).toContain('InferencePool has been Accepted by controller ai-gateway-controller');
    expect(conditionOf(pc, 'ResolvedRefs')?.message).toContain('by controller ai-gateway-controller');
    expect(managers(pool)).toEqual(['ai-gateway-controller']);
    expect(aiGateway, 'the real AI Gateway controller runs in this file').toBeDefined();
    await until('Envoy Gateway to call the AI Gateway extension server with the InferencePool', () => aiGateway!.output().includes('patching listener with inference pool filters'), LONG, 250);
    // The real EPP: GIE's own metric names and log lines, one collection per model pod IP.
    const e = epp();
    const metrics = await e.scrapeEpp();
    expect(metrics.text).toMatch(new RegExp(`^inference_pool_ready_pods\\{[^}]*name="${n.pool}"[^}]*\\} 2$`, 'm'));
    expect(metrics.text).toMatch(/^inference_extension_info\{/m);
    for (const ip of e.modelPodIps) expect(e.epp.output()).toContain(`"msg":"starting collection","endpoint":"${ip}"`);

    const j = expectHealthy(await cli.doctorJsonIn(n.namespace));
    const ok = (code: string): string => {
      const f = j.findings.find((x) => x.code === code);
      expect(['ok', 'info'], `${code}\n${problems(j)}`).toContain(f?.severity);
      return f!.message;
    };
    // What doctor read from the real controllers: the GatewayClass status by Envoy Gateway's
    // controllerName, the Gateway it Programmed, the InferencePool the AI Gateway accepted, the
    // extensionManager the AI Gateway serves, and the real EPP's version, /metrics and log.
    expect(ok('IGW-203')).toContain(`Accepted (${EG_CONTROLLER})`);
    expect(ok('IGW-404')).toContain(`Gateway ${n.namespace}/${n.gateway} Programmed`);
    expect(ok('IGW-409')).toContain('Accepted');
    expect(ok('IGW-307')).toContain(`Accepted by ${n.gateway}`);
    expect(ok('IGW-206')).toContain('via ai-gateway-controller');
    expect(ok('IGW-503')).toContain('runs GIE v1.5.0');
    expect(ok('IGW-505')).toContain('reports 2 ready endpoint(s)');
    expect(ok('IGW-507')).toContain('show no known failure');
  }, LONG);

  // A cause between the gateway side and the EPP: the InferencePool's endpointPickerRef names the
  // model port (8000), not the EPP's gRPC port 9002. The real AI Gateway writes the pool's status for
  // the new generation and the real EPP keeps serving its 2 endpoints; doctor names the pool's port.
  it('pool endpointPickerRef port 8000 in the all-real install: AI Gateway re-accepts, EPP healthy → IGW-306 error on the InferencePool', async () => {
    const e = epp();
    const n = e.names;
    const ref = {apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', namespace: n.namespace, name: n.pool};
    const poolWritten = (): Promise<KubeObject> =>
      until(
        'the AI Gateway to write the InferencePool status for its current generation',
        async () => {
          const p = await e.kube.get(ref);
          const c = parentConditions(p, n.gateway);
          return conditionOf(c, 'Accepted')?.observedGeneration === p.metadata.generation && conditionOf(c, 'ResolvedRefs')?.observedGeneration === p.metadata.generation ? p : undefined;
        },
        LONG,
        250,
      );
    await e.kube.patch(ref, {spec: {endpointPickerRef: {port: {number: 8000}}}});
    try {
      const pool = await poolWritten();
      expect(conditionOf(parentConditions(pool, n.gateway), 'Accepted')?.message).toContain('by controller ai-gateway-controller');
      // The real EPP is unaffected: it still reports both model pods.
      expect((await e.scrapeEpp()).text).toMatch(new RegExp(`^inference_pool_ready_pods\\{[^}]*name="${n.pool}"[^}]*\\} 2$`, 'm'));
      const run = await cli.doctorJsonIn(n.namespace);
      expect(run.code).toBe(1);
      const j = run.json;
      const port = active(j, 'IGW-306');
      expect(port.map((f) => f.severity), problems(j)).toEqual(['error']);
      expect(port[0]!.object).toMatchObject({kind: 'InferencePool', name: n.pool});
      expect(port[0]!.message).toContain('8000');
      expect(port[0]!.message).toContain('9002');
      // The one root cause (the real AI Gateway accepts the port; only doctor's rule sees it).
      expect([...new Set(j.findings.filter((f) => f.severity === 'error').map((f) => f.code))], problems(j)).toEqual(['IGW-306']);
    } finally {
      await e.kube.patch(ref, {spec: {endpointPickerRef: {port: {number: 9002}}}});
      await poolWritten();
    }
    expectHealthy(await cli.doctorJsonIn(n.namespace));
  }, LONG);

  // Last (it leaves the install broken): a cause that spans both worlds. The real gateway stays
  // Programmed and the real AI Gateway keeps the InferencePool Accepted, while the real EPP, started
  // with --pool-name of a pool that does not exist, has no endpoint for the pool the route uses.
  it('real-epp-wrong-pool-name in the all-real install: gateway side healthy, EPP serves another pool → IGW-406 error on the EPP Deployment', async () => {
    const e = epp();
    const n = e.names;
    await realEppFaults['real-epp-wrong-pool-name'].inject(e);
    expect(e.epp.args).toContain(`${n.pool}-typo`);
    expect((await e.scrapeEpp()).text).not.toMatch(new RegExp(`inference_pool_ready_pods\\{[^}]*name="${n.pool}"`));
    // The real controllers' statuses are untouched by the fault.
    const gw = await e.kube.get<KubeObject & {status?: {conditions?: {type: string; status: string}[]}}>({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: n.namespace, name: n.gateway});
    expect(conditionOf(gw.status?.conditions, 'Programmed')?.status).toBe('True');
    const pool = await e.kube.get({apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', namespace: n.namespace, name: n.pool});
    expect(conditionOf(parentConditions(pool, n.gateway), 'Accepted')?.status).toBe('True');

    const run = await cli.doctorJsonIn(n.namespace);
    expect(run.code).toBe(1);
    const j = run.json;
    // The one root cause: every error is IGW-406; the EPP checks that depend on it are blocked by it.
    expect([...new Set(j.findings.filter((f) => f.severity === 'error').map((f) => f.code))], problems(j)).toEqual(['IGW-406']);
    const blocked = j.findings.filter((f) => f.severity === 'blocked');
    expect(blocked.map((f) => f.code), problems(j)).toContain('IGW-405');
    expect(blocked.every((f) => f.blockedBy.includes('IGW-406')), problems(j)).toBe(true);
    const wrong = active(j, 'IGW-406');
    expect(wrong.map((f) => f.severity), problems(j)).toEqual(['error']);
    expect(wrong[0]!.object).toMatchObject({kind: 'Deployment', name: n.eppDeployment});
    expect(wrong[0]!.message).toContain(`serves InferencePool ${n.namespace}/${n.pool}-typo`);
  }, LONG);
});
