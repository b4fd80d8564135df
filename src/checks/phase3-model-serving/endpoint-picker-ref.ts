/* Phase 3 — the pool's endpointPickerRef reaches the EPP Service on its gRPC port. */
import type {Deployment} from '../../k8s/objects.ts';
import type {Service} from '../../k8s/objects.ts';
import {selectorMatches} from '../../k8s/selectors.ts';
import {eppPoolOf, type PoolChain} from '../../model/target.ts';
import {aiGatewayFor, wiringOf} from '../../model/wiring.ts';
import type {Snapshot} from '../../snapshot/types.ts';
import {GROUP} from '../../snapshot/kinds.ts';
import {items} from '../../snapshot/query.ts';
import {poolPatch} from '../helpers.ts';
import {type Check, type Draft, error, info, notApplicable, ok, warning} from '../types.ts';

/** EPP Services in a namespace: Services whose selector picks an EPP Deployment's pods. */
function eppServicesIn(chain: PoolChain, services: Service[], deployments: Deployment[]): Service[] {
  return services.filter(
    (s) =>
      s.metadata.namespace === chain.namespace &&
      s.spec?.selector &&
      deployments.some((d) => d.metadata.namespace === s.metadata.namespace && eppPoolOf(d).container && selectorMatches(s.spec!.selector, d.spec?.template?.metadata?.labels)),
  );
}

/**
 * What the pool's failureMode does depends on who inserts the ext-proc filter (issue 11 item 1):
 * - Envoy AI Gateway (HTTPRoute → InferencePool): envoyproxy/ai-gateway v1.1.0
 *   internal/extensionserver/inferencepool.go buildHTTPFilterForInferencePool() always builds the
 *   ExternalProcessor with FailureModeAllow false, and the pool is rebuilt from a metadata string
 *   (buildEPPMetadata / getInferencePoolByMetadata) that has no failureMode field — FailOpen is never
 *   read (envoyproxy/ai-gateway#2502, open; fix PR #2517 not merged). EPP down ⇒ every request fails.
 * - EnvoyExtensionPolicy: Envoy does what extProc[].failOpen says (envoyproxy/gateway v1.9.1
 *   api/v1alpha1/ext_proc_types.go FailOpen, default false; internal/gatewayapi/envoyextensionpolicy.go);
 *   the pool's failureMode is not used.
 * - any other implementation: its own semantics; nothing is claimed.
 */
function failureModeDrafts(chain: PoolChain, snap: Snapshot): Draft[] {
  const pool = chain.pool!;
  const e = pool.epp!;
  const w = wiringOf(snap, chain);
  const out: Draft[] = [];
  if (e.failureMode === 'FailOpen' && aiGatewayFor(snap, chain)) {
    out.push(
      warning(
        `InferencePool ${chain.key} sets failureMode FailOpen, which Envoy AI Gateway ≤ v1.1.0 does not honour (its ext_proc filter always has failure_mode_allow false, envoyproxy/ai-gateway#2502): if the EPP is down, every request to this pool fails — there is no fallback`,
        pool.ref,
        [
          '# No configuration makes Envoy AI Gateway v1.1.0 fail open: keep the EPP highly available instead (GIE v1.5.0 and llm-d-router v0.10.0 take --ha-enable-leader-election)',
          ...chain.epps.flatMap((x) => {
            const d = x.deployment;
            const sel = Object.entries(d.spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
            return [
              `kubectl scale deployment ${d.metadata.name} -n ${d.metadata.namespace} --replicas=2   # with --ha-enable-leader-election on the EPP`,
              `kubectl create poddisruptionbudget ${d.metadata.name} -n ${d.metadata.namespace} --selector=${sel || '<the EPP pods\' labels>'} --min-available=1`,
            ];
          }),
          '# track envoyproxy/ai-gateway#2502',
        ].join('\n'),
      ),
    );
  }
  if (w.policy && e.failureMode === 'FailOpen') {
    const byPolicy = chain.eppPolicies.map((l) => ({name: `${l.policy.metadata.namespace}/${l.policy.metadata.name}`, i: l.extProcIndex, failOpen: l.policy.spec?.extProc?.[l.extProcIndex]?.failOpen === true}));
    const how = byPolicy.map((p) => `EnvoyExtensionPolicy ${p.name} extProc[${p.i}].failOpen=${p.failOpen}`).join(', ');
    const down = byPolicy.some((p) => !p.failOpen) ? ' — EPP down ⇒ 500 for every request' : '';
    out.push(info(`the pool's failureMode (FailOpen) is not used on the EnvoyExtensionPolicy wiring; failure handling = ${how}${down}`, pool.ref));
  }
  if (e.failureMode === 'FailOpen' && (w.kind === 'none' || w.kind === 'native')) {
    const controllers = [...new Set(pool.parents.map((p) => p.controllerName).filter((c): c is string => Boolean(c)))];
    out.push(info(`FailOpen semantics depend on ${controllers.join(', ') || "the Gateway's implementation"} (not Envoy AI Gateway nor an EnvoyExtensionPolicy here): not judged`, pool.ref));
  }
  return out;
}

export const poolEndpointPickerRef: Check = {
  code: 'IGW-306',
  phase: 3,
  scope: 'chain',
  title: "InferencePool's endpointPickerRef names the EPP Service on port 9002",
  readme: {checks: "endpointPickerRef/extensionRef: a Service, this release's EPP, port 9002 (not 8000)", failure: 'picker unreachable'},
  dependsOn: ['IGW-301'],
  symptoms: {'500': 12, '503': 5, 'ext-proc-not-routing': 8},
  reads: ['Service', 'Deployment', 'ConfigMap', 'EnvoyExtensionPolicy', 'Pod', 'GatewayClass'],
  judgesUnreadable: ['Deployment', 'Pod', 'GatewayClass'],
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
      const failOpenAigw = e.failureMode === 'FailOpen' && aiGatewayFor(snap, chain) !== undefined;
      out.push(ok(`${field} → Service ${e.name}:${port}${failOpenAigw ? ' (FailOpen not honoured by Envoy AI Gateway; behaves as FailClose)' : ''}`, pool.ref));
    }
    out.push(...failureModeDrafts(chain, snap));
    return out;
  },
};
