/*
 * Phase 4 — the EPP: its Deployment is available, it serves this pool, its Service reaches it, and
 * one EPP serves one pool (MULTIPLE MODELS; TROUBLESHOOTING 1).
 */
import {argValue} from '../../k8s/args.ts';
import {condition, type EndpointSlice, type ObjectRef, type Service} from '../../k8s/objects.ts';
import {newestPods, podReady, worstPodProblem} from '../../k8s/pods.ts';
import {deploymentSummary} from '../../k8s/rollout.ts';
import {selectorMatches} from '../../k8s/selectors.ts';
import {resolveTargetPort, serviceReach} from '../../k8s/services.ts';
import {can} from '../../model/rbac.ts';
import {poolRef, type EppInfo, type PoolChain} from '../../model/target.ts';
import {access, isLive, items} from '../../snapshot/query.ts';
import type {Snapshot} from '../../snapshot/types.ts';
import {chartRef, jsonPatch, mergePatch} from '../fix.ts';
import {deployRef, eppFlavour, helmSet, notListedDraft, podProblemFix, reapply} from '../helpers.ts';
import {type Check, type Draft, error, info, notApplicable, ok, orNotApplicable, warning} from '../types.ts';

const svcRef = (ns: string, name: string): ObjectRef => ({apiVersion: 'v1', kind: 'Service', namespace: ns, name});

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
  readme: {checks: 'EPP Deployment available; why not', failure: 'no picking'},
  // an EPP without its pool (missing, wrong name, wrong group) never gets ready: those are the root causes
  dependsOn: ['IGW-105', 'IGW-301', 'IGW-406'],
  symptoms: {'500': 15, '503': 6, 'epp-not-starting': 11, 'ext-proc-not-routing': 9, 'metrics-unauthorized': 3},
  reads: ['Deployment', 'Pod', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'],
  judgesUnreadable: ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'],
  run({chain, snap}) {
    if (chain.epps.length === 0) {
      if (!chain.pool && !chain.release) return [notApplicable('no pool and no release: nothing says an EPP should exist')];
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
        const r = deploymentSummary(d);
        out.push(error(`EPP Deployment ${d.metadata.namespace}/${d.metadata.name} has no available replica: ${r.message}${e.pods.length === 0 ? ' (no pods)' : ''}`, dref, `kubectl describe deployment ${d.metadata.name} -n ${d.metadata.namespace}`));
        continue;
      }
      const r = deploymentSummary(d);
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
  readme: {checks: 'EPP `--pool-name`/`--pool-namespace` = this pool (poolName unset/typo)', failure: 'EPP watches another pool: no picking'},
  symptoms: {'503': 7, 'epp-not-starting': 6, 'ext-proc-not-routing': 15},
  reads: ['Deployment'],
  run({chain, target}) {
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const d = e.deployment;
      const ci = d.spec.template.spec.containers.indexOf(e.container!);
      if (e.endpointSelector !== undefined) {
        out.push(...standaloneDrafts(chain, e));
        continue;
      }
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

/** `k=v,k2=v2` (also `k==v`) as a map; undefined when the selector uses other operators (in, !, notin, exists). */
function equalitySelector(sel: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const term of sel.split(',').map((t) => t.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9._/-]+)\s*==?\s*([A-Za-z0-9._-]*)$/.exec(term);
    if (!m) return undefined;
    out[m[1]!] = m[2]!;
  }
  return out;
}

/**
 * An EPP in standalone mode (issue 11 item 6): --endpoint-selector instead of --pool-name. Upstream
 * (GIE v1.5.0 and llm-d-router v0.10.0 pkg/epp/server/options.go Validate()): exactly one of the two
 * ("either pool-name or endpoint-selector must be set" — both set is that error too); with a selector,
 * --endpoint-target-ports needs 1–8 ports. llm-d-router cmd/epp/runner/runner.go extractGKNN() names the
 * EPP after env POD_NAME ("failed to get environment variable POD_NAME") and starts no InferencePool /
 * InferenceObjective reconcilers: it reads no pool at all.
 */
function standaloneDrafts(chain: PoolChain, e: EppInfo): Draft[] {
  const d = e.deployment;
  const ns = d.metadata.namespace;
  const dref = deployRef(d);
  const c = e.container!;
  const ci = d.spec.template.spec.containers.indexOf(c);
  const sel = e.endpointSelector ?? '';
  const args = c.args ?? [];
  if (e.poolName !== undefined) {
    const idx = args.flatMap((a, i) => (/^--?endpoint-selector(=|$)/.test(a) ? (a.includes('=') ? [i] : [i + 1, i]) : [])).sort((x, y) => y - x);
    return [
      error(
        `EPP ${ns}/${d.metadata.name} sets both --pool-name ${e.poolName || '""'} and --endpoint-selector ${sel}: the EPP exits at start ("either pool-name or endpoint-selector must be set")`,
        dref,
        idx.length
          ? `${jsonPatch('deployment', ns, d.metadata.name, idx.map((i) => ({op: 'remove', path: `/spec/template/spec/containers/${ci}/args/${i}`})))}   # keep --pool-name (serves InferencePool ${e.poolNamespace}/${e.poolName}); or remove --pool-name instead for standalone mode`
          : `kubectl edit deployment ${d.metadata.name} -n ${ns}   # keep one of --pool-name / --endpoint-selector`,
      ),
    ];
  }
  const out: Draft[] = [];
  if (!sel) out.push(error(`EPP ${ns}/${d.metadata.name} has an empty --endpoint-selector and no --pool-name: it does not start ("either pool-name or endpoint-selector must be set")`, dref, `kubectl edit deployment ${d.metadata.name} -n ${ns}   # set --pool-name=${chain.name}, or a label selector for the model server pods`));
  const portsArg = argValue(c, '--endpoint-target-ports');
  const ports = (portsArg ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const badPort = ports.find((p) => !/^\d+$/.test(p) || Number(p) > 65535);
  if (ports.length < 1 || ports.length > 8 || badPort) {
    const want = chain.pool?.targetPorts.length ? chain.pool.targetPorts.join(',') : '8000';
    out.push(
      error(
        `EPP ${ns}/${d.metadata.name} runs with --endpoint-selector but ${portsArg === undefined ? 'without --endpoint-target-ports' : badPort ? `with an invalid port "${badPort}" in --endpoint-target-ports` : `with ${ports.length} --endpoint-target-ports (1 to 8 allowed)`}: the EPP exits at start`,
        dref,
        jsonPatch('deployment', ns, d.metadata.name, [{op: 'add', path: `/spec/template/spec/containers/${ci}/args/-`, value: `--endpoint-target-ports=${want}`}]),
      ),
    );
  }
  const hasPodName = (c.env ?? []).some((x) => x.name === 'POD_NAME');
  // GIE's EPP needs it too: v1.4.0 and v1.5.0 cmd/epp/runner/runner.go extractGKNN() return the same
  // "failed to get environment variable POD_NAME" in selector mode.
  const flavour = eppFlavour(c.image);
  if (flavour !== 'unknown' && !hasPodName) {
    out.push(
      error(
        `EPP ${ns}/${d.metadata.name} (${flavour === 'gie' ? 'GIE EPP' : 'llm-d-router'}) runs in standalone mode without env POD_NAME: it exits at start ("failed to get environment variable POD_NAME")`,
        dref,
        jsonPatch('deployment', ns, d.metadata.name, [{op: 'add', path: `/spec/template/spec/containers/${ci}/env/-`, value: {name: 'POD_NAME', valueFrom: {fieldRef: {fieldPath: 'metadata.name'}}}}]),
      ),
    );
  }
  if (out.length) return out;
  out.push(info(`EPP ${ns}/${d.metadata.name} runs in standalone mode (--endpoint-selector=${sel}, ports ${ports.join(',')}): it does not read any InferencePool`, dref));
  const mine = equalitySelector(sel);
  const poolSel = chain.pool?.selector;
  const poolLabels = poolSel && typeof (poolSel as {matchLabels?: unknown}).matchLabels === 'object' ? (poolSel as {matchLabels: Record<string, string>}).matchLabels : (poolSel as Record<string, string> | undefined);
  if (chain.pool?.epp && mine && poolLabels && JSON.stringify(Object.entries(mine).sort()) !== JSON.stringify(Object.entries(poolLabels).sort())) {
    out.push(
      warning(
        `InferencePool ${chain.key}'s endpointPickerRef sends to EPP ${ns}/${d.metadata.name}, which ignores the pool's selector (${Object.entries(poolLabels).map(([k, v]) => `${k}=${v}`).join(',')}): it routes to the pods matching ${sel}`,
        dref,
        `kubectl edit deployment ${d.metadata.name} -n ${ns}   # make --endpoint-selector select the pool's pods, or run the EPP with --pool-name=${chain.name}`,
      ),
    );
  }
  return out;
}

export const eppService: Check = {
  code: 'IGW-407',
  phase: 4,
  scope: 'chain',
  title: 'EPP Service: ports 9002/9090, target ports and ready endpoints',
  readme: {checks: 'EPP Service ports 9002/9090, targetPorts, ready endpoints', failure: 'EPP Service unreachable: ext_proc errors'},
  dependsOn: ['IGW-405'],
  symptoms: {'500': 16, 'ext-proc-not-routing': 10, 'metrics-unauthorized': 2},
  reads: ['Service', 'EndpointSlice'],
  judgesUnreadable: ['EndpointSlice'],
  run({chain, snap}) {
    const l = chain.eppService;
    if (!l || !('found' in l)) return [notApplicable('no EPP Service found for this chain')];
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
      const reach = serviceReach(svc, items<EndpointSlice>(snap, 'EndpointSlice'), chain.epps.flatMap((e) => e.pods));
      const readyEppPods = chain.epps.flatMap((e) => e.pods).filter(podReady);
      if (reach.kind === 'no-ready-pods' && readyEppPods.length > 0) {
        out.push(error(`EPP Service ${ns}/${svc.metadata.name} has no ready endpoints although an EPP pod is ready: its selector does not match the EPP pods`, sref, `kubectl get endpointslices -n ${ns} -l kubernetes.io/service-name=${svc.metadata.name}`));
      } else if (reach.kind === 'not-listed') {
        // the one verdict shared with IGW-206 (helpers.ts notListedDraft says why)
        out.push(notListedDraft('EPP Service', svc, reach.pod));
      } else if (reach.kind === 'no-ready-pods') {
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

export const oneEppPerPool: Check = {
  code: 'IGW-410',
  phase: 4,
  scope: 'cluster',
  title: 'One EPP per InferencePool (no fan-in)',
  readme: {checks: 'one EPP per pool (fan-in)', failure: 'wrong pods picked'},
  symptoms: {'503': 10, 'high-latency': 3},
  reads: [],
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
    return orNotApplicable(out, 'no EPP Service shared by pools');
  },
};
