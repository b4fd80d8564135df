import type {Snapshot} from '../snapshot/types.ts';
import type {KindKey} from '../snapshot/kinds.ts';
import type {ObjectRef} from '../k8s/objects.ts';
import type {PoolChain, Target} from '../model/target.ts';

export type Severity = 'error' | 'warning' | 'info' | 'ok' | 'skipped' | 'blocked';

/** Phases, in the order a person checks an install (issue 4). The code's hundreds digit. */
export const PHASES = {
  1: 'Cluster & CRDs',
  2: 'Gateway controller',
  3: 'Model serving',
  4: 'Inference gateway chart',
  5: 'EPP runtime',
  6: 'Scheduling config',
  7: 'LiteLLM',
  8: 'Request & Envoy proxy',
} as const;
export type Phase = keyof typeof PHASES;

/** What a check reports, before the runner adds code, title and timing. */
export interface Draft {
  /** notApplicable: nothing to judge here (no pool in this chain, offline, …); the runner drops it */
  severity: Severity | 'notApplicable';
  object?: ObjectRef | undefined;
  message: string;
  /** an exact command or YAML with the real names filled in */
  fix?: string | undefined;
  /** for skipped/blocked */
  blockedBy?: string[] | undefined;
}

export interface Finding extends Omit<Draft, 'severity'> {
  severity: Severity;
  code: string;
  title: string;
  phase: Phase;
  /** the pool chain this finding belongs to (`namespace/name`), absent for cluster-wide checks */
  chain?: string | undefined;
  durationMs: number;
  /** documentation: the README catalogue anchor `#igw-nnn` or an upstream page (src/checks/docs.ts) */
  docs?: string | undefined;
  /** the object it names carries `infgw.io/suppress` with this code (src/doctor/suppress.ts): shown, not counted */
  suppressed?: boolean | undefined;
}

export interface CheckContext {
  snap: Snapshot;
  target: Target;
  /** set for per-pool checks */
  chain: PoolChain;
  now: Date;
}

export interface ClusterCheckContext {
  snap: Snapshot;
  target: Target;
  now: Date;
}

interface CheckBase {
  /** stable, `IGW-nnn`; the hundreds digit is the phase */
  code: string;
  phase: Phase;
  /** one line, what is verified ("EPP Deployment is available") */
  title: string;
  /** codes this check needs to have passed; when one failed, this one is "blocked by" it */
  dependsOn?: string[];
  /**
   * For checks that judge an observation (the request of doctor --request, the Envoy proxy's own
   * view): codes whose failure already explains what was observed. The check still runs; when one
   * of these failed in the same scope, its errors and warnings become "blocked" by that root cause,
   * the observation kept in the message (a 503 while IGW-405 says the EPP is down is IGW-405's).
   */
  explainedBy?: string[];
  /**
   * The symptom playbooks this check belongs to (src/doctor/symptoms.ts) and its place in each:
   * 1 = the most likely root cause, checked and named first. The playbooks are built from this.
   */
  symptoms?: Readonly<Record<string, number>>;
  /**
   * Every kind run() reads: run() gets a snapshot that holds only these (reading another kind
   * throws; test/unit/checks/reads.test.ts runs the catalog to prove the list complete). When one
   * cannot be read (forbidden, failed, offline), the check is "skipped" with the reason — unless
   * the kind is also in judgesUnreadable.
   */
  reads: readonly KindKey[];
  /** Kinds of `reads` whose unreadability the check judges itself (its own access test and message). */
  judgesUnreadable?: readonly KindKey[];
  /** the README check catalogue's row (scripts/readme-checks.ts writes it): what is verified, what a failure means */
  readme: {checks: string; failure: string};
  /**
   * For a check that judges something only when it is there (body-based routing, a second EPP replica …):
   * the "not applicable" reason reported when run() finds nothing to judge (the catalog wraps run()).
   */
  whenAbsent?: string;
  /** documentation: an upstream page or a README anchor */
  docs?: string;
}

/** Runs once per run. */
export interface ClusterCheck extends CheckBase {
  scope: 'cluster';
  run(ctx: ClusterCheckContext): Draft[];
}

/** Runs once per InferencePool chain (issue 4: discovery is pool-centric). */
export interface ChainCheck extends CheckBase {
  scope: 'chain';
  run(ctx: CheckContext): Draft[];
}

export type Check = ClusterCheck | ChainCheck;

export function ok(message: string, object?: ObjectRef): Draft {
  return {severity: 'ok', message, ...(object ? {object} : {})};
}
export function error(message: string, object: ObjectRef | undefined, fix?: string): Draft {
  return {severity: 'error', message, ...(object ? {object} : {}), ...(fix ? {fix} : {})};
}
export function warning(message: string, object: ObjectRef | undefined, fix?: string): Draft {
  return {severity: 'warning', message, ...(object ? {object} : {}), ...(fix ? {fix} : {})};
}
export function info(message: string, object?: ObjectRef, fix?: string): Draft {
  return {severity: 'info', message, ...(object ? {object} : {}), ...(fix ? {fix} : {})};
}
export function skipped(message: string, object?: ObjectRef, fix?: string): Draft {
  return {severity: 'skipped', message, ...(object ? {object} : {}), ...(fix ? {fix} : {})};
}

/**
 * The check has nothing to judge here, and why (no pool in this chain, offline, another check
 * reports it). A result, not a finding: the runner shows nothing for it, as for a check that found
 * nothing to say.
 */
export function notApplicable(why: string): Draft {
  return {severity: 'notApplicable', message: why};
}

/** The drafts, or "not applicable" (and why) when there are none. */
export function orNotApplicable(drafts: Draft[], why: string): Draft[] {
  return drafts.length > 0 ? drafts : [notApplicable(why)];
}
