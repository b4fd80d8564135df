import {describe, expect, it} from 'vitest';
import {serviceOfHost} from '../../../../src/checks/phase7-litellm/api-base.ts';
import type {KubeObject} from '../../../../src/kube/client.ts';
import {byCode, doctor, loadObjects, one} from '../fixture.ts';

const healthy = loadObjects('healthy-ai-gateway.yaml');

function litellm(apiBase: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {name: 'litellm-config', namespace: 'litellm'},
    data: {'config.yaml': `model_list:\n  - model_name: qwen\n    litellm_params:\n      model: hosted_vllm/qwen\n      api_base: ${apiBase}\n      api_key: "none"\n`},
  } as KubeObject;
}

describe('phase 7 — LiteLLM', () => {
  it('api_base to the Envoy proxy Service of the Gateway → ok', () => {
    const f = doctor([...healthy, litellm('http://envoy-llm-inference-gateway-5a1b2c3d.envoy-gateway-system.svc.cluster.local:80/v1')]);
    expect(one(f, 'IGW-701', 'ok').message).toBe('model qwen → proxy of Gateway llm/inference-gateway');
  });

  it("the install notes' URL <gateway>.<ns>.svc → error naming the real proxy Service", () => {
    const e = one(doctor([...healthy, litellm('http://inference-gateway.llm.svc.cluster.local:80/v1')]), 'IGW-701', 'error');
    expect(e.message).toContain('resolves to no Service');
    expect(e.message).toContain('envoy-gateway-system/envoy-llm-inference-gateway-5a1b2c3d');
    expect(e.fix).toContain('api_base: http://envoy-llm-inference-gateway-5a1b2c3d.envoy-gateway-system.svc.cluster.local:80/v1');
  });

  it('api_base straight to KServe → warning (bypasses the EPP)', () => {
    const predictor = {apiVersion: 'v1', kind: 'Service', metadata: {name: 'qwen-predictor', namespace: 'llm', labels: {'serving.kserve.io/inferenceservice': 'qwen', component: 'predictor'}}, spec: {ports: [{port: 80}]}} as KubeObject;
    const w = one(doctor([...healthy, predictor, litellm('http://qwen-predictor.llm.svc.cluster.local/v1')]), 'IGW-701', 'warning');
    expect(w.message).toContain('bypassing the gateway');
  });

  it('no LiteLLM config → nothing reported', () => {
    expect(byCode(doctor(healthy), 'IGW-701')).toEqual([]);
  });

  it('serviceOfHost', () => {
    expect(serviceOfHost('a.b.svc.cluster.local', 'x')).toEqual({name: 'a', namespace: 'b'});
    expect(serviceOfHost('a', 'x')).toEqual({name: 'a', namespace: 'x'});
    expect(serviceOfHost('api.openai.com', 'x')).toBeUndefined();
  });
});

describe('phase 7 — hosts outside the cluster', () => {
  it('"example.com" is not mistaken for Service example in namespace com', () => {
    expect(one(doctor([...healthy, litellm('https://example.com/v1')]), 'IGW-701', 'info').message).toContain('outside the cluster');
  });
});

describe('phase 7 — root causes elsewhere, fixes', () => {
  it('api_base to the proxy Service of a Gateway that is not programmed → blocked by IGW-404, not an error', () => {
    const objs = structuredClone(healthy).filter((o) => !(o.kind === 'Service' && o.metadata.name === 'envoy-llm-inference-gateway-5a1b2c3d'));
    const gw = objs.find((o) => o.kind === 'Gateway')! as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    gw.status.conditions[1] = {type: 'Programmed', status: 'False', reason: 'AddressNotAssigned', lastTransitionTime: '2026-11-20T10:00:00Z'};
    const b = one(doctor([...objs, litellm('http://envoy-llm-inference-gateway-5a1b2c3d.envoy-gateway-system.svc.cluster.local:80/v1')]), 'IGW-701', 'blocked');
    expect(b.blockedBy).toEqual(['IGW-404']);
  });

  it('wrong port → the corrected api_base as fix', () => {
    const e = one(doctor([...healthy, litellm('http://envoy-llm-inference-gateway-5a1b2c3d.envoy-gateway-system.svc.cluster.local:8080/v1')]), 'IGW-701', 'error');
    expect(e.fix).toContain('api_base: http://envoy-llm-inference-gateway-5a1b2c3d.envoy-gateway-system.svc.cluster.local:80/v1');
  });
});
