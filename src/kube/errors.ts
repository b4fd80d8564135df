import {ExitCode, InfgwError} from '../errors.ts';

/** A failed API request, with what a human needs to understand it. */
export class ApiError extends InfgwError {
  readonly status: number;
  readonly reason: string;
  readonly verb: string;
  readonly path: string;
  readonly details: {group?: string; kind?: string; name?: string} | undefined;
  constructor(opts: {
    status: number;
    reason: string;
    message: string;
    verb: string;
    path: string;
    details?: {group?: string; kind?: string; name?: string};
    hint?: string;
    exitCode?: (typeof ExitCode)[keyof typeof ExitCode];
  }) {
    super(opts.message, {exitCode: opts.exitCode ?? ExitCode.problems, ...(opts.hint ? {hint: opts.hint} : {})});
    this.name = 'ApiError';
    this.status = opts.status;
    this.reason = opts.reason;
    this.verb = opts.verb;
    this.path = opts.path;
    this.details = opts.details;
  }
  get notFound(): boolean {
    return this.status === 404;
  }
  get forbidden(): boolean {
    return this.status === 403;
  }
  get conflict(): boolean {
    return this.status === 409;
  }
}

export interface ResourceRef {
  group: string;
  version?: string;
  resource: string;
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: string | undefined;
}

/**
 * Split an API path into group/resource/namespace/name, the way the apiserver's
 * RequestInfoFactory (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go) reads it.
 */
export function parseApiPath(apiPath: string): ResourceRef | undefined {
  const parts = apiPath.split('?')[0]!.split('/').filter(Boolean);
  let i = 0;
  let group = '';
  let version: string | undefined;
  if (parts[0] === 'api') {
    version = parts[1];
    i = 2;
  } else if (parts[0] === 'apis') {
    group = parts[1] ?? '';
    version = parts[2];
    i = 3;
  } else return undefined;
  let namespace: string | undefined;
  if (parts[i] === 'namespaces' && parts.length > i + 2) {
    namespace = parts[i + 1];
    i += 2;
  }
  const resource = parts[i];
  if (!resource) return undefined;
  const name = parts[i + 1];
  const subresource = parts[i + 2];
  return {group, ...(version ? {version} : {}), resource, namespace, name, subresource};
}

/** HTTP method + path → the RBAC verb it needs (requestinfo.go). */
export function rbacVerb(method: string, apiPath: string, hasWatch = false): string {
  const ref = parseApiPath(apiPath);
  switch (method.toUpperCase()) {
    case 'GET':
    case 'HEAD':
      if (hasWatch) return 'watch';
      return ref?.name ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return ref?.name ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

/** The RBAC rule that would allow a request, as a kubectl command a cluster admin can run. */
export function missingRuleHint(verb: string, ref: ResourceRef): string {
  const res = ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource;
  const qualified = ref.group ? `${res}.${ref.group}` : res;
  const scope = ref.namespace ? `Role in namespace ${ref.namespace}` : 'ClusterRole';
  const create = ref.namespace
    ? `kubectl create role infgw-reader -n ${ref.namespace} --verb=${verb} --resource=${qualified}`
    : `kubectl create clusterrole infgw-reader --verb=${verb} --resource=${qualified}`;
  return `Needs a ${scope} rule: apiGroups ["${ref.group}"], resources ["${res}"], verbs ["${verb}"] — e.g. ${create}`;
}

interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {group?: string; kind?: string; name?: string};
}

/** Turn an HTTP error response into an ApiError a human can act on. */
export function apiErrorFromResponse(opts: {
  status: number;
  body: unknown;
  method: string;
  path: string;
  server: string;
  user?: string;
  watch?: boolean;
}): ApiError {
  const st = (typeof opts.body === 'object' && opts.body !== null ? opts.body : {}) as StatusBody;
  const verb = rbacVerb(opts.method, opts.path, opts.watch);
  const ref = parseApiPath(opts.path);
  const base = {status: opts.status, reason: st.reason ?? '', verb, path: opts.path, ...(st.details ? {details: st.details} : {})};
  const message = st.message ?? (typeof opts.body === 'string' && opts.body ? opts.body.slice(0, 300) : `HTTP ${opts.status}`);
  switch (opts.status) {
    case 401:
      return new ApiError({
        ...base,
        message: `the server at ${opts.server} rejected our credentials (401 Unauthorized)`,
        hint: 'The token or client certificate is missing, expired or for another cluster. Refresh your credentials (e.g. "aws eks update-kubeconfig", "gcloud container clusters get-credentials") or check --token/--user.',
        exitCode: ExitCode.cluster,
      });
    case 403:
      return new ApiError({
        ...base,
        message: `forbidden: ${opts.user ? `user "${opts.user}"` : 'you'} cannot ${verb} ${ref ? describeRef(ref) : opts.path}`,
        ...(ref ? {hint: missingRuleHint(verb, ref)} : {}),
      });
    case 404: {
      // A 404 on a collection means the resource type itself is not served: usually a missing CRD.
      const crdMissing = ref && !ref.name && st.details?.name === undefined;
      return new ApiError({
        ...base,
        message: crdMissing
          ? `the server does not serve ${ref.resource}${ref.group ? `.${ref.group}` : ''}${ref.version ? `/${ref.version}` : ''} (CRD not installed?)`
          : message,
        ...(crdMissing && ref.group ? {hint: `Install the CRD for ${ref.resource}.${ref.group}; check with "kubectl get crd ${ref.resource}.${ref.group}".`} : {}),
      });
    }
    default:
      return new ApiError({...base, message});
  }
}

function describeRef(ref: ResourceRef): string {
  const res = `${ref.resource}${ref.subresource ? `/${ref.subresource}` : ''}${ref.group ? ` in API group "${ref.group}"` : ''}`;
  const scope = ref.namespace ? ` in namespace "${ref.namespace}"` : ref.name ? '' : ' at the cluster scope';
  return `${ref.name ? `${res} "${ref.name}"` : res}${scope}`;
}

/** Network-level failures (no HTTP response): unreachable server, TLS, DNS, timeouts. */
export function networkError(error: unknown, server: string, timeoutMs: number): InfgwError {
  const e = error as {name?: string; message?: string; code?: string; cause?: {code?: string; message?: string}};
  const code = e.cause?.code ?? e.code ?? '';
  const detail = e.cause?.message ?? e.message ?? String(error);
  if (e.name === 'TimeoutError' || e.name === 'AbortError' && timeoutMs > 0) {
    return new InfgwError(`the request to ${server} timed out after ${timeoutMs / 1000}s`, {
      exitCode: ExitCode.cluster,
      hint: 'Raise --request-timeout, or check that the API server is healthy.',
      cause: error,
    });
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|altnames|certificate/i.test(`${code} ${detail}`)) {
    return new InfgwError(`TLS handshake with ${server} failed: ${detail}`, {
      exitCode: ExitCode.cluster,
      hint: 'The server certificate does not match the CA in your kubeconfig. Check certificate-authority(-data), --tls-server-name, or (insecure) --insecure-skip-tls-verify.',
      cause: error,
    });
  }
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EAI_AGAIN|UND_ERR_CONNECT_TIMEOUT|UND_ERR_SOCKET/.test(code)) {
    return new InfgwError(`cannot reach the Kubernetes API server at ${server} (${code})`, {
      exitCode: ExitCode.cluster,
      hint: 'Is the cluster running and the address right? Check "kubectl config view --minify" and your VPN/proxy.',
      cause: error,
    });
  }
  return new InfgwError(`request to ${server} failed: ${detail}`, {exitCode: ExitCode.cluster, cause: error});
}
