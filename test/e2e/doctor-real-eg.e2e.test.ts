// `kubectl infgw doctor` against the REAL Envoy Gateway v1.9.1 controller (issue 12): the built
// binary, a control plane of this file's own (the real controller reconciles every GatewayClass of
// its controllerName cluster-wide, so it must not share the e2e cluster whose other files imitate
// it), the healthy install of test/scenarios/install-real-eg.ts, then faults produced by changing
// the INPUT only (config, objects, a rollout restart): every GatewayClass/Gateway/HTTPRoute status,
// proxy Deployment/Service, crash and controller log that doctor judges here is the real program's.
// The controller runs in the default envoy-gateway-system, so doctor's fixes need no
// --config-namespace. The faults run one after the other on the same install; each one is undone
// and the healthy statuses awaited before the next, so a case that fails says so in its own test.
// Last, patch-envoy's validate → write → restart → roll back runs against the real controller.
import {join} from 'node:path';
import {stringify} from 'yaml';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {buildCli} from '../harness/cli.ts';
import {kubectl, repoRoot, run, startCluster, type Cluster} from '../harness/cluster.ts';
import {EG_POD_SELECTOR} from '../harness/envoy-gateway.ts';
import {aiGatewayBaseEnvoyGatewayConfig, aiGatewayEnvoyGatewayConfig, defaultEnvoyGatewayConfig, notesPatchedEnvoyGatewayConfig, CONFIG_KEY} from '../scenarios/envoy-gateway.ts';
import {conditionOf, installHealthyRealEg, parentConditions, realStatusesSettled, type RealEgInstallation} from '../scenarios/install-real-eg.ts';
import {until, podReady, waitingReason, type KubeObject, type PodJson} from '../scenarios/kube.ts';
import type {Names} from '../scenarios/names.ts';
import {describeFinding, doctorCli, expectHealthy, expectWanted, problems, type DoctorCli, type DoctorJson, type Want} from './support/doctor-run.ts';

const RUN = Date.now().toString(36).slice(-5);
const EG_VERSION = 'v1.9.1';
const LONG = 240_000;

let cluster: Cluster | undefined;
let real: RealEgInstallation | undefined;
let cli: DoctorCli;
let cliBin: Promise<string>;

const r = (): RealEgInstallation => {
  if (!real) throw new Error('the real Envoy Gateway install did not come up (see beforeAll)');
  return real;
};
const names = (): Names => r().inst.names;

function gatewayRef(n: Names) {
  return {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: n.namespace, name: n.gateway};
}
function routeRef(n: Names) {
  return {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: n.routeNamespace, name: n.httpRoute};
}
function configMapRef(n: Names) {
  return {apiVersion: 'v1', kind: 'ConfigMap', namespace: n.egNamespace, name: n.egConfigMap};
}

async function setEgConfig(cfg: Record<string, unknown>): Promise<void> {
  await r().inst.kube.patch(configMapRef(names()), {data: {[CONFIG_KEY]: stringify(cfg)}});
}

/** `kubectl rollout restart` of the controller (the pod template annotation changes: a new ReplicaSet). */
async function restartController(): Promise<void> {
  const n = names();
  await kubectl(['rollout', 'restart', `deployment/${n.egDeployment}`, '-n', n.egNamespace], {kubeconfig: r().inst.kubeconfig});
}

async function controllerPods(): Promise<PodJson[]> {
  const pods = await r().inst.kube.list<PodJson>({apiVersion: 'v1', kind: 'Pod', namespace: names().egNamespace}, EG_POD_SELECTOR);
  return pods.filter((p) => !p.metadata.deletionTimestamp);
}

/** Until the controller Deployment has rolled out and its pods are all Ready (the real /readyz). */
async function controllerRolledOut(): Promise<void> {
  const n = names();
  await until(
    `Deployment ${n.egNamespace}/${n.egDeployment} rolled out with only Ready pods`,
    async () => {
      const d = await r().inst.kube.get<KubeObject & {spec: {replicas?: number}; status?: {updatedReplicas?: number; replicas?: number; availableReplicas?: number; observedGeneration?: number}}>({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: n.egNamespace,
        name: n.egDeployment,
      });
      const s = d.status ?? {};
      const pods = await controllerPods();
      return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && s.updatedReplicas === 1 && s.replicas === 1 && s.availableReplicas === 1 && pods.length === 1 && pods.every(podReady);
    },
    LONG,
    250,
  );
}

/** Back to the healthy config and statuses (after a fault). */
async function restoreHealthy(opts: {restart: boolean}): Promise<void> {
  await setEgConfig(aiGatewayEnvoyGatewayConfig(EG_VERSION));
  if (opts.restart) {
    await restartController();
    await controllerRolledOut();
  }
  await realStatusesSettled(r().inst, {pool: !!r().aiGateway});
}

function expectErrorsOnly(j: DoctorJson, codes: string[]): void {
  const errors = j.findings.filter((f) => f.severity === 'error').map((f) => f.code);
  expect([...new Set(errors)].sort(), problems(j)).toEqual([...new Set(codes)].sort());
}

beforeAll(async () => {
  cluster = await startCluster({log: join(repoRoot, '.tools', 'logs', `real-eg-${RUN}`)});
  cli = doctorCli(cluster.kubeconfig, {name: 'infgw-cli-real-eg', reuse: 'env'});
  cliBin = buildCli({name: 'infgw-cli-real-eg-pe', reuse: 'env'}).then((b) => b.bin);
  cliBin.catch(() => {});
  real = await installHealthyRealEg(cluster.kubeconfig, {namespace: `real-eg-${RUN}`, pods: 2, withSims: true, egVersion: EG_VERSION, aiGateway: true});
  await cli.ready;
}, 600_000);

afterAll(async () => {
  await real?.inst.cleanup().catch(() => {});
  await real?.controller.stop();
  await cluster?.stop();
}, 120_000);

describe('the real Envoy Gateway v1.9.1 controller (issue 12)', () => {
  it('healthy install: the statuses and the proxy are the controller\'s own, doctor finds nothing wrong', async () => {
    const {inst, controller} = r();
    const n = inst.names;
    const kube = inst.kube;
    // GatewayClass Accepted, by the controller (the scenario writes no status in this mode).
    const gc = await kube.get<KubeObject & {status?: {conditions?: {type: string; status: string; reason?: string}[]}}>({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: n.gatewayClass});
    expect(conditionOf(gc.status?.conditions, 'Accepted')).toMatchObject({status: 'True', reason: 'Accepted'});
    const gcManagers = ((gc.metadata.managedFields ?? []) as {manager?: string; subresource?: string}[]).filter((m) => m.subresource === 'status').map((m) => m.manager);
    expect(gcManagers).toContain('envoy-gateway');
    // The proxy Deployment/Service that Envoy Gateway created for the Gateway, with its labels.
    const svc = await kube.get<KubeObject & {spec?: {type?: string}}>({apiVersion: 'v1', kind: 'Service', namespace: n.egNamespace, name: n.proxyService});
    expect(svc.metadata.labels?.['gateway.envoyproxy.io/owning-gateway-name']).toBe(n.gateway);
    expect(svc.spec?.type).toBe('LoadBalancer');
    const dep = await kube.get({apiVersion: 'apps/v1', kind: 'Deployment', namespace: n.egNamespace, name: n.proxyDeployment});
    expect(dep.metadata.labels?.['gateway.envoyproxy.io/owning-gateway-namespace']).toBe(n.namespace);
    // The route is resolved: the InferencePool is an extension backend (backendResources).
    const route = await kube.get(routeRef(n));
    expect(conditionOf(parentConditions(route, n.gateway, 'gateway.envoyproxy.io/gatewayclass-controller'), 'ResolvedRefs')).toMatchObject({status: 'True'});
    // One real process, Ready, its log in `kubectl logs`.
    expect(controller.processes.filter((p) => p.exitCode === null && p.ready)).toHaveLength(1);
    const pod = (await controllerPods())[0]!;
    const logs = await kubectl(['logs', '-n', n.egNamespace, pod.metadata.name], {kubeconfig: inst.kubeconfig});
    expect(logs.stdout).toContain('gatewayclass');

    // The real Envoy AI Gateway: it accepted the InferencePool for the Gateway (its own status), and
    // Envoy Gateway called its extension server for the InferencePool backend.
    const ai = r().aiGateway;
    expect(ai, 'the real AI Gateway controller runs in this file').toBeDefined();
    const pool = await kube.get({apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', namespace: n.namespace, name: n.pool});
    expect(conditionOf(parentConditions(pool, n.gateway), 'Accepted')).toMatchObject({status: 'True'});
    await until('Envoy Gateway to call the AI Gateway extension server (PostTranslateModify with the InferencePool)', () => ai!.output().includes('patching listener with inference pool filters'), LONG, 250);
    expectHealthy(await cli.doctorJsonIn(n.namespace));
  }, LONG);
});

interface Fault {
  name: string;
  /** what changes (input only) */
  changes: string;
  inject(): Promise<void>;
  /** waits until the real controller has written what the fault makes it write */
  settled(): Promise<unknown>;
  undo(): Promise<void>;
  exit: 0 | 1;
  want: (n: Names) => Want[];
  /** every error code doctor may report (root causes); default: the wanted errors */
  errors?: string[];
  /** codes that must not be reported as warnings */
  noWarnings?: string[];
}

async function routeCondition(type: string): Promise<{status: string; reason?: string; message?: string} | undefined> {
  const n = names();
  const route = await r().inst.kube.get(routeRef(n));
  return conditionOf(parentConditions(route, n.gateway), type);
}

async function gatewayCondition(type: string): Promise<{status: string; reason?: string; message?: string; observedGeneration?: number} | undefined> {
  const gw = await r().inst.kube.get<KubeObject & {status?: {conditions?: {type: string; status: string; reason?: string; observedGeneration?: number}[]}}>(gatewayRef(names()));
  return conditionOf(gw.status?.conditions, type);
}

const untilLong = <T>(what: string, fn: () => Promise<T | undefined | false>) => until(what, fn, LONG, 250);

/**
 * The running controllers' output written after this call: a case's wait must not pass on a line an
 * earlier case made the same controller write.
 */
let sinceInject: (p: {output(): string}) => string = (p) => p.output();
function markOutput(): void {
  const at = new Map(r().controller.processes.map((p) => [p as object, p.output().length] as const));
  sinceInject = (p) => p.output().slice(at.get(p) ?? 0);
}

const FAULTS: Fault[] = [
  {
    name: 'route-pool-missing',
    changes: 'HTTPRoute backendRef name -> <pool>-v2 (no such InferencePool)',
    async inject() {
      await r().inst.kube.patch(routeRef(names()), [{op: 'replace', path: '/spec/rules/0/backendRefs/0/name', value: `${names().pool}-v2`}], 'json');
    },
    settled: () => untilLong('HTTPRoute ResolvedRefs False', async () => (await routeCondition('ResolvedRefs'))?.status === 'False'),
    async undo() {
      await r().inst.kube.patch(routeRef(names()), [{op: 'replace', path: '/spec/rules/0/backendRefs/0/name', value: names().pool}], 'json');
      await realStatusesSettled(r().inst, {pool: !!r().aiGateway});
    },
    // real: ResolvedRefs=False BackendNotFound "custom backend InferencePool <ns>/<pool>-v2 not found."
    exit: 1,
    want: (n) => [{code: 'IGW-415', severity: 'error', kind: 'HTTPRoute', namespace: n.routeNamespace, name: n.httpRoute, message: [`${n.namespace}/${n.pool}-v2`, 'does not exist'], fix: [`kubectl patch httproute ${n.httpRoute} -n ${n.routeNamespace}`, `"value":"${n.pool}"`]}],
  },
  {
    name: 'route-invalid-kind',
    changes: 'envoy-gateway.yaml = the chart default (no extensionManager), rollout restart',
    async inject() {
      await setEgConfig(defaultEnvoyGatewayConfig());
      await restartController();
      await controllerRolledOut();
    },
    settled: () => untilLong('HTTPRoute ResolvedRefs InvalidKind', async () => (await routeCondition('ResolvedRefs'))?.reason === 'InvalidKind'),
    undo: () => restoreHealthy({restart: true}),
    // real: ResolvedRefs=False InvalidKind "Group is invalid, only the core API group ... are supported."
    exit: 1,
    want: (n) => [{code: 'IGW-206', severity: 'error', kind: 'ConfigMap', namespace: n.egNamespace, name: n.egConfigMap, message: ['InvalidKind', `${n.routeNamespace}/${n.httpRoute}`, 'no extensionManager'], fix: ['kubectl infgw patch-envoy']}],
  },
  {
    name: 'eg-no-inferencepool-backend',
    changes: "envoy-gateway.yaml = default + AI Gateway's base values (hooks, service; no InferencePool backendResources), rollout restart",
    async inject() {
      await setEgConfig(aiGatewayBaseEnvoyGatewayConfig(EG_VERSION));
      await restartController();
      await controllerRolledOut();
    },
    settled: () => untilLong('HTTPRoute ResolvedRefs InvalidKind', async () => (await routeCondition('ResolvedRefs'))?.reason === 'InvalidKind'),
    undo: () => restoreHealthy({restart: true}),
    exit: 1,
    want: (n) => [{code: 'IGW-206', severity: 'error', kind: 'ConfigMap', namespace: n.egNamespace, name: n.egConfigMap, message: ['backendResources', 'InferencePool'], fix: ['kubectl infgw patch-envoy']}],
  },
  {
    name: 'gateway-no-address',
    changes: 'no cloud load balancer: the proxy Service (type LoadBalancer) gets no ingress address',
    async inject() {
      const n = names();
      await r().inst.kube.replaceStatus({apiVersion: 'v1', kind: 'Service', namespace: n.egNamespace, name: n.proxyService}, {loadBalancer: {}});
    },
    settled: () => untilLong('Gateway Programmed False', async () => (await gatewayCondition('Programmed'))?.status === 'False'),
    undo: () => realStatusesSettled(r().inst, {pool: !!r().aiGateway}),
    // real: Programmed=False AddressNotAssigned (internal/gatewayapi/status/gateway.go)
    exit: 1,
    want: (n) => [{code: 'IGW-404', severity: 'error', kind: 'Gateway', namespace: n.namespace, name: n.gateway, message: ['not Programmed', 'AddressNotAssigned'], fix: [n.gateway]}],
  },
  {
    name: 'eg-config-notes-patch',
    changes: "envoy-gateway.yaml = the install notes' patch (backendResources alone), controller not restarted (the file in the pod changes; the controller reloads it)",
    async inject() {
      markOutput();
      await setEgConfig(notesPatchedEnvoyGatewayConfig(names().egNamespace));
    },
    // the running controller's file watcher reloads the file, rejects it and keeps its old config
    settled: () => untilLong('the running controller to log that it rejected the new config', async () => r().controller.processes.some((p) => p.exitCode === null && sinceInject(p).includes('failed to validate EnvoyGateway config'))),
    undo: () => restoreHealthy({restart: true}),
    exit: 1,
    want: (n) => [
      {code: 'IGW-205', severity: 'error', kind: 'ConfigMap', namespace: n.egNamespace, name: n.egConfigMap, message: ['no hooks specified'], fix: ['kubectl infgw patch-envoy']},
      // its message quotes the real controller's log line
      {code: 'IGW-208', severity: 'error', kind: 'Pod', namespace: n.egNamespace, name: /^envoy-gateway-/, message: ['rejected', 'failed to validate EnvoyGateway config', 'no hooks specified'], fix: ['kubectl infgw patch-envoy']},
    ],
  },
  {
    name: 'eg-config-notes-patch-restarted',
    changes: "envoy-gateway.yaml = the install notes' patch, rollout restart: the new process exits at start-up",
    async inject() {
      await setEgConfig(notesPatchedEnvoyGatewayConfig(names().egNamespace));
      await restartController();
    },
    settled: () =>
      untilLong('a crash-looping controller pod next to a Ready one', async () => {
        const pods = await controllerPods();
        return pods.some((p) => waitingReason(p) === 'CrashLoopBackOff') && pods.some(podReady);
      }),
    undo: () => restoreHealthy({restart: true}),
    exit: 1,
    want: (n) => [
      {code: 'IGW-201', severity: 'error', kind: 'Deployment', namespace: n.egNamespace, name: n.egDeployment, message: ['no hooks specified', 'old pod'], fix: ['kubectl infgw patch-envoy']},
      {code: 'IGW-205', severity: 'error', kind: 'ConfigMap', namespace: n.egNamespace, name: n.egConfigMap, message: ['no hooks specified']},
    ],
  },
  {
    name: 'gatewayclass-not-accepted',
    changes: 'GatewayClass parametersRef -> an EnvoyProxy that does not exist',
    async inject() {
      const n = names();
      await r().inst.kube.patch({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: n.gatewayClass}, {spec: {parametersRef: {group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'custom-proxy-config', namespace: n.egNamespace}}});
    },
    settled: () =>
      untilLong('GatewayClass Accepted False', async () => {
        const gc = await r().inst.kube.get<KubeObject & {status?: {conditions?: {type: string; status: string}[]}}>({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: names().gatewayClass});
        return conditionOf(gc.status?.conditions, 'Accepted')?.status === 'False';
      }),
    async undo() {
      await r().inst.kube.patch({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: names().gatewayClass}, [{op: 'remove', path: '/spec/parametersRef'}], 'json');
      await realStatusesSettled(r().inst, {pool: !!r().aiGateway});
    },
    exit: 1,
    want: (n) => [{code: 'IGW-203', severity: 'error', kind: 'GatewayClass', name: n.gatewayClass, message: ['not Accepted', 'InvalidParameters', 'custom-proxy-config']}],
  },
  {
    name: 'listener-protocol-conflict',
    changes: 'a TCP listener on port 80 next to the HTTP one (the AI Gateway extension cannot handle TCP listeners either)',
    async inject() {
      await r().inst.kube.patch(gatewayRef(names()), [{op: 'add', path: '/spec/listeners/-', value: {name: 'tcp-80', port: 80, protocol: 'TCP'}}], 'json');
    },
    settled: () =>
      untilLong('listener Conflicted', async () => {
        const gw = await r().inst.kube.get<KubeObject & {status?: {listeners?: {name: string; conditions?: {type: string; status: string}[]}[]}}>(gatewayRef(names()));
        return (gw.status?.listeners ?? []).some((l) => conditionOf(l.conditions, 'Conflicted')?.status === 'True');
      }),
    async undo() {
      const gw = await r().inst.kube.get<KubeObject & {spec: {listeners: {name: string}[]}}>(gatewayRef(names()));
      const i = gw.spec.listeners.findIndex((l) => l.name === 'tcp-80');
      if (i >= 0) await r().inst.kube.patch(gatewayRef(names()), [{op: 'remove', path: `/spec/listeners/${i}`}], 'json');
      await realStatusesSettled(r().inst, {pool: !!r().aiGateway});
    },
    // real: both listeners Conflicted=True ProtocolConflict (internal/gatewayapi/validate.go); doctor
    // judges the TCP listener from the spec (AI Gateway cannot translate it)
    exit: 1,
    want: (n) => [{code: 'IGW-213', severity: 'error', kind: 'Gateway', namespace: n.namespace, name: n.gateway, message: ['tcp-80 TCP:80', 'envoyproxy/ai-gateway#2600'], fix: [`kubectl edit gateway ${n.gateway} -n ${n.namespace}`]}],
  },
  {
    name: 'policy-target-missing',
    changes: 'an EnvoyExtensionPolicy (ext-proc to the EPP) whose targetRef names a Gateway that does not exist',
    async inject() {
      const n = names();
      await r().inst.kube.apply({
        apiVersion: 'gateway.envoyproxy.io/v1alpha1',
        kind: 'EnvoyExtensionPolicy',
        metadata: {name: n.extensionPolicy, namespace: n.namespace},
        spec: {
          targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'inference-gateway'}],
          extProc: [{backendRefs: [{name: n.eppService, port: 9002}], processingMode: {request: {body: 'Buffered'}, response: {}}}],
        },
      });
    },
    // Envoy Gateway writes no status for a policy whose target is not one of its Gateways: nothing to wait for
    settled: async () => true,
    async undo() {
      await r().inst.kube.delete({apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyExtensionPolicy', namespace: names().namespace, name: names().extensionPolicy});
      await realStatusesSettled(r().inst, {pool: !!r().aiGateway});
    },
    exit: 1,
    want: (n) => [{code: 'IGW-403', severity: 'error', kind: 'Gateway', namespace: n.namespace, name: 'inference-gateway', message: ['named by an EnvoyExtensionPolicy', 'does not exist']}],
  },
  {
    name: 'eg-ai-gateway-tcp-listener',
    changes: 'a TCP listener on its own port (9000) on the Gateway: the real AI Gateway extension cannot modify its filter chain (envoyproxy/ai-gateway#2600)',
    async inject() {
      markOutput();
      await r().inst.kube.patch(gatewayRef(names()), [{op: 'add', path: '/spec/listeners/-', value: {name: 'tcp-9000', port: 9000, protocol: 'TCP'}}], 'json');
    },
    // the real extension server answers Envoy Gateway's PostTranslateModify with this error
    settled: () =>
      untilLong('the extension server to refuse the TCP filter chain', async () =>
        r().controller.processes.some((p) => p.exitCode === null && sinceInject(p).includes('unable to find HTTPConnectionManager in FilterChain')),
      ),
    async undo() {
      const gw = await r().inst.kube.get<KubeObject & {spec: {listeners: {name: string}[]}}>(gatewayRef(names()));
      const i = gw.spec.listeners.findIndex((l) => l.name === 'tcp-9000');
      if (i >= 0) await r().inst.kube.patch(gatewayRef(names()), [{op: 'remove', path: `/spec/listeners/${i}`}], 'json');
      await realStatusesSettled(r().inst, {pool: !!r().aiGateway});
    },
    exit: 1,
    want: (n) => [{code: 'IGW-213', severity: 'error', kind: 'Gateway', namespace: n.namespace, name: n.gateway, message: ['tcp-9000 TCP:9000', 'unable to find HTTPConnectionManager in FilterChain']}],
  },
  {
    name: 'pool-epp-service-name-mismatch',
    changes: "InferencePool endpointPickerRef.name -> <release>-epp (no such Service): the real AI Gateway controller marks the pool",
    async inject() {
      const n = names();
      await r().inst.kube.patch({apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', namespace: n.namespace, name: n.pool}, {spec: {endpointPickerRef: {name: `${n.release}-epp`}}});
    },
    settled: () =>
      untilLong('InferencePool ResolvedRefs False from the AI Gateway controller', async () => {
        const n = names();
        const pool = await r().inst.kube.get({apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', namespace: n.namespace, name: n.pool});
        return conditionOf(parentConditions(pool, n.gateway), 'ResolvedRefs')?.status === 'False';
      }),
    async undo() {
      const n = names();
      await r().inst.kube.patch({apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', namespace: n.namespace, name: n.pool}, {spec: {endpointPickerRef: {name: n.eppService}}});
      await realStatusesSettled(r().inst, {pool: !!r().aiGateway});
    },
    exit: 1,
    want: (n) => [
      {code: 'IGW-306', severity: 'error', kind: 'InferencePool', namespace: n.namespace, name: n.pool, message: [`${n.release}-epp`, n.eppService], fix: [`kubectl patch inferencepool ${n.pool} -n ${n.namespace}`, `"name":"${n.eppService}"`]},
      // quotes the real AI Gateway controller's status
      {code: 'IGW-307', severity: 'error', kind: 'InferencePool', namespace: n.namespace, name: n.pool, message: ['ai-gateway-controller', `ExtensionReference service ${n.release}-epp not found`]},
    ],
  },
  {
    name: 'route-wrong-parent',
    changes: 'HTTPRoute parentRef -> Gateway inference-gateway (does not exist)',
    async inject() {
      await r().inst.kube.patch(routeRef(names()), [{op: 'replace', path: '/spec/parentRefs/0/name', value: 'inference-gateway'}], 'json');
    },
    // the route no longer names a Gateway of Envoy Gateway's: the controller does not process it
    // (its old parent status stays, for an older generation); nothing to wait for
    settled: async () => true,
    async undo() {
      await r().inst.kube.patch(routeRef(names()), [{op: 'replace', path: '/spec/parentRefs/0/name', value: names().gateway}], 'json');
      await realStatusesSettled(r().inst, {pool: !!r().aiGateway});
    },
    exit: 1,
    want: (n) => [{code: 'IGW-408', severity: 'error', kind: 'HTTPRoute', namespace: n.routeNamespace, name: n.httpRoute, message: [`${n.namespace}/inference-gateway`, `${n.namespace}/${n.gateway}`], fix: [n.httpRoute, n.gateway]}],
    // the old parent entry the controller left behind is not "stale status" (IGW-418; fixed in doctor)
    noWarnings: ['IGW-418'],
  },
];

describe('faults produced by the real controller from changed input', () => {
  for (const f of FAULTS) {
    it(`${f.name}: ${f.changes}`, async () => {
      const n = names();
      await f.inject();
      try {
        await f.settled();
        const res = await cli.doctorJsonIn(n.namespace);
        const wants = f.want(n);
        if (process.env.INFGW_REAL_EG_DEBUG) console.log(`[${f.name}] exit ${res.code}\n${problems(res.json)}`);
        for (const w of wants) expectWanted(res.json, w);
        expectErrorsOnly(res.json, f.errors ?? wants.filter((w) => w.severity === 'error').map((w) => w.code));
        for (const code of f.noWarnings ?? []) expect(res.json.findings.filter((x) => x.code === code && x.severity === 'warning').map(describeFinding)).toEqual([]);
        expect(res.code, problems(res.json)).toBe(f.exit);
      } finally {
        await f.undo();
      }
    }, 2 * LONG);
  }
});

interface PatchEnvoyJson {
  outcome: string;
  write?: {verified?: boolean};
  rollout?: {done?: boolean; reason?: string};
  controllerError?: string;
  message?: string;
  rollback?: {restored?: boolean; rollout?: {done?: boolean}};
}

async function patchEnvoy(args: string[]): Promise<{code: number | null; stderr: string; json: PatchEnvoyJson}> {
  const res = await run(await cliBin, ['patch-envoy', '--config-namespace', names().egNamespace, '--timeout', '200s', '-o', 'json', ...args], {kubeconfig: r().inst.kubeconfig, allowFail: true, timeoutMs: LONG});
  let json: PatchEnvoyJson;
  try {
    json = JSON.parse(res.stdout) as PatchEnvoyJson;
  } catch {
    throw new Error(`patch-envoy printed no JSON (exit ${res.code}): ${res.stderr}`);
  }
  return {code: res.code, stderr: res.stderr, json};
}

/** The chart's default config (no extensionManager), loaded by a restarted controller: the route is InvalidKind. */
async function startFromChartDefault(): Promise<void> {
  await setEgConfig(defaultEnvoyGatewayConfig());
  await restartController();
  await controllerRolledOut();
  await untilLong('HTTPRoute ResolvedRefs InvalidKind', async () => (await routeCondition('ResolvedRefs'))?.reason === 'InvalidKind');
}

describe('patch-envoy against the real controller: validate, write, restart, roll back', () => {
  it('merges the AI Gateway extensionManager into the chart default; the restarted controller accepts it and resolves the route; doctor is clean', async () => {
    const n = names();
    await startFromChartDefault();
    try {
      const pe = await patchEnvoy([]);
      expect(pe.code, pe.stderr).toBe(0);
      expect(pe.json.outcome).toBe('patched');
      expect(pe.json.write?.verified).toBe(true);
      // the rollout finished: the new pod is Ready only once the real controller's /readyz answered
      expect(pe.json.rollout?.done).toBe(true);
      // the real controller resolved the InferencePool backend with the merged config
      await untilLong('HTTPRoute ResolvedRefs True', async () => (await routeCondition('ResolvedRefs'))?.status === 'True');
      await realStatusesSettled(r().inst, {pool: !!r().aiGateway});
      expectHealthy(await cli.doctorJsonIn(n.namespace));
    } finally {
      await restoreHealthy({restart: true});
    }
  }, 3 * LONG);

  it("a forced config the controller refuses: the new real process exits at start-up, patch-envoy rolls back (exit 4) and quotes the controller's own error", async () => {
    await startFromChartDefault();
    const before = (await r().inst.kube.get<{data?: Record<string, string>}>(configMapRef(names()))).data?.[CONFIG_KEY];
    try {
      // service-backend + --force: the install notes' backendResources without hooks
      const pe = await patchEnvoy(['--preset', 'service-backend', '--force']);
      expect(pe.code, pe.stderr).toBe(4);
      expect(pe.json.outcome).toBe('rolled-back');
      expect(pe.json.rollout?.done).toBe(false);
      expect(pe.json.controllerError).toMatch(/registered extension has no hooks specified/);
      expect(pe.json.rollback?.restored).toBe(true);
      expect(pe.json.rollback?.rollout?.done).toBe(true);
      // the crash was the real program's: some process of this run exited non-zero saying so
      expect(r().controller.processes.some((p) => p.exitCode !== null && p.exitCode !== 0 && !p.stoppedByHarness && p.output().includes('registered extension has no hooks specified'))).toBe(true);
      expect((await r().inst.kube.get<{data?: Record<string, string>}>(configMapRef(names()))).data?.[CONFIG_KEY]).toBe(before);
      await controllerRolledOut();
    } finally {
      await restoreHealthy({restart: true});
    }
  }, 3 * LONG);
});
