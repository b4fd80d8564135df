import {spawn} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import https from 'node:https';
import type {Agent as HttpAgent, IncomingMessage, RequestOptions as HttpRequestOptions} from 'node:http';
import pkg from '../../package.json' with {type: 'json'};
import {ExitCode, InfgwError} from '../errors.ts';
import type {KubeFlagValues} from './options.ts';
import type {KubeconfigExec, ResolvedKubeconfig} from './kubeconfig.ts';
import {ApiError, apiErrorFromResponse, networkError} from './errors.ts';
import type {KubeConfig} from './k8s.ts';
import {acceptFor, ClientWebSocket, newWebSocketKey} from './websocket.ts';
import type {Duplex} from 'node:stream';
import type {ClientHttp2Session, OutgoingHttpHeaders} from 'node:http2';
import tls from 'node:tls';

// `import … from 'node:http'` builds an ES module facade that reads every export of node:http,
// and two of them are lazy getters that load Node's whole internal undici (≈40 ms at start-up,
// for nothing). require() does not.
const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');
/** node:http2, loaded with the first HTTP/2 connection. */
let http2Module: typeof import('node:http2') | undefined;
const loadHttp2 = (): typeof import('node:http2') => (http2Module ??= createRequire(import.meta.url)('node:http2') as typeof import('node:http2'));

/*
 * The HTTP client every command uses. It speaks to the API server with node:http/https directly
 * (no @kubernetes/client-node, no undici on the hot path: a command reaches its first request
 * without loading either, see scripts/bench-startup.ts) and authenticates the way client-go does:
 *
 * - credentials are sent only over https (client-go tools/clientcmd/client_config.go
 *   ClientConfig: "only try to read the auth information if we are secure");
 * - a tokenFile wins over a token, also over --token (client-go rest/transport.go uses a
 *   file-backed token source whenever BearerTokenFile is set; kubectl behaves so, see
 *   test/unit/kubeconfig.test.ts);
 * - an exec credential plugin runs only when the user has no token, basic auth or client
 *   certificate (client-go plugin/pkg/client/auth/exec/exec.go UpdateTransportConfig), gets
 *   KUBERNETES_EXEC_INFO, our stderr, and stdin only when interactive; its credential is cached
 *   until expirationTimestamp, dropped after a 401, and obtained ONCE even when many requests
 *   start at the same time (one in-flight run is shared);
 * - impersonation headers (Impersonate-User/-Uid/-Group/-Extra-*) are sent over http too;
 * - --request-timeout bounds the whole request and is sent as ?timeout= (client-go
 *   rest/request.go), e.g. "7s", "1m30s".
 * Legacy `auth-provider` users (oidc, …) are handed to @kubernetes/client-node, loaded only then.
 */

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';
const patchContentType: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** server-side dry run (?dryRun=All) */
  dryRun?: boolean;
  /** return the body as text instead of JSON (logs, metrics) */
  text?: boolean;
}

export interface KubeList<T = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata?: {resourceVersion?: string; continue?: string};
  items: T[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: {apiVersion: string; kind: string; name: string; uid: string; controller?: boolean}[];
    managedFields?: {manager?: string; operation?: string; time?: string; fieldsV1?: unknown}[];
    deletionTimestamp?: string;
  };
  [key: string]: unknown;
}

/** What identifies us to the API server for one request. */
export interface Credentials {
  authorization?: string;
  /** PEM client certificate and key (from the kubeconfig or an exec plugin) */
  cert?: string;
  key?: string;
  /** when the credential stops being valid (exec plugins) */
  expiresAt?: number;
  /** where it came from, for messages */
  kind: 'none' | 'token' | 'tokenFile' | 'basic' | 'cert' | 'exec' | 'auth-provider';
}

interface ExecCredential {
  apiVersion?: string;
  kind?: string;
  status?: {token?: string; clientCertificateData?: string; clientKeyData?: string; expirationTimestamp?: string};
}

/** kubeconfig data fields are base64 of the PEM text */
function fromBase64(s: string | undefined): string | undefined {
  return s ? Buffer.from(s, 'base64').toString('utf8') : undefined;
}

function readConfigFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InfgwError(`unable to read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      exitCode: ExitCode.cluster,
      hint: 'A relative path in a kubeconfig is relative to the folder of that kubeconfig file.',
    });
  }
}

/**
 * Run a client-go credential plugin once and return its ExecCredential status
 * (k8s.io/client-go/plugin/pkg/client/auth/exec/exec.go getCreds / refreshCredsLocked).
 */
export async function runExecPlugin(
  exec: KubeconfigExec,
  cluster: ResolvedKubeconfig['cluster'],
  opts: {stdinIsTTY?: boolean; env?: NodeJS.ProcessEnv} = {},
): Promise<Credentials> {
  const stdinIsTTY = opts.stdinIsTTY ?? Boolean(process.stdin.isTTY);
  const apiVersion = exec.apiVersion ?? '';
  const mode = exec.interactiveMode ?? 'IfAvailable';
  if (mode === 'Always' && !stdinIsTTY) {
    throw new InfgwError(`exec plugin "${exec.command}" needs an interactive terminal (interactiveMode: Always), but standard input is not a terminal`, {
      exitCode: ExitCode.cluster,
    });
  }
  const interactive = stdinIsTTY && mode !== 'Never';
  const spec: Record<string, unknown> = {interactive};
  if (exec.provideClusterInfo && apiVersion !== 'client.authentication.k8s.io/v1alpha1') {
    const ca = cluster['certificate-authority-data']
      ? cluster['certificate-authority-data']
      : cluster['certificate-authority']
        ? Buffer.from(readConfigFile(cluster['certificate-authority'], 'certificate-authority')).toString('base64')
        : undefined;
    const ext = cluster.extensions?.find((e) => e.name === 'client.authentication.k8s.io/exec')?.extension;
    spec.cluster = {
      server: cluster.server,
      ...(cluster['tls-server-name'] ? {'tls-server-name': cluster['tls-server-name']} : {}),
      ...(cluster['insecure-skip-tls-verify'] ? {'insecure-skip-tls-verify': true} : {}),
      ...(ca ? {'certificate-authority-data': ca} : {}),
      ...(cluster['proxy-url'] ? {'proxy-url': cluster['proxy-url']} : {}),
      ...(ext !== undefined ? {config: ext} : {}),
    };
  }
  const env: NodeJS.ProcessEnv = {...(opts.env ?? process.env)};
  for (const e of exec.env ?? []) env[e.name] = e.value;
  env.KUBERNETES_EXEC_INFO = JSON.stringify({kind: 'ExecCredential', apiVersion, spec});

  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(exec.command, exec.args ?? [], {env, stdio: [interactive ? 'inherit' : 'ignore', 'pipe', 'inherit']});
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(
          new InfgwError(`exec credential plugin "${exec.command}" was not found`, {
            exitCode: ExitCode.cluster,
            hint: exec.installHint ?? 'The kubeconfig user runs a client-go credential plugin that is not installed (or not on PATH).',
          }),
        );
      } else reject(new InfgwError(`exec credential plugin "${exec.command}" could not start: ${error.message}`, {exitCode: ExitCode.cluster}));
    });
    child.on('close', (code, signal) => {
      if (code === 0) resolve(out);
      else
        reject(
          new InfgwError(`exec credential plugin "${exec.command}" failed (${signal ? `signal ${signal}` : `exit code ${code}`})`, {
            exitCode: ExitCode.cluster,
            hint: `Run it by hand to see why: ${[exec.command, ...(exec.args ?? [])].join(' ')}`,
          }),
        );
    });
  });
  let cred: ExecCredential;
  try {
    cred = JSON.parse(stdout) as ExecCredential;
  } catch {
    throw new InfgwError(`exec credential plugin "${exec.command}" printed something that is not an ExecCredential (JSON expected)`, {exitCode: ExitCode.cluster});
  }
  if (cred.kind !== 'ExecCredential' || (apiVersion && cred.apiVersion !== apiVersion)) {
    throw new InfgwError(
      `exec credential plugin "${exec.command}" returned ${cred.kind ?? '(no kind)'} ${cred.apiVersion ?? '(no apiVersion)'}, but the kubeconfig asks for ExecCredential ${apiVersion}`,
      {exitCode: ExitCode.cluster},
    );
  }
  const st = cred.status ?? {};
  const expiresAt = st.expirationTimestamp ? Date.parse(st.expirationTimestamp) : undefined;
  if (st.clientCertificateData || st.clientKeyData) {
    if (!st.clientCertificateData || !st.clientKeyData) {
      throw new InfgwError(`exec credential plugin "${exec.command}" returned only one of clientCertificateData and clientKeyData`, {exitCode: ExitCode.cluster});
    }
  } else if (!st.token) {
    throw new InfgwError(`exec credential plugin "${exec.command}" returned neither a token nor a client certificate`, {exitCode: ExitCode.cluster});
  }
  return {
    kind: 'exec',
    ...(st.token ? {authorization: `Bearer ${st.token}`} : {}),
    ...(st.clientCertificateData ? {cert: st.clientCertificateData, key: st.clientKeyData} : {}),
    ...(expiresAt !== undefined && !Number.isNaN(expiresAt) ? {expiresAt} : {}),
  };
}

/**
 * A small JSON client over the Kubernetes REST API, faithful to kubectl's cluster access (see the
 * top of this file). One instance per command: it keeps one connection pool, one credential and
 * one request counter.
 */
export class KubeClient {
  readonly config: ResolvedKubeconfig;
  /** Number of HTTP requests sent to the API server (benchmarks report it). */
  requestCount = 0;
  /** Number of times an exec credential plugin was started (tests and --debug report it). */
  execRuns = 0;
  /** The server's /version, once warm() has run. */
  serverVersion: {gitVersion?: string; major?: string; minor?: string} | undefined;
  private readonly log: ((line: string) => void) | undefined;
  /** Writes a --debug line (timings of phases, requests); undefined without --debug. */
  readonly debug: ((line: string) => void) | undefined;
  private credentials: Promise<Credentials> | undefined;
  private agent: {key: string; agent: HttpAgent} | undefined;
  /** the HTTP/2 connection request() uses (undefined in the promise: the server chose HTTP/1.1) */
  private h2: {key: string; session: Promise<ClientHttp2Session | undefined>} | undefined;
  /** the server answered ALPN without h2 once: HTTP/1.1 from then on */
  private h2Refused = false;
  /** open streams per HTTP/2 connection (a connection is ref'd while it has any) */
  private readonly h2Active = new WeakMap<ClientHttp2Session, number>();
  private warmed: Promise<void> | undefined;
  private clientNode: Promise<KubeConfig> | undefined;

  constructor(config: ResolvedKubeconfig, opts: {log?: (line: string) => void} = {}) {
    this.config = config;
    this.log = opts.log;
    this.debug = opts.log;
  }

  get namespace(): string {
    return this.config.namespace;
  }
  get server(): string {
    return this.config.cluster.server;
  }
  private get secure(): boolean {
    return this.server.startsWith('https:');
  }

  /**
   * Obtain credentials (running an exec plugin if the kubeconfig says so) and check that the
   * server answers, once, before commands fan out in parallel. `signal` bounds this first request
   * (probe-cache gives up on a cluster that does not answer and probes its --url without it).
   */
  warm(opts: {signal?: AbortSignal} = {}): Promise<void> {
    this.warmed ??= this.request<{gitVersion?: string}>('GET', '/version', opts.signal ? {signal: opts.signal} : {}).then((v) => {
      this.serverVersion = v;
    });
    return this.warmed;
  }

  /** The credentials for the next request; shared by concurrent callers (one plugin run). */
  getCredentials(): Promise<Credentials> {
    const current = this.credentials;
    if (current) {
      return current.then((c) => {
        if (c.expiresAt !== undefined && c.expiresAt <= Date.now() + 10_000 && this.credentials === current) {
          this.credentials = undefined;
          return this.getCredentials();
        }
        return c;
      });
    }
    const p = this.obtainCredentials();
    this.credentials = p;
    p.catch(() => {
      if (this.credentials === p) this.credentials = undefined;
    });
    return p;
  }

  private async obtainCredentials(): Promise<Credentials> {
    if (!this.secure) return {kind: 'none'};
    const u = this.config.user;
    const cert = u['client-certificate-data'] ? fromBase64(u['client-certificate-data']) : u['client-certificate'] ? readConfigFile(u['client-certificate'], 'client-certificate') : undefined;
    const key = u['client-key-data'] ? fromBase64(u['client-key-data']) : u['client-key'] ? readConfigFile(u['client-key'], 'client-key') : undefined;
    const tls = cert ? {cert, ...(key ? {key} : {})} : {};
    if (u.tokenFile) {
      const token = readConfigFile(u.tokenFile, 'tokenFile').trim();
      return {kind: 'tokenFile', authorization: `Bearer ${token}`, ...tls};
    }
    if (u.token) return {kind: 'token', authorization: `Bearer ${u.token}`, ...tls};
    if (u.username || u.password) {
      return {kind: 'basic', authorization: `Basic ${Buffer.from(`${u.username ?? ''}:${u.password ?? ''}`).toString('base64')}`, ...tls};
    }
    if (cert) return {kind: 'cert', ...tls};
    if (u.exec) {
      this.execRuns++;
      this.log?.(`running exec credential plugin ${u.exec.command}`);
      return runExecPlugin(u.exec, this.config.cluster);
    }
    if (u['auth-provider']) return this.authProviderCredentials();
    return {kind: 'none'};
  }

  /** Legacy auth providers (oidc, gcp, azure) through @kubernetes/client-node. */
  private async authProviderCredentials(): Promise<Credentials> {
    const {RequestContext} = await import('./k8s.ts');
    const kc = await this.kubeConfig();
    const ctx = new RequestContext(`${this.server}/version`, 'GET' as never);
    try {
      await kc.applySecurityAuthentication(ctx);
    } catch (error) {
      throw new InfgwError(`could not obtain credentials from auth-provider "${this.config.user['auth-provider']?.name}": ${(error as Error).message}`, {
        exitCode: ExitCode.cluster,
        cause: error,
      });
    }
    const authorization = (ctx.getHeaders() as Record<string, string>)['Authorization'];
    return {kind: 'auth-provider', ...(authorization ? {authorization} : {})};
  }

  /** The proxy settings for the agent (Go's http.ProxyFromEnvironment rules), undefined = direct. */
  private proxyEnv(): NodeJS.ProcessEnv | undefined {
    const c = this.config.cluster;
    const proxyUrl = c['proxy-url'];
    if (proxyUrl && !/^https?:/.test(proxyUrl)) {
      throw new InfgwError(`proxy-url "${proxyUrl}" is not supported by kubectl-infgw (only http:// and https:// proxies)`, {exitCode: ExitCode.cluster});
    }
    const host = new URL(this.server).hostname;
    const loopback = host === 'localhost' || host.startsWith('127.') || host === '[::1]';
    const envProxy = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((k) => process.env[k]);
    // Go's http.ProxyFromEnvironment never proxies loopback addresses; proxy-url always applies.
    return proxyUrl ? {HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl} : envProxy && !loopback ? process.env : undefined;
  }

  /** TLS settings of every connection: the kubeconfig's CA, client certificate, server name. */
  private tlsOptions(creds: Credentials): tls.ConnectionOptions {
    const c = this.config.cluster;
    const ca = c['certificate-authority-data'] ? fromBase64(c['certificate-authority-data']) : c['certificate-authority'] ? readConfigFile(c['certificate-authority'], 'certificate-authority') : undefined;
    return {
      ...(ca ? {ca} : {}),
      ...(creds.cert ? {cert: creds.cert} : {}),
      ...(creds.key ? {key: creds.key} : {}),
      ...(c['tls-server-name'] ? {servername: c['tls-server-name']} : {}),
      rejectUnauthorized: !c['insecure-skip-tls-verify'],
    };
  }

  private agentFor(creds: Credentials): HttpAgent {
    const key = `${creds.cert ?? ''}\0${creds.key ?? ''}`;
    if (this.agent?.key === key) return this.agent.agent;
    this.agent?.agent.destroy();
    const proxyEnv = this.proxyEnv();
    const common = {keepAlive: true, ...(proxyEnv ? {proxyEnv} : {})};
    const agent: HttpAgent = this.secure ? new https.Agent({...common, ...this.tlsOptions(creds)}) : new http.Agent(common);
    this.agent = {key, agent};
    return agent;
  }

  /**
   * The HTTP/2 connection for these credentials, as kubectl (client-go over Go's net/http) talks
   * to the API server: every request of a wave shares one TLS connection instead of opening one
   * each (doctor's ~25 parallel lists: one handshake instead of ~25). ALPN decides: a server that
   * does not offer h2 gets HTTP/1.1 (undefined), and so does every request after it. Not through
   * a proxy (the agent's proxy support is HTTP/1.1), not for plain http.
   */
  private h2SessionFor(creds: Credentials): Promise<ClientHttp2Session | undefined> | undefined {
    if (!this.secure || this.h2Refused || process.env.KUBECTL_INFGW_HTTP1 === '1' || this.proxyEnv()) return undefined;
    const key = `${creds.cert ?? ''}\0${creds.key ?? ''}`;
    if (this.h2?.key === key) return this.h2.session;
    const previous = this.h2?.session;
    void previous?.then((s) => s?.close(), () => undefined);
    const u = new URL(this.server);
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    const options = this.tlsOptions(creds);
    const session = new Promise<ClientHttp2Session | undefined>((resolve, reject) => {
      const socket = tls.connect({
        host,
        port: Number(u.port || 443),
        ...options,
        // SNI as https.Agent sends it: the tls-server-name, else the host name (never an IP address)
        ...(options.servername ? {} : /^[\d.]+$|:/.test(host) ? {} : {servername: host}),
        ALPNProtocols: ['h2', 'http/1.1'],
      });
      const fail = (error: Error): void => {
        socket.destroy();
        reject(error);
      };
      socket.once('error', fail);
      socket.once('secureConnect', () => {
        socket.off('error', fail);
        if (socket.alpnProtocol !== 'h2') {
          this.h2Refused = true;
          socket.destroy();
          resolve(undefined);
          return;
        }
        const s = loadHttp2().connect(this.server, {createConnection: () => socket});
        const forget = (): void => {
          if (this.h2?.session === session) this.h2 = undefined;
        };
        // a failing connection fails its streams (they report the error); the next request reconnects
        s.on('error', forget);
        s.on('close', forget);
        s.on('goaway', forget);
        s.unref();
        resolve(s);
      });
    });
    session.catch(() => {
      if (this.h2?.session === session) this.h2 = undefined;
    });
    this.h2 = {key, session};
    return session;
  }

  /** One request over the HTTP/2 connection; the connection keeps the process alive only while streams are open (like a keep-alive agent's idle sockets). */
  private sendH2(session: ClientHttp2Session, url: URL, options: HttpRequestOptions, body: string | undefined): Promise<{status: number; text: string; retryAfter: string | undefined}> {
    const headers: OutgoingHttpHeaders = {':method': options.method ?? 'GET', ':path': `${url.pathname}${url.search}`};
    for (const [k, v] of Object.entries(options.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v as string | string[];
    const open = this.h2Active.get(session) ?? 0;
    this.h2Active.set(session, open + 1);
    if (open === 0) session.ref();
    const done = (): void => {
      const left = (this.h2Active.get(session) ?? 1) - 1;
      this.h2Active.set(session, left);
      if (left === 0 && !session.destroyed) session.unref();
    };
    return new Promise<{status: number; text: string; retryAfter: string | undefined}>((resolve, reject) => {
      let req;
      try {
        // endStream says whether a body follows: node:http2 closes the request of a DELETE (like
        // GET) at once unless told, and a DeleteOptions body (propagationPolicy) then fails with
        // "write after end"
        req = session.request(headers, {endStream: body === undefined, ...(options.signal ? {signal: options.signal} : {})});
      } catch (error) {
        reject(error as Error);
        return;
      }
      let status = 0;
      let retryAfter: string | undefined;
      const chunks: Buffer[] = [];
      req.on('response', (h) => {
        status = Number(h[':status'] ?? 0);
        const ra = h['retry-after'];
        retryAfter = Array.isArray(ra) ? ra[0] : ra;
      });
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve({status, text: Buffer.concat(chunks).toString('utf8'), retryAfter}));
      req.on('error', reject);
      if (body !== undefined) req.end(body);
    }).finally(done);
  }

  /** URL, headers, agent and signals for one request, exactly as request() sends them. */
  private async prepare(method: string, path: string, opts: RequestOptions): Promise<{
    url: URL;
    options: HttpRequestOptions;
    body: string | undefined;
    creds: Credentials;
    timeout: AbortSignal | undefined;
  }> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    if (opts.dryRun) url.searchParams.set('dryRun', 'All');
    if (this.config.requestTimeoutParam && !url.searchParams.has('timeout')) url.searchParams.set('timeout', this.config.requestTimeoutParam);
    const timeout = this.config.requestTimeoutMs > 0 ? AbortSignal.timeout(this.config.requestTimeoutMs) : undefined;
    const signals = [opts.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];

    const creds = await this.getCredentials();
    const headers: Record<string, string | string[]> = {
      accept: opts.text ? '*/*' : 'application/json',
      'user-agent': `kubectl-infgw/${pkg.version} (${process.platform}/${process.arch}) node/${process.versions.node}`,
    };
    if (creds.authorization) headers.authorization = creds.authorization;
    // client-go transport/round_trippers.go NewImpersonatingRoundTripper
    if (this.config.impersonateUser) headers['impersonate-user'] = this.config.impersonateUser;
    if (this.config.impersonateUid) headers['impersonate-uid'] = this.config.impersonateUid;
    if (this.config.impersonateGroups.length) headers['impersonate-group'] = this.config.impersonateGroups;
    for (const [k, vs] of Object.entries(this.config.impersonateExtra)) headers[`impersonate-extra-${encodeURIComponent(k)}`] = vs;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] = opts.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const agent = this.agentFor(creds);
    return {url, options: {method: method.toUpperCase(), headers, agent, ...(signal ? {signal} : {})}, body, creds, timeout};
  }

  private failure(status: number, text: string, method: string, path: string, creds: Credentials, opts: RequestOptions): ApiError {
    if (status === 401 && creds.kind === 'exec') this.credentials = undefined; // exec.go: refresh after a 401
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return apiErrorFromResponse({
      status,
      body: parsed,
      method,
      path,
      server: this.server,
      ...(this.config.impersonateUser ? {user: this.config.impersonateUser} : {}),
      watch: opts.query?.watch === true || opts.query?.watch === 'true',
    });
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    let status: number;
    let text: string;
    let creds;
    for (let attempt = 0; ; attempt++) {
      const prepared = await this.prepare(method, path, opts);
      creds = prepared.creds;
      const {url, options, body, timeout} = prepared;
      this.requestCount++;
      const started = performance.now();
      let retryAfter: string | undefined;
      try {
        const h2 = this.h2SessionFor(creds);
        let session = h2 ? await abortable(h2, options.signal ?? undefined) : undefined;
        if (session && (session.closed || session.destroyed)) {
          // closed meanwhile (the server's GOAWAY, a dropped connection): nothing was sent on it, use a new one
          if (this.h2?.session === h2) this.h2 = undefined;
          const again = this.h2SessionFor(creds);
          session = again ? await abortable(again, options.signal ?? undefined) : undefined;
        }
        if (session) {
          try {
            ({status, text, retryAfter} = await this.sendH2(session, url, options, body));
          } catch (error) {
            if (!unprocessedOnH2(error) || opts.signal?.aborted) throw error;
            // The server refused the stream without processing it: kube-apiserver answers an anonymous
            // or unauthenticated HTTP/2 request with "Connection: close" (GOAWAY after that one
            // request; k8s.io/apiserver pkg/endpoints/filters/authentication.go,
            // UnauthenticatedHTTP2DOSMitigation), so the other streams of the wave are refused.
            // Such a server wants HTTP/1.1 from this client: send it (again) that way, and every
            // later request too. Safe for any method: a refused stream was never processed (RFC 9113 §8.7).
            this.log?.(`${options.method} ${url} refused on the HTTP/2 connection (${(error as Error).message}); using HTTP/1.1`);
            this.h2Refused = true;
            ({status, text, retryAfter} = await send(this.secure ? https : http, url, options, body));
          }
        } else {
          ({status, text, retryAfter} = await send(this.secure ? https : http, url, options, body));
        }
      } catch (error) {
        if (opts.signal?.aborted) throw opts.signal.reason ?? error;
        this.log?.(`${options.method} ${url} failed after ${Math.round(performance.now() - started)} ms: ${(error as Error).message}`);
        throw networkError(error, this.server, timeout?.aborted ? this.config.requestTimeoutMs : 0);
      }
      this.log?.(`${options.method} ${url} ${status} in ${Math.round(performance.now() - started)} ms`);
      const waitMs = retryAfterMs(status, retryAfter, method, attempt);
      if (waitMs === undefined) break;
      // The server asked us to come back later (429, e.g. "storage is (re)initializing" while a CRD
      // starts, or a 5xx with Retry-After on a read): wait as asked and try again, as client-go's
      // rest client does (k8s.io/client-go/rest/request.go, checkWait / maxRetries 10).
      this.log?.(`retrying ${options.method} ${url} in ${waitMs} ms (Retry-After)`);
      await sleepUnlessAborted(waitMs, opts.signal);
    }
    if (status < 200 || status > 299) throw this.failure(status, text, method, path, creds, opts);
    if (opts.text) return text as T;
    if (text === '') return undefined as T;
    return JSON.parse(text) as T;
  }

  /**
   * A streaming GET (a watch, `logs --follow`): resolves with the response once its headers
   * arrive, with the same credentials, impersonation and --request-timeout as request(); an error
   * status is read and thrown as ApiError. The caller consumes (or destroys) the stream.
   */
  async stream(path: string, opts: Omit<RequestOptions, 'body' | 'dryRun'> = {}): Promise<IncomingMessage> {
    const {url, options, creds, timeout} = await this.prepare('GET', path, opts);
    this.requestCount++;
    let res: IncomingMessage;
    try {
      res = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = (this.secure ? https : http).request(url, options, resolve);
        req.on('error', reject);
        req.end();
      });
    } catch (error) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? error;
      throw networkError(error, this.server, timeout?.aborted ? this.config.requestTimeoutMs : 0);
    }
    this.log?.(`GET ${url} ${res.statusCode} (stream)`);
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      throw this.failure(status, Buffer.concat(chunks).toString('utf8'), 'GET', path, creds, opts);
    }
    return res;
  }

  /**
   * Open a WebSocket to the API server (a pod's portforward, exec, attach) with the same
   * credentials, impersonation headers, TLS settings and --request-timeout as request(); the
   * server must answer 101 with one of `protocols` and the right Sec-WebSocket-Accept (RFC 6455
   * §4.1). An error status is read and thrown as ApiError, like every other request.
   */
  async upgrade(path: string, opts: {query?: RequestOptions['query']; protocols: string[]; signal?: AbortSignal}): Promise<ClientWebSocket> {
    const {url, options, creds, timeout} = await this.prepare('GET', path, {...(opts.query ? {query: opts.query} : {}), ...(opts.signal ? {signal: opts.signal} : {})});
    const key = newWebSocketKey();
    const headers = {
      ...(options.headers as Record<string, string | string[]>),
      // the API server's connect routes (pods/portforward, exec, attach) declare no media type:
      // go-restful answers 406 to `Accept: application/json` there
      accept: '*/*',
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': key,
      'sec-websocket-protocol': opts.protocols.join(', '),
    };
    this.requestCount++;
    const started = performance.now();
    type Outcome = {upgraded: true; res: IncomingMessage; socket: Duplex; head: Buffer} | {upgraded: false; res: IncomingMessage};
    let outcome: Outcome;
    try {
      outcome = await new Promise<Outcome>((resolve, reject) => {
        const req = (this.secure ? https : http).request(url, {...options, headers});
        req.on('upgrade', (res, socket, head) => resolve({upgraded: true, res, socket, head}));
        req.on('response', (res) => resolve({upgraded: false, res}));
        req.on('error', reject);
        req.end();
      });
    } catch (error) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? error;
      throw networkError(error, this.server, timeout?.aborted ? this.config.requestTimeoutMs : 0);
    }
    const status = outcome.res.statusCode ?? 0;
    this.log?.(`GET ${url} ${status} (websocket) in ${Math.round(performance.now() - started)} ms`);
    if (!outcome.upgraded) {
      const chunks: Buffer[] = [];
      for await (const c of outcome.res) chunks.push(c as Buffer);
      throw this.failure(status, Buffer.concat(chunks).toString('utf8'), 'GET', path, creds, {});
    }
    const {res, socket, head} = outcome;
    const protocol = String(res.headers['sec-websocket-protocol'] ?? '');
    if (res.headers['sec-websocket-accept'] !== acceptFor(key) || !opts.protocols.includes(protocol)) {
      socket.destroy();
      throw new InfgwError(`the API server's WebSocket answer for ${path} is not valid (protocol "${protocol}", asked for ${opts.protocols.join(', ')})`, {exitCode: ExitCode.cluster});
    }
    return new ClientWebSocket(socket, protocol, head);
  }

  /** The bearer token this client sends (static, token file, exec plugin), if it uses one. */
  async bearerToken(): Promise<string | undefined> {
    const c = await this.getCredentials();
    return c.authorization?.startsWith('Bearer ') ? c.authorization.slice('Bearer '.length) : undefined;
  }

  get<T = KubeObject>(path: string, opts?: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, opts);
  }

  /** GET that returns undefined on 404. */
  async getOptional<T = KubeObject>(path: string, opts?: RequestOptions): Promise<T | undefined> {
    try {
      return await this.get<T>(path, opts);
    } catch (error) {
      if (error instanceof ApiError && error.notFound) return undefined;
      throw error;
    }
  }

  list<T = KubeObject>(path: string, opts?: RequestOptions): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', path, opts);
  }

  create<T = KubeObject>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, {...opts, body});
  }

  replace<T = KubeObject>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('PUT', path, {...opts, body});
  }

  patch<T = KubeObject>(path: string, body: unknown, type: PatchType, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('PATCH', path, {...opts, body, contentType: patchContentType[type]});
  }

  delete<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('DELETE', path, opts);
  }

  /**
   * A @kubernetes/client-node KubeConfig for the same cluster and identity, for Watch and
   * PortForward (import those classes from src/kube/k8s.ts, dynamically). It carries the
   * credentials this client already holds, so an exec plugin does not run a second time.
   * Loads client-node on first use (≈7 MB of JavaScript, 0.1–0.25 s here: never on the way to a
   * command's first request). This replaces the synchronous `kube.kc` of the first skeleton.
   */
  kubeConfig(): Promise<KubeConfig> {
    this.clientNode ??= (async () => {
      const {KubeConfig} = await import('./k8s.ts');
      const r = this.config;
      const u = r.user;
      const usesProvider = Boolean(u['auth-provider']) && !u.token && !u.tokenFile && !u.exec;
      const creds = usesProvider || !this.secure ? ({kind: 'none'} as Credentials) : await this.getCredentials();
      const bearer = creds.authorization?.startsWith('Bearer ') ? creds.authorization.slice(7) : undefined;
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [
          {
            name: 'cluster',
            server: r.cluster.server,
            caData: r.cluster['certificate-authority-data'],
            caFile: r.cluster['certificate-authority'],
            // client-node refuses plain http unless this is set; TLS is not used there anyway
            skipTLSVerify: Boolean(r.cluster['insecure-skip-tls-verify']) || !this.secure,
            tlsServerName: r.cluster['tls-server-name'],
            proxyUrl: r.cluster['proxy-url'],
          },
        ],
        users: [
          {
            name: 'user',
            ...(bearer ? {token: bearer} : {}),
            ...(creds.cert ? {certData: Buffer.from(creds.cert).toString('base64'), keyData: Buffer.from(creds.key ?? '').toString('base64')} : {}),
            ...(creds.kind === 'basic' ? {username: u.username, password: u.password} : {}),
            ...(usesProvider ? {authProvider: u['auth-provider']} : {}),
            ...(r.impersonateUser ? {impersonateUser: r.impersonateUser} : {}),
          },
        ],
        contexts: [{name: 'context', cluster: 'cluster', user: 'user', namespace: r.namespace}],
        currentContext: 'context',
      });
      return kc;
    })();
    return this.clientNode;
  }

  /** Close idle connections (lets the process exit promptly). */
  close(): void {
    this.agent?.agent.destroy();
    this.agent = undefined;
    void this.h2?.session.then((s) => s?.close(), () => undefined);
    this.h2 = undefined;
  }
}

/** One HTTP exchange; resolves with the status and the whole body as text. */
function send(
  mod: typeof http | typeof https,
  url: URL,
  options: HttpRequestOptions,
  body: string | undefined,
): Promise<{status: number; text: string; retryAfter: string | undefined}> {
  return new Promise((resolve, reject) => {
    const req = mod.request(url, options, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const retryAfter = res.headers['retry-after'];
      res.on('end', () => resolve({status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter}));
      res.on('error', reject);
      res.on('aborted', () => reject(Object.assign(new Error('the server closed the connection mid-response'), {code: 'ECONNRESET'})));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `p`, or the signal's reason once it aborts (a shared connection attempt outlives one request's timeout). */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, {once: true});
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}

const MAX_RETRIES = 10;

/** An HTTP/2 stream the server did not process: refused (REFUSED_STREAM) or not opened after its GOAWAY. */
export function unprocessedOnH2(error: unknown): boolean {
  const e = error as {code?: unknown; message?: unknown} | undefined;
  if (e?.code === 'ERR_HTTP2_GOAWAY_SESSION') return true;
  return e?.code === 'ERR_HTTP2_STREAM_ERROR' && /NGHTTP2_REFUSED_STREAM/.test(String(e.message));
}

/**
 * When to retry a response the server marked with Retry-After: a 429 for any method (the server
 * did not process it), a 5xx only for reads. Seconds from the header, at least 1 s and at most 10 s
 * a time, at most MAX_RETRIES times. undefined = do not retry.
 */
export function retryAfterMs(status: number, retryAfter: string | undefined, method: string, attempt: number): number | undefined {
  if (retryAfter === undefined || attempt >= MAX_RETRIES) return undefined;
  const retryable = status === 429 || (status >= 500 && status <= 599 && method.toUpperCase() === 'GET');
  if (!retryable) return undefined;
  const seconds = Number.parseInt(retryAfter, 10);
  if (!Number.isFinite(seconds)) return undefined;
  return Math.min(Math.max(seconds, 1), 10) * 1000;
}

function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, {once: true});
  });
}

/** Build a client from kubectl-style flags (what commands call). */
export async function connect(flags: KubeFlagValues & {debug?: boolean | undefined}): Promise<KubeClient> {
  const {loadKubeconfig} = await import('./kubeconfig.ts');
  const config = loadKubeconfig(flags);
  const debug = flags.debug || process.env.DEBUG === 'infgw';
  return new KubeClient(config, debug ? {log: (line) => process.stderr.write(`debug: ${line}\n`)} : {});
}

/** Path helpers: `/api/v1/namespaces/ns/pods`, `/apis/g/v/namespaces/ns/r/name`. */
export function apiPath(opts: {group?: string; version: string; resource: string; namespace?: string | undefined; name?: string; sub?: string}): string {
  const base = opts.group ? `/apis/${opts.group}/${opts.version}` : `/api/${opts.version}`;
  const ns = opts.namespace ? `/namespaces/${encodeURIComponent(opts.namespace)}` : '';
  const name = opts.name ? `/${encodeURIComponent(opts.name)}` : '';
  const sub = opts.sub ? `/${opts.sub}` : '';
  return `${base}${ns}/${opts.resource}${name}${sub}`;
}
