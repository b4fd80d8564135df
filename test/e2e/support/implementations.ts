/*
 * What the two implementation e2e files (doctor-implementations*.e2e.test.ts, issue 13) share: the
 * built CLI, doctor's JSON, and one install at a time per file. doctor -n finds a controller by label
 * cluster-wide (as in a real cluster, where there is one): two installs of one implementation side by
 * side would each see the other's controller.
 */
import {expect} from 'vitest';
import {buildCli} from '../../harness/cli.ts';
import {run, type RunResult} from '../../harness/cluster.ts';
import {installHealthy, type FaultName, type Installation, type Names} from '../../scenarios/index.ts';

export interface Finding {
  code: string;
  severity: 'error' | 'warning' | 'info' | 'ok' | 'skipped' | 'blocked';
  object: {kind: string; namespace?: string; name: string} | null;
  message: string;
  fix: string | null;
  blockedBy?: string[];
}
export interface DoctorJson {
  summary: {errors: number; warnings: number};
  target: {pools: {namespace: string; name: string; wiring?: string; gateway?: {name: string; namespace: string; className?: string; controllerName?: string; implementation?: string}}[]};
  findings: Finding[];
}

/** Envoy Gateway's own checks (phase 2 and the EnvoyExtensionPolicy/AI Gateway wiring): not applicable on other implementations. */
export const ENVOY_GATEWAY_ONLY = /^IGW-(20\d|21\d|41[1-4])$/;

export function only(json: DoctorJson, code: string, severity: Finding['severity']): Finding {
  const fs = json.findings.filter((f) => f.code === code && f.severity === severity);
  expect(fs, `${code} ${severity}: ${JSON.stringify(json.findings.filter((f) => f.code === code))}`).toHaveLength(1);
  return fs[0]!;
}

export function problems(json: DoctorJson): Finding[] {
  return json.findings.filter((f) => f.severity === 'error' || f.severity === 'warning');
}

export function fault(name: FaultName): (inst: Installation) => Promise<void> {
  return (inst) => inst.inject(name);
}

export interface ImplementationHarness {
  cli(args: string[]): Promise<RunResult>;
  doctorJson(ns: string): Promise<{r: RunResult; json: DoctorJson}>;
  /** a healthy install in its own namespaces, `setup` applied, `body` run, cleaned up — one at a time */
  withInstall<T>(name: string, setup: (inst: Installation) => Promise<unknown>, body: (inst: Installation, n: Names) => Promise<T>): Promise<T>;
  /** resolves when the last install is cleaned up (for afterAll) */
  idle(): Promise<unknown>;
}

/** `prefix` names the namespaces and the CLI's folder; the CLI build starts at once. */
export function implementationHarness(kubeconfig: string, prefix: string): ImplementationHarness {
  const runId = Date.now().toString(36).slice(-5);
  const built = buildCli({name: `infgw-${prefix}-cli`, timeoutMs: 300_000});
  built.catch(() => undefined); // reported by the first cli() call
  const cli = async (args: string[]): Promise<RunResult> => run((await built).bin, args, {kubeconfig, allowFail: true, timeoutMs: 120_000});
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    cli,
    async doctorJson(ns) {
      const r = await cli(['doctor', '-n', ns, '-o', 'json']);
      return {r, json: JSON.parse(r.stdout) as DoctorJson};
    },
    withInstall(name, setup, body) {
      return serial(async () => {
        const inst = await installHealthy(kubeconfig, {namespace: `${prefix}-${runId}-${name}`.slice(0, 40).replace(/-+$/, ''), pods: 2});
        try {
          await setup(inst);
          return await body(inst, inst.names);
        } finally {
          await inst.cleanup({wait: true});
        }
      });
    },
    idle: () => queue,
  };
}
