// KubeClient over HTTP/2 (one TLS connection for a whole wave of requests, as kubectl uses) and its
// fallback to HTTP/1.1 when the server's ALPN answer has no h2 — against real local TLS servers.
import {execFileSync, spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {constants as h2constants, createSecureServer, type Http2SecureServer, type IncomingHttpHeaders, type ServerHttp2Stream} from 'node:http2';
import {createServer as createHttpsServer} from 'node:https';
import type {AddressInfo, Socket} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {KubeClient} from '../../../src/kube/client.ts';
import {ApiError} from '../../../src/kube/errors.ts';
import type {ResolvedKubeconfig} from '../../../src/kube/kubeconfig.ts';
import {resolved as baseResolved} from './resolved-fixture.ts';

let dir: string;
let cert: string;
let key: string;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'infgw-h2-'));
  const pki = path.join(dir, 'pki');
  mkdirSync(pki);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'self.key', '-out', 'self.crt', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], {cwd: pki, stdio: 'pipe'});
  cert = readFileSync(path.join(pki, 'self.crt'), 'utf8');
  key = readFileSync(path.join(pki, 'self.key'), 'utf8');
});

afterAll(async () => {
  for (const c of closers) await c();
  rmSync(dir, {recursive: true, force: true});
});

/** The shared test context with this server's CA and a bearer token. */
function resolved(server: string, extra: Partial<ResolvedKubeconfig> = {}): ResolvedKubeconfig {
  return baseResolved(server, {cluster: {server, 'certificate-authority-data': Buffer.from(cert).toString('base64')}, user: {token: 'secret-token'}, ...extra});
}

interface H2StandIn {
  port: number;
  /** TLS connections accepted */
  connections: number;
  /** request headers in arrival order */
  requests: IncomingHttpHeaders[];
  /** the header fields as sent (name, value, name, value, …), in arrival order */
  raw: string[][];
}

/** An HTTP/2-only API server stand-in: /version, lists, a 403, and a 429 with Retry-After once. */
async function h2Server(): Promise<H2StandIn> {
  const st: H2StandIn = {port: 0, connections: 0, requests: [], raw: []};
  let throttled = false;
  const server: Http2SecureServer = createSecureServer({cert, key, allowHTTP1: false});
  const sockets = new Set<Socket>();
  server.on('secureConnection', (s: Socket) => {
    st.connections++;
    sockets.add(s);
  });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    st.requests.push(headers);
    st.raw.push(rawHeaders);
    const p = String(headers[':path']);
    const json = (status: number, body: unknown, extra: Record<string, string> = {}): void => {
      stream.respond({':status': status, 'content-type': 'application/json', ...extra});
      stream.end(JSON.stringify(body));
    };
    if (p === '/version') return json(200, {gitVersion: 'v1.37.2'});
    if (p === '/last-on-this-connection') {
      json(200, {kind: 'List', items: []});
      stream.session?.close(); // GOAWAY: no new streams on this connection
      return;
    }
    if (p.startsWith('/forbidden')) return json(403, {kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: 'pods is forbidden: User "jane" cannot list resource "pods"'});
    if (p === '/throttled' && !throttled) {
      throttled = true;
      return json(429, {kind: 'Status', code: 429, message: 'storage is (re)initializing'}, {'retry-after': '1'});
    }
    if (p === '/echo') {
      let body = '';
      stream.on('data', (c: Buffer) => (body += c.toString()));
      stream.on('end', () => json(201, JSON.parse(body)));
      return;
    }
    json(200, {kind: 'List', items: [{metadata: {name: p}}]});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  st.port = (server.address() as AddressInfo).port;
  closers.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return st;
}

describe('KubeClient over HTTP/2', () => {
  it('a wave of 25 parallel requests shares one TLS connection; headers and bodies as over HTTP/1.1', async () => {
    const srv = await h2Server();
    const kube = new KubeClient(resolved(`https://127.0.0.1:${srv.port}`, {impersonateUser: 'jane', impersonateGroups: ['team-a', 'team-b']}));
    const paths = Array.from({length: 25}, (_, i) => `/api/v1/namespaces/n${i}/pods`);
    const lists = await Promise.all(paths.map((p) => kube.list(p)));
    expect(lists.map((l) => l.items[0]!.metadata.name)).toEqual(paths);
    expect(srv.connections).toBe(1);
    expect(kube.requestCount).toBe(25);
    const h = srv.requests[0]!;
    expect(h.authorization).toBe('Bearer secret-token');
    expect(h['impersonate-user']).toBe('jane');
    // one header field per group, as client-go sends them (a joined "team-a, team-b" would be one group)
    const raw = srv.raw[0]!;
    expect(raw.flatMap((v, i) => (i % 2 === 0 && v === 'impersonate-group' ? [raw[i + 1]] : []))).toEqual(['team-a', 'team-b']);
    expect(h.accept).toBe('application/json');
    expect(await kube.create('/echo', {hello: 'world'})).toEqual({hello: 'world'});
    // a DELETE with DeleteOptions has a body too (node:http2 would close a DELETE's request at once)
    expect(await kube.delete('/echo', {body: {propagationPolicy: 'Foreground'}})).toEqual({propagationPolicy: 'Foreground'});
    expect(srv.requests.at(-1)![':method']).toBe('DELETE');
    expect(srv.connections).toBe(1);
    kube.close();
  });

  it("after the server's GOAWAY the next request opens a new connection", async () => {
    const srv = await h2Server();
    const kube = new KubeClient(resolved(`https://127.0.0.1:${srv.port}`));
    await kube.list('/last-on-this-connection');
    await new Promise((r) => setTimeout(r, 50));
    expect((await kube.get<{gitVersion: string}>('/version')).gitVersion).toBe('v1.37.2');
    expect(srv.connections).toBe(2);
    kube.close();
  });

  it('error statuses are ApiErrors; Retry-After is honoured', async () => {
    const srv = await h2Server();
    const kube = new KubeClient(resolved(`https://127.0.0.1:${srv.port}`));
    const e = await kube.list('/forbidden').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).forbidden).toBe(true);
    const t0 = performance.now();
    expect((await kube.list('/throttled')).items).toHaveLength(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(900);
    expect(srv.requests.filter((r) => r[':path'] === '/throttled')).toHaveLength(2);
    kube.close();
  });

  it("kube-apiserver's answer to unauthenticated HTTP/2 (one request, the other streams refused): HTTP/1.1 for them and for every later request", async () => {
    // k8s.io/apiserver pkg/endpoints/filters/authentication.go (UnauthenticatedHTTP2DOSMitigation):
    // an anonymous or rejected request over HTTP/2 is answered with "Connection: close", a GOAWAY
    // after that one request, so the streams opened beside it are refused (NGHTTP2_REFUSED_STREAM).
    const seen = {h2: 0, h2Answered: 0, h1: 0};
    const answeredOn = new WeakSet<object>();
    const server: Http2SecureServer = createSecureServer({cert, key, allowHTTP1: true}, (req, res) => {
      const unauthorized = (): void => {
        res.writeHead(401, {'content-type': 'application/json'}).end(JSON.stringify({kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401, message: 'Unauthorized'}));
      };
      if (req.httpVersion !== '2.0') {
        seen.h1++;
        return unauthorized();
      }
      seen.h2++;
      const session = req.stream.session!;
      if (answeredOn.has(session)) {
        req.stream.close(h2constants.NGHTTP2_REFUSED_STREAM);
        return;
      }
      answeredOn.add(session);
      seen.h2Answered++;
      unauthorized();
    });
    const sockets = new Set<Socket>();
    server.on('secureConnection', (sock: Socket) => sockets.add(sock));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => {
      for (const sock of sockets) sock.destroy();
      return new Promise((r) => server.close(r));
    });
    const kube = new KubeClient(resolved(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, {user: {}}));
    const paths = Array.from({length: 10}, (_, i) => `/api/v1/namespaces/n${i}/pods`);
    const errors = await Promise.all(paths.map((p) => kube.list(p).then(() => undefined, (e: unknown) => e)));
    // every request got the server's own answer (401), none a transport error
    for (const e of errors) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).unauthorized).toBe(true);
    }
    expect(seen.h2Answered).toBe(1);
    expect(seen.h1).toBe(seen.h2 - seen.h2Answered);
    const h2Before = seen.h2;
    await kube.get('/version').catch(() => undefined);
    expect(seen.h2).toBe(h2Before); // later requests go straight to HTTP/1.1
    expect(kube.requestCount).toBe(11);
    kube.close();
  });

  it('a server without h2 in its ALPN answer is spoken to over HTTP/1.1', async () => {
    let h1 = 0;
    const server = createHttpsServer({cert, key}, (req, res) => {
      h1++;
      res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({gitVersion: `v1.37.2 over HTTP/${req.httpVersion}`}));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(r)));
    const kube = new KubeClient(resolved(`https://127.0.0.1:${(server.address() as AddressInfo).port}`));
    const answers = await Promise.all([kube.get<{gitVersion: string}>('/version'), kube.get<{gitVersion: string}>('/version')]);
    expect(answers.map((a) => a.gitVersion)).toEqual(['v1.37.2 over HTTP/1.1', 'v1.37.2 over HTTP/1.1']);
    expect((await kube.get<{gitVersion: string}>('/version')).gitVersion).toBe('v1.37.2 over HTTP/1.1');
    expect(h1).toBe(3);
    kube.close();
    server.closeAllConnections();
  });

  it('an idle HTTP/2 connection does not keep the process alive (no close() needed)', async () => {
    const srv = await h2Server();
    const script = [
      `import {KubeClient} from ${JSON.stringify(path.resolve('src/kube/client.ts'))};`,
      `const kube = new KubeClient(${JSON.stringify(resolved(`https://127.0.0.1:${srv.port}`))});`,
      `const v = await kube.get('/version');`,
      `console.log(v.gitVersion);`,
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 15_000);
      child.on('close', (c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
    expect(out.trim()).toBe('v1.37.2');
    expect(code).toBe(0);
    expect(srv.connections).toBe(1);
  }, 20_000);
});
