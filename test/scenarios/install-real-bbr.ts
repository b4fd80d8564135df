// The real GIE v1.5.0 body-based router (`.tools/bin/gie-bbr`, scripts/build-cluster.sh) for the
// BBR install (install-bbr.ts): started from the BBR Deployment as the kubelet would start its
// container (install-real-epp.ts startFromDeployment: its args — plugins, --streaming — its
// ServiceAccount's token, env NAMESPACE), its log shown by `kubectl logs` through a KWOK Logs object, its pod's
// 9004/9005/9090 KWOK-port-forwarded to it. Its ConfigMap reconciler reads the bbr-managed ConfigMaps
// with the real RBAC (GIE v1.5.0 pkg/bbr/plugins/basemodelextractor/configmap_reconciler.go).
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {toolsBin} from '../harness/cluster.ts';
import type {BbrNames} from './install-bbr.ts';
import type {Installation} from './install.ts';
import {startFromDeployment, type DeploymentProcess} from './install-real-epp.ts';
import {podsOf, until, type Manifest} from './kube.ts';
import {logsRoot} from './logs.ts';

export const gieBbrBin: string = join(toolsBin, 'gie-bbr');

export interface RealBbr {
  process: DeploymentProcess;
  logFile: string;
  restart(): Promise<DeploymentProcess>;
  /** Waits until the router logged a line matching re; returns it. */
  waitLog(re: RegExp, what: string, timeoutMs?: number): Promise<string>;
}

/** Starts the real BBR for the install's BBR Deployment and waits until its ext-proc server listens. */
export async function startRealBbr(inst: Installation, b: BbrNames): Promise<RealBbr> {
  if (!existsSync(gieBbrBin)) throw new Error(`${gieBbrBin} is missing: run scripts/build-cluster.sh (it builds GIE v1.5.0 cmd/bbr)`);
  const {kube, names} = inst;
  const ns = names.namespace;
  const logFile = join(logsRoot, ns, 'bbr.log');
  const forwardName = `infgw-real-bbr-${ns}`;
  inst.onCleanup(async () => {
    await kube.delete({apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'ClusterPortForward', name: forwardName});
  });
  const start = async (): Promise<DeploymentProcess> => {
    const p = await startFromDeployment(inst, {
      deployment: b.bbr,
      container: 'bbr',
      binary: gieBbrBin,
      logFile,
      portFlags: ['--grpc-port', '--grpc-health-port', '--metrics-port'],
    });
    const pods = (await podsOf(kube, ns, {app: b.bbr})).map((p) => p.metadata.name);
    await Promise.all([
      // A pod's own Logs object wins over the install's ClusterLogs (which names no bbr container).
      ...pods.map((name) =>
        kube.apply({
          apiVersion: 'kwok.x-k8s.io/v1alpha1',
          kind: 'Logs',
          metadata: {name, namespace: ns},
          spec: {logs: [{containers: ['bbr'], logsFile: logFile, follow: false}]},
        } satisfies Manifest),
      ),
      kube.apply({
        apiVersion: 'kwok.x-k8s.io/v1alpha1',
        kind: 'ClusterPortForward',
        metadata: {name: forwardName},
        spec: {
          selector: {matchNamespaces: [ns], matchNames: pods},
          forwards: [
            {ports: [9004], target: {address: '127.0.0.1', port: p.ports['--grpc-port']!}},
            {ports: [9005], target: {address: '127.0.0.1', port: p.ports['--grpc-health-port']!}},
            {ports: [9090], target: {address: '127.0.0.1', port: p.ports['--metrics-port']!}},
          ],
        },
      } satisfies Manifest),
    ]);
    return p;
  };
  const real: RealBbr = {
    process: await start(),
    logFile,
    async restart() {
      await real.process.stop();
      real.process = await start();
      return real.process;
    },
    waitLog: (re, what, timeoutMs = 60_000) =>
      until(`BBR log: ${what}`, () => real.process.output().split('\n').find((l) => re.test(l)), timeoutMs, 200).catch((error: unknown) => {
        throw new Error(`${String(error)}\nBBR output (tail):\n${real.process.output().split('\n').slice(-20).join('\n')}`);
      }),
  };
  inst.onCleanup(() => real.process.stop());
  // GIE v1.5.0 internal/runnable/grpc.go: "gRPC server listening" with name "ext-proc".
  await real.waitLog(/"msg":"gRPC server listening".*"name":"ext-proc"|"name":"ext-proc".*"msg":"gRPC server listening"/, 'ext-proc gRPC server listening');
  return real;
}
