/*
 * Phase 2 — Envoy Gateway: the controller, its version, the GatewayClass, and its config file
 * judged by Envoy Gateway's own rules (src/envoy/validate.ts, from envoyproxy/gateway
 * api/v1alpha1/validation/envoygateway_validate.go). Replaces the install notes' PREREQUISITES 2,
 * "CRITICAL: ENVOY GATEWAY EXTENSION MANAGER CONFIGURATION" (which is wrong: backendResources
 * alone is refused by Envoy Gateway) and TROUBLESHOOTING 2/3.
 */
import {ENVOY_GATEWAY_CONFIG_KEY, ENVOY_GATEWAY_NAMESPACE, GROUP} from '../snapshot/kinds.ts';
import {access, isLive, items, lookup} from '../snapshot/query.ts';
import {envoyGatewayConfigMap, envoyGatewayController as findController, lastChanged, type EnvoyGatewayInstall} from '../snapshot/envoy-gateway.ts';
import {imageTag} from '../snapshot/versions.ts';
import {envoyGatewayWarnings, validateEnvoyGateway} from '../envoy/validate.ts';
import {controllerErrorFromLog, serviceFromHostname} from '../envoy/cluster.ts';
import type {Snapshot} from '../snapshot/types.ts';
import {age, condition, describeCondition, newestPods, podReady, rolloutStatus, serviceEndpoints, worstPodProblem, type EndpointSlice, type Pod, type Service} from './k8s.ts';
import {error, info, ok, skipped, warning, type Check, type Draft} from './types.ts';
import {yamlBlock} from './fix.ts';
import {podProblemFix} from './phase3-model-serving.ts';
import {EG_CONTROLLER_NAME, egControllerName, egForChain, envoyGatewayConfig, extensionHandlingPool, extensionManagers, installsInScope, poolGvk} from './wiring.ts';
import type {KubeObject} from '../kube/client.ts';

const EG_INSTALL = `helm upgrade --install eg oci://docker.io/envoyproxy/gateway-helm -n ${ENVOY_GATEWAY_NAMESPACE} --create-namespace`;

export function parseVersion(v: string | undefined): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v ?? '');
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

export function versionBelow(v: string | undefined, major: number, minor: number): boolean {
  const p = parseVersion(v);
  return p !== undefined && (p[0] < major || (p[0] === major && p[1] < minor));
}

export function envoyGatewayVersion(snap: Snapshot, install?: EnvoyGatewayInstall): string | undefined {
  const eg = install ?? findController(snap);
  const c = (eg?.deployment.spec?.template?.spec?.containers ?? []).find((x) => /envoyproxy\/gateway/.test(x.image ?? '')) ?? eg?.deployment.spec?.template?.spec?.containers?.[0];
  return c?.image ? imageTag(c.image) : undefined;
}

export {EG_CONTROLLER_NAME, egControllerName};

function logOf(snap: Snapshot, p: Pod, container: string, previous: boolean): string | undefined {
  const l = snap.logs[`${p.metadata.namespace}/${p.metadata.name}/${container}${previous ? '/previous' : ''}`];
  return typeof l === 'string' ? l : undefined;
}

const egDeploymentRef = (name: string, ns: string = ENVOY_GATEWAY_NAMESPACE) => ({apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name});
const cmRefOf = (eg: EnvoyGatewayInstall | undefined) => ({apiVersion: 'v1', kind: 'ConfigMap', namespace: eg?.namespace ?? ENVOY_GATEWAY_NAMESPACE, name: eg?.configMapName ?? 'envoy-gateway-config'});

export const controllerAvailable: Check = {
  code: 'IGW-201',
  phase: 2,
  scope: 'cluster',
  title: 'Envoy Gateway controller is available',
  symptoms: ['gateway-not-programmed', 'config-not-applied', 'ext-proc-not-routing'],
  reads: ['Deployment', 'Pod'],
  run({snap, target}) {
    if (snap.source === 'files') return [];
    const installs = installsInScope(snap, target);
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
  const rollout = rolloutStatus(d);
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
  dependsOn: ['IGW-201'],
  symptoms: ['no-streaming'],
  run({snap, target}) {
    if (snap.source === 'files') return [];
    const out: Draft[] = [];
    for (const eg of installsInScope(snap, target)) {
      const v = envoyGatewayVersion(snap, eg);
      const dref = egDeploymentRef(eg.deployment.metadata.name, eg.namespace);
      if (!parseVersion(v)) {
        out.push(info(`Envoy Gateway version unknown (image tag ${v ?? 'none'}); version-dependent checks skipped`, dref));
        continue;
      }
      const before = out.length;
      const upgrade = `helm upgrade eg oci://docker.io/envoyproxy/gateway-helm --version v1.6.0 -n ${eg.namespace} --reuse-values`;
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
    return out;
  },
};

export const gatewayClassCheck: Check = {
  code: 'IGW-203',
  phase: 2,
  scope: 'chain',
  title: 'GatewayClass exists and is Accepted by Envoy Gateway',
  dependsOn: ['IGW-103'],
  symptoms: ['gateway-not-programmed'],
  reads: ['GatewayClass'],
  run({chain, snap}) {
    const names = new Map<string, string>();
    for (const g of chain.gateways) {
      const gw = 'found' in g.lookup ? g.lookup.found : undefined;
      if (gw?.spec?.gatewayClassName) names.set(gw.spec.gatewayClassName, `Gateway ${g.namespace}/${g.name}`);
    }
    if (chain.release?.gatewayClassName && !names.size) names.set(chain.release.gatewayClassName, `release ${chain.release.release.name}`);
    if (names.size === 0) return [];
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
      if (gc.spec?.controllerName !== controller) {
        out.push(
          error(
            `GatewayClass ${name} names controller ${gc.spec?.controllerName ?? '(none)'}, but Envoy Gateway answers to ${controller}: its Gateways are never programmed by Envoy Gateway`,
            cref,
            `# controllerName is immutable: recreate the class\nkubectl delete gatewayclass ${name} && kubectl apply -f - <<'EOF'\n${gcYaml}\nEOF`,
          ),
        );
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

export const envoyGatewayConfigParses: Check = {
  code: 'IGW-204',
  phase: 2,
  scope: 'cluster',
  title: 'Envoy Gateway config (envoy-gateway.yaml) is readable',
  symptoms: ['config-not-applied', 'ext-proc-not-routing', '500'],
  reads: ['ConfigMap'],
  run({snap, target}) {
    if (snap.source === 'files' && !envoyGatewayConfigMap(snap)) return [];
    const installs = installsInScope(snap, target);
    const out: Draft[] = [];
    for (const eg of installs.length ? installs : [undefined]) {
      const ns = eg?.namespace ?? ENVOY_GATEWAY_NAMESPACE;
      const cmRef = cmRefOf(eg);
      const name = cmRef.name;
      const why = access(snap, 'ConfigMap', ns);
      if (why) {
        out.push(skipped(`skipped: cannot read ConfigMap ${ns}/${name}: ${why.message}`, cmRef, why.rule));
        continue;
      }
      const cm = envoyGatewayConfigMap(snap, eg);
      if (!cm) {
        if (eg) out.push(error(`ConfigMap ${ns}/${name} does not exist: the controller cannot mount its config`, cmRef, `helm upgrade eg oci://docker.io/envoyproxy/gateway-helm -n ${ns} --reuse-values   # re-renders the ConfigMap`));
        continue;
      }
      const text = cm.data?.[ENVOY_GATEWAY_CONFIG_KEY];
      if (text === undefined) {
        out.push(error(`ConfigMap ${ns}/${name} has no key ${ENVOY_GATEWAY_CONFIG_KEY}`, cmRef, `kubectl edit configmap ${name} -n ${ns}`));
        continue;
      }
      const cfg = envoyGatewayConfig(snap, eg);
      if (cfg.error) {
        out.push(error(`${ENVOY_GATEWAY_CONFIG_KEY} cannot be read as an EnvoyGateway object: ${cfg.error} — the controller will not start with it`, cmRef, `kubectl edit configmap ${name} -n ${ns}   # or restore it: kubectl infgw patch-envoy${nsArg(ns)} --rollback`));
        continue;
      }
      out.push(ok(`${ns}/${name} ${ENVOY_GATEWAY_CONFIG_KEY} parsed`, cmRef));
    }
    return out;
  },
};

function nsArg(ns: string): string {
  return ns === ENVOY_GATEWAY_NAMESPACE ? '' : ` --config-namespace ${ns}`;
}

function patchEnvoyCommand(ns: string): string {
  return `kubectl infgw patch-envoy${nsArg(ns)}`;
}

/** The fix for a config Envoy Gateway refuses: merge what InferencePool backends need. */
function patchEnvoyFix(groups: string[], ns: string = ENVOY_GATEWAY_NAMESPACE): string {
  const extra = groups.filter((g) => g === GROUP.xPool).map((g) => ` --backend-resource ${g}/${poolGvk(g).version}/InferencePool`);
  return `kubectl infgw patch-envoy${nsArg(ns)}${extra.join('')} --dry-run   # review the diff, then run it without --dry-run`;
}

export const envoyGatewayConfigValid: Check = {
  code: 'IGW-205',
  phase: 2,
  scope: 'cluster',
  title: "Envoy Gateway config is valid by Envoy Gateway's own rules",
  dependsOn: ['IGW-204'],
  symptoms: ['config-not-applied', 'ext-proc-not-routing', '500'],
  run({snap, target}) {
    const out: Draft[] = [];
    const installs = installsInScope(snap, target);
    for (const eg of installs.length ? installs : [undefined]) {
      const cfg = envoyGatewayConfig(snap, eg);
      if (!cfg.value) continue;
      const cmRef = cmRefOf(eg);
      const issues = validateEnvoyGateway(cfg.value);
      const before = out.length;
      const groups = [...new Set(target.chains.map((c) => c.group))];
      if (issues.length) {
        const noHooks = issues.some((i) => /no hooks/.test(i.message));
        const notes = noHooks && extensionManagers(cfg.value).some((em) => em.backendResources.some((b) => b.group === '' && b.kind === 'Service'))
          ? ' (this is the install notes\' "CRITICAL" patch: backendResources {group: "", kind: Service} alone)'
          : '';
        out.push(
          error(
            `Envoy Gateway refuses this config: ${issues.map((i) => `${i.field ? `${i.field}: ` : ''}${i.message}`).join('; ')}${notes}. At its next start the controller exits (CrashLoopBackOff); a running controller logs "failed to validate EnvoyGateway config" and keeps its old config`,
            cmRef,
            patchEnvoyFix(groups, cmRef.namespace),
          ),
        );
      }
      for (const w of envoyGatewayWarnings(cfg.value, {version: envoyGatewayVersion(snap, eg)})) {
        out.push(warning(`${w.field ? `${w.field}: ` : ''}${w.message}`, cmRef));
      }
      if (out.length === before) out.push(ok("accepted by Envoy Gateway's validation rules", cmRef));
    }
    return out;
  },
};

export const extensionManagerForPools: Check = {
  code: 'IGW-206',
  phase: 2,
  scope: 'chain',
  title: 'Envoy Gateway hands InferencePool backends to an extension server (Envoy AI Gateway)',
  dependsOn: ['IGW-205'],
  symptoms: ['500', 'ext-proc-not-routing'],
  reads: ['ConfigMap'],
  run({chain, snap}) {
    // Only an HTTPRoute backendRef to the pool needs this (wiring b).
    if (chain.routes.length === 0) return [];
    const eg = egForChain(snap, chain);
    const cfg = envoyGatewayConfig(snap, eg);
    if (!cfg.value) return [];
    const cmRef = cmRefOf(eg);
    const want = poolGvk(chain.group);
    const em = extensionHandlingPool(snap, chain.group, eg);
    if (!em) {
      const ems = extensionManagers(cfg.value);
      const serviceOnly = ems.some((e) => e.backendResources.some((b) => b.group === '' && b.kind === 'Service'));
      const otherVersion = ems.some((e) => e.backendResources.some((b) => b.group === want.group && b.kind === 'InferencePool' && b.version !== want.version));
      const why = serviceOnly
        ? 'its extensionManager lists backendResources {group: "", kind: Service} — the install notes\' entry, which does nothing for InferencePool'
        : otherVersion
          ? `its backendResources name InferencePool of ${want.group} with another version than ${want.version}`
          : ems.length
            ? `no extensionManager lists backendResources ${want.group}/${want.version} InferencePool with hooks and a service`
            : 'it has no extensionManager';
      return [
        error(
          `HTTPRoute ${chain.routes[0]!.route.metadata.namespace}/${chain.routes[0]!.route.metadata.name} sends to InferencePool ${chain.key}, but Envoy Gateway has no InferencePool backend of its own and ${why}: the route gets ResolvedRefs=False (InvalidKind) and requests fail with 500`,
          cmRef,
          patchEnvoyFix([chain.group], cmRef.namespace),
        ),
      ];
    }
    // The extension service must exist and have endpoints, or every translation that calls it fails.
    const host = em.service?.fqdn?.hostname;
    const port = em.service?.fqdn?.port;
    const svcRef = host ? serviceFromHostname(host) : undefined;
    if (svcRef && port !== undefined) {
      const l = lookup<Service>(snap, 'Service', svcRef.namespace, svcRef.name);
      const sref = {apiVersion: 'v1', kind: 'Service', namespace: svcRef.namespace, name: svcRef.name};
      if ('absent' in l) {
        return [error(`the extension server Service ${svcRef.namespace}/${svcRef.name} (${em.field}.service) does not exist: is Envoy AI Gateway installed?`, sref, 'helm upgrade --install aieg oci://docker.io/envoyproxy/ai-gateway-helm -n envoy-ai-gateway-system --create-namespace')];
      }
      if ('found' in l) {
        if (!(l.found.spec?.ports ?? []).some((p) => p.port === port)) {
          return [error(`the extension server Service ${svcRef.namespace}/${svcRef.name} has no port ${port}`, sref, `kubectl get svc ${svcRef.name} -n ${svcRef.namespace} -o yaml`)];
        }
        if (isLive(snap, l.found) && access(snap, 'EndpointSlice', svcRef.namespace) === undefined) {
          const ep = serviceEndpoints(l.found, items<EndpointSlice>(snap, 'EndpointSlice'));
          if (ep.ready === 0) {
            return [error(`the extension server Service ${svcRef.namespace}/${svcRef.name} has no ready endpoints: Envoy Gateway's translations that call it fail`, sref, `kubectl get pods -n ${svcRef.namespace}`)];
          }
        }
      }
    }
    return [ok(`${em.field} handles ${want.group}/${want.version} InferencePool${host ? ` via ${host}:${port}` : ''}`, cmRef)];
  },
};

export const configLoaded: Check = {
  code: 'IGW-207',
  phase: 2,
  scope: 'cluster',
  title: 'Envoy Gateway runs the current config',
  dependsOn: ['IGW-201', 'IGW-205'],
  symptoms: ['config-not-applied'],
  run({snap, target, now}) {
    if (snap.source === 'files') return [];
    return installsInScope(snap, target).flatMap((eg) => reloadDrafts(snap, eg, now));
  },
};

function reloadDrafts(snap: Snapshot, eg: EnvoyGatewayInstall, now: Date): Draft[] {
  const cm = envoyGatewayConfigMap(snap, eg);
  if (!cm || !isLive(snap, cm)) return [];
  const changed = lastChanged(cm);
  const ready = eg.pods.filter(podReady);
  if (!changed || ready.length === 0) return [];
  const startedAt = (p: Pod) => Date.parse(p.status?.startTime ?? p.metadata.creationTimestamp ?? '');
  const oldest = Math.min(...ready.map(startedAt));
  const cmRef = cmRefOf(eg);
  if (!Number.isFinite(oldest) || changed.getTime() <= oldest) {
    return [ok(`controller started after the config last changed (${age(changed, now)} ago)`, cmRef)];
  }
  const v = envoyGatewayVersion(snap, eg);
  const restart = eg.namespace === ENVOY_GATEWAY_NAMESPACE ? 'kubectl infgw restart envoy-gateway' : `kubectl rollout restart deployment/${eg.deployment.metadata.name} -n ${eg.namespace}`;
  // Since v1.2 the controller watches its config file and reloads it (domain-facts §4); the
  // kubelet updates a ConfigMap volume after its sync period (about a minute).
  if (versionBelow(v, 1, 2)) {
    return [warning(`the config changed ${age(changed, now)} ago, after the controller started; Envoy Gateway ${v} does not reload it: the change is not in effect`, cmRef, restart)];
  }
  const rejected = ready.map((p) => logOf(snap, p, p.spec.containers[0]?.name ?? 'envoy-gateway', false)).find((l) => l && /failed to validate EnvoyGateway config/i.test(l));
  if (rejected) return []; // IGW-208 reports it
  const sinceMs = now.getTime() - changed.getTime();
  if (sinceMs < 90_000) {
    return [info(`the config changed ${age(changed, now)} ago; the kubelet delivers ConfigMap updates to the pod within about a minute, then the controller reloads it`, cmRef)];
  }
  return [info(`the config changed ${age(changed, now)} ago, after the controller started; Envoy Gateway ${v ?? ''} reloads its config file (no restart needed unless the reload was rejected)`.replace('  ', ' '), cmRef)];
}

export const controllerRejectedConfig: Check = {
  code: 'IGW-208',
  phase: 2,
  scope: 'cluster',
  title: 'Envoy Gateway controller logs show no rejected config',
  dependsOn: ['IGW-201'],
  symptoms: ['config-not-applied'],
  run({snap, target}) {
    if (snap.source === 'files') return [];
    const out: Draft[] = [];
    for (const eg of installsInScope(snap, target)) {
      let read = false;
      let found: Draft | undefined;
      for (const p of eg.pods) {
        const c = p.spec.containers[0]?.name ?? 'envoy-gateway';
        const log = logOf(snap, p, c, false);
        if (log === undefined) continue;
        read = true;
        const line = log.split('\n').reverse().find((l) => /failed to validate EnvoyGateway config|failed to (load|reload|decode) .*config/i.test(l));
        if (line) {
          found = error(
            `the controller rejected a new config and keeps running the old one: ${controllerErrorFromLog(line) ?? line.trim()}`,
            {apiVersion: 'v1', kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name},
            patchEnvoyFix([], eg.namespace),
          );
          break;
        }
      }
      if (found) {
        out.push(found);
        continue;
      }
      const unreadable = Object.entries(snap.logs).find(([k, v]) => k.startsWith(`${eg.namespace}/`) && typeof v !== 'string');
      if (unreadable && typeof unreadable[1] !== 'string') out.push(skipped(`skipped: cannot read the controller's logs: ${unreadable[1].message}`, undefined, unreadable[1].rule));
      else if (read) out.push(ok('no rejected-config lines in the controller log', egDeploymentRef(eg.deployment.metadata.name, eg.namespace)));
    }
    return out;
  },
};

export const phase2: Check[] = [
  controllerAvailable,
  envoyGatewayVersionCheck,
  gatewayClassCheck,
  envoyGatewayConfigParses,
  envoyGatewayConfigValid,
  extensionManagerForPools,
  configLoaded,
  controllerRejectedConfig,
];

