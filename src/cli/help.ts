/*
 * Help, rendered from oclif.manifest.json without loading oclif or any command module: `--help`
 * is what people run most, and Node starts in ~50 ms while loading @oclif/core costs more than
 * that again (scripts/bench-startup.ts). The layout follows kubectl's own help (cobra):
 * description, usage, examples, then flags by group, `-n, --namespace string` style.
 *
 * This module must stay small and import nothing but node built-ins: src/main.ts loads it first.
 */

export interface ManifestFlag {
  name: string;
  char?: string;
  description?: string;
  summary?: string;
  helpGroup?: string;
  hidden?: boolean;
  type: 'boolean' | 'option';
  default?: unknown;
  options?: string[];
  multiple?: boolean;
  allowNo?: boolean;
  helpValue?: string;
}

export interface ManifestCommand {
  id: string;
  summary?: string;
  description?: string;
  examples?: (string | {command: string; description: string})[];
  flags: Record<string, ManifestFlag>;
  args?: Record<string, {name: string; description?: string; required?: boolean}>;
  hidden?: boolean;
  aliases?: string[];
  usage?: string | string[];
}

export interface Manifest {
  version: string;
  commands: Record<string, ManifestCommand>;
}

export interface HelpContext {
  manifest: Manifest;
  /** "kubectl infgw" */
  bin: string;
  version: string;
  description: string;
  /** terminal width; 80 when not a terminal */
  width: number;
}

export type HelpRequest = {kind: 'root'} | {kind: 'command'; id: string} | {kind: 'topic'; prefix: string} | {kind: 'version'};

/** The command id (manifest key, words joined by ':') that the leading words of argv name. */
export function findCommand(manifest: Manifest, words: string[]): {id: string; used: number} | undefined {
  for (let n = words.length; n > 0; n--) {
    const id = words.slice(0, n).join(':');
    if (manifest.commands[id]) return {id, used: n};
    const alias = Object.values(manifest.commands).find((c) => c.aliases?.includes(id));
    if (alias) return {id: alias.id, used: n};
  }
  return undefined;
}

export function isTopic(manifest: Manifest, prefix: string): boolean {
  return Object.keys(manifest.commands).some((id) => id.startsWith(`${prefix}:`));
}

/**
 * Is this command line a request for help (or the version) that we can answer from the manifest?
 * Undefined means "let oclif run it" (a command, or an error oclif reports).
 */
export function helpRequest(argv: string[], manifest: Manifest): HelpRequest | undefined {
  const dd = argv.indexOf('--');
  const args = dd >= 0 ? argv.slice(0, dd) : argv;
  if (args.length === 0) return dd >= 0 ? undefined : {kind: 'root'};
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) return {kind: 'version'};
  const words: string[] = [];
  let i = 0;
  if (args[0] === 'help') i = 1;
  for (; i < args.length && !args[i]!.startsWith('-'); i++) words.push(args[i]!);
  const cmd = findCommand(manifest, words);
  // a group of commands named alone (`kubectl infgw rollout`) shows its commands, as kubectl does
  if (!cmd && words.length > 0 && args[0] !== 'help' && isTopic(manifest, words.join(':'))) return {kind: 'topic', prefix: words.join(':')};
  const wantsHelp =
    args[0] === 'help' ||
    args.includes('--help') ||
    // -h is help unless the command gives -h a meaning of its own
    (args.includes('-h') && !Object.values(cmd ? manifest.commands[cmd.id]!.flags : {}).some((f) => f.char === 'h'));
  if (!wantsHelp) return undefined;
  if (cmd) return {kind: 'command', id: cmd.id};
  if (words.length === 0) return {kind: 'root'};
  const prefix = words.join(':');
  if (isTopic(manifest, prefix)) return {kind: 'topic', prefix};
  return undefined; // an unknown command: oclif's error
}

/**
 * Break text into lines of at most `width` characters, keeping existing line breaks; an indented
 * line is preformatted (a table or a list in a description) and kept as it is.
 */
export function wrap(text: string, width: number, indent = ''): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    if (para.trim() === '') {
      out.push('');
      continue;
    }
    if (/^\s/.test(para)) {
      out.push(indent + para.trimEnd());
      continue;
    }
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && indent.length + line.length + 1 + word.length > width) {
        out.push(indent + line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    if (line) out.push(indent + line);
  }
  return out;
}

const GROUP_TITLES: Record<string, string> = {GLOBAL: 'Flags', KUBECTL: 'Cluster flags (as kubectl spells them)', OUTPUT: 'Output flags'};

function flagLabel(f: ManifestFlag): string {
  const short = f.char ? `-${f.char}, ` : '    ';
  let value = '';
  if (f.type === 'option') value = f.helpValue ? ` ${f.helpValue}` : f.options ? ` ${f.options.join('|')}` : ' string';
  return `${short}--${f.name}${value}${f.multiple ? ' (repeatable)' : ''}`;
}

function flagText(f: ManifestFlag): string {
  let d = (f.summary ?? f.description ?? '').trim();
  if (f.type === 'option' && f.default !== undefined && f.default !== '' && !Array.isArray(f.default)) d += ` (default "${String(f.default)}")`;
  return d;
}

/** Two columns, the second wrapped to the width. */
function table(rows: [string, string][], width: number): string[] {
  const left = Math.min(Math.max(...rows.map(([l]) => l.length)), 38);
  const out: string[] = [];
  for (const [l, r] of rows) {
    const pad = '  ' + l.padEnd(left) + '   ';
    const avail = Math.max(width - pad.length, 30);
    const lines = wrap(r, avail);
    if (l.length > left) {
      out.push(`  ${l}`);
      for (const x of lines) out.push(' '.repeat(pad.length) + x);
    } else {
      out.push(pad + (lines[0] ?? ''));
      for (const x of lines.slice(1)) out.push(' '.repeat(pad.length) + x);
    }
  }
  return out.map((l) => l.trimEnd());
}

function template(text: string, ctx: HelpContext, id?: string): string {
  return text.replace(/<%=\s*config\.bin\s*%>/g, ctx.bin).replace(/<%=\s*command\.id\s*%>/g, (id ?? '').replace(/:/g, ' '));
}

function visibleCommands(ctx: HelpContext, prefix?: string): ManifestCommand[] {
  return Object.values(ctx.manifest.commands)
    .filter((c) => !c.hidden && (!prefix || c.id.startsWith(`${prefix}:`)))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

function firstLine(c: ManifestCommand): string {
  return (c.summary ?? c.description ?? '').split('\n')[0]!.trim();
}

export function renderRootHelp(ctx: HelpContext, prefix?: string): string {
  const w = ctx.width;
  const lines: string[] = [];
  if (!prefix) {
    lines.push(...wrap(`${ctx.bin} — ${ctx.description}`, w), '');
  }
  lines.push('Usage:', `  ${ctx.bin} ${prefix ? `${prefix.replace(/:/g, ' ')} ` : ''}<command> [flags]`, '');
  const cmds = visibleCommands(ctx, prefix);
  lines.push(prefix ? `Commands in "${prefix.replace(/:/g, ' ')}":` : 'Commands:');
  lines.push(...table(cmds.map((c) => [c.id.replace(/:/g, ' '), firstLine(c)]), w), '');
  if (!prefix) {
    lines.push(
      'Exit codes:',
      ...table(
        [
          ['0', 'ok'],
          ['1', 'problems found'],
          ['2', 'usage error'],
          ['3', 'cannot reach or authenticate to the cluster'],
          ['4', 'a change was refused or rolled back'],
          ['130', 'interrupted'],
        ],
        w,
      ),
      '',
    );
  }
  lines.push(`Use "${ctx.bin} <command> --help" for more information about a command.`);
  if (!prefix) lines.push(`Version: ${ctx.version} (node ${process.versions.node}, ${process.platform}/${process.arch})`);
  return `${lines.join('\n')}\n`;
}

export function renderCommandHelp(ctx: HelpContext, id: string): string {
  const c = ctx.manifest.commands[id]!;
  const w = ctx.width;
  const words = id.replace(/:/g, ' ');
  const lines: string[] = [];
  const summary = c.summary?.trim();
  const description = c.description ? template(c.description, ctx, id).trim() : '';
  if (summary) lines.push(...wrap(summary, w), '');
  if (description && description !== summary) lines.push(...wrap(description, w), '');
  const args = Object.values(c.args ?? {});
  const argText = args.map((a) => (a.required ? `<${a.name}>` : `[${a.name}]`)).join(' ');
  const usage = c.usage ? (Array.isArray(c.usage) ? c.usage : [c.usage]).map((u) => template(u, ctx, id)) : [`${ctx.bin} ${words}${argText ? ` ${argText}` : ''} [flags]`];
  lines.push('Usage:', ...usage.map((u) => `  ${u.startsWith(ctx.bin) ? u : `${ctx.bin} ${u}`}`), '');
  if (args.length > 0 && args.some((a) => a.description)) {
    lines.push('Arguments:', ...table(args.map((a) => [a.name, a.description ?? '']), w), '');
  }
  if (c.examples?.length) {
    lines.push('Examples:');
    for (const e of c.examples) {
      if (typeof e === 'string') lines.push(...template(e, ctx, id).split('\n').map((l) => `  ${l}`));
      else {
        lines.push(...wrap(template(e.description, ctx, id), w, '  # '));
        lines.push(`  ${template(e.command, ctx, id)}`);
      }
    }
    lines.push('');
  }
  const groups = new Map<string, ManifestFlag[]>();
  for (const f of Object.values(c.flags)) {
    if (f.hidden) continue;
    const g = f.helpGroup ?? 'GLOBAL';
    groups.set(g, [...(groups.get(g) ?? []), f]);
  }
  const order = ['GLOBAL', ...[...groups.keys()].filter((g) => g !== 'GLOBAL' && g !== 'KUBECTL' && g !== 'OUTPUT'), 'KUBECTL', 'OUTPUT'];
  for (const g of order) {
    const flags = groups.get(g);
    if (!flags?.length) continue;
    lines.push(`${GROUP_TITLES[g] ?? `${g[0]}${g.slice(1).toLowerCase()} flags`}:`, ...table(flags.map((f) => [flagLabel(f), flagText(f)]), w), '');
  }
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

export function renderHelp(req: HelpRequest, ctx: HelpContext): string {
  switch (req.kind) {
    case 'root':
      return renderRootHelp(ctx);
    case 'topic':
      return renderRootHelp(ctx, req.prefix);
    case 'command':
      return renderCommandHelp(ctx, req.id);
    case 'version':
      // oclif's format, so scripts that parse `--version` keep working
      return `kubectl-infgw/${ctx.version} ${process.platform}-${process.arch} node-${process.version}\n`;
  }
}
