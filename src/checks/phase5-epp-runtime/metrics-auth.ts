/* Phase 5 — the EPP may check /metrics bearer tokens (tokenreviews, subjectaccessreviews). */
import {argValue} from '../../k8s/args.ts';
import {can, canNonResource, qualified} from '../../model/rbac.ts';
import {eppBuild} from '../epp-build.ts';
import {eppDeployRef, serviceAccount} from '../helpers.ts';
import {info, ok, skipped, warning, type Check, type Draft} from '../types.ts';

export const eppMetricsAuth: Check = {
  code: 'IGW-502',
  phase: 5,
  scope: 'chain',
  title: "EPP's ServiceAccount may create TokenReviews and SubjectAccessReviews (/metrics auth)",
  readme: {checks: 'may create TokenReviews and SubjectAccessReviews', failure: '/metrics 401/500'},
  symptoms: {'metrics-unauthorized': 1},
  reads: ['Role', 'ClusterRole', 'ClusterRoleBinding', 'RoleBinding'],
  judgesUnreadable: ['Role', 'ClusterRole', 'ClusterRoleBinding', 'RoleBinding'],
  run({chain, snap}) {
    const out: Draft[] = [];
    for (const e of chain.epps) {
      // --metrics-endpoint-auth=false turns the check off (domain-facts §2)
      if (argValue(e.container, '--metrics-endpoint-auth') === 'false') {
        out.push(info(`EPP ${e.deployment.metadata.name} serves /metrics without authentication (--metrics-endpoint-auth=false)`, eppDeployRef(e)));
        continue;
      }
      // GIE v1.6's Lightweight EPP serves controller-runtime's metrics server with only a BindAddress
      // (cmd/lwepp/main.go): no token check, so no TokenReview/SubjectAccessReview RBAC is needed.
      if (eppBuild(e.container).kind === 'lwepp') {
        out.push(info(`EPP ${e.deployment.metadata.name} is the Lightweight EPP: its /metrics (controller-runtime's only) checks no tokens`, eppDeployRef(e)));
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
        out.push(skipped(`unknown: cannot read ClusterRoles/ClusterRoleBindings to judge ServiceAccount ${sa.namespace}/${sa.name} (${unknown.message}); it needs create on tokenreviews.authentication.k8s.io and subjectaccessreviews.authorization.k8s.io`, eppDeployRef(e), unknown.rule));
        continue;
      }
      if (missing.length) {
        const name = `${e.deployment.metadata.name}-${sa.namespace}-metrics-auth`;
        out.push(
          warning(
            `ServiceAccount ${sa.namespace}/${sa.name} of EPP ${e.deployment.metadata.name} may not create ${missing.join(', ')}: every scrape of /metrics gets 401/500 (the EPP checks bearer tokens with them)`,
            eppDeployRef(e),
            `kubectl create clusterrole ${name} --verb=create --resource=tokenreviews.authentication.k8s.io,subjectaccessreviews.authorization.k8s.io\nkubectl create clusterrolebinding ${name} --clusterrole=${name} --serviceaccount=${sa.namespace}:${sa.name}`,
          ),
        );
        continue;
      }
      const scrape = canNonResource(snap, sa, '/metrics', 'get');
      out.push(ok(`ServiceAccount ${sa.namespace}/${sa.name} may create tokenreviews and subjectaccessreviews${'allowed' in scrape && scrape.allowed ? '; its own token may get /metrics' : ''}`, eppDeployRef(e)));
    }
    return out;
  },
};
