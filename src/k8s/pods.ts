/* Pod readiness and *why* a pod is not ready; a Deployment's pods and its newest ReplicaSet's. */
import {condition, type ContainerStatus, type Deployment, type Pod} from './objects.ts';
import {selectorMatches} from './selectors.ts';

/**
 * kubectl's rule (k8s.io/kubectl pkg/util/podutils IsPodReady): the Ready condition is True.
 * port-forward and probe-cache pick pods by it, as kubectl does.
 */
export function podReadyCondition(p: Pick<Pod, 'status'>): boolean {
  return condition(p.status?.conditions, 'Ready')?.status === 'True';
}

/** Serving now: Running, Ready and not being deleted (doctor's rule for "a Ready pod"). */
export function podReady(p: Pod): boolean {
  return p.status?.phase === 'Running' && podReadyCondition(p) && !p.metadata.deletionTimestamp;
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
    const restarts = (notReady.restartCount ?? 0) > 0 ? ` (${notReady.restartCount} restarts; ${lastTermination(notReady)})` : '';
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
