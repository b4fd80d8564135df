/*
 * Phase 3 — Model serving: are there InferencePools, does this chain's pool exist, and what does
 * its status say. Replaces the install notes' INFERENCEPOOL SETUP.
 */
import {condition, describeCondition, type Pod} from '../../k8s/objects.ts';
import {declaredPorts} from '../../k8s/services.ts';
import {KSERVE_ISVC_LABEL, poolRef, releaseRef} from '../../model/target.ts';
import {GROUP} from '../../snapshot/kinds.ts';
import {inNamespace, isLive, items} from '../../snapshot/query.ts';
import {chartRef, yamlBlock} from '../fix.ts';
import {error, info, ok, skipped, warning, notApplicable, type Check, type Draft} from '../types.ts';

export const poolsFound: Check = {
  code: 'IGW-300',
  phase: 3,
  scope: 'cluster',
  title: 'InferencePools found',
  readme: {checks: 'pools found in scope', failure: 'nothing to check / -r or --pool not found'},
  reads: ['InferencePool', 'XInferencePool'],
  judgesUnreadable: ['XInferencePool'],
  run({target, snap}) {
    if (target.chains.length > 0) {
      return [ok(`${target.chains.length} InferencePool chain${target.chains.length === 1 ? '' : 's'}: ${target.chains.map((c) => c.key).join(', ')}`)];
    }
    const where = target.namespace ? `namespace ${target.namespace}` : 'the cluster';
    const filter = [target.releaseFilter ? `release ${target.releaseFilter}` : '', target.poolFilter ? `pool ${target.poolFilter}` : ''].filter(Boolean).join(', ');
    const others = [...items(snap, 'InferencePool'), ...items(snap, 'XInferencePool')].map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    const msg = `no InferencePool${filter ? ` matching ${filter}` : ''} and no inference-gateway release found in ${where}${others.length ? ` (pools elsewhere: ${others.slice(0, 5).join(', ')})` : ''}`;
    const fix = target.namespace ? 'kubectl infgw doctor -A   # look in every namespace' : undefined;
    // asked for a release or pool by name that is not there: that is an error, not "nothing to do"
    return [filter ? error(msg, undefined, fix) : warning(msg, undefined, fix)];
  },
};

export const poolExists: Check = {
  code: 'IGW-301',
  phase: 3,
  scope: 'chain',
  title: 'InferencePool exists',
  readme: {checks: "the InferencePool exists (release's `--pool-name`)", failure: 'EPP finds nothing'},
  symptoms: {'500': 2, '503': 11, 'epp-not-starting': 5},
  reads: ['InferencePool', 'XInferencePool', 'Pod'],
  judgesUnreadable: ['InferencePool', 'XInferencePool', 'Pod'],
  run({chain, snap}) {
    if (chain.pool) {
      const p = chain.pool;
      return [ok(`InferencePool ${p.namespace}/${p.name} (${p.group}/${p.version})${chain.release ? `, served by release ${chain.release.release.name}` : ''}`, p.ref)];
    }
    const rel = chain.release;
    if (chain.poolUnknown) return [skipped(`skipped: cannot tell whether InferencePool ${chain.key} exists: ${chain.poolUnknown}`, poolRef(chain))];
    if (rel && !rel.pool.name) {
      const candidates = [...inNamespace(snap, 'InferencePool', rel.release.namespace), ...inNamespace(snap, 'XInferencePool', rel.release.namespace)].map((p) => p.metadata.name);
      return [
        error(
          `release ${rel.release.name} does not say which InferencePool its EPP serves (epp.poolName is not set; the EPP cannot start without --pool-name)`,
          releaseRef(rel),
          `helm upgrade ${rel.release.name} ${chartRef(rel.release.chart)} -n ${rel.release.namespace} --reuse-values --set epp.poolName=${candidates[0] ?? '<pool-name>'}`,
        ),
      ];
    }
    // Read the model server from the cluster rather than guess (issue 4): the InferenceService whose
    // predictor pods are in this namespace (the one named in the pool's name when there are several),
    // and the port those pods declare.
    const pods = inNamespace<Pod>(snap, 'Pod', chain.namespace);
    const isvcNames = [...new Set(pods.map((p) => p.metadata.labels?.[KSERVE_ISVC_LABEL]).filter((x): x is string => Boolean(x)))];
    const isvc = isvcNames.find((n) => n === chain.name) ?? isvcNames.filter((n) => chain.name.includes(n)).sort((a, b) => b.length - a.length)[0] ?? (isvcNames.length === 1 ? isvcNames[0] : undefined);
    const modelPods = isvc ? pods.filter((p) => p.metadata.labels?.[KSERVE_ISVC_LABEL] === isvc) : [];
    const ports = [...new Set(modelPods.flatMap((p) => declaredPorts(p.spec)))];
    const port = ports.find((x) => x === 8000 || x === 8080) ?? ports[0];
    const pool = {
      apiVersion: `${GROUP.pool}/v1`,
      kind: 'InferencePool',
      metadata: {name: chain.name, namespace: chain.namespace},
      spec: {
        selector: {matchLabels: isvc ? {[KSERVE_ISVC_LABEL]: isvc} : {app: chain.name}},
        targetPorts: [{number: port ?? 8000}],
        endpointPickerRef: {name: rel?.eppService?.metadata.name ?? `${chain.name}-epp`, port: {number: 9002}},
      },
    };
    return [
      error(
        `InferencePool ${chain.key} (${chain.group}) does not exist${rel ? `, but release ${rel.release.name}'s EPP serves it (--pool-name=${chain.name})` : ''}: the EPP finds no endpoints and every request fails`,
        poolRef(chain),
        `kubectl apply -f - <<'EOF'\n${yamlBlock(pool)}\nEOF${isvc && port ? '' : '\n# set selector to the labels of the model server pods and targetPorts to their port'}`,
      ),
    ];
  },
};

export const poolStatus: Check = {
  code: 'IGW-307',
  phase: 3,
  scope: 'chain',
  title: 'InferencePool is Accepted by its Gateway',
  readme: {checks: 'pool Accepted/ResolvedRefs by its parent', failure: 'AI Gateway rejects it'},
  dependsOn: ['IGW-301', 'IGW-227'],
  symptoms: {'500': 13, 'ext-proc-not-routing': 13},
  reads: [],
  run({chain, snap}) {
    if (!chain.pool) return [notApplicable('this chain has no InferencePool')];
    const pool = chain.pool;
    if (!isLive(snap, pool.obj)) return [notApplicable('the InferencePool comes from a manifest (no status yet)')];
    if (pool.parents.length === 0) {
      return [info(`no gateway controller has reported status on ${chain.key} (normal when an EnvoyExtensionPolicy wires the EPP; the Envoy AI Gateway controller reports it)`, pool.ref)];
    }
    const out: Draft[] = [];
    for (const p of pool.parents) {
      const gw = `${p.parentRef.kind ?? 'Gateway'} ${p.parentRef.namespace ?? chain.namespace}/${p.parentRef.name}`;
      for (const type of ['Accepted', 'ResolvedRefs']) {
        const c = condition(p.conditions, type);
        if (c && c.status === 'False') {
          const hint =
            c.reason === 'InvalidExtensionRef'
              ? ' — the endpointPickerRef does not resolve to a Service'
              : c.reason === 'HTTPRouteNotAccepted'
                ? ' — the HTTPRoute to it is not accepted (see phase 4)'
                : c.reason === 'EndpointPickerRefMissing'
                  ? ' — set endpointPickerRef'
                  : '';
          out.push(error(`${chain.key} on ${gw}: ${describeCondition(c)}${hint}`, pool.ref, `kubectl get inferencepool ${pool.name} -n ${chain.namespace} -o yaml`));
        }
      }
    }
    if (out.length === 0) out.push(ok(`Accepted by ${pool.parents.map((p) => p.parentRef.name).join(', ')}`, pool.ref));
    return out;
  },
};
