import {describe, expect, it} from 'vitest';
import {doctor, loadObjects, obj, one} from '../fixture.ts';

const healthy = loadObjects('healthy-ai-gateway.yaml');

describe('phase 3 — model serving', () => {

  it('IGW-302: InferenceService not Ready → error with the failing condition', () => {
    const objs = structuredClone(healthy);
    obj<{status: {conditions: unknown[]}}>(objs, 'InferenceService', 'qwen').status.conditions = [
      {type: 'PredictorReady', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.'},
      {type: 'Ready', status: 'False', reason: 'MinimumReplicasUnavailable'},
    ];
    const e = one(doctor(objs), 'IGW-302', 'error');
    expect(e.message).toBe('InferenceService llm/qwen is not Ready: PredictorReady=False (MinimumReplicasUnavailable: Deployment does not have minimum availability.)');
  });
});
