/*
 * Durations, one parser: Go's time.ParseDuration (the grammar kubectl flags, kubeconfig fields and
 * Envoy Gateway's config use), plus the narrower form Gateway API fields and our own --wait take.
 * Source: go/src/time/format.go ParseDuration — an optional sign, then one or more
 * <decimal number><unit> with units ns, us (µs, μs), ms, s, m, h; "0" alone is allowed.
 */

const UNIT_MS: Record<string, number> = {ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000};

/** Go's time.ParseDuration, in milliseconds; undefined when the text is not a duration. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  const m = /^([+-]?)((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!m) return undefined;
  let total = 0;
  for (const part of m[2]!.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(part[1]) * UNIT_MS[part[2]!]!;
  return m[1] === '-' ? -total : total;
}

/** Go's time.Duration.String() for a whole number of milliseconds ("7s", "1m30s", "1h0m0s", "500ms"). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const sMs = ms % 60_000;
  const s = sMs % 1000 === 0 ? String(sMs / 1000) : (sMs / 1000).toFixed(3).replace(/0+$/, '');
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/**
 * The unsigned h/m/s/ms form: what a Gateway API Duration (GEP-2257, "1h2m3s4ms") looks like, and
 * what `doctor --wait` accepts besides a bare number of seconds.
 */
const SIMPLE_DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

/** A Gateway API Duration (EG messageTimeout) → ms; undefined when unset or not that form. */
export function durationMs(s: string | undefined): number | undefined {
  if (!s || !SIMPLE_DURATION.test(s)) return undefined;
  return parseGoDuration(s);
}
