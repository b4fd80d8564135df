// `doctor --envoy-admin` on the config the REAL Envoy Gateway v1.9.1 controller translates, with
// the REAL Envoy AI Gateway v1.1.0 extension server's hooks applied (issue 14 part 2): the
// fixtures of test/fixtures/envoy-admin are hand-shaped; here the config dump is what the real
// controller serves the Gateway's proxy over xDS (test/harness/envoy-gateway.ts
// servedConfigDump: an xDS client speaking to the controller as the proxy would), in the shape of
// Envoy's admin /config_dump. The test world has no Envoy binary, so the proxy's admin endpoint is
// the stand-in of support/affinity-gateway.ts behind the proxy pod's port-forward (as in
// doctor-request.e2e.test.ts); it answers /config_dump with the served config and /stats with no
// counters (no Envoy ran a request: the stats are NOT real here).
// The faults are produced by changing Envoy Gateway's config input only, and a rollout restart
// (envoyproxy/ai-gateway#2560): the AI Gateway extension manager with the Translation hook alone and
// no translation block, then with every hook but no translation block; the real controller and
// extension then translate without the ext_proc filter.
// Its own cluster: the real controller reconciles every GatewayClass of its controllerName.
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {stringify} from 'yaml';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {applyManifest, kubectl, repoRoot, startCluster, type Cluster} from '../harness/cluster.ts';
import {EG_POD_SELECTOR, servedConfigDump} from '../harness/envoy-gateway.ts';
import {aiGatewayEnvoyGatewayConfig, CONFIG_KEY} from '../scenarios/envoy-gateway.ts';
import {installHealthyRealEg, realStatusesSettled, type RealEgInstallation} from '../scenarios/install-real-eg.ts';
import {until, podReady, type KubeObject, type PodJson} from '../scenarios/kube.ts';
import {startAffinityGateway, type AffinityGateway} from './support/affinity-gateway.ts';
import {describeFinding, doctorCli, problems, type DoctorCli, type DoctorJson, type Finding} from './support/doctor-run.ts';

type Yaml = Record<string, unknown>;
const RUN = Date.now().toString(36).slice(-5);
const EG_VERSION = 'v1.9.1';
const LONG = 240_000;
const logDir = join(repoRoot, '.tools', 'logs', `real-eg-xds-${RUN}`);

let cluster: Cluster | undefined;
let real: RealEgInstallation | undefined;
let cli: DoctorCli;
let gw: AffinityGateway | undefined;
/** What the stand-in admin endpoint answers for /config_dump: the last served config taken. */
let dump = '{}';

const r = (): RealEgInstallation => {
  if (!real) throw new Error('the real Envoy Gateway install did not come up (see beforeAll)');
  return real;
};

/** The running, Ready controller process (the newest: after a rollout restart, the new pod's). */
function liveController() {
  const live = r().controller.processes.filter((p) => p.exitCode === null && p.ready);
  const p = live[live.length - 1];
  if (!p) throw new Error('no running, Ready Envoy Gateway process');
  return p;
}

/**
 * Takes what the real controller serves the Gateway's proxy, once its translation includes the
 * install's route (the HTTPRoute rule's cluster httproute/<ns>/<route>/rule/0 and the Gateway's
 * listener: what every config of these tests has, whatever the extension did); the stand-in admin
 * endpoint answers it.
 */
async function takeServedConfig(label: string): Promise<Record<string, unknown>> {
  const {inst} = r();
  const n = inst.names;
  dump = await until(
    `Envoy Gateway to serve the proxy of ${n.namespace}/${n.gateway} a config with its listener and the route's cluster`,
    async () => {
      const text = await servedConfigDump(inst.kube, n.egNamespace, liveController(), {namespace: n.namespace, name: n.gateway}, logDir);
      return text.includes(`"httproute/${n.routeNamespace}/${n.httpRoute}/rule/0"`) && text.includes(`"${n.namespace}/${n.gateway}/http"`) ? text : undefined;
    },
    LONG,
    1000,
  );
  // kept for reading (and for the unit fixture's provenance): .tools/logs/real-eg-xds-<run>/
  writeFileSync(join(logDir, `${label}.config-dump.json`), dump);
  return JSON.parse(dump) as Record<string, unknown>;
}

async function doctor(): Promise<{code: number | null; json: DoctorJson}> {
  const res = await cli.doctorJson(['-n', r().inst.names.namespace, '--envoy-admin']);
  expect(res.json, `${res.stdout}\n${res.stderr}`).toBeDefined();
  return {code: res.code, json: res.json!};
}

function one(j: DoctorJson, code: string, severity: Finding['severity']): Finding {
  const fs = j.findings.filter((f) => f.code === code && f.severity === severity);
  expect(fs, `${code} ${severity} in:\n${j.findings.filter((f) => f.phase === 8).map(describeFinding).join('\n')}`).toHaveLength(1);
  return fs[0]!;
}

async function setEgConfig(cfg: Yaml): Promise<void> {
  const n = r().inst.names;
  await r().inst.kube.patch({apiVersion: 'v1', kind: 'ConfigMap', namespace: n.egNamespace, name: n.egConfigMap}, {data: {[CONFIG_KEY]: stringify(cfg)}});
}

/** `kubectl rollout restart` of the controller, until only the new, Ready pod is left. */
async function restartController(): Promise<void> {
  const {inst} = r();
  const n = inst.names;
  const before = r().controller.processes.length;
  await kubectl(['rollout', 'restart', `deployment/${n.egDeployment}`, '-n', n.egNamespace], {kubeconfig: inst.kubeconfig});
  await until(
    `Deployment ${n.egNamespace}/${n.egDeployment} rolled out with only Ready pods`,
    async () => {
      const d = await inst.kube.get<KubeObject & {status?: {updatedReplicas?: number; replicas?: number; availableReplicas?: number; observedGeneration?: number}}>({apiVersion: 'apps/v1', kind: 'Deployment', namespace: n.egNamespace, name: n.egDeployment});
      const s = d.status ?? {};
      const pods = (await inst.kube.list<PodJson>({apiVersion: 'v1', kind: 'Pod', namespace: n.egNamespace}, EG_POD_SELECTOR)).filter((p) => !p.metadata.deletionTimestamp);
      const fresh = r().controller.processes.slice(before).filter((p) => p.exitCode === null && p.ready);
      const old = r().controller.processes.slice(0, before).filter((p) => p.exitCode === null);
      return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && s.updatedReplicas === 1 && s.replicas === 1 && s.availableReplicas === 1 && pods.length === 1 && pods.every(podReady) && fresh.length === 1 && old.length === 0;
    },
    LONG,
    250,
  );
}

beforeAll(async () => {
  mkdirSync(logDir, {recursive: true});
  cluster = await startCluster({log: logDir});
  cli = doctorCli(cluster.kubeconfig, {name: 'infgw-cli-real-eg-xds', reuse: 'env'});
  real = await installHealthyRealEg(cluster.kubeconfig, {namespace: `real-egx-${RUN}`, pods: 2, withSims: false, egVersion: EG_VERSION, aiGateway: true});
  const {inst} = real;
  const n = inst.names;
  gw = await startAffinityGateway({backends: [], affinity: false, admin: {configDump: () => dump, stats: () => ''}});
  // The proxy pod's admin port 19000 goes to the stand-in (a KWOK PortForward, as doctor-request).
  const proxyPods = (
    await kubectl(['get', 'pods', '-n', n.egNamespace, '-l', `gateway.envoyproxy.io/owning-gateway-name=${n.gateway},gateway.envoyproxy.io/owning-gateway-namespace=${n.namespace}`, '-o', 'jsonpath={.items[*].metadata.name}'], {kubeconfig: inst.kubeconfig})
  ).stdout
    .split(/\s+/)
    .filter(Boolean);
  expect(proxyPods).toHaveLength(1);
  await applyManifest(
    inst.kubeconfig,
    JSON.stringify({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'PortForward',
      metadata: {name: proxyPods[0], namespace: n.egNamespace},
      spec: {forwards: [{ports: [19000], target: {address: '127.0.0.1', port: gw.adminPort}}]},
    }),
  );
  await cli.ready;
}, 600_000);

afterAll(async () => {
  await gw?.close();
  await real?.inst.cleanup().catch(() => {});
  await real?.controller.stop();
  await cluster?.stop();
}, 120_000);

/** The names the proxy's config must carry for the install's pool (Envoy AI Gateway's, see src/envoy/admin.ts). */
function poolNames() {
  const n = r().inst.names;
  return {filter: `envoy.filters.http.ext_proc/endpointpicker/${n.pool}_${n.namespace}_ext_proc`, eppCluster: `envoy.clusters.endpointpicker_${n.pool}_${n.namespace}_ext_proc`};
}

describe('doctor --envoy-admin on the config the real Envoy Gateway serves the proxy (issue 14)', () => {
  it('healthy real install: the served config has the pool\'s ext_proc filter, EPP cluster and ORIGINAL_DST cluster → IGW-822/823/824 ok', async () => {
    const ai = r().aiGateway!;
    await until('Envoy Gateway to call the AI Gateway extension server (PostTranslateModify with the InferencePool)', () => ai.output().includes('patching listener with inference pool filters'), LONG, 250);
    const raw = await takeServedConfig('healthy');
    // it is the real controller's output: an envoy.admin.v3.ConfigDump of its clusters, listeners and routes
    expect((raw.configs as {'@type': string}[]).map((c) => c['@type'])).toEqual([
      'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
      'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
      'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
    ]);
    const {code, json} = await doctor();
    if (process.env.INFGW_REAL_EG_DEBUG) console.log(problems(json), json.findings.filter((f) => f.phase === 8).map(describeFinding).join('\n'));
    expect(one(json, 'IGW-821', 'ok').message).toMatch(/\d+ listener\(s\), \d+ cluster\(s\), \d+ route\(s\)/);
    expect(one(json, 'IGW-822', 'ok').message).toContain(poolNames().filter);
    expect(one(json, 'IGW-823', 'ok').message).toContain(`cluster ${poolNames().eppCluster}`);
    expect(one(json, 'IGW-824', 'ok').message).toContain('ORIGINAL_DST following x-gateway-destination-endpoint');
    expect(json.findings.filter((f) => f.phase === 8 && f.severity === 'error').map(describeFinding)).toEqual([]);
    expect(code, problems(json)).toBe(0);
  }, LONG);

  it('the AI Gateway extension manager with the Translation hook alone, no translation includeAll (ai-gateway#2560): the real translated config has no ext_proc filter → IGW-822 (and IGW-824: the rule cluster stays EDS) under IGW-209, the root cause', async () => {
    const cfg = aiGatewayEnvoyGatewayConfig(EG_VERSION);
    (cfg.extensionManager as Yaml).hooks = {xdsTranslator: {post: ['Translation']}};
    await setEgConfig(cfg);
    await restartController();
    try {
      await realStatusesSettled(r().inst, {pool: true});
      await takeServedConfig('hooks-incomplete');
      const {code, json} = await doctor();
      if (process.env.INFGW_REAL_EG_DEBUG) console.log(problems(json), json.findings.filter((f) => f.phase === 8).map(describeFinding).join('\n'));
      expect(code).toBe(1);
      expect(one(json, 'IGW-209', 'error').message).toContain('hooks.xdsTranslator.translation.listener.includeAll');
      // the proxy's view: no ext_proc filter, the rule's cluster left EDS — both explained by IGW-209
      const f = one(json, 'IGW-822', 'blocked');
      expect(f.message).toContain(`runs no ${poolNames().filter}`);
      expect(f.blockedBy).toEqual(['IGW-209']);
      const c = one(json, 'IGW-824', 'blocked');
      expect(c.message).toContain('is EDS, not ORIGINAL_DST');
      expect(c.blockedBy).toEqual(['IGW-209']);
      expect(json.findings.filter((x) => x.severity === 'error').map((x) => x.code), problems(json)).toEqual(['IGW-209']);
    } finally {
      await setEgConfig(aiGatewayEnvoyGatewayConfig(EG_VERSION));
      await restartController();
      await realStatusesSettled(r().inst, {pool: true});
    }
  }, 3 * LONG);

  it('every hook, but no translation block (listener/route includeAll default false): the real config has no ext_proc filter while the Cluster hook still made the rule cluster ORIGINAL_DST → IGW-822 under IGW-209, IGW-824 ok', async () => {
    const cfg = aiGatewayEnvoyGatewayConfig(EG_VERSION);
    const xds = ((cfg.extensionManager as Yaml).hooks as Yaml).xdsTranslator as Yaml;
    delete xds.translation;
    await setEgConfig(cfg);
    await restartController();
    try {
      await realStatusesSettled(r().inst, {pool: true});
      await takeServedConfig('no-translation-block');
      const {code, json} = await doctor();
      if (process.env.INFGW_REAL_EG_DEBUG) console.log(problems(json), json.findings.filter((f) => f.phase === 8).map(describeFinding).join('\n'));
      expect(code).toBe(1);
      const root = one(json, 'IGW-209', 'error').message;
      expect(root).toContain('translation.listener.includeAll is not set');
      expect(root).not.toContain('post lacks');
      const f = one(json, 'IGW-822', 'blocked');
      expect(f.message).toContain(`runs no ${poolNames().filter}`);
      expect(f.blockedBy).toEqual(['IGW-209']);
      expect(one(json, 'IGW-824', 'ok').message).toContain('ORIGINAL_DST following x-gateway-destination-endpoint');
      expect(json.findings.filter((x) => x.severity === 'error').map((x) => x.code), problems(json)).toEqual(['IGW-209']);
    } finally {
      await setEgConfig(aiGatewayEnvoyGatewayConfig(EG_VERSION));
      await restartController();
      await realStatusesSettled(r().inst, {pool: true});
    }
  }, 3 * LONG);
});
