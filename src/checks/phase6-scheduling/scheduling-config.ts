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
import {ALL_PLUGIN_TYPES, GIE_PLUGINS, LLM_D_ROUTER_PLUGINS, pluginRegistryFor} from '../../model/epp-plugins.ts';
import type {EppInfo} from '../../model/target.ts';
import {chartRef, yamlBlock} from '../fix.ts';
import {eppConfigSource, eppDeployRef, eppFlavour, versionBelow} from '../helpers.ts';
import {type Check, type Draft, error, info, ok, orNotApplicable, warning} from '../types.ts';

interface PickerConfig {
  apiVersion?: string;
  kind?: string;
  plugins?: {name?: string; type?: string; parameters?: unknown}[];
  schedulingProfiles?: {name?: string; plugins?: {pluginRef?: string; weight?: number}[]}[];
  saturationDetector?: Record<string, unknown>;
}

const CONFIG_API_VERSIONS = ['inference.networking.x-k8s.io/v1alpha1', 'llm-d.ai/v1alpha1'];

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

/** The nearest of `known` within edit distance 2 (a typo such as "max-scorer-picker"), else undefined. */
function nearest(type: string, known: Iterable<string>): string | undefined {
  const best = [...known].map((k) => ({k, d: editDistance(type, k)})).sort((x, y) => x.d - y.d || x.k.localeCompare(y.k))[0];
  return best && best.d <= 2 ? best.k : undefined;
}

interface TypeVerdicts {
  /** start-up errors: unknown types, Alpha types without --allow-experimental-plugins */
  errors: string[];
  /** for the fix: type → the type to use instead */
  replace: {type: string; fix: string}[];
  warnings: string[];
  infos: string[];
}

/**
 * Judge each plugin's type against what the EPP in use registers (issue 11 item 5; src/model/epp-plugins.ts).
 * The exact list of the EPP's release: every unregistered type is an error. Another release of a known
 * EPP, or an EPP of unknown origin: only a near-typo of a known type is called a mistake.
 */
function judgeTypes(plugins: NonNullable<PickerConfig['plugins']>, e: EppInfo): TypeVerdicts {
  const image = e.container?.image;
  const tag = image ? imageTag(image) : undefined;
  const found = pluginRegistryFor(image, tag);
  const out: TypeVerdicts = {errors: [], replace: [], warnings: [], infos: []};
  for (const p of plugins) {
    const type = p.type;
    if (!type) continue;
    const label = `plugin ${p.name && p.name !== type ? `"${p.name}" ` : ''}type "${type}"`;
    if (found?.exact) {
      const {registry} = found;
      const known = registry.types.get(type);
      if (!known) {
        const near = nearest(type, registry.types.keys());
        const elsewhere = registry === GIE_PLUGINS && LLM_D_ROUTER_PLUGINS.types.has(type) ? ` (it is an llm-d-router plugin, not available in ${registry.release})` : '';
        out.errors.push(`${label} is not registered in ${registry.release}${elsewhere} — the EPP exits with "plugin type '${type}' is not registered"${near ? ` (did you mean "${near}"?)` : ''}`);
        if (near) out.replace.push({type, fix: near});
        continue;
      }
      // Alpha stability without --allow-experimental-plugins and deprecated types: IGW-606 judges them
      // (one root cause, one finding).
      if (known.testOnly) out.infos.push(`${label} is registered for conformance tests only (${registry.release})`);
      continue;
    }
    const pool = found ? found.registry.types.keys() : ALL_PLUGIN_TYPES;
    const all = new Set(ALL_PLUGIN_TYPES);
    if (all.has(type)) continue;
    const near = nearest(type, pool) ?? nearest(type, ALL_PLUGIN_TYPES);
    if (near) {
      out.errors.push(`plugin type "${type}" is not a registered plugin type (did you mean "${near}"?)`);
      out.replace.push({type, fix: near});
    }
  }
  return out;
}

const SCORERS = ['prefix-cache-scorer', 'kv-cache-utilization-scorer', 'queue-scorer'];

export const schedulingConfigValid: Check = {
  code: 'IGW-602',
  phase: 6,
  scope: 'chain',
  title: 'EndpointPickerConfig is valid for the EPP version',
  readme: {checks: "EndpointPickerConfig parses; pluginRefs defined; saturationDetector form for the EPP version; the chart's weights sum to 100", failure: 'EPP exits / ignored thresholds'},
  dependsOn: ['IGW-601'],
  symptoms: {'epp-not-starting': 10, 'high-latency': 6, 'config-not-applied': 9, '429': 6},
  reads: ['ConfigMap', 'Deployment'],
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
      const verdicts = judgeTypes(cfg.plugins ?? [], e);
      const typos = verdicts.replace;
      problems.push(...verdicts.errors);
      for (const w of verdicts.warnings) out.push(warning(`EPP ${e.deployment.metadata.name}: ${w}`, where, `# in ${where.kind} ${where.namespace ?? ''}/${where.name}: replace the deprecated type (pluginRefs keep their names), then restart the EPP`));
      for (const i of verdicts.infos) out.push(info(`EPP ${e.deployment.metadata.name}: ${i}`, where));
      if (problems.length) {
        const fixText = typos.length
          ? chain.release && valueAt(chain.release.release.values, 'epp.schedulingConfig.picker') === typos[0]!.type
            ? `helm upgrade ${chain.release.release.name} ${chartRef(chain.release.release.chart)} -n ${chain.release.release.namespace} --reuse-values --set epp.schedulingConfig.picker=${typos[0]!.fix}`
            : `# in ${where.kind} ${where.namespace ?? ''}/${where.name}: ${typos.map((t) => `type: ${t.type} → type: ${t.fix}`).join(', ')} (pluginRefs too), then restart the EPP`
          : undefined;
        const fixes = [fixText].filter((x): x is string => Boolean(x));
        out.push(error(`EPP ${e.deployment.metadata.name}'s EndpointPickerConfig is invalid: ${problems.join('; ')} — the EPP exits at start`, where, fixes.length ? fixes.join('\n') : undefined));
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
          // GIE v1.5.0 decodes the config strictly (pkg/epp/config/loader/configloader.go decodeRawConfig:
          // serializer.EnableStrict) and its SaturationDetectorConfig has only `pluginRef`
          // (apix/config/v1alpha1/endpointpickerconfig_types.go): inline thresholds are unknown fields, the
          // decode fails and the EPP exits at start-up — not "ignored".
          out.push(error(`EPP ${e.deployment.metadata.name} is GIE ${tag}, which takes saturationDetector only as a pluginRef to a utilization-detector plugin and decodes its config strictly: the inline thresholds here (the GIE ≤ 1.4 form) are unknown fields, so the EPP fails at start ("failed to decode configuration")`, where, `# in the EndpointPickerConfig: add the plugin and refer to it\n${form}`));
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
