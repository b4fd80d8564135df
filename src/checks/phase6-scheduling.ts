/*
 * Phase 6 — scheduling config: the EPP's EndpointPickerConfig (--config-file from a mounted
 * ConfigMap, or --config-text). Replaces the install notes' SCHEDULING CONFIGURATION and
 * TROUBLESHOOTING 7 ("ConfigMap changes require pod restart"). Shapes from GIE
 * apix/config/v1alpha1 (EndpointPickerConfig) and llm-d-router (llm-d.ai/v1alpha1), domain-facts §2.
 */
import {parse} from 'yaml';
import type {KubeObject} from '../kube/client.ts';
import {lookup} from '../snapshot/query.ts';
import {lastChanged} from '../snapshot/envoy-gateway.ts';
import {imageTag} from '../snapshot/versions.ts';
import {age, argValue, podReady, type ObjectRef} from './k8s.ts';
import {error, ok, warning, type Check, type Draft} from './types.ts';
import type {EppInfo} from './target.ts';
import {eppFlavour} from './phase5-epp-runtime.ts';
import {versionBelow} from './phase2-envoy-gateway.ts';
import {valueAt} from '../helm/release.ts';
import {chartRef, yamlBlock} from './fix.ts';

const deployRef = (e: EppInfo): ObjectRef => ({apiVersion: 'apps/v1', kind: 'Deployment', namespace: e.deployment.metadata.namespace, name: e.deployment.metadata.name});

export interface EppConfigSource {
  kind: 'configmap' | 'inline';
  configMap?: {namespace: string; name: string; key: string} | undefined;
  text?: string | undefined;
  path?: string | undefined;
}

/** Where the EPP's config comes from: --config-file → the ConfigMap volume mounted there; --config-text. */
export function eppConfigSource(e: EppInfo): EppConfigSource | undefined {
  const inline = argValue(e.container, '--config-text');
  if (inline) return {kind: 'inline', text: inline};
  const path = argValue(e.container, '--config-file');
  if (!path) return undefined;
  const mounts = e.container?.volumeMounts ?? [];
  const m = mounts.filter((v) => path === v.mountPath || path.startsWith(`${v.mountPath.replace(/\/$/, '')}/`)).sort((a, b) => b.mountPath.length - a.mountPath.length)[0] as
    | {name: string; mountPath: string; subPath?: string}
    | undefined;
  const vol = m ? e.deployment.spec.template.spec.volumes?.find((v) => v.name === m.name) : undefined;
  if (!m || !vol?.configMap) return {kind: 'configmap', path};
  const key = m.subPath ?? path.slice(m.mountPath.replace(/\/$/, '').length + 1);
  return {kind: 'configmap', path, configMap: {namespace: e.deployment.metadata.namespace ?? '', name: vol.configMap.name, key}};
}

function restartFix(e: EppInfo, release?: string): string {
  return release ? `kubectl infgw restart epp -r ${release} -n ${e.deployment.metadata.namespace}` : `kubectl rollout restart deployment/${e.deployment.metadata.name} -n ${e.deployment.metadata.namespace}`;
}

export const configAppliedAfterRestart: Check = {
  code: 'IGW-601',
  phase: 6,
  scope: 'chain',
  title: 'EPP runs its current scheduling config',
  symptoms: ['config-not-applied', 'high-latency'],
  reads: ['ConfigMap'],
  run({chain, snap, now}) {
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const src = eppConfigSource(e);
      if (!src || src.kind !== 'configmap') continue;
      if (!src.configMap) {
        out.push(warning(`EPP ${e.deployment.metadata.name} reads --config-file ${src.path}, but no ConfigMap volume is mounted there`, deployRef(e)));
        continue;
      }
      const l = lookup<KubeObject & {data?: Record<string, string>}>(snap, 'ConfigMap', src.configMap.namespace, src.configMap.name);
      const cmRef = {apiVersion: 'v1', kind: 'ConfigMap', namespace: src.configMap.namespace, name: src.configMap.name};
      if ('unknown' in l) continue;
      if ('absent' in l) {
        out.push(error(`ConfigMap ${src.configMap.namespace}/${src.configMap.name}, mounted by EPP ${e.deployment.metadata.name} for --config-file, does not exist: its pods stay in ContainerCreating (FailedMount)`, cmRef, chain.release ? `helm get manifest ${chain.release.release.name} -n ${chain.release.release.namespace} | kubectl apply -f -` : undefined));
        continue;
      }
      if (l.found.data?.[src.configMap.key] === undefined) {
        out.push(error(`ConfigMap ${src.configMap.namespace}/${src.configMap.name} has no key ${src.configMap.key}, which EPP ${e.deployment.metadata.name} reads (--config-file ${src.path})`, cmRef));
        continue;
      }
      const changed = lastChanged(l.found);
      const ready = e.pods.filter(podReady);
      const started = ready.map((p) => Date.parse(p.status?.startTime ?? p.metadata.creationTimestamp ?? '')).filter(Number.isFinite);
      if (!changed || started.length === 0) continue;
      const oldest = Math.min(...started);
      if (changed.getTime() > oldest) {
        out.push(
          warning(
            `ConfigMap ${src.configMap.namespace}/${src.configMap.name} changed ${age(changed, now)} ago, after EPP pods of ${e.deployment.metadata.name} started; the EPP reads its config only at start, so the change is not in effect`,
            cmRef,
            restartFix(e, chain.release?.release.name),
          ),
        );
      } else out.push(ok(`EPP ${e.deployment.metadata.name} started after ConfigMap ${src.configMap.name} last changed`, cmRef));
    }
    return out;
  },
};

interface PickerConfig {
  apiVersion?: string;
  kind?: string;
  plugins?: {name?: string; type?: string; parameters?: unknown}[];
  schedulingProfiles?: {name?: string; plugins?: {pluginRef?: string; weight?: number}[]}[];
  saturationDetector?: Record<string, unknown>;
}

const CONFIG_API_VERSIONS = ['inference.networking.x-k8s.io/v1alpha1', 'llm-d.ai/v1alpha1'];

/**
 * Plugin types the EPPs register (GIE cmd/epp/runner registerInTreePlugins; llm-d-router's
 * deploy/config samples, ../shared/fixtures/epp-config*.yaml). Not exhaustive — versions add
 * types — so an unknown type is only called a mistake when it is one edit or two away from a
 * known one (a typo such as "max-scorer-picker").
 */
export const KNOWN_PLUGIN_TYPES = [
  'prefix-cache-scorer',
  'kv-cache-utilization-scorer',
  'queue-scorer',
  'lora-affinity-scorer',
  'running-requests-size-scorer',
  'max-score-picker',
  'random-picker',
  'weighted-random-picker',
  'single-profile-handler',
  'decode-filter',
  'utilization-detector',
  'metrics-data-source',
  'core-metrics-extractor',
  'token-producer',
  'endpoint-notification-source',
  'precise-prefix-cache-producer',
];

export function editDistance(a: string, b: string): number {
  const d = Array.from({length: a.length + 1}, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

function likelyTypo(type: string): string | undefined {
  if (KNOWN_PLUGIN_TYPES.includes(type)) return undefined;
  const best = KNOWN_PLUGIN_TYPES.map((k) => ({k, d: editDistance(type, k)})).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= 2 ? best.k : undefined;
}
const SCORERS = ['prefix-cache-scorer', 'kv-cache-utilization-scorer', 'queue-scorer'];

export const schedulingConfigValid: Check = {
  code: 'IGW-602',
  phase: 6,
  scope: 'chain',
  title: 'EndpointPickerConfig is valid for the EPP version',
  dependsOn: ['IGW-601'],
  symptoms: ['epp-not-starting', 'high-latency', 'config-not-applied'],
  run({chain, snap}) {
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const src = eppConfigSource(e);
      if (!src) continue;
      let text = src.text;
      let where: ObjectRef = deployRef(e);
      if (src.configMap) {
        const l = lookup<KubeObject & {data?: Record<string, string>}>(snap, 'ConfigMap', src.configMap.namespace, src.configMap.name);
        if (!('found' in l)) continue;
        text = l.found.data?.[src.configMap.key];
        where = {apiVersion: 'v1', kind: 'ConfigMap', namespace: src.configMap.namespace, name: src.configMap.name};
      }
      if (text === undefined) continue;
      let cfg: PickerConfig;
      try {
        cfg = (parse(text) ?? {}) as PickerConfig;
      } catch (err) {
        out.push(error(`the EPP config is not YAML: ${(err as Error).message.split('\n')[0]} — the EPP exits at start`, where));
        continue;
      }
      const problems: string[] = [];
      if (cfg.kind !== 'EndpointPickerConfig') problems.push(`kind is ${cfg.kind ?? '(none)'}, not EndpointPickerConfig`);
      if (!CONFIG_API_VERSIONS.includes(cfg.apiVersion ?? '')) problems.push(`apiVersion ${cfg.apiVersion ?? '(none)'} is not one of ${CONFIG_API_VERSIONS.join(', ')}`);
      const names = new Set((cfg.plugins ?? []).map((p) => p.name ?? p.type).filter((x): x is string => Boolean(x)));
      for (const p of cfg.plugins ?? []) if (!p.type) problems.push(`plugin ${p.name ?? '?'} has no type`);
      for (const prof of cfg.schedulingProfiles ?? []) {
        for (const r of prof.plugins ?? []) if (r.pluginRef && !names.has(r.pluginRef)) problems.push(`profile ${prof.name ?? '?'} refers to plugin "${r.pluginRef}", which is not defined under plugins`);
      }
      const typos = (cfg.plugins ?? []).map((p) => ({type: p.type ?? '', fix: likelyTypo(p.type ?? '')})).filter((t) => t.type && t.fix);
      for (const t of typos) problems.push(`plugin type "${t.type}" is not a registered plugin type (did you mean "${t.fix}"?)`);
      if (problems.length) {
        const fixText = typos.length
          ? chain.release && valueAt(chain.release.release.values, 'epp.schedulingConfig.picker') === typos[0]!.type
            ? `helm upgrade ${chain.release.release.name} ${chartRef(chain.release.release.chart)} -n ${chain.release.release.namespace} --reuse-values --set epp.schedulingConfig.picker=${typos[0]!.fix}`
            : `# in ${where.kind} ${where.namespace ?? ''}/${where.name}: ${typos.map((t) => `type: ${t.type} → type: ${t.fix}`).join(', ')} (pluginRefs too), then restart the EPP`
          : undefined;
        out.push(error(`EPP ${e.deployment.metadata.name}'s EndpointPickerConfig is invalid: ${problems.join('; ')} — the EPP exits at start`, where, fixText));
        continue;
      }
      // saturationDetector: inline thresholds up to GIE 1.4, a pluginRef to utilization-detector from 1.5 (domain-facts §2)
      const tag = imageTag(e.container?.image ?? '');
      const sd = cfg.saturationDetector;
      const inline = sd && ['queueDepthThreshold', 'kvCacheUtilThreshold', 'metricsStalenessThreshold'].some((k) => k in sd);
      if (eppFlavour(e.container?.image) === 'gie' && sd) {
        if (inline && !versionBelow(tag, 1, 5) && tag) {
          const params = Object.fromEntries(['queueDepthThreshold', 'kvCacheUtilThreshold', 'metricsStalenessThreshold'].filter((k) => k in sd).map((k) => [k, sd[k]]));
          const form = yamlBlock({plugins: [{type: 'utilization-detector', parameters: params}], saturationDetector: {pluginRef: 'utilization-detector'}});
          out.push(warning(`EPP ${e.deployment.metadata.name} is GIE ${tag}, which takes saturationDetector as a pluginRef to a utilization-detector plugin; the inline thresholds here are the GIE ≤ 1.4 form and are not applied`, where, `# in the EndpointPickerConfig: add the plugin and refer to it\n${form}`));
        } else if (!inline && 'pluginRef' in sd && versionBelow(tag, 1, 5)) {
          out.push(warning(`EPP ${e.deployment.metadata.name} is GIE ${tag}, which takes inline saturationDetector thresholds; the pluginRef form needs GIE 1.5+`, where));
        }
      }
      // This chart's own convention (install notes): the three scorer weights sum to 100.
      if (chain.release && valueAt(chain.release.release.values, 'epp.schedulingConfig.enabled') === true) {
        const refs = (cfg.schedulingProfiles ?? []).flatMap((p) => p.plugins ?? []).filter((r) => SCORERS.includes(r.pluginRef ?? ''));
        const sum = refs.reduce((n, r) => n + (r.weight ?? 1), 0);
        if (refs.length && sum !== 100) {
          out.push(
            warning(
              `scorer weights sum to ${sum} (${refs.map((r) => `${r.pluginRef} ${r.weight ?? 1}`).join(', ')}); release ${chain.release.release.name}'s chart expects them to sum to 100 (its convention; the EPP itself only compares them relatively)`,
              where,
              `helm upgrade ${chain.release.release.name} ${chartRef(chain.release.release.chart)} -n ${chain.release.release.namespace} --reuse-values --set epp.schedulingConfig.scorers.prefixCacheScorer=60,epp.schedulingConfig.scorers.kvCacheUtilizationScorer=30,epp.schedulingConfig.scorers.queueScorer=10`,
            ),
          );
        }
      }
      if (!out.some((d) => d.object === where)) out.push(ok(`EndpointPickerConfig ${cfg.apiVersion}: ${(cfg.plugins ?? []).length} plugins, profiles ${(cfg.schedulingProfiles ?? []).map((p) => p.name).join(', ')}`, where));
    }
    return out;
  },
};

/**
 * The KV-cache metric the EPP reads must exist in the model server's version (domain-facts §2/§3):
 * GIE EPPs up to 1.2 read vllm:gpu_cache_usage_perc by default, which vLLM removed in 0.12
 * (renamed vllm:kv_cache_usage_perc). Judged from image tags (EPP and vLLM), and from the EPP's
 * --kv-cache-usage-percentage-metric flag when set.
 */
export const metricNamesExist: Check = {
  code: 'IGW-603',
  phase: 6,
  scope: 'chain',
  title: "The metrics the EPP reads exist in the model server's version",
  symptoms: ['high-latency', '503'],
  run({chain}) {
    const out: Draft[] = [];
    const vllm = chain.modelPods
      .flatMap((p) => p.spec.containers.map((c) => c.image ?? ''))
      .find((img) => /vllm\/vllm-openai|vllm-openai|\/vllm:/.test(img));
    const vllmTag = vllm ? imageTag(vllm) : undefined;
    if (!vllm || !vllmTag || versionBelow(vllmTag, 0, 12) || !/^v?\d/.test(vllmTag)) return [];
    for (const e of chain.epps) {
      const tag = imageTag(e.container?.image ?? '');
      const flag = argValue(e.container, '--kv-cache-usage-percentage-metric') ?? argValue(e.container, '--kvCacheUsagePercentageMetric');
      const reads = flag ?? (eppFlavour(e.container?.image) === 'gie' && versionBelow(tag, 1, 3) ? 'vllm:gpu_cache_usage_perc' : undefined);
      if (reads !== 'vllm:gpu_cache_usage_perc') continue;
      const ci = e.deployment.spec.template.spec.containers.indexOf(e.container!);
      out.push(
        error(
          `EPP ${e.deployment.metadata.name} (${tag ?? e.container?.image}) reads vllm:gpu_cache_usage_perc${flag ? ' (--kv-cache-usage-percentage-metric)' : ' by default'}, which vLLM ${vllmTag} no longer exposes (renamed vllm:kv_cache_usage_perc in 0.12): KV-cache scoring and saturation see nothing`,
          deployRef(e),
          `kubectl patch deployment ${e.deployment.metadata.name} -n ${e.deployment.metadata.namespace} --type json -p '${JSON.stringify([{op: 'add', path: `/spec/template/spec/containers/${ci}/args/-`, value: '--kv-cache-usage-percentage-metric=vllm:kv_cache_usage_perc'}])}'   # or upgrade the EPP`,
        ),
      );
    }
    return out;
  },
};

export const phase6: Check[] = [configAppliedAfterRestart, schedulingConfigValid, metricNamesExist];
