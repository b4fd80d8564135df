/*
 * A parser for the Prometheus text exposition format (version 0.0.4), the format vLLM, the EPP and
 * every Go/Python Prometheus client serve on /metrics. It follows the grammar of
 * prometheus/common `expfmt/text_parse.go` (TextParser) and the format description in
 * prometheus/docs `content/docs/instrumenting/exposition_formats.md`:
 *
 *   # HELP <name> <docstring>          docstring escapes: \\ and \n
 *   # TYPE <name> <counter|gauge|histogram|summary|untyped>
 *   # anything else                    a comment
 *   <name>[{<label>="<value>",...}] <value> [<timestamp ms>]
 *
 * Label values escape \\, \" and \n. Values are Go floats (NaN, +Inf, -Inf, Inf). Like expfmt we
 * accept blanks around labels and a trailing comma, and reject a second HELP/TYPE for one family
 * or a TYPE after the family's samples. Errors carry the 1-based line number.
 *
 * Samples are grouped into families the way expfmt does: `x_bucket`, `x_sum`, `x_count` belong to
 * histogram `x`, `x_sum`/`x_count` (and `x{quantile=..}`) to summary `x`. Counter families are
 * named exactly as their TYPE line says (vLLM's python client writes `# TYPE
 * vllm:prefix_cache_queries_total counter`), and a bare `x_total` sample also joins a declared
 * counter `x` (OpenMetrics style).
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** the sample's own name, e.g. `x_bucket` */
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
  /** 1-based line in the input */
  line: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

export interface Exposition {
  /** families by name, in order of appearance */
  families: Map<string, MetricFamily>;
}

export class ExpositionParseError extends Error {
  readonly line: number;
  constructor(line: number, message: string, text?: string) {
    super(`line ${line}: ${message}${text === undefined ? '' : ` in ${JSON.stringify(text.length > 120 ? `${text.slice(0, 117)}...` : text)}`}`);
    this.name = 'ExpositionParseError';
    this.line = line;
  }
}

const METRIC_TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;

/**
 * Parse a Go float as expfmt does (strconv.ParseFloat): decimal and exponent forms, and
 * case-insensitive Inf/Infinity/NaN with an optional sign. Returns undefined when it is not one.
 */
export function parseGoFloat(text: string): number | undefined {
  if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(text)) return Number.NaN;
  if (!/^[+-]?(\d+(_?\d+)*\.?(\d+(_?\d+)*)?|\.\d+(_?\d+)*)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const n = Number(text.replaceAll('_', ''));
  return Number.isNaN(n) ? undefined : n;
}

/** Parse a whole exposition. Throws ExpositionParseError on malformed input. */
export function parseExposition(text: string): Exposition {
  const families = new Map<string, MetricFamily>();
  /** families that already have samples: a TYPE after them is an error (expfmt). */
  const sampled = new Set<string>();
  /** families whose TYPE line was seen (a HELP line alone leaves a family untyped) */
  const typed = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = lines[i] as string;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      parseComment(trimmed, lineNo, families, sampled, typed);
      continue;
    }
    const sample = parseSampleLine(trimmed, lineNo);
    const family = familyFor(sample.name, families);
    family.samples.push(sample);
    sampled.add(family.name);
  }
  return {families};
}

function parseComment(line: string, lineNo: number, families: Map<string, MetricFamily>, sampled: Set<string>, typed: Set<string>): void {
  // "#" then blanks then a keyword; anything but HELP/TYPE is a plain comment.
  const m = /^#[ \t]*(\S+)(?:[ \t]+(.*))?$/.exec(line);
  if (!m) return;
  const keyword = m[1];
  if (keyword !== 'HELP' && keyword !== 'TYPE') return;
  const rest = m[2] ?? '';
  const nm = /^(\S+)(?:[ \t]+(.*))?$/.exec(rest);
  if (!nm) throw new ExpositionParseError(lineNo, `${keyword} line without a metric name`, line);
  const name = nm[1] as string;
  if (!isMetricName(name)) throw new ExpositionParseError(lineNo, `invalid metric name ${JSON.stringify(name)}`, line);
  const arg = nm[2] ?? '';
  let family = families.get(name);
  if (keyword === 'HELP') {
    if (family?.help !== undefined) throw new ExpositionParseError(lineNo, `second HELP line for metric name ${JSON.stringify(name)}`);
    const help = unescapeHelp(arg, lineNo);
    if (family) family.help = help;
    else families.set(name, {name, type: 'untyped', help, samples: []});
    return;
  }
  const type = arg.trim().toLowerCase() as MetricType;
  if (!METRIC_TYPES.has(type)) throw new ExpositionParseError(lineNo, `unknown metric type ${JSON.stringify(arg.trim())}`, line);
  if (sampled.has(name)) {
    throw new ExpositionParseError(lineNo, `TYPE line for ${JSON.stringify(name)} after its samples`);
  }
  if (typed.has(name)) throw new ExpositionParseError(lineNo, `second TYPE line for metric name ${JSON.stringify(name)}`);
  if (!family) {
    family = {name, type, samples: []};
    families.set(name, family);
  } else family.type = type;
  typed.add(name);
}

function isMetricName(name: string): boolean {
  return /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name);
}

function unescapeHelp(text: string, lineNo: number): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = text[++i];
    if (n === '\\') out += '\\';
    else if (n === 'n') out += '\n';
    else throw new ExpositionParseError(lineNo, `invalid escape sequence "\\${n ?? ''}" in HELP`);
  }
  return out;
}

/** Parse `name{labels} value [timestamp]`. */
function parseSampleLine(line: string, lineNo: number): Sample {
  let i = 0;
  const fail = (msg: string): never => {
    throw new ExpositionParseError(lineNo, msg, line);
  };
  const skipBlank = (): void => {
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  };
  let name = '';
  const labels: Record<string, string> = {};
  if (line[0] === '{') {
    // UTF-8 names (Prometheus 3): {"name", label="v"} — the first entry is a quoted metric name.
  } else {
    if (!NAME_START.test(line[0] ?? '')) fail('invalid metric name');
    while (i < line.length && NAME_CHAR.test(line[i] as string)) i++;
    name = line.slice(0, i);
  }
  const afterName = i;
  skipBlank();
  if (line[i] !== '{') i = afterName;
  else {
    i++;
    let first = true;
    for (;;) {
      skipBlank();
      if (line[i] === '}') {
        i++;
        break;
      }
      if (i >= line.length) fail('unterminated label set (missing "}")');
      let labelName: string;
      if (line[i] === '"') {
        const q = readQuoted();
        skipBlank();
        if (first && name === '' && (line[i] === ',' || line[i] === '}')) {
          // the quoted metric name of a UTF-8 exposition
          name = q;
          if (line[i] === ',') i++;
          first = false;
          continue;
        }
        labelName = q;
      } else {
        const start = i;
        if (!LABEL_START.test(line[i] ?? '')) fail(`invalid label name at column ${i + 1}`);
        while (i < line.length && LABEL_CHAR.test(line[i] as string)) i++;
        labelName = line.slice(start, i);
      }
      first = false;
      skipBlank();
      if (line[i] !== '=') fail(`expected "=" after label name ${JSON.stringify(labelName)}`);
      i++;
      skipBlank();
      if (line[i] !== '"') fail(`expected a quoted value for label ${JSON.stringify(labelName)}`);
      const value = readQuoted();
      if (Object.hasOwn(labels, labelName)) fail(`duplicate label ${JSON.stringify(labelName)}`);
      labels[labelName] = value;
      skipBlank();
      if (line[i] === ',') {
        i++;
        continue;
      }
      if (line[i] === '}') {
        i++;
        break;
      }
      fail(`expected "," or "}" after the value of label ${JSON.stringify(labelName)}`);
    }
  }
  if (name === '') fail('missing metric name');
  if (i < line.length && line[i] !== ' ' && line[i] !== '\t') fail(`unexpected character ${JSON.stringify(line[i])} after the metric name`);
  const rest = line.slice(i).trim().split(/[ \t]+/).filter(Boolean);
  if (rest.length === 0) fail('missing value');
  if (rest.length > 2) fail('unexpected text after the timestamp');
  const value = parseGoFloat(rest[0] as string);
  if (value === undefined) fail(`invalid value ${JSON.stringify(rest[0])}`);
  const sample: Sample = {name, labels, value: value as number, line: lineNo};
  if (rest[1] !== undefined) {
    if (!/^-?\d+$/.test(rest[1])) fail(`invalid timestamp ${JSON.stringify(rest[1])}`);
    sample.timestampMs = Number(rest[1]);
  }
  return sample;

  function readQuoted(): string {
    // at the opening quote
    i++;
    let out = '';
    for (;;) {
      if (i >= line.length) fail('unterminated quoted string');
      const c = line[i] as string;
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        const n = line[i + 1];
        if (n === '\\') out += '\\';
        else if (n === '"') out += '"';
        else if (n === 'n') out += '\n';
        else fail(`invalid escape sequence "\\${n ?? ''}" in a label value`);
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
  }
}

/** The family a sample belongs to, creating an untyped one when none was declared. */
function familyFor(sampleName: string, families: Map<string, MetricFamily>): MetricFamily {
  const exact = families.get(sampleName);
  if (exact) return exact;
  const bySuffix = suffixFamily(sampleName, families);
  if (bySuffix) return bySuffix;
  const created: MetricFamily = {name: sampleName, type: 'untyped', samples: []};
  families.set(sampleName, created);
  return created;
}

function suffixFamily(sampleName: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  const m = /^(.*)_(bucket|sum|count|total|created)$/.exec(sampleName);
  if (!m) return undefined;
  const base = families.get(m[1] as string);
  if (!base) return undefined;
  const suffix = m[2];
  if (base.type === 'histogram' && (suffix === 'bucket' || suffix === 'sum' || suffix === 'count')) return base;
  if (base.type === 'summary' && (suffix === 'sum' || suffix === 'count')) return base;
  if (base.type === 'counter' && (suffix === 'total' || suffix === 'created')) return base;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Reading values

export type LabelFilter = Record<string, string | ((value: string) => boolean)>;

function matches(labels: Record<string, string>, filter: LabelFilter | undefined): boolean {
  if (!filter) return true;
  for (const [k, want] of Object.entries(filter)) {
    const have = labels[k] ?? '';
    if (typeof want === 'function' ? !want(have) : have !== want) return false;
  }
  return true;
}

/** Every sample with this exact sample name (any family), optionally filtered by labels. */
export function samplesNamed(expo: Exposition, sampleName: string, filter?: LabelFilter): Sample[] {
  const out: Sample[] = [];
  for (const f of expo.families.values()) for (const s of f.samples) if (s.name === sampleName && matches(s.labels, filter)) out.push(s);
  return out;
}

/** Whether the exposition declares or has samples for this name (family or sample name). */
export function hasMetric(expo: Exposition, name: string): boolean {
  if (expo.families.has(name)) return true;
  for (const f of expo.families.values()) if (f.samples.some((s) => s.name === name)) return true;
  return false;
}

/** Sum of the samples with this name; undefined when there is none (never 0 for "missing"). */
export function sumOf(expo: Exposition, sampleName: string, filter?: LabelFilter): number | undefined {
  const samples = samplesNamed(expo, sampleName, filter);
  if (samples.length === 0) return undefined;
  return samples.reduce((n, s) => n + s.value, 0);
}

/** Sums grouped by one label's value (e.g. picks per pod). */
export function sumBy(expo: Exposition, sampleName: string, label: string, filter?: LabelFilter): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samplesNamed(expo, sampleName, filter)) {
    const key = s.labels[label];
    if (key === undefined) continue;
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

export interface Histogram {
  /** cumulative buckets, sorted by upper bound; +Inf last when present */
  buckets: {le: number; count: number}[];
  sum: number | undefined;
  count: number | undefined;
}

/**
 * A histogram family's buckets, sum and count, merged over all series that pass the filter
 * (summing series is what PromQL's `sum by (le)` does). undefined when the family has no samples.
 */
export function histogramOf(expo: Exposition, name: string, filter?: LabelFilter): Histogram | undefined {
  const bucketSamples = samplesNamed(expo, `${name}_bucket`, filter);
  const sum = sumOf(expo, `${name}_sum`, filter);
  const count = sumOf(expo, `${name}_count`, filter);
  if (bucketSamples.length === 0 && sum === undefined && count === undefined) return undefined;
  const byLe = new Map<number, number>();
  for (const s of bucketSamples) {
    const le = parseGoFloat(s.labels.le ?? '');
    if (le === undefined) throw new ExpositionParseError(s.line, `histogram bucket of ${name} without a valid "le" label`);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  const buckets = [...byLe.entries()].sort((a, b) => a[0] - b[0]).map(([le, c]) => ({le, count: c}));
  return {buckets, sum, count};
}

/** Mean of a histogram (sum / count); undefined when count is 0 or unknown. */
export function histogramMean(h: {sum: number | undefined; count: number | undefined} | undefined): number | undefined {
  if (!h || h.sum === undefined || !h.count) return undefined;
  return h.sum / h.count;
}
