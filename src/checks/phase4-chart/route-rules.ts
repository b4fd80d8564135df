/*
 * Phase 4 — HTTPRoute rules to InferencePools and the statuses doctor reads (issue 11, NF4, NF8,
 * NF15): the route timeout Envoy applies, one InferencePool per rule, and conditions that are
 * older than the object's spec.
 */
import {argValue} from '../../k8s/args.ts';
import type {Condition, LabelSelector, ObjectRef} from '../../k8s/objects.ts';
import {selectorMatches, selectorString} from '../../k8s/selectors.ts';
import type {KubeObject} from '../../kube/client.ts';
import {aiGatewayOf, gatewayControllerName, installForGateway, type GatewayObj} from '../../model/ai-gateway.ts';
import {backendService, gatewayRef, type EnvoyBackend, type HTTPRoute, type PoolChain, type Target} from '../../model/target.ts';
import type {Pod, Service} from '../../k8s/objects.ts';
import {litellmModels, serviceOfHost} from '../phase7-litellm/api-base.ts';
import {EG_CONTROLLER_NAME, egControllerName} from '../../model/wiring.ts';
import {envoyGatewayInstalls} from '../../snapshot/envoy-gateway.ts';
import {GROUP} from '../../snapshot/kinds.ts';
import {access, get, isLive, items} from '../../snapshot/query.ts';
import type {Snapshot} from '../../snapshot/types.ts';
import {jsonPatch} from '../fix.ts';
import {error, info, ok, warning, type Check, type Draft} from '../types.ts';

const routeRef = (r: KubeObject): ObjectRef => ({apiVersion: `${GROUP.gatewayApi}/v1`, kind: 'HTTPRoute', namespace: r.metadata.namespace, name: r.metadata.name});

interface RouteRule {
  backendRefs?: {group?: string; kind?: string; name: string; namespace?: string}[];
  timeouts?: {request?: string; backendRequest?: string};
}

interface TrafficPolicy extends KubeObject {
  spec?: {
    targetRef?: {group?: string; kind?: string; name: string};
    targetRefs?: {group?: string; kind?: string; name: string}[];
    timeout?: {http?: {requestTimeout?: string}};
  };
}

/** The Gateways a route attaches to (those that exist). */
function parentGateways(snap: Snapshot, r: HTTPRoute): GatewayObj[] {
  return (r.spec?.parentRefs ?? [])
    .filter((p) => (p.kind ?? 'Gateway') === 'Gateway')
    .map((p) => get<GatewayObj>(snap, 'Gateway', p.namespace ?? r.metadata.namespace, p.name))
    .filter((g): g is GatewayObj => g !== undefined);
}

/** Envoy Gateway's controllerNames (of every install found, and the default). */
function envoyGatewayControllers(snap: Snapshot): Set<string> {
  return new Set([EG_CONTROLLER_NAME, ...envoyGatewayInstalls(snap).map((i) => egControllerName(snap, i))]);
}

/**
 * A BackendTrafficPolicy that sets timeout.http.requestTimeout for this route: it targets the
 * route, or one of its Gateways (a policy targets objects of its own namespace).
 */
function trafficPolicyTimeout(snap: Snapshot, r: HTTPRoute, gateways: GatewayObj[]): {policy: TrafficPolicy; value: string} | undefined {
  for (const p of items<TrafficPolicy>(snap, 'BackendTrafficPolicy')) {
    const value = p.spec?.timeout?.http?.requestTimeout;
    if (!value) continue;
    const targets = [...(p.spec?.targetRefs ?? []), ...(p.spec?.targetRef ? [p.spec.targetRef] : [])];
    const hits = targets.some(
      (t) =>
        (t.kind === 'HTTPRoute' && t.name === r.metadata.name && p.metadata.namespace === r.metadata.namespace) ||
        (t.kind === 'Gateway' && gateways.some((g) => g.metadata.name === t.name && g.metadata.namespace === p.metadata.namespace)),
    );
    if (hits) return {policy: p, value};
  }
  return undefined;
}

/** Each rule of the chain's routes that sends to this pool, once. */
function chainRules(chain: PoolChain): {route: HTTPRoute; ruleIndex: number; rule: RouteRule}[] {
  const seen = new Set<string>();
  const out: {route: HTTPRoute; ruleIndex: number; rule: RouteRule}[] = [];
  for (const l of chain.routes) {
    const k = `${l.route.metadata.namespace}/${l.route.metadata.name}/${l.ruleIndex}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({route: l.route, ruleIndex: l.ruleIndex, rule: (l.route.spec?.rules?.[l.ruleIndex] ?? {}) as RouteRule});
  }
  return out;
}

/**
 * Rules that send to a plain Service on this pool's inference path (issue 11): a Service that selects
 * the pool's model server pods (KServe's `<isvc>-predictor`, or a direct route past the picker), and
 * the Service of a LiteLLM proxy whose api_base is this chain's Gateway. Envoy Gateway gives them the
 * same 15 s default route timeout. A LiteLLM route is judged once, in the first chain LiteLLM reaches.
 */
function serviceRules(snap: Snapshot, chain: PoolChain, target: Target): {route: HTTPRoute; ruleIndex: number; rule: RouteRule; to: string}[] {
  const services = items<Service>(snap, 'Service');
  const onPath = new Map<string, string>();
  for (const svc of services) {
    if (svc.metadata.namespace !== chain.namespace || !svc.spec?.selector || Object.keys(svc.spec.selector).length === 0) continue;
    if (chain.modelPods.some((p) => selectorMatches(svc.spec!.selector!, p.metadata.labels))) onPath.set(`${chain.namespace}/${svc.metadata.name}`, `Service ${chain.namespace}/${svc.metadata.name} (the model servers of pool ${chain.key})`);
  }
  const pods = items<Pod>(snap, 'Pod');
  for (const m of litellmModels(snap)) {
    const cmNs = m.configMap.metadata.namespace ?? '';
    let host: string;
    try {
      host = new URL(m.apiBase).hostname;
    } catch {
      continue;
    }
    const svc = serviceOfHost(host, cmNs);
    const reaches = (c: PoolChain) =>
      svc !== undefined && c.gateways.some((g) => services.some((s) => s.metadata.namespace === svc.namespace && s.metadata.name === svc.name && ((s.metadata.labels?.['gateway.envoyproxy.io/owning-gateway-name'] === g.name && s.metadata.labels?.['gateway.envoyproxy.io/owning-gateway-namespace'] === g.namespace) || (s.metadata.namespace === g.namespace && s.metadata.name === g.name))));
    if (!reaches(chain) || target.chains.find(reaches) !== chain) continue;
    const litellmPods = pods.filter((p) => p.metadata.namespace === cmNs && (p.spec?.volumes ?? []).some((v) => v.configMap?.name === m.configMap.metadata.name));
    for (const s of services) {
      if (s.metadata.namespace !== cmNs || !s.spec?.selector || Object.keys(s.spec.selector).length === 0) continue;
      if (litellmPods.some((p) => selectorMatches(s.spec!.selector!, p.metadata.labels))) onPath.set(`${cmNs}/${s.metadata.name}`, `Service ${cmNs}/${s.metadata.name} (LiteLLM, which forwards to pool ${chain.key} through ${host})`);
    }
  }
  const out: {route: HTTPRoute; ruleIndex: number; rule: RouteRule; to: string}[] = [];
  if (onPath.size === 0) return out;
  for (const r of items<HTTPRoute>(snap, 'HTTPRoute')) {
    const rns = r.metadata.namespace ?? '';
    (r.spec?.rules ?? []).forEach((rule, ruleIndex) => {
      const hit = (rule.backendRefs ?? [])
        .map((b) => {
          if ((b.kind ?? 'Service') === 'Service' && (b.group ?? '') === '') return onPath.get(`${b.namespace ?? rns}/${b.name}`);
          // an Envoy Gateway Backend whose endpoint is such a Service (api/v1alpha1/backend_types.go)
          if (b.kind !== 'Backend' || b.group !== GROUP.envoy) return undefined;
          const backend = get<EnvoyBackend>(snap, 'Backend', b.namespace ?? rns, b.name);
          const svc = backend ? backendService(snap, backend) : undefined;
          const to = svc ? onPath.get(`${svc.namespace}/${svc.name}`) : undefined;
          return to ? `Backend ${backend!.metadata.namespace}/${backend!.metadata.name} → ${to}` : undefined;
        })
        .find((x) => x !== undefined);
      if (hit) out.push({route: r, ruleIndex, rule: rule as RouteRule, to: hit});
    });
  }
  return out;
}

export const routeRequestTimeout: Check = {
  code: 'IGW-416',
  phase: 4,
  scope: 'chain',
  title: 'HTTPRoute rule to the InferencePool sets a request timeout longer than a generation',
  readme: {checks: 'HTTPRoute rule to the InferencePool — or to a Service on its inference path (model servers, LiteLLM) — sets a request timeout longer than a generation', failure: "Envoy's 15 s route timeout cuts generations (504)"},
  whenAbsent: 'no HTTPRoute rule to this pool on an Envoy Gateway Gateway (other implementations have their own route timeouts)',
  dependsOn: ['IGW-408'],
  symptoms: {'high-latency': 20, 'no-streaming': 20},
  reads: ['HTTPRoute', 'Deployment', 'Pod', 'ConfigMap', 'Gateway', 'GatewayClass', 'BackendTrafficPolicy', 'Service', 'Backend'],
  judgesUnreadable: ['Deployment', 'Pod', 'ConfigMap', 'Gateway', 'GatewayClass', 'BackendTrafficPolicy', 'Service', 'Backend'],
  run({chain, snap, target}) {
    const out: Draft[] = [];
    const eg = envoyGatewayControllers(snap);
    for (const {route: r, ruleIndex, rule, to} of [...chainRules(chain).map((x) => ({...x, to: `InferencePool ${chain.key}`})), ...serviceRules(snap, chain, target)]) {
      const rns = r.metadata.namespace ?? '';
      const gateways = parentGateways(snap, r);
      // Envoy's 15 s default is Envoy Gateway's behaviour; other implementations have their own.
      const controllers = gateways.map((g) => gatewayControllerName(snap, g));
      if (gateways.length > 0 && controllers.every((c) => c !== undefined && !eg.has(c))) continue;
      const where = `HTTPRoute ${rns}/${r.metadata.name} rule ${ruleIndex}`;
      const request = rule.timeouts?.request;
      if (request !== undefined) {
        out.push(ok(`${where}: timeouts.request ${request}${/^0+(s|ms|m|h)?$/.test(request) ? ' (disabled)' : ''}`, routeRef(r)));
        continue;
      }
      const byPolicy = trafficPolicyTimeout(snap, r, gateways);
      if (byPolicy) {
        out.push(info(`${where} sets no timeouts.request; BackendTrafficPolicy ${byPolicy.policy.metadata.namespace}/${byPolicy.policy.metadata.name} sets timeout.http.requestTimeout ${byPolicy.value}`, routeRef(r)));
        continue;
      }
      // envoyproxy/gateway v1.9.1 internal/xds/translator/route.go: RouteAction.Timeout is set only
      // from the rule's timeouts.request (internal/gatewayapi/route.go) or a BackendTrafficPolicy's
      // timeout.http.requestTimeout; otherwise Envoy's route default applies, 15 s
      // (envoy config/route/v3 RouteAction.timeout). AI Gateway v1.1.0 adds none for HTTPRoute →
      // InferencePool; llm-d-router's gateway chart sets httpRoute.requestTimeout "300s".
      const fix =
        rule.timeouts === undefined
          ? jsonPatch('httproute', rns, r.metadata.name, [{op: 'add', path: `/spec/rules/${ruleIndex}/timeouts`, value: {request: '300s'}}])
          : jsonPatch('httproute', rns, r.metadata.name, [{op: 'add', path: `/spec/rules/${ruleIndex}/timeouts/request`, value: '300s'}]);
      const per = rule.timeouts?.backendRequest ? ` (timeouts.backendRequest ${rule.timeouts.backendRequest} is per try and does not lift it)` : '';
      const consequence = `Envoy Gateway leaves the route timeout unset and Envoy's default of 15 s applies${per}: a generation that takes longer gets 504 "upstream request timeout", a streamed one is cut off mid-stream`;
      const why = access(snap, 'BackendTrafficPolicy', rns);
      if (why && why.reason !== 'notServed') {
        out.push(info(`${where} to ${to} sets no timeouts.request; BackendTrafficPolicies could not be read (${why.message}) — unless one sets timeout.http.requestTimeout, ${consequence}`, routeRef(r), `${fix}   # 300s, or "0s" for no limit`));
        continue;
      }
      out.push(warning(`${where} to ${to} sets no timeouts.request and no BackendTrafficPolicy sets timeout.http.requestTimeout: ${consequence}`, routeRef(r), `${fix}   # 300s, or "0s" for no limit`));
    }
    return out;
  },
};

export const onePoolPerRule: Check = {
  code: 'IGW-417',
  phase: 4,
  scope: 'cluster',
  title: 'one InferencePool per HTTPRoute rule',
  readme: {checks: 'one InferencePool per HTTPRoute rule', failure: 'hook error (AI Gateway) or one shared picker (Istio)'},
  whenAbsent: 'no HTTPRoute rule names more than one InferencePool',
  symptoms: {'500': 20, '503': 20},
  reads: ['HTTPRoute', 'Gateway', 'Deployment', 'Pod', 'ConfigMap', 'GatewayClass', 'Service'],
  judgesUnreadable: ['Gateway', 'Deployment', 'Pod', 'ConfigMap', 'GatewayClass', 'Service'],
  run({snap, target}) {
    const out: Draft[] = [];
    for (const r of items<HTTPRoute>(snap, 'HTTPRoute')) {
      const rns = r.metadata.namespace ?? '';
      (r.spec?.rules ?? []).forEach((rule, ruleIndex) => {
        const pools = (rule.backendRefs ?? []).filter((b) => b.kind === 'InferencePool');
        if (pools.length < 2) return;
        if (target.namespace !== undefined && rns !== target.namespace && !pools.some((b) => (b.namespace ?? rns) === target.namespace)) return;
        const names = pools.map((b) => `${b.namespace ?? rns}/${b.name}${b.weight !== undefined ? ` (weight ${b.weight})` : ''}`).join(', ');
        const where = `HTTPRoute ${rns}/${r.metadata.name} rule ${ruleIndex} sends to ${pools.length} InferencePools (${names})`;
        const fix = `kubectl edit httproute ${r.metadata.name} -n ${rns}   # one InferencePool per rule: e.g. a rule with a header match (x-canary: "true") → ${pools[1]!.name}, the default rule → ${pools[0]!.name}; or one pool whose selector covers both model Deployments, with one EPP`;
        const gateways = parentGateways(snap, r);
        const egControllers = envoyGatewayControllers(snap);
        const aiGateway = gateways.some((g) => egControllers.has(gatewayControllerName(snap, g) ?? EG_CONTROLLER_NAME) && aiGatewayOf(snap, installForGateway(snap, g)).length > 0);
        const istio = gateways.some((g) => (gatewayControllerName(snap, g) ?? '').startsWith('istio.io/'));
        if (aiGateway) {
          // ai-gateway v1.1.0 internal/extensionserver/post_cluster_modify.go and post_route_modify.go:
          // "BUG: at most one inferencepool can be referenced per route rule" — the hook fails and
          // Envoy Gateway (fail-closed extension manager) does not program the route.
          out.push(error(`${where}: Envoy AI Gateway handles at most one InferencePool per rule ("at most one inferencepool can be referenced per route rule") — its hook fails and the route is not programmed (500)`, routeRef(r), fix));
        } else if (istio) {
          // istio/istio#61594 (fixed by PR #61601): the picker of one pool scored the whole rule; if that
          // pool has no ready endpoint the whole rule answers 503, including the other pool's share.
          out.push(warning(`${where}: Istio releases without istio/istio#61601 call only one pool's Endpoint Picker for the whole rule — if that pool has no ready endpoint every request of the rule gets 503 (istio/istio#61594)`, routeRef(r), fix));
        } else {
          out.push(info(`${where}: each pool needs its own Endpoint Picker and the implementation must call the right one per backend (GIE conformance GatewayWeightedAcrossTwoInferencePools)`, routeRef(r)));
        }
      });
    }
    return out;
  },
};

interface StatusView {
  what: string;
  ref: ObjectRef;
  generation: number;
  conditions: Condition[];
}

/** Conditions older than the spec: observedGeneration (Gateway API convention) below metadata.generation. */
export function staleConditions(o: KubeObject, conds: Condition[]): {observed: number; generation: number} | undefined {
  const generation = o.metadata.generation;
  if (generation === undefined) return undefined;
  const observed = conds.map((c) => (c as Condition & {observedGeneration?: number}).observedGeneration).filter((g): g is number => typeof g === 'number');
  if (observed.length === 0) return undefined;
  const newest = Math.max(...observed);
  return newest < generation ? {observed: newest, generation} : undefined;
}

export const statusCurrent: Check = {
  code: 'IGW-418',
  phase: 4,
  scope: 'chain',
  title: 'Gateway, HTTPRoute and policy statuses are current (observedGeneration = generation)',
  readme: {checks: 'Gateway, HTTPRoute and policy statuses are current (observedGeneration = generation)', failure: 'doctor cannot trust the status (controller behind)'},
  symptoms: {'config-not-applied': 20, 'gateway-not-programmed': 20},
  reads: ['Gateway', 'HTTPRoute'],
  run({chain, snap}) {
    const views: StatusView[] = [];
    for (const g of chain.gateways) {
      if (!('found' in g.lookup)) continue;
      const gw = g.lookup.found;
      views.push({what: `Gateway ${g.namespace}/${g.name}`, ref: gatewayRef(g), generation: gw.metadata.generation ?? 0, conditions: gw.status?.conditions ?? []});
    }
    const seen = new Set<object>();
    for (const l of chain.routes) {
      if (seen.has(l.route)) continue;
      seen.add(l.route);
      const r = l.route;
      // Only the parents the spec still names: a controller stops processing a route that no longer
      // names its Gateway and leaves that parent's old entry behind (Envoy Gateway v1.9.1 does, seen
      // in test/e2e/doctor-real-eg.e2e.test.ts route-wrong-parent) — a leftover, not a controller
      // behind; IGW-408 reports the parentRef itself.
      const key = (ref: {name?: string; namespace?: string}): string => `${ref.namespace ?? r.metadata.namespace}/${ref.name}`;
      const named = new Set((r.spec?.parentRefs ?? []).map(key));
      const current = (r.status?.parents ?? []).filter((p) => named.has(key(p.parentRef)));
      views.push({what: `HTTPRoute ${r.metadata.namespace}/${r.metadata.name}`, ref: routeRef(r), generation: r.metadata.generation ?? 0, conditions: current.flatMap((p) => p.conditions ?? [])});
    }
    for (const p of chain.eppPolicies) {
      if (seen.has(p.policy)) continue;
      seen.add(p.policy);
      const e = p.policy;
      views.push({
        what: `EnvoyExtensionPolicy ${e.metadata.namespace}/${e.metadata.name}`,
        ref: {apiVersion: `${GROUP.envoy}/v1alpha1`, kind: 'EnvoyExtensionPolicy', namespace: e.metadata.namespace, name: e.metadata.name},
        generation: e.metadata.generation ?? 0,
        conditions: (e.status?.ancestors ?? []).flatMap((a) => a.conditions ?? []),
      });
    }
    const out: Draft[] = [];
    let judged = 0;
    for (const v of views) {
      const o = {metadata: {name: v.ref.name, generation: v.generation}} as KubeObject;
      const obj = chainObject(chain, v.ref);
      if (obj && !isLive(snap, obj)) continue;
      judged++;
      const stale = staleConditions(o, v.conditions);
      if (!stale) continue;
      const kind = v.ref.kind.toLowerCase();
      out.push(
        warning(
          `the status of ${v.what} is stale: its conditions were written for generation ${stale.observed}, the spec is at generation ${stale.generation} — the controller has not processed the last change (is Envoy Gateway running? IGW-201), so doctor does not trust this status`,
          v.ref,
          `kubectl get ${kind} ${v.ref.name} -n ${v.ref.namespace} -o yaml   # compare metadata.generation with status conditions[].observedGeneration; then the controller's log: kubectl logs deployment/envoy-gateway -n <Envoy Gateway namespace>`,
        ),
      );
    }
    if (out.length === 0 && judged > 0) out.push(ok(`statuses of ${views.map((v) => v.what).join(', ')} are current`));
    return out;
  },
};

function chainObject(chain: PoolChain, ref: ObjectRef): object | undefined {
  if (ref.kind === 'Gateway') {
    const g = chain.gateways.find((x) => x.name === ref.name && x.namespace === ref.namespace);
    return g && 'found' in g.lookup ? g.lookup.found : undefined;
  }
  if (ref.kind === 'HTTPRoute') return chain.routes.find((l) => l.route.metadata.name === ref.name && l.route.metadata.namespace === ref.namespace)?.route;
  return chain.eppPolicies.find((p) => p.policy.metadata.name === ref.name && p.policy.metadata.namespace === ref.namespace)?.policy;
}

interface ListenerView {
  name: string;
  allowedRoutes?: {namespaces?: {from?: string; selector?: LabelSelector}};
}

/** The label every namespace carries (KEP-2161, Kubernetes ≥ 1.22): a selector on it needs no read. */
const NAME_LABEL = 'kubernetes.io/metadata.name';

function onlyNameLabel(sel: LabelSelector | undefined): boolean {
  if (!sel) return false;
  const keys = [...Object.keys(sel.matchLabels ?? {}), ...(sel.matchExpressions ?? []).map((e) => e.key)];
  return keys.length > 0 && keys.every((k) => k === NAME_LABEL);
}

export const listenerNamespaceSelector: Check = {
  code: 'IGW-419',
  phase: 4,
  scope: 'chain',
  title: "the HTTPRoute's namespace is admitted by the listener's allowedRoutes namespace selector",
  readme: {checks: "the HTTPRoute's namespace is admitted by the listener's allowedRoutes namespace selector", failure: 'route not admitted by the listener'},
  whenAbsent: 'no listener selects route namespaces by label',
  dependsOn: ['IGW-403'],
  symptoms: {'500': 20, 'ext-proc-not-routing': 20},
  reads: ['HTTPRoute', 'Gateway', 'Namespace'],
  judgesUnreadable: ['Namespace'],
  run({chain, snap}) {
    const out: Draft[] = [];
    const seen = new Set<object>();
    for (const l of chain.routes) {
      const r = l.route;
      if (seen.has(r)) continue;
      seen.add(r);
      const rns = r.metadata.namespace ?? '';
      for (const p of (r.spec?.parentRefs ?? []).filter((x) => (x.kind ?? 'Gateway') === 'Gateway')) {
        const gns = p.namespace ?? rns;
        const gw = get<GatewayObj>(snap, 'Gateway', gns, p.name);
        if (!gw) continue;
        const listeners = ((gw.spec?.listeners ?? []) as ListenerView[]).filter((x) => !p.sectionName || x.name === p.sectionName);
        const selectors = listeners.filter((x) => x.allowedRoutes?.namespaces?.from === 'Selector');
        if (selectors.length === 0) continue;
        // Gateway API (apis/v1 gateway_types.go RouteNamespaces): All admits every namespace, Same the
        // Gateway's own, Selector those whose labels match; a route no listener admits is not
        // Accepted (reason NotAllowedByListeners).
        const ns = get<KubeObject>(snap, 'Namespace', undefined, rns);
        const why = ns ? undefined : access(snap, 'Namespace');
        const labels: Record<string, string> = {...(ns?.metadata.labels ?? {}), [NAME_LABEL]: rns};
        let unknown = false;
        const admitted = listeners.some((x) => {
          const from = x.allowedRoutes?.namespaces?.from ?? 'Same';
          if (from === 'All') return true;
          if (from === 'Same') return gns === rns;
          const sel = x.allowedRoutes?.namespaces?.selector ?? {};
          if (!ns && !onlyNameLabel(sel) && Object.keys(sel).length > 0) {
            unknown = true;
            return false;
          }
          return selectorMatches(sel, labels);
        });
        const gwName = `Gateway ${gns}/${p.name}`;
        if (admitted) {
          out.push(ok(`${gwName} admits HTTPRoute ${rns}/${r.metadata.name} (namespace labels match the listener's selector)`, routeRef(r)));
          continue;
        }
        if (unknown) {
          out.push(info(`${gwName} admits routes by namespace label; the labels of namespace ${rns} could not be read (${why?.message ?? 'not read'}): whether HTTPRoute ${rns}/${r.metadata.name} is admitted is unknown`, routeRef(r)));
          continue;
        }
        const first = selectors[0]!.allowedRoutes?.namespaces?.selector ?? {};
        const want = Object.entries(first.matchLabels ?? {}).filter(([k]) => k !== NAME_LABEL);
        const fix = want.length && (first.matchExpressions ?? []).length === 0
          ? `kubectl label namespace ${rns} ${want.map(([k, v]) => `${k}=${v}`).join(' ')}`
          : `kubectl label namespace ${rns} <labels matching ${selectorString(first)}>   # or widen allowedRoutes.namespaces of listener ${selectors[0]!.name}: kubectl edit gateway ${p.name} -n ${gns}`;
        out.push(
          error(
            `namespace ${rns} of HTTPRoute ${r.metadata.name} does not match the allowedRoutes namespace selector of ${gwName} (listener ${selectors.map((x) => `${x.name}: ${selectorString(x.allowedRoutes?.namespaces?.selector ?? {}) || '(empty)'}`).join('; ')}): no listener admits the route — it is not Accepted (NotAllowedByListeners) and requests to InferencePool ${chain.key} get 404`,
            {apiVersion: 'v1', kind: 'Namespace', name: rns},
            fix,
          ),
        );
      }
    }
    return out;
  },
};

/** gRPC's default receive limit (grpc-go defaultServerMaxReceiveMessageSize), which the EPP keeps unless told. */
const GRPC_DEFAULT_MAX = 4 * 1024 * 1024;

/**
 * --grpc-max-recv-msg-size as llm-d-router (≥ v0.9.0, pkg/epp/server/options.go) reads it: a
 * trailing B is dropped, the rest is a Kubernetes quantity ("10MiB" = 10485760, "25MB" = 25000000).
 */
export function parseMsgSize(v: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|k|M|G)?B?$/.exec((v ?? '').trim());
  if (!m) return undefined;
  const mult: Record<string, number> = {'': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, K: 1e3, M: 1e6, G: 1e9};
  return Math.round(Number(m[1]) * mult[m[2] ?? '']!);
}

const mib = (n: number): string => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;

export const extProcMessageSize: Check = {
  code: 'IGW-420',
  phase: 4,
  scope: 'chain',
  title: 'request bodies fit the EPP\'s gRPC message limit (ext_proc "larger than max")',
  readme: {checks: 'request bodies fit the EPP\'s gRPC message limit (ext_proc "larger than max")', failure: 'ext_proc "larger than max" on big bodies'},
  whenAbsent: 'no EPP policy buffers request bodies and no size error logged',
  symptoms: {'500': 20},
  reads: ['Deployment'],
  run({chain, snap}) {
    const out: Draft[] = [];
    // Which wiring sends the whole request body as ONE ext_proc message: an EnvoyExtensionPolicy with
    // processingMode.request.body Buffered, or the AI Gateway path with the pool annotation
    // aigateway.envoyproxy.io/processing-body-mode: buffered (ai-gateway v1.1.0
    // internal/extensionserver/inferencepool.go; default duplex streams it in chunks).
    const buffered: string[] = [];
    for (const l of chain.eppPolicies) {
      if (l.policy.spec?.extProc?.[l.extProcIndex]?.processingMode?.request?.body === 'Buffered') buffered.push(`EnvoyExtensionPolicy ${l.policy.metadata.namespace}/${l.policy.metadata.name} (request body Buffered)`);
    }
    if (chain.routes.length > 0 && chain.pool?.obj.metadata.annotations?.['aigateway.envoyproxy.io/processing-body-mode'] === 'buffered') buffered.push(`InferencePool ${chain.key} (aigateway.envoyproxy.io/processing-body-mode: buffered)`);
    for (const e of chain.epps) {
      const dref = {apiVersion: 'apps/v1', kind: 'Deployment', namespace: e.deployment.metadata.namespace, name: e.deployment.metadata.name};
      const image = e.container?.image;
      const flavour = /llm-d/.test(image ?? '') ? 'llm-d' : /gateway-api-inference-extension\/epp/.test(image ?? '') ? 'gie' : 'unknown';
      const flag = argValue(e.container, '--grpc-max-recv-msg-size');
      const limit = parseMsgSize(flag) ?? GRPC_DEFAULT_MAX;
      const fix =
        flavour === 'gie'
          ? `# GIE's EPP has no --grpc-max-recv-msg-size: stream the request body instead (EnvoyExtensionPolicy processingMode.request.body: Streamed / the AI Gateway default duplex), or move to llm-d-router ≥ v0.9.0 and set --grpc-max-recv-msg-size=64MiB`
          : `kubectl patch deployment ${dref.name} -n ${dref.namespace} --type json -p '${JSON.stringify([{op: 'add', path: `/spec/template/spec/containers/${(e.deployment.spec.template.spec.containers ?? []).indexOf(e.container!)}/args/-`, value: '--grpc-max-recv-msg-size=64MiB'}])}'`;
      // Live: the EPP's log tail (envoyproxy/ai-gateway#1209 shows Envoy's side:
      // ext_proc_error_gRPC_error_8{grpc:_received_message_larger_than_max_(43994856_vs._4194304)}).
      const rt = snap.runtime?.find((x) => x.namespace === dref.namespace && x.deployment === dref.name);
      const line = rt && rt.log.ok ? rt.log.text.split('\n').find((x) => /received message larger than max/.test(x)) : undefined;
      if (line) {
        out.push(
          error(
            `EPP ${dref.namespace}/${dref.name} refused a request larger than its gRPC limit (${mib(limit)}${flag ? `, --grpc-max-recv-msg-size=${flag}` : ', the gRPC default'}): Envoy answers 500 (ext_proc gRPC status 8 RESOURCE_EXHAUSTED) for long prompts, images, embedding batches; its log says: "${line.trim().slice(0, 300)}"`,
            dref,
            fix,
          ),
        );
        continue;
      }
      if (buffered.length === 0) continue;
      if (limit > GRPC_DEFAULT_MAX) {
        out.push(ok(`EPP ${dref.namespace}/${dref.name} accepts ext_proc messages up to ${mib(limit)} (--grpc-max-recv-msg-size=${flag}) for the buffered request bodies of ${buffered.join(', ')}`, dref));
        continue;
      }
      out.push(
        info(
          `${buffered.join(', ')} sends each request body to EPP ${dref.namespace}/${dref.name} as one gRPC message, and the EPP accepts at most ${mib(limit)} (${flavour === 'gie' ? 'GIE\'s EPP has no flag to raise it' : 'no --grpc-max-recv-msg-size'}): requests with bodies over ${mib(limit)} (long contexts, images, embedding batches) fail with 500 "ext_proc_error_gRPC_error_8 … larger than max" (envoyproxy/ai-gateway#1209)`,
          dref,
          fix,
        ),
      );
    }
    return out;
  },
};
