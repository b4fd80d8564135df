/*
 * Phase 2 — what Envoy Gateway's controller log says about its watches (issue 11, NF6 and NF2 of the
 * research). Doctor reads the controller's log (current and previous container) when a pod restarted,
 * is not ready or its config changed after it started (src/snapshot/take.ts follow-up wave). Two lines
 * name a root cause exactly:
 * - `no matches for kind "<Kind>" in version "<group>/<version>"` (apimachinery meta.NoKindMatchError):
 *   the provider watches a kind the API server does not serve — a plain `c.Watch(source.Kind(…))` in
 *   envoyproxy/gateway internal/provider/kubernetes/controller.go — so the cache never syncs and the
 *   controller exits (envoyproxy/gateway#8991: "error watching resources: no matches for kind
 *   "ListenerSet" in version "gateway.networking.k8s.io/v1"").
 * - `<resource>.<group> is forbidden: User "system:serviceaccount:<ns>:<sa>" cannot <verb> resource
 *   "<resource>" in API group "<group>"` (the API server's RBAC denial, k8s.io/apiserver
 *   endpoints/handlers/responsewriters/errors.go forbiddenMessage): a list/watch of the informer is
 *   refused — e.g. listenersets with an older chart's RBAC (kserve/kserve#5153), inferencepools without
 *   the AI Gateway chart's ClusterRole (IGW-212). Envoy Gateway then never sees those objects.
 */
import {installsInScope} from '../../model/wiring.ts';
import {GROUP} from '../../snapshot/kinds.ts';
import {served} from '../../snapshot/query.ts';
import {GATEWAY_API_CRDS_URL, GIE_CRDS_URL, restartDeployment} from '../fix.ts';
import {egDeploymentRef, logOf} from '../helpers.ts';
import {error, ok, orNotApplicable, skipped, type Check, type Draft} from '../types.ts';

const NO_MATCH = /no matches for kind \\?"([^"\\]+)\\?" in version \\?"([^"\\]+)\\?"/;
const FORBIDDEN = /([a-z0-9.-]+) is forbidden: User \\?"system:serviceaccount:([^:"\\]+):([^"\\]+)\\?" cannot (\w+) resource \\?"([^"\\]+)\\?" in API group \\?"([^"\\]*)\\?"/;

export const controllerWatchErrors: Check = {
  code: 'IGW-214',
  phase: 2,
  scope: 'cluster',
  title: 'Envoy Gateway controller log shows no failed watch ("no matches for kind", "forbidden")',
  readme: {checks: 'controller log (when read): `no matches for kind` (a CRD it watches is missing) and `is forbidden` (its ServiceAccount may not list/watch a kind)', failure: 'crash loop / objects never seen'},
  // IGW-201 (controller available) is not a dependency: a crash loop is what this check explains. A kind
  // IGW-114 already found missing is shown as blocked by it, line by line (see below).
  dependsOn: ['IGW-212'],
  symptoms: {'gateway-not-programmed': 4, '500': 20},
  reads: ['Deployment', 'Pod', 'GatewayClass', 'Service', 'ConfigMap', 'ReferenceGrant'],
  judgesUnreadable: ['Deployment', 'Pod', 'GatewayClass', 'Service', 'ConfigMap', 'ReferenceGrant'],
  run({snap, target}) {
    if (snap.source === 'files') return [];
    const out: Draft[] = [];
    for (const eg of installsInScope(snap, target)) {
      const ref = egDeploymentRef(eg.deployment.metadata.name, eg.namespace);
      const restart = restartDeployment(eg.namespace, eg.deployment.metadata.name);
      let read = false;
      const kinds = new Map<string, string>();
      const denied = new Map<string, {sa: string; verbs: Set<string>; resource: string; group: string}>();
      for (const p of eg.pods) {
        for (const c of p.spec.containers.map((x) => x.name)) {
          for (const previous of [false, true]) {
            const log = logOf(snap, p, c, previous);
            if (log === undefined) continue;
            read = true;
            for (const line of log.split('\n')) {
              const m = NO_MATCH.exec(line);
              if (m) kinds.set(`${m[1]} ${m[2]}`, m[2]!);
              const f = FORBIDDEN.exec(line);
              if (f) {
                const key = `${f[2]}:${f[3]} ${f[5]}.${f[6]}`;
                const d = denied.get(key) ?? {sa: `${f[2]}:${f[3]}`, verbs: new Set<string>(), resource: f[5]!, group: f[6]!};
                d.verbs.add(f[4]!);
                denied.set(key, d);
              }
            }
          }
        }
      }
      for (const [kv, gv] of kinds) {
        const [kind] = kv.split(' ');
        const group = gv.includes('/') ? gv.slice(0, gv.indexOf('/')) : '';
        const crd = `${kind!.toLowerCase().replace(/y$/, 'ie')}s.${group}`;
        if (group === GROUP.gatewayApi && (snap.crds[crd] === null || (kind === 'ReferenceGrant' && served(snap, 'ReferenceGrant') === false))) {
          out.push({severity: 'blocked', object: ref, message: `blocked by IGW-114: the log's no matches for kind "${kind}" in version "${gv}" is the missing CRD ${crd}`, blockedBy: ['IGW-114']});
          continue;
        }
        const install =
          group === GROUP.gatewayApi
            ? `kubectl apply --server-side -f ${GATEWAY_API_CRDS_URL}   # or the bundle your Envoy Gateway minor is built on (v1.8.x: v1.5.1)`
            : group === GROUP.pool
              ? `kubectl apply -f ${GIE_CRDS_URL}`
              : `kubectl get crd -o name | grep '${group}'   # install the CRD that serves ${kind} at ${gv}`;
        out.push(
          error(
            `Envoy Gateway ${eg.namespace}/${eg.deployment.metadata.name} logs no matches for kind "${kind}" in version "${gv}": it watches ${kind} but the API server does not serve it at that version, so its cache never syncs and the controller exits (crash loop, no Gateway programmed; envoyproxy/gateway#8991)`,
            ref,
            `${install}\n${restart}`,
          ),
        );
      }
      for (const d of denied.values()) {
        const [ns, sa] = d.sa.split(':') as [string, string];
        const res = d.group ? `${d.resource}.${d.group}` : d.resource;
        const name = `envoy-gateway-${d.resource}-reader`;
        out.push(
          error(
            `Envoy Gateway ${eg.namespace}/${eg.deployment.metadata.name} logs that ServiceAccount ${ns}/${sa} may not ${[...d.verbs].join('/')} ${res}: that informer never fills, so Envoy Gateway never sees these objects (routes to them stay unresolved)`,
            ref,
            `kubectl create clusterrole ${name} --verb=get,list,watch --resource=${res}\nkubectl create clusterrolebinding ${name} --clusterrole=${name} --serviceaccount=${ns}:${sa}\n${restart}\n# or upgrade the chart that owns this RBAC (gateway-helm for Gateway API kinds, the AI Gateway chart for inferencepools)`,
          ),
        );
      }
      if (kinds.size || denied.size) continue;
      const unreadable = Object.entries(snap.logs).find(([k, v]) => k.startsWith(`${eg.namespace}/`) && typeof v !== 'string');
      if (unreadable && typeof unreadable[1] !== 'string') out.push(skipped(`skipped: cannot read the controller's logs: ${unreadable[1].message}`, undefined, unreadable[1].rule));
      else if (read) out.push(ok('no failed watch ("no matches for kind", "forbidden") in the controller log', ref));
    }
    return orNotApplicable(out, 'no Envoy Gateway controller log read (read when a pod restarted, is not ready or its config changed)');
  },
};
