// The scenarios' way to talk to the test cluster: the product's own KubeClient (src/kube/client.ts)
// for objects and statuses (server-side apply, so every write is idempotent and parallel-safe),
// plus polling helpers. Plain TypeScript that Node runs with type stripping: no enums, no
// parameter properties, `import type` for types.
import {KubeClient, apiPath, type KubeObject} from '../../src/kube/client.ts';
import {ApiError} from '../../src/kube/errors.ts';
import {loadKubeconfig} from '../../src/kube/kubeconfig.ts';

export type {KubeObject};

/** Any object we write: apiVersion, kind and metadata are required. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown};
  [key: string]: unknown;
}

interface ResourceInfo {
  resource: string;
  namespaced: boolean;
}

// apiVersion/kind -> REST resource. Only the kinds the scenarios write or read.
const RESOURCES: Record<string, ResourceInfo> = {
  'v1/Namespace': {resource: 'namespaces', namespaced: false},
  'v1/Node': {resource: 'nodes', namespaced: false},
  'v1/ConfigMap': {resource: 'configmaps', namespaced: true},
  'v1/Secret': {resource: 'secrets', namespaced: true},
  'v1/Service': {resource: 'services', namespaced: true},
  'v1/ServiceAccount': {resource: 'serviceaccounts', namespaced: true},
  'v1/Pod': {resource: 'pods', namespaced: true},
  'v1/Endpoints': {resource: 'endpoints', namespaced: true},
  'apps/v1/Deployment': {resource: 'deployments', namespaced: true},
  'apps/v1/ReplicaSet': {resource: 'replicasets', namespaced: true},
  'rbac.authorization.k8s.io/v1/Role': {resource: 'roles', namespaced: true},
  'rbac.authorization.k8s.io/v1/RoleBinding': {resource: 'rolebindings', namespaced: true},
  'rbac.authorization.k8s.io/v1/ClusterRole': {resource: 'clusterroles', namespaced: false},
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': {resource: 'clusterrolebindings', namespaced: false},
  'gateway.networking.k8s.io/v1/GatewayClass': {resource: 'gatewayclasses', namespaced: false},
  'gateway.networking.k8s.io/v1/Gateway': {resource: 'gateways', namespaced: true},
  'gateway.networking.k8s.io/v1/HTTPRoute': {resource: 'httproutes', namespaced: true},
  'gateway.networking.k8s.io/v1beta1/ReferenceGrant': {resource: 'referencegrants', namespaced: true},
  'gateway.networking.k8s.io/v1/ReferenceGrant': {resource: 'referencegrants', namespaced: true},
  'gateway.networking.k8s.io/v1/TCPRoute': {resource: 'tcproutes', namespaced: true},
  'inference.networking.k8s.io/v1/InferencePool': {resource: 'inferencepools', namespaced: true},
  'inference.networking.x-k8s.io/v1alpha2/InferencePool': {resource: 'inferencepools', namespaced: true},
  'inference.networking.x-k8s.io/v1alpha2/InferenceObjective': {resource: 'inferenceobjectives', namespaced: true},
  'gateway.envoyproxy.io/v1alpha1/EnvoyExtensionPolicy': {resource: 'envoyextensionpolicies', namespaced: true},
  'gateway.envoyproxy.io/v1alpha1/EnvoyProxy': {resource: 'envoyproxies', namespaced: true},
  'gateway.envoyproxy.io/v1alpha1/Backend': {resource: 'backends', namespaced: true},
  'apiextensions.k8s.io/v1/CustomResourceDefinition': {resource: 'customresourcedefinitions', namespaced: false},
  'serving.kserve.io/v1beta1/InferenceService': {resource: 'inferenceservices', namespaced: true},
  'kwok.x-k8s.io/v1alpha1/ClusterLogs': {resource: 'clusterlogs', namespaced: false},
  'kwok.x-k8s.io/v1alpha1/Logs': {resource: 'logs', namespaced: true},
  'kwok.x-k8s.io/v1alpha1/PortForward': {resource: 'portforwards', namespaced: true},
  'kwok.x-k8s.io/v1alpha1/ClusterPortForward': {resource: 'clusterportforwards', namespaced: false},
};

/** REST path of an object (or of its collection when name is omitted). */
export function pathOf(ref: {apiVersion: string; kind: string; namespace?: string | undefined; name?: string}, sub?: string): string {
  const info = RESOURCES[`${ref.apiVersion}/${ref.kind}`];
  if (!info) throw new Error(`scenarios: no REST mapping for ${ref.apiVersion} ${ref.kind}`);
  const slash = ref.apiVersion.lastIndexOf('/');
  const group = slash >= 0 ? ref.apiVersion.slice(0, slash) : undefined;
  const version = slash >= 0 ? ref.apiVersion.slice(slash + 1) : ref.apiVersion;
  if (info.namespaced && !ref.namespace && ref.name) throw new Error(`scenarios: ${ref.kind} ${ref.name} needs a namespace`);
  return apiPath({
    ...(group ? {group} : {}),
    version,
    resource: info.resource,
    namespace: info.namespaced ? ref.namespace : undefined,
    ...(ref.name ? {name: ref.name} : {}),
    ...(sub ? {sub} : {}),
  });
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
}

export function refOf(m: Manifest): ObjectRef {
  return {apiVersion: m.apiVersion, kind: m.kind, namespace: m.metadata.namespace, name: m.metadata.name};
}

/** Field managers: one per "controller" whose writes the scenarios imitate. */
export const managers = {
  installer: 'infgw-scenarios',
  envoyGateway: 'envoy-gateway',
  kserve: 'kserve-controller-manager',
  kubectlPatch: 'kubectl-patch',
  kubectlEdit: 'kubectl-edit',
} as const;

/**
 * Retries what a freshly started apiserver answers while a resource's watch cache is still being
 * built ("storage is (re)initializing", 429/503) — for a few seconds, as client-go does with Retry-After.
 */
async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const transient = error instanceof ApiError && (error.status === 429 || error.status === 503 || /storage is \(re\)initializing/.test(error.message));
      if (!transient || attempt >= 20) throw error;
      await sleep(250);
    }
  }
}

export class ScenarioKube {
  readonly client: KubeClient;
  readonly kubeconfig: string;

  constructor(kubeconfig: string) {
    this.kubeconfig = kubeconfig;
    // Only this file: the kubeconfig the harness wrote, never the user's KUBECONFIG.
    this.client = new KubeClient(loadKubeconfig({kubeconfig}, {}));
  }

  /** Server-side apply (force: the scenarios own what they write). */
  apply<T = KubeObject>(m: Manifest, manager: string = managers.installer): Promise<T> {
    return retrying(() => this.client.patch<T>(pathOf(refOf(m)), m, 'apply', {query: {fieldManager: manager, force: true}}));
  }

  /** Server-side apply to the status subresource, as the controller named by `manager` would. */
  applyStatus<T = KubeObject>(ref: ObjectRef, status: unknown, manager: string): Promise<T> {
    const body = {apiVersion: ref.apiVersion, kind: ref.kind, metadata: {name: ref.name, ...(ref.namespace ? {namespace: ref.namespace} : {})}, status};
    return retrying(() => this.client.patch<T>(pathOf(ref, 'status'), body, 'apply', {query: {fieldManager: manager, force: true}}));
  }

  /** Replace the whole status (a merge patch cannot remove list entries; this can). */
  async replaceStatus(ref: ObjectRef, status: unknown): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const cur = await this.get(ref);
      try {
        // resourceVersion from the GET: a concurrent writer makes this a 409, and we retry.
        return await this.client.replace<KubeObject>(pathOf(ref, 'status'), {...cur, status});
      } catch (error) {
        if (!(error instanceof ApiError && error.conflict) || attempt >= 5) throw error;
      }
    }
  }

  get<T = KubeObject>(ref: ObjectRef): Promise<T> {
    return retrying(() => this.client.get<T>(pathOf(ref)));
  }

  getOptional<T = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    return retrying(() => this.client.getOptional<T>(pathOf(ref)));
  }

  async list<T = KubeObject>(ref: {apiVersion: string; kind: string; namespace?: string}, labelSelector?: string): Promise<T[]> {
    const res = await retrying(() => this.client.list<T>(pathOf(ref), labelSelector ? {query: {labelSelector}} : {}));
    return res.items;
  }

  patch<T = KubeObject>(ref: ObjectRef, body: unknown, type: 'merge' | 'strategic' | 'json' = 'merge', manager: string = managers.kubectlPatch): Promise<T> {
    return retrying(() => this.client.patch<T>(pathOf(ref), body, type, {query: {fieldManager: manager}}));
  }

  /** Deletes; absent is fine. Background propagation: the garbage collector removes dependents (pods of a ReplicaSet). */
  async delete(ref: ObjectRef, opts: {propagation?: 'Foreground' | 'Background' | 'Orphan'} = {}): Promise<void> {
    try {
      await retrying(() => this.client.delete(pathOf(ref), {body: {kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: opts.propagation ?? 'Background'}}));
    } catch (error) {
      if (error instanceof ApiError && error.notFound) return;
      throw error;
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until fn returns a truthy value; throws with the last reason after timeoutMs. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false | null> | T | undefined | false | null, timeoutMs = 60_000, intervalMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`scenarios: timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Pods and Deployments

export interface PodJson extends KubeObject {
  spec?: {nodeName?: string; containers?: {name: string; image?: string; ports?: {containerPort: number}[]}[]};
  status?: {
    phase?: string;
    startTime?: string;
    podIP?: string;
    conditions?: {type: string; status: string; reason?: string; message?: string}[];
    containerStatuses?: {name: string; ready: boolean; restartCount: number; state?: {waiting?: {reason?: string}; running?: {startedAt?: string}; terminated?: {reason?: string}}}[];
  };
}

export interface DeploymentJson extends KubeObject {
  spec: {replicas?: number; selector: {matchLabels?: Record<string, string>}; template: {metadata?: {labels?: Record<string, string>; annotations?: Record<string, string>}; spec: Record<string, unknown>}};
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: {type: string; status: string; reason?: string}[];
  };
}

export function podReady(p: PodJson): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function waitingReason(p: PodJson): string | undefined {
  for (const c of p.status?.containerStatuses ?? []) if (c.state?.waiting?.reason) return c.state.waiting.reason;
  return undefined;
}

export function selectorString(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** kubectl's "rollout status" rule (k8s.io/kubectl rollout_status.go), for a wait. */
export function deploymentRolledOut(d: DeploymentJson): boolean {
  const want = d.spec.replicas ?? 1;
  const s = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) return false;
  return (s.updatedReplicas ?? 0) >= want && (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) && (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0);
}

export async function podsOf(kube: ScenarioKube, namespace: string, labels: Record<string, string>): Promise<PodJson[]> {
  const pods = await kube.list<PodJson>({apiVersion: 'v1', kind: 'Pod', namespace}, selectorString(labels));
  return pods.filter((p) => !p.metadata.deletionTimestamp);
}

export async function waitRolledOut(kube: ScenarioKube, namespace: string, name: string, timeoutMs = 60_000): Promise<DeploymentJson> {
  return until(
    `Deployment ${namespace}/${name} rolled out`,
    async () => {
      const d = await kube.get<DeploymentJson>({apiVersion: 'apps/v1', kind: 'Deployment', namespace, name});
      return deploymentRolledOut(d) ? d : undefined;
    },
    timeoutMs,
  );
}

/**
 * Changes a Deployment's pod template and removes its older ReplicaSets (and their pods), so the
 * Deployment looks as if it had been installed that way: every pod is a new one. Without this the
 * old, healthy pods would keep serving during a stuck rolling update.
 */
export async function replaceAllPods(kube: ScenarioKube, namespace: string, name: string, change: () => Promise<unknown>): Promise<void> {
  const ref = {apiVersion: 'apps/v1', kind: 'Deployment', namespace, name};
  const before = await kube.get<DeploymentJson>(ref);
  await change();
  const after = await until(`Deployment ${namespace}/${name} observed its new template`, async () => {
    const d = await kube.get<DeploymentJson>(ref);
    return (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && (d.metadata.generation ?? 0) > (before.metadata.generation ?? 0) ? d : undefined;
  });
  const hash = await until(`new ReplicaSet of ${namespace}/${name}`, async () => {
    const rss = await kube.list<KubeObject & {metadata: {annotations?: Record<string, string>}}>({apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace});
    const mine = rss.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && o.uid === after.metadata.uid));
    const current = mine.find((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === after.metadata.annotations?.['deployment.kubernetes.io/revision']);
    if (!current) return undefined;
    await Promise.all(mine.filter((rs) => rs !== current).map((rs) => kube.delete({apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace, name: rs.metadata.name}, {propagation: 'Background'})));
    return current.metadata.labels?.['pod-template-hash'] ?? 'x';
  });
  // Wait until only pods of the new ReplicaSet are left.
  await until(`old pods of ${namespace}/${name} gone`, async () => {
    const pods = await kube.list<PodJson>({apiVersion: 'v1', kind: 'Pod', namespace}, selectorString(after.spec.selector.matchLabels ?? {}));
    return pods.every((p) => p.metadata.labels?.['pod-template-hash'] === hash);
  });
}
