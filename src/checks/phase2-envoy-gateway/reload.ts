/* Phase 2 — a changed config was loaded by the controller, and not rejected (TROUBLESHOOTING 2/3). */
import {controllerErrorFromLog} from '../../envoy/cluster.ts';
import {age, type Pod} from '../../k8s/objects.ts';
import {podReady} from '../../k8s/pods.ts';
import {installsInScope} from '../../model/wiring.ts';
import {envoyGatewayConfigMap, lastChanged, type EnvoyGatewayInstall} from '../../snapshot/envoy-gateway.ts';
import {ENVOY_GATEWAY_NAMESPACE} from '../../snapshot/kinds.ts';
import {isLive} from '../../snapshot/query.ts';
import type {Snapshot} from '../../snapshot/types.ts';
import {cmRefOf, egDeploymentRef, envoyGatewayVersion, logOf, patchEnvoyFix, versionBelow} from '../helpers.ts';
import {error, info, ok, skipped, warning, notApplicable, orNotApplicable, type Check, type Draft} from '../types.ts';

export const configLoaded: Check = {
  code: 'IGW-207',
  phase: 2,
  scope: 'cluster',
  title: 'Envoy Gateway runs the current config',
  readme: {checks: 'controller runs the current config (reload ≥ 1.2, kubelet sync delay)', failure: 'change not in effect'},
  dependsOn: ['IGW-201', 'IGW-205'],
  symptoms: {'config-not-applied': 5},
  reads: ['Deployment', 'Pod', 'ConfigMap', 'GatewayClass', 'Service'],
  judgesUnreadable: ['Deployment', 'Pod', 'ConfigMap', 'GatewayClass', 'Service'],
  run({snap, target, now}) {
    if (snap.source === 'files') return [notApplicable('offline (--from-file): judged only on a live cluster')];
    return orNotApplicable(installsInScope(snap, target).flatMap((eg) => reloadDrafts(snap, eg, now)), 'no Envoy Gateway install in scope');
  },
};

function reloadDrafts(snap: Snapshot, eg: EnvoyGatewayInstall, now: Date): Draft[] {
  const cm = envoyGatewayConfigMap(snap, eg);
  if (!cm || !isLive(snap, cm)) return [notApplicable('no live Envoy Gateway ConfigMap')];
  const changed = lastChanged(cm);
  const ready = eg.pods.filter(podReady);
  if (!changed || ready.length === 0) return [notApplicable('config unchanged since the controller started, or no Ready controller pod')];
  const startedAt = (p: Pod) => Date.parse(p.status?.startTime ?? p.metadata.creationTimestamp ?? '');
  const oldest = Math.min(...ready.map(startedAt));
  const cmRef = cmRefOf(eg);
  if (!Number.isFinite(oldest) || changed.getTime() <= oldest) {
    return [ok(`controller started after the config last changed (${age(changed, now)} ago)`, cmRef)];
  }
  const v = envoyGatewayVersion(snap, eg);
  const restart = eg.namespace === ENVOY_GATEWAY_NAMESPACE ? 'kubectl infgw restart envoy-gateway' : `kubectl rollout restart deployment/${eg.deployment.metadata.name} -n ${eg.namespace}`;
  // Since v1.2 the controller watches its config file and reloads it (domain-facts §4); the
  // kubelet updates a ConfigMap volume after its sync period (about a minute).
  if (versionBelow(v, 1, 2)) {
    return [warning(`the config changed ${age(changed, now)} ago, after the controller started; Envoy Gateway ${v} does not reload it: the change is not in effect`, cmRef, restart)];
  }
  const rejected = ready.map((p) => logOf(snap, p, p.spec.containers[0]?.name ?? 'envoy-gateway', false)).find((l) => l && /failed to validate EnvoyGateway config/i.test(l));
  if (rejected) return [notApplicable('IGW-208 reports the rejected reload')]; // IGW-208 reports it
  const sinceMs = now.getTime() - changed.getTime();
  if (sinceMs < 90_000) {
    return [info(`the config changed ${age(changed, now)} ago; the kubelet delivers ConfigMap updates to the pod within about a minute, then the controller reloads it`, cmRef)];
  }
  return [info(`the config changed ${age(changed, now)} ago, after the controller started; Envoy Gateway ${v ?? ''} reloads its config file (no restart needed unless the reload was rejected)`.replace('  ', ' '), cmRef)];
}

export const controllerRejectedConfig: Check = {
  code: 'IGW-208',
  phase: 2,
  scope: 'cluster',
  title: 'Envoy Gateway controller logs show no rejected config',
  readme: {checks: 'controller log: "failed to validate EnvoyGateway config"', failure: 'reload rejected'},
  dependsOn: ['IGW-201'],
  symptoms: {'config-not-applied': 4},
  reads: ['Deployment', 'Pod', 'GatewayClass', 'Service', 'ConfigMap'],
  judgesUnreadable: ['Deployment', 'Pod', 'GatewayClass', 'Service', 'ConfigMap'],
  run({snap, target}) {
    if (snap.source === 'files') return [notApplicable('offline (--from-file): judged only on a live cluster')];
    const out: Draft[] = [];
    for (const eg of installsInScope(snap, target)) {
      let read = false;
      let found: Draft | undefined;
      for (const p of eg.pods) {
        const c = p.spec.containers[0]?.name ?? 'envoy-gateway';
        const log = logOf(snap, p, c, false);
        if (log === undefined) continue;
        read = true;
        const line = log.split('\n').reverse().find((l) => /failed to validate EnvoyGateway config|failed to (load|reload|decode) .*config/i.test(l));
        if (line) {
          found = error(
            `the controller rejected a new config and keeps running the old one: ${controllerErrorFromLog(line) ?? line.trim()}`,
            {apiVersion: 'v1', kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name},
            patchEnvoyFix([], eg.namespace),
          );
          break;
        }
      }
      if (found) {
        out.push(found);
        continue;
      }
      const unreadable = Object.entries(snap.logs).find(([k, v]) => k.startsWith(`${eg.namespace}/`) && typeof v !== 'string');
      if (unreadable && typeof unreadable[1] !== 'string') out.push(skipped(`skipped: cannot read the controller's logs: ${unreadable[1].message}`, undefined, unreadable[1].rule));
      else if (read) out.push(ok('no rejected-config lines in the controller log', egDeploymentRef(eg.deployment.metadata.name, eg.namespace)));
    }
    return orNotApplicable(out, 'no Envoy Gateway controller pod in scope');
  },
};
