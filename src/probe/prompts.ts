/*
 * The prompts probe-cache sends. Prefix caches (vLLM's block hashes, the EPP's prefix index) hash
 * the prompt in chained blocks from its first token, so:
 *   - identical prompts start with the same run tag and carry the same long shared prefix: after
 *     the first one, every block is a cache hit on the pod that served it;
 *   - control ("unique") prompts start with their own tag, so not even their first block matches
 *     anything, while being as long as the identical ones (comparable prefill work).
 * The run tag makes each probe start cold, whatever earlier runs left in the caches.
 */

/** Common English words: about one token each for the usual BPE tokenizers. */
const WORDS = (
  'time year people way day man thing woman life child world school state family student group country problem hand part ' +
  'place case week company system program question work government number night point home water room mother area money ' +
  'story fact month lot right study book eye job word business issue side kind head house service friend father power hour ' +
  'game line end member law car city community name president team minute idea kid body information back parent face others ' +
  'level office door health person art war history party result change morning reason research girl guy moment air teacher ' +
  'force education garden window light music table paper road market field river green small large early young ' +
  'important few public bad same able'
).split(' ');

/** A deterministic pseudo-random generator (mulberry32) so prompts are reproducible from a seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** About `words` words of filler text, the same for the same seed. */
export function fillerText(words: number, seed: string): string {
  const next = rng(seedOf(seed));
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    let w = WORDS[Math.floor(next() * WORDS.length)] as string;
    if (i % 12 === 0) w = w[0]!.toUpperCase() + w.slice(1);
    out.push(i % 12 === 11 ? `${w}.` : w);
  }
  return out.join(' ');
}

export const DEFAULT_QUESTION = 'Summarise the text above in one sentence.';

export interface PromptPlan {
  runId: string;
  identical: string;
  unique: (i: number) => string;
  /** approximate prompt length in words (≈ tokens) */
  approxTokens: number;
}

/**
 * Build the prompts of one probe run. `prefixTokens` is the length of the generated shared
 * prefix (0 = none: the question alone, after the run tag); `question` ends every prompt.
 */
export function planPrompts(opts: {runId: string; prefixTokens: number; question?: string | undefined}): PromptPlan {
  const question = opts.question?.trim() || DEFAULT_QUESTION;
  const prefix = opts.prefixTokens > 0 ? fillerText(opts.prefixTokens, `shared:${opts.runId}`) : '';
  const compose = (tag: string, body: string): string => [`[${tag}]`, body, question].filter(Boolean).join('\n\n');
  return {
    runId: opts.runId,
    identical: compose(`probe ${opts.runId}`, prefix),
    unique: (i) => compose(`probe ${opts.runId} control ${i}`, opts.prefixTokens > 0 ? fillerText(opts.prefixTokens, `unique:${opts.runId}:${i}`) : ''),
    approxTokens: opts.prefixTokens + question.split(/\s+/).length + 4,
  };
}

/** The request body for an OpenAI-compatible path: chat messages, or a completions prompt. */
export function requestBody(path: string, model: string, prompt: string, maxTokens: number): Record<string, unknown> {
  const chat = !/\/completions\/?$/.test(path) || /chat\/completions\/?$/.test(path);
  const common = {model, max_tokens: maxTokens, temperature: 0, stream: true, stream_options: {include_usage: true}};
  return chat ? {...common, messages: [{role: 'user', content: prompt}]} : {...common, prompt};
}
