/*
 * Phase 4 — several models (InferencePools) behind one Gateway without a way to tell their requests
 * apart (issue 11, NF15 "several models on one Gateway without body-based routing").
 *
 * The model is named in the request body, which Gateway API matching never reads. Two HTTPRoute
 * rules on the same Gateway with the same hostname and path match and no header match are a tie:
 * Gateway API precedence (gateway-api apis/v1/httproute_types.go, HTTPRouteRule "Proxy or Load
 * Balancer routing configuration generated from HTTPRoutes MUST prioritize matches based on …";
 * ties go to the oldest Route by creationTimestamp, then to "{namespace}/{name}" in alphabetical
 * order, then to the first matching rule) sends every request to one pool; the other model never
 * gets traffic (or gets the first one's requests if the tie is broken the other way after a
 * re-create). The fix is a body-based router that copies the body's "model" into a header — GIE's
 * Body-Based Routing / llm-d's payload processor set X-Gateway-Model-Name — and a header match per
 * rule. Detecting whether such a router is installed is branch `bbr`'s check; this one only looks
 * at the routes: two pools, one listener, same matches, no header match.
 */
import {items} from '../../snapshot/query.ts';
import type {HTTPRoute} from '../../model/target.ts';
import {ok, warning, type Check, type Draft} from '../types.ts';

interface PathMatch {
  path?: {type?: string; value?: string};
  headers?: unknown[];
  queryParams?: unknown[];
  method?: string;
}

interface PoolRule {
  route: HTTPRoute;
  ruleIndex: number;
  pools: string[];
  hostnames: string[];
  /** match keys without header/query/method distinctions; rules with only distinguished matches have none */
  plainMatches: Set<string>;
}

function matchKey(m: PathMatch): string {
  return `${m.path?.type ?? 'PathPrefix'} ${m.path?.value ?? '/'}`;
}

function hostsOverlap(a: string[], b: string[]): boolean {
  if (a.length === 0 || b.length === 0) return true;
  return a.some((h) => b.includes(h));
}

/** Which of two routes wins a tie (Gateway API: oldest, then namespace/name alphabetical). */
function tieWinner(a: HTTPRoute, b: HTTPRoute): HTTPRoute {
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta < tb ? a : b;
  return `${a.metadata.namespace}/${a.metadata.name}` <= `${b.metadata.namespace}/${b.metadata.name}` ? a : b;
}

const routeRef = (r: HTTPRoute) => ({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: r.metadata.namespace, name: r.metadata.name});

export const modelsShareMatches: Check = {
  code: 'IGW-429',
  phase: 4,
  scope: 'cluster',
  title: 'Several InferencePools on one Gateway are told apart by a header match (model in the body)',
  readme: {checks: 'Several InferencePools on one Gateway are told apart by a header match (model in the body)', failure: 'one model answers for another'},
  whenAbsent: 'one model per Gateway, or routes told apart by a header',
  symptoms: {'503': 20, 'high-latency': 20},
  reads: ['HTTPRoute'],
  run({snap, target}) {
    // Judge only the Gateways that serve a pool in scope: with -n, routes of other namespaces are read
    // too (they cross namespaces), but their conflicts are not this run's to report.
    const inScope = new Set(target.chains.map((c) => c.key));
    const byGateway = new Map<string, PoolRule[]>();
    for (const r of items<HTTPRoute>(snap, 'HTTPRoute')) {
      const rns = r.metadata.namespace ?? '';
      (r.spec?.rules ?? []).forEach((rule, ruleIndex) => {
        const pools = (rule.backendRefs ?? []).filter((b) => b.kind === 'InferencePool').map((b) => `${b.namespace ?? rns}/${b.name}`);
        if (!pools.length) return;
        const matches = ((rule.matches ?? []) as PathMatch[]).length ? (rule.matches as PathMatch[]) : [{}];
        const plain = new Set(matches.filter((m) => !m.headers?.length && !m.queryParams?.length && !m.method).map(matchKey));
        for (const p of r.spec?.parentRefs ?? []) {
          if ((p.kind ?? 'Gateway') !== 'Gateway') continue;
          const key = `${p.namespace ?? rns}/${p.name}${p.sectionName ? `#${p.sectionName}` : ''}`;
          const list = byGateway.get(key) ?? [];
          list.push({route: r, ruleIndex, pools, hostnames: r.spec?.hostnames ?? [], plainMatches: plain});
          byGateway.set(key, list);
        }
      });
    }
    const out: Draft[] = [];
    const reported = new Set<string>();
    for (const [gw, rules] of byGateway) {
      const pools = new Set(rules.flatMap((r) => r.pools));
      if (pools.size < 2 || ![...pools].some((p) => inScope.has(p))) continue;
      for (let i = 0; i < rules.length; i++) {
        for (let j = i + 1; j < rules.length; j++) {
          const a = rules[i]!;
          const b = rules[j]!;
          if (a.pools.join() === b.pools.join() || !hostsOverlap(a.hostnames, b.hostnames)) continue;
          if (![...a.pools, ...b.pools].some((p) => inScope.has(p))) continue;
          const shared = [...a.plainMatches].filter((k) => b.plainMatches.has(k));
          if (!shared.length) continue;
          const win = a.route === b.route ? a : tieWinner(a.route, b.route) === a.route ? a : b;
          const lose = win === a ? b : a;
          const id = `${gw} ${[a.pools.join(), b.pools.join()].sort().join(' ')}`;
          if (reported.has(id)) continue;
          reported.add(id);
          const name = (x: PoolRule) => `HTTPRoute ${x.route.metadata.namespace}/${x.route.metadata.name} rule ${x.ruleIndex} (pool ${x.pools.join(', ')})`;
          out.push(
            warning(
              `${name(a)} and ${name(b)} attach to Gateway ${gw.replace('#', ' listener ')} with the same match (${shared.join(', ')}) and no header match: the model is named in the request body, which routing does not read — Gateway API precedence sends every such request to ${name(win)} by tie-break, and pool ${lose.pools.join(', ')} gets none of them`,
              routeRef(lose.route),
              [
                `# route by model: a body-based router (GIE Body-Based Routing / llm-d payload processor) copies the body's "model" into X-Gateway-Model-Name; then give each rule a header match, e.g. in ${lose.route.metadata.namespace}/${lose.route.metadata.name} rule ${lose.ruleIndex}:`,
                'matches:',
                `- path: {type: PathPrefix, value: /}`,
                `  headers: [{type: Exact, name: X-Gateway-Model-Name, value: <model served by ${lose.pools[0]}>}]`,
              ].join('\n'),
            ),
          );
        }
      }
    }
    if (!out.length && [...byGateway.values()].some((r) => new Set(r.flatMap((x) => x.pools)).size > 1)) out.push(ok('InferencePools sharing a Gateway are told apart by their matches'));
    return out;
  },
};
