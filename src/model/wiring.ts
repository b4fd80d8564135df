/*
 * How the EPP is wired into the Gateway (issue 4):
 * (a) 'extension-policy' — an EnvoyExtensionPolicy with ext-proc to the EPP Service, attached to
 *     the Gateway (the inference-gateway chart's way);
 * (b) 'ai-gateway' — an HTTPRoute backendRef to the InferencePool, which Envoy Gateway hands to
 *     an extension server (Envoy AI Gateway) through extensionManager.backendResources; that
 *     server inserts the ext-proc to the pool's endpointPickerRef itself (envoyproxy/ai-gateway
 *     docs "HTTPRoute + InferencePool"; domain-facts §4).
 * Both at once ('mix') sends every request through the EPP twice.
 */
import {parseEnvoyGatewayConfig, type EnvoyGatewayValue} from '../envoy/config.ts';
import {envoyGatewayConfigText, envoyGatewayInstalls, envoyGatewayController, type EnvoyGatewayInstall} from '../snapshot/envoy-gateway.ts';
import {items, get} from '../snapshot/query.ts';
import type {Gateway} from './target.ts';
import type {KubeObject} from '../kube/client.ts';
import type {Snapshot} from '../snapshot/types.ts';
import {GROUP} from '../snapshot/kinds.ts';
import type {PoolChain, Target} from './target.ts';
import {implementationOf, type Implementation} from '../k8s/implementation.ts';

export interface ParsedEgConfig {
  /** undefined: no ConfigMap / key (or unreadable) */
  value?: EnvoyGatewayValue | undefined;
  text?: string | undefined;
  error?: string | undefined;
}

const parsed = new WeakMap<object, ParsedEgConfig>();

/** The parsed config of an Envoy Gateway install (default: the first one found). */
export function envoyGatewayConfig(snap: Snapshot, install?: EnvoyGatewayInstall): ParsedEgConfig {
  const eg = install ?? envoyGatewayController(snap);
  const key: object = eg ?? snap;
  let r = parsed.get(key);
  if (r) return r;
  const text = envoyGatewayConfigText(snap, eg);
  if (text === undefined) r = {};
  else {
    try {
      r = {value: parseEnvoyGatewayConfig(text).value, text};
    } catch (error) {
      r = {text, error: (error as Error).message};
    }
  }
  parsed.set(key, r);
  return r;
}

export interface ExtensionManagerView {
  field: string;
  backendResources: {group: string; version: string; kind: string}[];
  hasHooks: boolean;
  service?: {fqdn?: {hostname?: string; port?: number}; ip?: unknown; unix?: unknown} | undefined;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** extensionManager and extensionManagers[] (≥ 1.8), as plain views. */
export function extensionManagers(value: EnvoyGatewayValue | undefined): ExtensionManagerView[] {
  if (!value) return [];
  const out: ExtensionManagerView[] = [];
  const add = (field: string, em: unknown): void => {
    if (!isObj(em)) return;
    const hooks = isObj(em.hooks) && isObj(em.hooks.xdsTranslator) ? em.hooks.xdsTranslator : {};
    const hasHooks = (Array.isArray(hooks.pre) && hooks.pre.length > 0) || (Array.isArray(hooks.post) && hooks.post.length > 0);
    out.push({
      field,
      backendResources: (Array.isArray(em.backendResources) ? em.backendResources : []).filter(isObj).map((b) => ({
        group: typeof b.group === 'string' ? b.group : '',
        version: typeof b.version === 'string' ? b.version : '',
        kind: typeof b.kind === 'string' ? b.kind : '',
      })),
      hasHooks,
      service: isObj(em.service) ? (em.service as ExtensionManagerView['service']) : undefined,
    });
  };
  add('extensionManager', value.extensionManager);
  if (Array.isArray(value.extensionManagers)) value.extensionManagers.forEach((em, i) => add(`extensionManagers[${i}]`, em));
  return out;
}

/** The version Envoy Gateway must be told for a pool group (v1 for k8s.io, v1alpha2 for x-k8s.io). */
export function poolGvk(group: string): {group: string; version: string; kind: string} {
  return {group, version: group === GROUP.xPool ? 'v1alpha2' : 'v1', kind: 'InferencePool'};
}

/** An extension manager that registers InferencePool of this group as a backend, with hooks and a service. */
export function extensionHandlingPool(snap: Snapshot, group: string, install?: EnvoyGatewayInstall): ExtensionManagerView | undefined {
  const want = poolGvk(group);
  return extensionManagers(envoyGatewayConfig(snap, install).value).find(
    (em) => em.hasHooks && em.service !== undefined && em.backendResources.some((b) => b.group === want.group && b.kind === want.kind && b.version === want.version),
  );
}

/**
 * The Envoy AI Gateway extension server: the extensionManager's service is its controller
 * (ai-gateway v1.1.0 manifests/envoy-gateway-values.yaml: service.fqdn
 * ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local:1063).
 */
export function isAiGatewayExtension(em: ExtensionManagerView | undefined): boolean {
  return /^ai-gateway-controller\./.test(em?.service?.fqdn?.hostname ?? '');
}

/** The extension manager that handles this chain's InferencePool backend when it is Envoy AI Gateway's, else undefined. */
export function aiGatewayFor(snap: Snapshot, chain: PoolChain): ExtensionManagerView | undefined {
  if (chain.routes.length === 0) return undefined;
  const em = extensionHandlingPool(snap, chain.group, egForChain(snap, chain));
  return isAiGatewayExtension(em) ? em : undefined;
}

export interface Wiring {
  /** 'native': the Gateway is another implementation's (Istio, kgateway, …), which calls the EPP itself (issue 13) */
  kind: 'extension-policy' | 'ai-gateway' | 'mix' | 'none' | 'native';
  /** an EnvoyExtensionPolicy sends ext-proc to this pool's EPP */
  policy: boolean;
  /** an HTTPRoute sends to this pool and Envoy Gateway hands InferencePool backends to an extension */
  extension: boolean;
}

export function wiringOf(snap: Snapshot, chain: PoolChain): Wiring {
  const policy = chain.eppPolicies.length > 0;
  if (!isEnvoyGatewayChain(snap, chain)) return {kind: chain.routes.length > 0 ? 'native' : 'none', policy, extension: false};
  const extension = chain.routes.length > 0 && extensionHandlingPool(snap, chain.group, egForChain(snap, chain)) !== undefined;
  const kind = policy && extension ? 'mix' : policy ? 'extension-policy' : extension ? 'ai-gateway' : 'none';
  return {kind, policy, extension};
}

/** Envoy Gateway's default controllerName (api/v1alpha1/shared_types.go GatewayControllerName). */
export const EG_CONTROLLER_NAME = 'gateway.envoyproxy.io/gatewayclass-controller';

/** The controllerName an Envoy Gateway install answers to: its config's gateway.controllerName, else the default. */
export function egControllerName(snap: Snapshot, install?: EnvoyGatewayInstall): string {
  const v = envoyGatewayConfig(snap, install).value as {gateway?: {controllerName?: unknown}} | undefined;
  return typeof v?.gateway?.controllerName === 'string' && v.gateway.controllerName ? v.gateway.controllerName : EG_CONTROLLER_NAME;
}

/**
 * The Envoy Gateway install that serves a chain: the one whose namespace holds the proxy Service
 * of the chain's Gateway (labels gateway.envoyproxy.io/owning-gateway-*), else the one answering
 * to the GatewayClass's controllerName, else the first.
 */
export function egForChain(snap: Snapshot, chain: PoolChain): EnvoyGatewayInstall | undefined {
  const installs = envoyGatewayInstalls(snap);
  if (installs.length <= 1) return installs[0];
  for (const g of chain.gateways) {
    const proxy = items(snap, 'Service').find(
      (s) => s.metadata.labels?.['gateway.envoyproxy.io/owning-gateway-name'] === g.name && s.metadata.labels?.['gateway.envoyproxy.io/owning-gateway-namespace'] === g.namespace,
    );
    const eg = proxy && installs.find((i) => i.namespace === proxy.metadata.namespace);
    if (eg) return eg;
  }
  for (const g of chain.gateways) {
    const gw = 'found' in g.lookup ? (g.lookup.found as Gateway) : undefined;
    const cls = gw?.spec?.gatewayClassName ? get<KubeObject & {spec?: {controllerName?: string}}>(snap, 'GatewayClass', undefined, gw.spec.gatewayClassName) : undefined;
    const eg = cls && installs.find((i) => egControllerName(snap, i) === cls.spec?.controllerName);
    if (eg) return eg;
  }
  return installs[0];
}

/**
 * The Envoy Gateway installs a run judges: all of them with -A and no -r/--pool; otherwise those
 * that serve the chains in scope (another team's broken Envoy Gateway is not this namespace's
 * problem). Installs being deleted are left out.
 */
export function installsInScope(snap: Snapshot, target: Target): EnvoyGatewayInstall[] {
  const all = envoyGatewayInstalls(snap).filter((i) => !i.deployment.metadata.deletionTimestamp);
  const scoped = target.namespace !== undefined || target.releaseFilter !== undefined || target.poolFilter !== undefined;
  if (!scoped || target.chains.length === 0) return all;
  const egChains = target.chains.filter((c) => isEnvoyGatewayChain(snap, c));
  // every chain in scope runs on another implementation: no Envoy Gateway install is this run's business (issue 13)
  if (egChains.length === 0) return [];
  const used = new Set<EnvoyGatewayInstall>();
  for (const c of egChains) {
    const eg = egForChain(snap, c);
    if (eg && !eg.deployment.metadata.deletionTimestamp) used.add(eg);
  }
  return used.size ? all.filter((i) => used.has(i)) : all;
}

/** A Gateway of a chain and the implementation behind its GatewayClass (issue 13; JSON target.pools[].gateway). */
export interface ChainGateway {
  namespace: string;
  name: string;
  className?: string | undefined;
  /** the GatewayClass's spec.controllerName; undefined when the Gateway or its class is missing or unreadable */
  controllerName?: string | undefined;
  /** 'unknown': a controllerName doctor has no table entry for */
  implementation?: Implementation | 'unknown' | undefined;
}

/** Is this controllerName an Envoy Gateway's (the default, any gateway.envoyproxy.io/ name, or one an install's config declares)? */
export function isEnvoyGatewayControllerName(snap: Snapshot, controllerName: string): boolean {
  if (implementationOf(controllerName)?.id === 'envoy-gateway' || controllerName.startsWith('gateway.envoyproxy.io/')) return true;
  return envoyGatewayInstalls(snap).some((i) => egControllerName(snap, i) === controllerName);
}

/** per snapshot (each check's view of it, so that a check's reads are its own) and chain */
const chainGatewayCache = new WeakMap<Snapshot, WeakMap<PoolChain, ChainGateway[]>>();

/**
 * The chain's Gateways with their class and implementation. A chain whose Gateways are not found
 * falls back to the release's gatewayClassName (one entry named after the release's Gateway).
 */
export function chainGateways(snap: Snapshot, chain: PoolChain): ChainGateway[] {
  let perSnap = chainGatewayCache.get(snap);
  if (!perSnap) chainGatewayCache.set(snap, (perSnap = new WeakMap()));
  const cached = perSnap.get(chain);
  if (cached) return cached;
  const classify = (className: string | undefined): Pick<ChainGateway, 'controllerName' | 'implementation'> => {
    if (!className) return {};
    const cls = get<KubeObject & {spec?: {controllerName?: string}}>(snap, 'GatewayClass', undefined, className);
    const cn = cls?.spec?.controllerName;
    if (!cn) return {};
    if (isEnvoyGatewayControllerName(snap, cn)) return {controllerName: cn, implementation: 'envoy-gateway'};
    return {controllerName: cn, implementation: implementationOf(cn)?.id ?? 'unknown'};
  };
  const out: ChainGateway[] = [];
  for (const g of chain.gateways) {
    const gw = 'found' in g.lookup ? g.lookup.found : undefined;
    const className = gw?.spec?.gatewayClassName ?? (g.via.includes('release') ? chain.release?.gatewayClassName : undefined);
    out.push({namespace: g.namespace, name: g.name, className, ...classify(className)});
  }
  if (out.length === 0 && chain.release?.gatewayClassName) {
    out.push({namespace: chain.release.release.namespace, name: chain.release.gatewayName ?? '', className: chain.release.gatewayClassName, ...classify(chain.release.gatewayClassName)});
  }
  perSnap.set(chain, out);
  return out;
}

/**
 * Does Envoy Gateway serve this chain? False only when every Gateway of the chain whose class is
 * known names another controller (Istio, kgateway, …, or one doctor does not know): then the Envoy
 * Gateway checks (phase 2, EnvoyExtensionPolicy and AI Gateway wiring, Envoy proxy naming) are not
 * applicable. A chain without a known class keeps them (doctor's historical default: the chart
 * installs Envoy Gateway's class).
 */
export function isEnvoyGatewayChain(snap: Snapshot, chain: PoolChain): boolean {
  const known = chainGateways(snap, chain).filter((g) => g.controllerName !== undefined);
  return known.length === 0 || known.some((g) => g.implementation === 'envoy-gateway');
}

/** Does any chain in scope run on Envoy Gateway (or is there no chain at all)? For cluster-wide Envoy Gateway checks. */
export function anyEnvoyGatewayChain(snap: Snapshot, target: Target): boolean {
  return target.chains.length === 0 || target.chains.some((c) => isEnvoyGatewayChain(snap, c));
}
