/*
 * Reach a pod's port through the Kubernetes API, the way `kubectl port-forward` does: a local TCP
 * server on 127.0.0.1:<random> whose every connection is piped over the API server's
 * `pods/<name>/portforward` WebSocket (src/kube/websocket.ts; protocol: one data and one error
 * channel per port, each starting with the port number — k8s.io/kubelet
 * pkg/cri/streaming/portforward/websocket.go). Nothing needs a route to the pod network,
 * so this works from a laptop against EKS/GKE/AKS, and in the test cluster against KWOK pods.
 *
 * Also here: one-shot HTTP GETs through a forward (`fetchPodMetrics`), choosing the pod behind a
 * Service (`findPodForService`, kubectl's translateServicePortToTargetPort), and the bearer token
 * an EPP's authenticated /metrics needs (`metricsBearerToken`, domain-facts §2).
 */
import {createRequire} from 'node:module';
import {createServer, type Server, type Socket} from 'node:net';
import {ExitCode, InfgwError} from '../errors.ts';
import {type KubeClient, apiPath} from './client.ts';
import {ApiError, missingRuleHint} from './errors.ts';
import type {ClientWebSocket} from './websocket.ts';
import type {PodLike, Service} from '../k8s/objects.ts';
import {podReadyCondition} from '../k8s/pods.ts';
import {selectorString} from '../k8s/selectors.ts';

// node:http and node:https through require(), not an ES import: the ES facade of node:http loads
// Node's internal undici (≈40 ms), see src/kube/client.ts.
const require = createRequire(import.meta.url);
const {request: httpRequest} = require('node:http') as typeof import('node:http');
const {request: httpsRequest} = require('node:https') as typeof import('node:https');

export interface PodPortForward {
  namespace: string;
  pod: string;
  /** the pod's port */
  port: number;
  /** where the forward listens on 127.0.0.1 */
  localPort: number;
  /** errors the API server or kubelet reported for connections so far, in words */
  readonly errors: readonly string[];
  /** tunnels (websockets) open now */
  readonly openTunnels: number;
  /** connections accepted since the forward opened */
  readonly connectionCount: number;
  readonly closed: boolean;
  /** Stop listening, close every tunnel; resolves when the local server is closed. Idempotent. */
  close(): Promise<void>;
}

/**
 * The kubelet's WebSocket port-forward protocol (k8s.io/kubelet pkg/cri/streaming/portforward
 * websocket.go, served through the API server's pods/portforward): binary channel framing
 * (v4.channel.k8s.io), the pod ports in the `ports` query parameter, channel 2·i = data of the
 * i-th port, 2·i+1 = its errors.
 */
export const PORT_FORWARD_PROTOCOLS = ['v4.channel.k8s.io'];

/**
 * Splits the messages of a one-port forward into data and error bytes. Each channel's stream
 * begins with the port number (two bytes, little-endian) that the kubelet writes before anything
 * else (websocket.go, handleWebSocketStreams); those bytes are checked and dropped, also when they
 * arrive split over messages.
 */
export class PortForwardChannels {
  private readonly port: number;
  private readonly prefix: Buffer[] = [Buffer.alloc(0), Buffer.alloc(0)];
  private readonly seen = [false, false];

  constructor(port: number) {
    this.port = port;
  }

  /** One WebSocket message → the bytes it carries for the data (0) or error (1) channel. */
  read(message: Buffer): {channel: 0 | 1; data: Buffer} {
    if (message.length === 0) throw new Error('empty port-forward message (no channel byte)');
    const channel = message[0]!;
    if (channel !== 0 && channel !== 1) throw new Error(`port-forward message on unknown channel ${channel}`);
    let data = message.subarray(1);
    if (!this.seen[channel]) {
      const have = Buffer.concat([this.prefix[channel]!, data]);
      if (have.length < 2) {
        this.prefix[channel] = have;
        return {channel, data: Buffer.alloc(0)};
      }
      this.seen[channel] = true;
      const port = have.readUInt16LE(0);
      if (port !== this.port) throw new Error(`port-forward channel ${channel} announced port ${port}, expected ${this.port}`);
      data = have.subarray(2);
    }
    return {channel, data};
  }

  /** A message for the pod: data on channel 0. */
  static frame(data: Buffer): Buffer {
    const out = Buffer.allocUnsafe(data.length + 1);
    out[0] = 0;
    data.copy(out, 1);
    return out;
  }
}

/** Turn a failed port-forward upgrade into words (a status the API server answered, or a raw message). */
export function explainPortForwardFailure(raw: string | number, target: {namespace: string; pod: string}): {message: string; hint?: string} {
  const status = typeof raw === 'number' ? String(raw) : /Unexpected server response: (\d{3})/.exec(raw)?.[1];
  const what = `pods/${target.pod} in namespace ${target.namespace}`;
  if (status === '403') {
    return {
      message: `forbidden: you cannot port-forward to ${what}`,
      hint: missingRuleHint('create', {group: '', resource: 'pods', subresource: 'portforward', namespace: target.namespace}),
    };
  }
  if (status === '401') return {message: `the API server rejected our credentials when port-forwarding to ${what} (401)`};
  if (status === '404') return {message: `pod ${target.pod} not found in namespace ${target.namespace} (port-forward 404)`};
  if (status === '400') return {message: `the API server refused the port-forward to ${what} (400: is the pod running?)`};
  return {message: `port-forward to ${what} failed: ${raw}`};
}

/**
 * Open a local forward to a pod port. Each accepted connection opens its own WebSocket through
 * the API server (KubeClient.upgrade: the same credentials, impersonation headers and TLS settings
 * as every other request; no @kubernetes/client-node). Errors of a connection destroy only that
 * connection and are kept in `errors`.
 */
export async function openPortForward(kube: KubeClient, target: {namespace: string; pod: string; port: number}): Promise<PodPortForward> {
  const sockets = new Set<Socket>();
  const tunnels = new Set<ClientWebSocket>();
  const errors: string[] = [];
  let connectionCount = 0;
  let closed = false;
  const path = apiPath({version: 'v1', resource: 'pods', namespace: target.namespace, name: target.pod, sub: 'portforward'});

  const server: Server = createServer((socket) => {
    connectionCount++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    if (closed) {
      socket.destroy();
      return;
    }
    // the socket stays paused (no 'data' listener) until the tunnel is open: nothing is lost
    kube.upgrade(path, {query: {ports: target.port}, protocols: PORT_FORWARD_PROTOCOLS}).then(
      (ws) => {
        if (socket.destroyed || closed) {
          ws.terminate();
          return;
        }
        tunnels.add(ws);
        const channels = new PortForwardChannels(target.port);
        ws.on('message', (message: Buffer) => {
          let part;
          try {
            part = channels.read(message);
          } catch (error) {
            errors.push((error as Error).message);
            socket.destroy();
            ws.terminate();
            return;
          }
          if (part.data.length === 0) return;
          if (part.channel === 0) socket.write(part.data);
          else {
            // the kubelet's words, e.g. "… dial tcp4 127.0.0.1:9002: connect: connection refused"
            const text = part.data.toString('utf8').trim();
            if (text) errors.push(text);
            socket.destroy();
          }
        });
        ws.on('error', (error: Error) => {
          errors.push(`port-forward to pods/${target.pod} in namespace ${target.namespace}: ${error.message}`);
          socket.destroy();
        });
        ws.on('close', () => {
          tunnels.delete(ws);
          // the pod side is gone: flush what we have and end the local connection
          socket.end();
        });
        socket.on('data', (chunk: Buffer) => ws.send(PortForwardChannels.frame(chunk)));
        socket.on('close', () => {
          if (ws.readyState <= 1) ws.close();
        });
      },
      (error: unknown) => {
        errors.push(error instanceof ApiError ? explainPortForwardFailure(error.status, target).message : explainPortForwardFailure((error as Error)?.message ?? String(error), target).message);
        socket.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const localPort = typeof address === 'object' && address ? address.port : 0;

  let closing: Promise<void> | undefined;
  return {
    ...target,
    localPort,
    errors,
    get openTunnels() {
      return tunnels.size;
    },
    get connectionCount() {
      return connectionCount;
    },
    get closed() {
      return closed;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        server.close(() => resolve());
        for (const t of tunnels) t.terminate();
        tunnels.clear();
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP through a forward

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET http://127.0.0.1:<localPort><path> on a fresh connection (one tunnel per request). */
export function getThroughForward(
  forward: Pick<PodPortForward, 'localPort'>,
  path: string,
  opts: {headers?: Record<string, string>; timeoutMs?: number; signal?: AbortSignal; tls?: boolean} = {},
): Promise<HttpResult> {
  return new Promise<HttpResult>((resolve, reject) => {
    // tls: an EPP started with --metrics-cert-dir serves /metrics over TLS (llm-d-router v0.10.0
    // pkg/epp/server/options.go); its certificate is usually self-signed or from a cluster CA we do
    // not have, and the forward's address is 127.0.0.1 — so the certificate is not verified here
    // (the bearer token still authenticates us; we only read metrics).
    const request = opts.tls ? httpsRequest : httpRequest;
    const req = request(
      {
        host: '127.0.0.1',
        port: forward.localPort,
        path,
        method: 'GET',
        agent: false,
        headers: {connection: 'close', 'user-agent': 'kubectl-infgw', ...opts.headers},
        ...(opts.tls ? {rejectUnauthorized: false} : {}),
        ...(opts.signal ? {signal: opts.signal} : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8')}));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.timeoutMs) {
      req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    }
    req.end();
  });
}

export type MetricsFailureKind = 'unauthorized' | 'forbidden' | 'http' | 'unreachable';

/** Why a /metrics scrape failed, in words a user can act on. */
export class MetricsFetchError extends InfgwError {
  readonly kind: MetricsFailureKind;
  readonly status: number | undefined;
  constructor(kind: MetricsFailureKind, message: string, opts: {status?: number; hint?: string} = {}) {
    super(message, {exitCode: ExitCode.problems, ...(opts.hint ? {hint: opts.hint} : {})});
    this.name = 'MetricsFetchError';
    this.kind = kind;
    this.status = opts.status;
  }
}

/**
 * GET a metrics path through an open forward. 401/403 become `unauthorized`/`forbidden` (an EPP
 * checks the bearer token with TokenReview and SubjectAccessReview, domain-facts §2).
 */
export async function scrapeThroughForward(
  forward: PodPortForward,
  opts: {path?: string; bearerToken?: string | undefined; timeoutMs?: number; signal?: AbortSignal; tls?: boolean} = {},
): Promise<string> {
  const path = opts.path ?? '/metrics';
  const where = `${opts.tls ? 'https://' : ''}${forward.namespace}/${forward.pod}:${forward.port}${path}`;
  let res: HttpResult;
  const errorsBefore = forward.errors.length;
  try {
    res = await getThroughForward(forward, path, {
      headers: {accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1', ...(opts.bearerToken ? {authorization: `Bearer ${opts.bearerToken}`} : {})},
      timeoutMs: opts.timeoutMs ?? 10_000,
      ...(opts.signal ? {signal: opts.signal} : {}),
      ...(opts.tls ? {tls: true} : {}),
    });
  } catch (error) {
    if (opts.signal?.aborted) throw error;
    const tunnelError = forward.errors.slice(errorsBefore).at(-1) ?? forward.errors.at(-1);
    throw new MetricsFetchError('unreachable', `cannot read ${where}: ${tunnelError ?? (error as Error).message}`);
  }
  if (res.status === 401) {
    throw new MetricsFetchError('unauthorized', `${where} answered 401 Unauthorized`, {
      status: 401,
      hint: opts.bearerToken
        ? "The token was rejected. The EPP checks tokens with TokenReview: its ServiceAccount needs a ClusterRole allowing create on tokenreviews.authentication.k8s.io and subjectaccessreviews.authorization.k8s.io."
        : 'No bearer token was available: use a kubeconfig user with a token, or allow creating serviceaccounts/token for the EPP ServiceAccount.',
    });
  }
  if (res.status === 403) {
    throw new MetricsFetchError('forbidden', `${where} answered 403 Forbidden`, {
      status: 403,
      hint: 'The token is valid but may not read /metrics: it needs a ClusterRole with nonResourceURLs ["/metrics"], verbs ["get"].',
    });
  }
  if (res.status >= 400) {
    throw new MetricsFetchError('http', `${where} answered HTTP ${res.status}${res.body ? `: ${res.body.trim().slice(0, 200)}` : ''}`, {
      status: res.status,
      ...(res.status === 500 ? {hint: "An EPP answers 500 when it cannot create TokenReviews: check its ServiceAccount's RBAC."} : {}),
    });
  }
  return res.body;
}

/** One-shot: open a forward, GET /metrics, close the forward (also on failure). */
export async function fetchPodMetrics(
  kube: KubeClient,
  pod: {namespace: string; name: string},
  port: number,
  opts: {bearerToken?: string | undefined; path?: string; timeoutMs?: number; signal?: AbortSignal; tls?: boolean} = {},
): Promise<string> {
  const forward = await openPortForward(kube, {namespace: pod.namespace, pod: pod.name, port});
  try {
    return await scrapeThroughForward(forward, opts);
  } finally {
    await forward.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Pods behind a Service

/** A pod as port-forward reads it (src/k8s/objects.ts). */
export type Pod = PodLike;

/**
 * Pods to prefer, the way kubectl's GetFirstPod sorts (k8s.io/kubectl pkg/util/podutils
 * ActivePods / ByLogging): Ready before not Ready, Running before Pending, not terminating first.
 */
export function preferPods(pods: Pod[]): Pod[] {
  const rank = (p: Pod): number =>
    (p.metadata.deletionTimestamp ? 4 : 0) + (podReadyCondition(p) ? 0 : 2) + (p.status?.phase === 'Running' ? 0 : 1);
  return [...pods].sort((a, b) => rank(a) - rank(b) || a.metadata.name.localeCompare(b.metadata.name));
}

/**
 * The container port a Service port lands on for a pod (kubectl
 * `pkg/cmd/portforward/portforward.go` translateServicePortToTargetPort): a numeric targetPort
 * as is, a named one looked up in the pod's containers, none = the service port.
 */
export function containerPortFor(svcPort: {port: number; targetPort?: number | string}, pod: Pod): number | undefined {
  const t = svcPort.targetPort;
  if (t === undefined || t === '' || t === 0) return svcPort.port;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(t)) return Number(t);
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === t) return p.containerPort;
  return undefined;
}

/**
 * The pod (and container port) a Service would send a port's traffic to: the first ready pod of
 * its selector. `port` is a service port number or name; default: the first port.
 */
export async function findPodForService(
  kube: KubeClient,
  namespace: string,
  serviceName: string,
  port?: number | string,
): Promise<{pod: Pod; containerPort: number; service: Service; servicePort: number}> {
  const service = await kube.get<Service>(apiPath({version: 'v1', resource: 'services', namespace, name: serviceName}));
  const selector = service.spec?.selector ?? {};
  if (Object.keys(selector).length === 0) {
    throw new InfgwError(`Service ${namespace}/${serviceName} has no selector, so no pod to forward to`);
  }
  const ports = service.spec?.ports ?? [];
  const svcPort = port === undefined ? ports[0] : ports.find((p) => p.port === port || p.name === port || String(p.port) === String(port));
  if (!svcPort) {
    throw new InfgwError(`Service ${namespace}/${serviceName} has no port ${port ?? ''}`.trim(), {
      hint: `Its ports: ${ports.map((p) => `${p.name ?? ''}${p.name ? '/' : ''}${p.port}`).join(', ') || 'none'}`,
    });
  }
  const list = await kube.list<Pod>(apiPath({version: 'v1', resource: 'pods', namespace}), {query: {labelSelector: selectorString(selector)}});
  const pods = preferPods(list.items).filter((p) => p.status?.phase === 'Running' || podReadyCondition(p));
  const pod = pods[0];
  if (!pod) {
    throw new InfgwError(`no running pod behind Service ${namespace}/${serviceName} (selector ${selectorString(selector)})`);
  }
  const containerPort = containerPortFor(svcPort, pod);
  if (containerPort === undefined) {
    throw new InfgwError(`pod ${pod.metadata.name} has no container port named "${svcPort.targetPort}" (targetPort of Service ${namespace}/${serviceName})`);
  }
  return {pod, containerPort, service, servicePort: svcPort.port};
}

// ---------------------------------------------------------------------------------------------
// Bearer tokens for an EPP's /metrics

export interface MetricsToken {
  token: string | undefined;
  source: 'kubeconfig' | 'tokenrequest' | 'none';
  /** why there is no token (source none) */
  reason?: string;
}

/** The bearer token our API requests carry for this user (static token, token file or exec plugin). */
async function userBearerToken(kube: KubeClient): Promise<string | undefined> {
  let auth: string | undefined;
  try {
    auth = (await kube.getCredentials()).authorization;
  } catch {
    return undefined;
  }
  return auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
}

/**
 * A token for scraping an EPP's authenticated /metrics: the user's own bearer token when the
 * kubeconfig has one (unless `prefer: 'serviceaccount'`); else a short-lived token for the EPP's ServiceAccount from the TokenRequest
 * API (POST serviceaccounts/<sa>/token), which the EPP may read /metrics with if its RBAC allows;
 * else none, with the reason.
 */
export async function metricsBearerToken(
  kube: KubeClient,
  opts: {namespace: string; serviceAccount?: string | undefined; prefer?: 'user' | 'serviceaccount'},
): Promise<MetricsToken> {
  const own = opts.prefer === 'serviceaccount' ? undefined : await userBearerToken(kube);
  if (own) return {token: own, source: 'kubeconfig'};
  if (!opts.serviceAccount) return {token: undefined, source: 'none', reason: 'the kubeconfig user has no bearer token and the EPP ServiceAccount is unknown'};
  try {
    const res = await kube.create<{status?: {token?: string}}>(
      apiPath({version: 'v1', resource: 'serviceaccounts', namespace: opts.namespace, name: opts.serviceAccount, sub: 'token'}),
      {apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {expirationSeconds: 600}},
    );
    if (res?.status?.token) return {token: res.status.token, source: 'tokenrequest'};
    return {token: undefined, source: 'none', reason: 'the TokenRequest API returned no token'};
  } catch (error) {
    if (error instanceof ApiError && (error.forbidden || error.notFound)) {
      return {
        token: undefined,
        source: 'none',
        reason: error.forbidden
          ? `the kubeconfig user has no bearer token and may not create serviceaccounts/token for ${opts.namespace}/${opts.serviceAccount}`
          : `ServiceAccount ${opts.namespace}/${opts.serviceAccount} not found`,
      };
    }
    throw error;
  }
}
