/** Command-line values of probe-cache, checked and converted (pure; the command stays thin). */
import {UsageError} from '../errors.ts';
import {parseGoDuration} from '../k8s/duration.ts';

/** A duration flag: a Go duration (90s, 2m, 1h30m) or a whole number of seconds. */
export function parseDurationFlag(name: string, value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : parseGoDuration(value);
  if (ms === undefined || !(ms > 0)) {
    throw new UsageError(`invalid value "${value}" for --${name}`, 'Use a positive duration such as 30s, 2m or 1h, or a whole number of seconds.');
  }
  return ms;
}

/**
 * --header values, curl style: "Name: value" (also "Name=value"). The values are secrets (API keys)
 * and are never printed; errors quote the name only.
 */
export function parseHeaders(values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, raw] of (values ?? []).entries()) {
    const m = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*[:=]\s?(.*)$/.exec(raw);
    if (!m) {
      // the text may be a bare secret: say which --header, never what it says
      throw new UsageError(`invalid --header (number ${i + 1})`, 'Write it as "Name: value", e.g. --header "Authorization: Bearer $KEY".');
    }
    out[m[1] as string] = (m[2] as string).trim();
  }
  return out;
}
