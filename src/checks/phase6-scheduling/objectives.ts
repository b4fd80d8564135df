/*
 * Phase 6 — InferenceObjectives the EPP actually reads, and what their priority means (issue 11,
 * NF11/NF12).
 *
 * - llm-d-router v0.10.0 pkg/epp/server/controller_config.go `populateWithDiscovery()`: when both
 *   InferenceObjective CRDs are installed it watches only `llm-d.ai/v1alpha2` and logs "Warning: Both
 *   legacy (inference.networking.x-k8s.io) and new (llm-d.ai) InferenceObjective CRDs are installed.
 *   EPP will prefer the new group and IGNORE legacy resources." GIE's EPP (≤ v1.5.0) knows only
 *   inference.networking.x-k8s.io.
 * - A negative priority makes requests sheddable (llm-d-router pkg/epp/util/request/sheddable.go
 *   `IsSheddable: priority < 0`): under saturation they are dropped first with 429 and the response
 *   header x-llm-d-request-dropped-reason (pkg/common/error/error.go).
 */
import type {KubeObject} from '../../kube/client.ts';
import type {ObjectRef} from '../../k8s/objects.ts';
import type {PoolChain} from '../../model/target.ts';
import {GROUP, type KindKey} from '../../snapshot/kinds.ts';
import {items, served} from '../../snapshot/query.ts';
import type {Snapshot} from '../../snapshot/types.ts';
import {eppBuild} from '../epp-build.ts';
import {yamlBlock} from '../fix.ts';
import {eppDeployRef} from '../helpers.ts';
import {info, ok, warning, type Check, type Draft} from '../types.ts';

interface InferenceObjective extends KubeObject {
  spec?: {poolRef?: {group?: string; kind?: string; name?: string}; priority?: number};
}

const KEY_OF: Record<string, KindKey> = {[GROUP.xPool]: 'InferenceObjective', [GROUP.llmd]: 'LlmdInferenceObjective'};

/** Objectives of a group that name this pool (poolRef.name, same namespace). */
function objectivesFor(snap: Snapshot, chain: PoolChain, group: string): InferenceObjective[] {
  return items<InferenceObjective>(snap, KEY_OF[group]!).filter((o) => o.metadata.namespace === chain.namespace && o.spec?.poolRef?.name === chain.name);
}

function objectiveRef(o: InferenceObjective, group: string): ObjectRef {
  return {apiVersion: `${group}/v1alpha2`, kind: 'InferenceObjective', namespace: o.metadata.namespace, name: o.metadata.name};
}

/** The objective re-written in the other group (what to apply; the old one can then be deleted). */
function recreated(o: InferenceObjective, group: string): unknown {
  return {apiVersion: `${group}/v1alpha2`, kind: 'InferenceObjective', metadata: {name: o.metadata.name, namespace: o.metadata.namespace}, spec: o.spec};
}

export const objectivesWatched: Check = {
  code: 'IGW-607',
  phase: 6,
  scope: 'chain',
  title: "InferenceObjectives are in the API group the EPP watches",
  readme: {checks: "InferenceObjectives are in the API group the EPP watches", failure: 'objectives ignored: no priorities'},
  whenAbsent: 'no InferenceObjective',
  symptoms: {'config-not-applied': 20, 'high-latency': 20, '429': 7},
  reads: ['InferenceObjective', 'LlmdInferenceObjective', 'Deployment'],
  run({chain, snap}) {
    const out: Draft[] = [];
    const legacy = objectivesFor(snap, chain, GROUP.xPool);
    const current = objectivesFor(snap, chain, GROUP.llmd);
    for (const e of chain.epps) {
      const b = eppBuild(e.container);
      let ignored: InferenceObjective[] = [];
      let from = '';
      let to = '';
      let why = '';
      if (b.kind === 'llm-d-router' && served(snap, 'LlmdInferenceObjective') === true && legacy.length) {
        [ignored, from, to] = [legacy, GROUP.xPool, GROUP.llmd];
        why = `both InferenceObjective CRDs are installed, so ${b.label} watches only ${GROUP.llmd} and ignores ${GROUP.xPool} objects (it logs "EPP will prefer the new group and IGNORE legacy resources")`;
      } else if (b.kind === 'gie' && current.length) {
        [ignored, from, to] = [current, GROUP.llmd, GROUP.xPool];
        why = `${b.label} knows only ${GROUP.xPool} objectives; ${GROUP.llmd} is llm-d-router's group`;
      }
      if (!ignored.length) continue;
      out.push(
        warning(
          `InferenceObjective${ignored.length > 1 ? 's' : ''} ${ignored.map((o) => `${from}/${o.metadata.name}`).join(', ')} of pool ${chain.key} ${ignored.length > 1 ? 'are' : 'is'} ignored by EPP ${e.deployment.metadata.name}: ${why} — their priorities do not apply`,
          ignored.length === 1 ? objectiveRef(ignored[0]!, from) : eppDeployRef(e),
          `kubectl apply -f - <<'EOF'\n${ignored.map((o) => yamlBlock(recreated(o, to))).join('\n---\n')}\nEOF\n# then delete the ${from} ones: kubectl delete inferenceobjectives.${from} ${ignored.map((o) => o.metadata.name).join(' ')} -n ${chain.namespace}`,
        ),
      );
    }
    if (!out.length && chain.epps.length && (legacy.length || current.length)) out.push(ok(`InferenceObjectives of pool ${chain.key} are in the group its EPP watches`));
    return out;
  },
};

export const sheddableObjectives: Check = {
  code: 'IGW-608',
  phase: 6,
  scope: 'chain',
  title: 'InferenceObjectives with a negative priority (sheddable: 429 under saturation)',
  readme: {checks: 'InferenceObjectives with a negative priority (sheddable: 429 under saturation)', failure: 'those requests are shed first (429)'},
  whenAbsent: 'no InferenceObjective with a negative priority',
  symptoms: {'high-latency': 20, '429': 3},
  reads: ['InferenceObjective', 'LlmdInferenceObjective'],
  run({chain, snap}) {
    const out: Draft[] = [];
    for (const group of [GROUP.llmd, GROUP.xPool]) {
      for (const o of objectivesFor(snap, chain, group)) {
        const p = o.spec?.priority;
        if (typeof p !== 'number' || p >= 0) continue;
        out.push(
          info(
            `InferenceObjective ${o.metadata.namespace}/${o.metadata.name} has priority ${p}: its requests are sheddable — when pool ${chain.key} is saturated the EPP drops them first with 429 (header x-llm-d-request-dropped-reason: rejected-saturated) instead of queueing them`,
            objectiveRef(o, group),
            `kubectl patch inferenceobjectives.${group} ${o.metadata.name} -n ${o.metadata.namespace} --type merge -p '{"spec":{"priority":0}}'   # only if these requests must not be shed`,
          ),
        );
      }
    }
    return out;
  },
};
