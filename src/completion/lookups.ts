/*
 * Completion values that live outside the CLI: kubeconfig names (read from the kubeconfig files)
 * and namespaces / inference-gateway Helm releases (asked from the cluster). The cluster client is
 * imported lazily, only when such a value is being completed; the caller bounds the time and
 * swallows errors, because a completion must never print an error into the user's prompt.
 */
import type {KubeFlagValues} from '../kube/options.ts';
import {decodeReleaseData} from '../helm/release.ts';
import type {Candidate, LookupKind} from './complete.ts';

/** The chart whose releases `-r/--release` names (the chart notes in shared/seed call it so). */
export const INFERENCE_GATEWAY_CHART = 'inference-gateway';

export interface HelmReleaseSummary {
  name: string;
  namespace: string;
  revision: number;
  status: string;
  chart: string;
  chartVersion: string;
}

interface SecretLike {
  metadata: {name: string; namespace?: string; labels?: Record<string, string>};
  type?: string;
  data?: Record<string, string>;
}

/**
 * The summary of a Helm release Secret, decoded by src/helm/release.ts (helm's own encoding:
 * base64 of gzip(JSON) inside the Secret's base64 data; domain-facts §6).
 */
export function decodeHelmRelease(secret: SecretLike): HelmReleaseSummary | undefined {
  const data = secret.data?.release;
  if (!data) return undefined;
  const rel = decodeReleaseData(data);
  return {
    name: rel.name ?? secret.metadata.labels?.name ?? '',
    namespace: rel.namespace ?? secret.metadata.namespace ?? '',
    revision: rel.version ?? Number(secret.metadata.labels?.version ?? 0),
    status: rel.info?.status ?? secret.metadata.labels?.status ?? '',
    chart: rel.chart?.metadata?.name ?? '',
    chartVersion: rel.chart?.metadata?.version ?? '',
  };
}

/**
 * The newest revision of every release among Helm's release Secrets (labels owner=helm, name,
 * version), decoded, keeping those of the inference-gateway chart. Only the newest Secret of each
 * release is decoded.
 */
export function inferenceGatewayReleases(secrets: SecretLike[]): HelmReleaseSummary[] {
  const newest = new Map<string, SecretLike>();
  for (const s of secrets) {
    const labels = s.metadata.labels ?? {};
    if (labels.owner !== 'helm' || !labels.name) continue;
    const key = `${s.metadata.namespace ?? ''}/${labels.name}`;
    const current = newest.get(key);
    if (!current || Number(labels.version ?? 0) > Number(current.metadata.labels?.version ?? 0)) newest.set(key, s);
  }
  const out: HelmReleaseSummary[] = [];
  for (const s of newest.values()) {
    let rel: HelmReleaseSummary | undefined;
    try {
      rel = decodeHelmRelease(s);
    } catch {
      continue; // not a release we can read: not ours to offer
    }
    if (rel?.chart === INFERENCE_GATEWAY_CHART) out.push(rel);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.namespace.localeCompare(b.namespace));
}

export function releaseCandidates(releases: HelmReleaseSummary[]): Candidate[] {
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const r of releases) {
    // The same release name in two namespaces is one candidate: -n picks the namespace.
    if (seen.has(r.name)) continue;
    seen.add(r.name);
    const where = releases.filter((x) => x.name === r.name).map((x) => x.namespace);
    out.push({value: r.name, description: `${where.join(', ')}: ${r.chart}-${r.chartVersion} rev ${r.revision} ${r.status}`});
  }
  return out;
}

/** Look a value up. Throws on any failure; the caller decides to stay silent. */
export async function lookup(kind: LookupKind, kube: KubeFlagValues, signal: AbortSignal): Promise<Candidate[]> {
  if (kind === 'contexts' || kind === 'clusters' || kind === 'users') {
    const {loadMergedKubeconfig} = await import('../kube/kubeconfig.ts');
    const merged = loadMergedKubeconfig(kube);
    if (kind === 'contexts') {
      return [...merged.contexts.entries()].map(([name, c]) => ({value: name, description: [c.value.cluster, c.value.namespace].filter(Boolean).join(', ')}));
    }
    if (kind === 'clusters') return [...merged.clusters.entries()].map(([name, c]) => ({value: name, description: c.value.server}));
    return [...merged.users.keys()].map((name) => ({value: name}));
  }

  const {connect, apiPath} = await import('../kube/client.ts');
  const client = await connect(kube);
  if (kind === 'namespaces') {
    const list = await client.list(apiPath({version: 'v1', resource: 'namespaces'}), {signal});
    return list.items.map((n) => ({value: n.metadata.name}));
  }

  const query = {labelSelector: 'owner=helm'};
  let secrets: SecretLike[];
  if (kube.namespace) {
    secrets = (await client.list<SecretLike>(apiPath({version: 'v1', resource: 'secrets', namespace: kube.namespace}), {query, signal})).items;
  } else {
    try {
      // No -n yet: offer releases from every namespace the user may read, like the commands search.
      secrets = (await client.list<SecretLike>(apiPath({version: 'v1', resource: 'secrets'}), {query, signal})).items;
    } catch (error) {
      if (!(error as {forbidden?: boolean}).forbidden) throw error;
      secrets = (await client.list<SecretLike>(apiPath({version: 'v1', resource: 'secrets', namespace: client.namespace}), {query, signal})).items;
    }
  }
  return releaseCandidates(inferenceGatewayReleases(secrets));
}
