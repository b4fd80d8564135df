/*
 * Phase 5 — EPP runtime, the parts that can be judged from the snapshot: what the EPP's
 * ServiceAccount may do (RBAC, src/checks/rbac.ts), and EPP versions with known runtime bugs.
 * EPP logs and metrics (read through the API with a bearer token) are left to the phase-5 module
 * that adds its own follow-up reads; these codes stay stable.
 * Replaces the install notes' TROUBLESHOOTING 1 ("Check RBAC: kubectl auth can-i watch pods ...").
 */
import {GROUP} from '../snapshot/kinds.ts';
import {imageTag} from '../snapshot/versions.ts';
import {argValue, type ObjectRef} from './k8s.ts';
import {can, canNonResource, qualified, type Permission} from './rbac.ts';
import {error, ok, skipped, warning, info, type Check, type Draft} from './types.ts';
import type {EppInfo, PoolChain} from './target.ts';
import {versionBelow} from './phase2-envoy-gateway.ts';

const deployRef = (e: EppInfo): ObjectRef => ({apiVersion: 'apps/v1', kind: 'Deployment', namespace: e.deployment.metadata.namespace, name: e.deployment.metadata.name});

function serviceAccount(e: EppInfo): {namespace: string; name: string} {
  return {namespace: e.deployment.metadata.namespace ?? '', name: e.deployment.spec.template.spec.serviceAccountName ?? 'default'};
}

/** GIE's EPP image (registry.k8s.io/gateway-api-inference-extension/epp) vs llm-d-router's. */
export function eppFlavour(image: string | undefined): 'gie' | 'llm-d' | 'unknown' {
  if (!image) return 'unknown';
  if (/gateway-api-inference-extension\/epp/.test(image)) return 'gie';
  if (/llm-d/.test(image)) return 'llm-d';
  return 'unknown';
}

/** What the EPP watches in the pool's namespace (GIE cmd/epp runner; llm-d-router the same plus its own objective group). */
function watched(e: EppInfo): {perm: Permission[]; objectiveGroups: string[]} {
  const ns = e.poolNamespace;
  const perm: Permission[] = [];
  for (const verb of ['get', 'list', 'watch']) {
    perm.push({group: '', resource: 'pods', verb, namespace: ns});
    perm.push({group: e.poolGroup, resource: 'inferencepools', verb, namespace: ns});
  }
  const flavour = eppFlavour(e.container?.image);
  const objectiveGroups = flavour === 'gie' ? [GROUP.xPool] : flavour === 'llm-d' ? [GROUP.llmd, GROUP.xPool] : [GROUP.xPool, GROUP.llmd];
  return {perm, objectiveGroups};
}

function roleFix(e: EppInfo, missing: Permission[]): string {
  const sa = serviceAccount(e);
  const name = `${e.deployment.metadata.name}-access`;
  const resources = [...new Set(missing.map(qualified))].join(',');
  const verbs = [...new Set(missing.map((m) => m.verb))].sort().join(',');
  return `kubectl create role ${name} -n ${e.poolNamespace} --verb=${verbs} --resource=${resources}\nkubectl create rolebinding ${name} -n ${e.poolNamespace} --role=${name} --serviceaccount=${sa.namespace}:${sa.name}`;
}

export const eppRbac: Check = {
  code: 'IGW-501',
  phase: 5,
  scope: 'chain',
  title: "EPP's ServiceAccount may watch pods, InferencePools and InferenceObjectives",
  // with the wrong --pool-group the missing permission is for the wrong group: IGW-105 is the cause
  dependsOn: ['IGW-105'],
  symptoms: ['epp-not-starting', 'ext-proc-not-routing', '503'],
  run({chain, snap}) {
    const out: Draft[] = [];
    for (const e of chain.epps) {
      if (!e.poolName) continue;
      const sa = serviceAccount(e);
      const {perm, objectiveGroups} = watched(e);
      const missing: Permission[] = [];
      let unknown: string | undefined;
      let rule: string | undefined;
      for (const p of perm) {
        const v = can(snap, sa, p);
        if ('unknown' in v) {
          unknown = v.unknown.message;
          rule = v.unknown.rule;
          break;
        }
        if (!v.allowed) missing.push(p);
      }
      if (unknown) {
        out.push(skipped(`unknown: cannot read the RBAC objects to judge ServiceAccount ${sa.namespace}/${sa.name} (${unknown}); it needs a Role in ${e.poolNamespace} with get, list, watch on pods and ${qualified({group: e.poolGroup, resource: 'inferencepools'})}`, deployRef(e), rule));
        continue;
      }
      // InferenceObjectives: any one of the groups the EPP may watch, for list+watch
      const objective = objectiveGroups.find((g) => ['list', 'watch'].every((verb) => {
        const v = can(snap, sa, {group: g, resource: 'inferenceobjectives', verb, namespace: e.poolNamespace});
        return 'allowed' in v && v.allowed;
      }));
      if (missing.length) {
        out.push(
          error(
            `ServiceAccount ${sa.namespace}/${sa.name} of EPP ${e.deployment.metadata.name} may not ${[...new Set(missing.map((m) => `${m.verb} ${qualified(m)}`))].join(', ')} in ${e.poolNamespace}: the EPP logs "forbidden" and never sees the pool's endpoints (never ready)`,
            deployRef(e),
            roleFix(e, missing),
          ),
        );
      } else if (!objective) {
        const g = objectiveGroups[0]!;
        out.push(
          warning(
            `ServiceAccount ${sa.namespace}/${sa.name} of EPP ${e.deployment.metadata.name} may not list/watch ${qualified({group: g, resource: 'inferenceobjectives'})} in ${e.poolNamespace}: the EPP logs forbidden errors and ignores objectives (priorities)`,
            deployRef(e),
            roleFix(e, [{group: g, resource: 'inferenceobjectives', verb: 'get', namespace: e.poolNamespace}, {group: g, resource: 'inferenceobjectives', verb: 'list', namespace: e.poolNamespace}, {group: g, resource: 'inferenceobjectives', verb: 'watch', namespace: e.poolNamespace}]),
          ),
        );
      } else {
        out.push(ok(`ServiceAccount ${sa.namespace}/${sa.name} may get/list/watch pods, ${qualified({group: e.poolGroup, resource: 'inferencepools'})}, ${qualified({group: objective, resource: 'inferenceobjectives'})} in ${e.poolNamespace}`, deployRef(e)));
      }
    }
    return out;
  },
};

export const eppMetricsAuth: Check = {
  code: 'IGW-502',
  phase: 5,
  scope: 'chain',
  title: "EPP's ServiceAccount may create TokenReviews and SubjectAccessReviews (/metrics auth)",
  symptoms: ['metrics-unauthorized'],
  run({chain, snap}) {
    const out: Draft[] = [];
    for (const e of chain.epps) {
      // --metrics-endpoint-auth=false turns the check off (domain-facts §2)
      if (argValue(e.container, '--metrics-endpoint-auth') === 'false') {
        out.push(info(`EPP ${e.deployment.metadata.name} serves /metrics without authentication (--metrics-endpoint-auth=false)`, deployRef(e)));
        continue;
      }
      const sa = serviceAccount(e);
      const need = [
        {group: 'authentication.k8s.io', resource: 'tokenreviews', verb: 'create'},
        {group: 'authorization.k8s.io', resource: 'subjectaccessreviews', verb: 'create'},
      ];
      const missing: string[] = [];
      let unknown: {message: string; rule?: string | undefined} | undefined;
      for (const p of need) {
        const v = can(snap, sa, p);
        if ('unknown' in v) {
          unknown = v.unknown;
          break;
        }
        if (!v.allowed) missing.push(qualified(p));
      }
      if (unknown) {
        out.push(skipped(`unknown: cannot read ClusterRoles/ClusterRoleBindings to judge ServiceAccount ${sa.namespace}/${sa.name} (${unknown.message}); it needs create on tokenreviews.authentication.k8s.io and subjectaccessreviews.authorization.k8s.io`, deployRef(e), unknown.rule));
        continue;
      }
      if (missing.length) {
        const name = `${e.deployment.metadata.name}-${sa.namespace}-metrics-auth`;
        out.push(
          warning(
            `ServiceAccount ${sa.namespace}/${sa.name} of EPP ${e.deployment.metadata.name} may not create ${missing.join(', ')}: every scrape of /metrics gets 401/500 (the EPP checks bearer tokens with them)`,
            deployRef(e),
            `kubectl create clusterrole ${name} --verb=create --resource=tokenreviews.authentication.k8s.io,subjectaccessreviews.authorization.k8s.io\nkubectl create clusterrolebinding ${name} --clusterrole=${name} --serviceaccount=${sa.namespace}:${sa.name}`,
          ),
        );
        continue;
      }
      const scrape = canNonResource(snap, sa, '/metrics', 'get');
      out.push(ok(`ServiceAccount ${sa.namespace}/${sa.name} may create tokenreviews and subjectaccessreviews${'allowed' in scrape && scrape.allowed ? '; its own token may get /metrics' : ''}`, deployRef(e)));
    }
    return out;
  },
};

export const eppStreamingBug: Check = {
  code: 'IGW-503',
  phase: 5,
  scope: 'chain',
  title: 'EPP version does not truncate streamed responses',
  symptoms: ['no-streaming'],
  run({chain}) {
    const streamed = chain.eppPolicies.some((l) => {
      const body = l.policy.spec?.extProc?.[l.extProcIndex]?.processingMode?.response?.body;
      return body === 'Streamed' || body === 'FullDuplexStreamed';
    });
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const img = e.container?.image;
      const tag = img ? imageTag(img) : undefined;
      // GIE#2993 (fixed by #2994/#2995, July 2026): GIE EPPs up to v1.5.0 copy transfer-encoding from
      // the model server's response; over an HTTP/2 hop Envoy then cuts streamed responses short.
      if (eppFlavour(img) === 'gie' && (versionBelow(tag, 1, 5) || /^v?1\.5\.0$/.test(tag ?? '')) && (streamed || chain.routes.length > 0)) {
        out.push(info(`EPP ${e.deployment.metadata.name} runs ${tag}, which copies the model server's transfer-encoding header into responses (GIE#2993): behind an HTTP/2 hop (e.g. another gateway in front) streamed responses are cut off after the first events`, deployRef(e)));
      }
    }
    return out;
  },
};

export const phase5: Check[] = [eppRbac, eppMetricsAuth, eppStreamingBug];

export type {PoolChain};
