/*
 * Phase 7 — LiteLLM in front of the gateway: each model's api_base must reach a Service that
 * really fronts an inference Gateway. The install notes' URL
 * `http://<gateway>.<namespace>.svc.cluster.local:<port>/v1` resolves only when Envoy Gateway
 * deploys proxies in the Gateway's namespace under the Gateway's name; by default the proxy
 * Service is `envoy-<namespace>-<gateway>-<hash>` in envoy-gateway-system, labelled
 * gateway.envoyproxy.io/owning-gateway-name/-namespace (envoyproxy/gateway internal/utils/misc.go
 * GetHashedName; domain-facts §4).
 */
import {parse} from 'yaml';
import type {KubeObject} from '../../kube/client.ts';
import {items, lookup} from '../../snapshot/query.ts';
import type {Snapshot} from '../../snapshot/types.ts';
import type {ObjectRef, Service} from '../../k8s/objects.ts';
import {error, info, ok, warning, orNotApplicable, type Check, type Draft} from '../types.ts';
import {KSERVE_ISVC_LABEL, type Gateway, type Target} from '../../model/target.ts';
import {ALL_KINDS} from '../../snapshot/view.ts';

const OWNING_NAME = 'gateway.envoyproxy.io/owning-gateway-name';
const OWNING_NS = 'gateway.envoyproxy.io/owning-gateway-namespace';

export interface LitellmModel {
  configMap: KubeObject;
  key: string;
  modelName: string;
  apiBase: string;
  /** litellm_params.model: "<provider>/<model name sent upstream>" */
  model?: string | undefined;
}

/** LiteLLM proxy configs: ConfigMap values with a model_list whose litellm_params have an api_base. */
export function litellmModels(snap: Snapshot): LitellmModel[] {
  const out: LitellmModel[] = [];
  for (const cm of items<KubeObject & {data?: Record<string, string>}>(snap, 'ConfigMap')) {
    for (const [key, text] of Object.entries(cm.data ?? {})) {
      if (!text.includes('model_list')) continue;
      let doc: {model_list?: {model_name?: string; litellm_params?: {api_base?: string; model?: unknown}}[]} | undefined;
      try {
        doc = parse(text) as typeof doc;
      } catch {
        continue;
      }
      for (const m of doc?.model_list ?? []) {
        const base = m.litellm_params?.api_base;
        const model = typeof m.litellm_params?.model === 'string' ? m.litellm_params.model : undefined;
        if (typeof base === 'string' && base) out.push({configMap: cm, key, modelName: m.model_name ?? '?', apiBase: base, model});
      }
    }
  }
  return out;
}

/** host of an in-cluster URL → Service: svc, svc.ns, svc.ns.svc, svc.ns.svc.<zone>. */
export function serviceOfHost(host: string, defaultNs: string): {namespace: string; name: string} | undefined {
  const parts = host.toLowerCase().replace(/\.$/, '').split('.');
  if (parts.length === 1) return {name: parts[0]!, namespace: defaultNs};
  if (parts.length === 2) return {name: parts[0]!, namespace: parts[1]!};
  if (parts[2] === 'svc') return {name: parts[0]!, namespace: parts[1]!};
  return undefined;
}

function proxyServicesFor(snap: Snapshot, gw: {namespace: string; name: string}): Service[] {
  const eg = items<Service>(snap, 'Service').filter((s) => s.metadata.labels?.[OWNING_NAME] === gw.name && s.metadata.labels?.[OWNING_NS] === gw.namespace);
  if (eg.length) return eg;
  // other implementations (Istio: "<gateway>-<class>") label it with the Gateway API's gateway-name, in the Gateway's namespace (issue 13)
  return items<Service>(snap, 'Service').filter((s) => s.metadata.labels?.[GATEWAY_NAME] === gw.name && s.metadata.namespace === gw.namespace);
}

const GATEWAY_NAME = 'gateway.networking.k8s.io/gateway-name';

/**
 * Whose proxy Service a name is (envoy-<ns>-<gateway>-<8 hex>, envoyproxy/gateway internal/utils/misc.go
 * GetHashedName), when that Gateway is missing or not Programmed — with the code that reports it.
 */
function proxyOwner(snap: Snapshot, name: string, target: Target): {gateway: string; code: string; why: string} | undefined {
  const candidates = new Map<string, {namespace: string; name: string}>();
  for (const g of items<Gateway>(snap, 'Gateway')) candidates.set(`${g.metadata.namespace}/${g.metadata.name}`, {namespace: g.metadata.namespace ?? '', name: g.metadata.name});
  for (const c of target.chains) for (const g of c.gateways) candidates.set(`${g.namespace}/${g.name}`, {namespace: g.namespace, name: g.name});
  for (const g of candidates.values()) {
    // GetHashedName cuts "<namespace>-<name>" at 48 characters, then Envoy Gateway prefixes "envoy-".
    const prefix = `envoy-${`${g.namespace}-${g.name}`.slice(0, 48)}`;
    if (!new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[0-9a-f]{8}$`).test(name)) continue;
    const gw = lookup<Gateway>(snap, 'Gateway', g.namespace, g.name);
    if ('absent' in gw) return {gateway: `${g.namespace}/${g.name}`, code: 'IGW-403', why: 'the Gateway does not exist'};
    if ('found' in gw) {
      const programmed = (gw.found.status?.conditions ?? []).find((c) => c.type === 'Programmed');
      if (programmed?.status !== 'True') return {gateway: `${g.namespace}/${g.name}`, code: 'IGW-404', why: 'the Gateway is not programmed'};
    }
  }
  return undefined;
}

const nsCache = new WeakMap<Snapshot, Set<string>>();
function knownNamespaces(snap: Snapshot): Set<string> {
  let s = nsCache.get(snap);
  if (!s) {
    s = new Set<string>();
    for (const l of Object.values(snap.lists)) for (const p of l?.parts ?? []) if ('items' in p) for (const o of p.items) if (o.metadata.namespace) s.add(o.metadata.namespace);
    nsCache.set(snap, s);
  }
  return s;
}

export const litellmApiBase: Check = {
  code: 'IGW-701',
  phase: 7,
  scope: 'cluster',
  title: "LiteLLM's api_base reaches the inference Gateway's proxy",
  readme: {checks: "each model's api_base reaches a Service that fronts an inference Gateway (Envoy Gateway names it `envoy-<ns>-<gateway>-<hash>` in envoy-gateway-system); warns when it bypasses the gateway", failure: '503 / no EPP'},
  symptoms: {'500': 17, '503': 15, 'high-latency': 9},
  reads: ['ConfigMap', 'Service', ...ALL_KINDS.filter((k) => !['ConfigMap', 'Service'].includes(k))],
  judgesUnreadable: ALL_KINDS.filter((k) => !['ConfigMap', 'Service'].includes(k)),
  run({snap, target}) {
    const out: Draft[] = [];
    const gateways = items<Gateway>(snap, 'Gateway');
    for (const m of litellmModels(snap)) {
      const cmRef: ObjectRef = {apiVersion: 'v1', kind: 'ConfigMap', namespace: m.configMap.metadata.namespace, name: m.configMap.metadata.name};
      let url: URL;
      try {
        url = new URL(m.apiBase);
      } catch {
        out.push(error(`model ${m.modelName}: api_base "${m.apiBase}" is not a URL`, cmRef));
        continue;
      }
      const svc = serviceOfHost(url.hostname, m.configMap.metadata.namespace ?? 'default');
      // "name.ns" is ambiguous with a public host ("example.com"): trust it only for a namespace we have seen
      if (svc && url.hostname.split('.').length === 2 && !knownNamespaces(snap).has(svc.namespace)) {
        out.push(info(`model ${m.modelName}: api_base ${m.apiBase} is outside the cluster; not checked`, cmRef));
        continue;
      }
      if (!svc) {
        out.push(info(`model ${m.modelName}: api_base ${m.apiBase} is outside the cluster; not checked`, cmRef));
        continue;
      }
      const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
      const l = lookup<Service>(snap, 'Service', svc.namespace, svc.name);
      if ('unknown' in l) continue;
      if ('absent' in l) {
        // The proxy Service Envoy Gateway creates for a Gateway (envoy-<ns>-<gateway>-<hash>) is gone
        // because the Gateway is missing or not programmed: that is IGW-403/404's root cause, not LiteLLM's.
        const owner = proxyOwner(snap, svc.name, target);
        if (owner) {
          out.push({severity: 'blocked', message: `blocked by ${owner.code}: model ${m.modelName}'s api_base names the proxy Service of Gateway ${owner.gateway}, which Envoy Gateway does not run (${owner.why})`, blockedBy: [owner.code], object: cmRef});
          continue;
        }
        // The install notes' form: <gateway>.<namespace>.svc — the Gateway exists but its proxy Service has another name.
        const gw = gateways.find((g) => g.metadata.name === svc.name && g.metadata.namespace === svc.namespace);
        const proxy = gw ? proxyServicesFor(snap, {namespace: svc.namespace, name: svc.name})[0] : undefined;
        const real = proxy ? `http://${proxy.metadata.name}.${proxy.metadata.namespace}.svc.cluster.local:${proxy.spec?.ports?.[0]?.port ?? port}${url.pathname}` : undefined;
        out.push(
          error(
            `model ${m.modelName}: api_base host ${url.hostname} resolves to no Service${
              gw
                ? proxy && !proxy.metadata.labels?.[OWNING_NAME]
                  ? ` — ${svc.name} is a Gateway; its proxy Service is ${proxy.metadata.namespace}/${proxy.metadata.name}`
                  : ` — ${svc.name} is a Gateway, but Envoy Gateway names its proxy Service ${proxy ? `${proxy.metadata.namespace}/${proxy.metadata.name}` : 'envoy-<namespace>-<gateway>-<hash> in envoy-gateway-system'} (the install notes' URL works only when proxies run in the Gateway's namespace under its name)`
                : ''
            }`,
            cmRef,
            real ? `# in ${m.configMap.metadata.namespace}/${m.configMap.metadata.name} (${m.key}), model ${m.modelName}:\napi_base: ${real}` : undefined,
          ),
        );
        continue;
      }
      const s = l.found;
      const owning = s.metadata.labels?.[OWNING_NAME];
      if (owning) {
        const gwNs = s.metadata.labels?.[OWNING_NS] ?? '';
        const gw = gateways.find((g) => g.metadata.name === owning && g.metadata.namespace === gwNs);
        if (!(s.spec?.ports ?? []).some((p) => p.port === port)) {
          const right = `${url.protocol}//${url.hostname}:${s.spec?.ports?.[0]?.port ?? 80}${url.pathname}`;
          out.push(
            error(
              `model ${m.modelName}: api_base port ${port} is not a port of proxy Service ${s.metadata.namespace}/${s.metadata.name} (ports ${(s.spec?.ports ?? []).map((p) => p.port).join(', ')})`,
              cmRef,
              `# in ${m.configMap.metadata.namespace}/${m.configMap.metadata.name} (${m.key}), model ${m.modelName}:\napi_base: ${right}`,
            ),
          );
        } else {
          out.push(ok(`model ${m.modelName} → proxy of Gateway ${gwNs}/${owning}${gw ? '' : ' (Gateway not found)'}`, cmRef));
        }
        continue;
      }
      // Istio (and other implementations that provision a proxy per Gateway) label it with the Gateway
      // API's gateway-name label (istio/istio manifests/charts/istio-control/istio-discovery/files/kube-gateway.yaml,
      // Service "<gateway>-<class>" in the Gateway's namespace; issue 13).
      const gwName = s.metadata.labels?.['gateway.networking.k8s.io/gateway-name'];
      if (gwName && gateways.some((g) => g.metadata.name === gwName && g.metadata.namespace === s.metadata.namespace)) {
        if ((s.spec?.ports ?? []).some((p) => p.port === port)) out.push(ok(`model ${m.modelName} → proxy Service of Gateway ${s.metadata.namespace}/${gwName}`, cmRef));
        else out.push(error(`model ${m.modelName}: api_base port ${port} is not a port of Gateway ${s.metadata.namespace}/${gwName}'s Service ${s.metadata.name} (ports ${(s.spec?.ports ?? []).map((p) => p.port).join(', ')})`, cmRef, `# in ${m.configMap.metadata.namespace}/${m.configMap.metadata.name} (${m.key}), model ${m.modelName}:\napi_base: ${url.protocol}//${url.hostname}:${s.spec?.ports?.[0]?.port ?? 80}${url.pathname}`));
        continue;
      }
      if (s.metadata.labels?.[KSERVE_ISVC_LABEL] || s.metadata.labels?.component === 'predictor') {
        out.push(
          warning(
            `model ${m.modelName}: api_base ${m.apiBase} goes straight to the model server Service ${s.metadata.namespace}/${s.metadata.name}, bypassing the gateway and its EPP (no KV-cache/prefix-aware scheduling)`,
            cmRef,
            (() => {
              // The Gateway to use is the one in front of THIS model: the chain whose InferenceService
              // (or, failing that, whose pool namespace) is the bypassed Service's — never another install's.
              const isvc = s.metadata.labels?.[KSERVE_ISVC_LABEL];
              const ns = s.metadata.namespace ?? '';
              const chain =
                target.chains.find((c) => c.namespace === ns && isvc !== undefined && c.inferenceServices.some((i) => i.name === isvc)) ??
                target.chains.find((c) => c.namespace === ns);
              for (const g of chain?.gateways ?? []) {
                const proxy = proxyServicesFor(snap, {namespace: g.namespace, name: g.name})[0];
                if (proxy) return `api_base: http://${proxy.metadata.name}.${proxy.metadata.namespace}.svc.cluster.local:${proxy.spec?.ports?.[0]?.port ?? 80}/v1`;
              }
              return undefined;
            })(),
          ),
        );
        continue;
      }
      out.push(info(`model ${m.modelName}: api_base → Service ${s.metadata.namespace}/${s.metadata.name}, not an Envoy Gateway proxy; not checked further`, cmRef));
    }
    return orNotApplicable(out, 'no LiteLLM config found');
  },
};

