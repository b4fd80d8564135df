// A stand-in for the EPP's metrics endpoint (port 9090), served by a local process and reached
// through KWOK port-forward like the real one through the kubelet. It authenticates scrapes the
// way the EPP does — controller-runtime's metrics filter (sigs.k8s.io/controller-runtime
// pkg/metrics/filters/filters.go WithAuthenticationAndAuthorization): a TokenReview of the bearer
// token and a SubjectAccessReview for GET /metrics, both made with the EPP ServiceAccount's own
// credentials. So an EPP ServiceAccount that may not create tokenreviews gives 500 here too.
// Metric names are those of GIE 1.1–1.5 (../shared/fixtures/epp-metrics.gie-v1.5.0.sample.txt).
import {createServer, type Server} from 'node:http';
import {once} from 'node:events';
import {KubeClient} from '../../src/kube/client.ts';
import {ApiError} from '../../src/kube/errors.ts';
import {loadKubeconfig} from '../../src/kube/kubeconfig.ts';
import type {Manifest} from './kube.ts';
import type {Names} from './names.ts';

export interface EppMetricsServer {
  port: number;
  /** HTTP status of every scrape so far. */
  scrapes: number[];
  /** Changes what the next scrapes show. */
  setReadyPods(pods: {name: string; namespace: string}[]): void;
  stop(): Promise<void>;
}

/** The exposition text the EPP of `names` shows with these ready model server pods. */
export function eppMetricsText(names: Names, pods: {name: string; namespace: string}[]): string {
  const pool = names.pool;
  const model = names.servedModel;
  const lines = [
    '# HELP inference_pool_ready_pods [ALPHA] The number of ready pods in the inference server pool.',
    '# TYPE inference_pool_ready_pods gauge',
    `inference_pool_ready_pods{name="${pool}"} ${pods.length}`,
    '# HELP inference_pool_average_kv_cache_utilization [ALPHA] The average kv cache utilization for an inference server pool.',
    '# TYPE inference_pool_average_kv_cache_utilization gauge',
    `inference_pool_average_kv_cache_utilization{name="${pool}"} ${pods.length ? 0.12 : 0}`,
    '# HELP inference_pool_average_queue_size [ALPHA] The average number of requests pending in the model server queue.',
    '# TYPE inference_pool_average_queue_size gauge',
    `inference_pool_average_queue_size{name="${pool}"} 0`,
    '# HELP inference_pool_average_running_requests [ALPHA] The average number of requests currently being processed by the model servers.',
    '# TYPE inference_pool_average_running_requests gauge',
    `inference_pool_average_running_requests{name="${pool}"} 0`,
    '# HELP inference_objective_request_total [ALPHA] Counter of inference objective requests broken out for each model and target model.',
    '# TYPE inference_objective_request_total counter',
    `inference_objective_request_total{model_name="${model}",priority="0",target_model_name="${model}"} 0`,
    '# HELP inference_extension_scheduler_attempts_total [ALPHA] Total number of scheduling attempts.',
    '# TYPE inference_extension_scheduler_attempts_total counter',
    ...pods.map(
      (p) => `inference_extension_scheduler_attempts_total{namespace="${p.namespace}",pod_name="${p.name}",port="8000",status="success",target_model_name="${model}"} 0`,
    ),
    '# HELP inference_extension_info [ALPHA] General information of the current build of Inference Extension.',
    '# TYPE inference_extension_info gauge',
    'inference_extension_info{build_ref="",commit="v1.4.0"} 1',
    '',
  ];
  return lines.join('\n');
}

/**
 * Starts the metrics stand-in for the EPP of an install, authenticating with a token of the EPP's
 * ServiceAccount minted through the TokenRequest API (what the pod's projected token would be).
 */
export async function startEppMetrics(kubeconfig: string, admin: KubeClient, names: Names, pods: {name: string; namespace: string}[]): Promise<EppMetricsServer> {
  const minted = await admin.create<{status: {token: string}}>(`/api/v1/namespaces/${names.namespace}/serviceaccounts/${names.eppServiceAccount}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: {expirationSeconds: 86_400},
  });
  const asEpp = new KubeClient(loadKubeconfig({kubeconfig, token: minted.status.token}, {}));
  let current = pods;
  const scrapes: number[] = [];

  const server: Server = createServer((req, res) => {
    const reply = (code: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      scrapes.push(code);
      res.writeHead(code, {'content-type': type});
      res.end(body);
    };
    void (async () => {
      if (req.url?.split('?')[0] !== '/metrics') return reply(404, '404 page not found\n');
      const m = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
      if (!m) return reply(401, 'Unauthorized\n');
      let user: {username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]>};
      try {
        const tr = await asEpp.create<{status: {authenticated?: boolean; user?: typeof user}}>('/apis/authentication.k8s.io/v1/tokenreviews', {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          spec: {token: m[1]},
        });
        if (!tr.status.authenticated || !tr.status.user) return reply(401, 'Unauthorized\n');
        user = tr.status.user;
      } catch (error) {
        if (error instanceof ApiError) return reply(500, 'Authentication failed\n');
        throw error;
      }
      try {
        const sar = await asEpp.create<{status: {allowed?: boolean}}>('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: user.username,
            ...(user.uid ? {uid: user.uid} : {}),
            groups: user.groups ?? [],
            ...(user.extra ? {extra: user.extra} : {}),
            nonResourceAttributes: {path: '/metrics', verb: 'get'},
          },
        });
        if (!sar.status.allowed) return reply(403, `Authorization denied for user ${user.username}\n`);
      } catch (error) {
        if (error instanceof ApiError) return reply(500, `Authorization for user ${user.username} failed\n`);
        throw error;
      }
      reply(200, eppMetricsText(names, current), 'text/plain; version=0.0.4; charset=utf-8');
    })().catch((error: unknown) => {
      if (!res.headersSent) reply(500, `${String(error)}\n`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    scrapes,
    setReadyPods(p) {
      current = p;
    },
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => {});
    },
  };
}

/** Forwards port 9090 of every pod in the namespace without its own PortForward (the EPP pods, whatever their names become). */
export function eppMetricsPortForward(names: Names, port: number): Manifest {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'ClusterPortForward',
    metadata: {name: `infgw-epp-${names.namespace}`},
    spec: {selector: {matchNamespaces: [names.namespace]}, forwards: [{ports: [9090], target: {address: '127.0.0.1', port}}]},
  };
}
