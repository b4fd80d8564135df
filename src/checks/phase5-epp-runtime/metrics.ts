/*
 * Phase 5 — EPP runtime, judged from what the EPP itself says on /metrics (scraped through the API
 * with a bearer token by src/snapshot/runtime.ts for live runs): reachable, sees the pool's
 * endpoints, KV cache not saturated. Offline (--from-file) or --no-runtime: skipped, never guessed.
 */
import {podReady} from '../../k8s/pods.ts';
import type {EppInfo} from '../../model/target.ts';
import {perEpp, podRef} from '../helpers.ts';
import {error, info, ok, skipped, warning, type Check} from '../types.ts';

/** Average KV-cache utilization (0..1) above which requests queue (high latency). */
export const KV_CACHE_HIGH = 0.9;

function authFix(e: EppInfo): string {
  const ns = e.deployment.metadata.namespace ?? '';
  const sa = e.deployment.spec.template.spec.serviceAccountName ?? 'default';
  const name = `${e.deployment.metadata.name}-${ns}-metrics-auth`;
  return `kubectl create clusterrole ${name} --verb=create --resource=tokenreviews.authentication.k8s.io,subjectaccessreviews.authorization.k8s.io\nkubectl create clusterrolebinding ${name} --clusterrole=${name} --serviceaccount=${ns}:${sa}`;
}

export const eppMetricsLive: Check = {
  code: 'IGW-504',
  phase: 5,
  scope: 'chain',
  title: "EPP's /metrics accepts a bearer token (read through the API)",
  readme: {checks: "the EPP's `/metrics` accepts a bearer token (scraped through a port-forward, your token or one minted for the EPP's ServiceAccount)", failure: '401/500 → ClusterRole for tokenreviews/subjectaccessreviews; 403 → `get` on `/metrics`'},
  dependsOn: ['IGW-502'],
  symptoms: {'metrics-unauthorized': 4},
  reads: [],
  run(ctx) {
    return perEpp(ctx, (r, e) => {
      const m = r.metrics;
      const where = `EPP pod ${r.namespace}/${r.pod}:${r.port}/metrics`;
      switch (m.outcome) {
        case 'ok':
          return [ok(`${where} answered (token: ${m.tokenSource}, ${m.durationMs} ms)`, podRef(r))];
        case 'unauthorized':
          return [error(`${where} answered 401 to a valid ${m.tokenSource ?? ''} token: the EPP cannot check tokens (TokenReview) — Prometheus and doctor cannot read its metrics`.replace('  ', ' '), podRef(r), authFix(e))];
        case 'http':
          if (m.status === 500) return [error(`${where} answered 500 (the EPP answers 500 when it cannot create a TokenReview/SubjectAccessReview): ${m.message}`, podRef(r), authFix(e))];
          return [warning(`${where}: ${m.message}`, podRef(r))];
        case 'forbidden': {
          const sa = e.deployment.spec.template.spec.serviceAccountName ?? 'default';
          const name = `${e.deployment.metadata.name}-metrics-reader`;
          return [
            warning(
              `${where} answered 403: the token (${m.tokenSource ?? 'unknown source'}) is valid but may not get /metrics`,
              podRef(r),
              m.tokenSource === 'tokenrequest'
                ? `kubectl create clusterrole ${name} --verb=get --non-resource-url=/metrics\nkubectl create clusterrolebinding ${name} --clusterrole=${name} --serviceaccount=${r.namespace}:${sa}`
                : `kubectl create clusterrole ${name} --verb=get --non-resource-url=/metrics   # and bind it to your user (or your Prometheus ServiceAccount)`,
            ),
          ];
        }
        default:
          // not reachable / no token / too slow: unknown, not a fault of the install
          return [info(`${where} not read (${m.outcome}): ${m.message}`, podRef(r))];
      }
    });
  },
};

export const eppSeesEndpoints: Check = {
  code: 'IGW-505',
  phase: 5,
  scope: 'chain',
  title: 'EPP sees the Ready model server pods of its InferencePool',
  readme: {checks: "the EPP's ready-endpoints gauge agrees with the pool's Ready pods", failure: 'EPP sees no endpoints: `--pool-name`/`--pool-namespace`/`--pool-group` wrong → 503'},
  dependsOn: ['IGW-504'],
  symptoms: {'503': 12, 'ext-proc-not-routing': 18},
  reads: [],
  run(ctx) {
    const ready = ctx.chain.modelPods.filter(podReady).length;
    return perEpp(ctx, (r, e) => {
      if (r.metrics.outcome !== 'ok') return [skipped(`EPP ${r.namespace}/${r.pod} /metrics not read (${r.metrics.outcome})`, podRef(r))];
      const f = r.metrics.reading.readyPods;
      if (!f.found) return [info(`EPP ${r.namespace}/${r.pod} exposes no ready-pods gauge (tried ${f.tried.join(', ')})`, podRef(r))];
      if (f.value === 0 && ready > 0) {
        // GIE v1.5.0 pkg/epp/datastore/datastore.go: a pod none of whose container ports is a pool
        // targetPort becomes no endpoint ("No container ports match pool targetPorts", verbose log only).
        const group = e.poolGroup;
        return [
          error(
            `EPP ${r.namespace}/${r.pod} reports 0 ready endpoints (${f.name}) while ${ready} Ready pod(s) match InferencePool ${ctx.chain.key}'s selector: the EPP watches another pool, namespace or API group, or no container port of those pods is one of the pool's targetPorts (the EPP then skips them; see IGW-305), and every request gets 503`,
            podRef(r),
            `kubectl get deployment ${e.deployment.metadata.name} -n ${r.namespace} -o jsonpath='{.spec.template.spec.containers[*].args}'   # expect --pool-name=${ctx.chain.name} --pool-namespace=${ctx.chain.namespace} --pool-group=${group}\nkubectl get inferencepool ${ctx.chain.name} -n ${ctx.chain.namespace} -o jsonpath='{.spec.endpointPickerRef}'   # must name this EPP's Service`,
          ),
        ];
      }
      return [ok(`EPP ${r.namespace}/${r.pod} reports ${f.value} ready endpoint(s) (${ready} Ready pod(s) match the pool)`, podRef(r))];
    });
  },
};

export const eppKvCache: Check = {
  code: 'IGW-506',
  phase: 5,
  scope: 'chain',
  title: 'Average KV-cache utilization of the pool is not saturated',
  readme: {checks: 'average KV-cache utilization the EPP reports is below 0.9', failure: 'saturated model servers, high latency'},
  dependsOn: ['IGW-504'],
  symptoms: {'high-latency': 7, '429': 4},
  reads: [],
  run(ctx) {
    return perEpp(ctx, (r) => {
      if (r.metrics.outcome !== 'ok') return [skipped(`EPP ${r.namespace}/${r.pod} /metrics not read (${r.metrics.outcome})`, podRef(r))];
      const f = r.metrics.reading.avgKvCache;
      if (!f.found) return [info(`EPP ${r.namespace}/${r.pod} exposes no average KV-cache gauge (tried ${f.tried.join(', ')})`, podRef(r))];
      if (f.value > KV_CACHE_HIGH) {
        return [
          warning(
            `average KV-cache utilization of pool ${ctx.chain.key} is ${(f.value * 100).toFixed(0)}% (${f.name}, above ${KV_CACHE_HIGH * 100}%): requests queue in the model servers (high latency, then saturation 429/503)`,
            podRef(r),
            `add model server replicas (or lower max context) for pool ${ctx.chain.key}; watch: kubectl infgw doctor -n ${ctx.chain.namespace} --symptom high-latency`,
          ),
        ];
      }
      return [ok(`average KV-cache utilization of pool ${ctx.chain.key} is ${(f.value * 100).toFixed(0)}%`, podRef(r))];
    });
  },
};
