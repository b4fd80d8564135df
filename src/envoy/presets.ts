/*
 * What `patch-envoy` merges into the EnvoyGateway config.
 *
 * `ai-gateway` — what an HTTPRoute with an InferencePool backendRef needs on Envoy Gateway:
 * Envoy Gateway has no InferencePool backend of its own; the Envoy AI Gateway extension server
 * provides it (domain facts §4). Taken from the two upstream values files in
 * ../shared/fixtures: envoyproxy/ai-gateway v1.1.0 manifests/envoy-gateway-values.yaml (hooks,
 * service) and examples/inference-pool/envoy-gateway-values-addon.yaml (backendResources). The
 * base values file also sets extensionApis.enableBackend / enableEnvoyPatchPolicy; those serve AI
 * Gateway's own AIServiceBackend routes, not InferencePool, so the preset leaves them alone.
 *
 * `service-backend` — the install notes' entry, verbatim: `backendResources: [{group: "", kind:
 * Service}]` and nothing else. Alone it is refused by Envoy Gateway ("registered extension has no
 * hooks specified"), so patch-envoy refuses it too unless --force: it exists to show why.
 *
 * Key order is alphabetical on purpose: the Envoy Gateway chart renders its config with Helm's
 * toYaml, which sorts keys, so a config patched by us looks like one rendered from the values.
 */
import {UsageError} from '../errors.ts';

export interface GroupVersionKind {
  group: string;
  /** Optional only because the install notes leave it out; Envoy Gateway reads it as "". */
  version?: string;
  kind: string;
}

export interface ExtensionServiceTarget {
  fqdn?: {hostname: string; port: number};
  ip?: {address: string; port: number};
  unix?: {path: string};
}

/** The part of an ExtensionManager (envoygateway_types.go) that a preset may ask for. */
export interface WantedExtensionManager {
  /** Name for a new entry of the plural `extensionManagers` (Envoy Gateway requires one there). */
  name?: string;
  backendResources?: GroupVersionKind[];
  resources?: GroupVersionKind[];
  policyResources?: GroupVersionKind[];
  hooks?: {
    xdsTranslator?: {
      pre?: string[];
      post?: string[];
      translation?: Partial<Record<'cluster' | 'listener' | 'route' | 'secret', {includeAll: boolean}>>;
    };
  };
  service?: ExtensionServiceTarget;
}

export const PRESET_NAMES = ['ai-gateway', 'service-backend'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const AI_GATEWAY_SERVICE = {
  name: 'ai-gateway-controller',
  namespace: 'envoy-ai-gateway-system',
  hostname: 'ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local',
  port: 1063,
} as const;

export const INFERENCE_POOL_GVK: GroupVersionKind = {group: 'inference.networking.k8s.io', kind: 'InferencePool', version: 'v1'};

export function presetExtensionManager(preset: PresetName): WantedExtensionManager {
  switch (preset) {
    case 'ai-gateway':
      return {
        name: 'ai-gateway',
        backendResources: [{...INFERENCE_POOL_GVK}],
        hooks: {
          xdsTranslator: {
            post: ['Translation', 'Cluster', 'Route'],
            translation: {
              cluster: {includeAll: true},
              listener: {includeAll: true},
              route: {includeAll: true},
              secret: {includeAll: true},
            },
          },
        },
        service: {fqdn: {hostname: AI_GATEWAY_SERVICE.hostname, port: AI_GATEWAY_SERVICE.port}},
      };
    case 'service-backend':
      return {name: 'service-backend', backendResources: [{group: '', kind: 'Service'}]};
  }
}

/** A preset plus any --backend-resource entries (added after the preset's, duplicates dropped). */
export function wantedExtensionManager(preset: PresetName, extra: GroupVersionKind[] = []): WantedExtensionManager {
  const wanted = presetExtensionManager(preset);
  const list = [...(wanted.backendResources ?? [])];
  for (const gvk of extra) if (!list.some((g) => sameGvk(g, gvk))) list.push(gvk);
  if (list.length > 0) wanted.backendResources = list;
  return wanted;
}

/** Envoy Gateway compares GroupVersionKind structs field by field; a missing field is "". */
export function sameGvk(a: {group?: unknown; version?: unknown; kind?: unknown}, b: {group?: unknown; version?: unknown; kind?: unknown}): boolean {
  const s = (v: unknown): string => (typeof v === 'string' ? v : '');
  return s(a.group) === s(b.group) && s(a.version) === s(b.version) && s(a.kind) === s(b.kind);
}

export function formatGvk(g: GroupVersionKind): string {
  return `${g.group === '' ? '(core)' : g.group}/${g.version ?? '(no version)'}/${g.kind}`;
}

/**
 * `--backend-resource group/version/kind`; the core group may be written `/v1/Service` or
 * `v1/Service`.
 */
export function parseBackendResource(text: string): GroupVersionKind {
  const parts = text.trim().split('/');
  let group: string;
  let version: string;
  let kind: string;
  if (parts.length === 3) [group, version, kind] = parts as [string, string, string];
  else if (parts.length === 2) [group, version, kind] = ['', ...(parts as [string, string])];
  else throw new UsageError(`--backend-resource ${JSON.stringify(text)}: expected group/version/kind, e.g. inference.networking.k8s.io/v1/InferencePool`);
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind)) throw new UsageError(`--backend-resource ${JSON.stringify(text)}: kind must be CamelCase, e.g. InferencePool`);
  if (!/^v\d+((alpha|beta)\d+)?$/.test(version)) throw new UsageError(`--backend-resource ${JSON.stringify(text)}: version must look like v1, v1alpha2, v2beta1`);
  if (group !== '' && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(group)) {
    throw new UsageError(`--backend-resource ${JSON.stringify(text)}: group must be a DNS name such as inference.networking.k8s.io`);
  }
  return {group, kind, version};
}
