import {readFileSync, statSync} from 'node:fs';
import {homedir} from 'node:os';
import path from 'node:path';
import {ExitCode, InfgwError, UsageError} from '../errors.ts';
import type {KubeFlagValues} from './options.ts';
import {libraryYaml, parseSimpleYaml} from './kubeconfig-yaml.ts';
import {formatGoDuration, parseGoDuration} from '../k8s/duration.ts';

/*
 * A kubeconfig loader with kubectl's semantics. @kubernetes/client-node differs on almost every
 * point below (its issues #579 and #1306), hence this file. Written from k8s.io/client-go:
 *
 * - tools/clientcmd/loader.go, ClientConfigLoadingRules.Load: --kubeconfig alone (must exist), else
 *   the KUBECONFIG list (split on ':' and de-duplicated; empty entries skipped), else
 *   ~/.kube/config. Missing files are skipped; a file that cannot be read or decoded fails the
 *   whole load. "The first file to set a particular map key wins and map key's value is never
 *   changed": a cluster, user or context name is taken whole from the first file that defines it
 *   (no field-by-field merge). current-context comes from the first file that sets one.
 *   ResolveLocalPaths: certificate-authority, client-certificate, client-key, tokenFile, and an
 *   exec command that contains a '/', are relative to the file that named them.
 * - tools/clientcmd/api/v1/types.go + conversion: duplicate names inside one file are an error;
 *   an exec stanza of client.authentication.k8s.io/v1beta1 (or v1alpha1) defaults
 *   interactiveMode to IfAvailable (api/v1/defaults.go). The decoder is sigs.k8s.io/yaml over
 *   YAML 1.1 (so `on`/`yes` are booleans) followed by Go's typed JSON decoding (so a number where
 *   a string belongs is an error), and only the first YAML document counts.
 * - tools/clientcmd/client_config.go, DirectClientConfig: how --context, --cluster, --user,
 *   -n, --server, --certificate-authority, --insecure-skip-tls-verify, --tls-server-name,
 *   --token, --as, --as-group and --request-timeout override the merged file (see
 *   resolveKubeconfig), and validation.go for the errors.
 *
 * test/unit/kubeconfig.test.ts compares all of this with the real kubectl.
 */

export interface NamedExtension {
  name: string;
  extension: unknown;
}

export interface KubeconfigCluster {
  server?: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'certificate-authority'?: string;
  /** base64, as in the file */
  'certificate-authority-data'?: string;
  'proxy-url'?: string;
  'disable-compression'?: boolean;
  extensions?: NamedExtension[];
}

export interface KubeconfigExec {
  command: string;
  args: string[] | null;
  env: {name: string; value: string}[] | null;
  apiVersion?: string;
  installHint?: string;
  provideClusterInfo: boolean;
  interactiveMode?: string;
}

export interface KubeconfigUser {
  'client-certificate'?: string;
  /** base64, as in the file */
  'client-certificate-data'?: string;
  'client-key'?: string;
  /** base64, as in the file */
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  as?: string;
  'as-uid'?: string;
  'as-groups'?: string[];
  'as-user-extra'?: Record<string, string[]>;
  username?: string;
  password?: string;
  'auth-provider'?: {name: string; config: Record<string, string> | null};
  exec?: KubeconfigExec;
  extensions?: NamedExtension[];
}

export interface KubeconfigContext {
  cluster: string;
  user: string;
  namespace?: string;
  extensions?: NamedExtension[];
}

/** A named cluster, user or context, and the file it came from (client-go's LocationOfOrigin). */
export interface Stanza<T> {
  value: T;
  origin: string;
}

/** One kubeconfig file, decoded. */
export interface KubeconfigFile {
  file: string;
  currentContext: string;
  clusters: Map<string, Stanza<KubeconfigCluster>>;
  users: Map<string, Stanza<KubeconfigUser>>;
  contexts: Map<string, Stanza<KubeconfigContext>>;
}

/** The merged view of every kubeconfig file, as `kubectl config view --merge` shows it. */
export interface MergedKubeconfig {
  currentContext: string;
  clusters: Map<string, Stanza<KubeconfigCluster>>;
  users: Map<string, Stanza<KubeconfigUser>>;
  contexts: Map<string, Stanza<KubeconfigContext>>;
  /** Files that were read, in precedence order. */
  files: string[];
  /** Files in the precedence list that do not exist (skipped, as kubectl skips them). */
  missing: string[];
}

/** What a command needs to talk to one API server: kubectl's "client config". */
export interface ResolvedKubeconfig {
  contextName: string;
  clusterName: string;
  userName: string;
  /** the namespace to use: -n, else the context's, else "default" */
  namespace: string;
  /** true when the namespace came from -n or the context, not the "default" fallback */
  namespaceExplicit: boolean;
  /** the cluster after command-line overrides; paths are absolute; `server` has a scheme */
  cluster: KubeconfigCluster & {server: string};
  /** the user after command-line overrides; paths are absolute */
  user: KubeconfigUser;
  impersonateUser?: string;
  impersonateUid?: string;
  impersonateGroups: string[];
  impersonateExtra: Record<string, string[]>;
  /** milliseconds; 0 = no timeout */
  requestTimeoutMs: number;
  /** the --request-timeout as kubectl sends it in the `timeout` query parameter ("" = none) */
  requestTimeoutParam: string;
  /** kubeconfig files that were read ([] for in-cluster or --server only) */
  files: string[];
  /** how the configuration was found */
  source: 'kubeconfig' | 'in-cluster' | 'flags';
}

/** The file system calls the loader needs (tests pass their own to simulate errors). */
export interface LoaderFs {
  /** file contents, or undefined when the file does not exist; throws on other errors */
  read(file: string): string | undefined;
  exists(file: string): boolean;
}

export const nodeFs: LoaderFs = {
  read(file) {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
  exists(file) {
    try {
      statSync(file);
      return true;
    } catch {
      return false;
    }
  },
};

function configError(message: string, hint?: string): InfgwError {
  return new InfgwError(message, {exitCode: ExitCode.cluster, ...(hint ? {hint} : {})});
}

/** The files kubectl would read, in precedence order, and whether they came from --kubeconfig. */
export function kubeconfigPrecedence(
  flags: {kubeconfig?: string | undefined},
  env: NodeJS.ProcessEnv = process.env,
): {files: string[]; explicit: boolean} {
  if (flags.kubeconfig) return {files: [flags.kubeconfig], explicit: true};
  const fromEnv = env.KUBECONFIG;
  if (fromEnv !== undefined && fromEnv !== '') {
    // filepath.SplitList + deduplicate (loader.go); empty entries are skipped by Load.
    const files = [...new Set(fromEnv.split(path.delimiter))].filter((f) => f !== '');
    return {files, explicit: false};
  }
  // homedir.HomeDir() on Unix is $HOME.
  return {files: [path.join(env.HOME || homedir(), '.kube', 'config')], explicit: false};
}

// ---------------------------------------------------------------------------------------------
// Decoding one file with the types of clientcmd/api/v1 (unknown fields are dropped, as Go does).

type Json = unknown;

function typeName(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'number' ? 'number' : typeof v;
}

class Decoder {
  readonly file: string;
  constructor(file: string) {
    this.file = file;
  }
  fail(where: string, message: string): never {
    throw configError(`error loading config file "${this.file}": ${where}: ${message}`);
  }
  /** Go's json decoding of a string field: null leaves it empty, anything else but a string fails */
  str(v: Json, where: string): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(where, `cannot use a ${typeName(v)} where a string belongs`);
    return v === '' ? undefined : v;
  }
  bool(v: Json, where: string): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') this.fail(where, `cannot use a ${typeName(v)} where true or false belongs`);
    return v || undefined;
  }
  obj(v: Json, where: string): Record<string, Json> | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(where, `cannot use a ${typeName(v)} where a mapping belongs`);
    return v as Record<string, Json>;
  }
  list(v: Json, where: string): Json[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) this.fail(where, `cannot use a ${typeName(v)} where a list belongs`);
    return v;
  }
  strList(v: Json, where: string): string[] | undefined {
    const l = this.list(v, where);
    return l?.map((s, i) => this.str(s, `${where}[${i}]`) ?? '');
  }
  /** []byte fields: standard base64 (Go's decoder skips \r and \n) */
  bytes(v: Json, where: string): string | undefined {
    const s = this.str(v, where);
    if (s === undefined) return undefined;
    const compact = s.replace(/[\r\n]/g, '');
    if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) this.fail(where, 'illegal base64 data');
    return compact === '' ? undefined : compact;
  }
  extensions(v: Json, where: string): NamedExtension[] | undefined {
    const l = this.list(v, where);
    if (!l || l.length === 0) return undefined;
    return l.map((e, i) => {
      const o = this.obj(e, `${where}[${i}]`) ?? {};
      return {name: this.str(o.name, `${where}[${i}].name`) ?? '', extension: o.extension ?? null};
    });
  }
}

function decodeCluster(d: Decoder, raw: Json, where: string): KubeconfigCluster {
  const o = d.obj(raw, where) ?? {};
  const c: KubeconfigCluster = {};
  const server = d.str(o.server, `${where}.server`);
  if (server !== undefined) c.server = server;
  const tsn = d.str(o['tls-server-name'], `${where}.tls-server-name`);
  if (tsn !== undefined) c['tls-server-name'] = tsn;
  if (d.bool(o['insecure-skip-tls-verify'], `${where}.insecure-skip-tls-verify`)) c['insecure-skip-tls-verify'] = true;
  const ca = d.str(o['certificate-authority'], `${where}.certificate-authority`);
  if (ca !== undefined) c['certificate-authority'] = ca;
  const caData = d.bytes(o['certificate-authority-data'], `${where}.certificate-authority-data`);
  if (caData !== undefined) c['certificate-authority-data'] = caData;
  const proxy = d.str(o['proxy-url'], `${where}.proxy-url`);
  if (proxy !== undefined) c['proxy-url'] = proxy;
  if (d.bool(o['disable-compression'], `${where}.disable-compression`)) c['disable-compression'] = true;
  const ext = d.extensions(o.extensions, `${where}.extensions`);
  if (ext) c.extensions = ext;
  return c;
}

function decodeExec(d: Decoder, raw: Json, where: string): KubeconfigExec | undefined {
  const o = d.obj(raw, where);
  if (!o) return undefined;
  const env = d.list(o.env, `${where}.env`)?.map((e, i) => {
    const eo = d.obj(e, `${where}.env[${i}]`) ?? {};
    return {name: d.str(eo.name, `${where}.env[${i}].name`) ?? '', value: d.str(eo.value, `${where}.env[${i}].value`) ?? ''};
  });
  const exec: KubeconfigExec = {
    command: d.str(o.command, `${where}.command`) ?? '',
    args: d.strList(o.args, `${where}.args`) ?? null,
    env: env ?? null,
    provideClusterInfo: d.bool(o.provideClusterInfo, `${where}.provideClusterInfo`) ?? false,
  };
  const apiVersion = d.str(o.apiVersion, `${where}.apiVersion`);
  if (apiVersion !== undefined) exec.apiVersion = apiVersion;
  const installHint = d.str(o.installHint, `${where}.installHint`);
  if (installHint !== undefined) exec.installHint = installHint;
  let interactiveMode = d.str(o.interactiveMode, `${where}.interactiveMode`);
  // api/v1/defaults.go SetDefaults_ExecConfig
  if (interactiveMode === undefined && (apiVersion === 'client.authentication.k8s.io/v1beta1' || apiVersion === 'client.authentication.k8s.io/v1alpha1')) {
    interactiveMode = 'IfAvailable';
  }
  if (interactiveMode !== undefined) exec.interactiveMode = interactiveMode;
  return exec;
}

function decodeUser(d: Decoder, raw: Json, where: string): KubeconfigUser {
  const o = d.obj(raw, where) ?? {};
  const u: KubeconfigUser = {};
  const s = (key: keyof KubeconfigUser & string): void => {
    const v = d.str(o[key], `${where}.${key}`);
    if (v !== undefined) (u as Record<string, unknown>)[key] = v;
  };
  const b = (key: 'client-certificate-data' | 'client-key-data'): void => {
    const v = d.bytes(o[key], `${where}.${key}`);
    if (v !== undefined) u[key] = v;
  };
  s('client-certificate');
  b('client-certificate-data');
  s('client-key');
  b('client-key-data');
  s('token');
  s('tokenFile');
  s('as');
  s('as-uid');
  const groups = d.strList(o['as-groups'], `${where}.as-groups`);
  if (groups && groups.length > 0) u['as-groups'] = groups;
  const extra = d.obj(o['as-user-extra'], `${where}.as-user-extra`);
  if (extra && Object.keys(extra).length > 0) {
    u['as-user-extra'] = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, d.strList(v, `${where}.as-user-extra.${k}`) ?? []]));
  }
  s('username');
  s('password');
  const ap = d.obj(o['auth-provider'], `${where}.auth-provider`);
  if (ap) {
    const cfg = d.obj(ap.config, `${where}.auth-provider.config`);
    u['auth-provider'] = {
      name: d.str(ap.name, `${where}.auth-provider.name`) ?? '',
      config: cfg ? Object.fromEntries(Object.entries(cfg).map(([k, v]) => [k, d.str(v, `${where}.auth-provider.config.${k}`) ?? ''])) : null,
    };
  }
  const exec = decodeExec(d, o.exec, `${where}.exec`);
  if (exec) u.exec = exec;
  const ext = d.extensions(o.extensions, `${where}.extensions`);
  if (ext) u.extensions = ext;
  return u;
}

function decodeContext(d: Decoder, raw: Json, where: string): KubeconfigContext {
  const o = d.obj(raw, where) ?? {};
  const c: KubeconfigContext = {cluster: d.str(o.cluster, `${where}.cluster`) ?? '', user: d.str(o.user, `${where}.user`) ?? ''};
  const ns = d.str(o.namespace, `${where}.namespace`);
  if (ns !== undefined) c.namespace = ns;
  const ext = d.extensions(o.extensions, `${where}.extensions`);
  if (ext) c.extensions = ext;
  return c;
}

/** Decode one kubeconfig file the way clientcmd.LoadFromFile does (paths are left as written). */
export function parseKubeconfigFile(file: string, text: string): KubeconfigFile {
  const out: KubeconfigFile = {file, currentContext: '', clusters: new Map(), users: new Map(), contexts: new Map()};
  let doc: Json = parseSimpleYaml(text);
  if (doc === undefined) {
    const docs = libraryYaml().parseAllDocuments(text, {version: '1.1', prettyErrors: false});
    const first = Array.isArray(docs) ? docs[0] : docs;
    if (!first) return out; // an empty file is an empty config (loader.go Load)
    if (first.errors.length > 0) {
      throw configError(`error loading config file "${file}": ${first.errors[0]!.message.split('\n')[0]}`);
    }
    doc = first.toJS({maxAliasCount: 1000});
  }
  if (doc === null || doc === undefined) return out;
  const d = new Decoder(file);
  if (typeof doc !== 'object' || Array.isArray(doc)) d.fail('top level', `cannot use a ${typeName(doc)} where a kubeconfig mapping belongs`);
  const top = doc as Record<string, Json>;
  const kind = d.str(top.kind, 'kind');
  const apiVersion = d.str(top.apiVersion, 'apiVersion');
  if ((kind !== undefined && kind !== 'Config') || (apiVersion !== undefined && apiVersion !== 'v1')) {
    d.fail('kind', `no kind "${kind ?? ''}" is registered for version "${apiVersion ?? ''}" (a kubeconfig is kind Config, apiVersion v1)`);
  }
  out.currentContext = d.str(top['current-context'], 'current-context') ?? '';
  const named = <T>(key: 'clusters' | 'users' | 'contexts', inner: 'cluster' | 'user' | 'context', decode: (d: Decoder, raw: Json, where: string) => T, into: Map<string, Stanza<T>>): void => {
    for (const [i, entry] of (d.list(top[key], key) ?? []).entries()) {
      const where = `${key}[${i}]`;
      const e = d.obj(entry, where) ?? {};
      const name = d.str(e.name, `${where}.name`) ?? '';
      // api/v1/conversion.go: a name used twice in one list is an error, not "first wins".
      if (into.has(name)) d.fail(key, `duplicate name "${name}" in list`);
      into.set(name, {value: decode(d, e[inner], `${where}.${inner}`), origin: file});
    }
  };
  named('clusters', 'cluster', decodeCluster, out.clusters);
  named('users', 'user', decodeUser, out.users);
  named('contexts', 'context', decodeContext, out.contexts);
  return out;
}

/**
 * Read and merge the kubeconfig files as kubectl does (loader.go Load): see the top of this file.
 * Errors name the file, like kubectl's `error loading config file "…": …`.
 */
export function loadMergedKubeconfig(
  flags: {kubeconfig?: string | undefined},
  env: NodeJS.ProcessEnv = process.env,
  fs: LoaderFs = nodeFs,
): MergedKubeconfig {
  const {files, explicit} = kubeconfigPrecedence(flags, env);
  const merged: MergedKubeconfig = {currentContext: '', clusters: new Map(), users: new Map(), contexts: new Map(), files: [], missing: []};
  const errors: InfgwError[] = [];
  for (const file of files) {
    let text: string | undefined;
    try {
      text = fs.read(file);
    } catch (error) {
      errors.push(configError(`error loading config file "${file}": ${(error as Error).message}`));
      continue;
    }
    if (text === undefined) {
      if (explicit) {
        throw configError(`stat ${file}: no such file or directory`, 'Check the path given to --kubeconfig.');
      }
      merged.missing.push(file);
      continue;
    }
    let parsed: KubeconfigFile;
    try {
      parsed = parseKubeconfigFile(file, text);
    } catch (error) {
      if (error instanceof InfgwError) {
        errors.push(error);
        continue;
      }
      throw error;
    }
    merged.files.push(file);
    if (merged.currentContext === '' && parsed.currentContext !== '') merged.currentContext = parsed.currentContext;
    for (const [name, v] of parsed.clusters) if (!merged.clusters.has(name)) merged.clusters.set(name, v);
    for (const [name, v] of parsed.users) if (!merged.users.has(name)) merged.users.set(name, v);
    for (const [name, v] of parsed.contexts) if (!merged.contexts.has(name)) merged.contexts.set(name, v);
  }
  // kubectl reports every broken file, then stops: a half-read configuration is never used.
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw configError(errors.map((e) => e.message).join('; '));
  return merged;
}

// ---------------------------------------------------------------------------------------------
// Views in kubectl's own JSON shape (what `kubectl config view --raw -o json` prints), so tests
// can compare our merge with kubectl's byte for byte.

function sortedByName<T>(m: Map<string, Stanza<T>>): [string, T][] {
  return [...m.entries()].map(([name, s]) => [name, s.value] as [string, T]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function execView(e: KubeconfigExec): Record<string, unknown> {
  return {
    command: e.command,
    args: e.args && e.args.length > 0 ? e.args : null,
    env: e.env && e.env.length > 0 ? e.env : null,
    ...(e.apiVersion ? {apiVersion: e.apiVersion} : {}),
    ...(e.installHint ? {installHint: e.installHint} : {}),
    provideClusterInfo: e.provideClusterInfo,
    ...(e.interactiveMode ? {interactiveMode: e.interactiveMode} : {}),
  };
}

/**
 * The merged configuration as `kubectl config view --raw -o json` prints it (without the
 * top-level `preferences` and `extensions`, which do not affect a connection and which we do not
 * read). Paths are shown as written, since kubectl's `config view` does not resolve them either.
 */
export function kubectlView(merged: Pick<MergedKubeconfig, 'currentContext' | 'clusters' | 'users' | 'contexts'>): Record<string, unknown> {
  const list = <T>(m: Map<string, Stanza<T>>, key: string, fn: (v: T) => unknown): unknown =>
    m.size === 0 ? null : sortedByName(m).map(([name, v]) => ({name, [key]: fn(v)}));
  return {
    kind: 'Config',
    apiVersion: 'v1',
    clusters: list(merged.clusters, 'cluster', (c) => ({server: c.server ?? '', ...c})),
    users: list(merged.users, 'user', (u) => ({...u, ...(u.exec ? {exec: execView(u.exec)} : {})})),
    contexts: list(merged.contexts, 'context', (c) => c),
    'current-context': merged.currentContext,
  };
}

/** clientcmd ResolvePaths: a relative path is relative to the folder of the file that named it. */
export function resolveRelative(origin: string, p: string | undefined): string | undefined {
  if (p === undefined || p === '' || path.isAbsolute(p)) return p;
  return path.join(path.resolve(path.dirname(origin)), p);
}

/** A cluster stanza with its file references made absolute (loader.go GetClusterFileReferences). */
export function resolveClusterPaths(s: Stanza<KubeconfigCluster>): KubeconfigCluster {
  const c = {...s.value};
  if (c['certificate-authority']) c['certificate-authority'] = resolveRelative(s.origin, c['certificate-authority']);
  return c;
}

/** A user stanza with its file references made absolute (loader.go GetAuthInfoFileReferences). */
export function resolveUserPaths(s: Stanza<KubeconfigUser>): KubeconfigUser {
  const u = {...s.value};
  for (const k of ['client-certificate', 'client-key', 'tokenFile'] as const) {
    if (u[k]) u[k] = resolveRelative(s.origin, u[k]);
  }
  // Only an exec command that names a path is resolved; a bare name is looked up on PATH.
  if (u.exec && u.exec.command.includes(path.sep)) u.exec = {...u.exec, command: resolveRelative(s.origin, u.exec.command) ?? ''};
  return u;
}

/**
 * The merged configuration with certificate files embedded, as `kubectl config view --flatten
 * --raw -o json` prints it (api/helpers.go FlattenConfig): proves which file each relative path
 * names.
 */
export function flattenedView(merged: MergedKubeconfig, fs: LoaderFs = nodeFs): Record<string, unknown> {
  const embed = (origin: string, holder: Record<string, unknown>, pathKey: string, dataKey: string): void => {
    const p = holder[pathKey] as string | undefined;
    if (!p) return;
    if (holder[dataKey]) throw configError('cannot have values for both path and data');
    const file = resolveRelative(origin, p)!;
    const text = fs.read(file);
    if (text === undefined) throw configError(`open ${file}: no such file or directory`);
    holder[dataKey] = Buffer.from(text, 'utf8').toString('base64');
    delete holder[pathKey];
  };
  const clusters = new Map<string, Stanza<KubeconfigCluster>>();
  for (const [name, s] of merged.clusters) {
    const c = {...s.value} as Record<string, unknown>;
    embed(s.origin, c, 'certificate-authority', 'certificate-authority-data');
    clusters.set(name, {value: c as KubeconfigCluster, origin: s.origin});
  }
  const users = new Map<string, Stanza<KubeconfigUser>>();
  for (const [name, s] of merged.users) {
    const u = {...s.value} as Record<string, unknown>;
    embed(s.origin, u, 'client-certificate', 'client-certificate-data');
    embed(s.origin, u, 'client-key', 'client-key-data');
    users.set(name, {value: u as KubeconfigUser, origin: s.origin});
  }
  return kubectlView({currentContext: merged.currentContext, clusters, users, contexts: merged.contexts});
}

// ---------------------------------------------------------------------------------------------
// --request-timeout (clientcmd ParseTimeout) and the `timeout` query parameter client-go sends.

const TIMEOUT_HINT = 'Use a single integer in seconds, or an integer followed by a time unit (e.g. 1s | 2m | 3h); 0 means no timeout.';

/**
 * Parse kubectl's --request-timeout: a bare integer means seconds, otherwise a Go duration
 * ("1s", "2m", "1h30m", "500ms"). Returns milliseconds. (A negative duration, which Go accepts
 * and then ignores, is refused here.)
 */
export function parseRequestTimeout(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (/^\+?\d+$/.test(value)) return Number(value) * 1000;
  const ms = parseGoDuration(value);
  if (ms === undefined || ms < 0) throw new UsageError(`invalid value "${value}" for --request-timeout`, TIMEOUT_HINT);
  return ms;
}

// ---------------------------------------------------------------------------------------------
// Resolution: the merged files plus the command line → one cluster, one user, one namespace.

/** k8s.io/apimachinery IsDNS1123Label: what a namespace name must look like. */
export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);
}

/** rest.DefaultServerURL: a server without a scheme is plain http, as with kubectl. */
function normalizeServer(server: string): string {
  let s = server;
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(s)) s = `http://${s}`;
  try {
    const u = new URL(s);
    u.search = '';
    u.hash = '';
    return u.toString().replace(/\/+$/, '');
  } catch {
    throw configError(`the server address "${server}" is not a valid URL`, 'Check the "server" of the cluster in your kubeconfig, or --server.');
  }
}

/** The in-cluster service account, as rest.InClusterConfig reads it (for tests: another dir). */
export interface InClusterSource {
  dir: string;
  env: NodeJS.ProcessEnv;
  fs: LoaderFs;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** inClusterClientConfig.Possible (client_config.go) */
function inClusterPossible(src: InClusterSource): boolean {
  return Boolean(src.env.KUBERNETES_SERVICE_HOST && src.env.KUBERNETES_SERVICE_PORT && src.fs.exists(path.join(src.dir, 'token')));
}

function isEmptyConfig(m: MergedKubeconfig): boolean {
  return m.clusters.size === 0 && m.users.size === 0 && m.contexts.size === 0 && m.currentContext === '';
}

/** The context, cluster and user a command uses (by name), before any field is overridden. */
export interface Selection {
  contextName: string;
  context: KubeconfigContext;
  clusterName: string;
  userName: string;
  clusterStanza: Stanza<KubeconfigCluster> | undefined;
  userStanza: Stanza<KubeconfigUser> | undefined;
}

/**
 * Which context, cluster and user the command line selects (client_config.go getContextName,
 * getClusterName, getAuthInfoName, and the "does not exist" errors of getContext/getAuthInfo).
 */
export function selectStanzas(merged: MergedKubeconfig, flags: Pick<KubeFlagValues, 'context' | 'cluster' | 'user' | 'server'>): Selection {
  const contextName = flags.context || merged.currentContext;
  const contextStanza = contextName ? merged.contexts.get(contextName) : undefined;
  if (contextName && !contextStanza) {
    // getContext ("context %q does not exist") / ConfirmUsable (errContextNotFound)
    throw configError(`context was not found for specified context: ${contextName}`, knownHint('contexts', merged.contexts, '--context'));
  }
  const context: KubeconfigContext = contextStanza?.value ?? {cluster: '', user: ''};
  const clusterName = flags.cluster || context.cluster;
  const userName = flags.user || context.user;
  const userStanza = userName ? merged.users.get(userName) : undefined;
  if (flags.user && !userStanza) throw configError(`auth info "${flags.user}" does not exist`, knownHint('users', merged.users, '--user'));
  const clusterStanza = clusterName ? merged.clusters.get(clusterName) : undefined;
  if (flags.cluster && !clusterStanza && !flags.server) {
    throw configError(`no server found for cluster "${flags.cluster}"`, knownHint('clusters', merged.clusters, '--cluster'));
  }
  return {contextName, context, clusterName, userName, clusterStanza, userStanza};
}

/**
 * Apply the command line to the merged kubeconfig, as clientcmd's DirectClientConfig does
 * (client_config.go getContext/getCluster/getAuthInfo/ClientConfig, validation.go):
 * - --context picks the context (it must exist), else current-context (which must exist too);
 * - --cluster / --user replace the context's (they must exist); -n its namespace;
 * - --server replaces the cluster's server and, with it, the file's tls-server-name;
 * - --certificate-authority replaces the CA and turns insecure-skip-tls-verify off;
 *   --insecure-skip-tls-verify drops the file's CA; both flags together are an error;
 * - --token is added to the user; client-go then prefers a tokenFile over it, and skips the exec
 *   plugin (plugin/pkg/client/auth/exec UpdateTransportConfig);
 * - --as / --as-group replace the user's impersonation.
 * With no kubeconfig at all, the in-cluster service account is used when the process runs in a
 * pod (merged_client_builder.go), like kubectl; --server, --token and --certificate-authority
 * still apply to it.
 */
export function resolveKubeconfig(
  merged: MergedKubeconfig,
  flags: KubeFlagValues,
  env: NodeJS.ProcessEnv = process.env,
  inCluster: InClusterSource = {dir: SERVICE_ACCOUNT_DIR, env, fs: nodeFs},
): ResolvedKubeconfig {
  const requestTimeoutMs = parseRequestTimeout(flags['request-timeout']);
  const requestTimeoutParam = requestTimeoutMs > 0 ? formatGoDuration(requestTimeoutMs) : '';
  if (flags.namespace !== undefined && flags.namespace !== '' && !isDns1123Label(flags.namespace)) {
    throw new UsageError(`invalid namespace "${flags.namespace}"`, 'A namespace is a DNS label: lower-case letters, digits and "-", at most 63 characters.');
  }
  if (flags['insecure-skip-tls-verify'] && flags['certificate-authority']) {
    throw new UsageError('specifying a root certificates file with the insecure flag is not allowed', 'Use either --certificate-authority or --insecure-skip-tls-verify.');
  }

  const nothingConfigured = isEmptyConfig(merged) && !flags.context && !flags.cluster && !flags.user;
  if (nothingConfigured && inClusterPossible(inCluster)) return resolveInCluster(flags, inCluster, requestTimeoutMs, requestTimeoutParam);

  const {contextName, context, clusterName, userName, clusterStanza, userStanza} = selectStanzas(merged, flags);

  // --- cluster
  const cluster: KubeconfigCluster = clusterStanza ? resolveClusterPaths(clusterStanza) : {};
  if (flags.server) cluster.server = flags.server;
  if (flags['insecure-skip-tls-verify'] || flags['certificate-authority']) {
    delete cluster['certificate-authority-data'];
    delete cluster['certificate-authority'];
    delete cluster['insecure-skip-tls-verify'];
    if (flags['insecure-skip-tls-verify']) cluster['insecure-skip-tls-verify'] = true;
    // a command-line path is relative to the working directory
    if (flags['certificate-authority']) cluster['certificate-authority'] = path.resolve(flags['certificate-authority']);
  }
  if (flags['tls-server-name'] || flags.server) {
    if (flags['tls-server-name']) cluster['tls-server-name'] = flags['tls-server-name'];
    else delete cluster['tls-server-name'];
  }

  if (!cluster.server) {
    if (merged.files.length === 0) {
      const looked = [...merged.missing, ...kubeconfigPrecedence(flags, env).files.filter((f) => !merged.missing.includes(f))];
      throw configError('no kubeconfig found, and no --server given: there is no cluster to talk to', `Looked for ${looked.join(', ')}. Set KUBECONFIG or pass --kubeconfig (or --server); to try the tool locally run "npm run sandbox".`);
    }
    if (!contextName) {
      throw configError(`no current context is set in ${merged.files.join(', ')}`, `Pick one with --context, or set it with "kubectl config use-context NAME".${merged.contexts.size ? ` Known contexts: ${[...merged.contexts.keys()].join(', ')}.` : ''}`);
    }
    throw configError(clusterName ? `no server found for cluster "${clusterName}"` : `context "${contextName}" names no cluster`, `Check the cluster of context "${contextName}" in ${merged.files.join(', ')}, or pass --server.`);
  }
  if (cluster['insecure-skip-tls-verify'] && (cluster['certificate-authority'] || cluster['certificate-authority-data'])) {
    // rest/transport.go: a CA and "insecure" cannot both be set
    throw configError('specifying a root certificates file with the insecure flag is not allowed', `Cluster "${clusterName}" sets both certificate-authority(-data) and insecure-skip-tls-verify; remove one.`);
  }

  // --- user
  const user: KubeconfigUser = userStanza ? resolveUserPaths(userStanza) : {};
  if (flags.token) user.token = flags.token;
  if (flags.as) user.as = flags.as;
  if (flags['as-group'] && flags['as-group'].length > 0) user['as-groups'] = [...flags['as-group']];
  if ((user['as-uid'] || user['as-groups']?.length || (user['as-user-extra'] && Object.keys(user['as-user-extra']).length)) && !user.as) {
    throw new UsageError(`requesting uid, groups or user-extra for ${userName || 'the user'} without impersonating a user is not allowed`, 'Add --as USER.');
  }
  if (user.token && (user.username || user.password)) {
    throw configError(`more than one authentication method found for ${userName}; found [token basicAuth], only one is allowed`);
  }

  // --- namespace (DirectClientConfig.Namespace; validateContext checks the context's)
  const namespace = flags.namespace || context.namespace || '';
  if (!flags.namespace && context.namespace && !isDns1123Label(context.namespace)) {
    throw configError(`namespace "${context.namespace}" for context "${contextName}" does not conform to the kubernetes DNS_LABEL rules`);
  }

  return {
    contextName: contextName ?? '',
    clusterName: clusterName ?? '',
    userName: userName ?? '',
    namespace: namespace || 'default',
    namespaceExplicit: namespace !== '',
    cluster: {...cluster, server: normalizeServer(cluster.server)},
    user,
    ...(user.as ? {impersonateUser: user.as} : {}),
    ...(user['as-uid'] ? {impersonateUid: user['as-uid']} : {}),
    impersonateGroups: user['as-groups'] ?? [],
    impersonateExtra: user['as-user-extra'] ?? {},
    requestTimeoutMs,
    requestTimeoutParam,
    files: merged.files,
    source: merged.files.length > 0 ? 'kubeconfig' : 'flags',
  };
}

function knownHint<T>(what: string, m: Map<string, T>, flag: string): string {
  return m.size ? `Known ${what}: ${[...m.keys()].join(', ')}. Check ${flag}.` : `The kubeconfig defines no ${what}.`;
}

/** rest.InClusterConfig plus the overrides inClusterClientConfig honours (server, token, CA). */
function resolveInCluster(flags: KubeFlagValues, src: InClusterSource, requestTimeoutMs: number, requestTimeoutParam: string): ResolvedKubeconfig {
  const host = src.env.KUBERNETES_SERVICE_HOST!;
  const server = flags.server ? normalizeServer(flags.server) : `https://${host.includes(':') ? `[${host}]` : host}:${src.env.KUBERNETES_SERVICE_PORT}`;
  const cluster: KubeconfigCluster & {server: string} = {server, 'certificate-authority': path.join(src.dir, 'ca.crt')};
  if (flags['certificate-authority']) cluster['certificate-authority'] = path.resolve(flags['certificate-authority']);
  if (flags['insecure-skip-tls-verify']) {
    delete cluster['certificate-authority'];
    cluster['insecure-skip-tls-verify'] = true;
  }
  if (flags['tls-server-name']) cluster['tls-server-name'] = flags['tls-server-name'];
  const user: KubeconfigUser = flags.token ? {token: flags.token} : {tokenFile: path.join(src.dir, 'token')};
  if (flags.as) user.as = flags.as;
  if (flags['as-group']?.length) user['as-groups'] = [...flags['as-group']];
  const nsFile = src.fs.read(path.join(src.dir, 'namespace'))?.trim();
  const namespace = flags.namespace || src.env.POD_NAMESPACE || nsFile || '';
  return {
    contextName: '',
    clusterName: '',
    userName: '',
    namespace: namespace || 'default',
    namespaceExplicit: namespace !== '',
    cluster,
    user,
    ...(user.as ? {impersonateUser: user.as} : {}),
    impersonateGroups: user['as-groups'] ?? [],
    impersonateExtra: {},
    requestTimeoutMs,
    requestTimeoutParam,
    files: [],
    source: 'in-cluster',
  };
}

/** Load and resolve in one step: what every command calls. */
export function loadKubeconfig(flags: KubeFlagValues, env: NodeJS.ProcessEnv = process.env): ResolvedKubeconfig {
  return resolveKubeconfig(loadMergedKubeconfig(flags, env), flags, env);
}
