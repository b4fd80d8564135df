// The real Envoy AI Gateway v1.1.0 controller and extension server (cmd/controller of
// ../shared/upstream/ai-gateway-v1.1.0.tar.gz, built by scripts/build-cluster.sh into
// .tools/bin/ai-gateway-controller) run against the test apiserver as one local process (issue 12).
//
// What is REAL: the program, its InferencePool controller (it writes the InferencePool parent
// status, upstream internal/controller/inference_pool.go updateInferencePoolStatus), its other
// controllers, and its gRPC extension server on :1063 that Envoy Gateway calls for InferencePool
// backends (startEnvoyGateway's extensionServer relays the FQDN of the config to it).
// What is NOT: it runs as one process, not per pod of its Deployment (the Deployment's pod is
// KWOK's); its pod-mutating webhook (it injects the ext-proc sidecar into Envoy proxy pods) is
// registered as the chart registers it but selects no namespace, because KWOK pods run no
// sidecar; it uses the admin kubeconfig (its ServiceAccount's RBAC is not exercised); its webhook
// TLS files are Envoy Gateway's certgen ones (any pair serves: nothing calls the webhook).
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScenarioKube } from '../scenarios/kube.ts';
import { applyManifest, kubectl, repoRoot, toCriLog, toolPath } from './cluster.ts';
import { apiserverRelay, isolatedCommand } from './envoy-gateway.ts';

export const AI_GATEWAY_NS = 'envoy-ai-gateway-system';
/** CRDs that build-cluster.sh copied: the AI Gateway's and Envoy Gateway's own (the charts install both). */
export const controllerCrdDirs: string[] = [join(repoRoot, '.tools', 'share', 'ai-gateway', 'crds'), join(repoRoot, '.tools', 'share', 'envoy-gateway', 'crds')];

export interface AiGatewayProcess {
  /** Unix socket that reaches its extension server (:1063 in its network namespace). */
  extensionSocket: string;
  output(): string;
  exitCode: number | null;
  stop(): Promise<void>;
}

/** Installs the AI Gateway's and Envoy Gateway's CRDs and waits until they are served. */
export async function installControllerCrds(kubeconfig: string): Promise<void> {
  for (const dir of controllerCrdDirs) {
    if (!existsSync(dir) || readdirSync(dir).length === 0) throw new Error(`${dir} is missing: run scripts/build-cluster.sh`);
    await kubectl(['apply', '--server-side', '--force-conflicts', '-f', dir], { kubeconfig, timeoutMs: 120_000 });
  }
  await kubectl(['wait', '--for', 'condition=Established', 'crd', '--all', '--timeout=120s'], { kubeconfig, timeoutMs: 130_000 });
}

/**
 * Starts the controller (CRDs installed, `certsDir` holding tls.crt/tls.key/ca.crt) and resolves
 * once its extension server accepts connections.
 */
export async function startAiGateway(cluster: { kubeconfig: string }, opts: { stateDir: string; certsDir: string; egNamespace: string; log?: (m: string) => void }): Promise<AiGatewayProcess> {
  const kube = new ScenarioKube(cluster.kubeconfig);
  const log = opts.log ?? (() => {});
  mkdirSync(opts.stateDir, { recursive: true });
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: AI_GATEWAY_NS } });
  // The chart's webhook (manifests/charts/ai-gateway-helm/templates/admission_webhook.yaml): the
  // controller patches its caBundle at start-up and exits if it is missing.
  await applyManifest(cluster.kubeconfig, JSON.stringify({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: `envoy-ai-gateway-gateway-pod-mutator.${AI_GATEWAY_NS}` },
    webhooks: [
      {
        name: `envoy-ai-gateway-gateway-pod-mutator.${AI_GATEWAY_NS}.svc`,
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Ignore',
        clientConfig: { service: { name: 'ai-gateway-controller', namespace: AI_GATEWAY_NS, path: '/mutate', port: 9443 } },
        // selects no namespace: KWOK's Envoy pods run no sidecar (see the header)
        namespaceSelector: { matchLabels: { 'infgw.test/ai-gateway-sidecar': 'never' } },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      },
    ],
  }));
  const apiSock = join(opts.stateDir, 'api.sock');
  const relay = await apiserverRelay(cluster.kubeconfig, apiSock);
  const extensionSocket = join(opts.stateDir, 'extension.sock');
  const [cmd, args] = isolatedCommand({ outs: [[relay.port, apiSock]], ins: [[extensionSocket, 1063]], probe: 'tcp:1063' }, toolPath('ai-gateway-controller'), [
    `-tlsCertDir=${opts.certsDir}`,
    `-envoyGatewayNamespace=${opts.egNamespace}`,
    '-enableLeaderElection=false',
  ]);
  const logFile = join(opts.stateDir, 'ai-gateway-controller.log');
  writeFileSync(logFile, '');
  const child: ChildProcess = spawn(cmd, args, {
    env: { ...process.env, KUBECONFIG: cluster.kubeconfig, POD_NAMESPACE: AI_GATEWAY_NS, DISABLE_PPROF: 'true', INFGW_PARENT_PID: String(process.pid) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let ready = false;
  let exitCode: number | null = null;
  const readyWaiters: (() => void)[] = [];
  // whole lines only: a pipe chunk may end inside a line (the tail waits for the next chunk)
  const onData = (stream: 'stdout' | 'stderr') => {
    let partial = '';
    return (d: Buffer) => {
    partial += d.toString();
    const all = partial.split('\n');
    partial = all.pop() ?? '';
    const lines = all.filter((l) => l.length > 0);
    const shown = lines.filter((l) => l !== 'infgw-harness: ready');
    if (shown.length < lines.length && !ready) {
      ready = true;
      for (const w of readyWaiters) w();
    }
    if (shown.length) {
      out += `${shown.join('\n')}\n`;
      appendFileSync(logFile, toCriLog(shown, stream));
    }
  };
  };
  child.stdout?.on('data', onData('stdout'));
  child.stderr?.on('data', onData('stderr'));
  const exited = new Promise<void>((res) =>
    // 'close', not 'exit': its output is complete then
    child.once('close', (code, signal) => {
      exitCode = code ?? (signal ? 128 + 15 : 1);
      log(`ai-gateway-controller exited with ${exitCode}`);
      for (const w of readyWaiters) w();
      res();
    }),
  );
  const stop = async (): Promise<void> => {
    if (exitCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    }
    await relay.close();
  };
  await new Promise<void>((res) => {
    if (ready || exitCode !== null) res();
    else readyWaiters.push(res);
  });
  if (!ready) {
    await stop();
    throw new Error(`ai-gateway-controller exited (${exitCode}) before its extension server listened:\n${out.split('\n').slice(-30).join('\n')}`);
  }
  log('ai-gateway-controller ready (extension server listening)');
  return {
    extensionSocket,
    output: () => out,
    get exitCode() {
      return exitCode;
    },
    stop,
  };
}
