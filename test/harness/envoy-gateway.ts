// The real Envoy Gateway controller (github.com/envoyproxy/gateway v1.9.1 cmd/envoy-gateway, built
// by scripts/build-cluster.sh into .tools/bin/envoy-gateway) run against the test apiserver, one
// local process per pod of the `envoy-gateway` Deployment (issue 12).
//
// What is REAL: the controller program, its config file (the envoy-gateway-config ConfigMap's
// envoy-gateway.yaml, as the pod mounts it, and updated in place when the ConfigMap changes, as
// the kubelet updates a ConfigMap volume), its TLS Secrets (`envoy-gateway certgen` writes them
// into the cluster; the Secret `envoy-gateway` is what the pod mounts at /certs), its leader
// election Lease, every status and object it writes (GatewayClass/Gateway/HTTPRoute/policy status,
// the Envoy proxy Deployment/Service/ServiceAccount/ConfigMap), its log (shown by `kubectl logs`
// through a KWOK Logs object), its readiness (its own /readyz, the chart's readiness probe) and its
// exit code.
// What is MIRRORED (KWOK has no kubelet running containers): the pod object. The Deployment's pod
// template carries infgw.test/never-ready so that KWOK does not mark the pod Ready by itself; this
// watcher marks it Ready once the process's /readyz answered 200 (what the kubelet's probe would
// do), and when the process exits on its own it labels the pod infgw.test/crashloop, so KWOK shows
// CrashLoopBackOff (test/cluster/stages/infgw-stages.yaml). The crashed process is not started
// again: with the same config it would fail the same way, which is what the back-off shows.
//
// Isolation (test/harness/netns.ts): each process gets its own network namespace
// (the controller binds fixed ports) and mount namespace (it reads TLS files from /certs). This
// needs root (CAP_SYS_ADMIN) and an empty /certs directory to bind-mount over, which
// startEnvoyGateway creates if missing. The apiserver is reached through a Unix-socket relay.
//
// A rollout restart therefore works as on a real cluster: the new ReplicaSet's pod gets a new
// process with the ConfigMap's current content; it becomes Ready only when the real controller
// does, so a config the controller rejects leaves the old pod serving next to a crash-looping one.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ScenarioKube, type PodJson } from '../scenarios/kube.ts';
import { repoRoot, run, toCriLog, toolPath } from './cluster.ts';

/** Labels of the Envoy Gateway controller pods (gateway-helm chart). */
export const EG_POD_SELECTOR = 'control-plane=envoy-gateway';
export const LABEL_NEVER_READY = 'infgw.test/never-ready';
export const LABEL_CRASHLOOP = 'infgw.test/crashloop';
const CONFIG_MAP = 'envoy-gateway-config';
const CONFIG_KEY = 'envoy-gateway.yaml';
/** The controller's xDS server port (upstream internal/xds/bootstrap/bootstrap.go DefaultXdsServerPort). */
export const XDS_PORT = 18000;
const netnsLauncher = join(repoRoot, 'test', 'harness', 'netns.ts');

export interface ControllerProcess {
  pod: string;
  uid: string;
  /** The process's output so far (stdout and stderr, as the container log has it). */
  output(): string;
  /** true once its /readyz answered 200. */
  ready: boolean;
  /** Exit code once it ended (null: still running; a signal counts as 128+n). */
  exitCode: number | null;
  /** true when the harness stopped it (pod gone or stop()). */
  stoppedByHarness: boolean;
  /**
   * Unix socket that reaches its xDS server (0.0.0.0:18000 in its network namespace, upstream
   * internal/xds/runner/runner.go), where an Envoy proxy of a Gateway would connect (eg-xds-dump).
   */
  xdsSocket: string;
}

export interface EnvoyGatewayController {
  namespace: string;
  /** Every process started so far, oldest first. */
  processes: ControllerProcess[];
  /** Stops the watcher and every process; waits for them. Idempotent. */
  stop(): Promise<void>;
}

export interface StartEnvoyGatewayOptions {
  /** Working files (certs, config copies, logs, relay socket); default: a temp dir removed on stop. */
  stateDir?: string;
  log?: (msg: string) => void;
  /**
   * The extension server the config names (extensionManager.service.fqdn), served by a local
   * process (startAiGateway): its hostname resolves to 127.0.0.1 in the controller's namespace
   * (an /etc/hosts bind-mounted there stands in for cluster DNS) and 127.0.0.1:port is relayed to
   * `socket`.
   */
  extensionServer?: { hostname: string; port: number; socket: string };
}

/** Host side of the apiserver relay: a Unix socket whose connections go to the test apiserver. */
export async function apiserverRelay(kubeconfig: string, socketPath: string): Promise<{ port: number; close(): Promise<void> }> {
  const port = apiserverPort(kubeconfig);
  rmSync(socketPath, { force: true });
  const relay: Server = createServer((down) => {
    const up = connect(port, '127.0.0.1');
    down.pipe(up).pipe(down);
    const close = (): void => {
      down.destroy();
      up.destroy();
    };
    down.on('error', close);
    up.on('error', close);
  });
  await new Promise<void>((res, rej) => {
    relay.once('error', rej);
    relay.listen(socketPath, () => res());
  });
  return { port, close: () => new Promise<void>((res) => relay.close(() => res())) };
}

/** Makes sure the empty mount point /certs exists (the controllers' fixed TLS directory). */
function certsMountPoint(): void {
  try {
    mkdirSync('/certs', { recursive: true });
  } catch (error) {
    throw new Error(`cannot create the mount point /certs (needs root): ${String(error)}`);
  }
}

/** `unshare` + netns.ts + the program: the command line of one isolated controller process. */
export function isolatedCommand(opts: { binds?: [string, string][]; outs?: [number, string][]; ins?: [string, number][]; probe?: string }, program: string, args: string[]): [string, string[]] {
  const flags: string[] = [];
  for (const [src, dst] of opts.binds ?? []) flags.push('--bind', `${src}:${dst}`);
  for (const [port, sock] of opts.outs ?? []) flags.push('--out', `${port}=${sock}`);
  for (const [sock, port] of opts.ins ?? []) flags.push('--in', `${sock}=${port}`);
  if (opts.probe) flags.push('--probe', opts.probe);
  return ['unshare', ['--mount', '--net', '--propagation', 'private', process.execPath, '--disable-warning=ExperimentalWarning', netnsLauncher, ...flags, '--', program, ...args]];
}

interface Running extends ControllerProcess {
  child: ChildProcess;
  configFile: string;
  exited: Promise<void>;
}

function apiserverPort(kubeconfig: string): number {
  const cfg = parse(readFileSync(kubeconfig, 'utf8')) as { clusters?: { cluster?: { server?: string } }[] };
  const server = cfg.clusters?.[0]?.cluster?.server ?? '';
  const m = /^https:\/\/127\.0\.0\.1:(\d+)$/.exec(server);
  if (!m) throw new Error(`startEnvoyGateway: the kubeconfig's server ${server} is not https://127.0.0.1:<port> (the test apiserver)`);
  return Number(m[1]);
}

/**
 * Runs `envoy-gateway certgen` against the cluster (the chart's certgen Job) and writes the
 * `envoy-gateway` Secret's files into `dir`, as the pod's /certs volume has them.
 */
export async function certificates(kube: ScenarioKube, namespace: string, dir: string): Promise<void> {
  await run(toolPath('envoy-gateway'), ['certgen', '--disable-topology-injector'], {
    kubeconfig: kube.kubeconfig,
    env: { ENVOY_GATEWAY_NAMESPACE: namespace },
    timeoutMs: 60_000,
  });
  const secret = await kube.get<{ data?: Record<string, string> }>({ apiVersion: 'v1', kind: 'Secret', namespace, name: 'envoy-gateway' });
  mkdirSync(dir, { recursive: true });
  for (const f of ['tls.crt', 'tls.key', 'ca.crt']) {
    const v = secret.data?.[f];
    if (!v) throw new Error(`startEnvoyGateway: Secret ${namespace}/envoy-gateway has no ${f}`);
    writeFileSync(join(dir, f), Buffer.from(v, 'base64'), { mode: 0o600 });
  }
}

/**
 * Starts the watcher that runs the real controller for every pod of the `envoy-gateway`
 * Deployment in `namespace` (which must exist, with its ConfigMap). Returns once certgen ran; the
 * processes start as their pods appear.
 */
export async function startEnvoyGateway(cluster: { kubeconfig: string }, namespace: string, opts: StartEnvoyGatewayOptions = {}): Promise<EnvoyGatewayController> {
  const log = opts.log ?? (() => {});
  const bin = toolPath('envoy-gateway');
  const kube = new ScenarioKube(cluster.kubeconfig);
  certsMountPoint();
  const ownState = !opts.stateDir;
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), `infgw-eg-${namespace}-`));
  mkdirSync(stateDir, { recursive: true });
  const certsDir = join(stateDir, 'certs');
  await certificates(kube, namespace, certsDir);

  const socketPath = join(stateDir, 'api.sock');
  const relay = await apiserverRelay(cluster.kubeconfig, socketPath);
  const port = relay.port;
  const ext = opts.extensionServer;
  const hostsFile = join(stateDir, 'hosts');
  if (ext) writeFileSync(hostsFile, `127.0.0.1 localhost\n127.0.0.1 ${ext.hostname}\n`);

  const processes: Running[] = [];
  const byUid = new Map<string, Running>();
  let configText: string | undefined;
  let stopped = false;
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>): void => {
    const q = p.catch((error: unknown) => log(`envoy-gateway watcher: ${String(error)}`)).finally(() => pending.delete(q));
    pending.add(q);
  };

  const podRef = (name: string): { apiVersion: string; kind: string; namespace: string; name: string } => ({ apiVersion: 'v1', kind: 'Pod', namespace, name });

  const startFor = async (pod: PodJson): Promise<void> => {
    const name = pod.metadata.name;
    const uid = pod.metadata.uid ?? name;
    const dir = join(stateDir, name);
    mkdirSync(dir, { recursive: true });
    const configFile = join(dir, CONFIG_KEY);
    writeFileSync(configFile, configText ?? '');
    const logFile = join(dir, 'envoy-gateway.log');
    writeFileSync(logFile, '');
    const xdsSocket = join(dir, 'xds.sock');
    // `kubectl logs` of this pod shows the real process's output (a namespaced Logs object wins
    // over the scenario's ClusterLogs for the namespace). --previous shows the same file: the only
    // earlier run a crashed pod has is this one.
    await kube.apply({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Logs',
      metadata: { name, namespace },
      spec: { logs: [{ containers: ['envoy-gateway'], logsFile: logFile, previousLogsFile: logFile, follow: true }] },
    });
    const [cmd, cmdArgs] = isolatedCommand(
      {
        binds: [[certsDir, '/certs'], ...(ext ? ([[hostsFile, '/etc/hosts']] as [string, string][]) : [])],
        outs: [[port, socketPath], ...(ext ? ([[ext.port, ext.socket]] as [number, string][]) : [])],
        ins: [[xdsSocket, XDS_PORT]],
        probe: 'http:8081/readyz',
      },
      bin,
      ['server', `--config-path=${configFile}`],
    );
    const child = spawn(cmd, cmdArgs,
      {
        env: { ...process.env, KUBECONFIG: cluster.kubeconfig, ENVOY_GATEWAY_NAMESPACE: namespace, INFGW_PARENT_PID: String(process.pid) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const p: Running = {
      pod: name,
      uid,
      output: () => out,
      ready: false,
      exitCode: null,
      stoppedByHarness: false,
      xdsSocket,
      child,
      configFile,
      exited: Promise.resolve(),
    };
    // whole lines only: a pipe chunk may end inside a line (the tail waits for the next chunk)
    const onData = (stream: 'stdout' | 'stderr') => {
      let partial = '';
      return (d: Buffer) => {
      partial += d.toString();
      const all = partial.split('\n');
      partial = all.pop() ?? '';
      const lines = all.filter((l) => l.length > 0);
      const shown: string[] = [];
      for (const l of lines) {
        if (l === 'infgw-harness: ready') {
          if (!p.ready) {
            p.ready = true;
            track(markReady(name));
          }
          continue;
        }
        shown.push(l);
      }
      if (shown.length) {
        out += `${shown.join('\n')}\n`;
        appendFileSync(logFile, toCriLog(shown, stream));
      }
    };
    };
    child.stdout?.on('data', onData('stdout'));
    child.stderr?.on('data', onData('stderr'));
    p.exited = new Promise<void>((res) => {
      // 'close', not 'exit': the process's output is complete then (doctor and the tests quote it)
      child.once('close', (code, signal) => {
        p.exitCode = code ?? (signal ? 128 + 15 : 1);
        log(`envoy-gateway for pod ${name} exited with ${p.exitCode}${p.stoppedByHarness ? ' (stopped)' : ''}`);
        if (!p.stoppedByHarness && !stopped) track(markCrashed(name));
        res();
      });
    });
    processes.push(p);
    byUid.set(uid, p);
    log(`envoy-gateway started for pod ${namespace}/${name} (pid ${child.pid})`);
  };

  // What the kubelet would report once the readiness probe passes.
  const markReady = async (name: string): Promise<void> => {
    const pod = await kube.getOptional<PodJson>(podRef(name));
    if (!pod || pod.metadata.deletionTimestamp) return;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const conditions: Record<string, unknown>[] = (pod.status?.conditions ?? []).filter((c) => c.type !== 'Ready' && c.type !== 'ContainersReady');
    conditions.push({ type: 'Ready', status: 'True', lastTransitionTime: now }, { type: 'ContainersReady', status: 'True', lastTransitionTime: now });
    const containerStatuses = (pod.status?.containerStatuses ?? []).map((c) => ({ ...c, ready: true, started: true }));
    await kube.replaceStatus(podRef(name), { ...pod.status, conditions, containerStatuses });
  };

  const markCrashed = async (name: string): Promise<void> => {
    await kube.patch(podRef(name), { metadata: { labels: { [LABEL_CRASHLOOP]: 'true' } } }).catch(() => undefined);
  };

  const stopProcess = async (p: Running): Promise<void> => {
    if (p.exitCode === null) {
      p.stoppedByHarness = true;
      p.child.kill('SIGTERM');
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
      await p.exited;
      clearTimeout(timer);
    }
  };

  const tick = async (): Promise<void> => {
    const cm = await kube.getOptional<{ data?: Record<string, string> }>({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: CONFIG_MAP });
    const text = cm?.data?.[CONFIG_KEY] ?? '';
    if (text !== configText) {
      configText = text;
      // The kubelet updates a mounted ConfigMap in place; the controller's file watcher reloads it.
      for (const p of processes) if (p.exitCode === null) writeFileSync(p.configFile, text);
    }
    const pods = await kube.list<PodJson>({ apiVersion: 'v1', kind: 'Pod', namespace }, EG_POD_SELECTOR);
    const live = new Set<string>();
    for (const pod of pods) {
      const uid = pod.metadata.uid ?? pod.metadata.name;
      if (pod.metadata.deletionTimestamp) continue;
      live.add(uid);
      // Started once KWOK has "started" the container (Running), like a kubelet would.
      if (!byUid.has(uid) && pod.status?.phase === 'Running') await startFor(pod);
    }
    for (const p of processes) if (p.exitCode === null && !live.has(p.uid)) track(stopProcess(p));
  };

  let timer: NodeJS.Timeout | undefined;
  const loop = async (): Promise<void> => {
    if (stopped) return;
    try {
      await tick();
    } catch (error) {
      log(`envoy-gateway watcher: ${String(error)}`);
    }
    if (!stopped) timer = setTimeout(() => void loop(), 300);
  };
  const onExit = (): void => {
    for (const p of processes) if (p.exitCode === null) p.child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  void loop();

  let stopping: Promise<void> | undefined;
  return {
    namespace,
    processes,
    stop() {
      stopping ??= (async () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        await Promise.all(processes.map((p) => stopProcess(p)));
        await Promise.all([...pending]);
        process.removeListener('exit', onExit);
        await relay.close();
        if (ownState) rmSync(stateDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/**
 * What the controller's xDS server serves the Envoy proxy of Gateway `gateway`, as the JSON of an
 * Envoy admin GET /config_dump (envoy.admin.v3.ConfigDump): `eg-xds-dump`
 * (test/controllers/envoy-gateway/xdsdump, built by scripts/build-cluster.sh) connects to the
 * process's xDS socket as that proxy would — node cluster "<namespace>/<name>" (upstream
 * internal/xds/cache/snapshotcache.go keys snapshots by it), the client certificate of the
 * `envoy` Secret that certgen wrote (internal/crypto/certgen.go) — and prints what it got. The
 * config is the real controller's translation, the extension server's hooks applied; there is no
 * Envoy to load it, so this is what the proxy would be given, not what it accepted.
 */
export async function servedConfigDump(kube: ScenarioKube, egNamespace: string, p: ControllerProcess, gateway: { namespace: string; name: string }, workDir: string): Promise<string> {
  const secret = await kube.get<{ data?: Record<string, string> }>({ apiVersion: 'v1', kind: 'Secret', namespace: egNamespace, name: 'envoy' });
  const dir = join(workDir, 'envoy-client');
  mkdirSync(dir, { recursive: true });
  for (const f of ['tls.crt', 'tls.key', 'ca.crt']) {
    const v = secret.data?.[f];
    if (!v) throw new Error(`servedConfigDump: Secret ${egNamespace}/envoy has no ${f}`);
    writeFileSync(join(dir, f), Buffer.from(v, 'base64'), { mode: 0o600 });
  }
  const res = await run(
    toolPath('eg-xds-dump'),
    [
      `--addr=unix://${p.xdsSocket}`,
      `--ca=${join(dir, 'ca.crt')}`,
      `--cert=${join(dir, 'tls.crt')}`,
      `--key=${join(dir, 'tls.key')}`,
      // the server certificate is for the envoy-gateway Service's names (certgen kubeServiceNames)
      `--server-name=envoy-gateway.${egNamespace}.svc`,
      `--node-cluster=${gateway.namespace}/${gateway.name}`,
      '--timeout=30s',
    ],
    { timeoutMs: 60_000 },
  );
  return res.stdout;
}
