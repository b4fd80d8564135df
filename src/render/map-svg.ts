/*
 * The traffic map of one pool as an SVG image (for the HTML report, src/render/report-html.ts):
 * a column of boxes from the client down to the vLLM pods, joined by arrows; each box carries its
 * health as a class (`hop hop-error`, data-health) and colour, the objects behind it, and the
 * finding that breaks it (code linked to its row in the report's findings table) or the root
 * cause that blocked its checks. Styling by classes the report's inline CSS defines, with fill and
 * stroke attributes too, so the SVG reads the same on its own. Everything from the cluster is
 * escaped. Pure string builder.
 */
import type {HopHealth, MapHop, PoolMap} from '../doctor/traffic-map.ts';
import {HEALTH_WORD} from './traffic-map.ts';

export function escapeXml(s: string): string {
  // characters XML 1.0 forbids are dropped; the five specials escaped
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]!);
}

/** fill, stroke and text colour per health (GitHub Primer-like, readable in print) */
export const HEALTH_COLOURS: Record<HopHealth, {fill: string; stroke: string; text: string}> = {
  ok: {fill: '#dafbe1', stroke: '#1a7f37', text: '#1a7f37'},
  warning: {fill: '#fff8c5', stroke: '#9a6700', text: '#7d4e00'},
  error: {fill: '#ffebe9', stroke: '#cf222e', text: '#a40e26'},
  unknown: {fill: '#f6f8fa', stroke: '#6e7781', text: '#57606a'},
  'not-present': {fill: '#ffffff', stroke: '#afb8c1', text: '#8c959f'},
};

export const SVG_WIDTH = 960;
const BOX_H = 66;
const GAP = 22;
const TOP = 52;

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** An in-page anchor for a finding code: the report's first row of that code (`#igw-405`). */
export function findingAnchor(code: string): string {
  return code.toLowerCase();
}

function hopSvg(h: MapHop, y: number): string {
  const c = HEALTH_COLOURS[h.health];
  const x = 20;
  const w = SVG_WIDTH - 40;
  const dash = h.health === 'not-present' ? ' stroke-dasharray="6 4"' : '';
  const objs = [h.objects.length > 3 ? `${h.objects.slice(0, 3).join(', ')}, …` : h.objects.join(', '), h.detail ?? ''].filter(Boolean).join(' · ');
  const cause = h.finding ?? h.blockedBy;
  const parts = [
    `<g class="hop hop-${h.health}" data-hop="${h.id}" data-health="${h.health}"${cause ? ` data-code="${escapeXml(cause.code)}"` : ''}>`,
    `<rect class="hop-box" x="${x}" y="${y}" width="${w}" height="${BOX_H}" rx="8" fill="${c.fill}" stroke="${c.stroke}" stroke-width="1.5"${dash}/>`,
    `<rect class="hop-strip" x="${x}" y="${y}" width="8" height="${BOX_H}" rx="3" fill="${c.stroke}"/>`,
    `<text class="hop-label" x="${x + 22}" y="${y + 22}" font-size="15" font-weight="600" fill="#1f2328">${escapeXml(h.label)}</text>`,
    `<text class="hop-health" x="${x + w - 14}" y="${y + 22}" font-size="13" font-weight="600" text-anchor="end" fill="${c.text}">${escapeXml(HEALTH_WORD[h.health])}</text>`,
  ];
  if (objs) parts.push(`<text class="hop-objects" x="${x + 22}" y="${y + 40}" font-size="12" fill="#57606a">${escapeXml(clip(objs, 130))}</text>`);
  if (cause) {
    const lead = h.finding ? '' : 'blocked by ';
    const more = h.finding && h.moreProblems ? ` (+${h.moreProblems} more)` : '';
    parts.push(
      `<a class="hop-cause" href="#${findingAnchor(cause.code)}"><text x="${x + 22}" y="${y + 57}" font-size="12" fill="${h.finding ? c.text : '#57606a'}">` +
        `${escapeXml(lead)}<tspan class="code" font-weight="700">${escapeXml(cause.code)}</tspan> ${escapeXml(clip(cause.message, 118))}${escapeXml(more)}</text></a>`,
    );
  } else if (h.health === 'not-present') {
    parts.push(`<text x="${x + 22}" y="${y + 57}" font-size="12" fill="#8c959f">not in this install</text>`);
  }
  parts.push('</g>');
  return parts.join('');
}

function arrow(y1: number, y2: number): string {
  const x = 60;
  return `<g class="arrow"><line x1="${x}" y1="${y1}" x2="${x}" y2="${y2 - 7}" stroke="#57606a" stroke-width="2"/><path d="M${x - 6} ${y2 - 8} L${x + 6} ${y2 - 8} L${x} ${y2} Z" fill="#57606a"/></g>`;
}

/** The SVG for one pool's map. */
export function renderMapSvg(p: PoolMap): string {
  const height = TOP + p.hops.length * (BOX_H + GAP);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="traffic-map" role="img" aria-label="${escapeXml(`traffic map of pool ${p.pool}`)}" width="${SVG_WIDTH}" height="${height}" viewBox="0 0 ${SVG_WIDTH} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif">`,
    `<title>${escapeXml(`Traffic map, pool ${p.pool}`)}</title>`,
    `<g class="hop hop-client" data-hop="client"><rect x="20" y="4" width="80" height="26" rx="13" fill="#eaeef2" stroke="#57606a"/><text x="60" y="22" font-size="13" text-anchor="middle" fill="#1f2328">client</text></g>`,
    arrow(30, TOP),
  ];
  p.hops.forEach((h, i) => {
    const y = TOP + i * (BOX_H + GAP);
    parts.push(hopSvg(h, y));
    if (i < p.hops.length - 1) parts.push(arrow(y + BOX_H, y + BOX_H + GAP));
  });
  parts.push('</svg>');
  return parts.join('\n');
}
