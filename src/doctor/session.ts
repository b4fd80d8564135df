/*
 * One `doctor` run: gather (live cluster, manifest files, or both overlaid), analyse, and with
 * --wait repeat until healthy or out of time. The command renders what this returns.
 */
import type {KubeClient, KubeObject} from '../kube/client.ts';
import {InterruptedError, UsageError} from '../errors.ts';
import {durationMs} from '../k8s/duration.ts';
import {takeSnapshot} from '../snapshot/take.ts';
import {overlaySnapshot, readManifestFiles, snapshotFromObjects} from '../snapshot/files.ts';
import type {RequestRecord, Snapshot} from '../snapshot/types.ts';
import {catalog as fullCatalog} from '../checks/catalog.ts';
import {runDoctor} from './run.ts';
import {discover} from '../model/target.ts';
import {healthy, type FailureThreshold} from '../checks/runner.ts';
import {conclude, orderForPlaybook, playbookCodes, symptomByName, SYMPTOMS, withDependencies} from './symptoms.ts';
import type {DoctorReport} from './report.ts';

export interface DoctorProgress {
  gathering?(what: string): void;
  request?(r: RequestRecord): void;
  gathered?(snap: Snapshot): void;
  analysed?(report: DoctorReport): void;
  retrying?(attempt: number, report: DoctorReport, delayMs: number): void;
}

export interface DoctorRunOptions {
  /** the namespace scope; undefined = all namespaces */
  namespace?: string | undefined;
  /** namespace for manifest objects that name none */
  defaultNamespace?: string | undefined;
  release?: string | undefined;
  pool?: string | undefined;
  only?: string[] | undefined;
  skip?: string[] | undefined;
  symptom?: string | undefined;
  fromFiles?: string[] | undefined;
  overlay?: boolean | undefined;
  /** analyse the snapshot of a support bundle (`collect`) instead of the cluster */
  fromBundle?: string | undefined;
  /** the lowest severity that fails the run (and that --wait waits away); default error */
  failureThreshold?: FailureThreshold | undefined;
  /** also draw the traffic map (--map, --report) */
  map?: boolean | undefined;
  /** re-run until healthy or this many ms have passed */
  waitMs?: number | undefined;
  retryEveryMs?: number | undefined;
  signal?: AbortSignal | undefined;
  progress?: DoctorProgress | undefined;
  /** --request: send one request through the Gateway (src/doctor/live.ts) */
  request?: {timeLimitMs: number; model?: string | undefined; via?: 'auto' | 'address' | 'port-forward' | undefined} | undefined;
  /** --envoy-admin: read the Envoy proxy's admin view (also with --request) */
  envoyAdmin?: boolean | undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new InterruptedError());
    };
    signal?.addEventListener('abort', onAbort, {once: true});
  });
}

export async function doctorRun(opts: DoctorRunOptions, connect: () => Promise<KubeClient>): Promise<DoctorReport> {
  const files = opts.fromFiles ?? [];
  if (opts.overlay && files.length === 0) throw new UsageError('--overlay lays --from-file manifests over the live cluster; give at least one --from-file');
  const symptom = opts.symptom ? symptomByName(opts.symptom) : undefined;
  if (opts.symptom && !symptom) throw new UsageError(`unknown symptom "${opts.symptom}"`, `Known symptoms: ${SYMPTOMS.map((s) => s.name).join(', ')} (kubectl infgw doctor --symptom list).`);
  const checks = fullCatalog();
  const playbook = symptom ? playbookCodes(symptom, checks) : undefined;

  let fileObjects: KubeObject[] | undefined;
  if (files.length) {
    try {
      fileObjects = readManifestFiles(files);
    } catch (error) {
      throw new UsageError(`cannot read --from-file: ${(error as Error).message}`);
    }
  }
  if (opts.fromBundle) {
    if (files.length) throw new UsageError('--from-bundle and --from-file cannot be combined');
    const {loadBundleSnapshot} = await import('../bundle/collect.ts');
    const {snap} = loadBundleSnapshot(opts.fromBundle);
    // the bundle's scope; -n may narrow an all-namespaces bundle, not widen a namespaced one
    if (snap.namespace !== undefined && opts.namespace !== undefined && opts.namespace !== snap.namespace) {
      throw new UsageError(`the bundle was collected in namespace ${snap.namespace}, not ${opts.namespace}`, 'Leave out -n, or collect with -A.');
    }
    const namespace = opts.namespace ?? snap.namespace;
    opts.progress?.gathering?.(`${opts.fromBundle} (bundle, offline)`);
    opts.progress?.gathered?.(snap);
    const report = runDoctor(snap, {
      namespace,
      release: opts.release,
      pool: opts.pool,
      only: opts.only,
      skip: opts.skip,
      // time-dependent checks judge the moment the snapshot was taken
      now: new Date(snap.takenAt),
      ...(playbook ? {codes: withDependencies(playbook, checks), symptom: symptom!.name} : {}),
      catalog: checks,
      map: opts.map,
    });
    report.target.bundle = {file: opts.fromBundle, takenAt: snap.takenAt};
    if (symptom && playbook) {
      report.findings = orderForPlaybook(report.findings, playbook);
      report.conclusion = conclude(symptom, report.findings, discover(snap, {namespace, release: opts.release, pool: opts.pool}));
    }
    opts.progress?.analysed?.(report);
    return report;
  }
  const live = files.length === 0 || opts.overlay === true;
  if ((opts.request || opts.envoyAdmin) && !live) throw new UsageError(`${opts.request ? '--request' : '--envoy-admin'} talks to the live cluster: leave out --from-file (or add --overlay)`);
  const kube = live ? await connect() : undefined;

  const deadline = opts.waitMs ? Date.now() + opts.waitMs : 0;
  for (let attempt = 1; ; attempt++) {
    let snap: Snapshot;
    if (kube) {
      opts.progress?.gathering?.(kube.server);
      snap = await takeSnapshot(kube, {namespace: opts.namespace, ...(opts.signal ? {signal: opts.signal} : {}), ...(opts.progress?.request ? {onRequest: (r) => opts.progress!.request!(r)} : {})});
      if (fileObjects) snap = overlaySnapshot(snap, fileObjects, opts.defaultNamespace ?? opts.namespace ?? kube.namespace);
      if (opts.request || opts.envoyAdmin) {
        const {readLive} = await import('./live.ts');
        await readLive(kube, snap, {namespace: opts.namespace, defaultNamespace: opts.defaultNamespace ?? kube.namespace, release: opts.release, pool: opts.pool, request: opts.request, envoyAdmin: opts.envoyAdmin === true, signal: opts.signal});
      }
    } else {
      opts.progress?.gathering?.(`${files.join(', ')} (offline)`);
      snap = snapshotFromObjects(fileObjects ?? [], {source: 'files', namespace: opts.namespace, defaultNamespace: opts.defaultNamespace ?? opts.namespace ?? 'default'});
    }
    opts.progress?.gathered?.(snap);
    const report = runDoctor(snap, {
      namespace: opts.namespace,
      release: opts.release,
      pool: opts.pool,
      only: opts.only,
      skip: opts.skip,
      ...(playbook ? {codes: withDependencies(playbook, checks), symptom: symptom!.name} : {}),
      catalog: checks,
      map: opts.map,
    });
    if (symptom && playbook) {
      report.findings = orderForPlaybook(report.findings, playbook);
      report.conclusion = conclude(symptom, report.findings, discover(snap, {namespace: opts.namespace, release: opts.release, pool: opts.pool}));
    }
    opts.progress?.analysed?.(report);
    const remaining = deadline - Date.now();
    if (!opts.waitMs || !kube || healthy(report.findings, opts.failureThreshold) || remaining <= 0) return report;
    const delay = Math.min(opts.retryEveryMs ?? 5000, remaining);
    opts.progress?.retrying?.(attempt, report, delay);
    await sleep(delay, opts.signal);
  }
}

/** Go-style durations for --wait (and --request-max-time): 90s, 2m, 1m30s, 500ms (src/k8s/duration.ts); a bare number is seconds. */
export function parseWait(s: string, flag = '--wait'): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  if (!s) throw new UsageError(`${flag} needs a duration such as 90s or 2m`);
  const ms = durationMs(s);
  if (ms === undefined) throw new UsageError(`${flag}: "${s}" is not a duration (e.g. 90s, 2m, 1m30s)`);
  return ms;
}
