/*
 * Envoy Gateway's own rules for its config file, re-stated so that we can refuse a change the
 * controller would refuse (it exits at start-up: CrashLoopBackOff; on a live reload it logs
 * "failed to validate EnvoyGateway config" and keeps the old config — domain facts §4).
 *
 * Sources (envoyproxy/gateway v1.9.0):
 * - api/v1alpha1/validation/envoygateway_validate.go — ValidateEnvoyGateway and WarnEnvoyGateway:
 *   the rules and their messages (we keep Envoy Gateway's wording so users can grep its logs).
 * - api/v1alpha1/envoygateway_helpers.go — SetEnvoyGatewayDefaults, which internal/cmd/server.go
 *   and the config loader (internal/envoygateway/config/loader/configloader.go) run BEFORE
 *   validating: a missing `gateway` or `provider` is filled in, an empty one is not.
 * - api/v1alpha1/envoygateway_types.go, shared_types.go, backend_types.go — field names and types.
 * - internal/envoygateway/config/decoder.go — a non-strict decode: unknown fields are dropped
 *   silently (we warn), a value of the wrong JSON type fails the decode (we report an error).
 *
 * Two differences, on purpose: Envoy Gateway stops at the first error, we list all of them (in the
 * order it checks); and the decode-type checks cover the parts we write and the top level, not
 * every nested field of provider/telemetry.
 */
import {ENVOY_GATEWAY_API_VERSION, ENVOY_GATEWAY_KIND} from './config.ts';
import {parseGoDuration as parseGo} from '../k8s/duration.ts';

export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. "extensionManager.hooks". */
  field: string;
  /** Envoy Gateway's own message where it has one. */
  message: string;
}

export type ValidationWarning = ValidationIssue;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
/** Go's JSON decoding: a null (or absent) value leaves a pointer nil. */
function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

// -------------------------------------------------------------------------------------------
// Decode: the JSON types the Go structs accept (a mismatch fails config.Decode).

type Shape =
  | {t: 'string' | 'bool' | 'int' | 'quantity' | 'duration' | 'any'}
  /** fields: known fields (others are warned about unless open) */
  | {t: 'object'; fields?: Record<string, Shape>; open?: boolean}
  | {t: 'list'; of: Shape}
  | {t: 'dict'; of: Shape};

const S = {t: 'string'} as const;
const B = {t: 'bool'} as const;
const I = {t: 'int'} as const;
const Q = {t: 'quantity'} as const;
const D = {t: 'duration'} as const;
const ANY = {t: 'any'} as const;
const OPEN = {t: 'object', open: true} as const;
const obj = (fields: Record<string, Shape>): Shape => ({t: 'object', fields});

const GVK = obj({group: S, version: S, kind: S});
const SECRET_REF = obj({group: S, kind: S, name: S, namespace: S});
const TRANSLATION_ITEM = obj({includeAll: B});
const EXTENSION_SERVICE = obj({
  // BackendEndpoint (inline), then the deprecated host/port, tls, retry (envoygateway_types.go ExtensionService)
  hostname: S,
  fqdn: obj({hostname: S, port: I}),
  ip: obj({address: S, port: I}),
  unix: obj({path: S}),
  zone: S,
  host: S,
  port: I,
  tls: obj({certificateRef: SECRET_REF, clientCertificateRef: SECRET_REF}),
  retry: obj({maxAttempts: I, initialBackoff: D, maxBackoff: D, backoffMultiplier: OPEN, retryableStatusCodes: {t: 'list', of: S}}),
});
const EXTENSION_MANAGER = obj({
  name: S,
  resources: {t: 'list', of: GVK},
  policyResources: {t: 'list', of: GVK},
  backendResources: {t: 'list', of: GVK},
  hooks: obj({
    xdsTranslator: obj({
      pre: {t: 'list', of: S},
      post: {t: 'list', of: S},
      translation: obj({listener: TRANSLATION_ITEM, route: TRANSLATION_ITEM, cluster: TRANSLATION_ITEM, secret: TRANSLATION_ITEM}),
    }),
  }),
  service: EXTENSION_SERVICE,
  failOpen: B,
  maxMessageSize: Q,
});
/** EnvoyGatewaySpec (inline) plus TypeMeta. Nested provider/telemetry/... are checked only as objects. */
const ENVOY_GATEWAY = obj({
  apiVersion: S,
  kind: S,
  gateway: obj({controllerName: S}),
  provider: {t: 'object', fields: {type: S, kubernetes: OPEN, custom: OPEN}},
  logging: obj({level: {t: 'dict', of: S}, encoder: ANY}),
  admin: OPEN,
  telemetry: OPEN,
  xdsServer: {t: 'object', fields: {maxConnectionAge: D, maxConnectionAgeGrace: D, maxReceiveMessageSize: Q}, open: true},
  rateLimit: OPEN,
  extensionManager: EXTENSION_MANAGER,
  extensionManagers: {t: 'list', of: EXTENSION_MANAGER},
  extensionApis: {t: 'object', fields: {enableEnvoyPatchPolicy: B, enableBackend: B, disableLua: B, enableLua: B, enableSDSSecretRef: B}, open: true},
  gatewayAPI: OPEN,
  runtimeFlags: OPEN,
  envoyProxy: OPEN,
});

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (v instanceof Date) return 'a timestamp';
  return 'a mapping';
}

function walk(v: unknown, shape: Shape, path: string, errors: ValidationIssue[], unknown: ValidationWarning[]): void {
  if (!present(v) || shape.t === 'any') return;
  const bad = (want: string): void => {
    errors.push({field: path, message: `cannot be decoded: expected ${want}, found ${jsonType(v)} (Envoy Gateway fails to read the file)`});
  };
  switch (shape.t) {
    case 'string':
    case 'duration':
      if (typeof v !== 'string') bad(shape.t === 'string' ? 'a string' : 'a duration string such as "10s"');
      return;
    case 'bool':
      if (typeof v !== 'boolean') bad('true or false');
      return;
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v)) bad('an integer');
      return;
    case 'quantity':
      if (typeof v !== 'string' && typeof v !== 'number') bad('a quantity such as "4Mi"');
      return;
    case 'list':
      if (!Array.isArray(v)) return bad('a list');
      v.forEach((item, i) => walk(item, shape.of, `${path}[${i}]`, errors, unknown));
      return;
    case 'dict':
      if (!isObj(v)) return bad('a mapping');
      for (const [k, item] of Object.entries(v)) walk(item, shape.of, `${path}.${k}`, errors, unknown);
      return;
    case 'object': {
      if (!isObj(v)) return bad('a mapping');
      for (const [k, item] of Object.entries(v)) {
        const field = shape.fields?.[k];
        const p = path ? `${path}.${k}` : k;
        if (field) walk(item, field, p, errors, unknown);
        else if (!shape.open) unknown.push({field: p, message: 'unknown field: Envoy Gateway ignores it silently (typo or wrong level?)'});
      }
    }
  }
}

// -------------------------------------------------------------------------------------------
// Semantic rules (envoygateway_validate.go ValidateEnvoyGateway), after SetEnvoyGatewayDefaults.

const LOG_COMPONENTS = new Set(['default', 'provider', 'gateway-api', 'xds-translator', 'xds-server', 'xds', 'infrastructure', 'global-ratelimit']);
/** trace/off/critical exist as LogLevel constants but validateEnvoyGatewayLogging accepts only these. */
const LOG_LEVELS = new Set(['debug', 'error', 'warn', 'info']);
/** shared_types.go XDSTranslatorHook (an enum only in the CRD schema; the file loader does not check it). */
export const XDS_TRANSLATOR_HOOKS = ['VirtualHost', 'Route', 'HTTPListener', 'Cluster', 'Endpoints', 'Translation'] as const;

/** Go's time.ParseDuration (src/k8s/duration.ts), in milliseconds; NaN when it would fail. */
export function parseGoDuration(s: string): number {
  return parseGo(s) ?? Number.NaN;
}

/** A Kubernetes resource.Quantity as a number (NaN when it does not parse). */
export function parseQuantity(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return Number.NaN;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/.exec(v.trim());
  if (!m) return Number.NaN;
  const suffix: Record<string, number> = {Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18};
  const s = m[2];
  const mult = s === undefined ? 1 : (suffix[s] ?? 10 ** Number(s.slice(1)));
  return Number(m[1]) * mult;
}

function validateWatch(watch: unknown, field: string, out: ValidationIssue[]): void {
  if (!isObj(watch)) return;
  switch (watch.type) {
    case 'Namespaces':
      if (list(watch.namespaces).length === 0) out.push({field: `${field}.namespaces`, message: "namespaces should be specified when envoy gateway watch mode is 'Namespaces'"});
      return;
    case 'NamespaceSelector':
      if (!present(watch.namespaceSelector)) out.push({field: `${field}.namespaceSelector`, message: "namespaceSelector should be specified when envoy gateway watch mode is 'NamespaceSelector'"});
      return;
    default:
      out.push({field: `${field}.type`, message: "envoy gateway watch mode invalid, should be 'Namespaces' or 'NamespaceSelector'"});
  }
}

function validateCustomProvider(custom: unknown, out: ValidationIssue[]): void {
  if (!isObj(custom)) {
    out.push({field: 'provider.custom', message: 'empty custom provider settings'});
    return;
  }
  const resource = isObj(custom.resource) ? custom.resource : {};
  switch (resource.type) {
    case 'File':
      if (!isObj(resource.file)) out.push({field: 'provider.custom.resource.file', message: "field 'file' should be specified when resource type is 'File'"});
      else if (list(resource.file.paths).length === 0) out.push({field: 'provider.custom.resource.file.paths', message: 'no paths were assigned for file resource provider to watch'});
      break;
    case 'Kubernetes':
      if (isObj(resource.kubernetes)) validateWatch(resource.kubernetes.watch, 'provider.custom.resource.kubernetes.watch', out);
      break;
    default:
      out.push({field: 'provider.custom.resource.type', message: `unsupported resource provider: ${str(resource.type)}`});
  }
  const infra = custom.infrastructure;
  if (!isObj(infra)) return;
  switch (infra.type) {
    case 'Host':
      if (!present(infra.host)) out.push({field: 'provider.custom.infrastructure.host', message: "field 'host' should be specified when infrastructure type is 'Host'"});
      return;
    case 'Remote':
      if (!isObj(infra.remote)) out.push({field: 'provider.custom.infrastructure.remote', message: "field 'remote' should be specified when infrastructure type is 'Remote'"});
      else if (!present(infra.remote.service)) out.push({field: 'provider.custom.infrastructure.remote.service', message: "field 'service' should be specified when infrastructure type is 'Remote'"});
      else validateExtensionService(infra.remote.service, 'provider.custom.infrastructure.remote.service', '', out);
      return;
    default:
      out.push({field: 'provider.custom.infrastructure.type', message: `unsupported infrastructure provider: ${str(infra.type)}`});
  }
}

function validateRateLimit(rl: unknown, out: ValidationIssue[]): void {
  if (!isObj(rl)) return;
  const backend = isObj(rl.backend) ? rl.backend : {};
  if (backend.type !== 'Redis') {
    out.push({field: 'rateLimit.backend.type', message: `unsupported ratelimit backend ${str(backend.type)}`});
    return;
  }
  const redis = backend.redis;
  if (!isObj(redis)) {
    out.push({field: 'rateLimit.backend.redis', message: 'empty ratelimit redis settings'});
    return;
  }
  const hasURL = str(redis.url) !== '';
  const hasURLRef = present(redis.urlRef);
  if (hasURL === hasURLRef) {
    out.push({field: 'rateLimit.backend.redis', message: 'exactly one of ratelimit redis url or urlRef must be set'});
    return;
  }
  if (hasURLRef) {
    const ref = isObj(redis.urlRef) ? redis.urlRef.secretKeyRef : undefined;
    if (!isObj(ref) || str(ref.name) === '' || str(ref.key) === '') {
      out.push({field: 'rateLimit.backend.redis.urlRef.secretKeyRef', message: 'ratelimit redis urlRef.secretKeyRef must set both name and key'});
    } else if (ref.optional === true) {
      out.push({field: 'rateLimit.backend.redis.urlRef.secretKeyRef.optional', message: 'ratelimit redis urlRef.secretKeyRef.optional must not be true; the Secret is required'});
    }
    return;
  }
  // ValidateRedisURL: each comma-separated host must pass Go's url.Parse, which rejects little:
  // control characters, bad %-escapes and a leading ":" (missing scheme) are what we model.
  for (const host of str(redis.url).split(',')) {
    if (/[\u0000-\u001f\u007f]/.test(host) || /%(?![0-9a-fA-F]{2})/.test(host) || host.startsWith(':')) {
      out.push({field: 'rateLimit.backend.redis.url', message: `unknown ratelimit redis url format: ${JSON.stringify(host)}`});
      return;
    }
  }
}

/** validateExtensionService: exactly one target (fqdn | ip | unix | the deprecated host), TLS refs to Secrets. */
function validateExtensionService(service: unknown, field: string, prefix: string, out: ValidationIssue[]): void {
  if (!isObj(service)) {
    out.push({field, message: `${prefix}extension service config is empty`});
    return;
  }
  const host = str(service.host) !== '';
  const fqdn = present(service.fqdn);
  const ip = present(service.ip);
  const unix = present(service.unix);
  if (!host && !fqdn && !ip && !unix) {
    out.push({field, message: `${prefix}extension service must contain a configured target`});
    return;
  }
  if ((fqdn && (ip || unix || host)) || (ip && (fqdn || unix || host)) || (unix && (ip || fqdn || host))) {
    out.push({field, message: `${prefix}only one backend target can be configured for the extension manager`});
    return;
  }
  const tls = service.tls;
  if (!isObj(tls)) return;
  const wrongRef = (ref: unknown): boolean =>
    isObj(ref) && ((present(ref.group) && ref.group !== '') || (present(ref.kind) && ref.kind !== 'Secret'));
  const certRef = isObj(tls.certificateRef) ? tls.certificateRef : {};
  if (wrongRef(certRef)) {
    out.push({field: `${field}.tls.certificateRef`, message: `${prefix}unsupported extension server TLS certificateRef group/kind`});
    return;
  }
  if (present(tls.clientCertificateRef) && wrongRef(tls.clientCertificateRef)) {
    out.push({field: `${field}.tls.clientCertificateRef`, message: `${prefix}unsupported extension server mTLS clientCertificateRef group/kind`});
  }
}

/** validateEnvoyGatewayExtensionManager. `prefix` repeats Envoy Gateway's wrapping for the plural form. */
function validateExtensionManager(em: unknown, field: string, prefix: string, out: ValidationIssue[]): void {
  if (!present(em)) return;
  const m = isObj(em) ? em : {};
  const xds = isObj(m.hooks) ? m.hooks.xdsTranslator : undefined;
  if (!isObj(xds) || (list(xds.pre).length === 0 && list(xds.post).length === 0)) {
    // The notes' patch (backendResources alone) fails here: domain facts §4, §7.
    out.push({field: `${field}.hooks`, message: `${prefix}registered extension has no hooks specified`});
    return;
  }
  validateExtensionService(m.service, `${field}.service`, prefix, out);
}

function validateExtensionManagers(v: Obj, out: ValidationIssue[]): void {
  const single = v.extensionManager;
  const plural = v.extensionManagers;
  if (present(single) && Array.isArray(plural) && plural.length > 0) {
    out.push({field: 'extensionManagers', message: 'extensionManager and extensionManagers are mutually exclusive'});
    return;
  }
  if (Array.isArray(plural) && plural.length === 0) {
    out.push({field: 'extensionManagers', message: 'extensionManagers must contain at least one entry when specified'});
    return;
  }
  if (Array.isArray(plural)) {
    const names = new Set<string>();
    plural.forEach((em, i) => {
      const name = isObj(em) ? str(em.name) : '';
      if (name === '') {
        out.push({field: `extensionManagers[${i}].name`, message: `extension manager at index ${i}: name is required`});
        return;
      }
      if (names.has(name)) {
        out.push({field: `extensionManagers[${i}].name`, message: `extension manager at index ${i}: duplicate name ${JSON.stringify(name)}`});
        return;
      }
      names.add(name);
      validateExtensionManager(em, `extensionManagers[${i}]`, `extension manager ${JSON.stringify(name)}: `, out);
    });
    return;
  }
  validateExtensionManager(single, 'extensionManager', '', out);
}

function validateOpenTelemetrySink(sink: Obj, field: string, out: ValidationIssue[]): void {
  if (sink.protocol !== 'grpc' && sink.protocol !== 'http') {
    out.push({field: `${field}.protocol`, message: `unsupported protocol ${str(sink.protocol)} for OpenTelemetry sink, only 'grpc' and 'http' are supported`});
    return;
  }
  for (const key of ['exportInterval', 'exportTimeout'] as const) {
    if (!present(sink[key])) continue;
    const ms = parseGoDuration(str(sink[key]));
    if (Number.isNaN(ms)) {
      out.push({field: `${field}.${key}`, message: `invalid ${key}: time: invalid duration ${JSON.stringify(str(sink[key]))}`});
      return;
    }
    if (ms <= 0) {
      out.push({field: `${field}.${key}`, message: `${key} must be greater than zero`});
      return;
    }
  }
}

function validateTelemetry(t: unknown, out: ValidationIssue[]): void {
  if (!isObj(t)) return;
  if (isObj(t.metrics)) {
    for (const [i, sink] of list(t.metrics.sinks).entries()) {
      if (!isObj(sink) || sink.type !== 'OpenTelemetry') continue;
      const field = `telemetry.metrics.sinks[${i}].openTelemetry`;
      if (!isObj(sink.openTelemetry)) {
        out.push({field, message: 'OpenTelemetry is required when sink Type is OpenTelemetry'});
        return;
      }
      validateOpenTelemetrySink(sink.openTelemetry, field, out);
    }
  }
  if (present(t.traces)) {
    const sink = isObj(t.traces) && isObj(t.traces.sink) ? t.traces.sink.openTelemetry : undefined;
    if (!isObj(sink)) out.push({field: 'telemetry.traces.sink.openTelemetry', message: 'OpenTelemetry is required when trace sink Type is OpenTelemetry'});
    else validateOpenTelemetrySink(sink, 'telemetry.traces.sink.openTelemetry', out);
  }
}

function validateXDSServer(x: unknown, out: ValidationIssue[]): void {
  if (!isObj(x)) return;
  for (const key of ['maxConnectionAge', 'maxConnectionAgeGrace'] as const) {
    if (!present(x[key])) continue;
    const ms = parseGoDuration(str(x[key]));
    if (Number.isNaN(ms)) out.push({field: `xdsServer.${key}`, message: `invalid xdsServer.${key}: time: invalid duration ${JSON.stringify(str(x[key]))}`});
    else if (ms <= 0) out.push({field: `xdsServer.${key}`, message: `xdsServer.${key} must be greater than zero`});
  }
  if (present(x.maxReceiveMessageSize)) {
    const n = parseQuantity(x.maxReceiveMessageSize);
    if (!(n > 0)) out.push({field: 'xdsServer.maxReceiveMessageSize', message: 'xdsServer.maxReceiveMessageSize must be greater than zero'});
  }
}

/**
 * Everything that would make Envoy Gateway refuse this config: decode failures first, then
 * ValidateEnvoyGateway's rules in its order. An empty list means the controller accepts it.
 */
export function validateEnvoyGateway(value: unknown): ValidationIssue[] {
  const errors: ValidationIssue[] = [];
  if (!isObj(value)) return [{field: '', message: 'envoy gateway config is unspecified'}];
  if (value.apiVersion !== ENVOY_GATEWAY_API_VERSION || value.kind !== ENVOY_GATEWAY_KIND) {
    errors.push({field: 'kind', message: `failed to decode unmatched resource type (want ${ENVOY_GATEWAY_API_VERSION} ${ENVOY_GATEWAY_KIND})`});
  }
  walk(value, ENVOY_GATEWAY, '', errors, []);

  // SetEnvoyGatewayDefaults: only nil pointers are filled in.
  const gateway = present(value.gateway) ? value.gateway : {controllerName: 'gateway.envoyproxy.io/gatewayclass-controller'};
  const provider = present(value.provider) ? value.provider : {type: 'Kubernetes'};

  if (!isObj(gateway) || str(gateway.controllerName) === '') {
    errors.push({field: 'gateway.controllerName', message: 'gateway controllerName is unspecified'});
  }
  const p = isObj(provider) ? provider : {};
  switch (p.type) {
    case 'Kubernetes':
      if (isObj(p.kubernetes)) validateWatch(p.kubernetes.watch, 'provider.kubernetes.watch', errors);
      break;
    case 'Custom':
      validateCustomProvider(p.custom, errors);
      break;
    default:
      errors.push({field: 'provider.type', message: 'unsupported provider type'});
  }
  if (isObj(value.logging) && isObj(value.logging.level)) {
    for (const [component, level] of Object.entries(value.logging.level)) {
      if (!LOG_COMPONENTS.has(component)) {
        errors.push({field: `logging.level.${component}`, message: 'envoy gateway logging components invalid. valid options: system/provider/gateway-api/xds-translator/xds-server/xds/infrastructure'});
      } else if (!LOG_LEVELS.has(str(level))) {
        errors.push({field: `logging.level.${component}`, message: 'envoy gateway logging level invalid. valid options: info/debug/warn/error'});
      }
    }
  }
  validateRateLimit(value.rateLimit, errors);
  validateExtensionManagers(value, errors);
  validateTelemetry(value.telemetry, errors);
  validateXDSServer(value.xdsServer, errors);
  const apis = value.extensionApis;
  if (isObj(apis) && typeof apis.disableLua === 'boolean' && apis.disableLua === (apis.enableLua === true)) {
    errors.push({field: 'extensionApis.disableLua', message: 'disableLua and enableLua must not have the same value'});
  }
  return errors;
}

/**
 * What Envoy Gateway accepts but probably not as meant: its own deprecation warning
 * (WarnEnvoyGateway), fields its non-strict decoder drops silently, hook names it does not know,
 * and, when the running version is known (e.g. from the controller's image tag), fields that
 * release does not have yet.
 */
export function envoyGatewayWarnings(value: unknown, opts: {version?: string | undefined} = {}): ValidationWarning[] {
  const older = (min: [number, number]): boolean => {
    const m = /^v?(\d+)\.(\d+)/.exec(opts.version ?? '');
    if (!m) return false; // version unknown (or a dev build): say nothing
    const [major, minor] = [Number(m[1]), Number(m[2])];
    return major < min[0] || (major === min[0] && minor < min[1]);
  };
  const warnings: ValidationWarning[] = [];
  if (!isObj(value)) return warnings;
  walk(value, ENVOY_GATEWAY, '', [], warnings);
  if (isObj(value.extensionApis) && present(value.extensionApis.disableLua)) {
    warnings.push({field: 'extensionApis.disableLua', message: 'disableLua is deprecated, use enableLua instead'});
  }
  const managers: [string, unknown][] = [['extensionManager', value.extensionManager], ...list(value.extensionManagers).map((em, i): [string, unknown] => [`extensionManagers[${i}]`, em])];
  for (const [field, em] of managers) {
    if (!isObj(em)) continue;
    const xds = isObj(em.hooks) && isObj(em.hooks.xdsTranslator) ? em.hooks.xdsTranslator : {};
    for (const phase of ['pre', 'post'] as const) {
      for (const [i, hook] of list(xds[phase]).entries()) {
        if (!(XDS_TRANSLATOR_HOOKS as readonly unknown[]).includes(hook)) {
          warnings.push({field: `${field}.hooks.xdsTranslator.${phase}[${i}]`, message: `unknown hook ${JSON.stringify(hook)} (known: ${XDS_TRANSLATOR_HOOKS.join(', ')})`});
        }
      }
    }
    // backendResources arrived in v1.5.0 (envoyproxy/gateway#6342), extensionManagers in v1.8.0.
    if (list(em.backendResources).length > 0 && older([1, 5])) {
      warnings.push({field: `${field}.backendResources`, message: `Envoy Gateway ${opts.version} ignores it silently: backendResources needs >= v1.5`});
    }
  }
  if (present(value.extensionManagers) && older([1, 8])) {
    warnings.push({field: 'extensionManagers', message: `Envoy Gateway ${opts.version} ignores it silently: extensionManagers needs >= v1.8`});
  }
  return warnings;
}
