// Container logs for the fake pods. KWOK serves `kubectl logs` from local files named by a
// ClusterLogs object (sigs.k8s.io/kwok pkg/kwok/server/debugging_logs.go), read with the kubelet's
// CRI log reader — so each line must be in CRI format: "<RFC 3339 nano> stdout F <text>".
import {mkdirSync, renameSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {Manifest} from './kube.ts';

/** Root directory for the scenarios' log files (outside the repo, per test process). */
export const logsRoot: string = join(tmpdir(), 'infgw-scenarios');

export function criLog(lines: string[], start: Date = new Date()): string {
  let t = start.getTime();
  return lines.map((l) => `${new Date(t++).toISOString().replace('Z', '000000Z')} stdout F ${l}\n`).join('');
}

/** Writes a log file atomically (KWOK may be reading the old one). */
export function writeLog(file: string, lines: string[]): void {
  mkdirSync(join(file, '..'), {recursive: true});
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, criLog(lines));
  renameSync(tmp, file);
}

export interface ContainerLogFiles {
  containers: string[];
  file: string;
  previousFile?: string;
}

/** A ClusterLogs object that makes `kubectl logs` of every pod in `namespace` show local files. */
export function clusterLogs(name: string, namespace: string, entries: ContainerLogFiles[]): Manifest {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'ClusterLogs',
    metadata: {name},
    spec: {
      selector: {matchNamespaces: [namespace]},
      logs: entries.map((e) => ({containers: e.containers, logsFile: e.file, ...(e.previousFile ? {previousLogsFile: e.previousFile} : {}), follow: false})),
    },
  };
}

function ts(): string {
  return new Date().toISOString();
}

// ---------------------------------------------------------------------------------------------
// Envoy Gateway controller (zap console encoding, as envoyproxy/gateway internal/logging prints)

function egLine(level: 'INFO' | 'ERROR', logger: string, caller: string, msg: string, fields: Record<string, unknown>): string {
  return `${ts()}\t${level}\t${logger}\t${caller}\t${msg}\t${JSON.stringify(fields)}`;
}

export function envoyGatewayHealthyLog(opts: {backendResources: string[]; extensionService?: string}): string[] {
  const lines = [
    egLine('INFO', 'cmd/server', 'server/server.go:71', 'Start runners', {}),
    egLine('INFO', 'provider', 'kubernetes/kubernetes.go:95', 'Using provider', {runner: 'provider', provider: 'Kubernetes'}),
  ];
  if (opts.extensionService) {
    lines.push(egLine('INFO', 'extension-manager', 'registry/extension_manager.go:120', 'Registered extension manager', {service: opts.extensionService}));
  }
  for (const r of opts.backendResources) {
    lines.push(egLine('INFO', 'provider', 'kubernetes/controller.go:2110', `Watching additional backend resource: ${r}`, {runner: 'provider'}));
  }
  lines.push(egLine('INFO', 'xds-server', 'runner/runner.go:160', 'started xDS server', {runner: 'xds-server', address: ':18000'}));
  return lines;
}

/** The controller saw the mounted file change and rejected it (provider/kubernetes config watch). */
export function envoyGatewayRejectedReloadLog(error: string): string[] {
  return [
    egLine('INFO', 'envoy-gateway', 'runner/runner.go:85', 'received fsnotify events', {name: '/config/envoy-gateway.yaml', op: 'WRITE'}),
    egLine('ERROR', 'envoy-gateway', 'runner/runner.go:96', 'failed to validate EnvoyGateway config', {error}),
  ];
}

/** The mounted file changed and does not decode (the controller keeps its old config). */
export function envoyGatewayDecodeFailureLog(error: string): string[] {
  return [
    egLine('INFO', 'envoy-gateway', 'runner/runner.go:85', 'received fsnotify events', {name: '/config/envoy-gateway.yaml', op: 'WRITE'}),
    egLine('INFO', 'envoy-gateway', 'runner/runner.go:90', 'failed to decode config file', {name: '/config/envoy-gateway.yaml', error}),
  ];
}

/** What a controller prints before exiting when its start-up config is invalid (cobra). */
export function envoyGatewayStartupFailureLog(error: string): string[] {
  return [egLine('INFO', 'cmd/server', 'server/server.go:60', 'Loading config', {path: '/config/envoy-gateway.yaml'}), `Error: ${error}`];
}

// ---------------------------------------------------------------------------------------------
// EPP (zap JSON encoding: the chart passes --zap-encoder json)

function eppLine(level: string, logger: string, msg: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({level, ts: ts(), logger, msg, ...fields});
}

export function eppHealthyLog(opts: {pool: string; namespace: string; poolGroup: string; endpoints: string[]; configFile?: string | undefined}): string[] {
  const lines = [
    eppLine('info', 'setup', 'Flags processed', {poolName: opts.pool, poolNamespace: opts.namespace, poolGroup: opts.poolGroup}),
  ];
  if (opts.configFile) lines.push(eppLine('info', 'setup', 'Loaded configuration from file', {file: opts.configFile}));
  lines.push(eppLine('info', 'setup', 'Starting manager'));
  lines.push(eppLine('info', 'controllers.InferencePool', 'InferencePool synced', {pool: `${opts.namespace}/${opts.pool}`}));
  for (const e of opts.endpoints) lines.push(eppLine('info', 'datastore', 'Endpoint added', {endpoint: e}));
  lines.push(eppLine('info', 'ext-proc', 'Ext-proc server listening', {port: 9002, secure: false}));
  return lines;
}

/**
 * What the real GIE v1.5.0 EPP logs when its ServiceAccount may not list a resource (captured from
 * .tools/bin/gie-epp, install-real-epp.ts): client-go's reflector through controller-runtime's cache,
 * "Failed to watch" with the API error in `error`; a list restricted to one object (its pool) names it.
 */
export function eppForbiddenLog(opts: {namespace: string; serviceAccount: string; resource: string; group: string; kind?: string; name?: string}): string[] {
  const who = `system:serviceaccount:${opts.namespace}:${opts.serviceAccount}`;
  const what = opts.group ? `${opts.resource}.${opts.group}` : opts.resource;
  const type = opts.kind ?? (opts.resource === 'pods' ? '*v1.Pod' : opts.resource);
  return [
    eppLine('info', 'setup', 'Controller manager starting'),
    eppLine('error', 'controller-runtime.cache.UnhandledError', 'Failed to watch', {
      type,
      error: `failed to list ${type}: ${what}${opts.name ? ` "${opts.name}"` : ''} is forbidden: User "${who}" cannot list resource "${opts.resource}" in API group "${opts.group}" in the namespace "${opts.namespace}"`,
    }),
  ];
}

export function eppCrashLog(reason: string): string[] {
  return [eppLine('info', 'setup', 'Flags processed'), eppLine('error', 'setup', reason), eppLine('error', 'setup', 'Failed to run EPP')];
}

export function eppPoolNotFoundLog(opts: {pool: string; namespace: string; poolGroup: string}): string[] {
  return [
    eppLine('info', 'setup', 'Flags processed', {poolName: opts.pool, poolNamespace: opts.namespace, poolGroup: opts.poolGroup}),
    eppLine('info', 'setup', 'Starting manager'),
    eppLine('info', 'controllers.InferencePool', 'InferencePool not found, waiting', {pool: `${opts.namespace}/${opts.pool}`, group: opts.poolGroup}),
    eppLine('info', 'datastore', 'No endpoints: the pool has not been synced'),
  ];
}

export function modelServerLog(model: string): string[] {
  return [
    `INFO ${ts()} [api_server.py:1880] vLLM API server version 0.11.0`,
    `INFO ${ts()} [api_server.py:1881] args: model='Qwen/${model}', served_model_name=['${model}'], port=8000`,
    `INFO ${ts()} [launcher.py:34] Route: /v1/chat/completions, Methods: POST`,
    `INFO ${ts()} [launcher.py:34] Route: /metrics, Methods: GET`,
    `INFO:     Application startup complete.`,
  ];
}
