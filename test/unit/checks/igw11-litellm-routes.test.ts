// Issue 11, NF15: LiteLLM api_base path (IGW-702), LiteLLM model vs served model name (IGW-703), and
// two InferencePools behind one Gateway with the same match and no header match (IGW-429).
// Objects: the healthy AI Gateway fixture, a LiteLLM proxy config in LiteLLM's config.yaml shape
// (model_list[].litellm_params {model, api_base}), vLLM pods with their real flags.
import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../src/kube/client.ts';
import {servedModelNames} from '../../../src/checks/phase7-litellm/model-route.ts';
import {byCode, doctor, loadObjects, obj, one} from './fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const PROXY = 'http://envoy-llm-inference-gateway-5a1b2c3d.envoy-gateway-system.svc.cluster.local:80';

function litellm(apiBase: string, model = 'hosted_vllm/qwen'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {name: 'litellm-config', namespace: 'litellm'},
    data: {'config.yaml': `model_list:\n  - model_name: qwen\n    litellm_params:\n      model: ${model}\n      api_base: ${apiBase}\n      api_key: "none"\n`},
  } as KubeObject;
}

/** The healthy fixture with its model pods running vLLM with these args. */
function withVllmArgs(args: string[]): KubeObject[] {
  const objs = loadObjects('healthy-ai-gateway.yaml');
  for (const p of objs.filter((o) => o.kind === 'Pod' && o.metadata.name.startsWith('qwen-predictor-')) as Any[]) {
    p.spec.containers[0].image = 'vllm/vllm-openai:v0.11.0';
    p.spec.containers[0].args = args;
  }
  return objs;
}

describe('IGW-702 — api_base path', () => {
  it('…/v1 → ok', () => {
    expect(one(doctor([...loadObjects('healthy-ai-gateway.yaml'), litellm(`${PROXY}/v1`)]), 'IGW-702', 'ok').message).toContain(`${PROXY}/v1/chat/completions`);
  });

  it('no /v1 → error: LiteLLM posts /chat/completions, vLLM serves /v1/chat/completions', () => {
    const e = one(doctor([...loadObjects('healthy-ai-gateway.yaml'), litellm(PROXY)]), 'IGW-702', 'error');
    expect(e.message).toContain(`LiteLLM sends ${PROXY}/chat/completions`);
    expect(e.object).toEqual({apiVersion: 'v1', kind: 'ConfigMap', namespace: 'litellm', name: 'litellm-config'});
    expect(e.fix).toBe(`# in litellm/litellm-config (config.yaml), model qwen:\napi_base: ${PROXY}/v1`);
  });

  it('full endpoint path → warning with the /v1 base', () => {
    const w = one(doctor([...loadObjects('healthy-ai-gateway.yaml'), litellm(`${PROXY}/v1/chat/completions`)]), 'IGW-702', 'warning');
    expect(w.fix).toContain(`api_base: ${PROXY}/v1`);
    expect(w.fix).not.toContain('/v1/chat');
  });

  it('an HTTPRoute URLRewrite on the cluster makes a missing /v1 a warning (may be deliberate)', () => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    obj<Any>(objs, 'HTTPRoute', 'qwen').spec.rules[0].filters = [{type: 'URLRewrite', urlRewrite: {path: {type: 'ReplacePrefixMatch', replacePrefixMatch: '/v1'}}}];
    expect(one(doctor([...objs, litellm(PROXY)]), 'IGW-702', 'warning').message).toContain('unless an HTTPRoute URLRewrite adds /v1');
  });

  it('a non-OpenAI provider is not judged', () => {
    expect(byCode(doctor([...loadObjects('healthy-ai-gateway.yaml'), litellm(PROXY, 'bedrock/anthropic.claude')]), 'IGW-702')).toEqual([]);
  });
});

describe('IGW-703 — model name vs --served-model-name', () => {
  it('servedModelNames: --served-model-name (several), --model, serve <model>, KServe --model_name', () => {
    expect(servedModelNames(['--model', 'Qwen/Qwen3-8B', '--served-model-name', 'qwen', 'qwen3'])).toEqual(['qwen', 'qwen3']);
    expect(servedModelNames(['--model=Qwen/Qwen3-8B', '--port', '8000'])).toEqual(['Qwen/Qwen3-8B']);
    expect(servedModelNames(['vllm', 'serve', 'Qwen/Qwen3-8B', '--port', '8000'])).toEqual(['Qwen/Qwen3-8B']);
    expect(servedModelNames(['--model_name=qwen', '--model_id=Qwen/Qwen3-8B'])).toEqual(['qwen']);
    expect(servedModelNames([])).toEqual([]);
  });

  it('same name → ok; another name → error naming what is served, fix keeps the provider', () => {
    const objs = withVllmArgs(['--model', 'Qwen/Qwen3-8B', '--served-model-name', 'qwen3-8b', '--port', '8080']);
    one(doctor([...objs, litellm(`${PROXY}/v1`, 'hosted_vllm/qwen3-8b')]), 'IGW-703', 'ok');
    const e = one(doctor([...objs, litellm(`${PROXY}/v1`, 'hosted_vllm/Qwen/Qwen3-8B')]), 'IGW-703', 'error');
    expect(e.message).toContain('LiteLLM sends "model": "Qwen/Qwen3-8B"');
    expect(e.message).toContain('serve "qwen3-8b"');
    expect(e.message).toContain('The model `Qwen/Qwen3-8B` does not exist.');
    expect(e.fix).toContain('model: hosted_vllm/qwen3-8b');
  });

  it('model pods without flags (names unknown) → not judged', () => {
    expect(byCode(doctor([...loadObjects('healthy-ai-gateway.yaml'), litellm(`${PROXY}/v1`, 'hosted_vllm/anything')]), 'IGW-703')).toEqual([]);
  });
});

describe('IGW-429 — two pools behind one Gateway, same match, no header match', () => {
  /** A second model: pool "llama" and its HTTPRoute on the same Gateway (created later than "qwen"). */
  function secondModel(matches?: unknown[]): KubeObject[] {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    const pool = structuredClone(obj<Any>(objs, 'InferencePool', 'qwen'));
    pool.metadata.name = 'llama';
    const route = structuredClone(obj<Any>(objs, 'HTTPRoute', 'qwen'));
    route.metadata = {name: 'llama', namespace: 'llm', generation: 1, creationTimestamp: '2026-11-20T11:00:00Z'};
    route.spec.rules[0].backendRefs[0].name = 'llama';
    if (matches) route.spec.rules[0].matches = matches;
    obj<Any>(objs, 'HTTPRoute', 'qwen').metadata.creationTimestamp = '2026-11-20T10:00:00Z';
    return [...objs, pool as KubeObject, route as KubeObject];
  }

  it('same PathPrefix / → warning on the newer route: the older one takes every request', () => {
    const w = one(doctor(secondModel()), 'IGW-429', 'warning');
    expect(w.object).toEqual({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: 'llm', name: 'llama'});
    expect(w.message).toContain('same match (PathPrefix /)');
    expect(w.message).toContain('sends every such request to HTTPRoute llm/qwen rule 0 (pool llm/qwen)');
    expect(w.message).toContain('pool llm/llama gets none of them');
    expect(w.fix).toContain('name: X-Gateway-Model-Name');
  });

  it('a header match on the second route → ok', () => {
    const f = doctor(secondModel([{path: {type: 'PathPrefix', value: '/'}, headers: [{type: 'Exact', name: 'X-Gateway-Model-Name', value: 'llama'}]}]));
    expect(byCode(f, 'IGW-429').map((x) => x.severity)).toEqual(['ok']);
  });

  it('only pairs with a pool in scope are judged (with -n or --pool, routes of other pools are read but not this run\'s)', () => {
    const objs = secondModel();
    const third = structuredClone(obj<Any>(objs, 'HTTPRoute', 'llama'));
    third.metadata = {...third.metadata, name: 'mistral', creationTimestamp: '2026-11-20T12:00:00Z'};
    third.spec.rules[0].backendRefs[0].name = 'mistral';
    const pool3 = structuredClone(obj<Any>(objs, 'InferencePool', 'llama'));
    pool3.metadata.name = 'mistral';
    const all = [...objs, third as KubeObject, pool3 as KubeObject];
    const everyPair = byCode(doctor(all), 'IGW-429').filter((x) => x.severity === 'warning');
    expect(everyPair).toHaveLength(3);
    const scoped = byCode(doctor(all, {pool: 'qwen'}), 'IGW-429').filter((x) => x.severity === 'warning');
    expect(scoped).toHaveLength(2);
    expect(scoped.every((x) => x.message.includes('pool llm/qwen'))).toBe(true);
  });

  it('one pool per Gateway (the healthy install) → nothing reported', () => {
    expect(byCode(doctor(loadObjects('healthy-ai-gateway.yaml')), 'IGW-429')).toEqual([]);
  });
});
