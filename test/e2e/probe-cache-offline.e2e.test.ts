// `kubectl infgw probe-cache --url --model` as a new user runs it: the built binary, no kubeconfig
// at all (KUBECONFIG=/dev/null, an empty HOME), against the project's simulator (llm-d
// inference-sim, an OpenAI-compatible streaming server). Then a context that exists but may not
// read the pool (the test control plane's "restricted" user), and one that works but has no pool.
// The simulator's own request counter is the oracle for how many requests really arrived.
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {kubectl, run, startSim, type RunResult, type Sim} from '../harness/cluster.ts';
import {buildCli} from '../harness/cli.ts';
import {parseExposition} from '../../src/metrics/exposition.ts';
import {readVllm} from '../../src/metrics/read.ts';
import type {ProbeReport} from '../../src/probe/run.ts';

const kubeconfig = inject('kubeconfig');
const restrictedKubeconfig = inject('restrictedKubeconfig');
let BIN = '';
const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const TTFT_MS = 40;
const ns = `probe-offline-${Date.now().toString(36)}`;

let sim: Sim;
let home: string;

/** Requests the simulator finished (vllm:request_success, every finished_reason), read from its own /metrics. */
async function served(): Promise<number> {
  const text = await (await fetch(`${sim.url}/metrics`)).text();
  const r = readVllm(parseExposition(text)).requestSuccess;
  if (!r.found) throw new Error(`the simulator exposes no request counter:\n${text.slice(0, 500)}`);
  return r.value;
}

/** The binary with a clean environment: no KUBECONFIG from the runner, HOME without ~/.kube. */
function infgw(args: string[], env: Record<string, string>): Promise<RunResult> {
  return run(BIN, ['probe-cache', ...args], {allowFail: true, timeoutMs: 120_000, env: {PATH: process.env.PATH ?? '', HOME: home, ...env}});
}

type Doc = {schemaVersion: number; probe: ProbeReport};

beforeAll(async () => {
  // The CLI as it ships, built into a private folder (test/harness/cli.ts): no other test file's
  // build can change it while this one runs.
  ({bin: BIN} = await buildCli({name: 'infgw-probe-cli', manifest: 'committed'}));
  home = mkdtempSync(join(tmpdir(), 'infgw-offline-home-'));
  sim = await startSim({model: MODEL, mode: 'echo', timeToFirstToken: TTFT_MS, enableKvcache: true});
  await kubectl(['create', 'namespace', ns], {kubeconfig});
}, 300_000);

afterAll(async () => {
  await sim?.stop();
  if (home) rmSync(home, {recursive: true, force: true});
  await kubectl(['delete', 'namespace', ns, '--wait=false'], {kubeconfig, allowFail: true});
});

describe('probe-cache --url --model without a cluster', () => {
  it('no kubeconfig: sends -N identical and -N unique streamed prompts, measures TTFT, exits 1 "cannot tell" with the reason', async () => {
    const before = await served();
    const r = await infgw(['--url', sim.url, '--model', MODEL, '-N', '4', '-o', 'json'], {KUBECONFIG: '/dev/null'});
    expect(r.code, r.stderr).toBe(1);
    // the simulator really served 2 × 4
    expect((await served()) - before).toBe(8);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.schemaVersion).toBe(1);
    const p = doc.probe;
    expect(p.offline).toEqual({stage: 'kubeconfig', reason: 'no current context is set in /dev/null', hint: expect.stringMatching(/--context/)});
    expect(p.pool).toBeNull();
    expect(p.endpoints).toEqual([]);
    expect(p.snapshots).toEqual([]);
    expect(p.target).toMatchObject({url: sim.url, via: 'flag', model: MODEL, modelSource: '--model'});
    const all = [...p.phases.identical.results, ...(p.phases.unique?.results ?? [])];
    expect(all).toHaveLength(8);
    for (const x of all) {
      expect(x).toMatchObject({ok: true, status: 200, streamed: true});
      // the simulator waits TTFT_MS before its first token: what we measured cannot be less
      expect(x.ttftMs).toBeGreaterThanOrEqual(TTFT_MS);
      expect(x.totalMs).toBeGreaterThanOrEqual(x.ttftMs as number);
    }
    const a = p.analysis;
    expect(a.ttft.firstMs).toBeGreaterThanOrEqual(TTFT_MS);
    expect(a.ttft.series).toHaveLength(4);
    expect(a.identical).toMatchObject({sent: 4, succeeded: 4, hitRatio: null, attribution: {source: 'none'}});
    expect(a.affinity).toBeNull();
    expect(a.verdict.result).toBe('cannot-tell');
    expect(a.verdict.reason).toMatch(
      /^no cluster metrics \(no current context is set in \/dev\/null\): which pod served each request and the prefix-cache hit ratios are unknown; 4 of 4 identical, 4 of 4 unique prompts answered, TTFT first \d+ ms/,
    );
    expect(r.stderr).toMatch(/^warning: no cluster metrics \(no current context is set in \/dev\/null\); probing http:\/\/127\.0\.0\.1:\d+ anyway/m);
  });

  it('keeps to --max-requests (counted by the simulator), and the text report lists each request', async () => {
    const before = await served();
    const r = await infgw(['--url', sim.url, '--model', MODEL, '-N', '4', '--max-requests', '5', '--concurrency', '2', '--no-color'], {KUBECONFIG: '/dev/null'});
    expect(r.code, r.stderr).toBe(1);
    expect((await served()) - before).toBe(5);
    expect(r.stdout).toMatch(/^No cluster metrics: no current context is set in \/dev\/null$/m);
    for (const row of ['identical #1', 'identical #4', 'unique #1']) expect(r.stdout).toMatch(new RegExp(`^${row} +200 +\\d+ ms +\\d+ ms$`, 'm'));
    expect(r.stdout).not.toMatch(/^unique #2/m);
    expect(r.stdout).toMatch(/^Stopped +stopped at --max-requests=5 \(8 planned\)$/m);
    expect(r.stdout).toMatch(/^Verdict: CANNOT TELL — no cluster metrics/m);
  });

  it('a context that exists but may not read InferencePools: warns, probes anyway, names the RBAC rule', async () => {
    const before = await served();
    const r = await infgw(['--kubeconfig', restrictedKubeconfig, '-n', ns, '--url', sim.url, '--model', MODEL, '-N', '3', '-o', 'json'], {});
    expect(r.code, r.stderr).toBe(1);
    expect((await served()) - before).toBe(6);
    const p = (JSON.parse(r.stdout) as Doc).probe;
    expect(p.offline?.stage).toBe('api');
    expect(p.offline?.reason).toMatch(/^forbidden: .*cannot list resource "inferencepools" in API group "inference\.networking\.(k8s|x-k8s)\.io" in the namespace "probe-offline-/);
    expect(p.offline?.hint).toMatch(/^Needs a Role in namespace probe-offline-\S+ rule: apiGroups \["inference\.networking/);
    expect(p.analysis.verdict.result).toBe('cannot-tell');
    expect(r.stderr).toMatch(/^warning: no cluster metrics \(forbidden: /m);
  });

  it('a context that works: as before — a namespace without an InferencePool is an error, and nothing is sent', async () => {
    const before = await served();
    const r = await infgw(['--kubeconfig', kubeconfig, '-n', ns, '--url', sim.url, '--model', MODEL, '-N', '3'], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: there is no InferencePool in namespace ${ns}`);
    expect((await served()) - before).toBe(0);
  });
});
