/*
 * The Envoy AI Gateway extension as Envoy Gateway's config describes it (issue 11 research, "How to
 * tell the two Envoy Gateway wirings apart"): an extensionManager (or an entry of the plural
 * extensionManagers, Envoy Gateway ≥ 1.8) whose service is the AI Gateway controller,
 * ai-gateway-controller.<ns>.svc.cluster.local:1063 (envoyproxy/ai-gateway v1.1.0
 * manifests/envoy-gateway-values.yaml). Pure views; the checks of src/checks/phase2-envoy-gateway/
 * ai-gateway.ts judge them.
 */
import type {EnvoyGatewayValue} from '../envoy/config.ts';
import type {KubeObject} from '../kube/client.ts';
import {envoyGatewayInstalls, type EnvoyGatewayInstall} from '../snapshot/envoy-gateway.ts';
import {get, items} from '../snapshot/query.ts';
import type {Snapshot} from '../snapshot/types.ts';
import {egControllerName, envoyGatewayConfig} from './wiring.ts';

export const AI_GATEWAY_HOST_PREFIX = 'ai-gateway-controller.';
export const AI_GATEWAY_PORT = 1063;

export type TranslationKind = 'listener' | 'route' | 'cluster' | 'secret';

export interface AiGatewayManager {
  /** where it is in envoy-gateway.yaml: extensionManager or extensionManagers[i] */
  field: string;
  pre: string[];
  post: string[];
  /** translation.<kind>.includeAll as written (undefined = not set) */
  includeAll: Record<TranslationKind, boolean | undefined>;
  backendResources: {group: string; version: string; kind: string}[];
  hostname: string;
  port: number | undefined;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Is this extension service the AI Gateway controller? By its Service name, or its well-known port. */
export function isAiGatewayService(hostname: string | undefined, port: number | undefined): boolean {
  return hostname !== undefined && (hostname.startsWith(AI_GATEWAY_HOST_PREFIX) || port === AI_GATEWAY_PORT);
}

/** The extension managers of a config that call Envoy AI Gateway. */
export function aiGatewayManagers(value: EnvoyGatewayValue | undefined): AiGatewayManager[] {
  if (!value) return [];
  const out: AiGatewayManager[] = [];
  const add = (field: string, em: unknown): void => {
    if (!isObj(em)) return;
    const fqdn = isObj(em.service) && isObj(em.service.fqdn) ? em.service.fqdn : undefined;
    const hostname = typeof fqdn?.hostname === 'string' ? fqdn.hostname : undefined;
    const port = typeof fqdn?.port === 'number' ? fqdn.port : undefined;
    if (!isAiGatewayService(hostname, port)) return;
    const xds = isObj(em.hooks) && isObj(em.hooks.xdsTranslator) ? em.hooks.xdsTranslator : {};
    const tr = isObj(xds.translation) ? xds.translation : {};
    const inc = (k: TranslationKind): boolean | undefined => {
      const t = tr[k];
      return isObj(t) && typeof t.includeAll === 'boolean' ? t.includeAll : undefined;
    };
    out.push({
      field,
      pre: strings(xds.pre),
      post: strings(xds.post),
      includeAll: {listener: inc('listener'), route: inc('route'), cluster: inc('cluster'), secret: inc('secret')},
      backendResources: (Array.isArray(em.backendResources) ? em.backendResources : []).filter(isObj).map((b) => ({
        group: typeof b.group === 'string' ? b.group : '',
        version: typeof b.version === 'string' ? b.version : '',
        kind: typeof b.kind === 'string' ? b.kind : '',
      })),
      hostname: hostname!,
      port,
    });
  };
  add('extensionManager', value.extensionManager);
  if (Array.isArray(value.extensionManagers)) value.extensionManagers.forEach((em, i) => add(`extensionManagers[${i}]`, em));
  return out;
}

/** The AI Gateway extension managers of an Envoy Gateway install's config. */
export function aiGatewayOf(snap: Snapshot, install: EnvoyGatewayInstall | undefined): AiGatewayManager[] {
  return aiGatewayManagers(envoyGatewayConfig(snap, install).value);
}

export interface GatewayObj extends KubeObject {
  spec?: {gatewayClassName?: string; listeners?: {name: string; port: number; protocol: string; allowedRoutes?: {namespaces?: {from?: string; selector?: unknown}}}[]};
  status?: {conditions?: {type: string; status: string; reason?: string; message?: string; observedGeneration?: number}[]};
}

/**
 * The Envoy Gateway install that serves a Gateway: the one whose namespace holds the Gateway's
 * proxy Service (labels gateway.envoyproxy.io/owning-gateway-*), else — when exactly one install
 * answers to its GatewayClass's controllerName — that one. Several installs with the same
 * controllerName and no proxy Service: unknown (undefined).
 */
export function installForGateway(snap: Snapshot, gw: KubeObject & {spec?: {gatewayClassName?: string}}): EnvoyGatewayInstall | undefined {
  const installs = envoyGatewayInstalls(snap);
  const proxy = items(snap, 'Service').find(
    (s) => s.metadata.labels?.['gateway.envoyproxy.io/owning-gateway-name'] === gw.metadata.name && s.metadata.labels?.['gateway.envoyproxy.io/owning-gateway-namespace'] === gw.metadata.namespace,
  );
  const byProxy = proxy && installs.find((i) => i.namespace === proxy.metadata.namespace);
  if (byProxy) return byProxy;
  const cls = gw.spec?.gatewayClassName ? get<KubeObject & {spec?: {controllerName?: string}}>(snap, 'GatewayClass', undefined, gw.spec.gatewayClassName) : undefined;
  const matching = cls ? installs.filter((i) => egControllerName(snap, i) === cls.spec?.controllerName) : [];
  return matching.length === 1 ? matching[0] : undefined;
}

/** The controllerName of a Gateway's class, if the class is known. */
export function gatewayControllerName(snap: Snapshot, gw: {spec?: {gatewayClassName?: string}}): string | undefined {
  const cls = gw.spec?.gatewayClassName ? get<KubeObject & {spec?: {controllerName?: string}}>(snap, 'GatewayClass', undefined, gw.spec.gatewayClassName) : undefined;
  return cls?.spec?.controllerName;
}
