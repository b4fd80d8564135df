// issue 13: patch-envoy refuses a Gateway/GatewayClass that is not Envoy Gateway's, saying what that
// implementation needs instead; nothing else is read or written.
import {describe, expect, it} from 'vitest';
import {gatewayImplementation} from '../../../src/envoy/gateway-implementation.ts';
import type {KubeClient} from '../../../src/kube/client.ts';

function kubeWith(objects: Record<string, unknown>): {kube: KubeClient; paths: string[]} {
  const paths: string[] = [];
  const kube = {
    getOptional: async (path: string) => {
      paths.push(path);
      return objects[path];
    },
  } as unknown as KubeClient;
  return {kube, paths};
}

const GW = '/apis/gateway.networking.k8s.io/v1/namespaces/llm/gateways/inference-gateway';
const gc = (name: string, controllerName: string) => ({[`/apis/gateway.networking.k8s.io/v1/gatewayclasses/${name}`]: {metadata: {name}, spec: {controllerName}}});

describe('patch-envoy: the Gateway must be Envoy Gateway\'s (issue 13)', () => {
  it('an Istio Gateway → refusal naming Istio and its flag; only the Gateway and its class are read', async () => {
    const {kube, paths} = kubeWith({[GW]: {metadata: {name: 'inference-gateway'}, spec: {gatewayClassName: 'istio'}}, ...gc('istio', 'istio.io/gateway-controller')});
    const v = await gatewayImplementation(kube, {gateway: 'llm/inference-gateway'});
    expect(v.check).toEqual({gateway: {namespace: 'llm', name: 'inference-gateway'}, className: 'istio', controllerName: 'istio.io/gateway-controller', implementation: 'istio'});
    expect(v.refusal).toContain('Gateway llm/inference-gateway (GatewayClass istio) belongs to Istio (controllerName istio.io/gateway-controller)');
    expect(v.refusal).toContain('ENABLE_GATEWAY_API_INFERENCE_EXTENSION=true');
    expect(v.refusal).toContain('Nothing was written');
    expect(paths).toEqual([GW, '/apis/gateway.networking.k8s.io/v1/gatewayclasses/istio']);
  });

  it('a kgateway class, by --gateway-class → refusal with its Helm value', async () => {
    const {kube} = kubeWith(gc('kgateway', 'kgateway.dev/kgateway'));
    const v = await gatewayImplementation(kube, {gatewayClass: 'kgateway'});
    expect(v.refusal).toContain('GatewayClass kgateway belongs to kgateway');
    expect(v.refusal).toContain('inferenceExtension.enabled=true');
  });

  it('an unknown controller → refused too', async () => {
    const {kube} = kubeWith(gc('mine', 'example.com/gw'));
    expect((await gatewayImplementation(kube, {gatewayClass: 'mine'})).refusal).toContain('controller example.com/gw, not Envoy Gateway');
  });

  it("Envoy Gateway's class (default or another gateway.envoyproxy.io/ name) → no refusal", async () => {
    const {kube} = kubeWith({...gc('eg', 'gateway.envoyproxy.io/gatewayclass-controller'), ...gc('eg2', 'gateway.envoyproxy.io/team-b')});
    expect((await gatewayImplementation(kube, {gatewayClass: 'eg'})).refusal).toBeUndefined();
    expect((await gatewayImplementation(kube, {gatewayClass: 'eg2'})).refusal).toBeUndefined();
  });

  it('a Gateway name without namespace uses -n; a missing Gateway or class is an error, not a refusal', async () => {
    const {kube} = kubeWith({});
    await expect(gatewayImplementation(kube, {gateway: 'inference-gateway', namespace: 'llm'})).rejects.toThrow('Gateway llm/inference-gateway not found');
    await expect(gatewayImplementation(kube, {gatewayClass: 'nope'})).rejects.toThrow('GatewayClass nope not found');
  });
});
