import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../../src/kube/client.ts';
import {chartInstall, EPP} from '../chart-fixture.ts';
import {byCode, doctor, loadObjects, obj, one} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const healthy = loadObjects('healthy-ai-gateway.yaml');

import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {repoRoot} from '../fixture.ts';
function readRendered(): string {
  return readFileSync(join(repoRoot, 'test', 'unit', 'fixtures', 'doctor', 'chart-igw.rendered.yaml'), 'utf8');
}

describe('phase 4 — the inference-gateway chart', () => {

  it('IGW-405: EPP image pull failure → error with the reason, downstream EPP Service endpoints blocked', () => {
    const objs = chartInstall();
    const d = obj<Any>(objs, 'Deployment', EPP);
    d.status = {observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0, unavailableReplicas: 1, conditions: [{type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable'}]};
    const p = objs.find((o) => o.kind === 'Pod' && o.metadata.name.startsWith(EPP)) as Any;
    p.status = {
      phase: 'Pending',
      conditions: [{type: 'PodScheduled', status: 'True'}, {type: 'Ready', status: 'False', reason: 'ContainersNotReady'}],
      containerStatuses: [{name: 'epp', ready: false, restartCount: 0, image: 'registry.k8s.io/gateway-api-inference-extension/epp:v9.9.9', state: {waiting: {reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.k8s.io/gateway-api-inference-extension/epp:v9.9.9"'}}}],
    };
    const f = doctor(objs);
    const e = one(f, 'IGW-405', 'error');
    expect(e.message).toContain('cannot pull image');
    expect(e.message).toContain('no EPP is ready');
    expect(e.fix).toContain(`kubectl describe pod ${p.metadata.name} -n llm`);
    expect(one(f, 'IGW-407', 'blocked').blockedBy).toEqual(['IGW-405']);
  });

  it('IGW-405: a status counter that still counts a deleted pod does not hide an outage (no Ready EPP pod → error, root cause first)', () => {
    // What a fresh machine saw: the new ReplicaSet's only pod is in ImagePullBackOff, the old pod is
    // gone, and the deployment controller has not yet rewritten availableReplicas (still 1).
    const objs = chartInstall();
    const d = obj<Any>(objs, 'Deployment', EPP);
    d.status = {observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1, unavailableReplicas: 0, conditions: [{type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable'}, {type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated'}]};
    d.metadata.generation = 2;
    const p = objs.find((o) => o.kind === 'Pod' && o.metadata.name.startsWith(EPP)) as Any;
    p.status = {
      phase: 'Pending',
      conditions: [{type: 'PodScheduled', status: 'True'}, {type: 'Ready', status: 'False', reason: 'ContainersNotReady'}],
      containerStatuses: [{name: 'epp', ready: false, restartCount: 0, state: {waiting: {reason: 'ImagePullBackOff', message: 'Back-off pulling image "epp:v0.0.0-does-not-exist"'}}}],
    };
    const f = doctor(objs);
    expect(byCode(f, 'IGW-405').map((x) => x.severity)).toEqual(['error']);
    expect(one(f, 'IGW-405', 'error').message).toContain('no EPP is ready');
    expect(one(f, 'IGW-407', 'blocked').blockedBy).toEqual(['IGW-405']);
  });

  it('IGW-405: EPP unschedulable → error with the scheduler message', () => {
    const objs = chartInstall();
    obj<Any>(objs, 'Deployment', EPP).status.availableReplicas = 0;
    const p = objs.find((o) => o.kind === 'Pod' && o.metadata.name.startsWith(EPP)) as Any;
    p.status = {phase: 'Pending', conditions: [{type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient memory.'}]};
    expect(one(doctor(objs), 'IGW-405', 'error').message).toContain('0/3 nodes are available: 3 Insufficient memory.');
  });

  it('IGW-405: ServiceAccount missing → ReplicaFailure reported', () => {
    const objs = chartInstall();
    const d = obj<Any>(objs, 'Deployment', EPP);
    d.status = {observedGeneration: 1, replicas: 0, availableReplicas: 0, conditions: [{type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "igw-inference-gateway-epp-6d5f7c8b9-" is forbidden: error looking up service account llm/igw-inference-gateway-epp: serviceaccount "igw-inference-gateway-epp" not found'}]};
    expect(one(doctor(objs), 'IGW-405', 'error').message).toContain('serviceaccount "igw-inference-gateway-epp" not found');
  });

  it('IGW-406: the release\'s EPP serves another pool (epp.poolName typo) → error, fix via helm', () => {
    const objs = chartInstall();
    const args: string[] = obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0].args;
    args[args.indexOf('--pool-name') + 1] = 'qwen3';
    const f = doctor(objs);
    const e = f.find((x) => x.code === 'IGW-406' && x.severity === 'error' && x.chain === 'llm/qwen')!;
    expect(e.message).toContain('serves InferencePool llm/qwen3, not llm/qwen');
  });

  it('IGW-406: epp.poolName not set → the EPP gets an empty --pool-name; fix via helm --set epp.poolName', () => {
    const objs = chartInstall({release: {config: {gatewayClassName: 'envoy-gateway'}, manifest: readRendered().replace('- --pool-name\n        - "qwen"', '- --pool-name\n        - ""')}});
    const args: string[] = obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0].args;
    args[args.indexOf('--pool-name') + 1] = '';
    const e = one(doctor(objs), 'IGW-406', 'error');
    expect(e.message).toBe(`EPP llm/${EPP} has an empty --pool-name: it does not start`);
    expect(e.fix).toBe('helm upgrade igw <repo>/inference-gateway --version 0.3.0 -n llm --reuse-values --set epp.poolName=qwen');
  });

  it('IGW-407: EPP Service without port 9090 → warning; targetPort name the container lacks → error', () => {
    const objs = chartInstall();
    const s = obj<Any>(objs, 'Service', EPP);
    s.spec.ports = [{name: 'grpc', port: 9002, targetPort: 'grpc-ext-proc'}];
    const f = doctor(objs);
    expect(one(f, 'IGW-407', 'warning').message).toContain('no port 9090');
    const e = one(f, 'IGW-407', 'error');
    expect(e.message).toContain('targets "grpc-ext-proc"');
    expect(e.fix).toBe(`kubectl patch service ${EPP} -n llm --type json -p '[{"op":"replace","path":"/spec/ports/0/targetPort","value":9002}]'`);
  });

  it('IGW-410: two pools sending to one EPP (fan-in) → error for the pool the EPP does not serve', () => {
    const objs = chartInstall();
    const second = structuredClone(obj<Any>(objs, 'InferencePool', 'qwen'));
    second.metadata.name = 'llama';
    second.spec.selector.matchLabels['serving.kserve.io/inferenceservice'] = 'llama';
    objs.push(second as KubeObject);
    const f = doctor(objs);
    const e = one(f, 'IGW-410', 'error');
    expect(e.object?.name).toBe('llama');
    expect(e.message).toContain('fan-in');
    expect(e.fix).toContain('helm install llama-epp <repo>/inference-gateway --version 0.3.0 -n llm --set epp.poolName=llama');
    // not IGW-406 with a fix that would move the only EPP to llama
    expect(f.find((x) => x.code === 'IGW-406' && x.chain === 'llm/llama')?.severity).toBe('blocked');
  });
});

describe('IGW-406: --endpoint-selector is the standalone alternative to --pool-name (issue 11 item 6)', () => {
  const standalone = (args: string[], env: unknown[] = [{name: 'POD_NAME', valueFrom: {fieldRef: {fieldPath: 'metadata.name'}}}, {name: 'NAMESPACE', valueFrom: {fieldRef: {fieldPath: 'metadata.namespace'}}}]): KubeObject[] => {
    const objs = structuredClone(healthy);
    for (const kind of ['Deployment', 'Pod']) {
      const o = objs.find((x) => x.kind === kind && x.metadata.name.startsWith('qwen-epp')) as Any;
      const c = kind === 'Deployment' ? o.spec.template.spec.containers[0] : o.spec.containers[0];
      c.image = 'registry.example/llm-d/llm-d-router-endpoint-picker:v0.10.0';
      c.args = args;
      c.env = env;
    }
    return objs;
  };

  it('selector + target ports + POD_NAME → info "standalone mode", no "missing --pool-name" error', () => {
    const f = doctor(standalone(['--endpoint-selector=serving.kserve.io/inferenceservice=qwen', '--endpoint-target-ports=8080']));
    expect(byCode(f, 'IGW-406').map((x) => x.severity)).toEqual(['info']);
    expect(one(f, 'IGW-406', 'info').message).toBe('EPP llm/qwen-epp runs in standalone mode (--endpoint-selector=serving.kserve.io/inferenceservice=qwen, ports 8080): it does not read any InferencePool');
    expect(f.filter((x) => x.severity === 'error').map((x) => x.code)).toEqual([]);
    // the EPP is still found behind the pool's endpointPickerRef (not "no EPP Deployment serves")
    expect(one(f, 'IGW-405', 'ok').message).toContain('llm/qwen-epp available');
  });

  it('both --pool-name and --endpoint-selector → error (the EPP exits at start), fix removes the selector', () => {
    const e = one(doctor(standalone(['--pool-name', 'qwen', '--endpoint-selector', 'serving.kserve.io/inferenceservice=qwen', '--endpoint-target-ports=8080'])), 'IGW-406', 'error');
    expect(e.message).toContain('sets both --pool-name qwen and --endpoint-selector');
    expect(e.message).toContain('either pool-name or endpoint-selector must be set');
    expect(e.fix).toContain(`'[{"op":"remove","path":"/spec/template/spec/containers/0/args/3"},{"op":"remove","path":"/spec/template/spec/containers/0/args/2"}]'`);
  });

  it('selector without --endpoint-target-ports → error; llm-d-router without env POD_NAME → error', () => {
    const noPorts = one(doctor(standalone(['--endpoint-selector=serving.kserve.io/inferenceservice=qwen'])), 'IGW-406', 'error');
    expect(noPorts.message).toContain('without --endpoint-target-ports');
    expect(noPorts.fix).toContain('"value":"--endpoint-target-ports=8080"');
    const noPodName = one(doctor(standalone(['--endpoint-selector=serving.kserve.io/inferenceservice=qwen', '--endpoint-target-ports=8080'], [])), 'IGW-406', 'error');
    expect(noPodName.message).toContain('failed to get environment variable POD_NAME');
    expect(noPodName.fix).toContain('"fieldPath":"metadata.name"');
  });

  it("a pool pointing at a standalone EPP that selects other pods → warning", () => {
    const w = one(doctor(standalone(['--endpoint-selector=app=vllm', '--endpoint-target-ports=8000'])), 'IGW-406', 'warning');
    expect(w.message).toContain("ignores the pool's selector (serving.kserve.io/inferenceservice=qwen): it routes to the pods matching app=vllm");
  });
});
