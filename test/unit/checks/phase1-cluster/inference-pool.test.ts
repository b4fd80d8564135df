import {describe, expect, it} from 'vitest';
import {doctor, loadObjects, obj, one} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const healthy = loadObjects('healthy-ai-gateway.yaml');
const notServed = (what: string) => ({reason: 'notServed' as const, message: `the server does not serve ${what} (CRD not installed?)`});

describe('phase 1 — cluster & CRDs', () => {

  it('IGW-104: no InferencePool API → error; only the removed v1alpha2 → warning', () => {
    const none = doctor([], {snapshot: {errors: {InferencePool: notServed('inferencepools'), XInferencePool: notServed('inferencepools')}}});
    expect(one(none, 'IGW-104', 'error').fix).toBe('kubectl apply -f https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases/download/v1.6.0/v1-manifests.yaml');
    const old = doctor([], {snapshot: {errors: {InferencePool: notServed('inferencepools')}}});
    expect(one(old, 'IGW-104', 'warning').message).toContain('removed upstream in GIE 1.5');
  });

  it('IGW-105: EPP watching the default group while the pool is x-k8s.io v1alpha2 and v1 is served → recreate the pool as v1', () => {
    const objs = structuredClone(healthy);
    const pool = obj<Any>(objs, 'InferencePool', 'qwen');
    pool.apiVersion = 'inference.networking.x-k8s.io/v1alpha2';
    pool.spec = {selector: {'serving.kserve.io/inferenceservice': 'qwen'}, targetPortNumber: 8080, extensionRef: {name: 'qwen-epp', portNumber: 9002}};
    delete pool.status;
    obj<Any>(objs, 'HTTPRoute', 'qwen').spec.rules[0].backendRefs[0].group = 'inference.networking.x-k8s.io';
    const e = one(doctor(objs), 'IGW-105', 'error');
    expect(e.message).toContain('removed in GIE 1.5');
    expect(e.fix).toContain('apiVersion: inference.networking.k8s.io/v1');
    expect(e.fix).toContain('targetPorts:\n    - number: 8080');
    expect(e.fix).toContain(`kubectl patch httproute qwen -n llm --type json -p '[{"op":"replace","path":"/spec/rules/0/backendRefs/0/group","value":"inference.networking.k8s.io"}]'`);
    expect(e.fix).toContain('kubectl delete inferencepools.inference.networking.x-k8s.io qwen -n llm');
  });

  it('IGW-105: only the old API is served → point the EPP at it with --pool-group', () => {
    const objs = structuredClone(healthy);
    const pool = obj<Any>(objs, 'InferencePool', 'qwen');
    pool.apiVersion = 'inference.networking.x-k8s.io/v1alpha2';
    pool.spec = {selector: {'serving.kserve.io/inferenceservice': 'qwen'}, targetPortNumber: 8080, extensionRef: {name: 'qwen-epp', portNumber: 9002}};
    delete pool.status;
    obj<Any>(objs, 'HTTPRoute', 'qwen').spec.rules[0].backendRefs[0].group = 'inference.networking.x-k8s.io';
    const f = doctor(objs, {snapshot: {errors: {InferencePool: notServed('inferencepools')}}});
    const e = one(f, 'IGW-105', 'error');
    expect(e.object).toEqual({apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'llm', name: 'qwen-epp'});
    expect(e.message).toContain('watches InferencePools of group inference.networking.k8s.io (the --pool-group default)');
    expect(e.fix).toBe(`kubectl patch deployment qwen-epp -n llm --type json -p '[{"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"--pool-group=inference.networking.x-k8s.io"}]'`);
  });

  it('IGW-105: HTTPRoute naming the other group → error with a patch of the backendRef group', () => {
    const objs = structuredClone(healthy);
    obj<Any>(objs, 'HTTPRoute', 'qwen').spec.rules[0].backendRefs[0].group = 'inference.networking.x-k8s.io';
    const e = one(doctor(objs), 'IGW-105', 'error');
    expect(e.fix).toBe(`kubectl patch httproute qwen -n llm --type json -p '[{"op":"replace","path":"/spec/rules/0/backendRefs/0/group","value":"inference.networking.k8s.io"}]'`);
  });
});
