/*
 * `kubectl rollout status`, plus what kubectl does not do: stop early when the rollout cannot
 * finish. The workload is watched with a field selector on its name (as kubectl does,
 * pkg/cmd/rollout/rollout_status.go) and judged by rolloutStatus() on every event; its pods are
 * watched too, so a crash-looping or image-pulling new pod ends the wait at once instead of at
 * --timeout, and progress lines carry kubectl's "(Warning: ...)" suffix.
 */
import {InfgwError} from '../errors.ts';
import type {KubeClient, KubeObject} from '../kube/client.ts';
import {labelSelectorString} from '../k8s/selectors.ts';
import {newRevision, podProblem, podsOfRevision, type NewRevision} from './pods.ts';
import {workloadPath} from './restart.ts';
import {podWarning, rolloutStatus, TIMED_OUT_REASON, withWarning} from '../k8s/rollout.ts';
import type {Pod, RolloutResult, WaitOptions, Workload, WorkloadRef} from './types.ts';
import {listAndWatch} from './watch.ts';

/** "5m0s" like Go's time.Duration.String() for whole seconds (kubectl prints timeouts so). */
export function formatDuration(ms: number): string {
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  if (ms < 1000 && ms > 0) return `${ms}ms`;
  return `${s}s`;
}

export async function waitForRollout(kube: KubeClient, ref: WorkloadRef, opts: WaitOptions): Promise<RolloutResult> {
  const started = performance.now();
  const failFast = opts.failFast ?? true;
  const path = workloadPath(ref);
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([stop.signal, opts.signal]) : stop.signal;

  let workload: Workload | undefined;
  const pods = new Map<string, Pod>();
  let revision: NewRevision | undefined;
  /** Which generation / revision annotation `revision` was looked up for. */
  let revisionKey = '';
  let lastMessage = '';
  let result: RolloutResult | undefined;
  let settle!: {resolve: (r: RolloutResult) => void; reject: (e: unknown) => void};
  const finished = new Promise<RolloutResult>((resolve, reject) => (settle = {resolve, reject}));

  const finish = (r: Omit<RolloutResult, 'elapsedMs'>): void => {
    if (result) return;
    result = {
      ...r,
      ...(revision?.revision ? {revision: revision.revision} : {}),
      ...(revision ? {replicaSet: revision.name} : {}),
      elapsedMs: Math.round(performance.now() - started),
      ...(workload ? {object: workload} : {}),
    };
    stop.abort();
    settle.resolve(result);
  };
  const fail = (error: unknown): void => {
    if (result) return;
    result = {done: false, message: '', elapsedMs: 0};
    stop.abort();
    settle.reject(error);
  };

  const first = await kube.get<Workload>(path, opts.signal ? {signal: opts.signal} : {});
  first.kind ??= ref.kind;
  workload = first;
  const uid = first.metadata.uid;
  const selector = labelSelectorString(first.spec?.selector);

  const lookupRevision = async (w: Workload): Promise<void> => {
    const key = `${w.status?.observedGeneration ?? 0}/${w.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? ''}/${w.status?.updateRevision ?? ''}`;
    if (key === revisionKey && revision) return;
    if ((w.metadata.generation ?? 0) > (w.status?.observedGeneration ?? 0)) return;
    revisionKey = key;
    const ns = encodeURIComponent(ref.namespace);
    if (ref.kind === 'Deployment') {
      const rs = await kube.list(`/apis/apps/v1/namespaces/${ns}/replicasets`, {query: {labelSelector: selector}, signal});
      revision = newRevision('Deployment', w, {replicaSets: rs.items});
    } else if (ref.kind === 'DaemonSet') {
      const crs = await kube.list<KubeObject & {revision?: number}>(`/apis/apps/v1/namespaces/${ns}/controllerrevisions`, {query: {labelSelector: selector}, signal});
      revision = newRevision('DaemonSet', w, {controllerRevisions: crs.items});
    } else {
      revision = newRevision('StatefulSet', w, {});
    }
    if (!revision) revisionKey = '';
  };

  const evaluate = (): void => {
    if (result || !workload) return;
    const view = rolloutStatus(workload);
    if (view.error) {
      if (ref.kind === 'Deployment' && view.error.includes('exceeded its progress deadline')) {
        const cond = workload.status?.conditions?.find((c) => c.type === 'Progressing' && c.reason === TIMED_OUT_REASON);
        finish({done: false, reason: 'ProgressDeadlineExceeded', message: cond?.message ? `${view.error}: ${cond.message}` : view.error});
      } else fail(new InfgwError(view.error));
      return;
    }
    if (view.done) {
      // The final line is the result's message (the command prints it to stdout, as kubectl does).
      finish({done: true, reason: 'Complete', message: view.message});
      return;
    }
    if (failFast) {
      if (ref.kind === 'Deployment' && workload.spec?.paused) {
        finish({done: false, reason: 'Paused', message: `deployment "${ref.name}" is paused, so its rollout will not progress (run "kubectl rollout resume deployment/${ref.name} -n ${ref.namespace}")`});
        return;
      }
      if (revision) {
        const problem = podProblem(podsOfRevision([...pods.values()], revision));
        if (problem) {
          const owner = ref.kind === 'Deployment' ? `ReplicaSet "${revision.name}"` : `revision "${revision.name}"`;
          const detail = problem.lastTermination ? `; last termination: ${problem.lastTermination}` : problem.podMessage ? `: ${problem.podMessage}` : '';
          finish({
            done: false,
            reason: problem.reason,
            pod: problem.pod,
            podReason: problem.podReason,
            ...(problem.lastTermination ? {lastTermination: problem.lastTermination} : {}),
            message: `new pod "${problem.pod}" (${owner}) is in ${problem.podReason}, container "${problem.container}"${detail}`,
          });
          return;
        }
      }
    }
    const warning = ref.kind === 'Deployment' ? podWarning([...pods.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) : undefined;
    const message = withWarning(view.message, warning);
    if (message !== lastMessage) {
      lastMessage = message;
      opts.onProgress?.(message);
    }
  };

  // Events are handled one at a time, in order: a ReplicaSet lookup finishes before the next event.
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (step: () => void | Promise<void>): void => {
    queue = queue.then(step).catch((error: unknown) => {
      if (!signal.aborted) fail(error);
    });
  };
  const onWorkload = (w: Workload | undefined): void => {
    enqueue(async () => {
      if (result) return;
      if (!w || (uid && w.metadata.uid !== uid)) {
        finish({done: false, reason: 'Deleted', message: `${ref.kind.toLowerCase()} "${ref.name}" has been deleted`});
        return;
      }
      w.kind ??= ref.kind;
      workload = w;
      await lookupRevision(w);
      evaluate();
    });
  };

  const onAbort = (): void => finish({done: false, reason: 'Interrupted', message: lastMessage});
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, {once: true});
  const timer =
    opts.timeoutMs > 0 ? setTimeout(() => finish({done: false, reason: 'Timeout', message: lastMessage || rolloutStatus(workload ?? first).message}), opts.timeoutMs) : undefined;

  onWorkload(first);
  const loops = Promise.all([
    listAndWatch<Workload>(kube, workloadPath({kind: ref.kind, namespace: ref.namespace}), {fieldSelector: `metadata.name=${ref.name}`, signal}, {
      onList: (items) => onWorkload(items[0]),
      onEvent: (type, obj) => onWorkload(type === 'DELETED' ? undefined : obj),
    }),
    listAndWatch<Pod>(kube, `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/pods`, {...(selector ? {labelSelector: selector} : {}), signal}, {
      onList: (items) =>
        enqueue(() => {
          pods.clear();
          for (const p of items) pods.set(p.metadata.name, p);
          evaluate();
        }),
      onEvent: (type, pod) =>
        enqueue(() => {
          if (type === 'DELETED') pods.delete(pod.metadata.name);
          else pods.set(pod.metadata.name, pod);
          evaluate();
        }),
    }),
  ]).catch(fail);

  try {
    return await finished;
  } finally {
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    stop.abort();
    await loops;
  }
}
