import type {KubeObject} from '../kube/client.ts';
import {kindDef, type KindKey} from './kinds.ts';
import type {ListError, Snapshot} from './types.ts';

const itemCache = new WeakMap<object, {n: number; items: KubeObject[]}>();

/** Every object of a kind that could be read (cached per list; callers must not mutate the array). */
export function items<T extends KubeObject = KubeObject>(snap: Snapshot, kind: KindKey): T[] {
  const l = snap.lists[kind];
  if (!l) return [];
  const n = l.parts.reduce((k, p) => k + ('items' in p ? p.items.length + 1 : 1), 0);
  const hit = itemCache.get(l);
  if (hit && hit.n === n) return hit.items as T[];
  const out: KubeObject[] = [];
  for (const p of l.parts) if ('items' in p) out.push(...p.items);
  itemCache.set(l, {n, items: out});
  return out as T[];
}

/**
 * Whether the objects of a kind in a namespace are known: undefined when they are (an absent
 * object is really absent), else why not (forbidden, not served, outside the namespace scope…).
 * For cluster-scoped kinds the namespace is ignored.
 */
export function access(snap: Snapshot, kind: KindKey, namespace?: string): ListError | undefined {
  const l = snap.lists[kind];
  if (!l || l.parts.length === 0) {
    return {reason: 'outOfScope', message: `${kindDef(kind).kind} objects were not read`};
  }
  const namespaced = kindDef(kind).namespaced;
  const covering = l.parts.filter((p) => p.namespace === undefined || !namespaced || namespace === undefined || p.namespace === namespace);
  if (covering.length === 0) {
    return {reason: 'outOfScope', message: `namespace ${namespace} is outside the scope of this run (use -n ${namespace} or -A)`};
  }
  const ok = covering.find((p) => 'items' in p);
  if (ok) return undefined;
  const err = covering.find((p) => 'error' in p);
  return err && 'error' in err ? err.error : undefined;
}

/** Is the kind served at all? false only when a list said 404 (CRD not installed / version not served). */
export function served(snap: Snapshot, kind: KindKey): boolean | undefined {
  const l = snap.lists[kind];
  if (!l) return undefined;
  if (l.parts.some((p) => 'items' in p)) return true;
  if (l.parts.some((p) => 'error' in p && p.error.reason === 'notServed')) return false;
  return undefined;
}

const indexes = new WeakMap<Snapshot, Map<KindKey, Map<string, KubeObject>>>();

function index(snap: Snapshot, kind: KindKey): Map<string, KubeObject> {
  let perSnap = indexes.get(snap);
  if (!perSnap) {
    perSnap = new Map();
    indexes.set(snap, perSnap);
  }
  let m = perSnap.get(kind);
  if (!m) {
    m = new Map();
    for (const o of items(snap, kind)) m.set(`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
    perSnap.set(kind, m);
  }
  return m;
}

export type Lookup<T> = {found: T} | {absent: true} | {unknown: ListError};

/** One object by name: found, really absent, or unknown (and why). */
export function lookup<T extends KubeObject = KubeObject>(snap: Snapshot, kind: KindKey, namespace: string | undefined, name: string): Lookup<T> {
  const ns = kindDef(kind).namespaced ? (namespace ?? '') : '';
  const o = index(snap, kind).get(`${ns}/${name}`);
  if (o) return {found: o as T};
  const why = access(snap, kind, namespace);
  if (why) return {unknown: why};
  if (snap.lists[kind]?.parts.some((p) => 'items' in p && p.partial)) {
    return {unknown: {reason: 'offline', message: `${kindDef(kind).kind} ${namespace ? `${namespace}/` : ''}${name} is not in the manifests`}};
  }
  return {absent: true};
}

export function get<T extends KubeObject = KubeObject>(snap: Snapshot, kind: KindKey, namespace: string | undefined, name: string): T | undefined {
  const r = lookup<T>(snap, kind, namespace, name);
  return 'found' in r ? r.found : undefined;
}

export function inNamespace<T extends KubeObject = KubeObject>(snap: Snapshot, kind: KindKey, namespace: string): T[] {
  return items<T>(snap, kind).filter((o) => o.metadata.namespace === namespace);
}

/** Objects from files have no status yet: checks of status say "not applied" instead of failing. */
export function isLive(snap: Snapshot, o: object): boolean {
  return snap.source !== 'files' && !snap.fromFiles.has(o);
}

/** Every list that could not be read, one line each, for the "read access" check. */
export function unreadable(snap: Snapshot): {kind: KindKey; namespace?: string; error: ListError}[] {
  const out: {kind: KindKey; namespace?: string; error: ListError}[] = [];
  for (const [k, l] of Object.entries(snap.lists) as [KindKey, NonNullable<Snapshot['lists'][KindKey]>][]) {
    for (const p of l.parts) if ('error' in p) out.push({kind: k, ...(p.namespace ? {namespace: p.namespace} : {}), error: p.error});
  }
  return out;
}

/** The kind was read from manifests: an object missing from them may still exist in the cluster. */
export function partial(snap: Snapshot, kind: KindKey): boolean {
  return snap.lists[kind]?.parts.some((p) => 'items' in p && p.partial === true) ?? false;
}
