/*
 * The check catalog, in run order: the order a person verifies an install (linkerd's categories,
 * style.md) — read it top to bottom like the install notes it replaces. Every dependency comes
 * before its dependents (tested). Adding a check = one file in its phase folder (or an entry in a
 * small group's file), one line here, and its unit test.
 */
import {orNotApplicable, type Check, type CheckContext, type ClusterCheckContext} from './types.ts';
// Phase 1 — Cluster & CRDs
import {apiServer, readAccess} from './phase1-cluster/access.ts';
import {gatewayApiCrds} from './phase1-cluster/gateway-api.ts';
import {gatewayApiBundleForEnvoyGateway} from './phase1-cluster/gateway-api-bundle.ts';
import {inferencePoolApi, poolGroupAgreement} from './phase1-cluster/inference-pool.ts';
import {envoyExtensionPolicyApi, inferenceObjectiveApi, kserveApi} from './phase1-cluster/optional-apis.ts';
// Phase 2 — Envoy Gateway
import {controllerAvailable, envoyGatewayVersionCheck} from './phase2-envoy-gateway/controller.ts';
import {gatewayClassCheck} from './phase2-envoy-gateway/gateway-class.ts';
import {envoyGatewayConfigParses, envoyGatewayConfigValid, extensionManagerForPools} from './phase2-envoy-gateway/config.ts';
import {configLoaded, controllerRejectedConfig} from './phase2-envoy-gateway/reload.ts';
import {aiGatewayHooks, aiGatewayPoolVersions, aiGatewayTcpListeners, envoyGatewayHelmValues, envoyGatewayReadsPools} from './phase2-envoy-gateway/ai-gateway.ts';
import {gatewayImplementation, istioInferenceEnabled, istioPoolStatus, istioShadowService, kgatewayInferenceEnabled, kgatewayOneTargetPort, kgatewayPoolStatus} from './phase2-envoy-gateway/implementations.ts';
// Phase 3 — Model serving
import {poolExists, poolsFound, poolStatus} from './phase3-model-serving/pools.ts';
import {inferenceServiceReady} from './phase3-model-serving/inference-service.ts';
import {poolPodsReady, poolSelectsPods, poolTargetPorts} from './phase3-model-serving/pool-pods.ts';
import {poolEndpointPickerRef} from './phase3-model-serving/endpoint-picker-ref.ts';
import {endpointPickerRefMissing, llmInferenceServiceReady} from './phase3-model-serving/llm-inference-service.ts';
// Phase 4 — Inference gateway chart
import {releaseObjectsPresent, releaseStatus} from './phase4-chart/release.ts';
import {gatewayExists, gatewayProgrammed} from './phase4-chart/gateway.ts';
import {eppDeploymentAvailable, eppService, eppServesPool, oneEppPerPool} from './phase4-chart/epp.ts';
import {danglingRouteRefs, httpRouteReferences, httpRouteStatus} from './phase4-chart/route.ts';
import {eppHighAvailability, eppStartupFlags, eppVerbosity, lightweightEpp} from './phase4-chart/epp-flags.ts';
import {modelsShareMatches} from './phase4-chart/models-on-gateway.ts';
import {extensionPolicyAttached, extProcModes, otherExtensionPolicies, wiringCheck} from './phase4-chart/extension-policy.ts';
import {bbrAvailable, bbrConfigMaps, bbrExtProcModes, bbrOnPath, bbrPolicyAccepted, bbrRoutes, bbrService, bbrTls} from './phase4-chart/bbr.ts';
import {extProcMessageSize, listenerNamespaceSelector, onePoolPerRule, routeRequestTimeout, statusCurrent} from './phase4-chart/route-rules.ts';
// Phase 5 — EPP runtime
import {eppRbac} from './phase5-epp-runtime/rbac.ts';
import {eppMetricsAuth} from './phase5-epp-runtime/metrics-auth.ts';
import {eppStreamingBug} from './phase5-epp-runtime/streaming-bug.ts';
import {eppKvCache, eppMetricsLive, eppSeesEndpoints} from './phase5-epp-runtime/metrics.ts';
import {eppLogErrors} from './phase5-epp-runtime/logs.ts';
import {eppShedding} from './phase5-epp-runtime/shedding.ts';
import {modelRewriteRbac} from './phase5-epp-runtime/model-rewrite-rbac.ts';
// Phase 6 — Scheduling config
import {configAppliedAfterRestart} from './phase6-scheduling/config-applied.ts';
import {schedulingConfigValid} from './phase6-scheduling/scheduling-config.ts';
import {metricNamesExist} from './phase6-scheduling/metric-names.ts';
import {configFieldsKnown, pluginParameters, pluginStability} from './phase6-scheduling/router-config.ts';
import {objectivesWatched, sheddableObjectives} from './phase6-scheduling/objectives.ts';
import {roleFiltersKeepPods} from './phase6-scheduling/role-filters.ts';
// Phase 7 — LiteLLM
import {litellmApiBase} from './phase7-litellm/api-base.ts';
import {litellmApiBasePath, litellmServedModel} from './phase7-litellm/model-route.ts';

/**
 * Checks that judge something only when it is there (body-based routing, lwepp, a second replica …)
 * and say why they had nothing to judge otherwise: "not applicable" is a result with its reason
 * (issue 10), given here for the checks added with issue 11 and 16.
 */
const WHEN_ABSENT: Readonly<Record<string, string>> = {
  'IGW-113': 'no Envoy Gateway version or Gateway API bundle version to compare',
  'IGW-209': 'no extension manager that calls Envoy AI Gateway',
  'IGW-210': 'no gateway-helm release values to judge',
  'IGW-211': 'no backendResources entry for InferencePool',
  'IGW-212': 'Envoy Gateway is not asked to read InferencePools',
  'IGW-213': 'no Envoy AI Gateway extension, or no TCP/UDP listener',
  'IGW-308': 'no InferencePool parent reports EndpointPickerRefMissing',
  'IGW-309': 'no LLMInferenceService',
  'IGW-416': "no HTTPRoute rule to this pool on an Envoy Gateway Gateway (other implementations have their own route timeouts)",
  'IGW-417': 'no HTTPRoute rule names more than one InferencePool',
  'IGW-419': 'no listener selects route namespaces by label',
  'IGW-420': 'no EPP policy buffers request bodies and no size error logged',
  'IGW-425': 'no llm-d-router EPP flags to judge',
  'IGW-426': 'no EPP log verbosity set',
  'IGW-427': 'the EPP runs one replica',
  'IGW-428': 'the EPP is not the lightweight lwepp',
  'IGW-429': 'one model per Gateway, or routes told apart by a header',
  'IGW-435': 'no HTTPRoute matches the model header',
  'IGW-436': 'no body-based router runs',
  'IGW-437': 'no body-based router runs',
  'IGW-438': 'no EnvoyExtensionPolicy calls a body-based router',
  'IGW-439': 'no EnvoyExtensionPolicy calls a body-based router',
  'IGW-440': 'no EnvoyExtensionPolicy calls a body-based router',
  'IGW-441': 'no body-based router reads base-model ConfigMaps',
  'IGW-442': 'no route of this pool matches the model header',
  'IGW-604': 'no EndpointPickerConfig to decode',
  'IGW-605': 'no prefix-cache plugin parameters set',
  'IGW-606': 'no plugin that needs --allow-experimental-plugins or is deprecated',
  'IGW-607': 'no InferenceObjective',
  'IGW-608': 'no InferenceObjective with a negative priority',
  'IGW-609': 'no role filter in the EPP config',
  'IGW-702': 'no LiteLLM api_base to judge',
  'IGW-703': 'no LiteLLM model that names this pool',
};

function withReason(c: Check): Check {
  const why = WHEN_ABSENT[c.code];
  if (!why) return c;
  if (c.scope === 'cluster') return {...c, run: (ctx: ClusterCheckContext) => orNotApplicable(c.run(ctx), why)};
  return {...c, run: (ctx: CheckContext) => orNotApplicable(c.run(ctx), why)};
}

export const CATALOG: readonly Check[] = [
  // 1 Cluster & CRDs
  apiServer,
  readAccess,
  gatewayApiCrds,
  gatewayApiBundleForEnvoyGateway,
  inferencePoolApi,
  poolGroupAgreement,
  inferenceObjectiveApi,
  envoyExtensionPolicyApi,
  kserveApi,
  // 2 Gateway controller: which implementation (issue 13), Envoy Gateway, Istio, kgateway
  gatewayImplementation,
  controllerAvailable,
  envoyGatewayVersionCheck,
  gatewayClassCheck,
  envoyGatewayConfigParses,
  envoyGatewayConfigValid,
  extensionManagerForPools,
  configLoaded,
  controllerRejectedConfig,
  envoyGatewayHelmValues,
  aiGatewayHooks,
  aiGatewayPoolVersions,
  envoyGatewayReadsPools,
  aiGatewayTcpListeners,
  istioInferenceEnabled,
  istioPoolStatus,
  istioShadowService,
  kgatewayInferenceEnabled,
  kgatewayPoolStatus,
  kgatewayOneTargetPort,
  // 3 Model serving
  poolsFound,
  poolExists,
  inferenceServiceReady,
  llmInferenceServiceReady,
  poolSelectsPods,
  poolPodsReady,
  poolTargetPorts,
  poolEndpointPickerRef,
  endpointPickerRefMissing,
  poolStatus,
  // 4 Inference gateway chart
  releaseStatus,
  releaseObjectsPresent,
  gatewayExists,
  statusCurrent,
  gatewayProgrammed,
  eppServesPool,
  eppDeploymentAvailable,
  eppService,
  danglingRouteRefs,
  httpRouteReferences,
  listenerNamespaceSelector,
  httpRouteStatus,
  modelsShareMatches,
  routeRequestTimeout,
  onePoolPerRule,
  oneEppPerPool,
  eppStartupFlags,
  eppVerbosity,
  eppHighAvailability,
  lightweightEpp,
  extensionPolicyAttached,
  extProcModes,
  wiringCheck,
  otherExtensionPolicies,
  // body-based routing (issue 16): BBR itself, root causes first, then the routes it feeds
  bbrOnPath,
  bbrAvailable,
  bbrService,
  bbrPolicyAccepted,
  bbrExtProcModes,
  bbrTls,
  bbrConfigMaps,
  bbrRoutes,
  extProcMessageSize,
  // 5 EPP runtime
  eppRbac,
  modelRewriteRbac,
  eppMetricsAuth,
  eppStreamingBug,
  eppMetricsLive,
  eppSeesEndpoints,
  eppKvCache,
  eppShedding,
  eppLogErrors,
  // 6 Scheduling config
  configAppliedAfterRestart,
  schedulingConfigValid,
  metricNamesExist,
  configFieldsKnown,
  pluginParameters,
  pluginStability,
  objectivesWatched,
  sheddableObjectives,
  roleFiltersKeepPods,
  // 7 LiteLLM
  litellmApiBase,
  litellmApiBasePath,
  litellmServedModel,
].map(withReason);

export function catalog(): Check[] {
  return [...CATALOG];
}

export function checkByCode(code: string): Check | undefined {
  return CATALOG.find((c) => c.code === code.toUpperCase());
}
