// A healthy install whose Endpoint Picker is the real GIE v1.5.0 EPP (`.tools/bin/gie-epp`, built
// by scripts/build-cluster.sh from the module sigs.k8s.io/gateway-api-inference-extension@v1.5.0),
// run as a local process in the role of the kubelet: its command line, service account and
// scheduling config are read from the EPP Deployment the chart rendered, so a fault is a change of
// that input (helm values, RBAC, the InferencePool), and what doctor then sees — log lines, /metrics,
// the answer of the metrics endpoint's TokenReview/SubjectAccessReview auth — is what the EPP does.
//
// How the EPP reaches the model server "pods" (KWOK fakes them): the EPP scrapes
// http://<pod IP>:<pool targetPort>/metrics of every pod matching the pool's selector (GIE v1.5.0
// pkg/epp/datastore/datastore.go builds the endpoints from pod.status.podIP and the pool's target
// ports). KWOK takes pod IPs from the node's spec.podCIDR when set, else from its --cidr
// (sigs.k8s.io/kwok v0.8.0 pkg/kwok/controllers/pod_controller.go). So each real-EPP install gets
// its own KWOK node whose podCIDR is a /24 in 127.0.0.0/8 — every address there is local on Linux —
// and its model pods are bound to that node (spec.nodeName); a local relay then listens on each
// pod's exact IP:8000 and forwards to that pod's simulator. Trade-off: opt-in, only for these model
// pods (the node is tainted NoSchedule, so other tests' pods keep KWOK's 10.244.0.0/16 IPs and the
// cluster's start-up flags stay as they are); Linux-only (macOS routes only 127.0.0.1 by default);
// the /24 is picked at random in 127.64-127.254, so two test clusters on one machine collide with a
// tiny probability, which shows as a clear "address in use" error of the relay, never as a wrong
// verdict.
import {spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {appendFileSync, copyFileSync, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, connect, type Server} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {freePort, kubectl, startSim, toolsBin} from '../harness/cluster.ts';
import {installHealthy, modelPodsReady, type InstallOptions, type Installation} from './install.ts';
import {podsOf, replaceAllPods, ScenarioKube, until, waitingReason, type KubeObject, type Manifest, type PodJson} from './kube.ts';
import {criLog} from './logs.ts';
import {MODEL_PORT} from './objects.ts';

export const GIE_EPP_VERSION = 'v1.5.0';
/** The real EPP binary (scripts/build-cluster.sh, block "GIE v1.5.0"). */
export const gieEppBin: string = join(toolsBin, 'gie-epp');

export function realEppAvailable(): boolean {
  return existsSync(gieEppBin);
}

export interface RealEpp {
  /** Local ports of the process (the pod's 9002 / 9003 / 9090 are KWOK-port-forwarded to them). */
  ports: {grpc: number; health: number; metrics: number};
  /** The command line it runs with (the Deployment's args, ports and config path made local). */
  args: string[];
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
  /** Resolves with the exit code only when the process ends by itself (not through stop()). */
  crashed: Promise<number | null>;
  /** Plain text of everything it logged since this start. */
  output(): string;
  stop(): Promise<void>;
}

export interface RealEppInstallation extends Installation {
  /** The KWOK node the model pods run on, with its loopback pod CIDR. */
  loopbackNode: {name: string; podCidr: string};
  /** The model pods' IPs (in loopbackNode.podCidr), each served by a simulator behind a relay. */
  modelPodIps: string[];
  /** The running EPP process (replaced by restartEpp). */
  epp: RealEpp;
  /** Stops the EPP process (the old log becomes `kubectl logs --previous`), then starts it from the Deployment as it is now. */
  restartEpp(): Promise<RealEpp>;
  /** Waits until the EPP logged a line matching re (what the EPP does is observable only there). */
  waitEppLog(re: RegExp, what: string, timeoutMs?: number): Promise<string>;
  /** GET /metrics of the EPP process with the admin token (real TokenReview/SAR auth). */
  scrapeEpp(): Promise<{status: number; text: string}>;
}

const LOOPBACK_TAINT = 'infgw.test/loopback';

/** A /24 in 127.64.0.0–127.254.255.0, chosen at random. */
function randomLoopbackCidr(): string {
  const a = 64 + Math.floor(Math.random() * 191);
  const b = Math.floor(Math.random() * 256);
  return `127.${a}.${b}.0/24`;
}

/** Creates the install's KWOK node with a loopback pod CIDR (tainted: only pods bound to it run there). */
async function createLoopbackNode(kube: ScenarioKube, namespace: string): Promise<{name: string; podCidr: string}> {
  const name = `infgw-lo-${namespace}`.slice(0, 63).replace(/-+$/, '');
  const podCidr = randomLoopbackCidr();
  await kube.apply({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok'},
      annotations: {'kwok.x-k8s.io/node': 'fake'},
    },
    spec: {podCIDR: podCidr, podCIDRs: [podCidr], taints: [{key: LOOPBACK_TAINT, value: namespace, effect: 'NoSchedule'}]},
  });
  await until(`node ${name} Ready (KWOK)`, async () => {
    const n = await kube.getOptional<KubeObject & {status?: {conditions?: {type: string; status: string}[]}}>({apiVersion: 'v1', kind: 'Node', name});
    return n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  });
  return {name, podCidr};
}

/** Listens on host:port and pipes every connection to 127.0.0.1:target (the pod's IP:port -> its simulator). */
async function startRelay(host: string, port: number, target: number): Promise<Server> {
  const server = createServer((c) => {
    const up = connect(target, '127.0.0.1');
    c.pipe(up).pipe(c);
    const close = (): void => {
      c.destroy();
      up.destroy();
    };
    c.on('error', close);
    up.on('error', close);
  });
  server.listen(port, host);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([e]) => {
      throw new Error(`cannot listen on the pod address ${host}:${port} (${String(e)}): another test cluster on this machine may use the same loopback /24; run again`);
    }),
  ]);
  return server;
}

interface EppDeploymentJson extends KubeObject {
  spec: {
    template: {
      spec: {
        serviceAccountName?: string;
        containers: {name: string; args?: string[]; env?: {name: string; value?: string}[]; volumeMounts?: {name: string; mountPath: string}[]}[];
        volumes?: {name: string; configMap?: {name: string}}[];
      };
    };
  };
}

/** Sets `--flag value` / `--flag=value` in args (appends when absent). */
function setFlag(args: string[], flag: string, value: string): string[] {
  const out: string[] = [];
  let done = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === flag) {
      out.push(flag, value);
      i++;
      done = true;
    } else if (a.startsWith(`${flag}=`)) {
      out.push(`${flag}=${value}`);
      done = true;
    } else out.push(a);
  }
  if (!done) out.push(flag, value);
  return out;
}

function flagValue(args: string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) return args[i + 1];
    if (args[i]!.startsWith(`${flag}=`)) return args[i]!.slice(flag.length + 1);
  }
  return undefined;
}

/** A local process started from a Deployment's pod template (startFromDeployment). */
export interface DeploymentProcess {
  /** Local ports, by the flag that sets each. */
  ports: Record<string, number>;
  args: string[];
  exited: Promise<number | null>;
  crashed: Promise<number | null>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the real EPP for an install's EPP Deployment, as the kubelet would start its container:
 * the container's args, its service account's token (TokenRequest) as the only credentials, the
 * ConfigMap behind --config-file as a local file. Output goes to `logFile` in CRI format (what
 * `kubectl logs` shows through the install's KWOK ClusterLogs).
 */
export async function startRealEpp(inst: Installation, logFile: string): Promise<RealEpp> {
  const p = await startFromDeployment(inst, {
    deployment: inst.names.eppDeployment,
    container: 'epp',
    binary: gieEppBin,
    logFile,
    portFlags: ['--grpc-port', '--grpc-health-port', '--metrics-port'],
    // No OpenTelemetry collector here: the pod would export traces to one (GIE v1.5.0 pkg/common/
    // observability/tracing); off, so that its dial errors do not fill the log.
    extraFlags: {'--tracing': 'false'},
  });
  return {...p, ports: {grpc: p.ports['--grpc-port']!, health: p.ports['--grpc-health-port']!, metrics: p.ports['--metrics-port']!}};
}

/** The part of the kubelet these tests play: run a Deployment's container as a local process. */
export async function startFromDeployment(
  inst: Installation,
  o: {deployment: string; container: string; binary: string; logFile: string; portFlags: string[]; extraFlags?: Record<string, string>},
): Promise<DeploymentProcess> {
  const {kube, names} = inst;
  const dep = await kube.get<EppDeploymentJson>({apiVersion: 'apps/v1', kind: 'Deployment', namespace: names.namespace, name: o.deployment});
  const pod = dep.spec.template.spec;
  const container = pod.containers.find((c) => c.name === o.container) ?? pod.containers[0]!;
  const dir = mkdtempSync(join(tmpdir(), `infgw-real-${o.container}-`));
  const ports: Record<string, number> = {};
  let args = [...(container.args ?? [])];
  for (const flag of o.portFlags) {
    ports[flag] = await freePort();
    args = setFlag(args, flag, String(ports[flag]));
  }
  for (const [flag, value] of Object.entries(o.extraFlags ?? {})) args = setFlag(args, flag, value);
  const configPath = flagValue(args, '--config-file');
  if (configPath) {
    const mount = (container.volumeMounts ?? []).find((m) => configPath.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
    const cmName = mount && (pod.volumes ?? []).find((v) => v.name === mount.name)?.configMap?.name;
    const cm = cmName ? await kube.getOptional<KubeObject & {data?: Record<string, string>}>({apiVersion: 'v1', kind: 'ConfigMap', namespace: names.namespace, name: cmName}) : undefined;
    const key = configPath.slice(configPath.lastIndexOf('/') + 1);
    const local = join(dir, key);
    // A missing ConfigMap/key leaves the path pointing at nothing, as an empty mount would.
    if (cm?.data?.[key] !== undefined) writeFileSync(local, cm.data[key]);
    args = setFlag(args, '--config-file', local);
  }

  // Credentials: a token of the pod's service account, nothing else (RBAC faults are real).
  const sa = pod.serviceAccountName ?? 'default';
  const minted = await kube.client.create<{status: {token: string}}>(`/api/v1/namespaces/${names.namespace}/serviceaccounts/${sa}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: {expirationSeconds: 86_400},
  });
  const view = JSON.parse((await kubectl(['config', 'view', '--raw', '--minify', '--flatten', '-o', 'json'], {kubeconfig: inst.kubeconfig})).stdout) as {
    clusters: {name: string; cluster: Record<string, unknown>}[];
  };
  const cluster = view.clusters[0]!;
  const kubeconfig = join(dir, 'kubeconfig.json');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [cluster],
      users: [{name: sa, user: {token: minted.status.token}}],
      contexts: [{name: 'epp', context: {cluster: cluster.name, user: sa, namespace: names.namespace}}],
      'current-context': 'epp',
    }),
  );

  const env: NodeJS.ProcessEnv = {PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: kubeconfig, NAMESPACE: names.namespace, POD_NAMESPACE: names.namespace};
  for (const e of container.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  const child: ChildProcess = spawn(o.binary, args, {env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe']});
  let text = '';
  const sink = (stream: 'stdout' | 'stderr') => {
    let partial = '';
    return (d: Buffer): void => {
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      if (!lines.length) return;
      text += lines.map((l) => `${l}\n`).join('');
      appendFileSync(logFile, criLog(lines).replace(/ stdout F /g, ` ${stream} F `));
    };
  };
  const logFile = o.logFile;
  writeFileSync(logFile, '');
  child.stdout?.on('data', sink('stdout'));
  child.stderr?.on('data', sink('stderr'));
  // 'close', not 'exit': the process's output is complete then
  const exited = new Promise<number | null>((res) => child.once('close', (code) => res(code)));
  let stopping = false;
  const crashed = new Promise<number | null>((res) => {
    void exited.then((code) => {
      if (!stopping) res(code);
    });
  });
  return {
    ports,
    args,
    exited,
    crashed,
    output: () => text,
    stop: async () => {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, {recursive: true, force: true});
    },
  };
}

/** KWOK port-forwards of the EPP pods' ports to the process (doctor's /metrics scrape lands here). */
function eppPortForward(inst: Installation, pods: string[], ports: RealEpp['ports']): Manifest {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'ClusterPortForward',
    metadata: {name: `infgw-real-epp-${inst.names.namespace}`},
    spec: {
      selector: {matchNamespaces: [inst.names.namespace], matchNames: pods},
      forwards: [
        {ports: [9002], target: {address: '127.0.0.1', port: ports.grpc}},
        {ports: [9003], target: {address: '127.0.0.1', port: ports.health}},
        {ports: [9090], target: {address: '127.0.0.1', port: ports.metrics}},
      ],
    },
  };
}

export interface RealEppInstallOptions extends Omit<InstallOptions, 'eppRuntime' | 'modelNodeName' | 'withSims' | 'withEppMetrics'> {
  /** Wait for the healthy EPP's state (pods added, metrics served) before returning; default true. */
  waitHealthy?: boolean;
}

/**
 * installHealthy() with the real EPP: model pods on a loopback node served by simulators, the EPP
 * image tag the binary's version and its scheduling config off (the chart's config is the v1.4
 * shape, which v1.5.0 refuses — one of the faults), then the EPP process started from the Deployment.
 */
export async function installHealthyRealEpp(target: ScenarioKube | string, opts: RealEppInstallOptions): Promise<RealEppInstallation> {
  if (!realEppAvailable()) throw new Error(`${gieEppBin} is missing: run scripts/build-cluster.sh (it builds GIE ${GIE_EPP_VERSION} cmd/epp)`);
  const kube = typeof target === 'string' ? new ScenarioKube(target) : target;
  const node = await createLoopbackNode(kube, opts.namespace);
  let inst: Installation;
  try {
    inst = await installHealthy(kube, {
      schedulingConfig: false,
      ...opts,
      helmSet: [`epp.image.tag=${GIE_EPP_VERSION}`, ...(opts.helmSet ?? [])],
      eppRuntime: 'real',
      modelNodeName: node.name,
    });
  } catch (error) {
    await kube.delete({apiVersion: 'v1', kind: 'Node', name: node.name});
    throw error;
  }
  inst.onCleanup(() => kube.delete({apiVersion: 'v1', kind: 'Node', name: node.name}));
  const {names} = inst;
  const real = inst as unknown as RealEppInstallation;
  real.loopbackNode = node;
  try {
    // Model servers: a simulator per pod, reached at the pod's own IP:8000 (the EPP's scrapes) and
    // through KWOK port-forward of pod port 8000 (doctor, kubectl port-forward).
    const modelPods = await modelPodsReady(inst);
    real.modelPodIps = modelPods.map((p) => p.status?.podIP ?? '');
    const relays: Server[] = [];
    inst.onCleanup(async () => {
      await Promise.all(relays.map(async (r) => new Promise<void>((res) => r.close(() => res()))));
    });
    await Promise.all(
      modelPods.map(async (p) => {
        const ip = p.status?.podIP;
        if (!ip?.startsWith('127.')) throw new Error(`model pod ${p.metadata.name} has IP ${ip ?? '(none)'}, not one of node ${node.name}'s ${node.podCidr}`);
        const sim = await startSim({model: names.servedModel, mode: 'echo', enableKvcache: true});
        inst.sims.push(sim);
        relays.push(await startRelay(ip, MODEL_PORT, sim.port));
        await kube.apply({
          apiVersion: 'kwok.x-k8s.io/v1alpha1',
          kind: 'PortForward',
          metadata: {name: p.metadata.name, namespace: names.namespace},
          spec: {forwards: [{ports: [MODEL_PORT], target: {address: '127.0.0.1', port: sim.port}}]},
        } satisfies Manifest);
      }),
    );

    const eppPods = async (): Promise<string[]> =>
      (await podsOf(kube, names.namespace, {'app.kubernetes.io/component': 'epp'})).filter((p: PodJson) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name);
    // Which start is the current one, fixed BEFORE the process runs: a process that exits at once (a
    // config it refuses) can end before start() returns, so `real.epp` cannot tell yet.
    let generation = 0;
    const start = async (): Promise<RealEpp> => {
      const mine = ++generation;
      const epp = await startRealEpp(inst, inst.logFiles.epp);
      const pods = await eppPods();
      await kube.apply(eppPortForward(inst, pods, epp.ports));
      // The kubelet's part when the container exits by itself: its log stays readable as the
      // previous container's, and the pod reports the crash. KWOK shows the crash through the test
      // cluster's crash-loop stage (test/cluster/stages/infgw-stages.yaml), selected by pod labels.
      void epp.crashed.then(async () => {
        if (mine !== generation) return;
        if (existsSync(inst.logFiles.epp)) copyFileSync(inst.logFiles.epp, inst.logFiles.eppPrevious);
        await Promise.all(
          pods.map((name) =>
            kube.patch({apiVersion: 'v1', kind: 'Pod', namespace: names.namespace, name}, {metadata: {labels: {'infgw.test/crashloop': 'true', 'infgw.test/never-ready': 'true'}}}),
          ),
        ).catch(() => {});
      });
      return epp;
    };
    inst.onCleanup(() => kube.delete({apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'ClusterPortForward', name: `infgw-real-epp-${names.namespace}`}));
    real.epp = await start();
    inst.onCleanup(() => real.epp.stop());
    real.restartEpp = async () => {
      await real.epp.stop();
      if (existsSync(inst.logFiles.epp)) renameSync(inst.logFiles.epp, inst.logFiles.eppPrevious);
      real.epp = await start();
      return real.epp;
    };
    real.waitEppLog = (re, what, timeoutMs = 60_000) =>
      until(
        `EPP log: ${what}`,
        () => {
          const line = real.epp.output().split('\n').find((l) => re.test(l));
          if (line) return line;
          return undefined;
        },
        timeoutMs,
        200,
      );
    const adminToken = await readAdminToken(inst.kubeconfig);
    real.scrapeEpp = async () => {
      const r = await fetch(`http://127.0.0.1:${real.epp.ports.metrics}/metrics`, {headers: {authorization: `Bearer ${adminToken}`}, signal: AbortSignal.timeout(5000)});
      return {status: r.status, text: await r.text()};
    };
    if (opts.waitHealthy ?? true) await waitEppHealthy(real, modelPods.length);
    return real;
  } catch (error) {
    await inst.cleanup().catch(() => {});
    throw error;
  }
}

/**
 * The EPP's healthy state, observed: a "starting collection" line (its metrics scraper) for every
 * model pod (GIE v1.5.0 pkg/epp/datalayer/collector.go) and /metrics answering with
 * `inference_pool_ready_pods` equal to the pod count (pkg/epp/metrics/metrics.go, set by the periodic
 * refresh in pkg/epp/datalayer/logger/logger.go every --refresh-prometheus-metrics-interval).
 */
export async function waitEppHealthy(real: RealEppInstallation, pods: number): Promise<void> {
  let last = '';
  await until(
    `the real EPP added ${pods} model pods and serves inference_pool_ready_pods ${pods}`,
    async () => {
      if (real.epp.output().split('\n').filter((l) => l.includes('"starting collection"')).length < pods) return false;
      const m = await real.scrapeEpp();
      last = `HTTP ${m.status}: ${m.text.split('\n').filter((l) => l.startsWith('inference_pool')).join('; ')}`;
      return m.status === 200 && new RegExp(`^inference_pool_ready_pods\\{[^}]*name="${real.names.pool}"[^}]*\\} ${pods}$`, 'm').test(m.text);
    },
    90_000,
    250,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\nlast /metrics: ${last}\nEPP output (tail):\n${real.epp.output().split('\n').slice(-30).join('\n')}`);
  });
}

async function readAdminToken(kubeconfig: string): Promise<string> {
  const view = JSON.parse((await kubectl(['config', 'view', '--raw', '--minify', '-o', 'json'], {kubeconfig})).stdout) as {users: {user: {token?: string}}[]};
  const token = view.users[0]?.user.token;
  if (!token) throw new Error('scenarios: the admin kubeconfig has no token');
  return token;
}

// ---------------------------------------------------------------------------------------------
// Faults of the real EPP: each changes an input (helm values, RBAC, the InferencePool), restarts
// the EPP process when a pod would restart, and waits for the EPP's own observable reaction.

const roleRef = (inst: Installation) => ({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', namespace: inst.names.namespace, name: inst.names.eppRole});

/** Drops the Role rule for `resource` (pods, inferencepools, inferenceobjectives) and restarts the EPP. */
async function dropRoleRule(inst: RealEppInstallation, resource: string): Promise<void> {
  const role = await inst.kube.get<KubeObject & {rules: {resources: string[]}[]}>(roleRef(inst));
  await inst.kube.patch(roleRef(inst), {rules: role.rules.filter((r) => !r.resources.includes(resource))});
  // A pod's start after the RBAC change: the EPP's informers list with the reduced rights.
  await inst.restartEpp();
  // client-go's error names the object when it has one: `inferencepools.<group> \\"<pool>\\" is forbidden`.
  await inst.waitEppLog(new RegExp(`${resource}[\\w.-]*(?: \\\\"[^"\\\\]*\\\\")? is forbidden`), `"${resource} ... is forbidden"`);
}

/** helm upgrade of the release and a fresh EPP pod (old ReplicaSet removed), then the process restarted from it. */
async function upgradeAndRestart(inst: RealEppInstallation, set: string[]): Promise<void> {
  await replaceAllPods(inst.kube, inst.names.namespace, inst.names.eppDeployment, () => inst.helmUpgrade(set));
  await inst.restartEpp();
}

export const realEppFaults = {
  /** --pool-name names a pool that does not exist: the EPP starts, serves, and has no endpoints. */
  'real-epp-wrong-pool-name': {
    changes: 'helm value epp.poolName = <pool>-typo (the Deployment\'s --pool-name), EPP restarted',
    async inject(inst: RealEppInstallation): Promise<void> {
      await upgradeAndRestart(inst, [`epp.poolName=${inst.names.pool}-typo`]);
      await until('the real EPP /metrics answers', async () => (await inst.scrapeEpp()).status === 200, 60_000, 200);
    },
  },
  /** The EPP's Role lacks pods: its pod informer is forbidden. */
  'real-epp-rbac-no-pods': {
    changes: 'Role <epp> loses the pods rule, EPP restarted',
    inject: (inst: RealEppInstallation) => dropRoleRule(inst, 'pods'),
  },
  /** The EPP's Role lacks inferencepools: it cannot watch its own pool. */
  'real-epp-rbac-no-pools': {
    changes: 'Role <epp> loses the inferencepools rule, EPP restarted',
    inject: (inst: RealEppInstallation) => dropRoleRule(inst, 'inferencepools'),
  },
  /** The EPP's Role lacks inferenceobjectives: its objective reconciler is forbidden. */
  'real-epp-rbac-no-objectives': {
    changes: 'Role <epp> loses the inferenceobjectives rule, EPP restarted',
    inject: (inst: RealEppInstallation) => dropRoleRule(inst, 'inferenceobjectives'),
  },
  /** The InferencePool's targetPort is not the model server's port: the EPP has no endpoint to scrape. */
  'real-epp-pool-wrong-target-port': {
    changes: 'InferencePool spec.targetPorts = [8001] (the model servers listen on 8000)',
    async inject(inst: RealEppInstallation): Promise<void> {
      const ref = {apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', namespace: inst.names.namespace, name: inst.names.pool};
      await inst.kube.patch(ref, {spec: {targetPorts: [{number: MODEL_PORT + 1}]}});
      // GIE v1.5.0 pkg/epp/datalayer/collector.go logs the first failure of each endpoint's scrape.
      await inst.waitEppLog(new RegExp(`"msg":"poll failed".*:${MODEL_PORT + 1}/metrics`), `"poll failed" for :${MODEL_PORT + 1}/metrics`);
      // ...and its pool gauge follows at its next Prometheus refresh (--refresh-prometheus-metrics-interval):
      // the pods have no container port the pool targets, so none is a ready endpoint.
      await until(
        'the real EPP reports inference_pool_ready_pods 0',
        async () => new RegExp(`^inference_pool_ready_pods\\{[^}]*name="${inst.names.pool}"[^}]*\\} 0$`, 'm').test((await inst.scrapeEpp()).text),
        60_000,
        250,
      );
    },
  },
  /** The chart's EndpointPickerConfig (v1.4 shape: inline saturationDetector) fed to v1.5.0: the EPP exits. */
  'real-epp-v14-scheduling-config': {
    changes: 'helm value epp.schedulingConfig.enabled=true (the chart\'s v1.4-shaped config), EPP restarted: it exits, the pod crash-loops',
    async inject(inst: RealEppInstallation): Promise<void> {
      await upgradeAndRestart(inst, ['epp.schedulingConfig.enabled=true']);
      await inst.epp.crashed;
      await until('the EPP pod in CrashLoopBackOff', async () => {
        const pods = await podsOf(inst.kube, inst.names.namespace, {'app.kubernetes.io/component': 'epp'});
        return pods.length > 0 && pods.every((p) => waitingReason(p) === 'CrashLoopBackOff');
      });
    },
  },
  /** The EPP's service account may not create TokenReviews: its /metrics auth fails. */
  'real-epp-no-tokenreviews': {
    changes: 'ClusterRole <epp>-<namespace>-auth loses the tokenreviews rule, EPP restarted (its authenticator caches reviews for a minute)',
    async inject(inst: RealEppInstallation): Promise<void> {
      const ref = {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: inst.names.eppClusterRole};
      const role = await inst.kube.get<KubeObject & {rules: {resources?: string[]}[]}>(ref);
      await inst.kube.patch(ref, {rules: role.rules.filter((r) => !(r.resources ?? []).includes('tokenreviews'))});
      await inst.restartEpp();
      await until('the real EPP /metrics refuses the scrape', async () => (await inst.scrapeEpp()).status >= 400, 60_000, 200);
    },
  },
} as const satisfies Record<string, {changes: string; inject(inst: RealEppInstallation): Promise<void>}>;

export type RealEppFault = keyof typeof realEppFaults;
