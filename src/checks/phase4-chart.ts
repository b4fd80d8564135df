/*
 * Phase 4 — this chart: the release itself, the Gateway, the EPP Deployment and Service, the
 * HTTPRoute to the pool, the EnvoyExtensionPolicy (wiring a), one EPP per pool. Replaces the
 * install notes' VERIFICATION COMMANDS, MULTIPLE MODELS and TROUBLESHOOTING 1/3/5.
 */
import type {KubeObject} from '../kube/client.ts';
import {GROUP, kindKeyOf} from '../snapshot/kinds.ts';
import {access, inNamespace, isLive, items, lookup, partial} from '../snapshot/query.ts';
import type {Snapshot} from '../snapshot/types.ts';
import {
  argValue,
  condition,
  describeCondition,
  newestPods,
  podReady,
  resolveTargetPort,
  rolloutStatus,
  selectorMatches,
  serviceEndpoints,
  worstPodProblem,
  type Deployment,
  type EndpointSlice,
  type ObjectRef,
  type Service,
} from './k8s.ts';
import {error, info, ok, skipped, warning, type Check, type Draft} from './types.ts';
import {chartRef, jsonPatch, mergePatch, yamlBlock} from './fix.ts';
import {podProblemFix} from './phase3-model-serving.ts';
import {envoyGatewayVersion, versionBelow} from './phase2-envoy-gateway.ts';
import {egControllerName, egForChain} from './wiring.ts';
import {gatewayRef, poolRef, policyTargets, releaseRef, type ChartRelease, type EnvoyExtensionPolicy, type EppInfo, type Gateway, type HTTPRoute, type PoolChain} from './target.ts';
import {wiringOf} from './wiring.ts';
import {can} from './rbac.ts';

const deployRef = (d: KubeObject): ObjectRef => ({apiVersion: 'apps/v1', kind: 'Deployment', namespace: d.metadata.namespace, name: d.metadata.name});
const svcRef = (ns: string, name: string): ObjectRef => ({apiVersion: 'v1', kind: 'Service', namespace: ns, name});
const routeRef = (r: HTTPRoute): ObjectRef => ({apiVersion: `${GROUP.gatewayApi}/v1`, kind: 'HTTPRoute', namespace: r.metadata.namespace, name: r.metadata.name});
const policyRef = (p: KubeObject): ObjectRef => ({apiVersion: `${GROUP.envoy}/v1alpha1`, kind: 'EnvoyExtensionPolicy', namespace: p.metadata.namespace, name: p.metadata.name});
const secretRef = (r: ChartRelease): ObjectRef => releaseRef(r);

function reapply(r: ChartRelease): string {
  return `helm get manifest ${r.release.name} -n ${r.release.namespace} | kubectl apply -f -`;
}

function helmSet(r: ChartRelease, set: string): string {
  return `helm upgrade ${r.release.name} ${chartRef(r.release.chart)} -n ${r.release.namespace} --reuse-values --set ${set}`;
}

export const releaseStatus: Check = {
  code: 'IGW-401',
  phase: 4,
  scope: 'chain',
  title: 'inference-gateway release is deployed',
  symptoms: ['epp-not-starting', 'config-not-applied'],
  reads: ['HelmReleaseSecret'],
  run({chain}) {
    const r = chain.release;
    if (!r || r.release.status === 'rendered') return [];
    const rel = r.release;
    const what = `release ${rel.namespace}/${rel.name} revision ${rel.revision} (${rel.chart.name}-${rel.chart.version})`;
    if (rel.status !== 'deployed') {
      return [error(`${what} is ${rel.status}, and no revision is deployed`, secretRef(r), `helm history ${rel.name} -n ${rel.namespace}`)];
    }
    if (rel.latest) {
      const pending = rel.latest.status.startsWith('pending');
      return [
        warning(
          `${what} is what runs, but revision ${rel.latest.revision} is ${rel.latest.status}${pending ? ' (an interrupted helm operation blocks further upgrades)' : ': the last upgrade did not apply'}`,
          secretRef(r),
          pending ? `helm rollback ${rel.name} ${rel.revision} -n ${rel.namespace}` : `helm history ${rel.name} -n ${rel.namespace}   # see why revision ${rel.latest.revision} failed`,
        ),
      ];
    }
    return [ok(`${what} deployed`, secretRef(r))];
  },
};

type Json = unknown;

/** Every field of `want` is in `have` with the same value (server defaults in `have` are ignored). */
export function subset(want: Json, have: Json): boolean {
  if (want === null || want === undefined) return true;
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || have.length !== want.length) return false;
    return want.every((w, i) => subset(w, have[i]));
  }
  if (typeof want === 'object') {
    if (typeof have !== 'object' || have === null) return false;
    return Object.entries(want as Record<string, Json>).every(([k, v]) => subset(v, (have as Record<string, Json>)[k]));
  }
  // helm renders numbers and strings as YAML; the API may have turned "9002" into 9002 or back
  return String(want) === String(have);
}

/** The parts of an object whose drift matters to doctor (what the chart sets and nothing defaults). */
function driftView(o: KubeObject): Json {
  const x = o as KubeObject & {spec?: Record<string, Json>; data?: Json};
  switch (o.kind) {
    case 'Deployment': {
      const d = o as Deployment;
      return {containers: (d.spec?.template?.spec?.containers ?? []).map((c) => ({name: c.name, image: c.image, args: c.args}))};
    }
    case 'Service':
      return {selector: x.spec?.selector, ports: ((x.spec?.ports as {port: number; targetPort?: Json}[] | undefined) ?? []).map((p) => ({port: p.port, targetPort: p.targetPort}))};
    case 'ConfigMap':
      return {data: x.data};
    case 'Gateway':
    case 'EnvoyExtensionPolicy':
    case 'HTTPRoute':
    case 'InferencePool':
      return {spec: x.spec};
    default:
      return undefined;
  }
}

export const releaseObjectsPresent: Check = {
  code: 'IGW-402',
  phase: 4,
  scope: 'chain',
  title: "The release's objects exist as rendered",
  dependsOn: ['IGW-401'],
  reads: ['HelmReleaseSecret'],
  symptoms: ['epp-not-starting', 'ext-proc-not-routing', 'config-not-applied'],
  run({chain, snap}) {
    const r = chain.release;
    if (!r || r.release.status === 'rendered') return [];
    const missing: string[] = [];
    const drifted: string[] = [];
    const unknown: string[] = [];
    for (const o of r.release.manifest) {
      const key = kindKeyOf(o.apiVersion, o.kind);
      if (!key) continue;
      const ns = o.metadata.namespace ?? r.release.namespace;
      const l = lookup(snap, key, ns, o.metadata.name);
      const name = `${o.kind} ${o.metadata.name}`;
      if ('unknown' in l) unknown.push(name);
      else if ('absent' in l) missing.push(name);
      else {
        const want = driftView(o);
        if (want !== undefined && isLive(snap, l.found) && !subset(want, driftView(l.found))) drifted.push(name);
      }
    }
    const out: Draft[] = [];
    if (missing.length) {
      out.push(error(`release ${r.release.name} rendered ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} missing from the cluster (deleted by hand?)`, secretRef(r), reapply(r)));
    }
    if (drifted.length) {
      out.push(
        warning(
          `${drifted.join(', ')} differ${drifted.length === 1 ? 's' : ''} from what release ${r.release.name} rendered (edited by hand?); the next helm upgrade will undo the edit`,
          secretRef(r),
          `helm get manifest ${r.release.name} -n ${r.release.namespace} | kubectl diff -f -`,
        ),
      );
    }
    if (out.length === 0) out.push(ok(`${r.release.manifest.length} rendered objects present${unknown.length ? ` (${unknown.length} not readable)` : ''}`, secretRef(r)));
    return out;
  },
};

export const gatewayExists: Check = {
  code: 'IGW-403',
  phase: 4,
  scope: 'chain',
  title: 'Gateway exists',
  dependsOn: ['IGW-103'],
  symptoms: ['gateway-not-programmed', '500'],
  reads: ['Gateway'],
  run({chain, snap}) {
    const out: Draft[] = [];
    for (const g of chain.gateways) {
      const gref = gatewayRef(g);
      if ('unknown' in g.lookup) {
        out.push(skipped(`skipped: Gateway ${g.namespace}/${g.name}: ${g.lookup.unknown.message}`, gref, g.lookup.unknown.rule));
        continue;
      }
      if ('found' in g.lookup) {
        out.push(ok(`Gateway ${g.namespace}/${g.name} (class ${g.lookup.found.spec?.gatewayClassName ?? '?'})`, gref));
        continue;
      }
      // A route's parentRef to a Gateway that does not exist, while this chain's own (release) Gateway
      // does: the route is misattached — IGW-408 reports it with the fix to the route; creating a
      // second Gateway would be the wrong fix.
      const ownGateway = chain.gateways.find((o) => o !== g && o.via.includes('release') && 'found' in o.lookup);
      if (ownGateway && !g.via.includes('release') && !g.via.includes('policy')) {
        out.push(info(`Gateway ${g.namespace}/${g.name} named by an HTTPRoute does not exist; this pool's Gateway is ${ownGateway.namespace}/${ownGateway.name} (see IGW-408)`, gref));
        continue;
      }
      const who = g.via.includes('release') ? `release ${chain.release?.release.name}` : g.via.includes('route') ? `HTTPRoute ${chain.routes.find((l) => (l.route.spec?.parentRefs ?? []).some((p) => p.name === g.name))?.route.metadata.name ?? ''}` : 'an EnvoyExtensionPolicy';
      const fix = chain.release && g.via.includes('release') && chain.release.gateway
        ? reapply(chain.release)
        : `kubectl apply -f - <<'EOF'\n${yamlBlock({
            apiVersion: `${GROUP.gatewayApi}/v1`,
            kind: 'Gateway',
            metadata: {name: g.name, namespace: g.namespace},
            spec: {gatewayClassName: chain.release?.gatewayClassName ?? firstEnvoyClass(snap) ?? 'eg', listeners: [{name: 'http', protocol: 'HTTP', port: chain.release?.gatewayPort ?? 80, allowedRoutes: {namespaces: {from: 'All'}}}]},
          })}\nEOF`;
      out.push(error(`Gateway ${g.namespace}/${g.name}, named by ${who}, does not exist`, gref, fix));
    }
    return out;
  },
};

function firstEnvoyClass(snap: Snapshot): string | undefined {
  const ctl = egControllerName(snap); // the first Envoy Gateway install's
  return items<KubeObject & {spec?: {controllerName?: string}}>(snap, 'GatewayClass').find((c) => c.spec?.controllerName === ctl)?.metadata.name;
}

export const gatewayProgrammed: Check = {
  code: 'IGW-404',
  phase: 4,
  scope: 'chain',
  title: 'Gateway is Accepted and Programmed, listener port as configured',
  dependsOn: ['IGW-403', 'IGW-203', 'IGW-201'],
  symptoms: ['gateway-not-programmed'],
  run({chain, snap}) {
    const out: Draft[] = [];
    for (const g of chain.gateways) {
      if (!('found' in g.lookup)) continue;
      const gw = g.lookup.found;
      const gref = gatewayRef(g);
      const listeners = gw.spec?.listeners ?? [];
      if (chain.release?.gatewayPort !== undefined && g.via.includes('release') && !listeners.some((l) => l.port === chain.release!.gatewayPort)) {
        out.push(
          error(
            `Gateway ${g.namespace}/${g.name} listens on ${listeners.map((l) => l.port).join(', ') || 'no port'}, but release ${chain.release.release.name} sets gateway.port ${chain.release.gatewayPort}`,
            gref,
            reapply(chain.release),
          ),
        );
      }
      if (!isLive(snap, gw)) continue;
      const conds = gw.status?.conditions ?? [];
      const accepted = condition(conds, 'Accepted');
      const programmed = condition(conds, 'Programmed');
      if (accepted?.status === 'False') {
        out.push(error(`Gateway ${g.namespace}/${g.name} is not Accepted: ${describeCondition(accepted)}`, gref, `kubectl describe gateway ${g.name} -n ${g.namespace}`));
        continue;
      }
      if (programmed?.status !== 'True') {
        const why = describeCondition(programmed, 'Programmed');
        const hint =
          programmed?.reason === 'AddressNotAssigned'
            ? ' — the proxy Service got no address (a LoadBalancer Service pending on a cluster without a load-balancer controller?)'
            : !programmed
              ? ' — no controller has reconciled it (is Envoy Gateway running and the GatewayClass accepted?)'
              : '';
        const fix =
          programmed?.reason === 'AddressNotAssigned'
            ? `kubectl get svc -n ${egForChain(snap, chain)?.namespace ?? 'envoy-gateway-system'} -l gateway.envoyproxy.io/owning-gateway-name=${g.name},gateway.envoyproxy.io/owning-gateway-namespace=${g.namespace}`
            : `kubectl describe gateway ${g.name} -n ${g.namespace}`;
        out.push(error(`Gateway ${g.namespace}/${g.name} is not Programmed: ${why}${hint}`, gref, fix));
        continue;
      }
      const badListener = (gw.status?.listeners ?? []).flatMap((l) => (l.conditions ?? []).filter((c) => c.status === 'False' && c.type !== 'Conflicted').map((c) => ({l, c})));
      const conflicted = (gw.status?.listeners ?? []).flatMap((l) => (l.conditions ?? []).filter((c) => c.type === 'Conflicted' && c.status === 'True').map((c) => ({l, c})));
      for (const {l, c} of [...badListener, ...conflicted]) {
        out.push(error(`listener ${l.name} of Gateway ${g.namespace}/${g.name}: ${describeCondition(c)}`, gref, `kubectl describe gateway ${g.name} -n ${g.namespace}`));
      }
      if (badListener.length === 0 && conflicted.length === 0) {
        const addr = gw.status?.addresses?.map((a) => a.value).join(', ');
        out.push(ok(`Gateway ${g.namespace}/${g.name} Programmed; listeners ${listeners.map((l) => `${l.name}:${l.port}/${l.protocol}`).join(', ')}${addr ? `; address ${addr}` : ''}`, gref));
      }
    }
    return out;
  },
};

/** Whether the EPP's ServiceAccount lacks a permission IGW-501 checks (pods / InferencePools in the pool's namespace). */
function rbacGap(snap: Snapshot, e: EppInfo): boolean {
  const sa = {namespace: e.deployment.metadata.namespace ?? '', name: e.deployment.spec.template.spec.serviceAccountName ?? 'default'};
  for (const p of [{group: '', resource: 'pods'}, {group: e.poolGroup, resource: 'inferencepools'}]) {
    const v = can(snap, sa, {...p, verb: 'list', namespace: e.poolNamespace});
    if ('allowed' in v && !v.allowed) return true;
  }
  return false;
}

function eppFixForRelease(chain: PoolChain): string {
  return chain.release
    ? reapply(chain.release)
    : `helm install ${chain.name}-epp ${chartRef()} -n ${chain.namespace} --set epp.poolName=${chain.name}`;
}

export const eppDeploymentAvailable: Check = {
  code: 'IGW-405',
  phase: 4,
  scope: 'chain',
  title: 'EPP Deployment is available',
  // an EPP without its pool (missing, wrong name, wrong group) never gets ready: those are the root causes
  dependsOn: ['IGW-105', 'IGW-301', 'IGW-406'],
  symptoms: ['epp-not-starting', 'ext-proc-not-routing', '500', '503'],
  reads: ['Deployment', 'Pod'],
  run({chain, snap}) {
    if (chain.epps.length === 0) {
      if (!chain.pool && !chain.release) return [];
      const svc = chain.eppService && 'found' in chain.eppService ? chain.eppService.found : undefined;
      const msg = svc
        ? `Service ${svc.metadata.namespace}/${svc.metadata.name} (the pool's endpointPickerRef) selects no EPP Deployment (selector ${Object.entries(svc.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || 'none'})`
        : `no EPP Deployment serves InferencePool ${chain.key} (none takes --pool-name ${chain.name || '?'} and the pool's endpointPickerRef resolves to none)`;
      return [error(msg, svc ? svcRef(svc.metadata.namespace ?? '', svc.metadata.name) : poolRef(chain), eppFixForRelease(chain))];
    }
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const d = e.deployment;
      const dref = deployRef(d);
      if (!isLive(snap, d)) {
        out.push(info(`EPP Deployment ${d.metadata.namespace}/${d.metadata.name} (from files; not applied yet)`, dref));
        continue;
      }
      const want = d.spec.replicas ?? 1;
      if (want === 0) {
        out.push(error(`EPP Deployment ${d.metadata.namespace}/${d.metadata.name} is scaled to 0: every request to the pool fails`, dref, `kubectl scale deployment ${d.metadata.name} -n ${d.metadata.namespace} --replicas=1`));
        continue;
      }
      const st = d.status ?? {};
      const failure = condition(st.conditions, 'ReplicaFailure');
      const worst = worstPodProblem(newestPods(e.pods));
      // Judge availability from the pods in the snapshot, not from status.availableReplicas alone:
      // that counter is written by the deployment controller a moment after the ReplicaSets change
      // and may still count a pod that is gone (a brand-new EPP that can never start would read as
      // "1 available, a rollout in progress"). A pod counts when it is Ready and not terminating;
      // the counter still caps it (minReadySeconds). When pods cannot be read, the counter is all we have.
      const readyPods = e.pods.filter((p) => podReady(p)).length;
      const available = access(snap, 'Pod', d.metadata.namespace ?? '') === undefined ? Math.min(st.availableReplicas ?? 0, readyPods) : (st.availableReplicas ?? 0);
      if (failure?.status === 'True') {
        out.push(error(`EPP Deployment ${d.metadata.namespace}/${d.metadata.name} cannot create pods: ${failure.message ?? failure.reason}`, dref, `kubectl describe replicaset -n ${d.metadata.namespace} -l ${Object.entries(d.spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',')}`));
        continue;
      }
      if (worst && (available < 1 || worst.problem.kind !== 'NotReady')) {
        const old = readyPods;
        const rbac = rbacGap(snap, e) ? ' (its ServiceAccount may not read what it watches: see IGW-501)' : '';
        const msg = `EPP ${d.metadata.namespace}/${d.metadata.name}: ${worst.pod.metadata.name}: ${worst.problem.message}${rbac}`;
        if (available < 1) out.push(error(`${msg} — no EPP is ready, the gateway cannot pick endpoints`, dref, podProblemFix(worst.pod, worst.problem)));
        else out.push(warning(`${msg} (${old} older pod${old === 1 ? '' : 's'} still serve${old === 1 ? 's' : ''})`, dref, podProblemFix(worst.pod, worst.problem)));
        continue;
      }
      if (available < 1) {
        const r = rolloutStatus(d);
        out.push(error(`EPP Deployment ${d.metadata.namespace}/${d.metadata.name} has no available replica: ${r.message}${e.pods.length === 0 ? ' (no pods)' : ''}`, dref, `kubectl describe deployment ${d.metadata.name} -n ${d.metadata.namespace}`));
        continue;
      }
      const r = rolloutStatus(d);
      if (r.failed) out.push(warning(`EPP Deployment ${d.metadata.namespace}/${d.metadata.name}: ${r.message}`, dref, `kubectl rollout status deployment/${d.metadata.name} -n ${d.metadata.namespace}`));
      else out.push(ok(`EPP ${d.metadata.namespace}/${d.metadata.name} available (${available}/${want})${d.spec.template.spec.containers.find((c) => c === e.container)?.image ? `, ${e.container?.image}` : ''}`, dref));
    }
    return out;
  },
};

export const eppServesPool: Check = {
  code: 'IGW-406',
  phase: 4,
  scope: 'chain',
  title: 'EPP serves this pool (--pool-name, --pool-namespace)',
  symptoms: ['epp-not-starting', '503', 'ext-proc-not-routing'],
  run({chain, target}) {
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const d = e.deployment;
      const ci = d.spec.template.spec.containers.indexOf(e.container!);
      if (!e.poolName) {
        out.push(
          error(
            `EPP ${d.metadata.namespace}/${d.metadata.name} has an empty --pool-name: it does not start`,
            deployRef(d),
            chain.release ? helmSet(chain.release, `epp.poolName=${chain.name}`) : jsonPatch('deployment', d.metadata.namespace, d.metadata.name, [{op: 'add', path: `/spec/template/spec/containers/${ci}/args/-`, value: `--pool-name=${chain.name}`}]),
          ),
        );
        continue;
      }
      if (e.poolName !== chain.name || e.poolNamespace !== chain.namespace) {
        // Fan-in: this pool shares the EPP of another pool that the EPP does serve. IGW-410 is the
        // root cause (and its fix, a second EPP, is right; moving the only EPP would break the other pool).
        const shared = chain.pool?.epp && target.chains.some((o) => o !== chain && o.namespace === e.poolNamespace && o.name === e.poolName && o.pool?.epp?.name === chain.pool!.epp!.name);
        if (shared) {
          out.push({severity: 'blocked', object: deployRef(d), message: `blocked by IGW-410: EPP ${d.metadata.name} serves ${e.poolNamespace}/${e.poolName}; ${chain.key} shares it (fan-in)`, blockedBy: ['IGW-410']});
          continue;
        }
        // An EPP reached through this pool's endpointPickerRef that serves another pool: it picks
        // from the wrong endpoints (or none).
        out.push(
          error(
            `EPP ${d.metadata.namespace}/${d.metadata.name} serves InferencePool ${e.poolNamespace}/${e.poolName}, not ${chain.key}${chain.pool?.epp ? `, yet ${chain.key}'s endpointPickerRef sends to it` : ''}: requests for this pool are scheduled onto the other pool's pods`,
            deployRef(d),
            chain.release && chain.release.eppDeployment?.metadata.name === d.metadata.name
              ? helmSet(chain.release, `epp.poolName=${chain.name}`)
              : `# one EPP per pool: install an EPP for ${chain.name} and point the pool at it\nhelm install ${chain.name}-epp ${chartRef(chain.release?.release.chart)} -n ${chain.namespace} --set epp.poolName=${chain.name}`,
          ),
        );
        continue;
      }
      out.push(ok(`EPP ${d.metadata.name}: --pool-name ${e.poolName} --pool-namespace ${e.poolNamespace} --pool-group ${e.poolGroup}`, deployRef(d)));
    }
    return out;
  },
};

export const eppService: Check = {
  code: 'IGW-407',
  phase: 4,
  scope: 'chain',
  title: 'EPP Service: ports 9002/9090, target ports and ready endpoints',
  dependsOn: ['IGW-405'],
  symptoms: ['ext-proc-not-routing', '500', 'metrics-unauthorized'],
  reads: ['Service'],
  run({chain, snap}) {
    const l = chain.eppService;
    if (!l || !('found' in l)) return [];
    const svc = l.found;
    const ns = svc.metadata.namespace ?? '';
    const sref = svcRef(ns, svc.metadata.name);
    const out: Draft[] = [];
    const ports = svc.spec?.ports ?? [];
    const grpc = ports.find((p) => p.port === 9002);
    const metrics = ports.find((p) => p.port === 9090);
    if (!grpc) out.push(error(`EPP Service ${ns}/${svc.metadata.name} has no port 9002 (ext-proc gRPC); ports: ${ports.map((p) => p.port).join(', ') || 'none'}`, sref, chain.release ? reapply(chain.release) : `kubectl edit svc ${svc.metadata.name} -n ${ns}`));
    if (!metrics) out.push(warning(`EPP Service ${ns}/${svc.metadata.name} has no port 9090: Prometheus cannot scrape the EPP's metrics through it`, sref));
    const epp = chain.epps.find((e) => e.deployment.metadata.namespace === ns && selectorMatches(svc.spec?.selector ?? {}, e.deployment.spec.template.metadata?.labels));
    if (epp) {
      for (const p of [grpc, metrics]) {
        if (!p) continue;
        const target = resolveTargetPort(p, epp.deployment);
        const declared = (epp.container?.ports ?? []).map((x) => x.containerPort);
        const expected = p.port === 9002 ? Number(argValue(epp.container, '--grpc-port') ?? 9002) : Number(argValue(epp.container, '--metrics-port') ?? 9090);
        if (!target) {
          out.push(error(`EPP Service port ${p.port} targets "${p.targetPort}", a port name the EPP container does not declare`, sref, mergePatchServicePort(svc, p.port, expected)));
        } else if (target.port !== expected && !(declared.includes(target.port) && target.port === expected)) {
          out.push(error(`EPP Service port ${p.port} targets container port ${target.port}, but the EPP listens on ${expected}`, sref, mergePatchServicePort(svc, p.port, expected)));
        }
      }
    }
    if (isLive(snap, svc) && access(snap, 'EndpointSlice', ns) === undefined) {
      const ep = serviceEndpoints(svc, items<EndpointSlice>(snap, 'EndpointSlice'));
      const readyEppPods = chain.epps.flatMap((e) => e.pods).filter(podReady);
      const selected = readyEppPods.filter((p) => selectorMatches(svc.spec?.selector ?? {}, p.metadata.labels));
      if (ep.ready === 0 && readyEppPods.length > 0 && selected.length === 0) {
        out.push(error(`EPP Service ${ns}/${svc.metadata.name} has no ready endpoints although an EPP pod is ready: its selector does not match the EPP pods`, sref, `kubectl get endpointslices -n ${ns} -l kubernetes.io/service-name=${svc.metadata.name}`));
      } else if (ep.ready === 0 && selected.length > 0) {
        // The selector matches Ready EPP pods: the EndpointSlice controller has not caught up yet
        // (moments after a rollout). Not a root cause; a re-run settles it.
        out.push(info(`EPP Service ${ns}/${svc.metadata.name}: its EndpointSlices do not list the Ready EPP pod ${selected[0]!.metadata.name} yet (just rolled out?); re-run to confirm`, sref));
      } else if (ep.ready === 0) {
        out.push(error(`EPP Service ${ns}/${svc.metadata.name} has no ready endpoints`, sref, `kubectl get pods -n ${ns} -l ${Object.entries(svc.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',')}`));
      }
    }
    if (out.length === 0) out.push(ok(`EPP Service ${svc.metadata.name}: 9002 (grpc), 9090 (metrics)${isLive(snap, svc) ? ', endpoints ready' : ''}`, sref));
    return out;
  },
};

function mergePatchServicePort(svc: Service, port: number, target: number): string {
  const i = (svc.spec?.ports ?? []).findIndex((p) => p.port === port);
  return jsonPatch('service', svc.metadata.namespace, svc.metadata.name, [{op: 'replace', path: `/spec/ports/${i}/targetPort`, value: target}]);
}

function referenceGrantAllows(snap: Snapshot, fromNs: string, toNs: string, group: string, name: string): boolean {
  return inNamespace<KubeObject & {spec?: {from?: {group: string; kind: string; namespace: string}[]; to?: {group: string; kind: string; name?: string}[]}}>(snap, 'ReferenceGrant', toNs).some(
    (g) =>
      (g.spec?.from ?? []).some((f) => f.group === GROUP.gatewayApi && f.kind === 'HTTPRoute' && f.namespace === fromNs) &&
      (g.spec?.to ?? []).some((t) => t.group === group && t.kind === 'InferencePool' && (!t.name || t.name === name)),
  );
}

export const httpRouteReferences: Check = {
  code: 'IGW-408',
  phase: 4,
  scope: 'chain',
  title: 'HTTPRoute sends to this InferencePool from this Gateway',
  dependsOn: ['IGW-301'],
  symptoms: ['500', 'ext-proc-not-routing'],
  reads: ['HTTPRoute'],
  run({chain, snap}) {
    const out: Draft[] = [];
    if (!chain.pool) return [];
    const relGw = chain.gateways.find((g) => g.via.includes('release')) ?? chain.gateways.find((g) => g.via.includes('policy'));
    if (chain.routes.length === 0 && partial(snap, 'HTTPRoute')) return [skipped(`skipped: no HTTPRoute to ${chain.key} in the manifests (it may come from another chart)`, poolRef(chain))];
    // routes were read in one namespace only (-n without cluster-wide read access): one elsewhere may exist
    const narrow = (snap.lists.HTTPRoute?.parts ?? []).every((p) => p.namespace !== undefined);
    if (chain.routes.length === 0 && narrow && snap.source !== 'files') {
      return [warning(`no HTTPRoute in namespace ${chain.namespace} sends traffic to InferencePool ${chain.key}; routes in other namespaces could not be read (run with -A, or grant list on httproutes cluster-wide)`, poolRef(chain))];
    }
    // a route in this namespace names a pool that does not exist (a typo for this one?): IGW-415 has the fix
    const dangling = chain.routes.length === 0 ? danglingPoolRefs(snap).find((d) => d.namespace === chain.namespace) : undefined;
    if (dangling) {
      return [{severity: 'blocked', message: `blocked by IGW-415: HTTPRoute ${dangling.route.metadata.namespace}/${dangling.route.metadata.name} names InferencePool ${dangling.name}, which does not exist, instead of ${chain.name}?`, blockedBy: ['IGW-415']}];
    }
    if (chain.routes.length === 0) {
      const gw = relGw ?? chain.gateways[0];
      const route = {
        apiVersion: `${GROUP.gatewayApi}/v1`,
        kind: 'HTTPRoute',
        metadata: {name: chain.name, namespace: chain.namespace},
        spec: {
          parentRefs: [{group: GROUP.gatewayApi, kind: 'Gateway', name: gw?.name ?? '<gateway>', ...(gw && gw.namespace !== chain.namespace ? {namespace: gw.namespace} : {})}],
          rules: [{matches: [{path: {type: 'PathPrefix', value: '/'}}], backendRefs: [{group: chain.group, kind: 'InferencePool', name: chain.name}], timeouts: {request: '300s'}}],
        },
      };
      return [error(`no HTTPRoute sends traffic to InferencePool ${chain.key}: requests through the Gateway never reach the pool (500 "fault filter abort" / 404)`, poolRef(chain), `kubectl apply -f - <<'EOF'\n${yamlBlock(route)}\nEOF`)];
    }
    for (const l of chain.routes) {
      const r = l.route;
      const rns = r.metadata.namespace ?? '';
      const parents = (r.spec?.parentRefs ?? []).filter((p) => (p.kind ?? 'Gateway') === 'Gateway');
      if (relGw && !parents.some((p) => p.name === relGw.name && (p.namespace ?? rns) === relGw.namespace)) {
        out.push(
          error(
            `HTTPRoute ${rns}/${r.metadata.name} attaches to ${parents.map((p) => `${p.namespace ?? rns}/${p.name}`).join(', ') || 'no Gateway'}, not to Gateway ${relGw.namespace}/${relGw.name}${chain.release ? ` of release ${chain.release.release.name}` : ''}`,
            routeRef(r),
            jsonPatch('httproute', rns, r.metadata.name, [{op: 'replace', path: '/spec/parentRefs', value: [{group: GROUP.gatewayApi, kind: 'Gateway', name: relGw.name, ...(relGw.namespace !== rns ? {namespace: relGw.namespace} : {})}]}]),
          ),
        );
      }
      // Cross-namespace parentRef: the listener must allow routes from the route's namespace.
      for (const p of parents) {
        const gns = p.namespace ?? rns;
        if (gns === rns) continue;
        const g = chain.gateways.find((x) => x.namespace === gns && x.name === p.name);
        const gw = g && 'found' in g.lookup ? g.lookup.found : undefined;
        const from = gw?.spec?.listeners?.map((x) => x.allowedRoutes?.namespaces?.from ?? 'Same');
        if (from && from.every((f) => f === 'Same')) {
          out.push(
            error(
              `HTTPRoute ${rns}/${r.metadata.name} is in namespace ${rns}, but Gateway ${gns}/${p.name} only allows routes from its own namespace (allowedRoutes.namespaces.from: Same)`,
              gatewayRef({namespace: gns, name: p.name}),
              jsonPatch('gateway', gns, p.name, (gw!.spec?.listeners ?? []).map((_, i) => ({op: 'add', path: `/spec/listeners/${i}/allowedRoutes`, value: {namespaces: {from: 'All'}}}))),
            ),
          );
        }
      }
      // Cross-namespace backendRef: needs a ReferenceGrant in the pool's namespace.
      if (rns !== chain.namespace && access(snap, 'ReferenceGrant', chain.namespace) === undefined && !referenceGrantAllows(snap, rns, chain.namespace, l.group || chain.group, chain.name)) {
        const grant = {
          apiVersion: `${GROUP.gatewayApi}/v1beta1`,
          kind: 'ReferenceGrant',
          metadata: {name: `${rns}-httproutes-to-inferencepools`, namespace: chain.namespace},
          spec: {from: [{group: GROUP.gatewayApi, kind: 'HTTPRoute', namespace: rns}], to: [{group: chain.group, kind: 'InferencePool'}]},
        };
        out.push(
          error(
            `HTTPRoute ${rns}/${r.metadata.name} references InferencePool ${chain.key} in another namespace without a ReferenceGrant: the ref is not permitted (RefNotPermitted), requests fail with 500`,
            routeRef(r),
            `kubectl apply -f - <<'EOF'\n${yamlBlock(grant)}\nEOF`,
          ),
        );
      }
    }
    if (out.length === 0) out.push(ok(`${chain.routes.map((l) => `HTTPRoute ${l.route.metadata.namespace}/${l.route.metadata.name}`).join(', ')} → InferencePool ${chain.name}`, poolRef(chain)));
    return out;
  },
};

export const httpRouteStatus: Check = {
  code: 'IGW-409',
  phase: 4,
  scope: 'chain',
  title: 'HTTPRoute is Accepted and its refs resolved',
  dependsOn: ['IGW-408', 'IGW-206', 'IGW-404'],
  symptoms: ['500', 'ext-proc-not-routing'],
  run({chain, snap}) {
    const out: Draft[] = [];
    const controller = egControllerName(snap, egForChain(snap, chain));
    for (const l of chain.routes) {
      const r = l.route;
      if (!isLive(snap, r)) continue;
      const rns = r.metadata.namespace ?? '';
      const statuses = (r.status?.parents ?? []).filter((p) => !p.controllerName || p.controllerName === controller);
      if (statuses.length === 0) {
        out.push(warning(`HTTPRoute ${rns}/${r.metadata.name} has no status from Envoy Gateway (${controller}): not reconciled yet, or its parent Gateway is not Envoy Gateway's`, routeRef(r), `kubectl describe httproute ${r.metadata.name} -n ${rns}`));
        continue;
      }
      let bad = false;
      for (const p of statuses) {
        const acc = condition(p.conditions, 'Accepted');
        const res = condition(p.conditions, 'ResolvedRefs');
        const on = `on Gateway ${p.parentRef.namespace ?? rns}/${p.parentRef.name}`;
        if (acc?.status === 'False') {
          bad = true;
          out.push(error(`HTTPRoute ${rns}/${r.metadata.name} is not Accepted ${on}: ${describeCondition(acc)}`, routeRef(r), `kubectl describe httproute ${r.metadata.name} -n ${rns}`));
        }
        if (res?.status === 'False') {
          bad = true;
          const why =
            res.reason === 'InvalidKind'
              ? ' — Envoy Gateway does not know InferencePool as a backend: the Envoy AI Gateway extensionManager is missing, or the controller has not loaded it yet'
              : res.reason === 'RefNotPermitted'
                ? ' — a ReferenceGrant in the pool\'s namespace is missing'
                : res.reason === 'BackendNotFound'
                  ? ' — the InferencePool it names does not exist'
                  : '';
          const fix = res.reason === 'InvalidKind' ? `kubectl infgw patch-envoy --dry-run   # then without --dry-run; it restarts the controller` : `kubectl describe httproute ${r.metadata.name} -n ${rns}`;
          out.push(error(`HTTPRoute ${rns}/${r.metadata.name} ${on}: ${describeCondition(res)}${why}; requests fail with 500`, routeRef(r), fix));
        }
      }
      if (!bad) out.push(ok(`HTTPRoute ${rns}/${r.metadata.name} Accepted, refs resolved`, routeRef(r)));
    }
    return out;
  },
};

export const oneEppPerPool: Check = {
  code: 'IGW-410',
  phase: 4,
  scope: 'cluster',
  title: 'One EPP per InferencePool (no fan-in)',
  symptoms: ['503', 'high-latency'],
  run({target}) {
    const bySvc = new Map<string, PoolChain[]>();
    for (const c of target.chains) {
      if (!c.pool?.epp) continue;
      const k = `${c.namespace}/${c.pool.epp.name}`;
      bySvc.set(k, [...(bySvc.get(k) ?? []), c]);
    }
    const out: Draft[] = [];
    for (const [svc, chains] of bySvc) {
      if (chains.length < 2) continue;
      const epp = chains.flatMap((c) => c.epps)[0];
      const served = epp?.poolName;
      const others = chains.filter((c) => c.name !== served);
      for (const c of others) {
        out.push(
          error(
            `InferencePools ${chains.map((x) => x.name).join(', ')} all send to EPP Service ${svc} (fan-in); an EPP serves one pool (--pool-name ${served ?? '?'}), so ${c.key}'s requests are scheduled onto ${served ?? 'another pool'}'s pods or fail`,
            poolRef(c),
            `# one EPP per pool (install notes, MULTIPLE MODELS):\nhelm install ${c.name}-epp ${chartRef(target.releases[0]?.release.chart)} -n ${c.namespace} --set epp.poolName=${c.name}\n${mergePatch('inferencepool', c.namespace, c.name, {spec: {endpointPickerRef: {name: `${c.name}-epp-inference-gateway-epp`, port: {number: 9002}}}})}`,
          ),
        );
      }
    }
    // Two EPP Deployments for one pool: only the one behind endpointPickerRef is used.
    for (const c of target.chains) {
      const serving = c.epps.filter((e) => e.poolName === c.name && e.poolNamespace === c.namespace);
      if (serving.length > 1) {
        out.push(warning(`${serving.length} EPP Deployments serve InferencePool ${c.key} (${serving.map((e) => e.deployment.metadata.name).join(', ')}); only the one behind its endpointPickerRef gets traffic`, poolRef(c)));
      }
    }
    if (out.length === 0 && target.chains.length > 0) out.push(ok(`${target.chains.length} pool${target.chains.length === 1 ? '' : 's'}, each with its own EPP`));
    return out;
  },
};

/** Go duration → ms (EG messageTimeout is a Gateway API Duration: 1h2m3s4ms). */
export function durationMs(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let matched = '';
  for (const m of s.matchAll(re)) {
    matched += m[0];
    total += Number(m[1]) * {ms: 1, s: 1000, m: 60_000, h: 3_600_000}[m[2] as 'ms' | 's' | 'm' | 'h'];
  }
  return matched === s ? total : undefined;
}

export const extensionPolicyAttached: Check = {
  code: 'IGW-411',
  phase: 4,
  scope: 'chain',
  title: 'EnvoyExtensionPolicy targets the Gateway, reaches the EPP and is Accepted',
  dependsOn: ['IGW-403'],
  symptoms: ['ext-proc-not-routing', '500'],
  reads: ['EnvoyExtensionPolicy'],
  run({chain, snap}) {
    const out: Draft[] = [];
    const policies = [...new Set(chain.eppPolicies.map((l) => l.policy))];
    if (policies.length === 0 && chain.release?.policies.length) {
      // the release rendered one but none in the cluster sends to the EPP: reported by IGW-402 when missing;
      // here: the rendered one exists but points elsewhere.
      return [];
    }
    for (const p of policies) {
      const pref = policyRef(p);
      const name = `EnvoyExtensionPolicy ${p.metadata.namespace}/${p.metadata.name}`;
      // everything wrong with the policy object itself is one finding (message and fixes joined)
      const issues: {msg: string; fix?: string | undefined; hint?: boolean}[] = [];
      const targets = policyTargets(p);
      const gwTargets = targets.filter((t) => (t.kind ?? 'Gateway') === 'Gateway');
      const known = gwTargets.map((t) => chain.gateways.find((g) => g.name === t.name && g.namespace === p.metadata.namespace));
      const missing = gwTargets.filter((_, i) => !known[i] || 'absent' in known[i]!.lookup);
      if (gwTargets.length === 0 && (p.spec?.targetSelectors ?? []).length === 0) {
        issues.push({msg: `targets no Gateway (${targets.map((t) => `${t.kind} ${t.name}`).join(', ') || 'no targetRefs'}): the EPP is called only for those routes, or never`});
      }
      for (const t of missing) {
        const relGw = chain.release?.gatewayName;
        issues.push({
          msg: `targets Gateway ${t.name}, which does not exist in ${p.metadata.namespace} (status TargetNotFound): no request goes through the EPP`,
          fix: relGw && relGw !== t.name ? jsonPatch('envoyextensionpolicy', p.metadata.namespace, p.metadata.name, [{op: 'replace', path: '/spec/targetRefs', value: [{group: GROUP.gatewayApi, kind: 'Gateway', name: relGw}]}]) : undefined,
        });
      }
      for (const l of chain.eppPolicies.filter((x) => x.policy === p)) {
        if (l.backendRef.port !== undefined && l.backendRef.port !== 9002) {
          issues.push({
            msg: `sends ext-proc to ${l.backendRef.name}:${l.backendRef.port}; the EPP serves gRPC on 9002`,
            fix: jsonPatch('envoyextensionpolicy', p.metadata.namespace, p.metadata.name, [{op: 'replace', path: `/spec/extProc/${l.extProcIndex}/backendRefs/0/port`, value: 9002}]),
          });
        }
      }
      if (isLive(snap, p)) {
        const ancestors = p.status?.ancestors ?? [];
        for (const a of ancestors) {
          const c = condition(a.conditions, 'Accepted');
          if (c && c.status !== 'True') issues.push({msg: `on ${a.ancestorRef.kind ?? 'Gateway'} ${a.ancestorRef.name}: ${describeCondition(c)}`, fix: `kubectl describe envoyextensionpolicy ${p.metadata.name} -n ${p.metadata.namespace}`, hint: true});
        }
        if (ancestors.length === 0 && missing.length === 0 && issues.length === 0) {
          out.push(warning(`${name} has no status: Envoy Gateway has not processed it (controller down, or the Gateway is not Envoy Gateway's)`, pref));
        }
      }
      if (issues.length) {
        const fixes = issues.filter((i) => i.fix && !i.hint).map((i) => i.fix!);
        const fix = fixes.length ? fixes.join('\n') : issues.find((i) => i.fix)?.fix;
        out.push(error(`${name} ${issues.map((i) => i.msg).join('; ')}`, pref, fix));
      }
      // TLS: the EPP serves TLS on 9002 unless --secure-serving=false (domain-facts §2); plain gRPC to it fails with status 14.
      // Judge the EPPs behind this policy's backend Service.
      const svcName = chain.eppPolicies.find((x) => x.policy === p)?.backendRef.name;
      const svcObj = svcName ? lookup<Service>(snap, 'Service', p.metadata.namespace, svcName) : undefined;
      const behind = svcObj && 'found' in svcObj ? chain.epps.filter((e) => e.deployment.metadata.namespace === p.metadata.namespace && selectorMatches(svcObj.found.spec?.selector ?? {}, e.deployment.spec.template.metadata?.labels)) : [];
      const tlsEpps = behind.filter((e) => e.secureServing);
      if (tlsEpps.length) {
        const tlsPolicy = items<KubeObject & {spec?: {targetRefs?: {kind?: string; name: string}[]}}>(snap, 'BackendTLSPolicy').some(
          (b) => b.metadata.namespace === chain.namespace && (b.spec?.targetRefs ?? []).some((t) => (t.kind ?? 'Service') === 'Service' && t.name === svcName),
        );
        if (!tlsPolicy && access(snap, 'BackendTLSPolicy', chain.namespace)?.reason !== 'forbidden') {
          const e = tlsEpps[0]!;
          out.push(
            error(
              `EPP ${e.deployment.metadata.namespace}/${e.deployment.metadata.name} serves TLS on 9002 (--secure-serving defaults to true), but ${name} talks plain gRPC to it: ext-proc fails (gRPC status 14 / "upstream connect error")`,
              deployRef(e.deployment),
              chain.release ? helmSet(chain.release, 'epp.secureServing=false') : jsonPatch('deployment', e.deployment.metadata.namespace, e.deployment.metadata.name, [{op: 'add', path: `/spec/template/spec/containers/${e.deployment.spec.template.spec.containers.indexOf(e.container!)}/args/-`, value: '--secure-serving=false'}]),
            ),
          );
        }
      }
    }
    if (out.length === 0 && policies.length) {
      const accepted = isLive(snap, policies[0]!) ? 'Accepted' : 'status unknown (not applied)';
      out.push(ok(`${policies.map((p) => `EnvoyExtensionPolicy ${p.metadata.name}`).join(', ')} → EPP Service ${chain.eppPolicies[0]!.backendRef.name}:${chain.eppPolicies[0]!.backendRef.port ?? 9002}, ${accepted}`, policyRef(policies[0]!)));
    }
    return out;
  },
};

export const extProcModes: Check = {
  code: 'IGW-412',
  phase: 4,
  scope: 'chain',
  title: 'ext-proc body modes and timeout suit LLM traffic',
  symptoms: ['no-streaming', 'high-latency', '500'],
  run({chain, snap}) {
    const out: Draft[] = [];
    const v = envoyGatewayVersion(snap, egForChain(snap, chain));
    for (const l of chain.eppPolicies) {
      const p = l.policy as EnvoyExtensionPolicy;
      const e = p.spec?.extProc?.[l.extProcIndex];
      if (!e) continue;
      const pref = policyRef(p);
      const path = `/spec/extProc/${l.extProcIndex}`;
      const name = `EnvoyExtensionPolicy ${p.metadata.namespace}/${p.metadata.name}`;
      const req = e.processingMode?.request?.body;
      const resp = e.processingMode?.response?.body;
      if (!e.processingMode?.request || !req) {
        out.push(
          warning(
            `${name} does not send the request body to the EPP: it cannot read the model name or the prompt (model routing and prefix-cache scoring do not work)`,
            pref,
            jsonPatch('envoyextensionpolicy', p.metadata.namespace, p.metadata.name, [{op: 'add', path: `${path}/processingMode`, value: {request: {body: 'Buffered'}, response: {body: resp ?? 'Streamed'}}}]),
          ),
        );
      }
      if (resp === 'Buffered' || resp === 'BufferedPartial') {
        out.push(
          warning(
            `${name} buffers the response body (${resp}): streamed completions (stream: true) reach the client in one piece at the end`,
            pref,
            chain.release ? helmSet(chain.release, 'extensionPolicy.responseBodyMode=Streamed') : jsonPatch('envoyextensionpolicy', p.metadata.namespace, p.metadata.name, [{op: 'replace', path: `${path}/processingMode/response/body`, value: 'Streamed'}]),
          ),
        );
      }
      if ((req === 'FullDuplexStreamed' || resp === 'FullDuplexStreamed') && e.failOpen === true) {
        out.push(
          error(
            `${name} uses FullDuplexStreamed with failOpen: true; full-duplex streaming requires failOpen false (Envoy Gateway rejects the policy)`,
            pref,
            jsonPatch('envoyextensionpolicy', p.metadata.namespace, p.metadata.name, [{op: 'replace', path: `${path}/failOpen`, value: false}]),
          ),
        );
      }
      const t = durationMs(e.messageTimeout);
      if (t === undefined || t < 1000) {
        out.push(
          warning(
            `${name} ${e.messageTimeout ? `has messageTimeout ${e.messageTimeout}` : 'sets no messageTimeout (Envoy Gateway default 200ms)'}: the EPP must answer each message within it, and a buffered LLM request body or a busy scheduler takes longer — ext-proc then fails requests with 500/504`,
            pref,
            chain.release ? helmSet(chain.release, 'extensionPolicy.messageTimeout=10s') : jsonPatch('envoyextensionpolicy', p.metadata.namespace, p.metadata.name, [{op: 'add', path: `${path}/messageTimeout`, value: '10s'}]),
          ),
        );
      }
      if ((resp === 'Streamed' || resp === 'FullDuplexStreamed') && versionBelow(v, 1, 6)) {
        out.push(warning(`${name} streams responses (${resp}), which needs Envoy Gateway v1.6+; this one is ${v}`, pref));
      }
      if (!out.some((f) => f.object === pref)) out.push(ok(`${name}: request ${req}, response ${resp ?? 'not sent'}, messageTimeout ${e.messageTimeout}, failOpen ${e.failOpen ?? false}`, pref));
    }
    return out;
  },
};

export const wiringCheck: Check = {
  code: 'IGW-413',
  phase: 4,
  scope: 'chain',
  title: 'The EPP is wired into the Gateway exactly once',
  symptoms: ['ext-proc-not-routing', 'high-latency'],
  run({chain, snap}) {
    if (!chain.pool) return [];
    const w = wiringOf(snap, chain);
    const pref = poolRef(chain);
    if (w.kind === 'mix') {
      const p = chain.eppPolicies[0]!.policy;
      return [
        warning(
          `the EPP is wired twice: HTTPRoute ${chain.routes[0]!.route.metadata.namespace}/${chain.routes[0]!.route.metadata.name} → InferencePool ${chain.name} is handled by the Envoy AI Gateway extension, which inserts its own ext-proc to the pool's EPP (${chain.pool.epp?.name ?? '?'}), AND EnvoyExtensionPolicy ${p.metadata.namespace}/${p.metadata.name} sends every request to EPP Service ${chain.eppPolicies[0]!.backendRef.name} as well — each request is picked twice (double latency, double-counted metrics and prefix-cache state)`,
          policyRef(p),
          chain.release && chain.release.policies.length
            ? helmSet(chain.release, 'extensionPolicy.enabled=false')
            : `kubectl delete envoyextensionpolicy ${p.metadata.name} -n ${p.metadata.namespace}`,
        ),
      ];
    }
    // neither wiring: IGW-408 (no route to the pool) or IGW-206 (route, but no extension) says why
    if (w.kind === 'none') return [];
    const how = w.kind === 'ai-gateway' ? 'Envoy AI Gateway extension (HTTPRoute → InferencePool)' : 'EnvoyExtensionPolicy ext-proc (the chart\'s way)';
    return [ok(`wired once: ${how}`, pref)];
  },
};

export const otherExtensionPolicies: Check = {
  code: 'IGW-414',
  phase: 4,
  scope: 'chain',
  title: 'Other EnvoyExtensionPolicies on the Gateway',
  run({chain}) {
    return chain.otherPolicies.map((p) => {
      const bad = (p.status?.ancestors ?? []).map((a) => condition(a.conditions, 'Accepted')).find((c) => c && c.status !== 'True');
      return bad
        ? warning(`EnvoyExtensionPolicy ${p.metadata.namespace}/${p.metadata.name} also applies to this Gateway (not to the EPP) and is not accepted: ${describeCondition(bad)}`, policyRef(p), `kubectl describe envoyextensionpolicy ${p.metadata.name} -n ${p.metadata.namespace}`)
        : info(`EnvoyExtensionPolicy ${p.metadata.namespace}/${p.metadata.name} also applies to this Gateway (not the EPP: e.g. body-based routing) — fine`, policyRef(p));
    });
  },
};

interface DanglingRef {
  route: HTTPRoute;
  ruleIndex: number;
  refIndex: number;
  namespace: string;
  name: string;
  group: string;
}

/** HTTPRoute backendRefs to InferencePools that exist in neither API group. */
export function danglingPoolRefs(snap: Snapshot): DanglingRef[] {
  const out: DanglingRef[] = [];
  for (const r of items<HTTPRoute>(snap, 'HTTPRoute')) {
    const rns = r.metadata.namespace ?? '';
    (r.spec?.rules ?? []).forEach((rule, ruleIndex) => {
      (rule.backendRefs ?? []).forEach((b, refIndex) => {
        if (b.kind !== 'InferencePool') return;
        const ns = b.namespace ?? rns;
        const key = (b.group ?? '') === GROUP.xPool ? 'XInferencePool' : 'InferencePool';
        if (!('absent' in lookup(snap, key, ns, b.name))) return;
        // the same name in the other group is IGW-105's business
        if ('found' in lookup(snap, key === 'XInferencePool' ? 'InferencePool' : 'XInferencePool', ns, b.name)) return;
        out.push({route: r, ruleIndex, refIndex, namespace: ns, name: b.name, group: b.group ?? ''});
      });
    });
  }
  return out;
}

export const danglingRouteRefs: Check = {
  code: 'IGW-415',
  phase: 4,
  scope: 'cluster',
  title: 'HTTPRoute backendRefs name InferencePools that exist',
  symptoms: ['500'],
  reads: ['HTTPRoute', 'InferencePool'],
  run({snap, target}) {
    const out: Draft[] = [];
    for (const d of danglingPoolRefs(snap)) {
      const r = d.route;
      const rns = r.metadata.namespace ?? '';
      if (target.namespace !== undefined && rns !== target.namespace && d.namespace !== target.namespace) continue;
      // the pool a release's EPP serves is missing: IGW-301 is the root cause and has the fix (recreate it)
      if (target.chains.some((c) => !c.pool && c.namespace === d.namespace && c.name === d.name)) {
        out.push({severity: 'blocked', message: `blocked by IGW-301: HTTPRoute ${rns}/${r.metadata.name} sends to InferencePool ${d.namespace}/${d.name}, which IGW-301 reports missing`, blockedBy: ['IGW-301'], object: routeRef(r)});
        continue;
      }
      const candidates = inNamespace(snap, d.group === GROUP.xPool ? 'XInferencePool' : 'InferencePool', d.namespace).map((p) => p.metadata.name);
      out.push(
        error(
          `HTTPRoute ${rns}/${r.metadata.name} sends to InferencePool ${d.namespace}/${d.name} (${d.group}), which does not exist: Envoy answers 500 "fault filter abort"`,
          routeRef(r),
          candidates.length === 1
            ? jsonPatch('httproute', rns, r.metadata.name, [{op: 'replace', path: `/spec/rules/${d.ruleIndex}/backendRefs/${d.refIndex}/name`, value: candidates[0]}])
            : `kubectl get inferencepools -n ${d.namespace}   # then point the backendRef at one of them`,
        ),
      );
    }
    return out;
  },
};

export const phase4: Check[] = [
  releaseStatus,
  releaseObjectsPresent,
  gatewayExists,
  gatewayProgrammed,
  eppServesPool,
  eppDeploymentAvailable,
  eppService,
  danglingRouteRefs,
  httpRouteReferences,
  httpRouteStatus,
  oneEppPerPool,
  extensionPolicyAttached,
  extProcModes,
  wiringCheck,
  otherExtensionPolicies,
];

export type {Gateway};
