import {describe, expect, it} from 'vitest';
import {parse} from 'yaml';
import {parseEnvoyGatewayConfig} from '../../../src/envoy/config.ts';
import {helmOwnership, helmValuesSnippet} from '../../../src/envoy/helm.ts';
import {mergeExtensionManager} from '../../../src/envoy/merge.ts';
import {wantedExtensionManager} from '../../../src/envoy/presets.ts';
import {defaultEnvoyGatewayYaml, sharedFile, valuesEnvoyGateway} from './fixtures.ts';

describe('Helm ownership and the equivalent values', () => {
  it('sees the chart default ConfigMap as Helm-managed', () => {
    const cm = parse(sharedFile('fixtures', 'envoy-gateway-config.default.yaml')) as {metadata: {labels: Record<string, string>}};
    expect(helmOwnership(cm.metadata)).toEqual({managed: true});
    expect(helmOwnership({annotations: {'meta.helm.sh/release-name': 'eg', 'meta.helm.sh/release-namespace': 'envoy-gateway-system'}})).toEqual({
      managed: true,
      release: 'eg',
      namespace: 'envoy-gateway-system',
    });
    expect(helmOwnership({labels: {'app.kubernetes.io/managed-by': 'kustomize'}})).toEqual({managed: false});
    expect(helmOwnership(undefined)).toEqual({managed: false});
  });

  it('prints values that equal the AI Gateway values files for the same result', () => {
    const merged = mergeExtensionManager(parseEnvoyGatewayConfig(defaultEnvoyGatewayYaml()), wantedExtensionManager('ai-gateway'));
    const snippet = parse(helmValuesSnippet(parseEnvoyGatewayConfig(merged.text).value)) as {config: {envoyGateway: {extensionManager: unknown}}};
    const base = valuesEnvoyGateway('envoy-gateway-values.envoy-ai-gateway.yaml').extensionManager as object;
    const addon = valuesEnvoyGateway('envoy-gateway-values-addon.inferencepool.yaml').extensionManager as object;
    expect(snippet).toEqual({config: {envoyGateway: {extensionManager: {...base, ...addon}}}});
  });
});
