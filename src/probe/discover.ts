/*
 * Finding what probe-cache talks to: the InferencePool (its pods, target ports and EPP), the
 * Gateway in front of it and how to reach it from here, and the model the pool serves.
 */
import {connect as tcpConnect} from 'node:net';
import {connectableAddresses} from '../k8s/addresses.ts';
import {InfgwError, UsageError} from '../errors.ts';
import {type KubeClient, type KubeObject, apiPath} from '../kube/client.ts';
import {ApiError} from '../kube/errors.ts';
import {type Pod, findPodForService, preferPods} from '../kube/portforward.ts';
import type {Service} from '../k8s/objects.ts';
import {podReadyCondition as podReady} from '../k8s/pods.ts';
import {selectorString} from '../k8s/selectors.ts';
import {eppArgs, eppContainer} from '../k8s/args.ts';
import type {EndpointRef} from './analyze.ts';

const RELEASE_ANNOTATION = 'meta.helm.sh/release-name';
const INSTANCE_LABEL = 'app.kubernetes.io/instance';

/** Objects of a Helm release: annotated by Helm, or labelled with the chart convention. */
export function ofRelease(o: KubeObject, release: string): boolean {
  return o.metadata.annotations?.[RELEASE_ANNOTATION] === release || o.metadata.labels?.[INSTANCE_LABEL] === release;
}

export interface PoolInfo {
  group: string;
  version: string;
  namespace: string;
  name: string;
  selector: Record<string, string>;
  targetPorts: number[];
  /** endpointPickerRef (v1) / extensionRef (v1alpha2): the EPP Service */
  epp?: {service: string; port?: number | undefined} | undefined;
}

interface PoolObject extends KubeObject {
  spec?: {
    selector?: {matchLabels?: Record<string, string>} | Record<string, string>;
    targetPorts?: {number: number}[];
    targetPortNumber?: number;
    endpointPickerRef?: {name?: string; port?: {number?: number}};
    extensionRef?: {name?: string; portNumber?: number};
  };
}

const POOL_APIS = [
  {group: 'inference.networking.k8s.io', version: 'v1'},
  {group: 'inference.networking.x-k8s.io', version: 'v1alpha2'},
];

/** Read an InferencePool of either API (v1, or the older v1alpha2 still found in clusters). */
export function poolInfo(o: PoolObject, api: {group: string; version: string}): PoolInfo {
  const spec = o.spec ?? {};
  const v1 = api.version === 'v1';
  const rawSelector = spec.selector ?? {};
  const selector = v1
    ? ((rawSelector as {matchLabels?: Record<string, string>}).matchLabels ?? {})
    : // v1alpha2: a plain map of labels (inferencepool_types.go, Selector map[LabelKey]LabelValue)
      (rawSelector as Record<string, string>);
  const targetPorts = v1 ? (spec.targetPorts ?? []).map((p) => p.number) : spec.targetPortNumber ? [spec.targetPortNumber] : [];
  const ref = v1
    ? spec.endpointPickerRef?.name
      ? {service: spec.endpointPickerRef.name, port: spec.endpointPickerRef.port?.number}
      : undefined
    : spec.extensionRef?.name
      ? {service: spec.extensionRef.name, port: spec.extensionRef.portNumber}
      : undefined;
  return {group: api.group, version: api.version, namespace: o.metadata.namespace ?? '', name: o.metadata.name, selector, targetPorts, epp: ref};
}

async function listOptional<T = KubeObject>(kube: KubeClient, path: string, query?: Record<string, string>): Promise<T[] | undefined> {
  try {
    return (await kube.list<T>(path, query ? {query} : {})).items;
  } catch (error) {
    if (error instanceof ApiError && error.notFound) return undefined;
    throw error;
  }
}

/**
 * The InferencePool to probe: --pool; else the release's (by Helm annotation/label, or named by
 * the release's EPP with --pool-name); else the only one in the namespace.
 */
export async function resolvePool(kube: KubeClient, opts: {namespace: string; pool?: string | undefined; release?: string | undefined}): Promise<PoolInfo> {
  const found: PoolInfo[] = [];
  const objects: {o: PoolObject; api: {group: string; version: string}}[] = [];
  let forbidden: ApiError | undefined;
  for (const api of POOL_APIS) {
    let items: PoolObject[] | undefined;
    try {
      items = await listOptional<PoolObject>(kube, apiPath({...api, resource: 'inferencepools', namespace: opts.namespace}));
    } catch (error) {
      // May read one API group and not the other (RBAC names groups): use what we may read.
      if (error instanceof ApiError && error.forbidden) {
        forbidden ??= error;
        continue;
      }
      throw error;
    }
    for (const o of items ?? []) objects.push({o, api});
  }
  if (objects.length === 0 && forbidden) throw forbidden;
  // The same pool name in both groups: prefer v1 (listed first).
  const seen = new Set<string>();
  for (const {o, api} of objects) {
    if (seen.has(o.metadata.name)) continue;
    seen.add(o.metadata.name);
    found.push(poolInfo(o, api));
  }
  const names = found.map((p) => p.name);
  if (opts.pool) {
    const p = found.find((x) => x.name === opts.pool);
    if (!p) throw new InfgwError(`InferencePool ${opts.namespace}/${opts.pool} not found`, {hint: names.length ? `InferencePools in ${opts.namespace}: ${names.join(', ')}` : `There is no InferencePool in namespace ${opts.namespace}.`});
    return p;
  }
  if (opts.release) {
    const own = objects.filter(({o}) => ofRelease(o, opts.release as string)).map(({o}) => o.metadata.name);
    let wanted = [...new Set(own)];
    if (wanted.length === 0) {
      // A gateway chart names its pool through the EPP's --pool-name (e.g. test/fixtures/charts/inference-gateway).
      const deployments = await listOptional<KubeObject & {spec: {template: {spec: {containers: {name: string; args?: string[]}[]}}}}>(
        kube,
        apiPath({group: 'apps', version: 'v1', resource: 'deployments', namespace: opts.namespace}),
      );
      for (const d of deployments ?? []) {
        if (!ofRelease(d, opts.release)) continue;
        const name = eppArgs(eppContainer(d)).poolName;
        if (name) wanted.push(name);
      }
      wanted = [...new Set(wanted)];
    }
    const pools = found.filter((p) => wanted.includes(p.name));
    if (pools.length === 1) return pools[0] as PoolInfo;
    if (pools.length > 1) throw new UsageError(`release ${opts.release} has several InferencePools: ${pools.map((p) => p.name).join(', ')}`, 'Pick one with --pool.');
    throw new InfgwError(`no InferencePool of release ${opts.release} in namespace ${opts.namespace}${wanted.length ? ` (its EPP names ${wanted.join(', ')})` : ''}`, {
      hint: names.length ? `InferencePools in ${opts.namespace}: ${names.join(', ')}; pick one with --pool.` : 'Check the namespace (-n).',
    });
  }
  if (found.length === 1) return found[0] as PoolInfo;
  if (found.length === 0) throw new InfgwError(`there is no InferencePool in namespace ${opts.namespace}`, {hint: 'Pass -n NAMESPACE, -r RELEASE or --pool NAME.'});
  throw new UsageError(`several InferencePools in namespace ${opts.namespace}: ${names.join(', ')}`, 'Pick one with --pool or -r RELEASE.');
}

/** Ready pods of the pool × its target ports: the endpoints the EPP picks from. */
export async function poolEndpoints(kube: KubeClient, pool: PoolInfo): Promise<{endpoints: EndpointRef[]; pods: Pod[]; notReady: string[]}> {
  if (Object.keys(pool.selector).length === 0) throw new InfgwError(`InferencePool ${pool.namespace}/${pool.name} has an empty selector`);
  if (pool.targetPorts.length === 0) throw new InfgwError(`InferencePool ${pool.namespace}/${pool.name} has no target port`);
  const list = await kube.list<Pod>(apiPath({version: 'v1', resource: 'pods', namespace: pool.namespace}), {query: {labelSelector: selectorString(pool.selector)}});
  const pods = preferPods(list.items).filter((p) => !p.metadata.deletionTimestamp);
  const ready = pods.filter(podReady);
  const multi = pool.targetPorts.length > 1;
  const endpoints = ready.flatMap((p) => pool.targetPorts.map((port) => ({id: multi ? `${p.metadata.name}:${port}` : p.metadata.name, pod: p.metadata.name, port})));
  return {endpoints, pods: ready, notReady: pods.filter((p) => !podReady(p)).map((p) => p.metadata.name)};
}

export interface EppInfo {
  namespace: string;
  service: string;
  pod: string;
  metricsPort: number;
  serviceAccount: string | undefined;
}

/** The EPP pod behind the pool's endpointPickerRef, and its metrics port (default 9090). */
export async function findEpp(kube: KubeClient, pool: PoolInfo): Promise<EppInfo | {error: string}> {
  if (!pool.epp) return {error: `InferencePool ${pool.name} has no endpointPickerRef`};
  try {
    let found: Awaited<ReturnType<typeof findPodForService>>;
    try {
      found = await findPodForService(kube, pool.namespace, pool.epp.service, 'metrics');
    } catch {
      // no Service port named "metrics": take the pod behind the gRPC port and look at its container ports
      const viaGrpc = await findPodForService(kube, pool.namespace, pool.epp.service, pool.epp.port);
      const named = viaGrpc.pod.spec?.containers?.flatMap((c) => c.ports ?? []).find((p) => p.name === 'metrics');
      found = {...viaGrpc, containerPort: named?.containerPort ?? 9090};
    }
    return {
      namespace: pool.namespace,
      service: pool.epp.service,
      pod: found.pod.metadata.name,
      metricsPort: found.containerPort,
      serviceAccount: found.pod.spec?.serviceAccountName ?? 'default',
    };
  } catch (error) {
    if (error instanceof ApiError || error instanceof InfgwError) return {error: error.message};
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The Gateway

interface GatewayObject extends KubeObject {
  spec?: {listeners?: {name: string; port: number; protocol: string; hostname?: string}[]};
  status?: {addresses?: {type?: string; value: string}[]};
}
interface RouteObject extends KubeObject {
  spec?: {
    parentRefs?: {group?: string; kind?: string; name: string; namespace?: string; sectionName?: string; port?: number}[];
    hostnames?: string[];
    rules?: {backendRefs?: {group?: string; kind?: string; name: string; namespace?: string}[]}[];
  };
}

export interface GatewayInfo {
  namespace: string;
  name: string;
  listener: {name: string; port: number; protocol: string; hostname?: string | undefined} | undefined;
  addresses: string[];
  /** a hostname the route accepts, to send as Host (wildcards and none: not set) */
  host: string | undefined;
}

/** HTTPRoutes in the pool's namespace whose backendRefs name the pool. */
export async function routesToPool(kube: KubeClient, pool: PoolInfo): Promise<RouteObject[]> {
  const routes = await listOptional<RouteObject>(kube, apiPath({group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes', namespace: pool.namespace}));
  return (routes ?? []).filter((r) =>
    (r.spec?.rules ?? []).some((rule) =>
      (rule.backendRefs ?? []).some((b) => b.kind === 'InferencePool' && b.name === pool.name && (b.namespace ?? pool.namespace) === pool.namespace),
    ),
  );
}

/**
 * The Gateway in front of the pool: --gateway; else the parent of the HTTPRoute that sends to the
 * pool; else the release's Gateway; else the only Gateway in the namespace.
 */
export async function resolveGateway(
  kube: KubeClient,
  pool: PoolInfo,
  opts: {gateway?: string | undefined; release?: string | undefined; namespace: string},
): Promise<GatewayInfo> {
  const routes = await routesToPool(kube, pool);
  let target: {namespace: string; name: string; sectionName?: string | undefined; port?: number | undefined} | undefined;
  let host: string | undefined;
  if (opts.gateway) {
    const [ns, name] = opts.gateway.includes('/') ? (opts.gateway.split('/', 2) as [string, string]) : [opts.namespace, opts.gateway];
    target = {namespace: ns, name};
  }
  for (const r of routes) {
    for (const p of r.spec?.parentRefs ?? []) {
      if ((p.kind ?? 'Gateway') !== 'Gateway') continue;
      const ref = {namespace: p.namespace ?? r.metadata.namespace ?? pool.namespace, name: p.name, sectionName: p.sectionName, port: p.port};
      if (target && (target.name !== ref.name || target.namespace !== ref.namespace)) continue;
      target = {...ref, ...target, sectionName: ref.sectionName, port: ref.port};
      host ??= r.spec?.hostnames?.find((h) => !h.startsWith('*'));
    }
  }
  if (!target) {
    const gws = (await listOptional<GatewayObject>(kube, apiPath({group: 'gateway.networking.k8s.io', version: 'v1', resource: 'gateways', namespace: opts.namespace}))) ?? [];
    const own = opts.release ? gws.filter((g) => ofRelease(g, opts.release as string)) : [];
    const pick = own.length === 1 ? own[0] : gws.length === 1 ? gws[0] : undefined;
    if (!pick) {
      throw new InfgwError(`cannot tell which Gateway serves InferencePool ${pool.namespace}/${pool.name}: no HTTPRoute sends to it${gws.length > 1 ? ` and namespace ${opts.namespace} has several Gateways (${gws.map((g) => g.metadata.name).join(', ')})` : ''}`, {
        hint: 'Pass --gateway NAME, or --url http://GATEWAY to send the probe there directly.',
      });
    }
    target = {namespace: pick.metadata.namespace ?? opts.namespace, name: pick.metadata.name};
  }
  let gw: GatewayObject;
  try {
    gw = await kube.get<GatewayObject>(apiPath({group: 'gateway.networking.k8s.io', version: 'v1', resource: 'gateways', namespace: target.namespace, name: target.name}));
  } catch (error) {
    if (error instanceof ApiError && error.notFound) throw new InfgwError(`Gateway ${target.namespace}/${target.name} not found`, {hint: 'Pass --gateway or --url.'});
    throw error;
  }
  const listeners = gw.spec?.listeners ?? [];
  const listener =
    listeners.find((l) => (target.sectionName ? l.name === target.sectionName : target.port ? l.port === target.port : false)) ??
    listeners.find((l) => l.protocol === 'HTTP') ??
    listeners[0];
  if (!host && listener?.hostname && !listener.hostname.startsWith('*')) host = listener.hostname;
  return {namespace: target.namespace, name: target.name, listener, addresses: connectableAddresses(gw.status?.addresses), host};
}

// A DNS name as Gateway API's Hostname type allows it (RFC 1123 labels, no wildcard, no trailing dot).
export {connectableAddresses};

/** Whether a TCP connection to host:port opens within timeoutMs. */
export function tcpReachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({host, port});
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function urlFor(host: string, port: number, protocol: string): string {
  const scheme = protocol === 'HTTPS' ? 'https' : 'http';
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const defaultPort = scheme === 'https' ? 443 : 80;
  return `${scheme}://${h}${port === defaultPort ? '' : `:${port}`}`;
}

export interface EnvoyProxyTarget {
  namespace: string;
  service: string;
  pod: string;
  containerPort: number;
}

/**
 * The Envoy proxy Service Envoy Gateway made for a Gateway (labels
 * gateway.envoyproxy.io/owning-gateway-name/-namespace; in envoy-gateway-system, or the Gateway's
 * own namespace in Gateway-namespace mode — domain-facts §4), and the pod behind its listener port.
 */
export async function findEnvoyProxy(kube: KubeClient, gw: GatewayInfo): Promise<EnvoyProxyTarget> {
  const selector = `gateway.envoyproxy.io/owning-gateway-name=${gw.name},gateway.envoyproxy.io/owning-gateway-namespace=${gw.namespace}`;
  const searched: string[] = [];
  for (const ns of [...new Set(['envoy-gateway-system', gw.namespace])]) {
    searched.push(ns);
    let services: Service[] | undefined;
    try {
      services = await listOptional<Service>(kube, apiPath({version: 'v1', resource: 'services', namespace: ns}), {labelSelector: selector});
    } catch (error) {
      if (error instanceof ApiError && error.forbidden) continue;
      throw error;
    }
    const svc = services?.[0];
    if (!svc) continue;
    const port = gw.listener?.port ?? svc.spec?.ports?.[0]?.port;
    const found = await findPodForService(kube, ns, svc.metadata.name, port);
    return {namespace: ns, service: svc.metadata.name, pod: found.pod.metadata.name, containerPort: found.containerPort};
  }
  throw new InfgwError(`no Envoy proxy Service found for Gateway ${gw.namespace}/${gw.name} (searched ${searched.join(', ')} for ${selector})`, {
    hint: 'Is the Gateway programmed by Envoy Gateway? Otherwise pass --url.',
  });
}

// ---------------------------------------------------------------------------------------------
// The model

export interface ModelsResponse {
  data?: {id: string; root?: string | null; parent?: string | null}[];
}

/** The base model of an OpenAI /v1/models answer (LoRA adapters have a parent). */
export function baseModel(res: ModelsResponse): string | undefined {
  const data = res.data ?? [];
  return (data.find((m) => !m.parent) ?? data[0])?.id;
}

/**
 * Without /v1/models: the model name KServe serves an InferenceService under (its
 * --served-model-name / --model_name argument, else the InferenceService's name), or an old
 * InferenceModel's spec.modelName. An InferenceObjective (GIE >= 1.0) names no model: its spec has
 * only poolRef and priority (api/v1alpha2/inferenceobjective_types.go).
 */
export async function modelFromObjects(kube: KubeClient, pool: PoolInfo, pods: Pod[]): Promise<{model: string; source: string} | undefined> {
  const isvc = pods.map((p) => p.metadata.labels?.['serving.kserve.io/inferenceservice']).find(Boolean);
  if (isvc) {
    try {
      const o = await kube.get<KubeObject & {spec?: {predictor?: {model?: {args?: string[]}}}}>(
        apiPath({group: 'serving.kserve.io', version: 'v1beta1', resource: 'inferenceservices', namespace: pool.namespace, name: isvc}),
      );
      const args = o.spec?.predictor?.model?.args ?? [];
      for (let i = 0; i < args.length; i++) {
        const a = args[i] as string;
        const m = /^--(?:served-model-name|model_name)(?:=(.*))?$/.exec(a);
        if (m) return {model: (m[1] ?? args[i + 1] ?? '').split(/[ ,]/)[0] as string, source: `InferenceService ${isvc} (${a.split('=')[0]})`};
      }
      return {model: isvc, source: `InferenceService ${isvc} (its name)`};
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  }
  const models = await listOptional<KubeObject & {spec?: {modelName?: string; poolRef?: {name?: string}}}>(
    kube,
    apiPath({group: 'inference.networking.x-k8s.io', version: 'v1alpha2', resource: 'inferencemodels', namespace: pool.namespace}),
  ).catch(() => undefined);
  const im = models?.find((m) => m.spec?.poolRef?.name === pool.name && m.spec.modelName);
  if (im?.spec?.modelName) return {model: im.spec.modelName, source: `InferenceModel ${im.metadata.name}`};
  return undefined;
}
