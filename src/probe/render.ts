/** Text output of probe-cache: a table per pod, a short summary, the verdict. */
import chalk from 'chalk';
import type {Analysis, PhaseFigures} from './analyze.ts';
import type {ProbeReport} from './run.ts';
import {sparkline} from './stats.ts';

const dash = '—';
const num = (v: number | null | undefined): string => (v === null || v === undefined ? dash : String(Math.round(v * 100) / 100));
const ratio = (v: number | null | undefined): string => (v === null || v === undefined ? dash : v.toFixed(2));
const ms = (v: number | null | undefined): string => (v === null || v === undefined ? dash : `${Math.round(v)} ms`);

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === 0 || i === r.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

function pair(a: string, b: string): string {
  return `${a} / ${b}`;
}

function requests(f: PhaseFigures): string {
  return num(f.requests);
}

export function verdictLabel(v: Analysis['verdict']['result']): string {
  if (v === 'working') return chalk.green.bold('WORKING');
  if (v === 'not-working') return chalk.red.bold('NOT WORKING');
  return chalk.yellow.bold('CANNOT TELL');
}

export function renderProbe(r: ProbeReport): string {
  const a = r.analysis;
  const out: string[] = [];
  const via = r.target.via === 'flag' ? '--url' : r.target.via === 'gateway-address' ? `Gateway ${r.target.gateway?.namespace}/${r.target.gateway?.name}` : `port-forward to ${r.target.envoyProxy?.namespace}/${r.target.envoyProxy?.pod}`;
  out.push(
    `Sent ${a.identical.sent} identical + ${a.unique?.sent ?? 0} unique prompts (~${r.plan.approxPromptTokens} tokens, concurrency ${r.plan.concurrency}) to ${r.target.url}${r.target.path} (${via}), model ${r.target.model}`,
  );
  if (r.offline || r.pool === null) return [...out, ...renderOffline(r)].join('\n');
  const eppLine =
    r.epp === null
      ? 'no EPP (the pool names no endpointPickerRef)'
      : 'error' in r.epp
        ? `EPP not found: ${r.epp.error}`
        : `EPP ${r.epp.namespace}/${r.epp.pod}${a.epp?.generation ? ` (${a.epp.generation} metrics${a.epp.readyPods !== null ? `, ${a.epp.readyPods} ready` : ''})` : ''}${a.epp?.unreadable ? ` — metrics unreadable: ${a.epp.unreadable}` : ''}`;
  out.push(`InferencePool ${r.pool.namespace}/${r.pool.name} · ${eppLine}`);
  out.push('');

  const hasEpp = a.pods.some((p) => p.identical.eppPicks !== null || p.unique.eppPicks !== null);
  const header = ['POD', 'IDENTICAL', 'UNIQUE', 'HIT RATIO (ident / unique)', ...(hasEpp ? ['EPP PICKS'] : []), 'KV CACHE', 'NOTE'];
  const rows = [header];
  for (const p of a.pods) {
    const notes: string[] = [];
    if (p.error) notes.push(chalk.yellow(`unreadable: ${p.error.slice(0, 80)}`));
    if (p.identical.reset || p.unique.reset) notes.push('counter reset (restarted?)');
    if (p.deprecated.length) notes.push(`deprecated: ${p.deprecated.join(', ')}`);
    rows.push([
      p.id,
      requests(p.identical),
      requests(p.unique),
      pair(ratio(p.identical.hitRatio), ratio(p.unique.hitRatio)),
      ...(hasEpp ? [pair(num(p.identical.eppPicks), num(p.unique.eppPicks))] : []),
      p.kvCacheUsage === null ? dash : p.kvCacheUsage.toFixed(2),
      notes.join('; '),
    ]);
  }
  if (a.pods.length === 0) out.push('(no ready model-server endpoints)');
  else out.push(...table(rows));
  out.push('');

  return [...out, ...summaryAndVerdict(r)].join('\n');
}

/** Without the cluster: every request's timing instead of the per-pod table. */
function renderOffline(r: ProbeReport): string[] {
  const out: string[] = [];
  out.push(`${chalk.yellow('No cluster metrics:')} ${r.offline?.reason ?? 'the cluster was not used'}`);
  out.push('');
  const results = [...r.phases.identical.results, ...(r.phases.unique?.results ?? [])];
  const rows = [['REQUEST', 'STATUS', 'TTFT', 'TOTAL', 'NOTE']];
  for (const x of results) {
    rows.push([`${x.phase} #${x.index + 1}`, x.status === null ? dash : String(x.status), ms(x.ttftMs), ms(x.totalMs), x.ok ? (x.cachedTokens !== undefined ? `cached tokens ${x.cachedTokens}` : '') : chalk.red((x.error ?? x.errorKind ?? '').slice(0, 80))]);
  }
  if (results.length === 0) out.push('(no request was sent)');
  else out.push(...table(rows));
  out.push('');
  return [...out, ...summaryAndVerdict(r)];
}

function summaryAndVerdict(r: ProbeReport): string[] {
  const a = r.analysis;
  const out: string[] = [];
  const lines: [string, string][] = [];
  if (a.affinity) {
    lines.push(['Affinity', `${a.affinity.topCount} of ${a.affinity.total} identical prompts on ${a.affinity.topPod} (${Math.round(a.affinity.share * 100)}%)`]);
  } else lines.push(['Affinity', `unknown${a.identical.attribution.problem ? ` (${a.identical.attribution.problem})` : ''}`]);
  if (a.control) {
    lines.push(['Control', `unique prompts on ${a.control.podsUsed} pod${a.control.podsUsed === 1 ? '' : 's'} (most on ${a.control.topPod}: ${a.control.topCount} of ${a.control.total})`]);
  }
  lines.push([
    'Hit ratio',
    r.offline
      ? `unknown (${a.identical.hitRatioUnknown ?? 'no cluster metrics'})`
      : `identical ${ratio(a.identical.hitRatio)} · unique ${ratio(a.unique?.hitRatio)}${a.identical.hitRatioUnknown ? ` (${a.identical.hitRatioUnknown})` : ' (Δhits/Δqueries, vLLM prefix-cache counters)'}`,
  ]);
  if (a.identical.eppPrefixIndexerHitRatio !== null || (a.unique?.eppPrefixIndexerHitRatio ?? null) !== null) {
    lines.push(['EPP index', `prefix indexer hit ratio identical ${ratio(a.identical.eppPrefixIndexerHitRatio)} · unique ${ratio(a.unique?.eppPrefixIndexerHitRatio)}`]);
  }
  const spark = sparkline(a.ttft.series.map((v) => v ?? undefined));
  lines.push([
    'TTFT',
    `first ${ms(a.ttft.firstMs)} · rest median ${ms(a.ttft.restMedianMs)}, p90 ${ms(a.ttft.restP90Ms)}${spark ? `  ${spark}` : ''}${a.unique?.ttft.medianMs !== undefined && a.unique.ttft.medianMs !== null ? ` · unique median ${ms(a.unique.ttft.medianMs)}` : ''}`,
  ]);
  const errs = Object.entries(a.errors.byKind).map(([k, v]) => `${k} ×${v.count}${v.example ? ` (${v.example.slice(0, 60)})` : ''}`);
  lines.push(['Errors', errs.length ? chalk.red(errs.join(', ')) : 'none']);
  if (r.stopped) lines.push(['Stopped', chalk.yellow(r.stopped.message)]);
  const w = Math.max(...lines.map(([k]) => k.length));
  for (const [k, v] of lines) out.push(`${chalk.bold(k.padEnd(w))}  ${v}`);
  out.push('');

  const v = a.verdict;
  out.push(`${chalk.bold('Verdict:')} ${verdictLabel(v.result)} — ${v.reason}`);
  for (const c of v.caveats) out.push(chalk.dim(`  note: ${c}`));
  if (v.nextSteps.length) {
    out.push(chalk.bold('Next steps:'));
    for (const s of v.nextSteps) out.push(`  - ${s}`);
  }
  return out;
}
