/* Phase 5 — known error lines in the EPP's log tail (read by src/snapshot/runtime.ts for live runs). */
import {perEpp, podRef} from '../helpers.ts';
import {error, info, ok, warning, type Check} from '../types.ts';

/** Log lines an EPP prints for known failure modes; the first match per pattern is cited. */
export const EPP_LOG_PATTERNS: readonly {id: string; re: RegExp; severity: 'error' | 'warning'; what: string; see: string}[] = [
  {
    id: 'rbac',
    re: /forbidden.*cannot (?:list|watch|get) resource "(?:pods|inferencepools|inferenceobjectives)"|(?:pods|inferencepools|inferenceobjectives)[\w.-]* is forbidden/,
    severity: 'error',
    what: "the EPP may not read pods/InferencePools (RBAC): it cannot see endpoints",
    see: 'IGW-501',
  },
  {
    id: 'metric-renamed',
    re: /metric family .*not found|gpu_cache_usage_perc|kv_cache_usage_perc.*(?:not found|missing)/i,
    severity: 'warning',
    what: "the EPP cannot find a model server metric it scrapes (renamed in the model server's version): scheduling runs blind",
    see: 'IGW-603',
  },
  {
    id: 'transport',
    re: /x509:|tls: |transport: (?:authentication handshake failed|Error while dialing)|connection refused/i,
    severity: 'warning',
    what: 'the EPP reports TLS/transport errors',
    see: 'IGW-405',
  },
];

export function matchEppLog(text: string): {pattern: (typeof EPP_LOG_PATTERNS)[number]; line: string; count: number}[] {
  const lines = text.split('\n');
  const out = [];
  for (const pattern of EPP_LOG_PATTERNS) {
    const hits = lines.filter((l) => pattern.re.test(l));
    if (hits.length) out.push({pattern, line: hits[0]!.trim().slice(0, 300), count: hits.length});
  }
  return out;
}

export const eppLogErrors: Check = {
  code: 'IGW-507',
  phase: 5,
  scope: 'chain',
  title: 'EPP log shows no known failure (RBAC, renamed model server metric, TLS)',
  readme: {checks: 'EPP log tail: RBAC "forbidden", missing metric family / `vllm:gpu_cache_usage_perc`, TLS/transport errors (the line is quoted)', failure: 'points at IGW-501 / 603 / 405'},
  symptoms: {'503': 13, 'epp-not-starting': 12},
  reads: [],
  run(ctx) {
    return perEpp(ctx, (r) => {
      if (!r.log.ok) return [info(`log of EPP pod ${r.namespace}/${r.pod} unavailable: ${r.log.reason}`, podRef(r))];
      const hits = matchEppLog(r.log.text);
      if (!hits.length) return [ok(`last ${r.log.text.split('\n').filter(Boolean).length} log lines of EPP pod ${r.namespace}/${r.pod} show no known failure`, podRef(r))];
      return hits.map((h) =>
        (h.pattern.severity === 'error' ? error : warning)(
          `${h.pattern.what} (${h.count} line(s) in the last 200; see ${h.pattern.see}): ${h.line}`,
          podRef(r),
          `kubectl logs ${r.pod} -n ${r.namespace} --tail=200   # then fix the cause: kubectl infgw doctor -n ${r.namespace} --only ${h.pattern.see}`,
        ),
      );
    });
  },
};
