/*
 * EPP runtime reads (issue 4, phase 5): for each EPP Deployment in scope, one Ready pod's log tail
 * and its /metrics scraped through a port-forward with a bearer token (the EPP authenticates
 * /metrics with TokenReview + SubjectAccessReview unless --metrics-endpoint-auth=false,
 * domain-facts §2). Live snapshots only; bounded: at most MAX_EPPS Deployments, one pod each, the
 * whole wave time-boxed. Failures are recorded as outcomes, never thrown: checks judge them.
 */
import type {KubeClient} from '../kube/client.ts';
import {fetchPodMetrics, metricsBearerToken, MetricsFetchError} from '../kube/portforward.ts';
import {parseExposition} from '../metrics/exposition.ts';
import {readEpp} from '../metrics/read.ts';
import {argValue, eppContainer} from '../k8s/args.ts';
import {podReady, podsOf} from '../k8s/pods.ts';
import type {Deployment, Pod} from '../k8s/objects.ts';
import {items} from './query.ts';
import type {EppLogRead, EppMetricsRead, EppRuntime, Snapshot} from './types.ts';

export const MAX_EPPS = 5;
export const RUNTIME_BUDGET_MS = 5_000;
/** The EPP's default --metrics-port (GIE cmd/epp/runner/runner.go). */
export const EPP_METRICS_PORT = 9090;

export type {EppLogRead, EppMetricsRead, EppRuntime};

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** The EPP Deployments of the snapshot with a Ready pod to read from (at most MAX_EPPS). */
export function runtimeTargets(snap: Snapshot): {deployment: Deployment; pod: Pod; port: number; serviceAccount: string}[] {
  const pods = items<Pod>(snap, 'Pod');
  const out = [];
  for (const d of items<Deployment>(snap, 'Deployment')) {
    const c = eppContainer(d);
    if (!c) continue;
    const pod = podsOf(d, pods).filter(podReady).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))[0];
    if (!pod) continue;
    const port = Number(argValue(c as Parameters<typeof argValue>[0], '--metrics-port') ?? EPP_METRICS_PORT);
    out.push({deployment: d, pod, port: Number.isFinite(port) ? port : EPP_METRICS_PORT, serviceAccount: d.spec.template.spec.serviceAccountName ?? 'default'});
    if (out.length >= MAX_EPPS) break;
  }
  return out;
}

/** Read every target's log tail and metrics in parallel, within `budgetMs`; fills `snap.runtime`. */
export async function readEppRuntime(kube: KubeClient, snap: Snapshot, opts: {signal?: AbortSignal | undefined; budgetMs?: number} = {}): Promise<void> {
  const budget = opts.budgetMs ?? RUNTIME_BUDGET_MS;
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  opts.signal?.addEventListener('abort', onAbort, {once: true});
  const timer = setTimeout(() => abort.abort(), budget);
  try {
    snap.runtime = await Promise.all(
      runtimeTargets(snap).map(async (t): Promise<EppRuntime> => {
        const ns = t.deployment.metadata.namespace ?? '';
        const pod = t.pod.metadata.name;
        const container = eppContainer(t.deployment)?.name;
        const log = async (): Promise<EppLogRead> => {
          const t0 = performance.now();
          const ms = () => Math.round(performance.now() - t0);
          try {
            const text = await kube.get<string>(`/api/v1/namespaces/${ns}/pods/${pod}/log`, {text: true, query: {tailLines: 200, ...(container ? {container} : {})}, signal: abort.signal});
            return {ok: true, text: typeof text === 'string' ? text : String(text), durationMs: ms()};
          } catch (error) {
            return {ok: false, reason: abort.signal.aborted ? `no answer within ${budget} ms` : (error as Error).message, durationMs: ms()};
          }
        };
        const metrics = async (): Promise<EppMetricsRead> => {
          const t0 = performance.now();
          const ms = () => Math.round(performance.now() - t0);
          let tokenSource: string | undefined;
          const scrape = async (): Promise<EppMetricsRead> => {
            const auth = argValue(eppContainer(t.deployment) as Parameters<typeof argValue>[0], '--metrics-endpoint-auth') !== 'false';
            let token: string | undefined;
            if (auth) {
              const tok = await metricsBearerToken(kube, {namespace: ns, serviceAccount: t.serviceAccount});
              tokenSource = tok.source;
              if (!tok.token) return {outcome: 'noToken', message: tok.reason ?? 'no bearer token', tokenSource: tok.source, durationMs: ms()};
              token = tok.token;
            }
            let body: string;
            // llm-d-router's --metrics-cert-dir serves /metrics over TLS (pkg/epp/server/options.go)
            const tls = argValue(eppContainer(t.deployment) as Parameters<typeof argValue>[0], '--metrics-cert-dir') !== undefined;
            try {
              body = await fetchPodMetrics(kube, {namespace: ns, name: pod}, t.port, {bearerToken: token, timeoutMs: budget, signal: abort.signal, ...(tls ? {tls} : {})});
            } catch (error) {
              // a tunnel that failed to open (busy API server/kubelet) is retried once while time is left
              const transient = !(error instanceof MetricsFetchError) || error.kind === 'unreachable';
              if (!transient || abort.signal.aborted || ms() > budget / 2) throw error;
              await new Promise((r) => setTimeout(r, 250));
              body = await fetchPodMetrics(kube, {namespace: ns, name: pod}, t.port, {bearerToken: token, timeoutMs: budget, signal: abort.signal, ...(tls ? {tls} : {})});
            }
            return {outcome: 'ok', reading: readEpp(parseExposition(body)), tokenSource: tokenSource ?? 'none', durationMs: ms(), text: body};
          };
          const timeout = (): EppMetricsRead => ({outcome: 'timeout', message: `no answer within ${budget} ms`, durationMs: ms()});
          try {
            return await withTimeout(scrape(), budget, timeout);
          } catch (error) {
            if (abort.signal.aborted) return timeout();
            if (error instanceof MetricsFetchError) return {outcome: error.kind, status: error.status, message: error.message, ...(tokenSource ? {tokenSource} : {}), durationMs: ms()};
            return {outcome: 'unreachable', message: (error as Error).message, ...(tokenSource ? {tokenSource} : {}), durationMs: ms()};
          }
        };
        const [l, m] = await Promise.all([log(), metrics()]);
        snap.requests.push({what: `EPP log ${ns}/${pod}`, path: `/api/v1/namespaces/${ns}/pods/${pod}/log`, durationMs: l.durationMs, status: l.ok ? 'ok' : 'failed'});
        snap.requests.push({what: `EPP metrics ${ns}/${pod}:${t.port}`, path: `/api/v1/namespaces/${ns}/pods/${pod}/portforward`, durationMs: m.durationMs, status: m.outcome === 'ok' ? 'ok' : 'failed'});
        return {namespace: ns, deployment: t.deployment.metadata.name, pod, port: t.port, log: l, metrics: m};
      }),
    );
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
