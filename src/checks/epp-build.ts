/*
 * Which Endpoint Picker build a Deployment runs, and what that build accepts (issue 11, NF12/NF13).
 * Matched on the image's repository path, never on the registry host:
 * - GIE's EPP `…/gateway-api-inference-extension/epp` (GIE v1.5.0 was its last release);
 * - GIE's Lightweight EPP `…/gateway-api-inference-extension/lwepp` (GIE v1.6.0 `cmd/lwepp`,
 *   Makefile LWEPP_IMAGE_NAME): the conformance-only round-robin picker — no EndpointPickerConfig,
 *   no scheduling metrics, no InferenceObjectives;
 * - llm-d-router's `…/llm-d-router-endpoint-picker` (llm-d/llm-d-router config/charts/README.md);
 * - its predecessor `…/llm-d-inference-scheduler` (module github.com/llm-d/llm-d-inference-scheduler).
 * The tag is read with the same helper `kubectl infgw version` uses (src/snapshot/versions.ts).
 */
import type {Container} from '../k8s/objects.ts';
import {imageTag} from '../snapshot/versions.ts';
import {parseVersion} from './helpers.ts';

export type EppBuildKind = 'gie' | 'lwepp' | 'llm-d-router' | 'llm-d-inference-scheduler' | 'unknown';

export interface EppBuild {
  kind: EppBuildKind;
  tag?: string | undefined;
  version?: [number, number, number] | undefined;
  /** "llm-d-router v0.10.0", "GIE EPP v1.5.0", "lwepp v1.6.0", or the image */
  label: string;
}

function repositoryPath(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > lastSlash ? noDigest.slice(0, colon) : noDigest;
}

export function eppBuild(c: Container | undefined): EppBuild {
  const image = c?.image ?? '';
  const path = repositoryPath(image);
  const tag = image ? imageTag(image) : undefined;
  const version = parseVersion(tag);
  const command = [...(c?.command ?? [])].join(' ');
  let kind: EppBuildKind = 'unknown';
  if (/\/gateway-api-inference-extension\/lwepp$/.test(path) || /(^|\/)lwepp(\s|$)/.test(command)) kind = 'lwepp';
  else if (/\/gateway-api-inference-extension\/epp$/.test(path)) kind = 'gie';
  else if (/llm-d-router/.test(path)) kind = 'llm-d-router';
  else if (/llm-d-inference-scheduler/.test(path)) kind = 'llm-d-inference-scheduler';
  const name = {gie: 'GIE EPP', lwepp: 'lwepp', 'llm-d-router': 'llm-d-router', 'llm-d-inference-scheduler': 'llm-d-inference-scheduler', unknown: image || 'EPP'}[kind];
  return {kind, tag, version, label: kind === 'unknown' ? name : `${name}${tag ? ` ${tag}` : ''}`};
}

export function atLeast(b: EppBuild, major: number, minor: number): boolean {
  const v = b.version;
  return v !== undefined && (v[0] > major || (v[0] === major && v[1] >= minor));
}

/**
 * llm-d-router from v0.10.0 decodes the config strictly and refuses Alpha plugins and the old
 * metric flags at start-up. 'yes' for a v0.10+ tag; 'maybe' for a tag that is not a version
 * (latest, main, a digest-only image): the finding then says "if this build is v0.10 or later".
 */
export function strictRouter(b: EppBuild): 'yes' | 'maybe' | 'no' {
  if (b.kind !== 'llm-d-router') return 'no';
  if (!b.version) return 'maybe';
  return atLeast(b, 0, 10) ? 'yes' : 'no';
}
