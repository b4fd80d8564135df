/*
 * Phase 1 — Cluster & CRDs. Replaces the install notes' PREREQUISITES 1 ("Phase 1 CRDs installed"): the InferencePool API, and the EPP, routes and pools agreeing on its group
 * (TROUBLESHOOTING: "Verify InferencePool CRD exists").
 */
import {poolRef, type PoolChain} from '../../model/target.ts';
import {CRD_NAMES, GROUP} from '../../snapshot/kinds.ts';
import {served} from '../../snapshot/query.ts';
import {GIE_CRDS_URL, jsonPatch, yamlBlock} from '../fix.ts';
import {bundleVersion, crdRef} from '../helpers.ts';
import {error, ok, warning, notApplicable, type Check, type Draft} from '../types.ts';

export const inferencePoolApi: Check = {
  code: 'IGW-104',
  phase: 1,
  scope: 'cluster',
  title: 'InferencePool API is served',
  readme: {checks: 'InferencePool API served (v1 / old x-k8s v1alpha2), GIE bundle version', failure: 'no pools'},
  symptoms: {'500': 10, 'epp-not-starting': 1},
  reads: ['InferencePool', 'XInferencePool'],
  judgesUnreadable: ['InferencePool', 'XInferencePool'],
  run({snap}) {
    if (snap.source === 'files') return [notApplicable('offline (--from-file): judged only on a live cluster')];
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
  readme: {checks: 'pool group = HTTPRoute backendRef group = EPP `--pool-group`', failure: 'EPP never sees the pool'},
  symptoms: {'500': 7, '503': 8, 'epp-not-starting': 7, 'ext-proc-not-routing': 11},
  reads: ['InferencePool'],
  judgesUnreadable: ['InferencePool'],
  run({chain, snap}) {
    if (!chain.pool) return [notApplicable('this chain has no InferencePool')];
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
