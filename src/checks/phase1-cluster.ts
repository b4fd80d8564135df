/*
 * Phase 1 — Cluster & CRDs. Replaces the install notes' PREREQUISITES 1 ("Phase 1 CRDs
 * installed") and the TROUBLESHOOTING line "Verify InferencePool CRD exists".
 */
import {GROUP, kindDef, CRD_NAMES, type KindKey} from '../snapshot/kinds.ts';
import {isListError} from '../snapshot/types.ts';
import {served, unreadable} from '../snapshot/query.ts';
import type {KubeObject} from '../kube/client.ts';
import {error, info, ok, warning, type Check, type Draft} from './types.ts';
import {GATEWAY_API_CRDS_URL, GIE_CRDS_URL, jsonPatch, yamlBlock} from './fix.ts';
import {poolRef, type PoolChain} from './target.ts';

function crdRef(name: string) {
  return {apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name};
}

function bundleVersion(o: KubeObject | null | undefined | {reason: string}, annotation: string): string | undefined {
  if (!o || isListError(o)) return undefined;
  return (o as KubeObject).metadata.annotations?.[annotation];
}

export const apiServer: Check = {
  code: 'IGW-101',
  phase: 1,
  scope: 'cluster',
  title: 'Kubernetes API server answers',
  run({snap}) {
    const v = snap.version;
    if (snap.source === 'files') return [info('offline: analysing manifests only (--from-file); runtime state and status are not checked')];
    if (!v || isListError(v)) return [warning(`could not read the server version: ${v?.message ?? 'unknown'}`, undefined)];
    const minor = Number(v.minor?.replace(/\D/g, ''));
    // Gateway API v1.x CRDs use CEL validation rules, which need Kubernetes ≥ 1.26 (gateway-api README, "Supported versions").
    if (Number.isFinite(minor) && minor > 0 && minor < 26) {
      return [warning(`Kubernetes ${v.gitVersion} is older than 1.26, the oldest version Gateway API v1 CRDs support`, undefined)];
    }
    return [ok(`Kubernetes ${v.gitVersion}${snap.context ? ` (context ${snap.context})` : ''}`)];
  },
};

export const readAccess: Check = {
  code: 'IGW-102',
  phase: 1,
  scope: 'cluster',
  title: 'Objects doctor needs are readable',
  run({snap}) {
    const denied = unreadable(snap).filter((u) => u.error.reason === 'forbidden' || u.error.reason === 'failed');
    if (denied.length === 0) {
      const n = Object.keys(snap.lists).length;
      return [ok(snap.source === 'files' ? 'manifests read' : `${n} kinds read${snap.namespace ? ` in namespace ${snap.namespace}` : ' in all namespaces'}`)];
    }
    // One finding, one fix: a read-only ClusterRole with every resource that was refused, bound
    // where it was refused (cluster-wide, or per namespace).
    const user = /User "([^"]+)"/.exec(denied.map((d) => d.error.message).join(' '))?.[1];
    const resources = [...new Set(denied.map((d) => {
      const k = kindDef(d.kind);
      return k.group ? `${k.resource}.${k.group}` : k.resource;
    }))];
    const what = [...new Set(denied.map((d) => `${kindDef(d.kind).kind}${d.namespace ? ` (${d.namespace})` : ''}`))];
    const clusterWide = denied.some((d) => !d.namespace);
    const namespaces = [...new Set(denied.map((d) => d.namespace).filter((x): x is string => Boolean(x)))];
    const subject = user ? (user.startsWith('system:serviceaccount:') ? `--serviceaccount=${user.split(':').slice(2).join(':')}` : `--user=${user}`) : '--user=<you>';
    const bind = clusterWide
      ? [`kubectl create clusterrolebinding infgw-doctor --clusterrole=infgw-doctor ${subject}`]
      : namespaces.map((ns) => `kubectl create rolebinding infgw-doctor -n ${ns} --clusterrole=infgw-doctor ${subject}`);
    const fix = [`kubectl create clusterrole infgw-doctor --verb=get,list --resource=${resources.join(',')}`, ...bind].join('\n');
    const msg = `${user ? `user "${user}" may not` : 'cannot'} list ${what.join(', ')}; the checks that need them are skipped`;
    // Nothing about the pools can be read: doctor cannot vouch for anything — that is an error.
    const blind = ['InferencePool', 'XInferencePool'].every((k) => denied.some((d) => d.kind === k));
    return [blind ? error(`${msg} — no InferencePool can be read, so nothing can be checked`, undefined, fix) : warning(msg, undefined, fix)];
  },
};

const GATEWAY_API_KINDS: KindKey[] = ['GatewayClass', 'Gateway', 'HTTPRoute'];

export const gatewayApiCrds: Check = {
  code: 'IGW-103',
  phase: 1,
  scope: 'cluster',
  title: 'Gateway API CRDs are installed',
  symptoms: ['gateway-not-programmed'],
  run({snap}) {
    if (snap.source === 'files') return [];
    const missing = GATEWAY_API_KINDS.filter((k) => served(snap, k) === false);
    const crd = snap.crds[CRD_NAMES.gateways];
    const version = bundleVersion(crd, 'gateway.networking.k8s.io/bundle-version');
    const channel = bundleVersion(crd, 'gateway.networking.k8s.io/channel');
    if (missing.length) {
      return [
        error(
          `Gateway API ${missing.map((k) => kindDef(k).kind).join(', ')} (gateway.networking.k8s.io/v1) not served: the Gateway API CRDs are not installed`,
          crdRef(CRD_NAMES.gateways),
          `kubectl apply --server-side -f ${GATEWAY_API_CRDS_URL}\n# (the Envoy Gateway chart gateway-helm also installs them)`,
        ),
      ];
    }
    const out: Draft[] = [ok(`Gateway API CRDs installed${version ? `, bundle ${version}` : ''}${channel ? ` (${channel} channel)` : ''}`, crdRef(CRD_NAMES.gateways))];
    if (served(snap, 'ReferenceGrant') === false) {
      out.push(warning('ReferenceGrant (gateway.networking.k8s.io/v1beta1) is not served: an HTTPRoute cannot reference an InferencePool in another namespace', crdRef('referencegrants.gateway.networking.k8s.io'), `kubectl apply --server-side -f ${GATEWAY_API_CRDS_URL}`));
    }
    return out;
  },
};

export const inferencePoolApi: Check = {
  code: 'IGW-104',
  phase: 1,
  scope: 'cluster',
  title: 'InferencePool API is served',
  symptoms: ['epp-not-starting', '500'],
  run({snap}) {
    if (snap.source === 'files') return [];
    const v1 = served(snap, 'InferencePool');
    const alpha = served(snap, 'XInferencePool');
    const version = bundleVersion(snap.crds[CRD_NAMES.inferencePools], 'inference.networking.k8s.io/bundle-version');
    if (v1 === false && alpha === false) {
      return [error('no InferencePool API is served (neither inference.networking.k8s.io/v1 nor inference.networking.x-k8s.io/v1alpha2): the Gateway API Inference Extension CRDs are not installed', crdRef(CRD_NAMES.inferencePools), `kubectl apply -f ${GIE_CRDS_URL}`)];
    }
    if (v1 === false && alpha) {
      return [
        warning(
          'only the old InferencePool API inference.networking.x-k8s.io/v1alpha2 is served; it was removed upstream in GIE 1.5 and current EPPs look for inference.networking.k8s.io/v1 pools (--pool-group default)',
          crdRef('inferencepools.inference.networking.x-k8s.io'),
          `kubectl apply -f ${GIE_CRDS_URL}\n# then recreate each pool as apiVersion inference.networking.k8s.io/v1 (spec.targetPorts, spec.endpointPickerRef)`,
        ),
      ];
    }
    const groups = [v1 ? `${GROUP.pool}/v1${version ? ` (bundle ${version})` : ''}` : undefined, alpha ? `${GROUP.xPool}/v1alpha2 (old)` : undefined].filter(Boolean);
    return [ok(`InferencePool served: ${groups.join(', ')}`, crdRef(CRD_NAMES.inferencePools))];
  },
};

export const poolGroupAgreement: Check = {
  code: 'IGW-105',
  phase: 1,
  scope: 'chain',
  title: 'InferencePool API group agrees across HTTPRoute, pool and EPP',
  symptoms: ['500', '503', 'ext-proc-not-routing'],
  run({chain, snap}) {
    if (!chain.pool) return [];
    const out: Draft[] = [];
    const pool = chain.pool;
    for (const l of chain.routes) {
      if (l.group !== pool.group) {
        const rns = l.route.metadata.namespace;
        const idx = (l.route.spec?.rules?.[l.ruleIndex]?.backendRefs ?? []).indexOf(l.backendRef);
        out.push(
          error(
            `HTTPRoute ${rns}/${l.route.metadata.name} references InferencePool ${pool.name} with group "${l.group}", but the pool is ${pool.group}/${pool.version}`,
            {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: rns, name: l.route.metadata.name},
            jsonPatch('httproute', rns, l.route.metadata.name, [{op: 'replace', path: `/spec/rules/${l.ruleIndex}/backendRefs/${idx}/group`, value: pool.group}]),
          ),
        );
      }
    }
    for (const e of chain.epps) {
      if (e.poolName !== pool.name || e.poolNamespace !== pool.namespace) continue;
      if (e.poolGroup !== pool.group) {
        const d = e.deployment;
        const ci = d.spec.template.spec.containers.indexOf(e.container!);
        const dref = {apiVersion: 'apps/v1', kind: 'Deployment', namespace: d.metadata.namespace, name: d.metadata.name};
        const msg = `EPP ${d.metadata.namespace}/${d.metadata.name} watches InferencePools of group ${e.poolGroup}${e.poolGroup === GROUP.pool ? ' (the --pool-group default)' : ''}, but pool ${pool.name} is ${pool.group}: the EPP never sees the pool or its endpoints`;
        if (pool.group === GROUP.xPool && served(snap, 'InferencePool')) {
          // The old group was removed upstream in GIE 1.5 (domain-facts §1): move the pool to v1 rather
          // than point the EPP (and Envoy's InferencePool support) at the removed API.
          out.push(error(`${msg}; ${GROUP.xPool} was removed in GIE 1.5 — recreate the pool as ${GROUP.pool}/v1`, dref, migratePoolFix(chain)));
        } else {
          out.push(error(msg, dref, jsonPatch('deployment', d.metadata.namespace, d.metadata.name, [{op: 'add', path: `/spec/template/spec/containers/${ci}/args/-`, value: `--pool-group=${pool.group}`}])));
        }
      }
    }
    if (out.length === 0) out.push(ok(`${pool.group}/${pool.version} used consistently`, poolRef(chain)));
    return out;
  },
};

/** An inference.networking.x-k8s.io/v1alpha2 pool rewritten as inference.networking.k8s.io/v1, and its routes' backendRef group. */
function migratePoolFix(chain: PoolChain): string {
  const p = chain.pool!;
  const sel = p.selector && typeof (p.selector as {matchLabels?: unknown}).matchLabels === 'object' ? (p.selector as {matchLabels: Record<string, string>}).matchLabels : (p.selector as Record<string, string> | undefined);
  const v1 = {
    apiVersion: `${GROUP.pool}/v1`,
    kind: 'InferencePool',
    metadata: {name: p.name, namespace: p.namespace},
    spec: {
      selector: {matchLabels: sel ?? {}},
      targetPorts: p.targetPorts.map((n) => ({number: n})),
      ...(p.epp ? {endpointPickerRef: {name: p.epp.name, port: {number: p.epp.port ?? 9002}, ...(p.epp.failureMode ? {failureMode: p.epp.failureMode} : {})}} : {}),
    },
  };
  const routes = chain.routes.map((l) => {
    const idx = (l.route.spec?.rules?.[l.ruleIndex]?.backendRefs ?? []).indexOf(l.backendRef);
    return jsonPatch('httproute', l.route.metadata.namespace, l.route.metadata.name, [{op: 'replace', path: `/spec/rules/${l.ruleIndex}/backendRefs/${idx}/group`, value: GROUP.pool}]);
  });
  return [`kubectl apply -f - <<'EOF'\n${yamlBlock(v1)}\nEOF`, ...routes, `kubectl delete inferencepools.${GROUP.xPool} ${p.name} -n ${p.namespace}`].join('\n');
}

export const inferenceObjectiveApi: Check = {
  code: 'IGW-106',
  phase: 1,
  scope: 'cluster',
  title: 'InferenceObjective API is served',
  symptoms: ['epp-not-starting'],
  run({snap}) {
    if (snap.source === 'files') return [];
    const x = served(snap, 'InferenceObjective');
    const llmd = served(snap, 'LlmdInferenceObjective');
    if (x === false && llmd === false) {
      return [
        warning(
          'InferenceObjective is not served (neither inference.networking.x-k8s.io/v1alpha2 nor llm-d.ai/v1alpha2): EPPs that watch objectives fail to sync or log errors, and requests cannot be given a priority',
          crdRef('inferenceobjectives.inference.networking.x-k8s.io'),
          `kubectl apply -f ${GIE_CRDS_URL}`,
        ),
      ];
    }
    return [ok(`InferenceObjective served: ${[x ? `${GROUP.xPool}/v1alpha2` : '', llmd ? `${GROUP.llmd}/v1alpha2` : ''].filter(Boolean).join(', ')}`)];
  },
};

export const envoyExtensionPolicyApi: Check = {
  code: 'IGW-107',
  phase: 1,
  scope: 'cluster',
  title: 'Envoy Gateway CRDs (EnvoyExtensionPolicy) are installed',
  symptoms: ['ext-proc-not-routing'],
  run({snap, target}) {
    if (snap.source === 'files') return [];
    if (served(snap, 'EnvoyExtensionPolicy') === false) {
      const needed = target.releases.some((r) => r.policies.length > 0);
      const msg = 'EnvoyExtensionPolicy (gateway.envoyproxy.io/v1alpha1) is not served: Envoy Gateway or its CRDs are not installed';
      const fix = 'helm upgrade --install eg oci://docker.io/envoyproxy/gateway-helm -n envoy-gateway-system --create-namespace';
      return [needed ? error(msg, crdRef('envoyextensionpolicies.gateway.envoyproxy.io'), fix) : warning(msg, crdRef('envoyextensionpolicies.gateway.envoyproxy.io'), fix)];
    }
    return [ok('EnvoyExtensionPolicy served')];
  },
};

export const kserveApi: Check = {
  code: 'IGW-108',
  phase: 1,
  scope: 'cluster',
  title: 'KServe InferenceService API is served',
  run({snap}) {
    if (snap.source === 'files') return [];
    if (served(snap, 'InferenceService') === false) {
      return [info('InferenceService (serving.kserve.io/v1beta1) is not served: KServe is not installed; pools must select plain model-server pods')];
    }
    return [ok(`InferenceService served${served(snap, 'LLMInferenceService') ? '; LLMInferenceService served' : ''}`)];
  },
};

export const phase1: Check[] = [apiServer, readAccess, gatewayApiCrds, inferencePoolApi, poolGroupAgreement, inferenceObjectiveApi, envoyExtensionPolicyApi, kserveApi];

export {poolRef};
