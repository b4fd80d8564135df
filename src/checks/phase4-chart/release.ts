/*
 * Phase 4 — the inference-gateway chart: the Helm release is deployed and its objects are present
 * as rendered. Replaces the install notes' VERIFICATION COMMANDS.
 */
import type {Deployment, ObjectRef} from '../../k8s/objects.ts';
import type {KubeObject} from '../../kube/client.ts';
import {releaseRef, type ChartRelease} from '../../model/target.ts';
import {kindKeyOf} from '../../snapshot/kinds.ts';
import {isLive, lookup} from '../../snapshot/query.ts';
import {reapply} from '../helpers.ts';
import {error, ok, warning, notApplicable, type Check, type Draft} from '../types.ts';

const secretRef = (r: ChartRelease): ObjectRef => releaseRef(r);

export const releaseStatus: Check = {
  code: 'IGW-401',
  phase: 4,
  scope: 'chain',
  title: 'inference-gateway release is deployed',
  readme: {checks: 'release deployed (failed/pending upgrade)', failure: 'release failed or pending: objects may be partial'},
  symptoms: {'epp-not-starting': 3, 'config-not-applied': 7},
  reads: ['HelmReleaseSecret'],
  run({chain}) {
    const r = chain.release;
    if (!r || r.release.status === 'rendered') return [notApplicable('no installed release in this chain')];
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
  readme: {checks: 'release objects present, not edited (drift)', failure: 'cluster differs from the release (drift)'},
  dependsOn: ['IGW-401'],
  reads: ['HelmReleaseSecret', 'Gateway', 'EnvoyExtensionPolicy', 'Deployment', 'Service', 'ConfigMap', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'GatewayClass', 'Pod'],
  judgesUnreadable: ['Gateway', 'EnvoyExtensionPolicy', 'Deployment', 'Service', 'ConfigMap', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'GatewayClass', 'Pod'],
  symptoms: {'epp-not-starting': 4, 'ext-proc-not-routing': 14, 'config-not-applied': 8},
  run({chain, snap}) {
    const r = chain.release;
    if (!r || r.release.status === 'rendered') return [notApplicable('no installed release in this chain')];
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
