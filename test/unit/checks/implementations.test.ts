// Issue 13: the same install on Istio and on kgateway — the shared checks run, the Envoy Gateway
// checks are not applicable, and each implementation's own checks judge what makes InferencePool
// routing work there. The objects are the healthy fixture with the Envoy Gateway control plane
// replaced by the implementation's, and statuses shaped as that implementation's source writes them
// (istio/istio pilot/pkg/config/kube/gateway/inferencepool_collection.go, conversion.go,
// gatewaycommon/gatewayclass.go; kgateway-dev/kgateway …/inferenceextension/endpointpicker/status.go,
// validation.go).
import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../src/kube/client.ts';
import {istioShadowServiceName} from '../../../src/model/gateway-controllers.ts';
import {runDoctor} from '../../../src/doctor/run.ts';
import {byCode, doctor, loadObjects, NOW, obj, one, problems, snap} from './fixture.ts';
import {cond, controller, istio, kgateway, withoutEnvoyGateway} from './implementation-fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const envoyGatewayOnly = /^IGW-(20\d|21\d|41[1-4])$/;

describe('issue 13 — Istio', () => {
  it('healthy install: 0 errors, 0 warnings; Istio checks ok; Envoy Gateway checks not applicable; JSON names the implementation', () => {
    const objs = istio();
    const f = doctor(objs);
    expect(problems(f)).toEqual([]);
    expect(one(f, 'IGW-230', 'ok').message).toContain('Istio');
    expect(one(f, 'IGW-220', 'ok').message).toContain('ENABLE_GATEWAY_API_INFERENCE_EXTENSION="true"');
    expect(one(f, 'IGW-221', 'ok').message).toContain('Accepted=True');
    expect(one(f, 'IGW-222', 'ok').message).toContain('EPP qwen-epp:9002');
    expect(f.filter((x) => envoyGatewayOnly.test(x.code))).toEqual([]);
    const report = runDoctor(snap(objs), {now: NOW});
    expect(report.target.pools[0]!.gateway).toEqual({name: 'inference-gateway', namespace: 'llm', className: 'istio', controllerName: 'istio.io/gateway-controller', implementation: 'istio'});
    expect(report.target.pools[0]!.wiring).toBe('native');
  });

  it("-n on an Istio install in a cluster that also runs Envoy Gateway (another team's): no Envoy Gateway check judges that install", () => {
    const eg = loadObjects('healthy-ai-gateway.yaml').filter((o) => ['envoy-gateway-system', 'envoy-ai-gateway-system'].includes(o.metadata.namespace ?? '') || (o.kind === 'GatewayClass' && o.metadata.name === 'envoy-gateway'));
    const f = doctor([...istio(), ...eg], {namespace: 'llm', snapshot: {namespace: 'llm'}});
    expect(problems(f)).toEqual([]);
    expect(one(f, 'IGW-230', 'ok').message).toContain('Istio');
    expect(f.filter((x) => envoyGatewayOnly.test(x.code)).map((x) => `${x.code} ${x.severity}: ${x.message}`)).toEqual([]);
  });

  it('shadow Service name: <pool>-ip-<8 hex of sha256>, cut to 63 characters', () => {
    expect(istioShadowServiceName('qwen')).toMatch(/^qwen-ip-[0-9a-f]{8}$/);
    const long = 'p'.repeat(70);
    expect(istioShadowServiceName(long)).toHaveLength(63);
    expect(istioShadowServiceName(long)).toMatch(/^p{51}-ip-[0-9a-f]{8}$/);
  });

  it('IGW-220: istiod without the flag, route InvalidKind with Istio\'s message → one error on istiod with the install fix; IGW-409 and the pool checks are blocked', () => {
    const objs = istio(null);
    const route = obj<Any>(objs, 'HTTPRoute', 'qwen');
    route.status.parents[0].conditions[1] = cond('ResolvedRefs', false, 'InvalidKind', 'InferencePool is not enabled. To enable, set ENABLE_GATEWAY_API_INFERENCE_EXTENSION to true in istiod');
    obj<Any>(objs, 'InferencePool', 'qwen').status.parents = [];
    objs.splice(objs.findIndex((o) => o.kind === 'Service' && o.metadata.name.startsWith('qwen-ip-')), 1);
    const f = doctor(objs);
    const e = one(f, 'IGW-220', 'error');
    expect(e.object).toMatchObject({kind: 'Deployment', namespace: 'istio-system', name: 'istiod'});
    expect(e.message).toContain('ENABLE_GATEWAY_API_INFERENCE_EXTENSION unset (default false)');
    expect(e.message).toContain('InferencePool is not enabled');
    expect(e.fix).toContain('istioctl install --set values.pilot.env.ENABLE_GATEWAY_API_INFERENCE_EXTENSION=true');
    expect(one(f, 'IGW-409', 'blocked').blockedBy).toEqual(['IGW-220']);
    expect(one(f, 'IGW-221', 'blocked').blockedBy).toEqual(['IGW-220']);
    expect(f.filter((x) => x.severity === 'error').map((x) => x.code)).toEqual(['IGW-220']);
  });

  it('IGW-220: flag "false" is judged like unset; an unparsable value too', () => {
    expect(one(doctor(istio('false')), 'IGW-220', 'error').message).toContain('ENABLE_GATEWAY_API_INFERENCE_EXTENSION="false"');
    expect(one(doctor(istio('yes')), 'IGW-220', 'error').message).toContain('not a boolean');
  });

  it('IGW-220: istiod not in the snapshot, route status says the flag is off → error on the route', () => {
    const objs = istio().filter((o) => o.metadata.name !== 'istiod');
    obj<Any>(objs, 'HTTPRoute', 'qwen').status.parents[0].conditions[1] = cond('ResolvedRefs', false, 'InvalidKind', 'InferencePool is not enabled. To enable, set ENABLE_GATEWAY_API_INFERENCE_EXTENSION to true in istiod');
    const e = one(doctor(objs), 'IGW-220', 'error');
    expect(e.object).toMatchObject({kind: 'HTTPRoute', name: 'qwen'});
  });

  it('IGW-220: istiod not in the snapshot but Istio wrote the pool status → ok (it writes it only with the flag on)', () => {
    const objs = istio().filter((o) => o.metadata.name !== 'istiod');
    expect(one(doctor(objs), 'IGW-220', 'ok').message).toContain('wrote the InferencePool status');
  });

  it("IGW-220: judges the istiod revision that serves the Gateway (istio.io/rev, default when unlabelled)", () => {
    const objs = istio();
    objs.push(controller({name: 'istiod-canary', namespace: 'istio-system', labels: {app: 'istiod', istio: 'pilot', 'istio.io/rev': 'canary'}, container: 'discovery', image: 'docker.io/istio/pilot:1.29.0', env: []}));
    expect(byCode(doctor(objs), 'IGW-220').map((x) => [x.severity, x.object?.name])).toEqual([['ok', 'istiod']]);
    obj<Any>(objs, 'Gateway', 'inference-gateway').metadata.labels = {'istio.io/rev': 'canary'};
    expect(byCode(doctor(objs), 'IGW-220').map((x) => [x.severity, x.object?.name])).toEqual([['error', 'istiod-canary']]);
  });

  it('IGW-220: no istiod found and no status from Istio → info "not verified", never an error', () => {
    const objs = istio().filter((o) => o.metadata.name !== 'istiod');
    obj<Any>(objs, 'InferencePool', 'qwen').status.parents = [];
    const i = one(doctor(objs), 'IGW-220', 'info');
    expect(i.message).toContain("Istio's controller was not found (no Deployment labelled app=istiod)");
    expect(i.message).toContain('not verified');
  });

  it('IGW-221: Istio wrote no status for the pool on its Gateway → warning', () => {
    const objs = istio();
    obj<Any>(objs, 'InferencePool', 'qwen').status.parents = [];
    const w = one(doctor(objs), 'IGW-221', 'warning');
    expect(w.message).toContain('no status from Istio for Gateway llm/inference-gateway');
  });

  it('IGW-307 judges Istio\'s ResolvedRefs=False (InvalidExtensionRef, "Referenced ExtensionRef not found")', () => {
    const objs = istio();
    obj<Any>(objs, 'InferencePool', 'qwen').status.parents[0].conditions[1] = cond('ResolvedRefs', false, 'InvalidExtensionRef', 'Referenced ExtensionRef not found qwen-epp');
    const e = one(doctor(objs), 'IGW-307', 'error');
    expect(e.message).toContain('Referenced ExtensionRef not found qwen-epp');
  });

  it('IGW-222: the shadow Service is missing → error naming it; stale EPP labels → warning', () => {
    const name = istioShadowServiceName('qwen');
    const missing = istio().filter((o) => !(o.kind === 'Service' && o.metadata.name === name));
    const e = one(doctor(missing), 'IGW-222', 'error');
    expect(e.object).toMatchObject({kind: 'Service', namespace: 'llm', name});
    expect(e.message).toContain('does not exist');
    const stale = istio();
    obj<Any>(stale, 'Service', name).metadata.labels['istio.io/inferencepool-extension-port'] = '8000';
    expect(one(doctor(stale), 'IGW-222', 'warning').message).toContain('istio.io/inferencepool-extension-port=8000 (the pool says 9002)');
  });
});

describe('issue 13 — Istio, LiteLLM api_base (IGW-701)', () => {
  const litellm = (apiBase: string): KubeObject =>
    ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {name: 'litellm-config', namespace: 'litellm'},
      data: {'config.yaml': `model_list:\n  - model_name: qwen\n    litellm_params:\n      model: hosted_vllm/qwen\n      api_base: ${apiBase}\n      api_key: "none"\n`},
    }) as KubeObject;
  // istio-discovery files/kube-gateway.yaml: Service "<gateway>-<class>" labelled gateway.networking.k8s.io/gateway-name
  const proxy = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name: 'inference-gateway-istio', namespace: 'llm', labels: {'gateway.networking.k8s.io/gateway-name': 'inference-gateway', 'gateway.istio.io/managed': 'istio.io-gateway-controller'}},
    spec: {type: 'LoadBalancer', ports: [{name: 'http', port: 80}]},
  } as KubeObject;

  it("api_base to Istio's proxy Service of the Gateway → ok", () => {
    const f = doctor([...istio(), proxy, litellm('http://inference-gateway-istio.llm.svc.cluster.local:80/v1')]);
    expect(one(f, 'IGW-701', 'ok').message).toBe('model qwen → proxy Service of Gateway llm/inference-gateway');
  });

  it('<gateway>.<ns>.svc on Istio → error naming the Istio proxy Service, no Envoy Gateway naming', () => {
    const e = one(doctor([...istio(), proxy, litellm('http://inference-gateway.llm.svc.cluster.local:80/v1')]), 'IGW-701', 'error');
    expect(e.message).toContain('its proxy Service is llm/inference-gateway-istio');
    expect(e.message).not.toContain('Envoy Gateway');
    expect(e.fix).toContain('api_base: http://inference-gateway-istio.llm.svc.cluster.local:80/v1');
  });
});

describe('issue 13 — kgateway', () => {
  it('healthy install: 0 errors, 0 warnings; kgateway checks ok; Envoy Gateway checks not applicable', () => {
    const f = doctor(kgateway());
    expect(problems(f)).toEqual([]);
    expect(one(f, 'IGW-230', 'ok').message).toContain('kgateway');
    expect(one(f, 'IGW-225', 'ok').message).toContain('KGW_ENABLE_INFER_EXT="true"');
    expect(one(f, 'IGW-226', 'ok').message).toContain('accepted by controller kgateway.dev/kgateway');
    expect(one(f, 'IGW-227', 'ok').message).toBe('one targetPort (8080)');
    expect(f.filter((x) => envoyGatewayOnly.test(x.code))).toEqual([]);
  });

  it('IGW-225: controller without KGW_ENABLE_INFER_EXT, no pool status → error with the Helm value; IGW-226 blocked', () => {
    const objs = kgateway(null);
    obj<Any>(objs, 'InferencePool', 'qwen').status.parents = [];
    const f = doctor(objs);
    const e = one(f, 'IGW-225', 'error');
    expect(e.object).toMatchObject({kind: 'Deployment', namespace: 'kgateway-system', name: 'kgateway'});
    expect(e.fix).toContain('--set inferenceExtension.enabled=true');
    expect(one(f, 'IGW-226', 'blocked').blockedBy).toEqual(['IGW-225']);
  });

  it('IGW-226: only kgateway\'s {kind: Status, name: default} parent carries the error → error quoting it', () => {
    const objs = kgateway();
    obj<Any>(objs, 'InferencePool', 'qwen').status.parents = [
      {parentRef: {kind: 'Status', name: 'default'}, conditions: [cond('ResolvedRefs', false, 'InvalidExtensionRef', 'error: invalid extensionRef: Service llm/qwen-epp not found')]},
    ];
    const e = one(doctor(objs), 'IGW-226', 'error');
    expect(e.message).toContain('invalid extensionRef: Service llm/qwen-epp not found');
  });

  it('IGW-227: two targetPorts → error (kgateway supports exactly one), fix keeps the first', () => {
    const objs = kgateway();
    obj<Any>(objs, 'InferencePool', 'qwen').spec.targetPorts = [{number: 8080}, {number: 8081}];
    const e = one(doctor(objs), 'IGW-227', 'error');
    expect(e.message).toContain('must have exactly one target port');
    expect(e.fix).toContain('"targetPorts":[{"number":8080}]');
  });

  it("IGW-225: judges the controller in the GatewayClass's parametersRef namespace, not another install's", () => {
    const objs = kgateway();
    obj<Any>(objs, 'GatewayClass', 'kgateway').spec.parametersRef = {group: 'gateway.kgateway.dev', kind: 'GatewayParameters', name: 'kgateway', namespace: 'kgateway-system'};
    objs.push(controller({name: 'kgateway', namespace: 'other-kgateway', labels: {kgateway: 'kgateway'}, container: 'controller', image: 'cr.kgateway.dev/kgateway-dev/kgateway:v2.1.1', env: []}));
    const f = byCode(doctor(objs), 'IGW-225');
    expect(f.map((x) => [x.severity, x.object?.namespace])).toEqual([['ok', 'kgateway-system']]);
  });

  it('IGW-226: kgateway wrote no status for the pool on its Gateway → warning', () => {
    const objs = kgateway();
    obj<Any>(objs, 'InferencePool', 'qwen').status.parents = [];
    expect(one(doctor(objs), 'IGW-226', 'warning').message).toContain('no status from kgateway');
  });
});

describe('issue 13 — other and unknown implementations', () => {
  it('an unknown GatewayClass: info "implementation not checked", no error or warning from the Envoy Gateway checks', () => {
    const objs = withoutEnvoyGateway();
    obj<Any>(objs, 'GatewayClass', 'envoy-gateway').spec.controllerName = 'example.com/gateway-controller';
    const f = doctor(objs);
    expect(one(f, 'IGW-230', 'info').message).toContain('implementation not checked');
    expect(f.filter((x) => envoyGatewayOnly.test(x.code) && x.severity !== 'info')).toEqual([]);
    expect(byCode(f, 'IGW-201')).toEqual([]);
    expect(problems(byCode(f, 'IGW-107'))).toEqual([]);
  });
});
