/*
 * Core Kubernetes object shapes (the fields this tool reads) and small pure readers: conditions,
 * object references, ages. Used by every folder; no I/O.
 */
import type {KubeObject} from '../kube/client.ts';

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {key: string; operator: string; values?: string[]}[];
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: {name: string; value?: string; valueFrom?: unknown}[];
  ports?: ContainerPort[];
  volumeMounts?: {name: string; mountPath: string}[];
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  serviceAccountName?: string;
  nodeName?: string;
  volumes?: {name: string; configMap?: {name: string}; secret?: {secretName: string}}[];
}

export interface ContainerState {
  waiting?: {reason?: string; message?: string};
  running?: {startedAt?: string};
  terminated?: {reason?: string; message?: string; exitCode?: number; startedAt?: string; finishedAt?: string};
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  image?: string;
  started?: boolean;
  state?: ContainerState;
  lastState?: ContainerState;
}

/** A pod as the API lists it; a hand-made one (a test, a manifest) may lack its spec. */
export interface PodLike extends KubeObject {
  spec?: PodSpec | undefined;
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    podIP?: string;
    startTime?: string;
  };
}

export interface Pod extends PodLike {
  spec: PodSpec;
}

/** apps/v1 workloads (Deployment, DaemonSet, StatefulSet): the fields rollout status reads. */
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

export interface Deployment extends KubeObject {
  spec: {
    replicas?: number;
    paused?: boolean;
    selector?: LabelSelector;
    template: {metadata?: {labels?: Record<string, string>; annotations?: Record<string, string>}; spec: PodSpec};
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Condition[];
  };
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}

export interface Service extends KubeObject {
  spec: {selector?: Record<string, string>; ports?: ServicePort[]; type?: string; clusterIP?: string};
}

export interface EndpointSlice extends KubeObject {
  addressType?: string;
  endpoints?: {addresses: string[]; conditions?: {ready?: boolean; serving?: boolean; terminating?: boolean}; targetRef?: {kind?: string; name?: string; namespace?: string}}[];
  ports?: {name?: string; port?: number; protocol?: string}[] | null;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export function ref(o: KubeObject, apiVersion?: string, kind?: string): ObjectRef {
  return {
    apiVersion: apiVersion ?? o.apiVersion ?? '',
    kind: kind ?? o.kind ?? '',
    ...(o.metadata.namespace ? {namespace: o.metadata.namespace} : {}),
    name: o.metadata.name,
  };
}

export function conditions(o: unknown): Condition[] {
  const st = (o as {status?: {conditions?: Condition[]}} | undefined)?.status;
  return Array.isArray(st?.conditions) ? st.conditions : [];
}

export function condition(conds: Condition[] | undefined, type: string): Condition | undefined {
  return (conds ?? []).find((c) => c.type === type);
}

/** "Programmed=False (AddressNotAssigned: no address)" */
export function describeCondition(c: Condition | undefined, type?: string): string {
  if (!c) return `${type ?? 'condition'} not set`;
  const detail = [c.reason, c.message].filter(Boolean).join(': ');
  return `${c.type}=${c.status}${detail ? ` (${detail})` : ''}`;
}

export function age(from: string | Date | undefined, now: Date): string {
  if (!from) return '?';
  const ms = now.getTime() - (typeof from === 'string' ? Date.parse(from) : from.getTime());
  if (!Number.isFinite(ms)) return '?';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}
