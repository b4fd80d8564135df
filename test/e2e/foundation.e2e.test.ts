// Cluster access against the real test control plane (test/e2e/global-setup.ts): exec credential
// plugins run once before a parallel fan-out, impersonation reaches the API server (and its 403
// becomes our hint), --request-timeout ends requests, -n is honoured, --token authenticates, a
// missing CRD and a wrong CA are reported as such. kubectl is the oracle where it has an answer.
// The CLI is the bundle built into a private folder (scripts/build.ts --outdir): the shared dist/
// and its build lock are not touched, and nobody's rebuild changes the binary under the tests.
import {chmodSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {kubectl, repoRoot, run, type RunResult} from '../harness/cluster.ts';
import {buildCli} from '../harness/cli.ts';
import {apiPath, connect, type KubeObject} from '../../src/kube/client.ts';
import {ApiError} from '../../src/kube/errors.ts';
import {loadMergedKubeconfig} from '../../src/kube/kubeconfig.ts';
import {ExitCode, InfgwError} from '../../src/errors.ts';

const kubeconfig = inject('kubeconfig');
let dir: string;
let BIN: string;
let server: string;
let caData: string;
let adminToken: string;
let ns: string;

function admin(): {server: string; caData: string; token: string} {
  const merged = loadMergedKubeconfig({kubeconfig});
  const ctx = merged.contexts.get(merged.currentContext)!.value;
  const cluster = merged.clusters.get(ctx.cluster)!.value;
  const user = merged.users.get(ctx.user)!.value;
  return {server: cluster.server!, caData: cluster['certificate-authority-data']!, token: user.token!};
}

function infgw(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run(BIN, args, {allowFail: true, timeoutMs: 120_000, env: {NO_COLOR: '1', ...env}});
}

/** A kubeconfig for the test cluster with the given user stanza (YAML lines under `user:`). */
function writeKubeconfig(name: string, userYaml: string, clusterExtra = ''): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
current-context: e2e
clusters:
- name: e2e
  cluster:
    server: ${server}
${clusterExtra || `    certificate-authority-data: ${caData}`}
users:
- name: e2e-user
  user:
${userYaml}
contexts:
- name: e2e
  context: {cluster: e2e, user: e2e-user, namespace: ${ns}}
`,
  );
  return file;
}

beforeAll(async () => {
  ({dir, bin: BIN} = await buildCli({name: 'infgw-foundation-e2e', manifest: 'generate'}));
  ({server, caData, token: adminToken} = admin());
  ns = `foundation-${Date.now().toString(36)}`;
  await kubectl(['create', 'namespace', ns], {kubeconfig});
  await kubectl(['create', 'configmap', 'marker', '-n', ns, '--from-literal=k=v'], {kubeconfig});
}, 660_000);

afterAll(async () => {
  if (ns) await kubectl(['delete', 'namespace', ns, '--wait=false'], {kubeconfig, allowFail: true});
  if (dir) rmSync(dir, {recursive: true, force: true});
});

describe('exec credential plugin', () => {
  let counter: string;
  let execKubeconfig: string;
  beforeAll(() => {
    counter = join(dir, 'plugin-runs');
    writeFileSync(counter, '');
    const plugin = join(dir, 'cred-plugin.sh');
    // Like `aws eks get-token`: prints an ExecCredential; slow enough that parallel callers overlap.
    writeFileSync(
      plugin,
      `#!/bin/sh
echo "$$" >> '${counter}'
sleep 0.3
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' '${adminToken}'
`,
    );
    chmodSync(plugin, 0o755);
    execKubeconfig = writeKubeconfig(
      'exec.kubeconfig',
      `    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ${plugin}
      interactiveMode: Never`,
    );
  });
  const runs = () => readFileSync(counter, 'utf8').split('\n').filter(Boolean).length;

  it('runs once: warm() then 10 parallel requests', async () => {
    const before = runs();
    const kube = await connect({kubeconfig: execKubeconfig});
    await kube.warm();
    const lists = await Promise.all(Array.from({length: 10}, () => kube.list(apiPath({version: 'v1', resource: 'configmaps', namespace: kube.namespace}))));
    expect(lists.every((l) => l.items.some((c) => c.metadata.name === 'marker'))).toBe(true);
    expect(kube.requestCount).toBe(11);
    expect(runs() - before).toBe(1);
    expect(kube.execRuns).toBe(1);
    kube.close();
  });

  it('runs once even when 10 requests start cold, at the same time', async () => {
    const before = runs();
    const kube = await connect({kubeconfig: execKubeconfig});
    await Promise.all(Array.from({length: 10}, () => kube.get('/version')));
    expect(runs() - before).toBe(1);
    kube.close();
  });

  it('the CLI runs it once for a whole command that fans out (version: 6 requests)', async () => {
    const before = runs();
    const r = await infgw(['version', '--kubeconfig', execKubeconfig, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(runs() - before).toBe(1);
    const oracle = JSON.parse((await kubectl(['version', '-o', 'json'], {kubeconfig})).stdout) as {serverVersion: {gitVersion: string}};
    expect((JSON.parse(r.stdout) as {cluster: {server: string}}).cluster.server).toBe(oracle.serverVersion.gitVersion);
  });

  it('kubectl agrees the plugin configuration is valid (it authenticates the same way)', async () => {
    const r = await run(join(repoRoot, '.tools', 'bin', 'kubectl'), ['get', 'configmap', 'marker', '-o', 'name'], {kubeconfig: execKubeconfig, allowFail: true});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('configmap/marker');
  });
});

describe('impersonation: --as / --as-group reach the API server', () => {
  it('--as restricted is forbidden to list pods; the message is the server’s and the hint is the RBAC rule', async () => {
    const kube = await connect({kubeconfig, as: 'restricted'});
    let err: unknown;
    try {
      await kube.list(apiPath({version: 'v1', resource: 'pods', namespace: ns}));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.forbidden).toBe(true);
    expect(e.exitCode).toBe(ExitCode.cluster);
    expect(e.message).toContain(`User "restricted" cannot list resource "pods" in API group "" in the namespace "${ns}"`);
    expect(e.hint).toContain(`kubectl create role infgw-reader -n ${ns} --verb=list --resource=pods`);
    // kubectl sees the same refusal
    const k = await kubectl(['get', 'pods', '-n', ns, '--as', 'restricted'], {kubeconfig, allowFail: true});
    expect(k.code).not.toBe(0);
    expect(k.stderr).toContain('User "restricted" cannot list resource "pods"');
    kube.close();
  });

  it('--as-group system:masters makes the same user allowed: groups are sent', async () => {
    const kube = await connect({kubeconfig, as: 'restricted', 'as-group': ['system:masters']});
    const list = await kube.list(apiPath({version: 'v1', resource: 'configmaps', namespace: ns}));
    expect(list.items.map((c) => c.metadata.name)).toContain('marker');
    kube.close();
  });

  it('the CLI: version --as restricted still answers, and says what it could not read', async () => {
    const r = await infgw(['version', '--as', 'restricted', '-o', 'json'], {KUBECONFIG: kubeconfig});
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {cluster: {unknown: string[]}};
    expect(doc.cluster.unknown.some((u) => u.includes('forbidden'))).toBe(true);
    const asAdmin = JSON.parse((await infgw(['version', '-o', 'json'], {KUBECONFIG: kubeconfig})).stdout) as {cluster: {unknown: string[]}};
    expect(asAdmin.cluster.unknown).toEqual([]);
  });
});

describe('flags reach the requests', () => {
  it('-n is the namespace of namespaced requests; without it, the context’s', async () => {
    const withFlag = await connect({kubeconfig, namespace: ns});
    expect(withFlag.namespace).toBe(ns);
    const mine = (await withFlag.list(apiPath({version: 'v1', resource: 'configmaps', namespace: withFlag.namespace}))).items.map((c: KubeObject) => c.metadata.name).sort();
    const oracle = (await kubectl(['get', 'configmaps', '-n', ns, '-o', 'name'], {kubeconfig})).stdout.trim().split('\n').map((l) => l.replace('configmap/', '')).sort();
    expect(mine).toEqual(oracle);
    expect(mine).toContain('marker');
    withFlag.close();
    const without = await connect({kubeconfig});
    expect(without.namespace).toBe('default'); // the harness context's namespace
  });

  it('--token authenticates; without it the same kubeconfig is refused (401, exit 3)', async () => {
    const noCreds = writeKubeconfig('nocreds.kubeconfig', '    {}');
    const refused = await infgw(['version', '--kubeconfig', noCreds]);
    // anonymous requests may read /version, but not the CRDs and Deployments the command lists
    const withToken = await infgw(['version', '--kubeconfig', noCreds, '--token', adminToken, '-o', 'json']);
    expect(withToken.code, withToken.stderr).toBe(0);
    expect((JSON.parse(withToken.stdout) as {cluster: {unknown: string[]}}).cluster.unknown).toEqual([]);
    expect(refused.stdout + refused.stderr).toMatch(/401|forbidden|system:anonymous|rejected our credentials/);

    const wrong = await connect({kubeconfig: noCreds, token: 'not-a-valid-token'});
    let err: unknown;
    try {
      await wrong.get('/api/v1/namespaces');
    } catch (e) {
      err = e;
    }
    expect((err as ApiError).unauthorized).toBe(true);
    expect((err as ApiError).exitCode).toBe(ExitCode.cluster);
    const cli = await infgw(['version', '--kubeconfig', noCreds, '--token', 'not-a-valid-token']);
    expect(cli.code).toBe(3);
    expect(cli.stderr).toContain(`error: the server at ${server} rejected our credentials (401 Unauthorized)`);
  });

  it('--request-timeout ends a request that takes longer (a watch), and the CLI reports it with exit 3', async () => {
    const kube = await connect({kubeconfig, 'request-timeout': '1500ms'});
    const t0 = performance.now();
    let err: unknown;
    try {
      const res = await kube.stream(apiPath({version: 'v1', resource: 'configmaps', namespace: ns}), {query: {watch: 'true'}});
      for await (const chunk of res) void chunk; // the server would keep this open for minutes
    } catch (e) {
      err = e;
    }
    const took = performance.now() - t0;
    expect(err).toBeDefined();
    expect(took).toBeGreaterThan(1400);
    expect(took).toBeLessThan(15_000);
    kube.close();
    const cli = await infgw(['version', '--request-timeout', '1ms'], {KUBECONFIG: kubeconfig});
    expect(cli.code).toBe(3);
    expect(cli.stderr).toContain(`error: the request to ${server} timed out after 0.001s (--request-timeout)`);
  });
});

describe('what goes wrong, said plainly', () => {
  it('a CRD that is not installed', async () => {
    const kube = await connect({kubeconfig});
    let err: unknown;
    try {
      await kube.list('/apis/widgets.infgw.example.com/v1/namespaces/default/widgets');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).resourceNotServed).toBe(true);
    expect((err as ApiError).message).toBe('the server does not serve widgets.widgets.infgw.example.com (version v1): is its CRD installed?');
    kube.close();
  });

  it('a CA that did not sign the server certificate: TLS failure, exit 3; --insecure-skip-tls-verify gets through', async () => {
    // a real CA, but not the cluster's
    const ca = join(dir, 'other-ca.crt');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'other-ca.key'), '-out', ca, '-days', '1', '-subj', '/CN=not-the-cluster-ca']);
    const other = writeKubeconfig('other-ca.kubeconfig', `    token: ${adminToken}`, `    certificate-authority: ${ca}`);
    const r = await infgw(['version', '--kubeconfig', other]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`^error: TLS handshake with ${server.replace(/[.]/g, '\\.')} failed`, 'm'));
    const k = await kubectl(['get', '--raw', '/version'], {kubeconfig: other, allowFail: true});
    expect(k.code).not.toBe(0);
    expect(k.stderr).toMatch(/x509|certificate/);
    const insecure = await infgw(['version', '--kubeconfig', other, '--insecure-skip-tls-verify', '-o', 'json']);
    expect(insecure.code, insecure.stderr).toBe(0);
  });

  it('an InfgwError from the loader is never a crash: unknown context', async () => {
    await expect(connect({kubeconfig, context: 'nope'})).rejects.toBeInstanceOf(InfgwError);
  });
});
