/*
 * The whole `restart` command minus flags and printing: restart, verify, wait, and decide the
 * exit code. patch-envoy reuses restartWorkload() and waitForRollout() directly.
 */
import {ExitCode, type ExitCodeValue} from '../errors.ts';
import type {KubeClient} from '../kube/client.ts';
import {onDeleteNote, restartWorkload, restartedAtOf, RESTARTED_AT_ANNOTATION} from './restart.ts';
import {REVISION_ANNOTATION} from '../k8s/rollout.ts';
import type {RestartResult, RolloutResult, WorkloadRef} from './types.ts';
import {waitForRollout} from './wait.ts';

export interface FieldChange {
  path: string;
  before: string | number | null;
  after: string | number | null;
}

export interface RestartReport {
  ref: WorkloadRef;
  restart: RestartResult;
  /** What the patch changed (or would change, with --dry-run). */
  changes: FieldChange[];
  /** The Deployment's revision before the restart (annotation deployment.kubernetes.io/revision). */
  previousRevision?: string;
  /** Undefined when we did not wait (--no-wait, --dry-run, OnDelete). */
  rollout?: RolloutResult;
  warnings: string[];
  notes: string[];
  exitCode: ExitCodeValue;
}

export interface RestartFlowOptions {
  dryRun?: boolean;
  wait?: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  now?: Date;
}

export function restartChanges(r: RestartResult): FieldChange[] {
  const changes: FieldChange[] = [
    {path: `spec.template.metadata.annotations["${RESTARTED_AT_ANNOTATION}"]`, before: restartedAtOf(r.before) ?? null, after: restartedAtOf(r.after) ?? null},
  ];
  const g0 = r.before.metadata.generation;
  const g1 = r.after.metadata.generation;
  if (g0 !== g1) changes.push({path: 'metadata.generation', before: g0 ?? null, after: g1 ?? null});
  return changes.filter((c) => c.before !== c.after);
}

export async function restartAndWait(kube: KubeClient, ref: WorkloadRef, opts: RestartFlowOptions): Promise<RestartReport> {
  const restart = await restartWorkload(kube, ref, {...(opts.dryRun ? {dryRun: true} : {}), ...(opts.now ? {now: opts.now} : {})});
  const changes = restartChanges(restart);
  const previousRevision = restart.before.metadata.annotations?.[REVISION_ANNOTATION];
  const warnings: string[] = [];
  const notes: string[] = [];
  const report = (rest: Partial<RestartReport> & {exitCode: ExitCodeValue}): RestartReport => ({
    ref,
    restart,
    changes,
    ...(previousRevision ? {previousRevision} : {}),
    warnings,
    notes,
    ...rest,
  });

  const generationMoved = restart.after.metadata.generation !== restart.before.metadata.generation;
  if (!restart.annotationKept) {
    if (!generationMoved) {
      // The template did not change at all: a mutating webhook removed the annotation on admission.
      warnings.push(
        `the API server ${opts.dryRun ? 'would keep' : 'kept'} the pod template unchanged: the ${RESTARTED_AT_ANNOTATION} annotation was removed on admission (a mutating webhook?), so nothing ${opts.dryRun ? 'would restart' : 'restarts'}`,
      );
      return report({exitCode: ExitCode.problems});
    }
    warnings.push(
      `the ${RESTARTED_AT_ANNOTATION} annotation was gone when we read ${ref.kind} ${ref.namespace}/${ref.name} back: an operator or controller reconciles its pod template; the rollout may be undone or repeated`,
    );
  }
  if (opts.dryRun || opts.wait === false) return report({exitCode: ExitCode.ok});
  const onDelete = onDeleteNote(ref, restart.after);
  if (onDelete) {
    notes.push(onDelete);
    return report({exitCode: ExitCode.ok});
  }
  const rollout = await waitForRollout(kube, ref, {
    timeoutMs: opts.timeoutMs,
    ...(opts.signal ? {signal: opts.signal} : {}),
    ...(opts.onProgress ? {onProgress: opts.onProgress} : {}),
  });
  if (rollout.done && rollout.object && restart.annotationKept && restartedAtOf(rollout.object) !== restart.restartedAt) {
    warnings.push(`the ${RESTARTED_AT_ANNOTATION} annotation was removed from ${ref.kind} ${ref.namespace}/${ref.name} during the rollout: an operator reconciles its pod template`);
  }
  const exitCode = rollout.done ? ExitCode.ok : rollout.reason === 'Interrupted' ? ExitCode.interrupted : ExitCode.problems;
  return report({rollout, exitCode});
}
