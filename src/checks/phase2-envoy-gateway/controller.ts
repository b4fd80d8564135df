/*
 * Phase 2 — Envoy Gateway: the controller is available (install notes PREREQUISITES 2) and recent
 * enough for what the chains use.
 */
import {controllerErrorFromLog} from '../../envoy/cluster.ts';
import {condition} from '../../k8s/objects.ts';
import {newestPods, podReady, worstPodProblem} from '../../k8s/pods.ts';
import {deploymentSummary} from '../../k8s/rollout.ts';
import type {KubeObject} from '../../kube/client.ts';
import {envoyGatewayConfig, extensionManagers, installsInScope, isAiGatewayExtension} from '../../model/wiring.ts';
import type {EnvoyGatewayInstall} from '../../snapshot/envoy-gateway.ts';
import {ENVOY_GATEWAY_NAMESPACE} from '../../snapshot/kinds.ts';
import {access, items} from '../../snapshot/query.ts';
import type {Snapshot} from '../../snapshot/types.ts';
import {anyEnvoyGatewayChain, egDeploymentRef, envoyGatewayVersion, logOf, nsArg, parseVersion, podProblemFix, versionBelow} from '../helpers.ts';
import {AI_GATEWAY_VERSION, EG_CHART, ENVOY_GATEWAY_FOR_AI_GATEWAY, ENVOY_GATEWAY_VERSION, GATEWAY_API_CRDS_URL, GATEWAY_API_VERSION} from '../fix.ts';
import {type Check, type Draft, error, info, notApplicable, ok, orNotApplicable, skipped, warning} from '../types.ts';

const EG_INSTALL = `helm upgrade --install eg ${EG_CHART} --version ${ENVOY_GATEWAY_VERSION} -n ${ENVOY_GATEWAY_NAMESPACE} --create-namespace`;

export const controllerAvailable: Check = {
  code: 'IGW-201',
  phase: 2,
  scope: 'cluster',
  title: 'Envoy Gateway controller is available',
  readme: {checks: 'controller available; why not (image, crash loop with its own error, ReplicaFailure); new pods crashing while old ones serve', failure: 'Gateways not programmed'},
  symptoms: {'gateway-not-programmed': 2, 'ext-proc-not-routing': 2, 'config-not-applied': 6},
  reads: ['Deployment', 'Pod', 'GatewayClass', 'Service', 'ConfigMap'],
  judgesUnreadable: ['GatewayClass', 'Service', 'ConfigMap'],
  run({snap, target}) {
    if (snap.source === 'files') return [notApplicable('offline (--from-file): judged only on a live cluster')];
    const installs = installsInScope(snap, target);
    // issue 13: every chain in scope runs on another implementation — Envoy Gateway is not needed
    if (installs.length === 0 && !anyEnvoyGatewayChain({snap, target})) return [notApplicable("no Envoy Gateway install, and every Gateway in scope is another implementation's")];
    const why = access(snap, 'Deployment', ENVOY_GATEWAY_NAMESPACE);
    if (installs.length === 0 && why && why.reason !== 'notServed') return [skipped(`skipped: cannot read Deployments in ${ENVOY_GATEWAY_NAMESPACE}: ${why.message}`, undefined, why.rule)];
    if (installs.length === 0) {
      return [error(`Envoy Gateway is not installed: no controller Deployment (label control-plane=envoy-gateway) found (nothing programs the Gateways)`, egDeploymentRef('envoy-gateway'), EG_INSTALL)];
    }
    return installs.map((eg) => controllerDraft(snap, eg));
  },
};

function controllerDraft(snap: Snapshot, eg: EnvoyGatewayInstall): Draft {
  const d = eg.deployment;
  const ns = eg.namespace;
  const dref = egDeploymentRef(d.metadata.name, ns);
  const available = d.status?.availableReplicas ?? 0;
  const fresh = newestPods(eg.pods);
  const worst = worstPodProblem(fresh);
  const rollout = deploymentSummary(d);
  // The Deployment controller copies a ReplicaSet's ReplicaFailure (pods cannot even be created:
  // missing ServiceAccount, quota, admission) onto the Deployment (pkg/controller/deployment/sync.go).
  const failure = condition(d.status?.conditions, 'ReplicaFailure');
  if (failure?.status === 'True' && available < 1) {
    return error(`Envoy Gateway controller ${ns}/${d.metadata.name} cannot create pods: ${failure.message ?? failure.reason}`, dref, `kubectl describe replicaset -n ${ns} -l ${Object.entries(d.spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',')}`);
  }
  if (worst) {
    const c = worst.problem.container ?? d.spec.template.spec.containers[0]?.name ?? 'envoy-gateway';
    const said = controllerErrorFromLog(logOf(snap, worst.pod, c, true) ?? logOf(snap, worst.pod, c, false) ?? '');
    const said2 = said ? `; it says: "${said}"` : '';
    const old = eg.pods.filter((p) => !fresh.includes(p) && podReady(p));
    const configRelated = /hook|extension|config|validate|unspecified|provider|decode/i.test(said ?? '');
    const fix = configRelated
      ? `kubectl infgw doctor --only IGW-204,IGW-205   # see what Envoy Gateway refuses in its config, then: ${patchEnvoyCommand(ns)}`
      : podProblemFix(worst.pod, worst.problem);
    if (old.length > 0) {
      return error(
        `new Envoy Gateway controller pods fail (${worst.pod.metadata.name}: ${worst.problem.message})${said2}; ${old.length} old pod${old.length === 1 ? '' : 's'} still serve${old.length === 1 ? 's' : ''} the previous config — the next restart or eviction takes the controller down`,
        dref,
        fix,
      );
    }
    return error(`Envoy Gateway controller ${ns}/${d.metadata.name} is not available (${available}/${d.spec.replicas ?? 1}): ${worst.pod.metadata.name}: ${worst.problem.message}${said2}`, dref, fix);
  }
  if (available < 1) {
    return error(`Envoy Gateway controller ${ns}/${d.metadata.name} is not available: ${rollout.message}${eg.pods.length === 0 ? ' (no pods)' : ''}`, dref, `kubectl describe deployment ${d.metadata.name} -n ${ns}`);
  }
  const v = envoyGatewayVersion(snap, eg);
  return ok(`${ns}/${d.metadata.name} available (${available}/${d.spec.replicas ?? 1})${v ? `, ${v}` : ''}`, dref);
}

interface PolicyMode {
  policy: KubeObject;
  responseBody?: string | undefined;
}

function streamingPolicies(snap: Snapshot): PolicyMode[] {
  const out: PolicyMode[] = [];
  for (const p of items<KubeObject & {spec?: {extProc?: {processingMode?: {response?: {body?: string}}}[]}}>(snap, 'EnvoyExtensionPolicy')) {
    for (const e of p.spec?.extProc ?? []) {
      const body = e.processingMode?.response?.body;
      if (body === 'Streamed' || body === 'FullDuplexStreamed') out.push({policy: p, responseBody: body});
    }
  }
  return out;
}

export const envoyGatewayVersionCheck: Check = {
  code: 'IGW-202',
  phase: 2,
  scope: 'cluster',
  title: 'Envoy Gateway version supports what is configured',
  readme: {checks: 'version ≥ 1.6 for streamed ext-proc, ≥ 1.5 for backendResources', failure: 'no streaming / InvalidKind'},
  dependsOn: ['IGW-201'],
  symptoms: {'no-streaming': 2},
  reads: ['EnvoyExtensionPolicy', 'Deployment', 'Pod', 'ConfigMap', 'GatewayClass', 'Service'],
  judgesUnreadable: ['EnvoyExtensionPolicy', 'Deployment', 'Pod', 'ConfigMap', 'GatewayClass', 'Service'],
  run({snap, target}) {
    if (snap.source === 'files') return [notApplicable('offline (--from-file): judged only on a live cluster')];
    const out: Draft[] = [];
    for (const eg of installsInScope(snap, target)) {
      const v = envoyGatewayVersion(snap, eg);
      const dref = egDeploymentRef(eg.deployment.metadata.name, eg.namespace);
      if (!parseVersion(v)) {
        out.push(info(`Envoy Gateway version unknown (image tag ${v ?? 'none'}); version-dependent checks skipped`, dref));
        continue;
      }
      const before = out.length;
      // The release to upgrade to: with Envoy AI Gateway, the Envoy Gateway it is built on (ai-gateway
      // v1.1.0 go.mod: github.com/envoyproxy/gateway v1.8.1); otherwise the newest, v1.9.1, which needs
      // Gateway API v1.6.1 CRDs (EG v1.9.1 go.mod; helm upgrade does not update CRDs).
      const aiGateway = extensionManagers(envoyGatewayConfig(snap, eg).value).some(isAiGatewayExtension);
      const upgrade = aiGateway
        ? `helm upgrade ${eg.deployment.metadata.labels?.['app.kubernetes.io/instance'] ?? 'eg'} ${EG_CHART} --version ${ENVOY_GATEWAY_FOR_AI_GATEWAY} -n ${eg.namespace} --reuse-values   # the Envoy Gateway Envoy AI Gateway ${AI_GATEWAY_VERSION} is built on`
        : `kubectl apply --server-side -f ${GATEWAY_API_CRDS_URL}   # Envoy Gateway ${ENVOY_GATEWAY_VERSION} needs Gateway API ${GATEWAY_API_VERSION}\nhelm upgrade ${eg.deployment.metadata.labels?.['app.kubernetes.io/instance'] ?? 'eg'} ${EG_CHART} --version ${ENVOY_GATEWAY_VERSION} -n ${eg.namespace} --reuse-values`;
      // Install notes, TROUBLESHOOTING 5: streaming ext-proc needs Envoy Gateway v1.6+ (FullDuplexStreamed
      // arrived in 1.4 — envoyproxy/gateway#5349 — but could not be used until the trailer mode was
      // set, envoyproxy/gateway#6270).
      const streaming = streamingPolicies(snap);
      if (streaming.length && versionBelow(v, 1, 6)) {
        const p = streaming[0]!;
        out.push(
          warning(
            `Envoy Gateway ${v} is older than v1.6, which streaming ext-proc needs; EnvoyExtensionPolicy ${p.policy.metadata.namespace}/${p.policy.metadata.name} asks for response body ${p.responseBody} — streamed responses may arrive in one piece or fail`,
            dref,
            upgrade,
          ),
        );
      }
      // backendResources (how an HTTPRoute reaches an InferencePool) arrived in v1.5 (envoyproxy/gateway#6342).
      const withBackends = extensionManagers(envoyGatewayConfig(snap, eg).value).find((em) => em.backendResources.length > 0);
      if (withBackends && versionBelow(v, 1, 5)) {
        out.push(error(`Envoy Gateway ${v} ignores extensionManager.backendResources (needs v1.5+): HTTPRoutes to InferencePools stay InvalidKind`, dref, upgrade));
      }
      if (out.length === before) out.push(ok(`Envoy Gateway ${v}`, dref));
    }
    return orNotApplicable(out, 'no Envoy Gateway install in scope');
  },
};

function patchEnvoyCommand(ns: string): string {
  return `kubectl infgw patch-envoy${nsArg(ns)}`;
}
