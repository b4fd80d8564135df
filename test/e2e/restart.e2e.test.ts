// `kubectl infgw restart` against the real test control plane, with the real kubectl as the
// oracle: the same object change as `kubectl rollout restart`, "done" at the same moment as
// `kubectl rollout status`, kubectl's refusal of a paused Deployment, and the failures kubectl
// only finds at --timeout (ProgressDeadlineExceeded is kubectl's own rule; crash loops are ours).
// Each test works in its own namespace. The CLI is the built bundle (bin/kubectl-infgw + dist/).
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {applyManifest, helm, kubectl, repoRoot, run, sleep, waitFor, type RunResult} from '../harness/cluster.ts';
import {buildCli} from '../harness/cli.ts';
import {connect, type KubeClient, type KubeObject} from '../../src/kube/client.ts';
import {restartWorkload, waitForRollout, type RolloutResult} from '../../src/rollout/index.ts';

const kubeconfig = inject('kubeconfig');
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
/** Go's time.RFC3339 as kubectl formats time.Now(): whole seconds, Z or ±hh:mm. */
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/;

let kube: KubeClient;
/** The CLI as it ships: bin/ + dist/ + package.json + manifest, copied out of the shared tree. */
let BIN = join(repoRoot, 'bin', 'kubectl-infgw');
const namespaces: string[] = [];

beforeAll(async () => {
  // The CLI built into a private directory (test/harness/cli.ts), so nobody's rebuild can change
  // the binary under these tests; INFGW_E2E_NO_BUILD=1 copies the current shared build instead.
  ({bin: BIN} = await buildCli({name: 'infgw-restart-cli', manifest: 'committed', reuse: 'env', timeoutMs: 300_000}));
  kube = await connect({kubeconfig});
}, 320_000);

afterAll(async () => {
  await Promise.all(namespaces.map((ns) => kubectl(['delete', 'namespace', ns, '--wait=false'], {kubeconfig, allowFail: true})));
});

async function namespace(prefix: string): Promise<string> {
  const ns = `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  await kubectl(['create', 'namespace', ns], {kubeconfig});
  namespaces.push(ns);
  return ns;
}

/** The built CLI (the private copy). */
function infgw(args: string[], timeoutMs = 120_000): Promise<RunResult & {ms: number}> {
  const t0 = performance.now();
  return run(BIN, args, {kubeconfig, allowFail: true, timeoutMs}).then((r) => ({...r, ms: performance.now() - t0}));
}

interface DeploymentOpts {
  replicas?: number;
  podLabels?: Record<string, string>;
  minReadySeconds?: number;
  progressDeadlineSeconds?: number;
  nodeSelector?: Record<string, string>;
  paused?: boolean;
  maxSurge?: number | string;
  maxUnavailable?: number | string;
}

function deployment(ns: string, name: string, o: DeploymentOpts = {}): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name, namespace: ns},
    spec: {
      replicas: o.replicas ?? 2,
      ...(o.paused ? {paused: true} : {}),
      ...(o.minReadySeconds ? {minReadySeconds: o.minReadySeconds} : {}),
      ...(o.progressDeadlineSeconds ? {progressDeadlineSeconds: o.progressDeadlineSeconds} : {}),
      strategy: {type: 'RollingUpdate', rollingUpdate: {maxSurge: o.maxSurge ?? '25%', maxUnavailable: o.maxUnavailable ?? '25%'}},
      selector: {matchLabels: {app: name}},
      template: {
        metadata: {labels: {app: name, ...o.podLabels}},
        spec: {
          containers: [{name: 'main', image: 'example.invalid/app:1'}],
          ...(o.nodeSelector ? {nodeSelector: o.nodeSelector} : {}),
        },
      },
    },
  });
}

async function getJson<T = KubeObject & {spec: Record<string, unknown>; status?: Record<string, unknown>}>(ns: string, what: string): Promise<T> {
  return JSON.parse((await kubectl(['get', '-n', ns, ...what.split(' '), '-o', 'json'], {kubeconfig})).stdout) as T;
}

interface Dep extends KubeObject {
  spec: {template: {metadata: {annotations?: Record<string, string>; labels?: Record<string, string>}}; [k: string]: unknown};
  status?: {observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number};
}

async function replicaSets(ns: string, app: string): Promise<(KubeObject & {spec: {replicas: number}})[]> {
  const out = await kubectl(['get', '-n', ns, 'replicasets', '-l', `app=${app}`, '-o', 'json'], {kubeconfig});
  const list = JSON.parse(out.stdout) as {items: (KubeObject & {spec: {replicas: number}})[]};
  const rev = (o: KubeObject) => Number(o.metadata.annotations?.['deployment.kubernetes.io/revision']);
  return list.items.sort((a, b) => rev(a) - rev(b));
}

async function rolledOut(ns: string, name: string): Promise<void> {
  await kubectl(['rollout', 'status', '-n', ns, `deployment/${name}`, '--timeout=120s'], {kubeconfig, timeoutMs: 130_000});
}

/** The fields a manager owns by Update (managedFields). */
function fieldsOwnedBy(obj: KubeObject, manager: string): unknown {
  return obj.metadata.managedFields?.find((m) => m.manager === manager && m.operation === 'Update')?.fieldsV1;
}

/** The object with what a restart may change taken out: the restartedAt annotation, generation, status, bookkeeping. */
function specWithoutRestart(d: Dep): unknown {
  const c = structuredClone(d);
  delete c.spec.template.metadata.annotations?.[RESTARTED_AT];
  if (c.spec.template.metadata.annotations && Object.keys(c.spec.template.metadata.annotations).length === 0) delete c.spec.template.metadata.annotations;
  return {labels: c.metadata.labels ?? {}, annotations: c.metadata.annotations ?? {}, spec: c.spec};
}

describe('restart: the same change as kubectl rollout restart, done when kubectl rollout status is done', () => {
  it('patches the pod template like kubectl and rolls a new ReplicaSet the same way', async () => {
    const ns = await namespace('rs-oracle');
    const opts = {replicas: 3, minReadySeconds: 2, maxSurge: 1, maxUnavailable: 0};
    await applyManifest(kubeconfig, [deployment(ns, 'by-kubectl', opts), deployment(ns, 'by-infgw', opts)].join('\n---\n'));
    await Promise.all([rolledOut(ns, 'by-kubectl'), rolledOut(ns, 'by-infgw')]);
    const before = {k: await getJson<Dep>(ns, 'deployment/by-kubectl'), i: await getJson<Dep>(ns, 'deployment/by-infgw')};

    // kubectl restarts one, we restart the other (not waiting: both waiters are compared below).
    const t0 = Date.now();
    await kubectl(['rollout', 'restart', '-n', ns, 'deployment/by-kubectl'], {kubeconfig});
    const ours = await infgw(['restart', `deployment/by-infgw`, '-n', ns, '--no-wait']);
    expect(ours.stderr).toBe('');
    expect(ours.code).toBe(0);
    expect(ours.stdout).toBe('deployment.apps/by-infgw restarted\n');

    // Both waiters on both Deployments at once: kubectl rollout status and waitForRollout.
    const race = async (name: string): Promise<{kubectlMs: number; oursMs: number; kubectlOut: string; result: RolloutResult; progress: {at: number; line: string}[]}> => {
      const start = performance.now();
      const progress: {at: number; line: string}[] = [];
      const [k, result] = await Promise.all([
        kubectl(['rollout', 'status', '-n', ns, `deployment/${name}`, '--timeout=120s'], {kubeconfig, timeoutMs: 130_000}).then((r) => ({...r, ms: performance.now() - start})),
        waitForRollout(kube, {kind: 'Deployment', namespace: ns, name}, {timeoutMs: 120_000, onProgress: (line) => progress.push({at: performance.now() - start, line})}).then((r) => ({...r, atMs: performance.now() - start})),
      ]);
      return {kubectlMs: k.ms, oursMs: result.atMs, kubectlOut: k.stdout, result, progress};
    };
    const [rk, ri] = await Promise.all([race('by-kubectl'), race('by-infgw')]);
    for (const [name, r] of [['by-kubectl', rk], ['by-infgw', ri]] as const) {
      console.log(`[restart e2e] ${name}: kubectl rollout status returned at ${Math.round(r.kubectlMs)} ms, waitForRollout at ${Math.round(r.oursMs)} ms`);
      expect(r.result.done, name).toBe(true);
      expect(r.result.reason).toBe('Complete');
      const kubectlLines = r.kubectlOut.trim().split('\n');
      // the same final line, verbatim
      expect(kubectlLines.at(-1)).toBe(`deployment "${name}" successfully rolled out`);
      expect(r.result.message).toBe(kubectlLines.at(-1));
      // Both watch the same object: once kubectl has listed (its process starts a moment after our
      // waiter), every state we report kubectl reports too, and the other way round (kubectl
      // repeats a line per event; we print a line when it changes).
      for (const {at, line} of r.progress) if (at > 1500) expect(kubectlLines, line).toContain(line);
      const ourLines = r.progress.map((p) => p.line);
      for (const line of kubectlLines.slice(1, -1)) expect(ourLines, line).toContain(line);
      // a real rollout: it took a while (3 pods, one at a time, 2 s minReadySeconds each)
      expect(r.kubectlMs).toBeGreaterThan(3000);
      // both saw "done" on the same watch event: within a second of each other (kubectl is a process start away)
      expect(Math.abs(r.kubectlMs - r.oursMs), `${name}: kubectl ${Math.round(r.kubectlMs)} ms, ours ${Math.round(r.oursMs)} ms`).toBeLessThan(1000);
      expect(r.result.revision).toBe('2');
      expect(r.result.replicaSet).toMatch(new RegExp(`^${name}-[a-z0-9]+$`));
    }

    const after = {k: await getJson<Dep>(ns, 'deployment/by-kubectl --show-managed-fields'), i: await getJson<Dep>(ns, 'deployment/by-infgw --show-managed-fields')};
    for (const key of ['k', 'i'] as const) {
      const b = before[key];
      const a = after[key];
      // exactly one annotation added to the template, in Go RFC 3339 local time
      expect(Object.keys(a.spec.template.metadata.annotations ?? {})).toEqual([RESTARTED_AT]);
      expect(a.spec.template.metadata.annotations?.[RESTARTED_AT]).toMatch(RFC3339);
      // and nothing else in the object changed but the revision annotation
      const strip = (d: Dep) => {
        const s = specWithoutRestart(d) as {annotations: Record<string, string>};
        delete s.annotations['deployment.kubernetes.io/revision'];
        return s;
      };
      expect(strip(a)).toEqual(strip(b));
      expect(a.metadata.generation).toBe((b.metadata.generation ?? 0) + 1);
      expect(a.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    }
    // the two stamps have the same shape (same zone suffix) and are the same moment give or take the test's pace
    const stampK = after.k.spec.template.metadata.annotations![RESTARTED_AT]!;
    const stampI = after.i.spec.template.metadata.annotations![RESTARTED_AT]!;
    expect(stampI.slice(19)).toBe(stampK.slice(19));
    expect(Math.abs(Date.parse(stampI) - Date.parse(stampK))).toBeLessThan(Date.now() - t0 + 1000);
    // the field is owned the same way: kubectl as "kubectl-rollout", we as "kubectl-infgw", both by Update
    expect(fieldsOwnedBy(after.k, 'kubectl-rollout')).toEqual({'f:spec': {'f:template': {'f:metadata': {'f:annotations': {'.': {}, [`f:${RESTARTED_AT}`]: {}}}}}});
    expect(fieldsOwnedBy(after.i, 'kubectl-infgw')).toEqual(fieldsOwnedBy(after.k, 'kubectl-rollout'));
    // the same ReplicaSet history: the old one scaled to 0, the new one to 3
    for (const app of ['by-kubectl', 'by-infgw']) {
      const rs = await replicaSets(ns, app);
      expect(rs.map((r) => [r.metadata.annotations?.['deployment.kubernetes.io/revision'], r.spec.replicas]), app).toEqual([
        ['1', 0],
        ['2', 3],
      ]);
    }
  });

  it('restarts the EPP of a Helm release (restart epp -r) and waits until kubectl agrees it is rolled out', async () => {
    const ns = await namespace('rs-epp');
    await helm(['install', 'gw', join(repoRoot, 'test/fixtures/charts/inference-gateway'), '-n', ns, '--set', 'epp.poolName=pool', '--set', 'epp.replicas=2'], {kubeconfig, timeoutMs: 120_000});
    await rolledOut(ns, 'gw-inference-gateway-epp');
    const r = await infgw(['restart', 'epp', '-r', 'gw', '-n', ns, '--timeout', '2m', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      schemaVersion: number;
      target: {kind: string; namespace: string; name: string};
      restart: {restartedAt: string; annotationKept: boolean; generation: number; previousRevision: string};
      rollout: {done: boolean; reason: string; revision: string; replicaSet: string; message: string};
      exitCode: number;
    };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.target).toMatchObject({kind: 'Deployment', namespace: ns, name: 'gw-inference-gateway-epp'});
    expect(doc.restart.restartedAt).toMatch(RFC3339);
    expect(doc.restart.annotationKept).toBe(true);
    expect(doc.restart.previousRevision).toBe('1');
    expect(doc.rollout).toMatchObject({done: true, reason: 'Complete', revision: '2', message: 'deployment "gw-inference-gateway-epp" successfully rolled out'});
    expect(doc.exitCode).toBe(0);
    // progress went to stderr in kubectl's words
    expect(r.stderr).toMatch(/Waiting for deployment "gw-inference-gateway-epp" rollout to finish: /);
    // kubectl agrees at once (--watch=false prints the current status only)
    const st = await kubectl(['rollout', 'status', '-n', ns, 'deployment/gw-inference-gateway-epp', '--watch=false'], {kubeconfig});
    expect(st.stdout.trim()).toBe('deployment "gw-inference-gateway-epp" successfully rolled out');
    const rs = await kubectl(['get', 'rs', '-n', ns, doc.rollout.replicaSet, '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision} {.status.readyReplicas}'], {kubeconfig});
    expect(rs.stdout).toBe('2 2');
    const d = await getJson<Dep>(ns, 'deployment/gw-inference-gateway-epp');
    expect(d.spec.template.metadata.annotations?.[RESTARTED_AT]).toBe(doc.restart.restartedAt);
  });

  it('restarts a DaemonSet and a StatefulSet; kubectl rollout status agrees they are done', async () => {
    const ns = await namespace('rs-ds-sts');
    const podSpec = {containers: [{name: 'main', image: 'example.invalid/app:1'}], tolerations: [{operator: 'Exists'}]};
    await applyManifest(
      kubeconfig,
      [
        JSON.stringify({
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          metadata: {name: 'agent', namespace: ns},
          spec: {selector: {matchLabels: {app: 'agent'}}, template: {metadata: {labels: {app: 'agent'}}, spec: podSpec}},
        }),
        JSON.stringify({
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: {name: 'cache', namespace: ns},
          spec: {replicas: 2, serviceName: 'cache', selector: {matchLabels: {app: 'cache'}}, template: {metadata: {labels: {app: 'cache'}}, spec: podSpec}},
        }),
      ].join('\n---\n'),
    );
    await kubectl(['rollout', 'status', '-n', ns, 'ds/agent', '--timeout=120s'], {kubeconfig, timeoutMs: 130_000});
    await kubectl(['rollout', 'status', '-n', ns, 'sts/cache', '--timeout=120s'], {kubeconfig, timeoutMs: 130_000});
    const [ds, sts] = await Promise.all([infgw(['restart', 'ds/agent', '-n', ns, '--timeout', '2m']), infgw(['restart', 'statefulset', 'cache', '-n', ns, '--timeout', '2m'])]);
    expect(ds.code, ds.stderr).toBe(0);
    expect(ds.stdout).toContain('daemonset.apps/agent restarted\ndaemon set "agent" successfully rolled out\n');
    expect(sts.code, sts.stderr).toBe(0);
    expect(sts.stdout).toContain('statefulset.apps/cache restarted\npartitioned roll out complete: 2 new pods have been updated...\n');
    const kds = await kubectl(['rollout', 'status', '-n', ns, 'ds/agent', '--watch=false'], {kubeconfig});
    expect(kds.stdout.trim()).toBe('daemon set "agent" successfully rolled out');
    const ksts = await kubectl(['rollout', 'status', '-n', ns, 'sts/cache', '--watch=false'], {kubeconfig});
    expect(ksts.stdout.trim()).toBe('partitioned roll out complete: 2 new pods have been updated...');
    // every pod now runs the new template
    for (const [app, kind] of [['agent', 'daemonset'], ['cache', 'statefulset']] as const) {
      const stamp = (await kubectl(['get', kind, app, '-n', ns, '-o', `jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}`], {kubeconfig})).stdout;
      expect(stamp).toMatch(RFC3339);
      const pods = JSON.parse((await kubectl(['get', 'pods', '-n', ns, '-l', `app=${app}`, '-o', 'json'], {kubeconfig})).stdout) as {items: KubeObject[]};
      expect(pods.items.length).toBeGreaterThan(0);
      for (const p of pods.items) expect(p.metadata.annotations?.[RESTARTED_AT], p.metadata.name).toBe(stamp);
    }
  });
});

describe('restart: other targets', () => {
  it('envoy-gateway with -n/--name restarts that controller Deployment', async () => {
    const ns = await namespace('rs-eg');
    await applyManifest(kubeconfig, deployment(ns, 'eg-controller', {replicas: 1}));
    await rolledOut(ns, 'eg-controller');
    const r = await infgw(['restart', 'envoy-gateway', '-n', ns, '--name', 'eg-controller']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^deployment\.apps\/eg-controller restarted\ndeployment "eg-controller" successfully rolled out\nnew ReplicaSet eg-controller-[a-z0-9]+ \(revision 2, was 1\); took \d+m?s\n$/);
    // without -n it looks in envoy-gateway-system, which does not exist here
    const missing = await infgw(['restart', 'envoy-gateway', '--name', 'eg-controller']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('not found');
  });

  it('a DaemonSet with updateStrategy OnDelete gets the new template, with a note and no wait (kubectl rollout status refuses it)', async () => {
    const ns = await namespace('rs-ondelete');
    await applyManifest(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: {name: 'od', namespace: ns},
        spec: {
          updateStrategy: {type: 'OnDelete'},
          selector: {matchLabels: {app: 'od'}},
          template: {metadata: {labels: {app: 'od'}}, spec: {containers: [{name: 'main', image: 'example.invalid/app:1'}], tolerations: [{operator: 'Exists'}]}},
        },
      }),
    );
    const r = await infgw(['restart', 'ds/od', '-n', ns]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('daemonset.apps/od restarted\n');
    expect(r.stderr).toMatch(/^note: DaemonSet .*\/od uses updateStrategy OnDelete: .* each pod is replaced only when it is deleted/);
    const k = await kubectl(['rollout', 'status', '-n', ns, 'ds/od', '--watch=false'], {kubeconfig, allowFail: true});
    expect(k.code).toBe(1);
    expect(k.stderr).toContain('rollout status is only available for RollingUpdate strategy type');
  });
});

describe('restart: refusals and failures', () => {
  it('refuses a paused Deployment with exit 4 and kubectl\'s words, changing nothing', async () => {
    const ns = await namespace('rs-paused');
    await applyManifest(kubeconfig, deployment(ns, 'held', {paused: true, replicas: 1}));
    const before = await getJson<Dep>(ns, 'deployment/held');
    const r = await infgw(['restart', 'deploy/held', '-n', ns]);
    expect(r.code).toBe(4);
    const k = await kubectl(['rollout', 'restart', '-n', ns, 'deployment/held'], {kubeconfig, allowFail: true});
    expect(k.code).not.toBe(0);
    expect(k.stderr).toContain("can't restart paused deployment (run rollout resume first)");
    expect(r.stderr).toContain("error: can't restart paused deployment (run rollout resume first)");
    expect(r.stderr).toContain(`kubectl rollout resume deployment/held -n ${ns}`);
    const after = await getJson<Dep>(ns, 'deployment/held');
    // Nothing written by restart: the spec's generation and the pod template are as before. (Not the
    // resourceVersion: the deployment controller may still be writing the new Deployment's status.)
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(after.spec.template).toEqual(before.spec.template);
    expect(after.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeUndefined();
    const json = await infgw(['restart', 'deploy/held', '-n', ns, '-o', 'json']);
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toMatchObject({error: {exitCode: 4}});
  });

  it('reports ProgressDeadlineExceeded with exit 1 well before --timeout, as kubectl rollout status does', async () => {
    const ns = await namespace('rs-pde');
    // Pods that can never be scheduled: no node carries this label.
    await applyManifest(kubeconfig, deployment(ns, 'stuck', {replicas: 1, progressDeadlineSeconds: 3, nodeSelector: {'infgw.test/no-such-node': 'true'}}));
    await waitFor(async () => (await getJson<Dep>(ns, 'deployment/stuck')).status?.observedGeneration === 1, {what: 'first rollout observed'});
    const r = await infgw(['restart', 'deployment/stuck', '-n', ns, '--timeout', '3m']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('error: deployment "stuck" exceeded its progress deadline');
    console.log(`[restart e2e] ProgressDeadlineExceeded (progressDeadlineSeconds 3) reported after ${Math.round(r.ms)} ms (--timeout 3m)`);
    expect(r.ms).toBeLessThan(60_000);
    // kubectl's unschedulable warning was on the progress line before
    expect(r.stderr).toMatch(/\(Warning: 0\/\d+ nodes are available/);
    // the oracle: kubectl rollout status says the same and fails too
    const k = await kubectl(['rollout', 'status', '-n', ns, 'deployment/stuck', '--timeout=60s'], {kubeconfig, allowFail: true, timeoutMs: 70_000});
    expect(k.code).toBe(1);
    expect(k.stderr).toContain('deployment "stuck" exceeded its progress deadline');
  });

  it('names the crash-looping pod of the new ReplicaSet and its last termination, exit 1, without waiting for --timeout', async () => {
    const ns = await namespace('rs-crash');
    // Pods crash-loop (KWOK stage); minReadySeconds keeps the brief Ready moment before each crash from counting as available.
    await applyManifest(kubeconfig, deployment(ns, 'crasher', {replicas: 1, minReadySeconds: 30, podLabels: {'infgw.test/crashloop': 'true'}}));
    await waitFor(async () => (await getJson<Dep>(ns, 'deployment/crasher')).status?.observedGeneration === 1, {what: 'first rollout observed'});
    const r = await infgw(['restart', 'deployment/crasher', '-n', ns, '--timeout', '5m', '-o', 'json']);
    expect(r.code, r.stderr).toBe(1);
    console.log(`[restart e2e] crash loop of the new ReplicaSet reported after ${Math.round(r.ms)} ms (--timeout 5m)`);
    expect(r.ms).toBeLessThan(90_000);
    const doc = JSON.parse(r.stdout) as {rollout: RolloutResult; exitCode: number};
    expect(doc.exitCode).toBe(1);
    expect(doc.rollout).toMatchObject({done: false, reason: 'CrashLoopBackOff', podReason: 'CrashLoopBackOff', revision: '2'});
    expect(doc.rollout.lastTermination).toBe('Error (exit code 1)');
    // the pod named belongs to the NEW ReplicaSet (the old pods crash-loop too)
    const rs = await replicaSets(ns, 'crasher');
    const newRs = rs.find((x) => x.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2')!;
    expect(doc.rollout.replicaSet).toBe(newRs.metadata.name);
    const pod = await getJson<KubeObject>(ns, `pod/${doc.rollout.pod}`);
    expect(pod.metadata.labels?.['pod-template-hash']).toBe(newRs.metadata.labels?.['pod-template-hash']);
    expect(doc.rollout.message).toContain(`new pod "${doc.rollout.pod}" (ReplicaSet "${newRs.metadata.name}") is in CrashLoopBackOff`);

    // text mode says the same on stderr (a second restart: revision 3)
    const t = await infgw(['restart', 'deployment/crasher', '-n', ns, '--timeout', '5m']);
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/error: new pod "crasher-[a-z0-9]+-[a-z0-9]+" \(ReplicaSet "crasher-[a-z0-9]+"\) is in CrashLoopBackOff, container "main"; last termination: Error \(exit code 1\)/);
    expect(t.stderr).toMatch(/hint: See why: kubectl logs -n \S+ crasher-\S+ --previous/);
  });
});

describe('restart: --dry-run, --no-wait, Ctrl-C', () => {
  it('--dry-run shows the change and changes nothing', async () => {
    const ns = await namespace('rs-dry');
    await applyManifest(kubeconfig, deployment(ns, 'web', {replicas: 1}));
    await rolledOut(ns, 'web');
    const before = await getJson<Dep>(ns, 'deployment/web');
    const r = await infgw(['restart', 'deployment/web', '-n', ns, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^deployment\.apps\/web restarted \(server dry run\)\n {2}would change spec\.template\.metadata\.annotations\["kubectl\.kubernetes\.io\/restartedAt"\]: \(none\) → \S+\n {2}would change metadata\.generation: 1 → 2\n$/);
    const j = await infgw(['restart', 'deployment/web', '-n', ns, '--dry-run', '-o', 'json']);
    expect(JSON.parse(j.stdout)).toMatchObject({restart: {dryRun: true, annotationKept: true, generation: 2}, rollout: null, exitCode: 0});
    await sleep(1500); // give a controller time to act, if anything had changed
    const after = await getJson<Dep>(ns, 'deployment/web');
    // Nothing written by restart: the spec's generation and the pod template are as before. (Not the
    // resourceVersion: the deployment controller may still be writing the new Deployment's status.)
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(after.spec.template).toEqual(before.spec.template);
    expect(after.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeUndefined();
    expect(after.spec.template.metadata.annotations?.[RESTARTED_AT]).toBeUndefined();
    expect(await replicaSets(ns, 'web')).toHaveLength(1);
  });

  it('--no-wait returns as soon as the patch is in, while the rollout is still going', async () => {
    const ns = await namespace('rs-nowait');
    await applyManifest(kubeconfig, deployment(ns, 'slow', {replicas: 2, minReadySeconds: 8, maxSurge: 1, maxUnavailable: 0}));
    await rolledOut(ns, 'slow');
    const r = await infgw(['restart', 'deployment/slow', '-n', ns, '--no-wait']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('deployment.apps/slow restarted\n');
    // not done yet: a new pod needs 8 s of readiness before it counts
    const st = await kubectl(['rollout', 'status', '-n', ns, 'deployment/slow', '--watch=false'], {kubeconfig});
    expect(st.stdout).toMatch(/^Waiting for deployment/);
    expect(r.ms).toBeLessThan(8000);
    await rolledOut(ns, 'slow');
  });

  it('Ctrl-C stops waiting, says where the rollout stands, exits 130; the rollout goes on', async () => {
    const ns = await namespace('rs-sigint');
    await applyManifest(kubeconfig, deployment(ns, 'slow', {replicas: 2, minReadySeconds: 5, maxSurge: 1, maxUnavailable: 0}));
    await rolledOut(ns, 'slow');
    const child = spawn(BIN, ['restart', 'deployment/slow', '-n', ns], {env: {...process.env, KUBECONFIG: kubeconfig}, stdio: ['ignore', 'pipe', 'pipe']});
    let stderr = '';
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    await waitFor(() => stderr.includes('Waiting for deployment "slow" rollout to finish'), {timeoutMs: 30_000, what: 'a progress line'});
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(130);
    expect(stdout).toBe('deployment.apps/slow restarted\n');
    expect(stderr).toMatch(/error: interrupted after \d+m?s; the rollout goes on in the cluster\. It stood at: Waiting for deployment "slow" rollout to finish: /);
    expect(stderr).toContain(`hint: Follow it with: kubectl rollout status deployment/slow -n ${ns}`);
    // the rollout itself finishes
    await rolledOut(ns, 'slow');
    const d = await getJson<Dep>(ns, 'deployment/slow');
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
  });
});

describe('restartWorkload (library, reused by patch-envoy)', () => {
  it('writes with the resourceVersion it read: another writer in between causes a 409, it re-reads and wins', async () => {
    const ns = await namespace('rs-lib');
    await applyManifest(kubeconfig, deployment(ns, 'lib', {replicas: 1}));
    await rolledOut(ns, 'lib');
    // A real second writer (kubectl) changes the Deployment after our read, just before our patch.
    const patches: string[] = [];
    let raced = false;
    const racing = new Proxy(kube, {
      get(target, prop, receiver) {
        if (prop === 'patch') {
          return async (...args: Parameters<KubeClient['patch']>) => {
            if (!raced) {
              raced = true;
              await kubectl(['annotate', '-n', ns, 'deployment/lib', 'infgw.test/other-writer=yes'], {kubeconfig});
            }
            try {
              const out = await target.patch(...args);
              patches.push('ok');
              return out;
            } catch (error) {
              patches.push(String((error as {status?: number}).status));
              throw error;
            }
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const res = await restartWorkload(racing, {kind: 'Deployment', namespace: ns, name: 'lib'}, {now: new Date('2026-01-02T03:04:05Z')});
    // the first was refused with 409 Conflict; a retry went through (the deployment controller's
    // own status writes can cost another round)
    expect(patches[0]).toBe('409');
    expect(patches.at(-1)).toBe('ok');
    expect(res.dryRun).toBe(false);
    expect(res.annotationKept).toBe(true);
    // decided on the re-read object (a Deployment's annotation change bumps its generation too:
    // k8s.io/kubernetes pkg/registry/apps/deployment/strategy.go PrepareForUpdate)
    expect(res.before.metadata.annotations?.['infgw.test/other-writer']).toBe('yes');
    expect(res.before.metadata.generation).toBe(2);
    expect(res.generation).toBe(3);
    const d = await getJson<Dep>(ns, 'deployment/lib');
    expect(d.spec.template.metadata.annotations?.[RESTARTED_AT]).toBe(res.restartedAt);
    expect(d.metadata.annotations?.['infgw.test/other-writer']).toBe('yes'); // the other writer's change survived
    const r = await waitForRollout(kube, {kind: 'Deployment', namespace: ns, name: 'lib'}, {timeoutMs: 60_000});
    expect(r).toMatchObject({done: true, reason: 'Complete', revision: '2'});
  });

  it('waitForRollout ends with Deleted when the workload is deleted while waiting', async () => {
    const ns = await namespace('rs-del');
    await applyManifest(kubeconfig, deployment(ns, 'gone', {replicas: 1, nodeSelector: {'infgw.test/no-such-node': 'true'}}));
    const waiting = waitForRollout(kube, {kind: 'Deployment', namespace: ns, name: 'gone'}, {timeoutMs: 60_000});
    await sleep(1000);
    await kubectl(['delete', '-n', ns, 'deployment/gone', '--wait=false'], {kubeconfig});
    const r = await waiting;
    expect(r).toMatchObject({done: false, reason: 'Deleted', message: 'deployment "gone" has been deleted'});
    expect(r.elapsedMs).toBeLessThan(30_000);
  });
});
