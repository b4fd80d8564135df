import type {KubeObject} from '../kube/client.ts';

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

/** apps/v1 shapes: only the fields rollout logic reads. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {key: string; operator: string; values?: string[]}[];
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export interface PodTemplate {
  metadata?: {labels?: Record<string, string>; annotations?: Record<string, string>};
  spec?: unknown;
}

export interface Workload extends KubeObject {
  spec?: {
    replicas?: number;
    paused?: boolean;
    selector?: LabelSelector;
    template?: PodTemplate;
    progressDeadlineSeconds?: number;
    minReadySeconds?: number;
    strategy?: {type?: string};
    updateStrategy?: {type?: string; rollingUpdate?: {partition?: number; maxUnavailable?: number | string}};
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    currentReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    conditions?: Condition[];
    // DaemonSet
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    numberReady?: number;
  };
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: {
    waiting?: {reason?: string; message?: string};
    running?: {startedAt?: string};
    terminated?: {reason?: string; message?: string; exitCode?: number};
  };
  lastState?: {terminated?: {reason?: string; message?: string; exitCode?: number; finishedAt?: string}};
}

export interface Pod extends KubeObject {
  status?: {
    phase?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}
