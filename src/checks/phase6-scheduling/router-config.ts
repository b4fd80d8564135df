/*
 * Phase 6 — what this EPP build accepts in its EndpointPickerConfig (issue 11, NF10/NF12 and
 * item 5). The rules differ by build (src/checks/epp-build.ts), and getting them wrong means an EPP
 * that exits at start-up or silently ignores the tuning:
 *
 * - Top-level fields are decoded strictly by GIE (v1.0…v1.5 pkg/epp/config/loader/configloader.go,
 *   `serializer.NewCodecFactory(scheme, serializer.EnableStrict)`) and by llm-d-router v0.10.0
 *   (pkg/epp/config/loader/configloader.go l.237): an unknown field fails start-up. The field sets
 *   are the json tags of apix/config/v1alpha1/endpointpickerconfig_types.go at each tag.
 * - llm-d-router v0.10.0 moved `saturationDetector` under `flowControl` and `parser` under
 *   `requestHandler.parsers` (configloader.go ~l.96–113, "DEPRECATION: top-level saturationDetector
 *   is deprecated … If both are set, the new field is used.").
 * - Plugin parameters: llm-d-router decodes them with `fwkplugin.StrictDecoder` (DisallowUnknownFields,
 *   pkg/epp/framework/interface/plugin/registry.go); GIE v1.5.0's `PrefixCachePluginFactory(name, _
 *   json.RawMessage, …)` ignores its parameters — the prefix tuning moved to approx-prefix-cache-producer
 *   (GIE v1.5.0 and llm-d-router v0.10.0
 *   pkg/epp/framework/plugins/requestcontrol/dataproducer/approximateprefix/types.go); GIE v1.4.0's
 *   prefix-cache-scorer still took them (pkg/epp/framework/plugins/scheduling/scorer/prefix/plugin.go).
 * - Plugin stability: llm-d-router v0.10.0 cmd/epp/runner/runner.go registers Alpha plugins that
 *   `ValidatePluginStability()` (registry.go l.107) refuses unless `--allow-experimental-plugins`
 *   (pkg/epp/server/options.go l.239); `RegisterDeprecated` types still load.
 */
import {stringify} from 'yaml';
import {argValue} from '../../k8s/args.ts';
import type {EppInfo} from '../../model/target.ts';
import {atLeast, eppBuild, strictRouter, type EppBuild} from '../epp-build.ts';
import {yamlBlock} from '../fix.ts';
import {eppDeployRef} from '../helpers.ts';
import {error, info, ok, warning, type Check, type Draft} from '../types.ts';
import {isRecord, loadEppConfig, pluginName, type LoadedConfig, type PluginSpec, type RawPickerConfig} from './epp-config.ts';

const TYPE_META = ['apiVersion', 'kind'];
/** json tags of EndpointPickerConfig, per build (apix/config/v1alpha1/endpointpickerconfig_types.go). */
const GIE_1_4_FIELDS = [...TYPE_META, 'featureGates', 'plugins', 'schedulingProfiles', 'saturationDetector', 'data', 'flowControl'];
const GIE_1_5_FIELDS = [...TYPE_META, 'featureGates', 'plugins', 'schedulingProfiles', 'saturationDetector', 'dataLayer', 'flowControl', 'parser'];
const ROUTER_0_10_FIELDS = [...TYPE_META, 'featureGates', 'plugins', 'schedulingProfiles', 'dataLayer', 'flowControl', 'requestHandler', 'saturationDetector', 'parser'];

function knownFields(b: EppBuild): string[] | undefined {
  if (b.kind === 'gie' && b.version) {
    if (b.version[0] === 1 && b.version[1] === 4) return GIE_1_4_FIELDS;
    if (b.version[0] === 1 && b.version[1] === 5) return GIE_1_5_FIELDS;
    return undefined;
  }
  if (strictRouter(b) !== 'no') return ROUTER_0_10_FIELDS;
  return undefined;
}

/** Why a field is unknown, when it is a known rename. */
function renameHint(field: string, b: EppBuild): string {
  if (field === 'data' && (b.kind === 'llm-d-router' || atLeast(b, 1, 5))) return ' (renamed dataLayer in GIE 1.5)';
  if (field === 'dataLayer' && b.kind === 'gie' && !atLeast(b, 1, 5)) return ' (GIE 1.4 calls it data)';
  if (field === 'metadata') return ' (an EndpointPickerConfig has no metadata)';
  return '';
}

/** What an EPP build says when it refuses something: definite for a known version, conditional otherwise. */
function refusal(b: EppBuild): string {
  return strictRouter(b) === 'maybe' ? `if ${b.label} is llm-d-router v0.10 or later, it` : `${b.label}`;
}

export const configFieldsKnown: Check = {
  code: 'IGW-604',
  phase: 6,
  scope: 'chain',
  title: "EndpointPickerConfig has only fields this EPP build accepts (strict decoding, moved fields)",
  readme: {checks: "EndpointPickerConfig has only fields this EPP build accepts (strict decoding, moved fields)", failure: 'EPP exits at start-up (strict config decoding)'},
  whenAbsent: 'no EndpointPickerConfig to decode',
  dependsOn: ['IGW-601'],
  symptoms: {'epp-not-starting': 20, 'config-not-applied': 20, '429': 5},
  reads: ['ConfigMap', 'Deployment'],
  run({chain, snap}) {
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const b = eppBuild(e.container);
      const loaded = loadEppConfig(snap, e);
      if (!loaded) continue;
      const fields = knownFields(b);
      if (!fields) continue;
      const {cfg, where, describe} = loaded;
      const found: Draft[] = [];
      const unknown = Object.keys(cfg).filter((k) => !fields.includes(k));
      if (unknown.length) {
        const sure = strictRouter(b) !== 'maybe';
        const msg = `${describe} has field${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `"${f}"${renameHint(f, b)}`).join(', ')} that ${refusal(b)} does not know: it decodes the config strictly and exits at start-up (json: unknown field "${unknown[0]}")`;
        const fix = `# in ${describe}: remove or rename ${unknown.join(', ')} (fields ${b.label} accepts: ${fields.filter((f) => !TYPE_META.includes(f)).join(', ')}), then restart the EPP`;
        found.push(sure ? error(msg, where, fix) : warning(msg, where, fix));
      }
      const nested = nestedUnknown(cfg, b);
      if (nested.length) {
        const sure = strictRouter(b) !== 'maybe';
        const msg = `${describe} has ${nested.map((n) => `${n.path} (${n.hint})`).join('; ')}: ${refusal(b)} decodes the config strictly and exits at start-up ("strict decoding error: unknown field \"${nested[0]!.path}\"")`;
        const fix = `# in ${describe}: ${nested.map((n) => n.fix).join('; ')}, then restart the EPP`;
        found.push(sure ? error(msg, where, fix) : warning(msg, where, fix));
      }
      if (b.kind === 'llm-d-router') found.push(...routerDeprecations(loaded, b));
      out.push(...found);
      if (!found.some((d) => d.severity === 'error' || d.severity === 'warning')) out.push(ok(`${describe}: every field is one ${b.label} accepts`, where));
    }
    return out;
  },
};

/**
 * Unknown fields below the top level, for the structs whose fields are the same in GIE v1.5.0 and
 * llm-d-router v0.10.0 (PluginSpec {name, type, parameters}, SchedulingProfile {name, plugins},
 * SchedulingPlugin {pluginRef, weight}) and, for llm-d-router, SaturationDetectorConfig {pluginRef}
 * — its inline thresholds are the GIE ≤ 1.4 form. (GIE v1.5.0 has the same SaturationDetectorConfig;
 * that case is IGW-602's.)
 */
function nestedUnknown(cfg: RawPickerConfig, b: EppBuild): {path: string; hint: string; fix: string}[] {
  if (b.kind === 'gie' && !atLeast(b, 1, 5)) return [];
  const out: {path: string; hint: string; fix: string}[] = [];
  const check = (obj: unknown, path: string, known: string[], hint: string): void => {
    if (!isRecord(obj)) return;
    for (const k of Object.keys(obj)) if (!known.includes(k)) out.push({path: `${path}.${k}`, hint, fix: `remove ${path}.${k}${k.toLowerCase() === 'weight' && path.startsWith('plugins') ? ' (weights go on the pluginRef in schedulingProfiles[].plugins[])' : ''}`});
  };
  (Array.isArray(cfg.plugins) ? cfg.plugins : []).forEach((p, i) => check(p, `plugins[${i}]`, ['name', 'type', 'parameters'], 'a plugin has name, type, parameters'));
  (Array.isArray(cfg.schedulingProfiles) ? (cfg.schedulingProfiles as unknown[]) : []).forEach((pr, i) => {
    check(pr, `schedulingProfiles[${i}]`, ['name', 'plugins'], 'a profile has name, plugins');
    if (isRecord(pr) && Array.isArray(pr.plugins)) (pr.plugins as unknown[]).forEach((r, j) => check(r, `schedulingProfiles[${i}].plugins[${j}]`, ['pluginRef', 'weight'], 'a profile entry has pluginRef, weight'));
  });
  if (b.kind === 'llm-d-router') {
    const fc = isRecord(cfg.flowControl) ? cfg.flowControl : {};
    for (const [sd, path] of [
      [cfg.saturationDetector, 'saturationDetector'],
      [fc.saturationDetector, 'flowControl.saturationDetector'],
    ] as const) {
      if (!isRecord(sd)) continue;
      const inline = Object.keys(sd).filter((k) => k !== 'pluginRef');
      if (!inline.length) continue;
      out.push({
        path: `${path}.${inline[0]}`,
        hint: `saturationDetector takes only pluginRef; ${inline.join(', ')} are the GIE ≤ 1.4 inline form`,
        fix: `declare the thresholds on a plugin and refer to it:\n${yamlBlock({plugins: [{type: 'utilization-detector', parameters: Object.fromEntries(inline.map((k) => [k, sd[k]]))}], flowControl: {saturationDetector: {pluginRef: 'utilization-detector'}}})}`,
      });
    }
  }
  return out;
}

function routerDeprecations({cfg, where, describe}: LoadedConfig, b: EppBuild): Draft[] {
  const out: Draft[] = [];
  const flowControl = isRecord(cfg.flowControl) ? cfg.flowControl : undefined;
  // inline thresholds are refused outright (nestedUnknown): moving them would not help
  const inline = isRecord(cfg.saturationDetector) && Object.keys(cfg.saturationDetector).some((k) => k !== 'pluginRef');
  if (cfg.saturationDetector !== undefined && !inline) {
    if (flowControl?.saturationDetector !== undefined) {
      out.push(
        warning(
          `${describe} sets saturationDetector both at the top level and under flowControl: ${b.label} uses flowControl.saturationDetector and ignores the top-level one (configloader.go "If both are set, the new field is used")`,
          where,
          `# in ${describe}: delete the top-level saturationDetector block (keep flowControl.saturationDetector)`,
        ),
      );
    } else {
      out.push(
        warning(
          `${describe} has a top-level saturationDetector, deprecated in ${b.label} (it logs "DEPRECATION: top-level saturationDetector is deprecated, use flowControl.saturationDetector instead")`,
          where,
          `# in ${describe}: move the block under flowControl\n${yamlBlock({flowControl: {...(flowControl ?? {}), saturationDetector: cfg.saturationDetector}})}`,
        ),
      );
    }
  }
  if (cfg.parser !== undefined) {
    const rh = isRecord(cfg.requestHandler) ? cfg.requestHandler : {};
    out.push(
      warning(
        `${describe} has a top-level parser, deprecated in ${b.label} in favour of requestHandler.parsers${rh.parsers !== undefined ? ' (both are set: the top-level one is ignored)' : ''}`,
        where,
        `# in ${describe}: move it into the list\n${yamlBlock({requestHandler: {...rh, parsers: [...(Array.isArray(rh.parsers) ? (rh.parsers as unknown[]) : []), cfg.parser]}})}`,
      ),
    );
  }
  if (cfg.apiVersion === 'inference.networking.x-k8s.io/v1alpha1') {
    out.push(info(`${describe} uses apiVersion inference.networking.x-k8s.io/v1alpha1, which ${b.label} still reads but logs as deprecated; the current one is llm-d.ai/v1alpha1`, where, `# in ${describe}:\napiVersion: llm-d.ai/v1alpha1`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Plugin parameters (NF10)

const PREFIX_SCORER = 'prefix-cache-scorer';
const APPROX_PRODUCER = 'approx-prefix-cache-producer';
/** llm-d-router v0.10.0 scorer/prefix/plugin.go json tags */
const ROUTER_PREFIX_SCORER_PARAMS = ['prefixMatchInfoProducerName', 'matchLengthWeight', 'matchLengthScaleTokens'];
/** approximateprefix/types.go json tags (GIE v1.5.0 and llm-d-router v0.10.0; blockSize and maxPrefixBlocksToMatch deprecated) */
const APPROX_PARAMS = ['autoTune', 'blockSizeTokens', 'blockSize', 'maxPrefixBlocksToMatch', 'maxPrefixTokensToMatch', 'lruCapacityPerServer'];
/** blockSizeTokens below this is raised at request time with a WARNING log (llm-d-router#1158) */
const MIN_BLOCK_SIZE_TOKENS = 64;

/** The plugins list with the prefix tuning moved from prefix-cache-scorer to approx-prefix-cache-producer. */
function movedPrefixParams(plugins: PluginSpec[], scorer: PluginSpec, moved: Record<string, unknown>, keep: Record<string, unknown>): string {
  const producer = plugins.find((p) => p.type === APPROX_PRODUCER);
  const producerParams = {...(isRecord(producer?.parameters) ? producer.parameters : {}), ...moved};
  const list = plugins.map((p) => (p === scorer ? {...p, parameters: Object.keys(keep).length ? keep : undefined} : p === producer ? {...p, parameters: producerParams} : p)).map((p) => JSON.parse(JSON.stringify(p)) as PluginSpec);
  if (!producer) list.unshift({type: APPROX_PRODUCER, parameters: producerParams});
  return stringify({plugins: list}, {lineWidth: 0}).trimEnd();
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export const pluginParameters: Check = {
  code: 'IGW-605',
  phase: 6,
  scope: 'chain',
  title: 'Prefix-cache plugin parameters are where this EPP build reads them, within range',
  readme: {checks: 'Prefix-cache plugin parameters are where this EPP build reads them, within range', failure: 'EPP exits (llm-d-router) or ignores the parameters (GIE 1.5)'},
  whenAbsent: 'no prefix-cache plugin parameters set',
  dependsOn: ['IGW-601'],
  symptoms: {'epp-not-starting': 20, 'high-latency': 20, 'config-not-applied': 20},
  reads: ['ConfigMap', 'Deployment'],
  run({chain, snap}) {
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const b = eppBuild(e.container);
      const loaded = loadEppConfig(snap, e);
      if (!loaded) continue;
      const {cfg, where, describe} = loaded;
      const plugins = Array.isArray(cfg.plugins) ? cfg.plugins : [];
      const strict = strictRouter(b);
      const gie15 = b.kind === 'gie' && atLeast(b, 1, 5);
      const found: Draft[] = [];
      for (const p of plugins.filter((x) => x.type === PREFIX_SCORER)) {
        const params = isRecord(p.parameters) ? p.parameters : {};
        if (strict !== 'no') {
          const bad = Object.keys(params).filter((k) => !ROUTER_PREFIX_SCORER_PARAMS.includes(k));
          if (bad.length) {
            const moved = Object.fromEntries(bad.filter((k) => APPROX_PARAMS.includes(k)).map((k) => [k, params[k]]));
            const keep = Object.fromEntries(Object.entries(params).filter(([k]) => ROUTER_PREFIX_SCORER_PARAMS.includes(k)));
            const msg = `plugin ${pluginName(p)} (${PREFIX_SCORER}) in ${describe} has parameter${bad.length > 1 ? 's' : ''} ${bad.join(', ')}: ${refusal(b)} decodes plugin parameters strictly and exits at start-up ("failed to decode prefix cache scorer parameters: json: unknown field "${bad[0]}""); ${Object.keys(moved).length ? `${Object.keys(moved).join(', ')} now belong${Object.keys(moved).length > 1 ? '' : 's'} to ${APPROX_PRODUCER}` : `it accepts only ${ROUTER_PREFIX_SCORER_PARAMS.join(', ')}`}`;
            const fix = `# in ${describe}:\n${movedPrefixParams(plugins, p, moved, keep)}`;
            found.push(strict === 'yes' ? error(msg, where, fix) : warning(msg, where, fix));
          }
          const w = params.matchLengthWeight;
          if (w !== undefined && (num(w) === undefined || num(w)! < 0 || num(w)! > 1)) {
            found.push(error(`plugin ${pluginName(p)} in ${describe}: matchLengthWeight ${JSON.stringify(w)} is outside 0.0–1.0; ${refusal(b)} exits at start-up ("matchLengthWeight must be between 0.0 and 1.0")`, where, `# in ${describe}: matchLengthWeight: 0.5   # 0.0–1.0`));
          }
          const s = params.matchLengthScaleTokens;
          if (s !== undefined && (num(w) ?? 0) > 0 && (num(s) === undefined || num(s)! <= 0)) {
            found.push(error(`plugin ${pluginName(p)} in ${describe}: matchLengthScaleTokens ${JSON.stringify(s)} must be > 0 when matchLengthWeight > 0; ${refusal(b)} exits at start-up`, where, `# in ${describe}: matchLengthScaleTokens: 8192   # the default`));
          }
        } else if (gie15) {
          const ignored = Object.keys(params);
          if (ignored.length) {
            const moved = Object.fromEntries(ignored.filter((k) => APPROX_PARAMS.includes(k)).map((k) => [k, params[k]]));
            found.push(
              warning(
                `plugin ${pluginName(p)} (${PREFIX_SCORER}) in ${describe} has parameters ${ignored.join(', ')}, which ${b.label} ignores: its prefix-cache-scorer takes no parameters — the tuning is read from ${APPROX_PRODUCER} (defaults apply instead)`,
                where,
                `# in ${describe}:\n${movedPrefixParams(plugins, p, moved, {})}`,
              ),
            );
          }
        }
      }
      if (strict !== 'no' || gie15) {
        for (const p of plugins.filter((x) => x.type === APPROX_PRODUCER)) {
          const params = isRecord(p.parameters) ? p.parameters : {};
          const bad = Object.keys(params).filter((k) => !APPROX_PARAMS.includes(k));
          if (bad.length && strict !== 'no') {
            const msg = `plugin ${pluginName(p)} (${APPROX_PRODUCER}) in ${describe} has unknown parameter${bad.length > 1 ? 's' : ''} ${bad.join(', ')}: ${refusal(b)} exits at start-up (strict decoding)`;
            const fix = `# in ${describe}: remove ${bad.join(', ')} (known: ${APPROX_PARAMS.join(', ')})`;
            found.push(strict === 'yes' ? error(msg, where, fix) : warning(msg, where, fix));
          }
          const bst = num(params.blockSizeTokens);
          if (params.autoTune === false && params.blockSizeTokens !== undefined && (bst === undefined || bst <= 0)) {
            found.push(error(`plugin ${pluginName(p)} in ${describe}: autoTune is false and blockSizeTokens is ${JSON.stringify(params.blockSizeTokens)}; ${b.label} exits at start-up ("BlockSizeTokens must be > 0 when AutoTune is disabled")`, where, `# in ${describe}: blockSizeTokens: 16   # vLLM's default block size; or autoTune: true`));
          } else if (bst !== undefined && bst > 0 && bst < MIN_BLOCK_SIZE_TOKENS && b.kind === 'llm-d-router') {
            found.push(info(`plugin ${pluginName(p)} in ${describe}: blockSizeTokens ${bst} is below ${MIN_BLOCK_SIZE_TOKENS}; ${b.label} raises it to ${MIN_BLOCK_SIZE_TOKENS} at request time and logs a WARNING (llm-d-router#1158)`, where));
          }
          const mx = params.maxPrefixTokensToMatch;
          if (mx !== undefined && (num(mx) === undefined || num(mx)! < 0)) {
            found.push(error(`plugin ${pluginName(p)} in ${describe}: maxPrefixTokensToMatch ${JSON.stringify(mx)} must be >= 0 (0 = whole prompt); ${b.label} exits at start-up`, where, `# in ${describe}: maxPrefixTokensToMatch: 0`));
          }
        }
      }
      out.push(...found);
      if (!found.length && plugins.some((p) => p.type === PREFIX_SCORER || p.type === APPROX_PRODUCER)) out.push(ok(`${describe}: prefix-cache parameters are read where ${b.label} reads them`, where));
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------
// Plugin stability (item 5 / NF12)

/** Alpha types of llm-d-router v0.10.0 (cmd/epp/runner/runner.go, fwkplugin.StabilityAlpha). */
export const ROUTER_ALPHA_PLUGINS: ReadonlySet<string> = new Set([
  'disaggregatedset-rollout-screener',
  'session-affinity-filter',
  'endpoint-attribute-filter',
  'topology-affinity-filter',
  'utilization-filter',
  'session-affinity-scorer',
  'header-label-affinity-scorer',
  'topology-extractor',
  'dcgm-data-source',
  'dcgm-extractor',
  'header-profile-handler',
  'endpoint-attribute-scorer',
  'topology-affinity-scorer',
  'burst-prefix-cache-producer',
  'p2p-source-producer',
  'multicluster-session-affinity-filter',
  'multicluster-queue-scorer',
  'multicluster-kv-cache-utilization-scorer',
  'multicluster-prefix-cache-scorer',
  'multicluster-approx-prefix-cache-producer',
  'sheddable-eviction-filter',
  'priority-then-time-eviction-order-policy',
  'priority-holdback-policy',
  'soft-reflective-ceiling-policy',
  'multicluster-metrics-data-source',
  'multicluster-metrics-extractor',
  'multicluster-file-discovery',
  'agent-identity',
]);

/** RegisterDeprecated types of llm-d-router v0.10.0: deprecated in, removal in, replacement. */
export const ROUTER_DEPRECATED_PLUGINS: ReadonlyMap<string, {since: string; removal: string; use: string}> = new Map([
  ['by-label-selector', {since: 'v0.9.0', removal: 'v0.11.0', use: 'label-selector-filter'}],
  ['by-label', {since: 'v0.9.0', removal: 'v0.11.0', use: 'label-selector-filter'}],
  ['disagg-headers-handler', {since: 'v0.9.0', removal: 'v0.11.0', use: 'disagg-profile-handler'}],
  ['prefill-header-handler', {since: 'v0.9.0', removal: 'v0.11.0', use: 'disagg-profile-handler'}],
  ['pd-profile-handler', {since: 'v0.7.0', removal: 'v0.9.0', use: 'disagg-profile-handler'}],
  ['tokenizer', {since: 'v0.9.0', removal: 'v0.11.0', use: 'token-producer'}],
]);

export const ALLOW_EXPERIMENTAL = '--allow-experimental-plugins';

/** `kubectl patch` adding one argument to the EPP container. */
export function addArgFix(e: EppInfo, arg: string): string {
  const ci = Math.max(0, e.deployment.spec.template.spec.containers.indexOf(e.container!));
  return `kubectl patch deployment ${e.deployment.metadata.name} -n ${e.deployment.metadata.namespace} --type json -p '${JSON.stringify([{op: 'add', path: `/spec/template/spec/containers/${ci}/args/-`, value: arg}])}'`;
}

export const pluginStability: Check = {
  code: 'IGW-606',
  phase: 6,
  scope: 'chain',
  title: 'Alpha plugins are allowed (--allow-experimental-plugins); no deprecated plugin types',
  readme: {checks: 'Alpha plugins are allowed (--allow-experimental-plugins); no deprecated plugin types', failure: 'EPP exits at start-up: plugin not allowed'},
  whenAbsent: 'no plugin that needs --allow-experimental-plugins or is deprecated',
  dependsOn: ['IGW-601'],
  symptoms: {'epp-not-starting': 20, 'config-not-applied': 20},
  reads: ['ConfigMap', 'Deployment'],
  run({chain, snap}) {
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const b = eppBuild(e.container);
      const strict = strictRouter(b);
      if (strict === 'no') continue;
      const loaded = loadEppConfig(snap, e);
      if (!loaded) continue;
      const {cfg, where, describe} = loaded;
      const plugins = Array.isArray(cfg.plugins) ? cfg.plugins : [];
      const allowed = ['', 'true'].includes(argValue(e.container, ALLOW_EXPERIMENTAL)?.toLowerCase() ?? 'unset');
      const alpha = plugins.filter((p) => p.type && ROUTER_ALPHA_PLUGINS.has(p.type));
      const found: Draft[] = [];
      if (alpha.length && !allowed) {
        const first = alpha[0]!;
        const msg = `${describe} uses Alpha plugin${alpha.length > 1 ? 's' : ''} ${alpha.map((p) => `${pluginName(p)} (${p.type})`).join(', ')}, and EPP ${e.deployment.metadata.name} runs without ${ALLOW_EXPERIMENTAL}: ${refusal(b)} exits at start-up ("plugin '${pluginName(first)}' (type: '${first.type}') has Alpha stability level, but command line flag --allow-experimental-plugins is not set")`;
        const fix = `${addArgFix(e, ALLOW_EXPERIMENTAL)}\n# or, with the llm-d-router chart: --set router.epp.flags.allow-experimental-plugins=true — or replace the Alpha plugin by a Beta one`;
        found.push(strict === 'yes' ? error(msg, eppDeployRef(e), fix) : warning(msg, eppDeployRef(e), fix));
      }
      for (const p of plugins) {
        const d = p.type ? ROUTER_DEPRECATED_PLUGINS.get(p.type) : undefined;
        if (!d) continue;
        found.push(warning(`plugin ${pluginName(p)} in ${describe} has type ${p.type}, deprecated in llm-d-router ${d.since} and removed in ${d.removal}: use ${d.use}`, where, `# in ${describe}: type: ${p.type} → type: ${d.use} (check its parameters), then restart the EPP`));
      }
      out.push(...found);
      if (!found.length) out.push(ok(`${describe}: ${alpha.length ? `Alpha plugins allowed (${ALLOW_EXPERIMENTAL})` : 'no Alpha or deprecated plugin types'}`, where));
    }
    return out;
  },
};
