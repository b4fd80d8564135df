// Percentile maths, the sparkline, counter deltas, the prompts, and the flag parsing.
import {describe, expect, it} from 'vitest';
import {UsageError} from '../../../src/errors.ts';
import {parseDurationFlag, parseHeaders} from '../../../src/probe/options.ts';
import {DEFAULT_QUESTION, fillerText, planPrompts, requestBody} from '../../../src/probe/prompts.ts';
import {counterDelta, median, quantile, sparkline} from '../../../src/probe/stats.ts';

describe('quantiles (linear interpolation, numpy/R type 7)', () => {
  it('matches known values', () => {
    const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(median(v)).toBe(5.5);
    expect(quantile(v, 0.9)).toBeCloseTo(9.1);
    expect(quantile(v, 0)).toBe(1);
    expect(quantile(v, 1)).toBe(10);
    expect(quantile([7], 0.9)).toBe(7);
    expect(median([3, 1, 2])).toBe(2);
    expect(quantile([10, 20], 0.25)).toBe(12.5);
    expect(quantile([], 0.5)).toBeUndefined();
    // order of input does not matter, and the input is not modified
    const unsorted = [5, 1, 4];
    expect(median(unsorted)).toBe(4);
    expect(unsorted).toEqual([5, 1, 4]);
  });
});

describe('sparkline', () => {
  it('draws a tall first bar for a cold first request, blanks for missing values', () => {
    expect(sparkline([800, 100, 100, 100])).toBe('█▁▁▁');
    expect(sparkline([100, undefined, 450, 800])).toBe('▁ ▅█');
    expect(sparkline([5, 5])).toBe('▄▄');
    expect(sparkline([])).toBe('');
  });
});

describe('counterDelta', () => {
  it('subtracts, detects resets, and keeps unknown unknown', () => {
    expect(counterDelta(5, 15)).toEqual({delta: 10, reset: false});
    expect(counterDelta(500, 10)).toEqual({delta: 10, reset: true});
    expect(counterDelta(null, 10)).toEqual({delta: null, reset: false});
    expect(counterDelta(3, undefined)).toEqual({delta: null, reset: false});
  });
});

describe('prompts', () => {
  it('identical prompts share everything; unique prompts differ from the first characters on', () => {
    const p = planPrompts({runId: 'abcd1234', prefixTokens: 300});
    const q = planPrompts({runId: 'abcd1234', prefixTokens: 300});
    expect(p.identical).toBe(q.identical);
    expect(p.identical.startsWith('[probe abcd1234]')).toBe(true);
    expect(p.identical.endsWith(DEFAULT_QUESTION)).toBe(true);
    expect(p.identical.split(/\s+/).length).toBeGreaterThan(300);
    expect(p.unique(0)).not.toBe(p.unique(1));
    expect(p.unique(0).startsWith('[probe abcd1234 control 0]')).toBe(true);
    // not even the first block of 16 characters is shared with the identical prompt
    expect(p.unique(3).slice(0, 16)).not.toBe(p.identical.slice(0, 16));
    // a new run starts cold
    expect(planPrompts({runId: 'ffff0000', prefixTokens: 300}).identical.slice(0, 16)).not.toBe(p.identical.slice(0, 16));
    expect(p.approxTokens).toBeGreaterThanOrEqual(300);
  });

  it('uses the given question, and no prefix with --prefix-tokens 0', () => {
    const p = planPrompts({runId: 'r', prefixTokens: 0, question: 'What is 2+2?'});
    expect(p.identical).toBe('[probe r]\n\nWhat is 2+2?');
  });

  it('makes the same filler text for the same seed', () => {
    expect(fillerText(50, 'x')).toBe(fillerText(50, 'x'));
    expect(fillerText(50, 'x')).not.toBe(fillerText(50, 'y'));
    expect(fillerText(50, 'x').split(' ')).toHaveLength(50);
  });

  it('builds chat and completions bodies, streamed with usage', () => {
    expect(requestBody('/v1/chat/completions', 'm', 'hi', 4)).toEqual({
      model: 'm',
      max_tokens: 4,
      temperature: 0,
      stream: true,
      stream_options: {include_usage: true},
      messages: [{role: 'user', content: 'hi'}],
    });
    expect(requestBody('/v1/completions', 'm', 'hi', 4)).toMatchObject({prompt: 'hi'});
    expect(requestBody('/openai/v1/completions/', 'm', 'hi', 4)).toMatchObject({prompt: 'hi'});
  });
});

describe('flags', () => {
  it('parses durations as Go durations or seconds', () => {
    expect(parseDurationFlag('max-duration', '2m')).toBe(120_000);
    expect(parseDurationFlag('http-timeout', '90')).toBe(90_000);
    expect(parseDurationFlag('http-timeout', '1m30s')).toBe(90_000);
    expect(() => parseDurationFlag('max-duration', 'soon')).toThrow(UsageError);
    expect(() => parseDurationFlag('max-duration', '0s')).toThrow(/invalid value "0s" for --max-duration/);
  });

  it('parses headers and never echoes a value in errors', () => {
    expect(parseHeaders(['Authorization: Bearer sk-123', 'x-api-key=abc', 'Host:api.example.com'])).toEqual({
      Authorization: 'Bearer sk-123',
      'x-api-key': 'abc',
      Host: 'api.example.com',
    });
    let message = '';
    try {
      parseHeaders(['Bad Header sk-secret']);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('invalid --header (number 1)');
    expect(message).not.toContain('sk-secret');
  });
});
