/*
 * Phase 3 — KServe LLMInferenceService and GIE v1.6's optional endpointPickerRef (issue 11, NF13/NF14).
 *
 * LLMInferenceService (serving.kserve.io v1alpha1/v1alpha2; kserve/kserve
 * pkg/apis/serving/v1alpha2/llm_inference_service_lifecycle.go): `Ready` rolls up PresetsCombined,
 * WorkloadsReady (MainWorkloadReady, WorkerWorkloadReady, PrefillWorkloadReady, …) and RouterReady
 * (GatewaysReady, HTTPRoutesReady, InferencePoolReady, SchedulerWorkloadReady, TokenizerReady);
 * RouterReady=False copies the first false sub-condition's reason and message. Users see it stuck
 * "waiting for the Gateway" when no HTTPRoute is made — the managed route needs `spec.router.route`
 * (with `spec.router.gateway`) set. Doctor reads the object through the version it lists
 * (src/snapshot/kinds.ts); the conditions have the same shape in both versions. The CRD is not in
 * ../shared/crds, so this check is tested with upstream-shaped objects only.
 *
 * InferencePool (GIE v1.6.0 api/v1/inferencepool_types.go): `endpointPickerRef` became optional in
 * the API; an implementation that still needs it sets Accepted=False with reason
 * EndpointPickerRefMissing ("endpointPickerRef field is unset despite being required by the
 * Inference Gateway implementation").
 */
import type {KubeObject} from '../../kube/client.ts';
import {conditions, type Condition} from '../../k8s/objects.ts';
import {GROUP} from '../../snapshot/kinds.ts';
import {items} from '../../snapshot/query.ts';
import {poolPatch} from '../helpers.ts';
import {error, info, ok, type Check, type Draft} from '../types.ts';

interface LLMInferenceService extends KubeObject {
  spec?: {model?: {uri?: string; name?: string}; router?: {route?: unknown; gateway?: unknown; scheduler?: unknown}};
  status?: {conditions?: Condition[]};
}

/** Sub-conditions in the order the lifecycle rolls them up (first false = the reported cause). */
const ROUTER_PARTS = ['GatewaysReady', 'HTTPRoutesReady', 'InferencePoolReady', 'SchedulerWorkloadReady', 'TokenizerReady'];
const WORKLOAD_PARTS = ['MainWorkloadReady', 'WorkerWorkloadReady', 'PrefillWorkloadReady', 'PrefillWorkerWorkloadReady', 'ScalingReady', 'PrefillScalingReady'];

function cond(c: Condition[], type: string): Condition | undefined {
  return c.find((x) => x.type === type);
}

function say(c: Condition): string {
  return `${c.type}=${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : c.message ? ` (${c.message})` : ''}`;
}

export const llmInferenceServiceReady: Check = {
  code: 'IGW-309',
  phase: 3,
  scope: 'cluster',
  title: 'LLMInferenceServices are Ready (presets, workloads, router: Gateway, HTTPRoute, InferencePool, scheduler)',
  readme: {checks: 'LLMInferenceServices are Ready (presets, workloads, router: Gateway, HTTPRoute, InferencePool, scheduler)', failure: 'LLMInferenceService stuck, no route'},
  whenAbsent: 'no LLMInferenceService',
  symptoms: {'503': 20, 'epp-not-starting': 20},
  reads: ['LLMInferenceService'],
  run({snap}) {
    const out: Draft[] = [];
    for (const o of items<LLMInferenceService>(snap, 'LLMInferenceService')) {
      const ref = {apiVersion: o.apiVersion ?? `${GROUP.kserve}/v1alpha1`, kind: 'LLMInferenceService', namespace: o.metadata.namespace, name: o.metadata.name};
      const id = `LLMInferenceService ${o.metadata.namespace}/${o.metadata.name}`;
      const cs = conditions(o);
      const ready = cond(cs, 'Ready');
      if (ready?.status === 'True') {
        out.push(ok(`${id} is Ready`, ref));
        continue;
      }
      if (!ready) {
        out.push(info(`${id} has no Ready condition yet (the KServe controller has not reconciled it)`, ref, `kubectl get llminferenceservice ${o.metadata.name} -n ${o.metadata.namespace} -o yaml`));
        continue;
      }
      const falseOf = (types: string[]) => types.map((t) => cond(cs, t)).find((c) => c && c.status === 'False');
      const presets = cond(cs, 'PresetsCombined');
      const router = cond(cs, 'RouterReady');
      const workloads = cond(cs, 'WorkloadsReady');
      const routerCause = falseOf(ROUTER_PARTS);
      const workloadCause = falseOf(WORKLOAD_PARTS);
      const noRoute = o.spec?.router?.route === undefined;
      const describe = `kubectl describe llminferenceservice ${o.metadata.name} -n ${o.metadata.namespace}`;
      if (presets?.status === 'False') {
        out.push(error(`${id} is not Ready: ${say(presets)} — its config presets could not be combined, nothing is deployed`, ref, describe));
      } else if (workloads?.status === 'False') {
        out.push(error(`${id} is not Ready: ${say(workloadCause ?? workloads)} — the model server workload is not up`, ref, `kubectl get pods -n ${o.metadata.namespace} -l app.kubernetes.io/name=${o.metadata.name}\n${describe}`));
      } else if (router?.status === 'False' || routerCause) {
        const c = routerCause ?? router!;
        const routeHint =
          (c.type === 'GatewaysReady' || c.type === 'HTTPRoutesReady' || /gateway/i.test(`${c.reason ?? ''} ${c.message ?? ''}`)) && noRoute
            ? ` — spec.router.route is not set, so KServe makes no HTTPRoute and the service waits for a Gateway route that never comes`
            : '';
        out.push(
          error(
            `${id} is not Ready: router not ready, ${say(c)}${routeHint}`,
            ref,
            routeHint
              ? `kubectl patch llminferenceservice ${o.metadata.name} -n ${o.metadata.namespace} --type merge -p '{"spec":{"router":{"route":{},"gateway":{}}}}'   # managed HTTPRoute on the default Gateway; or name your Gateway under spec.router.gateway.refs`
              : describe,
          ),
        );
      } else {
        out.push(error(`${id} is not Ready: ${say(ready)}`, ref, describe));
      }
    }
    return out;
  },
};

export const endpointPickerRefMissing: Check = {
  code: 'IGW-308',
  phase: 3,
  scope: 'chain',
  title: 'No Gateway implementation refuses the InferencePool for lack of an endpointPickerRef (GIE v1.6)',
  readme: {checks: 'No Gateway implementation refuses the InferencePool for lack of an endpointPickerRef (GIE v1.6)', failure: 'pool refused by its Gateway (GIE v1.6)'},
  whenAbsent: 'no InferencePool parent reports EndpointPickerRefMissing',
  dependsOn: ['IGW-301'],
  symptoms: {'503': 20, 'ext-proc-not-routing': 20},
  reads: ['InferencePool'],
  run({chain}) {
    const pool = chain.pool;
    if (!pool || pool.epp) return [];
    const refusing = pool.parents.filter((p) => p.conditions.some((c) => c.type === 'Accepted' && c.status === 'False' && c.reason === 'EndpointPickerRefMissing'));
    const fix = poolPatch(chain, {spec: {endpointPickerRef: {name: '<epp-service>', port: {number: 9002}}}}, {spec: {extensionRef: {name: '<epp-service>', portNumber: 9002}}});
    if (refusing.length) {
      // IGW-306 already reports the missing field as the root cause; this says what the status means.
      return [
        info(
          `InferencePool ${chain.key}: ${refusing.map((p) => `${p.controllerName ?? 'the implementation'} (parent ${p.parentRef.namespace ?? chain.namespace}/${p.parentRef.name})`).join(', ')} set Accepted=False, reason EndpointPickerRefMissing: endpointPickerRef is optional in the InferencePool API since GIE v1.6, but this Gateway implementation still needs an Endpoint Picker and ignores the pool until it has one`,
          pool.ref,
          fix,
        ),
      ];
    }
    return [info(`InferencePool ${chain.key} has no endpointPickerRef (allowed by the API since GIE v1.6): requests are balanced by the Gateway implementation alone, without load- or prefix-aware picking — if it supports that at all`, pool.ref, fix)];
  },
};
