// `kubectl infgw doctor` end to end for issue 11's Envoy Gateway / Gateway API / route group (NF1,
// NF2, NF3, NF4 of /work/notes/issue11-research.md): the BUILT binary against the real test
// control plane. One healthy install (0 errors, 0 warnings, nothing skipped or blocked: the new
// checks pass on it), then one install per fault of test/scenarios/faults-igw11-eg.ts, each checked
// for exit code, code, severity, object, message and the fix with the real names filled in.
// Pattern of doctor.e2e.test.ts; faults that change Envoy Gateway get their own egNamespace and
// GatewayClass, so doctor -n judges only that Envoy Gateway.
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {faults, installHealthy, type FaultName, type InstallOptions, type Installation, type Names} from '../scenarios/index.ts';
import {describeFinding, doctorCli, EG_CM, expectHealthy, expectWanted, ownEnvoyGateway, problems, type DoctorCli, type DoctorRun, type Want, faultRuns} from './support/doctor-run.ts';

const kubeconfig = inject('kubeconfig');
const RUN = Date.now().toString(36).slice(-5);
const PARALLEL = 2;

interface Case {
  fault: FaultName;
  source: string;
  install?: (ns: string) => Partial<InstallOptions>;
  exit: 0 | 1;
  want: (n: Names) => Want[];
  /** the error codes this install may show (root causes); default: the wanted errors */
  errors?: string[];
  blocked?: [string, string][];
}


const CASES: Case[] = [
  {
    fault: 'eg-ai-gateway-hooks-incomplete',
    source: 'NF1: ai-gateway#2560 (partial hook list accepted silently)',
    install: ownEnvoyGateway,
    exit: 1,
    want: (n) => [
      {
        code: 'IGW-209',
        severity: 'error',
        ...EG_CM(n),
        message: ['ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local:1063', 'post lacks Cluster', 'post lacks Route', 'translation.listener.includeAll is not set (default false)', 'translation.route.includeAll is not set'],
        fix: [`kubectl infgw patch-envoy --config-namespace ${n.egNamespace} --dry-run`],
      },
    ],
  },
  {
    fault: 'eg-backend-resources-v1alpha2',
    source: 'NF3: kserve#5050 (v1alpha2 and v1 InferencePool backendResources)',
    install: ownEnvoyGateway,
    exit: 0,
    want: (n) => [
      {
        code: 'IGW-211',
        severity: 'warning',
        ...EG_CM(n),
        message: ['inference.networking.x-k8s.io/v1alpha2', 'kserve/kserve#5050'],
        fix: [`kubectl edit configmap ${n.egConfigMap} -n ${n.egNamespace}`, 'delete {group: inference.networking.x-k8s.io, version: v1alpha2, kind: InferencePool}', `kubectl rollout restart deployment/${n.egDeployment} -n ${n.egNamespace}`],
      },
      // the AI Gateway chart's role grants only inference.networking.k8s.io: the v1alpha2 watch is forbidden too
      {code: 'IGW-212', severity: 'warning', kind: 'ServiceAccount', namespace: n.egNamespace, name: 'envoy-gateway', message: ['inferencepools.inference.networking.x-k8s.io'], fix: ['envoy-gateway']},
    ],
    errors: [],
  },
  {
    fault: 'eg-sa-cannot-read-pools',
    source: "NF2: AI Gateway chart's InferencePool reader bound to the wrong namespace",
    install: ownEnvoyGateway,
    exit: 1,
    want: (n) => [
      {
        code: 'IGW-212',
        severity: 'error',
        kind: 'ServiceAccount',
        namespace: n.egNamespace,
        name: 'envoy-gateway',
        message: ['may not get/list/watch inferencepools.inference.networking.k8s.io', 'binds ServiceAccount eg-system/envoy-gateway', `HTTPRoute ${n.routeNamespace}/${n.httpRoute}`],
        fix: [
          `kubectl patch clusterrolebinding envoy-ai-gateway-inference-pool-reader-binding:${n.egNamespace} --type json`,
          `{"kind":"ServiceAccount","name":"envoy-gateway","namespace":"${n.egNamespace}"}`,
          `kubectl rollout restart deployment/${n.egDeployment} -n ${n.egNamespace}`,
        ],
      },
    ],
    blocked: [['IGW-409', 'IGW-212']],
  },
  {
    fault: 'eg-ai-gateway-tcp-listener',
    source: 'NF7: ai-gateway#2600 (TCP/UDP listener + AI Gateway extension: no Gateway programmed)',
    install: ownEnvoyGateway,
    exit: 1,
    want: (n) => [
      {
        code: 'IGW-213',
        severity: 'error',
        kind: 'Gateway',
        namespace: n.namespace,
        name: `${n.gateway}-tcp`,
        message: ['sync TCP:22000', 'envoyproxy/ai-gateway#2600', `now not Programmed: ${n.namespace}/${n.gateway}`],
        fix: [`kubectl edit gateway ${n.gateway}-tcp -n ${n.namespace}`],
      },
    ],
    blocked: [['IGW-404', 'IGW-213']],
  },
  {
    fault: 'route-no-request-timeout',
    source: "NF4: Envoy's 15 s default route timeout (envoyproxy/gateway internal/xds/translator/route.go)",
    exit: 0,
    want: (n) => [
      {
        code: 'IGW-416',
        severity: 'warning',
        kind: 'HTTPRoute',
        namespace: n.routeNamespace,
        name: n.httpRoute,
        message: ['sets no timeouts.request', "Envoy's default of 15 s", '504'],
        fix: [`kubectl patch httproute ${n.httpRoute} -n ${n.routeNamespace} --type json -p '[{"op":"add","path":"/spec/rules/0/timeouts","value":{"request":"300s"}}]'`],
      },
    ],
    errors: [],
  },
];

const runs = faultRuns<Case>({
  kubeconfig,
  prefix: 'ig11',
  run: RUN,
  parallel: PARALLEL,
  cli: () => cli,
  installOptions: (c, ns) => c.install?.(ns),
});
let healthy: Installation | undefined;
let healthyRun: DoctorRun;
let cli!: DoctorCli;

beforeAll(async () => {
  cli = doctorCli(kubeconfig, {name: 'infgw-doctor-igw11-eg', manifest: 'committed', timeoutMs: 300_000});
  const healthyInstall = installHealthy(kubeconfig, {namespace: `ig11-${RUN}-healthy`, pods: 2, withEppMetrics: true});
  healthyInstall.catch(() => {});
  runs.start(CASES);
  const [inst] = await Promise.all([healthyInstall, cli.ready]);
  healthy = inst;
  healthyRun = await cli.doctorJson(['-n', inst.names.namespace]);
}, 900_000);

afterAll(async () => {
  await Promise.all([runs.settled(), healthy?.cleanup()]);
}, 300_000);

describe('doctor (issue 11 Envoy Gateway / route checks) on a healthy install', () => {
  it('exits 0 with no error, no warning, nothing skipped or blocked; the new checks pass', () => {
    const j = expectHealthy(healthyRun);
    const n = healthy!.names;
    const okOf = (code: string) => j.findings.filter((f) => f.code === code && f.severity === 'ok');
    expect(okOf('IGW-209').map((f) => f.message)).toEqual(['extensionManager: post hooks Translation, Cluster, Route; translation listener/route/cluster/secret includeAll true']);
    expect(okOf('IGW-212')[0]?.message).toContain('ServiceAccount envoy-gateway-system/envoy-gateway may get/list/watch inferencepools.inference.networking.k8s.io');
    expect(okOf('IGW-416').map((f) => f.message)).toEqual([`HTTPRoute ${n.routeNamespace}/${n.httpRoute} rule 0: timeouts.request 300s`]);
    expect(okOf('IGW-418')).toHaveLength(1);
    expect(j.findings.filter((f) => f.code === 'IGW-211')).toEqual([]);
  });
});

describe('doctor (issue 11 Envoy Gateway / route checks) on faults', () => {
  for (const c of CASES) {
    const first = c.want({} as Names)[0];
    it(`${c.fault} → ${first?.code} ${first?.severity} (${c.source})`, {timeout: 600_000}, async () => {
      const r = await runs.result(c.fault);
      const j = r.doctor.json;
      expect(j, r.doctor.stdout + r.doctor.stderr).toBeDefined();
      expect(faults[c.fault]).toBeDefined();
      for (const w of c.want(r.names)) expectWanted(j!, w);
      for (const [code, root] of c.blocked ?? []) {
        const b = j!.findings.filter((f) => f.code === code);
        expect(b.length, `${code} findings:\n${b.map(describeFinding).join('\n')}`).toBeGreaterThan(0);
        for (const f of b) expect(f, describeFinding(f)).toMatchObject({severity: 'blocked', blockedBy: [root]});
      }
      // root causes only: errors about this install's objects are exactly the expected ones
      const allowed = new Set(c.errors ?? c.want(r.names).filter((w) => w.severity === 'error').map((w) => w.code));
      const own = j!.findings.filter((f) => f.severity === 'error' && (!f.object?.namespace || r.own.includes(f.object.namespace)));
      expect(own.filter((f) => !allowed.has(f.code)).map(describeFinding), problems(j!)).toEqual([]);
      expect(r.doctor.code, problems(j!)).toBe(c.exit);
    });
  }
});
