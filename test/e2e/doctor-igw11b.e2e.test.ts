// `kubectl infgw doctor` end to end for issue 11's leftovers (branch igw11b): the BUILT binary against
// the real test control plane, one install per fault of test/scenarios/faults-igw11b.ts, each checked
// for exit code, code, severity, object, message and the fix with the real names filled in. Pattern of
// doctor-igw11-eg.e2e.test.ts (the healthy install is covered there and in doctor.e2e.test.ts).
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {faults, type FaultName, type InstallOptions, type Names} from '../scenarios/index.ts';
import {describeFinding, doctorCli, expectWanted, ownEnvoyGateway, problems, type DoctorCli, type Want, faultRuns} from './support/doctor-run.ts';

const kubeconfig = inject('kubeconfig');
const RUN = Date.now().toString(36).slice(-5);
const PARALLEL = 2;

interface Case {
  fault: FaultName;
  source: string;
  install?: (ns: string) => Partial<InstallOptions>;
  exit: 0 | 1;
  want: (n: Names) => Want[];
  /** findings that must NOT be there: [code, severity] */
  absent?: (n: Names) => [string, Want['severity']][];
  /** the error codes this install may show (root causes); default: the wanted errors */
  errors?: string[];
  /** doctor's arguments besides -o json -n <namespace> */
  args?: string[];
  /** substrings of the playbook's conclusion (with args --symptom) */
  conclusion?: (n: Names) => string[];
}

const CASES: Case[] = [
  {
    fault: 'epp-standalone-role-without-pods',
    source: 'standalone EPP: GIE v1.4.0–v1.5.0 / llm-d-router v0.10.0 runner.go startCrdReconcilers (pods only)',
    exit: 1,
    want: (n) => [
      {
        code: 'IGW-501',
        severity: 'error',
        kind: 'Deployment',
        namespace: n.namespace,
        name: n.eppDeployment,
        message: [`standalone EPP ${n.eppDeployment} (--endpoint-selector) may not get pods, list pods, watch pods in ${n.namespace}`],
        fix: [`kubectl create role ${n.eppDeployment}-access -n ${n.namespace} --verb=get,list,watch --resource=pods`, `--serviceaccount=${n.namespace}:${n.eppServiceAccount}`],
      },
      {code: 'IGW-406', severity: 'info', kind: 'Deployment', namespace: n.namespace, name: n.eppDeployment, message: ['runs in standalone mode']},
    ],
  },
  {
    fault: 'epp-saturation-staleness-at-refresh',
    source: 'requests shed: GIE v1.4.0 utilizationdetector (stale metrics score as saturated; 50ms refresh)',
    args: ['--symptom', '429'],
    exit: 0,
    want: (n) => [
      {
        code: 'IGW-510',
        severity: 'warning',
        kind: 'ConfigMap',
        namespace: n.namespace,
        name: n.eppConfigMap,
        message: [`saturationDetector.metricsStalenessThreshold 50ms is not longer than EPP ${n.eppDeployment}'s metrics refresh interval 50ms`, 'sheddable requests get 429'],
        fix: ['metricsStalenessThreshold: 200ms'],
      },
    ],
    conclusion: () => ['IGW-510 (ConfigMap', 'No error explains "requests fail with 429'],
    errors: [],
  },
  {
    fault: 'eg-ai-gateway-tcp-route',
    source: 'ai-gateway#2600 with the TCPRoute read (gateway.networking.k8s.io/v1, Gateway API v1.6.1)',
    install: ownEnvoyGateway,
    exit: 1,
    want: (n) => [
      {
        code: 'IGW-213',
        severity: 'error',
        kind: 'Gateway',
        namespace: n.namespace,
        name: `${n.gateway}-tcp`,
        message: [`sync TCP:22000 (attached: TCPRoute ${n.namespace}/${n.gateway}-sync)`, 'envoyproxy/ai-gateway#2600', `now not Programmed: ${n.namespace}/${n.gateway}`],
        fix: [`kubectl edit gateway ${n.gateway}-tcp -n ${n.namespace}`, '(its TCPRoutes stay attached)'],
      },
    ],
  },
  {
    fault: 'litellm-route-no-timeout',
    source: "Envoy's 15 s default route timeout on a route to LiteLLM (envoyproxy/gateway internal/xds/translator/route.go)",
    exit: 0,
    want: (n) => [
      {
        code: 'IGW-416',
        severity: 'warning',
        kind: 'HTTPRoute',
        namespace: n.litellmNamespace,
        name: `${n.release}-litellm`,
        message: [`to Service ${n.litellmNamespace}/${n.litellmDeployment} (LiteLLM, which forwards to pool ${n.namespace}/${n.pool}`, 'sets no timeouts.request', "Envoy's default of 15 s"],
        fix: [`kubectl patch httproute ${n.release}-litellm -n ${n.litellmNamespace} --type json -p '[{"op":"add","path":"/spec/rules/0/timeouts","value":{"request":"300s"}}]'`],
      },
    ],
    errors: [],
  },
  {
    fault: 'eg-watch-forbidden-listenersets',
    source: 'kserve/kserve#5153: Envoy Gateway v1.8 without listenersets RBAC (controller log scan)',
    install: ownEnvoyGateway,
    exit: 1,
    want: (n) => [
      {
        code: 'IGW-214',
        severity: 'error',
        kind: 'Deployment',
        namespace: n.egNamespace,
        name: n.egDeployment,
        message: [`ServiceAccount ${n.egNamespace}/envoy-gateway may not list listenersets.gateway.networking.k8s.io`],
        fix: ['kubectl create clusterrole envoy-gateway-listenersets-reader --verb=get,list,watch --resource=listenersets.gateway.networking.k8s.io', `--serviceaccount=${n.egNamespace}:envoy-gateway`],
      },
      {code: 'IGW-114', severity: 'ok', kind: 'Deployment', namespace: n.egNamespace, name: n.egDeployment, message: ['ListenerSet, GRPCRoute, TLSRoute, BackendTLSPolicy v1']},
    ],
    // IGW-201 sees the crash loop itself (new controller pods fail)
    errors: ['IGW-214', 'IGW-201'],
  },
];

const runs = faultRuns<Case>({
  kubeconfig,
  prefix: 'ig11b',
  run: RUN,
  parallel: PARALLEL,
  cli: () => cli,
  installOptions: (c, ns) => c.install?.(ns),
  args: (c) => c.args,
});
let cli!: DoctorCli;

beforeAll(async () => {
  cli = doctorCli(kubeconfig, {name: 'infgw-doctor-igw11b', manifest: 'committed', timeoutMs: 300_000});
  runs.start(CASES);
  await cli.ready;
}, 900_000);

afterAll(async () => {
  await runs.settled();
}, 300_000);

describe('doctor (issue 11 leftovers) on faults', () => {
  for (const c of CASES) {
    const first = c.want({} as Names)[0];
    it(`${c.fault} → ${first?.code} ${first?.severity} (${c.source})`, {timeout: 600_000}, async () => {
      const r = await runs.result(c.fault);
      const j = r.doctor.json;
      expect(j, r.doctor.stdout + r.doctor.stderr).toBeDefined();
      expect(faults[c.fault]).toBeDefined();
      for (const w of c.want(r.names)) expectWanted(j!, w);
      for (const part of c.conclusion?.(r.names) ?? []) expect(j!.conclusion, problems(j!)).toContain(part);
      for (const [code, severity] of c.absent?.(r.names) ?? []) {
        expect(j!.findings.filter((f) => f.code === code && f.severity === severity).map(describeFinding)).toEqual([]);
      }
      // root causes only: errors about this install's objects are exactly the expected ones
      const allowed = new Set(c.errors ?? c.want(r.names).filter((w) => w.severity === 'error').map((w) => w.code));
      const own = j!.findings.filter((f) => f.severity === 'error' && (!f.object?.namespace || r.own.includes(f.object.namespace)));
      expect(own.filter((f) => !allowed.has(f.code)).map(describeFinding), problems(j!)).toEqual([]);
      expect(r.doctor.code, problems(j!)).toBe(c.exit);
    });
  }
});
