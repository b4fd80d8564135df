import {existsSync, readFileSync} from 'node:fs';
import {homedir} from 'node:os';
import path from 'node:path';
import {parse as parseYaml} from 'yaml';
import {ExitCode, InfgwError, UsageError} from '../errors.ts';
import type {KubeFlagValues} from '../cli/flags.ts';

/*
 * A kubeconfig loader with kubectl's semantics, written from
 * k8s.io/client-go/tools/clientcmd/loader.go (ClientConfigLoadingRules.Load: the precedence list,
 * "first file to set a map key wins", missing files skipped, ResolveLocalPaths relative to the
 * file that named them) and clientcmd/client_config.go (overrides from the command line).
 * @kubernetes/client-node differs on all of these (issues #579 and #1306), hence this file.
 */

export interface KubeconfigCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
}

export interface KubeconfigExec {
  command: string;
  args?: string[] | null;
  env?: {name: string; value: string}[] | null;
  apiVersion?: string;
  installHint?: string;
  provideClusterInfo?: boolean;
  interactiveMode?: string;
}

export interface KubeconfigUser {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
  as?: string;
  'as-groups'?: string[];
  exec?: KubeconfigExec;
  'auth-provider'?: {name: string; config?: Record<string, string>};
}

export interface KubeconfigContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** The merged view of every kubeconfig file, as `kubectl config view --merge` shows it. */
export interface MergedKubeconfig {
  currentContext: string;
  clusters: Map<string, KubeconfigCluster>;
  users: Map<string, KubeconfigUser>;
  contexts: Map<string, KubeconfigContext>;
  /** Files that were actually read, in precedence order. */
  files: string[];
}

/** What a command needs to talk to one API server: kubectl's "client config". */
export interface ResolvedKubeconfig {
  contextName: string;
  clusterName: string;
  userName: string;
  namespace: string;
  /** true when the namespace came from -n or the context, not the "default" fallback */
  namespaceExplicit: boolean;
  cluster: KubeconfigCluster & {server: string};
  user: KubeconfigUser;
  impersonateUser?: string;
  impersonateGroups: string[];
  /** milliseconds; 0 = no timeout */
  requestTimeoutMs: number;
  files: string[];
}

/** The files kubectl would read, in precedence order, and whether a missing one is an error. */
export function kubeconfigPrecedence(flags: {kubeconfig?: string | undefined}, env: NodeJS.ProcessEnv = process.env): {
  files: string[];
  explicit: boolean;
} {
  if (flags.kubeconfig) return {files: [flags.kubeconfig], explicit: true};
  const fromEnv = env.KUBECONFIG;
  if (fromEnv !== undefined && fromEnv !== '') {
    const seen = new Set<string>();
    const files: string[] = [];
    for (const f of fromEnv.split(path.delimiter)) {
      if (f === '' || seen.has(f)) continue; // clientcmd deduplicates the list
      seen.add(f);
      files.push(f);
    }
    return {files, explicit: false};
  }
  return {files: [path.join(env.HOME ?? homedir(), '.kube', 'config')], explicit: false};
}

type RawNamed<T> = {name?: unknown} & Record<string, unknown> & {_value?: T};

function asList(value: unknown, file: string, key: string): RawNamed<unknown>[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InfgwError(`kubeconfig ${file}: "${key}" must be a list`, {exitCode: ExitCode.cluster});
  return value as RawNamed<unknown>[];
}

const pathKeysCluster = ['certificate-authority'] as const;
const pathKeysUser = ['client-certificate', 'client-key', 'tokenFile'] as const;

/** ResolveLocalPaths: a relative file name in a kubeconfig is relative to that kubeconfig's folder. */
function resolvePath(file: string, p: string | undefined): string | undefined {
  if (p === undefined || p === '' || path.isAbsolute(p)) return p;
  return path.resolve(path.dirname(path.resolve(file)), p);
}

function resolveExecCommand(file: string, exec: KubeconfigExec | undefined): KubeconfigExec | undefined {
  if (!exec || typeof exec.command !== 'string') return exec;
  // clientcmd resolves the exec command relative to the file only when it contains a separator.
  if (exec.command.includes(path.sep) && !path.isAbsolute(exec.command)) {
    return {...exec, command: path.resolve(path.dirname(path.resolve(file)), exec.command)};
  }
  return exec;
}

export function parseKubeconfigFile(file: string, text: string): {
  currentContext: string;
  clusters: [string, KubeconfigCluster][];
  users: [string, KubeconfigUser][];
  contexts: [string, KubeconfigContext][];
} {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new InfgwError(`error loading config file "${file}": ${(error as Error).message}`, {exitCode: ExitCode.cluster});
  }
  if (doc === null || doc === undefined) return {currentContext: '', clusters: [], users: [], contexts: []};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InfgwError(`error loading config file "${file}": not a kubeconfig (expected a mapping)`, {exitCode: ExitCode.cluster});
  }
  const d = doc as Record<string, unknown>;
  const clusters: [string, KubeconfigCluster][] = asList(d.clusters, file, 'clusters').map((c) => {
    const cluster = {...((c.cluster as KubeconfigCluster | undefined) ?? {})};
    for (const k of pathKeysCluster) cluster[k] = resolvePath(file, cluster[k]);
    return [String(c.name ?? ''), cluster];
  });
  const users: [string, KubeconfigUser][] = asList(d.users, file, 'users').map((u) => {
    const user = {...((u.user as KubeconfigUser | undefined) ?? {})};
    for (const k of pathKeysUser) user[k] = resolvePath(file, user[k]);
    const exec = resolveExecCommand(file, user.exec);
    if (exec) user.exec = exec;
    return [String(u.name ?? ''), user];
  });
  const contexts: [string, KubeconfigContext][] = asList(d.contexts, file, 'contexts').map((c) => [
    String(c.name ?? ''),
    {...((c.context as KubeconfigContext | undefined) ?? {})},
  ]);
  const cc = d['current-context'];
  return {currentContext: typeof cc === 'string' ? cc : '', clusters, users, contexts};
}

/**
 * Merge kubeconfig files the way kubectl does: missing files are skipped (unless named by
 * --kubeconfig), the first file to define a cluster/user/context name wins, and the first file that
 * sets current-context wins.
 */
export function loadMergedKubeconfig(
  flags: {kubeconfig?: string | undefined},
  env: NodeJS.ProcessEnv = process.env,
  readFile: (f: string) => string | undefined = defaultReadFile,
): MergedKubeconfig {
  const {files, explicit} = kubeconfigPrecedence(flags, env);
  const merged: MergedKubeconfig = {currentContext: '', clusters: new Map(), users: new Map(), contexts: new Map(), files: []};
  for (const file of files) {
    const text = readFile(file);
    if (text === undefined) {
      if (explicit) {
        throw new InfgwError(`stat ${file}: no such file or directory`, {
          exitCode: ExitCode.cluster,
          hint: 'Check the path given to --kubeconfig.',
        });
      }
      continue;
    }
    merged.files.push(file);
    const parsed = parseKubeconfigFile(file, text);
    if (merged.currentContext === '' && parsed.currentContext !== '') merged.currentContext = parsed.currentContext;
    for (const [name, v] of parsed.clusters) if (!merged.clusters.has(name)) merged.clusters.set(name, v);
    for (const [name, v] of parsed.users) if (!merged.users.has(name)) merged.users.set(name, v);
    for (const [name, v] of parsed.contexts) if (!merged.contexts.has(name)) merged.contexts.set(name, v);
  }
  return merged;
}

function defaultReadFile(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8');
}

/**
 * Parse kubectl's --request-timeout: a bare integer means seconds, otherwise a Go duration
 * ("1s", "2m", "1h30m", "500ms"). Returns milliseconds.
 */
export function parseRequestTimeout(value: string | undefined): number {
  if (value === undefined || value === '' || value === '0') return 0;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const ms = parseGoDuration(value);
  if (ms === undefined || ms < 0) {
    throw new UsageError(
      `invalid value "${value}" for --request-timeout`,
      'Use a duration such as 30s, 2m or 1h, or a whole number of seconds; 0 means no timeout.',
    );
  }
  return ms;
}

const durationUnits: Record<string, number> = {ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000};

/** Go's time.ParseDuration, in milliseconds; undefined when the text is not a duration. */
export function parseGoDuration(text: string): number | undefined {
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(text);
  if (!m) return undefined;
  let total = 0;
  for (const part of text.replace(/^[+-]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * (durationUnits[part[2] as string] ?? Number.NaN);
  }
  if (Number.isNaN(total)) return undefined;
  return m[1] === '-' ? -total : total;
}

/**
 * Apply the command line to the merged kubeconfig, as clientcmd's DirectClientConfig does:
 * --context picks the context; --cluster/--user replace the context's; -n its namespace;
 * --server, --certificate-authority, --insecure-skip-tls-verify, --tls-server-name override the
 * cluster; --token the user's credentials; --as/--as-group impersonate.
 */
export function resolveKubeconfig(merged: MergedKubeconfig, flags: KubeFlagValues, env: NodeJS.ProcessEnv = process.env): ResolvedKubeconfig {
  const contextName = flags.context ?? merged.currentContext;
  const context: KubeconfigContext | undefined = contextName ? merged.contexts.get(contextName) : undefined;
  if (flags.context && !context) {
    throw new InfgwError(`context was not found for specified context: ${flags.context}`, {
      exitCode: ExitCode.cluster,
      hint: `Known contexts: ${[...merged.contexts.keys()].join(', ') || '(none)'}`,
    });
  }
  const clusterName = flags.cluster ?? context?.cluster ?? '';
  const userName = flags.user ?? context?.user ?? '';
  const clusterFromFile = clusterName ? merged.clusters.get(clusterName) : undefined;
  if (flags.cluster && !clusterFromFile && !flags.server) {
    throw new InfgwError(`cluster "${flags.cluster}" was not found in the kubeconfig`, {exitCode: ExitCode.cluster});
  }
  if (flags.user && !merged.users.has(flags.user)) {
    throw new InfgwError(`auth info "${flags.user}" does not exist`, {exitCode: ExitCode.cluster});
  }
  const cluster: KubeconfigCluster = {...(clusterFromFile ?? {})};
  if (flags.server) cluster.server = flags.server;
  if (flags['certificate-authority']) {
    cluster['certificate-authority'] = path.resolve(flags['certificate-authority']);
    delete cluster['certificate-authority-data'];
  }
  if (flags['insecure-skip-tls-verify']) {
    // client_config.go: an explicit insecure flag clears the CA so the two do not conflict.
    cluster['insecure-skip-tls-verify'] = true;
    delete cluster['certificate-authority'];
    delete cluster['certificate-authority-data'];
  }
  if (flags['tls-server-name']) cluster['tls-server-name'] = flags['tls-server-name'];

  if (!cluster.server) {
    const hasAnyConfig = merged.contexts.size > 0 || merged.clusters.size > 0;
    throw new InfgwError(
      hasAnyConfig
        ? `no server found for cluster "${clusterName || '(none)'}"${contextName ? ` (context "${contextName}")` : ''}`
        : 'no kubeconfig found and no --server given: there is no cluster to talk to',
      {
        exitCode: ExitCode.cluster,
        hint: hasAnyConfig
          ? 'Pick a context with --context, or set one with "kubectl config use-context NAME".'
          : `Looked in: ${kubeconfigPrecedence({kubeconfig: flags.kubeconfig}, env).files.join(', ')}. Set KUBECONFIG or pass --kubeconfig; to try the tool locally run "npm run sandbox".`,
      },
    );
  }
  if (cluster['insecure-skip-tls-verify'] && (cluster['certificate-authority'] || cluster['certificate-authority-data'])) {
    throw new InfgwError('specifying a root certificates file with the insecure flag is not allowed', {exitCode: ExitCode.usage});
  }

  let user: KubeconfigUser = {...(userName ? (merged.users.get(userName) ?? {}) : {})};
  if (flags.token) {
    // A token from the command line is the credential to use; drop plugins that would mint another.
    user = {...user, token: flags.token};
    delete user.tokenFile;
    delete user.exec;
    delete user['auth-provider'];
  }
  const impersonateUser = flags.as ?? user.as;
  const impersonateGroups = flags['as-group']?.length ? flags['as-group'] : (user['as-groups'] ?? []);
  if (impersonateGroups.length > 0 && !impersonateUser) {
    throw new UsageError('requesting groups or user-extra without impersonating a user is not allowed', 'Add --as USER.');
  }
  const namespace = flags.namespace ?? context?.namespace ?? '';
  return {
    contextName: contextName ?? '',
    clusterName,
    userName,
    namespace: namespace === '' ? 'default' : namespace,
    namespaceExplicit: namespace !== '',
    cluster: cluster as KubeconfigCluster & {server: string},
    user,
    ...(impersonateUser ? {impersonateUser} : {}),
    impersonateGroups,
    requestTimeoutMs: parseRequestTimeout(flags['request-timeout']),
    files: merged.files,
  };
}

/** Load and resolve in one step: what every command calls. */
export function loadKubeconfig(flags: KubeFlagValues, env: NodeJS.ProcessEnv = process.env): ResolvedKubeconfig {
  return resolveKubeconfig(loadMergedKubeconfig(flags, env), flags, env);
}
