import type {KubeObject} from '../kube/client.ts';
import type {KindKey} from './kinds.ts';
import type {MetricsFailureKind} from '../kube/portforward.ts';
import type {EppReading} from '../metrics/read.ts';
import type {ProxyConfigView} from '../envoy/admin.ts';

/** Why a list could not be read. Checks that need it become "skipped" with this reason. */
export interface ListError {
  reason: 'forbidden' | 'notServed' | 'failed' | 'offline' | 'outOfScope';
  message: string;
  /** for forbidden: the RBAC rule that is missing, as a kubectl command (src/kube/errors.ts) */
  rule?: string;
}

/** One list call: a namespace (or the whole cluster when namespace is undefined). */
export type ListPart =
  | {namespace?: string; items: KubeObject[]; /** manifests: what is listed is known, what is not may still exist */ partial?: boolean}
  | {namespace?: string; error: ListError};

export interface KindList {
  kind: KindKey;
  parts: ListPart[];
}

export interface RequestRecord {
  what: string;
  path: string;
  durationMs: number;
  status: 'ok' | ListError['reason'] | 'notFound';
}

export interface ServerVersion {
  gitVersion: string;
  major?: string;
  minor?: string;
}

/** A decoded Helm release (src/helm/release.ts). */
export interface HelmRelease {
  name: string;
  namespace: string;
  revision: number;
  status: string;
  chart: {name: string; version: string; appVersion?: string};
  /** user-supplied values (helm get values) */
  config: Record<string, unknown>;
  /** chart defaults coalesced with config (helm get values --all) */
  values: Record<string, unknown>;
  /** the rendered objects (helm get manifest), parsed */
  manifest: KubeObject[];
  /** the Secret it came from */
  secret: {namespace: string; name: string};
  /** the last revision is not this one (e.g. a failed upgrade): name and status of that one */
  latest?: {revision: number; status: string};
}

/**
 * Everything doctor knows about the cluster, read once. Checks are pure functions over it.
 * A snapshot comes from the live cluster, from manifest files (`--from-file`), or from files
 * overlaid on the live cluster (`--overlay`).
 */
export interface Snapshot {
  source: 'cluster' | 'files' | 'overlay';
  takenAt: string;
  context?: string | undefined;
  server?: string | undefined;
  /** undefined = every namespace (-A) */
  namespace?: string | undefined;
  version?: ServerVersion | ListError | undefined;
  lists: Partial<Record<KindKey, KindList>>;
  /** CRDs read by name; null = not installed */
  crds: Record<string, KubeObject | null | ListError>;
  /** Helm releases decoded from release Secrets (latest revision per release) */
  releases: HelmRelease[] | ListError;
  /** container logs read in the follow-up wave, key `ns/pod/container` (+ `/previous`) */
  logs: Record<string, string | ListError>;
  requests: RequestRecord[];
  /** EPP log tails and /metrics read live (src/snapshot/runtime.ts); absent = not read (files, --no-runtime) */
  runtime?: EppRuntime[] | undefined;
  /** doctor --request: the one request sent through the Gateway (src/probe/gateway-request.ts); absent = not asked */
  request?: GatewayRequestRead | undefined;
  /** doctor --envoy-admin (or --request): the Envoy proxies' admin view (src/probe/envoy-admin.ts); absent = not asked */
  envoyAdmin?: EnvoyAdminRead[] | undefined;
  /** wall time of the whole gathering */
  durationMs: number;
  apiRequests: number;
  /** objects that came from files (no status: not applied yet) */
  fromFiles: WeakSet<object>;
}

export function isListError(x: unknown): x is ListError {
  return typeof x === 'object' && x !== null && 'reason' in x && 'message' in x && !('metadata' in x);
}

/** What the runtime wave read from one EPP (src/snapshot/runtime.ts). */
export type EppLogRead = {ok: true; text: string; durationMs: number} | {ok: false; reason: string; durationMs: number};

export type EppMetricsRead =
  | {outcome: 'ok'; reading: EppReading; tokenSource: string; durationMs: number; /** the /metrics text as scraped (support bundles keep it) */ text?: string}
  | {outcome: MetricsFailureKind | 'noToken' | 'timeout'; status?: number | undefined; message: string; tokenSource?: string; durationMs: number};

export interface EppRuntime {
  namespace: string;
  deployment: string;
  pod: string;
  port: number;
  log: EppLogRead;
  metrics: EppMetricsRead;
}

/**
 * One OpenAI-style request sent through a pool's Gateway (doctor --request). `sent: false` says
 * why it could not be sent (no way in, no model); the checks of phase 8 judge it.
 */
export type GatewayRequestRead =
  | {pool: string; sent: false; reason: string; stage: 'model' | 'way-in' | 'pool'; gateway?: {namespace: string; name: string} | undefined}
  | {
      /** the chain's key, namespace/name */
      pool: string;
      sent: true;
      url: string;
      via: 'gateway-address' | 'port-forward';
      gateway: {namespace: string; name: string};
      envoyProxy?: {namespace: string; pod: string} | undefined;
      /** via port-forward after the Gateway's status addresses (address:port) refused the connection */
      addressesRefused?: string[] | undefined;
      host?: string | undefined;
      path: string;
      model: string;
      modelSource: string;
      timeLimitMs: number;
      /** null: no response (network error, time limit) */
      status: number | null;
      errorKind?: 'timeout' | 'aborted' | 'network' | 'http' | 'stream' | undefined;
      error?: string | undefined;
      ttftMs: number | null;
      totalMs: number;
      streamed: boolean;
      contentType?: string | undefined;
      /** response headers that tell who answered and why (server, x-envoy-*, x-llm-d-request-dropped-reason, …) */
      headers: Record<string, string>;
      /** the start of the body (doctor keeps at most 300 characters, tokens removed) */
      body: string;
      /** model server pods whose request counter rose (vLLM request_success), or null when the counters could not be read */
      servedBy: string[] | null;
      countersError?: string | undefined;
    };

/** What the admin endpoint of one Envoy proxy pod showed (doctor --envoy-admin). */
export type EnvoyAdminRead =
  | {gateway: {namespace: string; name: string}; proxy?: {namespace: string; pod: string} | undefined; ok: false; reason: string}
  | {gateway: {namespace: string; name: string}; proxy: {namespace: string; pod: string}; ok: true; config: ProxyConfigView; stats: Record<string, number> | null; statsError?: string | undefined};
