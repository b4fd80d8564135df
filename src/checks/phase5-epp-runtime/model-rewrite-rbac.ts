/*
 * Phase 5 — the EPP may watch InferenceModelRewrites (issue 11, NF15).
 * GIE's EPP v1.3.0…v1.5.0 runs an InferenceModelRewrite reconciler and caches the kind when its CRD
 * exists (GIE v1.5.0 pkg/epp/server/controller_manager.go `hasInferenceModelRewrites`, group
 * inference.networking.x-k8s.io); llm-d-router v0.10.0 does the same, preferring llm-d.ai when both
 * CRDs are installed (pkg/epp/server/controller_config.go `populateWithDiscovery()`). Both charts grant
 * get/watch/list on inferencemodelrewrites; a hand-made Role often does not, and then the informer's
 * list is forbidden and the cache never syncs.
 * Whether the CRD is installed is not in the snapshot (reading two more CRDs would break the request
 * budget of src/snapshot/kinds.ts), so this check judges from the EPP's own log: the apiserver's
 * RBAC denial as client-go's reflector logs it ("… is forbidden: User "system:serviceaccount:<ns>:<sa>"
 * cannot list resource "inferencemodelrewrites" in API group "<group>" in the namespace "<ns>"").
 */
import {eppDeployRef, perEpp, serviceAccount} from '../helpers.ts';
import {error, ok, type Check} from '../types.ts';

const DENIED = /cannot (list|watch|get) resource "inferencemodelrewrites" in API group "([^"]+)"(?: in the namespace "([^"]+)")?/;

export const modelRewriteRbac: Check = {
  code: 'IGW-509',
  phase: 5,
  scope: 'chain',
  title: "EPP's ServiceAccount may watch InferenceModelRewrites (the EPP log shows no RBAC denial)",
  readme: {checks: "EPP's ServiceAccount may watch InferenceModelRewrites (the EPP log shows no RBAC denial)", failure: 'EPP cannot watch InferenceModelRewrites'},
  symptoms: {'epp-not-starting': 20},
  reads: ['Pod', 'Deployment'],
  run(ctx) {
    return perEpp(ctx, (r, e) => {
      if (!r.log.ok) return [];
      const m = DENIED.exec(r.log.text);
      const sa = serviceAccount(e);
      if (!m) return [ok(`EPP ${r.namespace}/${r.pod}: no InferenceModelRewrite RBAC denial in its log`, eppDeployRef(e))];
      const group = m[2]!;
      const ns = m[3] ?? e.poolNamespace;
      const res = `inferencemodelrewrites.${group}`;
      const name = `${e.deployment.metadata.name}-model-rewrites`;
      return [
        error(
          `EPP ${e.deployment.metadata.name} watches InferenceModelRewrites (their CRD is installed), but its log says ServiceAccount ${sa.namespace}/${sa.name} may not ${m[1]} ${res} in ${ns}: that informer's cache never syncs and the EPP does not become ready`,
          eppDeployRef(e),
          `kubectl create role ${name} -n ${ns} --verb=get,list,watch --resource=${res}\nkubectl create rolebinding ${name} -n ${ns} --role=${name} --serviceaccount=${sa.namespace}:${sa.name}`,
        ),
      ];
    });
  },
};
