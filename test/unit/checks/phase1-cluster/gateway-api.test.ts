import {describe, expect, it} from 'vitest';
import {doctor, loadObjects, one} from '../fixture.ts';
const healthy = loadObjects('healthy-ai-gateway.yaml');
const notServed = (what: string) => ({reason: 'notServed' as const, message: `the server does not serve ${what} (CRD not installed?)`});

describe('phase 1 — cluster & CRDs', () => {
  it('IGW-103: Gateway API CRDs missing → error with the install command', () => {
    const f = doctor(healthy, {snapshot: {errors: {GatewayClass: notServed('gatewayclasses'), Gateway: notServed('gateways'), HTTPRoute: notServed('httproutes')}}});
    const e = one(f, 'IGW-103', 'error');
    expect(e.message).toContain('GatewayClass, Gateway, HTTPRoute');
    expect(e.fix).toContain('kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/');
    expect(one(f, 'IGW-403', 'blocked').blockedBy).toEqual(['IGW-103']);
  });
});
