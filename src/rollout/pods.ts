/*
 * Which pods belong to the new revision of a workload, and whether one of them shows a failure
 * that will not fix itself (so we can stop waiting long before --timeout). Pure functions.
 */
import type {KubeObject} from '../kube/client.ts';
import {REVISION_ANNOTATION} from '../k8s/rollout.ts';
import type {ContainerStatus, Pod, Workload, WorkloadKind} from './types.ts';

function ownedBy(obj: KubeObject, owner: KubeObject): boolean {
  return (obj.metadata.ownerReferences ?? []).some((o) => o.uid === owner.metadata.uid && o.controller !== false);
}

/** The label that marks the pods of the new revision, and what to call that revision. */
export interface NewRevision {
  /** Pod label key and value shared by the new revision's pods. */
  label: string;
  value: string;
  /** ReplicaSet (Deployment) or ControllerRevision (DaemonSet, StatefulSet) name. */
  name: string;
  /** Deployment revision number (annotation deployment.kubernetes.io/revision). */
  revision?: string;
}

/**
 * The new ReplicaSet of a Deployment: the one owned by it whose revision annotation equals the
 * Deployment's. The deployment controller writes the Deployment's revision annotation when it
 * creates/adopts the new ReplicaSet, before it raises observedGeneration
 * (k8s.io/kubernetes pkg/controller/deployment/sync.go getNewReplicaSet), so once the spec
 * update is observed this names the right ReplicaSet. Undefined until then.
 */
export function newReplicaSet(deployment: Workload, replicaSets: KubeObject[]): KubeObject | undefined {
  if ((deployment.metadata.generation ?? 0) > (deployment.status?.observedGeneration ?? 0)) return undefined;
  const rev = deployment.metadata.annotations?.[REVISION_ANNOTATION];
  if (rev === undefined) return undefined;
  return replicaSets.find((rs) => ownedBy(rs, deployment) && rs.metadata.annotations?.[REVISION_ANNOTATION] === rev);
}

/**
 * How to recognise the new revision's pods: Deployments by pod-template-hash of the new
 * ReplicaSet; StatefulSets by controller-revision-hash = status.updateRevision; DaemonSets by the
 * controller-revision-hash of their newest ControllerRevision (pkg/controller/daemon/update.go).
 */
export function newRevision(
  kind: WorkloadKind,
  workload: Workload,
  owned: {replicaSets?: KubeObject[]; controllerRevisions?: (KubeObject & {revision?: number})[]},
): NewRevision | undefined {
  switch (kind) {
    case 'Deployment': {
      const rs = newReplicaSet(workload, owned.replicaSets ?? []);
      const hash = rs?.metadata.labels?.['pod-template-hash'];
      if (!rs || !hash) return undefined;
      const revision = rs.metadata.annotations?.[REVISION_ANNOTATION];
      return {label: 'pod-template-hash', value: hash, name: rs.metadata.name, ...(revision ? {revision} : {})};
    }
    case 'StatefulSet': {
      if ((workload.metadata.generation ?? 0) > (workload.status?.observedGeneration ?? 0)) return undefined;
      const rev = workload.status?.updateRevision;
      return rev ? {label: 'controller-revision-hash', value: rev, name: rev} : undefined;
    }
    case 'DaemonSet': {
      if ((workload.metadata.generation ?? 0) > (workload.status?.observedGeneration ?? 0)) return undefined;
      const newest = (owned.controllerRevisions ?? [])
        .filter((cr) => ownedBy(cr, workload))
        .sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))[0];
      const hash = newest?.metadata.labels?.['controller-revision-hash'];
      return newest && hash ? {label: 'controller-revision-hash', value: hash, name: newest.metadata.name, revision: String(newest.revision ?? '')} : undefined;
    }
  }
}

export function podsOfRevision(pods: Pod[], rev: NewRevision): Pod[] {
  return pods.filter((p) => p.metadata.labels?.[rev.label] === rev.value && !p.metadata.deletionTimestamp);
}

export interface PodProblem {
  reason: 'CrashLoopBackOff' | 'ImagePullBackOff';
  pod: string;
  container: string;
  /** The kubelet's waiting reason as shown (CrashLoopBackOff, ImagePullBackOff, ErrImagePull, InvalidImageName). */
  podReason: string;
  podMessage?: string;
  lastTermination?: string;
}

const IMAGE_REASONS = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName']);

/** "Error (exit code 1): level=error msg=..." from a container's last termination. */
export function formatTermination(t: {reason?: string; message?: string; exitCode?: number} | undefined): string | undefined {
  if (!t) return undefined;
  const head = `${t.reason ?? 'Terminated'}${t.exitCode === undefined ? '' : ` (exit code ${t.exitCode})`}`;
  const msg = t.message?.trim();
  return msg ? `${head}: ${msg}` : head;
}

function containerProblem(pod: Pod, cs: ContainerStatus): PodProblem | undefined {
  const waiting = cs.state?.waiting;
  const r = waiting?.reason;
  if (!r) return undefined;
  let reason: PodProblem['reason'] | undefined;
  if (r === 'CrashLoopBackOff') reason = 'CrashLoopBackOff';
  else if (IMAGE_REASONS.has(r)) reason = 'ImagePullBackOff';
  if (!reason) return undefined;
  const last = formatTermination(cs.lastState?.terminated);
  return {
    reason,
    pod: pod.metadata.name,
    container: cs.name,
    podReason: r,
    ...(waiting.message ? {podMessage: waiting.message} : {}),
    ...(last ? {lastTermination: last} : {}),
  };
}

/**
 * The first new pod (by name, for stable output) with a container — init containers first, as
 * they run first — stuck in CrashLoopBackOff or failing to pull its image.
 */
export function podProblem(pods: Pod[]): PodProblem | undefined {
  const sorted = [...pods].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  for (const pod of sorted) {
    for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const p = containerProblem(pod, cs);
      if (p) return p;
    }
  }
  return undefined;
}
