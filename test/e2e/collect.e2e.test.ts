// `kubectl infgw collect` and `doctor --from-bundle` end to end: the BUILT binary against the real
// test control plane. A healthy install with planted secrets (a helm-labelled Secret's value, a
// ServiceAccount-style token and a LiteLLM master_key in a ConfigMap, an Authorization header and a
// user prompt in the EPP's log), one fault install, and the RBAC-restricted user: the extracted
// bundle holds none of the planted strings, and doctor over the bundle gives the same findings
// (code, severity, object) and exit code as doctor on the live cluster.
import {mkdtempSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {kubectl, run, type RunResult} from '../harness/cluster.ts';
import {criLog} from '../scenarios/logs.ts';
import {installHealthy, type Installation} from '../scenarios/index.ts';

const kubeconfig = inject('kubeconfig');
const restrictedKubeconfig = inject('restrictedKubeconfig');
const RUN = Date.now().toString(36).slice(-5);
const TIMEOUT = 120_000;

const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6InBsYW50ZWQifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6cGxhbnRlZCJ9.UExBTlRFRC1zaWduYXR1cmUtZTJl';
const SECRET_VALUE = 'PLANTED-e2e-secret-value-41c7';
const MASTER_KEY = 'PLANTED-e2e-master-key-9b2e';
const BEARER = 'PLANTED-e2e-bearer-77aa01';
const PROMPT = 'PLANTED e2e prompt: summarise my medical record';
const PLANTED = [JWT, SECRET_VALUE, MASTER_KEY, BEARER, PROMPT, 'PLANTED e2e prompt'];
const PLANTED_B64 = PLANTED.map((p) => Buffer.from(p).toString('base64').replace(/=+$/, ''));

let BIN = '';
let healthy!: Installation;
let fault!: Installation;
const dir = mkdtempSync(join(tmpdir(), 'infgw-collect-e2e-'));

interface Finding {
  code: string;
  severity: string;
  object: {kind: string; namespace?: string; name: string} | null;
  suppressed: boolean;
  docs: string;
}
interface Json {
  summary: {errors: number; warnings: number; skipped: number};
  target: {source: string; bundle?: {file: string}};
  findings: Finding[];
}

async function cli(args: string[], kc = kubeconfig): Promise<RunResult & {json?: Json}> {
  const r = await run(BIN, args, {kubeconfig: kc, allowFail: true, timeoutMs: TIMEOUT});
  let json: Json | undefined;
  if (args.includes('json')) {
    try {
      json = JSON.parse(r.stdout) as Json;
    } catch {
      /* asserted by callers */
    }
  }
  return {...r, ...(json ? {json} : {})};
}

const key = (f: Finding) => `${f.code} ${f.severity} ${f.object ? `${f.object.kind} ${f.object.namespace ?? ''}/${f.object.name}` : '-'}${f.suppressed ? ' suppressed' : ''}`;

/** Every file under `root`, recursively. */
function filesUnder(root: string): string[] {
  return readdirSync(root, {recursive: true, encoding: 'utf8'}).map((p) => join(root, p)).filter((p) => statSync(p).isFile());
}

async function extract(bundle: string): Promise<string> {
  const out = mkdtempSync(join(dir, 'x-'));
  await run('tar', ['-xzf', bundle, '-C', out]);
  return out;
}

/** Collect, then doctor live and doctor --from-bundle: the same findings and exit code. */
async function collectAndCompare(ns: string, kc = kubeconfig): Promise<{bundle: string; live: Json; offline: Json; liveCode: number | null; offlineCode: number | null; collect: RunResult}> {
  const bundle = join(dir, `${ns}.tar.gz`);
  const collect = await cli(['collect', '-n', ns, '-o', bundle], kc);
  expect(collect.code, collect.stderr).toBe(0);
  const live = await cli(['doctor', '-n', ns, '-o', 'json'], kc);
  const offline = await cli(['doctor', '--from-bundle', bundle, '-o', 'json'], '/nonexistent/kubeconfig');
  expect(live.json, live.stderr).toBeDefined();
  expect(offline.json, offline.stderr).toBeDefined();
  return {bundle, live: live.json!, offline: offline.json!, liveCode: live.code, offlineCode: offline.code, collect};
}

/** Put an Authorization header and a user prompt into the EPP's log, as GIE logs them at trace level. */
function plantEppLog(inst: Installation): void {
  const file = inst.logFiles.epp;
  const lines = [
    // GIE v1.5.0 pkg/epp/handlers/server.go: loggerTrace.Info("header", "key", …, "value", …)
    JSON.stringify({level: 'trace', ts: new Date().toISOString(), logger: 'ext-proc', msg: 'header', key: 'authorization', value: `Bearer ${BEARER}`}),
    JSON.stringify({level: 'debug', ts: new Date().toISOString(), logger: 'ext-proc', msg: 'LLM request assembled', request: {model: inst.names.servedModel, messages: [{role: 'user', content: PROMPT}]}}),
    JSON.stringify({level: 'debug', ts: new Date().toISOString(), logger: 'ext-proc', msg: 'token for scraping', token: JWT}),
  ];
  const tmp = `${file}.${process.pid}.plant`;
  writeFileSync(tmp, readFileSync(file, 'utf8') + criLog(lines));
  renameSync(tmp, file);
}

beforeAll(async () => {
  const cliDir = mkdtempSync(join(tmpdir(), 'infgw-collect-cli-'));
  const build = run('node', ['scripts/build.ts', '--outdir', join(cliDir, 'dist')], {timeoutMs: 300_000}).then(() => run('sh', ['-c', `cp -R bin package.json oclif.manifest.json "${cliDir}/"`]));
  build.catch(() => {});
  const h = installHealthy(kubeconfig, {namespace: `cl-${RUN}-healthy`, pods: 2, withEppMetrics: true});
  h.catch(() => {});
  const f = installHealthy(kubeconfig, {namespace: `cl-${RUN}-fault`, pods: 2});
  f.catch(() => {});
  [healthy, fault] = await Promise.all([h, f, build]).then(([a, b]) => [a, b] as const);
  BIN = join(cliDir, 'bin', 'kubectl-infgw');

  const ns = healthy.names.namespace;
  // a Secret doctor lists (Helm's storage label) with a value that must not leave the cluster
  await kubectl(['create', 'secret', 'generic', 'sh.helm.release.v1.planted.v1', '-n', ns, `--from-literal=password=${SECRET_VALUE}`], {kubeconfig});
  await kubectl(['label', 'secret', 'sh.helm.release.v1.planted.v1', '-n', ns, 'owner=helm'], {kubeconfig});
  // LiteLLM-style credentials and a ServiceAccount token in a ConfigMap
  await kubectl(['create', 'configmap', 'planted-credentials', '-n', ns, `--from-literal=config.yaml=general_settings:\n  master_key: ${MASTER_KEY}\n`, `--from-literal=kubeconfig=users:\n- name: sa\n  user:\n    token: ${JWT}\n`], {kubeconfig});
  plantEppLog(healthy);
  await fault.inject('pool-epp-port-8000');
}, 900_000);

afterAll(async () => {
  await Promise.all([
    healthy?.cleanup(),
    fault?.cleanup(),
    kubectl(['delete', 'clusterrole', `infgw-e2e-cl-${RUN}-crd-reader`, '--ignore-not-found'], {kubeconfig, allowFail: true}),
  ]);
}, 300_000);

describe('collect on the healthy install with planted secrets', () => {
  let r: Awaited<ReturnType<typeof collectAndCompare>>;
  let extracted: string;
  beforeAll(async () => {
    r = await collectAndCompare(healthy.names.namespace);
    extracted = await extract(r.bundle);
  }, 300_000);

  it('the bundle holds what doctor read: manifest, snapshot, report, objects, EPP log and /metrics', () => {
    const m = JSON.parse(readFileSync(join(extracted, 'manifest.json'), 'utf8')) as {format: string; tool: {version: string}; snapshot: {namespace: string}; kinds: {kind: string}[]; eppRuntime: {metrics: string}[]; redactions: {what: string}[]; files: string[]};
    expect(m.format).toBe('kubectl-infgw.bundle/v1');
    expect(m.snapshot.namespace).toBe(healthy.names.namespace);
    expect(m.kinds.map((k) => k.kind)).toEqual(expect.arrayContaining(['InferencePool', 'Deployment', 'Pod', 'HelmReleaseSecret', 'ConfigMap']));
    expect(m.eppRuntime, JSON.stringify(m.eppRuntime)).toEqual([expect.objectContaining({log: 'ok', metrics: 'ok'})]);
    expect(m.redactions.map((x) => x.what)).toEqual(expect.arrayContaining(['Secret data (values of every key)', 'credential values in ConfigMaps', 'log values that may hold prompts', 'Authorization and other credential headers in logs']));
    const files = filesUnder(extracted).map((p) => p.slice(extracted.length + 1));
    expect(files.sort()).toEqual([...m.files].sort());
    const eppLog = files.find((p) => p.startsWith(`logs/${healthy.names.namespace}/`) && p.endsWith('/epp.log'));
    expect(readFileSync(join(extracted, eppLog!), 'utf8')).toContain('Flags processed');
    expect(files.some((p) => p.startsWith('metrics/') && p.endsWith('.prom'))).toBe(true);
    // the Envoy Gateway controller's log tail, though doctor had no reason to read it
    expect(files.some((p) => p.startsWith(`logs/${healthy.names.egNamespace}/`) && p.endsWith('/envoy-gateway.log')), files.join('\n')).toBe(true);
    expect(r.collect.stdout).toMatch(/^wrote .*\.tar\.gz/);
  });

  it('grep the extracted bundle: no Secret value, token, Authorization value or prompt (plain or base64)', () => {
    const files = filesUnder(extracted);
    expect(files.length).toBeGreaterThan(10);
    const found: string[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const p of [...PLANTED, ...PLANTED_B64]) if (text.includes(p)) found.push(`${f.slice(extracted.length + 1)}: ${p}`);
    }
    expect(found).toEqual([]);
    // the planted things reached the bundle — without their values (so the grep above is not vacuous)
    const read = (p: string) => readFileSync(join(extracted, p), 'utf8');
    expect(read('objects/HelmReleaseSecret.yaml')).toContain('sh.helm.release.v1.planted.v1');
    expect(read('objects/ConfigMap.yaml')).toContain('master_key: "[redacted]"');
    expect(read('objects/ConfigMap.yaml')).toContain('token: "[redacted]"');
    const eppLog = files.find((p) => p.startsWith(join(extracted, 'logs', healthy.names.namespace)) && p.endsWith('/epp.log'))!;
    const log = readFileSync(eppLog, 'utf8');
    expect(log).toContain('"key":"authorization","value":"[redacted]"');
    expect(log).toMatch(/"msg":"LLM request assembled","request":\{"model":"[^"]+","messages":"\[redacted\]"\}/);
    expect(log).toContain('"msg":"token for scraping","token":"[redacted]"');
  });

  it('doctor --from-bundle (no cluster) = doctor live: codes, severities, objects, exit code 0', () => {
    expect(r.offline.findings.map(key)).toEqual(r.live.findings.map(key));
    expect(r.offlineCode).toBe(r.liveCode);
    expect(r.liveCode).toBe(0);
    expect(r.offline.summary).toMatchObject({errors: 0, warnings: 0});
    expect(r.offline.target.bundle?.file).toBe(r.bundle);
    for (const f of r.offline.findings) expect(f.docs, f.code).toMatch(/^https:\/\/.*#igw-\d{3}$|^https:\/\//);
  });

  it('--failure-threshold warning on the healthy bundle still exits 0', async () => {
    const t = await cli(['doctor', '--from-bundle', r.bundle, '--failure-threshold', 'warning', '-o', 'short'], '/nonexistent/kubeconfig');
    expect(t.code, t.stdout + t.stderr).toBe(0);
  });
});

describe('collect on a fault (InferencePool endpointPickerRef port 8000)', () => {
  it('doctor --from-bundle finds the same root cause as doctor live, exit code 1; a suppression annotation clears it', async () => {
    const n = fault.names;
    const r = await collectAndCompare(n.namespace);
    expect(r.offline.findings.map(key)).toEqual(r.live.findings.map(key));
    expect(r.liveCode).toBe(1);
    expect(r.offlineCode).toBe(1);
    expect(r.offline.findings.map(key)).toContain(`IGW-306 error InferencePool ${n.namespace}/${n.pool}`);

    await kubectl(['annotate', 'inferencepool.inference.networking.k8s.io', n.pool, '-n', n.namespace, 'infgw.io/suppress=IGW-306'], {kubeconfig});
    const s = await collectAndCompare(n.namespace);
    expect(s.offline.findings.map(key)).toEqual(s.live.findings.map(key));
    expect(s.offline.findings.map(key)).toContain(`IGW-306 error InferencePool ${n.namespace}/${n.pool} suppressed`);
    expect(s.live.summary.errors, JSON.stringify(s.live.findings.filter((f) => f.severity === 'error'))).toBe(0);
    expect(s.liveCode).toBe(0);
    expect(s.offlineCode).toBe(0);
  });
});

describe('collect as the RBAC-restricted user', () => {
  it('forbidden lists round-trip: --from-bundle skips the same checks', async () => {
    expect(restrictedKubeconfig, 'the e2e global setup provides restrictedKubeconfig').toBeTruthy();
    const n = healthy.names;
    const reader = `infgw-e2e-cl-${RUN}-crd-reader`;
    await kubectl(['create', 'clusterrole', reader, '--verb=get,list,watch', '--resource=inferencepools.inference.networking.k8s.io,httproutes.gateway.networking.k8s.io,gateways.gateway.networking.k8s.io'], {kubeconfig});
    await kubectl(['create', 'rolebinding', 'restricted-view', '-n', n.namespace, '--clusterrole=view', '--user=restricted'], {kubeconfig});
    await kubectl(['create', 'rolebinding', 'restricted-crds', '-n', n.namespace, `--clusterrole=${reader}`, '--user=restricted'], {kubeconfig});
    const r = await collectAndCompare(n.namespace, restrictedKubeconfig);
    expect(r.offline.findings.map(key)).toEqual(r.live.findings.map(key));
    const skipped = r.offline.findings.filter((f) => f.severity === 'skipped').map((f) => f.code);
    expect(skipped).toEqual(expect.arrayContaining(['IGW-401', 'IGW-501']));
    expect(r.offlineCode).toBe(r.liveCode);
  });
});
