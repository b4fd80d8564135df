/*
 * A support bundle is the serialized snapshot doctor analysed — every list with its access outcome
 * (forbidden and notServed round-trip, so an offline run skips the same checks), the CRDs, the
 * decoded Helm releases, the container logs, the EPP runtime reads — redacted (src/bundle/redact.ts),
 * plus doctor's JSON and text report and a manifest. `doctor --from-bundle` reads snapshot.json back
 * and runs the same checks at the time the snapshot was taken, so it gives the same diagnosis.
 *
 * Layout of the .tar.gz:
 *   manifest.json            tool, time, context, scope, kinds and their outcomes, what was removed
 *   snapshot.json            what --from-bundle reads (format BUNDLE_FORMAT)
 *   doctor.json, doctor.txt  doctor's report over this (redacted) snapshot
 *   objects/<Kind>.yaml      the objects per kind, for people
 *   logs/<ns>/<pod>/<container>[.previous].log   Envoy Gateway controller and EPP log tails
 *   metrics/<ns>/<pod>.prom  the EPP /metrics text; metrics/<ns>/<pod>.json its reading or failure
 */
import {stringify} from 'yaml';
import type {KubeObject} from '../kube/client.ts';
import {CRD_NAMES, KINDS, type KindKey} from '../snapshot/kinds.ts';
import {envoyGatewayInstalls} from '../snapshot/envoy-gateway.ts';
import {items} from '../snapshot/query.ts';
import {eppContainer} from '../k8s/args.ts';
import type {Deployment} from '../k8s/objects.ts';
import {isListError, type EppRuntime, type HelmRelease, type KindList, type ListError, type Snapshot} from '../snapshot/types.ts';
import type {DoctorReport} from '../doctor/report.ts';
import {redactLog, redactObject, redactRelease, redactString, Redactions} from './redact.ts';
import {tarGz, untarGz, type TarEntry} from './tar.ts';

export const BUNDLE_FORMAT = 'kubectl-infgw.bundle/v1';

/** What is always removed, whatever this cluster holds (the manifest says it to the reader). */
export const REMOVED = [
  'Secret data and stringData (metadata and type kept); Helm release Secrets are kept decoded: chart, status, revision, values and rendered objects, with credential values and Secret data removed',
  'ServiceAccount and other bearer tokens (JWTs), Authorization/Cookie/API-key header values, user:password in URLs, sk-… API keys',
  'credential values in ConfigMaps (e.g. LiteLLM api_key, master_key), Helm values, container env and command-line flags',
  'kubectl.kubernetes.io/last-applied-configuration annotations (they copy whole objects, Secret data included)',
  'user prompts and request bodies in logs (prompt, messages, content, input… fields)',
  'kubeconfig content: only the context name and the API server address are recorded',
];

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  tool: {name: string; version: string; node: string};
  createdAt: string;
  snapshot: {takenAt: string; source: Snapshot['source']; context?: string | undefined; server?: string | undefined; namespace: string | null};
  versions: BundleVersions;
  kinds: {kind: KindKey; parts: {namespace?: string; objects?: number; error?: ListError['reason']}[]}[];
  logs: string[];
  eppRuntime: {namespace: string; pod: string; log: 'ok' | 'failed'; metrics: string}[];
  doctor: {errors: number; warnings: number; skipped: number; blocked: number};
  removed: string[];
  redactions: {what: string; count: number}[];
  files: string[];
}

/** What runs, as far as the snapshot shows (no extra requests): `kubectl infgw version`'s answers. */
export interface BundleVersions {
  kubernetes?: string | undefined;
  gatewayApiBundle?: string | undefined;
  inferencePoolBundle?: string | undefined;
  envoyGateway: {namespace: string; name: string; image: string}[];
  epps: {namespace: string; name: string; image: string}[];
}

/** The versions a bundle records: server version, CRD bundle versions, Envoy Gateway and EPP images. */
export function snapshotVersions(snap: Snapshot): BundleVersions {
  const crdAnnotation = (name: string, key: string): string | undefined => {
    const c = snap.crds[name];
    return c && !isListError(c) ? (c as KubeObject).metadata.annotations?.[key] : undefined;
  };
  const image = (d: Deployment, c: {image?: string} | undefined) => ({namespace: d.metadata.namespace ?? '', name: d.metadata.name, image: c?.image ?? ''});
  return {
    kubernetes: snap.version && !isListError(snap.version) ? snap.version.gitVersion : undefined,
    gatewayApiBundle: crdAnnotation(CRD_NAMES.gateways, 'gateway.networking.k8s.io/bundle-version'),
    inferencePoolBundle: crdAnnotation(CRD_NAMES.inferencePools, 'inference.networking.k8s.io/bundle-version'),
    envoyGateway: envoyGatewayInstalls(snap).map((eg) => image(eg.deployment, eg.deployment.spec.template.spec.containers.find((c) => c.name === 'envoy-gateway') ?? eg.deployment.spec.template.spec.containers[0])),
    epps: items<Deployment>(snap, 'Deployment').flatMap((d) => {
      const c = eppContainer(d);
      return c ? [image(d, c)] : [];
    }),
  };
}

/** What snapshot.json holds: the Snapshot without its in-memory parts (fromFiles). */
interface SerializedSnapshot {
  format: typeof BUNDLE_FORMAT;
  source: Snapshot['source'];
  takenAt: string;
  context?: string | undefined;
  server?: string | undefined;
  namespace: string | null;
  version?: Snapshot['version'];
  lists: Partial<Record<KindKey, KindList>>;
  crds: Snapshot['crds'];
  releases: HelmRelease[] | ListError;
  logs: Record<string, string | ListError>;
  requests: Snapshot['requests'];
  runtime?: EppRuntime[] | undefined;
  durationMs: number;
  apiRequests: number;
}

/** The snapshot with everything a bundle must not carry removed (a copy; the input is untouched). */
export function redactSnapshot(snap: Snapshot, r: Redactions): Snapshot {
  const lists: Snapshot['lists'] = {};
  for (const [k, l] of Object.entries(snap.lists) as [KindKey, KindList][]) {
    lists[k] = {kind: l.kind, parts: l.parts.map((p) => ('items' in p ? {...p, items: p.items.map((o) => redactObject(o, r))} : {...p, error: {...p.error, message: redactString(p.error.message, r)}}))};
  }
  const crds: Snapshot['crds'] = {};
  for (const [name, c] of Object.entries(snap.crds)) crds[name] = c === null || isListError(c) ? c : redactObject(c as KubeObject, r);
  const logs: Snapshot['logs'] = {};
  for (const [k, v] of Object.entries(snap.logs)) logs[k] = typeof v === 'string' ? redactLog(v, r) : v;
  return {
    ...snap,
    lists,
    crds,
    releases: Array.isArray(snap.releases) ? snap.releases.map((rel) => redactRelease(rel, r)) : snap.releases,
    logs,
    ...(snap.runtime
      ? {
          runtime: snap.runtime.map((e) => ({
            ...e,
            log: e.log.ok ? {...e.log, text: redactLog(e.log.text, r)} : e.log,
            metrics: e.metrics.outcome === 'ok' && e.metrics.text !== undefined ? {...e.metrics, text: redactString(e.metrics.text, r)} : e.metrics,
          })),
        }
      : {}),
    fromFiles: new WeakSet(),
  };
}

// JSON has no Infinity/NaN (histogram buckets have le=+Inf): spelled out and read back.
const NUMBER_TAG = '$number';
function replacer(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? {[NUMBER_TAG]: String(v)} : v;
}
function reviver(_k: string, v: unknown): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === NUMBER_TAG) return Number((v as Record<string, string>)[NUMBER_TAG]);
  }
  return v;
}

export function serializeSnapshot(snap: Snapshot): string {
  const s: SerializedSnapshot = {
    format: BUNDLE_FORMAT,
    source: snap.source,
    takenAt: snap.takenAt,
    context: snap.context,
    server: snap.server,
    namespace: snap.namespace ?? null,
    version: snap.version,
    lists: snap.lists,
    crds: snap.crds,
    releases: snap.releases,
    logs: snap.logs,
    requests: snap.requests,
    // the metrics text is in metrics/*.prom; checks read the parsed reading
    runtime: snap.runtime?.map((e) => (e.metrics.outcome === 'ok' ? {...e, metrics: {...e.metrics, text: undefined}} : e)),
    durationMs: snap.durationMs,
    apiRequests: snap.apiRequests,
  };
  return `${JSON.stringify(s, replacer, 1)}\n`;
}

export function deserializeSnapshot(text: string): Snapshot {
  const s = JSON.parse(text, reviver) as SerializedSnapshot;
  if (s?.format !== BUNDLE_FORMAT) throw new Error(`snapshot.json is not a ${BUNDLE_FORMAT} snapshot (format ${JSON.stringify(s?.format)})`);
  return {
    source: s.source,
    takenAt: s.takenAt,
    context: s.context,
    server: s.server,
    namespace: s.namespace ?? undefined,
    version: s.version,
    lists: s.lists,
    crds: s.crds,
    releases: s.releases,
    logs: s.logs,
    requests: s.requests ?? [],
    ...(s.runtime ? {runtime: s.runtime} : {}),
    durationMs: s.durationMs,
    apiRequests: s.apiRequests,
    fromFiles: new WeakSet(),
  };
}

/** `ns/pod/container[/previous]` → logs/ns/pod/container[.previous].log */
function logPath(key: string): string {
  const [ns, pod, container, previous] = key.split('/');
  return `logs/${safe(ns)}/${safe(pod)}/${safe(container)}${previous ? '.previous' : ''}.log`;
}

function safe(s: string | undefined): string {
  return (s ?? '_').replace(/[^A-Za-z0-9._-]/g, '_') || '_';
}

export interface BundleInput {
  /** the redacted snapshot (redactSnapshot) */
  snap: Snapshot;
  /** doctor's report over that snapshot */
  report: DoctorReport;
  doctorJson: Record<string, unknown>;
  doctorText: string;
  redactions: Redactions;
  tool: {name: string; version: string};
  now?: Date;
  /**
   * Logs read for the bundle only (Envoy Gateway controller tails doctor did not need), redacted;
   * written to logs/ but not into snapshot.json, so --from-bundle judges what doctor judged.
   */
  extraLogs?: Record<string, string | ListError> | undefined;
}

/** The bundle's files, in order (manifest first). */
export function bundleEntries(input: BundleInput): {entries: TarEntry[]; manifest: BundleManifest} {
  const {snap, report} = input;
  const now = input.now ?? new Date();
  const files: TarEntry[] = [];
  const add = (path: string, text: string) => files.push({path, data: Buffer.from(text, 'utf8')});

  add('snapshot.json', serializeSnapshot(snap));
  add('doctor.json', `${JSON.stringify(input.doctorJson, null, 2)}\n`);
  // the text report without colour codes
  add('doctor.txt', input.doctorText.replace(/\u001b\[[0-9;]*m/g, ''));
  for (const d of KINDS) {
    const l = snap.lists[d.key];
    if (!l) continue;
    const objects = l.parts.flatMap((p) => ('items' in p ? p.items : []));
    const errors = l.parts.flatMap((p) => ('error' in p ? [`# ${p.namespace ? `namespace ${p.namespace}: ` : ''}${p.error.reason}: ${p.error.message.replace(/\n/g, ' ')}`] : []));
    add(`objects/${d.key}.yaml`, `${errors.length ? `${errors.join('\n')}\n` : ''}${objects.map((o) => stringify(o, {lineWidth: 0})).join('---\n')}`);
  }
  if (Array.isArray(snap.releases)) add('objects/HelmReleases.yaml', snap.releases.map((r) => stringify(r, {lineWidth: 0})).join('---\n'));
  const logs: string[] = [];
  for (const [k, v] of [...Object.entries(snap.logs), ...Object.entries(input.extraLogs ?? {}).filter(([k]) => !(k in snap.logs))]) {
    const path = logPath(k);
    logs.push(path);
    add(path, typeof v === 'string' ? v : `# not read: ${v.reason}: ${v.message}\n`);
  }
  for (const e of snap.runtime ?? []) {
    const base = `${safe(e.namespace)}/${safe(e.pod)}`;
    const logFile = `logs/${base}/epp.log`;
    logs.push(logFile);
    add(logFile, e.log.ok ? e.log.text : `# not read: ${e.log.reason}\n`);
    if (e.metrics.outcome === 'ok' && e.metrics.text !== undefined) add(`metrics/${base}.prom`, e.metrics.text);
    const {text: _text, ...reading} = e.metrics as {text?: string};
    add(`metrics/${base}.json`, `${JSON.stringify({namespace: e.namespace, deployment: e.deployment, pod: e.pod, port: e.port, metrics: reading}, replacer, 2)}\n`);
  }

  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    tool: {name: input.tool.name, version: input.tool.version, node: process.versions.node},
    createdAt: now.toISOString(),
    snapshot: {takenAt: snap.takenAt, source: snap.source, context: snap.context, server: snap.server, namespace: snap.namespace ?? null},
    versions: snapshotVersions(snap),
    kinds: KINDS.filter((d) => snap.lists[d.key]).map((d) => ({
      kind: d.key,
      parts: snap.lists[d.key]!.parts.map((p) => ({...(p.namespace ? {namespace: p.namespace} : {}), ...('items' in p ? {objects: p.items.length} : {error: p.error.reason})})),
    })),
    logs,
    eppRuntime: (snap.runtime ?? []).map((e) => ({namespace: e.namespace, pod: e.pod, log: e.log.ok ? 'ok' : 'failed', metrics: e.metrics.outcome})),
    doctor: {errors: report.summary.errors, warnings: report.summary.warnings, skipped: report.summary.skipped, blocked: report.summary.blocked},
    removed: REMOVED,
    redactions: input.redactions.list(),
    files: ['manifest.json', ...files.map((f) => f.path)],
  };
  return {entries: [{path: 'manifest.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)}, ...files], manifest};
}

export function writeBundle(input: BundleInput): {data: Buffer; manifest: BundleManifest} {
  const {entries, manifest} = bundleEntries(input);
  return {data: tarGz(entries, input.now), manifest};
}

export interface LoadedBundle {
  snap: Snapshot;
  manifest: BundleManifest;
}

/** Read a bundle written by `collect` back (errors say what is wrong with the file). */
export function readBundle(data: Buffer): LoadedBundle {
  const entries = untarGz(data);
  const file = (p: string): string => {
    const e = entries.find((x) => x.path === p);
    if (!e) throw new Error(`${p} is missing: not a kubectl infgw support bundle`);
    return e.data.toString('utf8');
  };
  const manifest = JSON.parse(file('manifest.json')) as BundleManifest;
  if (manifest.format !== BUNDLE_FORMAT) throw new Error(`unknown bundle format ${JSON.stringify(manifest.format)} (this version reads ${BUNDLE_FORMAT})`);
  return {snap: deserializeSnapshot(file('snapshot.json')), manifest};
}
