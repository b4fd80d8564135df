import {describe, expect, it} from 'vitest';
import {doctor, loadObjects, obj, one, without} from '../fixture.ts';

const healthy = loadObjects('healthy-ai-gateway.yaml');
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('phase 2 — Envoy Gateway', () => {

  it('IGW-203: GatewayClass missing → error with a GatewayClass to apply; controllerName of another implementation → error', () => {
    const f = doctor(without(healthy, 'GatewayClass', 'envoy-gateway'));
    const e = one(f, 'IGW-203', 'error');
    expect(e.message).toBe('GatewayClass envoy-gateway (used by Gateway llm/inference-gateway) does not exist: no controller programs the Gateway');
    expect(e.fix).toContain('controllerName: gateway.envoyproxy.io/gatewayclass-controller');
    expect(one(f, 'IGW-404', 'blocked').blockedBy).toEqual(['IGW-203']);

    const objs = structuredClone(healthy);
    obj<Any>(objs, 'GatewayClass', 'envoy-gateway').spec.controllerName = 'istio.io/gateway-controller';
    expect(one(doctor(objs), 'IGW-203', 'error').message).toContain('names controller istio.io/gateway-controller');
  });
});
