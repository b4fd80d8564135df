// The fixture chart (test/fixtures/charts/inference-gateway) with the real helm v4 binary:
// `helm lint`, `helm template` renders every object the install notes describe, and
// `helm install` into the test cluster leaves a real Helm release Secret.
import {gunzipSync} from 'node:zlib';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {parse, parseAllDocuments} from 'yaml';
import {helm} from '../harness/cluster.ts';
import {chartDir, ScenarioKube, until} from '../scenarios/index.ts';

const kubeconfig = inject('kubeconfig');

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: {name: string; namespace?: string; labels?: Record<string, string>};
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  rules?: {apiGroups: string[]; resources: string[]; nonResourceURLs?: string[]; verbs: string[]}[];
  [k: string]: unknown;
}

async function template(set: string[], namespace = 'ns1', release = 'demo'): Promise<Obj[]> {
  const args = ['template', release, chartDir, '-n', namespace];
  for (const s of set) args.push('--set', s);
  const out = await helm(args);
  return parseAllDocuments(out.stdout)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

function one(objs: Obj[], kind: string): Obj {
  const found = objs.filter((o) => o.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
}

describe('fixture chart: helm lint and template', () => {
  it('passes helm lint --strict', async () => {
    const r = await helm(['lint', '--strict', chartDir, '--set', 'epp.poolName=p', '--set', 'epp.schedulingConfig.enabled=true']);
    expect(r.stdout).toContain('0 chart(s) failed');
  });

  it('renders every object kind with the names the install notes use', async () => {
    const objs = await template(['epp.poolName=qwen3-8b-pool', 'epp.schedulingConfig.enabled=true']);
    expect(objs.map((o) => o.kind).sort()).toEqual(
      ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Deployment', 'EnvoyExtensionPolicy', 'Gateway', 'Role', 'RoleBinding', 'Service', 'ServiceAccount'].sort(),
    );
    for (const o of objs) if (!o.kind.startsWith('Cluster')) expect(o.metadata.namespace, `${o.kind} namespace`).toBe('ns1');

    // EPP Deployment: eppName = fullname-epp, flags, ports, labels
    const dep = one(objs, 'Deployment');
    expect(dep.metadata.name).toBe('demo-inference-gateway-epp');
    const podSpec = (dep.spec as {template: {metadata: {labels: Record<string, string>}; spec: {serviceAccountName: string; containers: {args: string[]; ports: {name: string; containerPort: number}[]}[]}}}).template;
    expect(podSpec.metadata.labels).toMatchObject({'app.kubernetes.io/name': 'inference-gateway', 'app.kubernetes.io/instance': 'demo'});
    const c = podSpec.spec.containers[0]!;
    const flag = (name: string): string | undefined => c.args[c.args.indexOf(name) + 1];
    expect(flag('--pool-name')).toBe('qwen3-8b-pool');
    expect(flag('--pool-namespace')).toBe('ns1');
    expect(flag('--pool-group')).toBe('inference.networking.k8s.io');
    expect(flag('--config-file')).toBe('/config/epp-config.yaml');
    expect(c.ports.map((p) => [p.name, p.containerPort])).toEqual([
      ['grpc', 9002],
      ['grpc-health', 9003],
      ['metrics', 9090],
    ]);
    expect(podSpec.spec.serviceAccountName).toBe('demo-inference-gateway-epp');

    // Service: grpc 9002, metrics 9090
    const svc = one(objs, 'Service');
    expect(svc.metadata.name).toBe('demo-inference-gateway-epp');
    expect((svc.spec as {ports: {name: string; port: number}[]}).ports.map((p) => [p.name, p.port])).toEqual([
      ['grpc', 9002],
      ['metrics', 9090],
    ]);

    // RBAC: pods, inferencepools, inferenceobjectives; tokenreviews + subjectaccessreviews
    const role = one(objs, 'Role');
    const rules = (role.rules ?? []).map((r) => `${r.apiGroups.join(',')}/${r.resources.join(',')}:${r.verbs.join(',')}`);
    expect(rules).toEqual(['/pods:get,list,watch', 'inference.networking.k8s.io/inferencepools:get,list,watch', 'inference.networking.x-k8s.io/inferenceobjectives:get,list,watch']);
    const cr = one(objs, 'ClusterRole');
    expect(cr.metadata.name).toBe('demo-inference-gateway-epp-ns1-auth');
    expect((cr.rules ?? []).map((r) => `${(r.resources ?? r.nonResourceURLs ?? []).join(',')}:${r.verbs.join(',')}`)).toEqual([
      'tokenreviews:create',
      'subjectaccessreviews:create',
      '/metrics:get',
    ]);
    expect(one(objs, 'ClusterRoleBinding').metadata.name).toBe(cr.metadata.name);
    expect(one(objs, 'RoleBinding').metadata.name).toBe('demo-inference-gateway-epp');

    // Gateway: fullname, class eg, listener http on gateway.port
    const gw = one(objs, 'Gateway');
    expect(gw.metadata.name).toBe('demo-inference-gateway');
    expect(gw.spec).toMatchObject({gatewayClassName: 'eg', listeners: [{name: 'http', protocol: 'HTTP', port: 80}]});

    // EnvoyExtensionPolicy: targets the Gateway, ext-proc to the EPP Service on 9002
    const eep = one(objs, 'EnvoyExtensionPolicy');
    expect(eep.spec).toMatchObject({
      targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'demo-inference-gateway'}],
      extProc: [
        {
          backendRefs: [{kind: 'Service', name: 'demo-inference-gateway-epp', port: 9002}],
          processingMode: {request: {body: 'Buffered'}, response: {body: 'Streamed'}},
          messageTimeout: '10s',
        },
      ],
    });

    // Scheduling ConfigMap: an EndpointPickerConfig with the values' weights and picker
    const cm = one(objs, 'ConfigMap');
    expect(cm.metadata.name).toBe('demo-inference-gateway-epp-config');
    const cfg = parse(cm.data!['epp-config.yaml']!) as {
      apiVersion: string;
      kind: string;
      plugins: {type: string}[];
      schedulingProfiles: {name: string; plugins: {pluginRef: string; weight?: number}[]}[];
      saturationDetector: Record<string, unknown>;
    };
    expect(cfg.kind).toBe('EndpointPickerConfig');
    expect(cfg.apiVersion).toBe('inference.networking.x-k8s.io/v1alpha1');
    expect(cfg.plugins.map((p) => p.type)).toEqual(['prefix-cache-scorer', 'kv-cache-utilization-scorer', 'queue-scorer', 'max-score-picker', 'single-profile-handler']);
    expect(Object.fromEntries(cfg.schedulingProfiles[0]!.plugins.map((p) => [p.pluginRef, p.weight]))).toEqual({
      'prefix-cache-scorer': 60,
      'kv-cache-utilization-scorer': 30,
      'queue-scorer': 10,
      'max-score-picker': undefined,
    });
    expect(cfg.saturationDetector).toEqual({queueDepthThreshold: 5, kvCacheUtilThreshold: 0.8, metricsStalenessThreshold: '200ms'});
  });

  it('follows the values: gateway.name, port, class, body mode, scheduling off, gateway and policy off', async () => {
    const objs = await template([
      'epp.poolName=p',
      'gateway.name=internal-gw',
      'gateway.port=8080',
      'gatewayClassName=envoy',
      'extensionPolicy.responseBodyMode=FullDuplexStreamed',
      'epp.image.tag=v9.9.9',
      'epp.replicas=3',
    ]);
    expect(objs.some((o) => o.kind === 'ConfigMap')).toBe(false);
    const dep = one(objs, 'Deployment');
    const spec = dep.spec as {replicas: number; template: {spec: {containers: {image: string; args: string[]}[]}}};
    expect(spec.replicas).toBe(3);
    expect(spec.template.spec.containers[0]!.image).toBe('registry.k8s.io/gateway-api-inference-extension/epp:v9.9.9');
    expect(spec.template.spec.containers[0]!.args).not.toContain('--config-file');
    expect(one(objs, 'Gateway').metadata.name).toBe('internal-gw');
    expect(one(objs, 'Gateway').spec).toMatchObject({gatewayClassName: 'envoy', listeners: [{port: 8080}]});
    expect(one(objs, 'EnvoyExtensionPolicy').spec).toMatchObject({
      targetRefs: [{name: 'internal-gw'}],
      extProc: [{processingMode: {response: {body: 'FullDuplexStreamed'}}}],
    });

    const off = await template(['epp.poolName=p', 'gateway.enabled=false', 'extensionPolicy.enabled=false']);
    expect(off.some((o) => o.kind === 'Gateway' || o.kind === 'EnvoyExtensionPolicy')).toBe(false);
    // A release name that already contains the chart name is the full name.
    const named = await template(['epp.poolName=p'], 'ns2', 'model-a-inference-gateway');
    expect(one(named, 'Service').metadata.name).toBe('model-a-inference-gateway-epp');
  });
});

describe('fixture chart: real helm install', () => {
  const ns = `helm-${Date.now().toString(36)}`;
  const release = 'epp-model-a';
  let kube: ScenarioKube;

  beforeAll(async () => {
    kube = new ScenarioKube(kubeconfig);
    await kube.apply({apiVersion: 'v1', kind: 'Namespace', metadata: {name: ns}});
  });

  afterAll(async () => {
    await Promise.all([
      kube.delete({apiVersion: 'v1', kind: 'Namespace', name: ns}),
      kube.delete({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: `${release}-inference-gateway-epp-${ns}-auth`}),
      kube.delete({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: `${release}-inference-gateway-epp-${ns}-auth`}),
    ]);
  });

  it('installs, creates every object, and leaves a helm.sh/release.v1 Secret; an upgrade adds revision 2', async () => {
    const t0 = performance.now();
    await helm(['install', release, chartDir, '-n', ns, '--set', 'epp.poolName=model-a', '--set', 'epp.schedulingConfig.enabled=true'], {kubeconfig});
    const installMs = Math.round(performance.now() - t0);
    console.log(`[helm] install took ${installMs} ms`);

    const secret = await kube.get<Obj & {type: string}>({apiVersion: 'v1', kind: 'Secret', namespace: ns, name: `sh.helm.release.v1.${release}.v1`});
    expect(secret.type).toBe('helm.sh/release.v1');
    expect(secret.metadata.labels).toMatchObject({owner: 'helm', name: release, status: 'deployed', version: '1'});
    // data.release: Kubernetes base64 of Helm's base64 of gzip(JSON) (domain-facts §6)
    const rel = JSON.parse(gunzipSync(Buffer.from(Buffer.from(secret.data!.release!, 'base64').toString(), 'base64')).toString()) as {
      name: string;
      namespace: string;
      version: number;
      chart: {metadata: {name: string; version: string}};
      config: {epp?: {poolName?: string; schedulingConfig?: {enabled?: boolean}}};
      manifest: string;
    };
    expect(rel).toMatchObject({name: release, namespace: ns, version: 1, chart: {metadata: {name: 'inference-gateway', version: '0.3.0'}}});
    expect(rel.config).toEqual({epp: {poolName: 'model-a', schedulingConfig: {enabled: true}}});
    expect(rel.manifest).toContain('kind: EnvoyExtensionPolicy');

    // The objects the release rendered are on the cluster.
    const full = `${release}-inference-gateway`;
    for (const ref of [
      {apiVersion: 'apps/v1', kind: 'Deployment', name: `${full}-epp`},
      {apiVersion: 'v1', kind: 'Service', name: `${full}-epp`},
      {apiVersion: 'v1', kind: 'ServiceAccount', name: `${full}-epp`},
      {apiVersion: 'v1', kind: 'ConfigMap', name: `${full}-epp-config`},
      {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', name: `${full}-epp`},
      {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', name: `${full}-epp`},
      {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: full},
      {apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyExtensionPolicy', name: `${full}-ext-proc`},
    ]) {
      const o = await kube.get({...ref, namespace: ns});
      expect(o.metadata.labels?.['app.kubernetes.io/managed-by'], `${ref.kind} ${ref.name}`).toBe('Helm');
    }
    await kube.get({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: `${full}-epp-${ns}-auth`});

    // The EPP Deployment rolls out on the KWOK node.
    await until('EPP available', async () => {
      const d = await kube.get<Obj & {status?: {availableReplicas?: number}}>({apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: `${full}-epp`});
      return (d.status?.availableReplicas ?? 0) >= 1;
    });

    await helm(['upgrade', release, chartDir, '-n', ns, '--reuse-values', '--set', 'extensionPolicy.responseBodyMode=Buffered'], {kubeconfig});
    const v2 = await kube.get<Obj & {type: string}>({apiVersion: 'v1', kind: 'Secret', namespace: ns, name: `sh.helm.release.v1.${release}.v2`});
    expect(v2.metadata.labels).toMatchObject({status: 'deployed', version: '2'});
    const v1 = await kube.get<Obj>({apiVersion: 'v1', kind: 'Secret', namespace: ns, name: `sh.helm.release.v1.${release}.v1`});
    expect(v1.metadata.labels?.status).toBe('superseded');
  });
});

