/*
 * The traffic-flow map (issue 14 part 3): the install notes' chain, per InferencePool,
 *   client → load balancer → Envoy Gateway (external) → LiteLLM → Envoy Gateway (internal)
 *          → Endpoint Picker (ext-proc) → InferencePool → KServe InferenceService → vLLM pods
 * (../shared/seed TRAFFIC FLOW), each hop with its health and the finding that breaks it.
 *
 * Presence comes from the snapshot (which objects stand for the hop); health comes only from
 * doctor's findings (stable codes), never from a judgement made here: a hop no check covers is
 * "unknown". "Blocked by" is respected: a hop whose checks were blocked shows the root cause
 * (the code that blocked them, usually on an earlier hop), not its own blocked findings.
 * Pure: reads the snapshot, the target and the findings.
 */
import type {KubeObject} from '../kube/client.ts';
import type {Finding, Severity} from '../checks/types.ts';
import type {Deployment, ObjectRef, Pod, Service} from '../k8s/objects.ts';
import {connectableAddresses} from '../k8s/addresses.ts';
import {podReady} from '../k8s/pods.ts';
import {selectorMatches} from '../k8s/selectors.ts';
import {access, items, partial} from '../snapshot/query.ts';
import type {KindKey} from '../snapshot/kinds.ts';
import type {Snapshot} from '../snapshot/types.ts';
import {litellmModels, serviceOfHost, type LitellmModel} from '../checks/phase7-litellm/api-base.ts';
import {bbrView, policyGateways} from '../model/bbr.ts';
import type {Gateway, HTTPRoute, PoolChain, Target} from '../model/target.ts';
import {chainGateways, egForChain, isEnvoyGatewayChain, wiringOf} from '../model/wiring.ts';
import {envoyGatewayInstalls} from '../snapshot/envoy-gateway.ts';

export const HOPS = ['load-balancer', 'external-gateway', 'litellm', 'internal-gateway', 'epp', 'inference-pool', 'inference-service', 'model-servers'] as const;
export type HopId = (typeof HOPS)[number];

export const HOP_LABEL: Record<HopId, string> = {
  'load-balancer': 'Load balancer',
  'external-gateway': 'Envoy Gateway (external)',
  litellm: 'LiteLLM',
  'internal-gateway': 'Envoy Gateway (internal)',
  epp: 'Endpoint Picker (EPP)',
  'inference-pool': 'InferencePool',
  'inference-service': 'KServe InferenceService',
  'model-servers': 'vLLM pods',
};

export type HopHealth = 'ok' | 'warning' | 'error' | 'unknown' | 'not-present';

/** A finding as the map shows it: code and a short message (the whole finding is in the report). */
export interface HopFinding {
  code: string;
  severity: Severity;
  title: string;
  message: string;
  object?: string | undefined;
  docs?: string | undefined;
}

export interface MapHop {
  id: HopId;
  label: string;
  /** the hop exists in this install (objects stand for it) */
  present: boolean;
  /** the objects that stand for it: "Gateway inference/igw" */
  objects: string[];
  /** what the snapshot shows about it (an address, ready pods); an observation, not a verdict */
  detail?: string | undefined;
  health: HopHealth;
  /** the finding that breaks it (error, else warning) */
  finding?: HopFinding | undefined;
  /** its checks were blocked: the root cause that blocked them (found on another hop or cluster-wide) */
  blockedBy?: HopFinding | undefined;
  /** more problems on this hop than the one shown */
  moreProblems: number;
  /** the findings attributed to this hop, by severity */
  counts: Partial<Record<Severity, number>>;
}

export interface PoolMap {
  /** `namespace/name`, as findings' `pool` */
  pool: string;
  hops: MapHop[];
}

export interface TrafficMap {
  pools: PoolMap[];
}

type HopRule = HopId | 'object' | 'none';

/**
 * Which hop each check is about. Every check of the catalog has an entry (unit test): a new check
 * must say where on the path it belongs. 'object': by the kind of object the finding names (the
 * chart release's drift and status findings name whichever object they are about). 'none': about
 * doctor itself (the API server answers, what it may read), not a hop.
 */
export const HOP_OF_CHECK: Readonly<Record<string, HopRule>> = {
  'IGW-101': 'none',
  'IGW-114': 'internal-gateway',
  'IGW-214': 'internal-gateway',
  'IGW-510': 'epp',
  // phase 8: what one request and the Envoy proxy's own view showed
  'IGW-801': 'internal-gateway',
  'IGW-802': 'internal-gateway',
  'IGW-803': 'internal-gateway',
  'IGW-804': 'epp',
  'IGW-805': 'model-servers',
  'IGW-806': 'internal-gateway',
  'IGW-807': 'epp',
  'IGW-808': 'internal-gateway',
  'IGW-809': 'model-servers',
  'IGW-810': 'internal-gateway',
  'IGW-821': 'internal-gateway',
  'IGW-822': 'internal-gateway',
  'IGW-823': 'epp',
  'IGW-824': 'internal-gateway',
  'IGW-825': 'epp',
  'IGW-826': 'internal-gateway',
  'IGW-102': 'none',
  'IGW-103': 'internal-gateway',
  'IGW-113': 'internal-gateway',
  'IGW-104': 'inference-pool',
  'IGW-105': 'inference-pool',
  'IGW-106': 'epp',
  'IGW-107': 'epp',
  'IGW-108': 'inference-service',
  // the Gateway controller and its config: the internal Gateway runs on it
  'IGW-230': 'internal-gateway',
  'IGW-201': 'internal-gateway',
  'IGW-202': 'internal-gateway',
  'IGW-203': 'internal-gateway',
  'IGW-204': 'internal-gateway',
  'IGW-205': 'internal-gateway',
  'IGW-206': 'internal-gateway',
  'IGW-207': 'internal-gateway',
  'IGW-208': 'internal-gateway',
  'IGW-209': 'internal-gateway',
  'IGW-210': 'internal-gateway',
  'IGW-211': 'internal-gateway',
  'IGW-212': 'internal-gateway',
  'IGW-213': 'internal-gateway',
  'IGW-220': 'internal-gateway',
  'IGW-221': 'inference-pool',
  'IGW-222': 'epp',
  'IGW-225': 'internal-gateway',
  'IGW-231': 'internal-gateway',
  'IGW-232': 'inference-pool',
  'IGW-233': 'epp',
  'IGW-234': 'internal-gateway',
  'IGW-235': 'inference-pool',
  'IGW-236': 'epp',
  'IGW-237': 'internal-gateway',
  'IGW-238': 'inference-pool',
  'IGW-239': 'inference-pool',
  'IGW-226': 'inference-pool',
  'IGW-227': 'inference-pool',
  'IGW-300': 'inference-pool',
  'IGW-301': 'inference-pool',
  'IGW-302': 'inference-service',
  'IGW-309': 'inference-service',
  'IGW-303': 'inference-pool',
  'IGW-304': 'model-servers',
  'IGW-305': 'inference-pool',
  // the pool's endpointPickerRef is how the gateway finds the EPP
  'IGW-306': 'epp',
  'IGW-308': 'inference-pool',
  'IGW-307': 'inference-pool',
  'IGW-401': 'object',
  'IGW-402': 'object',
  'IGW-403': 'internal-gateway',
  'IGW-418': 'object',
  'IGW-404': 'internal-gateway',
  'IGW-406': 'epp',
  'IGW-405': 'epp',
  'IGW-407': 'epp',
  // the HTTPRoute is the internal Gateway's routing to the pool
  'IGW-415': 'internal-gateway',
  'IGW-408': 'internal-gateway',
  'IGW-419': 'internal-gateway',
  'IGW-409': 'internal-gateway',
  'IGW-429': 'internal-gateway',
  'IGW-416': 'internal-gateway',
  'IGW-417': 'internal-gateway',
  'IGW-410': 'epp',
  'IGW-425': 'epp',
  'IGW-426': 'epp',
  'IGW-427': 'epp',
  'IGW-428': 'epp',
  // the ext-proc wiring from the Gateway to the EPP
  'IGW-411': 'epp',
  'IGW-412': 'epp',
  'IGW-413': 'epp',
  'IGW-414': 'internal-gateway',
  // body-based routing runs on the internal Gateway before the route is chosen
  'IGW-435': 'internal-gateway',
  'IGW-436': 'internal-gateway',
  'IGW-437': 'internal-gateway',
  'IGW-438': 'internal-gateway',
  'IGW-439': 'internal-gateway',
  'IGW-440': 'internal-gateway',
  'IGW-441': 'internal-gateway',
  'IGW-442': 'internal-gateway',
  'IGW-420': 'epp',
  'IGW-501': 'epp',
  'IGW-509': 'epp',
  'IGW-502': 'epp',
  'IGW-503': 'epp',
  'IGW-504': 'epp',
  'IGW-505': 'epp',
  // KV-cache saturation is the model servers'
  'IGW-506': 'model-servers',
  'IGW-508': 'epp',
  'IGW-507': 'epp',
  'IGW-601': 'epp',
  'IGW-602': 'epp',
  'IGW-603': 'epp',
  'IGW-604': 'epp',
  'IGW-605': 'epp',
  'IGW-606': 'epp',
  'IGW-607': 'epp',
  'IGW-608': 'epp',
  'IGW-609': 'epp',
  'IGW-701': 'litellm',
  'IGW-702': 'litellm',
  'IGW-703': 'litellm',
};

function hopOfObject(o: ObjectRef | undefined, chain: ChainObjects): HopId {
  switch (o?.kind) {
    case 'Gateway':
    case 'GatewayClass':
    case 'HTTPRoute':
      return 'internal-gateway';
    case 'InferencePool':
      return 'inference-pool';
    case 'InferenceService':
      return 'inference-service';
    case 'Pod':
      return o.namespace !== undefined && chain.modelPods.has(`${o.namespace}/${o.name}`) ? 'model-servers' : 'epp';
    default:
      // the chart renders the EPP, its Service, RBAC, config and policy
      return 'epp';
  }
}

const refKey = (kind: string, namespace: string | undefined, name: string): string => `${kind}/${namespace ?? ''}/${name}`;
const describe = (kind: string, namespace: string | undefined, name: string): string => `${kind} ${namespace ? `${namespace}/` : ''}${name}`;

/** The objects of one chain, to tell which cluster-wide findings are about it. */
interface ChainObjects {
  keys: Set<string>;
  modelPods: Set<string>;
  litellm: LitellmModel[];
  envoyGateway: boolean;
  egNamespace?: string | undefined;
  /** the chain's Gateways are on the body-based routing path */
  bbr: boolean;
}

/** api_base → the Service it names, for a LiteLLM model. */
function apiBaseService(m: LitellmModel): {namespace: string; name: string} | undefined {
  try {
    return serviceOfHost(new URL(m.apiBase).hostname, m.configMap.metadata.namespace ?? 'default');
  } catch {
    return undefined;
  }
}

const OWNING_NAME = 'gateway.envoyproxy.io/owning-gateway-name';
const OWNING_NS = 'gateway.envoyproxy.io/owning-gateway-namespace';
const GATEWAY_NAME = 'gateway.networking.k8s.io/gateway-name';

/** The Services that front a Gateway: Envoy Gateway's proxy Service (owning-gateway labels), or another implementation's (gateway-name label). */
function gatewayServices(snap: Snapshot, gw: {namespace: string; name: string}): Service[] {
  return items<Service>(snap, 'Service').filter(
    (s) =>
      (s.metadata.labels?.[OWNING_NAME] === gw.name && s.metadata.labels?.[OWNING_NS] === gw.namespace) ||
      (s.metadata.labels?.[GATEWAY_NAME] === gw.name && s.metadata.namespace === gw.namespace),
  );
}

/** LiteLLM models in front of this chain: api_base names its Gateway's proxy, its Gateway by name (the notes' URL) or its model servers (bypass). */
function litellmFor(snap: Snapshot, chain: PoolChain, all: LitellmModel[], chains: number): LitellmModel[] {
  const gwSvcs = new Set(chain.gateways.flatMap((g) => gatewayServices(snap, g).map((s) => `${s.metadata.namespace}/${s.metadata.name}`)));
  const gwNames = new Set(chain.gateways.map((g) => `${g.namespace}/${g.name}`));
  const podSvcs = new Set(
    items<Service>(snap, 'Service')
      .filter((s) => s.spec?.selector && Object.keys(s.spec.selector).length > 0 && chain.modelPods.some((p) => p.metadata.namespace === s.metadata.namespace && selectorMatches(s.spec.selector, p.metadata.labels)))
      .map((s) => `${s.metadata.namespace}/${s.metadata.name}`),
  );
  const mine = all.filter((m) => {
    const svc = apiBaseService(m);
    if (!svc) return false;
    const k = `${svc.namespace}/${svc.name}`;
    return gwSvcs.has(k) || gwNames.has(k) || podSvcs.has(k);
  });
  if (mine.length || chains !== 1) return mine;
  // one pool: an in-cluster api_base that names nothing of it is still the LiteLLM in front of it (misrouted)
  return all.filter((m) => apiBaseService(m) !== undefined);
}

function usesConfigMap(d: Deployment, cm: KubeObject): boolean {
  if (d.metadata.namespace !== cm.metadata.namespace) return false;
  const volumes = ((d.spec?.template?.spec as {volumes?: {configMap?: {name?: string}}[]} | undefined)?.volumes ?? []);
  return volumes.some((v) => v.configMap?.name === cm.metadata.name);
}

function servicesFor(snap: Snapshot, d: Deployment): Service[] {
  const labels = d.spec?.template?.metadata?.labels;
  return items<Service>(snap, 'Service').filter((s) => s.metadata.namespace === d.metadata.namespace && s.spec?.selector && Object.keys(s.spec.selector).length > 0 && selectorMatches(s.spec.selector, labels));
}

function routesTo(snap: Snapshot, svc: Service): HTTPRoute[] {
  return items<HTTPRoute>(snap, 'HTTPRoute').filter((r) =>
    (r.spec?.rules ?? []).some((rule) =>
      (rule.backendRefs ?? []).some((b) => (b.kind ?? 'Service') === 'Service' && (b.group ?? '') === '' && b.name === svc.metadata.name && (b.namespace ?? r.metadata.namespace) === svc.metadata.namespace),
    ),
  );
}

function addressOf(snap: Snapshot, gw: {namespace: string; name: string}, obj: Gateway | undefined): {svc?: Service | undefined; address?: string | undefined} {
  const svc = gatewayServices(snap, gw).find((s) => s.spec?.type === 'LoadBalancer');
  const fromSvc = svc ? lbStatus(svc) : undefined;
  const fromGw = connectableAddresses(obj?.status?.addresses)[0];
  return {svc, address: fromSvc ?? fromGw};
}

function lbStatus(s: Service): string | undefined {
  const ingress = (s as Service & {status?: {loadBalancer?: {ingress?: {ip?: string; hostname?: string}[]}}}).status?.loadBalancer?.ingress ?? [];
  return ingress.map((i) => i.ip ?? i.hostname).filter(Boolean)[0];
}

function readyOf(pods: Pod[]): string {
  return `${pods.filter(podReady).length}/${pods.length} pods Ready`;
}

interface HopPresence {
  present: boolean;
  /** not found, but the lists that would show it were not read (forbidden, outside -n, not in the manifests) */
  unknown?: boolean | undefined;
  objects: string[];
  detail?: string | undefined;
}

/** Are the objects of a kind in a namespace all known (read, not forbidden, not only the manifests)? A kind not served is known: there are none. */
function known(snap: Snapshot, kind: KindKey, namespace?: string): boolean {
  const why = access(snap, kind, namespace);
  if (why && why.reason !== 'notServed') return false;
  return !partial(snap, kind);
}

/** What stands for each hop of one chain (presence and observations only). */
function presence(snap: Snapshot, chain: PoolChain, models: LitellmModel[]): Record<HopId, HopPresence> {
  const gw = chain.gateways[0];
  const gwObj = gw && 'found' in gw.lookup ? gw.lookup.found : undefined;
  const gwInfo = chainGateways(snap, chain)[0];

  // LiteLLM: its ConfigMap(s), the Deployment that mounts one, the Service in front of it
  const cms = [...new Map(models.map((m) => [`${m.configMap.metadata.namespace}/${m.configMap.metadata.name}`, m.configMap])).values()];
  const litellmDeps = items<Deployment>(snap, 'Deployment').filter((d) => cms.some((cm) => usesConfigMap(d, cm)));
  const litellmSvcs = litellmDeps.flatMap((d) => servicesFor(snap, d));
  const litellm: HopPresence = {
    present: models.length > 0,
    // LiteLLM may live in another namespace: with -n it is not seen
    unknown: models.length === 0 && (snap.namespace !== undefined || !known(snap, 'ConfigMap')),
    objects: [...cms.map((c) => describe('ConfigMap', c.metadata.namespace, c.metadata.name)), ...litellmDeps.map((d) => describe('Deployment', d.metadata.namespace, d.metadata.name))],
    detail: models.length ? `api_base ${[...new Set(models.map((m) => m.apiBase))].join(', ')}` : undefined,
  };

  // the external Gateway: one whose HTTPRoute sends to LiteLLM's Service
  const extRoutes = litellmSvcs.flatMap((s) => routesTo(snap, s));
  const extGws = [...new Map(extRoutes.flatMap((r) => (r.spec?.parentRefs ?? []).filter((p) => (p.kind ?? 'Gateway') === 'Gateway').map((p) => [`${p.namespace ?? r.metadata.namespace}/${p.name}`, {namespace: p.namespace ?? r.metadata.namespace ?? '', name: p.name}] as const))).values()];
  const extGw = extGws[0];
  const extObj = extGw ? items<Gateway>(snap, 'Gateway').find((g) => g.metadata.namespace === extGw.namespace && g.metadata.name === extGw.name) : undefined;
  const external: HopPresence = {
    present: extObj !== undefined,
    unknown: extObj === undefined && (litellm.unknown === true || (litellm.present && (!known(snap, 'HTTPRoute') || !known(snap, 'Gateway') || litellmDeps.length === 0))),
    objects: [...extGws.map((g) => describe('Gateway', g.namespace, g.name)), ...extRoutes.map((r) => describe('HTTPRoute', r.metadata.namespace, r.metadata.name))],
  };

  // the load balancer: in front of the first hop there is (external Gateway, else LiteLLM, else the internal Gateway)
  let lb: HopPresence = {present: false, objects: []};
  if (extGw) {
    const a = addressOf(snap, extGw, extObj);
    lb = {present: a.address !== undefined || a.svc !== undefined, objects: a.svc ? [describe('Service', a.svc.metadata.namespace, a.svc.metadata.name)] : [], detail: a.address ? `address ${a.address} → external Gateway` : a.svc ? 'no address assigned yet' : undefined};
  } else if (litellm.present) {
    const s = litellmSvcs.find((x) => x.spec?.type === 'LoadBalancer');
    if (s) lb = {present: true, objects: [describe('Service', s.metadata.namespace, s.metadata.name)], detail: lbStatus(s) ? `address ${lbStatus(s)} → LiteLLM` : 'no address assigned yet'};
  } else if (gw) {
    const a = addressOf(snap, gw, gwObj);
    if (a.svc) lb = {present: true, objects: [describe('Service', a.svc.metadata.namespace, a.svc.metadata.name)], detail: a.address ? `address ${a.address} → internal Gateway` : 'no address assigned yet'};
  }

  const internal: HopPresence = {
    present: gwObj !== undefined,
    unknown: gwObj === undefined && chain.gateways.some((g) => 'unknown' in g.lookup),
    objects: [...chain.gateways.map((g) => describe('Gateway', g.namespace, g.name)), ...[...new Set(chain.routes.map((r) => r.route))].map((r) => describe('HTTPRoute', r.metadata.namespace, r.metadata.name))],
    detail: gwObj
      ? [gwInfo?.className ? `class ${gwInfo.className}${gwInfo.implementation ? ` (${gwInfo.implementation})` : ''}` : '', connectableAddresses(gwObj.status?.addresses)[0] ? `address ${connectableAddresses(gwObj.status?.addresses)[0]}` : ''].filter(Boolean).join(', ') || undefined
      : undefined,
  };

  const eppSvc = chain.eppService && 'found' in chain.eppService ? chain.eppService.found : undefined;
  const eppPods = chain.epps.flatMap((e) => e.pods);
  const epp: HopPresence = {
    present: chain.epps.length > 0,
    unknown: chain.epps.length === 0 && !known(snap, 'Deployment', chain.namespace),
    objects: [...chain.epps.map((e) => describe('Deployment', e.deployment.metadata.namespace, e.deployment.metadata.name)), ...(eppSvc ? [describe('Service', eppSvc.metadata.namespace, eppSvc.metadata.name)] : [])],
    detail: chain.epps.length ? [known(snap, 'Pod', chain.namespace) ? readyOf(eppPods) : '', `wiring ${wiringOf(snap, chain).kind}`].filter(Boolean).join(', ') : undefined,
  };

  const pool: HopPresence = {
    present: chain.pool !== undefined,
    unknown: chain.pool === undefined && chain.poolUnknown !== undefined,
    objects: [describe('InferencePool', chain.namespace, chain.name || '(unset)')],
    detail: chain.pool ? `${chain.pool.group}/${chain.pool.version}${chain.pool.targetPorts.length ? `, targetPorts ${chain.pool.targetPorts.join(',')}` : ''}` : chain.poolUnknown,
  };

  const isvcs = chain.inferenceServices.filter((i) => 'found' in i.lookup);
  const isvc: HopPresence = {
    present: isvcs.length > 0,
    unknown: isvcs.length === 0 && (chain.inferenceServices.some((i) => 'unknown' in i.lookup && i.lookup.unknown.reason !== 'notServed') || !known(snap, 'Pod', chain.namespace)),
    objects: chain.inferenceServices.map((i) => describe('InferenceService', chain.namespace, i.name)),
  };

  const servers: HopPresence = {
    present: chain.modelPods.length > 0,
    unknown: chain.modelPods.length === 0 && !known(snap, 'Pod', chain.namespace),
    objects: chain.modelPods.slice(0, 3).map((p) => describe('Pod', p.metadata.namespace, p.metadata.name)).concat(chain.modelPods.length > 3 ? [`… ${chain.modelPods.length - 3} more`] : []),
    detail: chain.modelPods.length ? readyOf(chain.modelPods) : undefined,
  };

  if (!lb.present) lb.unknown = external.unknown === true || (!extGw && litellm.unknown === true) || (!extGw && !litellm.present && internal.unknown === true) || !known(snap, 'Service');
  const out: Record<HopId, HopPresence> = {'load-balancer': lb, 'external-gateway': external, litellm, 'internal-gateway': internal, epp, 'inference-pool': pool, 'inference-service': isvc, 'model-servers': servers};
  for (const [id, h] of Object.entries(out) as [HopId, HopPresence][]) {
    if (h.present || !h.unknown || h.detail) continue;
    h.detail =
      snap.source === 'files'
        ? 'not in the manifests'
        : snap.namespace !== undefined && (id === 'load-balancer' || id === 'external-gateway' || id === 'litellm')
          ? `not in namespace ${snap.namespace}; other namespaces were not read (-A reads them)`
          : 'its objects could not be read';
  }
  return out;
}

function chainObjects(snap: Snapshot, chain: PoolChain, models: LitellmModel[], bbrGateways: Set<string>): ChainObjects {
  const keys = new Set<string>();
  for (const g of chain.gateways) keys.add(refKey('Gateway', g.namespace, g.name));
  for (const r of chain.routes) keys.add(refKey('HTTPRoute', r.route.metadata.namespace, r.route.metadata.name));
  keys.add(refKey('InferencePool', chain.namespace, chain.name));
  for (const e of chain.epps) keys.add(refKey('Deployment', e.deployment.metadata.namespace, e.deployment.metadata.name));
  if (chain.eppService && 'found' in chain.eppService) keys.add(refKey('Service', chain.eppService.found.metadata.namespace, chain.eppService.found.metadata.name));
  for (const p of [...chain.eppPolicies.map((l) => l.policy), ...chain.otherPolicies]) keys.add(refKey('EnvoyExtensionPolicy', p.metadata.namespace, p.metadata.name));
  for (const i of chain.inferenceServices) keys.add(refKey('InferenceService', chain.namespace, i.name));
  for (const m of models) keys.add(refKey('ConfigMap', m.configMap.metadata.namespace, m.configMap.metadata.name));
  if (chain.release) keys.add(refKey('Secret', chain.release.release.secret.namespace, chain.release.release.secret.name));
  const envoyGateway = isEnvoyGatewayChain(snap, chain);
  return {
    keys,
    modelPods: new Set(chain.modelPods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)),
    litellm: models,
    envoyGateway,
    egNamespace: envoyGateway ? egForChain(snap, chain)?.namespace : undefined,
    bbr: chain.gateways.some((g) => bbrGateways.has(`${g.namespace}/${g.name}`)),
  };
}

/** Kinds whose objects belong to one chain or another: a cluster-wide finding about one is that chain's only. */
const CHAIN_KINDS = new Set(['Gateway', 'HTTPRoute', 'InferencePool', 'InferenceService', 'EnvoyExtensionPolicy', 'ConfigMap', 'Deployment', 'Service', 'Pod', 'Secret']);

/** Does a cluster-wide finding (no `pool`) concern this chain? */
function concerns(f: Finding, c: ChainObjects, egNamespaces: Set<string>): boolean {
  const n = Number(f.code.slice(4));
  const o = f.object;
  if (n >= 435 && n <= 442) return c.bbr;
  if (n >= 700) {
    // LiteLLM: its ConfigMap is this chain's, and (one ConfigMap, several pools) the message names one of this chain's models
    if (!o || !c.keys.has(refKey(o.kind, o.namespace, o.name))) return false;
    const own = c.litellm.filter((m) => m.configMap.metadata.namespace === o.namespace && m.configMap.metadata.name === o.name);
    const names = (m: LitellmModel): RegExp => new RegExp(`\\bmodel ${m.modelName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=[:\\s,]|$)`);
    return own.length > 0 && (own.some((m) => names(m).test(f.message)) || !/\bmodel \S+/.test(f.message));
  }
  if (n >= 200 && n < 300) {
    // the Envoy Gateway install's own objects: the chains it serves
    if (!c.envoyGateway) return false;
    if (o && c.keys.has(refKey(o.kind, o.namespace, o.name))) return true;
    if (o && CHAIN_KINDS.has(o.kind) && !['Deployment', 'ConfigMap', 'Service'].includes(o.kind)) return false;
    // the controller, its config, its ServiceAccount (also when it is missing): the install that serves this chain
    return !o?.namespace || c.egNamespace === undefined || !egNamespaces.has(o.namespace) || c.egNamespace === o.namespace;
  }
  if (o && CHAIN_KINDS.has(o.kind)) return c.keys.has(refKey(o.kind, o.namespace, o.name));
  // about no object of a chain (CRDs, the API, every pool): every chain
  return true;
}

function short(f: Finding): HopFinding {
  const first = f.message.split('\n')[0] ?? '';
  return {
    code: f.code,
    severity: f.severity,
    title: f.title,
    message: first.length > 160 ? `${first.slice(0, 159)}…` : first,
    ...(f.object ? {object: describe(f.object.kind, f.object.namespace, f.object.name)} : {}),
    ...(f.docs ? {docs: f.docs} : {}),
  };
}

const PROBLEM_ORDER: Severity[] = ['error', 'warning'];

function judge(p: HopPresence, fs: Finding[], rootOf: (code: string) => Finding | undefined): Pick<MapHop, 'health' | 'finding' | 'blockedBy' | 'moreProblems' | 'counts'> {
  // suppressed findings were judged and accepted by the user: they do not colour the map (nor the exit code)
  const live = fs.filter((f) => !f.suppressed);
  const counts: Partial<Record<Severity, number>> = {};
  for (const f of live) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  const problems = PROBLEM_ORDER.flatMap((s) => live.filter((f) => f.severity === s));
  const blocked = live.filter((f) => f.severity === 'blocked');
  let blockedBy: HopFinding | undefined;
  for (const b of blocked) {
    const root = (b.blockedBy ?? []).map(rootOf).find((x) => x !== undefined);
    if (root) {
      blockedBy = short(root);
      break;
    }
  }
  // the root cause is not among this run's findings (skipped, or outside the scope): its code only,
  // never the blocked finding's own message under it
  if (!blockedBy && blocked[0]?.blockedBy?.[0]) blockedBy = {code: blocked[0].blockedBy[0], severity: 'error', title: 'root cause not in this run', message: ''};
  const top = problems[0];
  if (top) return {health: top.severity === 'error' ? 'error' : 'warning', finding: short(top), blockedBy: undefined, moreProblems: problems.length - 1, counts};
  let health: HopHealth;
  if (!p.present) health = p.unknown ? 'unknown' : 'not-present';
  else if (blockedBy) health = 'unknown';
  else if (live.some((f) => f.severity === 'ok' || f.severity === 'info')) health = 'ok';
  else health = 'unknown';
  return {health, finding: undefined, blockedBy, moreProblems: 0, counts};
}

/** The map of every chain in the target, from the run's findings. */
export function trafficMap(snap: Snapshot, target: Target, findings: readonly Finding[]): TrafficMap {
  const models = litellmModels(snap);
  const bbr = bbrView(snap);
  const bbrGateways = new Set(bbr.policies.flatMap((l) => policyGateways(l.policy).map((g) => `${g.namespace}/${g.name}`)));
  for (const m of bbr.headerMatches) for (const p of m.route.spec?.parentRefs ?? []) bbrGateways.add(`${p.namespace ?? m.route.metadata.namespace}/${p.name}`);
  const egNamespaces = new Set(envoyGatewayInstalls(snap).map((i) => i.namespace));
  const pools: PoolMap[] = [];
  for (const chain of target.chains) {
    const mine = litellmFor(snap, chain, models, target.chains.length);
    const objs = chainObjects(snap, chain, mine, bbrGateways);
    const pres = presence(snap, chain, mine);
    const relevant = findings.filter((f) => (f.chain !== undefined ? f.chain === chain.key : concerns(f, objs, egNamespaces)));
    // a root cause is an error in this chain or cluster-wide
    const rootOf = (code: string): Finding | undefined => relevant.find((f) => f.code === code && f.severity === 'error') ?? findings.find((f) => f.code === code && f.severity === 'error' && f.chain === undefined);
    const byHop = new Map<HopId, Finding[]>(HOPS.map((h) => [h, []]));
    for (const f of relevant) {
      const rule = HOP_OF_CHECK[f.code] ?? 'object';
      if (rule === 'none') continue;
      const hop = rule === 'object' ? hopOfObject(f.object, objs) : rule;
      byHop.get(hop)!.push(f);
    }
    pools.push({
      pool: chain.key,
      hops: HOPS.map((id) => ({id, label: HOP_LABEL[id], present: pres[id].present, objects: pres[id].objects, ...(pres[id].detail ? {detail: pres[id].detail} : {}), ...judge(pres[id], byHop.get(id)!, rootOf)})),
    });
  }
  return {pools};
}

/** The map in the `-o json` document (`map`, only with --map): plain data, stable field names. */
export function mapJson(map: TrafficMap): Record<string, unknown> {
  return {
    pools: map.pools.map((p) => ({
      pool: p.pool,
      hops: p.hops.map((h) => ({
        id: h.id,
        label: h.label,
        health: h.health,
        present: h.present,
        objects: h.objects,
        detail: h.detail ?? null,
        finding: h.finding ?? null,
        blockedBy: h.blockedBy ?? null,
        moreProblems: h.moreProblems,
        counts: h.counts,
      })),
    })),
  };
}
