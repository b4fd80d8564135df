import {describe, expect, it} from 'vitest';
import {chartInstall, EPP} from '../chart-fixture.ts';
import {byCode, doctor, obj, one} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('IGW-603 — metric names across versions', () => {
  it('GIE EPP v1.2 with vLLM v0.12 → error (vllm:gpu_cache_usage_perc is gone), fix sets the new name', () => {
    const objs = chartInstall();
    obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0].image = 'registry.k8s.io/gateway-api-inference-extension/epp:v1.2.1';
    for (const p of objs.filter((o) => o.kind === 'Pod' && o.metadata.name.startsWith('qwen-predictor')) as Any[]) p.spec.containers[0].image = 'docker.io/vllm/vllm-openai:v0.12.0';
    const e = one(doctor(objs), 'IGW-603', 'error');
    expect(e.message).toContain('vllm:gpu_cache_usage_perc by default');
    expect(e.fix).toContain('--kv-cache-usage-percentage-metric=vllm:kv_cache_usage_perc');
  });

  it('the chart default (GIE v1.4) with vLLM v0.12 → nothing to say', () => {
    const objs = chartInstall();
    for (const p of objs.filter((o) => o.kind === 'Pod' && o.metadata.name.startsWith('qwen-predictor')) as Any[]) p.spec.containers[0].image = 'docker.io/vllm/vllm-openai:v0.12.0';
    expect(byCode(doctor(objs), 'IGW-603')).toEqual([]);
  });
});
