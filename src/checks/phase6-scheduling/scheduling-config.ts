/*
 * Phase 6 — the EndpointPickerConfig is valid: known plugin types, scorer weights (install notes
 * SCHEDULING CONFIGURATION). Shapes from GIE apix/config/v1alpha1 (EndpointPickerConfig) and
 * llm-d-router (llm-d.ai/v1alpha1), domain-facts §2.
 */
import {parse} from 'yaml';
import {valueAt} from '../../helm/release.ts';
import type {ObjectRef} from '../../k8s/objects.ts';
import type {KubeObject} from '../../kube/client.ts';
import {lookup} from '../../snapshot/query.ts';
import {imageTag} from '../../snapshot/versions.ts';
import {chartRef, yamlBlock} from '../fix.ts';
import {eppConfigSource, eppDeployRef, eppFlavour, versionBelow} from '../helpers.ts';
import {error, ok, warning, orNotApplicable, type Check, type Draft} from '../types.ts';

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
  readme: {checks: "EndpointPickerConfig parses; pluginRefs defined; saturationDetector form for the EPP version; the chart's weights sum to 100", failure: 'EPP exits / ignored thresholds'},
  dependsOn: ['IGW-601'],
  symptoms: {'epp-not-starting': 10, 'high-latency': 6, 'config-not-applied': 9},
  reads: ['ConfigMap'],
  judgesUnreadable: ['ConfigMap'],
  run({chain, snap}) {
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const src = eppConfigSource(e);
      if (!src) continue;
      let text = src.text;
      let where: ObjectRef = eppDeployRef(e);
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
    return orNotApplicable(out, 'no EndpointPickerConfig in this chain');
  },
};
