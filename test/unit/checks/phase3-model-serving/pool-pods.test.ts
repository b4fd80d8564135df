import {describe, expect, it} from 'vitest';
import {doctor, loadObjects, obj, one} from '../fixture.ts';

const healthy = loadObjects('healthy-ai-gateway.yaml');

describe('phase 3 — model serving', () => {

  it('IGW-303: selector matching no pods → error with a fix to the InferenceService label; ready/targetPorts blocked', () => {
    const objs = structuredClone(healthy);
    obj<{spec: {selector: {matchLabels: Record<string, string>}}}>(objs, 'InferencePool', 'qwen').spec.selector.matchLabels = {app: 'qwen'};
    const f = doctor(objs);
    const e = one(f, 'IGW-303', 'error');
    expect(e.object).toEqual({apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', namespace: 'llm', name: 'qwen'});
    expect(e.message).toContain('selects no pods (selector app=qwen');
    expect(e.fix).toBe(`kubectl patch inferencepool qwen -n llm --type merge -p '{"spec":{"selector":{"matchLabels":{"serving.kserve.io/inferenceservice":"qwen"}}}}'`);
    expect(one(f, 'IGW-304', 'blocked').blockedBy).toEqual(['IGW-303']);
    expect(one(f, 'IGW-305', 'blocked').blockedBy).toEqual(['IGW-303']);
  });

  it('IGW-304: no Ready pod → error naming the pod and why (crash loop with last termination)', () => {
    const objs = structuredClone(healthy);
    for (const name of ['qwen-predictor-7d9f8c6b5-abcde', 'qwen-predictor-7d9f8c6b5-fghij']) {
      const p = obj<{status: Record<string, unknown>}>(objs, 'Pod', name);
      p.status.conditions = [
        {type: 'PodScheduled', status: 'True'},
        {type: 'Ready', status: 'False', reason: 'ContainersNotReady'},
      ];
      p.status.containerStatuses = [
        {
          name: 'kserve-container',
          ready: false,
          restartCount: 5,
          state: {waiting: {reason: 'CrashLoopBackOff', message: 'back-off 2m40s restarting failed container'}},
          lastState: {terminated: {reason: 'Error', exitCode: 1, message: 'torch.OutOfMemoryError: CUDA out of memory'}},
        },
      ];
    }
    const f = doctor(objs);
    const e = one(f, 'IGW-304', 'error');
    expect(e.object?.kind).toBe('Pod');
    expect(e.message).toContain('0/2 pods of InferencePool llm/qwen Ready');
    expect(e.message).toContain('keeps crashing (5 restarts)');
    expect(e.message).toContain('CUDA out of memory');
    expect(e.message).toContain('503');
    expect(e.fix).toMatch(/^kubectl logs qwen-predictor-7d9f8c6b5-\w+ -n llm -c kserve-container --previous$/);
  });

  it('IGW-305: targetPorts not declared by the pods → error with the declared port', () => {
    const objs = structuredClone(healthy);
    obj<{spec: {targetPorts: {number: number}[]}}>(objs, 'InferencePool', 'qwen').spec.targetPorts = [{number: 8000}];
    const e = one(doctor(objs), 'IGW-305', 'error');
    expect(e.message).toContain('sends to port 8000');
    expect(e.message).toContain('listen on 8080');
    expect(e.fix).toBe(`kubectl patch inferencepool qwen -n llm --type merge -p '{"spec":{"targetPorts":[{"number":8080}]}}'`);
  });
});
