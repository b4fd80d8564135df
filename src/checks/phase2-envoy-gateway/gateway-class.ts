/* Phase 2 — the GatewayClass exists and is owned by Envoy Gateway. */
import {condition, describeCondition} from '../../k8s/objects.ts';
import type {KubeObject} from '../../kube/client.ts';
import {egControllerName, egForChain} from '../../model/wiring.ts';
import {GROUP} from '../../snapshot/kinds.ts';
import {isLive, lookup} from '../../snapshot/query.ts';
import {yamlBlock} from '../fix.ts';
import {error, ok, skipped, notApplicable, type Check, type Draft} from '../types.ts';

export const gatewayClassCheck: Check = {
  code: 'IGW-203',
  phase: 2,
  scope: 'chain',
  title: 'GatewayClass exists and is Accepted by Envoy Gateway',
  readme: {checks: "GatewayClass exists, controllerName is Envoy Gateway's, Accepted", failure: 'Gateway never programmed'},
  dependsOn: ['IGW-103'],
  symptoms: {'gateway-not-programmed': 5},
  reads: ['GatewayClass', 'Deployment', 'Pod', 'Service', 'ConfigMap'],
  judgesUnreadable: ['Deployment', 'Pod', 'Service', 'ConfigMap'],
  run({chain, snap}) {
    const names = new Map<string, string>();
    for (const g of chain.gateways) {
      const gw = 'found' in g.lookup ? g.lookup.found : undefined;
      if (gw?.spec?.gatewayClassName) names.set(gw.spec.gatewayClassName, `Gateway ${g.namespace}/${g.name}`);
    }
    if (chain.release?.gatewayClassName && !names.size) names.set(chain.release.gatewayClassName, `release ${chain.release.release.name}`);
    if (names.size === 0) return [notApplicable('no GatewayClass named by this chain')];
    const out: Draft[] = [];
    const controller = egControllerName(snap, egForChain(snap, chain));
    for (const [name, who] of names) {
      const cref = {apiVersion: `${GROUP.gatewayApi}/v1`, kind: 'GatewayClass', name};
      const l = lookup<KubeObject & {spec?: {controllerName?: string}}>(snap, 'GatewayClass', undefined, name);
      if ('unknown' in l) {
        out.push(skipped(`skipped: ${l.unknown.message}`, cref, l.unknown.rule));
        continue;
      }
      const gcYaml = yamlBlock({apiVersion: `${GROUP.gatewayApi}/v1`, kind: 'GatewayClass', metadata: {name}, spec: {controllerName: controller}});
      if ('absent' in l) {
        out.push(error(`GatewayClass ${name} (used by ${who}) does not exist: no controller programs the Gateway`, cref, `kubectl apply -f - <<'EOF'\n${gcYaml}\nEOF`));
        continue;
      }
      const gc = l.found;
      if (gc.spec?.controllerName !== controller) {
        out.push(
          error(
            `GatewayClass ${name} names controller ${gc.spec?.controllerName ?? '(none)'}, but Envoy Gateway answers to ${controller}: its Gateways are never programmed by Envoy Gateway`,
            cref,
            `# controllerName is immutable: recreate the class\nkubectl delete gatewayclass ${name} && kubectl apply -f - <<'EOF'\n${gcYaml}\nEOF`,
          ),
        );
        continue;
      }
      if (!isLive(snap, gc)) continue;
      const acc = condition((gc as {status?: {conditions?: []}}).status?.conditions, 'Accepted');
      if (acc?.status === 'True') out.push(ok(`GatewayClass ${name} Accepted (${controller})`, cref));
      else out.push(error(`GatewayClass ${name} is not Accepted: ${describeCondition(acc, 'Accepted')}`, cref, `kubectl describe gatewayclass ${name}`));
    }
    return out;
  },
};
