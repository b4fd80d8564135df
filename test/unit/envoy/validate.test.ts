import {describe, expect, it} from 'vitest';
import {parseEnvoyGatewayConfig} from '../../../src/envoy/config.ts';
import {envoyGatewayWarnings, parseGoDuration, parseQuantity, validateEnvoyGateway} from '../../../src/envoy/validate.ts';
import {defaultEnvoyGatewayYaml, notesPatchedYaml, valuesEnvoyGateway} from './fixtures.ts';

const HEAD = 'apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyGateway\n';
function errorsOf(body: string): {field: string; message: string}[] {
  return validateEnvoyGateway(parseEnvoyGatewayConfig(HEAD + body).value);
}
function messages(body: string): string[] {
  return errorsOf(body).map((e) => e.message);
}
const HOOKS = '  hooks: {xdsTranslator: {post: [Translation]}}\n';

describe('validateEnvoyGateway: real files', () => {
  it('accepts the chart default config', () => {
    expect(validateEnvoyGateway(parseEnvoyGatewayConfig(defaultEnvoyGatewayYaml()).value)).toEqual([]);
  });

  it('accepts what the AI Gateway values + InferencePool addon configure', () => {
    const base = valuesEnvoyGateway('envoy-gateway-values.envoy-ai-gateway.yaml');
    const addon = valuesEnvoyGateway('envoy-gateway-values-addon.inferencepool.yaml');
    const value = {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'EnvoyGateway',
      ...base,
      extensionManager: {...(base.extensionManager as object), ...(addon.extensionManager as object)},
    };
    expect(validateEnvoyGateway(value)).toEqual([]);
    expect(envoyGatewayWarnings(value, {version: 'v1.9.0'})).toEqual([]);
  });

  it("refuses the install notes' config: registered extension has no hooks specified", () => {
    const {value} = parseEnvoyGatewayConfig(notesPatchedYaml());
    expect(validateEnvoyGateway(value)).toEqual([{field: 'extensionManager.hooks', message: 'registered extension has no hooks specified'}]);
    // and its metadata block is silently dropped by Envoy Gateway's decoder
    expect(envoyGatewayWarnings(value)).toContainEqual({field: 'metadata', message: 'unknown field: Envoy Gateway ignores it silently (typo or wrong level?)'});
  });
});

describe('validateEnvoyGateway: extensionManager rules (envoygateway_validate.go)', () => {
  it('hooks without pre/post are no hooks', () => {
    expect(messages('extensionManager:\n  hooks: {xdsTranslator: {translation: {route: {includeAll: true}}}}\n  service: {fqdn: {hostname: a.b, port: 1}}\n')).toEqual([
      'registered extension has no hooks specified',
    ]);
  });

  it('needs a service, with exactly one target', () => {
    expect(messages(`extensionManager:\n${HOOKS}`)).toEqual(['extension service config is empty']);
    expect(messages(`extensionManager:\n${HOOKS}  service: {retry: {maxAttempts: 2}}\n`)).toEqual(['extension service must contain a configured target']);
    expect(messages(`extensionManager:\n${HOOKS}  service: {fqdn: {hostname: a.b, port: 1}, ip: {address: 10.0.0.1, port: 1}}\n`)).toEqual([
      'only one backend target can be configured for the extension manager',
    ]);
    expect(messages(`extensionManager:\n${HOOKS}  service: {unix: {path: /s}, host: a.b}\n`)).toEqual(['only one backend target can be configured for the extension manager']);
    // The deprecated host alone is a target.
    expect(messages(`extensionManager:\n${HOOKS}  service: {host: a.b, port: 80}\n`)).toEqual([]);
  });

  it('TLS references must be Secrets of the core group', () => {
    expect(messages(`extensionManager:\n${HOOKS}  service:\n    fqdn: {hostname: a.b, port: 1}\n    tls: {certificateRef: {kind: ConfigMap, name: ca}}\n`)).toEqual([
      'unsupported extension server TLS certificateRef group/kind',
    ]);
    expect(messages(`extensionManager:\n${HOOKS}  service:\n    fqdn: {hostname: a.b, port: 1}\n    tls: {certificateRef: {name: ca}, clientCertificateRef: {group: x.io, name: c}}\n`)).toEqual([
      'unsupported extension server mTLS clientCertificateRef group/kind',
    ]);
    expect(messages(`extensionManager:\n${HOOKS}  service:\n    fqdn: {hostname: a.b, port: 1}\n    tls: {certificateRef: {group: "", kind: Secret, name: ca}}\n`)).toEqual([]);
  });

  it('plural: names required and unique, errors wrapped like Envoy Gateway wraps them, exclusive with the singular', () => {
    expect(messages(`extensionManagers:\n- name: a\n${HOOKS.replace('  ', '  ')}  service: {host: x}\n- ${HOOKS.trim()}\n`)).toEqual(['extension manager at index 1: name is required']);
    expect(messages('extensionManagers:\n- name: a\n  service: {host: x}\n')).toEqual(['extension manager "a": registered extension has no hooks specified']);
    expect(messages(`extensionManagers:\n- name: a\n${HOOKS}  service: {host: a.example}\n- name: a\n${HOOKS}  service: {host: b.example}\n`)).toEqual([
      'extension manager at index 1: duplicate name "a"',
    ]);
    // YAML 1.1, as Envoy Gateway reads it: an unquoted `y` is the boolean true, not a host name.
    expect(messages(`extensionManager:\n${HOOKS}  service: {host: y}\n`)[0]).toBe(
      'cannot be decoded: expected a string, found the boolean true (Envoy Gateway fails to read the file)',
    );
    expect(messages('extensionManagers: []\n')).toEqual(['extensionManagers must contain at least one entry when specified']);
    expect(messages(`extensionManager:\n${HOOKS}  service: {host: x}\nextensionManagers:\n- name: a\n${HOOKS}  service: {host: x}\n`)).toEqual([
      'extensionManager and extensionManagers are mutually exclusive',
    ]);
  });
});

describe('validateEnvoyGateway: the other top-level rules', () => {
  it('applies SetEnvoyGatewayDefaults first: a missing gateway/provider is fine, an empty one is not', () => {
    expect(messages('')).toEqual([]);
    expect(messages('gateway: {}\n')).toEqual(['gateway controllerName is unspecified']);
    expect(messages('provider: {}\n')).toEqual(['unsupported provider type']);
    expect(messages('provider: {type: Nomad}\n')).toEqual(['unsupported provider type']);
  });

  it('kubernetes watch modes', () => {
    expect(messages('provider: {type: Kubernetes, kubernetes: {watch: {type: Namespaces}}}\n')).toEqual([
      "namespaces should be specified when envoy gateway watch mode is 'Namespaces'",
    ]);
    expect(messages('provider: {type: Kubernetes, kubernetes: {watch: {type: All}}}\n')).toEqual([
      "envoy gateway watch mode invalid, should be 'Namespaces' or 'NamespaceSelector'",
    ]);
    expect(messages('provider: {type: Kubernetes, kubernetes: {watch: {type: NamespaceSelector, namespaceSelector: {matchLabels: {a: b}}}}}\n')).toEqual([]);
  });

  it('custom provider', () => {
    expect(messages('provider: {type: Custom}\n')).toEqual(['empty custom provider settings']);
    expect(messages('provider: {type: Custom, custom: {resource: {type: File, file: {paths: []}}}}\n')).toEqual(['no paths were assigned for file resource provider to watch']);
    expect(messages('provider: {type: Custom, custom: {resource: {type: File, file: {paths: [/x]}}, infrastructure: {type: Remote, remote: {}}}}\n')).toEqual([
      "field 'service' should be specified when infrastructure type is 'Remote'",
    ]);
  });

  it('logging components and levels', () => {
    expect(messages('logging: {level: {default: trace}}\n')).toEqual(['envoy gateway logging level invalid. valid options: info/debug/warn/error']);
    expect(messages('logging: {level: {controller: info}}\n')).toEqual([
      'envoy gateway logging components invalid. valid options: system/provider/gateway-api/xds-translator/xds-server/xds/infrastructure',
    ]);
    expect(messages('logging: {level: {default: info, xds-server: debug, global-ratelimit: warn}}\n')).toEqual([]);
  });

  it('rate limit, telemetry, xDS server, Lua flags', () => {
    expect(messages('rateLimit: {backend: {type: Memcached}}\n')).toEqual(['unsupported ratelimit backend Memcached']);
    expect(messages('rateLimit: {backend: {type: Redis, redis: {url: "redis:6379", urlRef: {secretKeyRef: {name: a, key: b}}}}}\n')).toEqual([
      'exactly one of ratelimit redis url or urlRef must be set',
    ]);
    expect(messages('rateLimit: {backend: {type: Redis, redis: {urlRef: {secretKeyRef: {name: a, key: b, optional: true}}}}}\n')).toEqual([
      'ratelimit redis urlRef.secretKeyRef.optional must not be true; the Secret is required',
    ]);
    expect(messages('telemetry: {metrics: {sinks: [{type: OpenTelemetry}]}}\n')).toEqual(['OpenTelemetry is required when sink Type is OpenTelemetry']);
    expect(messages('telemetry: {metrics: {sinks: [{type: OpenTelemetry, openTelemetry: {host: h, protocol: grpc, exportInterval: 0s}}]}}\n')).toEqual([
      'exportInterval must be greater than zero',
    ]);
    expect(messages('xdsServer: {maxConnectionAge: 10x}\n')).toEqual(['invalid xdsServer.maxConnectionAge: time: invalid duration "10x"']);
    expect(messages('xdsServer: {maxConnectionAge: 1h30m, maxReceiveMessageSize: 0}\n')).toEqual(['xdsServer.maxReceiveMessageSize must be greater than zero']);
    expect(messages('extensionApis: {disableLua: false}\n')).toEqual(['disableLua and enableLua must not have the same value']);
    expect(messages('extensionApis: {disableLua: false, enableLua: true}\n')).toEqual([]);
  });
});

describe('validateEnvoyGateway: values Envoy Gateway cannot decode', () => {
  it('reports wrong JSON types with the field path', () => {
    expect(errorsOf(`extensionManager:\n${HOOKS}  service: {fqdn: {hostname: a.b, port: "1063"}}\n`)).toEqual([
      {field: 'extensionManager.service.fqdn.port', message: 'cannot be decoded: expected an integer, found the string "1063" (Envoy Gateway fails to read the file)'},
    ]);
    expect(errorsOf('extensionManager:\n  hooks: {xdsTranslator: {post: Translation}}\n  service: {host: x}\n')).toContainEqual({
      field: 'extensionManager.hooks.xdsTranslator.post',
      message: 'cannot be decoded: expected a list, found the string "Translation" (Envoy Gateway fails to read the file)',
    });
    expect(messages(`extensionManager:\n${HOOKS}  service: {host: x}\n  backendResources: [{group: "", kind: Service, version: 1}]\n`)).toEqual([
      'cannot be decoded: expected a string, found the number 1 (Envoy Gateway fails to read the file)',
    ]);
    expect(messages('gateway: gateway.envoyproxy.io/gatewayclass-controller\n')[0]).toMatch(/^cannot be decoded: expected a mapping/);
  });

  it('accepts YAML 1.1 booleans where booleans belong', () => {
    expect(messages('extensionManager:\n  service: {host: x}\n  hooks: {xdsTranslator: {post: [Route], translation: {route: {includeAll: yes}}}}\n')).toEqual([]);
  });
});

describe('envoyGatewayWarnings', () => {
  it('unknown fields inside extensionManager, unknown hooks, disableLua', () => {
    const w = envoyGatewayWarnings(
      parseEnvoyGatewayConfig(`${HEAD}extensionApis: {disableLua: true}\nextensionManager:\n  backendResource: []\n  hooks: {xdsTranslator: {post: [Routes]}}\n  service: {host: x}\n`).value,
    );
    expect(w.map((x) => x.field)).toEqual(['extensionManager.backendResource', 'extensionApis.disableLua', 'extensionManager.hooks.xdsTranslator.post[0]']);
    expect(w[2]!.message).toBe('unknown hook "Routes" (known: VirtualHost, Route, HTTPListener, Cluster, Endpoints, Translation)');
  });

  it('fields the running release does not have, only when the version is known', () => {
    const value = parseEnvoyGatewayConfig(`${HEAD}extensionManagers:\n- name: a\n  backendResources: [{group: x.io, version: v1, kind: K}]\n`).value;
    expect(envoyGatewayWarnings(value, {version: 'v1.4.2'}).map((x) => x.message)).toEqual([
      'Envoy Gateway v1.4.2 ignores it silently: backendResources needs >= v1.5',
      'Envoy Gateway v1.4.2 ignores it silently: extensionManagers needs >= v1.8',
    ]);
    expect(envoyGatewayWarnings(value, {version: 'v1.7.0'}).map((x) => x.field)).toEqual(['extensionManagers']);
    expect(envoyGatewayWarnings(value, {version: 'v1.9.0'})).toEqual([]);
    expect(envoyGatewayWarnings(value)).toEqual([]);
  });
});

describe('Go duration and Kubernetes quantity parsing', () => {
  it('parses like time.ParseDuration and resource.Quantity', () => {
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('-2m')).toBe(-120_000);
    expect(parseGoDuration('10')).toBeNaN();
    expect(parseQuantity('4Mi')).toBe(4 * 2 ** 20);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity(512)).toBe(512);
    expect(parseQuantity('4 MB')).toBeNaN();
  });
});
