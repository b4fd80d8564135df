/*
 * Phase 3 — Model serving: the InferencePool, the pods it selects, the InferenceService behind
 * them, and the pool's reference to its EPP. Replaces the install notes' PREREQUISITES 3,
 * INFERENCEPOOL SETUP and TROUBLESHOOTING 4 ("Requests returning 503").
 */
import {GROUP} from '../snapshot/kinds.ts';
import {inNamespace, items, isLive} from '../snapshot/query.ts';
import {
  condition,
  conditions,
  declaredPorts,
  describeCondition,
  podReady,
  selectorIsEmpty,
  selectorMatches,
  selectorString,
  worstPodProblem,
  type Pod,
  type Service,
} from './k8s.ts';
import {error, info, ok, skipped, warning, type Check, type Draft} from './types.ts';
import {chartRef, nsFlag, yamlBlock} from './fix.ts';
import {eppPoolOf, KSERVE_ISVC_LABEL, poolRef, releaseRef, type PoolChain} from './target.ts';
import type {Deployment} from './k8s.ts';

/** The next command to run for a pod problem (the fix when the cause is outside the cluster's objects). */
export function podProblemFix(pod: Pod, problem: {kind: string; container?: string | undefined}): string {
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name;
  switch (problem.kind) {
    case 'CrashLoop':
      return `kubectl logs ${name} -n ${ns}${problem.container ? ` -c ${problem.container}` : ''} --previous`;
    case 'ImagePull':
      return `kubectl describe pod ${name} -n ${ns}   # Events show the registry's answer; fix the image or imagePullSecrets`;
    case 'Unschedulable':
      return `kubectl describe pod ${name} -n ${ns}   # then free or add the resources named above (kubectl describe nodes)`;
    case 'ContainerConfig':
      return `kubectl describe pod ${name} -n ${ns}   # create the ConfigMap/Secret it refers to`;
    default:
      return `kubectl describe pod ${name} -n ${ns}`;
  }
}

function poolPatch(chain: PoolChain, v1: unknown, v1alpha2: unknown): string {
  const pool = chain.pool!;
  const kind = pool.group === GROUP.xPool ? `inferencepools.${GROUP.xPool}` : 'inferencepool';
  return `kubectl patch ${kind} ${pool.name}${nsFlag(pool.namespace)} --type merge -p '${JSON.stringify(pool.group === GROUP.xPool ? v1alpha2 : v1)}'`;
}

/** EPP Services in a namespace: Services whose selector picks an EPP Deployment's pods. */
function eppServicesIn(chain: PoolChain, services: Service[], deployments: Deployment[]): Service[] {
  return services.filter(
    (s) =>
      s.metadata.namespace === chain.namespace &&
      s.spec?.selector &&
      deployments.some((d) => d.metadata.namespace === s.metadata.namespace && eppPoolOf(d).container && selectorMatches(s.spec!.selector, d.spec?.template?.metadata?.labels)),
  );
}

export const poolsFound: Check = {
  code: 'IGW-300',
  phase: 3,
  scope: 'cluster',
  title: 'InferencePools found',
  reads: ['InferencePool'],
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
  symptoms: ['epp-not-starting', '503', '500'],
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

export const inferenceServiceReady: Check = {
  code: 'IGW-302',
  phase: 3,
  scope: 'chain',
  title: 'InferenceService is Ready',
  dependsOn: ['IGW-301'],
  symptoms: ['503'],
  reads: ['InferenceService'],
  run({chain, snap}) {
    const out: Draft[] = [];
    for (const i of chain.inferenceServices) {
      const objRef = {apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService', namespace: chain.namespace, name: i.name};
      if ('unknown' in i.lookup) {
        out.push(skipped(`skipped: InferenceService ${i.name}: ${i.lookup.unknown.message}`, objRef));
        continue;
      }
      if ('absent' in i.lookup) {
        out.push(error(`the pool selects pods of InferenceService ${chain.namespace}/${i.name}, which does not exist`, objRef, `kubectl get inferenceservice -n ${chain.namespace}   # create it, or change the pool's selector`));
        continue;
      }
      const o = i.lookup.found;
      if (!isLive(snap, o)) continue;
      const conds = conditions(o);
      const ready = condition(conds, 'Ready');
      if (ready?.status === 'True') {
        out.push(ok(`InferenceService ${chain.namespace}/${i.name} is Ready`, objRef));
        continue;
      }
      const bad = conds.filter((c) => c.type !== 'Ready' && c.status !== 'True');
      const why = bad.length ? bad.map((c) => describeCondition(c)).join('; ') : describeCondition(ready, 'Ready');
      out.push(error(`InferenceService ${chain.namespace}/${i.name} is not Ready: ${why}`, objRef, `kubectl describe inferenceservice ${i.name} -n ${chain.namespace}`));
    }
    return out;
  },
};

export const poolSelectsPods: Check = {
  code: 'IGW-303',
  phase: 3,
  scope: 'chain',
  title: "InferencePool's selector matches model server pods",
  dependsOn: ['IGW-301'],
  symptoms: ['503'],
  reads: ['Pod'],
  run({chain, snap}) {
    if (!chain.pool) return [];
    const pool = chain.pool;
    if (selectorIsEmpty(pool.selector)) {
      return [error(`InferencePool ${chain.key} has an empty selector`, pool.ref, poolPatch(chain, {spec: {selector: {matchLabels: {app: '<model-server-label>'}}}}, {spec: {selector: {app: '<model-server-label>'}}}))];
    }
    const sel = selectorString(pool.selector);
    if (chain.modelPods.length > 0) return [ok(`selector ${sel} matches ${chain.modelPods.length} pod${chain.modelPods.length === 1 ? '' : 's'}`, pool.ref)];
    // Suggest the labels of pods that look like the model server: those of an InferenceService
    // named like the pool, else nothing (guessing labels would be a wrong fix).
    const pods = inNamespace<Pod>(snap, 'Pod', chain.namespace);
    const isvcPods = pods.filter((p) => p.metadata.labels?.[KSERVE_ISVC_LABEL] === pool.name);
    const fix = isvcPods.length
      ? poolPatch(chain, {spec: {selector: {matchLabels: {[KSERVE_ISVC_LABEL]: pool.name}}}}, {spec: {selector: {[KSERVE_ISVC_LABEL]: pool.name}}})
      : `kubectl get pods -n ${chain.namespace} --show-labels   # then set the pool's selector to the model server pods' labels`;
    return [error(`InferencePool ${chain.key} selects no pods (selector ${sel}, namespace ${chain.namespace}): Envoy has no endpoints, requests fail with 503`, pool.ref, fix)];
  },
};

export const poolPodsReady: Check = {
  code: 'IGW-304',
  phase: 3,
  scope: 'chain',
  title: 'Model server pods are Ready',
  dependsOn: ['IGW-303'],
  symptoms: ['503', 'high-latency'],
  reads: ['Pod'],
  run({chain}) {
    const pods = chain.modelPods;
    const ready = pods.filter(podReady);
    if (!chain.pool) return [];
    const pool = chain.pool;
    if (ready.length === pods.length) return [ok(`${ready.length}/${pods.length} pods Ready`, pool.ref)];
    const worst = worstPodProblem(pods)!;
    const podRef = {apiVersion: 'v1', kind: 'Pod', namespace: worst.pod.metadata.namespace, name: worst.pod.metadata.name};
    const msg = `${ready.length}/${pods.length} pods of InferencePool ${chain.key} Ready; ${worst.pod.metadata.name}: ${worst.problem.message}`;
    if (ready.length === 0) return [error(`${msg} — no endpoint can serve: 503 "no healthy upstream"`, podRef, podProblemFix(worst.pod, worst.problem))];
    return [warning(msg, podRef, podProblemFix(worst.pod, worst.problem))];
  },
};

export const poolTargetPorts: Check = {
  code: 'IGW-305',
  phase: 3,
  scope: 'chain',
  title: "InferencePool's targetPorts match the model server's container port",
  dependsOn: ['IGW-303'],
  symptoms: ['503'],
  reads: ['Pod'],
  run({chain}) {
    if (!chain.pool) return [];
    const pool = chain.pool;
    if (pool.targetPorts.length === 0) {
      return [error(`InferencePool ${chain.key} has no target port`, pool.ref, poolPatch(chain, {spec: {targetPorts: [{number: 8080}]}}, {spec: {targetPortNumber: 8080}}))];
    }
    const declared = [...new Set(chain.modelPods.flatMap((p) => declaredPorts(p.spec)))];
    if (declared.length === 0) return [info(`pods declare no container ports; cannot verify target port ${pool.targetPorts.join(', ')}`, pool.ref)];
    const wrong = pool.targetPorts.filter((t) => !declared.includes(t));
    if (wrong.length === 0) return [ok(`target port${pool.targetPorts.length > 1 ? 's' : ''} ${pool.targetPorts.join(', ')} declared by the pods`, pool.ref)];
    // Metrics ports (EPP scrapes /metrics on the target port too) are not what we want to suggest;
    // the model server port is the one pods declare that is not an obvious sidecar port.
    const suggestion = declared.length === 1 ? declared[0]! : (declared.find((p) => p === 8080 || p === 8000) ?? declared[0]!);
    return [
      error(
        `InferencePool ${chain.key} sends to port ${wrong.join(', ')}, but its pods' containers listen on ${declared.join(', ')}: requests get 503 and the EPP cannot scrape metrics`,
        pool.ref,
        poolPatch(chain, {spec: {targetPorts: [{number: suggestion}]}}, {spec: {targetPortNumber: suggestion}}),
      ),
    ];
  },
};

export const poolEndpointPickerRef: Check = {
  code: 'IGW-306',
  phase: 3,
  scope: 'chain',
  title: "InferencePool's endpointPickerRef names the EPP Service on port 9002",
  dependsOn: ['IGW-301'],
  symptoms: ['ext-proc-not-routing', '500', '503'],
  reads: ['Service'],
  run({chain, snap}) {
    if (!chain.pool) return [];
    const pool = chain.pool;
    const field = pool.group === GROUP.xPool ? 'extensionRef' : 'endpointPickerRef';
    const refPatch = (name: string, port: number): string =>
      poolPatch(chain, {spec: {endpointPickerRef: {name, port: {number: port}}}}, {spec: {extensionRef: {name, portNumber: port}}});
    const expectedName = chain.release?.eppService?.metadata.name;
    const eppSvcs = eppServicesIn(chain, items<Service>(snap, 'Service'), items<Deployment>(snap, 'Deployment'));
    const suggested = expectedName ?? (eppSvcs.length === 1 ? eppSvcs[0]!.metadata.name : undefined);
    if (!pool.epp) {
      return [error(`InferencePool ${chain.key} has no ${field}: no Endpoint Picker chooses its endpoints`, pool.ref, refPatch(suggested ?? '<epp-service>', 9002))];
    }
    const e = pool.epp;
    const out: Draft[] = [];
    if ((e.kind && e.kind !== 'Service') || (e.group && e.group !== '')) {
      return [error(`${field} of ${chain.key} is ${e.group ? `${e.group}/` : ''}${e.kind} ${e.name}; only a core Service is supported`, pool.ref, refPatch(suggested ?? e.name, 9002))];
    }
    if (expectedName && e.name !== expectedName) {
      out.push(
        error(
          `${field} of ${chain.key} names Service ${e.name}, but release ${chain.release!.release.name}'s EPP Service is ${expectedName}`,
          pool.ref,
          refPatch(expectedName, 9002),
        ),
      );
    }
    const svcLookup = chain.eppService;
    const svc = svcLookup && 'found' in svcLookup ? svcLookup.found : undefined;
    if (svcLookup && 'absent' in svcLookup && !(expectedName && e.name !== expectedName)) {
      const rel = chain.release;
      const fix =
        rel && expectedName === e.name
          ? `helm get manifest ${rel.release.name} -n ${rel.release.namespace} | kubectl apply -f -   # the release's EPP Service was deleted`
          : suggested && suggested !== e.name
            ? refPatch(suggested, 9002)
            : `kubectl get svc -n ${chain.namespace}   # point ${field} at the EPP Service`;
      out.push(error(`${field} of ${chain.key} names Service ${chain.namespace}/${e.name}, which does not exist`, pool.ref, fix));
    }
    const port = e.port ?? (e.field === 'extensionRef' ? 9002 : undefined);
    if (port === undefined) {
      out.push(error(`${field} of ${chain.key} has no port; the EPP's gRPC (ext-proc) port is 9002`, pool.ref, refPatch(e.name, 9002)));
    } else if (port !== 9002) {
      const svcHas = svc?.spec?.ports?.some((p) => p.port === port);
      const grpc = svc?.spec?.ports?.find((p) => p.port === 9002 || p.name === 'grpc' || p.name === 'grpc-ext-proc');
      if (!svcHas || port === 8000 || (grpc && grpc.port !== port)) {
        out.push(
          error(
            `${field} of ${chain.key} uses port ${port}${port === 8000 ? ' (the model server port)' : ''}; the EPP serves ext-proc on 9002 — Envoy cannot reach the picker and the EPP sees no traffic`,
            pool.ref,
            refPatch(e.name, grpc?.port ?? 9002),
          ),
        );
      }
    } else if (svc && !(svc.spec?.ports ?? []).some((p) => p.port === 9002)) {
      out.push(error(`Service ${chain.namespace}/${e.name} has no port 9002 (ports: ${(svc.spec?.ports ?? []).map((p) => p.port).join(', ') || 'none'})`, {apiVersion: 'v1', kind: 'Service', namespace: chain.namespace, name: e.name}, `kubectl edit svc ${e.name} -n ${chain.namespace}   # add port 9002 (grpc) targeting the EPP container port 9002`));
    }
    if (out.length === 0) {
      out.push(ok(`${field} → Service ${e.name}:${port}${e.failureMode === 'FailOpen' ? ' (FailOpen: requests bypass the picker when it is down)' : ''}`, pool.ref));
    }
    return out;
  },
};

export const poolStatus: Check = {
  code: 'IGW-307',
  phase: 3,
  scope: 'chain',
  title: 'InferencePool is Accepted by its Gateway',
  dependsOn: ['IGW-301'],
  symptoms: ['500', 'ext-proc-not-routing'],
  run({chain, snap}) {
    if (!chain.pool) return [];
    const pool = chain.pool;
    if (!isLive(snap, pool.obj)) return [];
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

export const phase3: Check[] = [poolsFound, poolExists, inferenceServiceReady, poolSelectsPods, poolPodsReady, poolTargetPorts, poolEndpointPickerRef, poolStatus];

