// What the doctor end-to-end files share: the doctor JSON contract (README "doctor JSON"), the
// built binary run with -o json, the text of findings put in assertion messages, the healthy-install
// verdict, the wanted-finding assertion, and a small limiter for installs and doctor runs.
import {expect} from 'vitest';
import {run, type RunResult} from '../../harness/cluster.ts';
import {buildCli, type BuildCliOptions} from '../../harness/cli.ts';
import {installHealthy, type FaultName, type InstallOptions, type Names} from '../../scenarios/index.ts';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}
export interface Finding {
  code: string;
  severity: 'error' | 'warning' | 'info' | 'ok' | 'skipped' | 'blocked';
  title: string;
  phase: number;
  pool?: string;
  object: ObjectRef | null;
  message: string;
  fix: string | null;
  blockedBy: string[];
  durationMs: number;
}
export interface DoctorJson {
  schemaVersion: unknown;
  summary: {errors: number; warnings: number; infos: number; ok: number; skipped: number; blocked: number; durationMs: number; apiRequests: number};
  target: {source: string; namespace?: string; releases: {namespace: string; name: string; status: string}[]; pools: {namespace: string; name: string; release?: string; wiring?: string}[]};
  findings: Finding[];
  conclusion?: string;
}
export interface DoctorRun extends RunResult {
  args: string[];
  /** undefined when stdout was not JSON (asserted by the callers) */
  json?: DoctorJson;
  ms: number;
}

const DOCTOR_TIMEOUT = 120_000;

export interface DoctorCli {
  /** settles when the binary is built; every run waits for it */
  ready: Promise<void>;
  /** `doctor ARGS`; json parsed when the args ask for it */
  doctor(args: string[], opts?: {kubeconfig?: string; input?: string}): Promise<DoctorRun>;
  /** `doctor -o json ARGS` */
  doctorJson(args: string[], opts?: {kubeconfig?: string; input?: string}): Promise<DoctorRun>;
  /** `doctor -o json -n NAMESPACE`, throwing when stdout is not JSON */
  doctorJsonIn(namespace: string): Promise<DoctorRun & {json: DoctorJson}>;
}

/**
 * Builds the CLI into a private directory (test/harness/cli.ts: nobody's rebuild changes it under
 * the tests) and runs its doctor as `kubeconfig`'s user unless a run names another kubeconfig.
 */
export function doctorCli(kubeconfig: string, build: BuildCliOptions): DoctorCli {
  let bin = '';
  const ready = buildCli(build).then((b) => {
    bin = b.bin;
  });
  ready.catch(() => {});
  const doctor: DoctorCli['doctor'] = async (args, opts = {}) => {
    await ready;
    const t0 = performance.now();
    const r = await run(bin, ['doctor', ...args], {kubeconfig: opts.kubeconfig ?? kubeconfig, allowFail: true, timeoutMs: DOCTOR_TIMEOUT, ...(opts.input !== undefined ? {input: opts.input} : {})});
    const out: DoctorRun = {...r, args, ms: Math.round(performance.now() - t0)};
    if (args.includes('json')) {
      try {
        out.json = JSON.parse(r.stdout) as DoctorJson;
      } catch {
        /* asserted by the callers: json undefined */
      }
    }
    return out;
  };
  const doctorJson: DoctorCli['doctorJson'] = (args, opts = {}) => doctor(['-o', 'json', ...args], opts);
  const doctorJsonIn: DoctorCli['doctorJsonIn'] = async (namespace) => {
    const r = await doctorJson(['-n', namespace]);
    if (!r.json) throw new Error(`doctor printed no JSON (exit ${r.code}): ${r.stderr}`);
    return {...r, json: r.json};
  };
  return {ready, doctor, doctorJson, doctorJsonIn};
}

/** One line per finding for assertion messages. */
export function describeFinding(f: Finding): string {
  const o = f.object ? `${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}` : '-';
  return `${f.code} ${f.severity} ${o}: ${f.message.slice(0, 200)}${f.blockedBy.length ? ` [blocked by ${f.blockedBy.join(',')}]` : ''}`;
}

/** "All problems": every finding that is neither ok nor info, one line each. */
export function problems(j: DoctorJson): string {
  return j.findings
    .filter((f) => f.severity !== 'ok' && f.severity !== 'info')
    .map(describeFinding)
    .join('\n');
}

/** A healthy install: doctor printed JSON, exited 0, and the summary counts are `summary` (default: no error, warning, skipped or blocked). */
export function expectHealthy(r: DoctorRun, summary: Partial<DoctorJson['summary']> = {errors: 0, warnings: 0, skipped: 0, blocked: 0}): DoctorJson {
  const j = r.json;
  expect(j, r.stdout + r.stderr).toBeDefined();
  expect(r.code, problems(j!)).toBe(0);
  expect(j!.summary, problems(j!)).toMatchObject(summary);
  return j!;
}

/** The finding a fault must produce. */
export interface Want {
  code: string;
  severity: Finding['severity'];
  kind: string;
  /** undefined = cluster-scoped */
  namespace?: string;
  /** exact name, or a RegExp (pods) */
  name: string | RegExp;
  message?: (string | RegExp)[];
  /** substrings the fix must contain (real names); [] = the fix must exist */
  fix?: (string | RegExp)[];
}

function matches(s: string | null | undefined, p: string | RegExp): boolean {
  if (s === null || s === undefined) return false;
  return typeof p === 'string' ? s.includes(p) : p.test(s);
}

function objectIs(f: Finding, w: Want): boolean {
  const o = f.object;
  if (!o || o.kind !== w.kind) return false;
  if ((o.namespace ?? undefined) !== w.namespace) return false;
  return typeof w.name === 'string' ? o.name === w.name : w.name.test(o.name);
}

/** Asserts that `j` holds the wanted finding (code, severity, object, message and fix parts) and returns it. */
export function expectWanted(j: DoctorJson, w: Want): Finding {
  const sameCode = j.findings.filter((f) => f.code === w.code);
  const f = sameCode.find((x) => x.severity === w.severity && objectIs(x, w));
  const ctx = `${w.code} ${w.severity} on ${w.kind} ${w.namespace ?? ''}/${String(w.name)}\n${w.code} findings:\n${sameCode.map(describeFinding).join('\n') || '(none)'}\nall problems:\n${problems(j)}`;
  expect(f, `expected ${ctx}`).toBeDefined();
  for (const m of w.message ?? []) expect(matches(f!.message, m), `${w.code} message should contain ${String(m)}: ${f!.message}`).toBe(true);
  if (w.fix) {
    expect(f!.fix, `${w.code} should carry a fix`).toBeTruthy();
    for (const m of w.fix) expect(matches(f!.fix, m), `${w.code} fix should contain ${String(m)}:\n${f!.fix}`).toBe(true);
  }
  return f!;
}

/** The namespaces whose objects belong to one install (other installs share the cluster). */
export function ownNamespaces(n: Names): string[] {
  return [...new Set([n.namespace, n.routeNamespace, n.litellmNamespace, n.egNamespace])];
}

/** A fault that changes Envoy Gateway gets its own controller namespace and GatewayClass: doctor -n judges only that one. */
export const ownEnvoyGateway = (ns: string): Partial<InstallOptions> => ({egNamespace: `${ns}-eg`, gatewayClassName: `${ns}-gc`});
/** The install's Envoy Gateway ConfigMap, as a wanted finding's object. */
export const EG_CM = (n: Names) => ({kind: 'ConfigMap', namespace: n.egNamespace, name: n.egConfigMap});

/** A namespace name per fault install: PREFIX-RUN-FAULT, cut to 50 characters. */
export function faultNamespace(prefix: string, run: string, fault: string): string {
  return `${prefix}-${run}-${fault}`.slice(0, 50).replace(/-+$/, '');
}

/** A tiny limiter: installs and doctor runs, `n` at a time. */
export function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((res) => queue.push(res));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

export type Settled<T> = {ok: true; value: T} | {ok: false; error: unknown};
/** A promise that never rejects: afterAll can wait for every case, each test rethrows its own error (value). */
export function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ok: true as const, value}),
    (error: unknown) => ({ok: false as const, error}),
  );
}
export async function value<T>(p: Promise<Settled<T>>): Promise<T> {
  const s = await p;
  if (!s.ok) throw s.error;
  return s.value;
}

/** One fault's install and doctor run (faultRuns). */
export interface FaultRun {
  names: Names;
  /** the install's own namespaces (other installs share the cluster) */
  own: string[];
  doctor: DoctorRun;
}

/**
 * Runs fault cases `parallel` at a time: each a healthy install in its own namespace
 * (PREFIX-RUN-FAULT), the fault injected, then `doctor -n <namespace> -o json` with the case's extra
 * arguments; the install is cleaned up afterwards. start() begins them all (in beforeAll); result()
 * is one case's outcome (its own error rethrown in its own test); settled() waits for every run and
 * clean-up (afterAll).
 */
export function faultRuns<C extends {fault: FaultName}>(o: {
  kubeconfig: string;
  prefix: string;
  run: string;
  parallel: number;
  cli: () => DoctorCli;
  installOptions?: (c: C, ns: string) => Partial<InstallOptions> | undefined;
  args?: (c: C) => string[] | undefined;
}): {start(cases: readonly C[]): void; result(fault: FaultName): Promise<FaultRun>; settled(): Promise<unknown>} {
  const limit = limiter(o.parallel);
  const results = new Map<FaultName, Promise<Settled<FaultRun>>>();
  const cleanups: Promise<unknown>[] = [];
  const runCase = async (c: C): Promise<FaultRun> => {
    const ns = faultNamespace(o.prefix, o.run, c.fault);
    const inst = await installHealthy(o.kubeconfig, {namespace: ns, pods: 2, ...o.installOptions?.(c, ns)});
    try {
      await inst.inject(c.fault);
      const n = structuredClone(inst.names);
      return {names: n, own: ownNamespaces(n), doctor: await o.cli().doctorJson(['-n', n.namespace, ...(o.args?.(c) ?? [])])};
    } finally {
      cleanups.push(inst.cleanup().catch((e: unknown) => console.error(`[${o.prefix} e2e] clean-up of ${ns}: ${String(e)}`)));
    }
  };
  return {
    start(cases) {
      for (const c of cases) results.set(c.fault, settle(limit(() => runCase(c))));
    },
    result(fault) {
      const r = results.get(fault);
      if (!r) throw new Error(`fault ${fault} was not started`);
      return value(r);
    },
    async settled() {
      await Promise.all([...results.values()]);
      return Promise.all(cleanups);
    },
  };
}
