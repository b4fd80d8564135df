/*
 * What shell completion knows about the CLI, read from oclif.manifest.json: command ids, their
 * flags and arguments. Reading the manifest (a few KB of JSON) instead of loading the command
 * modules keeps `kubectl infgw <TAB>` fast and never touches @kubernetes/client-node.
 */

export interface FlagSpec {
  name: string;
  char?: string | undefined;
  type: 'boolean' | 'option';
  description?: string | undefined;
  summary?: string | undefined;
  options?: string[] | undefined;
  multiple?: boolean | undefined;
  hidden?: boolean | undefined;
}

export interface ArgSpec {
  name: string;
  description?: string | undefined;
  options?: string[] | undefined;
}

export interface CommandSpec {
  /** oclif id; topics are separated by ':' in the id and typed as separate words. */
  id: string;
  words: string[];
  summary: string;
  hidden: boolean;
  flags: FlagSpec[];
  args: ArgSpec[];
}

export interface CompletionModel {
  commands: CommandSpec[];
}

/** The subset of oclif.manifest.json this module reads (written by scripts/manifest.ts). */
export interface OclifManifest {
  version?: string;
  commands: Record<
    string,
    {
      id?: string;
      summary?: string;
      description?: string;
      hidden?: boolean;
      aliases?: string[];
      flags?: Record<string, Partial<FlagSpec> & {type?: string}>;
      args?: Record<string, {name?: string; description?: string; options?: string[]}>;
    }
  >;
}

/** First line of a description: what a shell shows next to a candidate. */
export function oneLine(text: string | undefined): string {
  if (!text) return '';
  const line = text.split('\n', 1)[0] ?? '';
  return line.replace(/\s+/g, ' ').replace(/\.$/, '').trim();
}

export function completionModel(manifest: OclifManifest): CompletionModel {
  const commands: CommandSpec[] = [];
  for (const [id, c] of Object.entries(manifest.commands)) {
    const flags: FlagSpec[] = Object.entries(c.flags ?? {}).map(([name, f]) => ({
      name: f.name ?? name,
      char: f.char,
      type: f.type === 'boolean' ? 'boolean' : 'option',
      description: oneLine(f.summary ?? f.description),
      options: f.options,
      multiple: f.multiple,
      hidden: f.hidden,
    }));
    const args: ArgSpec[] = Object.entries(c.args ?? {}).map(([name, a]) => ({
      name: a.name ?? name,
      description: oneLine(a.description),
      options: a.options,
    }));
    const spec = {summary: oneLine(c.summary ?? c.description), hidden: Boolean(c.hidden), flags, args};
    commands.push({id, words: id.split(':'), ...spec});
    // Aliases complete like the command they stand for, but are not offered as candidates.
    for (const alias of c.aliases ?? []) commands.push({id: alias, words: alias.split(':'), ...spec, hidden: true});
  }
  commands.sort((a, b) => a.id.localeCompare(b.id));
  return {commands};
}
