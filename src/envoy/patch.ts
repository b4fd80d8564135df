/*
 * `kubectl infgw patch-envoy`: merge extensionManager settings into Envoy Gateway's config
 * ConfigMap, safely. Gather → decide (pure functions in this folder) → write → verify → restart.
 *
 *   read ConfigMap → parse → merge → validate with Envoy Gateway's rules (refuse unless --force)
 *   → check the extension service → nothing changed? "already configured", done
 *   → server-side dry run of the write → backup ConfigMap → PUT with resourceVersion
 *     (409: re-read, re-merge, retry) → re-read and verify
 *   → restart the controller Deployment, wait (src/rollout) → it fails? restore the backup,
 *     restart again, exit 4 with the controller's own error.
 *
 * Why restart at all: Envoy Gateway (>= 1.2) reloads its config file when it changes, but the
 * kubelet syncs ConfigMap volumes only about once a minute, and an invalid file on reload is
 * merely logged and ignored (internal/envoygateway/config/loader/configloader.go) — a restart
 * shows at once whether the controller accepts the new file (it refuses to start otherwise).
 */
import {ExitCode, InfgwError, type ExitCodeValue} from '../errors.ts';
import type {KubeClient, KubeObject} from '../kube/client.ts';
import {ApiError} from '../kube/errors.ts';
import {restartWorkload, waitForRollout, type RestartResult, type RolloutResult, type WorkloadRef} from '../rollout/index.ts';
import {controllerErrorFromLog, judgeExtensionService, serviceFromHostname, type ExtensionServiceStatus} from './cluster.ts';
import {parseEnvoyGatewayConfig, type EnvoyGatewayValue} from './config.ts';
import {unifiedDiff} from './diff.ts';
import {helmOwnership, helmValuesSnippet, type HelmOwnership} from './helm.ts';
import {describeServiceTarget, mergeExtensionManager, type MergeConflict} from './merge.ts';
import {wantedExtensionManager, type GroupVersionKind, type PresetName, type WantedExtensionManager} from './presets.ts';
import {envoyGatewayWarnings, validateEnvoyGateway, type ValidationIssue, type ValidationWarning} from './validate.ts';

export interface ConfigLocation {
  namespace: string;
  configMap: string;
  key: string;
  deployment: string;
}

export const BACKUP_SUFFIX = '-infgw-backup';
/** Annotations on the backup ConfigMap (the prefix is a DNS label: a valid annotation prefix). */
export const BACKUP_ANNOTATIONS = {
  source: 'kubectl-infgw/backup-of',
  key: 'kubectl-infgw/backup-key',
  resourceVersion: 'kubectl-infgw/source-resource-version',
  time: 'kubectl-infgw/backed-up-at',
} as const;

export function backupName(configMap: string): string {
  return `${configMap}${BACKUP_SUFFIX}`;
}

/** Test seams: called at the named moments with what is about to happen. Only tests set them. */
export interface PatchEnvoyHooks {
  /** After the merge and the backup, right before each PUT of the ConfigMap (1-based attempt). */
  beforeWrite?: (ctx: {attempt: number; resourceVersion: string}) => Promise<void> | void;
  /** Before each restart of the controller, with the config text the controller will load. */
  beforeRestart?: (ctx: {phase: 'patch' | 'rollback'; text: string}) => Promise<void> | void;
}

export interface PatchEnvoyOptions {
  location: ConfigLocation;
  preset: PresetName;
  backendResources?: GroupVersionKind[];
  dryRun?: boolean;
  force?: boolean;
  /** Restart the controller after writing (default true). */
  restart?: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  progress?: (message: string) => void;
  hooks?: PatchEnvoyHooks;
  /** Write attempts on conflicts (default 5). */
  maxAttempts?: number;
}

export type PatchOutcome =
  | 'patched'
  | 'written'
  | 'already-configured'
  | 'dry-run'
  | 'refused'
  | 'rolled-back'
  | 'rollback-failed'
  | 'restart-failed'
  | 'interrupted'
  | 'restored'
  | 'nothing-to-restore';

/** The rollout result without the full workload object (JSON output stays readable). */
export type RolloutSummary = Omit<RolloutResult, 'object'>;

export interface PatchEnvoyResult {
  mode: 'patch' | 'rollback';
  outcome: PatchOutcome;
  exitCode: ExitCodeValue;
  /** One-line summary for humans. */
  message: string;
  configMap: {namespace: string; name: string; key: string; resourceVersion?: string; newResourceVersion?: string};
  controller: {namespace: string; deployment: string; version?: string};
  preset?: PresetName;
  wanted?: WantedExtensionManager;
  /** Entry merged into: extensionManager or extensionManagers[i]. */
  target?: string;
  changes: string[];
  conflicts: MergeConflict[];
  before: string;
  after: string;
  diff: string;
  validation: {before: ValidationIssue[]; after: ValidationIssue[]; warnings: ValidationWarning[]};
  forced: boolean;
  dryRun: boolean;
  extensionService?: ExtensionServiceStatus;
  helm?: HelmOwnership & {valuesSnippet: string};
  /** The API server accepted the write as a server-side dry run. */
  serverDryRun?: boolean;
  backup?: {namespace: string; name: string; action: 'created' | 'updated' | 'would-create' | 'would-update' | 'kept'};
  write?: {attempts: number; verified: boolean; resourceVersion?: string};
  restart?: {restartedAt: string; annotationKept: boolean; generation?: number};
  rollout?: RolloutSummary;
  /** The controller's own error message (log line or last termination) when the rollout failed. */
  controllerError?: string;
  rollback?: {restored: boolean; reason?: string; restart?: PatchEnvoyResult['restart']; rollout?: RolloutSummary};
  warnings: string[];
  notes: string[];
}

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const RELOAD_NOTE =
  'Envoy Gateway (>= v1.2) reloads its config file by itself once the kubelet has synced the ConfigMap volume (about a minute); an invalid file is then only logged ("failed to validate EnvoyGateway config") and ignored. To restart now: kubectl infgw restart envoy-gateway';

function cmPath(namespace: string, name?: string): string {
  const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

async function readConfig(kube: KubeClient, loc: ConfigLocation, signal?: AbortSignal): Promise<{cm: ConfigMap; text: string}> {
  const cm = await kube.getOptional<ConfigMap>(cmPath(loc.namespace, loc.configMap), signal ? {signal} : {});
  if (!cm) {
    throw new InfgwError(`ConfigMap ${loc.namespace}/${loc.configMap} not found: is Envoy Gateway installed there?`, {
      hint: 'Point at another install with --config-namespace / --configmap (e.g. kubectl get configmap -A | grep envoy-gateway-config).',
    });
  }
  const text = cm.data?.[loc.key];
  if (text === undefined) {
    const keys = Object.keys(cm.data ?? {});
    throw new InfgwError(`ConfigMap ${loc.namespace}/${loc.configMap} has no key "${loc.key}"${keys.length ? ` (keys: ${keys.join(', ')})` : ''}`, {
      hint: 'Name the key with --key.',
    });
  }
  return {cm, text};
}

/** The body of a PUT: the object as read (resourceVersion = precondition), with new data. */
function withText(cm: ConfigMap, key: string, text: string): ConfigMap {
  const {managedFields: _mf, ...metadata} = cm.metadata;
  return {...cm, apiVersion: 'v1', kind: 'ConfigMap', metadata, data: {...cm.data, [key]: text}};
}

function summarize(r: RolloutResult): RolloutSummary {
  const {object: _o, ...rest} = r;
  return rest;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The extension service the merged entry points at, checked against Service + EndpointSlices. */
async function checkExtensionService(kube: KubeClient, value: EnvoyGatewayValue, target: string): Promise<ExtensionServiceStatus | undefined> {
  const entry = entryAt(value, target);
  const service = entry?.service as Record<string, unknown> | undefined;
  const describe = describeServiceTarget(service);
  if (!service || !describe) return undefined;
  const fqdn = service.fqdn as {hostname?: unknown} | undefined;
  const ref = typeof fqdn?.hostname === 'string' ? serviceFromHostname(fqdn.hostname) : undefined;
  if (!ref) return {target: describe};
  try {
    const svc = await kube.getOptional<KubeObject & {spec?: never}>(`/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/services/${encodeURIComponent(ref.name)}`);
    const slices = svc
      ? (
          await kube.list<KubeObject>(`/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(ref.namespace)}/endpointslices`, {
            query: {labelSelector: `kubernetes.io/service-name=${ref.name}`},
          })
        ).items
      : [];
    return judgeExtensionService(service, svc as never, slices as never, describe);
  } catch (error) {
    return {target: describe, warning: `could not check the extension service ${ref.namespace}/${ref.name}: ${errorMessage(error)}`};
  }
}

function entryAt(value: EnvoyGatewayValue, target: string): Record<string, unknown> | undefined {
  const m = /^extensionManagers\[(\d+)\]$/.exec(target);
  const entry = m ? (value.extensionManagers as unknown[] | undefined)?.[Number(m[1])] : value.extensionManager;
  return typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : undefined;
}

/** The controller's image tag (e.g. v1.9.0), for version-dependent warnings. */
function controllerVersion(deployment: KubeObject | undefined): string | undefined {
  const containers = (deployment as {spec?: {template?: {spec?: {containers?: {name?: string; image?: string}[]}}}} | undefined)?.spec?.template?.spec?.containers ?? [];
  const c = containers.find((x) => /envoyproxy\/gateway/.test(x.image ?? '')) ?? containers[0];
  const image = c?.image?.split('@')[0] ?? '';
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : undefined;
}

/** Keep a copy of `text` in <configmap>-infgw-backup (create or replace with its resourceVersion). */
async function writeBackup(kube: KubeClient, loc: ConfigLocation, source: ConfigMap, text: string, dryRun: boolean): Promise<NonNullable<PatchEnvoyResult['backup']>> {
  const name = backupName(loc.configMap);
  const path = cmPath(loc.namespace, name);
  const body = (resourceVersion?: string): ConfigMap => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: loc.namespace,
      ...(resourceVersion ? {resourceVersion} : {}),
      labels: {'app.kubernetes.io/managed-by': 'kubectl-infgw'},
      annotations: {
        [BACKUP_ANNOTATIONS.source]: `${loc.namespace}/${loc.configMap}`,
        [BACKUP_ANNOTATIONS.key]: loc.key,
        [BACKUP_ANNOTATIONS.resourceVersion]: source.metadata.resourceVersion ?? '',
        [BACKUP_ANNOTATIONS.time]: new Date().toISOString(),
      },
    },
    data: {[loc.key]: text},
  });
  for (let attempt = 1; ; attempt++) {
    const existing = await kube.getOptional<ConfigMap>(path);
    try {
      if (existing) {
        await kube.replace(path, body(existing.metadata.resourceVersion), {dryRun});
        return {namespace: loc.namespace, name, action: dryRun ? 'would-update' : 'updated'};
      }
      await kube.create(cmPath(loc.namespace), body(), {dryRun});
      return {namespace: loc.namespace, name, action: dryRun ? 'would-create' : 'created'};
    } catch (error) {
      // Someone else wrote the backup between our read and write: read again.
      if (error instanceof ApiError && (error.conflict || error.status === 409) && attempt < 5) continue;
      throw error;
    }
  }
}

interface RestartOutcome {
  restart?: PatchEnvoyResult['restart'];
  rollout?: RolloutResult;
  error?: InfgwError;
}

/** Restart the controller like `kubectl rollout restart` and wait like `rollout status` (src/rollout). */
async function restartController(kube: KubeClient, opts: PatchEnvoyOptions, ref: WorkloadRef): Promise<RestartOutcome> {
  let restarted: RestartResult;
  try {
    restarted = await restartWorkload(kube, ref);
  } catch (error) {
    if (error instanceof InfgwError) return {error};
    throw error;
  }
  const restart = {restartedAt: restarted.restartedAt, annotationKept: restarted.annotationKept, ...(restarted.generation === undefined ? {} : {generation: restarted.generation})};
  opts.progress?.(`Waiting for deployment "${ref.name}" rollout to finish…`);
  const result = await waitForRollout(kube, ref, {
    timeoutMs: opts.timeoutMs,
    ...(opts.signal ? {signal: opts.signal} : {}),
    ...(opts.progress ? {onProgress: opts.progress} : {}),
    failFast: true,
  });
  return {restart, rollout: result};
}

/** The controller's own words: its log tail (tolerating no logs), else the last termination. */
async function controllerError(kube: KubeClient, namespace: string, r: RolloutResult): Promise<string | undefined> {
  if (r.pod) {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(r.pod)}/log`;
    // A crash-looping container is usually between runs: ask for the current log, then the previous one.
    for (const previous of [false, true]) {
      try {
        const log = await kube.get<string>(path, {text: true, query: {tailLines: 50, ...(previous ? {previous: true} : {})}});
        const line = controllerErrorFromLog(log);
        if (line) return r.lastTermination ? `${line} (${r.lastTermination})` : line;
      } catch {
        /* logs unavailable (RBAC, node gone, no previous container): fall back below */
      }
    }
  }
  return r.lastTermination ?? r.podReason ?? r.message;
}

function baseResult(opts: PatchEnvoyOptions, mode: 'patch' | 'rollback'): PatchEnvoyResult {
  return {
    mode,
    outcome: 'refused',
    exitCode: ExitCode.refused,
    message: '',
    configMap: {namespace: opts.location.namespace, name: opts.location.configMap, key: opts.location.key},
    controller: {namespace: opts.location.namespace, deployment: opts.location.deployment},
    changes: [],
    conflicts: [],
    before: '',
    after: '',
    diff: '',
    validation: {before: [], after: [], warnings: []},
    forced: Boolean(opts.force),
    dryRun: Boolean(opts.dryRun),
    warnings: [],
    notes: [],
  };
}

/**
 * Write `text` over the config with optimistic concurrency. `compute` turns the current content
 * into the wanted one (patch: merge; rollback: the backup text) and may refuse; it runs again
 * after every 409.
 */
async function writeConfig(
  kube: KubeClient,
  opts: PatchEnvoyOptions,
  first: {cm: ConfigMap; text: string},
  compute: (current: string) => {text: string} | {refuse: string},
  backupText: (current: string) => string | undefined,
  result: PatchEnvoyResult,
): Promise<{written: string; cm: ConfigMap} | undefined> {
  const loc = opts.location;
  const path = cmPath(loc.namespace, loc.configMap);
  const maxAttempts = opts.maxAttempts ?? 5;
  let current = first;
  for (let attempt = 1; ; attempt++) {
    const next = compute(current.text);
    if ('refuse' in next) {
      result.outcome = 'refused';
      result.exitCode = ExitCode.refused;
      result.message = next.refuse;
      return undefined;
    }
    if (next.text === current.text) return {written: current.text, cm: current.cm};
    const body = withText(current.cm, loc.key, next.text);
    try {
      // Every real write is first sent as a server-side dry run: admission (webhooks, policies)
      // and RBAC speak now, before the backup is touched.
      await kube.replace(path, body, {dryRun: true});
      result.serverDryRun = true;
      const keep = backupText(current.text);
      if (keep !== undefined) result.backup = await writeBackup(kube, loc, current.cm, keep, false);
      await opts.hooks?.beforeWrite?.({attempt, resourceVersion: current.cm.metadata.resourceVersion ?? ''});
      const written = await kube.replace<ConfigMap>(path, body);
      result.write = {attempts: attempt, verified: false, ...(written.metadata.resourceVersion ? {resourceVersion: written.metadata.resourceVersion} : {})};
      return {written: next.text, cm: written};
    } catch (error) {
      if (error instanceof ApiError && error.conflict && attempt < maxAttempts) {
        opts.progress?.(`ConfigMap ${loc.namespace}/${loc.configMap} changed while we were writing (409 Conflict); reading it again (attempt ${attempt + 1} of ${maxAttempts})`);
        current = await readConfig(kube, loc, opts.signal);
        continue;
      }
      if (error instanceof ApiError && error.conflict) {
        throw new InfgwError(`ConfigMap ${loc.namespace}/${loc.configMap} kept changing under us (${maxAttempts} conflicts); nothing written`, {
          exitCode: ExitCode.refused,
          hint: 'Something rewrites it continuously (an operator or GitOps controller?); change it at its source instead.',
        });
      }
      throw error;
    }
  }
}

/** Re-read and check that what we wrote is there (or that the merge is still satisfied). */
async function verify(kube: KubeClient, loc: ConfigLocation, check: (text: string) => boolean): Promise<{ok: boolean; resourceVersion?: string}> {
  const {cm, text} = await readConfig(kube, loc);
  return {ok: check(text), ...(cm.metadata.resourceVersion ? {resourceVersion: cm.metadata.resourceVersion} : {})};
}

export async function patchEnvoy(kube: KubeClient, opts: PatchEnvoyOptions): Promise<PatchEnvoyResult> {
  const loc = opts.location;
  const result = baseResult(opts, 'patch');
  const wanted = wantedExtensionManager(opts.preset, opts.backendResources ?? []);
  result.preset = opts.preset;
  result.wanted = wanted;
  const force = Boolean(opts.force);

  opts.progress?.(`Reading ConfigMap ${loc.namespace}/${loc.configMap} (key ${loc.key})…`);
  const first = await readConfig(kube, loc, opts.signal);
  const deploymentPath = `/apis/apps/v1/namespaces/${encodeURIComponent(loc.namespace)}/deployments/${encodeURIComponent(loc.deployment)}`;
  let deployment: KubeObject | undefined;
  let deploymentProblem: string | undefined;
  try {
    deployment = await kube.getOptional(deploymentPath);
  } catch (error) {
    // Not fatal for reading and writing the config; the restart step reports it.
    deploymentProblem = errorMessage(error);
  }
  const version = controllerVersion(deployment);
  if (version) result.controller.version = version;
  result.configMap.resourceVersion = first.cm.metadata.resourceVersion;
  result.before = first.text;

  /** Merge + validate: the same decision on the first read and after every conflict. */
  const decide = (text: string): {text: string} | {refuse: string} => {
    const parsed = parseEnvoyGatewayConfig(text, loc.key);
    const merged = mergeExtensionManager(parsed, wanted, {replaceService: force});
    result.before = text;
    result.target = merged.target;
    result.changes = merged.changes;
    result.conflicts = merged.conflicts;
    result.after = merged.text;
    result.diff = unifiedDiff(text, merged.text, loc.key);
    result.validation.before = validateEnvoyGateway(parsed.value);
    const after = parseEnvoyGatewayConfig(merged.text, loc.key).value;
    result.validation.after = validateEnvoyGateway(after);
    result.validation.warnings = envoyGatewayWarnings(after, {version});
    if (merged.conflicts.length > 0) {
      return {refuse: `cannot merge into ${loc.key}: ${merged.conflicts.map((c) => `${c.field} ${c.message}`).join('; ')}`};
    }
    if (result.validation.after.length > 0 && merged.changed && !force) {
      return {
        refuse: `refusing to write a config Envoy Gateway would reject: ${result.validation.after.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
      };
    }
    return {text: merged.text};
  };

  const firstDecision = decide(first.text);
  if (result.validation.after.length > 0 && force) {
    result.warnings.push(`--force: writing a config Envoy Gateway will reject (${result.validation.after.map((e) => e.message).join('; ')}); the controller will not start with it`);
  }
  for (const w of result.validation.warnings) result.warnings.push(`${w.field}: ${w.message}`);
  const ext = await checkExtensionService(kube, parseEnvoyGatewayConfig(result.after, loc.key).value, result.target ?? 'extensionManager');
  if (ext) {
    result.extensionService = ext;
    if (ext.warning) result.warnings.push(ext.warning);
  }
  const own = helmOwnership(first.cm.metadata);
  // Only for a change we make: a refused or empty change has nothing for Helm to revert.
  if (own.managed && !('refuse' in firstDecision) && result.changes.length > 0) {
    result.helm = {...own, valuesSnippet: helmValuesSnippet(parseEnvoyGatewayConfig(result.after, loc.key).value)};
    result.warnings.push(
      `ConfigMap ${loc.namespace}/${loc.configMap} is managed by Helm${own.release ? ` (release ${own.release})` : ''}: the next "helm upgrade" reverts this change unless the chart values carry it (snippet below).`,
    );
  }

  if ('refuse' in firstDecision) {
    result.outcome = 'refused';
    result.exitCode = ExitCode.refused;
    result.message = firstDecision.refuse;
    if (result.validation.after.some((e) => /no hooks specified/.test(e.message))) {
      result.notes.push(
        'backendResources alone is not enough: Envoy Gateway only accepts an extensionManager with xdsTranslator hooks and an extension service — for InferencePool that is the Envoy AI Gateway extension server (--preset ai-gateway).',
      );
    }
    if (result.validation.before.length > 0) {
      result.notes.push(`the current config already fails Envoy Gateway's validation: ${result.validation.before.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    }
    if (!force) result.notes.push('--force writes it anyway (the controller will then refuse to start; patch-envoy rolls back automatically).');
    return result;
  }
  if (result.changes.length === 0) {
    if (result.validation.after.length > 0) {
      result.warnings.push(`the current config has problems Envoy Gateway rejects: ${result.validation.after.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    }
    result.outcome = 'already-configured';
    result.exitCode = ExitCode.ok;
    result.message = `already configured: ${loc.namespace}/${loc.configMap} ${loc.key} has everything preset ${opts.preset} needs; nothing written, nothing restarted`;
    return result;
  }

  if (opts.dryRun) {
    // Nothing is written: the API server is asked to validate both writes as dry runs.
    await kube.replace(cmPath(loc.namespace, loc.configMap), withText(first.cm, loc.key, result.after), {dryRun: true});
    result.serverDryRun = true;
    result.backup = await writeBackup(kube, loc, first.cm, first.text, true);
    result.outcome = 'dry-run';
    result.exitCode = ExitCode.ok;
    result.message = `dry run: ${result.changes.length} change(s) to ${loc.namespace}/${loc.configMap} ${loc.key} would be written (server-side dry run accepted); nothing changed`;
    return result;
  }

  opts.progress?.(`Writing ${loc.namespace}/${loc.configMap} (backup: ${backupName(loc.configMap)})…`);
  const written = await writeConfig(kube, opts, first, decide, (current) => current, result);
  if (!written) return result;
  const check = await verify(kube, loc, (text) => {
    try {
      return !mergeExtensionManager(parseEnvoyGatewayConfig(text, loc.key), wanted, {replaceService: force}).changed;
    } catch {
      return false;
    }
  });
  result.write = {...(result.write ?? {attempts: 1}), verified: check.ok, ...(check.resourceVersion ? {resourceVersion: check.resourceVersion} : {})};
  result.configMap.newResourceVersion = check.resourceVersion;
  if (!check.ok) result.warnings.push(`read back ${loc.namespace}/${loc.configMap}: the change is no longer there (someone rewrote it right after us?)`);

  if (opts.restart === false) {
    result.outcome = 'written';
    result.exitCode = ExitCode.ok;
    result.message = `patched ${loc.namespace}/${loc.configMap} ${loc.key}; the controller was not restarted (--no-restart)`;
    result.notes.push(RELOAD_NOTE);
    return result;
  }
  if (!deployment) {
    result.outcome = 'written';
    result.exitCode = ExitCode.ok;
    const why = deploymentProblem ? `could not be read (${deploymentProblem})` : 'not found';
    result.message = `patched ${loc.namespace}/${loc.configMap} ${loc.key}; Deployment ${loc.namespace}/${loc.deployment} ${why}, nothing restarted`;
    result.warnings.push(`Deployment ${loc.namespace}/${loc.deployment} ${why}: name the controller with --deployment`);
    result.notes.push(RELOAD_NOTE);
    return result;
  }

  const ref: WorkloadRef = {kind: 'Deployment', namespace: loc.namespace, name: loc.deployment};
  await opts.hooks?.beforeRestart?.({phase: 'patch', text: written.written});
  opts.progress?.(`Restarting deployment ${loc.namespace}/${loc.deployment}…`);
  const outcome = await restartController(kube, opts, ref);
  if (outcome.error) return restartNotDone(result, `patched ${loc.namespace}/${loc.configMap}`, outcome.error);
  result.restart = outcome.restart;
  const rollout = outcome.rollout!;
  result.rollout = summarize(rollout);
  if (rollout.done) {
    result.outcome = 'patched';
    result.exitCode = ExitCode.ok;
    result.message = `patched ${loc.namespace}/${loc.configMap} ${loc.key} and restarted deployment ${loc.deployment}: ${rollout.message}`;
    return result;
  }
  if (rollout.reason === 'Interrupted') {
    result.outcome = 'interrupted';
    result.exitCode = ExitCode.interrupted;
    result.message = `interrupted while waiting: the config is written and the controller rollout goes on (${rollout.message}). Follow it with: kubectl rollout status -n ${loc.namespace} deployment/${loc.deployment}; undo with: kubectl infgw patch-envoy --rollback${loc.namespace === 'envoy-gateway-system' ? '' : ` --config-namespace ${loc.namespace}`}`;
    return result;
  }

  // The controller did not come up with the new config: put the old one back.
  result.controllerError = await controllerError(kube, loc.namespace, rollout);
  opts.progress?.(`The controller rollout failed (${rollout.reason ?? 'failed'}: ${result.controllerError ?? rollout.message}); restoring the previous config…`);
  await rollBackAfterFailure(kube, opts, ref, written.written, result);
  return result;
}

/** The config is written but the controller could not be restarted: say so, and that it reloads by itself. */
function restartNotDone(result: PatchEnvoyResult, done: string, error: {exitCode: PatchEnvoyResult['exitCode']; message: string; hint?: string | undefined}): PatchEnvoyResult {
  result.outcome = 'restart-failed';
  result.exitCode = error.exitCode;
  result.message = `${done}, but the controller was not restarted: ${error.message}`;
  if (error.hint) result.notes.push(error.hint);
  result.notes.push(RELOAD_NOTE);
  return result;
}

/** Automatic rollback: restore the text we replaced (result.before), restart, wait. */
async function rollBackAfterFailure(kube: KubeClient, opts: PatchEnvoyOptions, ref: WorkloadRef, ours: string, result: PatchEnvoyResult): Promise<void> {
  const loc = opts.location;
  const previous = result.before;
  const why = `the controller did not come up with the new config (${result.rollout?.reason ?? 'failed'}): ${result.controllerError ?? result.rollout?.message ?? ''}`;
  const rollback: NonNullable<PatchEnvoyResult['rollback']> = {restored: false};
  result.rollback = rollback;
  const rbResult = baseResult(opts, 'rollback');
  const restored = await writeConfig(
    kube,
    {...opts, hooks: {}},
    await readConfig(kube, loc, opts.signal),
    // Restore only over our own write: if someone changed the file since, theirs is not ours to undo.
    (current) => (current === ours || current === previous ? {text: previous} : {refuse: 'the ConfigMap changed again after our write; not restoring over someone else’s change'}),
    () => undefined, // the backup already holds `previous`
    rbResult,
  );
  result.backup = result.backup ? {...result.backup, action: 'kept'} : result.backup;
  if (!restored) {
    rollback.reason = rbResult.message;
    result.outcome = 'rollback-failed';
    result.exitCode = ExitCode.refused;
    result.message = `${why}. Automatic rollback NOT done: ${rbResult.message}. Restore by hand: kubectl infgw patch-envoy --rollback --config-namespace ${loc.namespace}`;
    return;
  }
  rollback.restored = true;
  await opts.hooks?.beforeRestart?.({phase: 'rollback', text: previous});
  opts.progress?.(`Restored the previous config; restarting deployment ${loc.namespace}/${loc.deployment} again…`);
  const again = await restartController(kube, opts, ref);
  if (again.restart) rollback.restart = again.restart;
  if (again.rollout) rollback.rollout = summarize(again.rollout);
  const rolloutNote = again.error ? `restart failed: ${again.error.message}` : again.rollout?.done ? 'the controller is back' : `the controller rollout did not finish either: ${again.rollout?.message ?? ''}`;
  result.outcome = 'rolled-back';
  result.exitCode = ExitCode.refused;
  result.message = `Envoy Gateway rejected the new config: ${result.controllerError ?? result.rollout?.message ?? 'rollout failed'}. Rolled back to the previous config (backup ConfigMap ${loc.namespace}/${backupName(loc.configMap)}); ${rolloutNote}.`;
}

/** `patch-envoy --rollback`: put the backup's content back, keep what it replaces as the new backup. */
export async function rollbackEnvoy(kube: KubeClient, opts: Omit<PatchEnvoyOptions, 'preset'>): Promise<PatchEnvoyResult> {
  const loc = opts.location;
  const full = {...opts, preset: 'ai-gateway'} as PatchEnvoyOptions;
  const result = baseResult(full, 'rollback');
  const name = backupName(loc.configMap);
  const backup = await kube.getOptional<ConfigMap>(cmPath(loc.namespace, name), opts.signal ? {signal: opts.signal} : {});
  const text = backup?.data?.[loc.key];
  if (!backup || text === undefined) {
    result.outcome = 'nothing-to-restore';
    result.exitCode = ExitCode.problems;
    result.message = `no backup to restore: ConfigMap ${loc.namespace}/${name} ${backup ? `has no key ${loc.key}` : 'does not exist'} (patch-envoy writes it before its first change)`;
    return result;
  }
  const first = await readConfig(kube, loc, opts.signal);
  result.configMap.resourceVersion = first.cm.metadata.resourceVersion;
  result.backup = {namespace: loc.namespace, name, action: 'kept'};
  result.before = first.text;
  result.after = text;
  result.diff = unifiedDiff(first.text, text, loc.key);
  result.notes.push(
    `backup taken ${backup.metadata.annotations?.[BACKUP_ANNOTATIONS.time] ?? '(time unknown)'} from resourceVersion ${backup.metadata.annotations?.[BACKUP_ANNOTATIONS.resourceVersion] ?? '?'}`,
  );
  let value: EnvoyGatewayValue | undefined;
  try {
    value = parseEnvoyGatewayConfig(text, loc.key).value;
    result.validation.after = validateEnvoyGateway(value);
  } catch (error) {
    result.validation.after = [{field: '', message: errorMessage(error)}];
  }
  try {
    result.validation.before = validateEnvoyGateway(parseEnvoyGatewayConfig(first.text, loc.key).value);
  } catch (error) {
    result.validation.before = [{field: '', message: errorMessage(error)}];
  }
  if (first.text === text) {
    result.outcome = 'already-configured';
    result.exitCode = ExitCode.ok;
    result.message = `nothing to restore: ${loc.namespace}/${loc.configMap} already holds the backup's content`;
    return result;
  }
  if (result.validation.after.length > 0 && !opts.force) {
    result.outcome = 'refused';
    result.exitCode = ExitCode.refused;
    result.message = `refusing to restore a backup Envoy Gateway would reject: ${result.validation.after.map((e) => `${e.field}: ${e.message}`).join('; ')}`;
    result.notes.push('--force restores it anyway.');
    return result;
  }
  if (opts.dryRun) {
    await kube.replace(cmPath(loc.namespace, loc.configMap), withText(first.cm, loc.key, text), {dryRun: true});
    result.serverDryRun = true;
    result.outcome = 'dry-run';
    result.exitCode = ExitCode.ok;
    result.message = `dry run: ${loc.namespace}/${loc.configMap} ${loc.key} would be restored from ${name} (server-side dry run accepted); nothing changed`;
    return result;
  }
  // The replaced content becomes the new backup, so a second --rollback undoes the first.
  const written = await writeConfig(kube, full, first, () => ({text}), (current) => current, result);
  if (!written) return result;
  const check = await verify(kube, loc, (t) => t === text);
  result.write = {...(result.write ?? {attempts: 1}), verified: check.ok, ...(check.resourceVersion ? {resourceVersion: check.resourceVersion} : {})};
  result.configMap.newResourceVersion = check.resourceVersion;
  if (opts.restart === false) {
    result.outcome = 'restored';
    result.exitCode = ExitCode.ok;
    result.message = `restored ${loc.namespace}/${loc.configMap} ${loc.key} from ${name}; the controller was not restarted (--no-restart)`;
    result.notes.push(RELOAD_NOTE);
    return result;
  }
  const ref: WorkloadRef = {kind: 'Deployment', namespace: loc.namespace, name: loc.deployment};
  await opts.hooks?.beforeRestart?.({phase: 'rollback', text});
  const outcome = await restartController(kube, full, ref);
  if (outcome.error) return restartNotDone(result, `restored ${loc.namespace}/${loc.configMap}`, outcome.error);
  result.restart = outcome.restart;
  const rollout = outcome.rollout!;
  result.rollout = summarize(rollout);
  if (rollout.done) {
    result.outcome = 'restored';
    result.exitCode = ExitCode.ok;
    result.message = `restored ${loc.namespace}/${loc.configMap} ${loc.key} from ${name} and restarted deployment ${loc.deployment}: ${rollout.message}`;
  } else if (rollout.reason === 'Interrupted') {
    result.outcome = 'interrupted';
    result.exitCode = ExitCode.interrupted;
    result.message = `interrupted while waiting: the backup is restored and the controller rollout goes on (${rollout.message}). Follow it with: kubectl rollout status -n ${loc.namespace} deployment/${loc.deployment}`;
  } else {
    result.controllerError = await controllerError(kube, loc.namespace, rollout);
    result.outcome = 'restart-failed';
    result.exitCode = ExitCode.problems;
    result.message = `restored ${loc.namespace}/${loc.configMap}, but the controller rollout failed (${rollout.reason ?? 'failed'}): ${result.controllerError ?? rollout.message}`;
  }
  return result;
}

