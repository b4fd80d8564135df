/* Phase 3 — the KServe InferenceService behind the pool is Ready (install notes PREREQUISITES 3). */
import {condition, conditions, describeCondition} from '../../k8s/objects.ts';
import {isLive} from '../../snapshot/query.ts';
import {error, ok, skipped, type Check, type Draft} from '../types.ts';

export const inferenceServiceReady: Check = {
  code: 'IGW-302',
  phase: 3,
  scope: 'chain',
  title: 'InferenceService is Ready',
  readme: {checks: 'InferenceService Ready (which condition is not)', failure: 'no model'},
  dependsOn: ['IGW-301'],
  symptoms: {'503': 1},
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
