import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../../src/kube/client.ts';
import {doctor, loadObjects, obj, one, without} from '../fixture.ts';
import {defaultConfig, NOTES_PATCH, withConfig} from './eg-config-fixture.ts';

const healthy = loadObjects('healthy-ai-gateway.yaml');
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('phase 2 — Envoy Gateway', () => {

  it('IGW-201: controller crash-looping on its config while an old pod serves → error with the controller\'s own words', () => {
    const objs = withConfig(healthy, NOTES_PATCH, '2026-11-21T11:50:00Z');
    objs.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {name: 'envoy-gateway-7f8d9c6b5-newpd', namespace: 'envoy-gateway-system', creationTimestamp: '2026-11-21T11:51:00Z', labels: {'control-plane': 'envoy-gateway', 'app.kubernetes.io/name': 'gateway-helm', 'app.kubernetes.io/instance': 'eg', 'pod-template-hash': '7f8d9c6b5'}},
      spec: {containers: [{name: 'envoy-gateway', image: 'docker.io/envoyproxy/gateway:v1.6.0'}]},
      status: {
        phase: 'Running',
        conditions: [{type: 'PodScheduled', status: 'True'}, {type: 'Ready', status: 'False'}],
        containerStatuses: [{name: 'envoy-gateway', ready: false, restartCount: 4, state: {waiting: {reason: 'CrashLoopBackOff'}}, lastState: {terminated: {reason: 'Error', exitCode: 1}}}],
      },
    } as KubeObject);
    const f = doctor(objs, {snapshot: {logs: {'envoy-gateway-system/envoy-gateway-7f8d9c6b5-newpd/envoy-gateway/previous': 'Error: registered extension has no hooks specified\n'}}});
    const e = one(f, 'IGW-201', 'error');
    expect(e.message).toContain('new Envoy Gateway controller pods fail');
    expect(e.message).toContain('it says: "registered extension has no hooks specified"');
    expect(e.message).toContain('1 old pod still serves the previous config');
    expect(e.fix).toContain('kubectl infgw patch-envoy');
  });

  it('IGW-201: no controller at all → error with the install command', () => {
    const objs = without(healthy, 'Deployment', 'envoy-gateway');
    const e = one(doctor(objs), 'IGW-201', 'error');
    expect(e.message).toContain('Envoy Gateway is not installed');
    expect(e.fix).toBe('helm upgrade --install eg oci://<EG chart registry>/envoyproxy/gateway-helm --version v1.9.1 -n envoy-gateway-system --create-namespace');
  });

  it('IGW-202: streaming policy on Envoy Gateway v1.5 → warning', () => {
    const objs = structuredClone(healthy);
    obj<Any>(objs, 'Deployment', 'envoy-gateway').spec.template.spec.containers[0].image = 'docker.io/envoyproxy/gateway:v1.5.3';
    objs.push({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'EnvoyExtensionPolicy',
      metadata: {name: 'streaming', namespace: 'llm'},
      spec: {targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'inference-gateway'}], extProc: [{backendRefs: [{name: 'bbr', port: 9004}], processingMode: {response: {body: 'Streamed'}}}]},
    } as KubeObject);
    const w = one(doctor(objs), 'IGW-202', 'warning');
    expect(w.message).toContain('older than v1.6');
    expect(w.message).toContain('llm/streaming');
    // issue 11 item 7: with Envoy AI Gateway, the Envoy Gateway it is built on (ai-gateway v1.1.0 go.mod: v1.8.1)
    expect(w.fix).toBe('helm upgrade eg oci://<EG chart registry>/envoyproxy/gateway-helm --version v1.8.1 -n envoy-gateway-system --reuse-values   # the Envoy Gateway Envoy AI Gateway v1.1.0 is built on');
    // without it: the newest, v1.9.1, and the Gateway API v1.6.1 CRDs it needs — never the stale v1.6.0
    const plain = withConfig(objs, defaultConfig());
    const w2 = one(doctor(plain), 'IGW-202', 'warning');
    expect(w2.fix).toBe(
      'kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml   # Envoy Gateway v1.9.1 needs Gateway API v1.6.1\n' +
        'helm upgrade eg oci://<EG chart registry>/envoyproxy/gateway-helm --version v1.9.1 -n envoy-gateway-system --reuse-values',
    );
  });
});
