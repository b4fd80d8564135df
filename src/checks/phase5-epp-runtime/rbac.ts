/*
 * Phase 5 — EPP runtime: what the EPP's ServiceAccount may do (RBAC, src/model/rbac.ts). Replaces the
 * install notes' TROUBLESHOOTING 1 ("Check RBAC: kubectl auth can-i watch pods ...").
 */
import {can, qualified, type Permission} from '../../model/rbac.ts';
import type {EppInfo} from '../../model/target.ts';
import {GROUP} from '../../snapshot/kinds.ts';
import {eppBuild} from '../epp-build.ts';
import {eppDeployRef, eppFlavour, serviceAccount} from '../helpers.ts';
import {error, ok, skipped, warning, type Check, type Draft} from '../types.ts';

/**
 * Standalone mode (--endpoint-selector, no --pool-name): the EPP starts no InferencePool /
 * InferenceObjective / InferenceModelRewrite reconciler (`startCrdReconcilers := EndpointSelector
 * unset`, GIE v1.5.0 and llm-d-router v0.10.0 cmd/epp/runner/runner.go) and caches only pods, in the
 * namespace of --pool-namespace → env NAMESPACE → "default" (llm-d-router v0.10.0 runner.go
 * extractGKNN/resolvePoolNamespace, pkg/epp/server/controller_manager.go defaultManagerOptions).
 */
function standalone(e: EppInfo): boolean {
  return e.endpointSelector !== undefined && e.poolName === undefined;
}

/** What the EPP watches in the pool's namespace (GIE cmd/epp runner; llm-d-router the same plus its own objective group). */
function watched(e: EppInfo): {perm: Permission[]; objectiveGroups: string[]} {
  const ns = e.poolNamespace;
  const perm: Permission[] = [];
  for (const verb of ['get', 'list', 'watch']) {
    perm.push({group: '', resource: 'pods', verb, namespace: ns});
    if (!standalone(e)) perm.push({group: e.poolGroup, resource: 'inferencepools', verb, namespace: ns});
  }
  if (standalone(e)) return {perm, objectiveGroups: []};
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
  readme: {checks: 'EPP ServiceAccount may get/list/watch pods, InferencePools (its `--pool-group`), InferenceObjectives (RBAC evaluated from the Roles/Bindings, no extra requests); a standalone EPP (`--endpoint-selector`) only pods', failure: 'EPP forbidden, never ready'},
  // with the wrong --pool-group the missing permission is for the wrong group: IGW-105 is the cause
  dependsOn: ['IGW-105'],
  symptoms: {'503': 9, 'epp-not-starting': 8, 'ext-proc-not-routing': 17},
  reads: ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'],
  judgesUnreadable: ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'],
  run({chain, snap}) {
    const out: Draft[] = [];
    for (const e of chain.epps) {
      if (!e.poolName && !standalone(e)) continue;
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
        out.push(skipped(`unknown: cannot read the RBAC objects to judge ServiceAccount ${sa.namespace}/${sa.name} (${unknown}); it needs a Role in ${e.poolNamespace} with get, list, watch on pods${standalone(e) ? '' : ` and ${qualified({group: e.poolGroup, resource: 'inferencepools'})}`}`, eppDeployRef(e), rule));
        continue;
      }
      // InferenceObjectives: any one of the groups the EPP may watch, for list+watch
      const objective = objectiveGroups.find((g) => ['list', 'watch'].every((verb) => {
        const v = can(snap, sa, {group: g, resource: 'inferenceobjectives', verb, namespace: e.poolNamespace});
        return 'allowed' in v && v.allowed;
      }));
      if (standalone(e)) {
        out.push(
          missing.length
            ? error(
                `ServiceAccount ${sa.namespace}/${sa.name} of standalone EPP ${e.deployment.metadata.name} (--endpoint-selector) may not ${missing.map((m) => `${m.verb} ${qualified(m)}`).join(', ')} in ${e.poolNamespace}: the EPP logs "forbidden" and never sees the model server pods (never ready)${e.poolNamespace !== e.deployment.metadata.namespace ? ` — it watches ${e.poolNamespace}, not its own namespace ${e.deployment.metadata.namespace} (--pool-namespace, else env NAMESPACE, else "default"); if the model servers run in ${e.deployment.metadata.namespace}, add --pool-namespace=${e.deployment.metadata.namespace} instead` : ''}`,
                eppDeployRef(e),
                roleFix(e, missing),
              )
            : ok(`ServiceAccount ${sa.namespace}/${sa.name} may get/list/watch pods in ${e.poolNamespace} (standalone EPP: it reads no InferencePool or InferenceObjective)`, eppDeployRef(e)),
        );
        continue;
      }
      if (missing.length) {
        out.push(
          error(
            `ServiceAccount ${sa.namespace}/${sa.name} of EPP ${e.deployment.metadata.name} may not ${[...new Set(missing.map((m) => `${m.verb} ${qualified(m)}`))].join(', ')} in ${e.poolNamespace}: the EPP logs "forbidden" and never sees the pool's endpoints (never ready)`,
            eppDeployRef(e),
            roleFix(e, missing),
          ),
        );
      } else if (!objective && eppBuild(e.container).kind !== 'lwepp') {
        // (the Lightweight EPP of GIE v1.6 watches only pods and its InferencePool — pkg/lwepp/server/controller_manager.go — so no objective RBAC is asked of it)
        const g = objectiveGroups[0]!;
        out.push(
          warning(
            `ServiceAccount ${sa.namespace}/${sa.name} of EPP ${e.deployment.metadata.name} may not list/watch ${qualified({group: g, resource: 'inferenceobjectives'})} in ${e.poolNamespace}: the EPP logs forbidden errors and ignores objectives (priorities)`,
            eppDeployRef(e),
            roleFix(e, [{group: g, resource: 'inferenceobjectives', verb: 'get', namespace: e.poolNamespace}, {group: g, resource: 'inferenceobjectives', verb: 'list', namespace: e.poolNamespace}, {group: g, resource: 'inferenceobjectives', verb: 'watch', namespace: e.poolNamespace}]),
          ),
        );
      } else {
        out.push(ok(`ServiceAccount ${sa.namespace}/${sa.name} may get/list/watch pods, ${qualified({group: e.poolGroup, resource: 'inferencepools'})}${objective ? `, ${qualified({group: objective, resource: 'inferenceobjectives'})}` : ''} in ${e.poolNamespace}`, eppDeployRef(e)));
      }
    }
    return out;
  },
};
