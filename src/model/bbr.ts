/*
 * Body-based routing (BBR, issue 16): is GIE's body-based router on the request path, and what
 * wires it there? Pure: reads only the snapshot.
 *
 * BBR (GIE v1.5.0 `cmd/bbr`, `pkg/bbr`, chart `config/charts/body-based-routing`) reads `model`
 * from the JSON request body and sets two headers (pkg/bbr/plugins/bodyfieldtoheader/
 * body_field_to_header.go, pkg/bbr/plugins/basemodelextractor/base_model_to_header.go):
 * `X-Gateway-Model-Name` (the raw model) and `X-Gateway-Base-Model-Name` (the base model looked up
 * in ConfigMaps labelled `inference.networking.k8s.io/bbr-managed: "true"`; "" for a model in no
 * ConfigMap). HTTPRoutes then match on those headers (chart config/charts/inferencepool/templates/
 * httproute.yaml, experimentalHttpRoute). The chart has no Envoy Gateway provider: on Envoy Gateway
 * the user writes an EnvoyExtensionPolicy whose ext-proc backend is the BBR Service.
 *
 * Signals, strongest first (several may match; all that matched are reported):
 * - image repository `…/gateway-api-inference-extension/bbr` (any registry, tag or digest);
 * - `--plugin body-field-to-header:…` / `base-model-to-header:…` args (chart templates/bbr.yaml);
 * - a Service selecting the BBR pods; an EnvoyExtensionPolicy ext-proc backendRef to that Service;
 * - HTTPRoute header matches on the two header names (intent to use BBR).
 */
import type {KubeObject} from '../kube/client.ts';
import {argValue} from '../k8s/args.ts';
import type {Container, Deployment, Pod, Service} from '../k8s/objects.ts';
import {selectorMatches} from '../k8s/selectors.ts';
import {items} from '../snapshot/query.ts';
import type {Snapshot} from '../snapshot/types.ts';
import {parse} from 'yaml';
import {policyTargets, type BackendRefLike, type EnvoyExtensionPolicy, type ExtProc, type HTTPRoute, type Target} from './target.ts';

/** pkg/bbr/plugins/basemodelextractor/base_model_to_header.go BaseModelHeader */
export const BASE_MODEL_HEADER = 'X-Gateway-Base-Model-Name';
/** pkg/bbr/plugins/bodyfieldtoheader/body_field_to_header.go ModelHeader */
export const MODEL_HEADER = 'X-Gateway-Model-Name';
/** pkg/bbr/plugins/basemodelextractor/configmap_reconciler.go: the label BBR's ConfigMap informer selects on */
export const BBR_MANAGED_LABEL = 'inference.networking.k8s.io/bbr-managed';
/** pkg/bbr/server/options.go defaults */
export const BBR_GRPC_PORT = 9004;

const IMAGE = /(^|\/)gateway-api-inference-extension\/bbr([:@]|$)/;
const PLUGIN = /^(body-field-to-header|base-model-to-header):/;

export interface BbrDeployment {
  deployment: Deployment;
  container: Container;
  /** non-terminating pods the Deployment selects */
  pods: Pod[];
  /** what identified it: "image", "--plugin args" */
  signals: string[];
  /** `--streaming` (Envoy full-duplex mode): the chart always passes it */
  streaming: boolean;
  /** `--secure-serving` (default true: TLS on the gRPC port with a self-signed cert, pkg/bbr/server/runserver.go) */
  secureServing: boolean;
  /** `--secure-serving` `"false"` as two args: pflag reads a bare bool flag as true and ignores the stray value (chart v1.5.0 bbr.flags bug, fixed by GIE #2871) */
  secureServingSplitFalse: boolean;
  grpcPort: number;
  /**
   * Whether it sets X-Gateway-Base-Model-Name from the bbr-managed ConfigMaps: the base-model-to-header
   * plugin is configured, or no --plugin at all (cmd/bbr/runner/runner.go then builds the two default plugins).
   */
  baseModelFromConfigMaps: boolean;
  /** Services in its namespace whose selector matches its pod template */
  services: Service[];
}

export interface BbrPolicyLink {
  policy: EnvoyExtensionPolicy;
  extProcIndex: number;
  extProc: ExtProc;
  backendRef: BackendRefLike;
  /** the BBR the backend Service leads to (by selector, else by the chart's naming: Service name = Deployment name) */
  bbr: BbrDeployment;
  service?: Service | undefined;
}

export interface HeaderMatch {
  route: HTTPRoute;
  ruleIndex: number;
  /** the header name as written in the route */
  header: string;
  /** BASE_MODEL_HEADER or MODEL_HEADER (names compare case-insensitively in Gateway API) */
  which: typeof BASE_MODEL_HEADER | typeof MODEL_HEADER;
  type: string;
  value: string;
}

export interface BbrConfigMap {
  cm: KubeObject & {data?: Record<string, string>};
  baseModel?: string | undefined;
  adapters: string[];
  /** why BBR's reconciler rejects it (configmap_reconciler.go: baseModel required; adapters a YAML list) */
  problem?: string | undefined;
}

export interface BbrView {
  deployments: BbrDeployment[];
  policies: BbrPolicyLink[];
  headerMatches: HeaderMatch[];
  configMaps: BbrConfigMap[];
}

/**
 * A pflag bool flag as the binary reads it: `--f` is true, `--f=v` is v; a separate "false"
 * argument after `--f` is NOT its value (spf13/pflag bool flags have NoOptDefVal "true"). The last
 * occurrence wins.
 */
export function boolFlag(c: Container, flag: string, dflt: boolean): {value: boolean; splitFalse: boolean} {
  const args = [...(c.command ?? []), ...(c.args ?? [])];
  let value = dflt;
  let splitFalse = false;
  for (let i = 0; i < args.length; i++) {
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(args[i]!);
    if (!m || m[1] !== flag) continue;
    if (m[2] === undefined) {
      value = true;
      splitFalse = /^(false|0|f|F|FALSE|False)$/.test(args[i + 1] ?? '');
    } else {
      value = !/^(false|0|f|F|FALSE|False)$/.test(m[2]);
      splitFalse = false;
    }
  }
  return {value, splitFalse};
}

function pluginArgs(c: Container): string[] {
  const args = [...(c.command ?? []), ...(c.args ?? [])];
  return args.flatMap((a, i) => (a === '--plugin' ? [args[i + 1] ?? ''] : a.startsWith('--plugin=') ? [a.slice('--plugin='.length)] : []));
}

function bbrContainer(d: Deployment): {container: Container; signals: string[]} | undefined {
  for (const c of d.spec?.template?.spec?.containers ?? []) {
    const signals: string[] = [];
    if (IMAGE.test(c.image ?? '')) signals.push('image');
    if (pluginArgs(c).some((v) => PLUGIN.test(v))) signals.push('--plugin args');
    if (signals.length) return {container: c, signals};
  }
  return undefined;
}

function backendRefsOf(e: ExtProc): BackendRefLike[] {
  return [...(e.backendRefs ?? []), ...(e.backendRef ? [e.backendRef] : [])];
}

function configMapView(cm: KubeObject & {data?: Record<string, string>}): BbrConfigMap {
  const baseModel = cm.data?.baseModel?.trim();
  let adapters: string[] = [];
  let problem: string | undefined;
  if (!baseModel) problem = 'data.baseModel is missing or empty';
  const raw = cm.data?.adapters;
  if (raw !== undefined && raw.trim() !== '') {
    try {
      const v: unknown = parse(raw);
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) adapters = v.map((x: string) => x.trim());
      else problem = problem ?? 'data.adapters is not a YAML list of names';
    } catch {
      problem = problem ?? 'data.adapters is not valid YAML';
    }
  }
  return {cm, baseModel: baseModel || undefined, adapters, problem};
}

/** Everything body-based routing in the snapshot. */
export function bbrView(snap: Snapshot): BbrView {
  const pods = items<Pod>(snap, 'Pod');
  const services = items<Service>(snap, 'Service');
  const deployments: BbrDeployment[] = [];
  for (const d of items<Deployment>(snap, 'Deployment')) {
    const found = bbrContainer(d);
    if (!found) continue;
    const c = found.container;
    const secure = boolFlag(c, 'secure-serving', true);
    const port = Number(argValue(c, '--grpc-port') ?? BBR_GRPC_PORT);
    deployments.push({
      deployment: d,
      container: c,
      pods: pods.filter((p) => p.metadata.namespace === d.metadata.namespace && !p.metadata.deletionTimestamp && selectorMatches(d.spec?.selector, p.metadata.labels)),
      signals: found.signals,
      streaming: boolFlag(c, 'streaming', false).value,
      secureServing: secure.value,
      secureServingSplitFalse: secure.value && secure.splitFalse,
      grpcPort: Number.isInteger(port) ? port : BBR_GRPC_PORT,
      baseModelFromConfigMaps: pluginArgs(c).length === 0 || pluginArgs(c).some((v) => v.startsWith('base-model-to-header:')),
      services: services.filter((s) => s.metadata.namespace === d.metadata.namespace && s.spec?.selector && Object.keys(s.spec.selector).length > 0 && selectorMatches(s.spec.selector, d.spec?.template?.metadata?.labels)),
    });
  }

  const policies: BbrPolicyLink[] = [];
  for (const p of items<EnvoyExtensionPolicy>(snap, 'EnvoyExtensionPolicy')) {
    (p.spec?.extProc ?? []).forEach((e, extProcIndex) => {
      for (const b of backendRefsOf(e)) {
        if ((b.kind ?? 'Service') !== 'Service' || (b.group ?? '') !== '') continue;
        const ns = b.namespace ?? p.metadata.namespace;
        const bbr =
          deployments.find((x) => x.deployment.metadata.namespace === ns && x.services.some((s) => s.metadata.name === b.name)) ??
          // the Service is gone: the chart names it like the Deployment (templates/bbr.yaml, bbr.name)
          deployments.find((x) => x.deployment.metadata.namespace === ns && x.deployment.metadata.name === b.name && !services.some((s) => s.metadata.namespace === ns && s.metadata.name === b.name));
        if (!bbr) continue;
        policies.push({policy: p, extProcIndex, extProc: e, backendRef: b, bbr, service: services.find((s) => s.metadata.namespace === ns && s.metadata.name === b.name)});
      }
    });
  }

  const headerMatches: HeaderMatch[] = [];
  for (const r of items<HTTPRoute>(snap, 'HTTPRoute')) {
    (r.spec?.rules ?? []).forEach((rule, ruleIndex) => {
      for (const m of (rule.matches ?? []) as {headers?: {name: string; value: string; type?: string}[]}[]) {
        for (const h of m.headers ?? []) {
          const lower = h.name.toLowerCase();
          const which = lower === BASE_MODEL_HEADER.toLowerCase() ? BASE_MODEL_HEADER : lower === MODEL_HEADER.toLowerCase() ? MODEL_HEADER : undefined;
          if (which) headerMatches.push({route: r, ruleIndex, header: h.name, which, type: h.type ?? 'Exact', value: h.value});
        }
      }
    });
  }

  const configMaps = items<KubeObject & {data?: Record<string, string>}>(snap, 'ConfigMap')
    .filter((cm) => cm.metadata.labels?.[BBR_MANAGED_LABEL] === 'true')
    .map(configMapView);
  return {deployments, policies, headerMatches, configMaps};
}

/** Is this EnvoyExtensionPolicy the one that sends requests to BBR (its ext-proc backend is a BBR Service)? */
export function isBbrPolicy(view: BbrView, p: KubeObject): boolean {
  return view.policies.some((l) => l.policy === p);
}

/** The Gateways (namespace/name) a route attaches to. */
export function routeGateways(r: HTTPRoute): {namespace: string; name: string; sectionName?: string | undefined}[] {
  return (r.spec?.parentRefs ?? []).filter((p) => (p.kind ?? 'Gateway') === 'Gateway').map((p) => ({namespace: p.namespace ?? r.metadata.namespace ?? '', name: p.name, sectionName: p.sectionName}));
}

/** The Gateways a policy targets by name (targetSelectors are resolved by the caller with labels). */
export function policyGateways(p: EnvoyExtensionPolicy): {namespace: string; name: string; sectionName?: string | undefined}[] {
  return policyTargets(p)
    .filter((t) => (t.kind ?? 'Gateway') === 'Gateway')
    .map((t) => ({namespace: p.metadata.namespace ?? '', name: t.name, sectionName: t.sectionName}));
}

/**
 * The view limited to what the run is about: with -n, HTTPRoutes and EnvoyExtensionPolicies are read
 * cluster-wide (they cross namespaces) while Deployments are not — so another namespace's BBR setup
 * would look half-present. Keep routes and policies of the namespace or of the chains in scope (as
 * Envoy Gateway installs are judged only when they serve the pools in scope); -A keeps everything.
 */
export function bbrViewInScope(snap: Snapshot, target: Target): BbrView {
  const v = bbrView(snap);
  const ns = target.namespace;
  if (ns === undefined) return v;
  const routes = new Set(target.chains.flatMap((c) => c.routes.map((r) => r.route)));
  const gateways = new Set(target.chains.flatMap((c) => c.gateways.map((g) => `${g.namespace}/${g.name}`)));
  const policies = v.policies.filter((l) => l.policy.metadata.namespace === ns || policyGateways(l.policy).some((g) => gateways.has(`${g.namespace}/${g.name}`)));
  const keepNs = new Set([ns, ...policies.map((l) => l.bbr.deployment.metadata.namespace ?? '')]);
  return {
    deployments: v.deployments.filter((d) => keepNs.has(d.deployment.metadata.namespace ?? '')),
    policies,
    headerMatches: v.headerMatches.filter((m) => m.route.metadata.namespace === ns || routes.has(m.route)),
    configMaps: v.configMaps.filter((c) => keepNs.has(c.cm.metadata.namespace ?? '')),
  };
}
