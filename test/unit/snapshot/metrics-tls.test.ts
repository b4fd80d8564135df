// /metrics over TLS (issue 11, NF12): an llm-d-router EPP started with --metrics-cert-dir serves its
// metrics over HTTPS (llm-d-router v0.10.0 pkg/epp/server/options.go). The scrape through a
// port-forward must then speak TLS to 127.0.0.1 and accept the EPP's self-signed certificate.
// A real HTTPS server on loopback stands in for the forward's local end; its certificate is made
// with openssl at test time.
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync} from 'node:fs';
import {createServer, type Server} from 'node:https';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {getThroughForward, MetricsFetchError, scrapeThroughForward, type PodPortForward} from '../../../src/kube/portforward.ts';

let server: Server;
let port = 0;
const seen: {authorization?: string | undefined}[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'infgw-metrics-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'), '-days', '1', '-subj', '/CN=epp'], {stdio: 'ignore'});
  server = createServer({key: readFileSync(join(dir, 'tls.key')), cert: readFileSync(join(dir, 'tls.crt'))}, (req, res) => {
    seen.push({authorization: req.headers.authorization});
    if (req.headers.authorization !== 'Bearer t0ken') {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, {'content-type': 'text/plain'}).end('# TYPE llm_d_epp_ready_endpoints gauge\nllm_d_epp_ready_endpoints 2\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const forward = (): PodPortForward => ({namespace: 'llm', pod: 'epp-0', port: 9090, localPort: port, errors: [], openTunnels: 0, connectionCount: 0, closed: false, close: async () => {}});

describe('scraping /metrics over TLS through a forward', () => {
  it('tls: GET over https, self-signed certificate accepted, bearer token sent', async () => {
    const body = await scrapeThroughForward(forward(), {bearerToken: 't0ken', tls: true, timeoutMs: 5000});
    expect(body).toContain('llm_d_epp_ready_endpoints 2');
    expect(seen.at(-1)).toEqual({authorization: 'Bearer t0ken'});
  });

  it('tls: a 401 is still told apart (the URL says https)', async () => {
    const err = await scrapeThroughForward(forward(), {bearerToken: 'wrong', tls: true, timeoutMs: 5000}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsFetchError);
    expect((err as MetricsFetchError).kind).toBe('unauthorized');
    expect((err as Error).message).toBe('https://llm/epp-0:9090/metrics answered 401 Unauthorized');
  });

  it('plain HTTP to the TLS port fails (what doctor did before --metrics-cert-dir was read)', async () => {
    const r = await getThroughForward(forward(), '/metrics', {timeoutMs: 5000}).then(
      (x) => ({status: x.status}),
      (e: unknown) => ({error: String(e)}),
    );
    expect(r).not.toEqual({status: 200});
  });
});
