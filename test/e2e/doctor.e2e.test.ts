// `kubectl infgw doctor` end to end: the BUILT binary against the real test control plane.
//
// One healthy install (shared by the read-only assertions: JSON contract, -o short, --junit, the
// RBAC-restricted user, --symptom on a healthy chain), then one install per fault in its own
// namespace (test/scenarios faults: every TROUBLESHOOTING item of the install notes and every
// failure mode of domain-facts §7), each checked for: exit code, the finding's code, severity,
// object (kind/namespace/name), message, the fix with the real names filled in, and the checks
// below the broken link reported as "blocked" by the root cause. Offline: `--from-file` with
// `helm template` output of the fixture chart.
//
// Scheduling (2 cores): installs run 3 at a time while the binary is built; the assertions only
// read results. Faults that change Envoy Gateway itself get their own egNamespace + GatewayClass;
// doctor judges only the Envoy Gateway installs that serve the chains in scope (-n), so they run
// alongside the others.
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {XMLParser, XMLValidator} from 'fast-xml-parser';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {connect} from '../../src/kube/client.ts';
import {helm, kubectl} from '../harness/cluster.ts';
import {chartDir, faults, installHealthy, type Fault, type FaultName, type Installation, type InstallOptions, type Names} from '../scenarios/index.ts';
import {describeFinding, doctorCli, EG_CM, expectHealthy, expectWanted, faultNamespace, limiter, ownEnvoyGateway, ownNamespaces, problems, settle, value, type DoctorCli, type DoctorRun, type Finding, type Settled, type Want} from './support/doctor-run.ts';

const kubeconfig = inject('kubeconfig');
const restrictedKubeconfig = inject('restrictedKubeconfig');
const RUN = Date.now().toString(36).slice(-5);
const PARALLEL = 3;

// ---------------------------------------------------------------------------------------------
// The built CLI (test/e2e/support/doctor-run.ts): INFGW_E2E_NO_BUILD=1 copies the current shared
// build instead, under the shared lock (restart.e2e.test.ts's pattern).

let cli!: DoctorCli;
let cliReady!: Promise<void>;
const doctor: DoctorCli['doctor'] = (args, opts) => cli.doctor(args, opts);
const doctorJson: DoctorCli['doctorJson'] = (args, opts) => cli.doctorJson(args, opts);

// ---------------------------------------------------------------------------------------------
// Fault cases

interface Case {
  fault: FaultName;
  /** where it comes from: install notes TROUBLESHOOTING n, domain-facts §7, the issue */
  source: string;
  install?: (ns: string) => Partial<InstallOptions>;
  args?: (n: Names) => string[];
  exit: 0 | 1;
  want: (n: Names) => Want[];
  /** checks below the broken link: code → the root cause its blockedBy must name */
  blocked?: [string, string][];
  /** every error code that may appear in this install's findings (root causes); default: the wanted errors */
  errors?: string[];
  /** extra doctor runs on the faulty install (playbooks, -o short, --junit) */
  extra?: Record<string, (n: Names) => string[]>;
}

const EPP = (n: Names) => ({kind: 'Deployment', namespace: n.namespace, name: n.eppDeployment});
const POOL = (n: Names) => ({kind: 'InferencePool', namespace: n.namespace, name: n.pool});
const EEP = (n: Names) => ({kind: 'EnvoyExtensionPolicy', namespace: n.namespace, name: n.extensionPolicy});
const RELEASE = (n: Names, rev = 1) => ({kind: 'Secret', namespace: n.namespace, name: `sh.helm.release.v1.${n.release}.v${rev}`});
const EPP_CM = (n: Names) => ({kind: 'ConfigMap', namespace: n.namespace, name: n.eppConfigMap});
const LITELLM_CM = (n: Names) => ({kind: 'ConfigMap', namespace: n.litellmNamespace, name: n.litellmConfigMap});
const proxyUrl = (n: Names) => `http://${n.proxyService}.${n.egNamespace}.svc.cluster.local:${n.gatewayPort}/v1`;
const extensionPolicy: Partial<InstallOptions> = {wiring: 'extension-policy'};
/**
 * Every 'extension-policy' install is the mix with the chart's plaintext EPP: Envoy AI Gateway dials the
 * EPP with TLS (ai-gateway v1.1.0 internal/extensionserver/inferencepool.go), so that wiring fails —
 * IGW-411 error on the EPP, fix: TLS on and the policy off (issue 11 item 2).
 */
const MIX_PLAINTEXT = (n: Names): Want => ({code: 'IGW-411', severity: 'error', ...EPP(n), message: ['always dials the EPP with TLS', n.extensionPolicy], fix: ['epp.secureServing=true,extensionPolicy.enabled=false', `helm upgrade ${n.release}`, `-n ${n.namespace}`]});

const CASES: Case[] = [
  // --- TROUBLESHOOTING 2: Gateway not programmed ---------------------------------------------
  {
    fault: 'gatewayclass-missing',
    source: 'notes TROUBLESHOOTING 2 (GatewayClass exists)',
    exit: 1,
    want: (n) => [
      {code: 'IGW-203', severity: 'error', kind: 'GatewayClass', name: 'envoy-gateway', message: ['does not exist', `${n.namespace}/${n.gateway}`], fix: ['name: envoy-gateway', 'controllerName: gateway.envoyproxy.io/gatewayclass-controller']},
    ],
    blocked: [
      ['IGW-404', 'IGW-203'],
      ['IGW-409', 'IGW-203'],
    ],
  },
  {
    fault: 'gatewayclass-not-accepted',
    source: 'notes TROUBLESHOOTING 2 (GatewayClass accepted by Envoy Gateway)',
    exit: 1,
    want: (n) => [{code: 'IGW-203', severity: 'error', kind: 'GatewayClass', name: `${n.namespace}-eg`, message: ['not Accepted', 'InvalidParameters'], fix: [`${n.namespace}-eg`]}],
    blocked: [
      ['IGW-404', 'IGW-203'],
      ['IGW-409', 'IGW-203'],
    ],
  },
  {
    fault: 'gateway-missing',
    source: 'notes TROUBLESHOOTING 2 (Gateway status)',
    exit: 1,
    want: (n) => [
      {code: 'IGW-403', severity: 'error', kind: 'Gateway', namespace: n.namespace, name: n.gateway, message: ['does not exist'], fix: ['kind: Gateway', `name: ${n.gateway}`, `namespace: ${n.namespace}`, `gatewayClassName: ${n.gatewayClass}`]},
    ],
    blocked: [
      ['IGW-404', 'IGW-403'],
      ['IGW-409', 'IGW-403'],
    ],
  },
  {
    fault: 'gateway-not-programmed',
    source: 'notes TROUBLESHOOTING 2 (Gateway not programmed)',
    exit: 1,
    want: (n) => [{code: 'IGW-404', severity: 'error', kind: 'Gateway', namespace: n.namespace, name: n.gateway, message: ['not Programmed', 'NoResources'], fix: [n.gateway, n.namespace]}],
    blocked: [['IGW-409', 'IGW-404']],
    extra: {symptom: (n) => ['-n', n.namespace, '--symptom', 'gateway-not-programmed']},
  },
  // --- HTTPRoute: 500 "fault filter abort" (domain-facts §7) -----------------------------------
  {
    fault: 'route-pool-missing',
    source: 'domain-facts §7 (500: backendRef InferencePool missing)',
    exit: 1,
    want: (n) => [
      {
        code: 'IGW-415',
        severity: 'error',
        kind: 'HTTPRoute',
        namespace: n.routeNamespace,
        name: n.httpRoute,
        message: [`${n.namespace}/${n.pool}-v2`, 'does not exist'],
        fix: [`kubectl patch httproute ${n.httpRoute} -n ${n.routeNamespace}`, '/spec/rules/0/backendRefs/0/name', `"value":"${n.pool}"`],
      },
    ],
    // the real pool has no route because of that backendRef: not a second root cause (R3)
    blocked: [['IGW-408', 'IGW-415']],
  },
  {
    fault: 'route-cross-namespace-no-grant',
    source: 'domain-facts §7 (500: cross-namespace without ReferenceGrant)',
    // `-n <the pool's namespace>`: doctor reads HTTPRoutes cluster-wide when allowed (they cross namespaces)
    exit: 1,
    want: (n) => [
      {code: 'IGW-408', severity: 'error', kind: 'HTTPRoute', namespace: n.routeNamespace, name: n.httpRoute, message: ['ReferenceGrant'], fix: ['kind: ReferenceGrant', `namespace: ${n.namespace}`, `namespace: ${n.routeNamespace}`, 'kind: HTTPRoute', 'kind: InferencePool']},
    ],
    blocked: [['IGW-409', 'IGW-408']],
  },
  // --- InferencePool -------------------------------------------------------------------------
  {
    fault: 'pool-epp-port-8000',
    source: 'domain-facts §7 (EPP sees no endpoints: endpointPickerRef.port 8000, not 9002)',
    exit: 1,
    want: (n) => [{code: 'IGW-306', severity: 'error', ...POOL(n), message: ['8000', '9002'], fix: [`kubectl patch inferencepool ${n.pool} -n ${n.namespace}`, `"name":"${n.eppService}"`, '"number":9002']}],
  },
  {
    fault: 'pool-target-port-mismatch',
    source: 'notes TROUBLESHOOTING 4 (503) / domain-facts §7 (wrong targetPorts)',
    exit: 1,
    want: (n) => [{code: 'IGW-305', severity: 'error', ...POOL(n), message: ['8080', '8000'], fix: [`kubectl patch inferencepool ${n.pool} -n ${n.namespace}`, '"targetPorts":[{"number":8000}]']}],
  },
  {
    fault: 'pool-selector-no-pods',
    source: 'notes TROUBLESHOOTING 4 (503: InferencePool has endpoints)',
    exit: 1,
    want: (n) => [{code: 'IGW-303', severity: 'error', ...POOL(n), message: ['selects no pods', `app=${n.inferenceService}`], fix: [`-n ${n.namespace}`]}],
    blocked: [
      ['IGW-304', 'IGW-303'],
      ['IGW-305', 'IGW-303'],
    ],
    extra: {symptom: (n) => ['-n', n.namespace, '--symptom', '503']},
  },
  {
    fault: 'pool-only-v1alpha2',
    source: 'domain-facts §1 (v1alpha2 removed in GIE 1.5) / issue 4 phase 1 (group mismatch)',
    exit: 1,
    want: (n) => [{code: 'IGW-105', severity: 'error', ...EPP(n), message: ['inference.networking.x-k8s.io', n.pool], fix: ['inference.networking.k8s.io/v1']}],
    blocked: [['IGW-405', 'IGW-105']],
    errors: ['IGW-105', 'IGW-206'],
  },
  {
    fault: 'pool-missing',
    source: 'notes TROUBLESHOOTING 1 (EPP not starting: InferencePool) / INFERENCEPOOL SETUP',
    exit: 1,
    want: (n) => [
      {
        code: 'IGW-301',
        severity: 'error',
        ...POOL(n),
        message: ['does not exist', `--pool-name=${n.pool}`],
        // the pool as the cluster needs it: the model pods' label and container port, this release's EPP
        fix: ['kind: InferencePool', `name: ${n.pool}`, `namespace: ${n.namespace}`, `name: ${n.eppService}`, 'number: 9002', `serving.kserve.io/inferenceservice: ${n.inferenceService}`, 'number: 8000'],
      },
    ],
    blocked: [
      ['IGW-303', 'IGW-301'],
      ['IGW-304', 'IGW-301'],
      ['IGW-306', 'IGW-301'],
      ['IGW-408', 'IGW-301'],
      ['IGW-405', 'IGW-301'],
    ],
  },
  {
    fault: 'pool-epp-service-name-mismatch',
    source: "notes INFERENCEPOOL SETUP (eppServiceName MUST match the EPP service)",
    exit: 1,
    want: (n) => [{code: 'IGW-306', severity: 'error', ...POOL(n), message: [`${n.release}-epp`, n.eppService], fix: [`kubectl patch inferencepool ${n.pool} -n ${n.namespace}`, `"name":"${n.eppService}"`]}],
    errors: ['IGW-306', 'IGW-307'],
  },
  // --- Model serving -------------------------------------------------------------------------
  {
    fault: 'model-pods-not-ready',
    source: 'notes TROUBLESHOOTING 4 (503: KServe pods running) / domain-facts §7 (no Ready pods)',
    exit: 1,
    want: (n) => [
      {code: 'IGW-304', severity: 'error', kind: 'Pod', namespace: n.namespace, name: new RegExp(`^${n.modelDeployment}-`), message: ['0/2', 'not ready'], fix: ['kubectl describe pod', `-n ${n.namespace}`]},
      {code: 'IGW-302', severity: 'error', kind: 'InferenceService', namespace: n.namespace, name: n.inferenceService, message: ['MinimumReplicasUnavailable'], fix: [n.inferenceService, n.namespace]},
    ],
    extra: {short: (n) => ['-n', n.namespace, '-o', 'short'], junit: (n) => ['-n', n.namespace, '--junit', '@JUNIT@', '-o', 'short']},
  },
  // --- TROUBLESHOOTING 1: EPP pods not starting ------------------------------------------------
  {
    fault: 'epp-crashloop',
    source: 'notes TROUBLESHOOTING 1 (EPP pods not starting: crash loop)',
    exit: 1,
    want: (n) => [{code: 'IGW-405', severity: 'error', ...EPP(n), message: ['keeps crashing'], fix: [/kubectl logs \S+ -n \S+ -c epp --previous/, n.namespace]}],
    blocked: [['IGW-407', 'IGW-405']],
    extra: {symptom: (n) => ['-n', n.namespace, '--symptom', 'epp-not-starting']},
  },
  {
    fault: 'epp-image-pull',
    source: 'notes TROUBLESHOOTING 1 (EPP pods not starting: image pull)',
    exit: 1,
    want: (n) => [{code: 'IGW-405', severity: 'error', ...EPP(n), message: [/pull/i, 'v0.0.0-does-not-exist'], fix: [`-n ${n.namespace}`]}],
    blocked: [['IGW-407', 'IGW-405']],
  },
  {
    fault: 'epp-unschedulable',
    source: 'notes TROUBLESHOOTING 1 (EPP pods not starting: unschedulable)',
    exit: 1,
    want: (n) => [{code: 'IGW-405', severity: 'error', ...EPP(n), message: ['Insufficient cpu'], fix: ['kubectl describe pod', `-n ${n.namespace}`]}],
    blocked: [['IGW-407', 'IGW-405']],
  },
  {
    fault: 'epp-role-missing-inferencepools',
    source: 'notes TROUBLESHOOTING 1 (RBAC) / domain-facts §7 (EPP forbidden: Role lacks inferencepools)',
    exit: 1,
    want: (n) => [
      {code: 'IGW-501', severity: 'error', ...EPP(n), message: ['inferencepools.inference.networking.k8s.io'], fix: ['--resource=inferencepools.inference.networking.k8s.io', `--serviceaccount=${n.namespace}:${n.eppServiceAccount}`]},
    ],
    // 405 (phase 4) runs before 501 (phase 5): both reported (R7)
    errors: ['IGW-405', 'IGW-501'],
  },
  {
    fault: 'release-rolebinding-deleted',
    source: 'notes TROUBLESHOOTING 1 (RBAC) / issue 4 (compare the release manifest with the cluster)',
    exit: 1,
    want: (n) => [
      {code: 'IGW-402', severity: 'error', ...RELEASE(n, 2), message: [`RoleBinding ${n.eppRole}`, 'missing'], fix: [`helm get manifest ${n.release} -n ${n.namespace} | kubectl apply -f -`]},
      {code: 'IGW-501', severity: 'error', ...EPP(n), message: ['pods'], fix: [`--serviceaccount=${n.namespace}:${n.eppServiceAccount}`]},
    ],
    errors: ['IGW-402', 'IGW-405', 'IGW-501'],
  },
  {
    fault: 'epp-pool-name-mismatch',
    source: 'notes TROUBLESHOOTING 1 (poolName) / domain-facts §2 (--pool-name)',
    exit: 1,
    want: (n) => [{code: 'IGW-406', severity: 'error', ...EPP(n), message: [`${n.namespace}/${n.inferenceService},`, `${n.namespace}/${n.pool}`], fix: [`epp.poolName=${n.pool}`, `-n ${n.namespace}`, n.release]}],
    blocked: [['IGW-405', 'IGW-406']],
  },
  {
    fault: 'epp-pool-group-mismatch',
    source: 'domain-facts §7 (EPP sees no endpoints: --pool-group)',
    exit: 1,
    want: (n) => [{code: 'IGW-105', severity: 'error', ...EPP(n), message: ['inference.networking.x-k8s.io', n.pool], fix: ['--pool-group', 'inference.networking.k8s.io', n.eppDeployment, n.namespace]}],
    blocked: [
      ['IGW-405', 'IGW-105'],
      ['IGW-501', 'IGW-105'],
    ],
  },
  {
    fault: 'epp-service-missing',
    source: 'notes TROUBLESHOOTING 3 (ext-proc not routing: EPP Service)',
    exit: 1,
    want: (n) => [
      {code: 'IGW-402', severity: 'error', ...RELEASE(n), message: [`Service ${n.eppService}`, 'missing'], fix: [`helm get manifest ${n.release} -n ${n.namespace} | kubectl apply -f -`]},
      {code: 'IGW-306', severity: 'error', ...POOL(n), message: [`${n.namespace}/${n.eppService}`, 'does not exist'], fix: [`-n ${n.namespace}`]},
    ],
    errors: ['IGW-306', 'IGW-307', 'IGW-402'],
  },
  {
    fault: 'epp-service-no-endpoints',
    source: 'notes TROUBLESHOOTING 3/4 (EPP discovered / has endpoints)',
    exit: 1,
    want: (n) => [{code: 'IGW-407', severity: 'error', kind: 'Service', namespace: n.namespace, name: n.eppService, message: ['no ready endpoints', 'selector'], fix: [n.eppService, `-n ${n.namespace}`]}],
  },
  {
    fault: 'epp-tls',
    source: 'domain-facts §7 (gRPC status 14 / TLS: EPP serves TLS)',
    install: () => extensionPolicy,
    exit: 1,
    want: (n) => [
      // both wirings on a TLS EPP: never --secure-serving=false (it would break the AI Gateway wiring): drop the policy
      {code: 'IGW-411', severity: 'error', ...EPP(n), message: ['TLS', n.extensionPolicy, 'no TLS setting satisfies both'], fix: ['extensionPolicy.enabled=false', `helm upgrade ${n.release}`, `-n ${n.namespace}`]},
      // the extension-policy install is the "mix" (doctor-faults.md): that warning is expected
      {code: 'IGW-413', severity: 'warning', ...EEP(n), message: ['wired twice'], fix: ['extensionPolicy.enabled=false']},
    ],
    extra: {symptom: (n) => ['-n', n.namespace, '--symptom', 'ext-proc-not-routing']},
  },
  {
    fault: 'epp-fan-in',
    source: 'notes MULTIPLE MODELS (one EPP per InferencePool)',
    exit: 1,
    want: (n) => [
      {
        code: 'IGW-410',
        severity: 'error',
        kind: 'InferencePool',
        namespace: n.namespace,
        name: `${n.inferenceService}-b-pool`,
        message: ['fan-in', n.eppService],
        fix: [`epp.poolName=${n.inferenceService}-b-pool`, 'helm install', `-n ${n.namespace}`],
      },
    ],
  },
  {
    fault: 'epp-no-tokenreviews',
    source: 'domain-facts §7 (metrics 401/500: EPP SA cannot create tokenreviews)',
    exit: 0,
    want: (n) => [{code: 'IGW-502', severity: 'warning', ...EPP(n), message: ['tokenreviews'], fix: ['tokenreviews', `--serviceaccount=${n.namespace}:${n.eppServiceAccount}`]}],
    extra: {symptom: (n) => ['-n', n.namespace, '--symptom', 'metrics-unauthorized']},
  },
  // --- TROUBLESHOOTING 3/5: EnvoyExtensionPolicy, streaming, timeouts, the mix ------------------
  {
    fault: 'policy-not-accepted',
    source: 'notes TROUBLESHOOTING 3 (EnvoyExtensionPolicy accepted)',
    install: () => extensionPolicy,
    exit: 1,
    // the fault: the policy's ext-proc backendRef port 9002 -> 9003 (the EPP's health port), Accepted=False
    want: (n) => [{code: 'IGW-411', severity: 'error', ...EEP(n), message: [`${n.eppService}:9003`, '9002'], fix: [`kubectl patch envoyextensionpolicy ${n.extensionPolicy} -n ${n.namespace}`, '/spec/extProc/0/backendRefs/0/port', '9002']}],
  },
  {
    fault: 'policy-response-buffered',
    source: 'notes TROUBLESHOOTING 5 (streaming: responseBodyMode) / domain-facts §7',
    install: () => extensionPolicy,
    exit: 1,
    want: (n) => [{code: 'IGW-412', severity: 'warning', ...EEP(n), message: ['Buffered'], fix: ['extensionPolicy.responseBodyMode=Streamed', `-n ${n.namespace}`]}, MIX_PLAINTEXT(n)],
    extra: {symptom: (n) => ['-n', n.namespace, '--symptom', 'no-streaming']},
  },
  {
    fault: 'policy-message-timeout-200ms',
    source: 'domain-facts §7 (ext-proc 500/504: 200 ms messageTimeout)',
    install: () => extensionPolicy,
    exit: 1,
    want: (n) => [{code: 'IGW-412', severity: 'warning', ...EEP(n), message: ['200ms'], fix: ['extensionPolicy.messageTimeout=', `-n ${n.namespace}`]}, MIX_PLAINTEXT(n)],
  },
  {
    fault: 'policy-and-ai-gateway',
    source: 'issue 4 (flag a mix of EnvoyExtensionPolicy and AI Gateway wiring)',
    exit: 1,
    want: (n) => [
      {code: 'IGW-413', severity: 'warning', ...EEP(n), message: ['wired twice', n.httpRoute], fix: ['extensionPolicy.enabled=false', `helm upgrade ${n.release}`, `-n ${n.namespace}`]},
      // the ai-gateway install's EPP serves TLS; the policy speaks plaintext to it (issue 11 item 2)
      {code: 'IGW-411', severity: 'error', ...EPP(n), message: ['no TLS setting satisfies both', n.extensionPolicy], fix: ['extensionPolicy.enabled=false', `helm upgrade ${n.release}`]},
    ],
  },
  {
    fault: 'other-policy-on-gateway',
    source: 'issue 4 (other EnvoyExtensionPolicies on the Gateway are legitimate)',
    exit: 0,
    want: (n) => [{code: 'IGW-414', severity: 'info', kind: 'EnvoyExtensionPolicy', namespace: n.namespace, name: 'request-auditing'}],
    errors: [],
  },
  // --- TROUBLESHOOTING 6/7: scheduling config --------------------------------------------------
  {
    fault: 'scheduling-config-changed',
    source: 'notes TROUBLESHOOTING 7 (scheduling config not applied: restart needed)',
    exit: 0,
    want: (n) => [{code: 'IGW-601', severity: 'warning', ...EPP_CM(n), message: ['after EPP pods', 'not in effect'], fix: [`kubectl infgw restart epp -r ${n.release} -n ${n.namespace}`]}],
    extra: {symptom: (n) => ['-n', n.namespace, '--symptom', 'config-not-applied']},
  },
  {
    fault: 'scheduling-weights-not-100',
    source: 'notes TROUBLESHOOTING 6 (high latency: scorer weights) / SCHEDULING CONFIGURATION (sum to 100)',
    exit: 0,
    want: (n) => [{code: 'IGW-602', severity: 'warning', ...EPP_CM(n), message: ['110'], fix: ['scorers.queueScorer=10', `-n ${n.namespace}`]}],
    extra: {symptom: (n) => ['-n', n.namespace, '--symptom', 'high-latency']},
  },
  {
    fault: 'scheduling-unknown-plugin',
    source: 'notes TROUBLESHOOTING 1/7 (EPP not starting: scheduling config refused)',
    exit: 1,
    want: (n) => [{code: 'IGW-602', severity: 'error', ...EPP_CM(n), message: ['max-scorer-picker'], fix: ['max-score-picker']}],
    errors: ['IGW-405', 'IGW-602'],
  },
  {
    fault: 'epp-upgraded-inline-saturation',
    source: 'domain-facts §2 (saturationDetector: inline ≤ 1.4, pluginRef from 1.5); GIE v1.5.0 configloader.go decodes strictly',
    exit: 1,
    want: (n) => [{code: 'IGW-602', severity: 'error', ...EPP_CM(n), message: ['saturationDetector', 'v1.5.0', 'fails at start'], fix: ['utilization-detector']}],
    errors: ['IGW-602'],
  },
  // --- Helm release ----------------------------------------------------------------------------
  {
    fault: 'release-failed',
    source: 'notes TROUBLESHOOTING 7 (config not applied: the upgrade failed)',
    exit: 0,
    want: (n) => [{code: 'IGW-401', severity: 'warning', ...RELEASE(n), message: ['revision 2 is failed'], fix: [`helm history ${n.release} -n ${n.namespace}`]}],
  },
  {
    fault: 'route-wrong-parent',
    source: 'notes MULTIPLE MODELS (inferencePoolRoute.gatewayName must be this Gateway)',
    exit: 1,
    want: (n) => [{code: 'IGW-408', severity: 'error', kind: 'HTTPRoute', namespace: n.routeNamespace, name: n.httpRoute, message: ['inference-gateway', `${n.namespace}/${n.gateway}`], fix: [n.httpRoute, n.gateway]}],
    blocked: [['IGW-409', 'IGW-408']],
    // not IGW-403 "Gateway inference-gateway does not exist" with a fix that creates it: the release's
    // Gateway exists, the route names the wrong one (R17)
    errors: ['IGW-408'],
  },
  // --- LiteLLM ---------------------------------------------------------------------------------
  {
    fault: 'litellm-notes-url',
    source: 'notes LITELLM CONFIGURATION (the <gateway>.<namespace>.svc URL)',
    exit: 1,
    want: (n) => [{code: 'IGW-701', severity: 'error', ...LITELLM_CM(n), message: [`${n.gateway}.${n.namespace}.svc.cluster.local`, 'resolves to no Service', n.proxyService], fix: [proxyUrl(n)]}],
  },
  {
    fault: 'litellm-wrong-port',
    source: 'issue 4 phase 7 (api_base reaches the Gateway proxy)',
    exit: 1,
    want: (n) => [{code: 'IGW-701', severity: 'error', ...LITELLM_CM(n), message: ['8080', n.proxyService], fix: [proxyUrl(n)]}],
  },
  {
    fault: 'litellm-bypass-gateway',
    source: 'notes LITELLM CONFIGURATION (route to the Gateway instead of KServe)',
    exit: 0,
    want: (n) => [{code: 'IGW-701', severity: 'warning', ...LITELLM_CM(n), message: ['bypassing', n.modelService], fix: [proxyUrl(n)]}],
  },
  // --- Envoy Gateway itself (own egNamespace + GatewayClass; run one at a time, last) ------------
  {
    fault: 'route-invalid-kind',
    source: 'domain-facts §7 (HTTPRoute InvalidKind: no AI Gateway extensionManager)',
    install: ownEnvoyGateway,
    exit: 1,
    want: (n) => [{code: 'IGW-206', severity: 'error', ...EG_CM(n), message: ['InvalidKind', `${n.routeNamespace}/${n.httpRoute}`], fix: [`kubectl infgw patch-envoy --config-namespace ${n.egNamespace}`]}],
    blocked: [['IGW-409', 'IGW-206']],
    extra: {symptom: (n) => ['-n', n.namespace, '--symptom', '500']},
  },
  {
    fault: 'eg-no-inferencepool-backend',
    source: 'notes TROUBLESHOOTING 3 ("CRITICAL: verify extensionManager.backendResources")',
    install: ownEnvoyGateway,
    exit: 1,
    want: (n) => [{code: 'IGW-206', severity: 'error', ...EG_CM(n), message: ['backendResources', 'InferencePool'], fix: [`kubectl infgw patch-envoy --config-namespace ${n.egNamespace}`]}],
    blocked: [['IGW-409', 'IGW-206']],
  },
  {
    fault: 'eg-config-notes-patch',
    source: 'notes CRITICAL extension manager patch / domain-facts §7 ("no hooks specified": backendResources alone)',
    install: ownEnvoyGateway,
    exit: 1,
    want: (n) => [
      {code: 'IGW-205', severity: 'error', ...EG_CM(n), message: ['no hooks specified'], fix: [`kubectl infgw patch-envoy --config-namespace ${n.egNamespace}`]},
      {code: 'IGW-208', severity: 'error', kind: 'Pod', namespace: n.egNamespace, name: /^envoy-gateway-/, message: ['rejected', 'no hooks specified'], fix: [`--config-namespace ${n.egNamespace}`]},
    ],
    blocked: [
      ['IGW-206', 'IGW-205'],
      ['IGW-409', 'IGW-205'],
    ],
  },
  {
    fault: 'eg-config-notes-patch-restarted',
    source: 'notes CRITICAL patch + "restart the Envoy Gateway controller" / domain-facts §7 (EG crash)',
    install: ownEnvoyGateway,
    exit: 1,
    want: (n) => [
      {code: 'IGW-201', severity: 'error', kind: 'Deployment', namespace: n.egNamespace, name: n.egDeployment, message: ['no hooks specified', 'old pod'], fix: [`--config-namespace ${n.egNamespace}`]},
      {code: 'IGW-205', severity: 'error', ...EG_CM(n), message: ['no hooks specified'], fix: [`kubectl infgw patch-envoy --config-namespace ${n.egNamespace}`]},
    ],
    blocked: [
      ['IGW-202', 'IGW-201'],
      ['IGW-404', 'IGW-201'],
      ['IGW-206', 'IGW-205'],
    ],
  },
  {
    fault: 'eg-controller-crashloop',
    source: 'domain-facts §7 (EG crash "no hooks specified") / notes TROUBLESHOOTING 2 (EG controller pods)',
    install: ownEnvoyGateway,
    exit: 1,
    want: (n) => [
      {code: 'IGW-201', severity: 'error', kind: 'Deployment', namespace: n.egNamespace, name: n.egDeployment, message: ['keeps crashing', 'no hooks specified'], fix: [`--config-namespace ${n.egNamespace}`]},
      {code: 'IGW-205', severity: 'error', ...EG_CM(n), message: ['no hooks specified']},
    ],
    blocked: [
      ['IGW-404', 'IGW-201'],
      ['IGW-409', 'IGW-201'],
    ],
  },
  {
    fault: 'eg-config-invalid-yaml',
    source: 'notes TROUBLESHOOTING 7 (config not applied: Envoy Gateway cannot decode its file)',
    install: ownEnvoyGateway,
    exit: 1,
    want: (n) => [
      {code: 'IGW-204', severity: 'error', ...EG_CM(n), message: ['not valid YAML'], fix: [`kubectl edit configmap ${n.egConfigMap} -n ${n.egNamespace}`]},
      {code: 'IGW-208', severity: 'error', kind: 'Pod', namespace: n.egNamespace, name: /^envoy-gateway-/, message: ['failed to decode config file']},
    ],
    blocked: [
      ['IGW-205', 'IGW-204'],
      ['IGW-206', 'IGW-204'],
      ['IGW-409', 'IGW-204'],
    ],
  },
  {
    fault: 'eg-version-old',
    source: 'notes TROUBLESHOOTING 5 (Envoy Gateway v1.6+ for streaming ext-proc)',
    install: (ns) => ({...ownEnvoyGateway(ns), ...extensionPolicy}),
    exit: 1,
    want: (n) => [
      MIX_PLAINTEXT(n),
      {code: 'IGW-202', severity: 'warning', kind: 'Deployment', namespace: n.egNamespace, name: n.egDeployment, message: ['v1.5.3', 'v1.6', n.extensionPolicy], fix: ['--version v1.8.1', `-n ${n.egNamespace}`]},
      {code: 'IGW-412', severity: 'warning', ...EEP(n), message: ['v1.5.3']},
    ],
  },
];

function isEnvoyGatewayScope(c: Case): boolean {
  return faults[c.fault].scope === 'envoy-gateway';
}

// ---------------------------------------------------------------------------------------------
// Running the cases

interface CaseResult {
  names: Names;
  /** namespaces whose objects belong to this install */
  own: string[];
  doctor: DoctorRun;
  extra: Record<string, DoctorRun & {junit?: string}>;
  timings: Record<string, number>;
}

const limit = limiter(PARALLEL);
const results = new Map<FaultName, Promise<Settled<CaseResult>>>();
const cleanups: Promise<unknown>[] = [];

async function runCase(c: Case): Promise<CaseResult> {
  const ns = faultNamespace('dr', RUN, c.fault);
  const t0 = performance.now();
  const fault: Fault = faults[c.fault];
  const inst = await installHealthy(kubeconfig, {namespace: ns, pods: 2, ...(fault.wiring ? {wiring: fault.wiring} : {}), ...c.install?.(ns)});
  const timings: Record<string, number> = {install: Math.round(performance.now() - t0)};
  try {
    const t1 = performance.now();
    await inst.inject(c.fault);
    timings.inject = Math.round(performance.now() - t1);
    const n = structuredClone(inst.names);
    const own = ownNamespaces(n);
    const t2 = performance.now();
    const main = await doctorJson(c.args?.(n) ?? ['-n', n.namespace]);
    timings.doctor = Math.round(performance.now() - t2);
    const extra: CaseResult['extra'] = {};
    for (const [key, argsOf] of Object.entries(c.extra ?? {})) {
      let args = argsOf(n);
      let junitFile: string | undefined;
      if (args.includes('@JUNIT@')) {
        junitFile = join(mkdtempSync(join(tmpdir(), 'infgw-junit-')), 'doctor.xml');
        args = args.map((a) => (a === '@JUNIT@' ? junitFile! : a));
      }
      const r = args.includes('-o') ? await doctor(args) : await doctorJson(args);
      extra[key] = {...r, ...(junitFile ? {junit: readFileSync(junitFile, 'utf8')} : {})};
    }
    return {names: n, own, doctor: main, extra, timings};
  } finally {
    if (inst.ownsEnvoyGateway) {
      // A crash-looping private controller costs CPU until its namespace is gone: stop it now.
      await inst.kube.delete({apiVersion: 'apps/v1', kind: 'Deployment', namespace: inst.names.egNamespace, name: inst.names.egDeployment}).catch(() => {});
    }
    cleanups.push(inst.cleanup().catch((e: unknown) => console.error(`[doctor e2e] clean-up of ${ns}: ${String(e)}`)));
  }
}

function startCases(): void {
  // Envoy-Gateway faults first: their installs are the slowest (own controller, restarts).
  const order = [...CASES.filter(isEnvoyGatewayScope), ...CASES.filter((c) => !isEnvoyGatewayScope(c))];
  for (const c of order) results.set(c.fault, settle(limit(() => runCase(c))));
}

// ---------------------------------------------------------------------------------------------
// Assertions

/** Errors about this install's objects (or cluster-scoped ones): other installs share the cluster. */
function ownErrors(r: CaseResult): Finding[] {
  return r.doctor.json!.findings.filter((f) => f.severity === 'error' && (!f.object?.namespace || r.own.includes(f.object.namespace) || f.object.name.includes(r.names.namespace)));
}

function caseTitle(c: Case): string {
  const first = c.want(PLACEHOLDER_NAMES)[0]!;
  return `${c.fault} → ${first.code} ${first.severity} (${c.source})`;
}
const PLACEHOLDER_NAMES = structuredClone({
  namespace: 'ns', release: 'igw', fullname: '', gateway: '', gatewayPort: 80, gatewayClass: '', eppDeployment: '', eppService: '', eppServiceAccount: '', eppRole: '',
  eppClusterRole: '', eppConfigMap: '', extensionPolicy: '', pool: '', httpRoute: '', routeNamespace: '', inferenceService: '', modelDeployment: '', modelService: '',
  servedModel: '', egNamespace: '', egDeployment: '', egConfigMap: '', egService: '', aiGatewayNamespace: '', proxyDeployment: '', proxyService: '', gatewayUrl: '',
  litellmNamespace: '', litellmConfigMap: '', litellmDeployment: '',
} satisfies Names);

// ---------------------------------------------------------------------------------------------

let healthy: Installation;
const extraNamespaces: string[] = [];

/**
 * Every custom resource list answers. A fresh test cluster is "ready" while some CRDs' storage is
 * still starting ("storage is (re)initializing", 429 with Retry-After — kubectl would retry it,
 * doctor does not yet: requests-doctor-e2e.md R18). Wait for that, so the healthy verdict is about
 * the install, not the cluster's start.
 */
async function apisServing(): Promise<void> {
  const kube = await connect({kubeconfig});
  const crds = await kube.list<{spec: {group: string; names: {plural: string}; versions: {name: string; served: boolean}[]}}>('/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
  const paths = crds.items.flatMap((c) => c.spec.versions.filter((v) => v.served).map((v) => `/apis/${c.spec.group}/${v.name}/${c.spec.names.plural}`));
  const deadline = Date.now() + 120_000;
  await Promise.all(
    paths.map(async (path) => {
      for (;;) {
        try {
          await kube.list(path, {query: {limit: '1'}});
          return;
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`${path} still fails: ${String(error)}`);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    }),
  );
}

beforeAll(async () => {
  cli = doctorCli(kubeconfig, {name: 'infgw-doctor-cli', manifest: 'committed', reuse: 'env', timeoutMs: 610_000});
  cliReady = cli.ready;
  // Installs need no binary: they start while it is built (the healthy one first, outside the queue).
  // withEppMetrics: the EPP's /metrics answers (a stand-in behind KWOK port-forward that authenticates
  // like the EPP), so the EPP-runtime checks run instead of being skipped.
  const healthyInstall = installHealthy(kubeconfig, {namespace: `dr-${RUN}-healthy`, pods: 2, withEppMetrics: true});
  healthyInstall.catch(() => {});
  startCases();
  const [inst] = await Promise.all([healthyInstall, cliReady, apisServing()]);
  healthy = inst;
}, 900_000);

afterAll(async () => {
  await Promise.all([...results.values()]);
  await Promise.all([
    healthy?.cleanup(),
    ...cleanups,
    ...extraNamespaces.map((ns) => kubectl(['delete', 'namespace', ns, '--wait=false'], {kubeconfig, allowFail: true})),
    kubectl(['delete', 'clusterrole', `infgw-e2e-${RUN}-crd-reader`, '--ignore-not-found'], {kubeconfig, allowFail: true}),
  ]);
}, 300_000);

describe('doctor on a healthy install', () => {
  let h: DoctorRun;
  beforeAll(async () => {
    h = await doctorJson(['-n', healthy.names.namespace]);
  });

  it('exits 0 with no error and no warning; every check ran (none skipped or blocked)', () => {
    expect(h.stderr).not.toMatch(/error:/i);
    const j = expectHealthy(h);
    expect(j.schemaVersion).toBeDefined();
    console.log(`[doctor e2e] healthy: ${j.findings.length} results, ${j.summary.apiRequests} API requests, ${j.summary.durationMs} ms (process ${h.ms} ms)`);
  });

  it('finds the chain pool → release → Gateway with the AI Gateway wiring, and checks every link ok', () => {
    const j = h.json!;
    const n = healthy.names;
    expect(j.target).toMatchObject({source: 'cluster', namespace: n.namespace});
    expect(j.target.pools).toEqual([expect.objectContaining({namespace: n.namespace, name: n.pool, release: n.release, wiring: 'ai-gateway'})]);
    expect(j.target.releases).toEqual([expect.objectContaining({namespace: n.namespace, name: n.release, status: 'deployed'})]);
    const okCodes = new Set(j.findings.filter((f) => f.severity === 'ok').map((f) => f.code));
    for (const code of ['IGW-101', 'IGW-103', 'IGW-104', 'IGW-201', 'IGW-203', 'IGW-205', 'IGW-206', 'IGW-301', 'IGW-303', 'IGW-304', 'IGW-305', 'IGW-306', 'IGW-401', 'IGW-402', 'IGW-403', 'IGW-404', 'IGW-405', 'IGW-406', 'IGW-407', 'IGW-409', 'IGW-501', 'IGW-502', 'IGW-601', 'IGW-602', 'IGW-701']) {
      expect(okCodes.has(code), `${code} ok:\n${j.findings.filter((f) => f.code === code).map(describeFinding).join('\n')}`).toBe(true);
    }
    // domain-facts §7 "streaming cut off → old EPP (transfer-encoding on HTTP/2)": the fixture's EPP
    // is v1.4.0, which has GIE#2993 — worth knowing, not a problem of this install (info)
    expect(j.findings.find((f) => f.code === 'IGW-503'), problems(j)).toMatchObject({severity: 'info', object: {kind: 'Deployment', namespace: n.namespace, name: n.eppDeployment}});
    expect(j.findings.find((f) => f.code === 'IGW-503')!.message).toMatch(/v1\.4\.0.*2993/);
    for (const f of j.findings) {
      expect(f.code).toMatch(/^IGW-\d{3}$/);
      expect(typeof f.durationMs).toBe('number');
      expect(Array.isArray(f.blockedBy)).toBe(true);
    }
  });

  it('-o short prints nothing for a healthy install (problems only) and exits 0', async () => {
    const r = await doctor(['-n', healthy.names.namespace, '-o', 'short']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });

  it('--symptom 503 on a healthy install concludes that no check found a cause, and says what to look at next', async () => {
    const r = await doctorJson(['-n', healthy.names.namespace, '--symptom', '503']);
    expect(r.code).toBe(0);
    expect(r.json!.target).toMatchObject({symptom: '503'});
    expect(r.json!.conclusion).toMatch(/^None of the \d+ checks for .* found a cause/);
    expect(r.json!.conclusion).toContain('Next:');
    // the playbook's checks only (and what they depend on), not the whole catalog
    expect(r.json!.findings.length).toBeLessThan(h.json!.findings.length);
    expect(r.json!.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['IGW-303', 'IGW-304', 'IGW-305']));
  });

  it('--only / --skip select checks by code or phase prefix', async () => {
    const r = await doctorJson(['-n', healthy.names.namespace, '--only', 'IGW-3,IGW-405', '--skip', 'IGW-307']);
    expect(r.code).toBe(0);
    const codes = new Set(r.json!.findings.map((f) => f.code));
    expect([...codes].every((c) => (c.startsWith('IGW-3') || c === 'IGW-405') && c !== 'IGW-307'), [...codes].join(' ')).toBe(true);
    expect([...codes]).toEqual(expect.arrayContaining(['IGW-301', 'IGW-303', 'IGW-304', 'IGW-405']));
  });

  it('--symptom list explains every symptom', async () => {
    const r = await doctorJson(['--symptom', 'list']);
    expect(r.code).toBe(0);
    const names = (r.json as unknown as {symptoms: {name: string}[]}).symptoms.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['epp-not-starting', 'gateway-not-programmed', 'ext-proc-not-routing', '503', '500', 'no-streaming', 'high-latency', 'config-not-applied', 'metrics-unauthorized']));
  });

  it('as the RBAC-restricted user: unreadable kinds make their checks "skipped" with the missing rule, and the run completes', async () => {
    expect(restrictedKubeconfig, 'the e2e global setup provides restrictedKubeconfig').toBeTruthy();
    const n = healthy.names;
    // A namespace user: the built-in "view" role in this namespace plus read access to the
    // inference CRDs there — no Secrets (Helm releases), nothing cluster-wide, nothing in
    // Envoy Gateway's namespace, no RBAC objects.
    const reader = `infgw-e2e-${RUN}-crd-reader`;
    await kubectl(
      ['create', 'clusterrole', reader, '--verb=get,list,watch', '--resource=inferencepools.inference.networking.k8s.io,inferencepools.inference.networking.x-k8s.io,httproutes.gateway.networking.k8s.io,gateways.gateway.networking.k8s.io,referencegrants.gateway.networking.k8s.io,envoyextensionpolicies.gateway.envoyproxy.io,inferenceservices.serving.kserve.io'],
      {kubeconfig},
    );
    await kubectl(['create', 'rolebinding', 'restricted-view', '-n', n.namespace, '--clusterrole=view', '--user=restricted'], {kubeconfig});
    await kubectl(['create', 'rolebinding', 'restricted-crds', '-n', n.namespace, `--clusterrole=${reader}`, '--user=restricted'], {kubeconfig});

    const r = await doctorJson(['-n', n.namespace], {kubeconfig: restrictedKubeconfig});
    const j = r.json!;
    expect(j, r.stdout + r.stderr).toBeDefined();
    // nothing is wrong with the install: only unknowns
    expect(r.code, problems(j)).toBe(0);
    expect(j.summary.errors).toBe(0);
    expect(j.target.pools.map((p) => p.name)).toEqual([n.pool]);
    const skipped = j.findings.filter((f) => f.severity === 'skipped');
    const skip = (code: string) => skipped.find((f) => f.code === code);
    // Envoy Gateway's namespace is not readable: its checks are skipped with the rule to grant
    expect(skip('IGW-201')?.fix, problems(j)).toMatch(/envoy-gateway-system.*deployments|deployments.*envoy-gateway-system/s);
    // RBAC objects are not readable: the EPP's permissions are unknown, with the rule
    expect(skip('IGW-501')?.fix, problems(j)).toContain('rolebindings');
    // Secrets are not readable: the release checks say so instead of vanishing (R11)
    expect(skip('IGW-401')?.fix, problems(j)).toContain('secrets');
    // and the readable links were checked
    for (const code of ['IGW-303', 'IGW-304', 'IGW-405', 'IGW-407']) expect(j.findings.find((f) => f.code === code)?.severity, code).toBe('ok');
  });
});

describe('doctor --from-file: helm template output of the fixture chart, offline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'infgw-doctor-files-'));
  // Offline means offline: a kubeconfig that does not exist.
  const offline = {kubeconfig: join(dir, 'no-such-kubeconfig')};

  async function render(name: string, set: string[]): Promise<string> {
    const args = ['template', 'igw', chartDir, '-n', 'inference', '--set', 'epp.poolName=qwen3-8b-pool'];
    for (const s of set) args.push('--set', s);
    const r = await helm(args, {timeoutMs: 60_000});
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, r.stdout);
    return file;
  }

  it('the chart as rendered: no error, no warning, no API request, no check that crashed', async () => {
    const file = await render('default', []);
    const r = await doctorJson(['--from-file', file], offline);
    const j = r.json!;
    expect(j, r.stdout + r.stderr).toBeDefined();
    expect(r.code, problems(j)).toBe(0);
    expect(j.target.source).toBe('files');
    expect(j.summary).toMatchObject({errors: 0, warnings: 0, apiRequests: 0});
    expect(j.target.pools).toEqual([expect.objectContaining({namespace: 'inference', name: 'qwen3-8b-pool', release: 'igw'})]);
    expect(j.target.releases).toEqual([expect.objectContaining({name: 'igw', status: 'rendered'})]);
    const crashed = j.findings.filter((f) => /the check itself failed/.test(f.message));
    expect(crashed.map(describeFinding), 'R12').toEqual([]);
  });

  it('finds the mistakes in a rendered chart: EPP TLS vs plain-gRPC ext-proc (error), Buffered response body (warning); also from stdin', async () => {
    const file = await render('tls-buffered', ['epp.secureServing=true', 'extensionPolicy.responseBodyMode=Buffered']);
    const r = await doctorJson(['--from-file', '-'], {...offline, input: readFileSync(file, 'utf8')});
    const j = r.json!;
    expect(j, r.stdout + r.stderr).toBeDefined();
    expect(r.code).toBe(1);
    expect(j.summary.apiRequests).toBe(0);
    expectWanted(j, {code: 'IGW-411', severity: 'error', kind: 'Deployment', namespace: 'inference', name: 'igw-inference-gateway-epp', message: ['TLS'], fix: ['epp.secureServing=false', '-n inference']});
    expectWanted(j, {code: 'IGW-412', severity: 'warning', kind: 'EnvoyExtensionPolicy', namespace: 'inference', name: 'igw-inference-gateway-ext-proc', message: ['Buffered'], fix: ['responseBodyMode=Streamed']});
  });
});

describe('doctor finds each fault: exit code, code, object, fix with real names, checks below it blocked', () => {
  for (const c of CASES) {
    it(caseTitle(c), async () => {
      const r = await value(results.get(c.fault)!);
      const j = r.doctor.json;
      expect(j, `doctor ${r.doctor.args.join(' ')} printed no JSON: ${r.doctor.stderr}`).toBeDefined();
      const n = r.names;
      for (const w of c.want(n)) expectWanted(j!, w);
      for (const [code, by] of c.blocked ?? []) {
        const mine = j!.findings.filter((f) => f.code === code && (!f.pool || f.pool.startsWith(`${n.namespace}/`)));
        expect(
          mine.some((f) => f.severity === 'blocked' && f.blockedBy.includes(by)),
          `${code} should be blocked by ${by}:\n${mine.map(describeFinding).join('\n') || '(no finding)'}\nall problems:\n${problems(j!)}`,
        ).toBe(true);
      }
      expect(r.doctor.code, problems(j!)).toBe(c.exit);
      expect(j!.summary.errors > 0).toBe(c.exit === 1);
    });
  }

  it('reports each root cause once: no error beyond the fault\'s own root causes (the rest is "blocked")', async () => {
    const violations: string[] = [];
    for (const c of CASES) {
      const s = await results.get(c.fault)!;
      if (!s.ok || !s.value.doctor.json) continue; // reported by the fault's own test
      const allowed = new Set(c.errors ?? c.want(s.value.names).filter((w) => w.severity === 'error').map((w) => w.code));
      for (const f of ownErrors(s.value)) if (!allowed.has(f.code)) violations.push(`${c.fault}: ${describeFinding(f)}`);
    }
    expect(violations, 'extra errors (requests-doctor-e2e.md R2, R3, R7, R8)').toEqual([]);
  });
});

describe('symptom playbooks on faulty installs: the checks in order, then a conclusion naming the root cause', () => {
  const playbooks: [FaultName, string, string][] = [
    ['gateway-not-programmed', 'gateway-not-programmed', 'IGW-404'],
    ['pool-selector-no-pods', '503', 'IGW-303'],
    ['epp-crashloop', 'epp-not-starting', 'IGW-405'],
    ['epp-tls', 'ext-proc-not-routing', 'IGW-411'],
    ['route-invalid-kind', '500', 'IGW-206'],
  ];
  for (const [fault, symptom, code] of playbooks) {
    it(`--symptom ${symptom} (${fault}) → most likely ${code}, with its fix`, async () => {
      const r = await value(results.get(fault)!);
      const p = r.extra.symptom!;
      const j = p.json!;
      expect(j, p.stdout + p.stderr).toBeDefined();
      expect(p.code).toBe(1);
      expect(j.target).toMatchObject({symptom});
      const root = j.findings.find((f) => f.code === code && f.severity === 'error');
      expect(root, problems(j)).toBeDefined();
      expect(j.conclusion).toMatch(new RegExp(`most likely ${code}`));
      expect(j.conclusion).toContain(root!.fix!.split('\n')[0]!);
      expect(j.conclusion).toContain(`kubectl infgw doctor --symptom ${symptom}`);
    });
  }
  const warningPlaybooks: [FaultName, string, string][] = [
    ['policy-response-buffered', 'no-streaming', 'IGW-412'],
    ['scheduling-config-changed', 'config-not-applied', 'IGW-601'],
    ['scheduling-weights-not-100', 'high-latency', 'IGW-602'],
    ['epp-no-tokenreviews', 'metrics-unauthorized', 'IGW-502'],
  ];
  for (const [fault, symptom, code] of warningPlaybooks) {
    it(`--symptom ${symptom} (${fault}) → no error, but ${code} may contribute`, async () => {
      const r = await value(results.get(fault)!);
      const p = r.extra.symptom!;
      const j = p.json!;
      expect(j, p.stdout + p.stderr).toBeDefined();
      expect(p.code).toBe(0);
      expect(j.conclusion, problems(j)).toMatch(new RegExp(`may contribute: .*${code}`));
      expect(j.conclusion).toContain('Next:');
    });
  }
});

describe('output for scripts and CI on a faulty install (model-pods-not-ready)', () => {
  it('-o short: one pasteable line per problem, nothing else, exit 1', async () => {
    const r = await value(results.get('model-pods-not-ready')!);
    const s = r.extra.short!;
    const n = r.names;
    expect(s.code).toBe(1);
    const lines = s.stdout.trimEnd().split('\n');
    expect(lines.length).toBe(r.doctor.json!.summary.errors + r.doctor.json!.summary.warnings);
    for (const l of lines) expect(l).toMatch(/^IGW-\d{3} (error|warning) \S/);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^IGW-304 error Pod ${n.namespace}/${n.modelDeployment}-\\S+: `)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^IGW-302 error InferenceService ${n.namespace}/${n.inferenceService}: `)));
  });

  it('--junit FILE: valid XML, one failure per error, typed with the code', async () => {
    const r = await value(results.get('model-pods-not-ready')!);
    const x = r.extra.junit!;
    expect(x.code).toBe(1);
    expect(XMLValidator.validate(x.junit!)).toBe(true);
    const doc = new XMLParser({ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testsuite' || name === 'testcase'}).parse(x.junit!) as {
      testsuites: {failures: string; tests: string; testsuite: {name: string; failures: string; testcase: {name: string; failure?: {type: string; message: string}}[]}[]};
    };
    const errors = r.doctor.json!.summary.errors;
    expect(Number(doc.testsuites.failures)).toBe(errors);
    const failures = doc.testsuites.testsuite.flatMap((s) => s.testcase.filter((t) => t.failure));
    expect(failures).toHaveLength(errors);
    expect(failures.map((t) => t.failure!.type)).toEqual(expect.arrayContaining(['IGW-302', 'IGW-304']));
    expect(doc.testsuites.testsuite.reduce((k, s) => k + s.testcase.length, 0)).toBe(Number(doc.testsuites.tests));
  });
});
