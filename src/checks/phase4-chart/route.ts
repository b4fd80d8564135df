/*
 * Phase 4 — the HTTPRoute to the pool: it exists, may reference it, is accepted with resolved
 * refs, and no route names a pool that does not exist (TROUBLESHOOTING 5).
 */
import {condition, describeCondition, type ObjectRef} from '../../k8s/objects.ts';
import type {KubeObject} from '../../kube/client.ts';
import {gatewayRef, poolRef, type HTTPRoute} from '../../model/target.ts';
import {chainGateways, egControllerName, egForChain} from '../../model/wiring.ts';
import {implementationOf} from '../../k8s/implementation.ts';
import {GROUP} from '../../snapshot/kinds.ts';
import {access, inNamespace, isLive, items, lookup, partial} from '../../snapshot/query.ts';
import type {Snapshot} from '../../snapshot/types.ts';
import {jsonPatch, yamlBlock} from '../fix.ts';
import {isEnvoyGatewayChain} from '../helpers.ts';
import {error, info, notApplicable, ok, orNotApplicable, skipped, warning, type Check, type Draft} from '../types.ts';
import {staleConditions} from './route-rules.ts';

const routeRef = (r: HTTPRoute): ObjectRef => ({apiVersion: `${GROUP.gatewayApi}/v1`, kind: 'HTTPRoute', namespace: r.metadata.namespace, name: r.metadata.name});

function referenceGrantAllows(snap: Snapshot, fromNs: string, toNs: string, group: string, name: string): boolean {
  return inNamespace<KubeObject & {spec?: {from?: {group: string; kind: string; namespace: string}[]; to?: {group: string; kind: string; name?: string}[]}}>(snap, 'ReferenceGrant', toNs).some(
    (g) =>
      (g.spec?.from ?? []).some((f) => f.group === GROUP.gatewayApi && f.kind === 'HTTPRoute' && f.namespace === fromNs) &&
      (g.spec?.to ?? []).some((t) => t.group === group && t.kind === 'InferencePool' && (!t.name || t.name === name)),
  );
}

export const httpRouteReferences: Check = {
  code: 'IGW-408',
  phase: 4,
  scope: 'chain',
  title: 'HTTPRoute sends to this InferencePool from this Gateway',
  readme: {checks: 'HTTPRoute → this pool from this Gateway; ReferenceGrant across namespaces; listener allowedRoutes', failure: '500'},
  dependsOn: ['IGW-301'],
  symptoms: {'500': 3, 'ext-proc-not-routing': 16},
  reads: ['HTTPRoute', 'ReferenceGrant', 'InferencePool', 'XInferencePool', 'GatewayClass', 'Deployment', 'Pod', 'Service', 'ConfigMap'],
  judgesUnreadable: ['ReferenceGrant', 'InferencePool', 'XInferencePool', 'GatewayClass', 'Deployment', 'Pod', 'Service', 'ConfigMap'],
  run({chain, snap}) {
    const out: Draft[] = [];
    if (!chain.pool) return [notApplicable('this chain has no InferencePool')];
    const relGw = chain.gateways.find((g) => g.via.includes('release')) ?? chain.gateways.find((g) => g.via.includes('policy'));
    if (chain.routes.length === 0 && partial(snap, 'HTTPRoute')) return [skipped(`skipped: no HTTPRoute to ${chain.key} in the manifests (it may come from another chart)`, poolRef(chain))];
    // routes were read in one namespace only (-n without cluster-wide read access): one elsewhere may exist
    const narrow = (snap.lists.HTTPRoute?.parts ?? []).every((p) => p.namespace !== undefined);
    if (chain.routes.length === 0 && narrow && snap.source !== 'files') {
      return [warning(`no HTTPRoute in namespace ${chain.namespace} sends traffic to InferencePool ${chain.key}; routes in other namespaces could not be read (run with -A, or grant list on httproutes cluster-wide)`, poolRef(chain))];
    }
    // a route in this namespace names a pool that does not exist (a typo for this one?): IGW-415 has the fix
    const dangling = chain.routes.length === 0 ? danglingPoolRefs(snap).find((d) => d.namespace === chain.namespace) : undefined;
    if (dangling) {
      return [{severity: 'blocked', message: `blocked by IGW-415: HTTPRoute ${dangling.route.metadata.namespace}/${dangling.route.metadata.name} names InferencePool ${dangling.name}, which does not exist, instead of ${chain.name}?`, blockedBy: ['IGW-415']}];
    }
    if (chain.routes.length === 0) {
      const gw = relGw ?? chain.gateways[0];
      const route = {
        apiVersion: `${GROUP.gatewayApi}/v1`,
        kind: 'HTTPRoute',
        metadata: {name: chain.name, namespace: chain.namespace},
        spec: {
          parentRefs: [{group: GROUP.gatewayApi, kind: 'Gateway', name: gw?.name ?? '<gateway>', ...(gw && gw.namespace !== chain.namespace ? {namespace: gw.namespace} : {})}],
          rules: [{matches: [{path: {type: 'PathPrefix', value: '/'}}], backendRefs: [{group: chain.group, kind: 'InferencePool', name: chain.name}], timeouts: {request: '300s'}}],
        },
      };
      return [error(`no HTTPRoute sends traffic to InferencePool ${chain.key}: requests through the Gateway never reach the pool (500 "fault filter abort" / 404)`, poolRef(chain), `kubectl apply -f - <<'EOF'\n${yamlBlock(route)}\nEOF`)];
    }
    for (const l of chain.routes) {
      const r = l.route;
      const rns = r.metadata.namespace ?? '';
      const parents = (r.spec?.parentRefs ?? []).filter((p) => (p.kind ?? 'Gateway') === 'Gateway');
      if (relGw && !parents.some((p) => p.name === relGw.name && (p.namespace ?? rns) === relGw.namespace)) {
        out.push(
          error(
            `HTTPRoute ${rns}/${r.metadata.name} attaches to ${parents.map((p) => `${p.namespace ?? rns}/${p.name}`).join(', ') || 'no Gateway'}, not to Gateway ${relGw.namespace}/${relGw.name}${chain.release ? ` of release ${chain.release.release.name}` : ''}`,
            routeRef(r),
            jsonPatch('httproute', rns, r.metadata.name, [{op: 'replace', path: '/spec/parentRefs', value: [{group: GROUP.gatewayApi, kind: 'Gateway', name: relGw.name, ...(relGw.namespace !== rns ? {namespace: relGw.namespace} : {})}]}]),
          ),
        );
      }
      // Cross-namespace parentRef: the listener must allow routes from the route's namespace.
      for (const p of parents) {
        const gns = p.namespace ?? rns;
        if (gns === rns) continue;
        const g = chain.gateways.find((x) => x.namespace === gns && x.name === p.name);
        const gw = g && 'found' in g.lookup ? g.lookup.found : undefined;
        const from = gw?.spec?.listeners?.map((x) => x.allowedRoutes?.namespaces?.from ?? 'Same');
        if (from && from.every((f) => f === 'Same')) {
          out.push(
            error(
              `HTTPRoute ${rns}/${r.metadata.name} is in namespace ${rns}, but Gateway ${gns}/${p.name} only allows routes from its own namespace (allowedRoutes.namespaces.from: Same)`,
              gatewayRef({namespace: gns, name: p.name}),
              jsonPatch('gateway', gns, p.name, (gw!.spec?.listeners ?? []).map((_, i) => ({op: 'add', path: `/spec/listeners/${i}/allowedRoutes`, value: {namespaces: {from: 'All'}}}))),
            ),
          );
        }
      }
      // Cross-namespace backendRef: needs a ReferenceGrant in the pool's namespace.
      if (rns !== chain.namespace && access(snap, 'ReferenceGrant', chain.namespace) === undefined && !referenceGrantAllows(snap, rns, chain.namespace, l.group || chain.group, chain.name)) {
        const grant = {
          apiVersion: `${GROUP.gatewayApi}/v1beta1`,
          kind: 'ReferenceGrant',
          metadata: {name: `${rns}-httproutes-to-inferencepools`, namespace: chain.namespace},
          spec: {from: [{group: GROUP.gatewayApi, kind: 'HTTPRoute', namespace: rns}], to: [{group: chain.group, kind: 'InferencePool'}]},
        };
        out.push(
          error(
            `HTTPRoute ${rns}/${r.metadata.name} references InferencePool ${chain.key} in another namespace without a ReferenceGrant: the ref is not permitted (RefNotPermitted), requests fail with 500`,
            routeRef(r),
            `kubectl apply -f - <<'EOF'\n${yamlBlock(grant)}\nEOF`,
          ),
        );
      }
    }
    if (out.length === 0) out.push(ok(`${chain.routes.map((l) => `HTTPRoute ${l.route.metadata.namespace}/${l.route.metadata.name}`).join(', ')} → InferencePool ${chain.name}`, poolRef(chain)));
    return out;
  },
};

export const httpRouteStatus: Check = {
  code: 'IGW-409',
  phase: 4,
  scope: 'chain',
  title: 'HTTPRoute is Accepted and its refs resolved',
  readme: {checks: "HTTPRoute Accepted / ResolvedRefs (InvalidKind, RefNotPermitted, BackendNotFound) in the status of the Gateway's own controller", failure: '500'},
  dependsOn: ['IGW-408', 'IGW-419', 'IGW-206', 'IGW-212', 'IGW-404', 'IGW-220', 'IGW-222', 'IGW-225', 'IGW-231', 'IGW-234', 'IGW-235'],
  symptoms: {'500': 6, 'ext-proc-not-routing': 12},
  reads: ['Deployment', 'Pod', 'Service', 'ConfigMap', 'GatewayClass'],
  judgesUnreadable: ['Deployment', 'Pod', 'Service', 'ConfigMap', 'GatewayClass'],
  run({chain, snap}) {
    const out: Draft[] = [];
    // issue 13: on another implementation's Gateway, that controller writes the route status
    const onEg = isEnvoyGatewayChain({snap, chain});
    const controller = onEg ? egControllerName(snap, egForChain(snap, chain)) : (chainGateways(snap, chain).find((g) => g.controllerName)?.controllerName ?? '');
    const who = onEg ? 'Envoy Gateway' : (implementationOf(controller)?.name ?? 'its Gateway controller');
    for (const l of chain.routes) {
      const r = l.route;
      if (!isLive(snap, r)) continue;
      const rns = r.metadata.namespace ?? '';
      const statuses = (r.status?.parents ?? []).filter((p) => !p.controllerName || p.controllerName === controller);
      if (statuses.length === 0) {
        out.push(warning(`HTTPRoute ${rns}/${r.metadata.name} has no status from ${who} (${controller}): not reconciled yet, or its parent Gateway is not ${who}'s`, routeRef(r), `kubectl describe httproute ${r.metadata.name} -n ${rns}`));
        continue;
      }
      // issue 11 NF15: conditions written for an older generation say nothing about this spec (IGW-418)
      const stale = staleConditions(r, statuses.flatMap((p) => p.conditions ?? []));
      if (stale) {
        out.push(info(`HTTPRoute ${rns}/${r.metadata.name}: status is stale (observedGeneration ${stale.observed} < generation ${stale.generation}), Accepted/ResolvedRefs not judged — see IGW-418`, routeRef(r)));
        continue;
      }
      let bad = false;
      for (const p of statuses) {
        const acc = condition(p.conditions, 'Accepted');
        const res = condition(p.conditions, 'ResolvedRefs');
        const on = `on Gateway ${p.parentRef.namespace ?? rns}/${p.parentRef.name}`;
        if (acc?.status === 'False') {
          bad = true;
          out.push(error(`HTTPRoute ${rns}/${r.metadata.name} is not Accepted ${on}: ${describeCondition(acc)}`, routeRef(r), `kubectl describe httproute ${r.metadata.name} -n ${rns}`));
        }
        if (res?.status === 'False') {
          bad = true;
          const why =
            res.reason === 'InvalidKind' && !onEg
              ? ` — ${who} does not accept InferencePool backends here (see the ${who} checks in phase 2, IGW-220…239)`
              : res.reason === 'InvalidKind'
              ? ' — Envoy Gateway does not know InferencePool as a backend: the Envoy AI Gateway extensionManager is missing, or the controller has not loaded it yet'
              : res.reason === 'RefNotPermitted'
                ? ' — a ReferenceGrant in the pool\'s namespace is missing'
                : res.reason === 'BackendNotFound'
                  ? ' — the InferencePool it names does not exist'
                  : '';
          const fix = res.reason === 'InvalidKind' && onEg ? `kubectl infgw patch-envoy --dry-run   # then without --dry-run; it restarts the controller` : `kubectl describe httproute ${r.metadata.name} -n ${rns}`;
          out.push(error(`HTTPRoute ${rns}/${r.metadata.name} ${on}: ${describeCondition(res)}${why}; requests fail with 500`, routeRef(r), fix));
        }
      }
      if (!bad) out.push(ok(`HTTPRoute ${rns}/${r.metadata.name} Accepted, refs resolved`, routeRef(r)));
    }
    return out;
  },
};

interface DanglingRef {
  route: HTTPRoute;
  ruleIndex: number;
  refIndex: number;
  namespace: string;
  name: string;
  group: string;
}

/** HTTPRoute backendRefs to InferencePools that exist in neither API group. */
export function danglingPoolRefs(snap: Snapshot): DanglingRef[] {
  const out: DanglingRef[] = [];
  for (const r of items<HTTPRoute>(snap, 'HTTPRoute')) {
    const rns = r.metadata.namespace ?? '';
    (r.spec?.rules ?? []).forEach((rule, ruleIndex) => {
      (rule.backendRefs ?? []).forEach((b, refIndex) => {
        if (b.kind !== 'InferencePool') return;
        const ns = b.namespace ?? rns;
        const key = (b.group ?? '') === GROUP.xPool ? 'XInferencePool' : 'InferencePool';
        if (!('absent' in lookup(snap, key, ns, b.name))) return;
        // the same name in the other group is IGW-105's business
        if ('found' in lookup(snap, key === 'XInferencePool' ? 'InferencePool' : 'XInferencePool', ns, b.name)) return;
        out.push({route: r, ruleIndex, refIndex, namespace: ns, name: b.name, group: b.group ?? ''});
      });
    });
  }
  return out;
}

export const danglingRouteRefs: Check = {
  code: 'IGW-415',
  phase: 4,
  scope: 'cluster',
  title: 'HTTPRoute backendRefs name InferencePools that exist',
  readme: {checks: 'HTTPRoute backendRefs name InferencePools that exist', failure: '500 fault filter abort'},
  symptoms: {'500': 1},
  reads: ['HTTPRoute', 'InferencePool', 'XInferencePool', 'GatewayClass', 'Deployment', 'Pod', 'Service', 'ConfigMap'],
  judgesUnreadable: ['XInferencePool', 'GatewayClass', 'Deployment', 'Pod', 'Service', 'ConfigMap'],
  run({snap, target}) {
    const out: Draft[] = [];
    for (const d of danglingPoolRefs(snap)) {
      const r = d.route;
      const rns = r.metadata.namespace ?? '';
      if (target.namespace !== undefined && rns !== target.namespace && d.namespace !== target.namespace) continue;
      // the pool a release's EPP serves is missing: IGW-301 is the root cause and has the fix (recreate it)
      if (target.chains.some((c) => !c.pool && c.namespace === d.namespace && c.name === d.name)) {
        out.push({severity: 'blocked', message: `blocked by IGW-301: HTTPRoute ${rns}/${r.metadata.name} sends to InferencePool ${d.namespace}/${d.name}, which IGW-301 reports missing`, blockedBy: ['IGW-301'], object: routeRef(r)});
        continue;
      }
      const candidates = inNamespace(snap, d.group === GROUP.xPool ? 'XInferencePool' : 'InferencePool', d.namespace).map((p) => p.metadata.name);
      out.push(
        error(
          `HTTPRoute ${rns}/${r.metadata.name} sends to InferencePool ${d.namespace}/${d.name} (${d.group}), which does not exist: Envoy answers 500 "fault filter abort"`,
          routeRef(r),
          candidates.length === 1
            ? jsonPatch('httproute', rns, r.metadata.name, [{op: 'replace', path: `/spec/rules/${d.ruleIndex}/backendRefs/${d.refIndex}/name`, value: candidates[0]}])
            : `kubectl get inferencepools -n ${d.namespace}   # then point the backendRef at one of them`,
        ),
      );
    }
    return orNotApplicable(out, 'no HTTPRoute backendRef to judge');
  },
};
