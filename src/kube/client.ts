import {readFileSync} from 'node:fs';
import {fetch} from 'undici';
import {ExitCode, InfgwError} from '../errors.ts';
import type {ResolvedKubeconfig} from './kubeconfig.ts';
import {ApiError, apiErrorFromResponse, networkError} from './errors.ts';
import {HttpMethod, KubeConfig, RequestContext} from './k8s.ts';

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

/** Build a client-node KubeConfig from our kubectl-resolved config (for Watch and PortForward). */
export function toClientNodeConfig(r: ResolvedKubeconfig): KubeConfig {
  const kc = new KubeConfig();
  const user = r.user;
  let token = user.token;
  if (!token && user.tokenFile) token = readFileSync(user.tokenFile, 'utf8').trim();
  kc.loadFromOptions({
    clusters: [
      {
        name: r.clusterName || 'cluster',
        server: r.cluster.server,
        caData: r.cluster['certificate-authority-data'],
        caFile: r.cluster['certificate-authority'],
        skipTLSVerify: Boolean(r.cluster['insecure-skip-tls-verify']),
        tlsServerName: r.cluster['tls-server-name'],
        proxyUrl: r.cluster['proxy-url'],
      },
    ],
    users: [
      {
        name: r.userName || 'user',
        token,
        certData: user['client-certificate-data'],
        certFile: user['client-certificate'],
        keyData: user['client-key-data'],
        keyFile: user['client-key'],
        username: user.username,
        password: user.password,
        exec: user.exec,
        authProvider: user['auth-provider'],
      },
    ],
    contexts: [{name: r.contextName || 'context', cluster: r.clusterName || 'cluster', user: r.userName || 'user', namespace: r.namespace}],
    currentContext: r.contextName || 'context',
  });
  return kc;
}

/**
 * A small JSON client over the Kubernetes REST API. It uses client-node for authentication and TLS
 * (exec plugins, client certificates, tokens) and undici for the request itself, so every command
 * shares one connection pool, one request counter and one error translation.
 */
export class KubeClient {
  readonly config: ResolvedKubeconfig;
  readonly kc: KubeConfig;
  /** Number of HTTP requests sent to the API server (benchmarks report it). */
  requestCount = 0;
  private warmed: Promise<void> | undefined;

  constructor(config: ResolvedKubeconfig) {
    this.config = config;
    this.kc = toClientNodeConfig(config);
  }

  get namespace(): string {
    return this.config.namespace;
  }
  get server(): string {
    return this.config.cluster.server;
  }

  /**
   * Obtain credentials once before fanning out: client-node caches exec-plugin tokens per user, but
   * parallel first requests would each run the plugin (domain-facts §5).
   */
  warm(): Promise<void> {
    this.warmed ??= this.request<unknown>('GET', '/version').then(() => undefined);
    return this.warmed;
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = new URL(this.server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    if (opts.dryRun) url.searchParams.set('dryRun', 'All');
    const ctx = new RequestContext(url.toString(), method.toUpperCase() as HttpMethod);
    try {
      await this.kc.applySecurityAuthentication(ctx);
    } catch (error) {
      throw new InfgwError(`could not obtain credentials for user "${this.config.userName}": ${(error as Error).message}`, {
        exitCode: ExitCode.cluster,
        hint: 'The kubeconfig exec plugin or auth provider failed; run it by hand to see why (e.g. "aws eks get-token").',
        cause: error,
      });
    }
    const headers = ctx.getHeaders() as unknown as Record<string, string>;
    headers['accept'] = opts.text ? '*/*' : 'application/json';
    headers['user-agent'] = 'kubectl-infgw';
    if (this.config.impersonateUser) headers['impersonate-user'] = this.config.impersonateUser;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] = opts.contentType ?? 'application/json';
    }
    const signals: AbortSignal[] = [];
    if (opts.signal) signals.push(opts.signal);
    if (this.config.requestTimeoutMs > 0) signals.push(AbortSignal.timeout(this.config.requestTimeoutMs));
    this.requestCount++;
    let res;
    try {
      const h = new Headers(headers);
      for (const g of this.config.impersonateGroups) h.append('impersonate-group', g);
      res = await fetch(url, {
        method: method.toUpperCase(),
        headers: h as unknown as Record<string, string>,
        ...(body === undefined ? {} : {body}),
        ...(signals.length ? {signal: AbortSignal.any(signals)} : {}),
        dispatcher: ctx.getDispatcher() as never,
      });
    } catch (error) {
      if (opts.signal?.aborted) throw error;
      throw networkError(error, this.server, this.config.requestTimeoutMs);
    }
    const text = await res.text();
    if (!res.ok) {
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON: keep text */
      }
      throw apiErrorFromResponse({
        status: res.status,
        body: parsed,
        method,
        path,
        server: this.server,
        ...(this.config.impersonateUser ? {user: this.config.impersonateUser} : {}),
        watch: opts.query?.watch === true || opts.query?.watch === 'true',
      });
    }
    if (opts.text) return text as T;
    if (text === '') return undefined as T;
    return JSON.parse(text) as T;
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
}

/** Build a client from kubectl-style flags (what commands call). */
export async function connect(flags: import('../cli/flags.ts').KubeFlagValues): Promise<KubeClient> {
  const {loadKubeconfig} = await import('./kubeconfig.ts');
  return new KubeClient(loadKubeconfig(flags));
}

/** Path helpers: `/api/v1/namespaces/ns/pods`, `/apis/g/v/namespaces/ns/r/name`. */
export function apiPath(opts: {group?: string; version: string; resource: string; namespace?: string | undefined; name?: string; sub?: string}): string {
  const base = opts.group ? `/apis/${opts.group}/${opts.version}` : `/api/${opts.version}`;
  const ns = opts.namespace ? `/namespaces/${encodeURIComponent(opts.namespace)}` : '';
  const name = opts.name ? `/${encodeURIComponent(opts.name)}` : '';
  const sub = opts.sub ? `/${opts.sub}` : '';
  return `${base}${ns}/${opts.resource}${name}${sub}`;
}
