/*
 * Phase 5 — the EPP's saturation detector (issue 11, "requests shed"). The detector decides when the
 * pool counts as saturated; then sheddable requests (negative priority) get 429 and flow control holds
 * or rejects the rest (IGW-508, IGW-608). Its thresholds, by build:
 *
 * - GIE ≤ 1.4, inline `saturationDetector: {queueDepthThreshold, kvCacheUtilThreshold,
 *   metricsStalenessThreshold}`: an out-of-range value is silently replaced by the default (5, 0.8,
 *   200ms) — GIE v1.4.0 pkg/epp/config/loader/configloader.go buildSaturationConfig keeps a value only
 *   if queueDepthThreshold > 0, 0 < kvCacheUtilThreshold < 1, metricsStalenessThreshold > 0.
 * - GIE v1.5.0 and llm-d-router v0.10.0, plugin `utilization-detector` (referred to by
 *   [flowControl.]saturationDetector.pluginRef; the default detector when none is named):
 *   pkg/epp/framework/plugins/flowcontrol/saturationdetector/utilization/config.go validateConfig refuses
 *   queueDepthThreshold ≤ 0, kvCacheUtilThreshold outside (0, 1], metricsStalenessThreshold ≤ 0,
 *   headroom < 0 — "invalid utilization detector configuration", the EPP exits at start-up.
 * - Both builds score an endpoint whose metrics are older than metricsStalenessThreshold as fully
 *   saturated (detector.go Saturation: "Fail closed"; llm-d-router's README: "A fleet-wide scrape
 *   outage pins flow_control_pool_saturation at 1.0 and halts dispatch entirely"). Metrics are polled
 *   every --refresh-metrics-interval (default 50ms, pkg/epp/server/options.go; GIE v1.4.0 config.go:
 *   "Given the pod metrics refresh interval is 50ms, a threshold slightly above that should be
 *   fine"). A staleness threshold not above the refresh interval makes every endpoint stale between
 *   two polls: the pool reads saturated although the model servers are idle.
 */
import {argValue} from '../../k8s/args.ts';
import {formatGoDuration, parseGoDuration} from '../../k8s/duration.ts';
import {atLeast, eppBuild, strictRouter} from '../epp-build.ts';
import {yamlBlock} from '../fix.ts';
import {isRecord, loadEppConfig, pluginName} from '../phase6-scheduling/epp-config.ts';
import {error, ok, warning, type Check, type Draft} from '../types.ts';

const DEFAULTS = {queueDepthThreshold: 5, kvCacheUtilThreshold: 0.8, metricsStalenessThreshold: '200ms'} as const;
const REFRESH_DEFAULT_MS = 50;

interface Problem {
  field: string;
  value: unknown;
  rule: string;
}

/** The values a utilization detector refuses (GIE v1.5.0 / llm-d-router v0.10.0 validateConfig). */
function outOfRange(p: Record<string, unknown>, withHeadroom: boolean): Problem[] {
  const out: Problem[] = [];
  const q = p.queueDepthThreshold;
  if (q !== undefined && !(typeof q === 'number' && q > 0)) out.push({field: 'queueDepthThreshold', value: q, rule: 'must be strictly positive'});
  const k = p.kvCacheUtilThreshold;
  if (k !== undefined && !(typeof k === 'number' && k > 0 && k <= 1)) out.push({field: 'kvCacheUtilThreshold', value: k, rule: 'must be in (0.0, 1.0]'});
  const s = p.metricsStalenessThreshold;
  const sMs = typeof s === 'string' ? parseGoDuration(s) : undefined;
  if (s !== undefined && !(sMs !== undefined && sMs > 0)) out.push({field: 'metricsStalenessThreshold', value: s, rule: 'must be a strictly positive duration'});
  const h = p.headroom;
  if (withHeadroom && h !== undefined && !(typeof h === 'number' && h >= 0)) out.push({field: 'headroom', value: h, rule: 'must be a non-negative value'});
  return out;
}

export const eppSaturationDetector: Check = {
  code: 'IGW-510',
  phase: 5,
  scope: 'chain',
  title: "EPP's saturation detector thresholds are valid and its metrics staleness is longer than the refresh interval",
  readme: {
    checks: 'saturation detector (inline GIE ≤ 1.4 / `utilization-detector` plugin): thresholds in range, `metricsStalenessThreshold` above `--refresh-metrics-interval`',
    failure: 'EPP exits (invalid detector config), thresholds silently defaulted, or the pool always reads saturated (429 for sheddable requests)',
  },
  whenAbsent: 'no EndpointPickerConfig with saturation detector settings',
  symptoms: {'429': 2, 'epp-not-starting': 20},
  reads: ['ConfigMap', 'Deployment'],
  run({chain, snap}) {
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const b = eppBuild(e.container);
      if (b.kind === 'lwepp') continue;
      const loaded = loadEppConfig(snap, e);
      if (!loaded) continue;
      const {cfg, where, describe} = loaded;
      const fc = isRecord(cfg.flowControl) ? cfg.flowControl : {};
      const top = isRecord(cfg.saturationDetector) ? cfg.saturationDetector : undefined;
      const inlineBuild = b.kind === 'gie' && b.version !== undefined && !atLeast(b, 1, 5);
      let params: Record<string, unknown> | undefined;
      let at = '';
      const found: Draft[] = [];
      if (inlineBuild) {
        if (!top) continue;
        params = top;
        at = 'saturationDetector';
        const bad = outOfRange(top, false).concat(typeof top.kvCacheUtilThreshold === 'number' && top.kvCacheUtilThreshold === 1 ? [{field: 'kvCacheUtilThreshold', value: 1, rule: 'must be below 1.0 in GIE ≤ 1.4'}] : []);
        if (bad.length) {
          found.push(
            warning(
              `${describe}: ${bad.map((x) => `saturationDetector.${x.field} ${JSON.stringify(x.value)} (${x.rule})`).join(', ')} — ${b.label} silently uses the default instead (${bad.map((x) => `${x.field} ${String(DEFAULTS[x.field as keyof typeof DEFAULTS])}`).join(', ')}), so the pool saturates at other limits than configured`,
              where,
              `# in ${describe}:\n${yamlBlock({saturationDetector: {...top, ...Object.fromEntries(bad.map((x) => [x.field, DEFAULTS[x.field as keyof typeof DEFAULTS]]))}})}`,
            ),
          );
        }
      } else {
        const ref = (isRecord(fc.saturationDetector) ? fc.saturationDetector.pluginRef : undefined) ?? top?.pluginRef;
        const plugins = (cfg.plugins ?? []).filter((p) => p.type === 'utilization-detector');
        const plugin = typeof ref === 'string' ? plugins.find((p) => pluginName(p) === ref) : plugins[0];
        if (!plugin || !isRecord(plugin.parameters)) continue;
        params = plugin.parameters;
        at = `plugin ${pluginName(plugin)} (utilization-detector) parameters`;
        const bad = outOfRange(params, true);
        if (bad.length) {
          const sure = b.kind === 'gie' ? atLeast(b, 1, 5) : strictRouter(b) === 'yes';
          const msg = `${describe}: ${at} ${bad.map((x) => `${x.field} ${JSON.stringify(x.value)} (${x.rule})`).join(', ')}: ${sure ? b.label : `if ${b.label} is GIE ≥ 1.5 or llm-d-router, it`} exits at start-up ("invalid utilization detector configuration: ${bad[0]!.field} ${bad[0]!.rule}")`;
          const fix = `# in ${describe}, plugin ${pluginName(plugin)}:\n${yamlBlock({parameters: {...params, ...Object.fromEntries(bad.map((x) => [x.field, DEFAULTS[x.field as keyof typeof DEFAULTS] ?? 0]))}})}`;
          found.push(sure ? error(msg, where, fix) : warning(msg, where, fix));
        }
      }
      const stale = typeof params.metricsStalenessThreshold === 'string' ? parseGoDuration(params.metricsStalenessThreshold) : undefined;
      const refreshArg = argValue(e.container, '--refresh-metrics-interval');
      const refresh = refreshArg !== undefined ? parseGoDuration(refreshArg) : REFRESH_DEFAULT_MS;
      if (stale !== undefined && stale > 0 && refresh !== undefined && stale <= refresh) {
        found.push(
          warning(
            `${describe}: ${at === 'saturationDetector' ? 'saturationDetector.' : `${at}: `}metricsStalenessThreshold ${formatGoDuration(stale)} is not longer than EPP ${e.deployment.metadata.name}'s metrics refresh interval ${formatGoDuration(refresh)}${refreshArg === undefined ? ' (--refresh-metrics-interval default)' : ''}: between two polls every endpoint counts as stale, and a stale endpoint scores as fully saturated — pool ${chain.key} reads saturated while the model servers idle, so sheddable requests get 429 and flow control holds the rest`,
            where,
            `# in ${describe}: metricsStalenessThreshold: ${formatGoDuration(Math.max(200, refresh * 4))}   # well above the refresh interval (upstream default 200ms for 50ms polls)`,
          ),
        );
      }
      out.push(...found);
      if (!found.length) {
        const v = (k: keyof typeof DEFAULTS) => (params[k] !== undefined ? String(params[k] as string | number) : `${DEFAULTS[k]} (default)`);
        out.push(ok(`${describe}: saturation detector queueDepthThreshold ${v('queueDepthThreshold')}, kvCacheUtilThreshold ${v('kvCacheUtilThreshold')}, metricsStalenessThreshold ${v('metricsStalenessThreshold')} (metrics refreshed every ${formatGoDuration(refresh ?? REFRESH_DEFAULT_MS)})`, where));
      }
    }
    return out;
  },
};
