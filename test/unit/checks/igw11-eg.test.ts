// Issue 11, Envoy Gateway / Gateway API / route group: NF1–NF8 and NF15 of /work/notes/issue11-research.md.
// The healthy reference config is built at test time from the upstream files in ../shared/fixtures
// (Envoy Gateway's default config + Envoy AI Gateway v1.1.0 envoy-gateway-values.yaml + the
// InferencePool addon), merged the way Helm merges values.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse, stringify} from 'yaml';
import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../src/kube/client.ts';
import {helmReleaseSecret} from '../helm/secret.ts';
import {runDoctor} from '../../../src/doctor/run.ts';
import {parseMsgSize} from '../../../src/checks/phase4-chart/route-rules.ts';
import {byCode, doctor, loadObjects, NOW, obj, one, problems, sharedDir, snap} from './fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const healthy = loadObjects('healthy-ai-gateway.yaml');
const fixture = (f: string): Any => parse(readFileSync(join(sharedDir, 'fixtures', f), 'utf8')) as Any;

function isMap(v: unknown): v is Any {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
/** Helm's values merge: maps key by key, lists replaced. */
function merge(base: Any, over: Any): Any {
  const out: Any = {...base};
  for (const [k, v] of Object.entries(over)) out[k] = isMap(out[k]) && isMap(v) ? merge(out[k], v) : v;
  return out;
}

/** envoy-gateway.yaml as `helm install eg gateway-helm -f envoy-gateway-values.yaml -f envoy-gateway-values-addon.yaml` renders it. */
function upstreamAiGatewayConfig(): Any {
  const cm = fixture('envoy-gateway-config.default.yaml');
  let cfg = parse(cm.data['envoy-gateway.yaml']) as Any;
  cfg = merge(cfg, fixture('envoy-gateway-values.envoy-ai-gateway.yaml').config.envoyGateway);
  cfg = merge(cfg, fixture('envoy-gateway-values-addon.inferencepool.yaml').config.envoyGateway);
  return cfg;
}

function withConfig(objs: KubeObject[], config: Any): KubeObject[] {
  const out = structuredClone(objs);
  obj<Any>(out, 'ConfigMap', 'envoy-gateway-config').data['envoy-gateway.yaml'] = stringify(config);
  return out;
}

const reference = withConfig(healthy, upstreamAiGatewayConfig());
const CM = {apiVersion: 'v1', kind: 'ConfigMap', namespace: 'envoy-gateway-system', name: 'envoy-gateway-config'};
const ROUTE = {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: 'llm', name: 'qwen'};

describe('the upstream reference install (config read from ../shared/fixtures)', () => {
  it('has no error or warning, and every new check that applies is ok', () => {
    const f = doctor(reference);
    expect(problems(f)).toEqual([]);
    for (const code of ['IGW-209', 'IGW-211', 'IGW-212', 'IGW-416', 'IGW-418']) expect(byCode(f, code).map((x) => x.severity), code).not.toContain('error');
    expect(one(f, 'IGW-209', 'ok').message).toContain('post hooks Translation, Cluster, Route');
    expect(one(f, 'IGW-212', 'ok').message).toContain('ClusterRoleBinding envoy-ai-gateway-inference-pool-reader-binding:envoy-ai-gateway-system');
    expect(one(f, 'IGW-416', 'ok').message).toBe('HTTPRoute llm/qwen rule 0: timeouts.request 300s');
    expect(byCode(f, 'IGW-211')).toEqual([]);
    expect(byCode(f, 'IGW-417')).toEqual([]);
  });
});

describe('IGW-209 (NF1): AI Gateway extension manager incomplete', () => {
  it('post [Translation] only, no translation block (research fixture) → error naming every gap on the ConfigMap', () => {
    const cfg = upstreamAiGatewayConfig();
    cfg.extensionManager.hooks = {xdsTranslator: {post: ['Translation']}};
    const f = doctor(withConfig(healthy, cfg));
    expect(byCode(f, 'IGW-205').map((x) => x.severity)).toEqual(['ok']); // Envoy Gateway accepts it: that is the trap
    const e = one(f, 'IGW-209', 'error');
    expect(e.object).toEqual(CM);
    expect(e.message).toContain('ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local:1063');
    expect(e.message).toContain('post lacks Cluster');
    expect(e.message).toContain('ORIGINAL_DST');
    expect(e.message).toContain('post lacks Route');
    expect(e.message).not.toContain('post lacks Translation');
    expect(e.message).toContain('translation.listener.includeAll is not set (default false)');
    expect(e.message).toContain('translation.route.includeAll is not set (default false)');
    expect(e.message).not.toContain('translation.cluster');
    expect(e.message).toContain('envoyproxy/ai-gateway#2560');
    expect(e.fix).toContain('kubectl infgw patch-envoy --dry-run');
  });

  it('listener includeAll explicitly false, cluster false → error; the plural extensionManagers (Envoy Gateway ≥ 1.8) is read too', () => {
    const cfg = upstreamAiGatewayConfig();
    const em = cfg.extensionManager;
    delete cfg.extensionManager;
    em.hooks.xdsTranslator.translation.listener.includeAll = false;
    em.hooks.xdsTranslator.translation.cluster.includeAll = false;
    cfg.extensionManagers = [{name: 'ai-gateway', ...em}];
    const e = one(doctor(withConfig(healthy, cfg)), 'IGW-209', 'error');
    expect(e.message).toMatch(/^extensionManagers\[0\] calls Envoy AI Gateway/);
    expect(e.message).toContain('translation.listener.includeAll is false');
    expect(e.message).toContain('translation.cluster.includeAll is false');
    expect(e.message).not.toContain('post lacks');
  });

  it('an extension manager that calls another server is not judged', () => {
    const cfg = upstreamAiGatewayConfig();
    cfg.extensionManager.service = {fqdn: {hostname: 'my-extension.ext.svc.cluster.local', port: 5005}};
    cfg.extensionManager.hooks = {xdsTranslator: {post: ['Route']}};
    expect(byCode(doctor(withConfig(healthy, cfg)), 'IGW-209')).toEqual([]);
  });
});

describe('IGW-210: gateway-helm values outside config.envoyGateway are dropped', () => {
  const egRelease = (config: unknown): KubeObject =>
    helmReleaseSecret({name: 'eg', namespace: 'envoy-gateway-system', version: 2, status: 'deployed', chart: 'gateway-helm', chartVersion: 'v1.6.0', config, manifest: ''});

  it("the older addon's config.extensionManager.backendResources → error on the release, fix moves it under config.envoyGateway", () => {
    const objs = [...structuredClone(reference), egRelease({config: {extensionManager: {backendResources: [{group: 'inference.networking.k8s.io', kind: 'InferencePool', version: 'v1'}]}}})];
    const e = one(doctor(objs), 'IGW-210', 'error');
    expect(e.object).toEqual({apiVersion: 'v1', kind: 'Secret', namespace: 'envoy-gateway-system', name: 'sh.helm.release.v1.eg.v2'});
    expect(e.message).toContain('config.extensionManager');
    expect(e.message).toContain('InvalidKind');
    expect(e.fix).toContain('config:\n  envoyGateway:\n    extensionManager:\n      backendResources:');
    expect(e.fix).toContain('helm upgrade eg ');
    expect(e.fix).toContain('-n envoy-gateway-system --reuse-values -f envoy-gateway-values-moved.yaml');
  });

  it("Envoy AI Gateway's own values files (config.envoyGateway) → ok", () => {
    const values = merge(fixture('envoy-gateway-values.envoy-ai-gateway.yaml'), fixture('envoy-gateway-values-addon.inferencepool.yaml'));
    const f = doctor([...structuredClone(reference), egRelease(values)]);
    expect(one(f, 'IGW-210', 'ok').message).toContain('config.envoyGateway');
  });
});

describe('IGW-211 (NF3): backendResources lists InferencePool v1alpha2 and v1 (kserve#5050)', () => {
  const both = (): Any => {
    const cfg = upstreamAiGatewayConfig();
    cfg.extensionManager.backendResources = [
      {group: 'inference.networking.x-k8s.io', version: 'v1alpha2', kind: 'InferencePool'},
      {group: 'inference.networking.k8s.io', version: 'v1', kind: 'InferencePool'},
    ];
    return cfg;
  };

  it('no route uses v1alpha2 → warning on the ConfigMap', () => {
    const w = one(doctor(withConfig(healthy, both())), 'IGW-211', 'warning');
    expect(w.object).toEqual(CM);
    expect(w.message).toContain('kserve/kserve#5050');
    expect(w.fix).toContain('kubectl edit configmap envoy-gateway-config -n envoy-gateway-system');
    expect(w.fix).toContain('delete {group: inference.networking.x-k8s.io, version: v1alpha2, kind: InferencePool} from extensionManager.backendResources');
    expect(w.fix).toContain('kubectl rollout restart deployment/envoy-gateway -n envoy-gateway-system');
  });

  it('an HTTPRoute sends to a v1alpha2 pool → error naming the route; the v1 pool of the same name exists, so the fix repoints the group', () => {
    const objs = withConfig(healthy, both());
    obj<Any>(objs, 'HTTPRoute', 'qwen').spec.rules.push({backendRefs: [{group: 'inference.networking.x-k8s.io', kind: 'InferencePool', name: 'qwen'}]});
    const e = one(doctor(objs), 'IGW-211', 'error');
    expect(e.message).toContain('HTTPRoute llm/qwen → llm/qwen');
    expect(e.message).toContain('503');
    expect(e.fix).toContain(`kubectl patch httproute qwen -n llm --type json -p '[{"op":"replace","path":"/spec/rules/1/backendRefs/0/group","value":"inference.networking.k8s.io"}]'`);
  });
});

describe('IGW-212 (NF2): Envoy Gateway may not read InferencePools', () => {
  it('the AI Gateway chart bound its ClusterRole to the wrong namespace → error on the ServiceAccount naming the route; the binding named, the fix adds the subject; IGW-409 blocked by it', () => {
    const objs = structuredClone(reference);
    obj<Any>(objs, 'ClusterRoleBinding', 'envoy-ai-gateway-inference-pool-reader-binding:envoy-ai-gateway-system').subjects[0].namespace = 'eg-system';
    const f = doctor(objs);
    const e = one(f, 'IGW-212', 'error');
    expect(e.object).toEqual({apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'envoy-gateway-system', name: 'envoy-gateway'});
    expect(e.message).toContain('may not get/list/watch inferencepools.inference.networking.k8s.io');
    expect(e.message).toContain('binds ServiceAccount eg-system/envoy-gateway instead');
    expect(e.message).toContain('envoyGateway.namespace');
    expect(e.message).toContain('HTTPRoute llm/qwen stays unresolved');
    expect(e.fix).toContain(
      `kubectl patch clusterrolebinding envoy-ai-gateway-inference-pool-reader-binding:envoy-ai-gateway-system --type json -p '[{"op":"add","path":"/subjects/-","value":{"kind":"ServiceAccount","name":"envoy-gateway","namespace":"envoy-gateway-system"}}]'`,
    );
    expect(e.fix).toContain('kubectl rollout restart deployment/envoy-gateway -n envoy-gateway-system');
    expect(one(f, 'IGW-409', 'blocked').blockedBy).toEqual(['IGW-212']);
  });

  it('the role exists but nothing binds it → the fix creates the binding (never cluster-admin, which grants it by wildcard)', () => {
    const objs = structuredClone(reference).filter((o) => o.kind !== 'ClusterRoleBinding' || !o.metadata.name.startsWith('envoy-ai-gateway-inference-pool-reader'));
    objs.push(
      {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: {name: 'cluster-admin'}, rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]} as KubeObject,
      {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: {name: 'cluster-admin'}, roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin'}, subjects: [{kind: 'Group', name: 'system:masters'}]} as KubeObject,
    );
    const e = one(doctor(objs), 'IGW-212', 'error');
    expect(e.message).not.toContain('cluster-admin');
    expect(e.fix).not.toContain('cluster-admin');
    expect(e.fix).toContain(
      'kubectl create clusterrolebinding envoy-ai-gateway-inference-pool-reader-binding:envoy-gateway-system --clusterrole=envoy-ai-gateway-inference-pool-reader:envoy-ai-gateway-system --serviceaccount=envoy-gateway-system:envoy-gateway',
    );
  });

  it('a group no HTTPRoute uses (v1alpha2 listed, the AI Gateway role grants only v1) → warning, not an error', () => {
    const cfg = upstreamAiGatewayConfig();
    cfg.extensionManager.backendResources.push({group: 'inference.networking.x-k8s.io', version: 'v1alpha2', kind: 'InferencePool'});
    const f = doctor(withConfig(healthy, cfg));
    expect(one(f, 'IGW-212', 'warning').message).toContain('may not get/list/watch inferencepools.inference.networking.x-k8s.io');
    expect(one(f, 'IGW-212', 'ok').message).toContain('inferencepools.inference.networking.k8s.io');
  });

  it('no role grants it at all (AI Gateway chart not installed) → the fix creates the ClusterRole and its binding', () => {
    const objs = structuredClone(reference).filter((o) => !o.metadata.name.startsWith('envoy-ai-gateway-inference-pool-reader'));
    const e = one(doctor(objs), 'IGW-212', 'error');
    expect(e.fix).toContain('kind: ClusterRole\nmetadata:\n  name: envoy-ai-gateway-inference-pool-reader:envoy-ai-gateway-system');
    expect(e.fix).toContain('resources:\n      - inferencepools\n    verbs:\n      - get\n      - list\n      - watch');
    expect(e.fix).toContain('name: envoy-gateway\n    namespace: envoy-gateway-system');
  });

  it('only get, no list/watch → error naming the missing verbs', () => {
    const objs = structuredClone(reference);
    obj<Any>(objs, 'ClusterRole', 'envoy-ai-gateway-inference-pool-reader:envoy-ai-gateway-system').rules[0].verbs = ['get'];
    expect(one(doctor(objs), 'IGW-212', 'error').message).toContain('may not list/watch inferencepools');
  });

  it('Envoy Gateway watching only some namespaces (provider.kubernetes.watch Namespaces): a RoleBinding in each is enough', () => {
    const cfg = upstreamAiGatewayConfig();
    cfg.provider = {type: 'Kubernetes', kubernetes: {watch: {type: 'Namespaces', namespaces: ['llm']}}};
    const objs = withConfig(healthy, cfg).filter((o) => o.kind !== 'ClusterRoleBinding' || !o.metadata.name.startsWith('envoy-ai-gateway-inference-pool-reader'));
    expect(one(doctor(objs), 'IGW-212', 'error')).toBeDefined();
    objs.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: {name: 'envoy-gateway-pools', namespace: 'llm'},
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'envoy-ai-gateway-inference-pool-reader:envoy-ai-gateway-system'},
      subjects: [{kind: 'ServiceAccount', name: 'envoy-gateway', namespace: 'envoy-gateway-system'}],
    } as KubeObject);
    expect(one(doctor(objs), 'IGW-212', 'ok').message).toContain('RoleBinding llm/envoy-gateway-pools');
  });

  it('ClusterRoleBindings unreadable → skipped with the missing rule, not an error', () => {
    const f = doctor(reference, {snapshot: {errors: {ClusterRoleBinding: {reason: 'forbidden', message: 'forbidden', rule: 'kubectl create clusterrole … --verb=list --resource=clusterrolebindings'}}}});
    expect(byCode(f, 'IGW-212').map((x) => x.severity)).toEqual(['skipped']);
  });
});

describe('IGW-113 (NF6): Gateway API bundle older than Envoy Gateway needs', () => {
  const withVersions = (bundle: string, eg: string): KubeObject[] => {
    const objs = structuredClone(reference);
    const c = obj<Any>(objs, 'Deployment', 'envoy-gateway').spec.template.spec.containers[0];
    c.image = String(c.image).replace(/:[^:/]+$/, `:${eg}`);
    objs.push({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {name: 'gateways.gateway.networking.k8s.io', annotations: {'gateway.networking.k8s.io/bundle-version': bundle, 'gateway.networking.k8s.io/channel': 'standard'}},
    } as KubeObject);
    return objs;
  };
  const CRD = {apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'gateways.gateway.networking.k8s.io'};

  it('bundle v1.4.1 with Envoy Gateway v1.8.0 → error: ListenerSet watch, crash loop; fix applies v1.5.1', () => {
    const e = one(doctor(withVersions('v1.4.1', 'v1.8.0')), 'IGW-113', 'error');
    expect(e.object).toEqual(CRD);
    expect(e.message).toContain('bundle v1.4.1, older than v1.5.0');
    expect(e.message).toContain('ListenerSet');
    expect(e.message).toContain('envoyproxy/gateway#8991');
    expect(e.fix).toContain('https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml');
    expect(e.fix).toContain('kubectl rollout restart deployment/envoy-gateway -n envoy-gateway-system');
  });

  it('bundle v1.4.1 with Envoy Gateway v1.9.1 → warning (starts, features silently off); v1.6.1 → ok; Envoy Gateway v1.6.0 → not judged', () => {
    const w = one(doctor(withVersions('v1.4.1', 'v1.9.1')), 'IGW-113', 'warning');
    expect(w.fix).toContain('/v1.6.1/standard-install.yaml');
    expect(one(doctor(withVersions('v1.6.1', 'v1.9.1')), 'IGW-113', 'ok').message).toContain('v1.6.1 ≥ v1.6.0');
    expect(byCode(doctor(withVersions('v1.4.1', 'v1.6.0')), 'IGW-113')).toEqual([]);
  });
});

describe('IGW-416 (NF4): route timeout', () => {
  const noTimeout = (): KubeObject[] => {
    const objs = structuredClone(reference);
    delete obj<Any>(objs, 'HTTPRoute', 'qwen').spec.rules[0].timeouts;
    return objs;
  };

  it('rule to the pool without timeouts.request → warning on the HTTPRoute: 15 s, 504; fix adds timeouts.request', () => {
    const w = one(doctor(noTimeout()), 'IGW-416', 'warning');
    expect(w.object).toEqual(ROUTE);
    expect(w.message).toContain("Envoy's default of 15 s");
    expect(w.message).toContain('504');
    expect(w.fix).toContain(`kubectl patch httproute qwen -n llm --type json -p '[{"op":"add","path":"/spec/rules/0/timeouts","value":{"request":"300s"}}]'`);
  });

  it('timeouts.backendRequest alone → still a warning; the fix adds request next to it', () => {
    const objs = noTimeout();
    obj<Any>(objs, 'HTTPRoute', 'qwen').spec.rules[0].timeouts = {backendRequest: '60s'};
    const w = one(doctor(objs), 'IGW-416', 'warning');
    expect(w.message).toContain('backendRequest 60s is per try');
    expect(w.fix).toContain('"path":"/spec/rules/0/timeouts/request","value":"300s"');
  });

  it('a BackendTrafficPolicy on the route sets timeout.http.requestTimeout → info naming it; unreadable policies → info, not a warning', () => {
    const objs = noTimeout();
    objs.push({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'BackendTrafficPolicy',
      metadata: {name: 'long-generations', namespace: 'llm'},
      spec: {targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'qwen'}], timeout: {http: {requestTimeout: '300s'}}},
    } as KubeObject);
    expect(one(doctor(objs), 'IGW-416', 'info').message).toContain('BackendTrafficPolicy llm/long-generations sets timeout.http.requestTimeout 300s');
    const forbidden = doctor(noTimeout(), {snapshot: {errors: {BackendTrafficPolicy: {reason: 'forbidden', message: 'forbidden to list backendtrafficpolicies'}}}});
    expect(one(forbidden, 'IGW-416', 'info').message).toContain('could not be read');
  });

  it('a policy on another route does not count; a Gateway-level policy does', () => {
    const objs = noTimeout();
    const policy = {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'BackendTrafficPolicy',
      metadata: {name: 'p', namespace: 'llm'},
      spec: {targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'other'}], timeout: {http: {requestTimeout: '300s'}}},
    } as Any;
    expect(one(doctor([...objs, policy as KubeObject]), 'IGW-416', 'warning')).toBeDefined();
    policy.spec.targetRefs = [{group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'inference-gateway'}];
    expect(one(doctor([...objs, policy as KubeObject]), 'IGW-416', 'info')).toBeDefined();
  });

  it('a Gateway of another implementation (Istio) → not judged', () => {
    const objs = noTimeout();
    obj<Any>(objs, 'GatewayClass', 'envoy-gateway').spec.controllerName = 'istio.io/gateway-controller';
    expect(byCode(doctor(objs), 'IGW-416')).toEqual([]);
  });
});

describe('IGW-213 (NF7): TCP/UDP listener with the AI Gateway extension', () => {
  const withTcpGateway = (objs: KubeObject[]): KubeObject[] => {
    const out = structuredClone(objs);
    const unprogrammed = {type: 'Programmed', status: 'False', reason: 'Invalid', message: 'extension hook failed', observedGeneration: 1};
    obj<Any>(out, 'Gateway', 'inference-gateway').status.conditions[1] = {...unprogrammed, lastTransitionTime: '2026-11-21T11:00:00Z'};
    out.push(
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: {name: 'tcp-gw', namespace: 'sync', generation: 1},
        spec: {gatewayClassName: 'envoy-gateway', listeners: [{name: 'sync', port: 22000, protocol: 'TCP'}]},
        status: {conditions: [unprogrammed]},
      } as KubeObject,
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {name: 'envoy-sync-tcp-gw-1a2b3c4d', namespace: 'envoy-gateway-system', labels: {'gateway.envoyproxy.io/owning-gateway-name': 'tcp-gw', 'gateway.envoyproxy.io/owning-gateway-namespace': 'sync'}},
        spec: {ports: [{name: 'tcp-22000', port: 22000}]},
      } as KubeObject,
    );
    return out;
  };

  it('AI Gateway extension manager + a TCP Gateway → error on the TCP Gateway naming the unprogrammed ones (ai-gateway#2600)', () => {
    const e = one(doctor(withTcpGateway(reference)), 'IGW-213', 'error');
    expect(e.object).toEqual({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: 'sync', name: 'tcp-gw'});
    expect(e.message).toContain('sync TCP:22000');
    expect(e.message).toContain('envoyproxy/ai-gateway#2600');
    expect(e.message).toContain('now not Programmed: llm/inference-gateway, sync/tcp-gw');
    expect(e.fix).toContain('kubectl edit gateway tcp-gw -n sync');
    // root cause first: the inference Gateway's "not Programmed" is its consequence
    expect(one(doctor(withTcpGateway(reference)), 'IGW-404', 'blocked').blockedBy).toEqual(['IGW-213']);
  });

  it('the same Gateways on an Envoy Gateway without the extension → no IGW-213 error', () => {
    const cfg = upstreamAiGatewayConfig();
    delete cfg.extensionManager;
    expect(byCode(doctor(withTcpGateway(withConfig(healthy, cfg))), 'IGW-213').filter((x) => x.severity === 'error')).toEqual([]);
  });
});

describe('IGW-417 (NF8): two InferencePools in one rule', () => {
  const twoPools = (objs: KubeObject[]): KubeObject[] => {
    const out = structuredClone(objs);
    obj<Any>(out, 'HTTPRoute', 'qwen').spec.rules[0].backendRefs = [
      {group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'qwen', weight: 90},
      {group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'qwen-canary', weight: 10},
    ];
    return out;
  };

  it('with the AI Gateway extension → error on the route ("at most one inferencepool … per route rule")', () => {
    const e = one(doctor(twoPools(reference)), 'IGW-417', 'error');
    expect(e.object).toEqual(ROUTE);
    expect(e.message).toContain('llm/qwen (weight 90), llm/qwen-canary (weight 10)');
    expect(e.message).toContain('at most one inferencepool can be referenced per route rule');
    expect(e.fix).toContain('kubectl edit httproute qwen -n llm');
  });

  it('on Istio → warning citing istio/istio#61594', () => {
    const objs = twoPools(reference);
    obj<Any>(objs, 'GatewayClass', 'envoy-gateway').spec.controllerName = 'istio.io/gateway-controller';
    expect(one(doctor(objs), 'IGW-417', 'warning').message).toContain('istio/istio#61594');
  });
});

describe('IGW-418 (NF15): stale statuses are reported, not trusted', () => {
  it('HTTPRoute at generation 3 with conditions of generation 2 → warning; IGW-409 does not judge its (old) ResolvedRefs', () => {
    const objs = structuredClone(reference);
    const r = obj<Any>(objs, 'HTTPRoute', 'qwen');
    r.metadata.generation = 3;
    r.status.parents[0].conditions = [
      {type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Route is accepted', observedGeneration: 2, lastTransitionTime: '2026-11-20T10:00:00Z'},
      {type: 'ResolvedRefs', status: 'False', reason: 'InvalidKind', message: 'Kind InferencePool is not supported', observedGeneration: 2, lastTransitionTime: '2026-11-20T10:00:00Z'},
    ];
    const f = doctor(objs);
    const w = one(f, 'IGW-418', 'warning');
    expect(w.object).toEqual(ROUTE);
    expect(w.message).toContain('written for generation 2, the spec is at generation 3');
    expect(one(f, 'IGW-409', 'info').message).toContain('status is stale');
    expect(byCode(f, 'IGW-409').filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('a Gateway whose Programmed=False is from an older generation → warning, IGW-404 says stale instead of "not Programmed"', () => {
    const objs = structuredClone(reference);
    const g = obj<Any>(objs, 'Gateway', 'inference-gateway');
    g.metadata.generation = 2;
    g.status.conditions[1] = {type: 'Programmed', status: 'False', reason: 'Invalid', message: 'old', observedGeneration: 1, lastTransitionTime: '2026-11-20T10:00:00Z'};
    const f = doctor(objs);
    expect(one(f, 'IGW-418', 'warning').object).toEqual({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: 'llm', name: 'inference-gateway'});
    expect(one(f, 'IGW-404', 'info').message).toContain('status is stale (observedGeneration 1 < generation 2)');
  });

  it("an old entry for a parent the route no longer names is a leftover, not a stale status (the real Envoy Gateway leaves it) → no IGW-418 warning", () => {
    const objs = structuredClone(reference);
    const r = obj<Any>(objs, 'HTTPRoute', 'qwen');
    r.metadata.generation = 2;
    r.spec.parentRefs = [{name: 'other-gateway'}];
    for (const c of r.status.parents[0].conditions) c.observedGeneration = 1;
    const f = doctor(objs);
    expect(byCode(f, 'IGW-418').map((x) => x.severity)).not.toContain('warning');
    // the same entry while the route still names that parent is stale
    r.spec.parentRefs = [{name: 'inference-gateway'}];
    expect(one(doctor(objs), 'IGW-418', 'warning').object).toEqual(ROUTE);
  });

  it('current statuses → ok', () => {
    expect(one(doctor(reference), 'IGW-418', 'ok').message).toContain('are current');
  });
});

describe('IGW-419 (NF15): listener allowedRoutes.namespaces.from: Selector', () => {
  const selecting = (selector: Any, nsLabels?: Record<string, string>): KubeObject[] => {
    const objs = structuredClone(reference);
    obj<Any>(objs, 'Gateway', 'inference-gateway').spec.listeners[0].allowedRoutes = {namespaces: {from: 'Selector', selector}};
    if (nsLabels) objs.push({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'llm', labels: {'kubernetes.io/metadata.name': 'llm', ...nsLabels}}} as KubeObject);
    return objs;
  };

  it("the route's namespace lacks the label → error on the Namespace with the kubectl label fix; IGW-409 blocked by it", () => {
    const f = doctor(selecting({matchLabels: {'gateway-access': 'true'}}, {team: 'ml'}));
    const e = one(f, 'IGW-419', 'error');
    expect(e.object).toEqual({apiVersion: 'v1', kind: 'Namespace', name: 'llm'});
    expect(e.message).toContain('listener http: gateway-access=true');
    expect(e.message).toContain('NotAllowedByListeners');
    expect(e.fix).toBe('kubectl label namespace llm gateway-access=true');
    expect(one(f, 'IGW-409', 'blocked').blockedBy).toEqual(['IGW-419']);
  });

  it('labels match → ok; a selector on kubernetes.io/metadata.name needs no Namespace read', () => {
    expect(one(doctor(selecting({matchLabels: {'gateway-access': 'true'}}, {'gateway-access': 'true'})), 'IGW-419', 'ok')).toBeDefined();
    expect(one(doctor(selecting({matchExpressions: [{key: 'kubernetes.io/metadata.name', operator: 'In', values: ['llm', 'other']}]})), 'IGW-419', 'ok')).toBeDefined();
    expect(one(doctor(selecting({matchLabels: {'kubernetes.io/metadata.name': 'other'}})), 'IGW-419', 'error')).toBeDefined();
  });

  it('Namespaces unreadable and a custom label → info (unknown), not an error', () => {
    const f = doctor(selecting({matchLabels: {'gateway-access': 'true'}}), {snapshot: {errors: {Namespace: {reason: 'forbidden', message: 'forbidden to list namespaces'}}}});
    expect(one(f, 'IGW-419', 'info').message).toContain('could not be read');
  });
});

describe('IGW-420 (NF5): ext_proc "received message larger than max"', () => {
  const EPP = {apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'llm', name: 'qwen-epp'};
  const buffered = (image?: string, args: string[] = []): KubeObject[] => {
    const objs = structuredClone(reference);
    obj<Any>(objs, 'InferencePool', 'qwen').metadata.annotations = {'aigateway.envoyproxy.io/processing-body-mode': 'buffered'};
    const c = obj<Any>(objs, 'Deployment', 'qwen-epp').spec.template.spec.containers[0];
    if (image) c.image = image;
    c.args.push(...args);
    return objs;
  };

  it('llm-d-router --grpc-max-recv-msg-size parsing: trailing B dropped, Kubernetes quantities', () => {
    expect(parseMsgSize('10MiB')).toBe(10485760);
    expect(parseMsgSize('25MB')).toBe(25000000);
    expect(parseMsgSize('4194304')).toBe(4194304);
    expect(parseMsgSize('lots')).toBeUndefined();
  });

  it('default AI Gateway wiring (duplex streaming) → not judged', () => {
    expect(byCode(doctor(reference), 'IGW-420')).toEqual([]);
  });

  it('buffered body mode + GIE EPP (fixed 4 MiB) → info with the streaming advice; llm-d-router with the flag raised → ok', () => {
    const i = one(doctor(buffered()), 'IGW-420', 'info');
    expect(i.object).toEqual(EPP);
    expect(i.message).toContain('at most 4 MiB');
    expect(i.message).toContain('envoyproxy/ai-gateway#1209');
    expect(i.fix).toContain("GIE's EPP has no --grpc-max-recv-msg-size");
    const llmd = 'example.test/llm-d/llm-d-router-endpoint-picker:v0.10.0';
    expect(one(doctor(buffered(llmd)), 'IGW-420', 'info').fix).toBe(`kubectl patch deployment qwen-epp -n llm --type json -p '[{"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"--grpc-max-recv-msg-size=64MiB"}]'`);
    expect(one(doctor(buffered(llmd, ['--grpc-max-recv-msg-size=64MiB'])), 'IGW-420', 'ok').message).toContain('up to 64 MiB');
  });

  it("the EPP's log has \"received message larger than max\" → error quoting it", () => {
    const s = snap(reference);
    s.runtime = [
      {
        namespace: 'llm',
        deployment: 'qwen-epp',
        pod: 'qwen-epp-5c7d8f9b4-klmno',
        port: 9090,
        log: {ok: true, text: '{"level":"error","msg":"Error receiving request","error":"rpc error: code = ResourceExhausted desc = grpc: received message larger than max (5242880 vs. 4194304)"}\n', durationMs: 1},
        metrics: {outcome: 'timeout', message: 'not read in this test', durationMs: 1},
      },
    ];
    const e = one(runDoctor(s, {now: NOW}).findings, 'IGW-420', 'error');
    expect(e.object).toEqual(EPP);
    expect(e.message).toContain('received message larger than max (5242880 vs. 4194304)');
    expect(e.message).toContain('RESOURCE_EXHAUSTED');
  });
});
