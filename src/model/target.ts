/*
 * Pool-centric discovery (issue 4): every InferencePool, of either API group, is the root of a
 * chain Gateway → HTTPRoute → InferencePool → EPP Service/Deployment → model pods →
 * InferenceService. Releases of the inference-gateway chart add what the user asked for (the pool
 * their EPP serves, their Gateway); a release whose pool does not exist is a chain too, with the
 * pool missing. Pure: reads only the snapshot.
 */
import type {KubeObject} from '../kube/client.ts';
import {GROUP} from '../snapshot/kinds.ts';
import {get, items, lookup, type Lookup} from '../snapshot/query.ts';
import type {HelmRelease, Snapshot} from '../snapshot/types.ts';
import {INFERENCE_GATEWAY_CHART, valueAt} from '../helm/release.ts';
import {argValue, eppArgs, eppContainer, eppContainerIn, envValue} from '../k8s/args.ts';
import {conditions, ref, type Condition, type Container, type Deployment, type LabelSelector, type ObjectRef, type Pod, type Service} from '../k8s/objects.ts';
import {selectorMatches} from '../k8s/selectors.ts';

export const DEFAULT_POOL_GROUP = GROUP.pool;
export const KSERVE_ISVC_LABEL = 'serving.kserve.io/inferenceservice';

export interface EppRef {
  group: string;
  kind: string;
  name: string;
  port?: number | undefined;
  failureMode?: string | undefined;
  /** the field it came from: v1 endpointPickerRef, v1alpha2 extensionRef */
  field: 'endpointPickerRef' | 'extensionRef';
}

export interface PoolView {
  obj: KubeObject;
  ref: ObjectRef;
  group: string;
  version: string;
  namespace: string;
  name: string;
  selector: LabelSelector | Record<string, string> | undefined;
  targetPorts: number[];
  appProtocol?: string | undefined;
  epp?: EppRef | undefined;
  parents: {parentRef: {group?: string; kind?: string; name: string; namespace?: string}; controllerName?: string; conditions: Condition[]}[];
}

interface RawPool extends KubeObject {
  spec?: {
    selector?: {matchLabels?: Record<string, string>} | Record<string, string>;
    targetPorts?: {number: number}[];
    targetPortNumber?: number;
    appProtocol?: string;
    endpointPickerRef?: {group?: string; kind?: string; name: string; port?: {number?: number}; failureMode?: string};
    extensionRef?: {group?: string; kind?: string; name: string; portNumber?: number; failureMode?: string};
  };
  status?: {
    parents?: PoolView['parents'];
    parent?: PoolView['parents'];
  };
}

/** InferencePool v1 and v1alpha2 seen through one shape (GIE api/v1 and api/v1alpha2 types). */
export function poolView(o: KubeObject): PoolView {
  const p = o as RawPool;
  const [group, version] = (p.apiVersion ?? `${GROUP.pool}/v1`).split('/') as [string, string];
  const spec = p.spec ?? {};
  const v1 = group === GROUP.pool;
  let epp: EppRef | undefined;
  if (spec.endpointPickerRef) {
    const e = spec.endpointPickerRef;
    epp = {group: e.group ?? '', kind: e.kind ?? 'Service', name: e.name, port: e.port?.number, failureMode: e.failureMode ?? 'FailClose', field: 'endpointPickerRef'};
  } else if (spec.extensionRef) {
    const e = spec.extensionRef;
    epp = {group: e.group ?? '', kind: e.kind ?? 'Service', name: e.name, port: e.portNumber, failureMode: e.failureMode ?? 'FailClose', field: 'extensionRef'};
  }
  // v1 nests matchLabels; v1alpha2's selector is the map itself
  const sel = spec.selector;
  const selector = sel && typeof (sel as {matchLabels?: unknown}).matchLabels === 'object' ? (sel as LabelSelector) : (sel as Record<string, string> | undefined);
  const parents = (v1 ? p.status?.parents : p.status?.parent) ?? [];
  return {
    obj: o,
    ref: ref(o, `${group}/${version}`, 'InferencePool'),
    group,
    version,
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
    selector,
    targetPorts: spec.targetPorts ? spec.targetPorts.map((t) => t.number) : spec.targetPortNumber !== undefined ? [spec.targetPortNumber] : [],
    appProtocol: spec.appProtocol,
    epp,
    // v1alpha2's CRD default puts a placeholder parent {kind: Status, name: default} with Pending
    parents: parents.filter((x) => x.parentRef?.kind !== 'Status'),
  };
}

export interface BackendRefLike {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
}

export interface ParentRefLike {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  sectionName?: string;
  port?: number;
}

export interface HTTPRoute extends KubeObject {
  spec?: {parentRefs?: ParentRefLike[]; hostnames?: string[]; rules?: {backendRefs?: BackendRefLike[]; matches?: unknown[]; filters?: unknown[]}[]};
  status?: {parents?: {parentRef: ParentRefLike; controllerName?: string; conditions?: Condition[]}[]};
}

export interface Gateway extends KubeObject {
  spec?: {gatewayClassName?: string; listeners?: {name: string; port: number; protocol: string; hostname?: string; allowedRoutes?: {namespaces?: {from?: string}}}[]};
  status?: {conditions?: Condition[]; addresses?: {type?: string; value: string}[]; listeners?: {name: string; attachedRoutes?: number; conditions?: Condition[]}[]};
}

export interface ExtProc {
  backendRefs?: BackendRefLike[];
  backendRef?: BackendRefLike;
  messageTimeout?: string;
  failOpen?: boolean;
  processingMode?: {request?: {body?: string}; response?: {body?: string}; allowModeOverride?: boolean};
}

export interface EnvoyExtensionPolicy extends KubeObject {
  spec?: {
    targetRef?: {group?: string; kind?: string; name: string; sectionName?: string};
    targetRefs?: {group?: string; kind?: string; name: string; sectionName?: string}[];
    targetSelectors?: {group?: string; kind?: string; matchLabels?: Record<string, string>}[];
    extProc?: ExtProc[];
  };
  status?: {ancestors?: {ancestorRef: ParentRefLike; controllerName?: string; conditions?: Condition[]}[]};
}

export interface RouteLink {
  route: HTTPRoute;
  ruleIndex: number;
  backendRef: BackendRefLike;
  /** the backendRef's group, defaulted like Gateway API does ("" = core) */
  group: string;
}

export interface GatewayLink {
  namespace: string;
  name: string;
  lookup: Lookup<Gateway>;
  /** how the chain knows it: a route's parentRef, the chart release, or an EnvoyExtensionPolicy's targetRef */
  via: ('route' | 'release' | 'policy')[];
}

export interface PolicyLink {
  policy: EnvoyExtensionPolicy;
  extProcIndex: number;
  /** the EPP Service the ext-proc reaches (for a Backend: the Service its endpoint names, with that port) */
  backendRef: BackendRefLike;
  /** when the ext-proc goes through an Envoy Gateway Backend: that Backend (its tls decides TLS) */
  backend?: EnvoyBackend | undefined;
}

/** Envoy Gateway's Backend (envoyproxy/gateway v1.9.1 api/v1alpha1/backend_types.go). */
export interface EnvoyBackend extends KubeObject {
  spec?: {
    endpoints?: {fqdn?: {hostname: string; port: number}; ip?: {address: string; port: number}; unix?: {path: string}}[];
    tls?: {insecureSkipVerify?: boolean; caCertificateRefs?: unknown[]; wellKnownCACertificates?: string};
  };
}

/**
 * The in-cluster Service an Envoy Gateway Backend points at: an fqdn endpoint `svc`, `svc.ns`,
 * `svc.ns.svc[.cluster.local]`, or an ip endpoint equal to a Service's clusterIP — with the endpoint's port.
 */
export function backendService(snap: Snapshot, b: EnvoyBackend): {namespace: string; name: string; port: number} | undefined {
  const ns = b.metadata.namespace ?? '';
  for (const e of b.spec?.endpoints ?? []) {
    if (e.fqdn) {
      const parts = e.fqdn.hostname.toLowerCase().replace(/\.$/, '').split('.');
      if (parts.length === 1) return {namespace: ns, name: parts[0]!, port: e.fqdn.port};
      if (parts.length === 2 || parts[2] === 'svc') return {namespace: parts[1]!, name: parts[0]!, port: e.fqdn.port};
    }
    if (e.ip) {
      const svc = items<Service>(snap, 'Service').find((x) => x.spec?.clusterIP === e.ip!.address);
      if (svc) return {namespace: svc.metadata.namespace ?? '', name: svc.metadata.name, port: e.ip.port};
    }
  }
  return undefined;
}

/** What a release of the inference-gateway chart rendered and asked for. */
export interface ChartRelease {
  release: HelmRelease;
  /** EPP Deployment in the release manifest (the container that takes --pool-name) */
  eppDeployment?: Deployment | undefined;
  eppContainer?: Container | undefined;
  eppService?: Service | undefined;
  gateway?: Gateway | undefined;
  policies: EnvoyExtensionPolicy[];
  pool: {name?: string | undefined; namespace: string; group: string};
  gatewayName?: string | undefined;
  gatewayClassName?: string | undefined;
  gatewayPort?: number | undefined;
}

export interface EppInfo {
  deployment: Deployment;
  container: Container | undefined;
  pods: Pod[];
  poolName?: string | undefined;
  poolNamespace: string;
  poolGroup: string;
  secureServing: boolean;
  /** standalone mode: the EPP picks from the pods this label selector matches and reads no InferencePool */
  endpointSelector?: string | undefined;
}

export interface PoolChain {
  /** `namespace/name`, the chain's id in findings */
  key: string;
  namespace: string;
  name: string;
  /** the group the pool lives in (or is expected in) */
  group: string;
  pool?: PoolView | undefined;
  /** why the pool is unknown (forbidden, outside scope) when it was not found */
  poolUnknown?: string | undefined;
  release?: ChartRelease | undefined;
  routes: RouteLink[];
  gateways: GatewayLink[];
  eppService?: Lookup<Service> | undefined;
  epps: EppInfo[];
  modelPods: Pod[];
  inferenceServices: {name: string; lookup: Lookup<KubeObject>}[];
  /** EnvoyExtensionPolicies whose ext-proc goes to this pool's EPP Service */
  eppPolicies: PolicyLink[];
  /** other EnvoyExtensionPolicies attached to the chain's Gateways (legitimate, e.g. body-based routing) */
  otherPolicies: EnvoyExtensionPolicy[];
}

export interface Target {
  /** the namespace the run is scoped to; undefined = all (-A) */
  namespace?: string | undefined;
  releaseFilter?: string | undefined;
  poolFilter?: string | undefined;
  releases: ChartRelease[];
  chains: PoolChain[];
}

export interface TargetOptions {
  namespace?: string | undefined;
  release?: string | undefined;
  pool?: string | undefined;
}

/** How an EPP finds its pool (llm-d-router / GIE cmd/epp flags, domain-facts §2). */
export function eppPoolOf(d: Deployment): {name?: string | undefined; namespace: string; group: string; secureServing: boolean; endpointSelector?: string | undefined; container?: Container | undefined} {
  const c = eppContainer(d);
  const a = eppArgs(c);
  const name = a.poolName;
  const namespace = a.poolNamespace ?? envValue(c, 'NAMESPACE') ?? (envFromFieldRef(c, 'NAMESPACE') ? d.metadata.namespace : undefined) ?? 'default';
  const group = a.poolGroup ?? DEFAULT_POOL_GROUP;
  const secure = argValue(c, '--secure-serving');
  const endpointSelector = a.endpointSelector;
  return {name, namespace, group, secureServing: secure === undefined ? true : secure !== 'false', endpointSelector, container: c};
}

/** env NAMESPACE from the downward API (metadata.namespace) means "the pod's namespace". */
function envFromFieldRef(c: Container | undefined, name: string): boolean {
  const e = c?.env?.find((x) => x.name === name);
  const vf = e?.valueFrom as {fieldRef?: {fieldPath?: string}} | undefined;
  return vf?.fieldRef?.fieldPath === 'metadata.namespace';
}

export function chartRelease(r: HelmRelease): ChartRelease {
  const m = r.manifest;
  const eppDeployment = m.find((o) => o.kind === 'Deployment' && eppContainerIn((o as Deployment).spec?.template?.spec)) as Deployment | undefined;
  const eppLabels = eppDeployment?.spec?.template?.metadata?.labels;
  const services = m.filter((o) => o.kind === 'Service') as Service[];
  const eppService =
    services.find((s) => s.spec?.selector && eppLabels && selectorMatches(s.spec.selector, eppLabels)) ?? services.find((s) => (s.spec?.ports ?? []).some((p) => p.port === 9002));
  const gateway = m.find((o) => o.kind === 'Gateway') as Gateway | undefined;
  const policies = m.filter((o) => o.kind === 'EnvoyExtensionPolicy') as EnvoyExtensionPolicy[];
  const fromDeploy = eppDeployment ? eppPoolOf({...eppDeployment, metadata: {...eppDeployment.metadata, namespace: eppDeployment.metadata.namespace ?? r.namespace}}) : undefined;
  const poolName = fromDeploy?.name ?? (valueAt(r.values, 'epp.poolName') as string | undefined) ?? undefined;
  const gwPortValue = valueAt(r.values, 'gateway.port');
  return {
    release: r,
    eppDeployment,
    eppContainer: fromDeploy?.container,
    eppService,
    gateway,
    policies,
    pool: {name: poolName || undefined, namespace: fromDeploy?.namespace ?? r.namespace, group: fromDeploy?.group ?? DEFAULT_POOL_GROUP},
    gatewayName: gateway?.metadata.name ?? (valueAt(r.values, 'gateway.name') as string | undefined) ?? undefined,
    gatewayClassName: gateway?.spec?.gatewayClassName ?? (valueAt(r.values, 'gatewayClassName') as string | undefined),
    gatewayPort: gateway?.spec?.listeners?.[0]?.port ?? (typeof gwPortValue === 'number' ? gwPortValue : undefined),
  };
}

export function isChartRelease(r: HelmRelease): boolean {
  return r.chart.name === INFERENCE_GATEWAY_CHART;
}

function backendRefsOf(e: ExtProc): BackendRefLike[] {
  return [...(e.backendRefs ?? []), ...(e.backendRef ? [e.backendRef] : [])];
}

export function policyTargets(p: EnvoyExtensionPolicy): {group?: string; kind?: string; name: string; sectionName?: string}[] {
  return [...(p.spec?.targetRefs ?? []), ...(p.spec?.targetRef ? [p.spec.targetRef] : [])];
}

/** Does the policy attach to this Gateway (targetRefs, or targetSelectors by label)? */
export function policyTargetsGateway(p: EnvoyExtensionPolicy, gw: {namespace: string; name: string; labels?: Record<string, string> | undefined}): boolean {
  if (p.metadata.namespace !== gw.namespace) return false;
  if (policyTargets(p).some((t) => (t.kind ?? 'Gateway') === 'Gateway' && t.name === gw.name)) return true;
  return (p.spec?.targetSelectors ?? []).some((s) => s.kind === 'Gateway' && selectorMatches(s.matchLabels ?? {}, gw.labels));
}

function routeRefsPool(b: BackendRefLike, routeNs: string, pool: {namespace: string; name: string}): boolean {
  return b.kind === 'InferencePool' && b.name === pool.name && (b.namespace ?? routeNs) === pool.namespace;
}

function buildChain(snap: Snapshot, key: {namespace: string; name: string; group: string}, pool: PoolView | undefined, release: ChartRelease | undefined): PoolChain {
  const ns = key.namespace;
  const routes: RouteLink[] = [];
  for (const r of items<HTTPRoute>(snap, 'HTTPRoute')) {
    (r.spec?.rules ?? []).forEach((rule, ruleIndex) => {
      for (const b of rule.backendRefs ?? []) {
        if (routeRefsPool(b, r.metadata.namespace ?? '', key)) routes.push({route: r, ruleIndex, backendRef: b, group: b.group ?? ''});
      }
    });
  }
  // A route that names both pools (same name in two groups) belongs to the group it names.
  const gateways = new Map<string, GatewayLink>();
  const addGateway = (gns: string, name: string, via: GatewayLink['via'][number]): void => {
    const k = `${gns}/${name}`;
    const existing = gateways.get(k);
    if (existing) {
      if (!existing.via.includes(via)) existing.via.push(via);
      return;
    }
    gateways.set(k, {namespace: gns, name, lookup: lookup<Gateway>(snap, 'Gateway', gns, name), via: [via]});
  };
  for (const l of routes) {
    for (const p of l.route.spec?.parentRefs ?? []) {
      if ((p.kind ?? 'Gateway') !== 'Gateway') continue;
      addGateway(p.namespace ?? l.route.metadata.namespace ?? '', p.name, 'route');
    }
  }
  if (release?.gatewayName) addGateway(release.release.namespace, release.gatewayName, 'release');

  // EPP Service: what the pool names; else what the release rendered.
  let eppService: Lookup<Service> | undefined;
  if (pool?.epp && (pool.epp.kind === 'Service' || pool.epp.kind === '') && (pool.epp.group ?? '') === '') {
    eppService = lookup<Service>(snap, 'Service', ns, pool.epp.name);
  } else if (!pool && release?.eppService) {
    eppService = lookup<Service>(snap, 'Service', release.release.namespace, release.eppService.metadata.name);
  }

  // EPP Deployments: those whose pods the EPP Service selects, those that serve this pool by flag,
  // and the one the release rendered.
  const deployments = items<Deployment>(snap, 'Deployment');
  const pods = items<Pod>(snap, 'Pod');
  const eppDeployments = new Set<Deployment>();
  const svc = eppService && 'found' in eppService ? eppService.found : undefined;
  for (const d of deployments) {
    if (!eppContainerIn(d.spec?.template?.spec)) continue;
    const byService = svc?.spec?.selector && d.metadata.namespace === svc.metadata.namespace && selectorMatches(svc.spec.selector, d.spec?.template?.metadata?.labels);
    const pp = eppPoolOf(d);
    const byFlag = pp.name === key.name && pp.namespace === ns;
    if (byService || byFlag) eppDeployments.add(d);
  }
  if (release?.eppDeployment) {
    const d = get<Deployment>(snap, 'Deployment', release.release.namespace, release.eppDeployment.metadata.name);
    if (d) eppDeployments.add(d);
  }
  const epps: EppInfo[] = [...eppDeployments].map((d) => {
    const pp = eppPoolOf(d);
    return {
      deployment: d,
      container: pp.container,
      // A terminating pod is already out of the Service's endpoints: it does not serve the EPP any more.
      pods: pods.filter((p) => p.metadata.namespace === d.metadata.namespace && !p.metadata.deletionTimestamp && selectorMatches(d.spec?.selector, p.metadata.labels)),
      poolName: pp.name,
      poolNamespace: pp.namespace,
      poolGroup: pp.group,
      secureServing: pp.secureServing,
      endpointSelector: pp.endpointSelector,
    };
  });

  const modelPods = pool && pool.selector && Object.keys(pool.selector).length > 0 ? pods.filter((p) => p.metadata.namespace === ns && selectorMatches(pool.selector, p.metadata.labels)) : [];
  const isvcNames = new Set<string>();
  for (const p of modelPods) {
    const n = p.metadata.labels?.[KSERVE_ISVC_LABEL];
    if (n) isvcNames.add(n);
  }
  const selLabels = pool?.selector ? ((pool.selector as LabelSelector).matchLabels ?? (pool.selector as Record<string, string>)) : {};
  const selIsvc = typeof selLabels?.[KSERVE_ISVC_LABEL] === 'string' ? selLabels[KSERVE_ISVC_LABEL] : undefined;
  if (selIsvc) isvcNames.add(selIsvc);
  const inferenceServices = [...isvcNames].map((name) => ({name, lookup: lookup(snap, 'InferenceService', ns, name)}));

  // EnvoyExtensionPolicies: those sending ext-proc to this pool's EPP Service (wiring a), and the
  // others on the same Gateways.
  // the pool's EPP Service, and the one the release rendered (they differ when the pool points elsewhere: IGW-306)
  const eppSvcs = new Set([svc?.metadata.name ?? pool?.epp?.name, release?.eppService?.metadata.name].filter((x): x is string => Boolean(x)));
  const eppSvcNs = svc?.metadata.namespace ?? ns;
  const eppPolicies: PolicyLink[] = [];
  const otherPolicies: EnvoyExtensionPolicy[] = [];
  for (const p of items<EnvoyExtensionPolicy>(snap, 'EnvoyExtensionPolicy')) {
    let toEpp = false;
    (p.spec?.extProc ?? []).forEach((e, extProcIndex) => {
      for (const b of backendRefsOf(e)) {
        if ((b.kind ?? 'Service') === 'Service' && (b.group ?? '') === '' && eppSvcs.has(b.name) && (b.namespace ?? p.metadata.namespace) === eppSvcNs) {
          eppPolicies.push({policy: p, extProcIndex, backendRef: b});
          toEpp = true;
        } else if (b.kind === 'Backend' && b.group === GROUP.envoy) {
          // an Envoy Gateway Backend whose endpoint is the EPP Service (issue 11): the chain follows it
          const backend = get<EnvoyBackend>(snap, 'Backend', b.namespace ?? p.metadata.namespace, b.name);
          const to = backend ? backendService(snap, backend) : undefined;
          if (to && eppSvcs.has(to.name) && to.namespace === eppSvcNs) {
            eppPolicies.push({policy: p, extProcIndex, backendRef: {name: to.name, namespace: to.namespace, port: to.port}, backend});
            toEpp = true;
          }
        }
      }
    });
    if (toEpp) {
      for (const t of policyTargets(p)) if ((t.kind ?? 'Gateway') === 'Gateway') addGateway(p.metadata.namespace ?? '', t.name, 'policy');
    }
  }
  for (const p of items<EnvoyExtensionPolicy>(snap, 'EnvoyExtensionPolicy')) {
    if (eppPolicies.some((l) => l.policy === p)) continue;
    for (const g of gateways.values()) {
      const gwObj = 'found' in g.lookup ? g.lookup.found : undefined;
      if (policyTargetsGateway(p, {namespace: g.namespace, name: g.name, labels: gwObj?.metadata.labels})) {
        otherPolicies.push(p);
        break;
      }
    }
  }

  const poolLookup = pool ? undefined : lookup(snap, key.group === GROUP.xPool ? 'XInferencePool' : 'InferencePool', ns, key.name);
  return {
    key: `${ns}/${key.name}`,
    namespace: ns,
    name: key.name,
    group: key.group,
    pool,
    poolUnknown: poolLookup && 'unknown' in poolLookup ? poolLookup.unknown.message : undefined,
    release,
    routes,
    gateways: [...gateways.values()],
    eppService,
    epps,
    modelPods,
    inferenceServices,
    eppPolicies,
    otherPolicies,
  };
}

/**
 * Build the chains to check. -r keeps the release's pool; --pool keeps pools of that name; -n
 * keeps one namespace (the snapshot was already read for it).
 */
export function discover(snap: Snapshot, opts: TargetOptions = {}): Target {
  const releases = (Array.isArray(snap.releases) ? snap.releases : [])
    .filter(isChartRelease)
    .filter((r) => opts.namespace === undefined || r.namespace === opts.namespace)
    .filter((r) => opts.release === undefined || r.name === opts.release)
    .map(chartRelease);
  const pools = [...items(snap, 'InferencePool'), ...items(snap, 'XInferencePool')].map(poolView);
  const chains: PoolChain[] = [];
  const used = new Set<ChartRelease>();
  const inNs = (ns: string) => opts.namespace === undefined || ns === opts.namespace;
  for (const p of pools) {
    if (!inNs(p.namespace)) continue;
    if (opts.pool !== undefined && p.name !== opts.pool) continue;
    const rel =
      releases.find((r) => r.pool.name === p.name && r.pool.namespace === p.namespace && r.pool.group === p.group) ??
      releases.find((r) => r.pool.name === p.name && r.pool.namespace === p.namespace) ??
      releases.find((r) => p.epp && r.eppService?.metadata.name === p.epp.name && r.release.namespace === p.namespace);
    if (opts.release !== undefined && !rel) continue;
    // the same pool name in both groups: one release belongs to one of them
    if (rel && used.has(rel) && rel.pool.group !== p.group) {
      chains.push(buildChain(snap, p, p, undefined));
      continue;
    }
    if (rel) used.add(rel);
    chains.push(buildChain(snap, p, p, rel));
  }
  for (const r of releases) {
    if (used.has(r)) continue;
    if (opts.pool !== undefined && r.pool.name !== opts.pool) continue;
    const name = r.pool.name ?? '';
    chains.push(buildChain(snap, {namespace: r.pool.namespace, name, group: r.pool.group}, undefined, r));
  }
  chains.sort((a, b) => a.key.localeCompare(b.key));
  return {namespace: opts.namespace, releaseFilter: opts.release, poolFilter: opts.pool, releases, chains};
}

/** The object that stands for a release: its release Secret, or (rendered manifests) its EPP Deployment. */
export function releaseRef(r: ChartRelease): ObjectRef {
  if (r.release.secret.name) return {apiVersion: 'v1', kind: 'Secret', namespace: r.release.secret.namespace, name: r.release.secret.name};
  if (r.eppDeployment) return {apiVersion: 'apps/v1', kind: 'Deployment', namespace: r.eppDeployment.metadata.namespace ?? r.release.namespace, name: r.eppDeployment.metadata.name};
  return {apiVersion: 'v1', kind: 'Secret', namespace: r.release.namespace, name: `sh.helm.release.v1.${r.release.name}`};
}

export function gatewayRef(g: {namespace: string; name: string}): ObjectRef {
  return {apiVersion: `${GROUP.gatewayApi}/v1`, kind: 'Gateway', namespace: g.namespace, name: g.name};
}

export function poolRef(chain: PoolChain): ObjectRef {
  return chain.pool?.ref ?? {apiVersion: `${chain.group}/${chain.group === GROUP.xPool ? 'v1alpha2' : 'v1'}`, kind: 'InferencePool', namespace: chain.namespace, name: chain.name || '(unset)'};
}

export {conditions};
