/*
 * Phase 1 — the Gateway API CRD bundle is new enough for the Envoy Gateway version that runs
 * (issue 11, NF6). Which kinds each Envoy Gateway watches unconditionally (the CRD must exist, or
 * the cache never syncs and the controller crash-loops with `no matches for kind "<Kind>" in
 * version "gateway.networking.k8s.io/v1"`) versus behind a discovery check (a missing CRD only
 * disables that feature) — envoyproxy/gateway internal/provider/kubernetes/controller.go at each tag:
 * - v1.8.x (Gateway API v1.5.1 in its go.mod and CRD chart): ListenerSet v1, GRPCRoute v1, TLSRoute v1
 *   and BackendTLSPolicy v1 unconditionally → needs bundle ≥ v1.5.0 (envoyproxy/gateway#8991; v1.8.0
 *   release note of PR #8999: "apply the v1.5.1 CRDs prior to upgrade").
 * - v1.9.x (Gateway API v1.6.1): those watches are optional again (PR #9517), UDPRoute/TCPRoute are
 *   looked up at v1 — an older bundle starts, but ListenerSet/TLSRoute/TCP/UDP/BackendTLSPolicy are
 *   silently ignored → recommend v1.6.1.
 * - ≤ v1.7: GatewayClass, Gateway, HTTPRoute v1 and ReferenceGrant v1beta1 only (IGW-103 covers them).
 */
import type {Deployment} from '../../k8s/objects.ts';
import {installsInScope} from '../../model/wiring.ts';
import {CRD_NAMES} from '../../snapshot/kinds.ts';
import {restartDeployment} from '../fix.ts';
import {bundleVersion, crdRef, envoyGatewayVersion, parseVersion} from '../helpers.ts';
import {error, ok, warning, type Check, type Draft} from '../types.ts';

interface Need {
  /** the Envoy Gateway minor this applies to (and, with orNewer, the ones after it) */
  minor: number;
  orNewer: boolean;
  bundle: [number, number, number];
  recommended: string;
  severity: 'error' | 'warning';
  why: string;
}

const NEEDS: readonly Need[] = [
  {
    minor: 8,
    orNewer: false,
    bundle: [1, 5, 0],
    recommended: 'v1.5.1',
    severity: 'error',
    why: 'Envoy Gateway v1.8 watches ListenerSet, TLSRoute, GRPCRoute and BackendTLSPolicy (gateway.networking.k8s.io/v1) unconditionally: with an older bundle its cache never syncs (controller error: no matches for kind "ListenerSet" in version "gateway.networking.k8s.io/v1" — envoyproxy/gateway#8991), the controller crash-loops and no config reaches Envoy',
  },
  {
    minor: 9,
    orNewer: true,
    bundle: [1, 6, 0],
    recommended: 'v1.6.1',
    severity: 'warning',
    why: 'Envoy Gateway v1.9 is built on Gateway API v1.6.1; with an older bundle it starts, but skips the watches whose CRD (or version) is missing — ListenerSet, TLSRoute v1, TCPRoute/UDPRoute v1, BackendTLSPolicy v1 — and ignores those objects silently',
  },
];

function below(v: [number, number, number], min: [number, number, number]): boolean {
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i]! < min[i]!;
  return false;
}

export const gatewayApiBundleForEnvoyGateway: Check = {
  code: 'IGW-113',
  phase: 1,
  scope: 'cluster',
  title: 'Gateway API CRD bundle is new enough for the Envoy Gateway version',
  readme: {checks: 'Gateway API CRD bundle is new enough for the Envoy Gateway version', failure: 'Envoy Gateway crash-loops (v1.8) or silently drops features (v1.9)'},
  whenAbsent: 'no Envoy Gateway version or Gateway API bundle version to compare',
  dependsOn: ['IGW-103'],
  symptoms: {'gateway-not-programmed': 20},
  reads: ['Deployment', 'Pod', 'Service', 'GatewayClass'],
  judgesUnreadable: ['Pod', 'Service', 'GatewayClass'],
  run({snap, target}) {
    if (snap.source === 'files') return [];
    const bundle = bundleVersion(snap.crds[CRD_NAMES.gateways], 'gateway.networking.k8s.io/bundle-version');
    const parsed = parseVersion(bundle);
    if (!parsed) return [];
    const out: Draft[] = [];
    for (const eg of installsInScope(snap, target)) {
      const version = envoyGatewayVersion(snap, eg);
      const v = parseVersion(version);
      if (!v || v[0] !== 1) continue;
      const need = NEEDS.find((n) => v[1] === n.minor || (n.orNewer && v[1] > n.minor));
      const egName = `${eg.namespace}/${(eg.deployment as Deployment).metadata.name}`;
      if (!need) continue;
      if (!below(parsed, need.bundle)) {
        out.push(ok(`Gateway API bundle ${bundle} ≥ v${need.bundle.join('.')} for Envoy Gateway ${version} (${egName})`, crdRef(CRD_NAMES.gateways)));
        continue;
      }
      const fix = `kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/${need.recommended}/standard-install.yaml\n${restartDeployment(eg.namespace, eg.deployment.metadata.name)}\n# helm upgrade of gateway-helm does not update CRDs; on a cluster with managed Gateway API CRDs (GKE) stay on Envoy Gateway v1.9.x`;
      const msg = `the Gateway API CRDs are bundle ${bundle}, older than v${need.bundle.join('.')} which Envoy Gateway ${version} (${egName}) needs: ${need.why}`;
      out.push(need.severity === 'error' ? error(msg, crdRef(CRD_NAMES.gateways), fix) : warning(msg, crdRef(CRD_NAMES.gateways), fix));
    }
    return out;
  },
};
