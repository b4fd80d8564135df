/*
 * probe-cache without the cluster. With --url and --model nothing needs the Kubernetes API to send
 * the prompts and time them; the API is needed only to read the counters (which pod served each
 * request, the prefix-cache hit ratios). So when the cluster cannot be used, probe-cache still
 * probes the URL, and reports what it could not measure as unknown, with the reason. Two pure
 * functions: whether an error from reaching the cluster allows that (offlineDecision), and what an
 * offline run concludes (analyzeOffline: always "cannot tell").
 */
import {ExitCode, InfgwError} from '../errors.ts';
import {type Analysis, type PhaseSummary, type Verdict, MIN_IDENTICAL_SUCCESSES, errorAdvice, errorSummary, ttftSummary} from './analyze.ts';
import type {PhaseRun} from './send.ts';
import {median, quantile} from './stats.ts';

/**
 * Where reaching the cluster failed: reading the kubeconfig (no file, no current context, a
 * context that does not exist), or using the API (unreachable, TLS, 401, 403, timeout, exec plugin).
 */
export type ClusterStage = 'kubeconfig' | 'api';

/** Why a probe ran without cluster metrics (the JSON report's `offline`). */
export interface OfflineReason {
  stage: ClusterStage;
  /** the error, in the words the command would have printed */
  reason: string;
  hint?: string;
}

export type OfflineDecision = {offline: true; why: OfflineReason} | {offline: false; error: unknown};

/**
 * Whether probe-cache may go on without the cluster after `error`:
 * - only with --url and --model (else the cluster is needed to know where to send, and what model);
 * - only for "cannot reach or authenticate to the cluster" errors (exit code 3): usage errors, a
 *   missing InferencePool in a cluster that answers, and bugs stay errors;
 * - not when the user named the cluster (--kubeconfig, --context, --cluster, --user) and the
 *   kubeconfig cannot resolve it: that is a typo to fix, as kubectl says, not a missing cluster;
 * - never after Ctrl-C.
 * Without --model, a cluster error keeps its exit code but its hint says how to probe offline.
 */
export function offlineDecision(input: {
  error: unknown;
  stage: ClusterStage;
  url?: string | undefined;
  model?: string | undefined;
  /** --kubeconfig, --context, --cluster or --user was given */
  explicitCluster: boolean;
  interrupted: boolean;
}): OfflineDecision {
  const {error} = input;
  if (input.interrupted || !(error instanceof InfgwError) || error.exitCode !== ExitCode.cluster) return {offline: false, error};
  if (!input.url) return {offline: false, error};
  if (!input.model) {
    const more = 'With --url, add --model NAME to probe that URL without the cluster (hit ratios and per-pod attribution are then unknown).';
    return {offline: false, error: new InfgwError(error.message, {exitCode: error.exitCode, hint: error.hint ? `${error.hint} ${more}` : more, cause: error})};
  }
  if (input.stage === 'kubeconfig' && input.explicitCluster) return {offline: false, error};
  return {offline: true, why: {stage: input.stage, reason: error.message, ...(error.hint ? {hint: error.hint} : {})}};
}

/** The one-line warning printed (stderr) when the probe goes on without the cluster. */
export function offlineWarning(why: OfflineReason, url: string): string {
  return `warning: no cluster metrics (${why.reason}); probing ${url} anyway — which pod served each request and the prefix-cache hit ratios will be unknown`;
}

const UNKNOWN_ATTRIBUTION = 'no cluster metrics: the model servers\' counters could not be read';
const UNKNOWN_HIT_RATIO = 'no cluster metrics: vllm:prefix_cache_queries/hits could not be read';

function offlinePhase(run: PhaseRun): PhaseSummary {
  const sent = run.results.length;
  const succeeded = run.results.filter((r) => r.ok).length;
  const ttfts = run.results.filter((r) => r.ok && r.ttftMs !== null).map((r) => r.ttftMs as number);
  return {
    planned: run.planned,
    sent,
    succeeded,
    attribution: {source: 'none', counts: {}, total: 0, succeeded, sent, unreadable: [], problem: UNKNOWN_ATTRIBUTION},
    hitRatio: null,
    hitRatioUnknown: UNKNOWN_HIT_RATIO,
    queries: null,
    hits: null,
    eppPicksTotal: null,
    eppPrefixIndexerHitRatio: null,
    ttft: {medianMs: median(ttfts) ?? null, p90Ms: quantile(ttfts, 0.9) ?? null, count: ttfts.length},
  };
}

const ms = (v: number | null): string => (v === null ? 'unknown' : `${Math.round(v)} ms`);

/**
 * What an offline run concludes. Never "working" or "not working": affinity is about which pod
 * served each request, and no response says that (the EPP tells only Envoy; domain-facts §2).
 * Failing requests come first (they are what the user can fix from here); then "cannot tell" with
 * the figures that were measured.
 */
export function analyzeOffline(input: {identical: PhaseRun; unique?: PhaseRun | undefined; why: OfflineReason; url: string; stoppedBy?: string | undefined}): Analysis {
  const identical = offlinePhase(input.identical);
  const unique = input.unique ? offlinePhase(input.unique) : null;
  const errors = errorSummary([...input.identical.results, ...(input.unique?.results ?? [])]);
  const ttft = ttftSummary(input.identical.results);
  const analysis: Omit<Analysis, 'verdict'> = {pods: [], identical, unique, affinity: null, control: null, ttft, errors, epp: null};

  const caveats: string[] = [];
  if (input.stoppedBy) caveats.push(`The run stopped early (${input.stoppedBy}); the figures cover what was sent.`);
  caveats.push(
    'TTFT alone cannot show prefix affinity: a repeat is also faster when load drops, and a single server with a prefix cache speeds up repeats too; no response says which pod served it.',
  );
  const withCluster = `Run it again with a kubeconfig context for the cluster behind ${input.url} (KUBECONFIG or --context) and -n for the InferencePool's namespace, so probe-cache can read the model servers' and the EPP's counters.`;
  const apiHint = input.why.stage === 'api' && input.why.hint ? [input.why.hint] : [];
  let verdict: Verdict;
  if (identical.succeeded < MIN_IDENTICAL_SUCCESSES) {
    const errs = Object.entries(errors.byKind)
      .map(([k, v]) => `${k} ×${v.count}${v.example ? ` ("${v.example.slice(0, 80)}")` : ''}`)
      .join(', ');
    verdict = {
      result: 'cannot-tell',
      reason: `only ${identical.succeeded} of ${identical.sent} identical requests succeeded${errs ? `: ${errs}` : ''} (and no cluster metrics: ${input.why.reason})`,
      nextSteps: [...(errors.total > 0 ? errorAdvice(errors) : [`Send more requests (-N ${Math.max(5, MIN_IDENTICAL_SUCCESSES * 2)} or more).`]), withCluster],
      caveats,
    };
  } else {
    const uniqueText = unique ? `, ${unique.succeeded} of ${unique.sent} unique` : '';
    const ttftText = `TTFT first ${ms(ttft.firstMs)}, repeats median ${ms(ttft.restMedianMs)}${unique ? `, unique median ${ms(unique.ttft.medianMs)}` : ''}`;
    verdict = {
      result: 'cannot-tell',
      reason: `no cluster metrics (${input.why.reason}): which pod served each request and the prefix-cache hit ratios are unknown; ${identical.succeeded} of ${identical.sent} identical${uniqueText} prompts answered, ${ttftText}`,
      nextSteps: [withCluster, ...apiHint],
      caveats,
    };
  }
  return {...analysis, verdict};
}
