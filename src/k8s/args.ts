/* Container command-line flags and environment values. */
import type {Container} from './objects.ts';

/** `--flag=value`, `--flag value`, `-flag value` (Go's flag package accepts all of them). */
export function argValue(c: Container | undefined, flag: string): string | undefined {
  if (!c) return undefined;
  const args = [...(c.command ?? []), ...(c.args ?? [])];
  const bare = flag.replace(/^-+/, '');
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(a);
    if (!m || m[1] !== bare) continue;
    if (m[2] !== undefined) return m[2];
    const next = args[i + 1];
    return next === undefined || next.startsWith('-') ? 'true' : next;
  }
  return undefined;
}

export function envValue(c: Container | undefined, name: string): string | undefined {
  return c?.env?.find((e) => e.name === name)?.value;
}
