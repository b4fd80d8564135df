// Sending: request caps, concurrency, the first identical prompt alone, timeouts, stopping, and
// TTFT from a streamed answer — against a small local HTTP server that streams like vLLM's
// OpenAI server (a role-only chunk first, then content chunks, usage, [DONE]).
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {RequestBudget, type Target, feedSse, runPhase, sendOne, stopReasonOf} from '../../../src/probe/send.ts';

interface Seen {
  body: {model: string; stream: boolean; messages?: {content: string}[]; prompt?: string; max_tokens: number};
  headers: IncomingMessage['headers'];
  start: number;
  end?: number;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
let inFlight = 0;
let maxInFlight = 0;
/** per-request behaviour, chosen by the prompt text */
function behaviour(prompt: string): {delayMs: number; status?: number; json?: boolean} {
  if (prompt.includes('slow')) return {delayMs: 1500};
  if (prompt.includes('fail')) return {delayMs: 0, status: 404};
  if (prompt.includes('json')) return {delayMs: 20, json: true};
  return {delayMs: 60};
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as Seen['body'];
      const entry: Seen = {body, headers: req.headers, start: performance.now()};
      seen.push(entry);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const prompt = body.messages?.[0]?.content ?? body.prompt ?? '';
      const b = behaviour(prompt);
      const finish = (): void => {
        inFlight--;
        entry.end = performance.now();
      };
      res.on('close', finish);
      if (b.status) {
        res.writeHead(b.status, {'content-type': 'application/json'});
        res.end(JSON.stringify({error: {message: `The model \`${body.model}\` does not exist.`, type: 'NotFoundError', code: 404}}));
        return;
      }
      if (b.json) {
        setTimeout(() => {
          res.writeHead(200, {'content-type': 'application/json'});
          res.end(JSON.stringify({choices: [{message: {content: 'hi'}}], usage: {prompt_tokens: 12, prompt_tokens_details: {cached_tokens: 8}}}));
        }, b.delayMs);
        return;
      }
      res.writeHead(200, {'content-type': 'text/event-stream'});
      // vLLM sends the role first, before any token
      res.write(`data: ${JSON.stringify({choices: [{delta: {role: 'assistant', content: ''}}]})}\n\n`);
      setTimeout(() => {
        if (res.destroyed) return;
        res.write(`data: ${JSON.stringify({choices: [{delta: {content: 'Hello'}}]})}\n\n`);
        res.write(`data: ${JSON.stringify({choices: [], usage: {prompt_tokens: 810, prompt_tokens_details: {cached_tokens: 800}}})}\n\n`);
        res.end('data: [DONE]\n\n');
      }, b.delayMs);
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const target = (path = '/v1/chat/completions'): Target => ({url: base, path, headers: {authorization: 'Bearer secret', 'x-extra': '1'}, model: 'm', maxTokens: 8});
const never = new AbortController().signal;

function reset(): void {
  seen.length = 0;
  maxInFlight = 0;
}

describe('sendOne', () => {
  it('measures TTFT at the first content token (not the role chunk) and reads usage', async () => {
    reset();
    const r = await sendOne(target(), 'hello', {phase: 'identical', index: 0, t0: performance.now(), httpTimeoutMs: 5000, stop: never});
    expect(r).toMatchObject({ok: true, status: 200, streamed: true, promptTokens: 810, cachedTokens: 800});
    expect(r.ttftMs).toBeGreaterThanOrEqual(50);
    expect(r.totalMs).toBeGreaterThanOrEqual(r.ttftMs as number);
    const s = seen[0] as Seen;
    expect(s.body).toMatchObject({model: 'm', stream: true, max_tokens: 8, messages: [{content: 'hello'}]});
    expect(s.headers.authorization).toBe('Bearer secret');
    expect(s.headers['x-extra']).toBe('1');
  });

  it('sends a completions body on /v1/completions', async () => {
    reset();
    await sendOne(target('/v1/completions'), 'hello', {phase: 'identical', index: 0, t0: 0, httpTimeoutMs: 5000, stop: never});
    expect(seen[0]?.body.prompt).toBe('hello');
    expect(seen[0]?.body.messages).toBeUndefined();
  });

  it('reports an HTTP error with the OpenAI error message', async () => {
    const r = await sendOne(target(), 'please fail', {phase: 'identical', index: 0, t0: 0, httpTimeoutMs: 5000, stop: never});
    expect(r).toMatchObject({ok: false, status: 404, errorKind: 'http', error: 'The model `m` does not exist.', ttftMs: null});
  });

  it('accepts a non-streamed answer: no TTFT, usage from the JSON body', async () => {
    const r = await sendOne(target(), 'json please', {phase: 'identical', index: 0, t0: 0, httpTimeoutMs: 5000, stop: never});
    expect(r).toMatchObject({ok: true, streamed: false, ttftMs: null, promptTokens: 12, cachedTokens: 8});
  });

  it('times out a slow request after --http-timeout', async () => {
    const r = await sendOne(target(), 'slow', {phase: 'identical', index: 0, t0: 0, httpTimeoutMs: 200, stop: never});
    expect(r).toMatchObject({ok: false, errorKind: 'timeout'});
    expect(r.totalMs).toBeLessThan(1200);
  });

  it('reports a refused connection as a network error', async () => {
    const r = await sendOne({...target(), url: 'http://127.0.0.1:1'}, 'x', {phase: 'identical', index: 0, t0: 0, httpTimeoutMs: 2000, stop: never});
    expect(r).toMatchObject({ok: false, errorKind: 'network', status: null});
  });
});

describe('runPhase', () => {
  it('sends the first identical prompt alone, then at most --concurrency at a time', async () => {
    reset();
    const run = await runPhase({
      phase: 'identical',
      count: 7,
      promptOf: () => 'same',
      target: target(),
      concurrency: 3,
      firstAlone: true,
      budget: new RequestBudget(100),
      stop: never,
      httpTimeoutMs: 5000,
      t0: performance.now(),
    });
    expect(run.results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(run.results.every((r) => r.ok)).toBe(true);
    expect(run.stoppedBy).toBeUndefined();
    expect(maxInFlight).toBe(3);
    const first = seen[0] as Seen;
    for (const s of seen.slice(1)) expect(s.start).toBeGreaterThanOrEqual(first.end as number);
  });

  it('stops at the request cap, across phases, and says so', async () => {
    reset();
    const budget = new RequestBudget(5);
    const common = {target: target(), concurrency: 2, budget, stop: never, httpTimeoutMs: 5000, t0: performance.now()};
    const a = await runPhase({...common, phase: 'identical', count: 4, promptOf: () => 'same', firstAlone: true});
    const b = await runPhase({...common, phase: 'unique', count: 4, promptOf: (i) => `u${i}`, firstAlone: false});
    expect(a.results).toHaveLength(4);
    expect(a.stoppedBy).toBeUndefined();
    expect(b.results).toHaveLength(1);
    expect(b.stoppedBy).toBe('max-requests');
    expect(budget.taken).toBe(5);
    expect(seen).toHaveLength(5);
  });

  it('stops when interrupted: in-flight requests are aborted, nothing new starts', async () => {
    reset();
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('interrupted')), 300);
    const started = performance.now();
    const run = await runPhase({
      phase: 'unique',
      count: 6,
      promptOf: (i) => `slow ${i}`,
      target: target(),
      concurrency: 2,
      firstAlone: false,
      budget: new RequestBudget(100),
      stop: stop.signal,
      httpTimeoutMs: 10_000,
      t0: started,
    });
    expect(performance.now() - started).toBeLessThan(1200);
    expect(run.stoppedBy).toBe('interrupted');
    expect(run.results).toHaveLength(2);
    expect(run.results.every((r) => r.errorKind === 'aborted')).toBe(true);
  });

  it('names a deadline stop max-duration', async () => {
    const run = await runPhase({
      phase: 'identical',
      count: 3,
      promptOf: () => 'slow',
      target: target(),
      concurrency: 1,
      firstAlone: true,
      budget: new RequestBudget(100),
      stop: AbortSignal.timeout(250),
      httpTimeoutMs: 10_000,
      t0: performance.now(),
    });
    expect(run.stoppedBy).toBe('max-duration');
    expect(run.results).toHaveLength(1);
    expect(stopReasonOf(AbortSignal.abort())).toBe('interrupted');
  });
});

describe('feedSse', () => {
  it('handles events split across chunks, CRLF, reasoning tokens and error events', () => {
    const s = {buffer: '', firstTokenAt: undefined as number | undefined};
    feedSse(s, 'data: {"choices":[{"delta":{"role":"assi', 1);
    feedSse(s, 'stant"}}]}\r\n\r\ndata: {"choices":[{"delta":{"reasoning_content":"Hm"}}]}\r\n', 2);
    expect(s.firstTokenAt).toBe(2);
    const e = {buffer: '', firstTokenAt: undefined as number | undefined} as Parameters<typeof feedSse>[0];
    feedSse(e, 'data: {"error":{"message":"overloaded"}}\n\n', 1);
    expect(e.streamError).toBe('overloaded');
    expect(e.firstTokenAt).toBeUndefined();
  });
});
