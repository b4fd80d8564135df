// Pure helpers behind probe-cache's discovery and the port-forward library: reading both
// InferencePool APIs, Helm release ownership, the model of /v1/models, URLs, the pod and port a
// Service leads to (kubectl's rules), and port-forward failures in words.
import {describe, expect, it} from 'vitest';
import {containerPortFor, explainPortForwardFailure, preferPods, type Pod} from '../../../src/kube/portforward.ts';
import {selectorString} from '../../../src/k8s/selectors.ts';
import {baseModel, ofRelease, poolInfo, urlFor} from '../../../src/probe/discover.ts';

const meta = (name: string, extra: Record<string, unknown> = {}) => ({name, namespace: 'ns', ...extra});

describe('InferencePool of either API', () => {
  it('reads v1: selector.matchLabels, targetPorts, endpointPickerRef', () => {
    const p = poolInfo(
      {
        metadata: meta('pool'),
        spec: {selector: {matchLabels: {app: 'vllm'}}, targetPorts: [{number: 8000}, {number: 8001}], endpointPickerRef: {name: 'epp', port: {number: 9002}}},
      },
      {group: 'inference.networking.k8s.io', version: 'v1'},
    );
    expect(p).toEqual({
      group: 'inference.networking.k8s.io',
      version: 'v1',
      namespace: 'ns',
      name: 'pool',
      selector: {app: 'vllm'},
      targetPorts: [8000, 8001],
      epp: {service: 'epp', port: 9002},
    });
  });

  it('reads v1alpha2: plain-map selector, targetPortNumber, extensionRef', () => {
    const p = poolInfo(
      {metadata: meta('old'), spec: {selector: {app: 'vllm'}, targetPortNumber: 8080, extensionRef: {name: 'epp', portNumber: 9002}}},
      {group: 'inference.networking.x-k8s.io', version: 'v1alpha2'},
    );
    expect(p).toMatchObject({selector: {app: 'vllm'}, targetPorts: [8080], epp: {service: 'epp', port: 9002}});
  });

  it('has no EPP when the pool names none (optional from GIE 1.6)', () => {
    const p = poolInfo({metadata: meta('p'), spec: {selector: {matchLabels: {a: 'b'}}, targetPorts: [{number: 1}]}}, {group: 'inference.networking.k8s.io', version: 'v1'});
    expect(p.epp).toBeUndefined();
  });
});

describe('release ownership', () => {
  it('matches the Helm annotation or the instance label', () => {
    expect(ofRelease({metadata: meta('a', {annotations: {'meta.helm.sh/release-name': 'gw'}})}, 'gw')).toBe(true);
    expect(ofRelease({metadata: meta('a', {labels: {'app.kubernetes.io/instance': 'gw'}})}, 'gw')).toBe(true);
    expect(ofRelease({metadata: meta('a', {labels: {'app.kubernetes.io/instance': 'other'}})}, 'gw')).toBe(false);
  });
});

describe('model and URL', () => {
  it('takes the base model of /v1/models, not a LoRA adapter', () => {
    expect(baseModel({data: [{id: 'sql-lora', parent: 'llama'}, {id: 'llama', parent: null}]})).toBe('llama');
    expect(baseModel({data: [{id: 'only'}]})).toBe('only');
    expect(baseModel({data: []})).toBeUndefined();
  });

  it('builds URLs without default ports, with brackets for IPv6', () => {
    expect(urlFor('10.0.0.7', 80, 'HTTP')).toBe('http://10.0.0.7');
    expect(urlFor('gw.example.com', 443, 'HTTPS')).toBe('https://gw.example.com');
    expect(urlFor('127.0.0.1', 40123, 'HTTP')).toBe('http://127.0.0.1:40123');
    expect(urlFor('fd00::1', 8080, 'HTTP')).toBe('http://[fd00::1]:8080');
  });
});

describe('Service → pod → container port (kubectl port-forward svc/...)', () => {
  const pod: Pod = {
    metadata: meta('envoy-0'),
    spec: {containers: [{name: 'envoy', ports: [{name: 'http-80', containerPort: 10080}, {name: 'metrics', containerPort: 19001}]}]},
  };
  it('translates numeric, named and missing targetPorts', () => {
    expect(containerPortFor({port: 80, targetPort: 10080}, pod)).toBe(10080);
    expect(containerPortFor({port: 80, targetPort: 'http-80'}, pod)).toBe(10080);
    expect(containerPortFor({port: 80, targetPort: '8080'}, pod)).toBe(8080);
    expect(containerPortFor({port: 9090}, pod)).toBe(9090);
    expect(containerPortFor({port: 80, targetPort: 'nope'}, pod)).toBeUndefined();
  });

  it('prefers Ready, Running, not terminating pods', () => {
    const mk = (name: string, ready: boolean, phase: string, deleting = false): Pod => ({
      metadata: meta(name, deleting ? {deletionTimestamp: '2026-01-01T00:00:00Z'} : {}),
      status: {phase, conditions: [{type: 'Ready', status: ready ? 'True' : 'False'}]},
    });
    const order = preferPods([mk('a-pending', false, 'Pending'), mk('b-deleting', true, 'Running', true), mk('c-running', false, 'Running'), mk('d-ready', true, 'Running')]);
    expect(order.map((p) => p.metadata.name)).toEqual(['d-ready', 'c-running', 'a-pending', 'b-deleting']);
  });

  it('writes label selectors', () => {
    expect(selectorString({app: 'vllm', 'app.kubernetes.io/instance': 'x'})).toBe('app=vllm,app.kubernetes.io/instance=x');
  });
});

describe('port-forward failures in words', () => {
  it('names the missing RBAC rule for 403', () => {
    const e = explainPortForwardFailure('Unexpected server response: 403', {namespace: 'models', pod: 'vllm-0'});
    expect(e.message).toBe('forbidden: you cannot port-forward to pods/vllm-0 in namespace models');
    expect(e.hint).toMatch(/resources \["pods\/portforward"\], verbs \["create"\]/);
  });
  it('explains 401, 404, 400 and passes anything else through', () => {
    const t = {namespace: 'n', pod: 'p'};
    expect(explainPortForwardFailure('Unexpected server response: 401', t).message).toMatch(/rejected our credentials/);
    expect(explainPortForwardFailure('Unexpected server response: 404', t).message).toBe('pod p not found in namespace n (port-forward 404)');
    expect(explainPortForwardFailure('Unexpected server response: 400', t).message).toMatch(/is the pod running\?/);
    expect(explainPortForwardFailure('connect ECONNREFUSED 127.0.0.1:6443', t).message).toBe('port-forward to pods/p in namespace n failed: connect ECONNREFUSED 127.0.0.1:6443');
  });
});
