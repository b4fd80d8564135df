/*
 * Phase 4 — the EPP Deployment's own flags and shape (issue 11, NF9, NF10, NF12, NF13): flags the
 * build refuses at start-up, log verbosity, several replicas without leader election, and the
 * conformance-only Lightweight EPP. Builds are told apart by src/checks/epp-build.ts.
 */
import {argValue} from '../../k8s/args.ts';
import {can, qualified, type Permission} from '../../model/rbac.ts';
import type {EppInfo} from '../../model/target.ts';
import {eppBuild, strictRouter} from '../epp-build.ts';
import {eppDeployRef, helmSet, serviceAccount} from '../helpers.ts';
import {addArgFix} from '../phase6-scheduling/router-config.ts';
import {error, info, ok, skipped, warning, type Check, type Draft} from '../types.ts';

/**
 * llm-d-router v0.10.0 pkg/epp/server/options.go: `deprecatedMetricFlags` — `Validate()` fails with
 * `flag "<name>" is deprecated and cannot be used; configure metrics via engineConfigs in
 * EndpointPickerConfig instead` (l.398). GIE's EPP still takes them.
 */
export const REFUSED_METRIC_FLAGS = ['total-queued-requests-metric', 'total-running-requests-metric', 'kv-cache-usage-percentage-metric', 'lora-info-metric', 'cache-info-metric'];

function argsOf(e: EppInfo): string[] {
  return [...(e.container?.command ?? []), ...(e.container?.args ?? [])];
}

/** The flag as written (`--x=v`, or `--x v`), for fix texts that remove it. */
function written(e: EppInfo, flag: string): string | undefined {
  const args = argsOf(e);
  for (let i = 0; i < args.length; i++) {
    const m = /^--?([^=]+)(=.*)?$/.exec(args[i]!);
    if (m?.[1] !== flag) continue;
    if (m[2] !== undefined) return args[i];
    const next = args[i + 1];
    return next !== undefined && !next.startsWith('-') ? `${args[i]} ${next}` : args[i];
  }
  return undefined;
}

export const eppStartupFlags: Check = {
  code: 'IGW-425',
  phase: 4,
  scope: 'chain',
  title: 'EPP flags are ones this build accepts at start-up (deprecated metric flags, /metrics TLS)',
  readme: {checks: 'EPP flags are ones this build accepts at start-up (deprecated metric flags, /metrics TLS)', failure: 'EPP exits at start-up'},
  whenAbsent: 'no llm-d-router EPP flags to judge',
  symptoms: {'epp-not-starting': 20, 'metrics-unauthorized': 20},
  reads: ['Deployment'],
  run({chain}) {
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const b = eppBuild(e.container);
      const strict = strictRouter(b);
      if (strict === 'no') continue;
      const problems: string[] = [];
      const removals: string[] = [];
      for (const f of REFUSED_METRIC_FLAGS) {
        const w = written(e, f);
        if (!w) continue;
        problems.push(`--${f} is refused ("flag "${f}" is deprecated and cannot be used; configure metrics via engineConfigs in EndpointPickerConfig instead")`);
        removals.push(w);
      }
      // /metrics TLS (options.go l.233–326): client CA needs the cert dir; TLS without any authentication is refused.
      const certDir = argValue(e.container, '--metrics-cert-dir');
      const clientCa = argValue(e.container, '--metrics-client-ca-file');
      const auth = argValue(e.container, '--metrics-endpoint-auth');
      if (clientCa && !certDir) problems.push('--metrics-client-ca-file without --metrics-cert-dir is refused ("metrics-client-ca-file" requires "metrics-cert-dir")');
      if (certDir && !clientCa && auth === 'false') problems.push('--metrics-cert-dir with --metrics-endpoint-auth=false and no --metrics-client-ca-file is refused ("metrics-cert-dir" enables metrics TLS without authentication)');
      const who = strict === 'maybe' ? `if ${b.label} is llm-d-router v0.10 or later, EPP ${e.deployment.metadata.name} exits at start-up` : `EPP ${e.deployment.metadata.name} (${b.label}) exits at start-up`;
      if (problems.length) {
        const msg = `${who}: ${problems.join('; ')}`;
        const fix = [
          removals.length ? `kubectl edit deployment ${e.deployment.metadata.name} -n ${e.deployment.metadata.namespace}   # remove: ${removals.join(', ')} — set metric names in the core-metrics-extractor's engineConfigs instead` : '',
          clientCa && !certDir ? `# add --metrics-cert-dir=<dir with tls.crt/tls.key> or remove --metrics-client-ca-file` : '',
          certDir && !clientCa && auth === 'false' ? `# drop --metrics-endpoint-auth=false (token auth) or add --metrics-client-ca-file=<ca.crt> (mTLS)` : '',
        ]
          .filter(Boolean)
          .join('\n');
        out.push(strict === 'yes' ? error(msg, eppDeployRef(e), fix) : warning(msg, eppDeployRef(e), fix));
        continue;
      }
      if (certDir) {
        out.push(info(`EPP ${e.deployment.metadata.name} serves /metrics over TLS (--metrics-cert-dir ${certDir}): scrapers must use https (Prometheus: scheme: https, tls_config for its CA); doctor reads it over https`, eppDeployRef(e)));
        continue;
      }
      out.push(ok(`EPP ${e.deployment.metadata.name} (${b.label}): no flag this build refuses at start-up`, eppDeployRef(e)));
    }
    return out;
  },
};

/**
 * Verbosity levels (llm-d-router pkg/common/observability/logging/const.go; the same values in GIE's
 * logutil): DEFAULT 2, VERBOSE 3, DEBUG 4, TRACE 5. At DEBUG and TRACE the EPP logs per request on
 * the hot path (llm-d-router main e05187209 "perf(epp): guard hot-path log and span construction",
 * after v0.10.0): tail latency of every request.
 */
export const DEBUG_VERBOSITY = 4;

function verbosity(e: EppInfo): {value: number; flag: string} | undefined {
  for (const flag of ['--v', '-v']) {
    const raw = argValue(e.container, flag);
    if (raw === undefined) continue;
    const n = Number(raw);
    if (Number.isInteger(n)) return {value: n, flag};
  }
  return undefined;
}

/** A JSON patch that sets the verbosity argument to `to`, wherever it is written. */
function verbosityFix(e: EppInfo, to: number): string {
  const ci = Math.max(0, e.deployment.spec.template.spec.containers.indexOf(e.container!));
  const args = e.container?.args ?? [];
  for (let i = 0; i < args.length; i++) {
    const m = /^(--?v)(=.*)?$/.exec(args[i]!);
    if (!m) continue;
    const op = m[2] !== undefined ? {op: 'replace', path: `/spec/template/spec/containers/${ci}/args/${i}`, value: `${m[1]}=${to}`} : {op: 'replace', path: `/spec/template/spec/containers/${ci}/args/${i + 1}`, value: String(to)};
    return `kubectl patch deployment ${e.deployment.metadata.name} -n ${e.deployment.metadata.namespace} --type json -p '${JSON.stringify([op])}'`;
  }
  return `kubectl edit deployment ${e.deployment.metadata.name} -n ${e.deployment.metadata.namespace}   # set --v=${to}`;
}

export const eppVerbosity: Check = {
  code: 'IGW-426',
  phase: 4,
  scope: 'chain',
  title: 'EPP log verbosity is not DEBUG/TRACE (per-request logging on the hot path)',
  readme: {checks: 'EPP log verbosity is not DEBUG/TRACE (per-request logging on the hot path)', failure: 'tail latency from per-request logging'},
  whenAbsent: 'no EPP log verbosity set',
  symptoms: {'high-latency': 20},
  reads: ['Deployment'],
  run({chain}) {
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const v = verbosity(e);
      if (!v) continue;
      const name = e.deployment.metadata.name;
      const chartFix = eppBuild(e.container).kind === 'llm-d-router' ? '\n# with the llm-d-router chart: --set router.epp.flags.v=2' : '';
      if (v.value >= DEBUG_VERBOSITY) {
        out.push(
          warning(
            `EPP ${name} logs at verbosity ${v.value} (${v.flag}=${v.value}, ${v.value >= 5 ? 'TRACE' : 'DEBUG'}): it writes log lines for every request on the scheduling path, which costs CPU in the picker and raises tail latency under load; 2 is the default`,
            eppDeployRef(e),
            `${verbosityFix(e, 2)}${chartFix}`,
          ),
        );
      } else if (v.value === 3) {
        out.push(info(`EPP ${name} logs at verbosity 3 (VERBOSE): more than the default 2; fine for a while, costly under load`, eppDeployRef(e), `${verbosityFix(e, 2)}${chartFix}`));
      } else out.push(ok(`EPP ${name} logs at verbosity ${v.value}`, eppDeployRef(e)));
    }
    return out;
  },
};

/**
 * NF9: `--ha-enable-leader-election` (GIE v1.5.0 and llm-d-router v0.10.0 pkg/epp/server/options.go:
 * "Enables leader election for high availability. When enabled, readiness probes will only pass on
 * the leader"). Without it every replica is an independent picker behind the EPP Service: Envoy
 * spreads ext-proc streams over them, and each keeps its own approximate prefix index
 * (approx-prefix-cache-producer, in memory) and flow-control queues — prefix affinity falls towards
 * 1/N of what one picker gets. With it the lease (llm-d-router controller_manager.go l.113,
 * `epp-<pool-namespace>-<pool-name>.llm-d.ai`) needs get/create/update on leases.coordination.k8s.io
 * (llm-d-router chart routerlib `_leader-election-rbac.yaml`); without them no replica becomes
 * leader and none turns Ready. The llm-d-router chart adds the flag itself when router.epp.replicas > 1.
 */
const LEADER_ELECTION = '--ha-enable-leader-election';
const LEASE_VERBS = ['get', 'create', 'update'];

export const eppHighAvailability: Check = {
  code: 'IGW-427',
  phase: 4,
  scope: 'chain',
  title: 'Several EPP replicas run with leader election (one picker, one prefix index)',
  readme: {checks: 'Several EPP replicas run with leader election (one picker, one prefix index)', failure: 'prefix index split per replica, poor affinity'},
  whenAbsent: 'the EPP runs one replica',
  symptoms: {'high-latency': 20, 'epp-not-starting': 20},
  reads: ['Deployment', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'],
  run({chain, snap}) {
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const b = eppBuild(e.container);
      if (b.kind === 'lwepp') continue; // round-robin, no state to split
      const replicas = e.deployment.spec.replicas ?? 1;
      const name = e.deployment.metadata.name;
      const ns = e.deployment.metadata.namespace ?? '';
      const flag = argValue(e.container, LEADER_ELECTION);
      const enabled = flag !== undefined && flag.toLowerCase() !== 'false';
      if (!enabled) {
        if (replicas <= 1) continue;
        const rel = chain.release;
        out.push(
          warning(
            `EPP ${name} runs ${replicas} replicas without ${LEADER_ELECTION}: ${replicas} independent pickers share the traffic, each with its own prefix-cache index and flow-control queues — each replica knows only the prompts it saw, so prefix-cache affinity drops, and saturation is judged per replica`,
            eppDeployRef(e),
            [
              `${addArgFix(e, LEADER_ELECTION)}`,
              `kubectl create role ${name}-leader-election -n ${ns} --verb=${LEASE_VERBS.join(',')} --resource=leases.coordination.k8s.io`,
              `kubectl create rolebinding ${name}-leader-election -n ${ns} --role=${name}-leader-election --serviceaccount=${serviceAccount(e).namespace}:${serviceAccount(e).name}`,
              rel ? `# or one replica: ${helmSet(rel, 'epp.replicas=1')}` : `# or one replica: kubectl scale deployment/${name} -n ${ns} --replicas=1`,
              ...(b.kind === 'llm-d-router' ? ['# with the llm-d-router chart: --set router.epp.replicas=2 adds the flag and the lease Role'] : []),
            ].join('\n'),
          ),
        );
        continue;
      }
      const sa = serviceAccount(e);
      const missing: Permission[] = [];
      let unknown: {message: string; rule?: string | undefined} | undefined;
      for (const verb of LEASE_VERBS) {
        const p: Permission = {group: 'coordination.k8s.io', resource: 'leases', verb, namespace: ns};
        const v = can(snap, sa, p);
        if ('unknown' in v) {
          unknown = v.unknown;
          break;
        }
        if (!v.allowed) missing.push(p);
      }
      if (unknown) {
        out.push(skipped(`unknown: cannot read RBAC to judge whether ServiceAccount ${sa.namespace}/${sa.name} may ${LEASE_VERBS.join('/')} leases in ${ns} (${unknown.message})`, eppDeployRef(e), unknown.rule));
      } else if (missing.length) {
        out.push(
          error(
            `EPP ${name} runs with ${LEADER_ELECTION}, but ServiceAccount ${sa.namespace}/${sa.name} may not ${missing.map((m) => m.verb).join(', ')} ${qualified(missing[0]!)} in ${ns}: no replica can take the lease, so none becomes leader and none turns Ready (readiness passes only on the leader)`,
            eppDeployRef(e),
            `kubectl create role ${name}-leader-election -n ${ns} --verb=${LEASE_VERBS.join(',')} --resource=leases.coordination.k8s.io\nkubectl create rolebinding ${name}-leader-election -n ${ns} --role=${name}-leader-election --serviceaccount=${sa.namespace}:${sa.name}`,
          ),
        );
      } else {
        out.push(ok(`EPP ${name}: ${replicas} replica(s) with leader election; ServiceAccount ${sa.namespace}/${sa.name} may take the lease`, eppDeployRef(e)));
      }
    }
    return out;
  },
};

/**
 * NF13: GIE v1.6.0 ships no EPP, only the Lightweight EPP (`cmd/lwepp/main.go`, `pkg/lwepp/`) kept
 * for conformance: round-robin over the pool's ready pods, no EndpointPickerConfig, no scheduling
 * metrics (only controller-runtime's, unauthenticated: metricsserver.Options with just a
 * BindAddress), no InferenceObjectives.
 */
export const lightweightEpp: Check = {
  code: 'IGW-428',
  phase: 4,
  scope: 'chain',
  title: 'The EPP is a scheduling EPP, not the conformance-only Lightweight EPP (lwepp)',
  readme: {checks: 'The EPP is a scheduling EPP, not the conformance-only Lightweight EPP (lwepp)', failure: 'no load-aware picking (round robin)'},
  whenAbsent: 'the EPP is not the lightweight lwepp',
  symptoms: {'high-latency': 20},
  reads: ['Deployment'],
  run({chain}) {
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const b = eppBuild(e.container);
      if (b.kind !== 'lwepp') continue;
      out.push(
        warning(
          `EPP ${e.deployment.metadata.name} runs ${b.label}, GIE's Lightweight Endpoint Picker kept for conformance tests: it picks pods round-robin — no KV-cache, queue or prefix-cache aware scheduling, no EndpointPickerConfig, no scheduling metrics; checks of those are skipped for it`,
          eppDeployRef(e),
          `# run llm-d-router's EPP instead of ${e.deployment.metadata.namespace}/${e.deployment.metadata.name}: image <registry>/llm-d/llm-d-router-endpoint-picker:v0.10.0 with the same --pool-name/--pool-namespace flags (its chart: llm-d-router config/charts), and a Role that also grants inferenceobjectives`,
        ),
      );
    }
    return out;
  },
};
