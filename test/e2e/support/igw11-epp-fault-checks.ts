// Read-back checks for the faults of test/scenarios/faults-igw11-epp.ts (scenarios.e2e.test.ts runs
// one per fault): what each inject() claims to change, read from the cluster.
import {expect} from 'vitest';
import type {DeploymentJson, Installation} from '../../scenarios/index.ts';
import {podsOf, waitingReason} from '../../scenarios/kube.ts';
import {ALPHA_CONFIG, ROUTER_IMAGE} from '../../scenarios/faults-igw11-epp.ts';

type EppDeployment = DeploymentJson & {spec: {replicas?: number; template: {spec: {containers: {name: string; image?: string; args?: string[]}[]}}}};

async function eppDeployment(inst: Installation): Promise<EppDeployment> {
  return inst.kube.get<EppDeployment>({apiVersion: 'apps/v1', kind: 'Deployment', namespace: inst.names.namespace, name: inst.names.eppDeployment});
}
async function litellmConfig(inst: Installation): Promise<string> {
  const cm = await inst.kube.get<{data: Record<string, string>}>({apiVersion: 'v1', kind: 'ConfigMap', namespace: inst.names.litellmNamespace, name: inst.names.litellmConfigMap});
  return cm.data['config.yaml']!;
}
const eppSelector = (inst: Installation) => ({'app.kubernetes.io/instance': inst.names.release, 'app.kubernetes.io/component': 'epp'});

export const igw11EppFaultChecks = {
  async 'epp-replicas-no-leader-election'(inst: Installation) {
    const d = await eppDeployment(inst);
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.containers.find((c) => c.name === 'epp')!.args).not.toContain('--ha-enable-leader-election');
    expect((await podsOf(inst.kube, inst.names.namespace, eppSelector(inst))).length).toBe(2);
  },
  async 'epp-debug-verbosity'(inst: Installation) {
    const d = await eppDeployment(inst);
    expect(d.spec.template.spec.containers.find((c) => c.name === 'epp')!.args).toContain('--v=4');
  },
  async 'epp-router-alpha-plugin'(inst: Installation) {
    const d = await eppDeployment(inst);
    expect(d.spec.template.spec.containers.find((c) => c.name === 'epp')!.image).toBe(ROUTER_IMAGE);
    const cm = await inst.kube.get<{data: Record<string, string>}>({apiVersion: 'v1', kind: 'ConfigMap', namespace: inst.names.namespace, name: inst.names.eppConfigMap});
    expect(cm.data['epp-config.yaml']).toBe(ALPHA_CONFIG);
    const pods = await podsOf(inst.kube, inst.names.namespace, eppSelector(inst));
    expect(pods.length).toBeGreaterThan(0);
    expect(pods.every((p) => waitingReason(p) === 'CrashLoopBackOff')).toBe(true);
  },
  async 'epp-router-inline-saturation'(inst: Installation) {
    const d = await eppDeployment(inst);
    expect(d.spec.template.spec.containers.find((c) => c.name === 'epp')!.image).toBe(ROUTER_IMAGE);
    const cm = await inst.kube.get<{data: Record<string, string>}>({apiVersion: 'v1', kind: 'ConfigMap', namespace: inst.names.namespace, name: inst.names.eppConfigMap});
    expect(cm.data['epp-config.yaml']).toContain('queueDepthThreshold');
    const pods = await podsOf(inst.kube, inst.names.namespace, eppSelector(inst));
    expect(pods.length > 0 && pods.every((p) => waitingReason(p) === 'CrashLoopBackOff')).toBe(true);
  },
  async 'litellm-api-base-no-v1'(inst: Installation) {
    const text = await litellmConfig(inst);
    expect(text).toContain(`api_base: ${inst.names.gatewayUrl}\n`);
    expect(text).toContain(`model: hosted_vllm/${inst.names.servedModel}\n`);
  },
  async 'litellm-model-not-served'(inst: Installation) {
    const text = await litellmConfig(inst);
    expect(text).toContain(`model: hosted_vllm/Qwen/${inst.names.servedModel}\n`);
    expect(text).toContain(`api_base: ${inst.names.gatewayUrl}/v1\n`);
  },
} satisfies Record<string, (inst: Installation) => Promise<void>>;
