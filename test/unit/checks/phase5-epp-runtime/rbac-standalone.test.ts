// IGW-501 for a standalone EPP (issue 11): with --endpoint-selector and no --pool-name the EPP starts
// no InferencePool/InferenceObjective reconciler and caches only pods in its --pool-namespace
// (llm-d-router v0.10.0 cmd/epp/runner/runner.go `startCrdReconcilers := opts.EndpointSelector == nil`,
// pkg/epp/server/controller_manager.go). Fixture: the healthy AI Gateway install's EPP switched to
// standalone mode the way llm-d-router's chart would run it.
import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../../src/kube/client.ts';
import {byCode, doctor, loadObjects, obj, one} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const healthy = loadObjects('healthy-ai-gateway.yaml');

function standalone(rules: Any[], args = ['--endpoint-selector=serving.kserve.io/inferenceservice=qwen', '--endpoint-target-ports=8080', '--pool-namespace=llm']): KubeObject[] {
  const objs = structuredClone(healthy);
  for (const kind of ['Deployment', 'Pod']) {
    const o = objs.find((x) => x.kind === kind && x.metadata.name.startsWith('qwen-epp')) as Any;
    const c = kind === 'Deployment' ? o.spec.template.spec.containers[0] : o.spec.containers[0];
    c.image = 'registry.example/llm-d/llm-d-router-endpoint-picker:v0.10.0';
    c.args = args;
    c.env = [{name: 'POD_NAME', valueFrom: {fieldRef: {fieldPath: 'metadata.name'}}}];
  }
  obj<Any>(objs, 'Role', 'qwen-epp', 'llm').rules = rules;
  return objs;
}

const PODS = {apiGroups: [''], resources: ['pods'], verbs: ['get', 'watch', 'list']};

describe('IGW-501: a standalone EPP (--endpoint-selector) needs only pods', () => {
  it('Role with pods only (no inferencepools, no inferenceobjectives) → ok, no error or warning', () => {
    const f = doctor(standalone([PODS]));
    expect(byCode(f, 'IGW-501').map((x) => x.severity)).toEqual(['ok']);
    expect(one(f, 'IGW-501', 'ok').message).toBe('ServiceAccount llm/qwen-epp may get/list/watch pods in llm (standalone EPP: it reads no InferencePool or InferenceObjective)');
  });

  it('Role without pods → error naming pods only, fix a Role with pods', () => {
    const e = one(doctor(standalone([{apiGroups: ['inference.networking.k8s.io'], resources: ['inferencepools'], verbs: ['get', 'watch', 'list']}])), 'IGW-501', 'error');
    expect(e.message).toBe('ServiceAccount llm/qwen-epp of standalone EPP qwen-epp (--endpoint-selector) may not get pods, list pods, watch pods in llm: the EPP logs "forbidden" and never sees the model server pods (never ready)');
    expect(e.fix).toBe('kubectl create role qwen-epp-access -n llm --verb=get,list,watch --resource=pods\nkubectl create rolebinding qwen-epp-access -n llm --role=qwen-epp-access --serviceaccount=llm:qwen-epp');
  });

  it('pods allowed in llm, but the EPP watches "default" (no --pool-namespace, no NAMESPACE env) → error for default', () => {
    const e = one(doctor(standalone([PODS], ['--endpoint-selector=serving.kserve.io/inferenceservice=qwen', '--endpoint-target-ports=8080'])), 'IGW-501', 'error');
    expect(e.message).toContain('may not get pods, list pods, watch pods in default');
    expect(e.message).toContain('it watches default, not its own namespace llm (--pool-namespace, else env NAMESPACE, else "default"); if the model servers run in llm, add --pool-namespace=llm instead');
  });

  it('the same Role for a pool-mode EPP still asks for InferencePools (the standalone rule does not leak)', () => {
    const objs = structuredClone(healthy);
    obj<Any>(objs, 'Role', 'qwen-epp', 'llm').rules = [PODS];
    const e = one(doctor(objs), 'IGW-501', 'error');
    expect(e.message).toContain('inferencepools.inference.networking.k8s.io');
  });
});
