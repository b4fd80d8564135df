import {gunzipSync} from 'node:zlib';
import {parseAllDocuments} from 'yaml';
import type {KubeObject} from '../kube/client.ts';
import type {HelmRelease} from '../snapshot/types.ts';

/*
 * Helm release Secrets, read without a helm binary.
 *
 * helm.sh/helm pkg/storage/driver/secrets.go stores each revision in a Secret
 * `sh.helm.release.v1.<name>.v<revision>` of type `helm.sh/release.v1`, labelled owner=helm,
 * name, status, version; pkg/storage/driver/util.go encodeRelease() writes
 * base64(gzip(json(release))) into data.release — and the Secret's data is base64 again on the
 * wire. decodeRelease() accepts an un-gzipped JSON too (older releases), so do we.
 */

const GZIP_MAGIC = [0x1f, 0x8b, 0x08];

interface ReleaseJson {
  name?: string;
  namespace?: string;
  version?: number;
  info?: {status?: string};
  chart?: {metadata?: {name?: string; version?: string; appVersion?: string}; values?: Record<string, unknown>};
  config?: Record<string, unknown> | null;
  manifest?: string;
}

/** The release JSON inside a release Secret's `data.release` (as the API returns it: base64). */
export function decodeReleaseData(dataRelease: string): ReleaseJson {
  const helmBase64 = Buffer.from(dataRelease, 'base64').toString('latin1');
  let bytes = Buffer.from(helmBase64, 'base64');
  if (GZIP_MAGIC.every((b, i) => bytes[i] === b)) bytes = gunzipSync(bytes);
  return JSON.parse(bytes.toString('utf8')) as ReleaseJson;
}

/** Parse a multi-document YAML stream (helm manifest, `helm template` output) into objects. */
export function parseManifests(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(doc.errors[0]!.message);
    const v = doc.toJS() as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as KubeObject & {kind?: string; items?: KubeObject[]};
      // `kubectl get -o yaml` of several objects is a List
      if (o.kind === 'List' && Array.isArray(o.items)) out.push(...o.items.filter((i) => i && typeof i === 'object'));
      else if (o.kind && o.metadata) out.push(o);
    }
  }
  return out;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Helm's value coalescing, simplified: user values override chart defaults, maps merge deeply. */
export function mergeValues(defaults: unknown, overrides: unknown): unknown {
  if (!isObject(defaults) || !isObject(overrides)) return overrides === undefined ? defaults : overrides;
  const out: Record<string, unknown> = {...defaults};
  for (const [k, v] of Object.entries(overrides)) {
    // helm: a null user value deletes the default key
    if (v === null) delete out[k];
    else out[k] = mergeValues(defaults[k], v);
  }
  return out;
}

export interface ReleaseSecretMeta {
  secret: KubeObject & {data?: Record<string, string>; type?: string};
  name: string;
  revision: number;
  status: string;
}

function secretMeta(s: KubeObject & {data?: Record<string, string>; type?: string}): ReleaseSecretMeta | undefined {
  if (s.type !== undefined && s.type !== 'helm.sh/release.v1') return undefined;
  const l = s.metadata.labels ?? {};
  const m = /^sh\.helm\.release\.v1\.(.+)\.v(\d+)$/.exec(s.metadata.name);
  const name = l.name ?? m?.[1];
  const revision = Number(l.version ?? m?.[2]);
  if (!name || !Number.isFinite(revision)) return undefined;
  return {secret: s, name, revision, status: l.status ?? 'unknown'};
}

/**
 * The revision to analyse per release: the newest `deployed` one (what runs), else the newest of
 * all; when the newest revision is another one (failed or pending upgrade), it is named in `latest`.
 * Only the chosen Secrets are decoded.
 */
export function releasesFromSecrets(secrets: KubeObject[], onError?: (secret: string, error: Error) => void): HelmRelease[] {
  const byRelease = new Map<string, ReleaseSecretMeta[]>();
  for (const s of secrets) {
    const meta = secretMeta(s as ReleaseSecretMeta['secret']);
    if (!meta) continue;
    const key = `${s.metadata.namespace ?? ''}/${meta.name}`;
    byRelease.set(key, [...(byRelease.get(key) ?? []), meta]);
  }
  const out: HelmRelease[] = [];
  for (const revs of byRelease.values()) {
    revs.sort((a, b) => b.revision - a.revision);
    const newest = revs[0]!;
    const chosen = revs.find((r) => r.status === 'deployed') ?? newest;
    const data = chosen.secret.data?.release;
    if (!data) continue;
    try {
      const r = decodeReleaseData(data);
      const config = (r.config ?? {}) as Record<string, unknown>;
      out.push({
        name: r.name ?? chosen.name,
        namespace: r.namespace ?? chosen.secret.metadata.namespace ?? '',
        revision: r.version ?? chosen.revision,
        status: r.info?.status ?? chosen.status,
        chart: {
          name: r.chart?.metadata?.name ?? '',
          version: r.chart?.metadata?.version ?? '',
          ...(r.chart?.metadata?.appVersion ? {appVersion: r.chart.metadata.appVersion} : {}),
        },
        config,
        values: mergeValues(r.chart?.values ?? {}, config) as Record<string, unknown>,
        manifest: r.manifest ? parseManifests(r.manifest) : [],
        secret: {namespace: chosen.secret.metadata.namespace ?? '', name: chosen.secret.metadata.name},
        ...(newest !== chosen ? {latest: {revision: newest.revision, status: newest.status}} : {}),
      });
    } catch (error) {
      onError?.(`${chosen.secret.metadata.namespace}/${chosen.secret.metadata.name}`, error as Error);
    }
  }
  return out.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

/** Read a dotted path in values (`epp.poolName`). */
export function valueAt(values: Record<string, unknown> | undefined, path: string): unknown {
  let cur: unknown = values;
  for (const k of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** The chart this tool ships checks for. */
export const INFERENCE_GATEWAY_CHART = 'inference-gateway';
