/** Small statistics for probe results: quantiles, medians, and a sparkline for TTFT. */

/**
 * The q-quantile (0..1) by linear interpolation between closest ranks — the default of numpy
 * (`linear`) and R (type 7). undefined for no values.
 */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0 || Number.isNaN(q)) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const clamped = Math.min(1, Math.max(0, q));
  const pos = (sorted.length - 1) * clamped;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

export function median(values: readonly number[]): number | undefined {
  return quantile(values, 0.5);
}

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * A one-line bar chart of the values in order (e.g. TTFT of each identical prompt: a tall first
 * bar and flat rest is what a working prefix cache looks like). Missing values print as a space.
 */
export function sparkline(values: readonly (number | undefined)[]): string {
  const known = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (known.length === 0) return '';
  const min = Math.min(...known);
  const max = Math.max(...known);
  return values
    .map((v) => {
      if (v === undefined || !Number.isFinite(v)) return ' ';
      if (max === min) return BARS[3];
      return BARS[Math.round(((v - min) / (max - min)) * (BARS.length - 1))];
    })
    .join('');
}

/** A counter's increase between two readings; a decrease means the process restarted (reset). */
export function counterDelta(before: number | null | undefined, after: number | null | undefined): {delta: number | null; reset: boolean} {
  if (before === null || before === undefined || after === null || after === undefined) return {delta: null, reset: false};
  if (after < before) return {delta: after, reset: true};
  return {delta: after - before, reset: false};
}
