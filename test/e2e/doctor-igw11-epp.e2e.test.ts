// `kubectl infgw doctor` end to end for the issue-11 EPP checks (branch igw11-epp): the BUILT binary
// against the real test control plane, one install per fault in its own namespace
// (test/scenarios/faults-igw11-epp.ts), plus one healthy install that must stay at 0 errors and 0
// warnings with the new checks in the catalog. Pattern of doctor.e2e.test.ts: fault applied, doctor
// run with -n, code/severity/object/message/fix asserted.
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {installHealthy, type FaultName, type Installation, type Names} from '../scenarios/index.ts';
import {describeFinding, doctorCli, expectHealthy, expectWanted, faultNamespace, limiter, problems, type DoctorCli, type DoctorJson, type DoctorRun, type Want} from './support/doctor-run.ts';

const kubeconfig = inject('kubeconfig');
const RUN = Date.now().toString(36).slice(-5);

/** Errors and warnings: a fault install may show only the codes in its `allowed` list. */
const problemsOf = (j: DoctorJson) => j.findings.filter((f) => f.severity === 'error' || f.severity === 'warning');

interface Case {
  fault: FaultName;
  exit: 0 | 1;
  want: (n: Names) => Want[];
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
const results = new Map<FaultName, Promise<{names: Names; doctor: DoctorRun & {json: DoctorJson}}>>();
let cli!: DoctorCli;

async function runCase(c: Case): Promise<{names: Names; doctor: DoctorRun & {json: DoctorJson}}> {
  const inst = await installHealthy(kubeconfig, {namespace: faultNamespace('d11', RUN, c.fault), pods: 2});
  installs.push(inst);
  await inst.inject(c.fault);
  return {names: structuredClone(inst.names), doctor: await cli.doctorJsonIn(inst.names.namespace)};
}

beforeAll(async () => {
  cli = doctorCli(kubeconfig, {name: 'infgw-doctor-igw11-epp', manifest: 'committed', timeoutMs: 300_000});
  const h = installHealthy(kubeconfig, {namespace: `d11-${RUN}-healthy`, pods: 2, withEppMetrics: true});
  h.catch(() => {});
  // installs one after the other, after the healthy one: 2 shared cores
  const limit = limiter(1);
  for (const c of CASES) {
    const p = h.catch(() => {}).then(() => limit(() => runCase(c)));
    p.catch(() => {});
    results.set(c.fault, p);
  }
  healthy = await h;
  installs.push(healthy);
  await cli.ready;
}, 900_000);

afterAll(async () => {
  await Promise.allSettled([...results.values()]);
  await Promise.all(installs.map((i) => i.cleanup().catch((e: unknown) => console.error(`[doctor-igw11-epp] clean-up: ${String(e)}`))));
}, 300_000);

describe('doctor on a healthy install with the issue-11 EPP checks', () => {
  it('exits 0 with no error and no warning; none of the new checks complains; config and LiteLLM checks say ok', async () => {
    const j = expectHealthy(await cli.doctorJsonIn(healthy!.names.namespace));
    // the chart install runs GIE v1.4.0 with a config: the config checks ran and said ok; LiteLLM's
    // api_base ends in /v1 and names the served model
    for (const code of ['IGW-425', 'IGW-604', 'IGW-605', 'IGW-702', 'IGW-703']) {
      const mine = j.findings.filter((f) => f.code === code);
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
      for (const w of c.want(names)) expectWanted(j, w);
      const own = problemsOf(j).filter((f) => !f.object?.namespace || f.object.namespace === names.namespace);
      expect(own.filter((f) => !c.allowed.includes(f.code)).map(describeFinding), 'no problem beyond the fault\'s own').toEqual([]);
      expect(doctor.code, problems(j)).toBe(c.exit);
    }, 900_000);
  }
});
