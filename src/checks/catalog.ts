/*
 * The check catalog, in run order: the order a person verifies an install (linkerd's categories,
 * style.md) — read it top to bottom like the install notes it replaces. Every dependency comes
 * before its dependents (tested). Adding a check = one file in its phase folder (or an entry in a
 * small group's file), one line here, and its unit test.
 */
import type {Check} from './types.ts';
// Phase 1 — Cluster & CRDs
import {apiServer, readAccess} from './phase1-cluster/access.ts';
import {gatewayApiCrds} from './phase1-cluster/gateway-api.ts';
import {inferencePoolApi, poolGroupAgreement} from './phase1-cluster/inference-pool.ts';
import {envoyExtensionPolicyApi, inferenceObjectiveApi, kserveApi} from './phase1-cluster/optional-apis.ts';
// Phase 2 — Envoy Gateway
import {controllerAvailable, envoyGatewayVersionCheck} from './phase2-envoy-gateway/controller.ts';
import {gatewayClassCheck} from './phase2-envoy-gateway/gateway-class.ts';
import {envoyGatewayConfigParses, envoyGatewayConfigValid, extensionManagerForPools} from './phase2-envoy-gateway/config.ts';
import {configLoaded, controllerRejectedConfig} from './phase2-envoy-gateway/reload.ts';
import {gatewayImplementation, istioInferenceEnabled, istioPoolStatus, istioShadowService, kgatewayInferenceEnabled, kgatewayOneTargetPort, kgatewayPoolStatus} from './phase2-envoy-gateway/implementations.ts';
// Phase 3 — Model serving
import {poolExists, poolsFound, poolStatus} from './phase3-model-serving/pools.ts';
import {inferenceServiceReady} from './phase3-model-serving/inference-service.ts';
import {poolPodsReady, poolSelectsPods, poolTargetPorts} from './phase3-model-serving/pool-pods.ts';
import {poolEndpointPickerRef} from './phase3-model-serving/endpoint-picker-ref.ts';
// Phase 4 — Inference gateway chart
import {releaseObjectsPresent, releaseStatus} from './phase4-chart/release.ts';
import {gatewayExists, gatewayProgrammed} from './phase4-chart/gateway.ts';
import {eppDeploymentAvailable, eppService, eppServesPool, oneEppPerPool} from './phase4-chart/epp.ts';
import {danglingRouteRefs, httpRouteReferences, httpRouteStatus} from './phase4-chart/route.ts';
import {extensionPolicyAttached, extProcModes, otherExtensionPolicies, wiringCheck} from './phase4-chart/extension-policy.ts';
// Phase 5 — EPP runtime
import {eppRbac} from './phase5-epp-runtime/rbac.ts';
import {eppMetricsAuth} from './phase5-epp-runtime/metrics-auth.ts';
import {eppStreamingBug} from './phase5-epp-runtime/streaming-bug.ts';
import {eppKvCache, eppMetricsLive, eppSeesEndpoints} from './phase5-epp-runtime/metrics.ts';
import {eppLogErrors} from './phase5-epp-runtime/logs.ts';
// Phase 6 — Scheduling config
import {configAppliedAfterRestart} from './phase6-scheduling/config-applied.ts';
import {schedulingConfigValid} from './phase6-scheduling/scheduling-config.ts';
import {metricNamesExist} from './phase6-scheduling/metric-names.ts';
// Phase 7 — LiteLLM
import {litellmApiBase} from './phase7-litellm/api-base.ts';

export const CATALOG: readonly Check[] = [
  // 1 Cluster & CRDs
  apiServer,
  readAccess,
  gatewayApiCrds,
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
  poolSelectsPods,
  poolPodsReady,
  poolTargetPorts,
  poolEndpointPickerRef,
  poolStatus,
  // 4 Inference gateway chart
  releaseStatus,
  releaseObjectsPresent,
  gatewayExists,
  gatewayProgrammed,
  eppServesPool,
  eppDeploymentAvailable,
  eppService,
  danglingRouteRefs,
  httpRouteReferences,
  httpRouteStatus,
  oneEppPerPool,
  extensionPolicyAttached,
  extProcModes,
  wiringCheck,
  otherExtensionPolicies,
  // 5 EPP runtime
  eppRbac,
  eppMetricsAuth,
  eppStreamingBug,
  eppMetricsLive,
  eppSeesEndpoints,
  eppKvCache,
  eppLogErrors,
  // 6 Scheduling config
  configAppliedAfterRestart,
  schedulingConfigValid,
  metricNamesExist,
  // 7 LiteLLM
  litellmApiBase,
];

export function catalog(): Check[] {
  return [...CATALOG];
}

export function checkByCode(code: string): Check | undefined {
  return CATALOG.find((c) => c.code === code.toUpperCase());
}
