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

  // issue 11 item 8 / issue 13: another implementation's class is reported by IGW-230, never judged
  // by the Envoy Gateway checks (IGW-203 is not applicable), never "delete and recreate"
  const otherImplementations: [string, string, 'ok' | 'info'][] = [
    ['istio.io/gateway-controller', 'Istio', 'ok'],
    ['istio.io/mesh-controller', 'Istio', 'ok'],
    ['kgateway.dev/kgateway', 'kgateway', 'ok'],
    ['agentgateway.dev/agentgateway', 'agentgateway', 'ok'],
    ['gateway.nginx.org/nginx-gateway-controller', 'NGINX Gateway Fabric', 'ok'],
    ['gateway.nginx.org/custom-path', 'NGINX Gateway Fabric', 'ok'],
    // GKE: its class and policies are checked, its load balancer cannot be (closed source) — info says so
    ['networking.gke.io/gateway', 'GKE Gateway', 'info'],
  ];
  const envoyGatewayOnly = /^IGW-(20\d|21\d|41[1-4])$/;
  for (const [controllerName, impl, severity] of otherImplementations) {
    it(`IGW-230: GatewayClass of ${controllerName} → ${severity} "${impl}"; the Envoy Gateway checks are not applicable`, () => {
      const objs = structuredClone(healthy);
      obj<Any>(objs, 'GatewayClass', 'envoy-gateway').spec.controllerName = controllerName;
      const all = doctor(objs);
      expect(byCode(all, 'IGW-203')).toEqual([]);
      const f = one(all, 'IGW-230', severity);
      expect(f.message).toContain(`controllerName ${controllerName}`);
      expect(f.message).toContain(impl);
      if (severity === 'info') expect(f.message).toContain('not checked: the Google Cloud load balancer');
      expect(all.filter((x) => envoyGatewayOnly.test(x.code) && (x.severity === 'error' || x.severity === 'warning'))).toEqual([]);
      expect(f.fix ?? '').not.toMatch(/delete/);
    });
  }

  it('IGW-230: an unknown controllerName → info "implementation not checked", never an error', () => {
    const objs = structuredClone(healthy);
    obj<Any>(objs, 'GatewayClass', 'envoy-gateway').spec.controllerName = 'example.com/my-gateway';
    const all = doctor(objs);
    expect(byCode(all, 'IGW-203')).toEqual([]);
    const f = one(all, 'IGW-230', 'info');
    expect(f.message).toContain('implementation not checked');
    expect(f.message).toContain('example.com/my-gateway');
    expect(all.filter((x) => envoyGatewayOnly.test(x.code) && (x.severity === 'error' || x.severity === 'warning'))).toEqual([]);
  });

  it('IGW-230: an Envoy Gateway class → ok "Envoy Gateway"', () => {
    expect(one(doctor(healthy), 'IGW-230', 'ok').message).toContain('Envoy Gateway');
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
