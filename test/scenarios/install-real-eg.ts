// The healthy install (install.ts) with the REAL Envoy Gateway v1.9.1 controller (issue 12,
// test/harness/envoy-gateway.ts) instead of the imitated statuses: the GatewayClass, Gateway,
// HTTPRoute (and EnvoyExtensionPolicy) statuses, the Envoy proxy Deployment/Service/ServiceAccount
// and the controller's log all come from the real program reading the envoy-gateway-config
// ConfigMap this install writes. With `aiGateway: true` the real Envoy AI Gateway v1.1.0 controller
// runs too (test/harness/ai-gateway.ts): it writes the InferencePool status and serves the
// extension hooks Envoy Gateway calls for the InferencePool backend; without it, its Deployment is
// only a KWOK pod and the scenario writes the InferencePool status as it would.
//
// Still stand-ins here: the cloud load balancer (there is none: `loadBalancerIngress` writes the
// proxy Service's status.loadBalancer as a cloud controller manager would — Envoy Gateway takes the
// Gateway's address from it, upstream internal/gatewayapi/status/gateway.go
// UpdateGatewayStatusProgrammedCondition), the Envoy proxy itself (KWOK runs its pods; Programmed
// needs AvailableReplicas > 0 of the proxy Deployment, same file) and everything else install.ts
// imitates (EPP, model servers, KServe, LiteLLM).
//
// The real controller is cluster-wide (it reconciles every GatewayClass with its controllerName):
// use it on a cluster of its own, not on the shared e2e cluster whose other tests imitate it.
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {installControllerCrds, startAiGateway, type AiGatewayProcess} from '../harness/ai-gateway.ts';
import {certificates, startEnvoyGateway, type EnvoyGatewayController} from '../harness/envoy-gateway.ts';
import {aiGatewayEnvoyGatewayConfig, extensionServiceOf} from './envoy-gateway.ts';
import {installHealthy, type InstallOptions, type Installation} from './install.ts';
import {until, type KubeObject, type ScenarioKube} from './kube.ts';
import * as objects from './objects.ts';

export interface RealEgInstallation {
  inst: Installation;
  controller: EnvoyGatewayController;
  /** The real Envoy AI Gateway controller (installHealthyRealEg with aiGateway: true). */
  aiGateway?: AiGatewayProcess | undefined;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

/** Conditions a controller wrote for parent `gateway` in a route/policy status (status.parents / status.ancestors). */
export function parentConditions(obj: KubeObject | undefined, gateway: string, controllerName?: string): Condition[] {
  const st = obj?.status as {parents?: {parentRef?: {name?: string}; ancestorRef?: {name?: string}; controllerName?: string; conditions?: Condition[]}[]; ancestors?: {ancestorRef?: {name?: string}; controllerName?: string; conditions?: Condition[]}[]} | undefined;
  const entries = [...(st?.parents ?? []).map((p) => ({name: p.parentRef?.name, ctl: p.controllerName, c: p.conditions})), ...(st?.ancestors ?? []).map((a) => ({name: a.ancestorRef?.name, ctl: a.controllerName, c: a.conditions}))];
  const e = entries.find((x) => x.name === gateway && (!controllerName || x.ctl === controllerName));
  return e?.c ?? [];
}

export function conditionOf(conds: Condition[] | undefined, type: string): Condition | undefined {
  return (conds ?? []).find((c) => c.type === type);
}

/** The cloud load balancer stand-in: gives the proxy Service (once the controller created it) an ingress IP. */
export async function loadBalancerIngress(kube: ScenarioKube, egNamespace: string, service: string): Promise<void> {
  const ref = {apiVersion: 'v1', kind: 'Service', namespace: egNamespace, name: service};
  const svc = await until(`Envoy Gateway to create Service ${egNamespace}/${service}`, () => kube.getOptional<KubeObject & {spec?: {type?: string}}>(ref), 120_000, 250);
  if (svc.spec?.type !== 'LoadBalancer') return;
  await kube.applyStatus(ref, {loadBalancer: {ingress: [{ip: objects.loadBalancerIp(service), ipMode: 'VIP'}]}}, 'cloud-controller-manager');
}

/** Waits until the real controller has written a Programmed Gateway and an Accepted, resolved HTTPRoute for this install (and, with the real AI Gateway, an Accepted InferencePool). */
export async function realStatusesSettled(inst: Installation, opts: {pool?: boolean} = {}): Promise<void> {
  const {kube, names} = inst;
  await loadBalancerIngress(kube, names.egNamespace, names.proxyService);
  await until(
    `Envoy Gateway to program Gateway ${names.namespace}/${names.gateway} and accept HTTPRoute ${names.routeNamespace}/${names.httpRoute}`,
    async () => {
      const [gc, gw, route] = await Promise.all([
        kube.get<KubeObject & {status?: {conditions?: Condition[]}}>({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: names.gatewayClass}),
        kube.get<KubeObject & {status?: {conditions?: Condition[]}}>({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: names.namespace, name: names.gateway}),
        kube.get({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: names.routeNamespace, name: names.httpRoute}),
      ]);
      // every status at its object's current generation (an undo must not pass on statuses written before it)
      const accepted = conditionOf(gc.status?.conditions, 'Accepted');
      const programmed = conditionOf(gw.status?.conditions, 'Programmed');
      const rc = parentConditions(route, names.gateway);
      const current = (c: Condition | undefined, generation: number | undefined) => c?.status === 'True' && (c.observedGeneration === undefined || c.observedGeneration === generation);
      return (
        current(accepted, gc.metadata.generation) &&
        current(conditionOf(rc, 'Accepted'), route.metadata.generation) &&
        current(conditionOf(rc, 'ResolvedRefs'), route.metadata.generation) &&
        programmed?.status === 'True' &&
        programmed.observedGeneration === gw.metadata.generation &&
        conditionOf(rc, 'Accepted')?.status === 'True' &&
        conditionOf(rc, 'ResolvedRefs')?.status === 'True'
      );
    },
    180_000,
    250,
  );
  if (opts.pool) {
    await until(
      `Envoy AI Gateway to accept InferencePool ${names.namespace}/${names.pool} for the Gateway`,
      async () => {
        const pool = await kube.get({apiVersion: `${objects.POOL_GROUP}/v1`, kind: 'InferencePool', namespace: names.namespace, name: names.pool});
        const c = parentConditions(pool, names.gateway);
        return conditionOf(c, 'Accepted')?.status === 'True' && conditionOf(c, 'ResolvedRefs')?.status === 'True';
      },
      180_000,
      250,
    );
  }
}

/**
 * installHealthy with the real Envoy Gateway controller. The controller is stopped by
 * inst.cleanup(). Options as installHealthy (default egNamespace/gatewayClassName: the shared
 * defaults, owned by this install — the cluster must be this test's own).
 */
export async function installHealthyRealEg(
  kubeconfig: string,
  opts: InstallOptions & {
    aiGateway?: boolean;
    /**
     * The install that runs with the real controllers' hooks (default installHealthy). Opt-in:
     * test/e2e/doctor-real-all.e2e.test.ts passes installHealthyRealEpp, so that Envoy Gateway, the
     * AI Gateway and the EPP are all real in one install.
     */
    install?: (kubeconfig: string, opts: InstallOptions) => Promise<Installation>;
  },
): Promise<RealEgInstallation> {
  let controller: EnvoyGatewayController | undefined;
  let aiGateway: AiGatewayProcess | undefined;
  const stateDir = mkdtempSync(join(tmpdir(), 'infgw-real-eg-'));
  const stopAll = async (): Promise<void> => {
    await controller?.stop();
    await aiGateway?.stop();
    rmSync(stateDir, {recursive: true, force: true});
  };
  try {
    const {aiGateway: withAiGateway, install = installHealthy, ...installOpts} = opts;
    const inst = await install(kubeconfig, {
      ownsEnvoyGateway: true,
      ...installOpts,
      realEnvoyGateway: {
        async started(kube, egNamespace) {
          const log = opts.log ? {log: opts.log} : {};
          if (withAiGateway) {
            // The extension server the AI Gateway values name, served by the real controller.
            const [hostname, port] = (extensionServiceOf(aiGatewayEnvoyGatewayConfig()) ?? '').split(':');
            if (!hostname || !port) throw new Error('scenarios: the AI Gateway values name no extension service');
            await installControllerCrds(kubeconfig);
            const certsDir = join(stateDir, 'certs');
            await certificates(kube, egNamespace, certsDir);
            aiGateway = await startAiGateway({kubeconfig}, {stateDir: join(stateDir, 'ai-gateway'), certsDir, egNamespace, ...log});
            controller = await startEnvoyGateway({kubeconfig}, egNamespace, {...log, extensionServer: {hostname, port: Number(port), socket: aiGateway.extensionSocket}});
          } else controller = await startEnvoyGateway({kubeconfig}, egNamespace, log);
        },
        settled: (inst) => realStatusesSettled(inst, {pool: !!withAiGateway}),
        poolStatus: !!withAiGateway,
      },
    });
    const c = controller;
    if (!c) throw new Error('scenarios: the real Envoy Gateway was not started');
    // Registered last, so it runs first: the controllers stop before their namespaces go.
    inst.onCleanup(stopAll);
    return {inst, controller: c, aiGateway};
  } catch (error) {
    await stopAll();
    throw error;
  }
}
