// Read-back checks for the faults of test/scenarios/faults-igw11b.ts (scenarios.e2e.test.ts runs one
// per fault): what each inject() claims to change, read from the cluster.
import {expect} from 'vitest';
import type {DeploymentJson, Installation} from '../../scenarios/index.ts';

type EppDeployment = DeploymentJson & {spec: {template: {spec: {containers: {name: string; image?: string; args?: string[]; env?: {name: string}[]}[]}}}};

export const igw11bFaultChecks = {
  async 'epp-standalone-role-without-pods'(inst: Installation) {
    const {names} = inst;
    const d = await inst.kube.get<EppDeployment>({apiVersion: 'apps/v1', kind: 'Deployment', namespace: names.namespace, name: names.eppDeployment});
    const c = d.spec.template.spec.containers.find((x) => x.name === 'epp')!;
    expect(c.args).not.toContain('--pool-name');
    expect(c.args).toContain(`--endpoint-selector=serving.kserve.io/inferenceservice=${names.inferenceService}`);
    expect(c.env?.map((e) => e.name)).toContain('POD_NAME');
    const role = await inst.kube.get<{rules: {resources: string[]}[]}>({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', namespace: names.namespace, name: names.eppRole});
    expect(role.rules.flatMap((r) => r.resources)).not.toContain('pods');
  },
  async 'epp-saturation-staleness-at-refresh'(inst: Installation) {
    const {names} = inst;
    const cm = await inst.kube.get<{data: Record<string, string>}>({apiVersion: 'v1', kind: 'ConfigMap', namespace: names.namespace, name: names.eppConfigMap});
    expect(cm.data['epp-config.yaml']).toContain('metricsStalenessThreshold: 50ms');
  },
  async 'eg-ai-gateway-tcp-route'(inst: Installation) {
    const {names} = inst;
    const r = await inst.kube.get<{spec: {parentRefs: {name: string}[]}}>({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'TCPRoute', namespace: names.namespace, name: `${names.gateway}-sync`});
    expect(r.spec.parentRefs[0]!.name).toBe(`${names.gateway}-tcp`);
    const gw = await inst.kube.get<{spec: {listeners: {protocol: string}[]}}>({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: names.namespace, name: `${names.gateway}-tcp`});
    expect(gw.spec.listeners.map((l) => l.protocol)).toEqual(['TCP']);
  },
  async 'litellm-route-no-timeout'(inst: Installation) {
    const {names} = inst;
    const r = await inst.kube.get<{spec: {rules: {timeouts?: unknown; backendRefs: {name: string}[]}[]}}>({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: names.litellmNamespace, name: `${names.release}-litellm`});
    expect(r.spec.rules[0]!.timeouts).toBeUndefined();
    expect(r.spec.rules[0]!.backendRefs[0]!.name).toBe(names.litellmDeployment);
  },
  async 'eg-watch-forbidden-listenersets'(inst: Installation) {
    const {names} = inst;
    const d = await inst.kube.get<{spec: {template: {spec: {containers: {name: string; image: string}[]}}}}>({apiVersion: 'apps/v1', kind: 'Deployment', namespace: names.egNamespace, name: names.egDeployment});
    expect(d.spec.template.spec.containers.find((c) => c.name === 'envoy-gateway')!.image).toBe('docker.io/envoyproxy/gateway:v1.8.1');
  },
};
