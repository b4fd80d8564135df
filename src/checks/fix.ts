/*
 * Fix texts: exact commands and YAML with the real names filled in. Kept here so the wording of a
 * command is the same everywhere it is suggested.
 */
import {stringify} from 'yaml';

export function nsFlag(ns: string | undefined): string {
  return ns ? ` -n ${ns}` : '';
}

export function yamlBlock(doc: unknown): string {
  return stringify(doc, {lineWidth: 0}).trimEnd();
}

/** `kubectl patch <kind>/<name> -n <ns> --type merge -p '<json>'` */
export function mergePatch(kind: string, ns: string | undefined, name: string, patch: unknown): string {
  return `kubectl patch ${kind.toLowerCase()} ${name}${nsFlag(ns)} --type merge -p '${JSON.stringify(patch)}'`;
}

export function jsonPatch(kind: string, ns: string | undefined, name: string, ops: unknown[]): string {
  return `kubectl patch ${kind.toLowerCase()} ${name}${nsFlag(ns)} --type json -p '${JSON.stringify(ops)}'`;
}

export function restartDeployment(ns: string, name: string): string {
  return `kubectl rollout restart deployment/${name} -n ${ns} && kubectl rollout status deployment/${name} -n ${ns}`;
}

/*
 * Current releases named in fix texts (issue 11 item 7; checked upstream, late 2026):
 *   - Gateway API v1.6.1: Envoy Gateway v1.9.0/v1.9.1 go.mod (sigs.k8s.io/gateway-api v1.6.1) and its
 *     charts/gateway-crds-helm bundle-version annotation — EG v1.9 needs it;
 *   - Envoy Gateway v1.9.1 (module github.com/envoyproxy/gateway@v1.9.1);
 *   - Envoy AI Gateway v1.1.0, built on Envoy Gateway v1.8.1 and Gateway API v1.5.1 (ai-gateway v1.1.0
 *     go.mod) — run it with the Envoy Gateway it is built on;
 *   - GIE v1.6.0: config/crd/bases holds only InferencePool (+ InferencePoolImport); no
 *     InferenceObjective any more, and no EPP;
 *   - llm-d-router v0.10.0: the InferenceObjective / InferenceModelRewrite CRDs (group llm-d.ai,
 *     config/crd/bases/llm-d.ai_*.yaml, kustomization config/crd/kustomization.yaml).
 * Chart registries stay placeholders (the install docs of each project name them).
 */
export const GATEWAY_API_VERSION = 'v1.6.1';
export const ENVOY_GATEWAY_VERSION = 'v1.9.1';
export const AI_GATEWAY_VERSION = 'v1.1.0';
/** The Envoy Gateway release Envoy AI Gateway v1.1.0 is built on. */
export const ENVOY_GATEWAY_FOR_AI_GATEWAY = 'v1.8.1';
export const GIE_VERSION = 'v1.6.0';
export const LLM_D_ROUTER_VERSION = 'v0.10.0';
/** InferencePool v1 only (GIE's Makefile writes manifests.yaml, v1-manifests.yaml, experimental-manifests.yaml). */
export const GIE_CRDS_URL = `https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases/download/${GIE_VERSION}/v1-manifests.yaml`;
export const GATEWAY_API_CRDS_URL = `https://github.com/kubernetes-sigs/gateway-api/releases/download/${GATEWAY_API_VERSION}/standard-install.yaml`;
/** The llm-d.ai InferenceObjective and InferenceModelRewrite CRDs (GIE v1.6 no longer ships them). */
export const LLM_D_OBJECTIVE_CRDS = `kubectl apply -k 'https://github.com/llm-d/llm-d-router/config/crd?ref=${LLM_D_ROUTER_VERSION}'`;
export const EG_CHART = 'oci://<EG chart registry>/envoyproxy/gateway-helm';
export const AI_GATEWAY_CHART = 'oci://<AIGW chart registry>/envoyproxy/ai-gateway-helm';

/**
 * The chart reference for helm commands: the repository is not recorded in a release, so it stays a
 * placeholder; the chart's name and version are (release Secret, chart.metadata).
 */
export function chartRef(chart?: {name: string; version: string}): string {
  return `<repo>/${chart?.name || 'inference-gateway'}${chart?.version ? ` --version ${chart.version}` : ''}`;
}
