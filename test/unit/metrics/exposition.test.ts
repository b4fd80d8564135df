// The exposition-format parser against the real samples in ../shared/fixtures (read at test time,
// never copied) and against malformed input.
import {readFileSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {
  ExpositionParseError,
  histogramMean,
  histogramOf,
  parseExposition,
  parseGoFloat,
  samplesNamed,
  sumBy,
  sumOf,
} from '../../../src/metrics/exposition.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const fixture = (name: string): string => readFileSync(resolve(repoRoot, '..', 'shared', 'fixtures', name), 'utf8');

describe('real samples', () => {
  it('parses the vLLM capture: gauges, _total counters and _created gauges', () => {
    const expo = parseExposition(fixture('vllm-metrics.sample.txt'));
    const queries = expo.families.get('vllm:prefix_cache_queries_total');
    expect(queries?.type).toBe('counter');
    expect(queries?.help).toBe('Prefix cache queries, in terms of number of queried tokens.');
    expect(queries?.samples).toHaveLength(1);
    expect(queries?.samples[0]?.labels).toEqual({engine: '0', model_name: 'llama-vllm-single'});
    expect(queries?.samples[0]?.value).toBe(0);
    expect(expo.families.get('vllm:kv_cache_usage_perc')?.type).toBe('gauge');
    expect(sumOf(expo, 'vllm:prefix_cache_hits_created')).toBeCloseTo(1.7769301736864555e9, 3);
    // The header's indented "#   # HELP ..." lines are comments, not HELP lines.
    expect(expo.families.has('vllm:num_preemptions_total')).toBe(true);
    expect(samplesNamed(expo, 'vllm:kv_cache_usage_perc', {model_name: 'qwen3.8-27b-local'})).toHaveLength(0);
    // The capture ends with a HELP line whose samples were cut off: declared, no samples.
    const last = expo.families.get('vllm:request_success_total');
    expect(last?.samples).toHaveLength(0);
    expect(last?.type).toBe('untyped');
  });

  it('parses the GIE v1.5.0 EPP sample: histograms, spaces after commas, le="Inf", empty {}', () => {
    const expo = parseExposition(fixture('epp-metrics.gie-v1.5.0.sample.txt'));
    expect(sumOf(expo, 'inference_objective_request_total')).toBe(4);
    expect(sumOf(expo, 'inference_objective_request_total', {model_name: 'm10'})).toBe(3);
    const errors = sumBy(expo, 'inference_objective_request_error_total', 'error_code');
    expect(Object.fromEntries(errors)).toEqual({Internal: 2, ModelServerError: 1, ResourceExhausted: 1});

    const latency = expo.families.get('inference_objective_request_duration_seconds');
    expect(latency?.type).toBe('histogram');
    // 3 series of buckets + _sum + _count, all grouped under the family
    expect(latency?.samples.some((s) => s.name.endsWith('_bucket'))).toBe(true);
    const t10 = histogramOf(expo, 'inference_objective_request_duration_seconds', {target_model_name: 't10'});
    expect(t10?.sum).toBeCloseTo(1.61);
    expect(t10?.count).toBe(2);
    // the upstream test file spells the last bound le="Inf" (not "+Inf"); both are +Inf
    expect(t10?.buckets.at(-1)).toEqual({le: Infinity, count: 2});
    expect(t10?.buckets[0]).toEqual({le: 0.005, count: 0});

    const ratio = histogramOf(expo, 'inference_extension_prefix_indexer_hit_ratio');
    expect(ratio?.count).toBe(6);
    expect(histogramMean(ratio)).toBeCloseTo(0.45);
    expect(sumOf(expo, 'inference_extension_prefix_indexer_size')).toBe(4096);
    expect(sumOf(expo, 'inference_extension_scheduler_e2e_duration_seconds_count')).toBe(9);
    const picks = sumBy(expo, 'inference_extension_scheduler_attempts_total', 'pod_name', {status: 'success'});
    expect(Object.fromEntries(picks)).toEqual({'pod-1': 2});
    expect(samplesNamed(expo, 'inference_pool_per_pod_queue_size')[0]?.labels).toEqual({model_server_pod: 'pod1-rank-0', name: 'test-pool'});
  });

  it('parses the llm-d-router v0.10.0 EPP sample', () => {
    const expo = parseExposition(fixture('epp-metrics.llm-d-router-v0.10.0.sample.txt'));
    expect(sumOf(expo, 'llm_d_epp_request_total')).toBe(4);
    expect(Object.fromEntries(sumBy(expo, 'llm_d_epp_scheduler_attempts_total', 'endpoint_name'))).toEqual({'pod-1': 2});
    expect(sumOf(expo, 'llm_d_epp_prefix_indexer_size')).toBe(4096);
    expect(histogramOf(expo, 'llm_d_epp_prefix_indexer_hit_ratio')?.sum).toBeCloseTo(2.7);
    // fairness_id="" is a real, empty label value
    expect(samplesNamed(expo, 'llm_d_epp_request_error_total', {fairness_id: ''})).toHaveLength(3);
  });
});

describe('format details', () => {
  it('unescapes label values and HELP text, reads timestamps, NaN and ±Inf', () => {
    const expo = parseExposition(
      [
        '# HELP x A help with a backslash \\\\ and a\\nnewline.',
        '# TYPE x gauge',
        'x{path="C:\\\\dir",quote="say \\"hi\\"",nl="a\\nb"} 1.5e3 1712345678901',
        'x{k="nan"} NaN',
        'x{k="inf"} +Inf',
        'x{k="-inf"} -Inf',
        'x{k="trailing",} 7',
        '  x { k = "spaced" , j="2" }   3  ',
      ].join('\n'),
    );
    const f = expo.families.get('x');
    expect(f?.help).toBe('A help with a backslash \\ and a\nnewline.');
    const [first, nan, inf, ninf, trailing, spaced] = f?.samples ?? [];
    expect(first?.labels).toEqual({path: 'C:\\dir', quote: 'say "hi"', nl: 'a\nb'});
    expect(first?.value).toBe(1500);
    expect(first?.timestampMs).toBe(1712345678901);
    expect(nan?.value).toBeNaN();
    expect(inf?.value).toBe(Infinity);
    expect(ninf?.value).toBe(-Infinity);
    expect(trailing?.labels).toEqual({k: 'trailing'});
    expect(spaced?.labels).toEqual({k: 'spaced', j: '2'});
    expect(spaced?.line).toBe(8);
  });

  it('groups _bucket/_sum/_count under a histogram and _total under an OpenMetrics-style counter', () => {
    const expo = parseExposition(
      ['# TYPE h histogram', 'h_bucket{le="1"} 1', 'h_bucket{le="+Inf"} 2', 'h_sum 3', 'h_count 2', '# TYPE c counter', 'c_total 5', 'untyped_thing 1'].join(
        '\n',
      ),
    );
    expect(expo.families.get('h')?.samples.map((s) => s.name)).toEqual(['h_bucket', 'h_bucket', 'h_sum', 'h_count']);
    expect(expo.families.get('c')?.samples[0]?.name).toBe('c_total');
    expect(expo.families.get('untyped_thing')?.type).toBe('untyped');
    expect(histogramMean(histogramOf(expo, 'h'))).toBe(1.5);
  });

  it('accepts CRLF line endings and UTF-8 quoted names', () => {
    const expo = parseExposition('# TYPE a gauge\r\na 1\r\n{"my.metric", "some.label"="v"} 2\r\n');
    expect(sumOf(expo, 'a')).toBe(1);
    expect(samplesNamed(expo, 'my.metric')[0]?.labels).toEqual({'some.label': 'v'});
  });

  it('parses Go floats like strconv.ParseFloat', () => {
    expect(parseGoFloat('1e-3')).toBe(0.001);
    expect(parseGoFloat('.5')).toBe(0.5);
    expect(parseGoFloat('-0')).toBe(-0);
    expect(parseGoFloat('Inf')).toBe(Infinity);
    expect(parseGoFloat('-infinity')).toBe(-Infinity);
    expect(parseGoFloat('1.048576e+06')).toBe(1048576);
    expect(parseGoFloat('abc')).toBeUndefined();
    expect(parseGoFloat('')).toBeUndefined();
    expect(parseGoFloat('1,5')).toBeUndefined();
  });
});

describe('malformed input gives a clear error with the line number', () => {
  const cases: [string, string, number, RegExp][] = [
    ['value that is not a number', 'a 1\nb{x="1"} twelve', 2, /invalid value "twelve"/],
    ['missing value', '# TYPE a gauge\na{x="1"}', 2, /missing value/],
    ['unterminated label set', 'a{x="1" 2', 1, /expected "," or "}"/],
    ['unterminated quoted string', 'a{x="1} 2', 1, /unterminated quoted string/],
    ['bad escape in a label value', 'a{x="\\t"} 2', 1, /invalid escape sequence "\\t"/],
    ['label without quotes', 'a{x=1} 2', 1, /expected a quoted value for label "x"/],
    ['duplicate label', 'a{x="1",x="2"} 2', 1, /duplicate label "x"/],
    ['bad metric name', '\n\n1abc 2', 3, /invalid metric name/],
    ['bad timestamp', 'a 1 soon', 1, /invalid timestamp "soon"/],
    ['too many fields', 'a 1 2 3', 1, /unexpected text after the timestamp/],
    ['unknown type', '# TYPE a thing', 1, /unknown metric type "thing"/],
    ['second TYPE', '# TYPE a gauge\n# TYPE a counter', 2, /second TYPE line for metric name "a"/],
    ['TYPE after samples', 'a 1\n# TYPE a gauge', 2, /TYPE line for "a" after its samples/],
    ['second HELP', '# HELP a x\n# HELP a y', 2, /second HELP line/],
    ['histogram bucket without le', '# TYPE h histogram\nh_bucket{x="1"} 1', 2, /without a valid "le" label/],
  ];
  for (const [what, text, line, message] of cases) {
    it(what, () => {
      let caught: unknown;
      try {
        const expo = parseExposition(text);
        // bucket validation happens when the histogram is read
        histogramOf(expo, 'h');
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ExpositionParseError);
      expect((caught as ExpositionParseError).line).toBe(line);
      expect((caught as Error).message).toMatch(new RegExp(`^line ${line}: `));
      expect((caught as Error).message).toMatch(message);
    });
  }

  it('rejects an HTML error page served instead of metrics', () => {
    expect(() => parseExposition('<html>\n<body>401 Unauthorized</body></html>')).toThrow(/line 1: invalid metric name/);
  });
});
