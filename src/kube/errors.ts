import {ExitCode, InfgwError, type ExitCodeValue} from '../errors.ts';

/** A failed API request, with what a human needs to understand it. */
export class ApiError extends InfgwError {
  readonly status: number;
  readonly reason: string;
  readonly verb: string;
  readonly path: string;
  readonly details: {group?: string; kind?: string; name?: string} | undefined;
  /** 404 because the API server does not serve this resource type at all (a CRD that is not installed) */
  readonly resourceNotServed: boolean;
  constructor(opts: {
    status: number;
    reason: string;
    message: string;
    verb: string;
    path: string;
    details?: {group?: string; kind?: string; name?: string};
    hint?: string;
    exitCode?: ExitCodeValue;
    resourceNotServed?: boolean;
  }) {
    super(opts.message, {exitCode: opts.exitCode ?? ExitCode.problems, ...(opts.hint ? {hint: opts.hint} : {})});
    this.name = 'ApiError';
    this.status = opts.status;
    this.reason = opts.reason;
    this.verb = opts.verb;
    this.path = opts.path;
    this.details = opts.details;
    this.resourceNotServed = opts.resourceNotServed ?? false;
  }
  get notFound(): boolean {
    return this.status === 404;
  }
  get forbidden(): boolean {
    return this.status === 403;
  }
  get unauthorized(): boolean {
    return this.status === 401;
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
  const parts = apiPath.split('?')[0]!.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
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
  // "/namespaces/x" alone is the namespace object itself, not a namespace scope
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

/** The RBAC rule that would allow a request, and a kubectl command a cluster admin can run to grant it. */
export function missingRuleHint(verb: string, ref: ResourceRef): string {
  const res = ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource;
  const qualified = ref.group ? `${res}.${ref.group}` : res;
  const scope = ref.namespace ? `a Role in namespace ${ref.namespace}` : 'a ClusterRole';
  const create = ref.namespace
    ? `kubectl create role infgw-reader -n ${ref.namespace} --verb=${verb} --resource=${qualified}`
    : `kubectl create clusterrole infgw-reader --verb=${verb} --resource=${qualified}`;
  return `Needs ${scope} rule: apiGroups ["${ref.group}"], resources ["${res}"], verbs ["${verb}"] — e.g. ${create} (then bind it to the user).`;
}

interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {group?: string; kind?: string; name?: string};
}

function isStatus(body: unknown): body is StatusBody {
  return typeof body === 'object' && body !== null && (body as StatusBody).kind === 'Status';
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
  const st: StatusBody = isStatus(opts.body) ? opts.body : {};
  const verb = rbacVerb(opts.method, opts.path, opts.watch);
  const ref = parseApiPath(opts.path);
  const base = {status: opts.status, reason: st.reason ?? '', verb, path: opts.path, ...(st.details ? {details: st.details} : {})};
  const text = typeof opts.body === 'string' ? opts.body.trim() : '';
  const message = st.message ?? (text ? text.slice(0, 300) : `HTTP ${opts.status}`);
  switch (opts.status) {
    case 401:
      // kubectl: "error: You must be logged in to the server (Unauthorized)"
      return new ApiError({
        ...base,
        message: `the server at ${opts.server} rejected our credentials (401 Unauthorized)`,
        hint: 'The token or client certificate is missing, expired or for another cluster. Refresh your credentials (e.g. "aws eks update-kubeconfig", "gcloud container clusters get-credentials") or check --token/--user.',
        exitCode: ExitCode.cluster,
      });
    case 403: {
      // The API server's message names the user and the request exactly ("pods is forbidden: User
      // "x" cannot list resource "pods" in API group "" in the namespace "y"); keep it and add the rule.
      const who = opts.user ? `user "${opts.user}"` : 'you';
      return new ApiError({
        ...base,
        message: st.message ? `forbidden: ${st.message}` : `forbidden: ${who} cannot ${verb} ${ref ? describeRef(ref) : opts.path}`,
        ...(ref ? {hint: missingRuleHint(verb, ref)} : {}),
        exitCode: ExitCode.cluster,
      });
    }
    case 404: {
      // A missing object answers with a Status naming it (details.name). A resource type the server
      // does not serve — a CRD that is not installed — answers "404 page not found" (plain text)
      // from the apiserver's not-found handler, or a Status without details for a served group.
      const notServed = Boolean(ref) && !ref!.subresource && (!isStatus(opts.body) || (!st.details?.name && !ref!.name && st.reason === 'NotFound'));
      if (notServed && ref) {
        const qualified = `${ref.resource}${ref.group ? `.${ref.group}` : ''}`;
        return new ApiError({
          ...base,
          resourceNotServed: true,
          message: `the server does not serve ${qualified}${ref.version ? ` (version ${ref.version})` : ''}: is its CRD installed?`,
          hint: ref.group
            ? `Check with "kubectl get crd ${qualified}" and "kubectl api-resources --api-group=${ref.group}"; install the CRD (or the version ${ref.version ?? ''} of it) first.`
            : `Check with "kubectl api-resources".`,
        });
      }
      return new ApiError({...base, message});
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

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|EPROTO|HOSTNAME|ALTNAME/;
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EADDRNOTAVAIL']);

/** Network-level failures (no HTTP response): unreachable server, TLS, DNS, timeouts. */
export function networkError(error: unknown, server: string, timeoutMs: number): InfgwError {
  const e = error as {name?: string; message?: string; code?: string; cause?: {code?: string; message?: string}};
  const code = e.code ?? e.cause?.code ?? '';
  const detail = e.message ?? String(error);
  if (timeoutMs > 0) {
    return new InfgwError(`the request to ${server} timed out after ${formatSeconds(timeoutMs)} (--request-timeout)`, {
      exitCode: ExitCode.cluster,
      hint: 'Raise --request-timeout (0 = no limit), or check that the API server is healthy.',
      cause: error,
    });
  }
  if (TLS_CODES.test(code) || /certificate|wrong version number|handshake/i.test(detail)) {
    const plainHttp = /wrong version number|packet length too long/i.test(detail);
    return new InfgwError(`TLS handshake with ${server} failed: ${detail}${code && !detail.includes(code) ? ` (${code})` : ''}`, {
      exitCode: ExitCode.cluster,
      hint: plainHttp
        ? 'The server does not speak TLS on that port: check the scheme and port of the server address.'
        : 'The server certificate is not signed by the CA in your kubeconfig, or is for another name. Check certificate-authority(-data) and --tls-server-name; --insecure-skip-tls-verify skips the check (insecure).',
      cause: error,
    });
  }
  if (UNREACHABLE_CODES.has(code)) {
    return new InfgwError(`cannot reach the Kubernetes API server at ${server} (${code}${code === 'ECONNREFUSED' ? ': connection refused' : ''})`, {
      exitCode: ExitCode.cluster,
      hint: 'Is the cluster running and the address right? Check "kubectl config view --minify", --server and --context, and your VPN or proxy.',
      cause: error,
    });
  }
  return new InfgwError(`request to ${server} failed: ${detail}`, {exitCode: ExitCode.cluster, cause: error});
}

function formatSeconds(ms: number): string {
  return `${ms / 1000}s`;
}
