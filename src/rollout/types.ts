import type {KubeObject} from '../kube/client.ts';
import type {Condition, ContainerStatus, LabelSelector, PodLike as Pod, PodTemplate, Workload} from '../k8s/objects.ts';

// The workload, pod, condition and selector shapes are src/k8s's (one definition each).
export type {Condition, ContainerStatus, LabelSelector, Pod, PodTemplate, Workload};

/** The workload kinds `kubectl rollout restart` and `rollout status` handle (apps/v1). */
export type WorkloadKind = 'Deployment' | 'DaemonSet' | 'StatefulSet';

export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

export interface RestartResult {
  ref: WorkloadRef;
  /** The value written to spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]. */
  restartedAt: string;
  dryRun: boolean;
  /** metadata.generation after the patch (the rollout is done once status.observedGeneration reaches it). */
  generation?: number;
  /** false when the annotation was gone when we read the object back (a webhook or operator removed it). */
  annotationKept: boolean;
  before: KubeObject;
  after: KubeObject;
}

export type RolloutReason =
  | 'Complete'
  | 'ProgressDeadlineExceeded'
  | 'CrashLoopBackOff'
  | 'ImagePullBackOff'
  | 'Timeout'
  | 'Deleted'
  | 'Interrupted'
  | 'Paused';

export interface RolloutResult {
  done: boolean;
  /** kubectl's status line at the end (or why we stopped). */
  message: string;
  reason?: RolloutReason;
  /** The new pod that shows the failure. */
  pod?: string;
  /** The container's waiting reason (CrashLoopBackOff, ImagePullBackOff, ErrImagePull, ...). */
  podReason?: string;
  /** The container's last termination, e.g. "Error (exit code 1): config invalid". */
  lastTermination?: string;
  /** Deployment revision (annotation deployment.kubernetes.io/revision) of the new ReplicaSet. */
  revision?: string;
  /** The new ReplicaSet (Deployments) or ControllerRevision (DaemonSets, StatefulSets). */
  replicaSet?: string;
  elapsedMs: number;
  /** The workload as last seen. */
  object?: KubeObject;
}

export interface WaitOptions {
  /** 0 = wait forever (kubectl's --timeout=0). */
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /** Stop early on crash-looping / image-pull-failing new pods (default true). */
  failFast?: boolean;
}
