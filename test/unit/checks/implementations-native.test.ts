// Issue 13, second part: the same install on agentgateway, NGINX Gateway Fabric and GKE. The
// healthy fixtures (implementation-fixture.ts) carry the objects and statuses those projects write
// (agentgateway/agentgateway controller/…, nginx/nginx-gateway-fabric internal/controller/…, GIE's
// GKE manifests); each fault below is the status that implementation's source writes for it.
import {describe, expect, it} from 'vitest';
import {ngfPoolServiceName} from '../../../src/model/gateway-controllers.ts';
import {runDoctor} from '../../../src/doctor/run.ts';
import {byCode, doctor, NOW, obj, one, problems, snap} from './fixture.ts';
import {agentgateway, cond, controller, gke, kgateway, ngf} from './implementation-fixture.ts';
import type {KubeObject} from '../../../src/kube/client.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const envoyGatewayOnly = /^IGW-(20\d|21\d|41[1-4])$/;

function withEppArgs(objs: KubeObject[], extra: string[]): KubeObject[] {
  const d = obj<Any>(objs, 'Deployment', 'qwen-epp');
  const c = d.spec.template.spec.containers.find((x: Any) => (x.args ?? []).some((a: string) => a.startsWith('--pool-name')));
  c.args = [...c.args.filter((a: string) => !a.startsWith('--secure-serving')), ...extra];
  return objs;
}

describe('issue 13 — agentgateway', () => {
  it('healthy install: 0 errors, 0 warnings; IGW-231…233 ok; no Envoy Gateway check; JSON names the implementation', () => {
    const objs = agentgateway();
    const f = doctor(objs);
    expect(problems(f)).toEqual([]);
    expect(one(f, 'IGW-230', 'ok').message).toContain('agentgateway checks IGW-231…233');
    expect(byCode(f, 'IGW-231').map((x) => x.severity)).toEqual(['ok', 'ok']);
    expect(byCode(f, 'IGW-231')[0]!.message).toContain('AGW_ENABLE_INFER_EXT="true"');
    expect(byCode(f, 'IGW-231')[1]!.message).toContain('may list inferencepools, watch inferencepools, patch inferencepools/status');
    expect(one(f, 'IGW-232', 'ok').message).toContain('Accepted=True');
    expect(one(f, 'IGW-233', 'ok').message).toContain('serves TLS');
    expect(f.filter((x) => envoyGatewayOnly.test(x.code))).toEqual([]);
    expect(f.filter((x) => /^IGW-23[4-9]$/.test(x.code))).toEqual([]);
    const report = runDoctor(snap(objs), {now: NOW});
    expect(report.target.pools[0]!.gateway).toMatchObject({controllerName: 'agentgateway.dev/agentgateway', implementation: 'agentgateway'});
  });

  it('IGW-231: controller without AGW_ENABLE_INFER_EXT, route BackendNotFound "backendRef llm/qwen not found" (reference_indexes.go) → one error with the Helm value; IGW-409 and IGW-232 blocked', () => {
    const objs = agentgateway({flag: null});
    obj<Any>(objs, 'HTTPRoute', 'qwen').status.parents[0].conditions[1] = cond('ResolvedRefs', false, 'BackendNotFound', 'backendRef llm/qwen not found');
    obj<Any>(objs, 'InferencePool', 'qwen').status.parents = [];
    const f = doctor(objs);
    const e = one(f, 'IGW-231', 'error');
    expect(e.object).toMatchObject({kind: 'Deployment', namespace: 'agentgateway-system', name: 'agentgateway'});
    expect(e.message).toContain('AGW_ENABLE_INFER_EXT unset (default false)');
    expect(e.message).toContain('backendRef llm/qwen not found');
    expect(e.fix).toContain('-n agentgateway-system --reuse-values --set inferenceExtension.enabled=true');
    expect(one(f, 'IGW-409', 'blocked').blockedBy).toEqual(['IGW-231']);
    expect(one(f, 'IGW-232', 'blocked').blockedBy).toEqual(['IGW-231']);
    expect(f.filter((x) => x.severity === 'error').map((x) => x.code)).toEqual(['IGW-231']);
  });

  it('IGW-231: controller not in the snapshot, route says the pool is not found while it exists → error on the route', () => {
    const objs = agentgateway().filter((o) => !(o.kind === 'Deployment' && o.metadata.name === 'agentgateway'));
    obj<Any>(objs, 'HTTPRoute', 'qwen').status.parents[0].conditions[1] = cond('ResolvedRefs', false, 'BackendNotFound', 'backendRef llm/qwen not found');
    obj<Any>(objs, 'InferencePool', 'qwen').status.parents = [];
    expect(one(doctor(objs), 'IGW-231', 'error').object).toMatchObject({kind: 'HTTPRoute', name: 'qwen'});
  });

  it('IGW-231: controller not in the snapshot but agentgateway wrote the pool status → ok', () => {
    const objs = agentgateway().filter((o) => !(o.kind === 'Deployment' && o.metadata.name === 'agentgateway'));
    expect(one(doctor(objs), 'IGW-231', 'ok').message).toContain('wrote the InferencePool status');
  });

  it('IGW-231: flag set by hand (controller.extraEnv) without the chart\'s RBAC → error naming the missing rights and the ServiceAccount', () => {
    const f = doctor(agentgateway({rbac: false}));
    const e = one(f, 'IGW-231', 'error');
    expect(e.message).toContain('ServiceAccount agentgateway-system/agentgateway');
    expect(e.message).toContain('may not list inferencepools, watch inferencepools, patch inferencepools/status in namespace llm');
    expect(e.fix).toContain('kubectl create clusterrole agentgateway-inferencepools --verb=list,watch --resource=inferencepools.inference.networking.k8s.io');
    expect(e.fix).toContain('kubectl create clusterrolebinding agentgateway-inferencepools --clusterrole=agentgateway-inferencepools --serviceaccount=agentgateway-system:agentgateway');
    expect(e.fix).toContain('--verb=patch --resource=inferencepools/status.inference.networking.k8s.io');
  });

  it('IGW-231: RBAC unreadable → info "not verified", never an error', () => {
    const f = doctor(agentgateway({rbac: false}), {snapshot: {errors: {ClusterRoleBinding: {reason: 'forbidden', message: 'forbidden'}}}});
    expect(one(f, 'IGW-231', 'info').message).toContain('not verified');
    expect(byCode(f, 'IGW-231').filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('IGW-232: no Gateway attached and a bad endpointPickerRef → agentgateway writes {kind: Status, name: default} ResolvedRefs=False "error: …" → error', () => {
    const objs = agentgateway();
    obj<Any>(objs, 'InferencePool', 'qwen').status.parents = [
      {
        parentRef: {kind: 'Status', name: 'default'},
        controllerName: 'agentgateway.dev/agentgateway',
        conditions: [cond('Accepted', true, 'Accepted', 'InferencePool has been accepted by controller agentgateway.dev/agentgateway'), cond('ResolvedRefs', false, 'InvalidExtensionRef', 'error: endpointPickerRef Service llm/qwen-epp not found')],
      },
    ];
    const e = one(doctor(objs), 'IGW-232', 'error');
    expect(e.message).toContain('endpointPickerRef Service llm/qwen-epp not found');
    expect(e.fix).toContain('kubectl get svc qwen-epp -n llm');
  });

  it('IGW-232: no parent of agentgateway for the Gateway (another controller\'s parent does not count) → warning', () => {
    const objs = agentgateway();
    obj<Any>(objs, 'InferencePool', 'qwen').status.parents[0].controllerName = 'example.com/other';
    expect(one(doctor(objs), 'IGW-232', 'warning').message).toContain('no status from agentgateway (agentgateway.dev/agentgateway) for Gateway llm/inference-gateway');
  });

  it('IGW-231: the agentgateway class served by a kgateway controller of the time before the split (KGW_ENABLE_AGENT_GATEWAY) is judged by KGW_ENABLE_INFER_EXT', () => {
    const base = agentgateway().filter((o) => !(o.kind === 'Deployment' && o.metadata.name === 'agentgateway'));
    const kgw = (env: {name: string; value: string}[]) =>
      controller({name: 'kgateway', namespace: 'kgateway-system', labels: {kgateway: 'kgateway', 'app.kubernetes.io/instance': 'kgateway'}, container: 'controller', image: 'cr.kgateway.dev/kgateway-dev/kgateway:v2.1.1', env});
    const on = doctor([...base, kgw([{name: 'KGW_ENABLE_AGENT_GATEWAY', value: 'true'}, {name: 'KGW_ENABLE_INFER_EXT', value: 'true'}])]);
    expect(one(on, 'IGW-231', 'ok').message).toContain('agentgateway (served by kgateway) controller kgateway-system/kgateway available, KGW_ENABLE_INFER_EXT="true"');
    const objs = [...base, kgw([{name: 'KGW_ENABLE_AGENT_GATEWAY', value: 'true'}])];
    obj<Any>(objs, 'InferencePool', 'qwen').status.parents = [];
    const e = one(doctor(objs), 'IGW-231', 'error');
    expect(e.object).toMatchObject({kind: 'Deployment', namespace: 'kgateway-system', name: 'kgateway'});
    expect(e.fix).toContain('helm upgrade kgateway oci://<kgateway chart registry>/kgateway -n kgateway-system --reuse-values --set inferenceExtension.enabled=true');
    // a kgateway controller without agentgateway support is not agentgateway's: nothing judged, no error
    const other = [...base, kgw([])];
    obj<Any>(other, 'InferencePool', 'qwen').status.parents = [];
    expect(one(doctor(other), 'IGW-231', 'info').message).toContain('not verified');
  });

  it('IGW-233: EPP with --secure-serving=false → error on the EPP (agentgateway always speaks TLS to it)', () => {
    const e = one(doctor(withEppArgs(agentgateway(), ['--secure-serving=false'])), 'IGW-233', 'error');
    expect(e.object).toMatchObject({kind: 'Deployment', name: 'qwen-epp'});
    expect(e.fix).toContain('remove --secure-serving=false');
  });
});

describe('issue 13 — NGINX Gateway Fabric', () => {
  it('healthy install: 0 errors, 0 warnings; IGW-234…236 ok; no Envoy Gateway check', () => {
    const f = doctor(ngf());
    expect(problems(f)).toEqual([]);
    expect(one(f, 'IGW-230', 'ok').message).toContain('NGINX Gateway Fabric checks IGW-234…236');
    expect(byCode(f, 'IGW-234').map((x) => x.severity)).toEqual(['ok', 'ok']);
    expect(byCode(f, 'IGW-234')[0]!.message).toContain('--gateway-api-inference-extension set');
    expect(byCode(f, 'IGW-235').map((x) => `${x.severity} ${x.message}`)).toEqual([
      'ok NGINX Gateway Fabric reports llm/qwen on Gateway llm/inference-gateway: Accepted=True (Accepted: The InferencePool is accepted by the Gateway.)',
      "ok headless Service qwen-pool-svc selects the pool's pods",
    ]);
    expect(one(f, 'IGW-236', 'ok').message).toContain('TLS, certificate not verified');
    expect(f.filter((x) => envoyGatewayOnly.test(x.code))).toEqual([]);
  });

  it('pool Service name: <pool>-pool-svc, hashed and cut to 63 characters for long names (resource.go truncateAndHashName)', () => {
    expect(ngfPoolServiceName('qwen')).toBe('qwen-pool-svc');
    const long = 'p'.repeat(60);
    expect(ngfPoolServiceName(long)).toHaveLength(63);
    expect(ngfPoolServiceName(long)).toMatch(/^p{45}-[0-9a-f]{8}-pool-svc$/);
  });

  it('IGW-234: controller without --gateway-api-inference-extension, route BackendNotFound on the pool name (backend_refs.go) → one error with the Helm value; IGW-409 and IGW-235 blocked', () => {
    const objs = ngf({flag: false, rbac: false}).filter((o) => o.metadata.name !== 'qwen-pool-svc');
    obj<Any>(objs, 'HTTPRoute', 'qwen').status.parents[0].conditions[1] = cond('ResolvedRefs', false, 'BackendNotFound', 'spec.rules[0].backendRefs[0].name: Not found: "qwen"');
    obj<Any>(objs, 'InferencePool', 'qwen').status.parents = [];
    const f = doctor(objs);
    const e = one(f, 'IGW-234', 'error');
    expect(e.object).toMatchObject({kind: 'Deployment', namespace: 'nginx-gateway', name: 'ngf-nginx-gateway-fabric'});
    expect(e.message).toContain('without --gateway-api-inference-extension (default off)');
    expect(e.message).toContain('Not found: "qwen"');
    expect(e.fix).toContain('helm upgrade ngf oci://<nginx-gateway-fabric chart registry>/nginx-gateway-fabric -n nginx-gateway --reuse-values --set nginxGateway.gwAPIInferenceExtension.enable=true');
    expect(one(f, 'IGW-409', 'blocked').blockedBy).toEqual(['IGW-234']);
    expect(one(f, 'IGW-235', 'blocked').blockedBy).toEqual(['IGW-234']);
    expect(f.filter((x) => x.severity === 'error').map((x) => x.code)).toEqual(['IGW-234']);
  });

  it('IGW-234: a controller of another controllerName is not this Gateway\'s', () => {
    const objs = ngf();
    const other = structuredClone(obj<Any>(objs, 'Deployment', 'ngf-nginx-gateway-fabric'));
    other.metadata.name = 'other-ngf';
    other.spec.template.spec.containers[0].args = ['controller', '--gateway-ctlr-name=gateway.nginx.org/other'];
    objs.push(other as KubeObject);
    expect(problems(doctor(objs))).toEqual([]);
  });

  it('IGW-234: ClusterRole without inferencepools/status update → error', () => {
    const objs = ngf();
    obj<Any>(objs, 'ClusterRole', 'ngf-nginx-gateway-fabric').rules.pop();
    const e = one(doctor(objs), 'IGW-234', 'error');
    expect(e.message).toContain('may not update inferencepools/status in namespace llm');
    expect(e.fix).toContain('--set nginxGateway.gwAPIInferenceExtension.enable=true');
  });

  it('IGW-235: headless Service <pool>-pool-svc gone, route BackendNotFound on it → error naming the Service; IGW-409 blocked by it', () => {
    const objs = ngf().filter((o) => o.metadata.name !== 'qwen-pool-svc');
    obj<Any>(objs, 'HTTPRoute', 'qwen').status.parents[0].conditions[1] = cond('ResolvedRefs', false, 'BackendNotFound', 'spec.rules[0].backendRefs[0].name: Not found: "qwen-pool-svc"');
    const f = doctor(objs);
    const e = one(f, 'IGW-235', 'error');
    expect(e.object).toMatchObject({kind: 'Service', namespace: 'llm', name: 'qwen-pool-svc'});
    expect(e.fix).toContain('kubectl annotate inferencepool qwen -n llm');
    expect(one(f, 'IGW-409', 'blocked').blockedBy).toEqual(['IGW-235']);
    expect(f.filter((x) => x.severity === 'error').map((x) => x.code)).toEqual(['IGW-235']);
  });

  it('IGW-235: no status from NGINX Gateway Fabric → warning (and no Service expected from it yet)', () => {
    const objs = ngf().filter((o) => o.metadata.name !== 'qwen-pool-svc');
    obj<Any>(objs, 'InferencePool', 'qwen').status.parents = [];
    const f = doctor(objs);
    expect(one(f, 'IGW-235', 'warning').message).toContain('no status from NGINX Gateway Fabric for Gateway llm/inference-gateway');
    expect(byCode(f, 'IGW-235').filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('IGW-236: --endpoint-picker-disable-tls against an EPP serving TLS → error with the Helm value', () => {
    const objs = ngf();
    obj<Any>(objs, 'Deployment', 'ngf-nginx-gateway-fabric').spec.template.spec.containers[0].args.push('--endpoint-picker-disable-tls');
    const e = one(doctor(objs), 'IGW-236', 'error');
    expect(e.fix).toContain('--set nginxGateway.gwAPIInferenceExtension.endpointPicker.disableTLS=false');
  });

  it('IGW-236: TLS on (default) against an EPP with --secure-serving=false → error on the EPP', () => {
    const e = one(doctor(withEppArgs(ngf(), ['--secure-serving=false'])), 'IGW-236', 'error');
    expect(e.object).toMatchObject({kind: 'Deployment', name: 'qwen-epp'});
  });

  it('IGW-236: --endpoint-picker-tls-skip-verify=false → error (the EPP certificate is self-signed)', () => {
    const objs = ngf();
    const c = obj<Any>(objs, 'Deployment', 'ngf-nginx-gateway-fabric').spec.template.spec.containers[0];
    c.args = c.args.map((a: string) => (a.startsWith('--endpoint-picker-tls-skip-verify') ? '--endpoint-picker-tls-skip-verify=false' : a));
    expect(one(doctor(objs), 'IGW-236', 'error').fix).toContain('endpointPicker.skipVerify=true');
  });
});

describe('issue 13 — GKE', () => {
  it('healthy install: 0 errors, 0 warnings; IGW-237…239 ok; IGW-230 info says what is not checked', () => {
    const f = doctor(gke());
    expect(problems(f)).toEqual([]);
    expect(one(f, 'IGW-230', 'info').message).toContain('not checked: the Google Cloud load balancer');
    expect(one(f, 'IGW-237', 'ok').message).toContain('gke-l7-regional-external-managed');
    expect(one(f, 'IGW-238', 'ok').message).toContain('/health port 8080');
    expect(one(f, 'IGW-239', 'ok').message).toContain('timeoutSec 300');
    expect(f.filter((x) => envoyGatewayOnly.test(x.code))).toEqual([]);
  });

  it('CRDs not served (not a GKE cluster, or lists 404) → IGW-238/239 info "not checked", no warning', () => {
    const notServed = {reason: 'notServed' as const, message: 'the server could not find the requested resource'};
    const f = doctor(gke({policies: false}), {snapshot: {errors: {GKEHealthCheckPolicy: notServed, GCPBackendPolicy: notServed}}});
    expect(problems(f)).toEqual([]);
    expect(one(f, 'IGW-238', 'info').message).toContain('not served in this cluster: not checked');
    expect(one(f, 'IGW-239', 'info').message).toContain('not served in this cluster: not checked');
  });

  it('no policies → info with the policies to apply (GIE chart provider.name=gke), never a warning', () => {
    const f = doctor(gke({policies: false}));
    expect(problems(f)).toEqual([]);
    expect(one(f, 'IGW-238', 'info').fix).toContain('requestPath: /health\n        port: 8080');
    expect(one(f, 'IGW-239', 'info').fix).toContain('timeoutSec: 300');
  });

  it('policies targeting the old group inference.networking.x-k8s.io (GIE config/manifests/gateway/gke/*.yaml) → warnings with a patch to the pool\'s group', () => {
    const f = doctor(gke({policyGroup: 'inference.networking.x-k8s.io'}));
    const w = one(f, 'IGW-238', 'warning');
    expect(w.object).toMatchObject({kind: 'HealthCheckPolicy', namespace: 'llm', name: 'qwen'});
    expect(w.fix).toBe(`kubectl patch healthcheckpolicy qwen -n llm --type merge -p '{"spec":{"targetRef":{"group":"inference.networking.k8s.io"}}}'`);
    expect(one(f, 'IGW-239', 'warning').fix).toContain('kubectl patch gcpbackendpolicy qwen -n llm');
  });

  it('IGW-238: health check on a port the pool does not serve → warning', () => {
    const objs = gke();
    obj<Any>(objs, 'HealthCheckPolicy', 'qwen').spec.default.config.httpHealthCheck.port = 8000;
    expect(one(doctor(objs), 'IGW-238', 'warning').message).toContain('probes port 8000, but InferencePool llm/qwen serves on 8080');
  });

  it('IGW-237: class not accepted → error; a global gke-l7 class → info (cannot tell), never an error', () => {
    const objs = gke();
    obj<Any>(objs, 'GatewayClass', 'gke-l7-regional-external-managed').status.conditions = [cond('Accepted', false, 'InvalidParameters', 'invalid')];
    expect(one(doctor(objs), 'IGW-237', 'error').fix).toBe('kubectl describe gatewayclass gke-l7-regional-external-managed');
    const global = gke();
    obj<Any>(global, 'GatewayClass', 'gke-l7-regional-external-managed').metadata.name = 'gke-l7-global-external-managed';
    obj<Any>(global, 'Gateway', 'inference-gateway').spec.gatewayClassName = 'gke-l7-global-external-managed';
    const f = doctor(global);
    expect(one(f, 'IGW-237', 'info').message).toContain('cannot tell');
    expect(problems(f)).toEqual([]);
  });
});

describe('issue 13 — kgateway, the route status it writes with KGW_ENABLE_INFER_EXT off', () => {
  it('controller not in the snapshot, route ResolvedRefs=False InvalidKind "unknown backend kind" (v2.0/v2.1 query.ProcessBackendError) → IGW-225 error on the route', () => {
    const objs = kgateway().filter((o) => !(o.kind === 'Deployment' && o.metadata.name === 'kgateway'));
    obj<Any>(objs, 'HTTPRoute', 'qwen').status.parents[0].conditions = [cond('Accepted', true, 'Accepted', 'Successfully accepted Route'), cond('ResolvedRefs', false, 'InvalidKind', 'unknown backend kind')];
    obj<Any>(objs, 'InferencePool', 'qwen').status.parents = [];
    const f = doctor(objs);
    const e = one(f, 'IGW-225', 'error');
    expect(e.object).toMatchObject({kind: 'HTTPRoute', name: 'qwen'});
    expect(e.message).toContain('"unknown backend kind"');
    expect(one(f, 'IGW-409', 'blocked').blockedBy).toEqual(['IGW-225']);
  });

  it('controller without the flag and that route status → one error on the controller that quotes it', () => {
    const objs = kgateway(null);
    obj<Any>(objs, 'HTTPRoute', 'qwen').status.parents[0].conditions = [cond('Accepted', true, 'Accepted', 'Successfully accepted Route'), cond('ResolvedRefs', false, 'InvalidKind', 'unknown backend kind')];
    obj<Any>(objs, 'InferencePool', 'qwen').status.parents = [];
    const e = one(doctor(objs), 'IGW-225', 'error');
    expect(e.object).toMatchObject({kind: 'Deployment', name: 'kgateway'});
    expect(e.message).toContain('the route status says so: "unknown backend kind"');
  });
});
