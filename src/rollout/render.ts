/* Text and JSON renderings of a restart report (pure). */
import {workloadResource} from './restart.ts';
import type {RestartReport} from './flow.ts';
import {formatDuration} from './wait.ts';

/** kubectl's name printer: "deployment.apps/epp" (rollout_restart.go prints "<that> restarted"). */
export function qualifiedName(r: RestartReport): string {
  return `${r.ref.kind.toLowerCase()}.apps/${r.ref.name}`;
}

/** The JSON result document (printJson adds schemaVersion). */
export function restartDocument(r: RestartReport): Record<string, unknown> {
  const rollout = r.rollout;
  const {object: _object, ...rolloutDoc} = rollout ?? {};
  return {
    target: {...r.ref, resource: `${workloadResource(r.ref.kind)}.apps`},
    restart: {
      restartedAt: r.restart.restartedAt,
      dryRun: r.restart.dryRun,
      annotationKept: r.restart.annotationKept,
      generation: r.restart.generation ?? null,
      previousRevision: r.previousRevision ?? null,
      changes: r.changes,
    },
    rollout: rollout ? rolloutDoc : null,
    warnings: r.warnings,
    notes: r.notes,
    exitCode: r.exitCode,
  };
}

/** Lines for stdout after the wait (progress went to stderr already). */
export function restartText(r: RestartReport): {stdout: string[]; stderr: string[]} {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const name = qualifiedName(r);
  if (r.restart.dryRun) {
    stdout.push(`${name} restarted (server dry run)`);
    if (r.changes.length === 0) stdout.push('  would change nothing');
    for (const c of r.changes) stdout.push(`  would change ${c.path}: ${c.before ?? '(none)'} → ${c.after ?? '(none)'}`);
  } else {
    stdout.push(`${name} restarted`);
  }
  for (const w of r.warnings) stderr.push(`warning: ${w}`);
  for (const n of r.notes) stderr.push(`note: ${n}`);
  const ro = r.rollout;
  if (!ro) return {stdout, stderr};
  const where = ro.replicaSet ? `${r.ref.kind === 'Deployment' ? 'ReplicaSet' : 'revision'} ${ro.replicaSet}${ro.revision ? ` (revision ${ro.revision}${r.previousRevision && r.previousRevision !== ro.revision ? `, was ${r.previousRevision}` : ''})` : ''}` : undefined;
  if (ro.done) {
    stdout.push(ro.message);
    if (where) stdout.push(`new ${where}; took ${formatDuration(ro.elapsedMs)}`);
  }
  return {stdout, stderr};
}

/** The error line and hint for a rollout that did not finish (text mode). */
export function rolloutFailure(r: RestartReport, timeoutMs: number): {message: string; hint: string} | undefined {
  const ro = r.rollout;
  if (!ro || ro.done) return undefined;
  const follow = `kubectl rollout status ${r.ref.kind.toLowerCase()}/${r.ref.name} -n ${r.ref.namespace}`;
  switch (ro.reason) {
    case 'Interrupted':
      return {
        message: `interrupted after ${formatDuration(ro.elapsedMs)}; the rollout goes on in the cluster. It stood at: ${ro.message || 'no status yet'}`,
        hint: `Follow it with: ${follow}`,
      };
    case 'Timeout':
      return {message: `timed out after ${formatDuration(timeoutMs)} waiting for the rollout: ${ro.message}`, hint: `It may still finish; follow it with: ${follow} (or raise --timeout)`};
    case 'ProgressDeadlineExceeded':
      return {message: ro.message, hint: `The new pods did not become available within spec.progressDeadlineSeconds. Look at them: kubectl get pods -n ${r.ref.namespace}${ro.replicaSet ? ` | grep ${ro.replicaSet}` : ''}; kubectl describe ${r.ref.kind.toLowerCase()}/${r.ref.name} -n ${r.ref.namespace}`};
    case 'CrashLoopBackOff':
      return {message: ro.message, hint: `See why: kubectl logs -n ${r.ref.namespace} ${ro.pod ?? ''} --previous; the old pods keep serving while the new ones fail. Undo with: kubectl rollout undo ${r.ref.kind.toLowerCase()}/${r.ref.name} -n ${r.ref.namespace}`};
    case 'ImagePullBackOff':
      return {message: ro.message, hint: `Check the image name and pull secrets: kubectl describe pod -n ${r.ref.namespace} ${ro.pod ?? ''}`};
    case 'Paused':
      return {message: ro.message, hint: `kubectl rollout resume ${r.ref.kind.toLowerCase()}/${r.ref.name} -n ${r.ref.namespace}`};
    case 'Deleted':
      return {message: ro.message, hint: 'Something deleted the workload while we waited.'};
    default:
      return {message: ro.message || 'the rollout did not finish', hint: `Follow it with: ${follow}`};
  }
}
