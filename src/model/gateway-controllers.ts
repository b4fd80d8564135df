/*
 * The control planes of the Gateway implementations other than Envoy Gateway that doctor checks
 * (issue 13): how to find their controller Deployment, whether its InferencePool support is on,
 * and the InferencePool status each one writes. Pure: reads only the snapshot. Sources (see
 * /work/notes/issue13-research.md for the long form):
 *   - Istio: istio/istio pilot/pkg/features/experimental.go (ENABLE_GATEWAY_API_INFERENCE_EXTENSION,
 *     default false), manifests/charts/istio-control/istio-discovery/templates/deployment.yaml (istiod:
 *     labels app=istiod, istio=pilot, container "discovery"), pilot/pkg/config/kube/gateway/
 *     inferencepool_collection.go (shadow Service, InferencePool status), conversion.go (route status
 *     when the flag is off).
 *   - kgateway: kgateway-dev/kgateway pkg/settings (EnableInferExt ← env KGW_ENABLE_INFER_EXT, default
 *     false; Helm value inferenceExtension.enabled), install/helm/kgateway/templates/_helpers.tpl
 *     (selector labels kgateway=kgateway, app.kubernetes.io/name=kgateway; container "controller"),
 *     internal/kgateway/extensions2/plugins/inferenceextension/endpointpicker/status.go and validation.go.
 */
import {createHash} from 'node:crypto';
import type {Container, Deployment} from '../k8s/objects.ts';
import {items} from '../snapshot/query.ts';
import type {Snapshot} from '../snapshot/types.ts';
import type {KubeObject} from '../kube/client.ts';
import type {Condition} from '../k8s/objects.ts';

export const ISTIO_INFERENCE_FLAG = 'ENABLE_GATEWAY_API_INFERENCE_EXTENSION';
export const KGATEWAY_INFERENCE_FLAG = 'KGW_ENABLE_INFER_EXT';

export interface ControllerInstall {
  deployment: Deployment;
  container: Container | undefined;
  /** the flag's value: true/false, or undefined when it comes from a ConfigMap/Secret (not judged) */
  flag: boolean | undefined;
  /** how the flag is set, for messages: "unset (default false)", "=true", "from a ConfigMap" */
  flagText: string;
}

/** Go's strconv.ParseBool (both istio's env.Register and kelseyhightower/envconfig use it). */
export function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

function flagOf(c: Container | undefined, name: string): {flag: boolean | undefined; flagText: string} {
  const e = c?.env?.find((x) => x.name === name);
  if (!e) return {flag: false, flagText: `${name} unset (default false)`};
  if (e.value === undefined && e.valueFrom) return {flag: undefined, flagText: `${name} from ${Object.keys(e.valueFrom)[0] ?? 'a reference'} (not judged)`};
  const v = parseGoBool(e.value ?? '');
  // an unparsable value makes the controller fail at start-up (env.Register logs and keeps the default for istio)
  return {flag: v ?? false, flagText: `${name}=${JSON.stringify(e.value ?? '')}${v === undefined ? ' (not a boolean: default false)' : ''}`};
}

function installs(snap: Snapshot, isController: (d: Deployment) => boolean, containerName: string, flag: string): ControllerInstall[] {
  return items<Deployment>(snap, 'Deployment')
    .filter((d) => !d.metadata.deletionTimestamp && isController(d))
    .map((d) => {
      const cs = d.spec?.template?.spec?.containers ?? [];
      const container = cs.find((c) => c.name === containerName) ?? cs[0];
      return {deployment: d, container, ...flagOf(container, flag)};
    });
}

/** istiod Deployments (any revision): label app=istiod, or a container "discovery" running a pilot image. */
export function istiodInstalls(snap: Snapshot): ControllerInstall[] {
  return installs(
    snap,
    (d) => d.metadata.labels?.app === 'istiod' || (d.spec?.template?.spec?.containers ?? []).some((c) => c.name === 'discovery' && /\/pilot(:|@|$)/.test(c.image ?? '')),
    'discovery',
    ISTIO_INFERENCE_FLAG,
  );
}

/** kgateway controller Deployments: label kgateway=kgateway (the chart's selector label). */
export function kgatewayInstalls(snap: Snapshot): ControllerInstall[] {
  return installs(
    snap,
    (d) => d.metadata.labels?.kgateway === 'kgateway' || d.spec?.template?.metadata?.labels?.kgateway === 'kgateway',
    'controller',
    KGATEWAY_INFERENCE_FLAG,
  );
}

/**
 * The name of the headless "shadow" Service istiod creates for an InferencePool:
 * `<pool>-ip-<first 8 hex of sha256(pool)>`, the pool part cut so the whole fits 63 characters
 * (inferencepool_collection.go InferencePoolServiceName).
 */
export function istioShadowServiceName(pool: string): string {
  const hash = createHash('sha256').update(pool).digest('hex').slice(0, 8);
  const sep = '-ip-';
  const name = `${pool}${sep}${hash}`;
  return name.length > 63 ? `${pool.slice(0, 63 - sep.length - 8)}${sep}${hash}` : name;
}

/** Labels istiod puts on the shadow Service; the data plane reads the EPP from them (conversion.go). */
export const ISTIO_SHADOW_LABELS = {
  pool: 'istio.io/inferencepool-name',
  eppService: 'istio.io/inferencepool-extension-service',
  eppPort: 'istio.io/inferencepool-extension-port',
  failureMode: 'istio.io/inferencepool-extension-failure-mode',
  semantics: 'internal.istio.io/service-semantics',
} as const;

export interface RawPoolParent {
  parentRef?: {group?: string; kind?: string; name?: string; namespace?: string};
  controllerName?: string;
  conditions?: Condition[];
}

/** status.parents of an InferencePool v1 as stored, including kgateway's {kind: Status, name: default} entry. */
export function rawPoolParents(pool: KubeObject): RawPoolParent[] {
  const st = (pool as {status?: {parents?: RawPoolParent[]; parent?: RawPoolParent[]}}).status;
  return st?.parents ?? st?.parent ?? [];
}

/** The parent entry for a Gateway (namespace defaults to the pool's, as GIE's ParentReference says). */
export function parentFor(parents: RawPoolParent[], poolNamespace: string, gw: {namespace: string; name: string}): RawPoolParent | undefined {
  return parents.find((p) => (p.parentRef?.kind ?? 'Gateway') === 'Gateway' && p.parentRef?.name === gw.name && (p.parentRef?.namespace || poolNamespace) === gw.namespace);
}

// ---------------------------------------------------------------------------------------------
// agentgateway, NGINX Gateway Fabric (issue 13, second part). Sources:
//   - agentgateway: agentgateway/agentgateway controller/api/settings/settings.go (EnableInferExt,
//     envconfig prefix "AGW" → env AGW_ENABLE_INFER_EXT, default false), controller/install/helm/
//     agentgateway/templates/deployment.yaml (the env is set by inferenceExtension.enabled; container
//     "controller"), _helpers.tpl (selector labels agentgateway=agentgateway,
//     app.kubernetes.io/name, app.kubernetes.io/instance), templates/role.yaml (inferencepools
//     get/watch/list and inferencepools/status patch/update only with inferenceExtension.enabled).
//   - NGINX Gateway Fabric: nginx/nginx-gateway-fabric cmd/gateway/commands.go (controller flags
//     --gateway-ctlr-name, --gateway-api-inference-extension, --endpoint-picker-disable-tls,
//     --endpoint-picker-tls-skip-verify default true), charts/nginx-gateway-fabric/templates/
//     deployment.yaml (container "nginx-gateway", args "controller", …; the inference flag from
//     nginxGateway.gwAPIInferenceExtension.enable), _helpers.tpl (selector labels
//     app.kubernetes.io/name=nginx-gateway-fabric, app.kubernetes.io/instance; ClusterRole rules
//     inferencepools get/list/watch, inferencepools/status update), internal/framework/controller/
//     resource.go (the headless Service name of a pool).

export const AGW_INFERENCE_FLAG = 'AGW_ENABLE_INFER_EXT';
export const NGF_INFERENCE_ARG = '--gateway-api-inference-extension';

/** agentgateway controller Deployments: label agentgateway=agentgateway (the chart's selector label). */
export function agentgatewayInstalls(snap: Snapshot): ControllerInstall[] {
  return installs(
    snap,
    (d) => d.metadata.labels?.agentgateway === 'agentgateway' || d.spec?.template?.metadata?.labels?.agentgateway === 'agentgateway',
    'controller',
    AGW_INFERENCE_FLAG,
  );
}

/**
 * Before agentgateway moved to its own repository, the kgateway controller served the agentgateway
 * class itself (kgateway-dev/kgateway pkg/agentgateway/plugins/collection.go: the InferencePools
 * collection exists only with kgateway's EnableInferExt, env KGW_ENABLE_INFER_EXT) when its
 * agentgateway support was on (settings EnableAgentGateway → KGW_ENABLE_AGENT_GATEWAY; spelled
 * KGW_ENABLE_AGENTGATEWAY by some releases). Those kgateway controllers, judged by KGW_ENABLE_INFER_EXT.
 */
export function kgatewayServingAgentgateway(snap: Snapshot): ControllerInstall[] {
  return kgatewayInstalls(snap).filter((d) => (d.container?.env ?? []).some((e) => /^KGW_ENABLE_AGENT_?GATEWAY$/.test(e.name) && parseGoBool(e.value ?? '') === true));
}

/** A container's `--flag` / `--flag=value` (pflag bool: bare = true), or undefined when absent. */
function boolArg(c: Container | undefined, flag: string): boolean | undefined {
  const args = [...(c?.command ?? []), ...(c?.args ?? [])];
  for (const a of args) {
    if (a === flag) return true;
    if (a.startsWith(`${flag}=`)) return parseGoBool(a.slice(flag.length + 1)) ?? false;
  }
  return undefined;
}

export interface NgfInstall extends ControllerInstall {
  /** --gateway-ctlr-name: the controllerName of the classes it serves */
  controllerName: string | undefined;
  /** --endpoint-picker-disable-tls (default false) */
  eppDisableTls: boolean;
  /** --endpoint-picker-tls-skip-verify (default true) */
  eppSkipVerify: boolean;
}

/**
 * NGINX Gateway Fabric control planes: a container started with the `controller` subcommand and
 * `--gateway-ctlr-name` (charts/nginx-gateway-fabric/templates/deployment.yaml), container
 * "nginx-gateway". The data plane Deployments it provisions run nginx, not this command.
 */
export function ngfInstalls(snap: Snapshot): NgfInstall[] {
  const out: NgfInstall[] = [];
  for (const d of items<Deployment>(snap, 'Deployment')) {
    if (d.metadata.deletionTimestamp) continue;
    const c = (d.spec?.template?.spec?.containers ?? []).find((x) => (x.args ?? [])[0] === 'controller' && (x.args ?? []).some((a) => a.startsWith('--gateway-ctlr-name')));
    if (!c) continue;
    const args = c.args ?? [];
    const i = args.findIndex((a) => a.startsWith('--gateway-ctlr-name'));
    const controllerName = args[i]!.includes('=') ? args[i]!.slice(args[i]!.indexOf('=') + 1) : args[i + 1];
    const flag = boolArg(c, NGF_INFERENCE_ARG) ?? false;
    out.push({
      deployment: d,
      container: c,
      flag,
      flagText: flag ? `${NGF_INFERENCE_ARG} set` : `without ${NGF_INFERENCE_ARG} (default off)`,
      controllerName,
      eppDisableTls: boolArg(c, '--endpoint-picker-disable-tls') ?? false,
      eppSkipVerify: boolArg(c, '--endpoint-picker-tls-skip-verify') ?? true,
    });
  }
  return out;
}

/**
 * The headless Service NGINX Gateway Fabric creates for an InferencePool it routes to
 * (internal/controller/handler.go ensureInferencePoolServices): `<pool>-pool-svc`; when that is
 * longer than 63 characters, `<pool cut>-<first 8 hex of sha256("<pool>-pool-svc")>-pool-svc`
 * (internal/framework/controller/resource.go truncateAndHashName).
 */
export function ngfPoolServiceName(pool: string): string {
  const suffix = 'pool-svc';
  const full = `${pool}-${suffix}`;
  if (full.length <= 63) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  const budget = 63 - 2 - 8;
  const cut = pool.slice(0, budget - suffix.length).replace(/-+$/, '');
  return `${cut}-${hash}-${suffix}`;
}
