/*
 * Small pure readers of core Kubernetes objects, shared by the checks: conditions, selectors,
 * pod readiness and *why* a pod is not ready, Deployment rollout state, Service ports and
 * EndpointSlices. No I/O.
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
  ready: boolean;
  restartCount: number;
  image?: string;
  started?: boolean;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface Pod extends KubeObject {
  spec: PodSpec;
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

/**
 * Label selector semantics (k8s.io/apimachinery pkg/labels/selector.go): every matchLabels pair
 * and every expression must hold. An empty selector matches everything — callers decide whether
 * that is acceptable. A plain map (InferencePool v1alpha2, Service) is treated as matchLabels.
 */
export function selectorMatches(selector: LabelSelector | Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  const sel = isLabelSelector(selector) ? selector : {matchLabels: selector};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const vals = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !vals.includes(l[e.key]!)) return false;
        break;
      case 'NotIn':
        if (has && vals.includes(l[e.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function isLabelSelector(s: LabelSelector | Record<string, string>): s is LabelSelector {
  return (
    typeof (s as LabelSelector).matchLabels === 'object' ||
    Array.isArray((s as LabelSelector).matchExpressions) ||
    Object.keys(s).length === 0
  );
}

export function selectorIsEmpty(selector: LabelSelector | Record<string, string> | undefined): boolean {
  if (!selector) return true;
  if (isLabelSelector(selector)) return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
  return Object.keys(selector).length === 0;
}

export function selectorString(selector: LabelSelector | Record<string, string> | undefined): string {
  if (!selector) return '';
  const sel = isLabelSelector(selector) ? selector : {matchLabels: selector};
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`);
  }
  return parts.join(',');
}

export function podReady(p: Pod): boolean {
  return p.status?.phase === 'Running' && condition(p.status.conditions, 'Ready')?.status === 'True' && !p.metadata.deletionTimestamp;
}

export interface PodProblem {
  /** short class: Unschedulable, ImagePull, CrashLoop, ContainerConfig, NotReady, Terminated, Pending, Terminating */
  kind: string;
  reason: string;
  message: string;
  container?: string;
}

const IMAGE_PULL = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull', 'RegistryUnavailable', 'SignatureValidationFailed']);

function lastTermination(cs: ContainerStatus): string {
  const t = cs.lastState?.terminated ?? cs.state?.terminated;
  if (!t) return '';
  const bits = [t.reason, t.exitCode !== undefined ? `exit code ${t.exitCode}` : undefined].filter(Boolean).join(', ');
  const msg = t.message ? `: ${t.message.trim().split('\n').slice(-3).join(' | ')}` : '';
  return `last terminated ${bits ? `(${bits})` : ''}${msg}`.trim();
}

/**
 * Why a pod is not Ready, in the order `kubectl describe` would make a person look: scheduling,
 * init containers, image pulls, crash loops, configuration errors, then readiness.
 * undefined when the pod is Ready.
 */
export function podProblem(p: Pod): PodProblem | undefined {
  if (podReady(p)) return undefined;
  if (p.metadata.deletionTimestamp) return {kind: 'Terminating', reason: 'Terminating', message: 'pod is being deleted'};
  const st = p.status ?? {};
  const sched = condition(st.conditions, 'PodScheduled');
  if (sched?.status === 'False') {
    return {kind: 'Unschedulable', reason: sched.reason ?? 'Unschedulable', message: sched.message ?? 'the scheduler found no node for it'};
  }
  if (st.phase === 'Failed' || st.phase === 'Succeeded') {
    return {kind: 'Terminated', reason: st.reason ?? st.phase, message: st.message ?? `pod phase ${st.phase}`};
  }
  const all = [...(st.initContainerStatuses ?? []).map((c) => ({c, init: true})), ...(st.containerStatuses ?? []).map((c) => ({c, init: false}))];
  for (const {c, init} of all) {
    const w = c.state?.waiting;
    if (!w?.reason) continue;
    const where = `${init ? 'init container' : 'container'} ${c.name}`;
    if (IMAGE_PULL.has(w.reason)) {
      return {kind: 'ImagePull', reason: w.reason, message: `${where} cannot pull image ${c.image ?? ''}${w.message ? `: ${w.message}` : ''}`.trim(), container: c.name};
    }
    if (w.reason === 'CrashLoopBackOff') {
      return {kind: 'CrashLoop', reason: w.reason, message: `${where} keeps crashing (${c.restartCount} restarts); ${lastTermination(c)}`.trim(), container: c.name};
    }
    if (w.reason === 'CreateContainerConfigError' || w.reason === 'CreateContainerError' || w.reason === 'RunContainerError') {
      return {kind: 'ContainerConfig', reason: w.reason, message: `${where}: ${w.message ?? w.reason}`, container: c.name};
    }
    if (w.reason !== 'ContainerCreating' && w.reason !== 'PodInitializing') {
      return {kind: 'Waiting', reason: w.reason, message: `${where} waiting: ${w.reason}${w.message ? `: ${w.message}` : ''}`, container: c.name};
    }
  }
  for (const {c, init} of all) {
    if (init) continue;
    const t = c.state?.terminated;
    if (t) return {kind: 'Terminated', reason: t.reason ?? 'Terminated', message: `container ${c.name} terminated; ${lastTermination(c)}`, container: c.name};
  }
  if (st.phase === 'Pending' || !st.phase) {
    return {kind: 'Pending', reason: st.reason ?? 'Pending', message: st.message ?? (sched?.status === 'True' ? 'containers are being created' : 'not scheduled yet')};
  }
  const notReady = (st.containerStatuses ?? []).find((c) => !c.ready);
  if (notReady) {
    const restarts = notReady.restartCount > 0 ? ` (${notReady.restartCount} restarts; ${lastTermination(notReady)})` : '';
    return {kind: 'NotReady', reason: 'ContainersNotReady', message: `container ${notReady.name} is running but not ready — its readiness probe fails${restarts}`, container: notReady.name};
  }
  const ready = condition(st.conditions, 'Ready');
  return {kind: 'NotReady', reason: ready?.reason ?? 'NotReady', message: ready?.message ?? 'pod is not ready'};
}

const PROBLEM_ORDER = ['ImagePull', 'CrashLoop', 'ContainerConfig', 'Unschedulable', 'Terminated', 'Waiting', 'NotReady', 'Pending', 'Terminating'];

/** The most telling problem among several pods (an image pull error explains more than "Pending"). */
export function worstPodProblem(pods: Pod[]): {pod: Pod; problem: PodProblem} | undefined {
  let best: {pod: Pod; problem: PodProblem} | undefined;
  for (const pod of pods) {
    const problem = podProblem(pod);
    if (!problem) continue;
    if (!best || PROBLEM_ORDER.indexOf(problem.kind) < PROBLEM_ORDER.indexOf(best.problem.kind)) best = {pod, problem};
  }
  return best;
}

/**
 * Deployment rollout state, in the order of kubectl's DeploymentStatusViewer
 * (k8s.io/kubectl pkg/polymorphichelpers/rollout_status.go): observed generation, progress
 * deadline, updated, old replicas terminating, available.
 */
export function rolloutStatus(d: Deployment): {done: boolean; failed: boolean; message: string} {
  const name = d.metadata.name;
  const st = d.status ?? {};
  const want = d.spec.replicas ?? 1;
  if ((d.metadata.generation ?? 0) > (st.observedGeneration ?? 0)) {
    return {done: false, failed: false, message: `waiting for deployment "${name}" spec update to be observed`};
  }
  const progressing = condition(st.conditions, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return {done: false, failed: true, message: `deployment "${name}" exceeded its progress deadline`};
  }
  const updated = st.updatedReplicas ?? 0;
  if (updated < want) return {done: false, failed: false, message: `${updated} of ${want} updated replicas are available`};
  if ((st.replicas ?? 0) > updated) return {done: false, failed: false, message: `${(st.replicas ?? 0) - updated} old replicas are pending termination`};
  if ((st.availableReplicas ?? 0) < updated) return {done: false, failed: false, message: `${st.availableReplicas ?? 0} of ${updated} updated replicas are available`};
  return {done: true, failed: false, message: `deployment "${name}" successfully rolled out`};
}

export function podsOf(d: Deployment, pods: Pod[]): Pod[] {
  return pods.filter((p) => p.metadata.namespace === d.metadata.namespace && selectorMatches(d.spec.selector, p.metadata.labels));
}

/**
 * The pods of the Deployment's newest ReplicaSet: those with the pod-template-hash of the most
 * recently created pod. Old pods of a previous revision may still serve while new ones crash
 * (domain-facts §4), so "why" must be read from the new ones.
 */
export function newestPods(pods: Pod[]): Pod[] {
  if (pods.length === 0) return [];
  const newest = [...pods].sort((a, b) => Date.parse(b.metadata.creationTimestamp ?? '') - Date.parse(a.metadata.creationTimestamp ?? ''))[0]!;
  const hash = newest.metadata.labels?.['pod-template-hash'];
  return hash ? pods.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash) : pods;
}

/** `--flag=value`, `--flag value`, `-flag value` (Go's flag package accepts all of them). */
export function argValue(c: Container | undefined, flag: string): string | undefined {
  if (!c) return undefined;
  const args = [...(c.command ?? []), ...(c.args ?? [])];
  const bare = flag.replace(/^-+/, '');
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(a);
    if (!m || m[1] !== bare) continue;
    if (m[2] !== undefined) return m[2];
    const next = args[i + 1];
    return next === undefined || next.startsWith('-') ? 'true' : next;
  }
  return undefined;
}

export function envValue(c: Container | undefined, name: string): string | undefined {
  return c?.env?.find((e) => e.name === name)?.value;
}

/** The container port a Service port's targetPort reaches in a pod (by number or by name). */
export function resolveTargetPort(sp: ServicePort, pod: {spec: PodSpec} | {spec: {template: {spec: PodSpec}}}): {container: string; port: number} | undefined {
  const spec = 'template' in pod.spec ? pod.spec.template.spec : pod.spec;
  const target = sp.targetPort ?? sp.port;
  for (const c of spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (typeof target === 'number' && p.containerPort === target) return {container: c.name, port: p.containerPort};
      if (typeof target === 'string' && p.name === target) return {container: c.name, port: p.containerPort};
    }
  }
  // A numeric targetPort works even when the container does not declare the port.
  if (typeof target === 'number' || /^\d+$/.test(String(target))) return {container: spec.containers?.[0]?.name ?? '', port: Number(target)};
  return undefined;
}

export function declaredPorts(spec: PodSpec): number[] {
  return (spec.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => p.containerPort));
}

/** Ready addresses of a Service, from its EndpointSlices (label kubernetes.io/service-name). */
export function serviceEndpoints(svc: Service, slices: EndpointSlice[]): {ready: number; notReady: number} {
  let ready = 0;
  let notReady = 0;
  for (const s of slices) {
    if (s.metadata.namespace !== svc.metadata.namespace || s.metadata.labels?.['kubernetes.io/service-name'] !== svc.metadata.name) continue;
    for (const e of s.endpoints ?? []) {
      // discovery.k8s.io/v1: a nil ready condition means ready
      if (e.conditions?.ready === false) notReady += e.addresses.length;
      else ready += e.addresses.length;
    }
  }
  return {ready, notReady};
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
