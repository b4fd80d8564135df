// takeSnapshot against an in-memory stand-in for KubeClient (pure unit test of request planning and
// error tolerance; the real API server is exercised by the e2e tests).
import {describe, expect, it} from 'vitest';
import type {KubeClient, KubeObject} from '../../../src/kube/client.ts';
import {apiErrorFromResponse} from '../../../src/kube/errors.ts';
import {InfgwError} from '../../../src/errors.ts';
import {prefetchSnapshot, takeSnapshot} from '../../../src/snapshot/take.ts';
import {access, items, lookup} from '../../../src/snapshot/query.ts';
import {loadObjects} from '../checks/fixture.ts';
import {helmReleaseSecret} from '../helm/secret.ts';

const PLURAL: Record<string, string> = {
  GatewayClass: 'gatewayclasses', Gateway: 'gateways', HTTPRoute: 'httproutes', InferencePool: 'inferencepools', InferenceService: 'inferenceservices',
  Deployment: 'deployments', Pod: 'pods', Service: 'services', EndpointSlice: 'endpointslices', ConfigMap: 'configmaps', Secret: 'secrets', EnvoyExtensionPolicy: 'envoyextensionpolicies', BackendTrafficPolicy: 'backendtrafficpolicies', Namespace: 'namespaces', HealthCheckPolicy: 'healthcheckpolicies', GCPBackendPolicy: 'gcpbackendpolicies',
};

/** Serves list/get from objects; `deny` paths answer 403, `missing` resources 404. */
function fakeClient(objs: KubeObject[], opts: {deny?: RegExp; missing?: RegExp; down?: boolean} = {}): KubeClient & {paths: string[]} {
  const paths: string[] = [];
  const fail = (status: number, path: string) => apiErrorFromResponse({status, body: {}, method: 'GET', path, server: 'https://k8s.test'});
  const c = {
    requestCount: 0,
    paths,
    config: {contextName: 'test'},
    server: 'https://k8s.test',
    namespace: 'llm',
    async get(path: string) {
      c.requestCount++;
      paths.push(path);
      if (opts.down) throw new InfgwError('cannot reach the Kubernetes API server at https://k8s.test (ECONNREFUSED)', {exitCode: 3});
      if (path === '/version') return {gitVersion: 'v1.37.2', major: '1', minor: '37'};
      if (opts.deny?.test(path)) throw fail(403, path);
      if (path.includes('/customresourcedefinitions/')) return {metadata: {name: path.split('/').pop(), annotations: {'gateway.networking.k8s.io/bundle-version': 'v1.6.1'}}};
      if (path.endsWith('/log')) return 'log line';
      throw fail(404, path);
    },
    async list(path: string, o: {query?: {labelSelector?: string}} = {}) {
      c.requestCount++;
      paths.push(path);
      if (opts.deny?.test(path)) throw fail(403, path);
      if (opts.missing?.test(path)) throw fail(404, path);
      const m = /^\/apis?\/(?:([^/]+)\/)?(v[^/]+)\/(?:namespaces\/([^/]+)\/)?([^/]+)$/.exec(path);
      const [, group, , ns, resource] = m ?? [];
      const out = objs.filter((x) => {
        const g = x.apiVersion?.includes('/') ? x.apiVersion.split('/')[0] : undefined;
        if (PLURAL[x.kind ?? ''] !== resource || (g ?? undefined) !== (group === 'v1' ? undefined : group)) return false;
        if (ns && x.metadata.namespace !== ns) return false;
        const sel = o.query?.labelSelector;
        if (sel) {
          const [k, v] = sel.split('=') as [string, string];
          return x.metadata.labels?.[k] === v;
        }
        return !(resource === 'secrets');
      });
      return {items: structuredClone(out).map((x) => ({...x, apiVersion: undefined, kind: undefined}))};
    },
  };
  return c as unknown as KubeClient & {paths: string[]};
}

function manyPools(n: number, podsPerPool: number): KubeObject[] {
  const out: KubeObject[] = [];
  for (let i = 0; i < n; i++) {
    out.push({apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', metadata: {name: `p${i}`, namespace: 'llm'}, spec: {selector: {matchLabels: {app: `m${i}`}}, targetPorts: [{number: 8000}], endpointPickerRef: {name: `p${i}-epp`, port: {number: 9002}}}} as KubeObject);
    for (let j = 0; j < podsPerPool; j++) out.push({apiVersion: 'v1', kind: 'Pod', metadata: {name: `m${i}-${j}`, namespace: 'llm', labels: {app: `m${i}`}}, spec: {containers: [{name: 'c'}]}} as KubeObject);
  }
  return out;
}

describe('takeSnapshot', () => {
  it('one request per kind, whatever the number of objects (50 pools / 2,000 pods)', async () => {
    const small = fakeClient(manyPools(1, 1));
    await takeSnapshot(small);
    const big = fakeClient(manyPools(50, 40));
    const s = await takeSnapshot(big);
    expect(items(s, 'Pod')).toHaveLength(2000);
    expect(big.requestCount).toBe(small.requestCount);
    expect(big.requestCount).toBeLessThanOrEqual(25);
    expect(s.apiRequests).toBe(big.requestCount);
    expect(s.requests.every((r) => typeof r.durationMs === 'number')).toBe(true);
  });

  it('lists put apiVersion/kind back; helm release Secrets are decoded', async () => {
    const secret = helmReleaseSecret({name: 'igw', namespace: 'llm', version: 1, status: 'deployed', chart: 'inference-gateway', chartVersion: '0.3.0', manifest: ''});
    const s = await takeSnapshot(fakeClient([...loadObjects('healthy-ai-gateway.yaml'), secret]));
    const pool = lookup(s, 'InferencePool', 'llm', 'qwen');
    expect('found' in pool && pool.found.apiVersion).toBe('inference.networking.k8s.io/v1');
    expect(Array.isArray(s.releases) && s.releases.map((r) => r.name)).toEqual(['igw']);
  });

  it('403 → recorded with the missing rule; 404 → notServed; the run goes on', async () => {
    const s = await takeSnapshot(fakeClient([], {deny: /\/pods$/, missing: /inference\.networking\.x-k8s\.io/}));
    const pods = access(s, 'Pod', 'llm');
    expect(pods?.reason).toBe('forbidden');
    expect(pods?.rule).toContain('verbs ["list"]');
    expect(access(s, 'XInferencePool')?.reason).toBe('notServed');
    expect(s.requests.find((r) => r.path === '/api/v1/pods')?.status).toBe('forbidden');
  });

  it('-n: namespaced kinds in that namespace, plus Envoy Gateway\'s namespace for its controller and config', async () => {
    const c = fakeClient(loadObjects('healthy-ai-gateway.yaml'));
    // The list budget only: the EPP runtime wave (log tail, /metrics, ≤ 5 EPPs) is bounded separately.
    const s = await takeSnapshot(c, {namespace: 'llm', runtime: false});
    expect(c.paths).toContain('/api/v1/namespaces/llm/pods');
    expect(c.paths).toContain('/api/v1/namespaces/envoy-gateway-system/configmaps');
    expect(c.paths).toContain('/apis/gateway.networking.k8s.io/v1/gatewayclasses');
    expect(c.paths).not.toContain('/api/v1/pods');
    expect(access(s, 'Pod', 'other')?.reason).toBe('outOfScope');
    expect(c.paths).toContain('/apis/apps/v1/deployments');
    // routing objects cross namespaces: read cluster-wide when allowed
    expect(c.paths).toContain('/apis/gateway.networking.k8s.io/v1/httproutes');
    expect(c.requestCount).toBeLessThanOrEqual(29);
  });

  it('-n: routing kinds fall back to the namespace when the cluster-wide list is forbidden', async () => {
    const c = fakeClient(loadObjects('healthy-ai-gateway.yaml'), {deny: /^\/apis\/gateway\.networking\.k8s\.io\/v1\/httproutes$/});
    const s = await takeSnapshot(c, {namespace: 'llm'});
    expect(c.paths).toContain('/apis/gateway.networking.k8s.io/v1/namespaces/llm/httproutes');
    expect(access(s, 'HTTPRoute', 'llm')).toBeUndefined();
    expect(items(s, 'HTTPRoute').map((r) => r.metadata.name)).toEqual(['qwen']);
  });

  it('-n: Envoy Gateway installed in another namespace is found by its label and read there', async () => {
    const objs = loadObjects('healthy-ai-gateway.yaml').map((o) => (o.metadata.namespace === 'envoy-gateway-system' ? {...o, metadata: {...o.metadata, namespace: 'eg-custom'}} : o));
    const c = fakeClient(objs);
    const s = await takeSnapshot(c, {namespace: 'llm'});
    expect(c.paths).toContain('/api/v1/namespaces/eg-custom/configmaps');
    expect(c.paths).not.toContain('/api/v1/namespaces/envoy-gateway-system/configmaps');
    const {envoyGatewayInstalls} = await import('../../../src/snapshot/envoy-gateway.ts');
    expect(envoyGatewayInstalls(s).map((i) => i.namespace)).toEqual(['eg-custom']);
  });

  it('a prefetched snapshot is what the next takeSnapshot with that scope returns, once; another scope reads again', async () => {
    const c = fakeClient(loadObjects('healthy-ai-gateway.yaml'));
    prefetchSnapshot(c, {namespace: 'llm', runtime: false});
    expect(c.requestCount).toBeGreaterThan(0); // the requests went out at once
    const first = await takeSnapshot(c, {namespace: 'llm', runtime: false});
    expect(c.requestCount).toBe(first.apiRequests); // read once
    expect(items(first, 'InferencePool').map((p) => p.metadata.name)).toEqual(['qwen']);
    const again = await takeSnapshot(c, {namespace: 'llm', runtime: false});
    expect(again).not.toBe(first);
    expect(c.requestCount).toBe(2 * first.apiRequests);
    prefetchSnapshot(c, {namespace: 'other', runtime: false});
    const other = await takeSnapshot(c, {namespace: 'llm', runtime: false});
    expect(other.namespace).toBe('llm');
  });

  it('a prefetch that fails is reported by the takeSnapshot that picks it up', async () => {
    const c = fakeClient([], {down: true});
    prefetchSnapshot(c);
    await new Promise((r) => setTimeout(r, 10)); // no unhandled rejection meanwhile
    await expect(takeSnapshot(c)).rejects.toMatchObject({exitCode: 3});
  });

  it('an unreachable cluster is an error of the whole run (exit 3), not a finding', async () => {
    await expect(takeSnapshot(fakeClient([], {down: true}))).rejects.toMatchObject({exitCode: 3});
  });

  it('follow-up: BackendTrafficPolicies are read only when an HTTPRoute rule to an InferencePool sets no timeouts.request (IGW-416)', async () => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    const healthy = fakeClient(objs);
    await takeSnapshot(healthy);
    expect(healthy.paths.some((p) => p.includes('backendtrafficpolicies'))).toBe(false);
    const route = objs.find((o) => o.kind === 'HTTPRoute')! as KubeObject & {spec: {rules: {timeouts?: unknown}[]}};
    delete route.spec.rules[0]!.timeouts;
    objs.push({apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'BackendTrafficPolicy', metadata: {name: 'long', namespace: 'llm'}, spec: {timeout: {http: {requestTimeout: '300s'}}}} as KubeObject);
    const c = fakeClient(objs);
    const s = await takeSnapshot(c);
    expect(c.paths.filter((p) => p.includes('backendtrafficpolicies'))).toEqual(['/apis/gateway.envoyproxy.io/v1alpha1/backendtrafficpolicies']);
    expect(items(s, 'BackendTrafficPolicy').map((o) => `${o.kind} ${o.metadata.name}`)).toEqual(['BackendTrafficPolicy long']);
  });

  it('follow-up: BackendTrafficPolicies are read too when the rule without timeouts.request sends to an Envoy Gateway Backend (IGW-416; found by test/e2e/doctor-backend.e2e.test.ts)', async () => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    objs.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {name: 'direct', namespace: 'llm'},
      spec: {parentRefs: [{name: 'inference-gateway'}], rules: [{backendRefs: [{group: 'gateway.envoyproxy.io', kind: 'Backend', name: 'model'}]}]},
    } as KubeObject);
    const c = fakeClient(objs);
    await takeSnapshot(c);
    expect(c.paths.filter((p) => p.includes('backendtrafficpolicies'))).toEqual(['/apis/gateway.envoyproxy.io/v1alpha1/backendtrafficpolicies']);
  });

  it('follow-up (issue 13): GKE HealthCheckPolicies/GCPBackendPolicies are listed only when a GKE GatewayClass exists; a 404 is "not served"', async () => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    const plain = fakeClient(objs);
    await takeSnapshot(plain);
    expect(plain.paths.some((p) => p.includes('networking.gke.io'))).toBe(false);
    const gc = objs.find((o) => o.kind === 'GatewayClass')! as KubeObject & {spec: {controllerName: string}};
    gc.spec.controllerName = 'networking.gke.io/gateway';
    objs.push({apiVersion: 'networking.gke.io/v1', kind: 'HealthCheckPolicy', metadata: {name: 'qwen', namespace: 'llm'}, spec: {targetRef: {group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'qwen'}}} as KubeObject);
    const c = fakeClient(objs, {missing: /gcpbackendpolicies/});
    const s = await takeSnapshot(c, {namespace: 'llm'});
    expect(c.paths.filter((p) => p.includes('networking.gke.io'))).toEqual(['/apis/networking.gke.io/v1/namespaces/llm/healthcheckpolicies', '/apis/networking.gke.io/v1/namespaces/llm/gcpbackendpolicies']);
    expect(items(s, 'GKEHealthCheckPolicy').map((o) => `${o.kind} ${o.metadata.name}`)).toEqual(['HealthCheckPolicy qwen']);
    expect(access(s, 'GCPBackendPolicy', 'llm')?.reason).toBe('notServed');
  });

  it('follow-up: Namespaces are listed only when a Gateway listener admits routes by namespace selector (IGW-419)', async () => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    objs.push({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'llm', labels: {'gateway-access': 'true'}}} as KubeObject);
    const plain = fakeClient(objs);
    await takeSnapshot(plain);
    expect(plain.paths).not.toContain('/api/v1/namespaces');
    const gw = objs.find((o) => o.kind === 'Gateway')! as KubeObject & {spec: {listeners: {allowedRoutes?: unknown}[]}};
    gw.spec.listeners[0]!.allowedRoutes = {namespaces: {from: 'Selector', selector: {matchLabels: {'gateway-access': 'true'}}}};
    const c = fakeClient(objs);
    const s = await takeSnapshot(c);
    expect(c.paths.filter((p) => p === '/api/v1/namespaces')).toHaveLength(1);
    expect(items(s, 'Namespace').map((o) => o.metadata.labels?.['gateway-access'])).toEqual(['true']);
  });

  it('follow-up: logs of a restarting Envoy Gateway controller pod, current and previous', async () => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    const p = objs.find((o) => o.kind === 'Pod' && o.metadata.namespace === 'envoy-gateway-system')! as KubeObject & {status: {containerStatuses: {restartCount: number}[]}};
    p.status.containerStatuses[0]!.restartCount = 3;
    const c = fakeClient(objs);
    const s = await takeSnapshot(c);
    expect(Object.keys(s.logs).sort()).toEqual([
      'envoy-gateway-system/envoy-gateway-6b9c7d5f4-pqrst/envoy-gateway',
      'envoy-gateway-system/envoy-gateway-6b9c7d5f4-pqrst/envoy-gateway/previous',
    ]);
  });
});

describe('takeSnapshot: TCPRoutes/UDPRoutes for IGW-213 (issue 11, ai-gateway#2600)', () => {
  PLURAL.TCPRoute = 'tcproutes';
  PLURAL.UDPRoute = 'udproutes';
  const tcpGateway = {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: {name: 'tcp-gw', namespace: 'sync'}, spec: {gatewayClassName: 'eg', listeners: [{name: 'sync', port: 22000, protocol: 'TCP'}]}} as KubeObject;
  const route = {apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TCPRoute', metadata: {name: 'rsync', namespace: 'sync'}, spec: {parentRefs: [{name: 'tcp-gw'}], rules: [{backendRefs: [{name: 'rsync', port: 873}]}]}} as KubeObject;

  it('not read at all when no Gateway has a TCP/UDP listener (the healthy install pays nothing)', async () => {
    const c = fakeClient(loadObjects('healthy-ai-gateway.yaml'));
    const s = await takeSnapshot(c, {runtime: false});
    expect(c.paths.filter((p) => /tcproutes|udproutes/.test(p))).toEqual([]);
    expect(access(s, 'TCPRoute')?.reason).toBe('outOfScope');
  });

  it('a TCP listener: v1 first; v1 not served → v1alpha2 (older experimental bundle), objects keep that apiVersion', async () => {
    const c = fakeClient([tcpGateway, route], {missing: /\/v1\/(tcp|udp)routes$/});
    const s = await takeSnapshot(c, {runtime: false});
    expect(c.paths.filter((p) => /tcproutes/.test(p))).toEqual(['/apis/gateway.networking.k8s.io/v1/tcproutes', '/apis/gateway.networking.k8s.io/v1alpha2/tcproutes']);
    expect(items(s, 'TCPRoute').map((r) => `${r.apiVersion} ${r.metadata.name}`)).toEqual(['gateway.networking.k8s.io/v1alpha2 rsync']);
  });

  it('neither version served (CRD not installed) → notServed, which no check reads as an error', async () => {
    const c = fakeClient([tcpGateway], {missing: /(tcp|udp)routes$/});
    const s = await takeSnapshot(c, {runtime: false});
    expect(access(s, 'TCPRoute')?.reason).toBe('notServed');
    expect(access(s, 'UDPRoute')?.reason).toBe('notServed');
  });
});

describe('takeSnapshot: the CRDs Envoy Gateway v1.8 cannot start without (IGW-114)', () => {
  const withEg = (tag: string): KubeObject[] => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    const d = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'envoy-gateway') as KubeObject & {spec: {template: {spec: {containers: {image: string}[]}}}};
    d.spec.template.spec.containers[0]!.image = `docker.io/envoyproxy/gateway:${tag}`;
    return objs;
  };
  const crdPaths = (c: {paths: string[]}) => c.paths.filter((p) => /customresourcedefinitions\/(listenersets|grpcroutes|tlsroutes|backendtlspolicies)\./.test(p));

  it('Envoy Gateway v1.8.1 → the four CRDs are read by name, once each', async () => {
    const c = fakeClient(withEg('v1.8.1'));
    const s = await takeSnapshot(c, {runtime: false});
    expect(crdPaths(c)).toHaveLength(4);
    expect(Object.keys(s.crds)).toContain('listenersets.gateway.networking.k8s.io');
  });

  it('Envoy Gateway v1.6.0 or v1.9.1 → not read (no extra request)', async () => {
    for (const tag of ['v1.6.0', 'v1.9.1']) {
      const c = fakeClient(withEg(tag));
      await takeSnapshot(c, {runtime: false});
      expect(crdPaths(c), tag).toEqual([]);
    }
  });
});

describe('takeSnapshot: Envoy Gateway Backends (issue 11: the chain follows them)', () => {
  PLURAL.Backend = 'backends';
  it('read only when an EnvoyExtensionPolicy ext-proc or an HTTPRoute names a Backend', async () => {
    const plain = fakeClient(loadObjects('healthy-ai-gateway.yaml'));
    await takeSnapshot(plain, {runtime: false});
    expect(plain.paths.filter((p) => p.endsWith('/backends'))).toEqual([]);
    const policy = {apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyExtensionPolicy', metadata: {name: 'p', namespace: 'llm'}, spec: {targetRefs: [{kind: 'Gateway', name: 'inference-gateway'}], extProc: [{backendRefs: [{group: 'gateway.envoyproxy.io', kind: 'Backend', name: 'epp'}]}]}} as KubeObject;
    const backend = {apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'Backend', metadata: {name: 'epp', namespace: 'llm'}, spec: {endpoints: [{fqdn: {hostname: 'qwen-epp.llm.svc', port: 9002}}]}} as KubeObject;
    const c = fakeClient([...loadObjects('healthy-ai-gateway.yaml'), policy, backend]);
    const s = await takeSnapshot(c, {runtime: false});
    expect(c.paths.filter((p) => p.endsWith('/backends'))).toEqual(['/apis/gateway.envoyproxy.io/v1alpha1/backends']);
    expect(items(s, 'Backend').map((b) => `${b.apiVersion}/${b.kind} ${b.metadata.name}`)).toEqual(['gateway.envoyproxy.io/v1alpha1/Backend epp']);
  });
});
