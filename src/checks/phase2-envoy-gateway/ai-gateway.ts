/*
 * Phase 2 — Envoy Gateway configured for the Envoy AI Gateway extension (issue 11, NF1/NF2/NF3/NF7):
 * the hooks and translation settings the extension needs, the Helm values that really reach
 * envoy-gateway.yaml, which InferencePool API versions are handed over, Envoy Gateway's own
 * permission to read InferencePools, and the TCP/UDP listeners the extension cannot handle.
 * Upstream: envoyproxy/ai-gateway v1.1.0 manifests/envoy-gateway-values.yaml,
 * examples/inference-pool/envoy-gateway-values-addon.yaml, internal/extensionserver/*.go;
 * envoyproxy/gateway v1.9.1 api/v1alpha1/envoygateway_types.go, api/v1alpha1/shared_types.go,
 * internal/provider/kubernetes/controller.go.
 */
import {helmUpgradeHint} from '../../envoy/helm.ts';
import {serviceFromHostname} from '../../envoy/cluster.ts';
import type {ObjectRef} from '../../k8s/objects.ts';
import type {KubeObject} from '../../kube/client.ts';
import {aiGatewayOf, installForGateway, type AiGatewayManager, type GatewayObj} from '../../model/ai-gateway.ts';
import {can, ruleAllows, type PolicyRule} from '../../model/rbac.ts';
import type {HTTPRoute, Target} from '../../model/target.ts';
import {envoyGatewayConfig, installsInScope} from '../../model/wiring.ts';
import {envoyGatewayInstalls, type EnvoyGatewayInstall} from '../../snapshot/envoy-gateway.ts';
import {GROUP} from '../../snapshot/kinds.ts';
import {access, get, isLive, items} from '../../snapshot/query.ts';
import type {Snapshot} from '../../snapshot/types.ts';
import {restartDeployment, yamlBlock} from '../fix.ts';
import {anyEnvoyGatewayChain, cmRefOf, egDeploymentRef, nsArg} from '../helpers.ts';
import {error, notApplicable, ok, skipped, warning, type Check, type Draft} from '../types.ts';

/*
 * What each hook does in ai-gateway v1.1.0 internal/extensionserver/: Translation →
 * PostTranslateModify (post_translate_modify.go: EPP ext_proc clusters, the ext_proc filter on the
 * listeners, per-route config, the router-level AI Gateway ext_proc); Cluster → PostClusterModify
 * (post_cluster_modify.go: the InferencePool cluster becomes ORIGINAL_DST keyed on
 * x-gateway-destination-endpoint); Route → PostRouteModify (post_route_modify.go: per-route ext_proc).
 * Envoy Gateway rejects only a manager with no hooks at all (envoygateway_validate.go): a partial
 * list is accepted silently (ai-gateway#2560, PR #2614).
 */
const REQUIRED_POST_HOOKS: readonly {hook: string; without: string}[] = [
  {hook: 'Translation', without: 'no EPP ext_proc filter is inserted into the listeners and no EPP cluster is built: requests never reach the Endpoint Picker'},
  {hook: 'Cluster', without: 'the InferencePool cluster is not turned into an ORIGINAL_DST cluster keyed on x-gateway-destination-endpoint: requests to the pool find no endpoint (503 "no healthy upstream")'},
  {hook: 'Route', without: 'routes to the pool get no per-route ext_proc config'},
];

/*
 * TranslationConfig defaults (envoyproxy/gateway v1.9.1 api/v1alpha1/envoygateway_types.go):
 * listener and route includeAll default to false, cluster and secret to true. Envoy AI Gateway's
 * values set all four to true.
 */
const INCLUDE_ALL_DEFAULT = {listener: false, route: false, cluster: true, secret: true} as const;

function isHelmManaged(snap: Snapshot, eg: EnvoyGatewayInstall | undefined): boolean {
  const cm = get(snap, 'ConfigMap', eg?.namespace, cmRefOf(eg).name);
  return cm?.metadata.labels?.['app.kubernetes.io/managed-by'] === 'Helm' || cm?.metadata.labels?.['helm.sh/chart'] !== undefined || cm?.metadata.annotations?.['meta.helm.sh/release-name'] !== undefined;
}

function aiGatewayFix(snap: Snapshot, eg: EnvoyGatewayInstall | undefined): string {
  const ns = cmRefOf(eg).namespace;
  const lines = [`kubectl infgw patch-envoy${nsArg(ns)} --dry-run   # merges the missing hooks and includeAll settings of Envoy AI Gateway's envoy-gateway-values.yaml; then run it without --dry-run`];
  if (isHelmManaged(snap, eg)) lines.push('# the ConfigMap is rendered by Helm: patch-envoy prints the gateway-helm values to keep it (config.envoyGateway.extensionManager)');
  return lines.join('\n');
}

/**
 * The installs to judge (undefined: the default install's config, when none is found). None when no
 * install is in scope and every Gateway in scope is another implementation's (issue 13).
 */
function installsToJudge(snap: Snapshot, target: Target): (EnvoyGatewayInstall | undefined)[] {
  const installs = installsInScope(snap, target);
  if (installs.length) return installs;
  return anyEnvoyGatewayChain({snap, target}) ? [undefined] : [];
}

const NOT_ON_ENVOY_GATEWAY = "no Envoy Gateway install in scope, and every Gateway in scope is another implementation's";

export const aiGatewayHooks: Check = {
  code: 'IGW-209',
  phase: 2,
  scope: 'cluster',
  title: 'Envoy AI Gateway extension manager has every hook and translation setting it needs',
  readme: {checks: 'Envoy AI Gateway extension manager has every hook and translation setting it needs', failure: 'InferencePool routes never get the ext_proc filter'},
  whenAbsent: 'no extension manager that calls Envoy AI Gateway',
  dependsOn: ['IGW-205'],
  symptoms: {'ext-proc-not-routing': 20, '503': 20, '500': 20},
  reads: ['ConfigMap', 'Deployment', 'Pod', 'Service', 'GatewayClass'],
  judgesUnreadable: ['Deployment', 'Pod', 'Service', 'GatewayClass'],
  run({snap, target}) {
    const out: Draft[] = [];
    const installs = installsToJudge(snap, target);
    if (installs.length === 0) return [notApplicable(NOT_ON_ENVOY_GATEWAY)];
    for (const eg of installs) {
      const cmRef = cmRefOf(eg);
      for (const em of aiGatewayOf(snap, eg)) {
        const gaps: string[] = [];
        for (const h of REQUIRED_POST_HOOKS) {
          if (!em.post.includes(h.hook)) gaps.push(`hooks.xdsTranslator.post lacks ${h.hook}: ${h.without}`);
        }
        for (const k of ['listener', 'route'] as const) {
          if (em.includeAll[k] !== true) {
            gaps.push(
              `hooks.xdsTranslator.translation.${k}.includeAll is ${em.includeAll[k] === undefined ? `not set (default ${INCLUDE_ALL_DEFAULT[k]})` : 'false'}: Envoy Gateway sends the extension no ${k}s, so the EPP ext_proc filter is never inserted`,
            );
          }
        }
        for (const k of ['cluster', 'secret'] as const) {
          if (em.includeAll[k] === false) gaps.push(`hooks.xdsTranslator.translation.${k}.includeAll is false: the extension does not see the ${k}s it patches`);
        }
        if (gaps.length) {
          out.push(
            error(
              `${em.field} calls Envoy AI Gateway (${em.hostname}:${em.port ?? '?'}) but is incomplete — Envoy Gateway accepts a partial hook list silently (envoyproxy/ai-gateway#2560), everything looks deployed and traffic bypasses the extension: ${gaps.join('; ')}`,
              cmRef,
              aiGatewayFix(snap, eg),
            ),
          );
        } else {
          out.push(ok(`${em.field}: post hooks ${em.post.join(', ')}; translation listener/route/cluster/secret includeAll true`, cmRef));
        }
      }
    }
    return out;
  },
};

/** The release Secret of a Helm release, as an object reference. */
const releaseSecretRef = (r: {secret: {namespace: string; name: string}}): ObjectRef => ({apiVersion: 'v1', kind: 'Secret', namespace: r.secret.namespace, name: r.secret.name});

export const envoyGatewayHelmValues: Check = {
  code: 'IGW-210',
  phase: 2,
  scope: 'cluster',
  title: "Envoy Gateway's Helm values put the extension settings where the chart renders them",
  readme: {checks: "Envoy Gateway's Helm values put the extension settings where the chart renders them", failure: 'extension settings silently dropped (InvalidKind)'},
  whenAbsent: 'no gateway-helm release values to judge',
  symptoms: {'config-not-applied': 20, '500': 20},
  reads: ['HelmReleaseSecret'],
  run({snap, target}) {
    if (!Array.isArray(snap.releases)) return [];
    const out: Draft[] = [];
    // gateway-helm renders only .Values.config.envoyGateway into envoy-gateway.yaml (envoyproxy/gateway
    // charts/gateway-helm/templates/envoy-gateway-config.yaml). An older copy of Envoy AI Gateway's
    // examples/inference-pool/envoy-gateway-values-addon.yaml put backendResources under
    // config.extensionManager: ignored, so the route shows ResolvedRefs=False InvalidKind.
    for (const r of snap.releases) {
      if (r.chart.name !== 'gateway-helm') continue;
      if (target.namespace !== undefined && !installsInScope(snap, target).some((i) => i.namespace === r.namespace)) continue;
      const config = r.config.config;
      if (typeof config !== 'object' || config === null || Array.isArray(config)) continue;
      const stray = Object.keys(config).filter((k) => k !== 'envoyGateway');
      if (stray.length === 0) {
        out.push(ok(`release ${r.namespace}/${r.name} sets its Envoy Gateway config under config.envoyGateway`, releaseSecretRef(r)));
        continue;
      }
      const moved = {config: {envoyGateway: Object.fromEntries(stray.map((k) => [k, (config as Record<string, unknown>)[k]]))}};
      out.push(
        error(
          `release ${r.namespace}/${r.name} (${r.chart.name} ${r.chart.version}) sets ${stray.map((k) => `config.${k}`).join(', ')}, which the chart never renders: only config.envoyGateway becomes envoy-gateway.yaml, so ${stray.includes('extensionManager') ? 'the extension manager (and its backendResources) is silently dropped — an HTTPRoute to an InferencePool then shows ResolvedRefs=False InvalidKind' : 'these settings are silently dropped'}`,
          releaseSecretRef(r),
          `cat > envoy-gateway-values-moved.yaml <<'EOF'\n${yamlBlock(moved)}\nEOF\n${helmUpgradeHint({managed: true, release: r.name, namespace: r.namespace}, 'envoy-gateway-values-moved.yaml')}`,
        ),
      );
    }
    return out;
  },
};

/** HTTPRoutes whose parent Gateway is served by this Envoy Gateway install (or by the only one). */
function routesOf(snap: Snapshot, eg: EnvoyGatewayInstall | undefined): HTTPRoute[] {
  const only = envoyGatewayInstalls(snap).length <= 1;
  return items<HTTPRoute>(snap, 'HTTPRoute').filter((r) =>
    (r.spec?.parentRefs ?? []).some((p) => {
      if ((p.kind ?? 'Gateway') !== 'Gateway') return false;
      const gw = get<GatewayObj>(snap, 'Gateway', p.namespace ?? r.metadata.namespace, p.name);
      if (!gw) return only;
      const owner = installForGateway(snap, gw);
      return owner === eg || (owner === undefined && only);
    }),
  );
}

function v1alpha2Refs(r: HTTPRoute): {ruleIndex: number; refIndex: number; name: string; namespace: string}[] {
  const out: {ruleIndex: number; refIndex: number; name: string; namespace: string}[] = [];
  (r.spec?.rules ?? []).forEach((rule, ruleIndex) =>
    (rule.backendRefs ?? []).forEach((b, refIndex) => {
      if (b.kind === 'InferencePool' && b.group === GROUP.xPool) out.push({ruleIndex, refIndex, name: b.name, namespace: b.namespace ?? r.metadata.namespace ?? ''});
    }),
  );
  return out;
}

export const aiGatewayPoolVersions: Check = {
  code: 'IGW-211',
  phase: 2,
  scope: 'cluster',
  title: 'Envoy AI Gateway is handed only InferencePool v1 (not the old v1alpha2)',
  readme: {checks: 'Envoy AI Gateway is handed only InferencePool v1 (not the old v1alpha2)', failure: 'routes to v1alpha2 pools never resolve (kserve#5050)'},
  whenAbsent: 'no backendResources entry for InferencePool',
  dependsOn: ['IGW-205'],
  symptoms: {'503': 20},
  reads: ['ConfigMap', 'HTTPRoute', 'Deployment', 'Pod', 'Gateway', 'Service', 'InferencePool', 'GatewayClass'],
  judgesUnreadable: ['Deployment', 'Pod', 'Gateway', 'Service', 'InferencePool', 'GatewayClass'],
  run({snap, target}) {
    const out: Draft[] = [];
    const installs = installsToJudge(snap, target);
    if (installs.length === 0) return [notApplicable(NOT_ON_ENVOY_GATEWAY)];
    for (const eg of installs) {
      const cmRef = cmRefOf(eg);
      for (const em of aiGatewayOf(snap, eg)) {
        const old = em.backendResources.find((b) => b.kind === 'InferencePool' && b.group === GROUP.xPool);
        if (!old) continue;
        // ai-gateway v1.1.0 internal/extensionserver/inferencepool.go constructInferencePoolsFrom()
        // keeps only objects whose apiVersion is inference.networking.k8s.io/v1: a v1alpha2 pool is
        // dropped, its cluster stays a plain one without the EPP → 503.
        const entry = `{group: ${old.group}, version: ${old.version || '""'}, kind: InferencePool}`;
        const edit = `kubectl edit configmap ${cmRef.name} -n ${cmRef.namespace}   # delete ${entry} from ${em.field}.backendResources; keep {group: ${GROUP.pool}, version: v1, kind: InferencePool}\n${restartDeployment(cmRef.namespace, eg?.deployment.metadata.name ?? 'envoy-gateway')}`;
        const routes = routesOf(snap, eg)
          .filter((r) => target.namespace === undefined || r.metadata.namespace === target.namespace || v1alpha2Refs(r).some((x) => x.namespace === target.namespace))
          .map((r) => ({r, refs: v1alpha2Refs(r)}))
          .filter((x) => x.refs.length > 0);
        if (routes.length) {
          const names = routes.map(({r, refs}) => `HTTPRoute ${r.metadata.namespace}/${r.metadata.name} → ${refs.map((x) => `${x.namespace}/${x.name}`).join(', ')}`).join('; ');
          const migrate = routes
            .flatMap(({r, refs}) =>
              refs.map((x) =>
                get(snap, 'InferencePool', x.namespace, x.name)
                  ? `kubectl patch httproute ${r.metadata.name} -n ${r.metadata.namespace} --type json -p '${JSON.stringify([{op: 'replace', path: `/spec/rules/${x.ruleIndex}/backendRefs/${x.refIndex}/group`, value: GROUP.pool}])}'`
                  : `# create InferencePool ${x.namespace}/${x.name} as ${GROUP.pool}/v1 (the v1alpha2 API was removed in GIE 1.5), then point HTTPRoute ${r.metadata.namespace}/${r.metadata.name} at group ${GROUP.pool}`,
              ),
            )
            .join('\n');
          out.push(
            error(
              `${em.field}.backendResources hands ${old.group}/${old.version} InferencePools to Envoy AI Gateway, which handles only ${GROUP.pool}/v1 pools (ai-gateway v1.1.0 internal/extensionserver/inferencepool.go): the v1alpha2 pool of ${names} gets no Endpoint Picker and requests fail with 503 (kserve/kserve#5050)`,
              cmRef,
              `${migrate}\n${edit}`,
            ),
          );
        } else {
          out.push(
            warning(
              `${em.field}.backendResources lists ${old.group}/${old.version} InferencePool next to v1: Envoy AI Gateway ignores v1alpha2 pools (503), and Envoy Gateway accepting them keeps KServe's LLMInferenceService routes on v1alpha2 — KServe migrates a route to v1 only when the Gateway rejects the v1alpha2 backendRef (kserve/kserve#5050)`,
              cmRef,
              edit,
            ),
          );
        }
      }
    }
    return out;
  },
};

const POOL_VERBS = ['get', 'list', 'watch'] as const;

interface BindingObj extends KubeObject {
  subjects?: {kind: string; name: string; namespace?: string}[] | null;
  roleRef: {kind: string; name: string};
}

export const envoyGatewayReadsPools: Check = {
  code: 'IGW-212',
  phase: 2,
  scope: 'cluster',
  title: "Envoy Gateway's ServiceAccount may get/list/watch the InferencePools it is told to handle",
  readme: {checks: "Envoy Gateway's ServiceAccount may get/list/watch the InferencePools it is told to handle", failure: 'HTTPRoutes to InferencePools never resolve'},
  whenAbsent: 'Envoy Gateway is not asked to read InferencePools',
  dependsOn: ['IGW-205'],
  symptoms: {'500': 20, 'ext-proc-not-routing': 20},
  reads: ['ConfigMap', 'ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Pod', 'Role', 'RoleBinding', 'Service', 'HTTPRoute', 'Gateway', 'GatewayClass'],
  judgesUnreadable: ['Deployment', 'Pod', 'Role', 'RoleBinding', 'Service', 'HTTPRoute', 'Gateway', 'GatewayClass'],
  run({snap, target}) {
    const out: Draft[] = [];
    for (const eg of installsInScope(snap, target)) {
      const cfg = envoyGatewayConfig(snap, eg).value;
      if (!cfg) continue;
      const ems = aiGatewayOf(snap, eg);
      const groups = [...new Set(ems.flatMap((em) => em.backendResources.filter((b) => b.kind === 'InferencePool').map((b) => b.group)))];
      if (groups.length === 0) continue;
      const saName = eg.deployment.spec?.template?.spec?.serviceAccountName ?? 'default';
      const sa = {namespace: eg.namespace, name: saName};
      const saRef: ObjectRef = {apiVersion: 'v1', kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name};
      for (const group of groups) {
        // provider.kubernetes.watch {type: Namespaces, namespaces} (envoygateway_types.go KubernetesWatchMode):
        // Envoy Gateway then lists in those namespaces only, and a RoleBinding there is enough.
        const watch = (cfg as {provider?: {kubernetes?: {watch?: {type?: unknown; namespaces?: unknown}}}}).provider?.kubernetes?.watch;
        const watched = watch?.type === 'Namespaces' && Array.isArray(watch.namespaces) ? watch.namespaces.filter((x): x is string => typeof x === 'string') : [];
        const verdicts = POOL_VERBS.map((verb) => {
          if (watched.length === 0) return {verb, v: can(snap, sa, {group, resource: 'inferencepools', verb})};
          const each = watched.map((namespace) => can(snap, sa, {group, resource: 'inferencepools', verb, namespace}));
          return {verb, v: each.find((x) => 'unknown' in x) ?? each.find((x) => 'allowed' in x && !x.allowed) ?? each[0]!};
        });
        const unknown = verdicts.find((x) => 'unknown' in x.v);
        if (unknown && 'unknown' in unknown.v) {
          out.push(skipped(`skipped: cannot tell whether ServiceAccount ${sa.namespace}/${sa.name} may read inferencepools.${group}: ${unknown.v.unknown.message}`, saRef, unknown.v.unknown.rule));
          continue;
        }
        const missing = verdicts.filter((x) => 'allowed' in x.v && !x.v.allowed).map((x) => x.verb);
        if (missing.length === 0) {
          const via = verdicts[0]!.v;
          out.push(ok(`ServiceAccount ${sa.namespace}/${sa.name} may get/list/watch inferencepools.${group}${'via' in via ? ` (${via.via})` : ''}`, saRef));
          continue;
        }
        // The AI Gateway chart grants this (templates/envoy_gateway_cluster_role_for_inference_pool.yaml:
        // ClusterRole envoy-ai-gateway-inference-pool-reader[:<ns>] bound to ServiceAccount
        // envoy-gateway in values envoyGateway.namespace). A role that grants it, bound elsewhere:
        const rule: PolicyRule[] = [{apiGroups: [group], resources: ['inferencepools'], verbs: [...POOL_VERBS]}];
        // Only roles written for this (the resource and group named, no wildcards): cluster-admin grants
        // it too, and binding Envoy Gateway to cluster-admin is never the fix.
        const granting = items<{metadata: {name: string}; rules?: PolicyRule[] | null} & KubeObject>(snap, 'ClusterRole').filter((r) =>
          POOL_VERBS.every((verb) =>
            (r.rules ?? []).some((x) => (x.resources ?? []).includes('inferencepools') && (x.apiGroups ?? []).includes(group) && ruleAllows(x, {group, resource: 'inferencepools', verb})),
          ),
        );
        const misbound = items<BindingObj>(snap, 'ClusterRoleBinding').filter(
          (b) =>
            b.roleRef.kind === 'ClusterRole' &&
            granting.some((r) => r.metadata.name === b.roleRef.name) &&
            (b.roleRef.name.startsWith('envoy-ai-gateway-inference-pool-reader') || (b.subjects ?? []).some((x) => x.kind === 'ServiceAccount' && x.name === sa.name)),
        );
        const elsewhere = misbound.length
          ? ` ClusterRoleBinding ${misbound.map((b) => `${b.metadata.name} binds ${(b.subjects ?? []).map((s) => `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`).join(', ') || 'no subject'}`).join('; ')} instead — Envoy AI Gateway's chart binds ServiceAccount envoy-gateway in its value envoyGateway.namespace, which must be Envoy Gateway's namespace (${sa.namespace}).`
          : '';
        const aigwNs = ems.map((em) => serviceFromHostname(em.hostname)?.namespace).find(Boolean) ?? 'envoy-ai-gateway-system';
        const role = granting.find((r) => r.metadata.name.startsWith('envoy-ai-gateway-inference-pool-reader')) ?? granting[0];
        const bindingName = `envoy-ai-gateway-inference-pool-reader-binding:${sa.namespace}`;
        const subject = {kind: 'ServiceAccount', name: sa.name, namespace: sa.namespace};
        // Never take a subject away from a binding (someone may rely on it): add ours.
        // The binding meant for this Envoy Gateway: named after its namespace, else one whose
        // ServiceAccounts live where no Envoy Gateway runs (a wrong envoyGateway.namespace value).
        const egNamespaces = new Set(envoyGatewayInstalls(snap).map((i) => i.namespace));
        const meant =
          misbound.find((b) => b.metadata.name.endsWith(`:${sa.namespace}`)) ??
          misbound.find((b) => (b.subjects ?? []).every((x) => x.kind === 'ServiceAccount' && !egNamespaces.has(x.namespace ?? ''))) ??
          misbound[0];
        const fix = meant
          ? `kubectl patch clusterrolebinding ${meant.metadata.name} --type json -p '${JSON.stringify([{op: 'add', path: '/subjects/-', value: subject}])}'`
          : role
            ? `kubectl create clusterrolebinding ${bindingName} --clusterrole=${role.metadata.name} --serviceaccount=${sa.namespace}:${sa.name}`
            : `kubectl apply -f - <<'EOF'\n${yamlBlock({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: {name: `envoy-ai-gateway-inference-pool-reader:${aigwNs}`}, rules: rule})}\n---\n${yamlBlock({
                apiVersion: 'rbac.authorization.k8s.io/v1',
                kind: 'ClusterRoleBinding',
                metadata: {name: bindingName},
                roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `envoy-ai-gateway-inference-pool-reader:${aigwNs}`},
                subjects: [subject],
              })}\nEOF`;
        const used = routesOf(snap, eg).filter((r) => (r.spec?.rules ?? []).some((rule) => (rule.backendRefs ?? []).some((b) => b.kind === 'InferencePool' && (b.group ?? '') === group)));
        const head = `ServiceAccount ${sa.namespace}/${sa.name} of Envoy Gateway may not ${missing.join('/')} inferencepools.${group}, which its config hands to Envoy AI Gateway (backendResources): Envoy Gateway registers a watch for them whenever the CRD exists (internal/provider/kubernetes/controller.go) and that watch is forbidden`;
        const draft = used.length
          ? error(
              `${head}, so Envoy Gateway never sees these InferencePools and HTTPRoute ${used.map((r) => `${r.metadata.namespace}/${r.metadata.name}`).join(', ')} stays unresolved — requests fail with 500.${elsewhere}`,
              saRef,
              `${fix}\n${restartDeployment(eg.namespace, eg.deployment.metadata.name)}`,
            )
          : warning(`${head} (no HTTPRoute of this Envoy Gateway sends to an InferencePool of ${group} now).${elsewhere}`, saRef, `${fix}\n${restartDeployment(eg.namespace, eg.deployment.metadata.name)}`);
        out.push(draft);
      }
    }
    return out;
  },
};

interface L4Route extends KubeObject {
  spec?: {parentRefs?: {group?: string; kind?: string; name: string; namespace?: string}[]};
}

/**
 * The TCPRoutes and UDPRoutes whose parentRefs name this Gateway, and the words for the finding:
 * " (attached: TCPRoute ns/a)", plus why a list could not be read. A CRD that is not installed
 * (notServed) simply means no such route: nothing is said, and it is never an error.
 */
function l4RoutesOf(snap: Snapshot, g: GatewayObj): {list: {kind: string; namespace: string; name: string}[]; text: string} {
  const list: {kind: string; namespace: string; name: string}[] = [];
  const unread: string[] = [];
  for (const key of ['TCPRoute', 'UDPRoute'] as const) {
    const why = access(snap, key, g.metadata.namespace);
    if (why && why.reason !== 'notServed') unread.push(`${key}s could not be read: ${why.message}`);
    for (const r of items<L4Route>(snap, key)) {
      const rns = r.metadata.namespace ?? '';
      const attached = (r.spec?.parentRefs ?? []).some((p) => (p.kind ?? 'Gateway') === 'Gateway' && (p.group ?? GROUP.gatewayApi) === GROUP.gatewayApi && p.name === g.metadata.name && (p.namespace ?? rns) === g.metadata.namespace);
      if (attached) list.push({kind: key, namespace: rns, name: r.metadata.name});
    }
  }
  const parts = [...(list.length ? [`attached: ${list.map((r) => `${r.kind} ${r.namespace}/${r.name}`).join(', ')}`] : []), ...unread];
  return {list, text: parts.length ? ` (${parts.join('; ')})` : ''};
}

export const aiGatewayTcpListeners: Check = {
  code: 'IGW-213',
  phase: 2,
  scope: 'cluster',
  title: 'no TCP/UDP listener on an Envoy Gateway that runs the Envoy AI Gateway extension',
  readme: {checks: 'no TCP/UDP listener on an Envoy Gateway that runs the Envoy AI Gateway extension', failure: 'every Gateway stays unprogrammed (ai-gateway#2600)'},
  whenAbsent: 'no Envoy AI Gateway extension, or no TCP/UDP listener',
  dependsOn: ['IGW-205'],
  symptoms: {'gateway-not-programmed': 20},
  reads: ['ConfigMap', 'Gateway', 'GatewayClass', 'Deployment', 'Pod', 'Service', 'TCPRoute', 'UDPRoute'],
  judgesUnreadable: ['Deployment', 'Pod', 'Service', 'TCPRoute', 'UDPRoute'],
  run({snap, target}) {
    const out: Draft[] = [];
    for (const eg of installsInScope(snap, target)) {
      const ems: AiGatewayManager[] = aiGatewayOf(snap, eg);
      if (ems.length === 0) continue;
      const gateways = items<GatewayObj>(snap, 'Gateway').filter((g) => installForGateway(snap, g) === eg);
      const l4 = gateways.filter((g) => (g.spec?.listeners ?? []).some((l) => l.protocol === 'TCP' || l.protocol === 'UDP'));
      if (l4.length === 0) {
        if (gateways.length) out.push(ok(`no TCP/UDP listener among the ${gateways.length} Gateway(s) of Envoy Gateway ${eg.namespace}/${eg.deployment.metadata.name}`, egDeploymentRef(eg.deployment.metadata.name, eg.namespace)));
        continue;
      }
      // ai-gateway v1.1.0: insertRequestHeaderToMetadataFilter() (header_to_metadata.go, active by
      // default: --logRequestHeaderAttributes defaults to agent-session-id:session.id) and
      // insertRouterLevelAIGatewayExtProc() (post_translate_modify.go) fail with "unable to find
      // HTTPConnectionManager in FilterChain" on a TCP/UDP filter chain; Envoy Gateway's extension
      // manager is fail-closed by default (extensionManager.failOpen false), so the whole
      // translation fails and every Gateway of this controller stays unprogrammed (ai-gateway#2600).
      const notProgrammed = gateways
        .filter((g) => isLive(snap, g))
        .filter((g) => (g.status?.conditions ?? []).some((c) => c.type === 'Programmed' && c.status !== 'True'))
        .map((g) => `${g.metadata.namespace}/${g.metadata.name}`);
      for (const g of l4) {
        const ls = (g.spec?.listeners ?? []).filter((l) => l.protocol === 'TCP' || l.protocol === 'UDP').map((l) => `${l.name} ${l.protocol}:${l.port}`);
        // A TCP/UDP listener alone is enough: with no route Envoy Gateway still adds an empty tcp_proxy
        // filter chain (v1.9.1 internal/xds/translator/translator.go processTCPListenerXdsTranslation,
        // "Envoy requires a filter chain"). The routes attached are named because they move with the listener.
        const routes = l4RoutesOf(snap, g);
        const l7 = (g.spec?.listeners ?? []).filter((l) => l.protocol !== 'TCP' && l.protocol !== 'UDP');
        const newName = `${g.metadata.name}-l4`;
        const fix = l7.length
          ? [
              `# Gateway ${g.metadata.name} also carries ${l7.map((l) => `${l.name} ${l.protocol}:${l.port}`).join(', ')}: move only its TCP/UDP listeners to a Gateway of a separate Envoy Gateway install (its own controllerName and GatewayClass, no AI Gateway extensionManager):`,
              `kubectl apply -f - <<'EOF'\n${yamlBlock({apiVersion: `${GROUP.gatewayApi}/v1`, kind: 'Gateway', metadata: {name: newName, namespace: g.metadata.namespace}, spec: {gatewayClassName: '<the TCP/UDP class>', listeners: (g.spec?.listeners ?? []).filter((l) => l.protocol === 'TCP' || l.protocol === 'UDP')}})}\nEOF`,
              `kubectl edit gateway ${g.metadata.name} -n ${g.metadata.namespace}   # delete the listeners ${ls.map((x) => x.split(' ')[0]).join(', ')}`,
              ...routes.list.map((r) => `kubectl edit ${r.kind.toLowerCase()} ${r.name} -n ${r.namespace}   # parentRefs: name ${g.metadata.name} → ${newName}`),
              '# track envoyproxy/ai-gateway#2600',
            ].join('\n')
          : `# serve TCP/UDP from a separate Envoy Gateway install (its own controllerName and GatewayClass) whose config has no AI Gateway extensionManager, then give this Gateway that class${routes.list.length ? ` (its ${routes.list.map((r) => r.kind).join('/')}s stay attached)` : ''}:\nkubectl edit gateway ${g.metadata.name} -n ${g.metadata.namespace}   # spec.gatewayClassName: <the TCP/UDP class>\n# track envoyproxy/ai-gateway#2600`;
        out.push(
          error(
            `Gateway ${g.metadata.namespace}/${g.metadata.name} has ${ls.join(', ')}${routes.text} on Envoy Gateway ${eg.namespace}/${eg.deployment.metadata.name}, whose config calls Envoy AI Gateway (${ems[0]!.field}): the extension's PostTranslateModify fails on a filter chain without an HTTP connection manager ("unable to find HTTPConnectionManager in FilterChain", envoyproxy/ai-gateway#2600) and Envoy Gateway rejects the translation, so every Gateway of this controller stays unprogrammed${notProgrammed.length ? ` (now not Programmed: ${notProgrammed.join(', ')})` : ''}`,
            {apiVersion: `${GROUP.gatewayApi}/v1`, kind: 'Gateway', namespace: g.metadata.namespace, name: g.metadata.name},
            fix,
          ),
        );
      }
    }
    return out;
  },
};
