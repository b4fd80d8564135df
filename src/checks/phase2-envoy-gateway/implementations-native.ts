/*
 * Phase 2 — implementation checks for agentgateway (IGW-231…233), NGINX Gateway Fabric
 * (IGW-234…236) and GKE (IGW-237…239), issue 13. The Istio and kgateway checks and the shared
 * pieces (controllerDrafts, gatewaysOf) are in implementations.ts. Each fact is cited where it is
 * used; the long form is in /work/notes/issue13-research.md.
 */
import {condition, describeCondition, type ObjectRef, type Service} from '../../k8s/objects.ts';
import {
  AGW_INFERENCE_FLAG,
  agentgatewayInstalls,
  KGATEWAY_INFERENCE_FLAG,
  kgatewayServingAgentgateway,
  NGF_INFERENCE_ARG,
  ngfInstalls,
  ngfPoolServiceName,
  parentFor,
  rawPoolParents,
  type ControllerInstall,
  type NgfInstall,
  type RawPoolParent,
} from '../../model/gateway-controllers.ts';
import {can, type Permission} from '../../model/rbac.ts';
import {gatewayRef, type PoolChain} from '../../model/target.ts';
import type {ChainGateway} from '../../model/wiring.ts';
import {access, get, isLive, items, lookup} from '../../snapshot/query.ts';
import type {Snapshot} from '../../snapshot/types.ts';
import type {KubeObject} from '../../kube/client.ts';
import {deployRef} from '../helpers.ts';
import {error, info, notApplicable, ok, orNotApplicable, skipped, warning, type Check, type Draft} from '../types.ts';
import {controllerDrafts, gatewaysOf, notOn, routeCondition} from './implementations.ts';

const RBAC_KINDS = ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'] as const;

/**
 * Whether a controller's ServiceAccount may do what its InferencePool support needs in the pool's
 * namespace (RoleBindings there + ClusterRoleBindings, src/model/rbac.ts). One draft per install
 * whose flag is on; nothing for the others (the flag is the root cause there).
 */
function rbacDrafts(snap: Snapshot, chain: PoolChain, name: string, found: ControllerInstall[], perms: Omit<Permission, 'namespace'>[], fix: (d: ControllerInstall, missing: string[]) => string): Draft[] {
  const out: Draft[] = [];
  for (const d of found) {
    if (d.flag !== true) continue;
    if (isLive(snap, d.deployment) && (d.deployment.status?.availableReplicas ?? 0) < 1) continue;
    const ns = d.deployment.metadata.namespace ?? '';
    const sa = {namespace: ns, name: d.deployment.spec?.template?.spec?.serviceAccountName ?? 'default'};
    const missing: string[] = [];
    let unknown: string | undefined;
    for (const p of perms) {
      const v = can(snap, sa, {...p, namespace: chain.namespace});
      if ('unknown' in v) unknown = v.unknown.message;
      else if (!v.allowed) missing.push(`${p.verb} ${p.resource}`);
    }
    const who = `ServiceAccount ${sa.namespace}/${sa.name} of ${name} controller ${ns}/${d.deployment.metadata.name}`;
    if (unknown) out.push(info(`${who}: its rights on InferencePools were not verified (${unknown})`, deployRef(d.deployment)));
    else if (missing.length) {
      out.push(
        error(
          `${who} may not ${missing.join(', ')} in namespace ${chain.namespace}: with InferencePool support on it cannot watch ${chain.key} or write its status, so the pool gets no route`,
          deployRef(d.deployment),
          fix(d, missing),
        ),
      );
    } else out.push(ok(`${who} may ${perms.map((p) => `${p.verb} ${p.resource}`).join(', ')} in ${chain.namespace}`, deployRef(d.deployment)));
  }
  return out;
}

/** `kubectl create clusterrole/clusterrolebinding` granting exactly the missing rights to a controller's ServiceAccount. */
function grantFix(d: ControllerInstall, group: string, missing: string[], roleName: string): string {
  const ns = d.deployment.metadata.namespace ?? '';
  const sa = d.deployment.spec?.template?.spec?.serviceAccountName ?? 'default';
  const byResource = new Map<string, string[]>();
  for (const m of missing) {
    const [verb, resource] = m.split(' ') as [string, string];
    byResource.set(resource, [...(byResource.get(resource) ?? []), verb]);
  }
  const roles = [...byResource].map(([resource, verbs], i) => `kubectl create clusterrole ${roleName}${i ? `-${i}` : ''} --verb=${verbs.join(',')} --resource=${resource}.${group}`);
  const bindings = [...byResource].map((_, i) => `kubectl create clusterrolebinding ${roleName}${i ? `-${i}` : ''} --clusterrole=${roleName}${i ? `-${i}` : ''} --serviceaccount=${ns}:${sa}`);
  return [...roles, ...bindings].join('\n');
}

/** The pool's parents written by `controllerName` (agentgateway writes its controllerName on each). */
function parentsBy(pool: KubeObject, controllerName: string | undefined): RawPoolParent[] {
  return rawPoolParents(pool).filter((p) => p.controllerName === controllerName);
}

// ---------------------------------------------------------------------------------------------
// agentgateway (agentgateway/agentgateway, controller/; the same plugin lived in kgateway-dev/kgateway
// pkg/agentgateway before the split)

/** controller/pkg/agentgateway/plugins/reference_indexes.go DefaultRouteBackend: the InferencePool is looked up in the InferencePools collection. */
function agwRouteSaysOff(chain: PoolChain, controllers: Set<string>): {route: ObjectRef; message: string} | undefined {
  // Without EnableInferExt that collection is a static empty one (plugins/collection.go "disable/inferencepools"):
  // every InferencePool backendRef fails with ResolvedRefs=False BackendNotFound "backendRef <ns>/<name> not found"
  // (translator/conversion.go). It says "flag off" only when the pool really exists.
  if (!chain.pool) return undefined;
  return routeCondition(chain, controllers, (reason, msg) => reason === 'BackendNotFound' && msg === `backendRef ${chain.namespace}/${chain.name} not found`);
}

export const agentgatewayInferenceEnabled: Check = {
  code: 'IGW-231',
  phase: 2,
  scope: 'chain',
  title: `agentgateway: the controller runs with ${AGW_INFERENCE_FLAG}=true and may watch InferencePools`,
  readme: {checks: 'agentgateway: controller runs with `AGW_ENABLE_INFER_EXT=true` (Helm `inferenceExtension.enabled`) and its ServiceAccount may list/watch `inferencepools` and patch their status', failure: 'route `BackendNotFound`, no InferencePool routing'},
  dependsOn: ['IGW-103'],
  symptoms: {'500': 20, 'ext-proc-not-routing': 20, 'gateway-not-programmed': 20},
  reads: ['Deployment', 'GatewayClass', 'Pod', 'ConfigMap', ...RBAC_KINDS],
  judgesUnreadable: ['Deployment', 'GatewayClass', 'Pod', 'ConfigMap', ...RBAC_KINDS],
  run({chain, snap}) {
    const gws = gatewaysOf(snap, chain, 'agentgateway');
    if (gws.length === 0) return [notOn('agentgateway')];
    if (snap.source === 'files') return [notApplicable('offline (--from-file): judged only on a live cluster')];
    const controllers = new Set(gws.map((g) => g.controllerName!));
    const standalone = agentgatewayInstalls(snap);
    // no agentgateway controller: a kgateway release of the time before the split may serve the class
    const viaKgateway = standalone.length === 0 ? kgatewayServingAgentgateway(snap) : [];
    const found = standalone.length ? standalone : viaKgateway;
    // plugins/inference_plugin.go buildInferencePoolStatus: parents carry controllerName; the
    // InferencePool collection (and so any status) exists only with EnableInferExt.
    const proof = chain.pool ? [...controllers].some((c) => parentsBy(chain.pool!.obj, c).length > 0) : false;
    const helm = (d: ControllerInstall | undefined): string =>
      // controller/install/helm/agentgateway/values.yaml inferenceExtension.enabled → env AGW_ENABLE_INFER_EXT (deployment.yaml) + RBAC (role.yaml)
      `helm upgrade ${d?.deployment.metadata.labels?.['app.kubernetes.io/instance'] ?? 'agentgateway'} oci://<agentgateway chart registry>/agentgateway -n ${d?.deployment.metadata.namespace ?? 'agentgateway-system'} --reuse-values --set inferenceExtension.enabled=true`;
    const kgw = (d: ControllerInstall | undefined): string =>
      `helm upgrade ${d?.deployment.metadata.labels?.['app.kubernetes.io/instance'] ?? 'kgateway'} oci://<kgateway chart registry>/kgateway -n ${d?.deployment.metadata.namespace ?? 'kgateway-system'} --reuse-values --set inferenceExtension.enabled=true`;
    if (viaKgateway.length) {
      return controllerDrafts(snap, chain, {
        impl: 'agentgateway',
        name: 'agentgateway (served by kgateway)',
        found,
        flag: KGATEWAY_INFERENCE_FLAG,
        statusProof: proof,
        routeSaysOff: agwRouteSaysOff(chain, controllers),
        notFoundHow: 'no Deployment labelled agentgateway=agentgateway or kgateway=kgateway',
        fix: (d) => `${kgw(d)}   # sets ${KGATEWAY_INFERENCE_FLAG}=true`,
      });
    }
    const out = controllerDrafts(snap, chain, {
      impl: 'agentgateway',
      name: 'agentgateway',
      found,
      flag: AGW_INFERENCE_FLAG,
      statusProof: proof,
      routeSaysOff: agwRouteSaysOff(chain, controllers),
      notFoundHow: 'no Deployment labelled agentgateway=agentgateway',
      // The chart value sets the env AND grants the RBAC (role.yaml); setting the env alone leaves the controller without rights.
      fix: (d) => `${helm(d)}   # sets ${AGW_INFERENCE_FLAG}=true and grants the InferencePool RBAC`,
    });
    // role.yaml: inferencepools get/watch/list; inferencepools/status patch/update (the status syncer applies status: patch).
    const group = chain.group;
    out.push(
      ...rbacDrafts(
        snap,
        chain,
        'agentgateway',
        found,
        [
          {group, resource: 'inferencepools', verb: 'list'},
          {group, resource: 'inferencepools', verb: 'watch'},
          {group, resource: 'inferencepools/status', verb: 'patch'},
        ],
        (d, missing) => `${helm(d)}   # the chart grants these rights with inferenceExtension.enabled\n# or grant them by hand:\n${grantFix(d, group, missing, `${d.deployment.metadata.name}-inferencepools`)}`,
      ),
    );
    return out;
  },
};

export const agentgatewayPoolStatus: Check = {
  code: 'IGW-232',
  phase: 2,
  scope: 'chain',
  title: 'agentgateway: the controller reported the InferencePool for its Gateways',
  readme: {checks: 'agentgateway: InferencePool status parent (with its controllerName) per Gateway, incl. the `Status/default` parent it writes for a pool no Gateway uses', failure: '(warning) not reconciled; pool rejected'},
  dependsOn: ['IGW-231'],
  symptoms: {'500': 20, 'ext-proc-not-routing': 20},
  reads: ['GatewayClass', 'Deployment', 'Pod', 'ConfigMap'],
  judgesUnreadable: ['GatewayClass', 'Deployment', 'Pod', 'ConfigMap'],
  run({chain, snap}) {
    const gws = gatewaysOf(snap, chain, 'agentgateway');
    if (gws.length === 0) return [notOn('agentgateway')];
    const pool = chain.pool;
    if (!pool || !isLive(snap, pool.obj)) return [notApplicable('no InferencePool status to read (no pool, or it comes from a manifest)')];
    const out: Draft[] = [];
    for (const cn of new Set(gws.map((g) => g.controllerName!))) {
      const ours = parentsBy(pool.obj, cn);
      // desiredInferencePoolParentRefs: with no attached Gateway and a validation error, one parent
      // {kind: Status, name: default} carries ResolvedRefs=False InvalidExtensionRef "error: …"
      // (validateInferencePoolEndpointPickerRef). doctor's pool view drops it: read it here.
      const def = ours.find((p) => p.parentRef?.kind === 'Status' && p.parentRef?.name === 'default');
      const res = condition(def?.conditions, 'ResolvedRefs');
      if (res?.status === 'False') {
        out.push(
          error(
            `agentgateway rejects InferencePool ${chain.key}: ${describeCondition(res)} — no Gateway routes to it`,
            pool.ref,
            `kubectl get inferencepool ${pool.name} -n ${chain.namespace} -o jsonpath='{.spec.endpointPickerRef}'; echo\nkubectl get svc ${pool.epp?.name ?? '<endpointPickerRef.name>'} -n ${chain.namespace}   # the endpointPickerRef must name a TCP port of this Service (not ExternalName)`,
          ),
        );
      }
    }
    if (out.length) return out;
    if (chain.routes.length === 0) return [notApplicable('no HTTPRoute sends to this pool')];
    for (const g of gws) {
      if (!g.name) continue;
      const p = parentFor(parentsBy(pool.obj, g.controllerName), chain.namespace, g);
      if (!p) {
        // inferencePoolAttachedGateways: a parent for every Gateway an HTTPRoute to the pool is attached to.
        out.push(
          warning(
            `InferencePool ${chain.key} has no status from agentgateway (${g.controllerName}) for Gateway ${g.namespace}/${g.name}: the controller has not reconciled it (the HTTPRoute is not attached, or the controller does not watch InferencePools)`,
            pool.ref,
            `kubectl get httproute -n ${chain.namespace} -o yaml | grep -A12 'parents:'\nkubectl logs deploy/agentgateway -n agentgateway-system | grep -i inferencepool`,
          ),
        );
        continue;
      }
      // The Gateway parent's conditions (ResolvedRefs=False InvalidExtensionRef "error: …") are IGW-307's.
      out.push(ok(`agentgateway reports ${chain.key} on Gateway ${g.namespace}/${g.name}: ${describeCondition(condition(p.conditions, 'Accepted'), 'Accepted')}, ${describeCondition(condition(p.conditions, 'ResolvedRefs'), 'ResolvedRefs')}`, pool.ref));
    }
    return orNotApplicable(out, 'no agentgateway Gateway found by name');
  },
};

export const agentgatewayEppTls: Check = {
  code: 'IGW-233',
  phase: 2,
  scope: 'chain',
  title: 'agentgateway: the EPP serves TLS (agentgateway always connects to it with TLS)',
  readme: {checks: "agentgateway: the pool's EPP serves TLS (`--secure-serving` not false): agentgateway always calls it over TLS, certificate not verified", failure: 'every request fails (EPP unreachable)'},
  symptoms: {'500': 20, 'ext-proc-not-routing': 20, '503': 20},
  reads: ['GatewayClass', 'Deployment', 'Pod', 'ConfigMap'],
  judgesUnreadable: ['Pod', 'ConfigMap'],
  run({chain, snap}) {
    if (gatewaysOf(snap, chain, 'agentgateway').length === 0) return [notOn('agentgateway')];
    if (chain.epps.length === 0) return [notApplicable('no EPP Deployment of this pool found (IGW-401 says why)')];
    // plugins/inference_plugin.go translatePoliciesForInferencePool: besides the inference routing
    // policy, an "inferencetls" backend policy on the EPP Service port with BackendTLS verification
    // INSECURE_ALL ("The spec mandates this") — agentgateway speaks TLS to the EPP, whatever the EPP serves.
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const ref = deployRef(e.deployment);
      const where = `${e.deployment.metadata.namespace}/${e.deployment.metadata.name}`;
      if (!e.secureServing) {
        out.push(
          error(
            `EPP ${where} runs with --secure-serving=false (plaintext gRPC), but agentgateway always connects to the EPP with TLS: the handshake fails and requests to ${chain.key} fail (FailClose) or skip the EPP (FailOpen)`,
            ref,
            `kubectl edit deployment ${e.deployment.metadata.name} -n ${e.deployment.metadata.namespace}   # remove --secure-serving=false: the EPP then serves TLS with a self-signed certificate, which agentgateway accepts (it does not verify it)`,
          ),
        );
      } else out.push(ok(`EPP ${where} serves TLS (--secure-serving default true), as agentgateway expects`, ref));
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------
// NGINX Gateway Fabric (nginx/nginx-gateway-fabric)

/** The NGF control planes serving the chain's Gateways: those whose --gateway-ctlr-name is the class's controllerName. */
function ngfFor(snap: Snapshot, gws: ChainGateway[]): NgfInstall[] {
  const names = new Set(gws.map((g) => g.controllerName));
  const all = ngfInstalls(snap);
  const serving = all.filter((d) => names.has(d.controllerName));
  return serving.length ? serving : all;
}

/**
 * With the flag off NGF builds no InferencePool map (the InferencePool controller is registered only
 * with InferenceExtension, internal/controller/manager.go), so httproute.go inferencePoolBackend does
 * not rewrite the backendRef to the pool's headless Service and createBackendRef looks the pool's
 * name up as a Service: ResolvedRefs=False BackendNotFound `spec.rules[i].backendRefs[j].name: Not
 * found: "<pool>"` (backend_refs.go getPortFromRef, field.NotFound). Read as "flag off" only when a
 * Service of the pool's name does not exist and the pool does.
 */
function ngfRouteSaysOff(snap: Snapshot, chain: PoolChain, controllers: Set<string>): {route: ObjectRef; message: string} | undefined {
  if (!chain.pool) return undefined;
  if ('found' in lookup(snap, 'Service', chain.namespace, chain.name)) return undefined;
  return routeCondition(chain, controllers, (reason, msg) => reason === 'BackendNotFound' && msg.endsWith(`Not found: "${chain.name}"`));
}

function ngfHelm(d: ControllerInstall | undefined, set: string): string {
  // charts/nginx-gateway-fabric values.yaml nginxGateway.gwAPIInferenceExtension.*
  return `helm upgrade ${d?.deployment.metadata.labels?.['app.kubernetes.io/instance'] ?? 'ngf'} oci://<nginx-gateway-fabric chart registry>/nginx-gateway-fabric -n ${d?.deployment.metadata.namespace ?? 'nginx-gateway'} --reuse-values --set ${set}`;
}

export const ngfInferenceEnabled: Check = {
  code: 'IGW-234',
  phase: 2,
  scope: 'chain',
  title: `NGINX Gateway Fabric: the controller runs with ${NGF_INFERENCE_ARG} and may watch InferencePools`,
  readme: {checks: 'NGINX Gateway Fabric: controller runs with `--gateway-api-inference-extension` (Helm `nginxGateway.gwAPIInferenceExtension.enable`) and its ServiceAccount may list/watch `inferencepools` and update their status', failure: 'route `BackendNotFound`, no InferencePool routing'},
  dependsOn: ['IGW-103'],
  symptoms: {'500': 20, 'ext-proc-not-routing': 20, 'gateway-not-programmed': 20},
  reads: ['Deployment', 'GatewayClass', 'Pod', 'ConfigMap', 'Service', ...RBAC_KINDS],
  judgesUnreadable: ['Deployment', 'GatewayClass', 'Pod', 'ConfigMap', 'Service', ...RBAC_KINDS],
  run({chain, snap}) {
    const gws = gatewaysOf(snap, chain, 'nginx-gateway-fabric');
    if (gws.length === 0) return [notOn('NGINX Gateway Fabric')];
    if (snap.source === 'files') return [notApplicable('offline (--from-file): judged only on a live cluster')];
    const controllers = new Set(gws.map((g) => g.controllerName!));
    const found = ngfFor(snap, gws);
    // status/prepare_requests.go PrepareInferencePoolRequests: parents {group, kind Gateway, namespace, name},
    // no controllerName, written only for pools in the graph (with the flag on).
    const proof = chain.pool ? gws.some((g) => g.name && parentFor(rawPoolParents(chain.pool!.obj), chain.namespace, g)) : false;
    const value = 'nginxGateway.gwAPIInferenceExtension.enable=true';
    const out = controllerDrafts(snap, chain, {
      impl: 'nginx-gateway-fabric',
      name: 'NGINX Gateway Fabric',
      found,
      flag: NGF_INFERENCE_ARG,
      statusProof: Boolean(proof),
      routeSaysOff: ngfRouteSaysOff(snap, chain, controllers),
      notFoundHow: `no Deployment running "controller --gateway-ctlr-name=${[...controllers].join('|')}"`,
      // the value adds the arg (deployment.yaml) and the InferencePool rules (_helpers.tpl); the arg alone leaves it without rights
      fix: (d) => `${ngfHelm(d, value)}   # adds ${NGF_INFERENCE_ARG} and the InferencePool RBAC`,
    });
    // _helpers.tpl: inferencepools get/list/watch; inferencepools/status (and /finalizers) update.
    const group = chain.group;
    out.push(
      ...rbacDrafts(
        snap,
        chain,
        'NGINX Gateway Fabric',
        found,
        [
          {group, resource: 'inferencepools', verb: 'list'},
          {group, resource: 'inferencepools', verb: 'watch'},
          {group, resource: 'inferencepools/status', verb: 'update'},
        ],
        (d, missing) => `${ngfHelm(d, value)}   # the chart grants these rights with the inference extension on\n# or grant them by hand:\n${grantFix(d, group, missing, `${d.deployment.metadata.name}-inferencepools`)}`,
      ),
    );
    return out;
  },
};

export const ngfPoolStatus: Check = {
  code: 'IGW-235',
  phase: 2,
  scope: 'chain',
  title: "NGINX Gateway Fabric: it reported the InferencePool and created the pool's headless Service",
  readme: {checks: 'NGINX Gateway Fabric: InferencePool status parent per Gateway; the headless Service `<pool>-pool-svc` it routes through exists and selects the pool\'s pods', failure: 'route `BackendNotFound`, 500'},
  dependsOn: ['IGW-234'],
  symptoms: {'500': 20, '503': 20, 'ext-proc-not-routing': 20},
  reads: ['Service', 'GatewayClass', 'Deployment', 'Pod', 'ConfigMap'],
  judgesUnreadable: ['GatewayClass', 'Deployment', 'Pod', 'ConfigMap'],
  run({chain, snap}) {
    const gws = gatewaysOf(snap, chain, 'nginx-gateway-fabric');
    if (gws.length === 0) return [notOn('NGINX Gateway Fabric')];
    const pool = chain.pool;
    if (!pool || !isLive(snap, pool.obj)) return [notApplicable('no live InferencePool (none, or it comes from a manifest)')];
    if (chain.routes.length === 0) return [notApplicable('no HTTPRoute sends to this pool: NGINX Gateway Fabric neither reports it nor creates its Service')];
    const out: Draft[] = [];
    const parents = rawPoolParents(pool.obj);
    let reported = false;
    for (const g of gws) {
      if (!g.name) continue;
      const p = parentFor(parents, chain.namespace, g);
      if (!p) {
        out.push(
          warning(
            `InferencePool ${chain.key} has no status from NGINX Gateway Fabric for Gateway ${g.namespace}/${g.name}: it has not reconciled the pool (the HTTPRoute is not attached, or the controller does not watch InferencePools)`,
            pool.ref,
            `kubectl get httproute -n ${chain.namespace} -o yaml | grep -A12 'parents:'`,
          ),
        );
        continue;
      }
      reported = true;
      // conditions (Accepted/HTTPRouteNotAccepted, ResolvedRefs/InvalidExtensionRef, EndpointPickerRefMissing) are IGW-307's
      out.push(ok(`NGINX Gateway Fabric reports ${chain.key} on Gateway ${g.namespace}/${g.name}: ${describeCondition(condition(p.conditions, 'Accepted'), 'Accepted')}`, pool.ref));
    }
    // handler.go ensureInferencePoolServices: for every referenced pool a headless Service
    // <pool>-pool-svc (resource.go), selector = the pool's matchLabels, ports = targetPorts,
    // owner = the pool; httproute.go rewrites the InferencePool backendRef to it.
    const name = ngfPoolServiceName(pool.name);
    const sref: ObjectRef = {apiVersion: 'v1', kind: 'Service', namespace: chain.namespace, name};
    const l = lookup<Service>(snap, 'Service', chain.namespace, name);
    if ('unknown' in l) out.push(skipped(`skipped: ${l.unknown.message}`, sref, l.unknown.rule));
    else if ('absent' in l) {
      if (reported) {
        out.push(
          error(
            `NGINX Gateway Fabric's headless Service ${chain.namespace}/${name} for InferencePool ${chain.key} does not exist: NGINX routes the pool through it, so the HTTPRoute's backend is not found (ResolvedRefs=False BackendNotFound) and requests fail`,
            sref,
            `# NGINX Gateway Fabric re-creates it on its next reconcile; force one without changing the pool:\nkubectl annotate inferencepool ${pool.name} -n ${chain.namespace} infgw.dev/reconcile="$(date +%s)" --overwrite\nkubectl get svc ${name} -n ${chain.namespace}`,
          ),
        );
      }
    } else {
      const sel = l.found.spec?.selector ?? {};
      // v1 selector {matchLabels}; NGF copies matchLabels only (ensureInferencePoolServices)
      const raw = (pool.selector ?? {}) as {matchLabels?: Record<string, string>} & Record<string, unknown>;
      const want: Record<string, string> = raw.matchLabels ?? (Object.fromEntries(Object.entries(raw).filter(([, v]) => typeof v === 'string')) as Record<string, string>);
      const same = Object.keys(want).length === Object.keys(sel).length && Object.entries(want).every(([k, v]) => sel[k] === v);
      if (!same) {
        out.push(
          warning(
            `NGINX Gateway Fabric's headless Service ${chain.namespace}/${name} selects ${JSON.stringify(sel)}, the InferencePool ${JSON.stringify(want)}: NGINX sends the pool's traffic to the pods the Service selects`,
            sref,
            `# it is rewritten on the next reconcile of the pool:\nkubectl annotate inferencepool ${pool.name} -n ${chain.namespace} infgw.dev/reconcile="$(date +%s)" --overwrite`,
          ),
        );
      } else out.push(ok(`headless Service ${name} selects the pool's pods`, sref));
    }
    return out;
  },
};

export const ngfEppTls: Check = {
  code: 'IGW-236',
  phase: 2,
  scope: 'chain',
  title: "NGINX Gateway Fabric: its EPP TLS settings match the EPP's",
  readme: {checks: "NGINX Gateway Fabric: `--endpoint-picker-disable-tls` matches the EPP's `--secure-serving`; `--endpoint-picker-tls-skip-verify` stays true (the EPP's certificate is self-signed)", failure: 'every request fails (EPP unreachable)'},
  dependsOn: ['IGW-234'],
  symptoms: {'500': 20, 'ext-proc-not-routing': 20},
  reads: ['GatewayClass', 'Deployment', 'Pod', 'ConfigMap'],
  judgesUnreadable: ['Pod', 'ConfigMap'],
  run({chain, snap}) {
    const gws = gatewaysOf(snap, chain, 'nginx-gateway-fabric');
    if (gws.length === 0) return [notOn('NGINX Gateway Fabric')];
    if (chain.epps.length === 0) return [notApplicable('no EPP Deployment of this pool found (IGW-401 says why)')];
    const ngf = ngfFor(snap, gws).filter((d) => d.flag);
    if (ngf.length === 0) return [notApplicable('no NGINX Gateway Fabric controller with the inference extension on (IGW-234 says why)')];
    // cmd/gateway/commands.go addEPPConnectionFlags: --endpoint-picker-disable-tls (default false),
    // --endpoint-picker-tls-skip-verify (default true, "REQUIRED: Must be true until Gateway API
    // Inference Extension EndpointPicker supports mounting certificates"); the provisioner passes both
    // to the endpoint-picker-shim sidecar of every NGINX pod (provisioner/objects.go configureInferenceExtension).
    const out: Draft[] = [];
    for (const d of ngf) {
      for (const e of chain.epps) {
        const epp = `EPP ${e.deployment.metadata.namespace}/${e.deployment.metadata.name}`;
        const ctl = `NGINX Gateway Fabric ${d.deployment.metadata.namespace}/${d.deployment.metadata.name}`;
        if (d.eppDisableTls && e.secureServing) {
          out.push(
            error(
              `${ctl} runs with --endpoint-picker-disable-tls (plaintext to the EPP), but ${epp} serves TLS (--secure-serving default true): the shim's calls fail and requests to ${chain.key} fail`,
              deployRef(d.deployment),
              ngfHelm(d, 'nginxGateway.gwAPIInferenceExtension.endpointPicker.disableTLS=false'),
            ),
          );
        } else if (!d.eppDisableTls && !e.secureServing) {
          out.push(
            error(
              `${ctl} connects to the EPP with TLS (the default), but ${epp} runs with --secure-serving=false (plaintext gRPC): the handshake fails and requests to ${chain.key} fail`,
              deployRef(e.deployment),
              `kubectl edit deployment ${e.deployment.metadata.name} -n ${e.deployment.metadata.namespace}   # remove --secure-serving=false (the EPP then serves TLS with a self-signed certificate)\n# or, only with a mesh encrypting the hop: ${ngfHelm(d, 'nginxGateway.gwAPIInferenceExtension.endpointPicker.disableTLS=true')}`,
            ),
          );
        } else if (!d.eppDisableTls && !d.eppSkipVerify) {
          out.push(
            error(
              `${ctl} verifies the EPP's certificate (--endpoint-picker-tls-skip-verify=false), but the EPP serves a self-signed one: verification fails and requests to ${chain.key} fail (the chart says skipVerify must stay true)`,
              deployRef(d.deployment),
              ngfHelm(d, 'nginxGateway.gwAPIInferenceExtension.endpointPicker.skipVerify=true'),
            ),
          );
        } else out.push(ok(`${ctl} → ${epp}: ${d.eppDisableTls ? 'plaintext on both sides' : 'TLS, certificate not verified'}`, deployRef(d.deployment)));
      }
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------
// GKE (closed source: what the Kubernetes API shows of it)

/**
 * The classes GIE's GKE guide deploys an inference Gateway on (kubernetes-sigs/gateway-api-inference-extension
 * config/manifests/gateway/gke/gateway.yaml: gke-l7-regional-external-managed; GKE's "Deploy GKE
 * Inference Gateway" page: a regional class, internal gke-l7-rilb or external
 * gke-l7-regional-external-managed, with a proxy-only subnet).
 */
export const GKE_INFERENCE_CLASSES: ReadonlySet<string> = new Set(['gke-l7-rilb', 'gke-l7-regional-external-managed']);

export const gkeGatewayClass: Check = {
  code: 'IGW-237',
  phase: 2,
  scope: 'chain',
  title: 'GKE: the Gateway uses a regional gke-l7 class that GKE accepted',
  readme: {checks: 'GKE: the GatewayClass is Accepted by GKE and is a regional gke-l7 class (`gke-l7-rilb`, `gke-l7-regional-external-managed`)', failure: 'nothing programs the load balancer'},
  symptoms: {'gateway-not-programmed': 20, 'ext-proc-not-routing': 20},
  reads: ['GatewayClass', 'Deployment', 'Pod', 'ConfigMap'],
  judgesUnreadable: ['Deployment', 'Pod', 'ConfigMap'],
  run({chain, snap}) {
    const gws = gatewaysOf(snap, chain, 'gke');
    if (gws.length === 0) return [notOn('GKE')];
    const out: Draft[] = [];
    for (const g of gws) {
      const cls = get<KubeObject & {status?: {conditions?: import('../../k8s/objects.ts').Condition[]}}>(snap, 'GatewayClass', undefined, g.className ?? '');
      const cref: ObjectRef = {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: g.className ?? ''};
      const acc = condition(cls?.status?.conditions, 'Accepted');
      if (acc?.status === 'False') {
        out.push(error(`GatewayClass ${g.className} (${g.controllerName}) is not accepted: ${describeCondition(acc)} — GKE programs no load balancer for Gateway ${g.namespace}/${g.name}`, cref, `kubectl describe gatewayclass ${g.className}`));
      } else if (!GKE_INFERENCE_CLASSES.has(g.className ?? '')) {
        out.push(
          info(
            `Gateway ${g.namespace}/${g.name} uses GKE class ${g.className}; GIE's GKE guide and GKE's inference Gateway page use the regional classes ${[...GKE_INFERENCE_CLASSES].join(', ')} — doctor cannot tell whether ${g.className} routes to InferencePools (GKE's controller is closed source)`,
            gatewayRef(g),
          ),
        );
      } else out.push(ok(`Gateway ${g.namespace}/${g.name} on ${g.className}${acc ? ` (${describeCondition(acc, 'Accepted')})` : ''}`, cref));
    }
    return out;
  },
};

interface GkePolicy extends KubeObject {
  spec?: {
    targetRef?: {group?: string; kind?: string; name?: string; namespace?: string};
    default?: {timeoutSec?: number; config?: {type?: string; httpHealthCheck?: {port?: number; requestPath?: string}; httpsHealthCheck?: {port?: number}; http2HealthCheck?: {port?: number}}};
  };
}

/** The policies of a kind in the pool's namespace whose targetRef names the pool (any group), split by whether the group is the pool's. */
function policiesFor(snap: Snapshot, key: 'GKEHealthCheckPolicy' | 'GCPBackendPolicy', chain: PoolChain): {attached: GkePolicy[]; wrongGroup: GkePolicy[]} {
  const named = items<GkePolicy>(snap, key).filter(
    (p) => p.metadata.namespace === chain.namespace && p.spec?.targetRef?.kind === 'InferencePool' && p.spec.targetRef.name === chain.name,
  );
  return {attached: named.filter((p) => (p.spec?.targetRef?.group ?? '') === chain.group), wrongGroup: named.filter((p) => (p.spec?.targetRef?.group ?? '') !== chain.group)};
}

/** Not served / not readable: GKE's CRDs exist only on GKE — say so at info level, never demand them. */
function gkeAccess(snap: Snapshot, key: 'GKEHealthCheckPolicy' | 'GCPBackendPolicy', chain: PoolChain, kind: string): Draft | undefined {
  const why = access(snap, key, chain.namespace);
  if (!why) return undefined;
  if (why.reason === 'notServed') return info(`${kind} (networking.gke.io/v1) is not served in this cluster: not checked (GKE installs it)`);
  if (why.reason === 'forbidden') return skipped(`skipped: forbidden to list ${kind} in ${chain.namespace}`, undefined, why.rule);
  return info(`${kind}: not checked (${why.message})`);
}

function retarget(p: GkePolicy, resource: string, group: string): string {
  return `kubectl patch ${resource} ${p.metadata.name} -n ${p.metadata.namespace} --type merge -p '${JSON.stringify({spec: {targetRef: {group}}})}'`;
}

export const gkeHealthCheckPolicy: Check = {
  code: 'IGW-238',
  phase: 2,
  scope: 'chain',
  title: "GKE: a HealthCheckPolicy targets the InferencePool and probes its port",
  readme: {checks: "GKE: a HealthCheckPolicy targets the InferencePool (its API group, its name) and probes one of its `targetPorts` (read only when the CRD is served)", failure: 'endpoints unhealthy, 503'},
  symptoms: {'503': 20, 'ext-proc-not-routing': 20},
  reads: ['GatewayClass', 'Deployment', 'Pod', 'ConfigMap', 'GKEHealthCheckPolicy'],
  judgesUnreadable: ['Deployment', 'Pod', 'ConfigMap', 'GKEHealthCheckPolicy'],
  run({chain, snap}) {
    if (gatewaysOf(snap, chain, 'gke').length === 0) return [notOn('GKE')];
    const pool = chain.pool;
    if (!pool) return [notApplicable('this chain has no InferencePool')];
    const denied = gkeAccess(snap, 'GKEHealthCheckPolicy', chain, 'HealthCheckPolicy');
    if (denied) return [denied];
    const {attached, wrongGroup} = policiesFor(snap, 'GKEHealthCheckPolicy', chain);
    const out: Draft[] = [];
    for (const p of wrongGroup) {
      // GIE's old manifest (config/manifests/gateway/gke/healthcheck.yaml) targets inference.networking.x-k8s.io;
      // the inferencepool chart (templates/gke.yaml) targets inference.networking.k8s.io — the group must be the pool's.
      out.push(
        warning(
          `HealthCheckPolicy ${p.metadata.namespace}/${p.metadata.name} targets InferencePool ${p.spec?.targetRef?.name} in group ${p.spec?.targetRef?.group ?? '(core)'}, but the pool is ${chain.group}: the policy attaches to nothing and the pool's health check keeps GKE's defaults`,
          {apiVersion: 'networking.gke.io/v1', kind: 'HealthCheckPolicy', namespace: p.metadata.namespace, name: p.metadata.name},
          retarget(p, 'healthcheckpolicy', chain.group),
        ),
      );
    }
    for (const p of attached) {
      const cfg = p.spec?.default?.config;
      const port = cfg?.httpHealthCheck?.port ?? cfg?.httpsHealthCheck?.port ?? cfg?.http2HealthCheck?.port;
      const pref: ObjectRef = {apiVersion: 'networking.gke.io/v1', kind: 'HealthCheckPolicy', namespace: p.metadata.namespace, name: p.metadata.name};
      if (port !== undefined && pool.targetPorts.length > 0 && !pool.targetPorts.includes(port)) {
        out.push(
          warning(
            `HealthCheckPolicy ${p.metadata.namespace}/${p.metadata.name} probes port ${port}, but InferencePool ${chain.key} serves on ${pool.targetPorts.join(', ')}: the load balancer marks the model servers unhealthy and requests fail with 503`,
            pref,
            `kubectl patch healthcheckpolicy ${p.metadata.name} -n ${p.metadata.namespace} --type merge -p '${JSON.stringify({spec: {default: {config: {httpHealthCheck: {port: pool.targetPorts[0]}}}}})}'`,
          ),
        );
      } else out.push(ok(`HealthCheckPolicy ${p.metadata.name} → ${cfg?.type ?? 'health check'} ${cfg?.httpHealthCheck?.requestPath ?? ''} port ${port ?? '(serving port)'}`.replace(/ {2,}/g, ' '), pref));
    }
    if (attached.length === 0 && wrongGroup.length === 0) {
      // GIE config/charts/inferencepool/templates/gke.yaml (provider.name=gke): HTTP /health on the target port.
      out.push(
        info(
          `no HealthCheckPolicy targets InferencePool ${chain.key}: GKE health-checks its endpoints with its defaults (GIE's inferencepool chart with provider.name=gke creates one: HTTP /health on the target port)`,
          pool.ref,
          `kubectl apply -f - <<'EOF'\napiVersion: networking.gke.io/v1\nkind: HealthCheckPolicy\nmetadata:\n  name: ${pool.name}\n  namespace: ${chain.namespace}\nspec:\n  targetRef:\n    group: ${chain.group}\n    kind: InferencePool\n    name: ${pool.name}\n  default:\n    config:\n      type: HTTP\n      httpHealthCheck:\n        requestPath: /health\n        port: ${pool.targetPorts[0] ?? 8000}\nEOF`,
        ),
      );
    }
    return out;
  },
};

export const gkeBackendPolicy: Check = {
  code: 'IGW-239',
  phase: 2,
  scope: 'chain',
  title: 'GKE: a GCPBackendPolicy sets the InferencePool backend timeout',
  readme: {checks: 'GKE: a GCPBackendPolicy targets the InferencePool (its API group) and sets `timeoutSec` (read only when the CRD is served)', failure: '(info/warning) long generations cut at the default timeout'},
  symptoms: {'high-latency': 20, '500': 30},
  reads: ['GatewayClass', 'Deployment', 'Pod', 'ConfigMap', 'GCPBackendPolicy'],
  judgesUnreadable: ['Deployment', 'Pod', 'ConfigMap', 'GCPBackendPolicy'],
  run({chain, snap}) {
    if (gatewaysOf(snap, chain, 'gke').length === 0) return [notOn('GKE')];
    const pool = chain.pool;
    if (!pool) return [notApplicable('this chain has no InferencePool')];
    const denied = gkeAccess(snap, 'GCPBackendPolicy', chain, 'GCPBackendPolicy');
    if (denied) return [denied];
    const {attached, wrongGroup} = policiesFor(snap, 'GCPBackendPolicy', chain);
    const out: Draft[] = [];
    for (const p of wrongGroup) {
      out.push(
        warning(
          `GCPBackendPolicy ${p.metadata.namespace}/${p.metadata.name} targets InferencePool ${p.spec?.targetRef?.name} in group ${p.spec?.targetRef?.group ?? '(core)'}, but the pool is ${chain.group}: the policy attaches to nothing (its timeoutSec and logging do not apply)`,
          {apiVersion: 'networking.gke.io/v1', kind: 'GCPBackendPolicy', namespace: p.metadata.namespace, name: p.metadata.name},
          retarget(p, 'gcpbackendpolicy', chain.group),
        ),
      );
    }
    for (const p of attached) {
      const t = p.spec?.default?.timeoutSec;
      out.push(ok(`GCPBackendPolicy ${p.metadata.name} → timeoutSec ${t ?? '(default)'}`, {apiVersion: 'networking.gke.io/v1', kind: 'GCPBackendPolicy', namespace: p.metadata.namespace, name: p.metadata.name}));
    }
    if (attached.length === 0 && wrongGroup.length === 0) {
      // GIE config/charts/inferencepool/templates/gke.yaml: timeoutSec 300 ("5-minute timeout"), logging on.
      out.push(
        info(
          `no GCPBackendPolicy targets InferencePool ${chain.key}: the backend keeps GKE's default timeout, which cuts long generations (GIE's inferencepool chart with provider.name=gke sets timeoutSec 300)`,
          pool.ref,
          `kubectl apply -f - <<'EOF'\napiVersion: networking.gke.io/v1\nkind: GCPBackendPolicy\nmetadata:\n  name: ${pool.name}\n  namespace: ${chain.namespace}\nspec:\n  targetRef:\n    group: ${chain.group}\n    kind: InferencePool\n    name: ${pool.name}\n  default:\n    timeoutSec: 300\n    logging:\n      enabled: true\nEOF`,
        ),
      );
    }
    return out;
  },
};
