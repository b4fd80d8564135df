// Error translation (src/kube/errors.ts) and the exit codes it maps to (src/errors.ts).
//
// HTTP answers (401/403/404) are translated from the exact bodies a kube-apiserver sends (the
// e2e tests see the same from the real test cluster). Network conditions are real: a closed
// loopback port, an https server whose certificate our CA did not sign or that carries another
// name, a plain-http port spoken to with TLS, a server that never answers. KubeClient is pointed
// at them through a resolved kubeconfig, as a command would be.
import {execFileSync} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import {createServer, type AddressInfo, type Server as NetServer, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {apiPath, KubeClient, retryAfterMs, runExecPlugin} from '../../src/kube/client.ts';
import {ApiError, apiErrorFromResponse, missingRuleHint, networkError, parseApiPath, rbacVerb} from '../../src/kube/errors.ts';
import {resolved} from './kube/resolved-fixture.ts';
import {ExitCode, InfgwError} from '../../src/errors.ts';


async function failure(p: Promise<unknown>): Promise<InfgwError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(InfgwError);
    return error as InfgwError;
  }
  throw new Error('expected the request to fail');
}

// Bodies as kube-apiserver v1.3x sends them.
const status = (code: number, reason: string, message: string, details?: object) => ({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? {details} : {}), code});

describe('HTTP status → message, hint, exit code', () => {
  it('401: credentials rejected, exit 3, names the server', () => {
    const e = apiErrorFromResponse({status: 401, body: status(401, 'Unauthorized', 'Unauthorized'), method: 'GET', path: '/api/v1/namespaces/default/pods', server: 'https://k8s.example:6443'});
    expect(e).toBeInstanceOf(ApiError);
    expect(e.exitCode).toBe(ExitCode.cluster);
    expect(e.unauthorized).toBe(true);
    expect(e.message).toContain('https://k8s.example:6443');
    expect(e.message).toContain('401');
    expect(e.hint).toMatch(/expired|credentials/);
  });

  it('403 on a list: the server message (user, verb, resource), and the RBAC rule that would allow it', () => {
    const body = status(403, 'Forbidden', 'inferencepools.inference.networking.k8s.io is forbidden: User "restricted" cannot list resource "inferencepools" in API group "inference.networking.k8s.io" in the namespace "serving"', {group: 'inference.networking.k8s.io', kind: 'inferencepools'});
    const e = apiErrorFromResponse({status: 403, body, method: 'GET', path: '/apis/inference.networking.k8s.io/v1/namespaces/serving/inferencepools', server: 's'});
    expect(e.forbidden).toBe(true);
    expect(e.exitCode).toBe(ExitCode.cluster);
    expect(e.verb).toBe('list');
    expect(e.message).toContain('User "restricted" cannot list resource "inferencepools"');
    expect(e.hint).toBe(
      'Needs a Role in namespace serving rule: apiGroups ["inference.networking.k8s.io"], resources ["inferencepools"], verbs ["list"] — e.g. kubectl create role infgw-reader -n serving --verb=list --resource=inferencepools.inference.networking.k8s.io (then bind it to the user).',
    );
  });

  it('403 on a patch of a subresource, cluster-scoped get, watch, delete collection: the right verb and scope', () => {
    expect(rbacVerb('PATCH', '/apis/apps/v1/namespaces/a/deployments/epp/scale')).toBe('patch');
    expect(rbacVerb('GET', '/apis/apps/v1/deployments', true)).toBe('watch');
    expect(rbacVerb('DELETE', '/api/v1/namespaces/a/pods')).toBe('deletecollection');
    expect(rbacVerb('POST', '/apis/authentication.k8s.io/v1/tokenreviews')).toBe('create');
    const sub = parseApiPath('/apis/apps/v1/namespaces/a/deployments/epp/scale')!;
    expect(missingRuleHint('patch', sub)).toContain('resources ["deployments/scale"], verbs ["patch"]');
    const crd = parseApiPath('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/inferencepools.inference.networking.k8s.io')!;
    expect(missingRuleHint('get', crd)).toMatch(/^Needs a ClusterRole rule: apiGroups \["apiextensions.k8s.io"\], resources \["customresourcedefinitions"\], verbs \["get"\]/);
    // without a Status body we still say who could not do what
    const e = apiErrorFromResponse({status: 403, body: 'forbidden', method: 'GET', path: '/api/v1/namespaces/x/secrets/y', server: 's', user: 'bob'});
    expect(e.message).toBe('forbidden: user "bob" cannot get secrets "y" in namespace "x"');
  });

  it('404 "page not found" for a resource type the server does not serve: the CRD is not installed', () => {
    for (const p of ['/apis/inference.networking.k8s.io/v1/namespaces/serving/inferencepools', '/apis/inference.networking.k8s.io/v1/namespaces/serving/inferencepools/pool']) {
      const e = apiErrorFromResponse({status: 404, body: '404 page not found\n', method: 'GET', path: p, server: 's'});
      expect(e.notFound).toBe(true);
      expect(e.resourceNotServed).toBe(true);
      expect(e.exitCode).toBe(ExitCode.problems);
      expect(e.message).toBe('the server does not serve inferencepools.inference.networking.k8s.io (version v1): is its CRD installed?');
      expect(e.hint).toContain('kubectl get crd inferencepools.inference.networking.k8s.io');
    }
  });

  it('404 for an object that does not exist is just that', () => {
    const body = status(404, 'NotFound', 'inferencepools.inference.networking.k8s.io "pool" not found', {name: 'pool', group: 'inference.networking.k8s.io', kind: 'inferencepools'});
    const e = apiErrorFromResponse({status: 404, body, method: 'GET', path: '/apis/inference.networking.k8s.io/v1/namespaces/s/inferencepools/pool', server: 's'});
    expect(e.resourceNotServed).toBe(false);
    expect(e.message).toBe('inferencepools.inference.networking.k8s.io "pool" not found');
    // a 404 behind a proxy subresource is the backend's, not a missing CRD
    const proxied = apiErrorFromResponse({status: 404, body: 'Not Found', method: 'GET', path: '/api/v1/namespaces/s/pods/epp-0:9090/proxy/metrics', server: 's'});
    expect(proxied.resourceNotServed).toBe(false);
  });

  it('other statuses keep the server message', () => {
    const e = apiErrorFromResponse({status: 409, body: status(409, 'Conflict', 'Operation cannot be fulfilled on deployments.apps "epp": the object has been modified'), method: 'PUT', path: '/apis/apps/v1/namespaces/a/deployments/epp', server: 's'});
    expect(e.conflict).toBe(true);
    expect(e.message).toContain('the object has been modified');
  });
});

describe('network failures against real local servers', () => {
  let dir: string;
  let pki: string;
  const closers: (() => Promise<unknown>)[] = [];

  function openssl(args: string[]): void {
    execFileSync('openssl', args, {cwd: pki, stdio: 'pipe'});
  }

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'infgw-err-'));
    pki = path.join(dir, 'pki');
    mkdirSync(pki);
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    // a self-signed server certificate for localhost, and an unrelated CA
    openssl(['req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.crt', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
    openssl(['req', '-x509', ...ec, '-keyout', 'other-ca.key', '-out', 'other-ca.crt', '-days', '2', '-subj', '/CN=other-ca']);
  });

  afterAll(async () => {
    for (const c of closers) await c();
    rmSync(dir, {recursive: true, force: true});
  });

  async function listen<T extends NetServer>(server: T): Promise<number> {
    const open = new Set<Socket>();
    server.on('connection', (s: Socket) => {
      open.add(s);
      s.on('close', () => open.delete(s));
    });
    server.on('secureConnection', (s: Socket) => open.add(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => {
      for (const s of open) s.destroy();
      return new Promise((r) => server.close(r));
    });
    return (server.address() as AddressInfo).port;
  }

  async function closedPort(): Promise<number> {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    return port;
  }

  it('connection refused: exit 3, names the address tried', async () => {
    const port = await closedPort();
    const kube = new KubeClient(resolved(`https://127.0.0.1:${port}`, {user: {token: 't'}}));
    const e = await failure(kube.get('/version'));
    expect(e.exitCode).toBe(ExitCode.cluster);
    expect(e.message).toBe(`cannot reach the Kubernetes API server at https://127.0.0.1:${port} (ECONNREFUSED: connection refused)`);
    expect(e.hint).toMatch(/kubectl config view --minify/);
  });

  it('a port the browsers block (1) is still tried, like kubectl', async () => {
    const kube = new KubeClient(resolved('https://127.0.0.1:1'));
    const e = await failure(kube.get('/version'));
    expect(e.message).toContain('https://127.0.0.1:1');
    expect(e.message).toContain('ECONNREFUSED');
  });

  it('unknown host: exit 3, names the address', async () => {
    const kube = new KubeClient(resolved('https://no-such-host.invalid:6443'));
    const e = await failure(kube.get('/version'));
    expect(e.exitCode).toBe(ExitCode.cluster);
    expect(e.message).toMatch(/cannot reach the Kubernetes API server at https:\/\/no-such-host\.invalid:6443 \((ENOTFOUND|EAI_AGAIN)\)/);
  });

  it('TLS: a certificate our CA did not sign', async () => {
    const server = https.createServer({key: readFileSync(path.join(pki, 'self.key')), cert: readFileSync(path.join(pki, 'self.crt'))}, (_q, s) => s.end('{}'));
    const port = await listen(server);
    // no CA at all: the system roots do not know it
    let e = await failure(new KubeClient(resolved(`https://127.0.0.1:${port}`)).get('/version'));
    expect(e.exitCode).toBe(ExitCode.cluster);
    expect(e.message).toMatch(new RegExp(`^TLS handshake with https://127\\.0\\.0\\.1:${port} failed: .*self-signed certificate`));
    expect(e.hint).toMatch(/certificate-authority/);
    // another CA
    e = await failure(new KubeClient(resolved(`https://127.0.0.1:${port}`, {cluster: {server: `https://127.0.0.1:${port}`, 'certificate-authority': path.join(pki, 'other-ca.crt')}})).get('/version'));
    expect(e.message).toMatch(/^TLS handshake with .* failed/);
    // the right CA but another name
    e = await failure(
      new KubeClient(resolved(`https://127.0.0.1:${port}`, {cluster: {server: `https://127.0.0.1:${port}`, 'certificate-authority': path.join(pki, 'self.crt'), 'tls-server-name': 'api.other.example'}})).get('/version'),
    );
    expect(e.message).toMatch(/^TLS handshake with .* failed: .*api\.other\.example/);
    // and with the right CA and name it works: the failures above were about trust
    const ok = new KubeClient(resolved(`https://127.0.0.1:${port}`, {cluster: {server: `https://127.0.0.1:${port}`, 'certificate-authority': path.join(pki, 'self.crt')}}));
    await expect(ok.get('/version')).resolves.toEqual({});
    ok.close();
    // --insecure-skip-tls-verify
    const insecure = new KubeClient(resolved(`https://127.0.0.1:${port}`, {cluster: {server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true}}));
    await expect(insecure.get('/version')).resolves.toEqual({});
    insecure.close();
  });

  it('TLS spoken to a plain-http port: says the port does not speak TLS', async () => {
    const port = await listen(http.createServer((_q, s) => s.end('{}')));
    const e = await failure(new KubeClient(resolved(`https://127.0.0.1:${port}`)).get('/version'));
    expect(e.exitCode).toBe(ExitCode.cluster);
    expect(e.message).toMatch(/^TLS handshake with .* failed/);
    expect(e.hint).toMatch(/does not speak TLS/);
  });

  it('timeout: a server that accepts and never answers; --request-timeout ends it, exit 3', async () => {
    const server = createServer((s) => s.on('error', () => {}));
    const port = await listen(server);
    const kube = new KubeClient(resolved(`http://127.0.0.1:${port}`, {requestTimeoutMs: 300, requestTimeoutParam: '300ms'}));
    const t0 = performance.now();
    const e = await failure(kube.get('/version'));
    const took = performance.now() - t0;
    expect(e.exitCode).toBe(ExitCode.cluster);
    expect(e.message).toBe(`the request to http://127.0.0.1:${port} timed out after 0.3s (--request-timeout)`);
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(5000);
  });

  it('the caller aborting (Ctrl-C) is not reported as a network failure', async () => {
    const server = createServer((s) => s.on('error', () => {}));
    const port = await listen(server);
    const ac = new AbortController();
    const reason = new Error('interrupted by test');
    setTimeout(() => ac.abort(reason), 50);
    await expect(new KubeClient(resolved(`http://127.0.0.1:${port}`)).get('/version', {signal: ac.signal})).rejects.toBe(reason);
  });

  it('HTTP errors through the client become ApiError with the hint', async () => {
    const bodies: Record<string, [number, string]> = {
      '/api/v1/namespaces/default/pods': [403, JSON.stringify(status(403, 'Forbidden', 'pods is forbidden: User "restricted" cannot list resource "pods" in API group "" in the namespace "default"', {kind: 'pods'}))],
      '/apis/inference.networking.k8s.io/v1/inferencepools': [404, '404 page not found\n'],
      '/version': [401, JSON.stringify(status(401, 'Unauthorized', 'Unauthorized'))],
    };
    const port = await listen(
      http.createServer((q, s) => {
        const [code, body] = bodies[new URL(q.url ?? '/', 'http://x').pathname] ?? [500, 'unexpected'];
        s.writeHead(code, {'content-type': body.startsWith('{') ? 'application/json' : 'text/plain'}).end(body);
      }),
    );
    const kube = new KubeClient(resolved(`http://127.0.0.1:${port}`, {impersonateUser: 'restricted'}));
    const forbidden = await failure(kube.list(apiPath({version: 'v1', resource: 'pods', namespace: 'default'})));
    expect(forbidden).toBeInstanceOf(ApiError);
    expect(forbidden.exitCode).toBe(ExitCode.cluster);
    expect(forbidden.hint).toContain('verbs ["list"]');
    const crd = await failure(kube.list('/apis/inference.networking.k8s.io/v1/inferencepools'));
    expect((crd as ApiError).resourceNotServed).toBe(true);
    expect(await kube.getOptional('/apis/inference.networking.k8s.io/v1/inferencepools')).toBeUndefined();
    const unauthorized = await failure(kube.get('/version'));
    expect(unauthorized.exitCode).toBe(ExitCode.cluster);
    kube.close();
  });

  it('networkError maps undici/fetch-style causes too', () => {
    const e = networkError(Object.assign(new TypeError('fetch failed'), {cause: {code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:443'}}), 'https://10.0.0.1', 0);
    expect(e.message).toBe('cannot reach the Kubernetes API server at https://10.0.0.1 (ECONNREFUSED: connection refused)');
    expect(networkError(new Error('boom'), 'https://x', 0).exitCode).toBe(ExitCode.cluster);
  });

  describe('exec credential plugins', () => {
    const cluster = {server: 'https://127.0.0.1:6443'};
    function plugin(name: string, script: string): string {
      const p = path.join(dir, name);
      writeFileSync(p, `#!/bin/sh\n${script}\n`);
      chmodSync(p, 0o755);
      return p;
    }
    const exec = (command: string, extra: object = {}) => ({command, args: null, env: null, apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never', provideClusterInfo: false, ...extra});

    it('not installed: exit 3 and the installHint', async () => {
      const e = await failure(runExecPlugin(exec('infgw-no-such-plugin', {installHint: 'brew install no-such-plugin'}), cluster));
      expect(e.exitCode).toBe(ExitCode.cluster);
      expect(e.message).toBe('exec credential plugin "infgw-no-such-plugin" was not found');
      expect(e.hint).toBe('brew install no-such-plugin');
    });
    it('fails: exit code and how to run it by hand', async () => {
      const e = await failure(runExecPlugin(exec(plugin('fail.sh', 'echo "token expired, log in again" >&2; exit 7'), {args: ['--profile', 'x']}), cluster));
      expect(e.message).toMatch(/failed \(exit code 7\)/);
      expect(e.hint).toMatch(/fail\.sh --profile x$/);
    });
    it('prints something else, or the wrong apiVersion, or no credential', async () => {
      expect((await failure(runExecPlugin(exec(plugin('junk.sh', 'echo hello')), cluster))).message).toMatch(/not an ExecCredential/);
      const v1beta1 = plugin('v1beta1.sh', `echo '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}'`);
      expect((await failure(runExecPlugin(exec(v1beta1), cluster))).message).toMatch(/returned ExecCredential client.authentication.k8s.io\/v1beta1, but the kubeconfig asks for ExecCredential client.authentication.k8s.io\/v1/);
      const empty = plugin('empty.sh', `echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}}'`);
      expect((await failure(runExecPlugin(exec(empty), cluster))).message).toMatch(/neither a token nor a client certificate/);
    });
    it('interactiveMode Always without a terminal is refused before running', async () => {
      const e = await failure(runExecPlugin(exec('true', {interactiveMode: 'Always'}), cluster, {stdinIsTTY: false}));
      expect(e.message).toMatch(/needs an interactive terminal/);
    });
    it('runs once for many parallel requests, again after expiry or a 401', async () => {
      const counter = path.join(dir, 'runs');
      writeFileSync(counter, '');
      const expiry = path.join(dir, 'expiry');
      writeFileSync(expiry, new Date(Date.now() + 3600_000).toISOString());
      const p = plugin(
        'counting.sh',
        `echo run >> '${counter}'; sleep 0.2; printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-%s","expirationTimestamp":"%s"}}' "$(wc -l < '${counter}' | tr -d ' ')" "$(cat '${expiry}')"`,
      );
      let reject401 = false;
      const seen: string[] = [];
      // credentials are only sent over https (as kubectl does)
      const tlsPort = await listen(
        https.createServer({key: readFileSync(path.join(pki, 'self.key')), cert: readFileSync(path.join(pki, 'self.crt'))}, (q, s) => {
          seen.push(String(q.headers.authorization));
          if (reject401) {
            reject401 = false;
            s.writeHead(401).end(JSON.stringify(status(401, 'Unauthorized', 'Unauthorized')));
          } else s.end('{}');
        }),
      );
      const kube = new KubeClient(resolved(`https://127.0.0.1:${tlsPort}`, {cluster: {server: `https://127.0.0.1:${tlsPort}`, 'insecure-skip-tls-verify': true}, user: {exec: exec(p)}}));
      // no warm(): even a cold fan-out shares one run
      await Promise.all(Array.from({length: 10}, () => kube.get('/version')));
      expect(readFileSync(counter, 'utf8').trim().split('\n')).toHaveLength(1);
      expect(kube.execRuns).toBe(1);
      expect(new Set(seen)).toEqual(new Set(['Bearer tok-1']));
      // a 401 drops the credential: the next request runs the plugin again
      reject401 = true;
      await failure(kube.get('/version'));
      await kube.get('/version');
      expect(seen.at(-1)).toBe('Bearer tok-2');
      // an expired credential is renewed
      writeFileSync(expiry, new Date(Date.now() - 1000).toISOString());
      reject401 = true;
      await failure(kube.get('/version'));
      await kube.get('/version'); // tok-3, already expired when issued
      await kube.get('/version'); // so this one runs the plugin again
      expect(seen.at(-1)).toBe('Bearer tok-4');
      expect(kube.execRuns).toBe(4);
      kube.close();
    });
  });
});

describe('Retry-After (client-go rest/request.go checkWait)', () => {
  async function listen(server: http.Server): Promise<number> {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }

  it('waits as a 429 with Retry-After asks, and retries until the server answers', async () => {
    let calls = 0;
    const server = http.createServer((_q, s) => {
      calls++;
      if (calls <= 2) {
        s.writeHead(429, {'content-type': 'application/json', 'retry-after': '1'});
        s.end(JSON.stringify({kind: 'Status', code: 429, reason: 'TooManyRequests', message: 'storage is (re)initializing'}));
        return;
      }
      s.end('{"kind":"InferencePoolList","items":[]}');
    });
    const port = await listen(server);
    const kube = new KubeClient(resolved(`http://127.0.0.1:${port}`));
    const started = Date.now();
    const list = await kube.list('/apis/inference.networking.k8s.io/v1/inferencepools');
    expect(list.items).toEqual([]);
    expect(calls).toBe(3);
    expect(kube.requestCount).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    kube.close();
    server.closeAllConnections();
    server.close();
  });

  it('does not retry a 429 without Retry-After, nor a failed write with a 5xx', async () => {
    expect(retryAfterMs(429, undefined, 'GET', 0)).toBeUndefined();
    expect(retryAfterMs(503, '2', 'POST', 0)).toBeUndefined();
    expect(retryAfterMs(503, '2', 'GET', 0)).toBe(2000);
    expect(retryAfterMs(429, '0', 'PATCH', 0)).toBe(1000);
    expect(retryAfterMs(429, '60', 'GET', 0)).toBe(10_000);
    expect(retryAfterMs(429, '1', 'GET', 10)).toBeUndefined();
    let calls = 0;
    const server = http.createServer((_q, s) => {
      calls++;
      s.writeHead(429, {'content-type': 'application/json'});
      s.end(JSON.stringify({kind: 'Status', code: 429, reason: 'TooManyRequests', message: 'slow down'}));
    });
    const port = await listen(server);
    const kube = new KubeClient(resolved(`http://127.0.0.1:${port}`));
    await expect(kube.get('/version')).rejects.toBeInstanceOf(ApiError);
    expect(calls).toBe(1);
    kube.close();
    server.closeAllConnections();
    server.close();
  });
});
