/*
 * Phase 7 — what LiteLLM sends through the gateway (issue 11, NF15): the path it builds from
 * api_base, and the model name it puts in the body.
 *
 * Path: for OpenAI-compatible providers (`hosted_vllm/…`, `openai/…`) LiteLLM builds the URL as
 * api_base + "/chat/completions" (BerriAI/litellm litellm/llms/openai/chat/gpt_transformation.py
 * `get_complete_url`, which hosted_vllm's HostedVLLMChatConfig inherits — and the OpenAI SDK client
 * does the same with base_url). vLLM serves the OpenAI API under /v1 (/v1/chat/completions,
 * /v1/completions, /v1/embeddings), so api_base must end in /v1: without it every request is a 404.
 * A full endpoint path in api_base only works for that one endpoint (get_complete_url keeps an
 * api_base that already contains "chat/completions"; the SDK path appends it again).
 *
 * Model: LiteLLM sends the part after the provider prefix as "model"; vLLM answers 404 "The model
 * `<name>` does not exist." unless it is one of its --served-model-name values (default: --model).
 */
import {items, lookup} from '../../snapshot/query.ts';
import type {ObjectRef, Pod, Service} from '../../k8s/objects.ts';
import type {HTTPRoute} from '../../model/target.ts';
import {error, ok, warning, type Check, type Draft} from '../types.ts';
import {litellmModels, serviceOfHost, type LitellmModel} from './api-base.ts';

const OWNING_NAME = 'gateway.envoyproxy.io/owning-gateway-name';
const OWNING_NS = 'gateway.envoyproxy.io/owning-gateway-namespace';
/** providers whose requests go to api_base + "/chat/completions" */
const OPENAI_COMPATIBLE = /^(hosted_vllm|openai)\//;

function cmRef(m: LitellmModel): ObjectRef {
  return {apiVersion: 'v1', kind: 'ConfigMap', namespace: m.configMap.metadata.namespace, name: m.configMap.metadata.name};
}

function where(m: LitellmModel): string {
  return `# in ${m.configMap.metadata.namespace}/${m.configMap.metadata.name} (${m.key}), model ${m.modelName}:`;
}

/** The Gateway whose Envoy proxy Service the api_base names, if it does. */
function gatewayOf(snap: Parameters<Check['run']>[0]['snap'], m: LitellmModel): {namespace: string; name: string} | undefined {
  let url: URL;
  try {
    url = new URL(m.apiBase);
  } catch {
    return undefined;
  }
  const svc = serviceOfHost(url.hostname, m.configMap.metadata.namespace ?? 'default');
  if (!svc) return undefined;
  const l = lookup<Service>(snap, 'Service', svc.namespace, svc.name);
  if (!('found' in l)) return undefined;
  const name = l.found.metadata.labels?.[OWNING_NAME];
  return name ? {name, namespace: l.found.metadata.labels?.[OWNING_NS] ?? ''} : undefined;
}

export const litellmApiBasePath: Check = {
  code: 'IGW-702',
  phase: 7,
  scope: 'cluster',
  title: "LiteLLM's api_base ends in /v1 (LiteLLM appends /chat/completions)",
  readme: {checks: "LiteLLM's api_base ends in /v1 (LiteLLM appends /chat/completions)", failure: 'LiteLLM calls a wrong path (404)'},
  whenAbsent: 'no LiteLLM api_base to judge',
  symptoms: {'500': 20, '503': 20},
  reads: ['ConfigMap', 'HTTPRoute'],
  run({snap}) {
    const out: Draft[] = [];
    const rewrites = items<HTTPRoute>(snap, 'HTTPRoute').some((r) => (r.spec?.rules ?? []).some((rule) => (rule.filters ?? []).some((f) => (f as {type?: string}).type === 'URLRewrite')));
    for (const m of litellmModels(snap)) {
      if (!m.model || !OPENAI_COMPATIBLE.test(m.model)) continue;
      let url: URL;
      try {
        url = new URL(m.apiBase);
      } catch {
        continue; // IGW-701 reports it
      }
      const path = url.pathname.replace(/\/+$/, '');
      // scheme://host[:port] as the user wrote it (URL drops a default port)
      const base = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]+/i.exec(m.apiBase.trim())?.[0] ?? `${url.protocol}//${url.host}`;
      if (/\/v1$/.test(path)) {
        out.push(ok(`model ${m.modelName}: api_base ${m.apiBase} → requests go to ${base}${path}/chat/completions`, cmRef(m)));
        continue;
      }
      const endpoint = /\/(chat\/completions|completions|embeddings|responses)$/.exec(path);
      if (endpoint) {
        const v1 = path.slice(0, endpoint.index);
        out.push(
          warning(
            `model ${m.modelName}: api_base ${m.apiBase} is a full endpoint URL; LiteLLM appends /chat/completions to api_base (kept as is only on some code paths), and every other endpoint (/embeddings, /completions) is built from the wrong base — 404s`,
            cmRef(m),
            `${where(m)}\napi_base: ${base}${v1.endsWith('/v1') ? v1 : `${v1}/v1`}`,
          ),
        );
        continue;
      }
      const msg = `model ${m.modelName}: api_base ${m.apiBase} does not end in /v1: LiteLLM sends ${base}${path}/chat/completions, while vLLM serves /v1/chat/completions — every request is a 404`;
      const fix = `${where(m)}\napi_base: ${base}${path}/v1`;
      // An HTTPRoute URLRewrite could add the prefix: then it may be deliberate.
      out.push(rewrites ? warning(`${msg} (unless an HTTPRoute URLRewrite adds /v1)`, cmRef(m), fix) : error(msg, cmRef(m), fix));
    }
    return out;
  },
};

/** Names a vLLM container serves: every --served-model-name value, else --model (or `serve <model>`); KServe's --model_name. */
export function servedModelNames(args: string[]): string[] {
  const names: string[] = [];
  let model: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--([a-z_-]+)(?:=(.*))?$/.exec(a);
    if (!m) continue;
    const flag = m[1]!.replace(/_/g, '-');
    const values: string[] = m[2] !== undefined ? [m[2]] : [];
    if (m[2] === undefined) for (let j = i + 1; j < args.length && !args[j]!.startsWith('-'); j++) values.push(args[j]!);
    if (flag === 'served-model-name') names.push(...values.flatMap((v) => v.split(/\s+/)).filter(Boolean));
    else if (flag === 'model' || flag === 'model-name') model ??= values[0];
  }
  const serve = args.indexOf('serve');
  if (model === undefined && serve >= 0 && args[serve + 1] && !args[serve + 1]!.startsWith('-')) model = args[serve + 1];
  return names.length ? names : model ? [model] : [];
}

export const litellmServedModel: Check = {
  code: 'IGW-703',
  phase: 7,
  scope: 'cluster',
  title: "LiteLLM's model is a name the model servers behind the Gateway serve",
  readme: {checks: "LiteLLM's model is a name the model servers behind the Gateway serve", failure: 'vLLM answers 404 model not found'},
  whenAbsent: 'no LiteLLM model that names this pool',
  symptoms: {'500': 20},
  reads: ['ConfigMap', 'Service', 'Pod'],
  run({snap, target}) {
    const out: Draft[] = [];
    for (const m of litellmModels(snap)) {
      if (!m.model || !OPENAI_COMPATIBLE.test(m.model)) continue;
      const sent = m.model.replace(OPENAI_COMPATIBLE, '');
      const gw = gatewayOf(snap, m);
      if (!gw) continue;
      const chains = target.chains.filter((c) => c.gateways.some((g) => g.namespace === gw.namespace && g.name === gw.name));
      const pods: Pod[] = chains.flatMap((c) => c.modelPods);
      const served = new Set(pods.flatMap((p) => p.spec.containers.flatMap((c) => servedModelNames([...(c.command ?? []), ...(c.args ?? [])]))));
      if (served.size === 0) continue; // names unknown (no args to read): not judged
      if (served.has(sent)) {
        out.push(ok(`model ${m.modelName}: "${sent}" is served behind Gateway ${gw.namespace}/${gw.name}`, cmRef(m)));
        continue;
      }
      const names = [...served].sort();
      const provider = m.model.slice(0, m.model.length - sent.length);
      out.push(
        error(
          `model ${m.modelName}: LiteLLM sends "model": "${sent}", but the model servers behind Gateway ${gw.namespace}/${gw.name} (pools ${chains.map((c) => c.key).join(', ')}) serve ${names.map((n) => `"${n}"`).join(', ')}: vLLM answers 404 "The model \`${sent}\` does not exist."`,
          cmRef(m),
          `${where(m)}\nmodel: ${provider}${names[0]}`,
        ),
      );
    }
    return out;
  },
};
