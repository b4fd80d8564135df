import {describe, expect, it} from 'vitest';
import {byCode, doctor, loadObjects, obj, one, without} from '../fixture.ts';

const healthy = loadObjects('healthy-ai-gateway.yaml');
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('phase 2 — Envoy Gateway', () => {
  it('IGW-203: GatewayClass missing → error with a GatewayClass to apply', () => {
    const f = doctor(without(healthy, 'GatewayClass', 'envoy-gateway'));
    const e = one(f, 'IGW-203', 'error');
    expect(e.message).toBe('GatewayClass envoy-gateway (used by Gateway llm/inference-gateway) does not exist: no controller programs the Gateway');
    expect(e.fix).toContain('controllerName: gateway.envoyproxy.io/gatewayclass-controller');
    expect(one(f, 'IGW-404', 'blocked').blockedBy).toEqual(['IGW-203']);

  });

  // issue 11 item 8: another implementation's class is reported, never judged, never "delete and recreate"
  const otherImplementations: [string, string][] = [
    ['istio.io/gateway-controller', 'Istio'],
    ['istio.io/mesh-controller', 'Istio'],
    ['kgateway.dev/kgateway', 'kgateway'],
    ['agentgateway.dev/agentgateway', 'agentgateway'],
    ['gateway.nginx.org/nginx-gateway-controller', 'NGINX Gateway Fabric'],
    ['gateway.nginx.org/custom-path', 'NGINX Gateway Fabric'],
    ['networking.gke.io/gateway', 'GKE Gateway'],
  ];
  for (const [controllerName, impl] of otherImplementations) {
    it(`IGW-203: GatewayClass of ${controllerName} → info "it is ${impl}", no error, no delete`, () => {
      const objs = structuredClone(healthy);
      obj<Any>(objs, 'GatewayClass', 'envoy-gateway').spec.controllerName = controllerName;
      const f = byCode(doctor(objs), 'IGW-203');
      expect(f.map((x) => x.severity)).toEqual(['info']);
      expect(f[0]!.message).toContain(`implementation not checked by this check (it is ${impl})`);
      expect(f[0]!.message).toContain(`controllerName ${controllerName}`);
      expect(f[0]!.fix ?? '').not.toMatch(/delete/);
    });
  }

  it('IGW-203: an unknown controllerName → info "implementation not checked", never an error', () => {
    const objs = structuredClone(healthy);
    obj<Any>(objs, 'GatewayClass', 'envoy-gateway').spec.controllerName = 'example.com/my-gateway';
    const f = byCode(doctor(objs), 'IGW-203');
    expect(f.map((x) => x.severity)).toEqual(['info']);
    expect(f[0]!.message).toContain('implementation not checked');
    expect(f[0]!.message).toContain('example.com/my-gateway');
  });

  it('IGW-203: an Envoy Gateway controllerName no install here answers to → warning with a NEW class (controllerName is immutable), no delete', () => {
    const objs = structuredClone(healthy);
    obj<Any>(objs, 'GatewayClass', 'envoy-gateway').spec.controllerName = 'gateway.envoyproxy.io/team-b';
    const w = one(doctor(objs), 'IGW-203', 'warning');
    expect(w.message).toContain('names controller gateway.envoyproxy.io/team-b');
    expect(w.fix).not.toMatch(/delete/);
    expect(w.fix).toContain('name: envoy-gateway-gatewayclass-controller');
    expect(w.fix).toContain('controllerName: gateway.envoyproxy.io/gatewayclass-controller');
  });

});
