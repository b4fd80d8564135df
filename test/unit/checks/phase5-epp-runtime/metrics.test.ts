// Phase 5 runtime checks (IGW-504..507) over EPP /metrics and logs as src/snapshot/runtime.ts
// records them; metrics are the real EPP samples in /work/shared/fixtures, read at test time.
import {describe, expect, it} from 'vitest';
import {EPP} from '../chart-fixture.ts';
import {one} from '../fixture.ts';
import {GIE, LLMD, okMetrics, run, withReadyPods} from './runtime-fixture.ts';

describe('phase 5 — EPP runtime (live metrics and logs)', () => {

  it('IGW-505: EPP reports 0 ready pods while pool pods are Ready → error with the --pool-* args to check', () => {
    const f = run(okMetrics(withReadyPods(GIE, 0)));
    const e = one(f, 'IGW-505', 'error');
    expect(e.message).toMatch(/reports 0 ready endpoints \(inference_pool_ready_pods\) while \d+ Ready pod\(s\) match InferencePool llm\/qwen/);
    expect(e.fix).toContain('--pool-name=qwen --pool-namespace=llm');
    expect(e.fix).toContain('kubectl get inferencepool qwen -n llm');
    // the other cause the real GIE v1.5.0 EPP showed (issue 12: pool targetPort 8001, pods listen on 8000)
    expect(e.message).toContain("or no container port of those pods is one of the pool's targetPorts (the EPP then skips them; see IGW-305)");
  });

  it('IGW-504: /metrics 500 (no TokenReview rights) → error with clusterrole + binding for the EPP ServiceAccount; 505/506 blocked', () => {
    const f = run({outcome: 'http', status: 500, message: 'answered HTTP 500: Authentication failed', tokenSource: 'tokenrequest', durationMs: 4});
    const e = one(f, 'IGW-504', 'error');
    expect(e.message).toContain('answered 500');
    expect(e.fix).toBe(`kubectl create clusterrole ${EPP}-llm-metrics-auth --verb=create --resource=tokenreviews.authentication.k8s.io,subjectaccessreviews.authorization.k8s.io\nkubectl create clusterrolebinding ${EPP}-llm-metrics-auth --clusterrole=${EPP}-llm-metrics-auth --serviceaccount=llm:${EPP}`);
    expect(one(f, 'IGW-505', 'blocked').blockedBy).toEqual(['IGW-504']);
    expect(one(f, 'IGW-506', 'blocked').blockedBy).toEqual(['IGW-504']);
  });

  it('IGW-504: 401 → error; 403 → warning with a /metrics reader role; unreachable → info only', () => {
    expect(one(run({outcome: 'unauthorized', status: 401, message: '401', tokenSource: 'kubeconfig', durationMs: 1}), 'IGW-504', 'error').fix).toContain('tokenreviews.authentication.k8s.io');
    expect(one(run({outcome: 'forbidden', status: 403, message: '403', tokenSource: 'tokenrequest', durationMs: 1}), 'IGW-504', 'warning').fix).toContain('--non-resource-url=/metrics');
    one(run({outcome: 'unreachable', message: 'connection refused', durationMs: 1}), 'IGW-504', 'info');
  });
});

// IGW-508 (issue 11, NF11): llm-d-router flow-control counters appended to the real v0.10.0 sample,
// in the shape of pkg/epp/metrics/llm_d_router_metrics.go (labels outcome, priority, inference_pool).
describe('IGW-508 — EPP shedding load (llm-d-router flow control)', () => {
  const flow = (lines: string[]) =>
    `${LLMD.trimEnd()}\n# HELP llm_d_epp_flow_control_requests_total Requests by flow-control outcome.\n# TYPE llm_d_epp_flow_control_requests_total counter\n${lines.join('\n')}\n`;
  const sat = (v: number) => `# HELP llm_d_epp_flow_control_pool_saturation Pool saturation.\n# TYPE llm_d_epp_flow_control_pool_saturation gauge\nllm_d_epp_flow_control_pool_saturation{inference_pool="qwen"} ${v}\n`;

  it('only Dispatched → ok', () => {
    const f = run(okMetrics(flow(['llm_d_epp_flow_control_requests_total{outcome="Dispatched",priority="0",inference_pool="qwen"} 40']) + sat(0.4)));
    expect(one(f, 'IGW-508', 'ok').message).toContain('rejected and evicted nothing (saturation 0.4)');
  });

  it('RejectedCapacity since start, not saturated now → info with the counts', () => {
    const f = run(okMetrics(flow(['llm_d_epp_flow_control_requests_total{outcome="Dispatched",priority="0",inference_pool="qwen"} 40', 'llm_d_epp_flow_control_requests_total{outcome="RejectedCapacity",priority="-1",inference_pool="qwen"} 12']) + sat(0.5)));
    expect(one(f, 'IGW-508', 'info').message).toContain('has shed 12 request(s) since it started (RejectedCapacity (priority -1): 12)');
  });

  it('saturation ≥ 1 → warning', () => {
    const f = run(okMetrics(flow(['llm_d_epp_flow_control_requests_total{outcome="EvictedTTL",priority="0",inference_pool="qwen"} 3']) + sat(1.2)));
    const w = one(f, 'IGW-508', 'warning');
    expect(w.message).toContain('saturated (llm_d_epp_flow_control_pool_saturation 1.2)');
    expect(w.message).toContain('EvictedTTL (priority 0): 3');
  });

  it('GIE sample (no flow-control families) → nothing reported', () => {
    expect(run(okMetrics(withReadyPods(GIE, 2))).filter((x) => x.code === 'IGW-508')).toEqual([]);
  });
});

// IGW-509 (issue 11, NF15): the apiserver's RBAC denial as client-go's reflector logs it in the EPP.
describe('IGW-509 — InferenceModelRewrite RBAC denial in the EPP log', () => {
  const denied =
    'W1121 12:00:01.000000       1 reflector.go:561] failed to list *v1alpha2.InferenceModelRewrite: inferencemodelrewrites.inference.networking.x-k8s.io is forbidden: User "system:serviceaccount:llm:igw-inference-gateway-epp" cannot list resource "inferencemodelrewrites" in API group "inference.networking.x-k8s.io" in the namespace "llm"\n';

  it('denial in the log → error with a Role for that group', () => {
    const e = one(run(okMetrics(withReadyPods(GIE, 2)), denied), 'IGW-509', 'error');
    expect(e.message).toContain('may not list inferencemodelrewrites.inference.networking.x-k8s.io in llm');
    expect(e.fix).toBe(`kubectl create role ${EPP}-model-rewrites -n llm --verb=get,list,watch --resource=inferencemodelrewrites.inference.networking.x-k8s.io\nkubectl create rolebinding ${EPP}-model-rewrites -n llm --role=${EPP}-model-rewrites --serviceaccount=llm:${EPP}`);
  });

  it('a clean log → ok', () => {
    one(run(okMetrics(withReadyPods(GIE, 2))), 'IGW-509', 'ok');
  });
});
