// Faults around Envoy Gateway's Backend (issue 11 leftover), on top of a healthy install. Registered in faults.ts.
//
// Upstream behaviour reproduced here:
// - the Backend kind: envoyproxy/gateway v1.9.1 api/v1alpha1/backend_types.go (endpoints[].fqdn {hostname, port};
//   tls = BackendTLSSettings: with tls set Envoy dials the endpoint with TLS). Its CRD is upstream's own
//   file, copied at build time by scripts/build-cluster.sh to .tools/share/envoy-gateway/crds/ and installed
//   here by ensureBackendCrd() (the shared ../shared/crds has no Backend CRD).
// - Envoy Gateway serves Backends only with extensionApis.enableBackend: true — the shared Envoy Gateway's
//   config (envoyproxy/ai-gateway v1.1.0 manifests/envoy-gateway-values.yaml) sets it; then
//   internal/gatewayapi/backend.go validates each Backend and writes status Accepted=True reason Accepted
//   "The Backend was accepted" (internal/gatewayapi/status/backend.go UpdateBackendStatusAcceptedCondition),
//   imitated by backendStatus() below.
// - a route rule without timeouts.request: envoyproxy/gateway v1.9.1 internal/xds/translator/route.go leaves the
//   route timeout unset, so Envoy's 15 s default applies (as faults-igw11b.ts litellm-route-no-timeout); the rule
//   to a Backend of its own namespace resolves (Accepted, ResolvedRefs: status.ts httpRouteStatus, as for a Service).
// - the EPP's --secure-serving (GIE v1.4.0 cmd/epp/runner; the chart's epp.secureServing): plaintext gRPC
//   when false — a TLS ClientHello against it fails the handshake.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse} from 'yaml';
import type {Fault} from './faults.ts';
import type {Installation} from './install.ts';
import {repoRoot} from './envoy-gateway.ts';
import {managers, until, waitRolledOut, type KubeObject, type ScenarioKube} from './kube.ts';
import {cond, httpRouteStatus} from './status.ts';

export const BACKEND_CRD_FILE: string = join(repoRoot, '.tools', 'share', 'envoy-gateway', 'crds', 'gateway.envoyproxy.io_backends.yaml');
export const BACKEND_CRD_NAME = 'backends.gateway.envoyproxy.io';
const EG = 'gateway.envoyproxy.io/v1alpha1';
const EPP_PORT = 9002;

/**
 * Installs Envoy Gateway v1.9.1's Backend CRD (upstream's file, see BACKEND_CRD_FILE) and waits until it
 * is Established. Idempotent (server-side apply), so every fault of this file calls it.
 */
export async function ensureBackendCrd(kube: ScenarioKube): Promise<void> {
  let text: string;
  try {
    text = readFileSync(BACKEND_CRD_FILE, 'utf8');
  } catch {
    throw new Error(`scenarios: ${BACKEND_CRD_FILE} is missing — run scripts/build-cluster.sh (it copies Envoy Gateway's CRDs there)`);
  }
  const crd = parse(text) as KubeObject & {apiVersion: string; kind: string};
  await kube.apply(crd);
  const ref = {apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: BACKEND_CRD_NAME};
  await until(`CRD ${BACKEND_CRD_NAME} Established`, async () => {
    const c = await kube.get<{status?: {conditions?: {type: string; status: string}[]}}>(ref);
    return c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True');
  });
  // Established, and its list served (the first list of a new resource can answer 404/503 for a moment)
  await until(`backends served`, async () => (await kube.list({apiVersion: EG, kind: 'Backend', namespace: 'default'}), true));
}

/** A Backend whose only endpoint is the EPP Service's cluster DNS name on 9002; tls: Envoy dials TLS. */
async function eppBackend(inst: Installation, tls: boolean): Promise<string> {
  const {kube, names} = inst;
  await ensureBackendCrd(kube);
  const name = `${names.eppService}-backend`;
  const ref = {apiVersion: EG, kind: 'Backend', namespace: names.namespace, name};
  await kube.apply({
    apiVersion: EG,
    kind: 'Backend',
    metadata: {name, namespace: names.namespace},
    spec: {
      endpoints: [{fqdn: {hostname: `${names.eppService}.${names.namespace}.svc.cluster.local`, port: EPP_PORT}}],
      // the EPP's certificate is self-signed: nothing to verify it with (as doctor's IGW-411 fix says)
      ...(tls ? {tls: {insecureSkipVerify: true}} : {}),
    },
  });
  const b = await kube.get(ref);
  await kube.replaceStatus(ref, backendStatus(b.metadata.generation ?? 1));
  return name;
}

/** What Envoy Gateway writes on a valid Backend (see the header). */
export function backendStatus(generation: number): Record<string, unknown> {
  return {conditions: [cond('Accepted', true, 'Accepted', 'The Backend was accepted', generation)]};
}

/** The chart's EnvoyExtensionPolicy, its ext-proc backendRef edited to the Backend (kubectl edit). */
async function policyToBackend(inst: Installation, backend: string): Promise<void> {
  const {kube, names} = inst;
  if (inst.options.wiring !== 'extension-policy') throw new Error("scenarios: this fault needs the chart's EnvoyExtensionPolicy: install with wiring 'extension-policy'");
  await kube.patch(
    {apiVersion: EG, kind: 'EnvoyExtensionPolicy', namespace: names.namespace, name: names.extensionPolicy},
    [{op: 'replace', path: '/spec/extProc/0/backendRefs/0', value: {group: 'gateway.envoyproxy.io', kind: 'Backend', name: backend, port: EPP_PORT}}],
    'json',
    managers.kubectlEdit,
  );
  // a Backend of the policy's namespace: Envoy Gateway accepts the policy (no ReferenceGrant needed)
  await inst.statuses.policy();
}

export const backendFaults = {
  'policy-backend-tls-plaintext-epp': {
    description:
      "The chart's EnvoyExtensionPolicy sends ext-proc through an Envoy Gateway Backend with tls set, but the EPP serves plaintext gRPC (--secure-serving=false): every TLS handshake fails",
    changes:
      'Backend <epp>-backend created (fqdn <epp>.<ns>.svc.cluster.local:9002, tls.insecureSkipVerify: true; Accepted); EnvoyExtensionPolicy extProc[0].backendRefs[0] -> that Backend (kubectl edit; Accepted); EPP stays plaintext (the chart default of this wiring)',
    scope: 'namespace',
    wiring: 'extension-policy',
    async inject(inst) {
      await policyToBackend(inst, await eppBackend(inst, true));
    },
  },
  'policy-backend-tls-epp-tls': {
    description: "Healthy variant: the EnvoyExtensionPolicy's ext-proc goes through a Backend with tls to an EPP that serves TLS",
    changes:
      'helm upgrade --set epp.secureServing=true (EPP rolls, TLS on 9002); Backend <epp>-backend (fqdn <epp>.<ns>.svc.cluster.local:9002, tls.insecureSkipVerify: true; Accepted); EnvoyExtensionPolicy extProc[0].backendRefs[0] -> that Backend (Accepted)',
    scope: 'namespace',
    wiring: 'extension-policy',
    async inject(inst) {
      // helm first: a later upgrade's three-way merge would put the chart's Service backendRef back
      await inst.helmUpgrade(['epp.secureServing=true']);
      await waitRolledOut(inst.kube, inst.names.namespace, inst.names.eppDeployment);
      await policyToBackend(inst, await eppBackend(inst, true));
    },
  },
  'route-backend-no-timeout': {
    description:
      "An HTTPRoute sends /direct through an Envoy Gateway Backend to the model servers' KServe Service, without timeouts.request: Envoy's 15 s default cuts long generations (504)",
    changes:
      'Backend <model>-predictor-backend (fqdn <model>-predictor.<ns>.svc.cluster.local:80; Accepted); HTTPRoute "<release>-direct": parentRef the install\'s Gateway, path /direct → that Backend, no timeouts (kubectl apply; Accepted, ResolvedRefs)',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      await ensureBackendCrd(kube);
      const backend = `${names.modelService}-backend`;
      const bref = {apiVersion: EG, kind: 'Backend', namespace: names.namespace, name: backend};
      await kube.apply({apiVersion: EG, kind: 'Backend', metadata: {name: backend, namespace: names.namespace}, spec: {endpoints: [{fqdn: {hostname: `${names.modelService}.${names.namespace}.svc.cluster.local`, port: 80}}]}});
      await kube.replaceStatus(bref, backendStatus((await kube.get(bref)).metadata.generation ?? 1));
      const rref = {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: names.namespace, name: `${names.release}-direct`};
      await kube.apply({
        apiVersion: rref.apiVersion,
        kind: rref.kind,
        metadata: {name: rref.name, namespace: names.namespace},
        spec: {
          parentRefs: [{name: names.gateway}],
          rules: [{matches: [{path: {type: 'PathPrefix', value: '/direct'}}], backendRefs: [{group: 'gateway.envoyproxy.io', kind: 'Backend', name: backend}]}],
        },
      });
      await kube.replaceStatus(rref, httpRouteStatus({generation: (await kube.get(rref)).metadata.generation ?? 1, gateway: {namespace: names.namespace, name: names.gateway}}));
    },
  },
} satisfies Record<string, Fault>;
