/* Phase 3 — the pool's endpointPickerRef reaches the EPP Service on its gRPC port. */
import type {Deployment} from '../../k8s/objects.ts';
import type {Service} from '../../k8s/objects.ts';
import {selectorMatches} from '../../k8s/selectors.ts';
import {eppPoolOf, type PoolChain} from '../../model/target.ts';
import {GROUP} from '../../snapshot/kinds.ts';
import {items} from '../../snapshot/query.ts';
import {poolPatch} from '../helpers.ts';
import {error, ok, notApplicable, type Check, type Draft} from '../types.ts';

/** EPP Services in a namespace: Services whose selector picks an EPP Deployment's pods. */
function eppServicesIn(chain: PoolChain, services: Service[], deployments: Deployment[]): Service[] {
  return services.filter(
    (s) =>
      s.metadata.namespace === chain.namespace &&
      s.spec?.selector &&
      deployments.some((d) => d.metadata.namespace === s.metadata.namespace && eppPoolOf(d).container && selectorMatches(s.spec!.selector, d.spec?.template?.metadata?.labels)),
  );
}

export const poolEndpointPickerRef: Check = {
  code: 'IGW-306',
  phase: 3,
  scope: 'chain',
  title: "InferencePool's endpointPickerRef names the EPP Service on port 9002",
  readme: {checks: "endpointPickerRef/extensionRef: a Service, this release's EPP, port 9002 (not 8000)", failure: 'picker unreachable'},
  dependsOn: ['IGW-301'],
  symptoms: {'500': 12, '503': 5, 'ext-proc-not-routing': 8},
  reads: ['Service', 'Deployment'],
  judgesUnreadable: ['Deployment'],
  run({chain, snap}) {
    if (!chain.pool) return [notApplicable('this chain has no InferencePool')];
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
