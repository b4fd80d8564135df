/* Phase 2 — the GatewayClass exists and is owned by Envoy Gateway (other implementations: reported, not judged). */
import {condition, describeCondition} from '../../k8s/objects.ts';
import type {KubeObject} from '../../kube/client.ts';
import {implementationOf} from '../../k8s/implementation.ts';
import {egControllerName, egForChain} from '../../model/wiring.ts';
import {envoyGatewayInstalls} from '../../snapshot/envoy-gateway.ts';
import {GROUP} from '../../snapshot/kinds.ts';
import {isLive, lookup} from '../../snapshot/query.ts';
import {yamlBlock} from '../fix.ts';
import {isEnvoyGatewayChain, notEnvoyGateway} from '../helpers.ts';
import {type Check, type Draft, error, info, notApplicable, ok, skipped, warning} from '../types.ts';

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
    // issue 13: another implementation's class (Istio, kgateway, …, or unknown) is IGW-230's to report
    if (!isEnvoyGatewayChain({snap, chain})) return [notEnvoyGateway({snap, chain})];
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
      const theirs = gc.spec?.controllerName;
      if (theirs !== controller) {
        // Another implementation's class is not a fault of this install, and controllerName is
        // immutable: never advise deleting a class other Gateways may use (issue 11 item 8).
        const impl = implementationOf(theirs);
        const accepted = condition((gc as {status?: {conditions?: []}}).status?.conditions, 'Accepted');
        const state = accepted ? `; ${describeCondition(accepted, 'Accepted')}` : '';
        if (impl && impl.id !== 'envoy-gateway') {
          out.push(info(`GatewayClass ${name} (used by ${who}) belongs to ${impl.name} (controllerName ${theirs})${state}: implementation not checked by this check (it is ${impl.name})`, cref));
          continue;
        }
        if (impl || theirs?.startsWith('gateway.envoyproxy.io/')) {
          // an Envoy Gateway class answering to another controllerName than the install serving this chain
          const served = envoyGatewayInstalls(snap).some((i) => egControllerName(snap, i) === theirs);
          if (served) {
            out.push(info(`GatewayClass ${name} is served by another Envoy Gateway install (controllerName ${theirs})${state}`, cref));
            continue;
          }
          const newClass = yamlBlock({apiVersion: `${GROUP.gatewayApi}/v1`, kind: 'GatewayClass', metadata: {name: `${name}-${controller.split('/').pop() ?? 'eg'}`}, spec: {controllerName: controller}});
          out.push(
            warning(
              `GatewayClass ${name} names controller ${theirs}, but the Envoy Gateway install seen answers to ${controller}: no Envoy Gateway in this snapshot programs its Gateways`,
              cref,
              `# controllerName is immutable and other Gateways may use this class: create a new class and point ${who} at it\nkubectl apply -f - <<'EOF'\n${newClass}\nEOF`,
            ),
          );
          continue;
        }
        out.push(info(`GatewayClass ${name} (used by ${who}) has controllerName ${theirs ?? '(none)'}${state}: implementation not checked (not a controller this check knows)`, cref));
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
