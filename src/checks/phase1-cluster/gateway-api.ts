/* Phase 1 — Cluster & CRDs. Replaces the install notes' PREREQUISITES 1 ("Phase 1 CRDs installed"): the Gateway API CRDs. */
import {CRD_NAMES, kindDef, type KindKey} from '../../snapshot/kinds.ts';
import {served} from '../../snapshot/query.ts';
import {ENVOY_GATEWAY_VERSION, GATEWAY_API_CRDS_URL, GATEWAY_API_VERSION} from '../fix.ts';
import {bundleVersion, crdRef} from '../helpers.ts';
import {error, ok, warning, notApplicable, type Check, type Draft} from '../types.ts';

const GATEWAY_API_KINDS: KindKey[] = ['GatewayClass', 'Gateway', 'HTTPRoute'];

export const gatewayApiCrds: Check = {
  code: 'IGW-103',
  phase: 1,
  scope: 'cluster',
  title: 'Gateway API CRDs are installed',
  readme: {checks: 'Gateway API CRDs (GatewayClass, Gateway, HTTPRoute v1; ReferenceGrant), bundle version', failure: 'nothing can be routed'},
  symptoms: {'gateway-not-programmed': 1},
  reads: ['GatewayClass', 'Gateway', 'HTTPRoute', 'ReferenceGrant'],
  judgesUnreadable: ['GatewayClass', 'Gateway', 'HTTPRoute', 'ReferenceGrant'],
  run({snap}) {
    if (snap.source === 'files') return [notApplicable('offline (--from-file): judged only on a live cluster')];
    const missing = GATEWAY_API_KINDS.filter((k) => served(snap, k) === false);
    const crd = snap.crds[CRD_NAMES.gateways];
    const version = bundleVersion(crd, 'gateway.networking.k8s.io/bundle-version');
    const channel = bundleVersion(crd, 'gateway.networking.k8s.io/channel');
    if (missing.length) {
      return [
        error(
          `Gateway API ${missing.map((k) => kindDef(k).kind).join(', ')} (gateway.networking.k8s.io/v1) not served: the Gateway API CRDs are not installed`,
          crdRef(CRD_NAMES.gateways),
          `kubectl apply --server-side -f ${GATEWAY_API_CRDS_URL}\n# Gateway API ${GATEWAY_API_VERSION} is what Envoy Gateway ${ENVOY_GATEWAY_VERSION.replace(/\.\d+$/, '')}.x is built against (its gateway-helm chart installs these CRDs at install time; helm upgrade does not update CRDs)`,
        ),
      ];
    }
    const out: Draft[] = [ok(`Gateway API CRDs installed${version ? `, bundle ${version}` : ''}${channel ? ` (${channel} channel)` : ''}`, crdRef(CRD_NAMES.gateways))];
    if (served(snap, 'ReferenceGrant') === false) {
      out.push(warning('ReferenceGrant (gateway.networking.k8s.io/v1beta1) is not served: an HTTPRoute cannot reference an InferencePool in another namespace', crdRef('referencegrants.gateway.networking.k8s.io'), `kubectl apply --server-side -f ${GATEWAY_API_CRDS_URL}`));
    }
    return out;
  },
};
