import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse, stringify} from 'yaml';
import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../src/kube/client.ts';
import {byCode, doctor, loadObjects, obj, one, problems, sharedDir, without} from './fixture.ts';

const healthy = loadObjects('healthy-ai-gateway.yaml');
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function withConfig(objs: KubeObject[], config: unknown, changedAt = '2026-11-20T08:59:00Z'): KubeObject[] {
  const out = structuredClone(objs);
  const cm = obj<Any>(out, 'ConfigMap', 'envoy-gateway-config');
  cm.data['envoy-gateway.yaml'] = typeof config === 'string' ? config : stringify(config);
  cm.metadata.managedFields = [{manager: 'kubectl-patch', operation: 'Update', time: changedAt}];
  return out;
}

/** The upstream default gateway-helm config (../shared/fixtures), without any extensionManager. */
function defaultConfig(): Any {
  const cm = parse(readFileSync(join(sharedDir, 'fixtures', 'envoy-gateway-config.default.yaml'), 'utf8')) as Any;
  return parse(cm.data['envoy-gateway.yaml']) as Any;
}

/** What the install notes' `kubectl patch` writes: the whole file replaced by backendResources {"" Service} alone. */
const NOTES_PATCH =
  'apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyGateway\nmetadata:\n  name: envoy-gateway\n  namespace: envoy-gateway-system\nprovider:\n  type: Kubernetes\nextensionManager:\n  backendResources:\n  - group: ""\n    kind: Service\n';

describe('phase 2 — Envoy Gateway', () => {
  it('healthy: the AI Gateway config (upstream values merged) is accepted and handles InferencePool', () => {
    const f = doctor(healthy);
    expect(problems(f)).toEqual([]);
    for (const code of ['IGW-201', 'IGW-202', 'IGW-203', 'IGW-204', 'IGW-205', 'IGW-206', 'IGW-207']) expect(byCode(f, code).map((x) => x.severity), code).toEqual(['ok']);
    expect(one(f, 'IGW-206', 'ok').message).toContain('ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local:1063');
  });

  it('IGW-205: the install notes\' patch is refused by Envoy Gateway ("no hooks"), and IGW-206 is blocked by it', () => {
    const f = doctor(withConfig(healthy, NOTES_PATCH));
    const e = one(f, 'IGW-205', 'error');
    expect(e.object).toEqual({apiVersion: 'v1', kind: 'ConfigMap', namespace: 'envoy-gateway-system', name: 'envoy-gateway-config'});
    expect(e.message).toContain('registered extension has no hooks specified');
    expect(e.message).toContain('install notes');
    expect(e.message).toContain('CrashLoopBackOff');
    expect(e.fix).toBe('kubectl infgw patch-envoy --dry-run   # review the diff, then run it without --dry-run');
    expect(one(f, 'IGW-206', 'blocked').blockedBy).toEqual(['IGW-205']);
    expect(one(f, 'IGW-409', 'blocked').blockedBy).toEqual(['IGW-205']);
  });

  it('IGW-206: the upstream default config (no extensionManager) with an HTTPRoute to an InferencePool → InvalidKind explained', () => {
    const f = doctor(withConfig(healthy, defaultConfig()));
    expect(byCode(f, 'IGW-205').map((x) => x.severity)).toEqual(['ok']);
    const e = one(f, 'IGW-206', 'error');
    expect(e.message).toContain('HTTPRoute llm/qwen sends to InferencePool llm/qwen');
    expect(e.message).toContain('it has no extensionManager');
    expect(e.message).toContain('InvalidKind');
    expect(e.fix).toContain('kubectl infgw patch-envoy');
  });

  it('IGW-206: an x-k8s.io pool needs its own backendResources entry; the fix names it', () => {
    const objs = structuredClone(healthy);
    const pool = obj<Any>(objs, 'InferencePool', 'qwen');
    pool.apiVersion = 'inference.networking.x-k8s.io/v1alpha2';
    pool.spec = {selector: {'serving.kserve.io/inferenceservice': 'qwen'}, targetPortNumber: 8080, extensionRef: {name: 'qwen-epp', portNumber: 9002}};
    const route = obj<Any>(objs, 'HTTPRoute', 'qwen');
    route.spec.rules[0].backendRefs[0].group = 'inference.networking.x-k8s.io';
    obj<Any>(objs, 'Deployment', 'qwen-epp').spec.template.spec.containers[0].args.push('--pool-group', 'inference.networking.x-k8s.io');
    const e = one(doctor(objs), 'IGW-206', 'error');
    expect(e.fix).toBe('kubectl infgw patch-envoy --backend-resource inference.networking.x-k8s.io/v1alpha2/InferencePool --dry-run   # review the diff, then run it without --dry-run');
  });

  it('IGW-206: extension service missing → error naming it', () => {
    const e = one(doctor(without(healthy, 'Service', 'ai-gateway-controller')), 'IGW-206', 'error');
    expect(e.object).toEqual({apiVersion: 'v1', kind: 'Service', namespace: 'envoy-ai-gateway-system', name: 'ai-gateway-controller'});
    expect(e.message).toContain('is Envoy AI Gateway installed?');
  });

  it('IGW-204: a config that is not YAML → error, and everything that reads it is blocked', () => {
    const f = doctor(withConfig(healthy, 'apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyGateway\nprovider: [unclosed\n'));
    const e = one(f, 'IGW-204', 'error');
    expect(e.message).toContain('cannot be read as an EnvoyGateway object');
    expect(one(f, 'IGW-205', 'blocked').blockedBy).toEqual(['IGW-204']);
  });

  it('IGW-201: controller crash-looping on its config while an old pod serves → error with the controller\'s own words', () => {
    const objs = withConfig(healthy, NOTES_PATCH, '2026-11-21T11:50:00Z');
    objs.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {name: 'envoy-gateway-7f8d9c6b5-newpd', namespace: 'envoy-gateway-system', creationTimestamp: '2026-11-21T11:51:00Z', labels: {'control-plane': 'envoy-gateway', 'app.kubernetes.io/name': 'gateway-helm', 'app.kubernetes.io/instance': 'eg', 'pod-template-hash': '7f8d9c6b5'}},
      spec: {containers: [{name: 'envoy-gateway', image: 'docker.io/envoyproxy/gateway:v1.6.0'}]},
      status: {
        phase: 'Running',
        conditions: [{type: 'PodScheduled', status: 'True'}, {type: 'Ready', status: 'False'}],
        containerStatuses: [{name: 'envoy-gateway', ready: false, restartCount: 4, state: {waiting: {reason: 'CrashLoopBackOff'}}, lastState: {terminated: {reason: 'Error', exitCode: 1}}}],
      },
    } as KubeObject);
    const f = doctor(objs, {snapshot: {logs: {'envoy-gateway-system/envoy-gateway-7f8d9c6b5-newpd/envoy-gateway/previous': 'Error: registered extension has no hooks specified\n'}}});
    const e = one(f, 'IGW-201', 'error');
    expect(e.message).toContain('new Envoy Gateway controller pods fail');
    expect(e.message).toContain('it says: "registered extension has no hooks specified"');
    expect(e.message).toContain('1 old pod still serves the previous config');
    expect(e.fix).toContain('kubectl infgw patch-envoy');
  });

  it('IGW-201: no controller at all → error with the install command', () => {
    const objs = without(healthy, 'Deployment', 'envoy-gateway');
    const e = one(doctor(objs), 'IGW-201', 'error');
    expect(e.message).toContain('Envoy Gateway is not installed');
    expect(e.fix).toBe('helm upgrade --install eg oci://<EG chart registry>/envoyproxy/gateway-helm --version v1.9.1 -n envoy-gateway-system --create-namespace');
  });

  it('IGW-202: streaming policy on Envoy Gateway v1.5 → warning', () => {
    const objs = structuredClone(healthy);
    obj<Any>(objs, 'Deployment', 'envoy-gateway').spec.template.spec.containers[0].image = 'docker.io/envoyproxy/gateway:v1.5.3';
    objs.push({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'EnvoyExtensionPolicy',
      metadata: {name: 'streaming', namespace: 'llm'},
      spec: {targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'inference-gateway'}], extProc: [{backendRefs: [{name: 'bbr', port: 9004}], processingMode: {response: {body: 'Streamed'}}}]},
    } as KubeObject);
    const w = one(doctor(objs), 'IGW-202', 'warning');
    expect(w.message).toContain('older than v1.6');
    expect(w.message).toContain('llm/streaming');
    // issue 11 item 7: with Envoy AI Gateway, the Envoy Gateway it is built on (ai-gateway v1.1.0 go.mod: v1.8.1)
    expect(w.fix).toBe('helm upgrade eg oci://<EG chart registry>/envoyproxy/gateway-helm --version v1.8.1 -n envoy-gateway-system --reuse-values   # the Envoy Gateway Envoy AI Gateway v1.1.0 is built on');
    // without it: the newest, v1.9.1, and the Gateway API v1.6.1 CRDs it needs — never the stale v1.6.0
    const plain = withConfig(objs, defaultConfig());
    const w2 = one(doctor(plain), 'IGW-202', 'warning');
    expect(w2.fix).toBe(
      'kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml   # Envoy Gateway v1.9.1 needs Gateway API v1.6.1\n' +
        'helm upgrade eg oci://<EG chart registry>/envoyproxy/gateway-helm --version v1.9.1 -n envoy-gateway-system --reuse-values',
    );
  });

  it('IGW-203: GatewayClass missing → error with a GatewayClass to apply', () => {
    const f = doctor(without(healthy, 'GatewayClass', 'envoy-gateway'));
    const e = one(f, 'IGW-203', 'error');
    expect(e.message).toBe('GatewayClass envoy-gateway (used by Gateway llm/inference-gateway) does not exist: no controller programs the Gateway');
    expect(e.fix).toContain('controllerName: gateway.envoyproxy.io/gatewayclass-controller');
    expect(one(f, 'IGW-404', 'blocked').blockedBy).toEqual(['IGW-203']);

  });

  // issue 11 item 8 / issue 13: another implementation's class is reported by IGW-230, never judged
  // by the Envoy Gateway checks (IGW-203 is not applicable), never "delete and recreate"
  const otherImplementations: [string, string, 'ok' | 'info'][] = [
    ['istio.io/gateway-controller', 'Istio', 'ok'],
    ['istio.io/mesh-controller', 'Istio', 'ok'],
    ['kgateway.dev/kgateway', 'kgateway', 'ok'],
    ['agentgateway.dev/agentgateway', 'agentgateway', 'info'],
    ['gateway.nginx.org/nginx-gateway-controller', 'NGINX Gateway Fabric', 'info'],
    ['gateway.nginx.org/custom-path', 'NGINX Gateway Fabric', 'info'],
    ['networking.gke.io/gateway', 'GKE Gateway', 'info'],
  ];
  const envoyGatewayOnly = /^IGW-(20\d|21\d|41[1-4])$/;
  for (const [controllerName, impl, severity] of otherImplementations) {
    it(`IGW-230: GatewayClass of ${controllerName} → ${severity} "${impl}"; the Envoy Gateway checks are not applicable`, () => {
      const objs = structuredClone(healthy);
      obj<Any>(objs, 'GatewayClass', 'envoy-gateway').spec.controllerName = controllerName;
      const all = doctor(objs);
      expect(byCode(all, 'IGW-203')).toEqual([]);
      const f = one(all, 'IGW-230', severity);
      expect(f.message).toContain(`controllerName ${controllerName}`);
      expect(f.message).toContain(impl);
      if (severity === 'info') expect(f.message).toContain('implementation not checked');
      expect(all.filter((x) => envoyGatewayOnly.test(x.code) && (x.severity === 'error' || x.severity === 'warning'))).toEqual([]);
      expect(f.fix ?? '').not.toMatch(/delete/);
    });
  }

  it('IGW-230: an unknown controllerName → info "implementation not checked", never an error', () => {
    const objs = structuredClone(healthy);
    obj<Any>(objs, 'GatewayClass', 'envoy-gateway').spec.controllerName = 'example.com/my-gateway';
    const all = doctor(objs);
    expect(byCode(all, 'IGW-203')).toEqual([]);
    const f = one(all, 'IGW-230', 'info');
    expect(f.message).toContain('implementation not checked');
    expect(f.message).toContain('example.com/my-gateway');
    expect(all.filter((x) => envoyGatewayOnly.test(x.code) && (x.severity === 'error' || x.severity === 'warning'))).toEqual([]);
  });

  it('IGW-230: an Envoy Gateway class → ok "Envoy Gateway"', () => {
    expect(one(doctor(healthy), 'IGW-230', 'ok').message).toContain('Envoy Gateway');
  });

  it('IGW-203: an Envoy Gateway controllerName no install here answers to → warning with a NEW class (controllerName is immutable), no delete', () => {
    const objs = structuredClone(healthy);
    obj<Any>(objs, 'GatewayClass', 'envoy-gateway').spec.controllerName = 'gateway.envoyproxy.io/team-b';
    const w = one(doctor(objs), 'IGW-203', 'warning');
    expect(w.message).toContain('names controller gateway.envoyproxy.io/team-b');
    expect(w.fix).not.toMatch(/delete/);
    expect(w.fix).toContain('name: envoy-gateway-gatewayclass-controller');
    expect(w.fix).toContain('controllerName: gateway.envoyproxy.io/gatewayclass-controller');
  });

  it('IGW-207: config changed after the controller started → info (v1.6 reloads); on v1.1 → warning with restart', () => {
    const objs = withConfig(healthy, stringify(parse(obj<Any>(healthy, 'ConfigMap', 'envoy-gateway-config').data['envoy-gateway.yaml'])), '2026-11-21T11:00:00Z');
    expect(one(doctor(objs), 'IGW-207', 'info').message).toContain('reloads its config file');
    obj<Any>(objs, 'Deployment', 'envoy-gateway').spec.template.spec.containers[0].image = 'docker.io/envoyproxy/gateway:v1.1.2';
    const w = one(doctor(objs), 'IGW-207', 'warning');
    expect(w.message).toContain('does not reload it');
    expect(w.fix).toBe('kubectl infgw restart envoy-gateway');
  });

  it('IGW-208: the controller log shows a rejected reload → error', () => {
    const f = doctor(healthy, {
      snapshot: {logs: {'envoy-gateway-system/envoy-gateway-6b9c7d5f4-pqrst/envoy-gateway': '{"level":"info","msg":"starting"}\n{"level":"error","ts":"2026-11-21T11:59:00Z","logger":"envoy-gateway","msg":"failed to validate EnvoyGateway config","error":"registered extension has no hooks specified"}\n'}},
    });
    const e = one(f, 'IGW-208', 'error');
    expect(e.message).toContain('failed to validate EnvoyGateway config: registered extension has no hooks specified');
    expect(e.object?.kind).toBe('Pod');
  });
});

describe('phase 2 — several Envoy Gateway installs', () => {
  it('a chain is judged against the install whose namespace holds its Gateway\'s proxy Service', () => {
    const objs = structuredClone(healthy);
    const egA = objs.filter((o) => o.metadata.namespace === 'envoy-gateway-system' && ['Deployment', 'Pod', 'ConfigMap'].includes(o.kind ?? ''));
    const egB = structuredClone(egA).map((o) => ({...o, metadata: {...o.metadata, namespace: 'eg-b'}}));
    const cmB = egB.find((o) => o.kind === 'ConfigMap')! as Any;
    cmB.data['envoy-gateway.yaml'] = stringify(defaultConfig());
    objs.push(...(egB as KubeObject[]));
    // proxy Service in envoy-gateway-system: the AI Gateway-configured install serves the chain
    expect(byCode(doctor(objs), 'IGW-206').map((x) => x.severity)).toEqual(['ok']);
    // proxy Service in eg-b: that install (no extension manager) serves it
    obj<Any>(objs, 'Service', 'envoy-llm-inference-gateway-5a1b2c3d').metadata.namespace = 'eg-b';
    const f = doctor(objs);
    const e = one(f, 'IGW-206', 'error');
    expect(e.object).toEqual({apiVersion: 'v1', kind: 'ConfigMap', namespace: 'eg-b', name: 'envoy-gateway-config'});
    expect(e.fix).toContain('kubectl infgw patch-envoy --config-namespace eg-b');
    expect(byCode(f, 'IGW-201').map((x) => x.object?.namespace)).toEqual(['envoy-gateway-system', 'eg-b']);
  });
});
