/*
 * `kubectl rollout restart`, done the same way: a strategic-merge patch that stamps the pod
 * template with kubectl.kubernetes.io/restartedAt, so the controller rolls out new pods.
 * Source: k8s.io/kubectl pkg/polymorphichelpers/objectrestarter.go (defaultObjectRestarter) and
 * pkg/cmd/rollout/rollout_restart.go (patch type StrategicMergePatchType).
 */
import {ExitCode, InfgwError} from '../errors.ts';
import type {KubeClient, KubeObject} from '../kube/client.ts';
import {ApiError} from '../kube/errors.ts';
import type {RestartResult, Workload, WorkloadKind, WorkloadRef} from './types.ts';

export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
/** Our field manager (kubectl uses "kubectl-rollout"): managedFields show who restarted. */
export const FIELD_MANAGER = 'kubectl-infgw';
/** kubectl's exact refusal (objectrestarter.go). */
export const PAUSED_MESSAGE = "can't restart paused deployment (run rollout resume first)";

const RESOURCES: Record<WorkloadKind, string> = {Deployment: 'deployments', DaemonSet: 'daemonsets', StatefulSet: 'statefulsets'};

export function workloadResource(kind: WorkloadKind): string {
  return RESOURCES[kind];
}

/** /apis/apps/v1/namespaces/<ns>/<resource>[/<name>] */
export function workloadPath(ref: Pick<WorkloadRef, 'kind' | 'namespace'> & {name?: string}): string {
  const ns = `/apis/apps/v1/namespaces/${encodeURIComponent(ref.namespace)}/${RESOURCES[ref.kind]}`;
  return ref.name === undefined ? ns : `${ns}/${encodeURIComponent(ref.name)}`;
}

/** "deployment/epp" as kubectl names it in commands. */
export function workloadName(ref: WorkloadRef): string {
  return `${ref.kind.toLowerCase()}/${ref.name}`;
}

const pad = (n: number, w = 2): string => String(Math.abs(n)).padStart(w, '0');

/**
 * Go's time.Now().Format(time.RFC3339) — local time, whole seconds, "Z" when the local offset
 * is zero, else ±hh:mm — which is what kubectl writes (objectrestarter.go).
 */
export function formatRFC3339Local(d: Date): string {
  const offsetMin = -d.getTimezoneOffset();
  const zone = offsetMin === 0 ? 'Z' : `${offsetMin > 0 ? '+' : '-'}${pad(Math.trunc(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)}`;
  const year = d.getFullYear();
  const y = year < 0 ? `-${pad(year, 4)}` : pad(year, 4);
  return `${y}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${zone}`;
}

/**
 * The strategic-merge patch kubectl sends (the diff of the object before and after the restarter
 * ran), plus metadata.resourceVersion as a precondition: the API server answers 409 if the object
 * changed since we read it (e.g. someone paused it), and we re-read and decide again.
 */
export function restartPatch(restartedAt: string, resourceVersion?: string): Record<string, unknown> {
  return {
    ...(resourceVersion ? {metadata: {resourceVersion}} : {}),
    spec: {template: {metadata: {annotations: {[RESTARTED_AT_ANNOTATION]: restartedAt}}}},
  };
}

export function restartedAtOf(obj: KubeObject | undefined): string | undefined {
  return (obj as Workload | undefined)?.spec?.template?.metadata?.annotations?.[RESTARTED_AT_ANNOTATION];
}

/**
 * A DaemonSet or StatefulSet with updateStrategy OnDelete takes the new template but replaces a
 * pod only when someone deletes it: the restart changes nothing running, and `rollout status`
 * refuses to report on it (rollout_status.go).
 */
export function onDeleteNote(ref: WorkloadRef, obj: KubeObject): string | undefined {
  if (ref.kind === 'Deployment') return undefined;
  if ((obj as Workload).spec?.updateStrategy?.type !== 'OnDelete') return undefined;
  return `${ref.kind} ${ref.namespace}/${ref.name} uses updateStrategy OnDelete: the pod template now carries the new annotation, but each pod is replaced only when it is deleted (e.g. "kubectl delete pod -n ${ref.namespace} -l <selector>"); not waiting for a rollout.`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Patch the workload like `kubectl rollout restart`, then read it back to see that the change stuck. */
export async function restartWorkload(kube: KubeClient, ref: WorkloadRef, opts: {dryRun?: boolean; now?: Date} = {}): Promise<RestartResult> {
  const path = workloadPath(ref);
  const dryRun = Boolean(opts.dryRun);
  for (let attempt = 1; ; attempt++) {
    const before = await kube.get<Workload>(path);
    before.kind ??= ref.kind;
    before.apiVersion ??= 'apps/v1';
    if (ref.kind === 'Deployment' && before.spec?.paused) {
      throw new InfgwError(PAUSED_MESSAGE, {
        exitCode: ExitCode.refused,
        hint: `Resume it first: kubectl rollout resume deployment/${ref.name} -n ${ref.namespace}`,
      });
    }
    let restartedAt = formatRFC3339Local(opts.now ?? new Date());
    if (opts.now === undefined && restartedAtOf(before) === restartedAt) {
      // Restarted within this very second already: the same stamp would be an empty change and
      // roll nothing. Wait for the next second, as a second `kubectl rollout restart` would need to.
      await sleep(1000 - (Date.now() % 1000) + 5);
      restartedAt = formatRFC3339Local(new Date());
    }
    let patched: Workload;
    try {
      patched = await kube.patch<Workload>(path, restartPatch(restartedAt, before.metadata.resourceVersion), 'strategic', {
        dryRun,
        query: {fieldManager: FIELD_MANAGER},
      });
    } catch (error) {
      // The controller's status writes also move resourceVersion, so a busy workload can take a
      // few rounds; each round re-reads and re-decides (e.g. it was paused meanwhile).
      if (error instanceof ApiError && error.conflict && attempt < 10) {
        await sleep(20 * attempt + Math.random() * 50);
        continue;
      }
      throw error;
    }
    // Read back: a mutating webhook shows in the patch response already, an operator that
    // reconciles the template back shows a moment later (and again when the rollout is done).
    const after = dryRun ? patched : await kube.get<Workload>(path);
    after.kind ??= ref.kind;
    after.apiVersion ??= 'apps/v1';
    const generation = after.metadata.generation;
    return {
      ref,
      restartedAt,
      dryRun,
      ...(generation === undefined ? {} : {generation}),
      annotationKept: restartedAtOf(after) === restartedAt,
      before,
      after,
    };
  }
}
