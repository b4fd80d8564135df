/*
 * Phase 4 — body-based routing (issue 16). With several models behind one Gateway, GIE's
 * body-based router (BBR) reads `model` from the request body and sets the model headers the
 * HTTPRoutes match on. It is then on the request path like the EPP: when its EnvoyExtensionPolicy
 * is not Accepted, or its body modes do not fit how BBR runs, or BBR is down, no request matches a
 * header rule. These checks judge BBR itself (cluster-wide, once per BBR); IGW-441 judges the
 * routes it feeds, per pool, and is "blocked by" them.
 *
 * Upstream read for these checks (research notes: /work/notes/issue16-bbr-research.md):
 * - kubernetes-sigs/gateway-api-inference-extension v1.5.0: cmd/bbr/runner/runner.go,
 *   pkg/bbr/server/options.go (ports 9004/9005/9090, --streaming, --secure-serving default true),
 *   pkg/bbr/server/runserver.go (self-signed TLS), pkg/bbr/handlers/server.go, request.go,
 *   response.go (with --streaming: no answer to request or response headers before end of stream),
 *   pkg/bbr/plugins/basemodelextractor/{base_model_to_header.go,configmap_reconciler.go,adapters_store.go},
 *   config/charts/body-based-routing/{values.yaml,templates/bbr.yaml} (always --streaming; no probes).
 * - envoyproxy/gateway v1.9.1: internal/gatewayapi/envoyextensionpolicy.go (one policy per Gateway,
 *   "Conflicted"; a missing Gateway gets no status), internal/gatewayapi/validate.go (TargetNotFound
 *   for a missing sectionName), internal/xds/translator/extproc.go (processing modes; the filter is
 *   enabled per route), internal/provider/kubernetes/status.go (delete updates skipped: stale status),
 *   api/v1alpha1/ext_proc_types.go (FullDuplexStreamed needs failOpen false).
 */
import {durationMs} from '../../k8s/duration.ts';
import {condition, describeCondition, type EndpointSlice, type ObjectRef} from '../../k8s/objects.ts';
import {newestPods, podReady, worstPodProblem} from '../../k8s/pods.ts';
import {rolloutStatus} from '../../k8s/rollout.ts';
import {resolveTargetPort, serviceReach} from '../../k8s/services.ts';
import {BASE_MODEL_HEADER, BBR_MANAGED_LABEL, bbrViewInScope, policyGateways, routeGateways, type BbrDeployment, type BbrPolicyLink, type BbrView, type HeaderMatch} from '../../model/bbr.ts';
import {policyTargetsGateway, type EnvoyExtensionPolicy, type Gateway, type HTTPRoute} from '../../model/target.ts';
import {GROUP} from '../../snapshot/kinds.ts';
import {access, isLive, items, lookup} from '../../snapshot/query.ts';
import type {Snapshot} from '../../snapshot/types.ts';
import {jsonPatch, yamlBlock} from '../fix.ts';
import {deployRef, notListedDraft, podProblemFix} from '../helpers.ts';
import {error, info, ok, warning, type Check, type Draft} from '../types.ts';

const policyRef = (p: EnvoyExtensionPolicy): ObjectRef => ({apiVersion: `${GROUP.envoy}/v1alpha1`, kind: 'EnvoyExtensionPolicy', namespace: p.metadata.namespace, name: p.metadata.name});
const routeRef = (m: HeaderMatch): ObjectRef => ({apiVersion: `${GROUP.gatewayApi}/v1`, kind: 'HTTPRoute', namespace: m.route.metadata.namespace, name: m.route.metadata.name});
const pname = (p: EnvoyExtensionPolicy): string => `EnvoyExtensionPolicy ${p.metadata.namespace}/${p.metadata.name}`;
const bname = (b: BbrDeployment): string => `${b.deployment.metadata.namespace}/${b.deployment.metadata.name}`;

/** The chart's BBR runs --streaming: Envoy must send it the request body full-duplex; without it, buffered (table in the research notes §1.4). */
const wantRequestBody = (b: BbrDeployment): string => (b.streaming ? 'FullDuplexStreamed' : 'Buffered');

function uniquePolicies(view: BbrView): EnvoyExtensionPolicy[] {
  return [...new Set(view.policies.map((l) => l.policy))];
}

/** The Gateways a policy attaches to (targetRefs by name, targetSelectors by the Gateway's labels). */
function policyOnGateway(p: EnvoyExtensionPolicy, gw: {namespace: string; name: string}, snap: Snapshot): boolean {
  const g = lookup<Gateway>(snap, 'Gateway', gw.namespace, gw.name);
  return policyTargetsGateway(p, {...gw, labels: 'found' in g ? g.found.metadata.labels : undefined});
}

/** Header rules that BBR feeds, by Gateway `ns/name`. */
function headerRoutesByGateway(view: BbrView): Map<string, HeaderMatch[]> {
  const m = new Map<string, HeaderMatch[]>();
  for (const h of view.headerMatches) {
    for (const g of routeGateways(h.route)) {
      const k = `${g.namespace}/${g.name}`;
      m.set(k, [...(m.get(k) ?? []), h]);
    }
  }
  return m;
}

const routeList = (ms: HeaderMatch[]): string => [...new Set(ms.map((m) => `${m.route.metadata.namespace}/${m.route.metadata.name}`))].join(', ');

/** The EnvoyExtensionPolicy an Envoy Gateway user writes for the chart's BBR (research §2.5; no upstream guide has one). */
function bbrPolicyYaml(b: BbrDeployment, gw: {namespace: string; name: string}): string {
  const svc = b.services[0]?.metadata.name ?? b.deployment.metadata.name;
  return `kubectl apply -f - <<'EOF'\n${yamlBlock({
    apiVersion: `${GROUP.envoy}/v1alpha1`,
    kind: 'EnvoyExtensionPolicy',
    metadata: {name: b.deployment.metadata.name, namespace: gw.namespace},
    spec: {
      targetRefs: [{group: GROUP.gatewayApi, kind: 'Gateway', name: gw.name}],
      extProc: [
        {
          backendRefs: [{group: '', kind: 'Service', name: svc, ...(b.deployment.metadata.namespace !== gw.namespace ? {namespace: b.deployment.metadata.namespace} : {}), port: b.grpcPort}],
          processingMode: {request: {body: wantRequestBody(b)}},
          messageTimeout: '5s',
          failOpen: false,
        },
      ],
    },
  })}\nEOF`;
}

export const bbrOnPath: Check = {
  code: 'IGW-435',
  phase: 4,
  scope: 'cluster',
  title: 'Body-based routing: something sets the model header the HTTPRoutes match on',
  readme: {checks: 'Body-based routing: something sets the model header the HTTPRoutes match on', failure: 'no request matches any route (404)'},
  whenAbsent: 'no HTTPRoute matches the model header',
  symptoms: {'ext-proc-not-routing': 20},
  reads: ['HTTPRoute', 'Deployment', 'Service', 'EnvoyExtensionPolicy', 'Gateway', 'Pod', 'ConfigMap'],
  judgesUnreadable: ['Pod', 'ConfigMap'],
  run({snap, target}) {
    const view = bbrViewInScope(snap, target);
    if (view.headerMatches.length === 0 && view.deployments.length === 0) return [];
    const out: Draft[] = [];
    for (const [gwKey, ms] of headerRoutesByGateway(view)) {
      const [gns, gname] = gwKey.split('/') as [string, string];
      const gw = {namespace: gns, name: gname};
      const wired = view.policies.filter((l) => policyOnGateway(l.policy, gw, snap));
      const first = ms[0]!;
      const headers = [...new Set(ms.map((m) => m.header))].join(', ');
      if (wired.length) {
        const l = wired[0]!;
        out.push(
          ok(
            `Gateway ${gwKey}: body-based router ${bname(l.bbr)} (found by ${l.bbr.signals.join(', ')}) is called through ${pname(l.policy)} (Service ${l.backendRef.name}:${l.backendRef.port ?? '?'}) and sets ${headers} for HTTPRoutes ${routeList(ms)}`,
            policyRef(l.policy),
          ),
        );
      } else if (view.deployments.length === 0) {
        out.push(
          warning(
            `HTTPRoutes ${routeList(ms)} on Gateway ${gwKey} match on header ${headers}, but no body-based router (GIE bbr) runs in the cluster: the header is there only if clients send it themselves; other requests match none of those rules`,
            routeRef(first),
            `# install GIE's body-based router (chart body-based-routing v1.5.0) next to the Gateway, then wire it with an EnvoyExtensionPolicy (IGW-435 says how once it runs)\nhelm install body-based-router oci://<registry>/gateway-api-inference-extension/charts/body-based-routing --version v1.5.0 -n ${gns}`,
          ),
        );
      } else {
        const b = view.deployments.find((x) => x.deployment.metadata.namespace === gns) ?? view.deployments[0]!;
        out.push(
          error(
            `HTTPRoutes ${routeList(ms)} on Gateway ${gwKey} match on header ${headers}, which body-based router ${bname(b)} sets — but no EnvoyExtensionPolicy on that Gateway sends requests to it (the body-based-routing chart has no Envoy Gateway provider): the header is never set and no request matches those rules`,
            routeRef(first),
            bbrPolicyYaml(b, gw),
          ),
        );
      }
    }
    for (const b of view.deployments) {
      if (view.policies.some((l) => l.bbr === b) || view.headerMatches.length) continue;
      out.push(info(`body-based router ${bname(b)} runs, but no HTTPRoute matches the headers it sets and no EnvoyExtensionPolicy calls it`, deployRef(b.deployment)));
    }
    return out;
  },
};

export const bbrAvailable: Check = {
  code: 'IGW-436',
  phase: 4,
  scope: 'cluster',
  title: 'Body-based router Deployment is available',
  readme: {checks: 'Body-based router Deployment is available', failure: 'every request fails (ext_proc failOpen false)'},
  whenAbsent: 'no body-based router runs',
  symptoms: {'500': 20, 'ext-proc-not-routing': 20},
  // Pods (runtime state) are judged when readable, else availableReplicas: from manifests this says "not applied"
  // instead of skipping, so the checks that depend on it (IGW-437, IGW-442) still run offline
  reads: ['Deployment', 'Service', 'EnvoyExtensionPolicy', 'Pod', 'HTTPRoute', 'ConfigMap'],
  judgesUnreadable: ['Pod', 'HTTPRoute', 'ConfigMap'],
  run({snap, target}) {
    const view = bbrViewInScope(snap, target);
    const out: Draft[] = [];
    for (const b of view.deployments) {
      const d = b.deployment;
      const dref = deployRef(d);
      const name = `body-based router ${bname(b)}`;
      if (!isLive(snap, d)) {
        out.push(info(`${name} (from files; not applied yet)`, dref));
        continue;
      }
      const links = view.policies.filter((l) => l.bbr === b);
      const failOpen = links.some((l) => l.extProc.failOpen === true);
      // With failOpen false (the default, and required with FullDuplexStreamed) an ext-proc without
      // a healthy upstream fails the request: every route of the Gateway, not only the header ones.
      const impact = links.length
        ? failOpen
          ? `: ${pname(links[0]!.policy)} fails open, so the model header is never set and requests fall to a rule without it (or 404)`
          : `: with failOpen false every request through the Gateway of ${pname(links[0]!.policy)} fails (500), not only the multi-model routes`
        : '';
      const want = d.spec.replicas ?? 1;
      if (want === 0) {
        out.push(error(`${name} is scaled to 0${impact}`, dref, `kubectl scale deployment ${d.metadata.name} -n ${d.metadata.namespace} --replicas=1`));
        continue;
      }
      const failure = condition(d.status?.conditions, 'ReplicaFailure');
      if (failure?.status === 'True') {
        out.push(error(`${name} cannot create pods: ${failure.message ?? failure.reason}${impact}`, dref, `kubectl describe deployment ${d.metadata.name} -n ${d.metadata.namespace}`));
        continue;
      }
      // As IGW-405: judge from the Ready pods in the snapshot, capped by availableReplicas.
      const readyPods = b.pods.filter(podReady).length;
      const available = access(snap, 'Pod', d.metadata.namespace ?? '') === undefined ? Math.min(d.status?.availableReplicas ?? 0, readyPods) : (d.status?.availableReplicas ?? 0);
      const worst = worstPodProblem(newestPods(b.pods));
      if (available < 1) {
        const why = worst ? `${worst.pod.metadata.name}: ${worst.problem.message}` : rolloutStatus(d).message;
        // chart templates/rbac.yaml: BBR lists ConfigMaps; without that Role its cache never syncs and it exits
        const hint = worst?.problem.kind === 'CrashLoop' ? ' (common causes: its ServiceAccount may not list ConfigMaps, a bad --plugin JSON, a port clash — the log says which)' : '';
        out.push(error(`${name} has no available replica — ${why}${hint}${impact}`, dref, worst ? podProblemFix(worst.pod, worst.problem) : `kubectl describe deployment ${d.metadata.name} -n ${d.metadata.namespace}`));
        continue;
      }
      if (worst && worst.problem.kind !== 'NotReady') {
        out.push(warning(`${name}: ${worst.pod.metadata.name}: ${worst.problem.message} (${readyPods} other pod${readyPods === 1 ? '' : 's'} still serve${readyPods === 1 ? 's' : ''})`, dref, podProblemFix(worst.pod, worst.problem)));
        continue;
      }
      // the chart sets no readiness probe (templates/bbr.yaml): "available" means the container runs
      out.push(ok(`${name} available (${available}/${want}), ${b.container.image ?? ''}${b.streaming ? ', --streaming' : ''}`, dref));
    }
    return out;
  },
};

export const bbrService: Check = {
  code: 'IGW-437',
  phase: 4,
  scope: 'cluster',
  title: "Body-based router's Service reaches its gRPC port and has ready endpoints",
  readme: {checks: "Body-based router's Service reaches its gRPC port and has ready endpoints", failure: 'ext_proc to BBR fails (500)'},
  whenAbsent: 'no body-based router runs',
  dependsOn: ['IGW-436'],
  symptoms: {'500': 20, 'ext-proc-not-routing': 20},
  // EndpointSlices and Pods (runtime state) are judged only when readable: the port checks work on manifests too
  reads: ['Service', 'EnvoyExtensionPolicy', 'Deployment', 'Pod', 'HTTPRoute', 'ConfigMap', 'EndpointSlice'],
  judgesUnreadable: ['Pod', 'HTTPRoute', 'ConfigMap', 'EndpointSlice'],
  run({snap, target}) {
    const view = bbrViewInScope(snap, target);
    const out: Draft[] = [];
    const seen = new Set<string>();
    for (const l of view.policies) {
      const ns = l.backendRef.namespace ?? l.policy.metadata.namespace ?? '';
      const key = `${ns}/${l.backendRef.name}:${l.backendRef.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const sref: ObjectRef = {apiVersion: 'v1', kind: 'Service', namespace: ns, name: l.backendRef.name};
      if (!l.service) {
        // Envoy Gateway: Accepted=False Invalid "ExtProc: service <ns>/<name> not found." (golden file envoyextensionpolicy-with-extproc-invalid-no-service.out.yaml)
        out.push(error(`${pname(l.policy)} sends to Service ${ns}/${l.backendRef.name}, which does not exist: Envoy Gateway marks the policy Invalid and BBR is never called`, sref, `kubectl expose deployment ${l.bbr.deployment.metadata.name} -n ${ns} --name ${l.backendRef.name} --port ${l.bbr.grpcPort} --target-port ${l.bbr.grpcPort}`));
        continue;
      }
      const svc = l.service;
      const sp = (svc.spec?.ports ?? []).find((p) => p.port === l.backendRef.port);
      if (!sp) {
        out.push(
          error(
            `${pname(l.policy)} sends to port ${l.backendRef.port ?? '(none)'} of Service ${ns}/${svc.metadata.name}, which has ports ${(svc.spec?.ports ?? []).map((p) => p.port).join(', ') || 'none'}: Envoy Gateway marks the policy Invalid ("TCP Port … not found on service")`,
            policyRef(l.policy),
            jsonPatch('envoyextensionpolicy', l.policy.metadata.namespace, l.policy.metadata.name, [{op: 'replace', path: `/spec/extProc/${l.extProcIndex}/backendRefs/0/port`, value: (svc.spec?.ports ?? []).find((p) => resolveTargetPort(p, l.bbr.deployment)?.port === l.bbr.grpcPort)?.port ?? l.bbr.grpcPort}]),
          ),
        );
        continue;
      }
      const target = resolveTargetPort(sp, l.bbr.deployment);
      if (!target || target.port !== l.bbr.grpcPort) {
        const i = (svc.spec?.ports ?? []).indexOf(sp);
        out.push(
          error(
            `Service ${ns}/${svc.metadata.name} port ${sp.port} ${target ? `reaches container port ${target.port}` : `targets "${sp.targetPort}", a port name BBR does not declare`}, but BBR serves ext-proc gRPC on ${l.bbr.grpcPort} (--grpc-port, default 9004): Envoy cannot reach it`,
            sref,
            jsonPatch('service', ns, svc.metadata.name, [{op: 'replace', path: `/spec/ports/${i}/targetPort`, value: l.bbr.grpcPort}]),
          ),
        );
        continue;
      }
      if (isLive(snap, svc) && access(snap, 'EndpointSlice', ns) === undefined) {
        const reach = serviceReach(svc, items<EndpointSlice>(snap, 'EndpointSlice'), access(snap, 'Pod', ns) === undefined ? l.bbr.pods : undefined);
        if (reach.kind === 'not-listed') {
          out.push(notListedDraft('body-based router Service', svc, reach.pod));
          continue;
        }
        if (reach.kind === 'no-ready-pods') {
          out.push(error(`Service ${ns}/${svc.metadata.name} has no ready endpoints although body-based router ${bname(l.bbr)} is available: its selector does not match the BBR pods`, sref, `kubectl get endpointslices -n ${ns} -l kubernetes.io/service-name=${svc.metadata.name}`));
          continue;
        }
      }
      out.push(ok(`Service ${ns}/${svc.metadata.name}:${sp.port} → BBR gRPC ${l.bbr.grpcPort}${isLive(snap, svc) ? ', endpoints ready' : ''}`, sref));
    }
    return out;
  },
};

export const bbrPolicyAccepted: Check = {
  code: 'IGW-438',
  phase: 4,
  scope: 'cluster',
  title: 'The body-based routing EnvoyExtensionPolicy targets an existing Gateway and is Accepted',
  readme: {checks: 'The body-based routing EnvoyExtensionPolicy targets an existing Gateway and is Accepted', failure: 'BBR not on the path: no route matches'},
  whenAbsent: 'no EnvoyExtensionPolicy calls a body-based router',
  symptoms: {'ext-proc-not-routing': 20},
  reads: ['EnvoyExtensionPolicy', 'Gateway', 'HTTPRoute', 'Deployment', 'Service', 'Pod', 'ConfigMap'],
  judgesUnreadable: ['Pod', 'ConfigMap'],
  run({snap, target}) {
    const view = bbrViewInScope(snap, target);
    const byGw = headerRoutesByGateway(view);
    const out: Draft[] = [];
    for (const p of uniquePolicies(view)) {
      const pref = policyRef(p);
      const ns = p.metadata.namespace ?? '';
      const fed = policyGateways(p).flatMap((g) => byGw.get(`${g.namespace}/${g.name}`) ?? []);
      const consequence = `BBR is never called, so the model header is never set and no request matches the header rules${fed.length ? ` of HTTPRoutes ${routeList(fed)}` : ''} (they fall to a rule without the header, or 404)`;
      const issues: {msg: string; fix?: string | undefined}[] = [];
      const ancestors = isLive(snap, p) ? (p.status?.ancestors ?? []) : [];
      const statusSays = (gw: string, reason: string) => ancestors.some((a) => a.ancestorRef.name === gw && condition(a.conditions, 'Accepted')?.reason === reason);
      policyGateways(p).forEach((t) => {
        const idx = (p.spec?.targetRefs ?? []).findIndex((r) => r.name === t.name && r.sectionName === t.sectionName);
        const g = lookup<Gateway>(snap, 'Gateway', t.namespace, t.name);
        if ('absent' in g) {
          // EG v1.9.1 envoyextensionpolicy.go processEnvoyExtensionPolicyForGateway returns before writing any
          // status when the Gateway is not in its translation; status.go skips delete updates, so an old
          // Accepted=True may still be there. Judge from the Gateway lookup, never from that status.
          const routeGw = [...byGw.keys()].find((k) => k.startsWith(`${ns}/`));
          issues.push({
            msg: `targets Gateway ${t.name}, which does not exist in ${ns} — Envoy Gateway writes no status for such a policy (an old Accepted=True stays)`,
            fix: routeGw && idx >= 0 ? jsonPatch('envoyextensionpolicy', ns, p.metadata.name, [{op: 'replace', path: `/spec/targetRefs/${idx}/name`, value: routeGw.split('/')[1]}]) : undefined,
          });
          return;
        }
        if ('found' in g && t.sectionName && !(g.found.spec?.listeners ?? []).some((l) => l.name === t.sectionName) && !statusSays(t.name, 'TargetNotFound')) {
          // internal/gatewayapi/validate.go validateGatewayListenerSectionName
          const listeners = (g.found.spec?.listeners ?? []).map((l) => l.name);
          issues.push({
            msg: `targets listener ${t.sectionName} of Gateway ${t.name}, which has listeners ${listeners.join(', ') || 'none'} (Envoy Gateway: TargetNotFound "No section name ${t.sectionName} found for Gateway ${ns}/${t.name}")`,
            fix: idx >= 0 ? jsonPatch('envoyextensionpolicy', ns, p.metadata.name, listeners.length === 1 ? [{op: 'replace', path: `/spec/targetRefs/${idx}/sectionName`, value: listeners[0]}] : [{op: 'remove', path: `/spec/targetRefs/${idx}/sectionName`}]) : undefined,
          });
        }
      });
      for (const a of ancestors) {
        const c = condition(a.conditions, 'Accepted');
        if (!c || c.status === 'True') continue;
        const where = `${a.ancestorRef.kind ?? 'Gateway'} ${a.ancestorRef.name}${a.ancestorRef.sectionName ? `/${a.ancestorRef.sectionName}` : ''}`;
        if (c.reason === 'Conflicted') {
          // resolveEnvoyExtensionPolicyGatewayTargetRef: one EnvoyExtensionPolicy per Gateway (per listener with
          // sectionName); the oldest wins (creationTimestamp, then name).
          issues.push({
            msg: `on ${where}: ${describeCondition(c)} — Envoy Gateway attaches one EnvoyExtensionPolicy per Gateway (per listener with sectionName) and the older one wins: put BBR as the first extProc entry of the policy that holds the Gateway, or remove the other policy`,
            fix: `kubectl get envoyextensionpolicies -n ${ns} -o custom-columns=NAME:.metadata.name,CREATED:.metadata.creationTimestamp,TARGETS:.spec.targetRefs`,
          });
        } else if (c.reason === 'TargetNotFound' && a.ancestorRef.sectionName) {
          const g = lookup<Gateway>(snap, 'Gateway', a.ancestorRef.namespace ?? ns, a.ancestorRef.name);
          const listeners = 'found' in g ? (g.found.spec?.listeners ?? []).map((l) => l.name) : [];
          const idx = (p.spec?.targetRefs ?? []).findIndex((r) => r.name === a.ancestorRef.name && r.sectionName === a.ancestorRef.sectionName);
          issues.push({
            msg: `on ${where}: ${describeCondition(c)} — the Gateway's listeners are ${listeners.join(', ') || 'unknown'}`,
            fix:
              idx >= 0
                ? jsonPatch('envoyextensionpolicy', ns, p.metadata.name, listeners.length === 1 ? [{op: 'replace', path: `/spec/targetRefs/${idx}/sectionName`, value: listeners[0]}] : [{op: 'remove', path: `/spec/targetRefs/${idx}/sectionName`}])
                : `kubectl describe envoyextensionpolicy ${p.metadata.name} -n ${ns}`,
          });
        } else {
          issues.push({msg: `on ${where}: ${describeCondition(c)}`, fix: `kubectl describe envoyextensionpolicy ${p.metadata.name} -n ${ns}`});
        }
      }
      if (issues.length) {
        out.push(error(`${pname(p)} (body-based routing) ${issues.map((i) => i.msg).join('; ')}: ${consequence}`, pref, issues.map((i) => i.fix).filter(Boolean).join('\n') || undefined));
        continue;
      }
      if (!isLive(snap, p)) {
        out.push(info(`${pname(p)} (body-based routing, from files; not applied yet)`, pref));
        continue;
      }
      if (ancestors.length === 0) {
        out.push(warning(`${pname(p)} (body-based routing) has no status: Envoy Gateway has not processed it (controller down, or the Gateway is not Envoy Gateway's)`, pref, `kubectl describe envoyextensionpolicy ${p.metadata.name} -n ${ns}`));
        continue;
      }
      // A route- or listener-level EnvoyExtensionPolicy overrides (does not merge with) the Gateway-level one.
      const over = ancestors.map((a) => condition(a.conditions, 'Overridden')).find((c) => c?.status === 'True');
      if (over) {
        out.push(warning(`${pname(p)} (body-based routing) is overridden: ${over.message ?? over.reason} — BBR does not run there, so those routes never see the model header`, pref, `kubectl get envoyextensionpolicies -A`));
        continue;
      }
      out.push(ok(`${pname(p)} (body-based routing) Accepted on ${ancestors.map((a) => `${a.ancestorRef.kind ?? 'Gateway'} ${a.ancestorRef.name}`).join(', ')}`, pref));
    }
    return out;
  },
};

export const bbrExtProcModes: Check = {
  code: 'IGW-439',
  phase: 4,
  scope: 'cluster',
  title: 'ext-proc to the body-based router: body modes and timeout fit how BBR runs',
  readme: {checks: 'ext-proc to the body-based router: body modes and timeout fit how BBR runs', failure: 'requests hang until messageTimeout; streaming held back'},
  whenAbsent: 'no EnvoyExtensionPolicy calls a body-based router',
  symptoms: {'no-streaming': 20, '500': 20, 'high-latency': 20},
  reads: ['EnvoyExtensionPolicy', 'Deployment', 'Service', 'Pod', 'HTTPRoute', 'ConfigMap'],
  judgesUnreadable: ['Pod', 'HTTPRoute', 'ConfigMap'],
  run({snap, target}) {
    const out: Draft[] = [];
    for (const l of bbrViewInScope(snap, target).policies) {
      const p = l.policy;
      const e = l.extProc;
      const pref = policyRef(p);
      const path = `/spec/extProc/${l.extProcIndex}`;
      const name = `${pname(p)} (body-based routing)`;
      const patch = (ops: unknown[]) => jsonPatch('envoyextensionpolicy', p.metadata.namespace, p.metadata.name, ops);
      const b = l.bbr;
      const want = wantRequestBody(b);
      const mode = b.streaming ? 'runs with --streaming (as the body-based-routing chart always starts it)' : 'runs without --streaming';
      const before = out.length;
      const req = e.processingMode?.request;
      const resp = e.processingMode?.response;
      // internal/xds/translator/extproc.go buildProcessingMode: no processingMode.request → request headers and body skipped
      if (!req) {
        out.push(error(`${name} sends no request to BBR (no processingMode.request: Envoy Gateway skips request headers and body), so the model header is never set`, pref, patch([{op: 'add', path: `${path}/processingMode`, value: {request: {body: want}}}])));
      } else if (req.body !== want) {
        // pkg/bbr/handlers/server.go: with --streaming BBR answers the request headers only after the whole
        // body arrived; in Buffered/Streamed/BufferedPartial (or no body) Envoy sends the body only after that answer.
        const msg = b.streaming
          ? `${name} sends the request body ${req.body ?? '(not at all)'}, but BBR ${mode}: BBR answers the request headers only after the whole body has arrived, while Envoy in that mode waits for that answer before sending the body — every request hangs until messageTimeout (${e.messageTimeout ?? '200ms'}) and fails (500/504)`
          : `${name} sends the request body ${req.body ?? '(not at all)'}, but BBR ${mode}: it sets the headers in its body response, which Envoy applies only with request body Buffered — the model header may never be set`;
        out.push((b.streaming ? error : warning)(msg, pref, patch([{op: 'replace', path: `${path}/processingMode/request`, value: {body: want}}])));
      }
      if (resp) {
        // BBR needs no response events (no response plugins by default). pkg/bbr/handlers/response.go
        // HandleResponseHeaders: with --streaming it answers the response headers only at end of stream.
        const fix = patch([{op: 'remove', path: `${path}/processingMode/response`}]);
        if (b.streaming && resp.body !== 'FullDuplexStreamed') {
          out.push(error(`${name} sends responses to BBR (response ${resp.body ? `body ${resp.body}` : 'headers'}), but BBR ${mode} and answers the response headers only once the whole response has arrived, while Envoy waits for that answer first — every response hangs until messageTimeout and fails (500/504); BBR needs no response events`, pref, fix));
        } else if (b.streaming || resp.body === 'Buffered' || resp.body === 'BufferedPartial') {
          out.push(warning(`${name} sends responses to BBR (response body ${resp.body}): BBR holds each response until it is complete, so streamed completions (stream: true) reach the client in one piece at the end; BBR needs no response events`, pref, fix));
        }
      }
      if ((req?.body === 'FullDuplexStreamed' || resp?.body === 'FullDuplexStreamed') && e.failOpen === true) {
        // api/v1alpha1/ext_proc_types.go CEL rule
        out.push(error(`${name} uses FullDuplexStreamed with failOpen: true; Envoy Gateway rejects that ("If FullDuplexStreamed body processing mode is used, FailOpen must be false.")`, pref, patch([{op: 'replace', path: `${path}/failOpen`, value: false}])));
      }
      const t = durationMs(e.messageTimeout);
      if (t === undefined || t < 1000) {
        out.push(
          warning(
            `${name} ${e.messageTimeout ? `has messageTimeout ${e.messageTimeout}` : 'sets no messageTimeout (Envoy Gateway default 200ms)'}: BBR answers only after the whole request body has arrived, which takes longer for a long prompt from a slow client — ext-proc then fails the request (500/504)`,
            pref,
            patch([{op: 'add', path: `${path}/messageTimeout`, value: '5s'}]),
          ),
        );
      }
      if (out.length === before) out.push(ok(`${name}: request body ${req?.body}, no response processing, messageTimeout ${e.messageTimeout}, failOpen ${e.failOpen ?? false} — fits BBR ${b.streaming ? '--streaming' : '(not streaming)'}`, pref));
    }
    return out;
  },
};

export const bbrTls: Check = {
  code: 'IGW-440',
  phase: 4,
  scope: 'cluster',
  title: 'Envoy talks to the body-based router the way it serves (TLS or plaintext)',
  readme: {checks: 'Envoy talks to the body-based router the way it serves (TLS or plaintext)', failure: 'gRPC status 14 between Envoy and BBR'},
  whenAbsent: 'no EnvoyExtensionPolicy calls a body-based router',
  symptoms: {'500': 20, 'ext-proc-not-routing': 20},
  reads: ['EnvoyExtensionPolicy', 'Deployment', 'Service', 'Pod', 'HTTPRoute', 'ConfigMap'],
  judgesUnreadable: ['Pod', 'HTTPRoute', 'ConfigMap'],
  run({snap, target}) {
    const out: Draft[] = [];
    const seen = new Set<BbrPolicyLink['bbr']>();
    for (const l of bbrViewInScope(snap, target).policies) {
      if (seen.has(l.bbr)) continue;
      seen.add(l.bbr);
      const b = l.bbr;
      const d = b.deployment;
      const ci = d.spec.template.spec.containers.indexOf(b.container);
      if (!b.secureServing) {
        out.push(ok(`body-based router ${bname(b)} serves plaintext gRPC (--secure-serving=false), as ${pname(l.policy)} expects`, deployRef(d)));
        continue;
      }
      // pkg/bbr/server/options.go: --secure-serving defaults to true; runserver.go serves a self-signed cert.
      // A Service backendRef in an EnvoyExtensionPolicy is plaintext gRPC (BackendTLSPolicy cannot verify a
      // per-start self-signed cert); Istio's chart provider adds a DestinationRule with insecureSkipVerify for this.
      const args = d.spec.template.spec.containers[ci]?.args ?? [];
      const split = args.findIndex((a, i) => a === '--secure-serving' && /^false$/i.test(args[i + 1] ?? ''));
      const why = b.secureServingSplitFalse
        ? 'its args have "--secure-serving" "false" as two arguments (the body-based-routing chart v1.5.0 renders bbr.flags that way), which the flag parser reads as --secure-serving=true'
        : '--secure-serving defaults to true';
      out.push(
        error(
          `body-based router ${bname(b)} serves TLS on ${b.grpcPort} (${why}), but ${pname(l.policy)} talks plain gRPC to it: every ext-proc call fails (gRPC status 14) and requests get 500`,
          deployRef(d),
          split >= 0 && ci >= 0
            ? jsonPatch('deployment', d.metadata.namespace, d.metadata.name, [
                {op: 'replace', path: `/spec/template/spec/containers/${ci}/args/${split}`, value: '--secure-serving=false'},
                {op: 'remove', path: `/spec/template/spec/containers/${ci}/args/${split + 1}`},
              ])
            : jsonPatch('deployment', d.metadata.namespace, d.metadata.name, [{op: 'add', path: `/spec/template/spec/containers/${ci}/args/-`, value: '--secure-serving=false'}]),
        ),
      );
    }
    return out;
  },
};

export const bbrConfigMaps: Check = {
  code: 'IGW-441',
  phase: 4,
  scope: 'cluster',
  title: "Body-based routing ConfigMaps (base model ↔ adapters) are valid and visible to BBR",
  readme: {checks: "Body-based routing ConfigMaps (base model ↔ adapters) are valid and visible to BBR", failure: 'model header empty: no base-model route matches'},
  whenAbsent: 'no body-based router reads base-model ConfigMaps',
  reads: ['ConfigMap', 'Deployment', 'Pod', 'Service', 'EnvoyExtensionPolicy', 'HTTPRoute'],
  judgesUnreadable: ['Pod', 'Service', 'EnvoyExtensionPolicy', 'HTTPRoute'],
  run({snap, target}) {
    const view = bbrViewInScope(snap, target);
    if (view.deployments.length === 0) return [];
    const out: Draft[] = [];
    const owner = new Map<string, string>();
    for (const c of view.configMaps) {
      const cref: ObjectRef = {apiVersion: 'v1', kind: 'ConfigMap', namespace: c.cm.metadata.namespace, name: c.cm.metadata.name};
      if (c.problem) {
        // configmap_reconciler.go: baseModel is required; adapters a YAML list of strings
        out.push(error(`ConfigMap ${c.cm.metadata.namespace}/${c.cm.metadata.name} (${BBR_MANAGED_LABEL}=true): ${c.problem} — BBR's reconciler rejects it, so its models map to an empty ${BASE_MODEL_HEADER}`, cref, `kubectl edit configmap ${c.cm.metadata.name} -n ${c.cm.metadata.namespace}`));
        continue;
      }
      // env NAMESPACE (the chart sets it unless bbr.multiNamespace) limits BBR's ConfigMap cache to its own namespace
      const blind = view.deployments.filter((b) => b.container.env?.some((e) => e.name === 'NAMESPACE')).filter((b) => b.deployment.metadata.namespace !== c.cm.metadata.namespace);
      if (blind.length === view.deployments.length) {
        out.push(warning(`ConfigMap ${c.cm.metadata.namespace}/${c.cm.metadata.name} is outside the namespace of body-based router ${bname(blind[0]!)}, which reads ConfigMaps only in its own namespace (env NAMESPACE): its models are not mapped`, cref));
        continue;
      }
      for (const a of c.adapters) {
        const prev = owner.get(a);
        if (prev && prev !== c.baseModel) out.push(warning(`adapter ${a} is listed for base models ${prev} and ${c.baseModel}: BBR maps it to whichever ConfigMap it read last (adapters_store.go)`, cref));
        owner.set(a, c.baseModel!);
      }
    }
    if (out.length === 0 && view.configMaps.length) out.push(ok(`${view.configMaps.length} ConfigMap${view.configMaps.length === 1 ? '' : 's'} map models to base models ${[...new Set(view.configMaps.map((c) => c.baseModel))].join(', ')}`));
    return out;
  },
};

export const bbrRoutes: Check = {
  code: 'IGW-442',
  phase: 4,
  scope: 'chain',
  title: 'HTTPRoutes that match on the model header can be reached through body-based routing',
  readme: {checks: 'HTTPRoutes that match on the model header can be reached through body-based routing', failure: 'requests for that model match no route'},
  whenAbsent: 'no route of this pool matches the model header',
  // the routes are fed by BBR: when BBR is down, unwired or mis-moded, that is the root cause
  dependsOn: ['IGW-435', 'IGW-436', 'IGW-437', 'IGW-438', 'IGW-439', 'IGW-440', 'IGW-441'],
  symptoms: {'ext-proc-not-routing': 20},
  reads: ['HTTPRoute', 'ConfigMap', 'Deployment', 'Service', 'EnvoyExtensionPolicy', 'Pod'],
  judgesUnreadable: ['Pod'],
  run({chain, snap, target}) {
    const view = bbrViewInScope(snap, target);
    const routes = new Set(chain.routes.map((r) => r.route));
    const mine = view.headerMatches.filter((m) => routes.has(m.route) && (m.route.spec?.rules?.[m.ruleIndex]?.backendRefs ?? []).some((b) => b.kind === 'InferencePool' && b.name === chain.name));
    if (mine.length === 0 || view.deployments.length === 0) return [];
    const out: Draft[] = [];
    const baseModels = new Set(view.configMaps.filter((c) => !c.problem).map((c) => c.baseModel!));
    // Only a BBR with the base-model-to-header plugin maps models through the ConfigMaps (a custom
    // body-field-to-header plugin may write the header from the raw model instead).
    const fromConfigMaps = view.deployments.some((d) => d.baseModelFromConfigMaps);
    for (const m of mine) {
      if (!fromConfigMaps || m.which !== BASE_MODEL_HEADER || m.type !== 'Exact') continue;
      if (!baseModels.has(m.value)) {
        // base_model_to_header.go: a model in no ConfigMap gets X-Gateway-Base-Model-Name "" (set, empty)
        out.push(
          error(
            `HTTPRoute ${m.route.metadata.namespace}/${m.route.metadata.name} rule ${m.ruleIndex} matches ${m.header}: ${m.value}, but no ConfigMap labelled ${BBR_MANAGED_LABEL}=true has baseModel ${m.value}${baseModels.size ? ` (base models: ${[...baseModels].join(', ')})` : ''}: BBR sets the header to "" for such a model, so the rule never matches`,
            routeRef(m),
            `kubectl apply -f - <<'EOF'\n${yamlBlock({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: `${m.value.replace(/[^a-z0-9-]+/gi, '-').toLowerCase().replace(/^-+|-+$/g, '')}-adapters`, namespace: view.deployments[0]!.deployment.metadata.namespace, labels: {[BBR_MANAGED_LABEL]: 'true'}}, data: {baseModel: m.value}})}\nEOF`,
          ),
        );
      }
    }
    // Envoy Gateway enables an EnvoyExtensionPolicy's ext-proc per route, from the route matched before BBR
    // ran (internal/xds/translator/extproc.go; envoyproxy/gateway#9444): a rule without the header match must
    // exist on the Gateway for BBR to run at all. Mechanism read from source, not observed: a warning.
    for (const g of new Set(mine.flatMap((m) => routeGateways(m.route).map((x) => `${x.namespace}/${x.name}`)))) {
      const catchAll = items<HTTPRoute>(snap, 'HTTPRoute').some(
        (r) =>
          routeGateways(r).some((x) => `${x.namespace}/${x.name}` === g) &&
          (r.spec?.rules ?? []).some((rule) => {
            // no matches = Gateway API's default match (PathPrefix /)
            const matches = (rule.matches ?? []) as {headers?: {name: string}[]}[];
            return matches.length === 0 || matches.some((mm) => !(mm.headers ?? []).some((h) => /^x-gateway-(base-)?model-name$/i.test(h.name)));
          }),
      );
      if (!catchAll) {
        out.push(
          warning(
            `every HTTPRoute rule on Gateway ${g} requires the model header: on Envoy Gateway the ext-proc to BBR is enabled per route, chosen before BBR has set the header, so a fresh request matches no route, BBR never runs and Envoy answers 404 — add a rule without the header match (a default pool)`,
            routeRef(mine[0]!),
          ),
        );
      }
    }
    if (out.length === 0) out.push(ok(`HTTPRoutes ${routeList(mine)} → InferencePool ${chain.key} on ${[...new Set(mine.map((m) => `${m.header}: ${m.value}`))].join(', ')}`));
    return out;
  },
};

