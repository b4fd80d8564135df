// Harness for the end-to-end test control plane (real kube-apiserver, controller-manager,
// scheduler and etcd built from Go modules, plus KWOK for fake nodes/pods), the real kubectl and
// helm binaries, and the inference simulator.
//
// Binaries come from .tools/bin (scripts/build-cluster.sh and scripts/install-tools.sh).
// Plain TypeScript that Node >= 22.6 runs with type stripping and vitest runs as is: no enums,
// no parameter properties, only `import type` for types.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, createWriteStream, mkdirSync, mkdtempSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const toolsBin: string = join(repoRoot, '.tools', 'bin');

/** Path of a tool in .tools/bin, with a hint when it is missing. */
export function toolPath(name: string): string {
  const p = join(toolsBin, name);
  if (!existsSync(p)) {
    const how = name === 'kubectl' || name === 'helm' ? 'scripts/install-tools.sh' : 'scripts/build-cluster.sh';
    throw new Error(`${p} is missing: run ${how}`);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Cluster

export interface StartClusterOptions {
  /** Directory for certificates, etcd data, configs and logs; default: a temp dir removed on stop. */
  stateDir?: string;
  /** Only etcd + kube-apiserver (RBAC on): no controllers, no scheduler, no KWOK. */
  bare?: boolean;
  /** Install the CRDs from crdsDir (default true). */
  crds?: boolean;
  /** CRD directory; default: ../shared/crds relative to the repo root. */
  crdsDir?: string;
  /** Directory for component logs (kept after stop); default: inside stateDir. */
  log?: string;
  /** Where to write the admin kubeconfig; default: inside stateDir. */
  kubeconfig?: string;
  /** Where to write the restricted-user kubeconfig; default: inside stateDir. */
  restrictedKubeconfig?: string;
  /** Number of fake KWOK nodes (default 1: kwok-node-0). */
  nodes?: number;
  /** Give up after this long (default 120 s). */
  timeoutMs?: number;
  /** Print component start-up steps and times to stderr. */
  verbose?: boolean;
  /** Keep the cluster running if this Node process dies (default false: it stops with us). */
  detachFromParent?: boolean;
}

export interface Cluster {
  /** Admin kubeconfig (user `admin`, group system:masters). */
  kubeconfig: string;
  /** Kubeconfig of user `restricted` (no groups: RBAC denies everything not granted). */
  restrictedKubeconfig: string;
  /** https://127.0.0.1:<port> */
  server: string;
  stateDir: string;
  logDir: string;
  bare: boolean;
  /** Start-up time reported by the cluster binary. */
  startupMs: number;
  /** pid of the `testcluster up` process (its process group holds every component). */
  pid: number;
  /** Stops every component and waits for them; removes the temp state dir. Idempotent. */
  stop(): Promise<void>;
}

interface ReadyLine {
  ready: boolean;
  kubeconfig: string;
  restrictedKubeconfig: string;
  server: string;
  stateDir: string;
  logDir: string;
  bare: boolean;
  startupMs: number;
  pid: number;
}

/** Starts `.tools/bin/testcluster up` and resolves once it prints its ready line. */
export async function startCluster(opts: StartClusterOptions = {}): Promise<Cluster> {
  const bin = toolPath('testcluster');
  const args = ['up'];
  if (opts.stateDir) args.push(`--state-dir=${opts.stateDir}`);
  if (opts.bare) args.push('--bare');
  if (opts.crds === false) args.push('--no-crds');
  if (opts.crdsDir) args.push(`--crds=${opts.crdsDir}`);
  if (opts.log) {
    mkdirSync(opts.log, { recursive: true });
    args.push(`--log-dir=${opts.log}`);
  }
  if (opts.kubeconfig) args.push(`--kubeconfig=${opts.kubeconfig}`);
  if (opts.restrictedKubeconfig) args.push(`--restricted-kubeconfig=${opts.restrictedKubeconfig}`);
  if (opts.nodes !== undefined) args.push(`--nodes=${opts.nodes}`);
  if (opts.timeoutMs !== undefined) args.push(`--timeout=${Math.ceil(opts.timeoutMs / 1000)}s`);
  if (opts.verbose) args.push('-v');
  if (!opts.detachFromParent) args.push(`--parent-pid=${process.pid}`);

  // detached: own process group, so stop() can signal the whole group and a Ctrl-C in the
  // terminal reaches only us (we then stop the cluster in order).
  const child = spawn(bin, args, { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${bin}`);
  const stderrTail: string[] = [];
  let logStream: WriteStream | undefined;
  if (opts.log) logStream = createWriteStream(join(opts.log, 'up.log'), { flags: 'a' });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    logStream?.write(chunk);
    if (opts.verbose) process.stderr.write(chunk);
    for (const line of chunk.split('\n')) if (line) stderrTail.push(line);
    while (stderrTail.length > 60) stderrTail.shift();
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));

  const ready = await new Promise<ReadyLine>((res, rej) => {
    let buf = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (!line.startsWith('{')) continue;
        try {
          const v = JSON.parse(line) as ReadyLine;
          if (v.ready) res(v);
        } catch {
          /* not our line */
        }
      }
    });
    void exited.then((code) =>
      rej(new Error(`testcluster up exited with code ${code} before it was ready:\n${stderrTail.join('\n')}`)),
    );
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* gone */
        }
        const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      // Safety net: anything left in the group.
      killGroup(pid, 'SIGKILL');
      logStream?.end();
    })();
    return stopping;
  };
  return { ...ready, pid, stop };
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* no such group: all gone */
  }
}

// ---------------------------------------------------------------------------------------------
// Running tools

export interface RunOptions {
  /** Kubeconfig for kubectl/helm (sets KUBECONFIG). */
  kubeconfig?: string;
  /** Data for stdin. */
  input?: string;
  /** Kill the program after this long (default 240 s; vitest's own test timeout usually fires first). */
  timeoutMs?: number;
  /** Resolve instead of throwing on a non-zero exit. */
  allowFail?: boolean;
  env?: Record<string, string>;
  cwd?: string;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program and collects its output. Throws on a non-zero exit unless allowFail. */
export async function run(bin: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  if (opts.kubeconfig) env.KUBECONFIG = opts.kubeconfig;
  const child = spawn(bin, args, { env, cwd: opts.cwd ?? repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.on('error', () => {});
  child.stdin.end(opts.input ?? '');
  const timeoutMs = opts.timeoutMs ?? 240_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  const res = { code, stdout, stderr };
  if (code !== 0 && !opts.allowFail) {
    const how = timedOut ? `was killed after its ${timeoutMs} ms timeout (RunOptions.timeoutMs)` : code === null ? `was killed by ${signal}` : `exited with ${code}`;
    throw new Error(`${bin} ${args.join(' ')} ${how}:\n${stderr || stdout}`);
  }
  return res;
}

/** Runs the real kubectl from .tools/bin. */
export function kubectl(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(toolPath('kubectl'), args, opts);
}

/** Runs the real helm (v4) from .tools/bin. */
export function helm(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(toolPath('helm'), args, opts);
}

/** Applies a YAML/JSON manifest with kubectl (server-side apply). */
export async function applyManifest(kubeconfig: string, manifest: string): Promise<void> {
  await kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], { kubeconfig, input: manifest });
}

// ---------------------------------------------------------------------------------------------
// Reaching pods served by local processes (KWOK port-forward and logs)

export interface ForwardPodPortOptions {
  namespace?: string;
  /** Pod name; one of pod or selector. */
  pod?: string;
  /** Label selector: a PortForward is created for each pod matching it now. */
  selector?: string;
  /** Pod port(s) that `kubectl port-forward` will ask for. */
  port: number | number[];
  /** Local port the connection lands on. */
  targetPort: number;
  /** Local address (default 127.0.0.1). */
  address?: string;
}

/**
 * Makes `kubectl port-forward pod/<pod> <port>` (and client-node's PortForward) reach
 * <address>:<targetPort> on this machine, by creating a KWOK `PortForward` object with the
 * pod's name and namespace. The apiserver sends port-forward streams to the pod's node, i.e. to
 * KWOK's kubelet-like server, which dials the target. Returns the pod names configured.
 */
export async function forwardPodPort(kubeconfig: string, opts: ForwardPodPortOptions): Promise<string[]> {
  const namespace = opts.namespace ?? 'default';
  let pods: string[];
  if (opts.pod) pods = [opts.pod];
  else if (opts.selector) {
    const out = await kubectl(['get', 'pods', '-n', namespace, '-l', opts.selector, '-o', 'jsonpath={.items[*].metadata.name}'], {
      kubeconfig,
    });
    pods = out.stdout.split(/\s+/).filter(Boolean);
    if (pods.length === 0) throw new Error(`forwardPodPort: no pod in ${namespace} matches ${opts.selector}`);
  } else throw new Error('forwardPodPort: pod or selector is required');
  const ports = Array.isArray(opts.port) ? opts.port : [opts.port];
  const docs = pods.map((name) =>
    JSON.stringify({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'PortForward',
      metadata: { name, namespace },
      spec: { forwards: [{ ports, target: { address: opts.address ?? '127.0.0.1', port: opts.targetPort } }] },
    }),
  );
  await applyManifest(kubeconfig, docs.join('\n---\n'));
  return pods;
}

/**
 * Like forwardPodPort, for every pod of a namespace (now and later, e.g. after a rollout), or
 * only those named in `pods`: creates a cluster-scoped KWOK `ClusterPortForward` selecting the
 * namespace. A namespaced PortForward of a pod wins over it. Returns the object's name.
 */
export async function forwardNamespacePort(
  kubeconfig: string,
  opts: { namespace: string; pods?: string[]; port: number | number[]; targetPort: number; address?: string; name?: string },
): Promise<string> {
  const ports = Array.isArray(opts.port) ? opts.port : [opts.port];
  const name = opts.name ?? `infgw-${opts.namespace}-${ports.join('-')}`;
  const selector: Record<string, unknown> = { matchNamespaces: [opts.namespace] };
  if (opts.pods) selector.matchNames = opts.pods;
  await applyManifest(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterPortForward',
      metadata: { name },
      spec: { selector, forwards: [{ ports, target: { address: opts.address ?? '127.0.0.1', port: opts.targetPort } }] },
    }),
  );
  return name;
}

export interface PodLogsOptions {
  namespace?: string;
  pod: string;
  /** File whose content `kubectl logs` shows, in CRI log format (see toCriLog). */
  file?: string;
  /** Or: plain log lines, written for you in CRI format to a temp file. */
  lines?: string[];
  /** File shown by `kubectl logs --previous` (CRI format). */
  previousFile?: string;
  containers?: string[];
  /** Keep following the file (`kubectl logs -f`); default true. */
  follow?: boolean;
}

/**
 * Formats plain lines as a CRI container log (what the kubelet stores and KWOK serves):
 * `<RFC3339Nano time> stdout F <line>` per line.
 */
export function toCriLog(lines: string[], stream: 'stdout' | 'stderr' = 'stdout', start: Date = new Date()): string {
  return lines.map((l, i) => `${new Date(start.getTime() + i).toISOString().replace('Z', '000000Z')} ${stream} F ${l}\n`).join('');
}

/**
 * Makes `kubectl logs <pod>` show a local file, by creating a KWOK `Logs` object with the pod's
 * name and namespace. Append to the file (CRI format) to make `kubectl logs -f` show more.
 * Returns the file path.
 */
export async function setPodLogs(kubeconfig: string, opts: PodLogsOptions): Promise<string> {
  let file = opts.file;
  if (!file) {
    if (!opts.lines) throw new Error('setPodLogs: file or lines is required');
    const dir = mkdtempSync(join(tmpdir(), 'infgw-podlogs-'));
    file = join(dir, `${opts.pod}.log`);
    writeFileSync(file, toCriLog(opts.lines));
  }
  const log: Record<string, unknown> = { logsFile: resolve(file), follow: opts.follow ?? true };
  if (opts.previousFile) log.previousLogsFile = resolve(opts.previousFile);
  if (opts.containers) log.containers = opts.containers;
  await applyManifest(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Logs',
      metadata: { name: opts.pod, namespace: opts.namespace ?? 'default' },
      spec: { logs: [log] },
    }),
  );
  return file;
}

export interface PortForwardProcess {
  localPort: number;
  stop(): Promise<void>;
}

/** Runs `kubectl port-forward` to a pod (or svc/deploy) and resolves once it listens. */
export async function kubectlPortForward(
  kubeconfig: string,
  opts: { namespace?: string; target: string; remotePort: number; localPort?: number; timeoutMs?: number },
): Promise<PortForwardProcess> {
  const target = opts.target.includes('/') ? opts.target : `pod/${opts.target}`;
  const child = spawn(
    toolPath('kubectl'),
    ['port-forward', '-n', opts.namespace ?? 'default', '--address', '127.0.0.1', target, `${opts.localPort ?? ''}:${opts.remotePort}`],
    { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const localPort = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`kubectl port-forward did not start:\n${output}`)), opts.timeoutMs ?? 30_000);
    const onData = (d: Buffer): void => {
      output += d.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        res(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`kubectl port-forward exited with ${code}:\n${output}`));
    });
  });
  return {
    localPort,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Inference simulator

export interface StartSimOptions {
  model?: string;
  servedModelNames?: string[];
  loras?: string[];
  mode?: 'echo' | 'random';
  port?: number;
  enableKvcache?: boolean;
  kvCacheSize?: number;
  blockSize?: number;
  /** ms */
  timeToFirstToken?: number;
  /** ms */
  interTokenLatency?: number;
  maxNumSeqs?: number;
  maxLoras?: number;
  extraArgs?: string[];
  /** Binary: default .tools/bin/llm-d-inference-sim if present, else .tools/bin/inference-sim. */
  binary?: string;
  timeoutMs?: number;
}

export interface Sim {
  port: number;
  url: string;
  pid: number;
  /** Output so far (stdout + stderr). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts a vLLM-compatible simulator on a free loopback port and waits until it answers. */
export async function startSim(opts: StartSimOptions = {}): Promise<Sim> {
  const port = opts.port ?? (await freePort());
  const bin =
    opts.binary ?? (existsSync(join(toolsBin, 'llm-d-inference-sim')) ? join(toolsBin, 'llm-d-inference-sim') : toolPath('inference-sim'));
  const args = [`--port=${port}`, `--model=${opts.model ?? 'test-model'}`, '--force-dummy-tokenizer'];
  for (const n of opts.servedModelNames ?? []) args.push(`--served-model-name=${n}`);
  for (const l of opts.loras ?? []) args.push(`--lora-modules=${l}`);
  if (opts.mode) args.push(`--mode=${opts.mode}`);
  if (opts.enableKvcache) args.push('--enable-kvcache');
  if (opts.kvCacheSize !== undefined) args.push(`--kv-cache-size=${opts.kvCacheSize}`);
  if (opts.blockSize !== undefined) args.push(`--block-size=${opts.blockSize}`);
  if (opts.timeToFirstToken !== undefined) args.push(`--time-to-first-token=${opts.timeToFirstToken}`);
  if (opts.interTokenLatency !== undefined) args.push(`--inter-token-latency=${opts.interTokenLatency}`);
  if (opts.maxNumSeqs !== undefined) args.push(`--max-num-seqs=${opts.maxNumSeqs}`);
  if (opts.maxLoras !== undefined) args.push(`--max-loras=${opts.maxLoras}`);
  args.push(...(opts.extraArgs ?? []));
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${bin} exited with ${child.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${url}/v1/models`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${bin} did not answer on ${url}:\n${out}`);
    }
    await sleep(100);
  }
  return {
    port,
    url,
    pid: child.pid ?? -1,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  srv.close();
  await once(srv, 'close');
  return port;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls fn until it returns a truthy value (returned) or throws after timeoutMs. */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${opts.what ?? 'condition'}${last ? `: ${String(last)}` : ''}`);
    }
    await sleep(opts.intervalMs ?? 250);
  }
}
