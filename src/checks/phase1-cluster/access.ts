/* Phase 1 — Cluster & CRDs. Replaces the install notes' PREREQUISITES 1 ("Phase 1 CRDs installed"): the API server answers and what may be read. */
import {kindDef} from '../../snapshot/kinds.ts';
import {unreadable} from '../../snapshot/query.ts';
import {isListError} from '../../snapshot/types.ts';
import {error, info, ok, warning, type Check} from '../types.ts';
import {ALL_KINDS} from '../../snapshot/view.ts';

export const apiServer: Check = {
  code: 'IGW-101',
  phase: 1,
  scope: 'cluster',
  title: 'Kubernetes API server answers',
  readme: {checks: 'API server answers, version', failure: '—'},
  reads: [],
  run({snap}) {
    const v = snap.version;
    if (snap.source === 'files') return [info('offline: analysing manifests only (--from-file); runtime state and status are not checked')];
    if (!v || isListError(v)) return [warning(`could not read the server version: ${v?.message ?? 'unknown'}`, undefined)];
    const minor = Number(v.minor?.replace(/\D/g, ''));
    // Gateway API v1.x CRDs use CEL validation rules, which need Kubernetes ≥ 1.26 (gateway-api README, "Supported versions").
    if (Number.isFinite(minor) && minor > 0 && minor < 26) {
      return [warning(`Kubernetes ${v.gitVersion} is older than 1.26, the oldest version Gateway API v1 CRDs support`, undefined)];
    }
    return [ok(`Kubernetes ${v.gitVersion}${snap.context ? ` (context ${snap.context})` : ''}`)];
  },
};

export const readAccess: Check = {
  code: 'IGW-102',
  phase: 1,
  scope: 'cluster',
  title: 'Objects doctor needs are readable',
  readme: {checks: 'every list doctor needs is readable', failure: 'checks skipped; one read-only ClusterRole as fix'},
  reads: ALL_KINDS,
  judgesUnreadable: ALL_KINDS,
  run({snap}) {
    const denied = unreadable(snap).filter((u) => u.error.reason === 'forbidden' || u.error.reason === 'failed');
    if (denied.length === 0) {
      const n = Object.keys(snap.lists).length;
      return [ok(snap.source === 'files' ? 'manifests read' : `${n} kinds read${snap.namespace ? ` in namespace ${snap.namespace}` : ' in all namespaces'}`)];
    }
    // One finding, one fix: a read-only ClusterRole with every resource that was refused, bound
    // where it was refused (cluster-wide, or per namespace).
    const user = /User "([^"]+)"/.exec(denied.map((d) => d.error.message).join(' '))?.[1];
    const resources = [...new Set(denied.map((d) => {
      const k = kindDef(d.kind);
      return k.group ? `${k.resource}.${k.group}` : k.resource;
    }))];
    const what = [...new Set(denied.map((d) => `${kindDef(d.kind).kind}${d.namespace ? ` (${d.namespace})` : ''}`))];
    const clusterWide = denied.some((d) => !d.namespace);
    const namespaces = [...new Set(denied.map((d) => d.namespace).filter((x): x is string => Boolean(x)))];
    const subject = user ? (user.startsWith('system:serviceaccount:') ? `--serviceaccount=${user.split(':').slice(2).join(':')}` : `--user=${user}`) : '--user=<you>';
    const bind = clusterWide
      ? [`kubectl create clusterrolebinding infgw-doctor --clusterrole=infgw-doctor ${subject}`]
      : namespaces.map((ns) => `kubectl create rolebinding infgw-doctor -n ${ns} --clusterrole=infgw-doctor ${subject}`);
    const fix = [`kubectl create clusterrole infgw-doctor --verb=get,list --resource=${resources.join(',')}`, ...bind].join('\n');
    const msg = `${user ? `user "${user}" may not` : 'cannot'} list ${what.join(', ')}; the checks that need them are skipped`;
    // Nothing about the pools can be read: doctor cannot vouch for anything — that is an error.
    const blind = ['InferencePool', 'XInferencePool'].every((k) => denied.some((d) => d.kind === k));
    return [blind ? error(`${msg} — no InferencePool can be read, so nothing can be checked`, undefined, fix) : warning(msg, undefined, fix)];
  },
};
