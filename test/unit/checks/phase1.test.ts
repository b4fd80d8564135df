import {describe, expect, it} from 'vitest';
import {byCode, doctor, loadObjects, obj, one} from './fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
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

  it('IGW-104: no InferencePool API → error; only the removed v1alpha2 → warning', () => {
    const none = doctor([], {snapshot: {errors: {InferencePool: notServed('inferencepools'), XInferencePool: notServed('inferencepools')}}});
    expect(one(none, 'IGW-104', 'error').fix).toBe('kubectl apply -f https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases/download/v1.6.0/v1-manifests.yaml');
    const old = doctor([], {snapshot: {errors: {InferencePool: notServed('inferencepools')}}});
    expect(one(old, 'IGW-104', 'warning').message).toContain('removed upstream in GIE 1.5');
  });

  it('IGW-105: EPP watching the default group while the pool is x-k8s.io v1alpha2 and v1 is served → recreate the pool as v1', () => {
    const objs = structuredClone(healthy);
    const pool = obj<Any>(objs, 'InferencePool', 'qwen');
    pool.apiVersion = 'inference.networking.x-k8s.io/v1alpha2';
    pool.spec = {selector: {'serving.kserve.io/inferenceservice': 'qwen'}, targetPortNumber: 8080, extensionRef: {name: 'qwen-epp', portNumber: 9002}};
    delete pool.status;
    obj<Any>(objs, 'HTTPRoute', 'qwen').spec.rules[0].backendRefs[0].group = 'inference.networking.x-k8s.io';
    const e = one(doctor(objs), 'IGW-105', 'error');
    expect(e.message).toContain('removed in GIE 1.5');
    expect(e.fix).toContain('apiVersion: inference.networking.k8s.io/v1');
    expect(e.fix).toContain('targetPorts:\n    - number: 8080');
    expect(e.fix).toContain(`kubectl patch httproute qwen -n llm --type json -p '[{"op":"replace","path":"/spec/rules/0/backendRefs/0/group","value":"inference.networking.k8s.io"}]'`);
    expect(e.fix).toContain('kubectl delete inferencepools.inference.networking.x-k8s.io qwen -n llm');
  });

  it('IGW-105: only the old API is served → point the EPP at it with --pool-group', () => {
    const objs = structuredClone(healthy);
    const pool = obj<Any>(objs, 'InferencePool', 'qwen');
    pool.apiVersion = 'inference.networking.x-k8s.io/v1alpha2';
    pool.spec = {selector: {'serving.kserve.io/inferenceservice': 'qwen'}, targetPortNumber: 8080, extensionRef: {name: 'qwen-epp', portNumber: 9002}};
    delete pool.status;
    obj<Any>(objs, 'HTTPRoute', 'qwen').spec.rules[0].backendRefs[0].group = 'inference.networking.x-k8s.io';
    const f = doctor(objs, {snapshot: {errors: {InferencePool: notServed('inferencepools')}}});
    const e = one(f, 'IGW-105', 'error');
    expect(e.object).toEqual({apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'llm', name: 'qwen-epp'});
    expect(e.message).toContain('watches InferencePools of group inference.networking.k8s.io (the --pool-group default)');
    expect(e.fix).toBe(`kubectl patch deployment qwen-epp -n llm --type json -p '[{"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"--pool-group=inference.networking.x-k8s.io"}]'`);
  });

  it('IGW-105: HTTPRoute naming the other group → error with a patch of the backendRef group', () => {
    const objs = structuredClone(healthy);
    obj<Any>(objs, 'HTTPRoute', 'qwen').spec.rules[0].backendRefs[0].group = 'inference.networking.x-k8s.io';
    const e = one(doctor(objs), 'IGW-105', 'error');
    expect(e.fix).toBe(`kubectl patch httproute qwen -n llm --type json -p '[{"op":"replace","path":"/spec/rules/0/backendRefs/0/group","value":"inference.networking.k8s.io"}]'`);
  });

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

  it('IGW-101: server version shown; offline snapshots say so', () => {
    expect(one(doctor(healthy), 'IGW-101', 'ok').message).toBe('Kubernetes v1.37.2');
    expect(byCode(doctor(healthy, {snapshot: {source: 'files'}}), 'IGW-101')[0]!.severity).toBe('info');
  });
});

describe('IGW-102 — read access', () => {
  it('one finding with one read-only ClusterRole for everything refused, bound where it was refused', () => {
    const deny = (what: string) => ({reason: 'forbidden' as const, message: `${what} is forbidden: User "restricted" cannot list resource`});
    const f = doctor(healthy, {snapshot: {errors: {Pod: deny('pods'), ClusterRoleBinding: deny('clusterrolebindings.rbac.authorization.k8s.io')}}});
    const w = one(f, 'IGW-102', 'warning');
    expect(w.message).toBe('user "restricted" may not list Pod, ClusterRoleBinding; the checks that need them are skipped');
    expect(w.fix).toBe('kubectl create clusterrole infgw-doctor --verb=get,list --resource=pods,clusterrolebindings.rbac.authorization.k8s.io\nkubectl create clusterrolebinding infgw-doctor --clusterrole=infgw-doctor --user=restricted');
  });

  it('no InferencePool readable at all → error: nothing can be vouched for', () => {
    const deny = {reason: 'forbidden' as const, message: 'forbidden: User "restricted" cannot list'};
    expect(one(doctor(healthy, {snapshot: {errors: {InferencePool: deny, XInferencePool: deny}}}), 'IGW-102', 'error').message).toContain('nothing can be checked');
  });
});
