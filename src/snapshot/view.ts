/*
 * A snapshot narrowed to the kinds a check declared (Check.reads): the runner gives each check's
 * run() such a view, so what a check reads is what it says it reads. Reading any other kind's
 * list throws UndeclaredReadError (the runner reports it like any failing check, and the catalog
 * test fails on it). Enumerating the lists shows only the declared kinds.
 */
import {KIND_BY_KEY, type KindKey} from './kinds.ts';
import type {Snapshot} from './types.ts';

export class UndeclaredReadError extends Error {
  readonly code: string;
  readonly kind: KindKey;
  constructor(code: string, kind: KindKey) {
    super(`${code} read ${kind} objects without declaring them in its reads`);
    this.name = 'UndeclaredReadError';
    this.code = code;
    this.kind = kind;
  }
}

/** Every kind a snapshot may hold (for checks that look at all of them, such as IGW-102). */
export const ALL_KINDS: readonly KindKey[] = [...KIND_BY_KEY.keys()];

const views = new WeakMap<Snapshot, Map<string, Snapshot>>();

export function snapshotView(snap: Snapshot, code: string, kinds: readonly KindKey[]): Snapshot {
  let perSnap = views.get(snap);
  if (!perSnap) views.set(snap, (perSnap = new Map()));
  const cached = perSnap.get(code);
  if (cached) return cached;
  const allowed = new Set<string>(kinds);
  const lists = new Proxy(snap.lists, {
    get(target, key, receiver) {
      if (typeof key === 'string' && KIND_BY_KEY.has(key as KindKey) && !allowed.has(key)) throw new UndeclaredReadError(code, key as KindKey);
      return Reflect.get(target, key, receiver) as unknown;
    },
    has(target, key) {
      return (typeof key !== 'string' || allowed.has(key) || !KIND_BY_KEY.has(key as KindKey)) && Reflect.has(target, key);
    },
    ownKeys(target) {
      return Reflect.ownKeys(target).filter((k) => typeof k !== 'string' || allowed.has(k) || !KIND_BY_KEY.has(k as KindKey));
    },
  });
  const view: Snapshot = {...snap, lists};
  perSnap.set(code, view);
  return view;
}
