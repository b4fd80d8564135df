/*
 * Phase 2 — the Gateway's implementation (issue 13). InferencePool is implemented by several
 * gateways (GIE site-src/implementations/gateways.md): Envoy Gateway through the Envoy AI Gateway
 * extension (the rest of this phase), and natively by Istio, kgateway, agentgateway, NGINX Gateway
 * Fabric and GKE. Doctor detects the implementation of each Gateway from its GatewayClass's
 * controllerName (src/k8s/implementation.ts), runs the shared checks for every chain, and the
 * implementation checks for Istio (IGW-220…222) and kgateway (IGW-225…227) here. What makes
 * InferencePool routing work for each, with sources: src/model/gateway-controllers.ts.
 */
import {condition, describeCondition, type ObjectRef} from '../../k8s/objects.ts';
import {implementationOf, type Implementation} from '../../k8s/implementation.ts';
import {
  ISTIO_INFERENCE_FLAG,
  ISTIO_SHADOW_LABELS,
  istiodInstalls,
  istioShadowServiceName,
  KGATEWAY_INFERENCE_FLAG,
  kgatewayInstalls,
  parentFor,
  rawPoolParents,
  type ControllerInstall,
} from '../../model/gateway-controllers.ts';
import {gatewayRef, type PoolChain} from '../../model/target.ts';
import {chainGateways, type ChainGateway} from '../../model/wiring.ts';
import {access, get, isLive, lookup} from '../../snapshot/query.ts';
import type {KubeObject} from '../../kube/client.ts';
import type {Snapshot} from '../../snapshot/types.ts';
import type {Service} from '../../k8s/objects.ts';
import {deployRef} from '../helpers.ts';
import {error, info, notApplicable, ok, orNotApplicable, skipped, warning, type Check, type Draft} from '../types.ts';

const CHECKED: Partial<Record<Implementation, string>> = {
  'envoy-gateway': 'Envoy Gateway checks IGW-201…213',
  istio: 'Istio checks IGW-220…222',
  kgateway: 'kgateway checks IGW-225…227',
  agentgateway: 'agentgateway checks IGW-231…233',
  'nginx-gateway-fabric': 'NGINX Gateway Fabric checks IGW-234…236',
};

/**
 * What doctor cannot check of an implementation it knows (an info line, never a warning). GKE's
 * Gateway controller is closed source and runs outside the cluster: only its class and its
 * policies are visible through the Kubernetes API.
 */
const PARTLY_CHECKED: Partial<Record<Implementation, string>> = {
  gke: 'GKE checks IGW-237…239 (class, HealthCheckPolicy, GCPBackendPolicy); not checked: the Google Cloud load balancer GKE programs and its calls to the EPP (closed-source controller outside the cluster) — see the Gateway\'s events and Cloud Logging',
};

/** What makes InferencePool work on the implementations doctor does not check itself (for the info line). */
const NOT_CHECKED_HINT: Partial<Record<Implementation, string>> = {};

export function gatewaysOf(snap: Snapshot, chain: PoolChain, impl: Implementation): ChainGateway[] {
  return chainGateways(snap, chain).filter((g) => g.implementation === impl);
}

/** "Not applicable" for a check of one implementation on a chain whose Gateways are not of it. */
export function notOn(impl: string): Draft {
  return notApplicable(`no Gateway of this pool has ${impl}'s GatewayClass`);
}

export const gatewayImplementation: Check = {
  code: 'IGW-230',
  phase: 2,
  scope: 'chain',
  title: "Gateway implementation detected from the GatewayClass's controllerName",
  readme: {checks: `the Gateway's implementation (from the GatewayClass controllerName); unknown → info "implementation not checked"`, failure: '(info)'},
  symptoms: {'gateway-not-programmed': 20, 'ext-proc-not-routing': 20},
  reads: ['GatewayClass', 'Deployment', 'Pod', 'ConfigMap'],
  judgesUnreadable: ['Deployment', 'Pod', 'ConfigMap'],
  run({chain, snap}) {
    const out: Draft[] = [];
    for (const g of chainGateways(snap, chain)) {
      if (!g.controllerName) continue; // missing Gateway or class: IGW-203/403 say why
      const cref: ObjectRef = g.name ? gatewayRef(g) : {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: g.className ?? ''};
      const where = `Gateway ${g.namespace}/${g.name} (class ${g.className}, controllerName ${g.controllerName})`;
      if (g.implementation === 'unknown' || g.implementation === undefined) {
        out.push(info(`${where}: a controller doctor does not know — implementation not checked (the shared Gateway API, InferencePool, EPP and model server checks ran)`, cref));
        continue;
      }
      const name = g.implementation === 'envoy-gateway' ? 'Envoy Gateway' : (implementationOf(g.controllerName)?.name ?? g.implementation);
      const checked = CHECKED[g.implementation];
      const partly = PARTLY_CHECKED[g.implementation];
      if (checked) out.push(ok(`${where}: ${name} — ${checked}`, cref));
      else if (partly) out.push(info(`${where}: ${name} — ${partly}`, cref));
      else out.push(info(`${where}: ${name} — implementation not checked (the shared checks ran; ${NOT_CHECKED_HINT[g.implementation] ?? 'see its documentation'})`, cref));
    }
    return orNotApplicable(out, 'no Gateway of this pool with a GatewayClass to read the controllerName from (IGW-203/IGW-403 say why)');
  },
};

/** The controller Deployments of an implementation, judged for availability and the InferencePool flag. */
export function controllerDrafts(
  snap: Snapshot,
  chain: PoolChain,
  opts: {
    impl: Implementation;
    name: string;
    found: ControllerInstall[];
    flag: string;
    /** the status the controller writes only with the flag on: proof it is on when its Deployment is not in this snapshot */
    statusProof: boolean;
    /** a route status that says the flag is off, from the controller itself */
    routeSaysOff?: {route: ObjectRef; message: string} | undefined;
    fix: (d: ControllerInstall | undefined) => string;
    notFoundHow: string;
  },
): Draft[] {
  const {found, name, flag} = opts;
  if (found.length === 0) {
    if (opts.routeSaysOff) {
      return [error(`${name} refuses InferencePool backends: "${opts.routeSaysOff.message}" — requests to ${chain.key} get no route`, opts.routeSaysOff.route, opts.fix(undefined))];
    }
    if (opts.statusProof) return [ok(`${name} wrote the InferencePool status (it does so only with ${flag} on); its controller is not in this snapshot`)];
    const why = access(snap, 'Deployment');
    return [
      info(
        `${name}'s controller was not found (${opts.notFoundHow}${why ? `; ${why.message}` : ''}) and it has written no InferencePool status yet: InferencePool support (${flag}) not verified`,
      ),
    ];
  }
  const out: Draft[] = [];
  for (const d of found) {
    const ref = deployRef(d.deployment);
    const where = `${d.deployment.metadata.namespace}/${d.deployment.metadata.name}`;
    const available = d.deployment.status?.availableReplicas ?? 0;
    if (isLive(snap, d.deployment) && available < 1) {
      out.push(error(`${name} controller ${where} is not available (${available}/${d.deployment.spec.replicas ?? 1}): nothing programs the Gateway or writes InferencePool status`, ref, `kubectl describe deployment ${d.deployment.metadata.name} -n ${d.deployment.metadata.namespace}`));
      continue;
    }
    if (d.flag === undefined) {
      out.push(info(`${name} controller ${where}: ${d.flagText}`, ref));
      continue;
    }
    if (!d.flag) {
      const said = opts.routeSaysOff ? ` — the route status says so: "${opts.routeSaysOff.message}"` : '';
      const severity = found.some((x) => x.flag) ? warning : error;
      out.push(
        severity(
          `${name} controller ${where} runs with ${d.flagText}: it does not watch InferencePools, so an HTTPRoute to ${chain.key} gets no route and the pool no status${said}${found.length > 1 ? ' (another revision has it on: this one must not serve the Gateway)' : ''}`,
          ref,
          opts.fix(d),
        ),
      );
      continue;
    }
    out.push(ok(`${name} controller ${where} available, ${d.flagText}`, ref));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Istio

/** Istio's route status when the flag is off (pilot/pkg/config/kube/gateway/conversion.go, case gvk.InferencePool). */
/**
 * The first ResolvedRefs=False parent status a controller of `controllers` wrote on one of the chain's
 * routes whose reason/message `test` accepts. `unnamed`: parents without controllerName count too
 * (Istio writes none on some).
 */
export function routeCondition(chain: PoolChain, controllers: Set<string>, test: (reason: string | undefined, message: string) => boolean, unnamed = false): {route: ObjectRef; message: string} | undefined {
  for (const l of chain.routes) {
    for (const p of l.route.status?.parents ?? []) {
      if (p.controllerName ? !controllers.has(p.controllerName) : !unnamed) continue;
      const c = condition(p.conditions, 'ResolvedRefs');
      if (c?.status === 'False' && test(c.reason, c.message ?? '')) {
        return {route: {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: l.route.metadata.namespace, name: l.route.metadata.name}, message: c.message ?? ''};
      }
    }
  }
  return undefined;
}

function istioRouteSaysOff(chain: PoolChain, controllers: Set<string>): {route: ObjectRef; message: string} | undefined {
  return routeCondition(chain, controllers, (_reason, msg) => msg.includes(ISTIO_INFERENCE_FLAG), true);
}

/** Istio writes pool parents without controllerName: its parents are those naming the chain's Istio Gateways. */
function poolHasParentsFor(chain: PoolChain, gws: ChainGateway[]): boolean {
  if (!chain.pool) return false;
  const parents = rawPoolParents(chain.pool.obj);
  return gws.some((g) => parentFor(parents, chain.namespace, g) !== undefined);
}

export const istioInferenceEnabled: Check = {
  code: 'IGW-220',
  phase: 2,
  scope: 'chain',
  title: `Istio: istiod runs with ${ISTIO_INFERENCE_FLAG}=true`,
  readme: {checks: 'Istio: istiod runs with `ENABLE_GATEWAY_API_INFERENCE_EXTENSION=true`', failure: 'route `InvalidKind`, no InferencePool routing'},
  dependsOn: ['IGW-103'],
  symptoms: {'500': 20, 'ext-proc-not-routing': 20, 'gateway-not-programmed': 20},
  reads: ['Deployment', 'GatewayClass', 'Pod', 'ConfigMap'],
  judgesUnreadable: ['Deployment', 'GatewayClass', 'Pod', 'ConfigMap'],
  run({chain, snap}) {
    const gws = gatewaysOf(snap, chain, 'istio');
    if (gws.length === 0) return [notOn('Istio')];
    if (snap.source === 'files') return [notApplicable('offline (--from-file): judged only on a live cluster')];
    const controllers = new Set(gws.map((g) => g.controllerName!));
    // An istiod revision serves the Gateways labelled istio.io/rev=<revision>; unlabelled ones go to
    // the default revision (istiod without the label, or "default").
    const revisionOf = (labels: Record<string, string> | undefined): string => labels?.['istio.io/rev'] ?? 'default';
    const wanted = new Set(
      chain.gateways.map((g) => ('found' in g.lookup ? revisionOf(g.lookup.found.metadata.labels) : 'default')),
    );
    const all = istiodInstalls(snap);
    const serving = all.filter((d) => wanted.has(revisionOf(d.deployment.metadata.labels)));
    return controllerDrafts(snap, chain, {
      impl: 'istio',
      name: 'Istio',
      found: serving.length ? serving : all,
      flag: ISTIO_INFERENCE_FLAG,
      statusProof: poolHasParentsFor(chain, gws),
      routeSaysOff: istioRouteSaysOff(chain, controllers),
      notFoundHow: 'no Deployment labelled app=istiod',
      // istio docs tasks/traffic-management/ingress/gateway-api-inference-extension: istioctl install --set values.pilot.env.…=true
      fix: (d) =>
        `istioctl install --set values.pilot.env.${ISTIO_INFERENCE_FLAG}=true   # or helm upgrade istiod istio/istiod --reuse-values --set pilot.env.${ISTIO_INFERENCE_FLAG}=true` +
        (d ? `\n# quick test only (reverted by the next install/upgrade): kubectl set env deployment/${d.deployment.metadata.name} -n ${d.deployment.metadata.namespace} -c ${d.container?.name ?? 'discovery'} ${ISTIO_INFERENCE_FLAG}=true` : ''),
    });
  },
};

export const istioPoolStatus: Check = {
  code: 'IGW-221',
  phase: 2,
  scope: 'chain',
  title: 'Istio: istiod wrote the InferencePool status for its Gateways',
  readme: {checks: 'Istio: istiod wrote the InferencePool status for its Gateways', failure: '(warning) istiod has not reconciled the pool'},
  dependsOn: ['IGW-220'],
  symptoms: {'500': 20, 'ext-proc-not-routing': 20},
  reads: ['GatewayClass', 'Deployment', 'Pod', 'ConfigMap'],
  judgesUnreadable: ['GatewayClass', 'Deployment', 'Pod', 'ConfigMap'],
  run({chain, snap}) {
    const gws = gatewaysOf(snap, chain, 'istio');
    if (gws.length === 0) return [notOn('Istio')];
    if (!chain.pool || !isLive(snap, chain.pool.obj)) return [notApplicable('no InferencePool status to read (no pool, or it comes from a manifest)')];
    if (chain.routes.length === 0) return [notApplicable('no HTTPRoute sends to this pool')];
    const parents = rawPoolParents(chain.pool.obj);
    const out: Draft[] = [];
    for (const g of gws) {
      if (!g.name) continue;
      const p = parentFor(parents, chain.namespace, g);
      if (!p) {
        // calculateInferencePoolStatus adds a parent for every Gateway of an Istio class that an
        // HTTPRoute to the pool names in its status (findGatewayParents): none means istiod has not
        // reconciled the route on that Gateway.
        out.push(
          warning(
            `InferencePool ${chain.key} has no status from Istio for Gateway ${g.namespace}/${g.name}: istiod has not reconciled an HTTPRoute to the pool on that Gateway (the route is not attached, or istiod does not watch InferencePools)`,
            chain.pool.ref,
            `kubectl get httproute -n ${chain.namespace} -o yaml | grep -A12 'parents:'\nkubectl logs deploy/istiod -n istio-system | grep -i inferencepool`,
          ),
        );
        continue;
      }
      // The conditions themselves (Accepted/HTTPRouteNotAccepted, ResolvedRefs/InvalidExtensionRef) are IGW-307's.
      const acc = condition(p.conditions, 'Accepted');
      const res = condition(p.conditions, 'ResolvedRefs');
      out.push(ok(`Istio reports ${chain.key} on Gateway ${g.namespace}/${g.name}: ${describeCondition(acc, 'Accepted')}, ${describeCondition(res, 'ResolvedRefs')}`, chain.pool.ref));
    }
    return orNotApplicable(out, 'no Istio Gateway found by name');
  },
};

export const istioShadowService: Check = {
  code: 'IGW-222',
  phase: 2,
  scope: 'chain',
  title: "Istio: the pool's shadow Service (<pool>-ip-<hash>) carries the EPP",
  readme: {checks: "Istio: shadow Service `<pool>-ip-<hash>` exists, labels name the pool's EPP/port", failure: 'backend not found, 500'},
  dependsOn: ['IGW-220'],
  symptoms: {'500': 20, '503': 20, 'ext-proc-not-routing': 20},
  reads: ['Service', 'GatewayClass', 'Deployment', 'Pod', 'ConfigMap'],
  judgesUnreadable: ['GatewayClass', 'Deployment', 'Pod', 'ConfigMap'],
  run({chain, snap}) {
    const gws = gatewaysOf(snap, chain, 'istio');
    const pool = chain.pool;
    if (gws.length === 0) return [notOn('Istio')];
    if (!pool || !isLive(snap, pool.obj)) return [notApplicable('no live InferencePool (none, or it comes from a manifest)')];
    if (chain.routes.length === 0) return [notApplicable('no HTTPRoute sends to this pool: istiod creates no shadow Service')];
    const name = istioShadowServiceName(pool.name);
    const sref: ObjectRef = {apiVersion: 'v1', kind: 'Service', namespace: chain.namespace, name};
    const l = lookup<Service>(snap, 'Service', chain.namespace, name);
    if ('unknown' in l) return [skipped(`skipped: ${l.unknown.message}`, sref, l.unknown.rule)];
    if ('absent' in l) {
      // istiod creates it once an HTTPRoute accepted by an Istio Gateway names the pool
      // (reconcileShadowService); the route then resolves InferencePool → this Service's endpoints.
      if (!poolHasParentsFor(chain, gws)) return [notApplicable('istiod has not reconciled the pool yet (no status from Istio: IGW-221): no shadow Service expected')];
      return [
        error(
          `Istio's shadow Service ${chain.namespace}/${name} for InferencePool ${chain.key} does not exist: Istio routes an InferencePool through it (headless, selecting the pool's pods), so the HTTPRoute's backend is not found ("backend(${name}.${chain.namespace}.svc.…) not found") and requests fail`,
          sref,
          `# istiod re-creates it on its next reconcile of the pool; force one without changing the pool:\nkubectl annotate inferencepool ${pool.name} -n ${chain.namespace} infgw.dev/reconcile="$(date +%s)" --overwrite\nkubectl get svc ${name} -n ${chain.namespace}`,
        ),
      ];
    }
    const svc = l.found;
    const labels = svc.metadata.labels ?? {};
    const problems: string[] = [];
    if (labels[ISTIO_SHADOW_LABELS.pool] !== pool.name) problems.push(`${ISTIO_SHADOW_LABELS.pool}=${labels[ISTIO_SHADOW_LABELS.pool] ?? '(unset)'} (want ${pool.name}): istiod does not manage it`);
    if (pool.epp && labels[ISTIO_SHADOW_LABELS.eppService] !== pool.epp.name) problems.push(`${ISTIO_SHADOW_LABELS.eppService}=${labels[ISTIO_SHADOW_LABELS.eppService] ?? '(unset)'} (the pool's endpointPickerRef is ${pool.epp.name})`);
    if (pool.epp?.port !== undefined && labels[ISTIO_SHADOW_LABELS.eppPort] !== String(pool.epp.port)) problems.push(`${ISTIO_SHADOW_LABELS.eppPort}=${labels[ISTIO_SHADOW_LABELS.eppPort] ?? '(unset)'} (the pool says ${pool.epp.port})`);
    if (problems.length) {
      return [
        warning(
          `Istio's shadow Service ${chain.namespace}/${name} does not match InferencePool ${chain.key}: ${problems.join('; ')} — Envoy calls the EPP the labels name, not the pool's endpointPickerRef`,
          sref,
          labels[ISTIO_SHADOW_LABELS.pool] === pool.name
            ? `# istiod rewrites it on its next reconcile of the pool:\nkubectl annotate inferencepool ${pool.name} -n ${chain.namespace} infgw.dev/reconcile="$(date +%s)" --overwrite`
            : `kubectl get svc ${name} -n ${chain.namespace} -o yaml   # a Service of this name that istiod does not manage blocks the pool: rename or remove it after checking who created it`,
        ),
      ];
    }
    return [ok(`shadow Service ${name} → EPP ${labels[ISTIO_SHADOW_LABELS.eppService]}:${labels[ISTIO_SHADOW_LABELS.eppPort]} (${labels[ISTIO_SHADOW_LABELS.failureMode] ?? 'FailClose'})`, sref)];
  },
};

// ---------------------------------------------------------------------------------------------
// kgateway

/**
 * kgateway's route status when its endpoint-picker plugin is not registered: the backend index has no
 * InferencePool collection, so the backendRef is ResolvedRefs=False InvalidKind "unknown backend kind"
 * (v2.0/v2.1 internal/kgateway/query ProcessBackendError, case ErrUnknownBackendKind; later releases
 * name the kind in the message).
 */
function kgatewayRouteSaysOff(chain: PoolChain, controllers: Set<string>): {route: ObjectRef; message: string} | undefined {
  if (!chain.pool) return undefined;
  return routeCondition(chain, controllers, (reason, msg) => reason === 'InvalidKind' && /unknown backend kind|InferencePool/.test(msg));
}

export const kgatewayInferenceEnabled: Check = {
  code: 'IGW-225',
  phase: 2,
  scope: 'chain',
  title: `kgateway: the controller runs with ${KGATEWAY_INFERENCE_FLAG}=true`,
  readme: {checks: 'kgateway: controller runs with `KGW_ENABLE_INFER_EXT=true`', failure: 'no InferencePool routing'},
  dependsOn: ['IGW-103'],
  symptoms: {'500': 20, 'ext-proc-not-routing': 20, 'gateway-not-programmed': 20},
  reads: ['Deployment', 'GatewayClass', 'Pod', 'ConfigMap'],
  judgesUnreadable: ['Deployment', 'GatewayClass', 'Pod', 'ConfigMap'],
  run({chain, snap}) {
    const gws = gatewaysOf(snap, chain, 'kgateway');
    if (gws.length === 0) return [notOn('kgateway')];
    if (snap.source === 'files') return [notApplicable('offline (--from-file): judged only on a live cluster')];
    // kgateway writes the pool's Gateway parents with "InferencePool has been accepted by controller
    // kgateway.dev/kgateway" only when its endpoint-picker plugin is registered (EnableInferExt).
    const parents = chain.pool ? rawPoolParents(chain.pool.obj) : [];
    const proof = gws.some((g) => {
      const p = parentFor(parents, chain.namespace, g);
      return condition(p?.conditions, 'Accepted')?.message?.includes(g.controllerName ?? 'kgateway.dev/') ?? false;
    });
    // The chart's GatewayClass points at GatewayParameters in the controller's own namespace
    // (install/helm/kgateway/templates/gatewayclass.yaml: parametersRef.namespace = .Release.Namespace):
    // when it does, the controller of that namespace is the one serving this Gateway.
    const all = kgatewayInstalls(snap);
    const paramNs = new Set(
      gws
        .map((g) => (g.className ? get<KubeObject & {spec?: {parametersRef?: {namespace?: string}}}>(snap, 'GatewayClass', undefined, g.className)?.spec?.parametersRef?.namespace : undefined))
        .filter((ns): ns is string => Boolean(ns)),
    );
    const serving = all.filter((d) => paramNs.has(d.deployment.metadata.namespace ?? ''));
    return controllerDrafts(snap, chain, {
      impl: 'kgateway',
      name: 'kgateway',
      found: serving.length ? serving : all,
      flag: KGATEWAY_INFERENCE_FLAG,
      statusProof: proof,
      routeSaysOff: kgatewayRouteSaysOff(chain, new Set(gws.map((g) => g.controllerName!))),
      notFoundHow: 'no Deployment labelled kgateway=kgateway',
      // GIE guide / kgateway docs: helm upgrade … --set inferenceExtension.enabled=true (sets KGW_ENABLE_INFER_EXT)
      fix: (d) =>
        `helm upgrade ${d?.deployment.metadata.labels?.['app.kubernetes.io/instance'] ?? 'kgateway'} oci://<kgateway chart registry>/kgateway -n ${d?.deployment.metadata.namespace ?? 'kgateway-system'} --reuse-values --set inferenceExtension.enabled=true` +
        (d ? `\n# quick test only (reverted by the next helm upgrade): kubectl set env deployment/${d.deployment.metadata.name} -n ${d.deployment.metadata.namespace} -c ${d.container?.name ?? 'controller'} ${KGATEWAY_INFERENCE_FLAG}=true` : ''),
    });
  },
};

export const kgatewayPoolStatus: Check = {
  code: 'IGW-226',
  phase: 2,
  scope: 'chain',
  title: 'kgateway: the controller accepted the InferencePool and resolved its references',
  readme: {checks: 'kgateway: InferencePool accepted, references resolved (incl. its `Status/default` parent)', failure: 'pool rejected'},
  dependsOn: ['IGW-225'],
  symptoms: {'500': 20, 'ext-proc-not-routing': 20},
  reads: ['GatewayClass', 'Deployment', 'Pod', 'ConfigMap'],
  judgesUnreadable: ['GatewayClass', 'Deployment', 'Pod', 'ConfigMap'],
  run({chain, snap}) {
    const gws = gatewaysOf(snap, chain, 'kgateway');
    if (gws.length === 0) return [notOn('kgateway')];
    if (!chain.pool || !isLive(snap, chain.pool.obj)) return [notApplicable('no InferencePool status to read (no pool, or it comes from a manifest)')];
    const parents = rawPoolParents(chain.pool.obj);
    const out: Draft[] = [];
    // status.go: with validation errors kgateway adds a parent {kind: Status, name: default} carrying
    // only ResolvedRefs=False (InvalidExtensionRef, "error: …" / "InferencePool has N errors: …").
    // doctor's pool view drops that placeholder (IGW-307 never sees it): read it here.
    const def = parents.find((p) => p.parentRef?.kind === 'Status' && p.parentRef?.name === 'default');
    const defRes = condition(def?.conditions, 'ResolvedRefs');
    const gwParents = gws.filter((g) => g.name).map((g) => ({g, p: parentFor(parents, chain.namespace, g)}));
    if (defRes?.status === 'False' && !gwParents.some((x) => x.p)) {
      out.push(
        error(
          `kgateway rejects InferencePool ${chain.key}: ${describeCondition(defRes)} — no Gateway routes to it`,
          chain.pool.ref,
          `kubectl get inferencepool ${chain.name} -n ${chain.namespace} -o yaml   # fix what the message names (endpointPickerRef Service/port, one targetPort)`,
        ),
      );
      return out;
    }
    if (chain.routes.length === 0) return [notApplicable('no HTTPRoute sends to this pool')];
    for (const {g, p} of gwParents) {
      if (!p) {
        out.push(
          warning(
            `InferencePool ${chain.key} has no status from kgateway for Gateway ${g.namespace}/${g.name}: kgateway has not reconciled it (controller not watching InferencePools, or the HTTPRoute is not attached)`,
            chain.pool.ref,
            `kubectl logs deploy/kgateway -n kgateway-system | grep -i inferencepool`,
          ),
        );
        continue;
      }
      const acc = condition(p.conditions, 'Accepted');
      out.push(ok(`kgateway reports ${chain.key} on Gateway ${g.namespace}/${g.name}: ${describeCondition(acc, 'Accepted')}`, chain.pool.ref));
    }
    return orNotApplicable(out, 'no kgateway Gateway found by name');
  },
};

export const kgatewayOneTargetPort: Check = {
  code: 'IGW-227',
  phase: 2,
  scope: 'chain',
  title: 'kgateway: the InferencePool has exactly one targetPort',
  readme: {checks: 'kgateway: exactly one `targetPort`', failure: 'pool rejected'},
  symptoms: {'500': 20, '503': 20},
  reads: ['GatewayClass', 'Deployment', 'Pod', 'ConfigMap'],
  judgesUnreadable: ['GatewayClass', 'Deployment', 'Pod', 'ConfigMap'],
  run({chain, snap}) {
    const pool = chain.pool;
    if (gatewaysOf(snap, chain, 'kgateway').length === 0) return [notOn('kgateway')];
    if (!pool) return [notApplicable('this chain has no InferencePool')];
    // validation.go validatePool: "invalid InferencePool: must have exactly one target port"
    if (pool.targetPorts.length !== 1) {
      const first = pool.targetPorts[0] ?? 8000;
      return [
        error(
          `InferencePool ${chain.key} has ${pool.targetPorts.length} targetPorts (${pool.targetPorts.join(', ') || 'none'}); kgateway supports exactly one ("invalid InferencePool: must have exactly one target port") and rejects the pool`,
          pool.ref,
          `kubectl patch inferencepool ${pool.name} -n ${chain.namespace} --type merge -p '{"spec":{"targetPorts":[{"number":${first}}]}}'`,
        ),
      ];
    }
    return [ok(`one targetPort (${pool.targetPorts[0]})`, pool.ref)];
  },
};
