/*
 * `kubectl infgw collect`: read the cluster once (the same snapshot doctor reads), redact it, run
 * doctor over the redacted copy exactly as `doctor --from-bundle` will, and write the bundle.
 * `doctor --from-bundle` reads it back (loadBundleSnapshot).
 */
import {readFileSync, renameSync, writeFileSync} from 'node:fs';
import type {KubeClient} from '../kube/client.ts';
import {UsageError} from '../errors.ts';
import {takeSnapshot} from '../snapshot/take.ts';
import {envoyGatewayInstalls} from '../snapshot/envoy-gateway.ts';
import type {ListError, RequestRecord, Snapshot} from '../snapshot/types.ts';
import {runDoctor} from '../doctor/run.ts';
import type {DoctorReport} from '../doctor/report.ts';
import {jsonDocument, renderText} from '../render/doctor.ts';
import {SCHEMA_VERSION} from '../cli/base-command.ts';
import {deserializeSnapshot, readBundle, redactSnapshot, serializeSnapshot, writeBundle, type BundleManifest} from './bundle.ts';
import {redactLog, Redactions} from './redact.ts';

export interface CollectOptions {
  namespace?: string | undefined;
  signal?: AbortSignal | undefined;
  onRequest?: (r: RequestRecord) => void;
  tool: {name: string; version: string};
}

export interface Collected {
  data: Buffer;
  manifest: BundleManifest;
  /** doctor over the bundle's snapshot: what `doctor --from-bundle` shows */
  report: DoctorReport;
}

/** Turn a live snapshot into a bundle (pure: no I/O); `extraLogs` are read for the bundle only. */
export function bundleFromSnapshot(live: Snapshot, tool: CollectOptions['tool'], now: Date = new Date(), extraLogs: Record<string, string | ListError> = {}): Collected {
  const redactions = new Redactions();
  // through JSON and back: doctor judges exactly what --from-bundle will read
  const redacted = redactSnapshot(live, redactions);
  const snap = deserializeSnapshot(serializeSnapshot(redacted));
  // snapshot.json leaves the /metrics text to metrics/*.prom
  snap.runtime?.forEach((e, i) => {
    const m = redacted.runtime?.[i]?.metrics;
    if (e.metrics.outcome === 'ok' && m?.outcome === 'ok' && m.text !== undefined) e.metrics.text = m.text;
  });
  const report = runDoctor(snap, {namespace: snap.namespace, now: new Date(snap.takenAt)});
  const doctorJson = {schemaVersion: SCHEMA_VERSION, ...jsonDocument(report)};
  const logs: Record<string, string | ListError> = {};
  for (const [k, v] of Object.entries(extraLogs)) logs[k] = typeof v === 'string' ? redactLog(v, redactions) : v;
  const {data, manifest} = writeBundle({snap, report, doctorJson, doctorText: renderText(report, {unicode: false}), redactions, tool, now, extraLogs: logs});
  return {data, manifest, report};
}

export async function collect(kube: KubeClient, opts: CollectOptions): Promise<Collected> {
  const live = await takeSnapshot(kube, {namespace: opts.namespace, ...(opts.signal ? {signal: opts.signal} : {}), ...(opts.onRequest ? {onRequest: opts.onRequest} : {})});
  return bundleFromSnapshot(live, opts.tool, new Date(), await controllerLogs(kube, live, opts.signal));
}

export const CONTROLLER_LOG_LINES = 200;
const CONTROLLER_LOG_BUDGET_MS = 5_000;

/**
 * Envoy Gateway controller log tails doctor did not read (it reads them only after a restart or a
 * config change, src/snapshot/take.ts): a bundle carries them anyway — at most 2 pods per install,
 * the last CONTROLLER_LOG_LINES lines, within CONTROLLER_LOG_BUDGET_MS; a failure is recorded.
 */
export async function controllerLogs(kube: KubeClient, snap: Snapshot, signal?: AbortSignal): Promise<Record<string, string | ListError>> {
  const out: Record<string, string | ListError> = {};
  const budget = AbortSignal.timeout(CONTROLLER_LOG_BUDGET_MS);
  const s = signal ? AbortSignal.any([signal, budget]) : budget;
  const jobs: Promise<void>[] = [];
  for (const eg of envoyGatewayInstalls(snap)) {
    for (const p of eg.pods.slice(0, 2)) {
      for (const c of p.spec?.containers ?? []) {
        const key = `${p.metadata.namespace}/${p.metadata.name}/${c.name}`;
        if (key in snap.logs) continue;
        const path = `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}/log`;
        jobs.push(
          kube.get<string>(path, {text: true, query: {container: c.name, tailLines: CONTROLLER_LOG_LINES}, signal: s}).then(
            (text) => {
              out[key] = typeof text === 'string' ? text : String(text);
            },
            (error: unknown) => {
              if (signal?.aborted) throw error;
              out[key] = {reason: 'failed', message: budget.aborted ? `no answer within ${CONTROLLER_LOG_BUDGET_MS} ms` : (error as Error).message};
            },
          ),
        );
      }
    }
  }
  await Promise.all(jobs);
  return out;
}

/** Write next to the target and rename: a reader never sees half a bundle. Owner-only (0600). */
export function writeBundleFile(path: string, data: Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data, {mode: 0o600});
    renameSync(tmp, path);
  } catch (error) {
    throw new UsageError(`cannot write the bundle to ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** The snapshot inside a bundle file, for `doctor --from-bundle`. */
export function loadBundleSnapshot(path: string): {snap: Snapshot; manifest: BundleManifest} {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read --from-bundle ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  try {
    return readBundle(data);
  } catch (error) {
    throw new UsageError(`--from-bundle ${path}: ${(error as Error).message}`, 'Give a file written by "kubectl infgw collect -o FILE".');
  }
}
