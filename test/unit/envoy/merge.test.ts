import {describe, expect, it} from 'vitest';
import {parse, stringify} from 'yaml';
import {parseEnvoyGatewayConfig} from '../../../src/envoy/config.ts';
import {unifiedDiff} from '../../../src/envoy/diff.ts';
import {mergeExtensionManager} from '../../../src/envoy/merge.ts';
import {wantedExtensionManager, presetExtensionManager} from '../../../src/envoy/presets.ts';
import {validateEnvoyGateway} from '../../../src/envoy/validate.ts';
import {defaultEnvoyGatewayYaml, notesPatchedYaml, valuesEnvoyGateway} from './fixtures.ts';

const aiGateway = wantedExtensionManager('ai-gateway');

/** The extensionManager a Helm install with AI Gateway's base values + InferencePool addon renders. */
function upstreamAiGatewayExtensionManager(): Record<string, unknown> {
  const base = valuesEnvoyGateway('envoy-gateway-values.envoy-ai-gateway.yaml').extensionManager as Record<string, unknown>;
  const addon = valuesEnvoyGateway('envoy-gateway-values-addon.inferencepool.yaml').extensionManager as Record<string, unknown>;
  return {...base, ...addon};
}

function removedLines(before: string, after: string): string[] {
  return unifiedDiff(before, after, 'x')
    .split('\n')
    .filter((l) => l.startsWith('-') && !l.startsWith('---'));
}

describe('mergeExtensionManager over the real default config (Envoy Gateway v1.9.0 chart)', () => {
  const text = defaultEnvoyGatewayYaml();

  it('adds exactly what the upstream AI Gateway values + InferencePool addon configure, and nothing else changes', () => {
    const parsed = parseEnvoyGatewayConfig(text);
    const r = mergeExtensionManager(parsed, aiGateway);
    expect(r.changed).toBe(true);
    expect(r.conflicts).toEqual([]);
    expect(r.target).toBe('extensionManager');
    const after = parse(r.text) as Record<string, unknown>;
    expect(after.extensionManager).toEqual(upstreamAiGatewayExtensionManager());
    const {extensionManager: _em, ...rest} = after;
    expect(rest).toEqual(parse(text));
    // Only additions: every original line is still there, in order.
    expect(removedLines(text, r.text)).toEqual([]);
    expect(r.text.startsWith(text)).toBe(true);
    expect(validateEnvoyGateway(parseEnvoyGatewayConfig(r.text).value)).toEqual([]);
  });

  it('does not modify the parsed input document', () => {
    const parsed = parseEnvoyGatewayConfig(text);
    mergeExtensionManager(parsed, aiGateway);
    expect(parsed.doc.toString({indentSeq: false})).toBe(text);
    expect(parsed.doc.has('extensionManager')).toBe(false);
  });

  it('is idempotent: a second merge reports changed=false and returns the text untouched', () => {
    const once = mergeExtensionManager(parseEnvoyGatewayConfig(text), aiGateway);
    const twice = mergeExtensionManager(parseEnvoyGatewayConfig(once.text), aiGateway);
    expect(twice.changed).toBe(false);
    expect(twice.changes).toEqual([]);
    expect(twice.text).toBe(once.text);
  });

  it('lists each change for humans', () => {
    const r = mergeExtensionManager(parseEnvoyGatewayConfig(text), aiGateway);
    expect(r.changes).toContain('extensionManager.backendResources: added inference.networking.k8s.io/v1/InferencePool');
    expect(r.changes).toContain('extensionManager.hooks.xdsTranslator.post: added Translation');
    expect(r.changes).toContain('extensionManager.service: set to fqdn ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local:1063');
  });

  it('service-backend preset writes the notes entry alone (which validation then refuses)', () => {
    const r = mergeExtensionManager(parseEnvoyGatewayConfig(text), wantedExtensionManager('service-backend'));
    expect(r.changed).toBe(true);
    expect((parse(r.text) as {extensionManager: unknown}).extensionManager).toEqual({backendResources: [{group: '', kind: 'Service'}]});
    expect(r.text).toContain('- group: ""\n    kind: Service\n');
    expect(validateEnvoyGateway(parseEnvoyGatewayConfig(r.text).value)).toEqual([
      {field: 'extensionManager.hooks', message: 'registered extension has no hooks specified'},
    ]);
  });

  it('adds --backend-resource entries after the preset ones, without duplicates', () => {
    const wanted = wantedExtensionManager('ai-gateway', [
      {group: 'inference.networking.x-k8s.io', version: 'v1alpha2', kind: 'InferencePool'},
      {group: 'inference.networking.k8s.io', version: 'v1', kind: 'InferencePool'},
    ]);
    const r = mergeExtensionManager(parseEnvoyGatewayConfig(text), wanted);
    expect((parse(r.text) as {extensionManager: {backendResources: unknown}}).extensionManager.backendResources).toEqual([
      {group: 'inference.networking.k8s.io', kind: 'InferencePool', version: 'v1'},
      {group: 'inference.networking.x-k8s.io', kind: 'InferencePool', version: 'v1alpha2'},
    ]);
  });
});

describe('mergeExtensionManager over hand-made variants', () => {
  it('keeps comments, key order and an indented-sequence style', () => {
    const text = [
      '# Envoy Gateway config, managed by the platform team',
      'apiVersion: gateway.envoyproxy.io/v1alpha1',
      'kind: EnvoyGateway',
      'provider:',
      '  type: Kubernetes # only Kubernetes here',
      'gateway:',
      '  controllerName: gateway.envoyproxy.io/gatewayclass-controller',
      'logging:',
      '  level:',
      '    # debug while we test',
      '    default: debug',
      'extensionApis:',
      '  enableBackend: true',
      'runtimeFlags:',
      '  enabled:',
      '    - XDSNameSchemeV2',
      '',
    ].join('\n');
    const r = mergeExtensionManager(parseEnvoyGatewayConfig(text), aiGateway);
    expect(r.changed).toBe(true);
    expect(removedLines(text, r.text)).toEqual([]);
    expect(r.text.startsWith(text)).toBe(true);
    // Our own additions follow the file's style: sequences indented under their key.
    expect(r.text).toContain('  backendResources:\n    - group: inference.networking.k8s.io\n');
  });

  it('merges into an existing AI Gateway extensionManager that lacks only the InferencePool backendResource', () => {
    const base = valuesEnvoyGateway('envoy-gateway-values.envoy-ai-gateway.yaml');
    // The base values as the chart renders them (Helm's toYaml: sorted keys).
    const text = stringify({apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyGateway', ...base}, {sortMapEntries: true});
    const r = mergeExtensionManager(parseEnvoyGatewayConfig(text), aiGateway);
    expect(r.changes).toEqual(['extensionManager.backendResources: added inference.networking.k8s.io/v1/InferencePool']);
    expect((parse(r.text) as {extensionManager: unknown}).extensionManager).toEqual(upstreamAiGatewayExtensionManager());
  });

  it("repairs the install notes' config: keeps its Service entry, adds hooks, service and InferencePool", () => {
    const notes = notesPatchedYaml();
    const r = mergeExtensionManager(parseEnvoyGatewayConfig(notes), aiGateway);
    const em = (parse(r.text) as {extensionManager: {backendResources: unknown[]; hooks: unknown; service: unknown}}).extensionManager;
    expect(em.backendResources).toEqual([
      {group: '', kind: 'Service'},
      {group: 'inference.networking.k8s.io', kind: 'InferencePool', version: 'v1'},
    ]);
    expect(em.hooks).toEqual(upstreamAiGatewayExtensionManager().hooks);
    expect(validateEnvoyGateway(parseEnvoyGatewayConfig(r.text).value)).toEqual([]);
    expect(removedLines(notes, r.text)).toEqual([]);
  });

  it('turns an empty flow mapping `extensionManager: {}` into a block mapping', () => {
    const text = 'apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyGateway\nextensionManager: {}\n';
    const r = mergeExtensionManager(parseEnvoyGatewayConfig(text), aiGateway);
    expect(r.text).toMatch(/^extensionManager:\n {2}backendResources:\n/m);
    expect((parse(r.text) as {extensionManager: unknown}).extensionManager).toEqual(upstreamAiGatewayExtensionManager());
  });

  it('sets translation includeAll to true where it was false, and reports it', () => {
    const text = [
      'apiVersion: gateway.envoyproxy.io/v1alpha1',
      'kind: EnvoyGateway',
      'extensionManager:',
      '  hooks:',
      '    xdsTranslator:',
      '      post: [Translation, Cluster, Route]',
      '      translation:',
      '        listener: {includeAll: false}',
      '  service:',
      '    fqdn: {hostname: ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local, port: 1063}',
      '',
    ].join('\n');
    const r = mergeExtensionManager(parseEnvoyGatewayConfig(text), aiGateway);
    expect(r.changes).toContain('extensionManager.hooks.xdsTranslator.translation.listener.includeAll: changed from false to true');
    expect(r.changes.some((c) => c.includes('post: added'))).toBe(false);
    expect(r.changes.some((c) => c.includes('.service'))).toBe(false);
    expect(r.conflicts).toEqual([]);
  });

  it('reports a conflict instead of redirecting another extension server, and replaces it only when asked', () => {
    const text = [
      'apiVersion: gateway.envoyproxy.io/v1alpha1',
      'kind: EnvoyGateway',
      'extensionManager:',
      '  hooks: {xdsTranslator: {post: [Route]}}',
      '  service:',
      '    fqdn: {hostname: my-ext.platform.svc.cluster.local, port: 5005}',
      '    retry: {maxAttempts: 3}',
      '',
    ].join('\n');
    const r = mergeExtensionManager(parseEnvoyGatewayConfig(text), aiGateway);
    expect(r.conflicts).toEqual([
      {
        field: 'extensionManager.service',
        message:
          'points at another extension server (fqdn my-ext.platform.svc.cluster.local:5005); the preset needs fqdn ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local:1063. Not changed; --force replaces it.',
      },
    ]);
    expect((parse(r.text) as {extensionManager: {service: unknown}}).extensionManager.service).toEqual({
      fqdn: {hostname: 'my-ext.platform.svc.cluster.local', port: 5005},
      retry: {maxAttempts: 3},
    });
    const forced = mergeExtensionManager(parseEnvoyGatewayConfig(text), aiGateway, {replaceService: true});
    expect(forced.conflicts).toEqual([]);
    expect((parse(forced.text) as {extensionManager: {service: unknown}}).extensionManager.service).toEqual({
      fqdn: {hostname: 'ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local', port: 1063},
      retry: {maxAttempts: 3},
    });
  });
});

describe('mergeExtensionManager with the plural extensionManagers (Envoy Gateway >= 1.8)', () => {
  const other = [
    '  - name: policy-ext',
    '    hooks: {xdsTranslator: {post: [HTTPListener]}}',
    '    service: {fqdn: {hostname: policy.ext.svc.cluster.local, port: 9000}}',
  ];
  const head = ['apiVersion: gateway.envoyproxy.io/v1alpha1', 'kind: EnvoyGateway', 'extensionManagers:'];

  it('appends a new named entry when no entry points at the AI Gateway service', () => {
    const text = [...head, ...other, ''].join('\n');
    const r = mergeExtensionManager(parseEnvoyGatewayConfig(text), aiGateway);
    expect(r.target).toBe('extensionManagers[1]');
    const ems = (parse(r.text) as {extensionManagers: Record<string, unknown>[]}).extensionManagers;
    expect(ems).toHaveLength(2);
    expect(ems[0]!.name).toBe('policy-ext');
    expect(ems[1]).toEqual({name: 'ai-gateway', ...upstreamAiGatewayExtensionManager()});
    expect(validateEnvoyGateway(parseEnvoyGatewayConfig(r.text).value)).toEqual([]);
    expect(mergeExtensionManager(parseEnvoyGatewayConfig(r.text), aiGateway).changed).toBe(false);
  });

  it('merges into the entry whose service is the AI Gateway controller', () => {
    const text = [
      ...head,
      ...other,
      '  - name: aigw',
      '    hooks: {xdsTranslator: {post: [Translation, Cluster, Route]}}',
      '    service: {fqdn: {hostname: ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local, port: 1063}}',
      '',
    ].join('\n');
    const r = mergeExtensionManager(parseEnvoyGatewayConfig(text), aiGateway);
    expect(r.target).toBe('extensionManagers[1]');
    expect(r.changes.every((c) => c.startsWith('extensionManagers[1].'))).toBe(true);
    expect(r.changes).toContain('extensionManagers[1].backendResources: added inference.networking.k8s.io/v1/InferencePool');
    const ems = (parse(r.text) as {extensionManagers: Record<string, unknown>[]}).extensionManagers;
    expect(ems[0]).toEqual(parse([...head, ...other].join('\n')).extensionManagers[0]);
  });

  it('without a wanted service: merges into the only entry, and refuses to guess among several', () => {
    const one = [...head, ...other, ''].join('\n');
    const r1 = mergeExtensionManager(parseEnvoyGatewayConfig(one), wantedExtensionManager('service-backend'));
    expect(r1.target).toBe('extensionManagers[0]');
    expect(r1.changes).toEqual(['extensionManagers[0].backendResources: added (core)/(no version)/Service']);
    const two = [...head, ...other, '  - name: second', '    service: {ip: {address: 10.0.0.1, port: 1}}', ''].join('\n');
    const r2 = mergeExtensionManager(parseEnvoyGatewayConfig(two), presetExtensionManager('service-backend'));
    expect(r2.changed).toBe(false);
    expect(r2.conflicts[0]?.message).toMatch(/cannot tell which entry/);
  });
});
