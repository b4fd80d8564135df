/*
 * The Envoy Gateway configuration file: the `envoy-gateway.yaml` key of the ConfigMap
 * `envoy-gateway-config` (domain facts §4), an `EnvoyGateway` object of
 * gateway.envoyproxy.io/v1alpha1.
 *
 * How Envoy Gateway itself reads it (envoyproxy/gateway internal/envoygateway/config/decoder.go,
 * v1.9.0): a Kubernetes UniversalDeserializer over a scheme that knows only EnvoyGateway. That
 * means: YAML is turned into JSON by sigs.k8s.io/yaml (go-yaml v2, YAML 1.1 scalars: `yes`/`on`
 * are booleans), apiVersion and kind must be present and be exactly
 * gateway.envoyproxy.io/v1alpha1 / EnvoyGateway, unknown fields are dropped silently (not an
 * error), and a value of the wrong JSON type makes the decode fail. We parse with the `yaml`
 * package in YAML 1.1 mode so that what we see is what the controller sees, and keep the parsed
 * Document (comments, order, styles) so that a merge can write back a file that differs only
 * where it must.
 */
import {Document, isMap, parseAllDocuments, type ToStringOptions} from 'yaml';
import {ExitCode, InfgwError} from '../errors.ts';

export const ENVOY_GATEWAY_API_VERSION = 'gateway.envoyproxy.io/v1alpha1';
export const ENVOY_GATEWAY_KIND = 'EnvoyGateway';

/** Where the config lives by default (Envoy Gateway helm chart, domain facts §4). */
export const DEFAULT_CONFIG_LOCATION = {
  namespace: 'envoy-gateway-system',
  configMap: 'envoy-gateway-config',
  key: 'envoy-gateway.yaml',
  deployment: 'envoy-gateway',
} as const;

/** The parsed file as plain data; only the shape we read is typed, the rest is open. */
export interface EnvoyGatewayValue {
  apiVersion?: unknown;
  kind?: unknown;
  [key: string]: unknown;
}

export interface ParsedEnvoyGatewayConfig {
  /** Comment- and order-preserving document; merge functions clone it, never change it. */
  doc: Document;
  /** The same content as plain data (what validation reads). */
  value: EnvoyGatewayValue;
  /** The text it came from. */
  text: string;
}

/** The file could not be read as an EnvoyGateway object; Envoy Gateway would not start with it either. */
export class EnvoyGatewayConfigError extends InfgwError {
  constructor(message: string, hint?: string) {
    super(message, {exitCode: ExitCode.refused, ...(hint ? {hint} : {})});
    this.name = 'EnvoyGatewayConfigError';
  }
}

/** Parse options shared by every function here: YAML 1.1 scalars, as go-yaml v2 reads them. */
export const YAML_PARSE_OPTIONS = {version: '1.1', uniqueKeys: true, prettyErrors: true} as const;

/**
 * Parse `envoy-gateway.yaml`. Throws EnvoyGatewayConfigError with the line and column for YAML
 * syntax errors, for more than one document, for a file that is not a mapping and for a wrong
 * apiVersion/kind — the cases in which Envoy Gateway's decoder fails before any validation.
 */
export function parseEnvoyGatewayConfig(text: string, name = 'envoy-gateway.yaml'): ParsedEnvoyGatewayConfig {
  const docs = parseAllDocuments(text, YAML_PARSE_OPTIONS);
  // A file with only comments or `---` lines yields documents with null contents: ignore them.
  const real = docs.filter((d) => d.contents !== null || d.errors.length > 0);
  const first = real[0];
  if (!first) throw new EnvoyGatewayConfigError(`${name} is empty: Envoy Gateway needs an ${ENVOY_GATEWAY_KIND} object (${ENVOY_GATEWAY_API_VERSION})`);
  if (first.errors.length > 0) {
    const e = first.errors[0]!;
    const at = e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    const detail = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new EnvoyGatewayConfigError(`${name} is not valid YAML${at}: ${detail}`, 'Envoy Gateway cannot decode this file either; fix it by hand first (kubectl edit configmap).');
  }
  if (real.length > 1) {
    throw new EnvoyGatewayConfigError(`${name} holds ${real.length} YAML documents; Envoy Gateway reads one EnvoyGateway object`);
  }
  if (!isMap(first.contents)) {
    throw new EnvoyGatewayConfigError(`${name} is not a YAML mapping (an ${ENVOY_GATEWAY_KIND} object is expected)`);
  }
  const value = first.toJS({maxAliasCount: 100}) as EnvoyGatewayValue;
  if (value.apiVersion !== ENVOY_GATEWAY_API_VERSION || value.kind !== ENVOY_GATEWAY_KIND) {
    const found = `${typeof value.apiVersion === 'string' ? value.apiVersion : '(no apiVersion)'} ${typeof value.kind === 'string' ? value.kind : '(no kind)'}`;
    // decoder.go: anything but gateway.envoyproxy.io/v1alpha1 EnvoyGateway is refused ("failed to
    // decode unmatched resource type"); a missing apiVersion or kind fails even earlier.
    throw new EnvoyGatewayConfigError(`${name} is a ${found}, not an ${ENVOY_GATEWAY_KIND} of ${ENVOY_GATEWAY_API_VERSION}`, 'Envoy Gateway refuses any other apiVersion/kind in its config file.');
  }
  return {doc: first as unknown as Document, value, text};
}

/**
 * The stringify options that reproduce the original text best. The `yaml` package re-emits the
 * whole document; guessing the indentation style keeps a one-key merge from showing up as a
 * re-indentation of unrelated lines (Envoy Gateway's chart, for one, writes block sequences
 * unindented under their key).
 */
export function detectToStringOptions(doc: Document, original: string): ToStringOptions {
  const candidates: ToStringOptions[] = [];
  for (const indent of [2, 4]) for (const indentSeq of [false, true]) candidates.push({indent, indentSeq, lineWidth: 0});
  let best = candidates[0]!;
  let bestScore = Number.POSITIVE_INFINITY;
  const want = original.split('\n');
  for (const opts of candidates) {
    const got = doc.toString(opts);
    if (got === original) return opts;
    const score = lineDistance(want, got.split('\n'));
    if (score < bestScore) {
      bestScore = score;
      best = opts;
    }
  }
  return best;
}

/** Number of lines of a not found at the same position in b (cheap, good enough to rank styles). */
function lineDistance(a: string[], b: string[]): number {
  let n = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) n++;
  return n;
}
