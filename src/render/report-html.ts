/*
 * `doctor --report report.html`: one self-contained HTML file to attach to a ticket or send to a
 * team — the target, when, the tool version, the summary, the traffic map of each pool as inline
 * SVG, and the findings table with fixes and documentation links. Inline CSS only; no script, no
 * font, no image, nothing fetched (a Content-Security-Policy says so to the browser); readable
 * offline and printable. Everything that comes from the cluster is escaped. Pure string builder.
 */
import {PHASES, type Finding, type Phase, type Severity} from '../checks/types.ts';
import {docsFor} from '../checks/docs.ts';
import {SUPPRESS_ANNOTATION, type DoctorReport} from '../doctor/report.ts';
import type {HopHealth} from '../doctor/traffic-map.ts';
import {describeRef} from './doctor.ts';
import {escapeXml as esc, findingAnchor, HEALTH_COLOURS, renderMapSvg} from './map-svg.ts';
import {HEALTH_WORD} from './traffic-map.ts';

export interface ReportHtmlOptions {
  /** kubectl-infgw's version */
  version: string;
  /** when the report was written (ISO 8601) */
  generatedAt: string;
}

const SEVERITY_ORDER: Severity[] = ['error', 'warning', 'blocked', 'skipped', 'info', 'ok'];

const SEVERITY_COLOURS: Record<Severity, string> = {
  error: '#cf222e',
  warning: '#9a6700',
  blocked: '#6e7781',
  skipped: '#6e7781',
  info: '#0969da',
  ok: '#1a7f37',
};

function css(): string {
  const health = (Object.keys(HEALTH_COLOURS) as HopHealth[])
    .map((h) => `.hop-${h} .hop-box{fill:${HEALTH_COLOURS[h].fill};stroke:${HEALTH_COLOURS[h].stroke}} .legend .h-${h}{background:${HEALTH_COLOURS[h].fill};border-color:${HEALTH_COLOURS[h].stroke};color:${HEALTH_COLOURS[h].text}}`)
    .join('\n');
  const sev = (Object.keys(SEVERITY_COLOURS) as Severity[]).map((s) => `.sev-${s}{color:${SEVERITY_COLOURS[s]}} .pill.sev-${s}{border-color:${SEVERITY_COLOURS[s]}}`).join('\n');
  return `
*{box-sizing:border-box}
body{margin:0;padding:24px 32px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1f2328;background:#fff}
h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #d0d7de;padding-bottom:4px} h3{font-size:15px;margin:16px 0 6px}
.meta{color:#57606a;margin:0}
.summary{display:flex;flex-wrap:wrap;gap:8px;margin:14px 0 0}
.pill{display:inline-block;border:1.5px solid #d0d7de;border-radius:999px;padding:2px 10px;font-weight:600;background:#fff}
.verdict{font-size:16px;font-weight:700;margin:12px 0 0}
.verdict.fail{color:#cf222e} .verdict.pass{color:#1a7f37}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}
th,td{border:1px solid #d0d7de;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
table.target th{width:160px}
td.code{white-space:nowrap;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace}
td.sev{white-space:nowrap;font-weight:700}
pre{margin:4px 0 0;padding:6px 8px;background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;white-space:pre-wrap;word-break:break-word;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace}
.msg{white-space:pre-wrap;word-break:break-word}
tr.suppressed td{color:#8c959f}
figure.pool-map{margin:8px 0 20px}
figcaption{font-weight:600;margin:0 0 6px}
.legend{display:flex;flex-wrap:wrap;gap:8px;margin:0 0 10px}
.legend span{border:1.5px solid;border-radius:6px;padding:1px 8px;font-size:12px;font-weight:600}
svg.traffic-map{max-width:100%;height:auto}
.hop-not-present .hop-box{stroke-dasharray:6 4}
a{color:#0969da}
footer{margin-top:28px;color:#57606a;font-size:12px;border-top:1px solid #d0d7de;padding-top:8px}
${health}
${sev}
@media print{body{padding:0} a{color:inherit}}
`;
}

function targetRows(r: DoctorReport): string {
  const t = r.target;
  const rows: [string, string][] = [];
  rows.push(['source', t.bundle ? `support bundle ${t.bundle.file} (collected ${t.bundle.takenAt})` : t.source === 'files' ? 'manifests (offline)' : t.source === 'overlay' ? 'cluster + manifests' : 'cluster']);
  if (t.context) rows.push(['context', t.context]);
  if (t.server) rows.push(['API server', t.server]);
  rows.push(['namespace', t.namespace ?? 'all namespaces']);
  if (t.releases.length) rows.push(['releases', t.releases.map((x) => `${x.namespace}/${x.name} rev ${x.revision} (${x.chart}, ${x.status})`).join('\n')]);
  rows.push([
    'InferencePools',
    t.pools.length
      ? t.pools
          .map((p) => `${p.namespace}/${p.name}${p.release ? ` (release ${p.release})` : ''}${p.wiring ? ` [${p.wiring}]` : ''}${p.gateway ? ` via Gateway ${p.gateway.namespace}/${p.gateway.name}${p.gateway.implementation ? ` (${p.gateway.implementation})` : ''}` : ''}`)
          .join('\n')
      : 'none',
  ]);
  if (t.symptom) rows.push(['symptom', t.symptom]);
  return rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td class="msg">${esc(v)}</td></tr>`).join('\n');
}

function findingRow(f: Finding, anchors: Set<string>): string {
  const a = findingAnchor(f.code);
  const id = anchors.has(a) ? '' : ` id="${a}"`;
  anchors.add(a);
  const sev = f.suppressed ? `${f.severity}, suppressed` : f.severity;
  const fix = f.fix && (f.severity === 'error' || f.severity === 'warning' || f.severity === 'skipped') ? `<pre class="fix">${esc(f.fix)}</pre>` : '';
  const note = f.suppressed ? `<div class="note">suppressed by ${esc(SUPPRESS_ANNOTATION)} on ${esc(describeRef(f.object))}</div>` : '';
  return (
    `<tr${id} class="finding sev-row-${f.severity}${f.suppressed ? ' suppressed' : ''}" data-code="${esc(f.code)}" data-severity="${f.severity}">` +
    `<td class="code"><a href="${esc(f.docs ?? docsFor(f))}">${esc(f.code)}</a></td>` +
    `<td class="sev sev-${f.severity}">${esc(sev)}</td>` +
    `<td>${esc(PHASES[f.phase as Phase] ?? String(f.phase))}${f.chain ? `<br><small>${esc(f.chain)}</small>` : ''}</td>` +
    `<td>${esc(describeRef(f.object) || '—')}</td>` +
    `<td><strong>${esc(f.title)}</strong><div class="msg">${esc(f.message)}</div>${note}${fix}</td>` +
    `</tr>`
  );
}

function table(fs: Finding[], anchors: Set<string>, cls: string): string {
  return `<table class="findings ${cls}"><thead><tr><th>code</th><th>severity</th><th>phase · pool</th><th>object</th><th>finding and fix</th></tr></thead><tbody>\n${fs.map((f) => findingRow(f, anchors)).join('\n')}\n</tbody></table>`;
}

/** The whole report as one HTML document. */
export function renderReportHtml(report: DoctorReport, opts: ReportHtmlOptions): string {
  const s = report.summary;
  const t = report.target;
  const where = t.bundle ? `bundle ${t.bundle.file}` : t.context ? `context ${t.context}` : t.source === 'files' ? 'manifests' : t.server ?? 'cluster';
  const title = `kubectl infgw doctor — ${where}, ${t.namespace ? `namespace ${t.namespace}` : 'all namespaces'}`;
  const failing = report.findings.some((f) => f.severity === 'error' && !f.suppressed);
  const rank = (f: Finding): number => (f.suppressed ? SEVERITY_ORDER.length : SEVERITY_ORDER.indexOf(f.severity));
  const sorted = report.findings.map((f, i) => ({f, i})).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map((x) => x.f);
  const notable = sorted.filter((f) => f.suppressed || !(f.severity === 'ok' || f.severity === 'info'));
  const passed = sorted.filter((f) => !f.suppressed && (f.severity === 'ok' || f.severity === 'info'));
  const anchors = new Set<string>();

  const counts: [Severity | 'suppressed', number, string][] = [
    ['error', s.errors, s.errors === 1 ? 'error' : 'errors'],
    ['warning', s.warnings, s.warnings === 1 ? 'warning' : 'warnings'],
    ['ok', s.ok, 'ok'],
    ['blocked', s.blocked, 'blocked'],
    ['skipped', s.skipped, 'skipped'],
    ['info', s.infos, 'info'],
    ['suppressed', s.suppressed, 'suppressed'],
  ];
  const legend = (Object.keys(HEALTH_COLOURS) as HopHealth[]).map((h) => `<span class="h-${h}">${HEALTH_WORD[h]}</span>`).join('');
  const map = report.map;
  const mapSection = map
    ? `<section id="map"><h2>Traffic map</h2>
<p class="meta">The install notes' chain, per InferencePool: each hop's health from doctor's findings, and the finding that breaks it (for a hop whose checks were blocked, the root cause that blocked them). "unknown": no check covers the hop, or its checks were skipped or blocked.</p>
<div class="legend">${legend}</div>
${map.pools.length ? map.pools.map((p) => `<figure class="pool-map" data-pool="${esc(p.pool)}"><figcaption>pool ${esc(p.pool)}</figcaption>\n${renderMapSvg(p)}\n</figure>`).join('\n') : '<p>No InferencePool in scope: nothing to draw.</p>'}
</section>`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="kubectl-infgw ${esc(opts.version)}">
<title>${esc(title)}</title>
<style>${css()}</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
<p class="meta">written <time datetime="${esc(opts.generatedAt)}">${esc(opts.generatedAt)}</time>${t.bundle ? ` · cluster state as collected <time datetime="${esc(t.bundle.takenAt)}">${esc(t.bundle.takenAt)}</time>` : ''} · kubectl-infgw ${esc(opts.version)} · ${s.apiRequests} API requests · ${s.durationMs} ms</p>
<p class="verdict ${failing ? 'fail' : 'pass'}" id="verdict">${failing ? 'Problems found' : 'Healthy'}</p>
<div class="summary" id="summary">${counts.map(([k, n, label]) => `<span class="pill sev-${k}" data-count="${k}">${n} ${esc(label)}</span>`).join('')}</div>
</header>
<section id="target"><h2>Target</h2><table class="target">${targetRows(report)}</table></section>
${mapSection}
${report.conclusion ? `<section id="conclusion"><h2>Conclusion</h2><div class="msg">${esc(report.conclusion)}</div></section>` : ''}
<section id="findings"><h2>Findings</h2>
${notable.length ? table(notable, anchors, 'problems') : '<p>No problem found.</p>'}
${passed.length ? `<details id="passed"><summary>${passed.length} passed checks (ok and info)</summary>\n${table(passed, anchors, 'passed')}\n</details>` : ''}
</section>
<footer>kubectl-infgw ${esc(opts.version)} · kubectl infgw doctor --report · documentation: each code links to its entry in the check catalogue</footer>
</body>
</html>
`;
}
