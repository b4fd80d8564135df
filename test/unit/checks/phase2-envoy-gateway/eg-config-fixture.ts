// Envoy Gateway config helpers shared by the phase-2 unit tests: the upstream default config read from
// ../shared/fixtures at test time, a config swapped into the healthy fixture, the install notes' patch.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse, stringify} from 'yaml';
import type {KubeObject} from '../../../../src/kube/client.ts';
import {obj, sharedDir} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** `objs` with envoy-gateway-config's file replaced by `config` (YAML text or an object), changed at `changedAt`. */
export function withConfig(objs: KubeObject[], config: unknown, changedAt = '2026-11-20T08:59:00Z'): KubeObject[] {
  const out = structuredClone(objs);
  const cm = obj<Any>(out, 'ConfigMap', 'envoy-gateway-config');
  cm.data['envoy-gateway.yaml'] = typeof config === 'string' ? config : stringify(config);
  cm.metadata.managedFields = [{manager: 'kubectl-patch', operation: 'Update', time: changedAt}];
  return out;
}

/** The upstream default gateway-helm config (../shared/fixtures), without any extensionManager. */
export function defaultConfig(): Any {
  const cm = parse(readFileSync(join(sharedDir, 'fixtures', 'envoy-gateway-config.default.yaml'), 'utf8')) as Any;
  return parse(cm.data['envoy-gateway.yaml']) as Any;
}

/** What the install notes' `kubectl patch` writes: the whole file replaced by backendResources {"" Service} alone. */
export const NOTES_PATCH =
  'apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyGateway\nmetadata:\n  name: envoy-gateway\n  namespace: envoy-gateway-system\nprovider:\n  type: Kubernetes\nextensionManager:\n  backendResources:\n  - group: ""\n    kind: Service\n';
