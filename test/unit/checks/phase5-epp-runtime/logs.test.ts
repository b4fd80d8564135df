// Phase 5 runtime checks (IGW-504..507) over EPP /metrics and logs as src/snapshot/runtime.ts
// records them; metrics are the real EPP samples in /work/shared/fixtures, read at test time.
import {describe, expect, it} from 'vitest';
import {matchEppLog} from '../../../../src/checks/phase5-epp-runtime/logs.ts';
import {parseExposition} from '../../../../src/metrics/exposition.ts';
import {readEpp} from '../../../../src/metrics/read.ts';
import {GIE, LLMD, okMetrics, run, withReadyPods} from './runtime-fixture.ts';

describe('phase 5 — EPP runtime (live metrics and logs)', () => {

  it('IGW-507: EPP log lines for RBAC, renamed metric and TLS failures → findings citing the line', () => {
    const rbac = '{"level":"error","ts":"2026-11-21T12:00:00Z","logger":"reflector","msg":"Failed to watch: failed to list *v1.Pod: pods is forbidden: User \\"system:serviceaccount:llm:x\\" cannot list resource \\"pods\\" in API group \\"\\" in the namespace \\"llm\\""}';
    const renamed = '{"level":"error","msg":"Failed to refresh metrics","error":"metric family \\"vllm:gpu_cache_usage_perc\\" not found"}';
    const tls = '{"level":"error","msg":"dial failed","error":"tls: failed to verify certificate: x509: certificate signed by unknown authority"}';
    const f = run(okMetrics(withReadyPods(GIE, 2)), [rbac, renamed, renamed, tls].join('\n'));
    const e = f.filter((x) => x.code === 'IGW-507');
    expect(e.map((x) => x.severity).sort()).toEqual(['error', 'warning', 'warning']);
    expect(e.find((x) => x.severity === 'error')!.message).toContain('pods is forbidden');
    expect(e.find((x) => x.message.includes('model server metric'))!.message).toContain('(2 line(s)');
    expect(matchEppLog('I1121 all good\nstarting server')).toEqual([]);
  });
});

describe('IGW-507: RBAC lines as the real GIE v1.5.0 EPP writes them (issue 12: run against the test apiserver)', () => {
  // Captured from .tools/bin/gie-epp (GIE v1.5.0, --zap-encoder json) whose ServiceAccount lost one
  // Role rule (test/scenarios/install-real-epp.ts); stack traces shortened.
  const pools = String.raw`{"level":"error","ts":1796490478.3332775,"logger":"controller-runtime.cache.UnhandledError","caller":"runtime/runtime.go:221","msg":"Failed to watch","reflector":"pkg/mod/k8s.io/client-go@v0.35.3/tools/cache/reflector.go:289","type":"*v1.InferencePool","error":"failed to list *v1.InferencePool: inferencepools.inference.networking.k8s.io \"qwen3-8b-pool\" is forbidden: User \"system:serviceaccount:drx-o0zzw-2:igw-inference-gateway-epp\" cannot list resource \"inferencepools\" in API group \"inference.networking.k8s.io\" in the namespace \"drx-o0zzw-2\"","stacktrace":"k8s.io/apimachinery/pkg/util/runtime.logError"}`;
  const objectives = String.raw`{"level":"error","ts":1796490537.0689664,"logger":"controller-runtime.cache.UnhandledError","caller":"runtime/runtime.go:221","msg":"Failed to watch","reflector":"pkg/mod/k8s.io/client-go@v0.35.3/tools/cache/reflector.go:289","type":"*v1alpha2.InferenceObjective","error":"failed to list *v1alpha2.InferenceObjective: inferenceobjectives.inference.networking.x-k8s.io is forbidden: User \"system:serviceaccount:drx-o0zzw-3:igw-inference-gateway-epp\" cannot list resource \"inferenceobjectives\" in API group \"inference.networking.x-k8s.io\" in the namespace \"drx-o0zzw-3\"","stacktrace":"k8s.io/apimachinery/pkg/util/runtime.logError"}`;

  it('InferencePool list forbidden (escaped quotes, the pool name before "is forbidden") → error', () => {
    const f = run(okMetrics(withReadyPods(GIE, 2)), pools).filter((x) => x.code === 'IGW-507');
    expect(f.map((x) => x.severity)).toEqual(['error']);
    expect(f[0]!.message).toContain('may not read pods/InferencePools');
    expect(f[0]!.message).toContain('"msg":"Failed to watch"');
  });

  it('InferenceObjective list forbidden → a warning about objectives, not "cannot see endpoints"', () => {
    const f = run(okMetrics(withReadyPods(GIE, 2)), objectives).filter((x) => x.code === 'IGW-507');
    expect(f.map((x) => x.severity)).toEqual(['warning']);
    expect(f[0]!.message).toContain('may not read InferenceObjectives');
    expect(f[0]!.message).not.toContain('cannot see endpoints');
  });
});

describe('IGW-507: a failed model server scrape as the real GIE v1.5.0 EPP logs it (issue 12)', () => {
  // Captured from .tools/bin/gie-epp after the InferencePool's targetPort was set to 8001 (the
  // simulators listen on 8000; test/scenarios/install-real-epp.ts); stack trace shortened.
  const poll = String.raw`{"level":"error","ts":1796490543.9796605,"caller":"datalayer/collector.go:211","msg":"poll failed","endpoint":"127.197.211.2","source":"metrics-data-source/metrics-data-source","error":"failed to fetch data from drx-o0zzw-4/qwen3-8b-predictor-8598949df-k5pnz-rank-0: Get \"http://127.197.211.2:8001/metrics\": dial tcp 127.197.211.2:8001: connect: connection refused","stacktrace":"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/datalayer.logErrorTransition"}`;

  it('→ one warning about scraping the model server (see IGW-305), not a TLS/transport error of the EPP', () => {
    const f = run(okMetrics(withReadyPods(GIE, 2)), poll).filter((x) => x.code === 'IGW-507');
    expect(f.map((x) => x.severity)).toEqual(['warning']);
    expect(f[0]!.message).toContain("cannot scrape a model server's metrics");
    expect(f[0]!.message).toContain('see IGW-305');
    expect(f[0]!.message).not.toContain('TLS');
  });

  it('an EPP transport error that is not a scrape still reads as one', () => {
    const dial = '{"level":"error","msg":"failed to start","error":"listen tcp :9002: connect: connection refused"}';
    const f = run(okMetrics(withReadyPods(GIE, 2)), dial).filter((x) => x.code === 'IGW-507');
    expect(f.map((x) => x.message.includes('TLS/transport'))).toEqual([true]);
  });
});

describe('IGW-507: LoRA metrics missing is noise; llm-d-router counts data-layer errors (issue 11 item 4)', () => {
  // GIE v1.5.0 pkg/epp/datalayer/collector.go logs this once per endpoint when vLLM runs without LoRA
  const lora = '{"level":"error","msg":"extract failed","extractor":"core-metrics-extractor/core-metrics-extractor","error":"metric family \\"vllm:lora_requests_info\\" not found"}';
  const noMatch = '{"level":"error","msg":"extract failed","error":"no matching lora metric found for \\"vllm:lora_requests_info\\" with labels map[]"}';
  const both = '{"level":"error","msg":"extract failed","error":"metric family \\"vllm:num_requests_waiting\\" not found\\nmetric family \\"vllm:lora_requests_info\\" not found"}';

  it('only the LoRA family missing → info "harmless", not "scheduling blind"', () => {
    const f = run(okMetrics(withReadyPods(GIE, 2)), [lora, noMatch].join('\n')).filter((x) => x.code === 'IGW-507');
    expect(f.map((x) => x.severity)).toEqual(['info']);
    expect(f[0]!.message).toContain('LoRA metrics absent (LoRA disabled on the model server)');
    expect(f[0]!.message).toContain('(2 line(s)');
    expect(f[0]!.message).not.toContain('blind');
  });

  it('a queue/KV metric missing in the same line (errors.Join) → still the renamed-metric warning', () => {
    const f = run(okMetrics(withReadyPods(GIE, 2)), both).filter((x) => x.code === 'IGW-507');
    expect(f.map((x) => x.severity)).toEqual(['warning']);
    expect(f[0]!.message).toContain('scheduling runs blind');
  });

  it('the real llm-d-router v0.10.0 sample has no data-layer error series (a CounterVec before its first increment): nothing reported', () => {
    expect(readEpp(parseExposition(LLMD)).datalayerErrors).toBeUndefined();
    const f = run(okMetrics(LLMD)).filter((x) => x.code === 'IGW-507');
    expect(f.map((x) => x.severity)).toEqual(['ok']);
  });

  it('non-zero llm_d_epp_datalayer_* counters → info with the series (one scrape: since start-up, not a verdict on "now")', () => {
    const text =
      `${LLMD.trimEnd()}\n` +
      '# HELP llm_d_epp_datalayer_extract_errors_total Total number of errors encountered while extracting data from data sources.\n' +
      '# TYPE llm_d_epp_datalayer_extract_errors_total counter\n' +
      'llm_d_epp_datalayer_extract_errors_total{extractor_type="core-metrics-extractor",source_type="metrics-data-source"} 9\n' +
      '# HELP llm_d_epp_datalayer_poll_errors_total Total number of errors encountered while polling data sources.\n' +
      '# TYPE llm_d_epp_datalayer_poll_errors_total counter\n' +
      'llm_d_epp_datalayer_poll_errors_total{source_type="metrics-data-source"} 0\n';
    const reading = readEpp(parseExposition(text));
    expect(reading.datalayerErrors).toEqual({poll: [], extract: [{name: 'llm_d_epp_datalayer_extract_errors_total', labels: {extractor_type: 'core-metrics-extractor', source_type: 'metrics-data-source'}, value: 9}]});
    const f = run(okMetrics(text)).filter((x) => x.code === 'IGW-507');
    expect(f.map((x) => x.severity)).toEqual(['ok', 'info']);
    expect(f[1]!.message).toContain('llm_d_epp_datalayer_extract_errors_total{extractor_type="core-metrics-extractor",source_type="metrics-data-source"} 9');
    expect(f[1]!.fix).toContain('-v=4');
  });

  it('the deprecated llm_d_inference_scheduler_ duplicates are read when only they exist', () => {
    const text = 'llm_d_inference_scheduler_datalayer_poll_errors_total{source_type="metrics-data-source"} 4\n';
    expect(readEpp(parseExposition(text)).datalayerErrors?.poll).toEqual([{name: 'llm_d_inference_scheduler_datalayer_poll_errors_total', labels: {source_type: 'metrics-data-source'}, value: 4}]);
  });
});
