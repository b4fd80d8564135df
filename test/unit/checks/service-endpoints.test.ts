// One verdict for "the Service's selector matches Ready pods, but no EndpointSlice lists a ready
// address" (issue 16): IGW-407 (EPP Service) and IGW-206 (AI Gateway extension Service) say the
// same thing — a warning with its reason — and it follows from the snapshot alone (no timing).
import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../src/kube/client.ts';
import {serviceReach} from '../../../src/k8s/services.ts';
import type {EndpointSlice, Pod, Service} from '../../../src/k8s/objects.ts';
import {byCode, doctor, loadObjects, obj, one, without} from './fixture.ts';

const healthy = loadObjects('healthy-ai-gateway.yaml');

/** A Ready pod of the Envoy AI Gateway controller (the fixture has its Service and EndpointSlice only). */
function aiGatewayPod(): KubeObject {
  const p = structuredClone(obj<Pod>(healthy, 'Pod', 'qwen-epp-5c7d8f9b4-klmno'));
  p.metadata = {name: 'ai-gateway-controller-6d8f7c9b5-xyz12', namespace: 'envoy-ai-gateway-system', labels: {'app.kubernetes.io/name': 'ai-gateway-controller', 'pod-template-hash': '6d8f7c9b5'}};
  p.spec = {containers: [{name: 'ai-gateway-controller', image: 'docker.io/envoyproxy/ai-gateway-controller:v1.1.0'}]};
  p.status!.containerStatuses = [{name: 'ai-gateway-controller', ready: true, restartCount: 0, started: true, state: {running: {startedAt: '2026-11-20T10:01:03Z'}}}];
  return p;
}

describe('a Service whose selector matches Ready pods but no EndpointSlice lists them', () => {
  it('serviceReach: ready / not-listed / no-ready-pods from the objects alone', () => {
    const svc = obj<Service>(healthy, 'Service', 'qwen-epp');
    const slice = obj<EndpointSlice>(healthy, 'EndpointSlice', 'qwen-epp-x7k2p');
    const pod = obj<Pod>(healthy, 'Pod', 'qwen-epp-5c7d8f9b4-klmno');
    expect(serviceReach(svc, [slice], [pod])).toEqual({kind: 'ready', ready: 1});
    expect(serviceReach(svc, [], [pod])).toEqual({kind: 'not-listed', pod});
    const notReady = structuredClone(pod);
    notReady.status!.conditions = [{type: 'Ready', status: 'False'}];
    expect(serviceReach(svc, [], [notReady])).toEqual({kind: 'no-ready-pods', notReady: 0});
    // pods unknown: no evidence of a Ready pod
    expect(serviceReach(svc, [], undefined)).toEqual({kind: 'no-ready-pods', notReady: 0});
  });

  it('IGW-407 (EPP Service): warning, with the reason and where to look — not info, not error', () => {
    const f = doctor(without(healthy, 'EndpointSlice', 'qwen-epp-x7k2p'));
    const w = one(f, 'IGW-407', 'warning');
    expect(w.object).toEqual({apiVersion: 'v1', kind: 'Service', namespace: 'llm', name: 'qwen-epp'});
    expect(w.message).toContain('Ready pod qwen-epp-5c7d8f9b4-klmno');
    expect(w.message).toContain('requests through the Service fail until the EndpointSlice controller');
    expect(w.fix).toContain('kubectl get endpointslices -n llm -l kubernetes.io/service-name=qwen-epp');
    expect(byCode(f, 'IGW-407').map((x) => x.severity)).toEqual(['warning']);
  });

  it('IGW-206 (AI Gateway extension Service): the same warning for the same state', () => {
    const objs = [...without(healthy, 'EndpointSlice', 'ai-gateway-controller-9xk2d'), aiGatewayPod()];
    const w = one(doctor(objs), 'IGW-206', 'warning');
    expect(w.object).toEqual({apiVersion: 'v1', kind: 'Service', namespace: 'envoy-ai-gateway-system', name: 'ai-gateway-controller'});
    expect(w.message).toContain('Ready pod ai-gateway-controller-6d8f7c9b5-xyz12');
    expect(w.message).toContain('requests through the Service fail until the EndpointSlice controller');
    const e = one(doctor(without(healthy, 'EndpointSlice', 'ai-gateway-controller-9xk2d')), 'IGW-206', 'error');
    expect(e.message).toContain('has no ready endpoints');
  });

  it('the verdict depends on the objects only: the same snapshot at any "now" gives the same findings', () => {
    const objs = without(healthy, 'EndpointSlice', 'qwen-epp-x7k2p');
    const a = one(doctor(objs, {now: new Date('2026-11-20T10:01:04Z')}), 'IGW-407', 'warning');
    const b = one(doctor(objs, {now: new Date('2027-01-01T00:00:00Z')}), 'IGW-407', 'warning');
    expect(a.message).toBe(b.message);
  });
});
