/* Phase 1 — Cluster & CRDs. Replaces the install notes' PREREQUISITES 1 ("Phase 1 CRDs installed"): the optional APIs — InferenceObjective, EnvoyExtensionPolicy, KServe. */
import {GROUP} from '../../snapshot/kinds.ts';
import {served} from '../../snapshot/query.ts';
import {EG_CHART, ENVOY_GATEWAY_VERSION, GIE_VERSION, LLM_D_OBJECTIVE_CRDS, LLM_D_ROUTER_VERSION} from '../fix.ts';
import {anyEnvoyGatewayChain, crdRef} from '../helpers.ts';
import {error, info, ok, warning, type Check} from '../types.ts';

export const inferenceObjectiveApi: Check = {
  code: 'IGW-106',
  phase: 1,
  scope: 'cluster',
  title: 'InferenceObjective API is served',
  symptoms: ['epp-not-starting'],
  run({snap}) {
    if (snap.source === 'files') return [];
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
  symptoms: ['ext-proc-not-routing'],
  run({snap, target}) {
    if (snap.source === 'files') return [];
    // issue 13: only chains on Envoy Gateway need its CRDs
    if (served(snap, 'EnvoyExtensionPolicy') === false && !anyEnvoyGatewayChain({snap, target})) return [];
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
  run({snap}) {
    if (snap.source === 'files') return [];
    if (served(snap, 'InferenceService') === false) {
      return [info('InferenceService (serving.kserve.io/v1beta1) is not served: KServe is not installed; pools must select plain model-server pods')];
    }
    return [ok(`InferenceService served${served(snap, 'LLMInferenceService') ? '; LLMInferenceService served' : ''}`)];
  },
};
