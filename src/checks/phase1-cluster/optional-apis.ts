/* Phase 1 — Cluster & CRDs. Replaces the install notes' PREREQUISITES 1 ("Phase 1 CRDs installed"): the optional APIs — InferenceObjective, EnvoyExtensionPolicy, KServe. */
import {GROUP} from '../../snapshot/kinds.ts';
import {served} from '../../snapshot/query.ts';
import {EG_CHART, ENVOY_GATEWAY_VERSION, GIE_VERSION, LLM_D_OBJECTIVE_CRDS, LLM_D_ROUTER_VERSION} from '../fix.ts';
import {anyEnvoyGatewayChain, crdRef} from '../helpers.ts';
import {error, info, ok, warning, notApplicable, type Check} from '../types.ts';

export const inferenceObjectiveApi: Check = {
  code: 'IGW-106',
  phase: 1,
  scope: 'cluster',
  title: 'InferenceObjective API is served',
  readme: {checks: 'InferenceObjective API (x-k8s.io or llm-d.ai)', failure: 'EPP forbidden/sync errors, no priorities'},
  symptoms: {'epp-not-starting': 2},
  reads: ['InferenceObjective', 'LlmdInferenceObjective'],
  judgesUnreadable: ['InferenceObjective', 'LlmdInferenceObjective'],
  run({snap}) {
    if (snap.source === 'files') return [notApplicable('offline (--from-file): judged only on a live cluster')];
    const x = served(snap, 'InferenceObjective');
    const llmd = served(snap, 'LlmdInferenceObjective');
    if (x === false && llmd === false) {
      return [
        warning(
          'InferenceObjective is not served (neither inference.networking.x-k8s.io/v1alpha2 nor llm-d.ai/v1alpha2): EPPs that watch objectives fail to sync or log errors, and requests cannot be given a priority',
          crdRef('inferenceobjectives.llm-d.ai'),
          // GIE v1.6.0's manifests hold only InferencePool: the objective CRDs moved to llm-d-router
          // (config/crd/bases/llm-d.ai_inferenceobjectives.yaml, group llm-d.ai, v1alpha2).
          `${LLM_D_OBJECTIVE_CRDS}\n# llm-d-router ${LLM_D_ROUTER_VERSION}'s InferenceObjective/InferenceModelRewrite CRDs (llm-d.ai/v1alpha2); GIE ${GIE_VERSION}'s manifests no longer contain them`,
        ),
      ];
    }
    return [ok(`InferenceObjective served: ${[x ? `${GROUP.xPool}/v1alpha2` : '', llmd ? `${GROUP.llmd}/v1alpha2` : ''].filter(Boolean).join(', ')}`)];
  },
};

export const envoyExtensionPolicyApi: Check = {
  code: 'IGW-107',
  phase: 1,
  scope: 'cluster',
  title: 'Envoy Gateway CRDs (EnvoyExtensionPolicy) are installed',
  readme: {checks: 'EnvoyExtensionPolicy CRD', failure: 'Envoy Gateway missing'},
  symptoms: {'ext-proc-not-routing': 1},
  reads: ['EnvoyExtensionPolicy', 'GatewayClass'],
  judgesUnreadable: ['EnvoyExtensionPolicy', 'GatewayClass'],
  run({snap, target}) {
    if (snap.source === 'files') return [notApplicable('offline (--from-file): judged only on a live cluster')];
    // issue 13: only chains on Envoy Gateway need its CRDs
    if (served(snap, 'EnvoyExtensionPolicy') === false && !anyEnvoyGatewayChain({snap, target})) return [notApplicable("every Gateway in scope is another implementation's: Envoy Gateway's CRDs are not needed")];
    if (served(snap, 'EnvoyExtensionPolicy') === false) {
      const needed = target.releases.some((r) => r.policies.length > 0);
      const msg = 'EnvoyExtensionPolicy (gateway.envoyproxy.io/v1alpha1) is not served: Envoy Gateway or its CRDs are not installed';
      const fix = `helm upgrade --install eg ${EG_CHART} --version ${ENVOY_GATEWAY_VERSION} -n envoy-gateway-system --create-namespace`;
      return [needed ? error(msg, crdRef('envoyextensionpolicies.gateway.envoyproxy.io'), fix) : warning(msg, crdRef('envoyextensionpolicies.gateway.envoyproxy.io'), fix)];
    }
    return [ok('EnvoyExtensionPolicy served')];
  },
};

export const kserveApi: Check = {
  code: 'IGW-108',
  phase: 1,
  scope: 'cluster',
  title: 'KServe InferenceService API is served',
  readme: {checks: 'KServe InferenceService API', failure: '(info)'},
  reads: ['InferenceService', 'LLMInferenceService'],
  judgesUnreadable: ['InferenceService', 'LLMInferenceService'],
  run({snap}) {
    if (snap.source === 'files') return [notApplicable('offline (--from-file): judged only on a live cluster')];
    if (served(snap, 'InferenceService') === false) {
      return [info('InferenceService (serving.kserve.io/v1beta1) is not served: KServe is not installed; pools must select plain model-server pods')];
    }
    return [ok(`InferenceService served${served(snap, 'LLMInferenceService') ? '; LLMInferenceService served' : ''}`)];
  },
};
