// Helpers for check tests: load a YAML fixture of real-shaped objects, change it, snapshot it, run doctor.
import {readFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseManifests} from '../../../src/helm/release.ts';
import {snapshotFromObjects, type ObjectsSnapshotOptions} from '../../../src/snapshot/files.ts';
import {runDoctor, type DoctorOptions} from '../../../src/doctor/run.ts';
import type {KubeObject} from '../../../src/kube/client.ts';
import type {Finding} from '../../../src/checks/types.ts';
import type {Snapshot} from '../../../src/snapshot/types.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const sharedDir = resolve(repoRoot, '..', 'shared');
export const NOW = new Date('2026-11-21T12:00:00Z');

export function loadObjects(name: string): KubeObject[] {
  return parseManifests(readFileSync(join(repoRoot, 'test', 'unit', 'fixtures', 'doctor', name), 'utf8'));
}

/** Find one object by kind and name (and namespace) in a fixture; throws when absent so tests cannot pass vacuously. */
export function obj<T = KubeObject & Record<string, unknown>>(objs: KubeObject[], kind: string, name: string, namespace?: string): T {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace));
  if (!o) throw new Error(`fixture has no ${kind} ${namespace ?? '*'}/${name}`);
  return o as T;
}

export function without(objs: KubeObject[], kind: string, name: string): KubeObject[] {
  const n = objs.length;
  const out = objs.filter((x) => !(x.kind === kind && x.metadata.name === name));
  if (out.length === n) throw new Error(`fixture has no ${kind} ${name} to remove`);
  return out;
}

export function snap(objs: KubeObject[], opts: Partial<ObjectsSnapshotOptions> = {}): Snapshot {
  return snapshotFromObjects(structuredClone(objs), {source: 'cluster', now: NOW, ...opts});
}

export function doctor(objs: KubeObject[], opts: DoctorOptions & {snapshot?: Partial<ObjectsSnapshotOptions>} = {}): Finding[] {
  const {snapshot, ...rest} = opts;
  return runDoctor(snap(objs, snapshot), {now: NOW, ...rest}).findings;
}

export function byCode(findings: Finding[], code: string): Finding[] {
  return findings.filter((f) => f.code === code);
}

export function problems(findings: Finding[]): Finding[] {
  return findings.filter((f) => f.severity === 'error' || f.severity === 'warning');
}

/** The one finding of a code with that severity; fails loudly otherwise. */
export function one(findings: Finding[], code: string, severity: Finding['severity']): Finding {
  const fs = findings.filter((f) => f.code === code && f.severity === severity);
  if (fs.length !== 1) {
    throw new Error(`expected one ${severity} ${code}, got ${fs.length}: ${JSON.stringify(findings.filter((f) => f.code === code), null, 1)}`);
  }
  return fs[0]!;
}
