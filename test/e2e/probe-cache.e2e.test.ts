// `kubectl infgw probe-cache` against the real test control plane. Three simulator processes play
// the model-server pods of an InferencePool (KWOK pods whose port 8000 is port-forwarded, by KWOK,
// to each simulator); a test gateway (support/affinity-gateway.ts) routes like an EPP with prefix
// affinity on, or round-robins with it off, and serves EPP-style metrics behind TokenReview-checked
// bearer tokens as the KWOK pod epp-0. probe-cache reaches the gateway with --url (a local process)
// or, like in production, through a port-forward to the "Envoy proxy" pod of the Gateway; it
// reads every pod's counters THROUGH THE KUBERNETES API (port-forward), as it does for real.
// The gateway's own routing log is the oracle for the per-pod attribution.
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {readFileSync} from 'node:fs';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {applyManifest, forwardPodPort, kubectl, run, startSim, waitFor, type RunResult, type Sim} from '../harness/cluster.ts';
import {buildCli} from '../harness/cli.ts';
import {connect, type KubeClient} from '../../src/kube/client.ts';
import {MetricsFetchError, fetchPodMetrics, findPodForService, metricsBearerToken, openPortForward, scrapeThroughForward} from '../../src/kube/portforward.ts';
import {probeCache, type ProbeOptions, type ProbeReport} from '../../src/probe/run.ts';
import {renderProbe} from '../../src/probe/render.ts';
import {startAffinityGateway, type AffinityGateway} from './support/affinity-gateway.ts';

const kubeconfig = inject('kubeconfig');
const restrictedKubeconfig = inject('restrictedKubeconfig');
let BIN = '';
const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const ns = `probe-${Date.now().toString(36)}`;
const PODS = ['sim-0', 'sim-1', 'sim-2'];
const HOST = 'probe.example.com';

let kube: KubeClient;
let sims: Sim[] = [];
let gw: AffinityGateway;
const tokenUsers = new Map<string, string | undefined>();

/** The gateway's /metrics check, like the EPP's: a TokenReview against the real API server. */
async function tokenReview(token: string): Promise<string | undefined> {
  if (tokenUsers.has(token)) return tokenUsers.get(token);
  const r = await kubectl(['create', '-o', 'json', '-f', '-'], {
    kubeconfig,
    input: JSON.stringify({apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: {token}}),
  });
  const st = (JSON.parse(r.stdout) as {status: {authenticated?: boolean; user?: {username: string}}}).status;
  const user = st.authenticated ? st.user?.username : undefined;
  tokenUsers.set(token, user);
  return user;
}

/** Whether anything on this machine listens on (or still holds a connection on) 127.0.0.1:port — from the kernel's tables. */
function socketsOnPort(port: number): {listening: boolean; established: boolean} {
  let listening = false;
  let established = false;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4) continue;
      const local = parseInt((f[1] ?? '').split(':')[1] ?? '', 16);
      if (local !== port) continue;
      if (f[3] === '0A') listening = true;
      if (f[3] === '01') established = true;
    }
  }
  return {listening, established};
}

function pod(name: string, labels: Record<string, string>, ports: {name?: string; containerPort: number}[], serviceAccountName?: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name, namespace: ns, labels},
    spec: {...(serviceAccountName ? {serviceAccountName} : {}), containers: [{name: 'main', image: 'example.invalid/sim:1', ports}]},
  };
}

beforeAll(async () => {
  // The CLI as it ships, built into a private folder (test/harness/cli.ts): no other test file's
  // build can change it while this one runs.
  ({bin: BIN} = await buildCli({name: 'infgw-probe-cli', manifest: 'committed'}));

  await kubectl(['create', 'namespace', ns], {kubeconfig});
  sims = await Promise.all(PODS.map(() => startSim({model: MODEL, mode: 'echo', timeToFirstToken: 10, enableKvcache: true})));
  gw = await startAffinityGateway({
    backends: sims.map((s, i) => ({name: PODS[i] as string, url: s.url, port: 8000})),
    affinity: true,
    poolName: 'pool',
    namespace: ns,
    authenticate: tokenReview,
  });
  const docs: object[] = [
    {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'epp-sa', namespace: ns}},
    ...PODS.map((p) => pod(p, {app: 'sim'}, [{name: 'http', containerPort: 8000}])),
    pod('epp-0', {app: 'epp'}, [{name: 'grpc', containerPort: 9002}, {name: 'metrics', containerPort: 9090}], 'epp-sa'),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {name: 'epp', namespace: ns},
      spec: {selector: {app: 'epp'}, ports: [{name: 'grpc', port: 9002, targetPort: 'grpc'}, {name: 'metrics', port: 9090, targetPort: 'metrics'}]},
    },
    {
      apiVersion: 'inference.networking.k8s.io/v1',
      kind: 'InferencePool',
      metadata: {name: 'pool', namespace: ns},
      spec: {selector: {matchLabels: {app: 'sim'}}, targetPorts: [{number: 8000}], endpointPickerRef: {name: 'epp', port: {number: 9002}}},
    },
    // The Gateway, its route to the pool, and the proxy Service/pod Envoy Gateway would make for it
    // (here in the Gateway's own namespace, as in Envoy Gateway's Gateway-namespace mode).
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: {name: 'gw', namespace: ns},
      spec: {gatewayClassName: 'eg', listeners: [{name: 'http', protocol: 'HTTP', port: 80}]},
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {name: 'llm', namespace: ns},
      spec: {
        parentRefs: [{name: 'gw'}],
        hostnames: [HOST],
        rules: [{backendRefs: [{group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'pool'}]}],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'envoy-gw-proxy',
        namespace: ns,
        labels: {'gateway.envoyproxy.io/owning-gateway-name': 'gw', 'gateway.envoyproxy.io/owning-gateway-namespace': ns},
      },
      spec: {selector: {app: 'envoy'}, ports: [{name: 'http-80', port: 80, targetPort: 10080}]},
    },
    pod('envoy-gw-proxy-0', {app: 'envoy'}, [{containerPort: 10080}]),
  ];
  await applyManifest(kubeconfig, docs.map((d) => JSON.stringify(d)).join('\n---\n'));
  await kubectl(['wait', '-n', ns, '--for=condition=Ready', 'pod', '--all', '--timeout=120s'], {kubeconfig, timeoutMs: 130_000});
  for (const [i, p] of PODS.entries()) await forwardPodPort(kubeconfig, {namespace: ns, pod: p, port: 8000, targetPort: (sims[i] as Sim).port});
  await forwardPodPort(kubeconfig, {namespace: ns, pod: 'epp-0', port: 9090, targetPort: gw.metricsPort});
  await forwardPodPort(kubeconfig, {namespace: ns, pod: 'envoy-gw-proxy-0', port: 10080, targetPort: gw.port});
  kube = await connect({kubeconfig});
}, 300_000);

afterAll(async () => {
  kube?.close();
  await gw?.close();
  await Promise.all(sims.map((s) => s.stop()));
  await kubectl(['delete', 'namespace', ns, '--wait=false'], {kubeconfig, allowFail: true});
});

function options(over: Partial<ProbeOptions> = {}): ProbeOptions {
  return {
    namespace: ns,
    url: gw.url,
    path: '/v1/chat/completions',
    headers: {},
    requests: 8,
    prefixTokens: 200,
    concurrency: 2,
    maxTokens: 4,
    maxRequests: 200,
    maxDurationMs: 60_000,
    httpTimeoutMs: 20_000,
    metricsToken: 'auto',
    signal: new AbortController().signal,
    ...over,
  };
}

/** Requests per pod as the gateway routed them, for decisions [from, to). */
function routed(from: number, to: number): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(PODS.map((p) => [p, 0]));
  for (const d of gw.decisions.slice(from, to)) out[d.backend] = (out[d.backend] ?? 0) + 1;
  return out;
}

function expectForwardsClosed(report: ProbeReport, expected: number): void {
  expect(report.portForwards).toHaveLength(expected);
  for (const f of report.portForwards) {
    expect(f.closed).toBe(true);
    expect(f.connections).toBeGreaterThan(0);
    expect(socketsOnPort(f.localPort)).toEqual({listening: false, established: false});
  }
}

describe('reaching pods through the Kubernetes API', () => {
  it('openPortForward reaches a pod port, and close() leaves nothing listening', async () => {
    const f = await openPortForward(kube, {namespace: ns, pod: 'sim-1', port: 8000});
    expect(socketsOnPort(f.localPort).listening).toBe(true);
    const text = await scrapeThroughForward(f);
    expect(text).toMatch(/^vllm:num_requests_running\{/m);
    const again = await scrapeThroughForward(f);
    expect(again).toMatch(/^vllm:kv_cache_usage_perc\{/m);
    expect(f.connectionCount).toBe(2);
    await f.close();
    expect(f.closed).toBe(true);
    expect(f.openTunnels).toBe(0);
    expect(socketsOnPort(f.localPort)).toEqual({listening: false, established: false});
  });

  it('fetchPodMetrics is one-shot; a refused pod port is reported in words', async () => {
    expect(await fetchPodMetrics(kube, {namespace: ns, name: 'sim-2'}, 8000)).toContain('vllm:request_success');
    // port 9002 of epp-0 has no KWOK forward: the kubelet side refuses it
    const err = await fetchPodMetrics(kube, {namespace: ns, name: 'epp-0'}, 9002, {timeoutMs: 10_000}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsFetchError);
    expect((err as MetricsFetchError).kind).toBe('unreachable');
    expect((err as Error).message).toMatch(/cannot read .*epp-0:9002\/metrics/);
  });

  it('findPodForService resolves a named targetPort to the container port', async () => {
    const r = await findPodForService(kube, ns, 'epp', 'metrics');
    expect(r.pod.metadata.name).toBe('epp-0');
    expect(r.containerPort).toBe(9090);
    const proxy = await findPodForService(kube, ns, 'envoy-gw-proxy', 80);
    expect(proxy).toMatchObject({containerPort: 10080, servicePort: 80});
  });

  it("EPP metrics need a bearer token: the user's own, or one minted for the EPP ServiceAccount (TokenRequest)", async () => {
    const own = await metricsBearerToken(kube, {namespace: ns, serviceAccount: 'epp-sa'});
    expect(own.source).toBe('kubeconfig');
    expect(await tokenReview(own.token as string)).toBe('admin');
    const minted = await metricsBearerToken(kube, {namespace: ns, serviceAccount: 'epp-sa', prefer: 'serviceaccount'});
    expect(minted.source).toBe('tokenrequest');
    expect(await tokenReview(minted.token as string)).toBe(`system:serviceaccount:${ns}:epp-sa`);
    const text = await fetchPodMetrics(kube, {namespace: ns, name: 'epp-0'}, 9090, {bearerToken: minted.token});
    expect(text).toContain('llm_d_epp_ready_endpoints');
    const denied = await fetchPodMetrics(kube, {namespace: ns, name: 'epp-0'}, 9090).catch((e: unknown) => e);
    expect((denied as MetricsFetchError).kind).toBe('unauthorized');
    const bad = await fetchPodMetrics(kube, {namespace: ns, name: 'epp-0'}, 9090, {bearerToken: 'not-a-token'}).catch((e: unknown) => e);
    expect((bad as MetricsFetchError).kind).toBe('unauthorized');
    const missing = await metricsBearerToken(kube, {namespace: ns, serviceAccount: 'no-such-sa', prefer: 'serviceaccount'});
    expect(missing).toMatchObject({source: 'none', reason: `ServiceAccount ${ns}/no-such-sa not found`});
  });
});

describe('probe-cache', () => {
  it('says "working" when the gateway keeps identical prompts on one pod; attribution matches the routing', async () => {
    gw.setAffinity(true);
    gw.reset();
    const report = await probeCache(kube, options());
    const a = report.analysis;
    expect(a.verdict.result, a.verdict.reason).toBe('working');
    // model discovered from the pods' /v1/models, through the API
    expect(report.target).toMatchObject({model: MODEL, via: 'flag'});
    expect(report.target.modelSource).toMatch(/^\/v1\/models of sim-\d$/);
    expect(report.endpoints.map((e) => e.id).sort()).toEqual(PODS);
    // per-pod counts from counter deltas == where the gateway really sent them
    expect(gw.decisions).toHaveLength(16);
    const identical = routed(0, 8);
    const unique = routed(8, 16);
    for (const p of a.pods) {
      expect(p.identical.requests, p.id).toBe(identical[p.id]);
      expect(p.unique.requests, p.id).toBe(unique[p.id]);
      expect(p.identical.eppPicks, p.id).toBe(identical[p.id]);
    }
    expect(a.affinity).toMatchObject({topCount: 8, total: 8, share: 1});
    expect(a.control?.podsUsed).toBe(3);
    expect(a.identical.attribution.source).toBe('vllm-requests');
    // the EPP path: llm-d-router names, read with the user's token, validated by TokenReview
    expect(report.epp).toMatchObject({pod: 'epp-0', metricsPort: 9090, serviceAccount: 'epp-sa', token: {source: 'kubeconfig'}});
    expect(a.epp).toMatchObject({generation: 'llm-d-router', readyPods: 3});
    expect(a.identical.eppPrefixIndexerHitRatio).toBeCloseTo(7 / 8);
    expect(gw.scrapes.length).toBeGreaterThanOrEqual(3);
    expect(gw.scrapes.every((s) => s.authorized && s.user === 'admin')).toBe(true);
    // the simulators (--enable-kvcache) keep a real prefix cache each and expose its counters
    // (in tokens, without _total): identical prompts kept on one pod hit it, unique ones do not
    const simText = await (await fetch(`${(sims[0] as Sim).url}/metrics`)).text();
    expect(simText).toMatch(/^vllm:prefix_cache_queries\{model_name="[^"]+"\} \d+$/m);
    expect(simText).toMatch(/^vllm:prefix_cache_hits\{model_name="[^"]+"\} \d+$/m);
    // (8 identical prompts on one pod: the first misses, 7 hit; measured 0.875 vs 0)
    expect(a.identical.hitRatio).not.toBeNull();
    expect(a.unique?.hitRatio).not.toBeNull();
    expect(a.identical.hitRatio as number).toBeGreaterThan(a.unique?.hitRatio as number);
    expect(a.identical.hitRatio).toBeCloseTo(7 / 8);
    expect(a.unique?.hitRatio).toBe(0);
    expect(a.verdict.caveats.join(' ')).not.toMatch(/Prefix-cache hit ratio unknown/);
    expect(a.ttft.series).toHaveLength(8);
    expect(a.ttft.firstMs).toBeGreaterThan(0);
    expect(a.errors.total).toBe(0);
    // 3 model servers + the EPP, all closed, nothing left in the kernel's tables
    expectForwardsClosed(report, 4);
    const text = renderProbe(report);
    expect(text).toMatch(/Verdict: WORKING/);
    expect(text).toMatch(/Affinity\s+8 of 8 identical prompts on sim-\d \(100%\)/);
  });

  it('says "not working" when the gateway round-robins; reads the EPP with a minted ServiceAccount token', async () => {
    gw.setAffinity(false);
    gw.reset();
    const report = await probeCache(kube, options({metricsToken: 'serviceaccount'}));
    const a = report.analysis;
    expect(a.verdict.result, a.verdict.reason).toBe('not-working');
    expect(a.affinity?.share).toBeLessThan(0.5);
    expect(a.affinity?.podsUsed).toBe(3);
    const identical = routed(0, 8);
    for (const p of a.pods) expect(p.identical.requests, p.id).toBe(identical[p.id]);
    expect(a.verdict.reason).toMatch(/the 8 identical prompts spread over 3 pods/);
    expect(a.verdict.nextSteps.join('\n')).toMatch(/prefix-cache-scorer/);
    expect(report.epp).toMatchObject({token: {source: 'tokenrequest'}});
    expect(gw.scrapes.every((s) => s.user === `system:serviceaccount:${ns}:epp-sa`)).toBe(true);
    expectForwardsClosed(report, 4);
    gw.setAffinity(true);
  });

  it('finds the Gateway from the HTTPRoute and sends through a port-forward to its Envoy proxy, closed afterwards', async () => {
    gw.reset();
    const report = await probeCache(kube, options({url: undefined, requests: 5}));
    expect(report.target.via).toBe('port-forward');
    expect(report.target.gateway).toMatchObject({namespace: ns, name: 'gw', listenerPort: 80});
    expect(report.target.envoyProxy).toMatchObject({namespace: ns, service: 'envoy-gw-proxy', pod: 'envoy-gw-proxy-0', containerPort: 10080});
    expect(report.target.host).toBe(HOST);
    expect(gw.decisions).toHaveLength(10);
    expect(gw.decisions.every((d) => d.host === HOST)).toBe(true);
    expect(report.analysis.verdict.result, report.analysis.verdict.reason).toBe('working');
    // 3 model servers + EPP + the Envoy proxy
    expectForwardsClosed(report, 5);
    expect(report.portForwards.map((f) => f.target)).toContain(`${ns}/envoy-gw-proxy-0:10080`);
  });

  it('stops at --max-requests and says so', async () => {
    gw.reset();
    const report = await probeCache(kube, options({requests: 10, maxRequests: 12}));
    expect(report.phases.identical.results).toHaveLength(10);
    expect(report.phases.unique?.results).toHaveLength(2);
    expect(report.stopped).toEqual({by: 'max-requests', message: 'stopped at --max-requests=12 (20 planned)'});
    expect(gw.decisions).toHaveLength(12);
    expect(renderProbe(report)).toMatch(/Stopped\s+stopped at --max-requests=12 \(20 planned\)/);
    expect(report.analysis.verdict.result).toBe('working');
    expectForwardsClosed(report, 4);
  });

  it('stops at --max-duration, aborting what is in flight', async () => {
    gw.reset();
    gw.setDelay(700);
    try {
      const t0 = performance.now();
      const report = await probeCache(kube, options({requests: 10, concurrency: 1, maxDurationMs: 2_500}));
      const sendingMs = report.phases.identical.durationMs + (report.phases.unique?.durationMs ?? 0);
      expect(report.stopped?.by).toBe('max-duration');
      expect(sendingMs).toBeLessThan(2_500 + 1_000);
      expect(report.phases.unique).toBeNull();
      expect(report.phases.identical.results.length).toBeLessThan(10);
      expect(report.phases.identical.results.at(-1)?.errorKind).toBe('aborted');
      expect(gw.decisions.length).toBeLessThanOrEqual(5);
      expect(performance.now() - t0).toBeLessThan(30_000);
      expectForwardsClosed(report, 4);
    } finally {
      gw.setDelay(0);
    }
  });

  it('cannot tell when the model servers cannot be read (no pods/portforward permission)', async () => {
    await applyManifest(
      kubeconfig,
      [
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: {name: 'probe-reader', namespace: ns},
          rules: [
            {apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list']},
            {apiGroups: ['inference.networking.k8s.io'], resources: ['inferencepools'], verbs: ['get', 'list']},
          ],
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: {name: 'probe-reader', namespace: ns},
          roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'probe-reader'},
          subjects: [{kind: 'User', name: 'restricted', apiGroup: 'rbac.authorization.k8s.io'}],
        },
      ]
        .map((d) => JSON.stringify(d))
        .join('\n---\n'),
    );
    const restricted = await connect({kubeconfig: restrictedKubeconfig});
    try {
      const report = await waitFor(
        async () => {
          const r = await probeCache(restricted, options({model: MODEL, requests: 4}));
          return r.endpoints.length === 3 ? r : undefined;
        },
        {timeoutMs: 30_000, what: 'RBAC for the restricted user'},
      );
      const a = report.analysis;
      expect(a.verdict.result).toBe('cannot-tell');
      expect(a.verdict.reason).toMatch(/cannot be attributed to pods/);
      expect(a.verdict.reason).toMatch(/forbidden: you cannot port-forward to pods\/sim-\d/);
      expect(a.verdict.nextSteps[0]).toMatch(/pods\/portforward/);
      expect(a.pods.every((p) => p.error?.includes('forbidden'))).toBe(true);
      expect(a.epp?.unreadable).toMatch(/forbidden/);
      expect(a.identical.succeeded).toBe(4);
      expectForwardsClosed(report, 4);
    } finally {
      restricted.close();
    }
  });
});

describe('the kubectl-infgw binary', () => {
  function infgw(args: string[], timeoutMs = 120_000): Promise<RunResult> {
    return run(BIN, ['probe-cache', '--kubeconfig', kubeconfig, '-n', ns, ...args], {allowFail: true, timeoutMs});
  }

  it('exits 0 with a JSON report when working, 1 with the verdict in text when not', async () => {
    gw.setAffinity(true);
    gw.reset();
    const ok = await infgw(['--url', gw.url, '-N', '6', '--prefix-tokens', '100', '--header', 'X-Api-Key: sk-very-secret', '-o', 'json']);
    expect(ok.code, ok.stderr).toBe(0);
    const doc = JSON.parse(ok.stdout) as {schemaVersion: number; probe: ProbeReport};
    expect(doc.schemaVersion).toBe(1);
    expect(doc.probe.analysis.verdict.result).toBe('working');
    expect(doc.probe.target.headerNames).toEqual(['X-Api-Key']);
    expect(ok.stdout + ok.stderr).not.toContain('sk-very-secret');

    gw.setAffinity(false);
    try {
      const bad = await infgw(['--url', gw.url, '-N', '6', '--prefix-tokens', '100', '--no-color']);
      expect(bad.code, bad.stderr).toBe(1);
      expect(bad.stdout).toMatch(/Verdict: NOT WORKING — the 6 identical prompts spread over 3 pods/);
      expect(bad.stdout).toMatch(/^POD\s+IDENTICAL\s+UNIQUE/m);
      expect(bad.stderr).toMatch(/InferencePool .*\/pool: 3 ready endpoints/);
    } finally {
      gw.setAffinity(true);
    }
  });

  it('Ctrl-C stops at once, still reports, and exits 130', async () => {
    gw.reset();
    gw.setDelay(500);
    try {
      const child = spawn(BIN, ['probe-cache', '--kubeconfig', kubeconfig, '-n', ns, '--url', gw.url, '-N', '20', '--prefix-tokens', '50', '-o', 'json'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
      await waitFor(() => gw.decisions.length >= 2, {timeoutMs: 60_000, what: 'two requests at the gateway'});
      const t0 = performance.now();
      child.kill('SIGINT');
      const [code] = await exited;
      expect(performance.now() - t0).toBeLessThan(15_000);
      expect(code, stderr).toBe(130);
      const doc = JSON.parse(stdout) as {probe: ProbeReport};
      expect(doc.probe.stopped).toEqual({by: 'interrupted', message: 'interrupted (Ctrl-C)'});
      expect(doc.probe.phases.identical.results.length).toBeLessThan(20);
      expect(doc.probe.snapshots.length).toBeGreaterThanOrEqual(2);
      for (const f of doc.probe.portForwards) expect(f.closed).toBe(true);
    } finally {
      gw.setDelay(0);
    }
  });
});
