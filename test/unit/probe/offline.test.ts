// probe-cache without the cluster: which errors let a --url probe go on (offlineDecision, over the
// errors the real kubeconfig loader and API client throw), what an offline run concludes
// (analyzeOffline), and the whole probe in-process against a local streaming server with a
// cluster that is missing, refuses, forbids, or never answers (small local stand-ins for the API).
import {mkdtempSync, writeFileSync} from 'node:fs';
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {type AddressInfo, createServer as createTcpServer} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {ExitCode, InfgwError, UsageError} from '../../../src/errors.ts';
import {KubeClient} from '../../../src/kube/client.ts';
import {apiErrorFromResponse, networkError} from '../../../src/kube/errors.ts';
import {loadKubeconfig, resolveKubeconfig, loadMergedKubeconfig} from '../../../src/kube/kubeconfig.ts';
import {type OfflineReason, analyzeOffline, offlineDecision} from '../../../src/probe/offline.ts';
import {renderProbe} from '../../../src/probe/render.ts';
import {type ProbeOptions, probeCache} from '../../../src/probe/run.ts';
import type {PhaseRun, RequestResult} from '../../../src/probe/send.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'infgw-offline-'));
const emptyHome = path.join(dir, 'home');
const noInCluster = {dir: path.join(dir, 'no-sa'), env: {}, fs: {exists: () => false, read: () => undefined}};

/** What the kubeconfig loader throws for `flags` and `env` (as the command would meet it). */
function kubeconfigError(flags: Record<string, string>, env: NodeJS.ProcessEnv): unknown {
  try {
    resolveKubeconfig(loadMergedKubeconfig(flags, env), flags, env, noInCluster);
  } catch (error) {
    return error;
  }
  throw new Error('expected the kubeconfig to fail');
}

const kubeconfigFile = path.join(dir, 'config');
writeFileSync(
  kubeconfigFile,
  [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
    'users: [{name: u, user: {token: abc}}]',
    'contexts: [{name: ctx, context: {cluster: c, user: u}}]',
    'current-context: ctx',
  ].join('\n'),
);

const noContext = kubeconfigError({}, {KUBECONFIG: '/dev/null', HOME: emptyHome});
const noFile = kubeconfigError({}, {HOME: emptyHome});
const unknownContext = kubeconfigError({context: 'nope'}, {KUBECONFIG: kubeconfigFile, HOME: emptyHome});
const refused = networkError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {code: 'ECONNREFUSED'}), 'https://127.0.0.1:1', 0);
const forbidden = apiErrorFromResponse({
  status: 403,
  body: {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message: 'inferencepools.inference.networking.k8s.io is forbidden: User "restricted" cannot list resource "inferencepools" in API group "inference.networking.k8s.io" in the namespace "models"',
    reason: 'Forbidden',
    details: {group: 'inference.networking.k8s.io', kind: 'inferencepools'},
    code: 403,
  },
  method: 'GET',
  path: '/apis/inference.networking.k8s.io/v1/namespaces/models/inferencepools',
  server: 'https://10.0.0.1:6443',
});
const noPool = new InfgwError('there is no InferencePool in namespace models', {hint: 'Pass -n NAMESPACE, -r RELEASE or --pool NAME.'});

describe('offlineDecision', () => {
  const base = {url: 'http://127.0.0.1:8000', model: 'm', explicitCluster: false, interrupted: false};

  it('the errors are the real ones, with exit code 3', () => {
    expect((noContext as Error).message).toBe('no current context is set in /dev/null');
    expect((noFile as Error).message).toMatch(/^no kubeconfig found/);
    expect((unknownContext as Error).message).toBe('context was not found for specified context: nope');
    for (const e of [noContext, noFile, unknownContext, refused, forbidden]) expect((e as InfgwError).exitCode).toBe(ExitCode.cluster);
  });

  it('goes offline with --url and --model when there is no kubeconfig or no current context', () => {
    expect(offlineDecision({...base, error: noContext, stage: 'kubeconfig'})).toEqual({
      offline: true,
      why: {stage: 'kubeconfig', reason: 'no current context is set in /dev/null', hint: (noContext as InfgwError).hint},
    });
    const d = offlineDecision({...base, error: noFile, stage: 'kubeconfig'});
    expect(d.offline && d.why.reason).toMatch(/^no kubeconfig found, and no --server given/);
  });

  it('goes offline when the API is unreachable or forbids, keeping the hint (the RBAC rule)', () => {
    const r = offlineDecision({...base, error: refused, stage: 'api'});
    expect(r.offline && r.why).toMatchObject({stage: 'api', reason: 'cannot reach the Kubernetes API server at https://127.0.0.1:1 (ECONNREFUSED: connection refused)'});
    const f = offlineDecision({...base, error: forbidden, stage: 'api', explicitCluster: true});
    expect(f.offline && f.why.reason).toMatch(/^forbidden: inferencepools\.inference\.networking\.k8s\.io is forbidden: User "restricted"/);
    expect(f.offline && f.why.hint).toMatch(/apiGroups \["inference\.networking\.k8s\.io"\], resources \["inferencepools"\], verbs \["list"\]/);
  });

  it('a cluster the user named that the kubeconfig cannot resolve stays an error', () => {
    expect(offlineDecision({...base, error: unknownContext, stage: 'kubeconfig', explicitCluster: true})).toEqual({offline: false, error: unknownContext});
    // ...but a named context whose server is down is a missing cluster: probe anyway
    expect(offlineDecision({...base, error: refused, stage: 'api', explicitCluster: true}).offline).toBe(true);
  });

  it('without --url, or for errors that are not about reaching the cluster, or after Ctrl-C: no', () => {
    expect(offlineDecision({...base, url: undefined, error: noContext, stage: 'kubeconfig'})).toEqual({offline: false, error: noContext});
    for (const error of [noPool, new UsageError('invalid namespace "A"'), new TypeError('x is undefined')]) {
      expect(offlineDecision({...base, error, stage: 'api'})).toEqual({offline: false, error});
    }
    expect(offlineDecision({...base, error: refused, stage: 'api', interrupted: true})).toEqual({offline: false, error: refused});
  });

  it('--url without --model: the same error and exit code, with a hint how to probe offline', () => {
    const d = offlineDecision({...base, model: undefined, error: noContext, stage: 'kubeconfig'});
    expect(d.offline).toBe(false);
    const e = (d as {error: InfgwError}).error;
    expect(e).toBeInstanceOf(InfgwError);
    expect(e.message).toBe('no current context is set in /dev/null');
    expect(e.exitCode).toBe(ExitCode.cluster);
    expect(e.hint).toMatch(/^Pick one with --context.*With --url, add --model NAME to probe that URL without the cluster/);
  });
});

function results(phase: 'identical' | 'unique', n: number, opts: {fail?: number[]; status?: number; ttft?: (i: number) => number} = {}): RequestResult[] {
  return Array.from({length: n}, (_, i) => {
    const failed = opts.fail?.includes(i);
    return {
      phase,
      index: i,
      startMs: i * 100,
      status: failed ? (opts.status ?? 404) : 200,
      ok: !failed,
      ...(failed ? {errorKind: 'http' as const, error: 'The model `m` does not exist.'} : {}),
      ttftMs: failed ? null : (opts.ttft?.(i) ?? (i === 0 ? 640 : 80 + i)),
      totalMs: 900,
      streamed: true,
    };
  });
}
const phase = (p: 'identical' | 'unique', n: number, opts?: Parameters<typeof results>[2]): PhaseRun => ({phase: p, planned: n, results: results(p, n, opts), durationMs: 1000});
const why: OfflineReason = {stage: 'kubeconfig', reason: 'no current context is set in /dev/null', hint: 'Pick one with --context.'};

describe('analyzeOffline', () => {
  it('cannot tell, saying what is unknown and why, with the TTFT it measured', () => {
    const a = analyzeOffline({identical: phase('identical', 6), unique: phase('unique', 6, {ttft: () => 600}), why, url: 'http://gw'});
    expect(a.verdict.result).toBe('cannot-tell');
    expect(a.verdict.reason).toBe(
      'no cluster metrics (no current context is set in /dev/null): which pod served each request and the prefix-cache hit ratios are unknown; 6 of 6 identical, 6 of 6 unique prompts answered, TTFT first 640 ms, repeats median 83 ms, unique median 600 ms',
    );
    expect(a.verdict.nextSteps).toHaveLength(1);
    expect(a.verdict.nextSteps[0]).toMatch(/kubeconfig context for the cluster behind http:\/\/gw/);
    expect(a.verdict.caveats.join(' ')).toMatch(/TTFT alone cannot show prefix affinity/);
    expect(a.pods).toEqual([]);
    expect(a.affinity).toBeNull();
    expect(a.control).toBeNull();
    expect(a.epp).toBeNull();
    expect(a.identical).toMatchObject({sent: 6, succeeded: 6, hitRatio: null, queries: null, hits: null, attribution: {source: 'none', sent: 6, succeeded: 6}});
    expect(a.identical.hitRatioUnknown).toMatch(/^no cluster metrics/);
    expect(a.identical.attribution.problem).toMatch(/^no cluster metrics/);
    expect(a.ttft).toMatchObject({firstMs: 640, restCount: 5, restMedianMs: 83});
    expect(a.unique?.ttft).toEqual({medianMs: 600, p90Ms: 600, count: 6});
  });

  it('failing requests come first, with advice per status; the API hint is a next step only for API errors', () => {
    const a = analyzeOffline({identical: phase('identical', 4, {fail: [0, 1, 2]}), unique: phase('unique', 4), why, url: 'http://gw'});
    expect(a.verdict.reason).toBe('only 1 of 4 identical requests succeeded: 404 ×3 ("The model `m` does not exist.") (and no cluster metrics: no current context is set in /dev/null)');
    expect(a.verdict.nextSteps[0]).toMatch(/^404: check --path and --model/);
    expect(a.verdict.nextSteps.join('\n')).not.toContain('Pick one with --context');
    const api = analyzeOffline({identical: phase('identical', 4), why: {stage: 'api', reason: 'forbidden: …', hint: 'Needs a Role in namespace models rule: …'}, url: 'http://gw'});
    expect(api.verdict.nextSteps).toEqual([expect.stringMatching(/kubeconfig context/), 'Needs a Role in namespace models rule: …']);
  });

  it('a run stopped early says so; no control phase, no unique figures', () => {
    const a = analyzeOffline({identical: phase('identical', 3), why, url: 'http://gw', stoppedBy: 'stopped at --max-requests=3 (20 planned)'});
    expect(a.unique).toBeNull();
    expect(a.verdict.reason).toMatch(/; 3 of 3 identical prompts answered, TTFT first 640 ms, repeats median 82 ms$/);
    expect(a.verdict.caveats[0]).toBe('The run stopped early (stopped at --max-requests=3 (20 planned)); the figures cover what was sent.');
  });
});

// ---------------------------------------------------------------------------------------------
// The whole probe, in-process.

let llm: Server;
let llmUrl: string;
let llmRequests: {model: string; prompt: string}[] = [];
let api: Server;
let apiUrl: string;
/** what the stand-in API server answers for the InferencePool list */
let poolAnswer: 'forbidden' | 'not-served' = 'forbidden';
let apiPaths: string[] = [];

async function listen(s: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

beforeAll(async () => {
  // an OpenAI-compatible server that streams like vLLM: a role-only chunk, then a token, then [DONE]
  llm = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as {model: string; messages: {content: string}[]};
      llmRequests.push({model: body.model, prompt: body.messages[0]?.content ?? ''});
      if (body.model !== 'm') {
        res.writeHead(404, {'content-type': 'application/json'}).end(JSON.stringify({error: {message: `The model \`${body.model}\` does not exist.`, type: 'NotFoundError', code: 404}}));
        return;
      }
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(`data: ${JSON.stringify({choices: [{delta: {role: 'assistant', content: ''}}]})}\n\n`);
      setTimeout(() => {
        res.write(`data: ${JSON.stringify({choices: [{delta: {content: 'ok'}}]})}\n\n`);
        res.end('data: [DONE]\n\n');
      }, 25);
    });
  });
  llmUrl = `http://127.0.0.1:${await listen(llm)}`;
  // the API server: /version answers; listing InferencePools is forbidden, or the CRD is not installed
  api = createServer((req: IncomingMessage, res: ServerResponse) => {
    apiPaths.push(req.url ?? '');
    if (req.url?.startsWith('/version')) {
      res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({gitVersion: 'v1.37.2'}));
    } else if (poolAnswer === 'not-served') {
      res.writeHead(404, {'content-type': 'text/plain'}).end('404 page not found');
    } else {
      const [, , group, , , ns] = (req.url ?? '').split('?')[0]!.split('/');
      res.writeHead(403, {'content-type': 'application/json'}).end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          message: `inferencepools.${group} is forbidden: User "system:anonymous" cannot list resource "inferencepools" in API group "${group}" in the namespace "${ns}"`,
          reason: 'Forbidden',
          details: {group, kind: 'inferencepools'},
          code: 403,
        }),
      );
    }
  });
  apiUrl = `http://127.0.0.1:${await listen(api)}`;
});
afterAll(() => {
  llm?.close();
  api?.close();
});
beforeEach(() => {
  llmRequests = [];
  apiPaths = [];
  poolAnswer = 'forbidden';
});

function options(over: Partial<ProbeOptions> = {}): ProbeOptions {
  return {
    url: llmUrl,
    model: 'm',
    path: '/v1/chat/completions',
    headers: {'X-Api-Key': 'sk-secret'},
    requests: 4,
    prefixTokens: 50,
    concurrency: 2,
    maxTokens: 4,
    maxRequests: 200,
    maxDurationMs: 30_000,
    httpTimeoutMs: 10_000,
    metricsToken: 'auto',
    signal: new AbortController().signal,
    runId: 'r1',
    ...over,
  };
}

function clientFor(server: string, namespace = 'models'): KubeClient {
  return new KubeClient(resolveKubeconfig(loadMergedKubeconfig({}, {KUBECONFIG: '/dev/null'}), {server, namespace}, {}, noInCluster));
}

describe('probeCache without the cluster', () => {
  it('no kubeconfig: sends -N identical and -N unique prompts, times them, and cannot tell', async () => {
    const lines: string[] = [];
    const report = await probeCache(
      async () => new KubeClient(loadKubeconfig({}, {KUBECONFIG: '/dev/null', HOME: emptyHome})),
      options({progress: (l) => lines.push(l)}),
    );
    expect(llmRequests).toHaveLength(8);
    expect(llmRequests.every((r) => r.model === 'm')).toBe(true);
    // the identical prompts are identical; each unique one differs from all others
    expect(new Set(llmRequests.slice(0, 4).map((r) => r.prompt)).size).toBe(1);
    expect(new Set(llmRequests.map((r) => r.prompt)).size).toBe(5);
    expect(report.offline).toEqual({stage: 'kubeconfig', reason: 'no current context is set in /dev/null', hint: expect.stringMatching(/--context/)});
    expect(report.pool).toBeNull();
    expect(report.endpoints).toEqual([]);
    expect(report.snapshots).toEqual([]);
    expect(report.portForwards).toEqual([]);
    expect(report.target).toEqual({url: llmUrl, via: 'flag', path: '/v1/chat/completions', model: 'm', modelSource: '--model', headerNames: ['X-Api-Key']});
    for (const r of [...report.phases.identical.results, ...(report.phases.unique?.results ?? [])]) {
      expect(r).toMatchObject({ok: true, status: 200, streamed: true});
      // the token comes 25 ms after the headers
      expect(r.ttftMs).toBeGreaterThanOrEqual(20);
    }
    expect(report.analysis.verdict.result).toBe('cannot-tell');
    expect(lines[0]).toBe(
      `warning: no cluster metrics (no current context is set in /dev/null); probing ${llmUrl} anyway — which pod served each request and the prefix-cache hit ratios will be unknown`,
    );
    const text = renderProbe(report);
    expect(text).toContain('No cluster metrics: no current context is set in /dev/null');
    expect(text).toMatch(/^identical #1 +200 +\d+ ms +\d+ ms$/m);
    expect(text).toMatch(/^unique #4 +200 +\d+ ms +\d+ ms$/m);
    expect(text).toMatch(/^Hit ratio +unknown \(no cluster metrics/m);
    expect(text).toMatch(/^Verdict: CANNOT TELL — no cluster metrics \(no current context is set in \/dev\/null\)/m);
    expect(text).not.toContain('sk-secret');
  });

  it('a wrong --model: every request fails, the verdict leads with the 404 advice, the text lists each error', async () => {
    const report = await probeCache(async () => new KubeClient(loadKubeconfig({}, {KUBECONFIG: '/dev/null', HOME: emptyHome})), options({model: 'llama', requests: 3}));
    expect(llmRequests).toHaveLength(6);
    const v = report.analysis.verdict;
    expect(v.result).toBe('cannot-tell');
    expect(v.reason).toBe('only 0 of 3 identical requests succeeded: 404 ×6 ("The model `llama` does not exist.") (and no cluster metrics: no current context is set in /dev/null)');
    expect(v.nextSteps[0]).toMatch(/^404: check --path and --model/);
    expect(renderProbe(report)).toMatch(/^identical #1 +404 +— +\d+ ms +The model `llama` does not exist\.$/m);
  });

  it('keeps to --max-requests', async () => {
    const report = await probeCache(async () => new KubeClient(loadKubeconfig({}, {KUBECONFIG: '/dev/null', HOME: emptyHome})), options({requests: 4, maxRequests: 5}));
    expect(llmRequests).toHaveLength(5);
    expect(report.phases.unique?.results).toHaveLength(1);
    expect(report.stopped).toEqual({by: 'max-requests', message: 'stopped at --max-requests=5 (8 planned)'});
    expect(report.analysis.verdict.caveats[0]).toMatch(/stopped early/);
  });

  it('a context whose API forbids reading InferencePools: probes anyway, the reason names the rule', async () => {
    const kube = clientFor(apiUrl);
    const report = await probeCache(kube, options());
    kube.close();
    expect(apiPaths[0]).toBe('/version');
    expect(apiPaths.some((p) => p.startsWith('/apis/inference.networking.k8s.io/v1/namespaces/models/inferencepools'))).toBe(true);
    expect(report.offline?.stage).toBe('api');
    expect(report.offline?.reason).toMatch(/^forbidden: inferencepools\.inference\.networking\.k8s\.io is forbidden/);
    expect(report.analysis.verdict.nextSteps[1]).toMatch(/^Needs a Role in namespace models rule/);
    expect(llmRequests).toHaveLength(8);
  });

  it('a context whose API server refuses the connection: probes anyway', async () => {
    const closed = createServer();
    const port = await listen(closed);
    closed.close();
    const kube = clientFor(`http://127.0.0.1:${port}`);
    const report = await probeCache(kube, options());
    kube.close();
    expect(report.offline?.reason).toBe(`cannot reach the Kubernetes API server at http://127.0.0.1:${port} (ECONNREFUSED: connection refused)`);
    expect(llmRequests).toHaveLength(8);
  });

  it('an API server that never answers: gives up after the check bound and probes anyway', async () => {
    const silent = createTcpServer(() => {});
    const port = await listen(silent);
    try {
      const kube = clientFor(`http://127.0.0.1:${port}`);
      const t0 = performance.now();
      const report = await probeCache(kube, options({clusterCheckMs: 400}));
      kube.close();
      expect(report.offline?.reason).toBe(`the Kubernetes API server at http://127.0.0.1:${port} did not answer within 0.4 s`);
      expect(report.offline?.hint).toMatch(/--request-timeout/);
      expect(performance.now() - t0).toBeLessThan(10_000);
      expect(llmRequests).toHaveLength(8);
    } finally {
      silent.close();
    }
  });

  it('stays an error: a cluster that answers but has no InferencePool (as before), a named context that does not exist, no --model', async () => {
    poolAnswer = 'not-served';
    const kube = clientFor(apiUrl);
    await expect(probeCache(kube, options())).rejects.toMatchObject({message: 'there is no InferencePool in namespace models', exitCode: ExitCode.problems});
    kube.close();
    await expect(
      probeCache(async () => new KubeClient(loadKubeconfig({context: 'nope'}, {KUBECONFIG: kubeconfigFile, HOME: emptyHome})), options({explicitCluster: true})),
    ).rejects.toMatchObject({message: 'context was not found for specified context: nope', exitCode: ExitCode.cluster});
    await expect(
      probeCache(async () => new KubeClient(loadKubeconfig({}, {KUBECONFIG: '/dev/null', HOME: emptyHome})), options({model: undefined})),
    ).rejects.toMatchObject({message: 'no current context is set in /dev/null', exitCode: ExitCode.cluster, hint: expect.stringMatching(/add --model NAME/)});
    expect(llmRequests).toHaveLength(0);
  });
});
