import {describe, expect, it} from 'vitest';
import {doctor, loadObjects, one} from '../fixture.ts';
const healthy = loadObjects('healthy-ai-gateway.yaml');
const notServed = (what: string) => ({reason: 'notServed' as const, message: `the server does not serve ${what} (CRD not installed?)`});

describe('phase 1 — cluster & CRDs', () => {

  it('IGW-106 / IGW-107 / IGW-108: missing optional APIs', () => {
    const f = doctor(healthy, {
      snapshot: {errors: {InferenceObjective: notServed('x'), LlmdInferenceObjective: notServed('x'), EnvoyExtensionPolicy: notServed('x'), InferenceService: notServed('x')}},
    });
    const objective = one(f, 'IGW-106', 'warning');
    expect(objective.message).toContain('InferenceObjective is not served');
    // issue 11 item 7: GIE v1.6's manifests no longer hold InferenceObjective — the CRDs are llm-d-router's
    expect(objective.fix!.split('\n')[0]).toBe("kubectl apply -k 'https://github.com/llm-d/llm-d-router/config/crd?ref=v0.10.0'");
    expect(objective.fix).not.toContain('gateway-api-inference-extension');
    const eg = one(f, 'IGW-107', 'warning');
    expect(eg.message).toContain('EnvoyExtensionPolicy');
    expect(eg.fix).toBe('helm upgrade --install eg oci://<EG chart registry>/envoyproxy/gateway-helm --version v1.9.1 -n envoy-gateway-system --create-namespace');
    expect(one(f, 'IGW-108', 'info').message).toContain('KServe is not installed');
  });
});
