import {readFileSync} from 'node:fs';
import type {KubeObject} from '../kube/client.ts';
import {parseManifests, releasesFromSecrets} from '../helm/release.ts';
import {CRD_NAMES, EG_1_8_REQUIRED_CRDS, KINDS, kindDef, kindKeyOf, type KindKey} from './kinds.ts';
import type {HelmRelease, KindList, ListError, ServerVersion, Snapshot} from './types.ts';
import {items} from './query.ts';

/** Read manifests (multi-document YAML or JSON; `-` = stdin) from files. */
export function readManifestFiles(paths: string[]): KubeObject[] {
  const out: KubeObject[] = [];
  for (const p of paths) {
    const text = readFileSync(p === '-' ? 0 : p, 'utf8');
    try {
      out.push(...parseManifests(text));
    } catch (error) {
      throw new Error(`${p}: not valid YAML: ${(error as Error).message}`, {cause: error});
    }
  }
  return out;
}

function keyOf(o: KubeObject): KindKey | undefined {
  if (o.kind === 'Secret' && o.apiVersion === 'v1') return o.metadata.labels?.owner === 'helm' ? 'HelmReleaseSecret' : undefined;
  return kindKeyOf(o.apiVersion, o.kind);
}

function normalise(o: KubeObject, defaultNamespace: string): KubeObject {
  const key = keyOf(o);
  const meta = {...(o.metadata ?? {name: ''})};
  if (key && kindDef(key).namespaced && !meta.namespace) meta.namespace = defaultNamespace;
  return {...o, metadata: meta};
}

/**
 * Releases that `helm template` output stands for: objects labelled by a chart
 * (`helm.sh/chart: <name>-<version>`, `app.kubernetes.io/instance: <release>`), grouped per
 * release. Lets the chart's checks run offline, with the rendered objects as the manifest.
 */
export function releasesFromLabels(objs: KubeObject[]): HelmRelease[] {
  const byRelease = new Map<string, HelmRelease>();
  for (const o of objs) {
    const l = o.metadata.labels ?? {};
    const chartLabel = l['helm.sh/chart'];
    const instance = l['app.kubernetes.io/instance'];
    if (!chartLabel || !instance) continue;
    const m = /^(.*)-(v?\d+\.\d+\.\d+.*)$/.exec(chartLabel);
    const ns = o.metadata.namespace ?? '';
    // cluster-scoped objects of a release (ClusterRoles) carry no namespace: group by release name
    const key = instance;
    let r = byRelease.get(key);
    if (r && !r.namespace && ns) {
      r.namespace = ns;
      r.secret.namespace = ns;
    }
    if (!r) {
      r = {
        name: instance,
        namespace: ns,
        revision: 0,
        status: 'rendered',
        chart: {name: m?.[1] ?? chartLabel, version: m?.[2] ?? ''},
        config: {},
        values: {},
        manifest: [],
        secret: {namespace: ns, name: ''},
      };
      byRelease.set(key, r);
    }
    r.manifest.push(o);
  }
  return [...byRelease.values()];
}

export interface ObjectsSnapshotOptions {
  /** 'cluster' = the objects are the whole truth, with status (unit tests); 'files' = manifests, no runtime state */
  source: 'cluster' | 'files';
  namespace?: string | undefined;
  defaultNamespace?: string;
  version?: ServerVersion;
  /** make some lists fail (tests of "skipped: forbidden") */
  errors?: Partial<Record<KindKey, ListError>>;
  logs?: Record<string, string>;
  now?: Date;
}

/** A snapshot made of objects: manifests given with --from-file, or fixtures in unit tests. */
export function snapshotFromObjects(objs: KubeObject[], opts: ObjectsSnapshotOptions): Snapshot {
  const defaultNamespace = opts.defaultNamespace ?? opts.namespace ?? 'default';
  const normalised = objs.map((o) => normalise(o, defaultNamespace));
  const offline: ListError = {reason: 'offline', message: 'not in the manifests (runtime state is only known on a live cluster)'};
  const lists: Partial<Record<KindKey, KindList>> = {};
  for (const d of KINDS) {
    const err = opts.errors?.[d.key] ?? (opts.source === 'files' && d.runtime ? offline : undefined);
    lists[d.key] = {kind: d.key, parts: [err ? {error: err} : {items: [], ...(opts.source === 'files' ? {partial: true} : {})}]};
  }
  const crds: Snapshot['crds'] = {};
  for (const name of Object.values(CRD_NAMES)) crds[name] = opts.source === 'files' ? {reason: 'offline', message: 'CRDs are only known on a live cluster'} : null;
  const fromFiles = new WeakSet<object>();
  for (const o of normalised) {
    if (o.kind === 'CustomResourceDefinition' && ([...Object.values(CRD_NAMES), ...Object.values(EG_1_8_REQUIRED_CRDS)] as string[]).includes(o.metadata.name)) {
      crds[o.metadata.name] = o;
      continue;
    }
    const key = keyOf(o);
    if (!key) continue;
    const part = lists[key]!.parts[0]!;
    if ('items' in part) part.items.push(o);
    if (opts.source === 'files') fromFiles.add(o);
  }
  const snap: Snapshot = {
    source: opts.source,
    takenAt: (opts.now ?? new Date()).toISOString(),
    namespace: opts.namespace,
    version: opts.version ?? (opts.source === 'files' ? {reason: 'offline', message: 'no cluster'} : {gitVersion: 'v1.37.2', major: '1', minor: '37'}),
    lists,
    crds,
    releases: [],
    logs: {...(opts.logs ?? {})},
    requests: [],
    durationMs: 0,
    apiRequests: 0,
    fromFiles,
  };
  snap.releases = opts.errors?.HelmReleaseSecret ?? [...releasesFromSecrets(items(snap, 'HelmReleaseSecret')), ...(opts.source === 'files' ? releasesFromLabels(normalised) : [])];
  return snap;
}

/**
 * The live snapshot with the manifests laid over it (istioctl analyze's overlay): an object in
 * the files replaces the live one of the same kind, namespace and name. File objects carry no
 * status, so status checks treat them as "not applied yet".
 */
export function overlaySnapshot(live: Snapshot, objs: KubeObject[], defaultNamespace: string): Snapshot {
  const lists: Partial<Record<KindKey, KindList>> = {};
  for (const [k, l] of Object.entries(live.lists) as [KindKey, KindList][]) {
    lists[k] = {kind: k, parts: l.parts.map((p) => ('items' in p ? {...p, items: [...p.items]} : p))};
  }
  const fromFiles = new WeakSet<object>();
  const fileObjs = objs.map((o) => normalise(o, defaultNamespace));
  for (const o of fileObjs) {
    const key = keyOf(o);
    if (!key) continue;
    fromFiles.add(o);
    const list = (lists[key] ??= {kind: key, parts: []});
    const ns = o.metadata.namespace;
    let replaced = false;
    for (const p of list.parts) {
      if (!('items' in p)) continue;
      const i = p.items.findIndex((x) => x.metadata.name === o.metadata.name && (x.metadata.namespace ?? '') === (ns ?? ''));
      if (i >= 0) {
        p.items[i] = o;
        replaced = true;
      }
    }
    if (replaced) continue;
    const target = list.parts.find((p) => 'items' in p && (p.namespace === undefined || p.namespace === ns));
    if (target && 'items' in target) target.items.push(o);
    else list.parts.push({...(ns && kindDef(key).namespaced ? {namespace: ns} : {}), items: [o]});
  }
  const liveReleases = Array.isArray(live.releases) ? live.releases : [];
  const rendered = releasesFromLabels(fileObjs);
  const releases = [...liveReleases.filter((r) => !rendered.some((x) => x.name === r.name && x.namespace === r.namespace)), ...rendered];
  return {...live, source: 'overlay', lists, releases, fromFiles};
}
