// `kubectl infgw doctor` end to end for the issue-11 EPP checks (branch igw11-epp): the BUILT binary
// against the real test control plane, one install per fault in its own namespace
// (test/scenarios/faults-igw11-epp.ts), plus one healthy install that must stay at 0 errors and 0
// warnings with the new checks in the catalog. Pattern of doctor.e2e.test.ts: fault applied, doctor
// run with -n, code/severity/object/message/fix asserted.
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {run, type RunResult} from '../harness/cluster.ts';
import {installHealthy, type FaultName, type Installation, type Names} from '../scenarios/index.ts';

const kubeconfig = inject('kubeconfig');
const RUN = Date.now().toString(36).slice(-5);

interface Finding {
  code: string;
  severity: 'error' | 'warning' | 'info' | 'ok' | 'skipped' | 'blocked';
  object: {apiVersion: string; kind: string; namespace?: string; name: string} | null;
  message: string;
  fix: string | null;
  blockedBy: string[];
}
interface DoctorJson {
  summary: {errors: number; warnings: number; skipped: number; blocked: number};
  findings: Finding[];
}

let BIN = '';
async function buildCli(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'infgw-doctor-igw11-epp-'));
  await run('node', ['scripts/build.ts', '--outdir', join(dir, 'dist')], {timeoutMs: 300_000});
  await run('sh', ['-c', `cp -R bin package.json oclif.manifest.json "${dir}/"`]);
  BIN = join(dir, 'bin', 'kubectl-infgw');
}

async function doctorJson(namespace: string): Promise<RunResult & {json: DoctorJson}> {
  const r = await run(BIN, ['doctor', '-o', 'json', '-n', namespace], {kubeconfig, allowFail: true, timeoutMs: 120_000});
  let json: DoctorJson;
  try {
    json = JSON.parse(r.stdout) as DoctorJson;
  } catch {
    throw new Error(`doctor printed no JSON (exit ${r.code}): ${r.stderr}`);
  }
  return {...r, json};
}

function describeFinding(f: Finding): string {
  return `${f.code} ${f.severity} ${f.object ? `${f.object.kind} ${f.object.namespace ?? ''}/${f.object.name}` : '-'}: ${f.message.slice(0, 200)}`;
}
const problemsOf = (j: DoctorJson) => j.findings.filter((f) => f.severity === 'error' || f.severity === 'warning');

interface Case {
  fault: FaultName;
  exit: 0 | 1;
  want: (n: Names) => {code: string; severity: Finding['severity']; kind: string; namespace: string; name: string; message: string[]; fix: string[]}[];
  /** every error and warning code this install may show (root cause and consequences) */
  allowed: string[];
}

const CASES: Case[] = [
  {
    // NF9: replicas > 1 without leader election (research issue11 NF9)
    fault: 'epp-replicas-no-leader-election',
    exit: 0,
    want: (n) => [
      {
        code: 'IGW-427',
        severity: 'warning',
        kind: 'Deployment',
        namespace: n.namespace,
        name: n.eppDeployment,
        message: ['2 replicas without --ha-enable-leader-election', 'prefix-cache'],
        fix: ['"value":"--ha-enable-leader-election"', `kubectl create role ${n.eppDeployment}-leader-election -n ${n.namespace}`, `helm upgrade ${n.release}`, '--set epp.replicas=1'],
      },
    ],
    allowed: ['IGW-427'],
  },
  {
    // NF10: verbosity ≥ 4
    fault: 'epp-debug-verbosity',
    exit: 0,
    want: (n) => [
      {
        code: 'IGW-426',
        severity: 'warning',
        kind: 'Deployment',
        namespace: n.namespace,
        name: n.eppDeployment,
        message: ['verbosity 4', 'DEBUG'],
        fix: [`kubectl patch deployment ${n.eppDeployment} -n ${n.namespace} --type json`, '"value":"--v=2"'],
      },
    ],
    // a hand edit of a chart-managed Deployment: IGW-402 rightly warns that helm would undo it
    allowed: ['IGW-426', 'IGW-402'],
  },
  {
    // NF12 / item 5: Alpha plugin on llm-d-router v0.10 without --allow-experimental-plugins
    fault: 'epp-router-alpha-plugin',
    exit: 1,
    want: (n) => [
      {
        code: 'IGW-606',
        severity: 'error',
        kind: 'Deployment',
        namespace: n.namespace,
        name: n.eppDeployment,
        message: ['session-affinity-scorer', 'Alpha stability level', 'llm-d-router v0.10.0'],
        fix: [`kubectl patch deployment ${n.eppDeployment} -n ${n.namespace}`, '"value":"--allow-experimental-plugins"'],
      },
    ],
    // the crash loop itself is IGW-405 (phase 4 runs before phase 6, as for scheduling-unknown-plugin)
    allowed: ['IGW-405', 'IGW-606', 'IGW-402'],
  },
  {
    // NF12: strict decoding — the chart's inline saturationDetector on llm-d-router v0.10
    fault: 'epp-router-inline-saturation',
    exit: 1,
    want: (n) => [
      {
        code: 'IGW-604',
        severity: 'error',
        kind: 'ConfigMap',
        namespace: n.namespace,
        name: n.eppConfigMap,
        message: ['saturationDetector.queueDepthThreshold', 'llm-d-router v0.10.0', 'exits at start-up'],
        fix: ['type: utilization-detector', 'pluginRef: utilization-detector'],
      },
    ],
    allowed: ['IGW-405', 'IGW-604', 'IGW-402'],
  },
  {
    // NF15: api_base without /v1
    fault: 'litellm-api-base-no-v1',
    exit: 1,
    want: (n) => [
      {
        code: 'IGW-702',
        severity: 'error',
        kind: 'ConfigMap',
        namespace: n.litellmNamespace,
        name: n.litellmConfigMap,
        message: ['does not end in /v1', `${n.gatewayUrl}/chat/completions`],
        fix: [`api_base: ${n.gatewayUrl}/v1`],
      },
    ],
    allowed: ['IGW-702'],
  },
  {
    // NF15: LiteLLM model ≠ vLLM --served-model-name
    fault: 'litellm-model-not-served',
    exit: 1,
    want: (n) => [
      {
        code: 'IGW-703',
        severity: 'error',
        kind: 'ConfigMap',
        namespace: n.litellmNamespace,
        name: n.litellmConfigMap,
        message: [`"model": "Qwen/${n.servedModel}"`, `serve "${n.servedModel}"`],
        fix: [`model: hosted_vllm/${n.servedModel}`],
      },
    ],
    allowed: ['IGW-703'],
  },
];

let healthy: Installation | undefined;
const installs: Installation[] = [];
const results = new Map<FaultName, Promise<{names: Names; doctor: RunResult & {json: DoctorJson}}>>();
let cliReady!: Promise<void>;

async function runCase(c: Case): Promise<{names: Names; doctor: RunResult & {json: DoctorJson}}> {
  const inst = await installHealthy(kubeconfig, {namespace: `d11-${RUN}-${c.fault}`.slice(0, 50).replace(/-+$/, ''), pods: 2});
  installs.push(inst);
  await inst.inject(c.fault);
  await cliReady;
  return {names: structuredClone(inst.names), doctor: await doctorJson(inst.names.namespace)};
}

beforeAll(async () => {
  cliReady = buildCli();
  cliReady.catch(() => {});
  const h = installHealthy(kubeconfig, {namespace: `d11-${RUN}-healthy`, pods: 2, withEppMetrics: true});
  h.catch(() => {});
  // installs one after the other: 2 shared cores
  let chain: Promise<unknown> = h.catch(() => {});
  for (const c of CASES) {
    const p = chain.then(() => runCase(c));
    p.catch(() => {});
    results.set(c.fault, p);
    chain = p.catch(() => {});
  }
  healthy = await h;
  installs.push(healthy);
  await cliReady;
}, 900_000);

afterAll(async () => {
  await Promise.allSettled([...results.values()]);
  await Promise.all(installs.map((i) => i.cleanup().catch((e: unknown) => console.error(`[doctor-igw11-epp] clean-up: ${String(e)}`))));
}, 300_000);

describe('doctor on a healthy install with the issue-11 EPP checks', () => {
  it('exits 0 with no error and no warning; none of the new checks complains; config and LiteLLM checks say ok', async () => {
    const r = await doctorJson(healthy!.names.namespace);
    expect(r.code, problemsOf(r.json).map(describeFinding).join('\n')).toBe(0);
    expect(r.json.summary, problemsOf(r.json).map(describeFinding).join('\n')).toMatchObject({errors: 0, warnings: 0, skipped: 0, blocked: 0});
    // the chart install runs GIE v1.4.0 with a config: the config checks ran and said ok; LiteLLM's
    // api_base ends in /v1 and names the served model
    for (const code of ['IGW-425', 'IGW-604', 'IGW-605', 'IGW-702', 'IGW-703']) {
      const mine = r.json.findings.filter((f) => f.code === code);
      if (code === 'IGW-425') expect(mine).toEqual([]); // GIE accepts the metric flags: not judged
      else expect(mine.map((f) => f.severity), `${code}: ${mine.map(describeFinding).join('\n')}`).toEqual(['ok']);
    }
  }, 180_000);
});

describe('doctor finds each issue-11 EPP fault: code, severity, object, fix with real names', () => {
  for (const c of CASES) {
    it(`${c.fault} → ${c.want({} as Names)[0]?.code ?? ''}`, async () => {
      const {names, doctor} = await results.get(c.fault)!;
      const j = doctor.json;
      for (const w of c.want(names)) {
        const f = j.findings.find((x) => x.code === w.code && x.severity === w.severity && x.object?.kind === w.kind && x.object.namespace === w.namespace && x.object.name === w.name);
        expect(f, `expected ${w.code} ${w.severity} on ${w.kind} ${w.namespace}/${w.name}; got:\n${j.findings.filter((x) => x.code === w.code).map(describeFinding).join('\n') || '(none)'}\nall problems:\n${problemsOf(j).map(describeFinding).join('\n')}`).toBeDefined();
        for (const m of w.message) expect(f!.message, `message should contain ${m}`).toContain(m);
        for (const m of w.fix) expect(f!.fix ?? '', `fix should contain ${m}`).toContain(m);
      }
      const own = problemsOf(j).filter((f) => !f.object?.namespace || f.object.namespace === names.namespace);
      expect(own.filter((f) => !c.allowed.includes(f.code)).map(describeFinding), 'no problem beyond the fault\'s own').toEqual([]);
      expect(doctor.code, problemsOf(j).map(describeFinding).join('\n')).toBe(c.exit);
    }, 900_000);
  }
});
