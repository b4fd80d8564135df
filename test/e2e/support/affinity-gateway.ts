// A test-only routing gateway for probe-cache's end-to-end tests. It stands where Envoy + the EPP
// stand in a real install: it picks a model server for each request and proxies the (streamed)
// answer back. With affinity ON it routes like an EPP's prefix-cache scorer would: it hashes the
// start of the prompt (the EPP hashes the prompt in chained blocks from its first character,
// GIE pkg/epp/scheduling/framework/plugins/multi/prefix) and sends a prefix it has seen to the
// pod that served it, new prefixes round-robin. With affinity OFF it round-robins everything.
//
// It also serves EPP-style metrics (llm-d-router names, as in
// ../shared/fixtures/epp-metrics.llm-d-router-v0.10.0.sample.txt) on a second port, behind
// bearer-token authentication like the real EPP's /metrics (the token is checked with the
// caller-supplied `authenticate`, e.g. a TokenReview), so the probe's EPP path is exercised too.
// Plain TypeScript (no enums / parameter properties) so vitest and Node run it as is.
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Backend {
  /** the pod name this backend stands for (the EPP labels picks with it) */
  name: string;
  /** where it really listens, e.g. http://127.0.0.1:41234 */
  url: string;
  port?: number;
}

export interface AffinityGatewayOptions {
  backends: Backend[];
  affinity: boolean;
  /** characters at the start of the prompt that decide the route (default 256) */
  prefixChars?: number;
  poolName?: string;
  namespace?: string;
  /**
   * Takes the routing decision from elsewhere (a real EPP over ext_proc, ext-proc.ts) instead of
   * the rule above: returns the backend's name, or undefined to answer 503 as Envoy does when the
   * EPP gives no endpoint.
   */
  picker?: (req: {path: string; headers: Record<string, string>; body: Buffer}) => Promise<string | undefined>;
  /** validates a /metrics bearer token; returns the user name, or undefined to answer 401 */
  authenticate?: (token: string) => Promise<string | undefined>;
  /**
   * Also play the Envoy proxy's admin endpoint (doctor --envoy-admin) on a third port: GET
   * /config_dump and /stats answer what these return (test/fixtures/envoy-admin).
   */
  admin?: { configDump: () => string; stats: () => string };
}

/**
 * What Envoy (or the EPP in front of it) answers instead of forwarding, like Envoy's local replies:
 * 'no-backend' = 503 "no healthy upstream" (no endpoints), 'shed' = 429 with the EPP flow control's
 * x-llm-d-request-dropped-reason header, 'reply' = any other local reply (500 "fault filter abort", a
 * bare 500 as an ext_proc failure leaves it).
 */
export type GatewayFault = { kind: 'no-backend' } | { kind: 'shed'; reason: string } | { kind: 'reply'; status: number; body: string };

export interface Decision {
  backend: string;
  /** affinity ON and the prefix was seen before */
  prefixHit: boolean;
  /** the Host header the client sent */
  host?: string;
  /** where the request arrived: the stand-in's local address:port (its own port, or one of listenAlso's) */
  local?: string;
  status?: number;
}

export interface AffinityGateway {
  /** base URL for probe-cache --url */
  url: string;
  port: number;
  /** where the EPP-style /metrics listens (127.0.0.1) */
  metricsPort: number;
  /** every routing decision, in arrival order */
  decisions: Decision[];
  /** /metrics requests: whether they were authorised, and as whom */
  scrapes: { authorized: boolean; user?: string }[];
  setAffinity(on: boolean): void;
  /** extra delay before forwarding each request (to test time limits) */
  setDelay(ms: number): void;
  /** like Envoy's route timeout: no upstream answer within ms → 504 "upstream request timeout" (0 = none) */
  setRouteTimeout(ms: number): void;
  /** answer without forwarding (undefined = forward again) */
  setFault(f: GatewayFault | undefined): void;
  /** where the Envoy-admin stand-in listens (127.0.0.1), when `admin` was given */
  adminPort?: number;
  /** admin requests seen (paths) */
  adminRequests: string[];
  /**
   * Serve the gateway (not /metrics, not admin) on host:port too — e.g. a 127.0.0.0/8 address a
   * Gateway's status names. Resolves once listening; rejects as listen does (EADDRINUSE, EACCES).
   * The returned close() stops it (connections included), so nothing listens there afterwards.
   */
  listenAlso(host: string, port: number): Promise<{ close: () => Promise<void> }>;
  /** forget the prefix table and the records (not the counters: they are counters) */
  reset(): void;
  close(): Promise<void>;
}

function promptOf(body: unknown): string {
  const b = body as { prompt?: unknown; messages?: { content?: unknown }[] };
  if (typeof b.prompt === 'string') return b.prompt;
  return (b.messages ?? []).map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
}

export async function startAffinityGateway(opts: AffinityGatewayOptions): Promise<AffinityGateway> {
  let affinity = opts.affinity;
  let delayMs = 0;
  let routeTimeoutMs = 0;
  let fault: GatewayFault | undefined;
  const adminRequests: string[] = [];
  const prefixChars = opts.prefixChars ?? 256;
  const table = new Map<string, string>();
  let rr = 0;
  const decisions: Decision[] = [];
  const scrapes: AffinityGateway['scrapes'] = [];
  // EPP-like counters
  const picks = new Map<string, number>();
  const requestsByModel = new Map<string, number>();
  const hitRatioObservations: number[] = [];

  const pick = (prompt: string): { backend: Backend; prefixHit: boolean } => {
    const key = createHash('sha256').update(prompt.slice(0, prefixChars)).digest('hex');
    if (affinity) {
      const known = table.get(key);
      const b = known ? opts.backends.find((x) => x.name === known) : undefined;
      if (b) return { backend: b, prefixHit: true };
    }
    const backend = opts.backends[rr++ % opts.backends.length] as Backend;
    if (affinity) table.set(key, backend.name);
    return { backend, prefixHit: false };
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body: unknown = {};
      try {
        body = raw.length ? JSON.parse(raw.toString('utf8')) : {};
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"invalid JSON"}}');
        return;
      }
      const model = (body as { model?: string }).model ?? '';
      if (fault?.kind === 'no-backend') {
        res.writeHead(503, { 'content-type': 'text/plain', server: 'envoy' }).end('no healthy upstream');
        return;
      }
      if (fault?.kind === 'shed') {
        res.writeHead(429, { 'content-type': 'text/plain', server: 'envoy', 'x-llm-d-request-dropped-reason': fault.reason }).end('Too Many Requests');
        return;
      }
      if (fault?.kind === 'reply') {
        res.writeHead(fault.status, { 'content-type': 'text/plain', server: 'envoy' }).end(fault.body);
        return;
      }
      if (opts.picker) {
        void opts
          .picker({ path: req.url ?? '/', headers: { host: req.headers.host ?? '' }, body: raw })
          .then((name) => opts.backends.find((b) => b.name === name))
          .then(
            (backend) => {
              if (!backend) {
                decisions.push({ backend: '', prefixHit: false, status: 503 });
                res.writeHead(503, { 'content-type': 'text/plain' }).end('no healthy upstream (the EPP gave no endpoint)');
                return;
              }
              route(backend, false, model);
            },
            (e: Error) => {
              decisions.push({ backend: '', prefixHit: false, status: 500 });
              res.writeHead(500, { 'content-type': 'text/plain' }).end(`ext_proc error: ${e.message}`);
            },
          );
        return;
      }
      const { backend, prefixHit } = pick(promptOf(body));
      route(backend, prefixHit, model);
    });
    const route = (backend: Backend, prefixHit: boolean, model: string): void => {
      const raw = Buffer.concat(chunks);
      const decision: Decision = {
        backend: backend.name,
        prefixHit,
        ...(req.headers.host ? { host: req.headers.host } : {}),
        local: `${req.socket.localAddress ?? ''}:${req.socket.localPort ?? 0}`,
      };
      decisions.push(decision);
      picks.set(backend.name, (picks.get(backend.name) ?? 0) + 1);
      requestsByModel.set(model, (requestsByModel.get(model) ?? 0) + 1);
      hitRatioObservations.push(prefixHit ? 1 : 0);
      const forward = (): void => {
        if (res.writableEnded) return; // answered already (route timeout)
        const up = httpRequest(
          `${backend.url}${req.url ?? '/'}`,
          { method: req.method, headers: { 'content-type': 'application/json', 'content-length': String(raw.length) } },
          (upRes) => {
            if (res.headersSent) {
              upRes.resume();
              return;
            }
            decision.status = upRes.statusCode;
            res.writeHead(upRes.statusCode ?? 502, { 'content-type': upRes.headers['content-type'] ?? 'application/octet-stream' });
            upRes.pipe(res);
          },
        );
        up.on('error', (e) => {
          decision.status = 502;
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`upstream error: ${e.message}`);
        });
        res.on('close', () => up.destroy());
        up.end(raw);
      };
      if (routeTimeoutMs > 0) {
        const t = setTimeout(() => {
          if (res.headersSent) return;
          decision.status = 504;
          res.writeHead(504, { 'content-type': 'text/plain', server: 'envoy' }).end('upstream request timeout');
        }, routeTimeoutMs);
        res.on('close', () => clearTimeout(t));
      }
      if (delayMs > 0) setTimeout(forward, delayMs);
      else forward();
    };
  };
  const server: Server = createServer(handle);

  const metrics: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const auth = req.headers.authorization ?? '';
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      const user = token ? (opts.authenticate ? await opts.authenticate(token) : 'anonymous-token') : undefined;
      scrapes.push({ authorized: user !== undefined, ...(user ? { user } : {}) });
      if (user === undefined) {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized');
        return;
      }
      const pool = opts.poolName ?? 'pool';
      const ns = opts.namespace ?? 'default';
      const lines: string[] = [
        '# HELP llm_d_epp_request_total [ALPHA] Total number of processed requests.',
        '# TYPE llm_d_epp_request_total counter',
      ];
      for (const [m, n] of requestsByModel) lines.push(`llm_d_epp_request_total{fairness_id="",model_name="${m}",priority="0",target_model_name="${m}"} ${n}`);
      lines.push('# HELP llm_d_epp_ready_endpoints [ALPHA] Ready endpoints in the pool.', '# TYPE llm_d_epp_ready_endpoints gauge');
      lines.push(`llm_d_epp_ready_endpoints{name="${pool}"} ${opts.backends.length}`);
      lines.push('# HELP llm_d_epp_scheduler_attempts_total [ALPHA] Total number of scheduling attempts.', '# TYPE llm_d_epp_scheduler_attempts_total counter');
      for (const b of opts.backends) {
        lines.push(
          `llm_d_epp_scheduler_attempts_total{endpoint_name="${b.name}",namespace="${ns}",port="${b.port ?? 8000}",status="success",target_model_name=""} ${picks.get(b.name) ?? 0}`,
        );
      }
      lines.push(
        '# HELP llm_d_epp_prefix_indexer_hit_ratio [ALPHA] Ratio of prefix length matched to total prefix length in the cache lookup.',
        '# TYPE llm_d_epp_prefix_indexer_hit_ratio histogram',
      );
      const bounds = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
      for (const le of bounds) {
        lines.push(`llm_d_epp_prefix_indexer_hit_ratio_bucket{plugin_name="prefix",plugin_type="prefix-cache-scorer",le="${le}"} ${hitRatioObservations.filter((v) => v <= le).length}`);
      }
      lines.push(`llm_d_epp_prefix_indexer_hit_ratio_bucket{plugin_name="prefix",plugin_type="prefix-cache-scorer",le="+Inf"} ${hitRatioObservations.length}`);
      lines.push(`llm_d_epp_prefix_indexer_hit_ratio_sum{plugin_name="prefix",plugin_type="prefix-cache-scorer"} ${hitRatioObservations.reduce((a, b) => a + b, 0)}`);
      lines.push(`llm_d_epp_prefix_indexer_hit_ratio_count{plugin_name="prefix",plugin_type="prefix-cache-scorer"} ${hitRatioObservations.length}`);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(`${lines.join('\n')}\n`);
    })().catch((e: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(e.message);
    });
  });

  const extras: Server[] = [];
  const closeServer = async (s: Server): Promise<void> => {
    if (!s.listening) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  };
  const listen = (s: Server): Promise<number> =>
    new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
  const port = await listen(server);
  const metricsPort = await listen(metrics);
  const admin = opts.admin;
  const adminServer: Server | undefined = admin
    ? createServer((req: IncomingMessage, res: ServerResponse) => {
        adminRequests.push(req.url ?? '/');
        const path = (req.url ?? '/').split('?')[0];
        if (path === '/config_dump') res.writeHead(200, { 'content-type': 'application/json' }).end(admin.configDump());
        else if (path === '/stats') res.writeHead(200, { 'content-type': 'text/plain' }).end(admin.stats());
        else res.writeHead(404, { 'content-type': 'text/plain' }).end('invalid path');
      })
    : undefined;
  const adminPort = adminServer ? await listen(adminServer) : undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    metricsPort,
    decisions,
    scrapes,
    setAffinity: (on) => {
      affinity = on;
    },
    setDelay: (ms) => {
      delayMs = ms;
    },
    setRouteTimeout: (ms) => {
      routeTimeoutMs = ms;
    },
    setFault: (f) => {
      fault = f;
    },
    ...(adminPort ? { adminPort } : {}),
    adminRequests,
    listenAlso: async (host, port) => {
      const extra = createServer(handle);
      await new Promise<void>((resolve, reject) => {
        extra.once('error', reject);
        extra.listen(port, host, () => resolve());
      });
      extras.push(extra);
      return { close: () => closeServer(extra) };
    },
    reset: () => {
      table.clear();
      decisions.length = 0;
      scrapes.length = 0;
      rr = 0;
    },
    close: async () => {
      for (const s of [server, metrics, ...(adminServer ? [adminServer] : []), ...extras]) await closeServer(s);
    },
  };
}
