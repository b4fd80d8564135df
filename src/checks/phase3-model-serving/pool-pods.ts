/*
 * Phase 3 — the pods the pool selects: any at all, Ready ones, and the target ports they declare
 * (install notes TROUBLESHOOTING 4, "Requests returning 503").
 */
import type {Pod} from '../../k8s/objects.ts';
import {podReady, worstPodProblem} from '../../k8s/pods.ts';
import {selectorIsEmpty, selectorString} from '../../k8s/selectors.ts';
import {declaredPorts} from '../../k8s/services.ts';
import {KSERVE_ISVC_LABEL} from '../../model/target.ts';
import {inNamespace} from '../../snapshot/query.ts';
import {podProblemFix, poolPatch} from '../helpers.ts';
import {error, info, ok, warning, notApplicable, type Check} from '../types.ts';

export const poolSelectsPods: Check = {
  code: 'IGW-303',
  phase: 3,
  scope: 'chain',
  title: "InferencePool's selector matches model server pods",
  readme: {checks: 'selector matches pods', failure: '503'},
  dependsOn: ['IGW-301'],
  symptoms: {'503': 2},
  reads: ['Pod'],
  run({chain, snap}) {
    if (!chain.pool) return [notApplicable('this chain has no InferencePool')];
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
  readme: {checks: 'pods Ready, and why not', failure: '503'},
  dependsOn: ['IGW-303'],
  symptoms: {'503': 3, 'high-latency': 1},
  reads: ['Pod'],
  run({chain}) {
    const pods = chain.modelPods;
    const ready = pods.filter(podReady);
    if (!chain.pool) return [notApplicable('this chain has no InferencePool')];
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
  readme: {checks: 'targetPorts = container ports', failure: '503, no EPP metrics'},
  dependsOn: ['IGW-303'],
  symptoms: {'503': 4},
  reads: ['Pod'],
  run({chain}) {
    if (!chain.pool) return [notApplicable('this chain has no InferencePool')];
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
