/*
 * The Envoy proxy's own view, from its admin endpoint (`/config_dump`, `/stats`): pure functions
 * that turn an envoy.admin.v3.ConfigDump (JSON, as the admin endpoint prints it) into the few
 * facts doctor judges — which HTTP filters each listener runs, which clusters exist and of which
 * type, which routes enable or disable which filter — and that pick the ext_proc and connect
 * failure counters out of the `/stats` text.
 *
 * Names Envoy AI Gateway gives an InferencePool's objects (ai-gateway v1.1.0
 * internal/extensionserver/inferencepool.go, clusterNameForInferencePool and
 * httpFilterNameForInferencePool; post_cluster_modify.go handleInferencePoolCluster):
 *   HTTP filter  envoy.filters.http.ext_proc/endpointpicker/<pool>_<namespace>_ext_proc
 *   EPP cluster  envoy.clusters.endpointpicker_<pool>_<namespace>_ext_proc (STRICT_DNS)
 *   the pool's   the route's own cluster turned into ORIGINAL_DST, lb_policy CLUSTER_PROVIDED,
 *   cluster      original_dst_lb_config {use_http_header: true, http_header_name:
 *                x-gateway-destination-endpoint} (internal/internalapi EndpointPickerHeaderKey)
 * and Envoy Gateway to an EnvoyExtensionPolicy's ext-proc (envoyproxy/gateway
 * internal/xds/translator/extproc.go extProcFilterName → perRouteFilterName):
 *   HTTP filter  envoy.filters.http.ext_proc/envoyextensionpolicy/<namespace>/<policy>/extproc/<i>,
 *                on the listener disabled, enabled per route by a FilterConfig in
 *                typed_per_filter_config.
 * Stats (Envoy docs configuration/http/http_filters/ext_proc_filter, "Statistics"): counters in
 * http.<stat_prefix>.ext_proc.* — streams_started, streams_failed ("a stream produced a gRPC
 * error"), failure_mode_allowed (errors ignored because failure_mode_allow), message_timeouts, …;
 * cluster counters (configuration/upstream/cluster_manager/cluster_stats):
 * cluster.<name>.upstream_cx_connect_fail, upstream_cx_connect_timeout, upstream_cx_none_healthy,
 * upstream_rq_timeout, and original_dst_host_invalid for ORIGINAL_DST clusters.
 */

export const ORIGINAL_DST_HEADER = 'x-gateway-destination-endpoint';
const EXT_PROC_PREFIX = 'envoy.filters.http.ext_proc';

/** The AI Gateway names of a pool's filter and EPP cluster (see above). */
export function aiGatewayNames(pool: {namespace: string; name: string}): {filter: string; eppCluster: string} {
  return {
    filter: `${EXT_PROC_PREFIX}/endpointpicker/${pool.name}_${pool.namespace}_ext_proc`,
    eppCluster: `envoy.clusters.endpointpicker_${pool.name}_${pool.namespace}_ext_proc`,
  };
}

/** Envoy Gateway's name prefix for the ext-proc filters of one EnvoyExtensionPolicy. */
export function extensionPolicyFilterPrefix(policy: {namespace: string; name: string}): string {
  return `${EXT_PROC_PREFIX}/envoyextensionpolicy/${policy.namespace}/${policy.name}/extproc/`;
}

export interface HttpFilterView {
  name: string;
  /** disabled on the listener (Envoy Gateway enables per route) */
  disabled: boolean;
  /** ext_proc: the gRPC cluster it calls */
  grpcCluster?: string | undefined;
  failureModeAllow?: boolean | undefined;
}

export interface ListenerView {
  name: string;
  state: 'active' | 'warming' | 'draining' | 'error';
  /** error_state.details: the config Envoy refused */
  error?: string | undefined;
  connectionManagers: {statPrefix?: string | undefined; routeConfig?: string | undefined; httpFilters: HttpFilterView[]}[];
}

export interface ClusterView {
  name: string;
  type?: string | undefined;
  lbPolicy?: string | undefined;
  /** ORIGINAL_DST with use_http_header: the header that names the destination */
  originalDstHeader?: string | undefined;
}

export interface RouteView {
  routeConfig: string;
  virtualHost: string;
  name?: string | undefined;
  cluster?: string | undefined;
  timeout?: string | undefined;
  /** typed_per_filter_config: filter name → disabled (ExtProcPerRoute.disabled) or enabled */
  perFilter: Record<string, 'disabled' | 'enabled'>;
}

export interface ProxyConfigView {
  listeners: ListenerView[];
  clusters: ClusterView[];
  routes: RouteView[];
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const typeOf = (v: unknown): string => str(obj(v)['@type'])?.split('/').pop() ?? '';

function httpFilters(hcm: Json): HttpFilterView[] {
  return arr(hcm.http_filters).map((raw) => {
    const f = obj(raw);
    const name = str(f.name) ?? '';
    const cfg = obj(f.typed_config);
    const grpc = obj(obj(cfg.grpc_service).envoy_grpc);
    return {
      name,
      disabled: f.disabled === true,
      ...(typeOf(cfg).endsWith('ExternalProcessor') || name.startsWith(EXT_PROC_PREFIX) ? {grpcCluster: str(grpc.cluster_name), failureModeAllow: cfg.failure_mode_allow === true} : {}),
    };
  });
}

function listenerView(name: string, state: ListenerView['state'], listener: Json, error?: string): ListenerView {
  const chains = [...arr(listener.filter_chains), ...(listener.default_filter_chain ? [listener.default_filter_chain] : [])];
  const connectionManagers = chains.flatMap((c) =>
    arr(obj(c).filters)
      .map(obj)
      .filter((f) => str(f.name) === 'envoy.filters.network.http_connection_manager' || typeOf(f.typed_config).endsWith('HttpConnectionManager'))
      .map((f) => {
        const hcm = obj(f.typed_config);
        return {statPrefix: str(hcm.stat_prefix), routeConfig: str(obj(hcm.rds).route_config_name) ?? str(obj(hcm.route_config).name), httpFilters: httpFilters(hcm)};
      }),
  );
  return {name, state, ...(error ? {error} : {}), connectionManagers};
}

function routesOf(config: Json): RouteView[] {
  const routeConfig = str(config.name) ?? '';
  return arr(config.virtual_hosts).flatMap((vhRaw) => {
    const vh = obj(vhRaw);
    return arr(vh.routes).map((rRaw) => {
      const r = obj(rRaw);
      const action = obj(r.route);
      const perFilter: RouteView['perFilter'] = {};
      for (const [k, v] of Object.entries(obj(r.typed_per_filter_config))) {
        const o = obj(v);
        perFilter[k] = o.disabled === true || obj(o.config).disabled === true ? 'disabled' : 'enabled';
      }
      return {routeConfig, virtualHost: str(vh.name) ?? '', name: str(r.name), cluster: str(action.cluster), timeout: str(action.timeout), perFilter};
    });
  });
}

/** Read an envoy.admin.v3.ConfigDump (the JSON of GET /config_dump). */
export function readConfigDump(dump: unknown): ProxyConfigView {
  const view: ProxyConfigView = {listeners: [], clusters: [], routes: []};
  for (const raw of arr(obj(dump).configs)) {
    const c = obj(raw);
    const t = typeOf(c);
    if (t === 'envoy.admin.v3.ListenersConfigDump') {
      for (const s of arr(c.static_listeners)) {
        const l = obj(obj(s).listener);
        view.listeners.push(listenerView(str(l.name) ?? '', 'active', l));
      }
      for (const d of arr(c.dynamic_listeners).map(obj)) {
        const name = str(d.name) ?? '';
        const states: [ListenerView['state'], unknown][] = [
          ['active', d.active_state],
          ['warming', d.warming_state],
          ['draining', d.draining_state],
        ];
        for (const [state, st] of states) if (st) view.listeners.push(listenerView(name, state, obj(obj(st).listener)));
        if (d.error_state) {
          const e = obj(d.error_state);
          view.listeners.push(listenerView(name, 'error', obj(obj(e.failed_configuration)), str(e.details) ?? 'rejected'));
        }
      }
    } else if (t === 'envoy.admin.v3.ClustersConfigDump') {
      for (const s of [...arr(c.static_clusters), ...arr(c.dynamic_active_clusters), ...arr(c.dynamic_warming_clusters)]) {
        const cl = obj(obj(s).cluster);
        const od = obj(cl.original_dst_lb_config);
        view.clusters.push({
          name: str(cl.name) ?? '',
          // the admin endpoint leaves out defaults: no type = STATIC, a cluster_type = an extension
          type: str(cl.type) ?? (cl.cluster_type ? 'custom' : 'STATIC'),
          lbPolicy: str(cl.lb_policy),
          ...(str(cl.type) === 'ORIGINAL_DST' && od.use_http_header === true ? {originalDstHeader: str(od.http_header_name) ?? 'x-envoy-original-dst-host'} : {}),
        });
      }
    } else if (t === 'envoy.admin.v3.RoutesConfigDump') {
      for (const s of [...arr(c.static_route_configs), ...arr(c.dynamic_route_configs)]) view.routes.push(...routesOf(obj(obj(s).route_config)));
    }
  }
  return view;
}

/** The counters of `/stats` (plain text, `name: value` lines) that doctor judges. */
export function readEnvoyStats(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([^:\s]+):\s+(\d+)\s*$/.exec(line.trim());
    if (!m) continue;
    const name = m[1] as string;
    if (!RELEVANT_STAT.test(name)) continue;
    out[name] = Number(m[2]);
  }
  return out;
}

/** The stats filter doctor asks /stats for (also applied to what comes back). */
export const RELEVANT_STAT = /\.ext_proc\.|\.upstream_cx_connect_fail$|\.upstream_cx_connect_timeout$|\.upstream_cx_none_healthy$|\.upstream_rq_timeout$|\.original_dst_host_invalid$/;
export const STATS_FILTER = 'ext_proc|upstream_cx_connect_fail|upstream_cx_connect_timeout|upstream_cx_none_healthy|upstream_rq_timeout|original_dst_host_invalid';

/** ext_proc counters that mean a call to the EPP failed (Envoy ext_proc filter statistics). */
export const EXT_PROC_ERROR_COUNTERS = ['streams_failed', 'failure_mode_allowed', 'message_timeouts', 'spurious_msgs_received'] as const;
export const CONNECT_FAILURE_COUNTERS = ['upstream_cx_connect_fail', 'upstream_cx_connect_timeout', 'upstream_cx_none_healthy', 'original_dst_host_invalid'] as const;

/** Sum of the ext_proc error counters per counter name, over every connection manager. */
export function extProcErrors(stats: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(stats)) {
    const m = /\.ext_proc\.([a-z_]+)$/.exec(k);
    if (m && (EXT_PROC_ERROR_COUNTERS as readonly string[]).includes(m[1] as string)) out[m[1] as string] = (out[m[1] as string] ?? 0) + v;
  }
  return out;
}

/** Connect-failure counters of one cluster (cluster.<name>.<counter>). */
export function clusterFailures(stats: Record<string, number>, cluster: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of CONNECT_FAILURE_COUNTERS) {
    const v = stats[`cluster.${cluster}.${c}`];
    if (v) out[c] = v;
  }
  return out;
}
