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

export const GIE_CRDS_URL = 'https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases/latest/download/manifests.yaml';
export const GATEWAY_API_CRDS_URL = 'https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.4.1/standard-install.yaml';

/**
 * The chart reference for helm commands: the repository is not recorded in a release, so it stays a
 * placeholder; the chart's name and version are (release Secret, chart.metadata).
 */
export function chartRef(chart?: {name: string; version: string}): string {
  return `<repo>/${chart?.name || 'inference-gateway'}${chart?.version ? ` --version ${chart.version}` : ''}`;
}
