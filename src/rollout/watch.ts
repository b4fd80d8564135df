/*
 * List-then-watch of one collection, as client-go's reflector does it (k8s.io/client-go
 * tools/cache/reflector.go): list to get the state and a resourceVersion, watch from that
 * resourceVersion, follow each event's resourceVersion (and bookmarks), re-watch from the last one
 * when the server ends the stream, and re-list when the server says that resourceVersion is too
 * old (410 Gone, as HTTP status or as an ERROR event). `kubectl rollout status` watches the same
 * way with a field selector on the name (pkg/cmd/rollout/rollout_status.go).
 *
 * The stream itself is client-node's Watch on the client's own KubeConfig (same server, same
 * credentials), with its inactivity limit raised above the server-side timeout.
 */
import type {KubeClient, KubeObject} from '../kube/client.ts';
import {ApiError, apiErrorFromResponse, networkError} from '../kube/errors.ts';
import type {KubeConfig} from '../kube/k8s.ts';
import {InfgwError} from '../errors.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchHandlers<T extends KubeObject> {
  /** The whole collection, after the first list and after every re-list. */
  onList(items: T[]): void;
  onEvent(type: WatchEventType, object: T): void;
}

export interface ListWatchOptions {
  fieldSelector?: string;
  labelSelector?: string;
  signal: AbortSignal;
  /** Server-side timeout of one watch request (the server then ends the stream, we re-watch). */
  timeoutSeconds?: number;
  /** Called before each re-list, with the reason (for --debug and for tests). */
  onRelist?: (reason: string) => void;
}

class Gone extends Error {}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, {once: true});
  });

/**
 * Errors worth retrying: the server or the network hiccupped (5xx, 429, no response). Other API
 * errors (403, 404, ...) are the caller's at once.
 */
function transient(error: unknown): boolean {
  if (error instanceof ApiError) return error.status >= 500 || error.status === 429;
  return error instanceof InfgwError || error instanceof Error;
}

/** Runs until `signal` aborts (then resolves) or a non-transient error (then rejects). */
export async function listAndWatch<T extends KubeObject>(kube: KubeClient, collectionPath: string, opts: ListWatchOptions, handlers: WatchHandlers<T>): Promise<void> {
  const query = {
    ...(opts.fieldSelector ? {fieldSelector: opts.fieldSelector} : {}),
    ...(opts.labelSelector ? {labelSelector: opts.labelSelector} : {}),
  };
  // Transient failures are retried with backoff; this many in a row (about 25 s) end the wait.
  const maxFailures = 6;
  let failures = 0;
  let backoffMs = 500;
  const retry = async (error: unknown): Promise<void> => {
    failures++;
    if (!transient(error) || failures >= maxFailures) throw error;
    await sleep(backoffMs, opts.signal);
    backoffMs = Math.min(backoffMs * 2, 8000);
  };
  while (!opts.signal.aborted) {
    let resourceVersion: string;
    try {
      const list = await kube.list<T>(collectionPath, {query, signal: opts.signal});
      resourceVersion = list.metadata?.resourceVersion ?? '';
      handlers.onList(list.items);
    } catch (error) {
      if (opts.signal.aborted) return;
      await retry(error);
      continue;
    }
    // Watch from the listed resourceVersion until the server says it is too old.
    for (;;) {
      if (opts.signal.aborted) return;
      try {
        resourceVersion = await watchOnce<T>(kube, collectionPath, {...query, resourceVersion, timeoutSeconds: opts.timeoutSeconds ?? 300}, opts.signal, handlers, () => {
          failures = 0;
          backoffMs = 500;
        });
      } catch (error) {
        if (opts.signal.aborted) return;
        if (error instanceof Gone) {
          opts.onRelist?.(error.message);
          break;
        }
        // Lost connection: the cache may have missed events; list again after a pause.
        opts.onRelist?.(`watch failed: ${(error as Error).message}`);
        await retry(error);
        break;
      }
    }
  }
}

/** The client-node KubeConfig of a client: `kubeConfig()` (async) or `kc`, whichever it has. */
async function clientNodeConfig(kube: KubeClient): Promise<KubeConfig> {
  const k = kube as unknown as {kubeConfig?: () => Promise<KubeConfig>; kc?: KubeConfig};
  if (typeof k.kubeConfig === 'function') return k.kubeConfig();
  if (k.kc) return k.kc;
  throw new Error('this KubeClient offers no client-node KubeConfig for watching');
}

/** One watch request; resolves with the last resourceVersion seen when the server ends it. */
async function watchOnce<T extends KubeObject>(
  kube: KubeClient,
  collectionPath: string,
  query: Record<string, string | number>,
  signal: AbortSignal,
  handlers: WatchHandlers<T>,
  onConnected: () => void,
): Promise<string> {
  let resourceVersion = String(query.resourceVersion ?? '');
  const timeoutSeconds = Number(query.timeoutSeconds ?? 300);
  const {Watch} = await import('../kube/k8s.ts');
  const watch = new Watch(await clientNodeConfig(kube));
  // client-node ends a watch after this long without data; the server ends it after
  // timeoutSeconds anyway (sending bookmarks meanwhile), so only a dead connection trips this.
  (watch as unknown as {requestTimeoutMs: number}).requestTimeoutMs = (timeoutSeconds + 30) * 1000;
  kube.requestCount++;
  return new Promise<string>((resolve, reject) => {
    let controller: AbortController | undefined;
    let settled = false;
    const settle = (error: unknown): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      controller?.abort();
      if (signal.aborted) reject(signal.reason ?? new Error('aborted'));
      else if (error) reject(error);
      else resolve(resourceVersion);
    };
    const onAbort = (): void => settle(null);
    signal.addEventListener('abort', onAbort, {once: true});
    // client-node swallows exceptions thrown in this callback, so failures go through settle().
    const onEvent = (type: string, object: KubeObject & {code?: number; reason?: string; message?: string}): void => {
      if (settled) return;
      if (type === 'ERROR') {
        if (object.code === 410 || object.reason === 'Expired' || object.reason === 'Gone') settle(new Gone(object.message ?? 'watch expired (410)'));
        else settle(apiErrorFromResponse({status: object.code ?? 500, body: object, method: 'GET', path: collectionPath, server: kube.server, watch: true}));
        return;
      }
      const rv = object?.metadata?.resourceVersion;
      if (rv) resourceVersion = rv;
      if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
        try {
          handlers.onEvent(type, object as T);
        } catch (error) {
          settle(error);
        }
      }
    };
    const onDone = (error: unknown): void => {
      if (settled) return;
      if (!error) return settle(null);
      const status = (error as {statusCode?: number}).statusCode;
      if (status === 410) return settle(new Gone(`resourceVersion ${resourceVersion} is too old (410)`));
      if (status !== undefined) {
        return settle(apiErrorFromResponse({status, body: (error as Error).message, method: 'GET', path: collectionPath, server: kube.server, watch: true}));
      }
      settle(networkError(error, kube.server, 0));
    };
    const params: Record<string, string | number | boolean> = {...query, allowWatchBookmarks: true};
    if (params.resourceVersion === '') delete params.resourceVersion;
    watch.watch(collectionPath, params, onEvent, onDone).then(
      (c) => {
        controller = c;
        if (settled || signal.aborted) c.abort();
        else onConnected();
      },
      (error: unknown) => onDone(error),
    );
  });
}
