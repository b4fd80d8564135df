import {describe, expect, it} from 'vitest';
import {doctor, loadObjects, one} from '../fixture.ts';
const healthy = loadObjects('healthy-ai-gateway.yaml');
const notServed = (what: string) => ({reason: 'notServed' as const, message: `the server does not serve ${what} (CRD not installed?)`});

describe('phase 1 — cluster & CRDs', () => {
  it('IGW-103: Gateway API CRDs missing → error with the install command', () => {
    const f = doctor(healthy, {snapshot: {errors: {GatewayClass: notServed('gatewayclasses'), Gateway: notServed('gateways'), HTTPRoute: notServed('httproutes')}}});
    const e = one(f, 'IGW-103', 'error');
    expect(e.message).toContain('GatewayClass, Gateway, HTTPRoute');
    // issue 11 item 7: Gateway API v1.6.1, what Envoy Gateway v1.9 is built against (EG v1.9.1 go.mod) — not v1.4.1
    expect(e.fix!.split('\n')[0]).toBe('kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml');
    expect(e.fix).toContain('Envoy Gateway v1.9.x');
    expect(e.fix).not.toContain('v1.4.1');
    expect(one(f, 'IGW-403', 'blocked').blockedBy).toEqual(['IGW-103']);
  });
});
