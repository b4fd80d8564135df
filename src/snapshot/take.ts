import type {KubeClient, KubeObject} from '../kube/client.ts';
import {apiPath} from '../kube/client.ts';
import {ApiError} from '../kube/errors.ts';
import {InfgwError} from '../errors.ts';
import {releasesFromSecrets} from '../helm/release.ts';
import {argValue} from '../k8s/args.ts';
import {podReady} from '../k8s/pods.ts';
import type {Deployment} from '../k8s/objects.ts';
import {CRD_NAMES, ENVOY_GATEWAY_NAMESPACE, KINDS, type KindDef, type KindKey} from './kinds.ts';
import {EG_CONTROLLER_LABEL, envoyGatewayConfigMap, envoyGatewayInstalls, lastChanged} from './envoy-gateway.ts';
import {items} from './query.ts';
import {readEppRuntime} from './runtime.ts';
import {implementationOf, type Implementation} from '../model/implementation.ts';

/** Labels of the controller Deployments of the implementations doctor checks (src/model/gateway-controllers.ts). */
const CONTROLLER_LABELS: readonly [Implementation, string, string][] = [
  ['istio', 'app=istiod', 'istiod'],
  ['kgateway', 'kgateway=kgateway', 'kgateway'],
];
import type {KindList, ListError, ListPart, RequestRecord, ServerVersion, Snapshot} from './types.ts';

export interface SnapshotScope {
  /** undefined = every namespace (-A) */
  namespace?: string | undefined;
  signal?: AbortSignal;
  /** called after each request (progress display) */
  onRequest?: (r: RequestRecord) => void;
  /** kinds to read; default all (a --only/--symptom run may need fewer) */
  kinds?: readonly KindKey[];
  /** read EPP logs and /metrics after the lists (src/snapshot/runtime.ts); default true */
  runtime?: boolean;
}

/** Kinds read in Envoy Gateway's namespace too when the run is scoped to another namespace. */
const ENVOY_GATEWAY_KINDS: ReadonlySet<KindKey> = new Set(['Deployment', 'Pod', 'ConfigMap', 'Service']);
/** Kinds whose objects refer across namespaces: read cluster-wide even with -n (when allowed). */
const ROUTING_KINDS: ReadonlySet<KindKey> = new Set(['Gateway', 'HTTPRoute', 'EnvoyExtensionPolicy']);

/** Turn an API failure into a recorded reason; errors that mean "no cluster" are rethrown. */
function listError(error: unknown): ListError {
  if (error instanceof ApiError) {
    if (error.forbidden) return {reason: 'forbidden', message: error.message, ...(error.hint ? {rule: error.hint} : {})};
    if (error.notFound) return {reason: 'notServed', message: error.message};
    if (error.status === 401) throw error;
    return {reason: 'failed', message: error.message};
  }
  // network failures, credential plugins: the cluster cannot be reached at all
  if (error instanceof InfgwError) throw error;
  if ((error as Error)?.name === 'AbortError') throw error;
  return {reason: 'failed', message: (error as Error)?.message ?? String(error)};
}

/**
 * Read the cluster once: /version first (it also obtains credentials before fanning out,
 * domain-facts §5), then one list call per kind in parallel, then a small follow-up wave whose
 * requests depend on what the lists showed (never one per object of a large kind).
 */
export async function takeSnapshot(kube: KubeClient, scope: SnapshotScope = {}): Promise<Snapshot> {
  const started = performance.now();
  const startCount = kube.requestCount;
  const requests: RequestRecord[] = [];
  const signal = scope.signal;

  async function timed<T>(what: string, path: string, fn: () => Promise<T>): Promise<T | ListError> {
    const t0 = performance.now();
    let status: RequestRecord['status'] = 'ok';
    try {
      return await fn();
    } catch (error) {
      const e = listError(error);
      status = e.reason === 'notServed' ? 'notFound' : e.reason;
      return e;
    } finally {
      const rec = {what, path, durationMs: Math.round(performance.now() - t0), status};
      requests.push(rec);
      scope.onRequest?.(rec);
    }
  }

  const versionT0 = performance.now();
  let version: ServerVersion | ListError;
  try {
    version = await kube.get<ServerVersion>('/version', signal ? {signal} : {});
  } catch (error) {
    version = listError(error);
  }
  requests.push({what: 'server version', path: '/version', durationMs: Math.round(performance.now() - versionT0), status: 'reason' in version ? version.reason : 'ok'});
  scope.onRequest?.(requests[requests.length - 1]!);

  const wanted = new Set(scope.kinds ?? KINDS.map((k) => k.key));
  const lists: Partial<Record<KindKey, KindList>> = {};
  const jobs: Promise<void>[] = [];

  const listInto = (d: KindDef, namespace: string | undefined): Promise<void> => {
    const path = apiPath({group: d.group, version: d.version, resource: d.resource, namespace});
    const query = d.labelSelector ? {labelSelector: d.labelSelector} : undefined;
    return timed(`${d.kind}${d.group ? `.${d.group}/${d.version}` : ''}${namespace ? ` in ${namespace}` : ''}`, path, () =>
      kube.list(path, {...(query ? {query} : {}), ...(signal ? {signal} : {})}),
    ).then((r) => {
      const part: ListPart = 'reason' in r ? {...(namespace ? {namespace} : {}), error: r} : {...(namespace ? {namespace} : {}), items: r.items.map((o) => withKind(o, d))};
      (lists[d.key] ??= {kind: d.key, parts: []}).parts.push(part);
    });
  };

  for (const d of KINDS) {
    if (d.followUp || !wanted.has(d.key)) continue;
    if (!d.namespaced || scope.namespace === undefined) jobs.push(listInto(d, undefined));
    else if (ROUTING_KINDS.has(d.key)) jobs.push(listRouting(d, scope.namespace));
    else jobs.push(listInto(d, scope.namespace));
  }

  // Routes, Gateways and their policies cross namespaces (a route in one namespace, a shared Gateway
  // in another): with -n they are read cluster-wide when allowed, else in the namespace only.
  function listRouting(d: KindDef, namespace: string): Promise<void> {
    const path = apiPath({group: d.group, version: d.version, resource: d.resource});
    return timed(`${d.kind}.${d.group}/${d.version} (all namespaces)`, path, () => kube.list(path, signal ? {signal} : {})).then((r) => {
      if ('reason' in r && r.reason === 'forbidden') return listInto(d, namespace);
      const part: ListPart = 'reason' in r ? {error: r} : {items: r.items.map((o) => withKind(o, d))};
      (lists[d.key] ??= {kind: d.key, parts: []}).parts.push(part);
      return undefined;
    });
  }

  // Scoped to a namespace: find Envoy Gateway's controller wherever it is installed (one labelled
  // list), then read its namespace's Deployments, Pods, ConfigMaps (its config) and Services (the
  // proxies). Unreadable or not found: envoy-gateway-system, the default.
  if (scope.namespace !== undefined) {
    const path = `${apiPath({group: 'apps', version: 'v1', resource: 'deployments'})}`;
    jobs.push(
      timed('Envoy Gateway controllers (all namespaces)', path, () => kube.list(path, {query: {labelSelector: EG_CONTROLLER_LABEL}, ...(signal ? {signal} : {})})).then((r) => {
        const found = 'reason' in r ? [] : r.items.map((x) => x.metadata.namespace ?? '').filter(Boolean);
        const namespaces = [...new Set(found.length ? found : [ENVOY_GATEWAY_NAMESPACE])].filter((ns) => ns !== scope.namespace);
        return Promise.all(namespaces.flatMap((ns) => KINDS.filter((d) => ENVOY_GATEWAY_KINDS.has(d.key) && wanted.has(d.key)).map((d) => listInto(d, ns)))).then(() => undefined);
      }),
    );
  }

  const crds: Snapshot['crds'] = {};
  for (const name of Object.values(CRD_NAMES)) {
    const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`;
    jobs.push(
      timed(`CRD ${name}`, path, () => kube.get(path, signal ? {signal} : {})).then((r) => {
        crds[name] = 'reason' in r && !('metadata' in r) ? (r.reason === 'notServed' ? null : (r as ListError)) : (r as KubeObject);
      }),
    );
  }
  await Promise.all(jobs);

  const snap: Snapshot = {
    source: 'cluster',
    takenAt: new Date().toISOString(),
    context: kube.config.contextName,
    server: kube.server,
    namespace: scope.namespace,
    version,
    lists,
    crds,
    releases: [],
    logs: {},
    requests,
    durationMs: 0,
    apiRequests: 0,
    fromFiles: new WeakSet(),
  };

  const secretsAccess = lists.HelmReleaseSecret?.parts.find((p) => 'error' in p);
  snap.releases = secretsAccess && 'error' in secretsAccess && !lists.HelmReleaseSecret?.parts.some((p) => 'items' in p)
    ? secretsAccess.error
    : releasesFromSecrets(items(snap, 'HelmReleaseSecret'));

  await followUp(kube, snap, scope, timed);
  if (scope.runtime !== false) await readEppRuntime(kube, snap, {signal});

  snap.durationMs = Math.round(performance.now() - started);
  snap.apiRequests = kube.requestCount - startCount;
  return snap;
}

type Timed = <T>(what: string, path: string, fn: () => Promise<T>) => Promise<T | ListError>;

/**
 * Reads that only make sense given what the lists showed:
 * - BackendTLSPolicies, when an EnvoyExtensionPolicy sends ext-proc to an EPP that serves TLS
 *   (the EPP's --secure-serving defaults to true, domain-facts §2);
 * - Envoy Gateway controller logs, when a controller pod restarted or is not ready (the previous
 *   container's log tells why it died) or its config changed after the pod started (a reload
 *   may have been rejected: "failed to validate EnvoyGateway config", domain-facts §4).
 */
async function followUp(kube: KubeClient, snap: Snapshot, scope: SnapshotScope, timed: Timed): Promise<void> {
  const jobs: Promise<void>[] = [];
  const signal = scope.signal;
  const wanted = new Set(scope.kinds ?? KINDS.map((k) => k.key));

  if (wanted.has('BackendTLSPolicy') && needsBackendTls(snap)) {
    const d = KINDS.find((k) => k.key === 'BackendTLSPolicy')!;
    const path = apiPath({group: d.group, version: d.version, resource: d.resource, namespace: scope.namespace});
    jobs.push(
      timed(`${d.kind}.${d.group}/${d.version}`, path, () => kube.list(path, signal ? {signal} : {})).then((r) => {
        const part: ListPart = 'reason' in r ? {...(scope.namespace ? {namespace: scope.namespace} : {}), error: r} : {...(scope.namespace ? {namespace: scope.namespace} : {}), items: r.items.map((o) => withKind(o, d))};
        snap.lists.BackendTLSPolicy = {kind: 'BackendTLSPolicy', parts: [part]};
      }),
    );
  }

  // Scoped to a namespace, with a GatewayClass of Istio or kgateway (issue 13): their controller runs
  // in its own namespace (istio-system, kgateway-system, …). Find it by its label cluster-wide, then
  // read Deployments in its namespace (as for Envoy Gateway) so IGW-220/225 can judge its flag.
  if (scope.namespace !== undefined && wanted.has('Deployment')) {
    const impls = new Set(items<KubeObject & {spec?: {controllerName?: string}}>(snap, 'GatewayClass').map((gc) => implementationOf(gc.spec?.controllerName)?.id));
    const d = KINDS.find((k) => k.key === 'Deployment')!;
    const covered = new Set((snap.lists.Deployment?.parts ?? []).map((p) => p.namespace));
    for (const [impl, label, what] of CONTROLLER_LABELS) {
      if (!impls.has(impl)) continue;
      const path = apiPath({group: d.group, version: d.version, resource: d.resource});
      jobs.push(
        timed(`${what} controllers (all namespaces)`, path, () => kube.list(path, {query: {labelSelector: label}, ...(signal ? {signal} : {})})).then(async (r) => {
          if ('reason' in r) return;
          const namespaces = [...new Set(r.items.map((x) => x.metadata.namespace ?? ''))].filter((ns) => ns && !covered.has(ns));
          await Promise.all(
            namespaces.map(async (ns) => {
              covered.add(ns);
              const nsPath = apiPath({group: d.group, version: d.version, resource: d.resource, namespace: ns});
              const l = await timed(`${d.kind}.${d.group}/${d.version} in ${ns}`, nsPath, () => kube.list(nsPath, signal ? {signal} : {}));
              const part: ListPart = 'reason' in l ? {namespace: ns, error: l} : {namespace: ns, items: l.items.map((o) => withKind(o, d))};
              (snap.lists.Deployment ??= {kind: 'Deployment', parts: []}).parts.push(part);
            }),
          );
        }),
      );
    }
  }

  for (const eg of envoyGatewayInstalls(snap)) {
    const cm = envoyGatewayConfigMap(snap, eg);
    const cmChanged = cm ? lastChanged(cm) : undefined;
    for (const p of eg.pods.slice(0, 3)) {
      for (const cs of p.status?.containerStatuses ?? []) {
        const started = Date.parse(p.status?.startTime ?? p.metadata.creationTimestamp ?? '');
        const reloaded = cmChanged !== undefined && Number.isFinite(started) && cmChanged.getTime() > started;
        const troubled = cs.restartCount > 0 || !podReady(p);
        if (!troubled && !reloaded) continue;
        const variants: boolean[] = cs.restartCount > 0 ? [false, true] : [false];
        for (const previous of variants) {
          const key = `${p.metadata.namespace}/${p.metadata.name}/${cs.name}${previous ? '/previous' : ''}`;
          const path = `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}/log`;
          jobs.push(
            timed(`logs ${key}`, path, () =>
              kube.get<string>(path, {text: true, query: {container: cs.name, tailLines: 200, ...(previous ? {previous: true} : {})}, ...(signal ? {signal} : {})}),
            ).then((r) => {
              snap.logs[key] = r;
            }),
          );
        }
      }
    }
  }
  await Promise.all(jobs);
}

/** An EnvoyExtensionPolicy with ext-proc exists and some EPP Deployment serves TLS. */
function needsBackendTls(snap: Snapshot): boolean {
  const hasExtProc = items(snap, 'EnvoyExtensionPolicy').some((p) => Array.isArray((p as {spec?: {extProc?: unknown[]}}).spec?.extProc));
  if (!hasExtProc) return false;
  return items<Deployment>(snap, 'Deployment').some((d) => {
    const c = (d.spec?.template?.spec?.containers ?? []).find((x) => argValue(x, '--pool-name') !== undefined);
    return c !== undefined && argValue(c, '--secure-serving') !== 'false';
  });
}

/** Lists return items without apiVersion/kind; put them back so findings can name objects. */
function withKind(o: KubeObject, d: KindDef): KubeObject {
  if (!o.apiVersion) o.apiVersion = d.group ? `${d.group}/${d.version}` : d.version;
  if (!o.kind) o.kind = d.kind;
  return o;
}
