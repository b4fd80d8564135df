/*
 * A pure RBAC evaluator over the snapshot's Roles, RoleBindings, ClusterRoles and
 * ClusterRoleBindings, with the semantics of k8s.io/kubernetes
 * plugin/pkg/auth/authorizer/rbac/rbac.go (RuleAllows: verbs, apiGroups, resources,
 * resourceNames; "*" wildcards) and pkg/apis/rbac/v1/evaluation_helpers.go (subject matching:
 * ServiceAccount by name/namespace, Groups system:serviceaccounts[:<ns>], User
 * system:serviceaccount:<ns>:<name>). Aggregated ClusterRoles carry their aggregated rules
 * (the clusterrole-aggregation controller writes them), so reading `rules` is enough.
 * Doctor answers "may the EPP's ServiceAccount do X" from this, without SubjectAccessReviews (no
 * extra requests, and no need for the user to be allowed to create them).
 */
import type {KubeObject} from '../kube/client.ts';
import {access, items} from '../snapshot/query.ts';
import type {ListError, Snapshot} from '../snapshot/types.ts';

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface RoleLike extends KubeObject {
  rules?: PolicyRule[] | null;
}

interface BindingLike extends KubeObject {
  subjects?: {kind: string; name: string; namespace?: string; apiGroup?: string}[] | null;
  roleRef: {apiGroup?: string; kind: string; name: string};
}

export interface Permission {
  group: string;
  resource: string;
  verb: string;
  /** undefined = cluster-wide (ClusterRoleBindings only) */
  namespace?: string | undefined;
}

export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

function has(list: string[] | undefined, v: string): boolean {
  return (list ?? []).some((x) => x === '*' || x === v);
}

export function ruleAllows(r: PolicyRule, p: Permission): boolean {
  if (r.nonResourceURLs?.length && !r.resources?.length) return false;
  // resourceNames restrict to named objects: never enough for list/watch/create of a collection
  if ((r.resourceNames ?? []).length > 0) return false;
  return has(r.verbs, p.verb) && has(r.apiGroups, p.group) && has(r.resources, p.resource);
}

export function nonResourceAllows(r: PolicyRule, url: string, verb: string): boolean {
  return has(r.verbs, verb) && (r.nonResourceURLs ?? []).some((u) => u === url || u === '*' || (u.endsWith('*') && url.startsWith(u.slice(0, -1))));
}

function subjectMatches(b: BindingLike, sa: ServiceAccountRef): boolean {
  return (b.subjects ?? []).some((s) => {
    if (s.kind === 'ServiceAccount') return s.name === sa.name && (s.namespace ?? b.metadata.namespace) === sa.namespace;
    if (s.kind === 'User') return s.name === `system:serviceaccount:${sa.namespace}:${sa.name}`;
    if (s.kind === 'Group') return s.name === 'system:serviceaccounts' || s.name === `system:serviceaccounts:${sa.namespace}` || s.name === 'system:authenticated';
    return false;
  });
}

export type Verdict = {allowed: true; via: string} | {allowed: false} | {unknown: ListError};

/** The rules that apply to a ServiceAccount in a namespace (RoleBindings there + ClusterRoleBindings). */
function rulesFor(snap: Snapshot, sa: ServiceAccountRef, namespace: string | undefined): {rules: {rule: PolicyRule; via: string}[]; unknown?: ListError} {
  const needed = namespace ? (['RoleBinding', 'Role', 'ClusterRoleBinding', 'ClusterRole'] as const) : (['ClusterRoleBinding', 'ClusterRole'] as const);
  for (const k of needed) {
    const why = access(snap, k, namespace ?? sa.namespace);
    if (why && why.reason !== 'notServed') return {rules: [], unknown: why};
  }
  const roles = new Map(items<RoleLike>(snap, 'Role').map((r) => [`${r.metadata.namespace}/${r.metadata.name}`, r]));
  const clusterRoles = new Map(items<RoleLike>(snap, 'ClusterRole').map((r) => [r.metadata.name, r]));
  const out: {rule: PolicyRule; via: string}[] = [];
  for (const b of items<BindingLike>(snap, 'ClusterRoleBinding')) {
    if (!subjectMatches(b, sa)) continue;
    const role = clusterRoles.get(b.roleRef.name);
    for (const rule of role?.rules ?? []) out.push({rule, via: `ClusterRoleBinding ${b.metadata.name} → ClusterRole ${b.roleRef.name}`});
  }
  if (namespace) {
    for (const b of items<BindingLike>(snap, 'RoleBinding')) {
      if (b.metadata.namespace !== namespace || !subjectMatches(b, sa)) continue;
      const role = b.roleRef.kind === 'ClusterRole' ? clusterRoles.get(b.roleRef.name) : roles.get(`${namespace}/${b.roleRef.name}`);
      for (const rule of role?.rules ?? []) out.push({rule, via: `RoleBinding ${namespace}/${b.metadata.name} → ${b.roleRef.kind} ${b.roleRef.name}`});
    }
  }
  return {rules: out};
}

export function can(snap: Snapshot, sa: ServiceAccountRef, p: Permission): Verdict {
  const {rules, unknown} = rulesFor(snap, sa, p.namespace);
  if (unknown) return {unknown};
  const hit = rules.find((r) => ruleAllows(r.rule, p));
  return hit ? {allowed: true, via: hit.via} : {allowed: false};
}

export function canNonResource(snap: Snapshot, sa: ServiceAccountRef, url: string, verb: string): Verdict {
  const {rules, unknown} = rulesFor(snap, sa, undefined);
  if (unknown) return {unknown};
  const hit = rules.find((r) => nonResourceAllows(r.rule, url, verb));
  return hit ? {allowed: true, via: hit.via} : {allowed: false};
}

/** `pods`, `inferencepools.inference.networking.k8s.io` (kubectl create role --resource syntax). */
export function qualified(p: {group: string; resource: string}): string {
  return p.group ? `${p.resource}.${p.group}` : p.resource;
}
