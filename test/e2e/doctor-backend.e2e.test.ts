// `kubectl infgw doctor` end to end for Envoy Gateway's Backend (issue 11 leftover): the BUILT binary against
// the real test control plane, with Envoy Gateway v1.9.1's own Backend CRD (copied from the Envoy Gateway
// Go module by scripts/build-cluster.sh into .tools/share/envoy-gateway/crds/) installed into the shared
// cluster and Established first. That is safe for the other tests: doctor lists Backends only when an
// EnvoyExtensionPolicy ext-proc or an HTTPRoute rule names one (src/snapshot/take.ts backendReferenced),
// and no check reads the Backend CRD itself. One install per fault of test/scenarios/faults-backend.ts,
// each checked for exit code, code, severity, object, message and fix. Pattern of doctor-igw11b.e2e.test.ts.
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {faults, ScenarioKube, type FaultName, type InstallOptions, type Names} from '../scenarios/index.ts';
import {BACKEND_CRD_NAME, ensureBackendCrd} from '../scenarios/faults-backend.ts';
import {describeFinding, doctorCli, expectWanted, problems, type DoctorCli, type DoctorJson, type Want, faultRuns} from './support/doctor-run.ts';

const kubeconfig = inject('kubeconfig');
const RUN = Date.now().toString(36).slice(-5);
const PARALLEL = 2;

interface Case {
  fault: FaultName;
  title: string;
  install: Partial<InstallOptions>;
  exit: 0 | 1;
  want: (n: Names) => Want[];
  /** findings that must NOT be there: [code, severity] */
  absent?: (n: Names) => [string, Want['severity']][];
  /** text no IGW-411 error's fix may hold */
  notInFix?: string[];
  /** the error codes this install may show */
  errors: string[];
}

const EPP = (n: Names) => ({kind: 'Deployment', namespace: n.namespace, name: n.eppDeployment});
const BACKEND = (n: Names) => `Backend ${n.namespace}/${n.eppService}-backend`;

const CASES: Case[] = [
  {
    fault: 'policy-backend-tls-plaintext-epp',
    title: 'IGW-411 error on the EPP (Backend dials TLS, EPP plaintext)',
    install: {wiring: 'extension-policy'},
    exit: 1,
    want: (n) => [
      {
        code: 'IGW-411',
        severity: 'error',
        ...EPP(n),
        message: [`EnvoyExtensionPolicy ${n.namespace}/${n.extensionPolicy} sends ext-proc through ${BACKEND(n)}, which dials TLS (spec.tls)`, `EPP ${n.namespace}/${n.eppDeployment} serves plaintext gRPC`],
        fix: [`helm upgrade ${n.release}`, `-n ${n.namespace}`, 'epp.secureServing=true'],
      },
      // every 'extension-policy' install also has the Envoy AI Gateway wiring, which always dials the EPP with TLS
      // (doctor.e2e.test.ts MIX_PLAINTEXT) — the same code on the same EPP. Through the TLS Backend the policy
      // dials TLS too, so TLS on the EPP serves both: no "remove the policy" (the doctor bug this e2e found)
      {code: 'IGW-411', severity: 'error', ...EPP(n), message: ['Envoy AI Gateway always dials the EPP with TLS'], fix: ['epp.secureServing=true']},
    ],
    notInFix: ['extensionPolicy.enabled=false'],
    errors: ['IGW-411'],
  },
  {
    fault: 'policy-backend-tls-epp-tls',
    title: 'no IGW-411 (Backend dials TLS, EPP serves TLS)',
    install: {wiring: 'extension-policy'},
    exit: 0,
    // the chain followed the Backend to the EPP Service (not an "other" policy on the Gateway)
    want: (n) => [{code: 'IGW-411', severity: 'ok', kind: 'EnvoyExtensionPolicy', namespace: n.namespace, name: n.extensionPolicy, message: [`EnvoyExtensionPolicy ${n.extensionPolicy} → EPP Service ${n.eppService}:9002, Accepted`]}],
    absent: () => [
      ['IGW-411', 'error'],
      ['IGW-411', 'warning'],
    ],
    errors: [],
  },
  {
    fault: 'route-backend-no-timeout',
    title: 'IGW-416 warning on the HTTPRoute (rule → Backend → model-server Service, no timeouts.request)',
    install: {},
    exit: 0,
    want: (n) => [
      {
        code: 'IGW-416',
        severity: 'warning',
        kind: 'HTTPRoute',
        namespace: n.namespace,
        name: `${n.release}-direct`,
        message: [
          `HTTPRoute ${n.namespace}/${n.release}-direct rule 0 to Backend ${n.namespace}/${n.modelService}-backend → Service ${n.namespace}/${n.modelService} (the model servers of pool ${n.namespace}/${n.pool})`,
          'sets no timeouts.request',
          "Envoy's default of 15 s",
        ],
        fix: [`kubectl patch httproute ${n.release}-direct -n ${n.namespace} --type json -p '[{"op":"add","path":"/spec/rules/0/timeouts","value":{"request":"300s"}}]'`],
      },
    ],
    errors: [],
  },
];

/**
 * expectWanted() for a finding that shares code, severity and object with another (IGW-411 reports each
 * wiring's TLS mismatch on the EPP Deployment): the candidate whose message has every wanted part.
 */
function expectFinding(j: DoctorJson, w: Want): void {
  const same = j.findings.filter((f) => f.code === w.code && f.severity === w.severity && f.object?.kind === w.kind && f.object.namespace === w.namespace && f.object.name === w.name);
  const f = same.find((x) => (w.message ?? []).every((m) => typeof m === 'string' && x.message.includes(m)));
  // not found: expectWanted() fails with every finding of the code as context
  expectWanted(f ? {...j, findings: [f]} : j, w);
}

const runs = faultRuns<Case>({
  kubeconfig,
  prefix: 'be',
  run: RUN,
  parallel: PARALLEL,
  cli: () => cli,
  installOptions: (c) => c.install,
});
let cli!: DoctorCli;

beforeAll(async () => {
  cli = doctorCli(kubeconfig, {name: 'infgw-doctor-backend', manifest: 'committed', timeoutMs: 300_000});
  // the CRD once, before the installs (each fault's inject() ensures it too, for scenarios.e2e.test.ts)
  await ensureBackendCrd(new ScenarioKube(kubeconfig));
  runs.start(CASES);
  await cli.ready;
}, 900_000);

afterAll(async () => {
  await runs.settled();
}, 300_000);

describe('doctor on an Envoy Gateway Backend (ext-proc to the EPP, HTTPRoute to the model servers)', () => {
  it(`the Backend CRD (${BACKEND_CRD_NAME}, Envoy Gateway v1.9.1) is Established`, async () => {
    const crd = await new ScenarioKube(kubeconfig).get<{spec: {group: string}; status: {conditions: {type: string; status: string}[]}}>({apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: BACKEND_CRD_NAME});
    expect(crd.spec.group).toBe('gateway.envoyproxy.io');
    expect(crd.status.conditions).toContainEqual(expect.objectContaining({type: 'Established', status: 'True'}));
  });
  for (const c of CASES) {
    it(`${c.fault} → ${c.title}`, {timeout: 600_000}, async () => {
      const r = await runs.result(c.fault);
      const j = r.doctor.json;
      expect(j, r.doctor.stdout + r.doctor.stderr).toBeDefined();
      expect(faults[c.fault]).toBeDefined();
      for (const w of c.want(r.names)) expectFinding(j!, w);
      for (const [code, severity] of c.absent?.(r.names) ?? []) {
        expect(j!.findings.filter((f) => f.code === code && f.severity === severity).map(describeFinding)).toEqual([]);
      }
      for (const bad of c.notInFix ?? []) expect(j!.findings.filter((f) => f.code === 'IGW-411' && f.severity === 'error' && f.fix?.includes(bad)).map(describeFinding)).toEqual([]);
      const allowed = new Set(c.errors);
      const own = j!.findings.filter((f) => f.severity === 'error' && (!f.object?.namespace || r.own.includes(f.object.namespace)));
      expect(own.filter((f) => !allowed.has(f.code)).map(describeFinding), problems(j!)).toEqual([]);
      expect(r.doctor.code, problems(j!)).toBe(c.exit);
    });
  }
});
