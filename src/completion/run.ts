/*
 * `kubectl_complete-infgw ARGS…` / `kubectl-infgw __complete ARGS…`: plan, look up if needed
 * (bounded in time, silent on failure), and print Cobra's completion output.
 */
import {Directive, formatCompletion, planCompletion, type Candidate, type LookupKind} from './complete.ts';
import {completionModel, type OclifManifest} from './model.ts';
import type {KubeFlagValues} from '../kube/options.ts';

/** How long a cluster lookup may take before completion gives up (a TAB must feel instant). */
export const LOOKUP_TIMEOUT_MS = 2000;

export type Lookup = (kind: LookupKind, kube: KubeFlagValues, signal: AbortSignal) => Promise<Candidate[]>;

export interface CompleteOptions {
  timeoutMs?: number;
  /** Injected by tests; by default src/completion/lookups.ts, imported only when needed. */
  lookup?: Lookup;
}

/**
 * Completion output for `args` (the words after the plugin name, the last one being the word
 * under the cursor). kubectl calls the completion executable without a "__complete" word; a
 * leading one (Cobra's hidden command, as in `kubectl-infgw __complete …`) is accepted too.
 */
export async function completionOutput(manifest: OclifManifest, args: string[], opts: CompleteOptions = {}): Promise<string> {
  const words = args[0] === '__complete' ? args.slice(1) : args;
  const plan = planCompletion(completionModel(manifest), words.length ? words : ['']);
  if (plan.kind === 'static') return formatCompletion(plan.candidates, plan.directive);

  const timeoutMs = opts.timeoutMs ?? LOOKUP_TIMEOUT_MS;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error('timeout'));
    }, timeoutMs);
  });
  let found: Candidate[] = [];
  try {
    const lookup = opts.lookup ?? (await import('./lookups.ts')).lookup;
    // The race also bounds what the signal cannot stop, such as a kubeconfig exec plugin.
    found = await Promise.race([lookup(plan.lookup, plan.kube, controller.signal), timeout]);
  } catch {
    found = [];
  } finally {
    clearTimeout(timer);
  }
  const candidates = found
    .filter((c) => c.value.startsWith(plan.partial))
    .map((c) => ({value: plan.prefix + c.value, description: c.description}));
  return formatCompletion(candidates, Directive.noFileComp);
}
