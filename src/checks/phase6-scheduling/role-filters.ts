/*
 * Phase 6 — llm-d-router's role filters keep some of the pool's pods (issue 11, NF12 "Labels").
 * llm-d-router v0.10.0 pkg/epp/framework/plugins/scheduling/filter/bylabel/roles.go: the filters
 * read the pod label `llm-d.ai/role`:
 *   decode-filter  keeps decode, prefill-decode, both, encode-prefill-decode — and pods WITHOUT the label;
 *   prefill-filter keeps prefill, encode-prefill, prefill-decode, both, encode-prefill-decode — not unlabelled pods;
 *   encode-filter  keeps encode, encode-prefill, encode-prefill-decode — not unlabelled pods.
 * (filter.go: `(!labelDefined && f.allowsNoLabel) || valueExists`.) A filter that keeps no pod leaves
 * its scheduling profile without candidates: for the decode profile every request fails with
 * "no endpoints" (503, x-llm-d-request-dropped-reason rejected-no-endpoints).
 */
import type {Pod} from '../../k8s/objects.ts';
import {eppBuild} from '../epp-build.ts';
import {error, ok, warning, type Check, type Draft} from '../types.ts';
import {isRecord, loadEppConfig, pluginName} from './epp-config.ts';

export const ROLE_LABEL = 'llm-d.ai/role';

const ROLE_FILTERS: Record<string, {keeps: string[]; unlabelled: boolean}> = {
  'decode-filter': {keeps: ['decode', 'prefill-decode', 'both', 'encode-prefill-decode'], unlabelled: true},
  'prefill-filter': {keeps: ['prefill', 'encode-prefill', 'prefill-decode', 'both', 'encode-prefill-decode'], unlabelled: false},
  'encode-filter': {keeps: ['encode', 'encode-prefill', 'encode-prefill-decode'], unlabelled: false},
};

function kept(type: string, pods: Pod[]): Pod[] {
  const f = ROLE_FILTERS[type]!;
  return pods.filter((p) => {
    const role = p.metadata.labels?.[ROLE_LABEL];
    return role === undefined ? f.unlabelled : f.keeps.includes(role);
  });
}

export const roleFiltersKeepPods: Check = {
  code: 'IGW-609',
  phase: 6,
  scope: 'chain',
  title: 'Role filters (decode/prefill/encode-filter) keep some of the pool\'s pods (label llm-d.ai/role)',
  readme: {checks: 'Role filters (decode/prefill/encode-filter) keep some of the pool\'s pods (label llm-d.ai/role)', failure: 'decode filter keeps no pod: every request fails'},
  whenAbsent: 'no role filter in the EPP config',
  dependsOn: ['IGW-601'],
  symptoms: {'503': 20, 'high-latency': 20},
  reads: ['ConfigMap', 'Deployment', 'Pod'],
  run({chain, snap}) {
    const out: Draft[] = [];
    const pods = chain.modelPods;
    if (!pods.length) return [];
    for (const e of chain.epps) {
      const b = eppBuild(e.container);
      if (b.kind !== 'llm-d-router' && b.kind !== 'llm-d-inference-scheduler') continue;
      const loaded = loadEppConfig(snap, e);
      if (!loaded) continue;
      const {cfg, where, describe} = loaded;
      const plugins = Array.isArray(cfg.plugins) ? cfg.plugins : [];
      const profiles = Array.isArray(cfg.schedulingProfiles) ? (cfg.schedulingProfiles as unknown[]).filter(isRecord) : [];
      for (const p of plugins.filter((x) => x.type && ROLE_FILTERS[x.type])) {
        const name = pluginName(p);
        const inProfiles = profiles.filter((pr) => Array.isArray(pr.plugins) && (pr.plugins as unknown[]).some((r) => isRecord(r) && r.pluginRef === name)).map((pr) => String(pr.name ?? '?'));
        if (!inProfiles.length) continue;
        const keep = kept(p.type!, pods);
        const roles = [...new Set(pods.map((x) => x.metadata.labels?.[ROLE_LABEL] ?? '(none)'))].join(', ');
        if (keep.length) {
          out.push(ok(`${name} (${p.type}) keeps ${keep.length} of ${pods.length} pod(s) of pool ${chain.key}`, where));
          continue;
        }
        const want = ROLE_FILTERS[p.type!]!.keeps;
        const msg = `${name} (${p.type}) in profile ${inProfiles.join(', ')} of ${describe} keeps none of the ${pods.length} pod(s) of pool ${chain.key}: their ${ROLE_LABEL} label${roles === '(none)' ? ' is not set' : `s are ${roles}`} and it keeps only ${want.join(', ')}${ROLE_FILTERS[p.type!]!.unlabelled ? ' or unlabelled pods' : ''} — the profile has no candidates`;
        const fix = `kubectl label pods -n ${chain.namespace} ${pods.map((x) => x.metadata.name).join(' ')} ${ROLE_LABEL}=${want[0]}   # better: set the label in the model server's pod template`;
        out.push(p.type === 'decode-filter' ? error(`${msg}; every request fails with no endpoints (503)`, where, fix) : warning(msg, where, fix));
      }
    }
    return out;
  },
};
