/*
 * The EndpointPickerConfig an EPP runs with, read from the snapshot: --config-text, or the
 * ConfigMap key mounted at --config-file (helpers.eppConfigSource). Used by the phase-6 checks of
 * issue 11 (IGW-604…606). A config that is missing or not YAML is IGW-601/602's finding: here it
 * is simply "no config to judge".
 */
import {parse} from 'yaml';
import type {ObjectRef} from '../../k8s/objects.ts';
import type {KubeObject} from '../../kube/client.ts';
import type {EppInfo} from '../../model/target.ts';
import {lookup} from '../../snapshot/query.ts';
import type {Snapshot} from '../../snapshot/types.ts';
import {eppConfigSource, eppDeployRef} from '../helpers.ts';

export interface PluginSpec {
  name?: string;
  type?: string;
  parameters?: unknown;
}

export interface RawPickerConfig {
  apiVersion?: string;
  kind?: string;
  plugins?: PluginSpec[];
  [field: string]: unknown;
}

export interface LoadedConfig {
  cfg: RawPickerConfig;
  /** the ConfigMap holding it, or the EPP Deployment for --config-text */
  where: ObjectRef;
  /** "ConfigMap llm/epp-config key config.yaml" or "--config-text of Deployment llm/epp" */
  describe: string;
}

export function loadEppConfig(snap: Snapshot, e: EppInfo): LoadedConfig | undefined {
  const src = eppConfigSource(e);
  if (!src) return undefined;
  let text = src.text;
  let where: ObjectRef = eppDeployRef(e);
  let describe = `--config-text of Deployment ${e.deployment.metadata.namespace}/${e.deployment.metadata.name}`;
  if (src.kind === 'configmap') {
    if (!src.configMap) return undefined;
    const l = lookup<KubeObject & {data?: Record<string, string>}>(snap, 'ConfigMap', src.configMap.namespace, src.configMap.name);
    if (!('found' in l)) return undefined;
    text = l.found.data?.[src.configMap.key];
    where = {apiVersion: 'v1', kind: 'ConfigMap', namespace: src.configMap.namespace, name: src.configMap.name};
    describe = `ConfigMap ${src.configMap.namespace}/${src.configMap.name} key ${src.configMap.key}`;
  }
  if (text === undefined) return undefined;
  try {
    const cfg = parse(text) as unknown;
    if (!cfg || typeof cfg !== 'object' || Array.isArray(cfg)) return undefined;
    return {cfg: cfg as RawPickerConfig, where, describe};
  } catch {
    return undefined;
  }
}

/** The name a plugin is referred to by (pluginRef): its name, else its type. */
export function pluginName(p: PluginSpec): string {
  return p.name ?? p.type ?? '?';
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
