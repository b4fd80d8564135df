// IGW-416 for routes to plain Services on the inference path (issue 11): a KServe predictor Service that
// selects the pool's model server pods, and LiteLLM's Service when its api_base is the pool's Gateway.
// Envoy Gateway sets Envoy's route timeout only from timeouts.request or a BackendTrafficPolicy
// (envoyproxy/gateway v1.9.1 internal/xds/translator/route.go), so these rules get the 15 s default too.
import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../src/kube/client.ts';
import {byCode, doctor, loadObjects, one} from './fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const healthy = loadObjects('healthy-ai-gateway.yaml');
const PROXY = 'http://envoy-llm-inference-gateway-5a1b2c3d.envoy-gateway-system.svc.cluster.local:80/v1';

/** KServe's predictor Service (selector on the isvc label the model pods carry) and a route to it. */
const predictor = {apiVersion: 'v1', kind: 'Service', metadata: {name: 'qwen-predictor', namespace: 'llm', labels: {'serving.kserve.io/inferenceservice': 'qwen', component: 'predictor'}}, spec: {selector: {'serving.kserve.io/inferenceservice': 'qwen'}, ports: [{port: 80, targetPort: 8000}]}} as KubeObject;
const route = (name: string, ns: string, backend: Any, timeouts?: Any): KubeObject =>
  ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: {name, namespace: ns, generation: 1},
    spec: {parentRefs: [{name: 'inference-gateway', namespace: 'llm'}], rules: [{matches: [{path: {type: 'PathPrefix', value: `/${name}`}}], backendRefs: [backend], ...(timeouts ? {timeouts} : {})}]},
  }) as KubeObject;

/** LiteLLM as its Helm chart runs it: config ConfigMap mounted by the proxy pod, a Service selecting it. */
const litellm: KubeObject[] = [
  {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'litellm-config', namespace: 'litellm'}, data: {'config.yaml': `model_list:\n  - model_name: qwen\n    litellm_params:\n      model: hosted_vllm/qwen\n      api_base: ${PROXY}\n`}},
  {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'litellm-6d9f7-abcde', namespace: 'litellm', labels: {'app.kubernetes.io/name': 'litellm', 'app.kubernetes.io/instance': 'litellm'}}, spec: {containers: [{name: 'litellm', image: 'ghcr.io/berriai/litellm:main-v1.77.7-stable'}], volumes: [{name: 'config', configMap: {name: 'litellm-config'}}]}, status: {phase: 'Running', conditions: [{type: 'Ready', status: 'True'}]}},
  {apiVersion: 'v1', kind: 'Service', metadata: {name: 'litellm', namespace: 'litellm'}, spec: {selector: {'app.kubernetes.io/name': 'litellm', 'app.kubernetes.io/instance': 'litellm'}, ports: [{port: 4000}]}},
] as KubeObject[];

describe('IGW-416: routes to Services on the inference path', () => {
  it('a route to the KServe predictor Service without timeouts.request → warning naming the model servers of the pool', () => {
    const w = one(doctor([...healthy, predictor, route('direct', 'llm', {name: 'qwen-predictor', port: 80})]), 'IGW-416', 'warning');
    expect(w.message).toContain('HTTPRoute llm/direct rule 0 to Service llm/qwen-predictor (the model servers of pool llm/qwen) sets no timeouts.request');
    expect(w.message).toContain("Envoy's default of 15 s");
    expect(w.fix).toBe(`kubectl patch httproute direct -n llm --type json -p '[{"op":"add","path":"/spec/rules/0/timeouts","value":{"request":"300s"}}]'   # 300s, or "0s" for no limit`);
  });

  it('a route to LiteLLM, whose api_base is this pool\'s Gateway → warning; with timeouts.request → ok', () => {
    const w = one(doctor([...healthy, ...litellm, route('chat', 'litellm', {name: 'litellm', port: 4000})]), 'IGW-416', 'warning');
    expect(w.message).toContain('HTTPRoute litellm/chat rule 0 to Service litellm/litellm (LiteLLM, which forwards to pool llm/qwen through envoy-llm-inference-gateway-5a1b2c3d.envoy-gateway-system.svc.cluster.local)');
    const f = doctor([...healthy, ...litellm, route('chat', 'litellm', {name: 'litellm', port: 4000}, {request: '600s'})]);
    expect(byCode(f, 'IGW-416').filter((x) => x.message.includes('litellm/chat')).map((x) => `${x.severity} ${x.message}`)).toEqual(['ok HTTPRoute litellm/chat rule 0: timeouts.request 600s']);
  });

  it('a route to an unrelated Service (not the model servers, not LiteLLM) → not judged', () => {
    const other = {apiVersion: 'v1', kind: 'Service', metadata: {name: 'docs', namespace: 'llm'}, spec: {selector: {app: 'docs'}, ports: [{port: 80}]}} as KubeObject;
    const f = doctor([...healthy, other, route('docs', 'llm', {name: 'docs', port: 80})]);
    expect(byCode(f, 'IGW-416').filter((x) => x.message.includes('llm/docs'))).toEqual([]);
  });
});

describe('IGW-416: a route to an Envoy Gateway Backend in front of the model servers', () => {
  it('Backend fqdn → the predictor Service, no timeouts.request → warning naming the Backend and the Service', () => {
    const backend = {apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'Backend', metadata: {name: 'qwen-direct', namespace: 'llm'}, spec: {endpoints: [{fqdn: {hostname: 'qwen-predictor.llm.svc.cluster.local', port: 80}}]}} as KubeObject;
    const w = one(doctor([...healthy, predictor, backend, route('direct', 'llm', {group: 'gateway.envoyproxy.io', kind: 'Backend', name: 'qwen-direct'})]), 'IGW-416', 'warning');
    expect(w.message).toContain('HTTPRoute llm/direct rule 0 to Backend llm/qwen-direct → Service llm/qwen-predictor (the model servers of pool llm/qwen) sets no timeouts.request');
  });
});
