/*
 * Sending the probe's requests: streamed OpenAI-compatible requests with time-to-first-token,
 * a concurrency limit, a hard cap on the number of requests, a per-request timeout, and a stop
 * signal (the --max-duration deadline or Ctrl-C) that aborts what is in flight.
 */
import {Agent, request} from 'undici';
import {requestBody} from './prompts.ts';

export type Phase = 'identical' | 'unique';
export type StopReason = 'max-requests' | 'max-duration' | 'interrupted';

export interface RequestResult {
  phase: Phase;
  index: number;
  /** ms since the probe started */
  startMs: number;
  /** HTTP status; null when no response came (network error, timeout, abort) */
  status: number | null;
  ok: boolean;
  /** timeout | aborted | network | http | stream */
  errorKind?: 'timeout' | 'aborted' | 'network' | 'http' | 'stream';
  error?: string;
  /** time to the first generated token (streamed responses only) */
  ttftMs: number | null;
  totalMs: number;
  streamed: boolean;
  /** from the response's usage block, when the server reports it */
  promptTokens?: number;
  cachedTokens?: number;
  /** with `capture`: the response headers asked for (lower-case names), when present */
  headers?: Record<string, string>;
  /** with `capture`: the start of the response body as received (SSE lines included) */
  bodyHead?: string;
}

/** What of the response to keep besides the timing (doctor --request): these headers, and this many body characters. */
export interface Capture {
  headers: readonly string[];
  bodyChars: number;
}

export interface Target {
  /** base URL, e.g. http://10.0.0.5 or http://127.0.0.1:43121 */
  url: string;
  path: string;
  /** extra request headers (--header); values are never printed */
  headers: Record<string, string>;
  model: string;
  maxTokens: number;
}

/** Shared across phases: the --max-requests cap. */
export class RequestBudget {
  readonly max: number;
  taken = 0;
  exhausted = false;
  constructor(max: number) {
    this.max = max;
  }
  take(): boolean {
    if (this.taken >= this.max) {
      this.exhausted = true;
      return false;
    }
    this.taken++;
    return true;
  }
}

/** Why the stop signal fired. */
export function stopReasonOf(signal: AbortSignal): StopReason | undefined {
  if (!signal.aborted) return undefined;
  const r = signal.reason as {name?: string} | undefined;
  return r?.name === 'TimeoutError' ? 'max-duration' : 'interrupted';
}

interface SseState {
  buffer: string;
  firstTokenAt: number | undefined;
  usage?: {prompt_tokens?: number; prompt_tokens_details?: {cached_tokens?: number} | null};
  streamError?: string;
}

/** Feed SSE text; note the first event that carries generated text. */
export function feedSse(state: SseState, text: string, now: number): void {
  state.buffer += text;
  let nl: number;
  while ((nl = state.buffer.indexOf('\n')) >= 0) {
    const line = state.buffer.slice(0, nl).replace(/\r$/, '');
    state.buffer = state.buffer.slice(nl + 1);
    if (!line.startsWith('data:')) continue;
    const payload = line.slice(5).trim();
    if (payload === '' || payload === '[DONE]') continue;
    let event: {
      error?: {message?: string} | string;
      choices?: {delta?: {content?: string | null; reasoning_content?: string | null; tool_calls?: unknown[]}; text?: string}[];
      usage?: SseState['usage'];
    };
    try {
      event = JSON.parse(payload) as typeof event;
    } catch {
      continue;
    }
    if (event.error) state.streamError = typeof event.error === 'string' ? event.error : (event.error.message ?? 'error event in stream');
    if (event.usage) state.usage = event.usage;
    const c = event.choices?.[0];
    const produced = Boolean(c?.delta?.content || c?.delta?.reasoning_content || c?.delta?.tool_calls?.length || c?.text);
    if (produced && state.firstTokenAt === undefined) state.firstTokenAt = now;
  }
}

/** Send one streamed request and measure it. Never throws. */
export async function sendOne(
  target: Target,
  prompt: string,
  opts: {phase: Phase; index: number; t0: number; httpTimeoutMs: number; stop: AbortSignal; dispatcher?: Agent; capture?: Capture},
): Promise<RequestResult> {
  const started = performance.now();
  const base: Omit<RequestResult, 'status' | 'ok' | 'ttftMs' | 'totalMs' | 'streamed'> = {
    phase: opts.phase,
    index: opts.index,
    startMs: Math.round(started - opts.t0),
  };
  const timeout = AbortSignal.timeout(opts.httpTimeoutMs);
  const signal = AbortSignal.any([opts.stop, timeout]);
  const url = target.url.replace(/\/+$/, '') + target.path;
  const failed = (kind: NonNullable<RequestResult['errorKind']>, message: string, status: number | null = null): RequestResult => ({
    ...base,
    status,
    ok: false,
    errorKind: kind,
    error: message,
    ttftMs: null,
    totalMs: Math.round(performance.now() - started),
    streamed: false,
  });
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(url, {
      method: 'POST',
      headers: {'content-type': 'application/json', accept: 'text/event-stream, application/json', 'user-agent': 'kubectl-infgw probe-cache', ...target.headers},
      body: JSON.stringify(requestBody(target.path, target.model, prompt, target.maxTokens)),
      signal,
      ...(opts.dispatcher ? {dispatcher: opts.dispatcher} : {}),
    });
  } catch (error) {
    if (timeout.aborted) return failed('timeout', `no response within ${opts.httpTimeoutMs} ms`);
    if (opts.stop.aborted) return failed('aborted', 'stopped before the response');
    return failed('network', (error as Error).message);
  }
  const status = res.statusCode;
  const contentType = String(res.headers['content-type'] ?? '');
  const captured = opts.capture ? capturedHeaders(res.headers, opts.capture.headers) : undefined;
  let head = '';
  const withCapture = (r: RequestResult): RequestResult => (opts.capture ? {...r, ...(captured ? {headers: captured} : {}), bodyHead: head} : r);
  const state: SseState = {buffer: '', firstTokenAt: undefined};
  let bodyText = '';
  const sse = contentType.includes('text/event-stream');
  try {
    for await (const chunk of res.body) {
      const text = (chunk as Buffer).toString('utf8');
      if (opts.capture && head.length < opts.capture.bodyChars) head += text.slice(0, opts.capture.bodyChars - head.length);
      if (sse && status < 400) feedSse(state, text, performance.now());
      else if (bodyText.length < 4096) bodyText += text;
    }
  } catch (error) {
    if (timeout.aborted) return withCapture(failed('timeout', `response not finished within ${opts.httpTimeoutMs} ms`, status));
    if (opts.stop.aborted) return withCapture(failed('aborted', 'stopped while streaming', status));
    return withCapture(failed('network', (error as Error).message, status));
  }
  const totalMs = Math.round(performance.now() - started);
  if (status >= 400) {
    return withCapture({...failed('http', errorText(bodyText) || `HTTP ${status}`, status), totalMs});
  }
  if (sse && state.streamError) return withCapture({...failed('stream', state.streamError, status), totalMs});
  let usage = state.usage;
  if (!sse) {
    try {
      usage = (JSON.parse(bodyText) as {usage?: SseState['usage']}).usage;
    } catch {
      /* not JSON */
    }
  }
  return withCapture({
    ...base,
    status,
    ok: true,
    ttftMs: sse && state.firstTokenAt !== undefined ? Math.round(state.firstTokenAt - started) : null,
    totalMs,
    streamed: sse,
    ...(usage?.prompt_tokens !== undefined ? {promptTokens: usage.prompt_tokens} : {}),
    ...(usage?.prompt_tokens_details?.cached_tokens !== undefined ? {cachedTokens: usage.prompt_tokens_details.cached_tokens} : {}),
  });
}

function capturedHeaders(all: Record<string, string | string[] | undefined>, names: readonly string[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = all[n.toLowerCase()];
    if (v !== undefined) out[n.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** The message of an OpenAI-style error body, or the start of the text. */
function errorText(body: string): string {
  try {
    const v = JSON.parse(body) as {error?: {message?: string} | string; message?: string};
    const m = typeof v.error === 'string' ? v.error : (v.error?.message ?? v.message);
    if (m) return m.slice(0, 300);
  } catch {
    /* not JSON */
  }
  return body.trim().slice(0, 300);
}

export interface PhaseRun {
  phase: Phase;
  planned: number;
  results: RequestResult[];
  stoppedBy?: StopReason;
  durationMs: number;
}

/**
 * Run one phase: `count` requests built by `promptOf(i)`, at most `concurrency` at a time. With
 * `firstAlone`, request 0 completes before the others start (it fills the cache; the rest should
 * hit it). Stops at the budget or when `stop` fires; requests in flight are then aborted.
 */
export async function runPhase(opts: {
  phase: Phase;
  count: number;
  promptOf: (i: number) => string;
  target: Target;
  concurrency: number;
  firstAlone: boolean;
  budget: RequestBudget;
  stop: AbortSignal;
  httpTimeoutMs: number;
  t0: number;
  dispatcher?: Agent;
  onResult?: (r: RequestResult) => void;
}): Promise<PhaseRun> {
  const started = performance.now();
  const results: RequestResult[] = [];
  let stoppedBy: StopReason | undefined;
  const one = async (i: number): Promise<void> => {
    const r = await sendOne(opts.target, opts.promptOf(i), {
      phase: opts.phase,
      index: i,
      t0: opts.t0,
      httpTimeoutMs: opts.httpTimeoutMs,
      stop: opts.stop,
      ...(opts.dispatcher ? {dispatcher: opts.dispatcher} : {}),
    });
    results.push(r);
    opts.onResult?.(r);
  };
  const canStart = (): boolean => {
    if (opts.stop.aborted) {
      stoppedBy ??= stopReasonOf(opts.stop);
      return false;
    }
    if (!opts.budget.take()) {
      stoppedBy ??= 'max-requests';
      return false;
    }
    return true;
  };
  let next = 0;
  if (opts.firstAlone && opts.count > 0) {
    if (canStart()) {
      next = 1;
      await one(0);
    } else next = opts.count;
  }
  const worker = async (): Promise<void> => {
    while (next < opts.count) {
      if (!canStart()) return;
      const i = next++;
      await one(i);
    }
  };
  const workers = Math.max(1, Math.min(opts.concurrency, opts.count - next));
  await Promise.all(Array.from({length: workers}, worker));
  if (opts.stop.aborted && (results.length < opts.count || results.some((r) => r.errorKind === 'aborted'))) stoppedBy ??= stopReasonOf(opts.stop);
  results.sort((a, b) => a.index - b.index);
  return {phase: opts.phase, planned: opts.count, results, ...(stoppedBy ? {stoppedBy} : {}), durationMs: Math.round(performance.now() - started)};
}
