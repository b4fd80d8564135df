/*
 * kubectl's rollout completion rules, as one pure function over the workload object.
 * Source: k8s.io/kubectl pkg/polymorphichelpers/rollout_status.go (DeploymentStatusViewer,
 * DaemonSetStatusViewer, StatefulSetStatusViewer). The messages are kubectl's, without the
 * trailing newline, so a user sees the same lines from `kubectl rollout status` and from us.
 * Deciding lives here; waiting (watch, pods, timeout) lives in src/rollout/wait.ts and only calls
 * this. doctor judges Deployments by the same decision (deploymentSummary), in its own words.
 */
import type {KubeObject} from '../kube/client.ts';
import type {Condition, Deployment, PodLike as Pod, Workload} from './objects.ts';

/** k8s.io/kubectl pkg/util/deployment: RevisionAnnotation. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** k8s.io/kubectl pkg/util/deployment: TimedOutReason (Progressing condition). */
export const TIMED_OUT_REASON = 'ProgressDeadlineExceeded';

export interface StatusView {
  message: string;
  done: boolean;
  error?: string;
}

/** deploymentutil.Revision: the revision annotation as a number; missing → 0. */
export function deploymentRevision(obj: KubeObject): number | undefined {
  const v = obj.metadata.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  return /^-?\d+$/.test(v) ? Number(v) : undefined;
}

export function condition(obj: Workload, type: string): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/**
 * Where a rollout stands, by kubectl's rules. `done` true means `kubectl rollout status` would exit
 * 0; an `error` means it would exit 1 (kubectl returns done=true together with the error for a
 * DaemonSet/StatefulSet that does not use RollingUpdate, and we keep that).
 */
export function rolloutStatus(obj: KubeObject, revision?: number): StatusView {
  const w = obj as Workload;
  switch (obj.kind) {
    case 'Deployment':
      return deploymentStatus(w, revision ?? 0);
    case 'DaemonSet':
      return daemonSetStatus(w);
    case 'StatefulSet':
      return statefulSetStatus(w);
    default:
      return {message: '', done: false, error: `no status viewer has been implemented for ${obj.kind ?? 'an object without kind'}`};
  }
}

/** Where a Deployment's rollout stands: the decision of kubectl's DeploymentStatusViewer. */
type DeploymentStage =
  | {stage: 'revisionError'; error: string}
  | {stage: 'observing'}
  | {stage: 'deadlineExceeded'}
  | {stage: 'updating'; updated: number; replicas: number}
  | {stage: 'terminating'; old: number}
  | {stage: 'available'; available: number; updated: number}
  | {stage: 'done'};

function deploymentStage(d: Workload, revision: number): DeploymentStage {
  const name = d.metadata.name;
  if (revision > 0) {
    const rev = deploymentRevision(d);
    if (rev === undefined) {
      return {stage: 'revisionError', error: `cannot get the revision of deployment "${name}": invalid ${REVISION_ANNOTATION} annotation`};
    }
    if (rev !== revision) {
      return {stage: 'revisionError', error: `desired revision (${revision}) is different from the running revision (${rev})`};
    }
  }
  const generation = d.metadata.generation ?? 0;
  const observed = d.status?.observedGeneration ?? 0;
  if (generation > observed) return {stage: 'observing'};
  const progressing = condition(d, 'Progressing');
  if (progressing?.reason === TIMED_OUT_REASON) return {stage: 'deadlineExceeded'};
  const st = d.status ?? {};
  const updated = st.updatedReplicas ?? 0;
  const replicas = d.spec?.replicas;
  if (replicas !== undefined && updated < replicas) return {stage: 'updating', updated, replicas};
  const total = st.replicas ?? 0;
  if (total > updated) return {stage: 'terminating', old: total - updated};
  const available = st.availableReplicas ?? 0;
  if (available < updated) return {stage: 'available', available, updated};
  return {stage: 'done'};
}

function deploymentStatus(d: Workload, revision: number): StatusView {
  const name = d.metadata.name;
  const s = deploymentStage(d, revision);
  switch (s.stage) {
    case 'revisionError':
      return {message: '', done: false, error: s.error};
    case 'observing':
      return {message: 'Waiting for deployment spec update to be observed...', done: false};
    case 'deadlineExceeded':
      return {message: '', done: false, error: `deployment "${name}" exceeded its progress deadline`};
    case 'updating':
      return {message: `Waiting for deployment "${name}" rollout to finish: ${s.updated} out of ${s.replicas} new replicas have been updated...`, done: false};
    case 'terminating':
      return {message: `Waiting for deployment "${name}" rollout to finish: ${s.old} old replicas are pending termination...`, done: false};
    case 'available':
      return {message: `Waiting for deployment "${name}" rollout to finish: ${s.available} of ${s.updated} updated replicas are available...`, done: false};
    case 'done':
      return {message: `deployment "${name}" successfully rolled out`, done: true};
  }
}

/**
 * doctor's view of a Deployment's rollout: the same decision as `kubectl rollout status`, with
 * spec.replicas defaulted as the API server stores it (1) so a manifest read from a file is judged
 * like the applied object, and doctor's shorter wording for its findings. `failed` = kubectl would
 * exit with an error (the progress deadline passed).
 */
export function deploymentSummary(d: Deployment): {done: boolean; failed: boolean; message: string} {
  const name = d.metadata.name;
  const s = deploymentStage({...d, spec: {...d.spec, replicas: d.spec.replicas ?? 1}}, 0);
  switch (s.stage) {
    case 'revisionError': // not reached: no revision asked for
    case 'deadlineExceeded':
      return {done: false, failed: true, message: `deployment "${name}" exceeded its progress deadline`};
    case 'observing':
      return {done: false, failed: false, message: `waiting for deployment "${name}" spec update to be observed`};
    case 'updating':
      return {done: false, failed: false, message: `${s.updated} of ${s.replicas} updated replicas are available`};
    case 'terminating':
      return {done: false, failed: false, message: `${s.old} old replicas are pending termination`};
    case 'available':
      return {done: false, failed: false, message: `${s.available} of ${s.updated} updated replicas are available`};
    case 'done':
      return {done: true, failed: false, message: `deployment "${name}" successfully rolled out`};
  }
}

function daemonSetStatus(ds: Workload): StatusView {
  const name = ds.metadata.name;
  // The API server always sets updateStrategy.type (default RollingUpdate); a hand-made object
  // without it is read as the default.
  if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
    // kubectl's message names the StatefulSet constant here; both are "RollingUpdate".
    return {message: '', done: true, error: 'rollout status is only available for RollingUpdate strategy type'};
  }
  const generation = ds.metadata.generation ?? 0;
  const observed = ds.status?.observedGeneration ?? 0;
  if (generation > observed) return {message: 'Waiting for daemon set spec update to be observed...', done: false};
  const st = ds.status ?? {};
  const desired = st.desiredNumberScheduled ?? 0;
  const updated = st.updatedNumberScheduled ?? 0;
  if (updated < desired) {
    return {message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`, done: false};
  }
  const available = st.numberAvailable ?? 0;
  if (available < desired) {
    return {message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`, done: false};
  }
  return {message: `daemon set "${name}" successfully rolled out`, done: true};
}

function statefulSetStatus(sts: Workload): StatusView {
  const strategy = sts.spec?.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
    return {message: '', done: true, error: 'rollout status is only available for RollingUpdate strategy type'};
  }
  const observed = sts.status?.observedGeneration ?? 0;
  if (observed === 0 || (sts.metadata.generation ?? 0) > observed) {
    return {message: 'Waiting for statefulset spec update to be observed...', done: false};
  }
  const st = sts.status ?? {};
  const replicas = sts.spec?.replicas;
  const ready = st.readyReplicas ?? 0;
  if (replicas !== undefined && ready < replicas) {
    return {message: `Waiting for ${replicas - ready} pods to be ready...`, done: false};
  }
  const updated = st.updatedReplicas ?? 0;
  // The API server defaults rollingUpdate.partition to 0, so for apps/v1 this branch is the usual
  // one: kubectl then reports "partitioned roll out complete" even without a partition.
  if (strategy?.rollingUpdate) {
    const partition = strategy.rollingUpdate.partition;
    if (replicas !== undefined && partition !== undefined && updated < replicas - partition) {
      return {message: `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...`, done: false};
    }
    return {message: `partitioned roll out complete: ${updated} new pods have been updated...`, done: true};
  }
  if (st.updateRevision !== st.currentRevision) {
    return {message: `waiting for statefulset rolling update to complete ${updated} pods at revision ${st.updateRevision ?? ''}...`, done: false};
  }
  return {message: `statefulset rolling update complete ${st.currentReplicas ?? 0} pods at revision ${st.currentRevision ?? ''}...`, done: true};
}

/** Container waiting reasons kubectl appends as a warning (rollout_status.go appendWarning). */
const WARNING_REASONS = new Set(['ImagePullBackOff', 'ErrImagePull', 'CrashLoopBackOff', 'CreateContainerConfigError', 'CreateContainerError']);

/**
 * kubectl's appendWarning for Deployments: the first pod matching the Deployment's selector that
 * is unschedulable or whose container waits for one of a few bad reasons adds
 * " (Warning: ...)" to the progress line.
 */
export function podWarning(pods: Pod[]): string | undefined {
  for (const pod of pods) {
    for (const c of pod.status?.conditions ?? []) {
      if (c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable') return `Warning: ${c.message ?? ''}`;
    }
    for (const cs of pod.status?.containerStatuses ?? []) {
      const w = cs.state?.waiting;
      if (w?.reason && WARNING_REASONS.has(w.reason)) return `Warning: ${w.reason} - ${w.message ?? ''}`;
    }
  }
  return undefined;
}

/** A progress line with kubectl's warning suffix. */
export function withWarning(message: string, warning: string | undefined): string {
  return warning ? `${message.trim()} (${warning})` : message;
}
