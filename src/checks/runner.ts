import type {Snapshot} from '../snapshot/types.ts';
import {access} from '../snapshot/query.ts';
import {kindDef} from '../snapshot/kinds.ts';
import {snapshotView} from '../snapshot/view.ts';
import type {Check, Draft, Finding, Severity} from './types.ts';
import {poolRef, type PoolChain, type Target} from '../model/target.ts';
import {docsFor} from './docs.ts';

export interface RunOptions {
  /** run only checks for which this returns true (--only/--skip/--symptom) */
  select?: (code: string) => boolean;
  now?: Date;
  /** progress: called after each check (per chain) */
  onCheck?: (check: Check, findings: Finding[], chain?: PoolChain) => void;
}

const FAILING: ReadonlySet<Severity> = new Set(['error', 'blocked']);

/**
 * Run the catalog over a snapshot. Cluster checks once, chain checks once per InferencePool chain.
 * A check whose dependency failed (error) or was itself blocked — in the same chain or at cluster
 * level — is not run: it reports "blocked" with the root-cause codes (linkerd's fatal checks stop
 * everything; we keep going, style.md).
 */
export function runChecks(catalog: readonly Check[], snap: Snapshot, target: Target, opts: RunOptions = {}): Finding[] {
  const now = opts.now ?? new Date();
  const select = opts.select ?? (() => true);
  const findings: Finding[] = [];
  /** per scope ('' = cluster, else chain key) → code → findings */
  const byScope = new Map<string, Map<string, Finding[]>>();
  const record = (scope: string, f: Finding[]): void => {
    let m = byScope.get(scope);
    if (!m) byScope.set(scope, (m = new Map()));
    for (const x of f) m.set(x.code, [...(m.get(x.code) ?? []), x]);
    findings.push(...f);
  };
  const codes = new Map(catalog.map((c) => [c.code, c]));

  /** root-cause codes that block `check` in this scope, or [] */
  const blockers = (check: Check, chainKey: string | undefined): string[] => {
    const roots = new Set<string>();
    for (const dep of check.dependsOn ?? []) {
      const depCheck = codes.get(dep);
      if (!depCheck) continue;
      const scopes = depCheck.scope === 'cluster' ? [''] : chainKey !== undefined ? [chainKey] : [...byScope.keys()].filter((k) => k !== '');
      for (const s of scopes) {
        for (const f of byScope.get(s)?.get(dep) ?? []) {
          if (!FAILING.has(f.severity)) continue;
          if (f.severity === 'blocked') for (const b of f.blockedBy ?? []) roots.add(b);
          else roots.add(f.code);
        }
      }
    }
    return [...roots].sort();
  };

  /** a dependency that could not run at all here (every finding "skipped"): this one cannot either */
  const skippedDependency = (check: Check, chainKey: string | undefined): string | undefined => {
    for (const dep of check.dependsOn ?? []) {
      const depCheck = codes.get(dep);
      if (!depCheck) continue;
      const fs = depCheck.scope === 'cluster' ? (byScope.get('')?.get(dep) ?? []) : chainKey !== undefined ? (byScope.get(chainKey)?.get(dep) ?? []) : [];
      if (fs.length > 0 && fs.every((f) => f.severity === 'skipped')) return dep;
    }
    return undefined;
  };

  const unreadable = (check: Check, namespace: string | undefined): Draft | undefined => {
    for (const k of check.reads) {
      if (check.judgesUnreadable?.includes(k)) continue;
      const why = access(snap, k, namespace);
      if (!why || why.reason === 'notServed') continue;
      const what = kindDef(k).kind;
      const where = namespace && kindDef(k).namespaced ? ` in ${namespace}` : '';
      if (why.reason === 'forbidden') return {severity: 'skipped', message: `skipped: forbidden to list ${what}${where}`, fix: why.rule};
      if (why.reason === 'offline') return {severity: 'skipped', message: `skipped: ${what} ${why.message}`};
      return {severity: 'skipped', message: `skipped: ${what}: ${why.message}`};
    }
    return undefined;
  };

  const finish = (check: Check, all: Draft[], ms: number, chain?: PoolChain): Finding[] => {
    // "not applicable" is a result without a finding: nothing is shown for it
    const drafts = all.filter((d): d is Draft & {severity: Severity} => d.severity !== 'notApplicable');
    const each = drafts.length > 0 ? ms / drafts.length : ms;
    return drafts.map((d) => ({
      code: check.code,
      title: check.title,
      phase: check.phase,
      severity: d.severity,
      ...(d.object ? {object: d.object} : chain ? {object: poolRef(chain)} : {}),
      message: d.message,
      ...(d.fix ? {fix: d.fix} : {}),
      ...(d.blockedBy?.length ? {blockedBy: d.blockedBy} : {}),
      ...(chain ? {chain: chain.key} : {}),
      durationMs: Math.round(each * 1000) / 1000,
      docs: docsFor(check),
    }));
  };

  /** an observation a failed check already explains: "blocked" by that root cause, the observation kept */
  const explained = (check: Check, drafts: Draft[], chainKey: string | undefined): Draft[] => {
    if (!check.explainedBy?.length) return drafts;
    const roots = blockers({...check, dependsOn: check.explainedBy}, chainKey);
    if (!roots.length) return drafts;
    const why = roots.map((r) => `${r} (${codes.get(r)?.title ?? r})`).join('; ');
    return drafts.map((d) => (d.severity === 'error' || d.severity === 'warning' ? {...d, severity: 'blocked', message: `${d.message} — explained by ${why}`, blockedBy: roots} : d));
  };

  const blockedDraft = (check: Check, roots: string[]): Draft => ({
    severity: 'blocked',
    message: `blocked by ${roots.join(', ')}: ${roots.map((r) => codes.get(r)?.title ?? r).join('; ')}`,
    blockedBy: roots,
  });

  for (const check of catalog) {
    if (!select(check.code)) continue;
    if (check.scope === 'cluster') {
      const t0 = performance.now();
      const roots = blockers(check, undefined);
      let drafts: Draft[];
      const skippedDep = roots.length ? undefined : skippedDependency(check, undefined);
      if (roots.length) drafts = [blockedDraft(check, roots)];
      else if (skippedDep) drafts = [{severity: 'skipped', message: `skipped: ${skippedDep} (${codes.get(skippedDep)?.title ?? ''}) could not run`}];
      else drafts = [unreadable(check, snap.namespace) ?? undefined].filter((d): d is Draft => d !== undefined);
      if (!drafts.length) drafts = explained(check, safeRun(() => check.run({snap: snapshotView(snap, check.code, check.reads), target, now})), undefined);
      const f = finish(check, drafts, performance.now() - t0);
      record('', f);
      opts.onCheck?.(check, f);
      continue;
    }
    for (const chain of target.chains) {
      const t0 = performance.now();
      const roots = blockers(check, chain.key);
      let drafts: Draft[];
      const skippedDep = roots.length ? undefined : skippedDependency(check, chain.key);
      if (roots.length) drafts = [blockedDraft(check, roots)];
      else if (skippedDep) drafts = [{severity: 'skipped', message: `skipped: ${skippedDep} (${codes.get(skippedDep)?.title ?? ''}) could not run`}];
      else {
        const u = unreadable(check, chain.namespace);
        drafts = u ? [u] : explained(check, safeRun(() => check.run({snap: snapshotView(snap, check.code, check.reads), target, chain, now})), chain.key);
      }
      const f = finish(check, drafts, performance.now() - t0, chain);
      record(chain.key, f);
      opts.onCheck?.(check, f, chain);
    }
  }
  return findings;
}

function safeRun(fn: () => Draft[]): Draft[] {
  try {
    return fn();
  } catch (error) {
    return [{severity: 'skipped', message: `skipped: the check itself failed (${(error as Error).message}); please report this`}];
  }
}

export interface Summary {
  errors: number;
  warnings: number;
  infos: number;
  ok: number;
  skipped: number;
  blocked: number;
  /** findings suppressed by the infgw.io/suppress annotation (not in the counts above) */
  suppressed: number;
}

export function summarize(findings: readonly Finding[]): Summary {
  const s: Summary = {errors: 0, warnings: 0, infos: 0, ok: 0, skipped: 0, blocked: 0, suppressed: 0};
  for (const f of findings) {
    if (f.suppressed) s.suppressed++;
    else if (f.severity === 'error') s.errors++;
    else if (f.severity === 'warning') s.warnings++;
    else if (f.severity === 'info') s.infos++;
    else if (f.severity === 'ok') s.ok++;
    else if (f.severity === 'skipped') s.skipped++;
    else s.blocked++;
  }
  return s;
}

export type FailureThreshold = 'error' | 'warning';

/**
 * Does the run fail (exit code 1)? Threshold error (the default): an unsuppressed error;
 * threshold warning: an unsuppressed error or warning (istioctl analyze --failure-threshold).
 */
export function failing(findings: readonly Finding[], threshold: FailureThreshold = 'error'): boolean {
  return findings.some((f) => !f.suppressed && (f.severity === 'error' || (threshold === 'warning' && f.severity === 'warning')));
}

/** Healthy = no errors (warnings allowed): exit code 0. */
export function healthy(findings: readonly Finding[], threshold: FailureThreshold = 'error'): boolean {
  return !failing(findings, threshold);
}
