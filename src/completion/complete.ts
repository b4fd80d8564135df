/*
 * The completion planner: given the words typed after `kubectl infgw` (the last one being the word
 * under the cursor, possibly empty), decide what to offer. Pure: no I/O. Values that live in the
 * cluster (namespaces, Helm releases) or in the kubeconfig come back as a lookup for
 * src/completion/lookups.ts to perform.
 *
 * The protocol is Cobra's `__complete` protocol, which kubectl (>= 1.26) speaks with a plugin's
 * `kubectl_complete-<plugin>` executable (kubernetes/kubectl pkg/cmd/plugin/plugin_completion.go,
 * pluginCompletion/getPluginCompletions): one candidate per line, "value<TAB>description", then a
 * last line ":<directive>".
 */
import type {KubeFlagValues} from '../kube/options.ts';
import type {CommandSpec, CompletionModel, FlagSpec} from './model.ts';

/** Cobra's ShellCompDirective bits (spf13/cobra completions.go). */
export const Directive = {
  default: 0,
  error: 1,
  noSpace: 2,
  noFileComp: 4,
  filterFileExt: 8,
  filterDirs: 16,
  keepOrder: 32,
} as const;

export interface Candidate {
  value: string;
  description?: string | undefined;
}

export type LookupKind = 'namespaces' | 'releases' | 'contexts' | 'clusters' | 'users';

export type Plan =
  | {kind: 'static'; candidates: Candidate[]; directive: number}
  | {
      kind: 'lookup';
      lookup: LookupKind;
      /** the part of the word under the cursor that is the value being completed */
      partial: string;
      /** put before every value (e.g. "--namespace=" when completing `--namespace=ku`) */
      prefix: string;
      /** kubectl connection flags typed so far: the lookup talks to the cluster they name */
      kube: KubeFlagValues;
    };

/** Flags every command has besides its own (oclif adds --help). */
const HELP_FLAG: FlagSpec = {name: 'help', type: 'boolean', description: 'Show help'};
const ROOT_FLAGS: FlagSpec[] = [HELP_FLAG, {name: 'version', type: 'boolean', description: 'Show the CLI version'}];

/** Flag names whose values are file paths: leave them to the shell's file completion. */
const FILE_FLAGS = new Set(['kubeconfig', 'certificate-authority', 'client-certificate', 'client-key', 'file', 'filename']);

/** kubectl connection flags passed on to a lookup (src/cli/flags.ts kubeFlags). */
const KUBE_FLAG_NAMES = [
  'kubeconfig',
  'context',
  'cluster',
  'user',
  'namespace',
  'as',
  'as-group',
  'token',
  'server',
  'certificate-authority',
  'insecure-skip-tls-verify',
  'tls-server-name',
] as const;

function matchFlag(word: string, flags: FlagSpec[]): {flag: FlagSpec | undefined; inline: string | undefined} {
  if (word.startsWith('--')) {
    const eq = word.indexOf('=');
    const name = eq >= 0 ? word.slice(2, eq) : word.slice(2);
    return {flag: flags.find((f) => f.name === name), inline: eq >= 0 ? word.slice(eq + 1) : undefined};
  }
  // -n, -nVALUE, -n=VALUE
  const char = word.slice(1, 2);
  const flag = flags.find((f) => f.char === char);
  if (!flag || word.length === 2) return {flag, inline: undefined};
  if (flag.type === 'boolean') return {flag: undefined, inline: undefined};
  const rest = word.slice(2);
  return {flag, inline: rest.startsWith('=') ? rest.slice(1) : rest};
}

function byPrefix(candidates: Candidate[], partial: string): Candidate[] {
  return candidates.filter((c) => c.value.startsWith(partial));
}

function commandFor(model: CompletionModel, words: string[]): CommandSpec | undefined {
  const id = words.join(':');
  return model.commands.find((c) => c.id === id);
}

function hasCommandUnder(model: CompletionModel, words: string[]): boolean {
  return model.commands.some((c) => c.words.length >= words.length && words.every((w, i) => c.words[i] === w));
}

/** The next command words after `path` (top-level commands when path is empty). */
function nextWords(model: CompletionModel, path: string[]): Candidate[] {
  const seen = new Map<string, Candidate>();
  for (const c of model.commands) {
    if (c.hidden || c.words.length <= path.length || !path.every((w, i) => c.words[i] === w)) continue;
    const word = c.words[path.length] as string;
    const isLeaf = c.words.length === path.length + 1;
    const existing = seen.get(word);
    if (!existing || isLeaf) seen.set(word, {value: word, description: isLeaf ? c.summary : existing?.description});
  }
  return [...seen.values()];
}

function valuePlan(flag: FlagSpec, partial: string, prefix: string, kube: KubeFlagValues): Plan {
  if (flag.options?.length) {
    return {kind: 'static', candidates: byPrefix(flag.options.map((o) => ({value: prefix + o})), prefix + partial), directive: Directive.noFileComp};
  }
  switch (flag.name) {
    case 'namespace':
      return {kind: 'lookup', lookup: 'namespaces', partial, prefix, kube};
    case 'release':
      return {kind: 'lookup', lookup: 'releases', partial, prefix, kube};
    case 'context':
      return {kind: 'lookup', lookup: 'contexts', partial, prefix, kube};
    case 'cluster':
      return {kind: 'lookup', lookup: 'clusters', partial, prefix, kube};
    case 'user':
      return {kind: 'lookup', lookup: 'users', partial, prefix, kube};
  }
  // A path: let the shell complete file names (Cobra's default directive).
  if (FILE_FLAGS.has(flag.name)) return {kind: 'static', candidates: [], directive: Directive.default};
  return {kind: 'static', candidates: [], directive: Directive.noFileComp};
}

function flagCandidates(flags: FlagSpec[], given: Map<string, string[]>, partial: string): Candidate[] {
  const out: Candidate[] = [];
  for (const f of flags) {
    if (f.hidden) continue;
    if (given.has(f.name) && !f.multiple) continue;
    out.push({value: `--${f.name}`, description: f.description});
    // Like Cobra, offer the one-letter form only when the user has not typed "--".
    if (f.char && !partial.startsWith('--')) out.push({value: `-${f.char}`, description: f.description});
  }
  return byPrefix(out, partial);
}

/**
 * Plan the completion of `words`: the arguments after the plugin name, the last one being the
 * (possibly empty) word under the cursor.
 */
export function planCompletion(model: CompletionModel, words: string[]): Plan {
  const toComplete = words.length ? (words[words.length - 1] as string) : '';
  const before = words.slice(0, -1);
  const path: string[] = [];
  let command: CommandSpec | undefined;
  let pathClosed = false;
  let positionals = 0;
  let pending: FlagSpec | undefined;
  let afterDoubleDash = false;
  const given = new Map<string, string[]>();
  const record = (flag: FlagSpec, value: string): void => {
    given.set(flag.name, [...(given.get(flag.name) ?? []), value]);
  };

  for (const word of before) {
    if (pending) {
      record(pending, word);
      pending = undefined;
      continue;
    }
    if (!afterDoubleDash && word === '--') {
      afterDoubleDash = true;
      pathClosed = true;
      continue;
    }
    if (!afterDoubleDash && word.startsWith('-') && word !== '-') {
      const {flag, inline} = matchFlag(word, command ? [...command.flags, HELP_FLAG] : ROOT_FLAGS);
      if (flag?.type === 'option' && inline === undefined) pending = flag;
      else if (flag) record(flag, inline ?? 'true');
      // oclif takes the command id from the first words only.
      pathClosed = true;
      continue;
    }
    if (!pathClosed && hasCommandUnder(model, [...path, word])) {
      path.push(word);
      command = commandFor(model, path) ?? command;
      continue;
    }
    pathClosed = true;
    positionals++;
  }

  const kube: KubeFlagValues = {};
  for (const name of KUBE_FLAG_NAMES) {
    const values = given.get(name);
    if (!values) continue;
    if (name === 'as-group') kube[name] = values;
    else if (name === 'insecure-skip-tls-verify') kube[name] = values.at(-1) !== 'false';
    else kube[name] = values.at(-1);
  }

  // The value of a flag typed as a separate word: `-n <TAB>`.
  if (pending) return valuePlan(pending, toComplete, '', kube);

  const flagsInScope = command ? [...command.flags, HELP_FLAG] : ROOT_FLAGS;
  if (!afterDoubleDash && toComplete.startsWith('-')) {
    const {flag, inline} = matchFlag(toComplete, flagsInScope);
    if (flag && flag.type === 'option' && inline !== undefined) {
      // `--namespace=ku<TAB>`: like Cobra, answer bare values; the shell scripts (kubectl's and
      // ours) strip "--namespace=" from the word themselves. `-nku<TAB>` keeps its "-n".
      const prefix = toComplete.includes('=') ? '' : toComplete.slice(0, toComplete.length - inline.length);
      return valuePlan(flag, inline, prefix, kube);
    }
    return {kind: 'static', candidates: flagCandidates(flagsInScope, given, toComplete), directive: Directive.noFileComp};
  }

  // A word that is not a flag: a (sub)command while the command path is still open, else an argument.
  const candidates: Candidate[] = [];
  if (!pathClosed) candidates.push(...nextWords(model, path));
  if (command && (pathClosed || candidates.length === 0 || command.args.length > 0)) {
    const arg = command.args[positionals];
    if (arg?.options) candidates.push(...arg.options.map((o) => ({value: o, description: arg.description})));
  }
  return {kind: 'static', candidates: byPrefix(candidates, toComplete), directive: Directive.noFileComp};
}

/** Cobra's output format: candidates, one a line, then ":<directive>". */
export function formatCompletion(candidates: Candidate[], directive: number): string {
  const lines = candidates.map((c) => {
    // A tab or newline in a description would break the protocol.
    const description = c.description?.replace(/[\t\n\r]+/g, ' ').trim();
    return description ? `${c.value}\t${description}` : c.value;
  });
  lines.push(`:${directive}`);
  return `${lines.join('\n')}\n`;
}
