/*
 * Phase 8 — the Envoy proxy's own view (doctor --envoy-admin, or --request): what the proxy of
 * the pool's Gateway really runs, read from its admin endpoint (/config_dump, /stats; gathered by
 * src/probe/envoy-admin.ts, parsed by src/envoy/admin.ts). Every object can be Accepted while the
 * translated config lacks the pool's ext_proc filter (envoyproxy/ai-gateway#2560): only the
 * proxy's own config shows it. Without the flag these checks are not applicable (nothing shown).
 */
import {
  aiGatewayNames,
  clusterFailures,
  extensionPolicyFilterPrefix,
  extProcErrors,
  ORIGINAL_DST_HEADER,
  type HttpFilterView,
  type ProxyConfigView,
} from '../../envoy/admin.ts';
import type {PoolChain} from '../../model/target.ts';
import {gatewayRef} from '../../model/target.ts';
import type {ObjectRef} from '../../k8s/objects.ts';
import type {EnvoyAdminRead, Snapshot} from '../../snapshot/types.ts';
import {error, info, notApplicable, ok, skipped, warning, type Check, type Draft} from '../types.ts';

const NOT_ASKED = 'the Envoy proxy was not read (doctor --envoy-admin or --request reads its admin endpoint)';

function proxyRef(r: EnvoyAdminRead): ObjectRef {
  return r.proxy ? {apiVersion: 'v1', kind: 'Pod', namespace: r.proxy.namespace, name: r.proxy.pod} : gatewayRef(r.gateway);
}

/** The admin read of the chain's Gateway, or why there is none. */
function readOf(snap: Snapshot, chain: PoolChain): EnvoyAdminRead | Draft {
  if (!snap.envoyAdmin) return notApplicable(NOT_ASKED);
  const r = snap.envoyAdmin.find((x) => chain.gateways.some((g) => g.namespace === x.gateway.namespace && g.name === x.gateway.name));
  if (!r) return notApplicable(`no Envoy proxy read for the Gateways of ${chain.key}`);
  return r;
}

type ReadOk = Extract<EnvoyAdminRead, {ok: true}>;

/** The admin read when it worked; else "skipped" (IGW-821 says why). */
function withConfig(snap: Snapshot, chain: PoolChain, each: (r: ReadOk) => Draft[]): Draft[] {
  const r = readOf(snap, chain);
  if (!('gateway' in r)) return [r];
  if (!r.ok) return [skipped(`skipped: the Envoy proxy of Gateway ${r.gateway.namespace}/${r.gateway.name} could not be read (IGW-821)`, proxyRef(r))];
  return each(r);
}

/** The pool's ext_proc filters the proxy should run: AI Gateway's for an HTTPRoute → InferencePool, Envoy Gateway's for each EnvoyExtensionPolicy to the EPP. */
function expectedFilters(chain: PoolChain): {name: string; prefix: boolean; by: string}[] {
  const out: {name: string; prefix: boolean; by: string}[] = [];
  if (chain.routes.length > 0) out.push({name: aiGatewayNames(chain).filter, prefix: false, by: `Envoy AI Gateway for HTTPRoute → InferencePool ${chain.key}`});
  for (const p of chain.eppPolicies) {
    const ns = p.policy.metadata.namespace ?? '';
    out.push({name: extensionPolicyFilterPrefix({namespace: ns, name: p.policy.metadata.name}), prefix: true, by: `Envoy Gateway for EnvoyExtensionPolicy ${ns}/${p.policy.metadata.name}`});
  }
  return out;
}

function findFilters(config: ProxyConfigView, want: {name: string; prefix: boolean}): {listener: string; filter: HttpFilterView}[] {
  return config.listeners
    .filter((l) => l.state === 'active')
    .flatMap((l) => l.connectionManagers.flatMap((m) => m.httpFilters.filter((f) => (want.prefix ? f.name.startsWith(want.name) : f.name === want.name)).map((filter) => ({listener: l.name, filter}))));
}

/**
 * The clusters Envoy Gateway made for the chain's route rules (envoyproxy/gateway
 * internal/gatewayapi/helpers.go irRouteDestinationName: httproute/<namespace>/<name>/rule/<index>).
 */
function poolClusters(config: ProxyConfigView, chain: PoolChain): string[] {
  const names = new Set(chain.routes.map((l) => `httproute/${l.route.metadata.namespace ?? ''}/${l.route.metadata.name}/rule/${l.ruleIndex}`));
  return config.clusters.filter((c) => names.has(c.name)).map((c) => c.name);
}

export const envoyAdminRead: Check = {
  code: 'IGW-821',
  phase: 8,
  scope: 'chain',
  title: "The Envoy proxy's admin endpoint answers (config dump and stats, through a port-forward)",
  readme: {checks: "the Gateway's Envoy proxy pod answers `/config_dump` and `/stats` on its admin port 127.0.0.1:19000 (port-forward; `--envoy-admin` or `--request`)", failure: 'not read: the proxy pod is missing, not Envoy Gateway\'s, or the port-forward is refused — the checks of the proxy\'s view are skipped'},
  reads: [],
  run({snap, chain}) {
    const r = readOf(snap, chain);
    if (!('gateway' in r)) return [r];
    if (!r.ok) return [info(`the Envoy proxy of Gateway ${r.gateway.namespace}/${r.gateway.name} could not be read: ${r.reason}`, proxyRef(r))];
    const l = r.config.listeners;
    const errored = l.filter((x) => x.state === 'error');
    if (errored.length) {
      return [error(`Envoy proxy ${r.proxy.namespace}/${r.proxy.pod} refused listener${errored.length > 1 ? 's' : ''} ${errored.map((x) => `${x.name} (${x.error ?? 'rejected'})`).join(', ')}: the Gateway serves the config from before`, proxyRef(r), `kubectl logs -n ${r.proxy.namespace} ${r.proxy.pod} -c envoy | grep -i -e rejected -e error`)];
    }
    return [ok(`Envoy proxy ${r.proxy.namespace}/${r.proxy.pod}: ${l.length} listener(s), ${r.config.clusters.length} cluster(s), ${r.config.routes.length} route(s)${r.stats ? '' : ` (stats not read: ${r.statsError ?? 'unknown'})`}`, proxyRef(r))];
  },
};

export const envoyExtProcFilter: Check = {
  code: 'IGW-822',
  phase: 8,
  scope: 'chain',
  title: "The Envoy proxy runs the pool's ext_proc filter on its listener, and the route to the pool enables it",
  readme: {
    checks: "the proxy's listeners carry the pool's ext_proc filter (`envoy.filters.http.ext_proc/endpointpicker/<pool>_<ns>_ext_proc` from Envoy AI Gateway, or `…/envoyextensionpolicy/<ns>/<policy>/extproc/<i>`) and the route to the pool does not disable it",
    failure: 'every object Accepted, but the filter is missing (envoyproxy/ai-gateway#2560): requests skip the EPP — no pick, 500/503',
  },
  dependsOn: ['IGW-821'],
  explainedBy: ['IGW-206', 'IGW-209', 'IGW-409', 'IGW-411'],
  symptoms: {'ext-proc-not-routing': 90, '500': 90, '503': 90},
  reads: [],
  run({snap, chain}) {
    return withConfig(snap, chain, (r) => {
      const want = expectedFilters(chain);
      if (!want.length) return [notApplicable(`nothing wires an EPP into ${chain.key} (no HTTPRoute to the pool, no EnvoyExtensionPolicy to its EPP)`)];
      const out: Draft[] = [];
      const clusters = new Set(poolClusters(r.config, chain));
      for (const w of want) {
        const found = findFilters(r.config, w);
        const where = `Envoy proxy ${r.proxy.namespace}/${r.proxy.pod}`;
        if (!found.length) {
          out.push(
            error(
              `${where} runs no ${w.prefix ? `${w.name}* ` : `${w.name} `}filter (${w.by}) on any active listener: every object may say Accepted, but requests are not sent to the EPP (envoyproxy/ai-gateway#2560)`,
              proxyRef(r),
              `kubectl logs -n envoy-gateway-system deployment/envoy-gateway | grep -i -e extension -e inferencepool   # did the extension server answer?\nkubectl rollout restart deployment -n ${r.proxy.namespace} -l gateway.envoyproxy.io/owning-gateway-name=${r.gateway.name}`,
            ),
          );
          continue;
        }
        // a route to the pool must not switch the filter off (AI Gateway disables other pools' filters per route)
        const names = new Set(found.map((f) => f.filter.name));
        const disabledOn = r.config.routes.filter((rt) => rt.cluster && clusters.has(rt.cluster) && [...names].some((n) => rt.perFilter[n] === 'disabled'));
        // Envoy Gateway puts its filters on the listener disabled and enables them per route
        const listenerDisabled = found.every((f) => f.filter.disabled);
        const enabledOn = r.config.routes.filter((rt) => rt.cluster && clusters.has(rt.cluster) && [...names].some((n) => rt.perFilter[n] === 'enabled'));
        if (disabledOn.length) {
          out.push(error(`${where}: route${disabledOn.length > 1 ? 's' : ''} ${disabledOn.map((x) => x.name ?? x.cluster).join(', ')} to ${chain.key} disable${disabledOn.length > 1 ? '' : 's'} ${[...names].join(', ')}: requests on ${disabledOn.length > 1 ? 'them' : 'it'} skip the EPP`, proxyRef(r)));
        } else if (listenerDisabled && clusters.size > 0 && enabledOn.length === 0) {
          out.push(error(`${where}: ${[...names].join(', ')} is disabled on listener ${found[0]!.listener} and no route to ${chain.key} enables it: requests skip the EPP`, proxyRef(r)));
        } else {
          out.push(ok(`${where}: ${[...names].join(', ')} on listener${found.length > 1 ? 's' : ''} ${[...new Set(found.map((f) => f.listener))].join(', ')} (${w.by})`, proxyRef(r)));
        }
      }
      return out;
    });
  },
};

export const envoyEppCluster: Check = {
  code: 'IGW-823',
  phase: 8,
  scope: 'chain',
  title: 'The Envoy proxy has the cluster its ext_proc filter calls (the EPP)',
  readme: {checks: 'the gRPC cluster the pool\'s ext_proc filter names exists (`envoy.clusters.endpointpicker_<pool>_<ns>_ext_proc` for Envoy AI Gateway)', failure: 'the filter calls a cluster Envoy does not have: every request fails (500)'},
  dependsOn: ['IGW-822'],
  symptoms: {'ext-proc-not-routing': 91, '500': 91},
  reads: [],
  run({snap, chain}) {
    return withConfig(snap, chain, (r) => {
      const out: Draft[] = [];
      const have = new Set(r.config.clusters.map((c) => c.name));
      for (const w of expectedFilters(chain)) {
        for (const {filter} of findFilters(r.config, w)) {
          const want = filter.grpcCluster ?? (w.prefix ? undefined : aiGatewayNames(chain).eppCluster);
          if (!want) continue;
          if (have.has(want)) out.push(ok(`cluster ${want} (called by ${filter.name}) exists`, proxyRef(r)));
          else out.push(error(`${filter.name} calls cluster ${want}, which Envoy proxy ${r.proxy.namespace}/${r.proxy.pod} does not have: the EPP cannot be called`, proxyRef(r)));
        }
      }
      return out.length ? out : [notApplicable('no ext_proc filter of this pool on the proxy (IGW-822)')];
    });
  },
};

export const envoyOriginalDstCluster: Check = {
  code: 'IGW-824',
  phase: 8,
  scope: 'chain',
  title: `The route to the pool goes to an ORIGINAL_DST cluster that follows ${ORIGINAL_DST_HEADER}`,
  readme: {checks: `the HTTPRoute rule's cluster is ORIGINAL_DST with \`original_dst_lb_config.http_header_name: ${ORIGINAL_DST_HEADER}\` (what Envoy AI Gateway makes of an InferencePool backend)`, failure: "Envoy ignores the EPP's pick (or has no cluster for the pool): 503 or random pods"},
  dependsOn: ['IGW-821'],
  // IGW-209: without the Cluster hook the extension never turns the rule's cluster into
  // ORIGINAL_DST — seen on the real Envoy Gateway v1.9.1 + AI Gateway v1.1.0 translation, where the
  // cluster stays EDS (test/fixtures/envoy-admin/config-dump.real-eg-v1.9.1.hooks-incomplete.json)
  explainedBy: ['IGW-206', 'IGW-209', 'IGW-409', 'IGW-415'],
  symptoms: {'503': 91, 'ext-proc-not-routing': 92},
  reads: [],
  run({snap, chain}) {
    if (!chain.routes.length) return [notApplicable('no HTTPRoute sends to the pool (the EnvoyExtensionPolicy wiring routes to a Service)')];
    return withConfig(snap, chain, (r) => {
      const names = poolClusters(r.config, chain);
      const where = `Envoy proxy ${r.proxy.namespace}/${r.proxy.pod}`;
      const rules = chain.routes.map((l) => `httproute/${l.route.metadata.namespace ?? ''}/${l.route.metadata.name}/rule/${l.ruleIndex}`);
      if (!names.length) return [error(`${where} has no cluster for the route rule(s) to ${chain.key} (${[...new Set(rules)].join(', ')}): the route is not programmed`, proxyRef(r))];
      return names.map((n) => {
        const c = r.config.clusters.find((x) => x.name === n)!;
        if (c.type === 'ORIGINAL_DST' && c.originalDstHeader === ORIGINAL_DST_HEADER) return ok(`cluster ${n}: ORIGINAL_DST following ${ORIGINAL_DST_HEADER}`, proxyRef(r));
        return error(`cluster ${n} is ${c.type ?? 'of unknown type'}${c.originalDstHeader ? ` following ${c.originalDstHeader}` : ''}, not ORIGINAL_DST following ${ORIGINAL_DST_HEADER}: the EPP's pick is not used`, proxyRef(r));
      });
    });
  },
};

export const envoyExtProcErrors: Check = {
  code: 'IGW-825',
  phase: 8,
  scope: 'chain',
  title: 'The Envoy proxy counts no ext_proc errors (streams_failed, message_timeouts, failure_mode_allowed)',
  readme: {checks: "the proxy's `http.<prefix>.ext_proc.streams_failed`, `message_timeouts`, `failure_mode_allowed`, `spurious_msgs_received` counters are 0 (summed over the proxy's ext_proc filters)", failure: 'calls to the EPP fail: gRPC errors (TLS/plaintext, EPP down), timeouts (messageTimeout), or skipped under failOpen'},
  dependsOn: ['IGW-822'],
  symptoms: {'500': 92, 'ext-proc-not-routing': 93},
  reads: [],
  run({snap, chain}) {
    return withConfig(snap, chain, (r) => {
      if (!r.stats) return [skipped(`stats not read: ${r.statsError ?? 'unknown'}`, proxyRef(r))];
      const errs = extProcErrors(r.stats);
      const bad = Object.entries(errs).filter(([, v]) => v > 0);
      if (!bad.length) return [ok(`Envoy proxy ${r.proxy.namespace}/${r.proxy.pod}: no ext_proc errors counted`, proxyRef(r))];
      return [warning(`Envoy proxy ${r.proxy.namespace}/${r.proxy.pod} counted ext_proc ${bad.map(([k, v]) => `${k} ${v}`).join(', ')} since it started (summed over its ext_proc filters: every pool and policy on this proxy): calls to an EPP failed${errs.failure_mode_allowed ? ' (failure_mode_allowed: requests went on without a pick)' : ''}`, proxyRef(r), `kubectl logs -n ${r.proxy.namespace} ${r.proxy.pod} -c envoy | grep -i ext_proc`)];
    });
  },
};

export const envoyConnectFailures: Check = {
  code: 'IGW-826',
  phase: 8,
  scope: 'chain',
  title: "The Envoy proxy counts no connect failures to the EPP or the pool's endpoints",
  readme: {checks: '`cluster.<EPP or pool cluster>.upstream_cx_connect_fail`, `upstream_cx_connect_timeout`, `upstream_cx_none_healthy`, `original_dst_host_invalid` are 0', failure: 'Envoy cannot connect to the EPP or to the picked pod (port, NetworkPolicy, TLS)'},
  dependsOn: ['IGW-821'],
  symptoms: {'503': 92},
  reads: [],
  run({snap, chain}) {
    return withConfig(snap, chain, (r) => {
      if (!r.stats) return [skipped(`stats not read: ${r.statsError ?? 'unknown'}`, proxyRef(r))];
      const clusters = [...new Set([...poolClusters(r.config, chain), ...expectedFilters(chain).flatMap((w) => findFilters(r.config, w).map((f) => f.filter.grpcCluster ?? '')).filter(Boolean)])];
      if (!clusters.length) return [notApplicable('no cluster of this pool on the proxy (IGW-823, IGW-824)')];
      const bad = clusters.map((c) => ({c, f: clusterFailures(r.stats!, c)})).filter((x) => Object.keys(x.f).length > 0);
      if (!bad.length) return [ok(`no connect failures on ${clusters.join(', ')}`, proxyRef(r))];
      return [warning(`Envoy proxy ${r.proxy.namespace}/${r.proxy.pod} counted ${bad.map((x) => `${x.c}: ${Object.entries(x.f).map(([k, v]) => `${k} ${v}`).join(', ')}`).join('; ')}`, proxyRef(r))];
    });
  },
};
