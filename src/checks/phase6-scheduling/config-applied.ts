/*
 * Phase 6 — scheduling config: the EPP's EndpointPickerConfig (--config-file from a mounted
 * ConfigMap, or --config-text) was applied: the EPP started after its ConfigMap last changed
 * (install notes TROUBLESHOOTING 7, "ConfigMap changes require pod restart").
 */
import {age} from '../../k8s/objects.ts';
import {podReady} from '../../k8s/pods.ts';
import type {KubeObject} from '../../kube/client.ts';
import type {EppInfo} from '../../model/target.ts';
import {lastChanged} from '../../snapshot/envoy-gateway.ts';
import {lookup} from '../../snapshot/query.ts';
import {eppConfigSource, eppDeployRef} from '../helpers.ts';
import {error, ok, warning, orNotApplicable, type Check, type Draft} from '../types.ts';

function restartFix(e: EppInfo, release?: string): string {
  return release ? `kubectl infgw restart epp -r ${release} -n ${e.deployment.metadata.namespace}` : `kubectl rollout restart deployment/${e.deployment.metadata.name} -n ${e.deployment.metadata.namespace}`;
}

export const configAppliedAfterRestart: Check = {
  code: 'IGW-601',
  phase: 6,
  scope: 'chain',
  title: 'EPP runs its current scheduling config',
  readme: {checks: 'the EPP started after its config ConfigMap last changed; ConfigMap exists', failure: 'change not applied → `kubectl infgw restart epp -r <release>`'},
  symptoms: {'epp-not-starting': 9, 'high-latency': 5, 'config-not-applied': 1},
  reads: ['ConfigMap'],
  run({chain, snap, now}) {
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const src = eppConfigSource(e);
      if (!src || src.kind !== 'configmap') continue;
      if (!src.configMap) {
        out.push(warning(`EPP ${e.deployment.metadata.name} reads --config-file ${src.path}, but no ConfigMap volume is mounted there`, eppDeployRef(e)));
        continue;
      }
      const l = lookup<KubeObject & {data?: Record<string, string>}>(snap, 'ConfigMap', src.configMap.namespace, src.configMap.name);
      const cmRef = {apiVersion: 'v1', kind: 'ConfigMap', namespace: src.configMap.namespace, name: src.configMap.name};
      if ('unknown' in l) continue;
      if ('absent' in l) {
        out.push(error(`ConfigMap ${src.configMap.namespace}/${src.configMap.name}, mounted by EPP ${e.deployment.metadata.name} for --config-file, does not exist: its pods stay in ContainerCreating (FailedMount)`, cmRef, chain.release ? `helm get manifest ${chain.release.release.name} -n ${chain.release.release.namespace} | kubectl apply -f -` : undefined));
        continue;
      }
      if (l.found.data?.[src.configMap.key] === undefined) {
        out.push(error(`ConfigMap ${src.configMap.namespace}/${src.configMap.name} has no key ${src.configMap.key}, which EPP ${e.deployment.metadata.name} reads (--config-file ${src.path})`, cmRef));
        continue;
      }
      const changed = lastChanged(l.found);
      const ready = e.pods.filter(podReady);
      const started = ready.map((p) => Date.parse(p.status?.startTime ?? p.metadata.creationTimestamp ?? '')).filter(Number.isFinite);
      if (!changed || started.length === 0) continue;
      const oldest = Math.min(...started);
      if (changed.getTime() > oldest) {
        out.push(
          warning(
            `ConfigMap ${src.configMap.namespace}/${src.configMap.name} changed ${age(changed, now)} ago, after EPP pods of ${e.deployment.metadata.name} started; the EPP reads its config only at start, so the change is not in effect`,
            cmRef,
            restartFix(e, chain.release?.release.name),
          ),
        );
      } else out.push(ok(`EPP ${e.deployment.metadata.name} started after ConfigMap ${src.configMap.name} last changed`, cmRef));
    }
    return orNotApplicable(out, 'no EPP config from a ConfigMap');
  },
};
