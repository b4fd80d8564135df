/*
 * Phase 5 — known error lines in the EPP's log tail (read by src/snapshot/runtime.ts for live runs),
 * and for llm-d-router ≥ 0.9, whose data-layer errors are counters rather than log lines, those counters.
 */
import type {DatalayerCount} from '../../metrics/read.ts';
import type {EppRuntime} from '../../snapshot/runtime.ts';
import {perEpp, podRef} from '../helpers.ts';
import {error, info, ok, warning, type Check, type Draft} from '../types.ts';

/** Every metric family a line says is missing (errors.Join puts several in one line; JSON logs escape the quotes). */
export function missingFamilies(line: string): string[] {
  return [...line.matchAll(/metric family \\?"([^"\\]+)\\?" not found/g)].map((m) => m[1]!);
}

/**
 * A "metric family not found" line that names only LoRA families: the model server runs without LoRA.
 * GIE v1.5.0 pkg/epp/framework/plugins/datalayer/extractor/metrics/{spec.go,loraspec.go}: the missing
 * vllm:lora_requests_info (emitted by vLLM only once LoRA is on) makes Extract() return an error, yet
 * the queue, running and KV-cache figures that were found are still stored (extractor.go), and
 * pkg/epp/datalayer/collector.go logs "extract failed" once per endpoint on the nil→error transition.
 * Harmless. (llm-d-router ≥ 0.9 skips a missing LoRA family without an error — llm-d-router#926.)
 */
export function onlyLoraMissing(line: string): boolean {
  const fams = missingFamilies(line);
  const noLoraMatch = /no matching lora metric found/i.test(line);
  if (!fams.length && !noLoraMatch) return false;
  return fams.every((f) => /lora/i.test(f));
}

/** Log lines an EPP prints for known failure modes; the first match per pattern is cited. */
export const EPP_LOG_PATTERNS: readonly {id: string; re: RegExp; accept?: (line: string) => boolean; severity: 'error' | 'warning' | 'info'; what: string; see: string}[] = [
  // The real GIE v1.5.0 EPP logs with --zap-encoder json, so the quotes of the API error are escaped,
  // and a forbidden list of a named object reads `inferencepools.<group> \"<pool>\" is forbidden`
  // (client-go's reflector through controller-runtime's cache: "Failed to watch", "failed to list").
  {
    id: 'rbac',
    re: /forbidden.*cannot (?:list|watch|get) resource \\?"(?:pods|inferencepools)\\?"|(?:pods|inferencepools)[\w.-]*(?: \\?"[^"\\]*\\?")? is forbidden/,
    severity: 'error',
    what: "the EPP may not read pods/InferencePools (RBAC): it cannot see endpoints",
    see: 'IGW-501',
  },
  {
    // Objectives only carry priorities: without them the EPP still routes (IGW-501 says so too).
    id: 'rbac-objectives',
    re: /forbidden.*cannot (?:list|watch|get) resource \\?"inferenceobjectives\\?"|inferenceobjectives[\w.-]*(?: \\?"[^"\\]*\\?")? is forbidden/,
    severity: 'warning',
    what: 'the EPP may not read InferenceObjectives (RBAC): it ignores objectives (priorities)',
    see: 'IGW-501',
  },
  {
    id: 'metric-renamed',
    re: /metric family .*not found|gpu_cache_usage_perc|kv_cache_usage_perc.*(?:not found|missing)/i,
    accept: (line) => !onlyLoraMissing(line),
    severity: 'warning',
    what: "the EPP cannot find a model server metric it scrapes (renamed in the model server's version): scheduling runs blind",
    see: 'IGW-603',
  },
  {
    id: 'lora-absent',
    re: /metric family .*not found|no matching lora metric found/i,
    accept: onlyLoraMissing,
    severity: 'info',
    what: 'LoRA metrics absent (LoRA disabled on the model server): the queue and KV-cache metrics are still used — harmless',
    see: 'IGW-603',
  },
  {
    // GIE v1.5.0 pkg/epp/datalayer/collector.go logErrorTransition: "poll failed" once per endpoint
    // when its metrics scrape starts failing ("failed to fetch data from <pod>: Get http://<ip>:<port>/metrics").
    id: 'scrape',
    re: /"msg":"poll failed"|failed to fetch data from \S+: Get /,
    severity: 'warning',
    what: "the EPP cannot scrape a model server's metrics (the pool's targetPort, the metrics port/path, or a NetworkPolicy): it schedules without load figures",
    see: 'IGW-305',
  },
  {
    id: 'transport',
    re: /x509:|tls: |transport: (?:authentication handshake failed|Error while dialing)|connection refused/i,
    accept: (line) => !/"msg":"poll failed"|failed to fetch data from \S+: Get /.test(line),
    severity: 'warning',
    what: 'the EPP reports TLS/transport errors',
    see: 'IGW-405',
  },
];

export function matchEppLog(text: string): {pattern: (typeof EPP_LOG_PATTERNS)[number]; line: string; count: number}[] {
  const lines = text.split('\n');
  const out = [];
  for (const pattern of EPP_LOG_PATTERNS) {
    const hits = lines.filter((l) => pattern.re.test(l) && (pattern.accept?.(l) ?? true));
    if (hits.length) out.push({pattern, line: hits[0]!.trim().slice(0, 300), count: hits.length});
  }
  return out;
}

const series = (c: DatalayerCount): string => `${c.name}{${Object.entries(c.labels).map(([k, v]) => `${k}="${v}"`).join(',')}} ${c.value}`;

/**
 * llm-d-router ≥ 0.9 counts data-layer errors instead of logging them (DEBUG only): one scrape with a
 * non-zero counter says errors happened since the EPP started — not whether they still happen, so it is
 * info, never a verdict that depends on when or how often doctor scrapes.
 */
function datalayerDrafts(r: EppRuntime): Draft[] {
  if (r.metrics.outcome !== 'ok') return [];
  const d = r.metrics.reading.datalayerErrors;
  if (!d) return [];
  const out: Draft[] = [];
  if (d.poll.length) {
    out.push(
      info(
        `EPP ${r.namespace}/${r.pod} counted model-server scrape (poll) errors since it started: ${d.poll.map(series).join(', ')} — if the counter keeps rising, it cannot scrape the model servers' metrics (wrong metrics port/path, or a NetworkPolicy)`,
        podRef(r),
        `kubectl infgw doctor -n ${r.namespace} --only IGW-507   # again in a minute: a higher count means it is still failing`,
      ),
    );
  }
  if (d.extract.length) {
    out.push(
      info(
        `EPP ${r.namespace}/${r.pod} counted metric extraction errors since it started: ${d.extract.map(series).join(', ')} — if the counter keeps rising, a model-server metric it needs is missing or renamed (a missing LoRA family is not counted by llm-d-router ≥ 0.9)`,
        podRef(r),
        `# raise the EPP's verbosity to DEBUG (-v=4) and look for "extract failed": kubectl logs ${r.pod} -n ${r.namespace} | grep 'extract failed'`,
      ),
    );
  }
  return out;
}

export const eppLogErrors: Check = {
  code: 'IGW-507',
  phase: 5,
  scope: 'chain',
  title: 'EPP log shows no known failure (RBAC, renamed model server metric, model server scrape, TLS)',
  readme: {checks: 'EPP log tail: RBAC "forbidden", missing metric family / `vllm:gpu_cache_usage_perc`, failed model server scrapes, TLS/transport errors (the line is quoted)', failure: 'points at IGW-501 / 603 / 305 / 405'},
  symptoms: {'503': 13, 'epp-not-starting': 12},
  reads: ['Deployment', 'Pod'],
  run(ctx) {
    return perEpp(ctx, (r) => {
      const counters = datalayerDrafts(r);
      if (!r.log.ok) return [info(`log of EPP pod ${r.namespace}/${r.pod} unavailable: ${r.log.reason}`, podRef(r)), ...counters];
      const hits = matchEppLog(r.log.text);
      if (!hits.length) return [ok(`last ${r.log.text.split('\n').filter(Boolean).length} log lines of EPP pod ${r.namespace}/${r.pod} show no known failure`, podRef(r)), ...counters];
      return [
        ...hits.map((h) =>
          h.pattern.severity === 'info'
            ? info(`${h.pattern.what} (${h.count} line(s) in the last 200): ${h.line}`, podRef(r))
            : (h.pattern.severity === 'error' ? error : warning)(
                `${h.pattern.what} (${h.count} line(s) in the last 200; see ${h.pattern.see}): ${h.line}`,
                podRef(r),
                `kubectl logs ${r.pod} -n ${r.namespace} --tail=200   # then fix the cause: kubectl infgw doctor -n ${r.namespace} --only ${h.pattern.see}`,
              ),
        ),
        ...counters,
      ];
    });
  },
};
