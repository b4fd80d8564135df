import {describe, expect, it} from 'vitest';
import {doctor, loadObjects, one} from '../fixture.ts';
const healthy = loadObjects('healthy-ai-gateway.yaml');
const notServed = (what: string) => ({reason: 'notServed' as const, message: `the server does not serve ${what} (CRD not installed?)`});

describe('phase 1 — cluster & CRDs', () => {

  it('IGW-106 / IGW-107 / IGW-108: missing optional APIs', () => {
    const f = doctor(healthy, {
      snapshot: {errors: {InferenceObjective: notServed('x'), LlmdInferenceObjective: notServed('x'), EnvoyExtensionPolicy: notServed('x'), InferenceService: notServed('x')}},
    });
    expect(one(f, 'IGW-106', 'warning').message).toContain('InferenceObjective is not served');
    expect(one(f, 'IGW-107', 'warning').message).toContain('EnvoyExtensionPolicy');
    expect(one(f, 'IGW-108', 'info').message).toContain('KServe is not installed');
  });
});
