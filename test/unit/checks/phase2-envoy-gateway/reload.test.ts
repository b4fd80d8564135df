import {describe, expect, it} from 'vitest';
import {parse, stringify} from 'yaml';
import {doctor, loadObjects, obj, one} from '../fixture.ts';
import {withConfig} from './eg-config-fixture.ts';

const healthy = loadObjects('healthy-ai-gateway.yaml');
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('phase 2 — Envoy Gateway', () => {

  it('IGW-207: config changed after the controller started → info (v1.6 reloads); on v1.1 → warning with restart', () => {
    const objs = withConfig(healthy, stringify(parse(obj<Any>(healthy, 'ConfigMap', 'envoy-gateway-config').data['envoy-gateway.yaml'])), '2026-11-21T11:00:00Z');
    expect(one(doctor(objs), 'IGW-207', 'info').message).toContain('reloads its config file');
    obj<Any>(objs, 'Deployment', 'envoy-gateway').spec.template.spec.containers[0].image = 'docker.io/envoyproxy/gateway:v1.1.2';
    const w = one(doctor(objs), 'IGW-207', 'warning');
    expect(w.message).toContain('does not reload it');
    expect(w.fix).toBe('kubectl infgw restart envoy-gateway');
  });

  it('IGW-208: the controller log shows a rejected reload → error', () => {
    const f = doctor(healthy, {
      snapshot: {logs: {'envoy-gateway-system/envoy-gateway-6b9c7d5f4-pqrst/envoy-gateway': '{"level":"info","msg":"starting"}\n{"level":"error","ts":"2026-11-21T11:59:00Z","logger":"envoy-gateway","msg":"failed to validate EnvoyGateway config","error":"registered extension has no hooks specified"}\n'}},
    });
    const e = one(f, 'IGW-208', 'error');
    expect(e.message).toContain('failed to validate EnvoyGateway config: registered extension has no hooks specified');
    expect(e.object?.kind).toBe('Pod');
  });
});
