/*
 * Phase 1 — every Gateway API CRD the running Envoy Gateway watches unconditionally is installed, at
 * the version it watches (issue 11). IGW-113 compares the bundle version; this one finds a single CRD
 * missing from an otherwise new bundle (a managed subset such as GKE's gateway-api-crds addon, CRDs
 * applied one by one, an experimental CRD that serves only v1alpha*).
 *
 * envoyproxy/gateway internal/provider/kubernetes/controller.go watchResources, at each tag:
 * - v1.7.0, v1.8.0, v1.9.1: GatewayClass v1, Gateway v1, HTTPRoute v1 and ReferenceGrant v1beta1 are
 *   watched with a plain `c.Watch(source.Kind(…))` — no discovery check;
 * - v1.8.0 also ListenerSet v1, GRPCRoute v1, TLSRoute v1 and BackendTLSPolicy v1 (only UDPRoute and
 *   TCPRoute are behind `checkCRD`);
 * - v1.9.1 puts ListenerSet, GRPCRoute, TLSRoute, TCPRoute, UDPRoute and BackendTLSPolicy behind
 *   `checkCRD` ("<Kind> CRD not found, skipping <Kind> watch": "its absence should disable the feature,
 *   not take down the controller").
 * A watch on a kind the API server does not serve never syncs: the controller logs `no matches for kind
 * "<Kind>" in version "gateway.networking.k8s.io/<v>"`, exits and crash-loops, and no Gateway is
 * programmed (envoyproxy/gateway#8991 for ListenerSet on v1.8).
 */
import type {KubeObject} from '../../kube/client.ts';
import {installsInScope} from '../../model/wiring.ts';
import {EG_1_8_REQUIRED_CRDS} from '../../snapshot/kinds.ts';
import {served} from '../../snapshot/query.ts';
import {isListError} from '../../snapshot/types.ts';
import {GATEWAY_API_CRDS_URL, restartDeployment} from '../fix.ts';
import {crdRef, egDeploymentRef, envoyGatewayVersion, parseVersion} from '../helpers.ts';
import {error, ok, type Check, type Draft} from '../types.ts';

interface CrdVersions extends KubeObject {
  spec?: {versions?: {name: string; served?: boolean}[]};
}

const BUNDLE_FOR_MINOR: Record<number, string> = {7: 'v1.4.1', 8: 'v1.5.1'};

export const gatewayApiWatchedCrds: Check = {
  code: 'IGW-114',
  phase: 1,
  scope: 'cluster',
  title: 'every Gateway API CRD the Envoy Gateway version watches unconditionally is installed',
  readme: {
    checks: 'the Gateway API kinds Envoy Gateway watches without a discovery check are served at that version: ReferenceGrant v1beta1 (all), ListenerSet/GRPCRoute/TLSRoute/BackendTLSPolicy v1 (v1.8)',
    failure: 'Envoy Gateway crash-loops ("no matches for kind"), no Gateway programmed',
  },
  whenAbsent: 'no Envoy Gateway with a known version, or its CRDs were not read',
  dependsOn: ['IGW-103', 'IGW-113'],
  symptoms: {'gateway-not-programmed': 3},
  reads: ['Deployment', 'Pod', 'Service', 'GatewayClass', 'ReferenceGrant'],
  judgesUnreadable: ['Pod', 'Service', 'GatewayClass', 'ReferenceGrant'],
  run({snap, target}) {
    if (snap.source === 'files') return [];
    const out: Draft[] = [];
    for (const eg of installsInScope(snap, target)) {
      const version = envoyGatewayVersion(snap, eg);
      const v = parseVersion(version);
      if (!v || v[0] !== 1 || v[1] < 7) continue;
      const missing: {kind: string; version: string; crd: string; why: string}[] = [];
      if (served(snap, 'ReferenceGrant') === false) missing.push({kind: 'ReferenceGrant', version: 'v1beta1', crd: 'referencegrants.gateway.networking.k8s.io', why: 'not served'});
      let judged = served(snap, 'ReferenceGrant') !== undefined;
      if (v[1] === 8) {
        for (const [kind, name] of Object.entries(EG_1_8_REQUIRED_CRDS)) {
          const crd = snap.crds[name];
          if (crd === undefined || isListError(crd)) continue;
          judged = true;
          if (crd === null) {
            missing.push({kind, version: 'v1', crd: name, why: 'CRD not installed'});
            continue;
          }
          const versions = ((crd as CrdVersions).spec?.versions ?? []).filter((x) => x.served !== false).map((x) => x.name);
          if (!versions.includes('v1')) missing.push({kind, version: 'v1', crd: name, why: `CRD serves only ${versions.join(', ') || 'no version'}`});
        }
      }
      if (!judged) continue;
      const egName = `${eg.namespace}/${eg.deployment.metadata.name}`;
      const ref = egDeploymentRef(eg.deployment.metadata.name, eg.namespace);
      if (!missing.length) {
        out.push(ok(`the Gateway API kinds Envoy Gateway ${version} (${egName}) watches unconditionally are served${v[1] === 8 ? ' (ReferenceGrant v1beta1; ListenerSet, GRPCRoute, TLSRoute, BackendTLSPolicy v1)' : ' (ReferenceGrant v1beta1)'}`, ref));
        continue;
      }
      const bundle = BUNDLE_FOR_MINOR[v[1]];
      const url = bundle ? GATEWAY_API_CRDS_URL.replace(/\/v\d+\.\d+\.\d+\//, `/${bundle}/`) : GATEWAY_API_CRDS_URL;
      out.push(
        error(
          `Envoy Gateway ${version} (${egName}) watches ${missing.map((m) => `${m.kind} (gateway.networking.k8s.io/${m.version}: ${m.why})`).join(', ')} without checking that the kind exists (internal/provider/kubernetes/controller.go): its cache never syncs — the controller logs no matches for kind "${missing[0]!.kind}" in version "gateway.networking.k8s.io/${missing[0]!.version}", exits and crash-loops, and no Gateway of this controller is programmed`,
          missing.length === 1 ? crdRef(missing[0]!.crd) : ref,
          `kubectl apply --server-side -f ${url}   # the standard channel bundle Envoy Gateway ${version?.replace(/\.\d+$/, '')}.x is built on: it holds ${missing.map((m) => m.kind).join(', ')}\n${restartDeployment(eg.namespace, eg.deployment.metadata.name)}${v[1] === 8 ? '\n# where the CRDs are managed and cannot be added (GKE gateway-api-crds addon): Envoy Gateway v1.9 watches ListenerSet, GRPCRoute, TLSRoute and BackendTLSPolicy only when installed' : ''}`,
        ),
      );
    }
    return out;
  },
};
