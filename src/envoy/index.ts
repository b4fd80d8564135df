/*
 * The Envoy Gateway config library: pure functions over `envoy-gateway.yaml` (no cluster access).
 * patch-envoy writes with them; doctor reads with them.
 */
export {
  DEFAULT_CONFIG_LOCATION,
  ENVOY_GATEWAY_API_VERSION,
  ENVOY_GATEWAY_KIND,
  EnvoyGatewayConfigError,
  parseEnvoyGatewayConfig,
  type EnvoyGatewayValue,
  type ParsedEnvoyGatewayConfig,
} from './config.ts';
export {envoyGatewayWarnings, validateEnvoyGateway, XDS_TRANSLATOR_HOOKS, type ValidationIssue, type ValidationWarning} from './validate.ts';
export {describeServiceTarget, mergeExtensionManager, type MergeConflict, type MergeOptions, type MergeResult} from './merge.ts';
export {
  AI_GATEWAY_SERVICE,
  formatGvk,
  INFERENCE_POOL_GVK,
  parseBackendResource,
  PRESET_NAMES,
  presetExtensionManager,
  sameGvk,
  wantedExtensionManager,
  type ExtensionServiceTarget,
  type GroupVersionKind,
  type PresetName,
  type WantedExtensionManager,
} from './presets.ts';
export {unifiedDiff} from './diff.ts';
export {helmOwnership, helmValuesSnippet, type HelmOwnership} from './helm.ts';
