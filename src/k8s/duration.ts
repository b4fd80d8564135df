/* Go / Gateway API durations (1h2m3s4ms). */

/** Go duration → ms (EG messageTimeout is a Gateway API Duration: 1h2m3s4ms). */
export function durationMs(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let matched = '';
  for (const m of s.matchAll(re)) {
    matched += m[0];
    total += Number(m[1]) * {ms: 1, s: 1000, m: 60_000, h: 3_600_000}[m[2] as 'ms' | 's' | 'm' | 'h'];
  }
  return matched === s ? total : undefined;
}
