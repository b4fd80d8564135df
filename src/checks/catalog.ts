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
import {gatewayApiWatchedCrds} from './phase1-cluster/gateway-api-watched.ts';
import {inferencePoolApi, poolGroupAgreement} from './phase1-cluster/inference-pool.ts';
import {envoyExtensionPolicyApi, inferenceObjectiveApi, kserveApi} from './phase1-cluster/optional-apis.ts';
// Phase 2 — Envoy Gateway
import {controllerAvailable, envoyGatewayVersionCheck} from './phase2-envoy-gateway/controller.ts';
import {gatewayClassCheck} from './phase2-envoy-gateway/gateway-class.ts';
import {envoyGatewayConfigParses, envoyGatewayConfigValid, extensionManagerForPools} from './phase2-envoy-gateway/config.ts';
import {configLoaded, controllerRejectedConfig} from './phase2-envoy-gateway/reload.ts';
import {controllerWatchErrors} from './phase2-envoy-gateway/controller-log.ts';
import {aiGatewayHooks, aiGatewayPoolVersions, aiGatewayTcpListeners, envoyGatewayHelmValues, envoyGatewayReadsPools} from './phase2-envoy-gateway/ai-gateway.ts';
import {agentgatewayEppTls, agentgatewayInferenceEnabled, agentgatewayPoolStatus, gkeBackendPolicy, gkeGatewayClass, gkeHealthCheckPolicy, ngfEppTls, ngfInferenceEnabled, ngfPoolStatus} from './phase2-envoy-gateway/implementations-native.ts';
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
import {eppSaturationDetector} from './phase5-epp-runtime/saturation-detector.ts';
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
// Phase 8 — Request & Envoy proxy (only with --request / --envoy-admin)
import {envoyAdminRead, envoyConnectFailures, envoyEppCluster, envoyExtProcErrors, envoyExtProcFilter, envoyOriginalDstCluster} from './phase8-request/envoy-admin.ts';
import {requestAnswered, requestExtProc, requestFaultAbort, requestNoUpstream, requestNotFound, requestNotSent, requestServedBy, requestShed, requestStreamed, requestTimeout} from './phase8-request/request.ts';

/** A check that declares `whenAbsent` answers "not applicable" with that reason when it finds nothing to judge. */
function withReason(c: Check): Check {
  const why = c.whenAbsent;
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
  gatewayApiWatchedCrds,
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
  controllerWatchErrors,
  aiGatewayTcpListeners,
  istioInferenceEnabled,
  istioPoolStatus,
  istioShadowService,
  kgatewayInferenceEnabled,
  kgatewayPoolStatus,
  kgatewayOneTargetPort,
  agentgatewayInferenceEnabled,
  agentgatewayPoolStatus,
  agentgatewayEppTls,
  ngfInferenceEnabled,
  ngfPoolStatus,
  ngfEppTls,
  gkeGatewayClass,
  gkeHealthCheckPolicy,
  gkeBackendPolicy,
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
  eppSaturationDetector,
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
  // 8 Request & Envoy proxy: the proxy's own config first (it explains what the request meets)
  envoyAdminRead,
  envoyExtProcFilter,
  envoyEppCluster,
  envoyOriginalDstCluster,
  envoyExtProcErrors,
  envoyConnectFailures,
  requestNotSent,
  requestAnswered,
  requestNotFound,
  requestFaultAbort,
  requestExtProc,
  requestNoUpstream,
  requestTimeout,
  requestShed,
  requestServedBy,
  requestStreamed,
].map(withReason);

export function catalog(): Check[] {
  return [...CATALOG];
}

export function checkByCode(code: string): Check | undefined {
  return CATALOG.find((c) => c.code === code.toUpperCase());
}
