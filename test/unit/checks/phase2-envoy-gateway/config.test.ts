import {describe, expect, it} from 'vitest';
import {byCode, doctor, loadObjects, obj, one, without} from '../fixture.ts';
import {defaultConfig, NOTES_PATCH, withConfig} from './eg-config-fixture.ts';

const healthy = loadObjects('healthy-ai-gateway.yaml');
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('phase 2 — Envoy Gateway', () => {

  it('IGW-205: the install notes\' patch is refused by Envoy Gateway ("no hooks"), and IGW-206 is blocked by it', () => {
    const f = doctor(withConfig(healthy, NOTES_PATCH));
    const e = one(f, 'IGW-205', 'error');
    expect(e.object).toEqual({apiVersion: 'v1', kind: 'ConfigMap', namespace: 'envoy-gateway-system', name: 'envoy-gateway-config'});
    expect(e.message).toContain('registered extension has no hooks specified');
    expect(e.message).toContain('install notes');
    expect(e.message).toContain('CrashLoopBackOff');
    expect(e.fix).toBe('kubectl infgw patch-envoy --dry-run   # review the diff, then run it without --dry-run');
    expect(one(f, 'IGW-206', 'blocked').blockedBy).toEqual(['IGW-205']);
    expect(one(f, 'IGW-409', 'blocked').blockedBy).toEqual(['IGW-205']);
  });

  it('IGW-206: the upstream default config (no extensionManager) with an HTTPRoute to an InferencePool → InvalidKind explained', () => {
    const f = doctor(withConfig(healthy, defaultConfig()));
    expect(byCode(f, 'IGW-205').map((x) => x.severity)).toEqual(['ok']);
    const e = one(f, 'IGW-206', 'error');
    expect(e.message).toContain('HTTPRoute llm/qwen sends to InferencePool llm/qwen');
    expect(e.message).toContain('it has no extensionManager');
    expect(e.message).toContain('InvalidKind');
    expect(e.fix).toContain('kubectl infgw patch-envoy');
  });

  it('IGW-206: extension service missing → error naming it', () => {
    const e = one(doctor(without(healthy, 'Service', 'ai-gateway-controller')), 'IGW-206', 'error');
    expect(e.object).toEqual({apiVersion: 'v1', kind: 'Service', namespace: 'envoy-ai-gateway-system', name: 'ai-gateway-controller'});
    expect(e.message).toContain('is Envoy AI Gateway installed?');
  });

  it('IGW-204: a config that is not YAML → error, and everything that reads it is blocked', () => {
    const f = doctor(withConfig(healthy, 'apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyGateway\nprovider: [unclosed\n'));
    const e = one(f, 'IGW-204', 'error');
    expect(e.message).toContain('cannot be read as an EnvoyGateway object');
    expect(one(f, 'IGW-205', 'blocked').blockedBy).toEqual(['IGW-204']);
  });

  it('IGW-206: an x-k8s.io pool behind Envoy AI Gateway (which handles only v1 pools, issue 11 NF3): the fix moves the pool to v1, not a v1alpha2 backendResources entry', () => {
    const objs = structuredClone(healthy);
    const pool = obj<Any>(objs, 'InferencePool', 'qwen');
    pool.apiVersion = 'inference.networking.x-k8s.io/v1alpha2';
    pool.spec = {selector: {'serving.kserve.io/inferenceservice': 'qwen'}, targetPortNumber: 8080, extensionRef: {name: 'qwen-epp', portNumber: 9002}};
    const route = obj<Any>(objs, 'HTTPRoute', 'qwen');
    route.spec.rules[0].backendRefs[0].group = 'inference.networking.x-k8s.io';
    obj<Any>(objs, 'Deployment', 'qwen-epp').spec.template.spec.containers[0].args.push('--pool-group', 'inference.networking.x-k8s.io');
    const e = one(doctor(objs), 'IGW-206', 'error');
    expect(e.message).toContain('Envoy AI Gateway handles only inference.networking.k8s.io/v1 pools');
    expect(e.fix).toContain('# re-create InferencePool llm/qwen as inference.networking.k8s.io/v1');
    expect(e.fix).toContain(`kubectl patch httproute qwen -n llm --type json -p '[{"op":"replace","path":"/spec/rules/0/backendRefs/0/group","value":"inference.networking.k8s.io"}]'`);
  });
});
