// Issue 11, NF13/NF14: IGW-308 (InferencePool without endpointPickerRef, GIE v1.6 semantics) and
// IGW-309 (KServe LLMInferenceService conditions). The LLMInferenceService CRD is not in
// ../shared/crds: these are unit tests over upstream-shaped objects only (condition types and
// rollup of kserve/kserve pkg/apis/serving/v1alpha2/llm_inference_service_lifecycle.go).
import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../src/kube/client.ts';
import {byCode, doctor, loadObjects, obj, one} from './fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function llmisvc(conds: {type: string; status: string; reason?: string; message?: string}[], spec: Any = {model: {uri: 'hf://Qwen/Qwen3-8B', name: 'qwen3-8b'}, router: {scheduler: {}}}): KubeObject {
  return {apiVersion: 'serving.kserve.io/v1alpha2', kind: 'LLMInferenceService', metadata: {name: 'qwen3', namespace: 'llm', generation: 1}, spec, status: {conditions: conds}} as KubeObject;
}
const T = (type: string) => ({type, status: 'True'});

describe('IGW-309 — LLMInferenceService', () => {
  it('Ready → ok', () => {
    expect(one(doctor([...loadObjects('healthy-ai-gateway.yaml'), llmisvc([T('Ready'), T('RouterReady'), T('WorkloadsReady'), T('PresetsCombined')])]), 'IGW-309', 'ok').message).toBe('LLMInferenceService llm/qwen3 is Ready');
  });

  it('router not ready, HTTPRoutesReady False, no spec.router.route → error explaining the missing managed route, fix sets route and gateway', () => {
    const o = llmisvc([
      {type: 'Ready', status: 'False', reason: 'HTTPRoutesNotReady'},
      T('PresetsCombined'),
      T('WorkloadsReady'),
      {type: 'RouterReady', status: 'False', reason: 'HTTPRoutesNotReady', message: 'waiting for the Gateway to accept the HTTPRoute'},
      T('GatewaysReady'),
      {type: 'HTTPRoutesReady', status: 'False', reason: 'HTTPRoutesNotReady', message: 'waiting for the Gateway to accept the HTTPRoute'},
    ]);
    const e = one(doctor([...loadObjects('healthy-ai-gateway.yaml'), o]), 'IGW-309', 'error');
    expect(e.object).toEqual({apiVersion: 'serving.kserve.io/v1alpha2', kind: 'LLMInferenceService', namespace: 'llm', name: 'qwen3'});
    expect(e.message).toContain('router not ready, HTTPRoutesReady=False (HTTPRoutesNotReady: waiting for the Gateway to accept the HTTPRoute)');
    expect(e.message).toContain('spec.router.route is not set');
    expect(e.fix).toContain(`kubectl patch llminferenceservice qwen3 -n llm --type merge -p '{"spec":{"router":{"route":{},"gateway":{}}}}'`);
  });

  it('router not ready on the InferencePool with a route set → error naming InferencePoolReady, fix describes', () => {
    const o = llmisvc(
      [{type: 'Ready', status: 'False'}, T('PresetsCombined'), T('WorkloadsReady'), {type: 'RouterReady', status: 'False'}, T('GatewaysReady'), T('HTTPRoutesReady'), {type: 'InferencePoolReady', status: 'False', reason: 'InferencePoolNotReady'}],
      {router: {route: {}, gateway: {}, scheduler: {}}},
    );
    const e = one(doctor([...loadObjects('healthy-ai-gateway.yaml'), o]), 'IGW-309', 'error');
    expect(e.message).toContain('InferencePoolReady=False (InferencePoolNotReady)');
    expect(e.message).not.toContain('spec.router.route is not set');
    expect(e.fix).toBe('kubectl describe llminferenceservice qwen3 -n llm');
  });

  it('workload not ready → error naming the sub-condition', () => {
    const o = llmisvc([{type: 'Ready', status: 'False'}, T('PresetsCombined'), {type: 'WorkloadsReady', status: 'False'}, {type: 'MainWorkloadReady', status: 'False', reason: 'MinimumReplicasUnavailable'}]);
    expect(one(doctor([...loadObjects('healthy-ai-gateway.yaml'), o]), 'IGW-309', 'error').message).toContain('MainWorkloadReady=False (MinimumReplicasUnavailable)');
  });

  it('no LLMInferenceService → nothing', () => {
    expect(byCode(doctor(loadObjects('healthy-ai-gateway.yaml')), 'IGW-309')).toEqual([]);
  });
});

describe('IGW-308 — InferencePool without endpointPickerRef (GIE v1.6)', () => {
  function withoutRef(reason?: string): KubeObject[] {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    const pool = obj<Any>(objs, 'InferencePool', 'qwen');
    delete pool.spec.endpointPickerRef;
    if (reason) pool.status.parents[0].conditions[0] = {type: 'Accepted', status: 'False', reason, message: 'endpointPickerRef field is unset despite being required by the Inference Gateway implementation'};
    return objs;
  }

  it('parent says EndpointPickerRefMissing → info explaining it (IGW-306 is the error)', () => {
    const f = doctor(withoutRef('EndpointPickerRefMissing'));
    const i = one(f, 'IGW-308', 'info');
    expect(i.message).toContain('aigateway.envoyproxy.io/inference-pool (parent llm/inference-gateway) set Accepted=False, reason EndpointPickerRefMissing');
    expect(i.fix).toContain(`kubectl patch inferencepool qwen -n llm --type merge -p '{"spec":{"endpointPickerRef":{"name":"<epp-service>","port":{"number":9002}}}}'`);
    one(f, 'IGW-306', 'error');
  });

  it('a pool with an endpointPickerRef → nothing', () => {
    expect(byCode(doctor(loadObjects('healthy-ai-gateway.yaml')), 'IGW-308')).toEqual([]);
  });
});
