// The kubeconfig loader against the real kubectl.
//
// 1. Merge: for several KUBECONFIG lists over the hand-written files in fixtures/kubeconfig, our
//    merged view must equal `kubectl config view --raw -o json` (and `--flatten`, which proves
//    which file each relative certificate path names) exactly; when kubectl refuses the files, we
//    must refuse them too.
// 2. Selection: `kubectl config view --minify --raw -o json [--context X]` names the context,
//    cluster and user kubectl would use; ours must name the same.
// 3. Overrides: kubectl and our KubeClient each send a request to the same local recorder (an
//    https and an http server on loopback that log what arrives); for every combination of
//    --context/--cluster/--user/-n/--server/--token/--as/--as-group/--certificate-authority/
//    --insecure-skip-tls-verify/--tls-server-name/--request-timeout the two requests must carry
//    the same namespace, credentials, client certificate, impersonation headers and timeout, or
//    both fail. The recorder is not a Kubernetes API: it answers kubectl's discovery and an empty
//    pod list so that kubectl gets as far as its request.
import {execFile, execFileSync} from 'node:child_process';
import {chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import type {TLSSocket} from 'node:tls';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {KubeFlagValues} from '../../src/kube/options.ts';
import {apiPath, KubeClient} from '../../src/kube/client.ts';
import {formatGoDuration, parseGoDuration} from '../../src/k8s/duration.ts';
import {
  flattenedView,
  kubeconfigPrecedence,
  kubectlView,
  loadMergedKubeconfig,
  parseRequestTimeout,
  resolveKubeconfig,
  selectStanzas,
  type InClusterSource,
  type LoaderFs,
} from '../../src/kube/kubeconfig.ts';
import {ExitCode, InfgwError} from '../../src/errors.ts';
import {libraryYaml, parseSimpleYaml} from '../../src/kube/kubeconfig-yaml.ts';
import {readdirSync} from 'node:fs';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const fixtures = path.join(repoRoot, 'test', 'unit', 'fixtures', 'kubeconfig');
const noInCluster: InClusterSource = {dir: '/nonexistent', env: {}, fs: {read: () => undefined, exists: () => false}};

/** The kubectl installed by scripts/install-tools.sh, else the one on PATH. */
function kubectlPath(): string {
  const tools = path.join(repoRoot, '.tools', 'bin', 'kubectl');
  return existsSync(tools) ? tools : 'kubectl';
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(args: string[], env: NodeJS.ProcessEnv, cwd = fixtures): Promise<Run> {
  return new Promise((resolve) => {
    execFile(kubectlPath(), args, {env: {PATH: process.env.PATH, ...env}, cwd, timeout: 60_000}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({code, stdout, stderr});
    });
  });
}

let home: string;
beforeAll(async () => {
  home = mkdtempSync(path.join(tmpdir(), 'infgw-kc-home-'));
  const v = await kubectl(['version', '--client', '-o', 'json'], {HOME: home});
  // No kubectl, or a dispatcher that wants the network: fail loudly, never skip.
  expect(v.code, `kubectl (${kubectlPath()}) must run offline: ${v.stderr}`).toBe(0);
  expect(JSON.parse(v.stdout).clientVersion.gitVersion).toMatch(/^v1\./);
});
afterAll(() => rmSync(home, {recursive: true, force: true}));

const f = (...names: string[]): string => names.map((n) => path.join(fixtures, n)).join(path.delimiter);

/** kubectl's output without what we deliberately do not model (see kubectlView). */
function kubectlJson(stdout: string): Record<string, unknown> {
  const doc = JSON.parse(stdout) as Record<string, unknown>;
  delete doc.preferences;
  delete doc.extensions;
  return doc;
}

function ours<T>(fn: () => T): {ok: true; value: T} | {ok: false; error: Error} {
  try {
    return {ok: true, value: fn()};
  } catch (error) {
    return {ok: false, error: error as Error};
  }
}

const scenarios: [string, string][] = [
  ['one file', f('one.yaml')],
  ['missing file skipped, first file wins per name, current-context only in the second file', f('missing.yaml', 'one.yaml', 'two.yaml')],
  ['the same files the other way round', f('two.yaml', 'one.yaml')],
  ['current-context from the first file that sets one (three before two)', f('one.yaml', 'three.yaml', 'two.yaml')],
  ['relative paths in a sub-folder', f('sub/four.yaml', 'one.yaml')],
  ['empty file and a file without contexts', f('empty.yaml', 'nocontext.yaml', 'one.yaml')],
  ['a file listed twice', f('one.yaml', 'two.yaml', 'one.yaml')],
  ['only missing files', f('missing-1.yaml', 'missing-2.yaml')],
  ['all four', f('sub/four.yaml', 'three.yaml', 'two.yaml', 'one.yaml')],
  ['duplicate name inside one file', f('one.yaml', 'invalid/dup-cluster.yaml')],
  ['not YAML', f('invalid/bad-yaml.yaml', 'one.yaml')],
  ['a number where a string belongs', f('invalid/wrong-type.yaml')],
  ['bad base64', f('invalid/bad-base64.yaml')],
  ['a YAML 1.1 boolean where a string belongs', f('invalid/yaml11-bool.yaml')],
  ['a Pod, not a Config', f('invalid/kind-pod.yaml')],
  ['a list, not a mapping', f('invalid/top-list.yaml')],
  ['as aws, gcloud, az, kind and minikube write them, and quoting', f('real/eks.yaml', 'real/gke.yaml', 'real/aks.yaml', 'real/kind.yaml', 'real/minikube.yaml', 'real/quoted.yaml')],
  ['each tool-written file alone (1)', f('real/quoted.yaml')],
  ['each tool-written file alone (2)', f('real/aks.yaml')],
];

describe('merge: our view equals `kubectl config view --raw -o json`', () => {
  it.each(scenarios)('%s', async (_name, list) => {
    const env = {KUBECONFIG: list, HOME: home};
    const k = await kubectl(['config', 'view', '--raw', '-o', 'json'], env);
    const mine = ours(() => loadMergedKubeconfig({}, env));
    if (k.code !== 0) {
      expect(mine.ok, `kubectl refused (${k.stderr.trim()}) but we loaded the files`).toBe(false);
      if (!mine.ok) {
        expect(mine.error).toBeInstanceOf(InfgwError);
        expect((mine.error as InfgwError).exitCode).toBe(ExitCode.cluster);
        // both name the file at fault
        const file = /error loading config file "([^"]+)"/.exec(k.stderr)?.[1];
        expect(file).toBeDefined();
        expect(mine.error.message).toContain(file!);
      }
      return;
    }
    expect(mine.ok, mine.ok ? '' : `we refused what kubectl loads: ${mine.error.message}`).toBe(true);
    if (mine.ok) expect(kubectlView(mine.value)).toEqual(kubectlJson(k.stdout));
  });

  it.each(scenarios)('--flatten: %s', async (_name, list) => {
    const env = {KUBECONFIG: list, HOME: home};
    // run kubectl from another folder: relative paths must not depend on the working directory
    const k = await kubectl(['config', 'view', '--raw', '--flatten', '-o', 'json'], env, home);
    const mine = ours(() => flattenedView(loadMergedKubeconfig({}, env)));
    if (k.code !== 0) {
      expect(mine.ok, `kubectl refused (${k.stderr.trim()}) but we flattened`).toBe(false);
      return;
    }
    expect(mine.ok, mine.ok ? '' : mine.error.message).toBe(true);
    if (mine.ok) expect(mine.value).toEqual(kubectlJson(k.stdout));
  });

  it('--kubeconfig names exactly one file, which must exist; KUBECONFIG is then ignored', async () => {
    const env = {KUBECONFIG: f('two.yaml'), HOME: home};
    const k = await kubectl(['config', 'view', '--raw', '-o', 'json', '--kubeconfig', path.join(fixtures, 'one.yaml')], env);
    expect(k.code).toBe(0);
    expect(kubectlView(loadMergedKubeconfig({kubeconfig: path.join(fixtures, 'one.yaml')}, env))).toEqual(kubectlJson(k.stdout));

    // (`config view` shows an empty config for a missing --kubeconfig; a command that connects fails)
    const missing = path.join(fixtures, 'missing.yaml');
    const k2 = await kubectl(['get', 'pods', '--kubeconfig', missing], env);
    expect(k2.code).not.toBe(0);
    expect(k2.stderr).toContain(`stat ${missing}: no such file or directory`);
    expect(() => loadMergedKubeconfig({kubeconfig: missing}, env)).toThrow(`stat ${missing}: no such file or directory`);
  });

  it('without KUBECONFIG the file is $HOME/.kube/config', async () => {
    const h = mkdtempSync(path.join(tmpdir(), 'infgw-kc-home2-'));
    try {
      mkdirSync(path.join(h, '.kube'));
      copyFileSync(path.join(fixtures, 'three.yaml'), path.join(h, '.kube', 'config'));
      const k = await kubectl(['config', 'view', '--raw', '-o', 'json'], {HOME: h});
      expect(k.code).toBe(0);
      const env = {HOME: h};
      expect(kubeconfigPrecedence({}, env).files).toEqual([path.join(h, '.kube', 'config')]);
      expect(kubectlView(loadMergedKubeconfig({}, env))).toEqual(kubectlJson(k.stdout));
    } finally {
      rmSync(h, {recursive: true, force: true});
    }
  });

  it('an unreadable file fails the whole load, as with kubectl', () => {
    const fs: LoaderFs = {
      read: (file) => {
        if (file.endsWith('two.yaml')) throw Object.assign(new Error('EACCES: permission denied'), {code: 'EACCES'});
        return readFileSync(file, 'utf8');
      },
      exists: () => true,
    };
    expect(() => loadMergedKubeconfig({}, {KUBECONFIG: f('one.yaml', 'two.yaml')}, fs)).toThrow(/error loading config file ".*two\.yaml": EACCES/);
  });
});

describe('selection: the same context, cluster and user as `kubectl config view --minify`', () => {
  const cases: [string, string, string | undefined][] = [];
  for (const [name, list] of scenarios.slice(0, 9)) {
    cases.push([name, list, undefined]);
  }
  for (const ctx of ['ctx-one', 'shared-ctx', 'ctx-two', 'ctx-three', 'ctx-four', 'ctx-four-exec', 'ctx-ghost-cluster', 'no-such-context']) {
    cases.push([`--context ${ctx}`, f('sub/four.yaml', 'one.yaml', 'two.yaml', 'three.yaml'), ctx]);
  }
  it.each(cases)('%s', async (_name, list, context) => {
    const env = {KUBECONFIG: list, HOME: home};
    const k = await kubectl(['config', 'view', '--minify', '--raw', '-o', 'json', ...(context ? ['--context', context] : [])], env);
    const merged = loadMergedKubeconfig({}, env);
    const flags: KubeFlagValues = context ? {context} : {};
    if (k.code !== 0) {
      // kubectl cannot minify: no current context, or the context/cluster/user it names is missing.
      // Then we cannot connect either.
      expect(ours(() => resolveKubeconfig(merged, flags, env, noInCluster)).ok, k.stderr).toBe(false);
      return;
    }
    const sel = selectStanzas(merged, flags);
    const one = <T>(name: string, s: {value: T} | undefined) => (s ? new Map([[name, {value: s.value, origin: ''}]]) : new Map());
    const view = kubectlView({
      currentContext: sel.contextName,
      contexts: new Map([[sel.contextName, {value: sel.context, origin: ''}]]),
      clusters: one(sel.clusterName, sel.clusterStanza),
      users: one(sel.userName, sel.userStanza),
    });
    expect(view).toEqual(kubectlJson(k.stdout));
    // and the namespace is the context's, else "default"
    const ctxNs = (JSON.parse(k.stdout).contexts[0].context.namespace as string | undefined) ?? 'default';
    const resolved = ours(() => resolveKubeconfig(merged, flags, env, noInCluster));
    if (resolved.ok) expect(resolved.value.namespace).toBe(ctxNs);
  });
});

// ---------------------------------------------------------------------------------------------
// Overrides, through a request recorder.

interface Seen {
  path: string;
  timeout: string | null;
  authorization: string | undefined;
  impersonateUser: string | undefined;
  impersonateUid: string | undefined;
  impersonateGroups: string[] | undefined;
  impersonateExtra: Record<string, string[]>;
  clientCert: string | undefined;
  tls: boolean;
}

interface Recorder {
  httpsPort: number;
  httpPort: number;
  seen: Seen[];
  close(): Promise<void>;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, {cwd, stdio: 'pipe'});
}

/** A CA, a server certificate for localhost and recorder.test (no IP address), and a client certificate. */
function makePki(dir: string): void {
  mkdirSync(dir, {recursive: true});
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=infgw-test-ca'], dir);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=recorder'], dir);
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,DNS:recorder.test\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext'], dir);
  openssl(['req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=cert-user'], dir);
  openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '2'], dir);
}

async function startRecorder(pki: string): Promise<Recorder> {
  const seen: Seen[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    const extra: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(req.headersDistinct)) if (k.startsWith('impersonate-extra-')) extra[k] = v ?? [];
    const sock = req.socket as TLSSocket;
    const peer = sock.encrypted ? sock.getPeerCertificate() : undefined;
    res.setHeader('content-type', 'application/json');
    const json = (o: unknown): void => {
      res.end(JSON.stringify(o));
    };
    // kubectl's discovery, just enough for `kubectl get pods`
    if (url.pathname === '/api') return json({kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1'}]});
    if (url.pathname === '/apis') return json({kind: 'APIGroupList', apiVersion: 'v1', groups: []});
    if (url.pathname === '/api/v1') {
      return json({kind: 'APIResourceList', groupVersion: 'v1', resources: [{name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list']}]});
    }
    seen.push({
      path: url.pathname,
      timeout: url.searchParams.get('timeout'),
      authorization: req.headers.authorization,
      impersonateUser: req.headers['impersonate-user'] as string | undefined,
      impersonateUid: req.headers['impersonate-uid'] as string | undefined,
      impersonateGroups: req.headersDistinct['impersonate-group'],
      impersonateExtra: extra,
      clientCert: peer && peer.subject ? String(peer.subject.CN) : undefined,
      tls: Boolean(sock.encrypted),
    });
    json({kind: 'PodList', apiVersion: 'v1', metadata: {resourceVersion: '1'}, items: []});
  };
  const read = (n: string) => readFileSync(path.join(pki, n));
  const s1 = https.createServer({key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt'), requestCert: true, rejectUnauthorized: false}, handler);
  const s2 = http.createServer(handler);
  await new Promise<void>((r) => s1.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => s2.listen(0, '127.0.0.1', r));
  return {
    httpsPort: (s1.address() as AddressInfo).port,
    httpPort: (s2.address() as AddressInfo).port,
    seen,
    close: async () => {
      s1.closeAllConnections();
      s2.closeAllConnections();
      await Promise.all([new Promise((r) => s1.close(r)), new Promise((r) => s2.close(r))]);
    },
  };
}

describe('overrides: kubectl and KubeClient send the same request', () => {
  let dir: string;
  let rec: Recorder;
  let kubeconfig: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'infgw-kc-rec-'));
    makePki(path.join(dir, 'pki'));
    rec = await startRecorder(path.join(dir, 'pki'));
    mkdirSync(path.join(dir, 'tokens'));
    writeFileSync(path.join(dir, 'tokens', 'b.token'), 'token-from-file\n');
    mkdirSync(path.join(dir, 'bin'));
    // An exec plugin that records the KUBERNETES_EXEC_INFO it was given.
    const plugin = path.join(dir, 'bin', 'cred-plugin');
    writeFileSync(
      plugin,
      '#!/bin/sh\nprintf \'%s\' "$KUBERNETES_EXEC_INFO" > "$(dirname "$0")/../exec-info.json"\n' +
        'printf \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"token-from-exec-%s"}}\' "$PLUGIN_SUFFIX"\n',
    );
    chmodSync(plugin, 0o755);
    const httpsUrl = (host: string) => `https://${host}:${rec.httpsPort}`;
    kubeconfig = path.join(dir, 'kubeconfig.yaml');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
current-context: a
clusters:
- name: rec
  cluster: {server: "${httpsUrl('localhost')}", certificate-authority: pki/ca.crt}
- name: rec-insecure
  cluster: {server: "${httpsUrl('localhost')}", insecure-skip-tls-verify: true}
- name: rec-http
  cluster: {server: "http://127.0.0.1:${rec.httpPort}"}
- name: rec-by-ip
  cluster: {server: "${httpsUrl('127.0.0.1')}", certificate-authority: pki/ca.crt, tls-server-name: recorder.test}
- name: rec-data
  cluster:
    server: "${httpsUrl('localhost')}"
    certificate-authority-data: ${readFileSync(path.join(dir, 'pki', 'ca.crt')).toString('base64')}
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {audience: infgw-test}
contexts:
- name: a
  context: {cluster: rec, user: ua, namespace: ns-a}
- name: b
  context: {cluster: rec-insecure, user: ub}
- name: c
  context: {cluster: rec-http, user: ua, namespace: ns-c}
- name: d
  context: {cluster: rec-by-ip, user: u-exec}
- name: e
  context: {cluster: rec, user: u-imp, namespace: ns-e}
- name: f
  context: {cluster: rec-data, user: u-cert}
- name: g
  context: {cluster: rec-data, user: u-exec-info}
- name: ghost
  context: {cluster: no-such-cluster, user: ua}
users:
- name: ua
  user: {token: token-a}
- name: ub
  user: {tokenFile: tokens/b.token}
- name: u-exec
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: bin/cred-plugin
      interactiveMode: Never
      env: [{name: PLUGIN_SUFFIX, value: d}]
- name: u-exec-info
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/cred-plugin
      interactiveMode: IfAvailable
      provideClusterInfo: true
      env: [{name: PLUGIN_SUFFIX, value: g}]
- name: u-imp
  user:
    token: token-e
    as: alice
    as-uid: "1001"
    as-groups: [team-a, team-b]
    as-user-extra: {scopes: [view, edit]}
- name: u-cert
  user: {client-certificate: pki/client.crt, client-key: pki/client.key}
`,
    );
  }, 60_000);

  afterAll(async () => {
    await rec?.close();
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  // [name, flags, what kubectl is known to send (pins the oracle itself; null = kubectl fails)]
  const cases: [string, string[], (Partial<Seen> | null)?][] = [
    ['current context (token, namespace from the context)', [], {path: '/api/v1/namespaces/ns-a/pods', authorization: 'Bearer token-a'}],
    ['--context b: tokenFile, insecure cluster, namespace default', ['--context', 'b'], {path: '/api/v1/namespaces/default/pods', authorization: 'Bearer token-from-file'}],
    ['--context c: plain http sends no credentials', ['--context', 'c'], {tls: false, authorization: undefined}],
    ['--context d: exec plugin named by a relative path, tls-server-name from the file', ['--context', 'd'], {authorization: 'Bearer token-from-exec-d'}],
    ['--context e: impersonation from the kubeconfig', ['--context', 'e'], {impersonateUser: 'alice', impersonateUid: '1001', impersonateGroups: ['team-a', 'team-b']}],
    ['--context f: client certificate, CA data', ['--context', 'f'], {clientCert: 'cert-user', authorization: undefined}],
    ['--context g: exec plugin with provideClusterInfo', ['--context', 'g'], {authorization: 'Bearer token-from-exec-g'}],
    ['-n', ['-n', 'other']],
    ['--context b -n', ['--context', 'b', '--namespace', 'other']],
    ['--user', ['--user', 'ub']],
    ['--cluster', ['--cluster', 'rec-insecure']],
    ['--cluster and --user', ['--cluster', 'rec-data', '--user', 'u-cert']],
    ['--token', ['--token', 'token-flag']],
    ['--token over a tokenFile (kubectl keeps the file)', ['--context', 'b', '--token', 'token-flag'], {authorization: 'Bearer token-from-file'}],
    ['--token instead of an exec plugin', ['--context', 'd', '--token', 'token-flag'], {authorization: 'Bearer token-flag'}],
    ['--as and --as-group', ['--as', 'bob', '--as-group', 'g1', '--as-group', 'g2'], {impersonateUser: 'bob', impersonateGroups: ['g1', 'g2']}],
    ['--as over the kubeconfig impersonation', ['--context', 'e', '--as', 'carol']],
    ['--as-group over the kubeconfig groups', ['--context', 'e', '--as-group', 'g9']],
    ['--as-group without --as', ['--as-group', 'g1']],
    ['--server to another name of the same server', ['--server', `https://localhost:@HTTPS@`]],
    ['--server by IP: the certificate has no IP address', ['--server', 'https://127.0.0.1:@HTTPS@']],
    ['--server by IP with --tls-server-name', ['--server', 'https://127.0.0.1:@HTTPS@', '--tls-server-name', 'recorder.test']],
    ['--server clears the kubeconfig tls-server-name', ['--context', 'd', '--server', 'https://127.0.0.1:@HTTPS@'], null],
    ['--tls-server-name that the certificate does not carry', ['--tls-server-name', 'wrong.test']],
    ['--server without scheme is plain http', ['--server', '127.0.0.1:@HTTP@']],
    ['--insecure-skip-tls-verify with --server by IP', ['--insecure-skip-tls-verify', '--server', 'https://127.0.0.1:@HTTPS@']],
    ['--insecure-skip-tls-verify drops the kubeconfig CA', ['--context', 'f', '--insecure-skip-tls-verify']],
    ['--certificate-authority turns off insecure-skip-tls-verify', ['--context', 'b', '--certificate-authority', '@DIR@/pki/ca.crt']],
    ['--certificate-authority that did not sign the server', ['--context', 'b', '--certificate-authority', '@DIR@/pki/client.crt']],
    ['--certificate-authority with --insecure-skip-tls-verify', ['--certificate-authority', '@DIR@/pki/ca.crt', '--insecure-skip-tls-verify'], null],
    ['--request-timeout in seconds', ['--request-timeout', '7'], {timeout: '7s'}],
    ['--request-timeout as a duration', ['--request-timeout', '1m30s'], {timeout: '1m30s'}],
    ['--request-timeout in milliseconds', ['--request-timeout', '1500ms']],
    ['--context that does not exist', ['--context', 'nope']],
    ['--user that does not exist', ['--user', 'nope']],
    ['--cluster that does not exist', ['--cluster', 'nope']],
    ['a context whose cluster does not exist', ['--context', 'ghost']],
    ['an invalid namespace', ['-n', 'ns/foo']],
  ];

  /** flags array → our flag values (the same parsing oclif does for these flags) */
  function toFlags(args: string[]): KubeFlagValues {
    const flags: KubeFlagValues = {};
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const name = a === '-n' ? 'namespace' : a.replace(/^--/, '');
      if (name === 'insecure-skip-tls-verify') {
        flags['insecure-skip-tls-verify'] = true;
        continue;
      }
      const v = args[++i]!;
      if (name === 'as-group') flags['as-group'] = [...(flags['as-group'] ?? []), v];
      else (flags as Record<string, string>)[name] = v;
    }
    return flags;
  }

  it.each(cases)('%s', async (_name, rawArgs, known) => {
    const args = rawArgs.map((a) => a.replace('@HTTPS@', String(rec.httpsPort)).replace('@HTTP@', String(rec.httpPort)).replace('@DIR@', dir));
    const env = {KUBECONFIG: kubeconfig, HOME: home};
    const execInfo = path.join(dir, 'exec-info.json');

    rmSync(execInfo, {force: true});
    const before = rec.seen.length;
    // both run from another folder than the kubeconfig's: its relative paths must still resolve
    const k = await kubectl(['get', 'pods', '--cache-dir', path.join(dir, 'cache'), ...args], env, home);
    const kubectlSeen = rec.seen.slice(before).filter((s) => s.path.endsWith('/pods'));
    const kubectlExecInfo = existsSync(execInfo) ? JSON.parse(readFileSync(execInfo, 'utf8')) : undefined;

    rmSync(execInfo, {force: true});
    const before2 = rec.seen.length;
    let ourError: Error | undefined;
    const cwd = process.cwd();
    process.chdir(home);
    try {
      const flags = toFlags(args);
      const kube = new KubeClient(resolveKubeconfig(loadMergedKubeconfig(flags, env), flags, env, noInCluster));
      try {
        await kube.list(apiPath({version: 'v1', resource: 'pods', namespace: kube.namespace}));
      } finally {
        kube.close();
      }
    } catch (error) {
      ourError = error as Error;
    } finally {
      process.chdir(cwd);
    }
    const oursSeen = rec.seen.slice(before2);
    const ourExecInfo = existsSync(execInfo) ? JSON.parse(readFileSync(execInfo, 'utf8')) : undefined;

    if (known === null) expect(k.code, 'kubectl is known to refuse this').not.toBe(0);
    if (known) expect(kubectlSeen.at(-1), `kubectl: ${k.stderr}`).toMatchObject(known);
    if (k.code !== 0) {
      expect(ourError, `kubectl failed (${k.stderr.trim()}) but we sent ${JSON.stringify(oursSeen)}`).toBeDefined();
      expect(oursSeen).toEqual([]);
      expect(ourError).toBeInstanceOf(InfgwError);
      return;
    }
    expect(ourError, `kubectl succeeded but we failed: ${ourError?.message}`).toBeUndefined();
    expect(kubectlSeen.length).toBeGreaterThan(0);
    expect(oursSeen).toEqual([kubectlSeen.at(-1)]);
    expect(ourExecInfo).toEqual(kubectlExecInfo);
    if (known?.authorization?.includes('exec')) expect(ourExecInfo).toBeDefined();
  });
});

describe('--request-timeout and durations (clientcmd ParseTimeout, Go time.Duration)', () => {
  it('parses seconds and Go durations', () => {
    expect(parseRequestTimeout('0')).toBe(0);
    expect(parseRequestTimeout(undefined)).toBe(0);
    expect(parseRequestTimeout('7')).toBe(7000);
    expect(parseRequestTimeout('1m30s')).toBe(90_000);
    expect(parseRequestTimeout('1.5s')).toBe(1500);
    expect(parseRequestTimeout('250ms')).toBe(250);
    expect(parseGoDuration('1h2m3s')).toBe(3_723_000);
    expect(parseGoDuration('-2s')).toBe(-2000);
    expect(parseGoDuration('2')).toBeUndefined();
    expect(() => parseRequestTimeout('soon')).toThrow(/invalid value "soon" for --request-timeout/);
    expect(() => parseRequestTimeout('-1s')).toThrow(/--request-timeout/);
  });
  it('formats like Go', () => {
    expect(formatGoDuration(7000)).toBe('7s');
    expect(formatGoDuration(90_000)).toBe('1m30s');
    expect(formatGoDuration(3_600_000)).toBe('1h0m0s');
    expect(formatGoDuration(1500)).toBe('1.5s');
    expect(formatGoDuration(500)).toBe('500ms');
  });
});

describe('no kubeconfig, no context, in-cluster', () => {
  it('no file at all: exit 3, says so, names where it looked', () => {
    const env = {HOME: '/nonexistent-home'};
    const merged = loadMergedKubeconfig({}, env);
    expect(merged.missing).toEqual(['/nonexistent-home/.kube/config']);
    const r = ours(() => resolveKubeconfig(merged, {}, env, noInCluster));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toMatch(/no kubeconfig found/);
      expect((r.error as InfgwError).hint).toContain('/nonexistent-home/.kube/config');
      expect((r.error as InfgwError).exitCode).toBe(ExitCode.cluster);
    }
  });
  it('files but no current context: says so and lists the contexts', () => {
    const env = {KUBECONFIG: f('one.yaml'), HOME: home};
    const r = ours(() => resolveKubeconfig(loadMergedKubeconfig({}, env), {}, env, noInCluster));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toMatch(/no current context/);
      expect((r.error as InfgwError).hint).toContain('ctx-one');
    }
  });
  it('--server alone is enough', () => {
    const env = {HOME: '/nonexistent-home'};
    const r = resolveKubeconfig(loadMergedKubeconfig({}, env), {server: 'https://10.0.0.1:6443', token: 't'}, env, noInCluster);
    expect(r.cluster.server).toBe('https://10.0.0.1:6443');
    expect(r.user.token).toBe('t');
    expect(r.namespace).toBe('default');
    expect(r.source).toBe('flags');
  });
  it('in a pod without a kubeconfig: the service account (rest.InClusterConfig)', () => {
    const sa = mkdtempSync(path.join(tmpdir(), 'infgw-sa-'));
    try {
      writeFileSync(path.join(sa, 'token'), 'sa-token\n');
      writeFileSync(path.join(sa, 'namespace'), 'serving\n');
      const env = {HOME: '/nonexistent-home', KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443'};
      const src: InClusterSource = {dir: sa, env, fs: {read: (p) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined), exists: existsSync}};
      const r = resolveKubeconfig(loadMergedKubeconfig({}, env), {}, env, src);
      expect(r.source).toBe('in-cluster');
      expect(r.cluster.server).toBe('https://10.96.0.1:443');
      expect(r.cluster['certificate-authority']).toBe(path.join(sa, 'ca.crt'));
      expect(r.user.tokenFile).toBe(path.join(sa, 'token'));
      expect(r.namespace).toBe('serving');
      expect(resolveKubeconfig(loadMergedKubeconfig({}, env), {namespace: 'x', token: 't'}, env, src)).toMatchObject({namespace: 'x', user: {token: 't'}});
      // a kubeconfig wins over the service account
      const env2 = {...env, KUBECONFIG: f('sub/four.yaml')};
      expect(resolveKubeconfig(loadMergedKubeconfig({}, env2), {}, env2, src).source).toBe('kubeconfig');
    } finally {
      rmSync(sa, {recursive: true, force: true});
    }
  });
});

describe('the fast kubeconfig YAML reader agrees with the yaml library (YAML 1.1)', () => {
  const lib = (text: string) => libraryYaml().parseAllDocuments(text, {version: '1.1'})[0]?.toJS() ?? null;
  const files = (dir: string): string[] =>
    readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.yaml') ? [path.join(dir, e.name)] : []));

  it.each(files(fixtures).map((p) => [path.relative(fixtures, p), p]))('%s', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const fast = parseSimpleYaml(text);
    if (fast === undefined) return; // the library reads it; loadMergedKubeconfig tests cover that path
    expect(fast).toEqual(lib(text));
  });

  it('reads what tools write itself (the point: no yaml library at start-up)', () => {
    for (const name of ['eks.yaml', 'gke.yaml', 'kind.yaml', 'minikube.yaml', 'quoted.yaml']) {
      expect(parseSimpleYaml(readFileSync(path.join(fixtures, 'real', name), 'utf8')), name).not.toBeUndefined();
    }
    for (const name of ['one.yaml', 'empty.yaml', 'nocontext.yaml']) {
      expect(parseSimpleYaml(readFileSync(path.join(fixtures, name), 'utf8')), name).not.toBeUndefined();
    }
  });

  it.each([
    ['a: 1', 'numbers'],
    ['a: -1', 'negative numbers'],
    ['a: 0x1F', 'hex'],
    ['a: 2026-11-26', 'timestamps'],
    ['a: .inf', 'infinity'],
    ['a: |\n  text', 'block scalars'],
    ['a: >\n  text', 'folded scalars'],
    ['a: &x b\nc: *x', 'anchors'],
    ['a: !!str 1', 'tags'],
    ['a: {b: 1}', 'flow mappings'],
    ['a: [b, c]', 'flow sequences'],
    ['a: "b\n  c"', 'multi-line quoted'],
    ['a: b\na: c', 'duplicate keys'],
    ['a: 1\n---\nb: 2', 'several documents'],
    ['a:\n\tb: c', 'tabs'],
    ['a: b: c', 'compact nested mapping'],
    ['- - a', 'compact nested sequence'],
    ['? a\n: b', 'complex keys'],
    ['<<: {a: 1}', 'merge keys'],
    ['a: b\n\n  c', 'a blank line inside a plain scalar'],
    ['1: a', 'a number as key'],
    ['on: a', 'a boolean as key'],
  ])('gives up on %j (%s)', (text) => {
    expect(parseSimpleYaml(text)).toBeUndefined();
  });

  it.each([
    ['a: yes\nb: Off\nc: ~\nd: null\ne:\nf: NO', {a: true, b: false, c: null, d: null, e: null, f: false}],
    ["a: 'x''y'\nb: \"\\u00e9\\t\\\"\"\nc: plain text # comment", {a: "x'y", b: 'é\t"', c: 'plain text'}],
    ['a:\n- b\n- c: d\n  e: f\n-\n  g: h\nz: {}', {a: ['b', {c: 'd', e: 'f'}, {g: 'h'}], z: {}}],
    ['a: one\n  two\n  three\nb: --flag', {a: 'one two three', b: '--flag'}],
  ])('reads %j as the library does', (text, expected) => {
    expect(parseSimpleYaml(text)).toEqual(expected);
    expect(lib(text)).toEqual(expected);
  });
});
