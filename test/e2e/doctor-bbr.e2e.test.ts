// `kubectl infgw doctor` end to end on body-based routing (issue 16): the BUILT binary against the
// real test control plane. One healthy two-model install with BBR (install-bbr.ts) → 0 errors, 0
// warnings; then one install per BBR fault (faults-bbr.ts) in its own namespace, each checked for
// exit code, the root-cause finding (code, severity, object, message, fix with the real names) and
// the routes BBR feeds reported "blocked by" it. Pattern of doctor.e2e.test.ts.
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {installHealthy, installHealthyBbr, type FaultName, type Installation, type Names} from '../scenarios/index.ts';
import {describeFinding, doctorCli, expectHealthy, expectWanted, faultNamespace, limiter, problems, type DoctorCli, type DoctorJson, type DoctorRun, type Want} from './support/doctor-run.ts';

const kubeconfig = inject('kubeconfig');
const RUN = Date.now().toString(36).slice(-5);

interface Case {
  fault: FaultName;
  want: (n: Names) => Want;
  /** the pools whose IGW-442 (routes fed by BBR) must be blocked by the root cause */
  blockedRoutes: string;
  /** other checks blocked by the root cause */
  blocked?: [string, string][];
}

const POLICY = 'body-based-router';
const CASES: Case[] = [
  {
    fault: 'bbr-policy-not-accepted',
    want: (n) => ({
      code: 'IGW-438',
      severity: 'error',
      kind: 'EnvoyExtensionPolicy',
      namespace: n.namespace,
      name: POLICY,
      message: ['TargetNotFound', `No section name https found for Gateway ${n.namespace}/${n.gateway}`, 'listeners are http', 'no request matches the header rules'],
      fix: [`kubectl patch envoyextensionpolicy ${POLICY} -n ${n.namespace} --type json`, '"path":"/spec/targetRefs/0/sectionName","value":"http"'],
    }),
    blockedRoutes: 'IGW-438',
  },
  {
    fault: 'bbr-buffered-response',
    want: (n) => ({
      code: 'IGW-439',
      severity: 'error',
      kind: 'EnvoyExtensionPolicy',
      namespace: n.namespace,
      name: POLICY,
      message: ['response body Buffered', '--streaming', 'messageTimeout'],
      fix: [`kubectl patch envoyextensionpolicy ${POLICY} -n ${n.namespace} --type json`, '"op":"remove","path":"/spec/extProc/0/processingMode/response"'],
    }),
    blockedRoutes: 'IGW-439',
  },
  {
    fault: 'bbr-unavailable',
    want: (n) => ({
      code: 'IGW-436',
      severity: 'error',
      kind: 'Deployment',
      namespace: n.namespace,
      name: 'body-based-router',
      message: ['has no available replica', 'keeps crashing', 'every request through the Gateway'],
      fix: [`-n ${n.namespace}`, 'body-based-router-'],
    }),
    blockedRoutes: 'IGW-436',
    blocked: [['IGW-437', 'IGW-436']],
  },
];

let healthy: {inst: Installation; run: DoctorRun};
const faulty = new Map<FaultName, Promise<{inst: Installation; r: DoctorRun & {json: DoctorJson}}>>();
const installs: Installation[] = [];
let cli!: DoctorCli;

beforeAll(async () => {
  cli = doctorCli(kubeconfig, {name: 'infgw-doctor-bbr-cli', manifest: 'committed', timeoutMs: 300_000});
  // Installs start while the binary is built: the healthy one and one fault install at a time (2 cores).
  const h = installHealthyBbr(kubeconfig, {namespace: `bbr-${RUN}-healthy`, pods: 2});
  const limit = limiter(1);
  for (const c of CASES) {
    const p = limit(async () => {
      const inst = await installHealthy(kubeconfig, {namespace: faultNamespace('bbr', RUN, c.fault), pods: 1});
      installs.push(inst);
      await inst.inject(c.fault);
      return {inst, r: await cli.doctorJsonIn(inst.names.namespace)};
    });
    p.catch(() => {});
    faulty.set(c.fault, p);
  }
  const hi = await h;
  installs.push(hi.inst);
  healthy = {inst: hi.inst, run: await cli.doctorJson(['-n', hi.inst.names.namespace])};
}, 900_000);

afterAll(async () => {
  await Promise.all([...faulty.values()].map((p) => p.catch(() => {})));
  await Promise.all(installs.map((i) => i.cleanup().catch((e: unknown) => console.error(`[doctor-bbr e2e] clean-up of ${i.names.namespace}: ${String(e)}`))));
}, 300_000);

describe('doctor on a healthy two-model install with body-based routing', () => {
  it('exits 0 with 0 errors and 0 warnings, nothing blocked; every BBR check ran and is ok', () => {
    const j = expectHealthy(healthy.run, {errors: 0, warnings: 0, blocked: 0});
    for (const code of ['IGW-435', 'IGW-436', 'IGW-437', 'IGW-438', 'IGW-439', 'IGW-440', 'IGW-441']) {
      expect(
        j.findings.filter((f) => f.code === code).map((f) => f.severity),
        `${code}:\n${j.findings.filter((f) => f.code === code).map(describeFinding).join('\n')}`,
      ).toEqual(['ok']);
    }
    const n = healthy.inst.names;
    // both pools' routes are fed by BBR and judged ok
    expect(
      j.findings
        .filter((f) => f.code === 'IGW-442')
        .map((f) => `${f.pool ?? ''} ${f.severity}`)
        .sort(),
    ).toEqual([`${n.namespace}/deepseek-r1-pool ok`, `${n.namespace}/${n.pool} ok`]);
    expect(j.findings.find((f) => f.code === 'IGW-435')!.message).toContain('found by image, --plugin args');
    // the BBR policy is BBR's, not "another policy" (IGW-414)
    expect(j.findings.filter((f) => f.code === 'IGW-414' && f.object?.name === POLICY)).toEqual([]);
  });
});

describe('doctor on body-based routing faults', () => {
  for (const c of CASES) {
    it(`${c.fault} → ${c.want({namespace: 'ns', gateway: 'gw'} as Names).code} error, routes blocked by it`, async () => {
      const {inst, r} = await faulty.get(c.fault)!;
      const n = inst.names;
      const j = r.json;
      expect(r.code, problems(j)).toBe(1);
      const w = c.want(n);
      expectWanted(j, w);
      // root cause first: the only error of this install is the BBR one; what it feeds is blocked by it
      expect(
        j.findings.filter((x) => x.severity === 'error').map((x) => x.code),
        problems(j),
      ).toEqual([w.code]);
      const routes = j.findings.filter((x) => x.code === 'IGW-442');
      expect(routes.length, problems(j)).toBe(2);
      for (const x of routes) expect([x.severity, x.blockedBy], describeFinding(x)).toEqual(['blocked', [c.blockedRoutes]]);
      for (const [code, root] of c.blocked ?? []) {
        const b = j.findings.find((x) => x.code === code);
        expect(b && [b.severity, b.blockedBy], problems(j)).toEqual(['blocked', [root]]);
      }
    });
  }
});
