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
import {envoyGatewayConfigText} from '../snapshot/envoy-gateway.ts';
import type {Snapshot} from '../snapshot/types.ts';
import {GROUP} from '../snapshot/kinds.ts';
import type {PoolChain} from './target.ts';

export interface ParsedEgConfig {
  /** undefined: no ConfigMap / key (or unreadable) */
  value?: EnvoyGatewayValue | undefined;
  text?: string | undefined;
  error?: string | undefined;
}

const parsed = new WeakMap<Snapshot, ParsedEgConfig>();

export function envoyGatewayConfig(snap: Snapshot): ParsedEgConfig {
  let r = parsed.get(snap);
  if (r) return r;
  const text = envoyGatewayConfigText(snap);
  if (text === undefined) r = {};
  else {
    try {
      r = {value: parseEnvoyGatewayConfig(text).value, text};
    } catch (error) {
      r = {text, error: (error as Error).message};
    }
  }
  parsed.set(snap, r);
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
export function extensionHandlingPool(snap: Snapshot, group: string): ExtensionManagerView | undefined {
  const want = poolGvk(group);
  return extensionManagers(envoyGatewayConfig(snap).value).find(
    (em) => em.hasHooks && em.service !== undefined && em.backendResources.some((b) => b.group === want.group && b.kind === want.kind && b.version === want.version),
  );
}

export interface Wiring {
  kind: 'extension-policy' | 'ai-gateway' | 'mix' | 'none';
  /** an EnvoyExtensionPolicy sends ext-proc to this pool's EPP */
  policy: boolean;
  /** an HTTPRoute sends to this pool and Envoy Gateway hands InferencePool backends to an extension */
  extension: boolean;
}

export function wiringOf(snap: Snapshot, chain: PoolChain): Wiring {
  const policy = chain.eppPolicies.length > 0;
  const extension = chain.routes.length > 0 && extensionHandlingPool(snap, chain.group) !== undefined;
  const kind = policy && extension ? 'mix' : policy ? 'extension-policy' : extension ? 'ai-gateway' : 'none';
  return {kind, policy, extension};
}
