import {describe, expect, it} from 'vitest';
import {EnvoyGatewayConfigError, parseEnvoyGatewayConfig} from '../../../src/envoy/config.ts';
import {ExitCode} from '../../../src/errors.ts';
import {unifiedDiff} from '../../../src/envoy/diff.ts';
import {formatGvk, parseBackendResource, wantedExtensionManager} from '../../../src/envoy/presets.ts';
import {defaultEnvoyGatewayYaml} from './fixtures.ts';

function parseError(text: string): EnvoyGatewayConfigError {
  try {
    parseEnvoyGatewayConfig(text);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvoyGatewayConfigError);
    return error as EnvoyGatewayConfigError;
  }
  throw new Error('expected parseEnvoyGatewayConfig to throw');
}

describe('parseEnvoyGatewayConfig', () => {
  it('parses the real default config into a document and plain data', () => {
    const {doc, value} = parseEnvoyGatewayConfig(defaultEnvoyGatewayYaml());
    expect(value.kind).toBe('EnvoyGateway');
    expect((value.gateway as {controllerName: string}).controllerName).toBe('gateway.envoyproxy.io/gatewayclass-controller');
    expect(doc.getIn(['provider', 'type'])).toBe('Kubernetes');
  });

  it('reads YAML 1.1 booleans the way Envoy Gateway (go-yaml v2) does', () => {
    const {value} = parseEnvoyGatewayConfig('apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyGateway\nextensionApis:\n  enableBackend: yes\n');
    expect((value.extensionApis as {enableBackend: unknown}).enableBackend).toBe(true);
  });

  it('malformed YAML: a clear error with line and column, exit code "refused"', () => {
    const e = parseError('apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyGateway\nprovider:\n  type: Kubernetes\n   bad: indent\n');
    expect(e.message).toMatch(/^envoy-gateway\.yaml is not valid YAML at line 4, column \d+: [A-Z][^\n]*[^:]$/);
    expect(e.exitCode).toBe(ExitCode.refused);
  });

  it('duplicate keys are an error (go-yaml refuses them too)', () => {
    expect(parseError('apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyGateway\nkind: EnvoyGateway\n').message).toMatch(/not valid YAML/);
  });

  it('empty, several documents, not a mapping, wrong kind', () => {
    expect(parseError('').message).toMatch(/is empty/);
    expect(parseError('# only a comment\n').message).toMatch(/is empty/);
    expect(parseError('apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyGateway\n---\nkind: EnvoyGateway\n').message).toMatch(/holds 2 YAML documents/);
    expect(parseError('- a\n- b\n').message).toMatch(/not a YAML mapping/);
    expect(parseError('apiVersion: v1\nkind: ConfigMap\n').message).toBe(
      'envoy-gateway.yaml is a v1 ConfigMap, not an EnvoyGateway of gateway.envoyproxy.io/v1alpha1',
    );
    expect(parseError('kind: EnvoyGateway\n').message).toMatch(/\(no apiVersion\) EnvoyGateway/);
  });
});

describe('presets and --backend-resource', () => {
  it('parses group/version/kind, the core group in two spellings', () => {
    expect(parseBackendResource('inference.networking.k8s.io/v1/InferencePool')).toEqual({group: 'inference.networking.k8s.io', version: 'v1', kind: 'InferencePool'});
    expect(parseBackendResource('v1/Service')).toEqual({group: '', version: 'v1', kind: 'Service'});
    expect(parseBackendResource('/v1/Service')).toEqual({group: '', version: 'v1', kind: 'Service'});
  });

  it('refuses malformed --backend-resource values as usage errors', () => {
    for (const bad of ['InferencePool', 'a/b/c/d', 'inference.networking.k8s.io/v1/inferencepool', 'inference.networking.k8s.io/one/InferencePool', 'Bad_Group/v1/Kind']) {
      expect(() => parseBackendResource(bad), bad).toThrow(expect.objectContaining({exitCode: ExitCode.usage}) as Error);
    }
  });

  it('service-backend is exactly the notes entry; extra resources are appended once', () => {
    expect(wantedExtensionManager('service-backend').backendResources).toEqual([{group: '', kind: 'Service'}]);
    const w = wantedExtensionManager('service-backend', [{group: '', kind: 'Service'}, {group: 'x.io', version: 'v1', kind: 'Thing'}]);
    expect(w.backendResources?.map(formatGvk)).toEqual(['(core)/(no version)/Service', 'x.io/v1/Thing']);
  });
});

describe('unifiedDiff', () => {
  it('is empty for equal texts and git-style otherwise', () => {
    expect(unifiedDiff('a\n', 'a\n', 'f')).toBe('');
    const d = unifiedDiff('a\nb\nc\n', 'a\nB\nc\n', 'envoy-gateway.yaml');
    expect(d).toBe('--- a/envoy-gateway.yaml\n+++ b/envoy-gateway.yaml\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n');
  });
});
