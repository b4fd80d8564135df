/*
 * Phase 2 — Envoy Gateway's config file, judged by Envoy Gateway's own rules (src/envoy/validate.ts,
 * from envoyproxy/gateway api/v1alpha1/validation/envoygateway_validate.go), and its extension
 * manager for InferencePool backends. Replaces the install notes' "CRITICAL: ENVOY GATEWAY
 * EXTENSION MANAGER CONFIGURATION" (which is wrong: backendResources alone is refused).
 */
import {serviceFromHostname} from '../../envoy/cluster.ts';
import {envoyGatewayWarnings, validateEnvoyGateway} from '../../envoy/validate.ts';
import type {EndpointSlice, Service} from '../../k8s/objects.ts';
import {serviceEndpoints} from '../../k8s/services.ts';
import {egForChain, envoyGatewayConfig, extensionHandlingPool, extensionManagers, installsInScope, poolGvk} from '../../model/wiring.ts';
import {envoyGatewayConfigMap} from '../../snapshot/envoy-gateway.ts';
import {ENVOY_GATEWAY_CONFIG_KEY, ENVOY_GATEWAY_NAMESPACE} from '../../snapshot/kinds.ts';
import {access, isLive, items, lookup} from '../../snapshot/query.ts';
import {anyEnvoyGatewayChain, cmRefOf, envoyGatewayVersion, isEnvoyGatewayChain, nsArg, patchEnvoyFix} from '../helpers.ts';
import {error, ok, skipped, warning, type Check, type Draft} from '../types.ts';

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
    if (installs.length === 0 && !anyEnvoyGatewayChain({snap, target})) return []; // issue 13: no chain on Envoy Gateway
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
    if (installs.length === 0 && !anyEnvoyGatewayChain({snap, target})) return []; // issue 13: no chain on Envoy Gateway
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
    // Only an HTTPRoute backendRef to the pool needs this (wiring b), and only on Envoy Gateway (issue 13).
    if (chain.routes.length === 0 || !isEnvoyGatewayChain({snap, chain})) return [];
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
