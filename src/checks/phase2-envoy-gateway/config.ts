/*
 * Phase 2 — Envoy Gateway's config file, judged by Envoy Gateway's own rules (src/envoy/validate.ts,
 * from envoyproxy/gateway api/v1alpha1/validation/envoygateway_validate.go), and its extension
 * manager for InferencePool backends. Replaces the install notes' "CRITICAL: ENVOY GATEWAY
 * EXTENSION MANAGER CONFIGURATION" (which is wrong: backendResources alone is refused).
 */
import {serviceFromHostname} from '../../envoy/cluster.ts';
import {envoyGatewayWarnings, validateEnvoyGateway} from '../../envoy/validate.ts';
import type {EndpointSlice, Pod, Service} from '../../k8s/objects.ts';
import {serviceReach} from '../../k8s/services.ts';
import {egForChain, envoyGatewayConfig, extensionHandlingPool, extensionManagers, installsInScope, poolGvk} from '../../model/wiring.ts';
import {envoyGatewayConfigMap} from '../../snapshot/envoy-gateway.ts';
import {ENVOY_GATEWAY_CONFIG_KEY, ENVOY_GATEWAY_NAMESPACE, GROUP} from '../../snapshot/kinds.ts';
import {aiGatewayManagers} from '../../model/ai-gateway.ts';
import {jsonPatch} from '../fix.ts';
import {access, isLive, items, lookup} from '../../snapshot/query.ts';
import {anyEnvoyGatewayChain, cmRefOf, envoyGatewayVersion, isEnvoyGatewayChain, notEnvoyGateway, notListedDraft, nsArg, patchEnvoyFix} from '../helpers.ts';
import {type Check, type Draft, error, notApplicable, ok, orNotApplicable, skipped, warning} from '../types.ts';

export const envoyGatewayConfigParses: Check = {
  code: 'IGW-204',
  phase: 2,
  scope: 'cluster',
  title: 'Envoy Gateway config (envoy-gateway.yaml) is readable',
  readme: {checks: '`envoy-gateway.yaml` readable as an EnvoyGateway', failure: 'controller does not start'},
  symptoms: {'500': 11, 'gateway-not-programmed': 3, 'ext-proc-not-routing': 3, 'config-not-applied': 2},
  reads: ['ConfigMap', 'Deployment', 'Pod', 'GatewayClass', 'Service'],
  judgesUnreadable: ['Deployment', 'Pod', 'GatewayClass', 'Service'],
  run({snap, target}) {
    if (snap.source === 'files' && !envoyGatewayConfigMap(snap)) return [notApplicable('offline, and the manifests hold no Envoy Gateway config')];
    const installs = installsInScope(snap, target);
    if (installs.length === 0 && !anyEnvoyGatewayChain({snap, target})) return [notApplicable("no Envoy Gateway install, and every Gateway in scope is another implementation's")]; // issue 13
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
    return orNotApplicable(out, 'no Envoy Gateway config in scope');
  },
};

export const envoyGatewayConfigValid: Check = {
  code: 'IGW-205',
  phase: 2,
  scope: 'cluster',
  title: "Envoy Gateway config is valid by Envoy Gateway's own rules",
  readme: {checks: `valid by Envoy Gateway's own rules (\`envoygateway_validate.go\`) — e.g. the notes' patch: "registered extension has no hooks specified"`, failure: 'crash loop at next start; reload rejected now'},
  dependsOn: ['IGW-204'],
  symptoms: {'500': 5, 'gateway-not-programmed': 4, 'ext-proc-not-routing': 4, 'config-not-applied': 3},
  reads: ['Deployment', 'Pod', 'ConfigMap', 'GatewayClass', 'Service'],
  judgesUnreadable: ['Deployment', 'Pod', 'ConfigMap', 'GatewayClass', 'Service'],
  run({snap, target}) {
    const out: Draft[] = [];
    const installs = installsInScope(snap, target);
    if (installs.length === 0 && !anyEnvoyGatewayChain({snap, target})) return [notApplicable("no Envoy Gateway install, and every Gateway in scope is another implementation's")]; // issue 13
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
    return orNotApplicable(out, 'no Envoy Gateway config in scope');
  },
};

export const extensionManagerForPools: Check = {
  code: 'IGW-206',
  phase: 2,
  scope: 'chain',
  title: 'Envoy Gateway hands InferencePool backends to an extension server (Envoy AI Gateway)',
  readme: {checks: 'an HTTPRoute → InferencePool needs extensionManager backendResources for that group/version with hooks and a reachable extension service (Envoy AI Gateway)', failure: '`InvalidKind`, 500'},
  dependsOn: ['IGW-205'],
  symptoms: {'500': 4, 'ext-proc-not-routing': 5},
  reads: ['ConfigMap', 'Deployment', 'Pod', 'Service', 'EndpointSlice', 'GatewayClass'],
  judgesUnreadable: ['Deployment', 'Pod', 'Service', 'EndpointSlice', 'GatewayClass'],
  run({chain, snap}) {
    // Only an HTTPRoute backendRef to the pool needs this (wiring b), and only on Envoy Gateway (issue 13).
    if (chain.routes.length === 0) return [notApplicable('no HTTPRoute sends to this pool')];
    if (!isEnvoyGatewayChain({snap, chain})) return [notEnvoyGateway({snap, chain})];
    const eg = egForChain(snap, chain);
    const cfg = envoyGatewayConfig(snap, eg);
    if (!cfg.value) return [notApplicable('the Envoy Gateway config could not be read')];
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
      // issue 11 NF3: Envoy AI Gateway v1.1.0 handles only inference.networking.k8s.io/v1 pools
      // (internal/extensionserver/inferencepool.go constructInferencePoolsFrom): registering v1alpha2
      // would not help (IGW-211) — the pool has to move to v1.
      const r0 = chain.routes[0]!;
      const oldPoolOnAiGateway = chain.group === GROUP.xPool && aiGatewayManagers(cfg.value).length > 0;
      return [
        error(
          `HTTPRoute ${r0.route.metadata.namespace}/${r0.route.metadata.name} sends to InferencePool ${chain.key}, but Envoy Gateway has no InferencePool backend of its own and ${why}: the route gets ResolvedRefs=False (InvalidKind) and requests fail with 500${oldPoolOnAiGateway ? `; Envoy AI Gateway handles only ${GROUP.pool}/v1 pools, so this ${chain.group} pool must move to v1` : ''}`,
          cmRef,
          oldPoolOnAiGateway
            ? `# re-create InferencePool ${chain.key} as ${GROUP.pool}/v1 (spec.selector.matchLabels, targetPorts, endpointPickerRef), then:\n${jsonPatch('httproute', r0.route.metadata.namespace, r0.route.metadata.name, [{op: 'replace', path: `/spec/rules/${r0.ruleIndex}/backendRefs/${(r0.route.spec?.rules?.[r0.ruleIndex]?.backendRefs ?? []).indexOf(r0.backendRef)}/group`, value: GROUP.pool}])}`
            : patchEnvoyFix([chain.group], cmRef.namespace),
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
          // Pods unknown (not read in that namespace): no evidence of a Ready pod, so "no ready endpoints" stands.
          const pods = access(snap, 'Pod', svcRef.namespace) === undefined ? items<Pod>(snap, 'Pod') : undefined;
          const reach = serviceReach(l.found, items<EndpointSlice>(snap, 'EndpointSlice'), pods);
          // the one verdict shared with IGW-407 (helpers.ts notListedDraft says why)
          if (reach.kind === 'not-listed') return [notListedDraft('the extension server Service', l.found, reach.pod)];
          if (reach.kind === 'no-ready-pods') {
            return [error(`the extension server Service ${svcRef.namespace}/${svcRef.name} has no ready endpoints: Envoy Gateway's translations that call it fail`, sref, `kubectl get pods -n ${svcRef.namespace}`)];
          }
        }
      }
    }
    return [ok(`${em.field} handles ${want.group}/${want.version} InferencePool${host ? ` via ${host}:${port}` : ''}`, cmRef)];
  },
};
