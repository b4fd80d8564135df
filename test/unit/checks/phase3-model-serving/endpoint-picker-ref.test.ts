import {describe, expect, it} from 'vitest';
import {parse, stringify} from 'yaml';
import type {KubeObject} from '../../../../src/kube/client.ts';
import {byCode, doctor, loadObjects, obj, one} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const healthy = loadObjects('healthy-ai-gateway.yaml');

describe('phase 3 — model serving', () => {

  it('IGW-306: endpointPickerRef port 8000 → error, fix sets 9002', () => {
    const objs = structuredClone(healthy);
    obj<{spec: {endpointPickerRef: {port: {number: number}}}}>(objs, 'InferencePool', 'qwen').spec.endpointPickerRef.port.number = 8000;
    const e = one(doctor(objs), 'IGW-306', 'error');
    expect(e.message).toContain('uses port 8000 (the model server port)');
    expect(e.fix).toBe(`kubectl patch inferencepool qwen -n llm --type merge -p '{"spec":{"endpointPickerRef":{"name":"qwen-epp","port":{"number":9002}}}}'`);
  });

  it('IGW-306: endpointPickerRef to a Service that does not exist → error, fix names the real EPP Service', () => {
    const objs = structuredClone(healthy);
    obj<{spec: {endpointPickerRef: {name: string}}}>(objs, 'InferencePool', 'qwen').spec.endpointPickerRef.name = 'qwen-epp-svc';
    const e = one(doctor(objs), 'IGW-306', 'error');
    expect(e.message).toBe('endpointPickerRef of llm/qwen names Service llm/qwen-epp-svc, which does not exist');
    expect(e.fix).toContain('"name":"qwen-epp"');
  });
});

describe('IGW-306: what failureMode FailOpen does depends on the wiring (issue 11 item 1)', () => {
  const failOpen = (objs: KubeObject[]): KubeObject[] => {
    obj<Any>(objs, 'InferencePool', 'qwen').spec.endpointPickerRef.failureMode = 'FailOpen';
    return objs;
  };

  it('Envoy AI Gateway wiring: warning on the pool — FailOpen is not honoured (ai-gateway#2502), no "bypass" claim', () => {
    const f = doctor(failOpen(structuredClone(healthy)));
    const w = one(f, 'IGW-306', 'warning');
    expect(w.object).toEqual({apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', namespace: 'llm', name: 'qwen'});
    expect(w.message).toContain('Envoy AI Gateway ≤ v1.1.0 does not honour');
    expect(w.message).toContain('envoyproxy/ai-gateway#2502');
    expect(w.message).toContain('every request to this pool fails');
    expect(w.fix).toContain('No configuration makes Envoy AI Gateway v1.1.0 fail open');
    expect(w.fix).toContain('kubectl scale deployment qwen-epp -n llm --replicas=2');
    expect(w.fix).toContain('kubectl create poddisruptionbudget qwen-epp -n llm --selector=app=qwen-epp --min-available=1');
    const okMsg = one(f, 'IGW-306', 'ok').message;
    expect(okMsg).not.toMatch(/bypass/);
    expect(okMsg).toContain('FailOpen not honoured by Envoy AI Gateway; behaves as FailClose');
    for (const x of byCode(f, 'IGW-306')) expect(x.message).not.toMatch(/bypass the picker/);
  });

  it('FailClose on the AI Gateway wiring: nothing to say beyond ok', () => {
    expect(byCode(doctor(healthy), 'IGW-306').map((x) => x.severity)).toEqual(['ok']);
  });

  it('EnvoyExtensionPolicy wiring (no AI Gateway extension): info — the pool\'s failureMode is not used, the policy\'s failOpen is', () => {
    const objs = failOpen(structuredClone(healthy));
    const cm = obj<Any>(objs, 'ConfigMap', 'envoy-gateway-config');
    const cfg = parse(cm.data['envoy-gateway.yaml']) as Any;
    delete cfg.extensionManager;
    cm.data['envoy-gateway.yaml'] = stringify(cfg);
    objs.push({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'EnvoyExtensionPolicy',
      metadata: {name: 'qwen-ext-proc', namespace: 'llm'},
      spec: {
        targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'inference-gateway'}],
        extProc: [{backendRefs: [{group: '', kind: 'Service', name: 'qwen-epp', port: 9002}], failOpen: false, messageTimeout: '10s', processingMode: {request: {body: 'Buffered'}, response: {body: 'Streamed'}}}],
      },
    } as KubeObject);
    const f = byCode(doctor(objs), 'IGW-306');
    expect(f.filter((x) => x.severity === 'warning')).toEqual([]);
    const i = f.find((x) => x.severity === 'info')!;
    expect(i.message).toBe("the pool's failureMode (FailOpen) is not used on the EnvoyExtensionPolicy wiring; failure handling = EnvoyExtensionPolicy llm/qwen-ext-proc extProc[0].failOpen=false — EPP down ⇒ 500 for every request");
  });
});
