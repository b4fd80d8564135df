/*
 * What `kubectl infgw restart <target>` restarts: a named workload (kubectl's TYPE/NAME, with the
 * same short names), the Envoy Gateway controller, or the Endpoint Picker of a Helm release.
 */
import {InfgwError, UsageError} from '../errors.ts';
import type {KubeClient, KubeObject} from '../kube/client.ts';
import {ApiError} from '../kube/errors.ts';
import {eppContainer} from '../k8s/args.ts';
import {parseGoDuration} from '../k8s/duration.ts';
import type {WorkloadKind, WorkloadRef} from './types.ts';

export type RestartTarget =
  | {type: 'epp'; release: string; namespace?: string}
  | {type: 'envoy-gateway'; namespace: string; name: string}
  | {type: 'workload'; kind: WorkloadKind; name: string; namespace?: string};

/** Envoy Gateway's controller as its Helm chart installs it (gateway-helm: envoy-gateway-system/envoy-gateway). */
export const ENVOY_GATEWAY = {namespace: 'envoy-gateway-system', name: 'envoy-gateway'} as const;

/**
 * The resource names kubectl resolves to these kinds: plural, singular, short names
 * (`kubectl api-resources`: deploy, ds, sts) and group-qualified forms.
 */
const KIND_ALIASES: Record<string, WorkloadKind> = {};
for (const [kind, names] of [
  ['Deployment', ['deployment', 'deployments', 'deploy']],
  ['DaemonSet', ['daemonset', 'daemonsets', 'ds']],
  ['StatefulSet', ['statefulset', 'statefulsets', 'sts']],
] as const) {
  for (const n of names) {
    KIND_ALIASES[n] = kind;
    KIND_ALIASES[`${n}.apps`] = kind;
    KIND_ALIASES[`${n}.v1.apps`] = kind;
  }
}

export function workloadKind(type: string): WorkloadKind | undefined {
  return KIND_ALIASES[type.toLowerCase()];
}

const USAGE_HINT =
  'Targets: "epp -r <release>", "envoy-gateway", or deployment/<name>, daemonset/<name>, statefulset/<name> (also deploy/, ds/, sts/) with -n <namespace>.';

/** Parse the positional arguments (TYPE/NAME, TYPE NAME, epp, envoy-gateway) and the flags that go with them. */
export function parseRestartTarget(args: string[], flags: {release?: string | undefined; namespace?: string | undefined; name?: string | undefined}): RestartTarget {
  const [first, second, ...rest] = args;
  if (!first) throw new UsageError('required resource not specified', USAGE_HINT);
  if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`, USAGE_HINT);
  const ns = flags.namespace ? {namespace: flags.namespace} : {};
  if (first === 'epp') {
    if (second) throw new UsageError(`unexpected argument "${second}" after "epp"`, 'Name the Helm release with -r/--release.');
    if (!flags.release) throw new UsageError('"restart epp" needs the Helm release: -r/--release <release>', 'e.g. kubectl infgw restart epp -r my-gateway -n inference');
    if (flags.name) throw new UsageError('--name applies to "envoy-gateway"; for one EPP Deployment use deployment/<name>');
    return {type: 'epp', release: flags.release, ...ns};
  }
  if (flags.release) throw new UsageError('-r/--release applies to "restart epp" only');
  if (first === 'envoy-gateway') {
    if (second) throw new UsageError(`unexpected argument "${second}" after "envoy-gateway"`, 'Use --name to name another controller Deployment.');
    return {type: 'envoy-gateway', namespace: flags.namespace ?? ENVOY_GATEWAY.namespace, name: flags.name ?? ENVOY_GATEWAY.name};
  }
  if (flags.name) throw new UsageError('--name applies to "envoy-gateway" only');
  let type: string;
  let name: string | undefined;
  const slash = first.indexOf('/');
  if (slash >= 0) {
    if (second) throw new UsageError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl infgw restart deployment/${first.slice(slash + 1)}')`);
    type = first.slice(0, slash);
    name = first.slice(slash + 1);
  } else {
    type = first;
    name = second;
  }
  const kind = workloadKind(type);
  if (!kind) throw new UsageError(`cannot restart "${type}": not a Deployment, DaemonSet or StatefulSet`, USAGE_HINT);
  if (!name) throw new UsageError(`name the ${kind}: ${type}/<name>`, USAGE_HINT);
  return {type: 'workload', kind, name, ...ns};
}

/** --timeout: Go duration ("5m", "90s", "1h30m"); "0" or "0s" waits forever as in kubectl. */
export function parseTimeout(value: string): number {
  if (/^0+$/.test(value)) return 0;
  const ms = parseGoDuration(value);
  if (ms === undefined || ms < 0) {
    throw new UsageError(`invalid value "${value}" for --timeout`, 'Use a duration such as 90s, 5m or 1h30m; 0 waits forever.');
  }
  return ms;
}

interface DeploymentLike extends KubeObject {
  spec?: {template?: {spec?: {containers?: {name: string; args?: string[]}[]}}};
}

/** A Deployment that runs an EPP container (src/k8s/args.ts: --pool-name, GIE and llm-d-router alike; domain-facts §2). */
export function isEppDeployment(d: DeploymentLike): boolean {
  return eppContainer(d) !== undefined;
}

/** Helm's standard label (helm.sh/docs "Labels and Annotations"), set by the inference-gateway chart. */
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';

/** EPP Deployments among a Helm release's rendered objects. */
export function eppDeploymentsInManifest(manifest: KubeObject[], namespace: string): WorkloadRef[] {
  return manifest
    .filter((o) => o.kind === 'Deployment' && (o.apiVersion ?? 'apps/v1').startsWith('apps/') && isEppDeployment(o as DeploymentLike))
    .map((o) => ({kind: 'Deployment' as const, namespace: o.metadata.namespace ?? namespace, name: o.metadata.name}));
}

/**
 * The EPP Deployments the release itself says it installed: its release Secret
 * (sh.helm.release.v1.<release>.v<n>, labels owner=helm,name=<release>; helm pkg/storage/driver/
 * secrets.go) holds the rendered manifest. Undefined when there is no such release or we may not
 * read Secrets (then the label search decides).
 */
async function eppFromHelmRelease(kube: KubeClient, namespace: string, release: string): Promise<WorkloadRef[] | undefined> {
  let secrets;
  try {
    secrets = await kube.list(`/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`, {query: {labelSelector: `owner=helm,name=${release}`}});
  } catch (error) {
    if (error instanceof ApiError && (error.forbidden || error.notFound)) return undefined;
    throw error;
  }
  const {releasesFromSecrets} = await import('../helm/release.ts');
  const rel = releasesFromSecrets(secrets.items).find((r) => r.name === release);
  if (!rel) return undefined;
  return eppDeploymentsInManifest(rel.manifest, rel.namespace || namespace);
}

/**
 * The EPP Deployment of an inference-gateway Helm release: the Deployment in the release's
 * manifest whose container args name a pool; failing that (no release Secret, or Secrets not
 * readable), Deployments labelled app.kubernetes.io/instance=<release> in the namespace that do.
 */
export async function findEppDeployment(kube: KubeClient, namespace: string, release: string): Promise<WorkloadRef> {
  const fromHelm = await eppFromHelmRelease(kube, namespace, release);
  if (fromHelm?.length === 1) return fromHelm[0]!;
  const list = await kube.list<DeploymentLike>(`/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments`, {
    query: {labelSelector: `${INSTANCE_LABEL}=${release}`},
  });
  const epps = fromHelm?.length ? fromHelm : list.items.filter(isEppDeployment).map((d) => ({kind: 'Deployment' as const, namespace, name: d.metadata.name}));
  if (epps.length === 1) return epps[0]!;
  if (epps.length === 0) {
    const others = list.items.map((d) => d.metadata.name);
    throw new InfgwError(`no Endpoint Picker Deployment found for Helm release "${release}" in namespace "${namespace}"`, {
      hint: others.length
        ? `The release has Deployments ${others.join(', ')}, but none runs a container with --pool-name. Restart one by name: kubectl infgw restart deployment/<name> -n ${namespace}`
        : `${fromHelm ? 'The release installed no Deployment with --pool-name, and no' : 'No'} Deployment there carries ${INSTANCE_LABEL}=${release}. Check the release and namespace ("helm list -A"), or restart by name: kubectl infgw restart deployment/<name> -n <namespace>`,
    });
  }
  throw new UsageError(
    `Helm release "${release}" has ${epps.length} Endpoint Picker Deployments: ${epps.map((d) => d.name).join(', ')}`,
    `Restart one by name: kubectl infgw restart deployment/<name> -n ${namespace}`,
  );
}

/** The workload a target stands for. */
export async function resolveTarget(kube: KubeClient, target: RestartTarget): Promise<WorkloadRef> {
  switch (target.type) {
    case 'workload':
      return {kind: target.kind, namespace: target.namespace ?? kube.namespace, name: target.name};
    case 'envoy-gateway':
      return {kind: 'Deployment', namespace: target.namespace, name: target.name};
    case 'epp':
      return findEppDeployment(kube, target.namespace ?? kube.namespace, target.release);
  }
}
