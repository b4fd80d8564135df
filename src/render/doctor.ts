/*
 * Doctor output: text (grouped by phase, root causes first, fix under each problem), JSON (the
 * stable contract, README "doctor JSON"), short (problems only, one line each) and JUnit XML.
 * Pure string builders: the command decides where they go.
 */
import chalk from 'chalk';
import {PHASES, type Finding, type Phase, type Severity} from '../checks/types.ts';
import {SUPPRESS_ANNOTATION, type DoctorReport} from '../doctor/report.ts';
import type {ObjectRef} from '../k8s/objects.ts';
import {docsFor} from '../checks/docs.ts';
import {mapJson} from '../doctor/traffic-map.ts';

const UNICODE: Record<Severity, string> = {ok: '✔', warning: '⚠', error: '✖', skipped: '○', blocked: '⏸', info: 'ℹ'};
const ASCII: Record<Severity, string> = {ok: '[ok]', warning: '[warn]', error: '[FAIL]', skipped: '[skip]', blocked: '[blocked]', info: '[info]'};

/** UTF-8 terminal? (the locale says so; the Linux console and unset locales get ASCII) */
export function unicodeSupported(env: NodeJS.ProcessEnv = process.env, platform: string = process.platform): boolean {
  if (env.TERM === 'linux') return false;
  if (platform === 'win32') return Boolean(env.WT_SESSION || env.TERM_PROGRAM);
  const loc = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(loc);
}

export function symbol(s: Severity, unicode: boolean): string {
  return unicode ? UNICODE[s] : ASCII[s];
}

function paint(s: Severity, text: string): string {
  switch (s) {
    case 'ok':
      return chalk.green(text);
    case 'warning':
      return chalk.yellow(text);
    case 'error':
      return chalk.red(text);
    case 'info':
      return chalk.cyan(text);
    default:
      return chalk.dim(text);
  }
}

export function describeRef(o: ObjectRef | undefined): string {
  if (!o) return '';
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

function ms(n: number): string {
  if (n < 1) return `${n.toFixed(2)}ms`;
  if (n < 1000) return `${Math.round(n)}ms`;
  return `${(n / 1000).toFixed(1)}s`;
}

const PROBLEM: ReadonlySet<Severity> = new Set(['error', 'warning']);

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

export interface TextOptions {
  unicode: boolean;
  /** show ok/info lines too (default); false = problems, skipped and blocked only */
  verbose?: boolean;
}

/** Root causes: errors that are not consequences of others (blocked findings are never here). */
export function rootCauses(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.severity === 'error' && !f.suppressed);
}

export function renderText(report: DoctorReport, opts: TextOptions): string {
  const u = opts.unicode;
  const verbose = opts.verbose ?? true;
  const lines: string[] = [];
  const t = report.target;
  const where =
    t.source === 'files'
      ? 'manifests (offline)'
      : `${t.context ? `context ${t.context}` : t.server ?? 'cluster'}${t.source === 'overlay' ? ' + manifests' : ''}${t.bundle ? ` (bundle ${t.bundle.file}, collected ${t.bundle.takenAt})` : ''}`;
  lines.push(chalk.bold(`kubectl infgw doctor — ${where}, ${t.namespace ? `namespace ${t.namespace}` : 'all namespaces'}`));
  if (t.pools.length) {
    lines.push(
      chalk.dim(
        `pools: ${t.pools.map((p) => `${p.namespace}/${p.name}${p.release ? ` (release ${p.release})` : ''}${p.wiring ? ` [${p.wiring}]` : ''}${p.gateway ? ` via Gateway ${p.gateway.namespace}/${p.gateway.name}${p.gateway.implementation ? ` (${p.gateway.implementation === 'unknown' ? `unknown implementation ${p.gateway.controllerName ?? ''}` : p.gateway.implementation})` : ''}` : ''}`).join(', ')}`,
      ),
    );
  }
  const roots = rootCauses(report.findings);
  if (roots.length) {
    lines.push('', chalk.bold.red(`Root cause${roots.length > 1 ? 's' : ''}`));
    for (const f of roots) lines.push(`  ${paint('error', symbol('error', u))} ${chalk.bold(f.code)} ${describeRef(f.object)}: ${f.message}`);
  }

  const phases = [...new Set(report.findings.map((f) => f.phase))].sort((a, b) => a - b);
  for (const phase of phases) {
    const inPhase = report.findings.filter((f) => f.phase === phase);
    const groups = new Map<string, Finding[]>();
    for (const f of inPhase) groups.set(f.chain ?? '', [...(groups.get(f.chain ?? '') ?? []), f]);
    // cluster-wide findings of the phase first, then one group per pool
    for (const [chain, fs] of [...groups].sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)))) {
      const shown = verbose ? fs : fs.filter((f) => f.severity !== 'ok' && f.severity !== 'info');
      if (shown.length === 0) continue;
      lines.push('', chalk.bold(`${PHASES[phase as Phase]}${chain ? ` · ${chain}` : ''}`));
      for (const f of shown) {
        const dur = chalk.dim(` (${ms(f.durationMs)})`);
        if (f.suppressed) {
          lines.push(chalk.dim(`  ${symbol('skipped', u)} ${f.code} ${f.title}: ${f.severity}, suppressed by ${SUPPRESS_ANNOTATION} on ${describeRef(f.object)}`));
          continue;
        }
        lines.push(`  ${paint(f.severity, symbol(f.severity, u))} ${chalk.dim(f.code)} ${f.title}${dur}`);
        lines.push(indent(f.message, '      '));
        if (f.fix && (PROBLEM.has(f.severity) || f.severity === 'skipped')) lines.push(chalk.dim('      fix:'), indent(f.fix, '        '));
        if (PROBLEM.has(f.severity)) lines.push(chalk.dim(`      docs: ${f.docs ?? docsFor(f)}`));
      }
    }
  }
  if (report.conclusion) lines.push('', chalk.bold('Conclusion'), indent(report.conclusion, '  '));
  const s = report.summary;
  const parts = [
    s.errors ? chalk.red(`${s.errors} error${s.errors === 1 ? '' : 's'}`) : '0 errors',
    s.warnings ? chalk.yellow(`${s.warnings} warning${s.warnings === 1 ? '' : 's'}`) : '0 warnings',
    `${s.ok} ok`,
    s.blocked ? `${s.blocked} blocked` : '',
    s.skipped ? `${s.skipped} skipped` : '',
    s.infos ? `${s.infos} info` : '',
    s.suppressed ? chalk.dim(`${s.suppressed} suppressed`) : '',
  ].filter(Boolean);
  const requests = t.source === 'files' ? 'no API requests' : t.bundle ? `no API requests (${s.apiRequests} when collected)` : `${s.apiRequests} API requests`;
  lines.push('', `${parts.join(', ')} · ${requests} · ${ms(s.durationMs)}`);
  return `${lines.join('\n')}\n`;
}

/** Problems only, one line each: `IGW-303 error InferencePool ns/name: message`. */
export function renderShort(report: DoctorReport): string {
  const out: string[] = [];
  for (const f of report.findings) {
    if ((f.severity !== 'error' && f.severity !== 'warning') || f.suppressed) continue;
    out.push(`${f.code} ${f.severity} ${describeRef(f.object) || '-'}: ${f.message.replace(/\s*\n\s*/g, ' ')}`);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/** The `-o json` document (printJson adds schemaVersion); `map` only when asked for (--map). */
export function jsonDocument(report: DoctorReport, opts: {map?: boolean | undefined} = {}): Record<string, unknown> {
  return {
    summary: report.summary,
    target: report.target,
    findings: report.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      title: f.title,
      phase: f.phase,
      ...(f.chain ? {pool: f.chain} : {}),
      object: f.object ?? null,
      message: f.message,
      fix: f.fix ?? null,
      blockedBy: f.blockedBy ?? [],
      durationMs: f.durationMs,
      docs: f.docs ?? docsFor(f),
      suppressed: f.suppressed === true,
    })),
    ...(report.conclusion ? {conclusion: report.conclusion} : {}),
    ...(opts.map && report.map ? {map: mapJson(report.map)} : {}),
  };
}

function xml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;'})[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/** JUnit XML: one suite per phase, one test case per finding; errors fail, skipped/blocked skip. */
export function renderJunit(report: DoctorReport): string {
  const phases = [...new Set(report.findings.map((f) => f.phase))].sort((a, b) => a - b);
  const suites = phases.map((phase) => {
    const fs = report.findings.filter((f) => f.phase === phase);
    const failures = fs.filter((f) => f.severity === 'error' && !f.suppressed).length;
    const skippedN = fs.filter((f) => f.severity === 'skipped' || f.severity === 'blocked' || f.suppressed).length;
    const time = fs.reduce((n, f) => n + f.durationMs, 0) / 1000;
    const cases = fs.map((f) => {
      const name = `${f.code} ${f.title}${f.object ? ` [${describeRef(f.object)}]` : ''}`;
      const head = `    <testcase classname="infgw.doctor.${xml(PHASES[phase as Phase])}" name="${xml(name)}" time="${(f.durationMs / 1000).toFixed(6)}">`;
      const body =
        f.suppressed
          ? `      <skipped message="${xml(`suppressed by ${SUPPRESS_ANNOTATION}: ${f.message}`)}"/>`
          : f.severity === 'error'
          ? `      <failure message="${xml(f.message)}" type="${f.code}">${xml(`${f.message}${f.fix ? `\nfix:\n${f.fix}` : ''}`)}</failure>`
          : f.severity === 'skipped' || f.severity === 'blocked'
            ? `      <skipped message="${xml(f.message)}"/>`
            : `      <system-out>${xml(`${f.severity}: ${f.message}${f.fix ? `\nfix:\n${f.fix}` : ''}`)}</system-out>`;
      return `${head}\n${body}\n    </testcase>`;
    });
    return `  <testsuite name="${xml(PHASES[phase as Phase])}" tests="${fs.length}" failures="${failures}" errors="0" skipped="${skippedN}" time="${time.toFixed(6)}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const total = report.findings.length;
  const s = report.summary;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="kubectl infgw doctor" tests="${total}" failures="${s.errors}" errors="0" skipped="${s.skipped + s.blocked + s.suppressed}" time="${(s.durationMs / 1000).toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
