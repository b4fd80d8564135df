import {describe, expect, it} from 'vitest';
import {doctor, loadObjects, one, without} from '../fixture.ts';

const healthy = loadObjects('healthy-ai-gateway.yaml');

describe('phase 3 — model serving', () => {

  it('IGW-301: pool deleted → everything about the pool is blocked, not repeated as errors', () => {
    const f = doctor(without(healthy, 'InferencePool', 'qwen'));
    // no release names the pool and no pool exists: nothing to check in phase 3
    expect(one(f, 'IGW-300', 'warning').message).toContain('no InferencePool');
  });
});
