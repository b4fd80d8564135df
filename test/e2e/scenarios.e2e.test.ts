// The scenarios library on the real test cluster: the healthy install reaches the state a working
// inference gateway has (every status written, every pod Ready, names as the real controllers
// name things), and every named fault changes what it says it changes — asserted on the cluster,
// not through the doctor.
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {parse} from 'yaml';
import {loadKubeconfig} from '../../src/kube/kubeconfig.ts';
import {kubectl, kubectlPortForward} from '../harness/cluster.ts';
import {igw11EppFaultChecks} from './support/igw11-epp-fault-checks.ts';
import {igw11bFaultChecks} from './support/igw11b-fault-checks.ts';
import {backendFaultChecks} from './support/backend-fault-checks.ts';
import {
  CONFIG_KEY,
  DEFAULT_EG_NAMESPACE,
  envoyProxyName,
  faultNames,
  faults,
  installHealthy,
  podReady,
  scenarios,
  until,
  waitingReason,
  type DeploymentJson,
  type Fault,
  type FaultName,
  type InstallOptions,
  type Installation,
  type PodJson,
} from '../scenarios/index.ts';

const kubeconfig = inject('kubeconfig');
const restrictedKubeconfig = inject('restrictedKubeconfig');
const run = Date.now().toString(36);

interface Cond {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}
interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata: {name: string; namespace?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string>; managedFields?: {time?: string}[]; creationTimestamp?: string};
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads arbitrary object shapes
  status?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  data?: Record<string, string>;
}

function cond(conditions: Cond[] | undefined, type: string): Cond | undefined {
  return conditions?.find((c) => c.type === type);
}

function ref(apiVersion: string, kind: string, namespace: string | undefined, name: string) {
  return {apiVersion, kind, namespace, name};
}

const GW = 'gateway.networking.k8s.io/v1';
const POOL = 'inference.networking.k8s.io/v1';
const EEP = 'gateway.envoyproxy.io/v1alpha1';

function get(inst: Installation, apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<Obj> {
  return inst.kube.get<Obj>(ref(apiVersion, kind, namespace, name));
}
function getOptional(inst: Installation, apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<Obj | undefined> {
  return inst.kube.getOptional<Obj>(ref(apiVersion, kind, namespace, name));
}

async function eppPods(inst: Installation): Promise<PodJson[]> {
  return inst.kube.list<PodJson>({apiVersion: 'v1', kind: 'Pod', namespace: inst.names.namespace}, `app.kubernetes.io/instance=${inst.names.release},app.kubernetes.io/component=epp`);
}

async function eppArgs(inst: Installation): Promise<string[]> {
  const d = await get(inst, 'apps/v1', 'Deployment', inst.names.namespace, inst.names.eppDeployment);
  return d.spec.template.spec.containers[0].args as string[];
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function canI(inst: Installation, attrs: {verb: string; group: string; resource: string; namespace?: string}): Promise<boolean> {
  const {names} = inst;
  const sa = `system:serviceaccount:${names.namespace}:${names.eppServiceAccount}`;
  const res = await inst.kube.client.create<{status: {allowed: boolean}}>('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {user: sa, groups: ['system:serviceaccounts', `system:serviceaccounts:${names.namespace}`, 'system:authenticated'], resourceAttributes: attrs},
  });
  return res.status.allowed;
}

function latestChange(o: Obj): number {
  return Math.max(...(o.metadata.managedFields ?? []).map((f) => Date.parse(f.time ?? '') || 0));
}

function startOf(p: PodJson): number {
  return Date.parse(p.status?.startTime ?? p.metadata.creationTimestamp ?? '');
}

async function egConfig(inst: Installation): Promise<{cm: Obj; cfg: Record<string, any>}> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const cm = await get(inst, 'v1', 'ConfigMap', inst.names.egNamespace, inst.names.egConfigMap);
  return {cm, cfg: parse(cm.data![CONFIG_KEY]!) as Record<string, unknown>};
}

async function litellmApiBaseText(inst: Installation): Promise<string> {
  const cm = await get(inst, 'v1', 'ConfigMap', inst.names.litellmNamespace, inst.names.litellmConfigMap);
  const cfg = parse(cm.data!['config.yaml']!) as {model_list: {model_name: string; litellm_params: {api_base: string}}[]};
  return cfg.model_list[0]!.litellm_params.api_base;
}

async function litellmApiBase(inst: Installation): Promise<URL> {
  return new URL(await litellmApiBaseText(inst));
}

/** The Service a cluster-local URL host names (<svc>.<ns>.svc.cluster.local), if it exists. */
async function serviceOfHost(inst: Installation, host: string): Promise<Obj | undefined> {
  const m = /^([^.]+)\.([^.]+)\.svc\.cluster\.local$/.exec(host);
  if (!m) return undefined;
  return getOptional(inst, 'v1', 'Service', m[2], m[1]!);
}

async function podLogs(inst: Installation, namespace: string, pod: string, container: string, previous = false): Promise<string> {
  const args = ['logs', '-n', namespace, pod, '-c', container];
  if (previous) args.push('--previous');
  return (await kubectl(args, {kubeconfig: inst.kubeconfig})).stdout;
}

function bearerOf(path: string): string | undefined {
  return loadKubeconfig({kubeconfig: path}, {}).user.token;
}

/** GET /metrics of the first EPP pod through `kubectl port-forward`, as a scraper would. */
async function scrapeEpp(inst: Installation, token: string | undefined): Promise<{status: number; body: string}> {
  const pod = (await eppPods(inst))[0]!;
  const pf = await kubectlPortForward(inst.kubeconfig, {namespace: inst.names.namespace, target: pod.metadata.name, remotePort: 9090});
  try {
    const res = await fetch(`http://127.0.0.1:${pf.localPort}/metrics`, token ? {headers: {authorization: `Bearer ${token}`}} : {});
    return {status: res.status, body: await res.text()};
  } finally {
    await pf.stop();
  }
}

// ---------------------------------------------------------------------------------------------

describe('healthy install', () => {
  let inst: Installation;

  beforeAll(async () => {
    inst = await installHealthy(kubeconfig, {namespace: `scn-${run}-healthy`, pods: 2, withSims: true});
    console.log(`[scenarios] healthy install: ${JSON.stringify(inst.timings)}`);
  });

  afterAll(async () => {
    await inst?.cleanup();
  });

  it('is ready within a few seconds', () => {
    // Budget for a loaded 2-core machine; the figure itself is printed above.
    expect(inst.timings.total).toBeLessThan(30_000);
  });

  it('has Envoy Gateway with the AI Gateway extension manager, and its GatewayClass Accepted', async () => {
    const {names} = inst;
    const {cm, cfg} = await egConfig(inst);
    expect(cfg.gateway.controllerName).toBe('gateway.envoyproxy.io/gatewayclass-controller');
    expect(cfg.provider.kubernetes.shutdownManager.image).toMatch(/^docker\.io\/envoyproxy\/gateway:v/);
    expect(cfg.extensionManager.hooks.xdsTranslator.post).toEqual(['Translation', 'Cluster', 'Route']);
    expect(cfg.extensionManager.service.fqdn).toEqual({hostname: 'ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local', port: 1063});
    expect(cfg.extensionManager.backendResources).toEqual([{group: 'inference.networking.k8s.io', kind: 'InferencePool', version: 'v1'}]);
    const egPods = await inst.kube.list<PodJson>({apiVersion: 'v1', kind: 'Pod', namespace: names.egNamespace}, 'control-plane=envoy-gateway');
    expect(egPods.length).toBeGreaterThan(0);
    expect(egPods.every(podReady)).toBe(true);
    // The controller started after its config was last written (whole seconds).
    for (const p of egPods) expect(startOf(p)).toBeGreaterThanOrEqual(latestChange(cm));
    expect(await getOptional(inst, 'v1', 'Service', 'envoy-ai-gateway-system', 'ai-gateway-controller')).toBeDefined();

    const gc = await get(inst, GW, 'GatewayClass', undefined, names.gatewayClass);
    expect(gc.spec.controllerName).toBe('gateway.envoyproxy.io/gatewayclass-controller');
    expect(cond(gc.status.conditions, 'Accepted')).toMatchObject({status: 'True', observedGeneration: gc.metadata.generation});
    const logs = await podLogs(inst, names.egNamespace, egPods[0]!.metadata.name, 'envoy-gateway');
    expect(logs).toContain('Watching additional backend resource: inference.networking.k8s.io/v1, Kind=InferencePool');
  });

  it('has the chart release: a real Helm release Secret and the objects it rendered', async () => {
    const {names} = inst;
    const secret = await get(inst, 'v1', 'Secret', names.namespace, `sh.helm.release.v1.${names.release}.v1`);
    expect((secret as Obj & {type: string}).type).toBe('helm.sh/release.v1');
    expect(secret.metadata.labels).toMatchObject({owner: 'helm', name: names.release, status: 'deployed'});
    const args = await eppArgs(inst);
    expect(flag(args, '--pool-name')).toBe(names.pool);
    expect(flag(args, '--pool-group')).toBe('inference.networking.k8s.io');
    expect(flag(args, '--config-file')).toBe('/config/epp-config.yaml');
    expect(await getOptional(inst, 'v1', 'ConfigMap', names.namespace, names.eppConfigMap)).toBeDefined();
  });

  it('has a Programmed Gateway fronted by an Envoy proxy named the way Envoy Gateway names it', async () => {
    const {names} = inst;
    expect(names.proxyService).toBe(envoyProxyName(names.namespace, names.gateway));
    expect(names.proxyService).toMatch(new RegExp(`^envoy-${names.namespace}-${names.gateway}-[0-9a-f]{8}$`));
    const svc = await get(inst, 'v1', 'Service', names.egNamespace, names.proxyService);
    expect(svc.metadata.labels).toMatchObject({
      'gateway.envoyproxy.io/owning-gateway-name': names.gateway,
      'gateway.envoyproxy.io/owning-gateway-namespace': names.namespace,
    });
    expect(svc.spec.ports[0].port).toBe(names.gatewayPort);
    const gw = await get(inst, GW, 'Gateway', names.namespace, names.gateway);
    expect(gw.spec.gatewayClassName).toBe(names.gatewayClass);
    expect(cond(gw.status.conditions, 'Accepted')?.status).toBe('True');
    expect(cond(gw.status.conditions, 'Programmed')).toMatchObject({status: 'True', reason: 'Programmed', observedGeneration: gw.metadata.generation});
    expect(gw.status.addresses).toEqual([{type: 'IPAddress', value: svc.status.loadBalancer.ingress[0].ip}]);
    expect(gw.status.listeners[0]).toMatchObject({name: 'http', attachedRoutes: 1});
    const proxy = await get(inst, 'apps/v1', 'Deployment', names.egNamespace, names.proxyDeployment);
    expect(proxy.status.availableReplicas).toBe(1);
  });

  it('routes the Gateway to the InferencePool: HTTPRoute and pool Accepted and ResolvedRefs', async () => {
    const {names} = inst;
    const route = await get(inst, GW, 'HTTPRoute', names.routeNamespace, names.httpRoute);
    expect(route.spec.parentRefs[0]).toMatchObject({kind: 'Gateway', name: names.gateway});
    expect(route.spec.rules[0].backendRefs[0]).toMatchObject({group: 'inference.networking.k8s.io', kind: 'InferencePool', name: names.pool});
    const parent = route.status.parents[0];
    expect(parent.parentRef).toMatchObject({name: names.gateway, namespace: names.namespace});
    expect(cond(parent.conditions, 'Accepted')?.status).toBe('True');
    expect(cond(parent.conditions, 'ResolvedRefs')?.status).toBe('True');

    const pool = await get(inst, POOL, 'InferencePool', names.namespace, names.pool);
    expect(pool.spec.endpointPickerRef).toMatchObject({kind: 'Service', name: names.eppService, port: {number: 9002}});
    expect(pool.spec.targetPorts).toEqual([{number: 8000}]);
    expect(cond(pool.status.parents[0].conditions, 'Accepted')).toMatchObject({status: 'True', observedGeneration: pool.metadata.generation});
    expect(cond(pool.status.parents[0].conditions, 'ResolvedRefs')?.status).toBe('True');
    const selected = await inst.kube.list<PodJson>(
      {apiVersion: 'v1', kind: 'Pod', namespace: names.namespace},
      Object.entries(pool.spec.selector.matchLabels as Record<string, string>)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    );
    expect(selected).toHaveLength(2);
    expect(selected.every(podReady)).toBe(true);
    expect(selected.every((p) => p.spec?.containers?.[0]?.ports?.[0]?.containerPort === 8000)).toBe(true);
  });

  it('wires the EPP only through the AI Gateway extension: no EnvoyExtensionPolicy', async () => {
    const {names} = inst;
    expect(inst.options.wiring).toBe('ai-gateway');
    expect(await inst.kube.list({apiVersion: EEP, kind: 'EnvoyExtensionPolicy', namespace: names.namespace})).toEqual([]);
  });

  it('has a Ready InferenceService, Ready EPP with endpoints, and readable logs', async () => {
    const {names} = inst;
    const isvc = await get(inst, 'serving.kserve.io/v1beta1', 'InferenceService', names.namespace, names.inferenceService);
    expect(cond(isvc.status.conditions, 'Ready')?.status).toBe('True');
    expect(cond(isvc.status.conditions, 'PredictorReady')?.status).toBe('True');
    const model = await get(inst, 'apps/v1', 'Deployment', names.namespace, names.modelDeployment);
    expect(model.metadata.labels?.['serving.kserve.io/inferenceservice']).toBe(names.inferenceService);
    for (const [ns, name] of [
      [names.namespace, names.eppDeployment],
      [names.namespace, names.modelDeployment],
      [names.litellmNamespace, names.litellmDeployment],
    ] as const) {
      const d = await get(inst, 'apps/v1', 'Deployment', ns, name);
      expect(d.status.availableReplicas, name).toBe(d.spec.replicas);
    }
    const slices = await inst.kube.client.list<{endpoints?: {conditions?: {ready?: boolean}}[]}>(
      `/apis/discovery.k8s.io/v1/namespaces/${names.namespace}/endpointslices`,
      {query: {labelSelector: `kubernetes.io/service-name=${names.eppService}`}},
    );
    expect(slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready)).toHaveLength(1);
    const pod = (await eppPods(inst))[0]!;
    const logs = await podLogs(inst, names.namespace, pod.metadata.name, 'epp');
    expect(logs).toContain('InferencePool synced');
    expect(logs.match(/Endpoint added/g)).toHaveLength(2);
  });

  it('points LiteLLM at the Envoy proxy Service of the Gateway', async () => {
    const {names} = inst;
    expect(await litellmApiBaseText(inst)).toBe(`${names.gatewayUrl}/v1`);
    const url = await litellmApiBase(inst);
    const svc = await serviceOfHost(inst, url.hostname);
    expect(svc?.metadata.name).toBe(names.proxyService);
    expect(svc?.spec.ports.map((p: {port: number}) => p.port)).toContain(Number(url.port || 80));
  });

  it('reaches the model simulators through kubectl port-forward to the model pods', async () => {
    const {names} = inst;
    expect(inst.sims).toHaveLength(2);
    const pod = (await inst.kube.list<PodJson>({apiVersion: 'v1', kind: 'Pod', namespace: names.namespace}, `serving.kserve.io/inferenceservice=${names.inferenceService}`))[0]!;
    const pf = await kubectlPortForward(inst.kubeconfig, {namespace: names.namespace, target: pod.metadata.name, remotePort: 8000});
    try {
      const models = (await (await fetch(`http://127.0.0.1:${pf.localPort}/v1/models`)).json()) as {data: {id: string}[]};
      expect(models.data.map((m) => m.id)).toContain(names.servedModel);
      const metrics = await (await fetch(`http://127.0.0.1:${pf.localPort}/metrics`)).text();
      expect(metrics).toContain('vllm:');
    } finally {
      await pf.stop();
    }
  });

  it('serves EPP metrics through port-forward, authenticated like the EPP (TokenReview + SubjectAccessReview)', async () => {
    const {names} = inst;
    const ok = await scrapeEpp(inst, bearerOf(kubeconfig));
    expect(ok.status).toBe(200);
    expect(ok.body).toContain(`inference_pool_ready_pods{name="${names.pool}"} 2`);
    expect((await scrapeEpp(inst, undefined)).status).toBe(401);
    expect((await scrapeEpp(inst, 'not-a-token')).status).toBe(401);
    if (restrictedKubeconfig) expect((await scrapeEpp(inst, bearerOf(restrictedKubeconfig))).status).toBe(403);
  });

  it('refuses Envoy Gateway faults on the shared Envoy Gateway', async () => {
    expect(inst.names.egNamespace).toBe(DEFAULT_EG_NAMESPACE);
    await expect(inst.inject('eg-version-old')).rejects.toThrow(/own egNamespace/);
  });
});

describe("healthy install with the chart's EnvoyExtensionPolicy (wiring 'extension-policy')", () => {
  let inst: Installation;

  beforeAll(async () => {
    inst = await installHealthy(kubeconfig, {namespace: `scn-${run}-eep`, pods: 1, wiring: 'extension-policy', litellm: false});
  });

  afterAll(async () => {
    await inst?.cleanup();
  });

  it('has an Accepted EnvoyExtensionPolicy on the Gateway with ext-proc to the EPP Service', async () => {
    const {names} = inst;
    const eep = await get(inst, EEP, 'EnvoyExtensionPolicy', names.namespace, names.extensionPolicy);
    expect(eep.spec.targetRefs[0]).toMatchObject({kind: 'Gateway', name: names.gateway});
    expect(eep.spec.extProc[0].backendRefs[0]).toMatchObject({name: names.eppService, port: 9002});
    expect(eep.spec.extProc[0].processingMode.response.body).toBe('Streamed');
    expect(cond(eep.status.ancestors[0].conditions, 'Accepted')).toMatchObject({status: 'True', observedGeneration: eep.metadata.generation});
    expect(eep.status.ancestors[0].ancestorRef).toMatchObject({kind: 'Gateway', name: names.gateway, namespace: names.namespace});
    expect(await getOptional(inst, 'apps/v1', 'Deployment', names.namespace, names.litellmDeployment)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------

/** One check per fault: what inject() claims to change, read back from the cluster. */
const checks: Record<FaultName, (inst: Installation) => Promise<void>> = {
  async 'gatewayclass-missing'(inst) {
    const {names} = inst;
    const gw = await get(inst, GW, 'Gateway', names.namespace, names.gateway);
    expect(gw.spec.gatewayClassName).toBe('envoy-gateway');
    expect(await getOptional(inst, GW, 'GatewayClass', undefined, 'envoy-gateway')).toBeUndefined();
    expect(cond(gw.status.conditions, 'Programmed')).toMatchObject({status: 'Unknown', reason: 'Pending'});
    expect(await getOptional(inst, 'apps/v1', 'Deployment', names.egNamespace, names.proxyDeployment)).toBeUndefined();
    expect((await get(inst, GW, 'HTTPRoute', names.routeNamespace, names.httpRoute)).status.parents).toEqual([]);
    expect((await get(inst, POOL, 'InferencePool', names.namespace, names.pool)).status.parents).toEqual([]);
  },
  async 'gatewayclass-not-accepted'(inst) {
    const {names} = inst;
    const gw = await get(inst, GW, 'Gateway', names.namespace, names.gateway);
    const gc = await get(inst, GW, 'GatewayClass', undefined, gw.spec.gatewayClassName);
    expect(gc.metadata.name).toBe(`${names.namespace}-eg`);
    expect(cond(gc.status.conditions, 'Accepted')).toMatchObject({status: 'False', reason: 'InvalidParameters'});
    expect(await getOptional(inst, EEP, 'EnvoyProxy', names.egNamespace, gc.spec.parametersRef.name)).toBeUndefined();
    expect(cond(gw.status.conditions, 'Accepted')?.status).toBe('Unknown');
  },
  async 'gateway-missing'(inst) {
    const {names} = inst;
    expect(await getOptional(inst, GW, 'Gateway', names.namespace, names.gateway)).toBeUndefined();
    expect(await getOptional(inst, 'v1', 'Service', names.egNamespace, names.proxyService)).toBeUndefined();
    expect((await get(inst, GW, 'HTTPRoute', names.routeNamespace, names.httpRoute)).status.parents).toEqual([]);
  },
  async 'gateway-not-programmed'(inst) {
    const {names} = inst;
    const gw = await get(inst, GW, 'Gateway', names.namespace, names.gateway);
    expect(cond(gw.status.conditions, 'Accepted')?.status).toBe('True');
    expect(cond(gw.status.conditions, 'Programmed')).toMatchObject({status: 'False', reason: 'NoResources'});
    const pods = await inst.kube.list<PodJson>(
      {apiVersion: 'v1', kind: 'Pod', namespace: names.egNamespace},
      `gateway.envoyproxy.io/owning-gateway-name=${names.gateway},gateway.envoyproxy.io/owning-gateway-namespace=${names.namespace}`,
    );
    expect(pods.length).toBeGreaterThan(0);
    expect(pods.some(podReady)).toBe(false);
  },
  async 'route-pool-missing'(inst) {
    const {names} = inst;
    const route = await get(inst, GW, 'HTTPRoute', names.routeNamespace, names.httpRoute);
    const backend = route.spec.rules[0].backendRefs[0].name as string;
    expect(backend).not.toBe(names.pool);
    expect(await getOptional(inst, POOL, 'InferencePool', names.namespace, backend)).toBeUndefined();
    expect(cond(route.status.parents[0].conditions, 'ResolvedRefs')).toMatchObject({status: 'False', reason: 'BackendNotFound'});
    expect((await get(inst, POOL, 'InferencePool', names.namespace, names.pool)).status.parents).toEqual([]);
  },
  async 'route-cross-namespace-no-grant'(inst) {
    const {names} = inst;
    expect(names.routeNamespace).not.toBe(names.namespace);
    expect(await getOptional(inst, GW, 'HTTPRoute', names.namespace, names.httpRoute)).toBeUndefined();
    const route = await get(inst, GW, 'HTTPRoute', names.routeNamespace, names.httpRoute);
    expect(route.spec.rules[0].backendRefs[0]).toMatchObject({kind: 'InferencePool', name: names.pool, namespace: names.namespace});
    const grants = await inst.kube.list({apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', namespace: names.namespace});
    expect(grants).toEqual([]);
    expect(cond(route.status.parents[0].conditions, 'Accepted')?.status).toBe('True');
    expect(cond(route.status.parents[0].conditions, 'ResolvedRefs')).toMatchObject({status: 'False', reason: 'RefNotPermitted'});
  },
  async 'route-invalid-kind'(inst) {
    const {names} = inst;
    const {cfg} = await egConfig(inst);
    expect(cfg.extensionManager).toBeUndefined();
    const route = await get(inst, GW, 'HTTPRoute', names.routeNamespace, names.httpRoute);
    expect(cond(route.status.parents[0].conditions, 'ResolvedRefs')).toMatchObject({status: 'False', reason: 'InvalidKind'});
    const eg = await get(inst, 'apps/v1', 'Deployment', names.egNamespace, names.egDeployment);
    expect(eg.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBeDefined();
    expect(eg.status.availableReplicas).toBe(1);
  },
  async 'pool-epp-port-8000'(inst) {
    const {names} = inst;
    const pool = await get(inst, POOL, 'InferencePool', names.namespace, names.pool);
    expect(pool.spec.endpointPickerRef.port.number).toBe(8000);
    const svc = await get(inst, 'v1', 'Service', names.namespace, names.eppService);
    expect(svc.spec.ports.map((p: {port: number}) => p.port)).not.toContain(8000);
    expect(cond(pool.status.parents[0].conditions, 'Accepted')?.observedGeneration).toBe(pool.metadata.generation);
  },
  async 'pool-target-port-mismatch'(inst) {
    const {names} = inst;
    const pool = await get(inst, POOL, 'InferencePool', names.namespace, names.pool);
    expect(pool.spec.targetPorts).toEqual([{number: 8080}]);
    const model = await get(inst, 'apps/v1', 'Deployment', names.namespace, names.modelDeployment);
    expect(model.spec.template.spec.containers[0].ports.map((p: {containerPort: number}) => p.containerPort)).toEqual([8000]);
  },
  async 'pool-selector-no-pods'(inst) {
    const {names} = inst;
    const pool = await get(inst, POOL, 'InferencePool', names.namespace, names.pool);
    expect(pool.spec.selector.matchLabels).toEqual({app: names.inferenceService});
    const sel = Object.entries(pool.spec.selector.matchLabels as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',');
    expect(await inst.kube.list({apiVersion: 'v1', kind: 'Pod', namespace: names.namespace}, sel)).toEqual([]);
    expect(await inst.kube.list({apiVersion: 'v1', kind: 'Pod', namespace: names.namespace}, `serving.kserve.io/inferenceservice=${names.inferenceService}`)).toHaveLength(2);
  },
  async 'pool-only-v1alpha2'(inst) {
    const {names} = inst;
    expect(await getOptional(inst, POOL, 'InferencePool', names.namespace, names.pool)).toBeUndefined();
    const old = await get(inst, 'inference.networking.x-k8s.io/v1alpha2', 'InferencePool', names.namespace, names.pool);
    expect(old.spec).toMatchObject({targetPortNumber: 8000, extensionRef: {name: names.eppService, portNumber: 9002}});
    const route = await get(inst, GW, 'HTTPRoute', names.routeNamespace, names.httpRoute);
    expect(route.spec.rules[0].backendRefs[0].group).toBe('inference.networking.x-k8s.io');
    expect(cond(route.status.parents[0].conditions, 'ResolvedRefs')).toMatchObject({status: 'False', reason: 'InvalidKind'});
    expect(flag(await eppArgs(inst), '--pool-group')).toBe('inference.networking.k8s.io');
    expect((await eppPods(inst)).some(podReady)).toBe(false);
  },
  async 'model-pods-not-ready'(inst) {
    const {names} = inst;
    const pods = await inst.kube.list<PodJson>({apiVersion: 'v1', kind: 'Pod', namespace: names.namespace}, `serving.kserve.io/inferenceservice=${names.inferenceService}`);
    expect(pods).toHaveLength(2);
    expect(pods.every((p) => p.status?.phase === 'Running' && !podReady(p))).toBe(true);
    const isvc = await get(inst, 'serving.kserve.io/v1beta1', 'InferenceService', names.namespace, names.inferenceService);
    expect(cond(isvc.status.conditions, 'Ready')).toMatchObject({status: 'False', reason: 'MinimumReplicasUnavailable'});
  },
  async 'epp-crashloop'(inst) {
    const {names} = inst;
    const pods = await until('an EPP restart counted', async () => {
      const ps = await eppPods(inst);
      return ps.every((p) => waitingReason(p) === 'CrashLoopBackOff' && (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1) ? ps : undefined;
    });
    await until('EPP Deployment unavailable', async () => {
      const d = await inst.kube.get<DeploymentJson>(ref('apps/v1', 'Deployment', names.namespace, names.eppDeployment));
      return (d.status?.availableReplicas ?? 0) === 0;
    });
    expect(await podLogs(inst, names.namespace, pods[0]!.metadata.name, 'epp', true)).toContain('Failed to run EPP');
  },
  async 'epp-image-pull'(inst) {
    const {names} = inst;
    await until('EPP Deployment unavailable', async () => {
      const d = await inst.kube.get<DeploymentJson>(ref('apps/v1', 'Deployment', names.namespace, names.eppDeployment));
      return (d.status?.availableReplicas ?? 0) === 0;
    });
    const pods = await eppPods(inst);
    expect(pods.length).toBeGreaterThan(0);
    for (const p of pods) {
      const image = p.spec?.containers?.find((c) => c.name === 'epp')?.image;
      expect(image).toMatch(/:v0\.0\.0-does-not-exist$/);
      expect(p.status?.phase).toBe('Pending');
      expect(p.spec?.nodeName).toBeTruthy();
      expect(cond(p.status?.conditions, 'PodScheduled')).toMatchObject({status: 'True'});
      expect(cond(p.status?.conditions, 'Ready')).toMatchObject({status: 'False', reason: 'ContainersNotReady'});
      expect(cond(p.status?.conditions, 'ContainersReady')).toMatchObject({status: 'False', reason: 'ContainersNotReady'});
      expect(podReady(p)).toBe(false);
      const cs = p.status?.containerStatuses?.find((c) => c.name === 'epp');
      expect(cs).toMatchObject({ready: false, started: false, image, state: {waiting: {reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"`}}});
    }
  },
  async 'epp-unschedulable'(inst) {
    const pods = await eppPods(inst);
    expect(pods.length).toBeGreaterThan(0);
    for (const p of pods) {
      expect(p.spec?.nodeName).toBeUndefined();
      expect(cond(p.status?.conditions, 'PodScheduled')).toMatchObject({status: 'False', reason: 'Unschedulable'});
      expect(cond(p.status?.conditions, 'PodScheduled')?.message).toMatch(/Insufficient cpu/);
    }
  },
  async 'epp-role-missing-inferencepools'(inst) {
    const {names} = inst;
    expect(await canI(inst, {verb: 'list', group: 'inference.networking.k8s.io', resource: 'inferencepools', namespace: names.namespace})).toBe(false);
    expect(await canI(inst, {verb: 'watch', group: '', resource: 'pods', namespace: names.namespace})).toBe(true);
    const pods = await eppPods(inst);
    expect(pods.some(podReady)).toBe(false);
    expect(await podLogs(inst, names.namespace, pods[0]!.metadata.name, 'epp')).toMatch(/inferencepools.* is forbidden/);
  },
  async 'epp-no-tokenreviews'(inst) {
    expect(await canI(inst, {verb: 'create', group: 'authentication.k8s.io', resource: 'tokenreviews'})).toBe(false);
    expect(await canI(inst, {verb: 'create', group: 'authorization.k8s.io', resource: 'subjectaccessreviews'})).toBe(true);
    expect((await eppPods(inst)).every(podReady)).toBe(true);
    // The scrape that worked on the healthy install now fails as the EPP's does (RBAC caches: retry).
    await until('EPP metrics answer 500', async () => (await scrapeEpp(inst, bearerOf(kubeconfig))).status === 500, 20_000, 500);
  },
  async 'epp-pool-group-mismatch'(inst) {
    expect(flag(await eppArgs(inst), '--pool-group')).toBe('inference.networking.x-k8s.io');
    expect(await getOptional(inst, 'inference.networking.x-k8s.io/v1alpha2', 'InferencePool', inst.names.namespace, inst.names.pool)).toBeUndefined();
    expect((await eppPods(inst)).some(podReady)).toBe(false);
  },
  async 'epp-pool-name-mismatch'(inst) {
    const {names} = inst;
    const name = flag(await eppArgs(inst), '--pool-name')!;
    expect(name).toBe(names.inferenceService);
    expect(await getOptional(inst, POOL, 'InferencePool', names.namespace, name)).toBeUndefined();
    expect((await eppPods(inst)).some(podReady)).toBe(false);
    const v2 = await get(inst, 'v1', 'Secret', names.namespace, `sh.helm.release.v1.${names.release}.v2`);
    expect(v2.metadata.labels?.status).toBe('deployed');
  },
  async 'epp-service-missing'(inst) {
    const {names} = inst;
    expect(await getOptional(inst, 'v1', 'Service', names.namespace, names.eppService)).toBeUndefined();
    const pool = await get(inst, POOL, 'InferencePool', names.namespace, names.pool);
    expect(cond(pool.status.parents[0].conditions, 'ResolvedRefs')).toMatchObject({status: 'False', reason: 'InvalidExtensionRef'});
  },
  async 'epp-tls'(inst) {
    expect(await eppArgs(inst)).not.toContain('--secure-serving=false');
    expect((await eppPods(inst)).every(podReady)).toBe(true);
  },
  async 'epp-fan-in'(inst) {
    const {names} = inst;
    const pools = await inst.kube.list<Obj>({apiVersion: POOL, kind: 'InferencePool', namespace: names.namespace});
    const sharing = pools.filter((p) => p.spec.endpointPickerRef.name === names.eppService);
    expect(sharing.map((p) => p.metadata.name).sort()).toEqual([names.pool, `${names.inferenceService}-b-pool`].sort());
    const b = await get(inst, 'serving.kserve.io/v1beta1', 'InferenceService', names.namespace, `${names.inferenceService}-b`);
    expect(cond(b.status.conditions, 'Ready')?.status).toBe('True');
    const route = await get(inst, GW, 'HTTPRoute', names.namespace, `${names.inferenceService}-b-route`);
    expect(cond(route.status.parents[0].conditions, 'Accepted')?.status).toBe('True');
  },
  async 'policy-not-accepted'(inst) {
    const {names} = inst;
    const eep = await get(inst, EEP, 'EnvoyExtensionPolicy', names.namespace, names.extensionPolicy);
    expect(cond(eep.status.ancestors[0].conditions, 'Accepted')).toMatchObject({status: 'False', reason: 'Invalid'});
    const backend = eep.spec.extProc[0].backendRefs[0] as {name: string; port: number};
    expect(backend).toMatchObject({name: names.eppService, port: 9003});
    const svc = await get(inst, 'v1', 'Service', names.namespace, names.eppService);
    expect(svc.spec.ports.map((p: {port: number}) => p.port)).not.toContain(9003);
  },
  async 'policy-response-buffered'(inst) {
    const {names} = inst;
    const eep = await get(inst, EEP, 'EnvoyExtensionPolicy', names.namespace, names.extensionPolicy);
    expect(eep.spec.extProc[0].processingMode.response.body).toBe('Buffered');
    expect(cond(eep.status.ancestors[0].conditions, 'Accepted')).toMatchObject({status: 'True', observedGeneration: eep.metadata.generation});
  },
  async 'policy-message-timeout-200ms'(inst) {
    const {names} = inst;
    const eep = await get(inst, EEP, 'EnvoyExtensionPolicy', names.namespace, names.extensionPolicy);
    expect(eep.spec.extProc[0].messageTimeout).toBe('200ms');
  },
  async 'policy-and-ai-gateway'(inst) {
    const {names} = inst;
    const eep = await get(inst, EEP, 'EnvoyExtensionPolicy', names.namespace, names.extensionPolicy);
    expect(eep.spec.extProc[0].backendRefs[0].name).toBe(names.eppService);
    expect(cond(eep.status.ancestors[0].conditions, 'Accepted')?.status).toBe('True');
    const {cfg} = await egConfig(inst);
    expect(cfg.extensionManager.backendResources[0].kind).toBe('InferencePool');
  },
  async 'scheduling-config-changed'(inst) {
    const {names} = inst;
    const cm = await get(inst, 'v1', 'ConfigMap', names.namespace, names.eppConfigMap);
    const cfg = parse(cm.data!['epp-config.yaml']!) as {schedulingProfiles: {plugins: {pluginRef: string; weight?: number}[]}[]};
    expect(cfg.schedulingProfiles[0]!.plugins.map((p) => p.weight ?? 0).slice(0, 3)).toEqual([50, 40, 10]);
    const pods = await eppPods(inst);
    for (const p of pods) expect(latestChange(cm)).toBeGreaterThan(startOf(p));
  },
  async 'scheduling-weights-not-100'(inst) {
    const {names} = inst;
    const cm = await get(inst, 'v1', 'ConfigMap', names.namespace, names.eppConfigMap);
    const cfg = parse(cm.data!['epp-config.yaml']!) as {schedulingProfiles: {plugins: {pluginRef: string; weight?: number}[]}[]};
    expect(cfg.schedulingProfiles[0]!.plugins.reduce((s, p) => s + (p.weight ?? 0), 0)).toBe(110);
    const pods = await eppPods(inst);
    for (const p of pods) expect(startOf(p)).toBeGreaterThanOrEqual(latestChange(cm));
    expect(pods.every(podReady)).toBe(true);
  },
  async 'eg-config-notes-patch'(inst) {
    const {names} = inst;
    const {cm, cfg} = await egConfig(inst);
    expect(cfg.extensionManager).toEqual({backendResources: [{group: '', kind: 'Service'}]});
    expect(cfg.gateway).toBeUndefined();
    const pods = await inst.kube.list<PodJson>({apiVersion: 'v1', kind: 'Pod', namespace: names.egNamespace}, 'control-plane=envoy-gateway');
    expect(pods.every(podReady)).toBe(true);
    for (const p of pods) expect(latestChange(cm)).toBeGreaterThan(startOf(p));
    expect(await podLogs(inst, names.egNamespace, pods[0]!.metadata.name, 'envoy-gateway')).toContain('failed to validate EnvoyGateway config');
  },
  async 'eg-config-notes-patch-restarted'(inst) {
    const {names} = inst;
    const {cfg} = await egConfig(inst);
    expect(cfg.extensionManager.hooks).toBeUndefined();
    const pods = await inst.kube.list<PodJson>({apiVersion: 'v1', kind: 'Pod', namespace: names.egNamespace}, 'control-plane=envoy-gateway');
    const crashing = pods.find((p) => waitingReason(p) === 'CrashLoopBackOff');
    expect(crashing).toBeDefined();
    expect(pods.some(podReady)).toBe(true);
    expect(await podLogs(inst, names.egNamespace, crashing!.metadata.name, 'envoy-gateway', true)).toContain('registered extension has no hooks specified');
  },
  async 'eg-version-old'(inst) {
    const {names} = inst;
    const eg = await get(inst, 'apps/v1', 'Deployment', names.egNamespace, names.egDeployment);
    expect(eg.spec.template.spec.containers[0].image).toBe('docker.io/envoyproxy/gateway:v1.5.3');
    expect(eg.status.updatedReplicas).toBe(1);
    expect(eg.status.availableReplicas).toBe(1);
  },
  async 'pool-missing'(inst) {
    const {names} = inst;
    expect(await getOptional(inst, POOL, 'InferencePool', names.namespace, names.pool)).toBeUndefined();
    const route = await get(inst, GW, 'HTTPRoute', names.routeNamespace, names.httpRoute);
    expect(cond(route.status.parents[0].conditions, 'ResolvedRefs')).toMatchObject({status: 'False', reason: 'BackendNotFound'});
    expect(flag(await eppArgs(inst), '--pool-name')).toBe(names.pool);
    expect((await eppPods(inst)).some(podReady)).toBe(false);
  },
  async 'pool-epp-service-name-mismatch'(inst) {
    const {names} = inst;
    const pool = await get(inst, POOL, 'InferencePool', names.namespace, names.pool);
    expect(pool.spec.endpointPickerRef.name).toBe(`${names.release}-epp`);
    expect(await getOptional(inst, 'v1', 'Service', names.namespace, pool.spec.endpointPickerRef.name)).toBeUndefined();
    expect(await getOptional(inst, 'v1', 'Service', names.namespace, names.eppService)).toBeDefined();
    expect(cond(pool.status.parents[0].conditions, 'ResolvedRefs')).toMatchObject({status: 'False', reason: 'InvalidExtensionRef'});
  },
  async 'epp-service-no-endpoints'(inst) {
    const {names} = inst;
    const svc = await get(inst, 'v1', 'Service', names.namespace, names.eppService);
    expect(svc.spec.selector['app.kubernetes.io/component']).toBe('endpoint-picker');
    const slices = await inst.kube.client.list<{endpoints?: unknown[]}>(`/apis/discovery.k8s.io/v1/namespaces/${names.namespace}/endpointslices`, {
      query: {labelSelector: `kubernetes.io/service-name=${names.eppService}`},
    });
    expect(slices.items.flatMap((sl) => sl.endpoints ?? [])).toEqual([]);
    expect((await eppPods(inst)).every(podReady)).toBe(true);
  },
  async 'release-failed'(inst) {
    const {names} = inst;
    const v2 = await get(inst, 'v1', 'Secret', names.namespace, `sh.helm.release.v1.${names.release}.v2`);
    expect(v2.metadata.labels).toMatchObject({status: 'failed', version: '2'});
    const gw = await get(inst, GW, 'Gateway', names.namespace, names.gateway);
    expect(gw.spec.listeners[0].port).toBe(80);
    const status = await inst.helm(['status', names.release, '-n', names.namespace, '-o', 'json']);
    expect((JSON.parse(status.stdout) as {info: {status: string}}).info.status).toBe('failed');
  },
  async 'release-rolebinding-deleted'(inst) {
    const {names} = inst;
    expect(await getOptional(inst, 'rbac.authorization.k8s.io/v1', 'RoleBinding', names.namespace, names.eppRole)).toBeUndefined();
    const manifest = await inst.helm(['get', 'manifest', names.release, '-n', names.namespace]);
    expect(manifest.stdout).toContain('kind: RoleBinding');
    expect(await canI(inst, {verb: 'list', group: '', resource: 'pods', namespace: names.namespace})).toBe(false);
    expect((await eppPods(inst)).some(podReady)).toBe(false);
  },
  async 'route-wrong-parent'(inst) {
    const {names} = inst;
    const route = await get(inst, GW, 'HTTPRoute', names.routeNamespace, names.httpRoute);
    expect(route.spec.parentRefs[0].name).toBe('inference-gateway');
    expect(await getOptional(inst, GW, 'Gateway', names.namespace, 'inference-gateway')).toBeUndefined();
    expect(route.status.parents).toEqual([]);
    const gw = await get(inst, GW, 'Gateway', names.namespace, names.gateway);
    expect(gw.status.listeners[0].attachedRoutes).toBe(0);
  },
  async 'other-policy-on-gateway'(inst) {
    const {names} = inst;
    const policies = await inst.kube.list<Obj>({apiVersion: EEP, kind: 'EnvoyExtensionPolicy', namespace: names.namespace});
    const other = policies.find((p) => p.metadata.name === 'request-auditing');
    expect(other?.spec.targetRefs[0].name).toBe(names.gateway);
    expect(other?.spec.extProc[0].backendRefs[0].name).toBe('request-auditor');
    expect(cond(other?.status.ancestors[0].conditions, 'Accepted')?.status).toBe('True');
    expect(policies.some((p) => p.spec.extProc.some((e: {backendRefs: {name: string}[]}) => e.backendRefs.some((b) => b.name === names.eppService)))).toBe(false);
  },
  async 'scheduling-unknown-plugin'(inst) {
    const {names} = inst;
    const cm = await get(inst, 'v1', 'ConfigMap', names.namespace, names.eppConfigMap);
    expect(cm.data!['epp-config.yaml']).toContain('type: max-scorer-picker');
    const pods = await eppPods(inst);
    expect(pods.every((p) => waitingReason(p) === 'CrashLoopBackOff')).toBe(true);
    expect(await podLogs(inst, names.namespace, pods[0]!.metadata.name, 'epp', true)).toContain('unknown plugin type max-scorer-picker');
  },
  async 'epp-upgraded-inline-saturation'(inst) {
    const {names} = inst;
    const d = await get(inst, 'apps/v1', 'Deployment', names.namespace, names.eppDeployment);
    expect(d.spec.template.spec.containers[0].image).toMatch(/:v1\.5\.0$/);
    const cm = await get(inst, 'v1', 'ConfigMap', names.namespace, names.eppConfigMap);
    expect((parse(cm.data!['epp-config.yaml']!) as {saturationDetector: Record<string, unknown>}).saturationDetector).toHaveProperty('queueDepthThreshold');
    expect((await eppPods(inst)).every(podReady)).toBe(true);
  },
  async 'eg-controller-crashloop'(inst) {
    const {names} = inst;
    const pods = await inst.kube.list<PodJson>({apiVersion: 'v1', kind: 'Pod', namespace: names.egNamespace}, 'control-plane=envoy-gateway');
    expect(pods.length).toBeGreaterThan(0);
    expect(pods.every((p) => waitingReason(p) === 'CrashLoopBackOff' && !podReady(p))).toBe(true);
    await until('Envoy Gateway Deployment unavailable', async () => {
      const d = await get(inst, 'apps/v1', 'Deployment', names.egNamespace, names.egDeployment);
      return (d.status.availableReplicas ?? 0) === 0;
    });
    expect(await podLogs(inst, names.egNamespace, pods[0]!.metadata.name, 'envoy-gateway', true)).toContain('registered extension has no hooks specified');
  },
  async 'eg-config-invalid-yaml'(inst) {
    const {names} = inst;
    const cm = await get(inst, 'v1', 'ConfigMap', names.egNamespace, names.egConfigMap);
    expect(() => parse(cm.data![CONFIG_KEY]!)).toThrow();
    const pods = await inst.kube.list<PodJson>({apiVersion: 'v1', kind: 'Pod', namespace: names.egNamespace}, 'control-plane=envoy-gateway');
    expect(pods.every(podReady)).toBe(true);
    expect(await podLogs(inst, names.egNamespace, pods[0]!.metadata.name, 'envoy-gateway')).toContain('failed to decode config file');
  },
  async 'eg-no-inferencepool-backend'(inst) {
    const {names} = inst;
    const {cfg} = await egConfig(inst);
    expect(cfg.extensionManager.hooks.xdsTranslator.post).toEqual(['Translation', 'Cluster', 'Route']);
    expect(cfg.extensionManager.service.fqdn.hostname).toBe('ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local');
    expect(cfg.extensionManager.backendResources).toBeUndefined();
    const route = await get(inst, GW, 'HTTPRoute', names.routeNamespace, names.httpRoute);
    expect(cond(route.status.parents[0].conditions, 'ResolvedRefs')).toMatchObject({status: 'False', reason: 'InvalidKind'});
  },
  async 'litellm-bypass-gateway'(inst) {
    const {names} = inst;
    const url = await litellmApiBase(inst);
    const svc = await serviceOfHost(inst, url.hostname);
    expect(svc?.metadata.name).toBe(names.modelService);
    expect(svc?.metadata.labels?.['serving.kserve.io/inferenceservice']).toBe(names.inferenceService);
  },
  async 'litellm-notes-url'(inst) {
    const {names} = inst;
    const url = await litellmApiBase(inst);
    expect(url.hostname).toBe(`${names.gateway}.${names.namespace}.svc.cluster.local`);
    expect(await serviceOfHost(inst, url.hostname)).toBeUndefined();
  },
  async 'litellm-wrong-port'(inst) {
    const {names} = inst;
    const url = await litellmApiBase(inst);
    const svc = await serviceOfHost(inst, url.hostname);
    expect(svc?.metadata.name).toBe(names.proxyService);
    expect(svc?.spec.ports.map((p: {port: number}) => p.port)).not.toContain(Number(url.port));
  },
  // body-based routing (faults-bbr.ts): the two-model install with BBR, then the fault
  async 'bbr-policy-not-accepted'(inst) {
    const {names} = inst;
    const eep = await get(inst, EEP, 'EnvoyExtensionPolicy', names.namespace, 'body-based-router');
    expect(eep.spec.targetRefs[0]).toMatchObject({name: names.gateway, sectionName: 'https'});
    expect(cond(eep.status.ancestors[0].conditions, 'Accepted')).toMatchObject({status: 'False', reason: 'TargetNotFound', observedGeneration: eep.metadata.generation});
    expect(eep.status.ancestors[0].ancestorRef).toMatchObject({sectionName: 'https'});
    expect((await get(inst, GW, 'HTTPRoute', names.namespace, 'deepseek-r1-route')).spec.rules[0].matches[0].headers[0]).toMatchObject({name: 'X-Gateway-Base-Model-Name', value: 'deepseek-r1'});
  },
  async 'bbr-buffered-response'(inst) {
    const {names} = inst;
    const eep = await get(inst, EEP, 'EnvoyExtensionPolicy', names.namespace, 'body-based-router');
    expect(eep.spec.extProc[0].processingMode).toEqual({request: {body: 'FullDuplexStreamed'}, response: {body: 'Buffered'}});
    expect(cond(eep.status.ancestors[0].conditions, 'Accepted')).toMatchObject({status: 'True', observedGeneration: eep.metadata.generation});
  },
  async 'bbr-unavailable'(inst) {
    const {names} = inst;
    const d = await get(inst, 'apps/v1', 'Deployment', names.namespace, 'body-based-router');
    expect(d.status.availableReplicas ?? 0).toBe(0);
    const pods = await inst.kube.list<PodJson>({apiVersion: 'v1', kind: 'Pod', namespace: names.namespace}, 'app=body-based-router');
    expect(pods.length).toBeGreaterThan(0);
    for (const p of pods.filter((x) => !x.metadata.deletionTimestamp)) expect(p.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('CrashLoopBackOff');
  },
  ...igw11EppFaultChecks,
  ...igw11bFaultChecks,
  ...backendFaultChecks,
  // issue 11 (faults-igw11-eg.ts)
  async 'eg-ai-gateway-hooks-incomplete'(inst) {
    const {cfg} = await egConfig(inst);
    expect(cfg.extensionManager.hooks.xdsTranslator).toEqual({post: ['Translation']});
    expect(cfg.extensionManager.backendResources).toEqual([{group: 'inference.networking.k8s.io', kind: 'InferencePool', version: 'v1'}]);
  },
  async 'eg-backend-resources-v1alpha2'(inst) {
    const {cfg} = await egConfig(inst);
    expect(cfg.extensionManager.backendResources.map((b: {group: string; version: string}) => `${b.group}/${b.version}`)).toEqual(['inference.networking.x-k8s.io/v1alpha2', 'inference.networking.k8s.io/v1']);
  },
  async 'eg-sa-cannot-read-pools'(inst) {
    const {names} = inst;
    const b = await get(inst, 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', undefined, `envoy-ai-gateway-inference-pool-reader-binding:${names.egNamespace}`);
    expect((b as Obj & {subjects?: unknown}).subjects).toEqual([{kind: 'ServiceAccount', name: 'envoy-gateway', namespace: 'eg-system'}]);
  },
  async 'eg-ai-gateway-tcp-listener'(inst) {
    const {names} = inst;
    const gw = await get(inst, GW, 'Gateway', names.namespace, `${names.gateway}-tcp`);
    expect(gw.spec.listeners).toMatchObject([{name: 'sync', port: 22000, protocol: 'TCP'}]);
    expect(cond(gw.status.conditions, 'Programmed')).toMatchObject({status: 'False'});
    const main = await get(inst, GW, 'Gateway', names.namespace, names.gateway);
    expect(cond(main.status.conditions, 'Programmed')).toMatchObject({status: 'False'});
  },
  async 'route-no-request-timeout'(inst) {
    const {names} = inst;
    const route = await get(inst, GW, 'HTTPRoute', names.routeNamespace, names.httpRoute);
    expect(route.spec.rules[0].timeouts).toBeUndefined();
    expect(cond(route.status.parents[0].conditions, 'Accepted')).toMatchObject({status: 'True', observedGeneration: route.metadata.generation});
  },
  // other Gateway implementations (faults-implementations.ts, issue 13): the install moved to Istio/kgateway, then the fault
  async 'istio-inference-flag-off'(inst) {
    const {names} = inst;
    const gw = await get(inst, GW, 'Gateway', names.namespace, names.gateway);
    expect((await get(inst, GW, 'GatewayClass', undefined, gw.spec.gatewayClassName)).spec.controllerName).toBe('istio.io/gateway-controller');
    const istiod = await get(inst, 'apps/v1', 'Deployment', `${names.namespace}-istio`, 'istiod');
    expect(istiod.spec.template.spec.containers[0].env.map((e: {name: string}) => e.name)).not.toContain('ENABLE_GATEWAY_API_INFERENCE_EXTENSION');
    const route = await get(inst, GW, 'HTTPRoute', names.namespace, names.httpRoute);
    expect(cond(route.status.parents[0].conditions, 'ResolvedRefs')).toMatchObject({status: 'False', reason: 'InvalidKind'});
    expect((await get(inst, POOL, 'InferencePool', names.namespace, names.pool)).status.parents).toEqual([]);
  },
  async 'istio-shadow-service-missing'(inst) {
    const {names} = inst;
    const route = await get(inst, GW, 'HTTPRoute', names.namespace, names.httpRoute);
    expect(cond(route.status.parents[0].conditions, 'ResolvedRefs')).toMatchObject({status: 'False', reason: 'BackendNotFound'});
    const svcs = await inst.kube.list<Obj>({apiVersion: 'v1', kind: 'Service', namespace: names.namespace});
    expect(svcs.filter((s) => s.metadata.name.startsWith(`${names.pool}-ip-`))).toEqual([]);
  },
  async 'istio-pool-status-missing'(inst) {
    const {names} = inst;
    expect((await get(inst, POOL, 'InferencePool', names.namespace, names.pool)).status.parents).toEqual([]);
    const svcs = await inst.kube.list<Obj>({apiVersion: 'v1', kind: 'Service', namespace: names.namespace});
    expect(svcs.filter((s) => s.metadata.name.startsWith(`${names.pool}-ip-`))).toHaveLength(1);
  },
  async 'kgateway-inference-flag-off'(inst) {
    const {names} = inst;
    const ctl = await get(inst, 'apps/v1', 'Deployment', `${names.namespace}-kgateway`, 'kgateway');
    expect(ctl.spec.template.spec.containers[0].env.map((e: {name: string}) => e.name)).not.toContain('KGW_ENABLE_INFER_EXT');
    expect((await get(inst, POOL, 'InferencePool', names.namespace, names.pool)).status.parents).toEqual([]);
    const route = await get(inst, GW, 'HTTPRoute', names.namespace, names.httpRoute);
    expect(cond(route.status.parents[0].conditions, 'ResolvedRefs')).toMatchObject({status: 'False', reason: 'InvalidKind', message: 'unknown backend kind'});
  },
  async 'kgateway-two-target-ports'(inst) {
    const {names} = inst;
    const pool = await get(inst, POOL, 'InferencePool', names.namespace, names.pool);
    expect(pool.spec.targetPorts).toEqual([{number: 8000}, {number: 8001}]);
    expect(pool.status.parents.map((p: {parentRef: {kind: string}}) => p.parentRef.kind)).toEqual(['Gateway', 'Status']);
    expect(cond(pool.status.parents[1].conditions, 'ResolvedRefs')).toMatchObject({status: 'False', reason: 'InvalidExtensionRef', message: 'error: invalid InferencePool: must have exactly one target port'});
  },
  // faults-implementations2.ts (issue 13): agentgateway, NGINX Gateway Fabric, GKE
  async 'agentgateway-inference-flag-off'(inst) {
    const {names} = inst;
    const ctl = await get(inst, 'apps/v1', 'Deployment', `${names.namespace}-agentgateway`, 'agentgateway');
    expect(ctl.spec.template.spec.containers[0].env.map((e: {name: string}) => e.name)).not.toContain('AGW_ENABLE_INFER_EXT');
    const route = await get(inst, GW, 'HTTPRoute', names.namespace, names.httpRoute);
    expect(cond(route.status.parents[0].conditions, 'ResolvedRefs')).toMatchObject({status: 'False', reason: 'BackendNotFound', message: `backendRef ${names.namespace}/${names.pool} not found`});
    expect((await get(inst, POOL, 'InferencePool', names.namespace, names.pool)).status.parents).toEqual([]);
  },
  async 'agentgateway-rbac-missing'(inst) {
    const {names} = inst;
    const ctl = await get(inst, 'apps/v1', 'Deployment', `${names.namespace}-agentgateway`, 'agentgateway');
    expect(ctl.spec.template.spec.containers[0].env.map((e: {name: string}) => e.name)).toContain('AGW_ENABLE_INFER_EXT');
    expect(await getOptional(inst, 'rbac.authorization.k8s.io/v1', 'ClusterRole', undefined, `agentgateway-${names.namespace}-agentgateway`)).toBeUndefined();
    expect((await get(inst, POOL, 'InferencePool', names.namespace, names.pool)).status.parents).toEqual([]);
  },
  async 'agentgateway-epp-plaintext'(inst) {
    const {names} = inst;
    const epp = await get(inst, 'apps/v1', 'Deployment', names.namespace, names.eppDeployment);
    expect(epp.spec.template.spec.containers[0].args.join(' ')).toMatch(/--secure-serving[= ]false/);
  },
  async 'ngf-inference-flag-off'(inst) {
    const {names} = inst;
    const ctl = await get(inst, 'apps/v1', 'Deployment', `${names.namespace}-nginx-gateway-fabric`, 'ngf-nginx-gateway-fabric');
    expect(ctl.spec.template.spec.containers[0].args).not.toContain('--gateway-api-inference-extension');
    const route = await get(inst, GW, 'HTTPRoute', names.namespace, names.httpRoute);
    expect(cond(route.status.parents[0].conditions, 'ResolvedRefs')).toMatchObject({status: 'False', reason: 'BackendNotFound', message: `spec.rules[0].backendRefs[0].name: Not found: "${names.pool}"`});
    expect(await getOptional(inst, 'v1', 'Service', names.namespace, `${names.pool}-pool-svc`)).toBeUndefined();
  },
  async 'ngf-pool-service-missing'(inst) {
    const {names} = inst;
    expect(await getOptional(inst, 'v1', 'Service', names.namespace, `${names.pool}-pool-svc`)).toBeUndefined();
    const route = await get(inst, GW, 'HTTPRoute', names.namespace, names.httpRoute);
    expect(cond(route.status.parents[0].conditions, 'ResolvedRefs')).toMatchObject({status: 'False', reason: 'BackendNotFound'});
  },
  async 'ngf-epp-tls-disabled'(inst) {
    const {names} = inst;
    const ctl = await get(inst, 'apps/v1', 'Deployment', `${names.namespace}-nginx-gateway-fabric`, 'ngf-nginx-gateway-fabric');
    expect(ctl.spec.template.spec.containers[0].args).toContain('--endpoint-picker-disable-tls');
  },
  async 'kgateway-pool-status-missing'(inst) {
    const {names} = inst;
    const gw = await get(inst, GW, 'Gateway', names.namespace, names.gateway);
    expect((await get(inst, GW, 'GatewayClass', undefined, gw.spec.gatewayClassName)).spec.controllerName).toBe('kgateway.dev/kgateway');
    expect((await get(inst, POOL, 'InferencePool', names.namespace, names.pool)).status.parents).toEqual([]);
  },
};

describe.concurrent('faults', () => {
  it('has a scenario for every fault and a check here for every fault', () => {
    expect(Object.keys(checks).sort()).toEqual([...faultNames].sort());
    for (const name of faultNames) expect(scenarios[name]?.description).toBe(faults[name].description);
    expect(scenarios.healthy).toBeDefined();
    expect(faultNames.length).toBeGreaterThanOrEqual(8);
  });

  for (const name of faultNames) {
    it(name, async () => {
      const ns = `scn-${run}-${name}`.slice(0, 52).replace(/-+$/, '');
      const opts: InstallOptions = {namespace: ns, pods: 2};
      if (faults[name].scope === 'envoy-gateway') {
        opts.egNamespace = `${ns}-egs`;
        opts.gatewayClassName = `${ns}-class`;
      }
      const wiring = (faults[name] as Fault).wiring;
      if (wiring) opts.wiring = wiring;
      if (name === 'epp-no-tokenreviews') opts.withEppMetrics = true;
      const inst = await installHealthy(kubeconfig, opts);
      try {
        if (name === 'policy-and-ai-gateway') {
          expect(await getOptional(inst, EEP, 'EnvoyExtensionPolicy', ns, inst.names.extensionPolicy)).toBeUndefined();
        }
        await inst.inject(name);
        expect(inst.injected).toEqual([name]);
        await checks[name](inst);
        console.log(`[scenarios] ${name}: install ${inst.timings.total} ms, inject ${inst.timings[`inject:${name}`]} ms`);
      } finally {
        await inst.cleanup();
      }
    });
  }
});

