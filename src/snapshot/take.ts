import type {KubeClient, KubeObject} from '../kube/client.ts';
import {apiPath} from '../kube/client.ts';
import {ApiError} from '../kube/errors.ts';
import {InfgwError} from '../errors.ts';
import {releasesFromSecrets} from '../helm/release.ts';
import {argValue, eppContainer} from '../k8s/args.ts';
import {podReady} from '../k8s/pods.ts';
import type {Deployment} from '../k8s/objects.ts';
import {CRD_NAMES, EG_1_8_REQUIRED_CRDS, ENVOY_GATEWAY_NAMESPACE, KINDS, type KindDef, type KindKey} from './kinds.ts';
import {EG_CONTROLLER_LABEL, envoyGatewayConfigMap, envoyGatewayInstalls, lastChanged} from './envoy-gateway.ts';
import {items} from './query.ts';
import {readEppRuntime} from './runtime.ts';
import {imageTag} from './versions.ts';
import {implementationOf, type Implementation} from '../k8s/implementation.ts';
import type {KindList, ListError, ListPart, RequestRecord, ServerVersion, Snapshot} from './types.ts';

/** Labels of the controller Deployments of the implementations doctor checks (src/model/gateway-controllers.ts). */
const CONTROLLER_LABELS: readonly [Implementation, string, string][] = [
  ['istio', 'app=istiod', 'istiod'],
  ['kgateway', 'kgateway=kgateway', 'kgateway'],
  ['agentgateway', 'agentgateway=agentgateway', 'agentgateway'],
  // kgateway releases before the split served the agentgateway class themselves (IGW-231)
  ['agentgateway', 'kgateway=kgateway', 'kgateway (agentgateway)'],
  // the chart's selector label with its default name (charts/nginx-gateway-fabric/templates/_helpers.tpl)
  ['nginx-gateway-fabric', 'app.kubernetes.io/name=nginx-gateway-fabric', 'NGINX Gateway Fabric'],
];

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

/** Snapshots started ahead of their takeSnapshot() call (prefetchSnapshot), by client. */
const prefetched = new WeakMap<KubeClient, {scope: SnapshotScope; snapshot: Promise<Snapshot>}>();

/**
 * Start reading the cluster before the caller is ready to use it (doctor: while the checks'
 * modules load). The next takeSnapshot() with the same client and the same namespace, kinds and
 * runtime setting returns this snapshot instead of reading again (once); its `onRequest` and
 * `signal` are the ones given here.
 */
export function prefetchSnapshot(kube: KubeClient, scope: SnapshotScope = {}): void {
  const snapshot = readSnapshot(kube, scope);
  snapshot.catch(() => undefined); // rejected before anyone awaits it: reported by takeSnapshot
  prefetched.set(kube, {scope, snapshot});
}

function sameScope(a: SnapshotScope, b: SnapshotScope): boolean {
  return a.namespace === b.namespace && (a.runtime ?? true) === (b.runtime ?? true) && (a.kinds ?? []).join() === (b.kinds ?? []).join();
}

/**
 * Read the cluster once, in one wave: /version, one list call per kind and the CRDs read by name,
 * all in parallel (credentials are obtained once and shared by the concurrent requests, see
 * KubeClient.getCredentials); the EPP runtime reads (log tail, /metrics) start as soon as the
 * Deployment and Pod lists are in, alongside the other lists; then a small follow-up wave whose
 * requests depend on what the lists showed (never one per object of a large kind).
 */
export function takeSnapshot(kube: KubeClient, scope: SnapshotScope = {}): Promise<Snapshot> {
  const ahead = prefetched.get(kube);
  if (ahead) {
    prefetched.delete(kube);
    if (sameScope(ahead.scope, scope)) return ahead.snapshot;
  }
  return readSnapshot(kube, scope);
}

async function readSnapshot(kube: KubeClient, scope: SnapshotScope): Promise<Snapshot> {
  const started = performance.now();
  const startCount = kube.requestCount;
  const requests: RequestRecord[] = [];
  const signal = scope.signal;
  const phase = (name: string, since: number): void => kube.debug?.(`phase ${name}: ${Math.round(performance.now() - since)} ms (at ${Math.round(performance.now())} ms since process start)`);

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

  const lists: Partial<Record<KindKey, KindList>> = {};
  const crds: Snapshot['crds'] = {};
  const snap: Snapshot = {
    source: 'cluster',
    takenAt: new Date().toISOString(),
    context: kube.config.contextName,
    server: kube.server,
    namespace: scope.namespace,
    version: undefined,
    lists,
    crds,
    releases: [],
    logs: {},
    requests,
    durationMs: 0,
    apiRequests: 0,
    fromFiles: new WeakSet(),
  };

  const wanted = new Set(scope.kinds ?? KINDS.map((k) => k.key));
  const jobs: Promise<void>[] = [];
  /** the jobs that fill the Deployment and Pod lists (the runtime wave waits for them only) */
  const workloadJobs: Promise<void>[] = [];
  const WORKLOAD_KINDS: ReadonlySet<KindKey> = new Set(['Deployment', 'Pod']);

  jobs.push(
    timed('server version', '/version', () => kube.get<ServerVersion>('/version', signal ? {signal} : {})).then((v) => {
      snap.version = v;
    }),
  );

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
    let job: Promise<void>;
    if (!d.namespaced || scope.namespace === undefined) job = listInto(d, undefined);
    else if (ROUTING_KINDS.has(d.key)) job = listRouting(d, scope.namespace);
    else job = listInto(d, scope.namespace);
    jobs.push(job);
    if (WORKLOAD_KINDS.has(d.key)) workloadJobs.push(job);
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
    const job = timed('Envoy Gateway controllers (all namespaces)', path, () => kube.list(path, {query: {labelSelector: EG_CONTROLLER_LABEL}, ...(signal ? {signal} : {})})).then((r) => {
      const found = 'reason' in r ? [] : r.items.map((x) => x.metadata.namespace ?? '').filter(Boolean);
      const namespaces = [...new Set(found.length ? found : [ENVOY_GATEWAY_NAMESPACE])].filter((ns) => ns !== scope.namespace);
      return Promise.all(namespaces.flatMap((ns) => KINDS.filter((d) => ENVOY_GATEWAY_KINDS.has(d.key) && wanted.has(d.key)).map((d) => listInto(d, ns)))).then(() => undefined);
    });
    jobs.push(job);
    workloadJobs.push(job);
  }

  for (const name of Object.values(CRD_NAMES)) {
    const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`;
    jobs.push(
      timed(`CRD ${name}`, path, () => kube.get(path, signal ? {signal} : {})).then((r) => {
        crds[name] = 'reason' in r && !('metadata' in r) ? (r.reason === 'notServed' ? null : (r as ListError)) : (r as KubeObject);
      }),
    );
  }

  // The runtime wave needs only the EPP Deployments and their Ready pods: it starts when those
  // lists are in, while the others are still arriving. A failed list wave (unreachable cluster)
  // rejects below; the runtime wave then finds no targets and ends at once.
  const runtimeWave =
    scope.runtime !== false
      ? Promise.allSettled(workloadJobs).then(async () => {
          const t0 = performance.now();
          await readEppRuntime(kube, snap, {signal});
          phase('runtime wave (EPP log tails, /metrics through port-forwards)', t0);
        })
      : Promise.resolve();
  runtimeWave.catch(() => undefined);

  const listsT0 = performance.now();
  await Promise.all(jobs);
  phase(`list wave (/version, ${jobs.length - 1} lists and CRD reads in parallel)`, listsT0);

  const secretsAccess = lists.HelmReleaseSecret?.parts.find((p) => 'error' in p);
  snap.releases = secretsAccess && 'error' in secretsAccess && !lists.HelmReleaseSecret?.parts.some((p) => 'items' in p)
    ? secretsAccess.error
    : releasesFromSecrets(items(snap, 'HelmReleaseSecret'));

  const followT0 = performance.now();
  const followUpRequests = kube.requestCount;
  await followUp(kube, snap, scope, timed);
  if (kube.requestCount > followUpRequests) phase('follow-up wave', followT0);
  await runtimeWave;

  snap.durationMs = Math.round(performance.now() - started);
  snap.apiRequests = kube.requestCount - startCount;
  phase('snapshot', started);
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

  if (wanted.has('BackendTrafficPolicy') && routeRuleWithoutTimeout(snap)) {
    const d = KINDS.find((k) => k.key === 'BackendTrafficPolicy')!;
    const path = apiPath({group: d.group, version: d.version, resource: d.resource, namespace: scope.namespace});
    jobs.push(
      timed(`${d.kind}.${d.group}/${d.version}`, path, () => kube.list(path, signal ? {signal} : {})).then((r) => {
        const part: ListPart = 'reason' in r ? {...(scope.namespace ? {namespace: scope.namespace} : {}), error: r} : {...(scope.namespace ? {namespace: scope.namespace} : {}), items: r.items.map((o) => withKind(o, d))};
        snap.lists.BackendTrafficPolicy = {kind: 'BackendTrafficPolicy', parts: [part]};
      }),
    );
  }

  // GKE (issue 13): its HealthCheckPolicy / GCPBackendPolicy, only when a GKE GatewayClass exists.
  if (items<KubeObject & {spec?: {controllerName?: string}}>(snap, 'GatewayClass').some((gc) => implementationOf(gc.spec?.controllerName)?.id === 'gke')) {
    for (const key of ['GKEHealthCheckPolicy', 'GCPBackendPolicy'] as const) {
      if (!wanted.has(key)) continue;
      const d = KINDS.find((k) => k.key === key)!;
      const path = apiPath({group: d.group, version: d.version, resource: d.resource, namespace: scope.namespace});
      jobs.push(
        timed(`${d.kind}.${d.group}/${d.version}`, path, () => kube.list(path, signal ? {signal} : {})).then((r) => {
          const part: ListPart = 'reason' in r ? {...(scope.namespace ? {namespace: scope.namespace} : {}), error: r} : {...(scope.namespace ? {namespace: scope.namespace} : {}), items: r.items.map((o) => withKind(o, d))};
          snap.lists[key] = {kind: key, parts: [part]};
        }),
      );
    }
  }

  if (wanted.has('Namespace') && listenerSelectsNamespaces(snap)) {
    const d = KINDS.find((k) => k.key === 'Namespace')!;
    const path = apiPath({group: d.group, version: d.version, resource: d.resource});
    jobs.push(
      timed(`${d.kind}`, path, () => kube.list(path, signal ? {signal} : {})).then((r) => {
        const part: ListPart = 'reason' in r ? {error: r} : {items: r.items.map((o) => withKind(o, d))};
        snap.lists.Namespace = {kind: 'Namespace', parts: [part]};
      }),
    );
  }

  if (wanted.has('Backend') && backendReferenced(snap)) {
    const d = KINDS.find((k) => k.key === 'Backend')!;
    const path = apiPath({group: d.group, version: d.version, resource: d.resource, namespace: scope.namespace});
    jobs.push(
      timed(`${d.kind}.${d.group}/${d.version}`, path, () => kube.list(path, signal ? {signal} : {})).then((r) => {
        const part: ListPart = 'reason' in r ? {...(scope.namespace ? {namespace: scope.namespace} : {}), error: r} : {...(scope.namespace ? {namespace: scope.namespace} : {}), items: r.items.map((o) => withKind(o, d))};
        snap.lists.Backend = {kind: 'Backend', parts: [part]};
      }),
    );
  }

  // TCPRoutes/UDPRoutes, when some Gateway has a TCP or UDP listener (IGW-213 names the routes attached to
  // it): v1 (Gateway API v1.6 standard channel), else v1alpha2 (older experimental bundles). Neither
  // served: the CRD is not installed — recorded as notServed, which checks read as "none", not an error.
  if (gatewayHasL4Listener(snap)) {
    for (const key of ['TCPRoute', 'UDPRoute'] as const) {
      if (!wanted.has(key)) continue;
      const d = KINDS.find((k) => k.key === key)!;
      const listOnce = (version: string) => {
        const path = apiPath({group: d.group, version, resource: d.resource, namespace: scope.namespace});
        return timed(`${d.kind}.${d.group}/${version}`, path, () => kube.list(path, signal ? {signal} : {}));
      };
      jobs.push(
        (async () => {
          let version = d.version;
          let r = await listOnce(version);
          if ('reason' in r && r.reason === 'notServed') {
            version = 'v1alpha2';
            r = await listOnce(version);
          }
          const at = scope.namespace ? {namespace: scope.namespace} : {};
          const part: ListPart = 'reason' in r ? {...at, error: r} : {...at, items: r.items.map((o) => withKind(o, {...d, version}))};
          snap.lists[key] = {kind: key, parts: [part]};
        })(),
      );
    }
  }

  // An Envoy Gateway v1.8.x runs: the Gateway API CRDs it cannot start without (IGW-114), by name.
  if (envoyGatewayInstalls(snap).some((eg) => /^v?1\.8\./.test(egImageTag(eg.deployment) ?? ''))) {
    for (const name of Object.values(EG_1_8_REQUIRED_CRDS)) {
      const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`;
      jobs.push(
        timed(`CRD ${name}`, path, () => kube.get(path, signal ? {signal} : {})).then((r) => {
          snap.crds[name] = 'reason' in r && !('metadata' in r) ? (r.reason === 'notServed' ? null : (r as ListError)) : (r as KubeObject);
        }),
      );
    }
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
        const troubled = (cs.restartCount ?? 0) > 0 || !podReady(p);
        if (!troubled && !reloaded) continue;
        const variants: boolean[] = (cs.restartCount ?? 0) > 0 ? [false, true] : [false];
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

/**
 * Some HTTPRoute rule sends to an InferencePool — or to a Service or an Envoy Gateway Backend (in front of
 * a Service), which may be on an inference path (model servers, LiteLLM) — without timeouts.request
 * (IGW-416 then looks for a BackendTrafficPolicy).
 */
function routeRuleWithoutTimeout(snap: Snapshot): boolean {
  return items<KubeObject & {spec?: {rules?: {backendRefs?: {group?: string; kind?: string}[]; timeouts?: {request?: string}}[]}}>(snap, 'HTTPRoute').some((r) =>
    (r.spec?.rules ?? []).some(
      (rule) =>
        rule.timeouts?.request === undefined &&
        (rule.backendRefs ?? []).some((b) => b.kind === 'InferencePool' || (b.kind ?? 'Service') === 'Service' || (b.kind === 'Backend' && b.group === 'gateway.envoyproxy.io')),
    ),
  );
}

/** The tag of an Envoy Gateway controller's image (its container running envoyproxy/gateway). */
function egImageTag(d: Deployment): string | undefined {
  const cs = d.spec?.template?.spec?.containers ?? [];
  const c = cs.find((x) => /envoyproxy\/gateway/.test(x.image ?? '')) ?? cs[0];
  return c?.image ? imageTag(c.image) : undefined;
}

/** Some EnvoyExtensionPolicy ext-proc or HTTPRoute rule names an Envoy Gateway Backend as its backendRef. */
function backendReferenced(snap: Snapshot): boolean {
  const isBackend = (b: {group?: string; kind?: string}) => b.kind === 'Backend' && b.group === 'gateway.envoyproxy.io';
  const byPolicy = items<KubeObject & {spec?: {extProc?: {backendRefs?: {group?: string; kind?: string}[]; backendRef?: {group?: string; kind?: string}}[]}}>(snap, 'EnvoyExtensionPolicy').some((p) =>
    (p.spec?.extProc ?? []).some((e) => [...(e.backendRefs ?? []), ...(e.backendRef ? [e.backendRef] : [])].some(isBackend)),
  );
  return byPolicy || items<KubeObject & {spec?: {rules?: {backendRefs?: {group?: string; kind?: string}[]}[]}}>(snap, 'HTTPRoute').some((r) => (r.spec?.rules ?? []).some((rule) => (rule.backendRefs ?? []).some(isBackend)));
}

/** Some Gateway has a TCP or UDP listener. */
function gatewayHasL4Listener(snap: Snapshot): boolean {
  return items<KubeObject & {spec?: {listeners?: {protocol?: string}[]}}>(snap, 'Gateway').some((g) => (g.spec?.listeners ?? []).some((l) => l.protocol === 'TCP' || l.protocol === 'UDP'));
}

/** Some Gateway listener admits routes by namespace labels (allowedRoutes.namespaces.from: Selector). */
function listenerSelectsNamespaces(snap: Snapshot): boolean {
  return items<KubeObject & {spec?: {listeners?: {allowedRoutes?: {namespaces?: {from?: string}}}[]}}>(snap, 'Gateway').some((g) =>
    (g.spec?.listeners ?? []).some((l) => l.allowedRoutes?.namespaces?.from === 'Selector'),
  );
}

/** An EnvoyExtensionPolicy with ext-proc exists and some EPP Deployment serves TLS. */
function needsBackendTls(snap: Snapshot): boolean {
  const hasExtProc = items(snap, 'EnvoyExtensionPolicy').some((p) => Array.isArray((p as {spec?: {extProc?: unknown[]}}).spec?.extProc));
  if (!hasExtProc) return false;
  return items<Deployment>(snap, 'Deployment').some((d) => {
    const c = eppContainer(d);
    return c !== undefined && argValue(c, '--secure-serving') !== 'false';
  });
}

/** Lists return items without apiVersion/kind; put them back so findings can name objects. */
function withKind(o: KubeObject, d: KindDef): KubeObject {
  if (!o.apiVersion) o.apiVersion = d.group ? `${d.group}/${d.version}` : d.version;
  if (!o.kind) o.kind = d.kind;
  return o;
}
