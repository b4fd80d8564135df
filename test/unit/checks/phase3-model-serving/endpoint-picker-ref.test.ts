import {describe, expect, it} from 'vitest';
import {doctor, loadObjects, obj, one} from '../fixture.ts';

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
