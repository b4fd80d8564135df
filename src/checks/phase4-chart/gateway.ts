/* Phase 4 — the release's Gateway exists and is Programmed with the listeners it was given. */
import {condition, describeCondition} from '../../k8s/objects.ts';
import type {KubeObject} from '../../kube/client.ts';
import {gatewayRef} from '../../model/target.ts';
import {egControllerName, egForChain} from '../../model/wiring.ts';
import {GROUP} from '../../snapshot/kinds.ts';
import {isLive, items} from '../../snapshot/query.ts';
import type {Snapshot} from '../../snapshot/types.ts';
import {yamlBlock} from '../fix.ts';
import {staleConditions} from './route-rules.ts';
import {reapply} from '../helpers.ts';
import {error, info, ok, skipped, type Check, type Draft} from '../types.ts';

export const gatewayExists: Check = {
  code: 'IGW-403',
  phase: 4,
  scope: 'chain',
  title: 'Gateway exists',
  readme: {checks: 'Gateway exists', failure: 'no Gateway: nothing is routed'},
  dependsOn: ['IGW-103'],
  symptoms: {'500': 14, 'gateway-not-programmed': 6},
  reads: ['Gateway', 'GatewayClass', 'Deployment', 'Pod', 'Service', 'ConfigMap'],
  judgesUnreadable: ['GatewayClass', 'Deployment', 'Pod', 'Service', 'ConfigMap'],
  run({chain, snap}) {
    const out: Draft[] = [];
    for (const g of chain.gateways) {
      const gref = gatewayRef(g);
      if ('unknown' in g.lookup) {
        out.push(skipped(`skipped: Gateway ${g.namespace}/${g.name}: ${g.lookup.unknown.message}`, gref, g.lookup.unknown.rule));
        continue;
      }
      if ('found' in g.lookup) {
        out.push(ok(`Gateway ${g.namespace}/${g.name} (class ${g.lookup.found.spec?.gatewayClassName ?? '?'})`, gref));
        continue;
      }
      // A route's parentRef to a Gateway that does not exist, while this chain's own (release) Gateway
      // does: the route is misattached — IGW-408 reports it with the fix to the route; creating a
      // second Gateway would be the wrong fix.
      const ownGateway = chain.gateways.find((o) => o !== g && o.via.includes('release') && 'found' in o.lookup);
      if (ownGateway && !g.via.includes('release') && !g.via.includes('policy')) {
        out.push(info(`Gateway ${g.namespace}/${g.name} named by an HTTPRoute does not exist; this pool's Gateway is ${ownGateway.namespace}/${ownGateway.name} (see IGW-408)`, gref));
        continue;
      }
      const who = g.via.includes('release') ? `release ${chain.release?.release.name}` : g.via.includes('route') ? `HTTPRoute ${chain.routes.find((l) => (l.route.spec?.parentRefs ?? []).some((p) => p.name === g.name))?.route.metadata.name ?? ''}` : 'an EnvoyExtensionPolicy';
      const fix = chain.release && g.via.includes('release') && chain.release.gateway
        ? reapply(chain.release)
        : `kubectl apply -f - <<'EOF'\n${yamlBlock({
            apiVersion: `${GROUP.gatewayApi}/v1`,
            kind: 'Gateway',
            metadata: {name: g.name, namespace: g.namespace},
            spec: {gatewayClassName: chain.release?.gatewayClassName ?? firstEnvoyClass(snap) ?? 'eg', listeners: [{name: 'http', protocol: 'HTTP', port: chain.release?.gatewayPort ?? 80, allowedRoutes: {namespaces: {from: 'All'}}}]},
          })}\nEOF`;
      out.push(error(`Gateway ${g.namespace}/${g.name}, named by ${who}, does not exist`, gref, fix));
    }
    return out;
  },
};

function firstEnvoyClass(snap: Snapshot): string | undefined {
  const ctl = egControllerName(snap); // the first Envoy Gateway install's
  return items<KubeObject & {spec?: {controllerName?: string}}>(snap, 'GatewayClass').find((c) => c.spec?.controllerName === ctl)?.metadata.name;
}

export const gatewayProgrammed: Check = {
  code: 'IGW-404',
  phase: 4,
  scope: 'chain',
  title: 'Gateway is Accepted and Programmed, listener port as configured',
  readme: {checks: 'Gateway Accepted, Programmed, listener port = gateway.port', failure: 'Gateway has no address: requests never arrive'},
  dependsOn: ['IGW-403', 'IGW-203', 'IGW-201', 'IGW-213'],
  symptoms: {'gateway-not-programmed': 7},
  reads: ['Deployment', 'Pod', 'GatewayClass', 'Service', 'ConfigMap'],
  judgesUnreadable: ['Deployment', 'Pod', 'GatewayClass', 'Service', 'ConfigMap'],
  run({chain, snap}) {
    const out: Draft[] = [];
    for (const g of chain.gateways) {
      if (!('found' in g.lookup)) continue;
      const gw = g.lookup.found;
      const gref = gatewayRef(g);
      const listeners = gw.spec?.listeners ?? [];
      if (chain.release?.gatewayPort !== undefined && g.via.includes('release') && !listeners.some((l) => l.port === chain.release!.gatewayPort)) {
        out.push(
          error(
            `Gateway ${g.namespace}/${g.name} listens on ${listeners.map((l) => l.port).join(', ') || 'no port'}, but release ${chain.release.release.name} sets gateway.port ${chain.release.gatewayPort}`,
            gref,
            reapply(chain.release),
          ),
        );
      }
      if (!isLive(snap, gw)) continue;
      const conds = gw.status?.conditions ?? [];
      // issue 11 NF15: conditions written for an older generation say nothing about this spec (IGW-418)
      const stale = staleConditions(gw, conds);
      if (stale) {
        out.push(info(`Gateway ${g.namespace}/${g.name}: status is stale (observedGeneration ${stale.observed} < generation ${stale.generation}), Accepted/Programmed not judged — see IGW-418`, gref));
        continue;
      }
      const accepted = condition(conds, 'Accepted');
      const programmed = condition(conds, 'Programmed');
      if (accepted?.status === 'False') {
        out.push(error(`Gateway ${g.namespace}/${g.name} is not Accepted: ${describeCondition(accepted)}`, gref, `kubectl describe gateway ${g.name} -n ${g.namespace}`));
        continue;
      }
      if (programmed?.status !== 'True') {
        const why = describeCondition(programmed, 'Programmed');
        const hint =
          programmed?.reason === 'AddressNotAssigned'
            ? ' — the proxy Service got no address (a LoadBalancer Service pending on a cluster without a load-balancer controller?)'
            : !programmed
              ? ' — no controller has reconciled it (is Envoy Gateway running and the GatewayClass accepted?)'
              : '';
        const fix =
          programmed?.reason === 'AddressNotAssigned'
            ? `kubectl get svc -n ${egForChain(snap, chain)?.namespace ?? 'envoy-gateway-system'} -l gateway.envoyproxy.io/owning-gateway-name=${g.name},gateway.envoyproxy.io/owning-gateway-namespace=${g.namespace}`
            : `kubectl describe gateway ${g.name} -n ${g.namespace}`;
        out.push(error(`Gateway ${g.namespace}/${g.name} is not Programmed: ${why}${hint}`, gref, fix));
        continue;
      }
      const badListener = (gw.status?.listeners ?? []).flatMap((l) => (l.conditions ?? []).filter((c) => c.status === 'False' && c.type !== 'Conflicted').map((c) => ({l, c})));
      const conflicted = (gw.status?.listeners ?? []).flatMap((l) => (l.conditions ?? []).filter((c) => c.type === 'Conflicted' && c.status === 'True').map((c) => ({l, c})));
      for (const {l, c} of [...badListener, ...conflicted]) {
        out.push(error(`listener ${l.name} of Gateway ${g.namespace}/${g.name}: ${describeCondition(c)}`, gref, `kubectl describe gateway ${g.name} -n ${g.namespace}`));
      }
      if (badListener.length === 0 && conflicted.length === 0) {
        const addr = gw.status?.addresses?.map((a) => a.value).join(', ');
        out.push(ok(`Gateway ${g.namespace}/${g.name} Programmed; listeners ${listeners.map((l) => `${l.name}:${l.port}/${l.protocol}`).join(', ')}${addr ? `; address ${addr}` : ''}`, gref));
      }
    }
    return out;
  },
};
