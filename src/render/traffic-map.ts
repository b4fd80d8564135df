/*
 * `doctor --map` in the terminal: per pool, the hops from the client to the vLLM pods as boxes
 * joined by arrows, each with its health and the finding that breaks it (or, for a hop whose
 * checks were blocked, the root cause that blocked them). Box drawing with Unicode when the
 * terminal is UTF-8, ASCII otherwise; colour through chalk (on only on a TTY without NO_COLOR,
 * src/cli/color.ts). Pure string builder.
 */
import chalk from 'chalk';
import type {HopHealth, MapHop, TrafficMap} from '../doctor/traffic-map.ts';

export interface MapTextOptions {
  unicode: boolean;
}

const SYMBOL: Record<HopHealth, {u: string; a: string}> = {
  ok: {u: '✔', a: '[ok]'},
  warning: {u: '⚠', a: '[warn]'},
  error: {u: '✖', a: '[FAIL]'},
  unknown: {u: '?', a: '[?]'},
  'not-present': {u: '·', a: '[-]'},
};

export const HEALTH_WORD: Record<HopHealth, string> = {ok: 'ok', warning: 'warning', error: 'error', unknown: 'unknown', 'not-present': 'not present'};

function paint(h: HopHealth, text: string): string {
  switch (h) {
    case 'ok':
      return chalk.green(text);
    case 'warning':
      return chalk.yellow(text);
    case 'error':
      return chalk.red(text);
    default:
      return chalk.dim(text);
  }
}

const INNER = 26;

interface Box {
  top: string;
  side: string;
  bottom: string;
  /** the last box: nothing below it (the pods answer the request) */
  last: string;
  arrow: string;
}

function box(unicode: boolean): Box {
  const mid = Math.floor(INNER / 2);
  if (unicode) {
    return {
      top: `┌${'─'.repeat(mid)}▼${'─'.repeat(INNER - mid - 1)}┐`,
      side: '│',
      bottom: `└${'─'.repeat(mid)}┬${'─'.repeat(INNER - mid - 1)}┘`,
      last: `└${'─'.repeat(INNER)}┘`,
      arrow: '│',
    };
  }
  return {top: `+${'-'.repeat(mid)}v${'-'.repeat(INNER - mid - 1)}+`, side: '|', bottom: `+${'-'.repeat(mid)}+${'-'.repeat(INNER - mid - 1)}+`, last: `+${'-'.repeat(INNER)}+`, arrow: '|'};
}

function statusLine(h: MapHop, unicode: boolean): string {
  const sym = unicode ? SYMBOL[h.health].u : SYMBOL[h.health].a;
  let s = paint(h.health, `${sym} ${HEALTH_WORD[h.health]}`);
  if (h.finding) s += `  ${chalk.bold(h.finding.code)} ${h.finding.title}${h.moreProblems ? chalk.dim(` (+${h.moreProblems} more)`) : ''}`;
  else if (h.blockedBy) s += chalk.dim(`  blocked by ${h.blockedBy.code}`) + (h.blockedBy.title ? ` ${h.blockedBy.title}` : '');
  return s;
}

function causeLine(h: MapHop): string | undefined {
  const f = h.finding ?? h.blockedBy;
  if (!f) return undefined;
  return f.message;
}

function objectsLine(h: MapHop): string {
  if (!h.present && h.objects.length === 0) return '';
  const objs = h.objects.length > 2 ? `${h.objects.slice(0, 2).join(', ')}, …` : h.objects.join(', ');
  return chalk.dim([objs, h.detail].filter(Boolean).join(' · '));
}

/** The map as text: one block per pool. */
export function renderMapText(map: TrafficMap, opts: MapTextOptions): string {
  const u = opts.unicode;
  const b = box(u);
  const pad = ' '.repeat(Math.floor(INNER / 2) + 1);
  const lines: string[] = [];
  if (map.pools.length === 0) {
    lines.push('', chalk.bold('Traffic map'), '  no InferencePool in scope: nothing to draw');
    return `${lines.join('\n')}\n`;
  }
  for (const p of map.pools) {
    lines.push('', chalk.bold(`Traffic map ${u ? '—' : '-'} pool ${p.pool}`));
    lines.push(`  ${' '.repeat(Math.floor(INNER / 2) - 2)}client`);
    lines.push(`  ${pad}${b.arrow}`);
    p.hops.forEach((h, i) => {
      const label = h.label.length > INNER - 2 ? `${h.label.slice(0, INNER - 3)}…` : h.label;
      const cause = causeLine(h);
      const obj = objectsLine(h);
      lines.push(`  ${b.top}${obj ? `  ${obj}` : ''}`);
      lines.push(`  ${b.side} ${label.padEnd(INNER - 2)} ${b.side}  ${statusLine(h, u)}`);
      lines.push(`  ${i === p.hops.length - 1 ? b.last : b.bottom}${cause ? `    ${cause}` : ''}`);
    });
  }
  const text = `${lines.join('\n')}\n`;
  // a terminal that is not UTF-8 gets ASCII throughout, the objects' and findings' words included
  return u ? text : text.replace(/…/g, '...').replace(/→/g, '->').replace(/·/g, '-').replace(/—/g, '-').replace(/[^\x00-\x7f]/g, '?');
}
