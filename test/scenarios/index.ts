// Scenarios: a complete, healthy inference-gateway install on the test cluster, and named faults
// injected one at a time. Used by the end-to-end tests (installHealthy + inst.inject) and by
// `npm run sandbox -- <scenario>` (the `scenarios` record).
//
//   const inst = await installHealthy(kubeconfig, {namespace: 'doctor-1', pods: 2});
//   await inst.inject('epp-crashloop');
//   ... inst.names.eppDeployment ...
//   await inst.cleanup();
import {faults, faultNames, type Fault, type FaultName} from './faults.ts';
import {installHealthy, type InstallOptions, type Installation} from './install.ts';
import {addBbr} from './install-bbr.ts';
import {installIstio} from './install-istio.ts';
import {installKgateway} from './install-kgateway.ts';

export {faults, faultNames, installHealthy};
export {addBbr, bbrNames, installHealthyBbr, type BbrNames} from './install-bbr.ts';
export type {Fault, FaultName, InstallOptions, Installation};
export {chartDir, modelPodsReady, type Wiring} from './install.ts';
export {computeNames, envoyProxyName, egHashedName, DEFAULT_EG_NAMESPACE, DEFAULT_GATEWAY_CLASS, type Names} from './names.ts';
export {ScenarioKube, until, podReady, waitingReason, type PodJson, type DeploymentJson} from './kube.ts';
export {aiGatewayEnvoyGatewayConfig, defaultEnvoyGatewayConfig, notesPatchedEnvoyGatewayConfig, CONFIG_KEY} from './envoy-gateway.ts';

/** What `npm run sandbox` passes (scripts/sandbox.ts ScenarioContext; only these fields are used). */
export interface ScenarioContext {
  kubeconfig: string;
  onStop?(fn: () => Promise<void> | void): void;
  log?(msg: string): void;
}

export interface Scenario {
  description: string;
  apply(ctx: ScenarioContext): Promise<void>;
}

/** The sandbox installs into these names, so README examples can name them. */
export const SANDBOX = {namespace: 'inference', release: 'igw', model: 'qwen3-8b'} as const;

function sandboxInstall(ctx: ScenarioContext, extra: Partial<InstallOptions> = {}): Promise<Installation> {
  return installHealthy(ctx.kubeconfig, {
    ...SANDBOX,
    pods: 2,
    withSims: true,
    // The sandbox is the only user of its cluster: Envoy Gateway faults may change the shared one.
    ownsEnvoyGateway: true,
    ...(ctx.log ? {log: ctx.log} : {}),
    ...extra,
  });
}

async function applyScenario(ctx: ScenarioContext, fault?: FaultName, extra: Partial<InstallOptions> = {}, then?: (inst: Installation) => Promise<unknown>): Promise<void> {
  const inst = await sandboxInstall(ctx, extra);
  // Simulators and the EPP metrics stand-in are local: stop them with the sandbox (the cluster goes anyway).
  ctx.onStop?.(async () => {
    await Promise.all([...inst.sims.map((s) => s.stop()), inst.eppMetrics?.stop()]);
  });
  if (then) await then(inst);
  if (fault) await inst.inject(fault);
  ctx.log?.(
    `release ${inst.names.release} in namespace ${inst.names.namespace}: Gateway ${inst.names.gateway}, InferencePool ${inst.names.pool}, ` +
      `EPP ${inst.names.eppDeployment}, ${inst.sims.length} model simulator(s)${fault ? `, fault ${fault}` : ''}`,
  );
}

function buildScenarios(): Record<string, Scenario> {
  const out: Record<string, Scenario> = {
    healthy: {
      description: `healthy install: Envoy Gateway + AI Gateway extension, chart release "${SANDBOX.release}" in "${SANDBOX.namespace}", InferencePool, KServe model (2 simulated pods), LiteLLM`,
      apply: (ctx) => applyScenario(ctx),
    },
    istio: {
      description: 'healthy install on Istio (issue 13): istiod with ENABLE_GATEWAY_API_INFERENCE_EXTENSION, the Gateway on an Istio class, its proxy, the shadow Service, Istio-shaped statuses',
      apply: async (ctx) => {
        const inst = await sandboxInstall(ctx);
        await installIstio(inst);
      },
    },
    kgateway: {
      description: 'healthy install on kgateway (issue 13): its controller with KGW_ENABLE_INFER_EXT, the Gateway on a kgateway class, its proxy, kgateway-shaped statuses',
      apply: async (ctx) => {
        const inst = await sandboxInstall(ctx);
        await installKgateway(inst);
      },
    },
    'extension-policy': {
      description: "as healthy, plus the chart's default EnvoyExtensionPolicy (Accepted): the EPP is wired twice (doctor warns)",
      apply: (ctx) => applyScenario(ctx, undefined, {wiring: 'extension-policy'}),
    },
    'healthy-bbr': {
      description: 'as healthy, plus a second model and body-based routing (install-bbr.ts): two pools, HTTPRoutes matching X-Gateway-Base-Model-Name, BBR and its EnvoyExtensionPolicy (doctor: 0 errors, 0 warnings)',
      apply: (ctx) => applyScenario(ctx, undefined, {}, addBbr),
    },
  };
  for (const name of faultNames) {
    const f: Fault = faults[name];
    out[name] = {description: f.description, apply: (ctx) => applyScenario(ctx, name, f.wiring ? {wiring: f.wiring} : {})};
  }
  return out;
}

export const scenarios: Record<string, Scenario> = buildScenarios();
