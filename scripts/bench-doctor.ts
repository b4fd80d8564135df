// `npm run bench:doctor`: `kubectl infgw doctor -A` (and -n) on the healthy install, side by side
// with the install notes' own verification commands run with kubectl (scripts/notes-verify.sh),
// alternating, then doctor at scale (many InferencePools, thousands of KWOK pods) with its API
// request count. Prints the ratio (target: doctor -A ≥ 3× faster) and the request counts, says
// whether the machine was quiet or loaded, and writes the figures to ../notes/readme-bench-doctor.md.
// Not a timed test: nothing fails on a slow machine.
//
//   npm run bench:doctor -- [--runs 7] [--pools 50] [--pods 2000] [--no-scale] [--kubeconfig <file>]
//                           [--out <file.md>] [--parallel 4]
//
// The test control plane comes from the harness (test/harness/cluster.ts) unless --kubeconfig names
// a running one (e.g. `npm run sandbox -- --empty`). The CLI is built into a private directory
// (scripts/build.ts --outdir), so the shared dist/ is neither needed nor changed.
import {mkdtempSync, writeFileSync, readFileSync, existsSync, mkdirSync} from 'node:fs';
import {cpus, loadavg, tmpdir, totalmem, release as osRelease} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {kubectl, repoRoot, run, startCluster, toolPath, type Cluster} from '../test/harness/cluster.ts';
import {installHealthy, type Installation} from '../test/scenarios/index.ts';

interface Args {
  runs: number;
  pools: number;
  pods: number;
  scale: boolean;
  kubeconfig?: string;
  out: string;
  parallel: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {runs: 7, pools: 50, pods: 2000, scale: true, out: resolve(repoRoot, '..', 'notes', 'readme-bench-doctor.md'), parallel: 4};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    if (k === '--runs') a.runs = Number(v());
    else if (k === '--pools') a.pools = Number(v());
    else if (k === '--pods') a.pods = Number(v());
    else if (k === '--no-scale') a.scale = false;
    else if (k === '--kubeconfig') a.kubeconfig = resolve(v());
    else if (k === '--out') a.out = resolve(v());
    else if (k === '--parallel') a.parallel = Number(v());
    else if (k === '-h' || k === '--help') {
      console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((l, i, all) => all.slice(0, i + 1).every((x) => x.startsWith('//'))).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

const log = (m: string): void => void process.stderr.write(`bench-doctor: ${m}\n`);

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
}

async function buildCli(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'infgw-bench-cli-'));
  await run('node', ['scripts/build.ts', '--outdir', join(dir, 'dist')], {timeoutMs: 300_000});
  await run('sh', ['-c', `cp -R bin package.json oclif.manifest.json "${dir}/"`]);
  return join(dir, 'bin', 'kubectl-infgw');
}

interface DoctorFigures {
  ms: number;
  code: number | null;
  apiRequests: number;
  findings: number;
  checks: number;
  pools: number;
  errors: number;
  warnings: number;
  skipped: number;
}

async function timeDoctor(bin: string, kubeconfig: string, args: string[]): Promise<DoctorFigures> {
  const t0 = performance.now();
  const r = await run(bin, ['doctor', '-o', 'json', ...args], {kubeconfig, allowFail: true, timeoutMs: 600_000});
  const ms = Math.round(performance.now() - t0);
  let j: {summary: {apiRequests: number; errors: number; warnings: number; skipped: number}; findings: {code: string}[]; target: {pools: unknown[]}};
  try {
    j = JSON.parse(r.stdout) as typeof j;
  } catch {
    throw new Error(`doctor ${args.join(' ')} exited ${r.code} without JSON: ${r.stderr.slice(0, 2000)}`);
  }
  return {
    ms,
    code: r.code,
    apiRequests: j.summary.apiRequests,
    findings: j.findings.length,
    checks: new Set(j.findings.map((f) => f.code)).size,
    pools: j.target.pools.length,
    errors: j.summary.errors,
    warnings: j.summary.warnings,
    skipped: j.summary.skipped,
  };
}

interface ScriptFigures {
  ms: number;
  commands: number;
  failed: number;
}

const NOTES_VERIFY = join(repoRoot, 'scripts', 'notes-verify.sh');

async function timeScript(kubeconfig: string, inst: Installation, extraEnv: Record<string, string> = {}): Promise<ScriptFigures> {
  const t0 = performance.now();
  const r = await run('bash', [NOTES_VERIFY, '-n', inst.names.namespace, '-r', inst.names.release, '--class', inst.names.gatewayClass, '--kubeconfig', kubeconfig, '-q'], {
    allowFail: true,
    timeoutMs: 600_000,
    env: {KUBECTL: toolPath('kubectl'), ...extraEnv},
  });
  const ms = Math.round(performance.now() - t0);
  const m = /notes-verify: (\d+) commands, (\d+) non-zero/.exec(r.stdout);
  if (!m) throw new Error(`notes-verify.sh printed no summary (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  return {ms, commands: Number(m[1]), failed: Number(m[2])};
}

/** API requests the kubectl script makes: kubectl -v=6 logs one "Response" line per request. */
async function scriptRequests(kubeconfig: string, inst: Installation): Promise<number> {
  const errFile = join(mkdtempSync(join(tmpdir(), 'infgw-bench-')), 'kubectl.log');
  writeFileSync(errFile, '');
  await timeScript(kubeconfig, inst, {KUBECTL_ARGS: '-v=6', NOTES_VERIFY_STDERR: errFile});
  return (readFileSync(errFile, 'utf8').match(/verb="[A-Z]+"/g) ?? []).length;
}

function machine(): string {
  const c = cpus();
  const model = c[0]?.model.trim() ?? 'unknown CPU';
  return `${c.length} × ${model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${osRelease()}, Node ${process.version}`;
}

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((x, i) => x.padEnd(w[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `| ${w.map((n) => '-'.repeat(n)).join(' | ')} |`, ...rows.slice(1).map(line)].join('\n');
}

async function pool<T>(n: number, items: number[], fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({length: Math.min(n, items.length)}, async () => {
      while (next < items.length) {
        const k = next++;
        out[k] = await fn(items[k]!);
      }
    }),
  );
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const load0 = loadavg();
  const started = new Date();
  let cluster: Cluster | undefined;
  const installs: Installation[] = [];
  try {
    log('building the CLI into a private directory; starting the test cluster');
    const [bin, kubeconfig] = await Promise.all([
      buildCli(),
      args.kubeconfig
        ? Promise.resolve(args.kubeconfig)
        : startCluster({}).then((c) => {
            cluster = c;
            return c.kubeconfig;
          }),
    ]);

    // ---- 1. the healthy install: doctor vs the notes' kubectl commands ----------------------
    const ns = `bench-${Date.now().toString(36).slice(-5)}`;
    // withEppMetrics: the EPP's /metrics answers (as a working EPP's does), so doctor's runtime reads succeed
    const inst = await installHealthy(kubeconfig, {namespace: ns, pods: 2, withEppMetrics: true});
    installs.push(inst);
    log(`healthy install in ${ns} ready in ${inst.timings.total} ms; warming up`);
    await timeDoctor(bin, kubeconfig, ['-A']);
    await timeDoctor(bin, kubeconfig, ['-n', ns]);
    await timeScript(kubeconfig, inst);
    const docA: DoctorFigures[] = [];
    const doc: DoctorFigures[] = [];
    const scr: ScriptFigures[] = [];
    const loadDuring: number[] = [];
    for (let i = 0; i < args.runs; i++) {
      // alternate, so all three see the same machine load
      docA.push(await timeDoctor(bin, kubeconfig, ['-A']));
      scr.push(await timeScript(kubeconfig, inst));
      doc.push(await timeDoctor(bin, kubeconfig, ['-n', ns]));
      loadDuring.push(loadavg()[0]!);
      log(`run ${i + 1}/${args.runs}: doctor -A ${docA.at(-1)!.ms} ms, notes-verify.sh ${scr.at(-1)!.ms} ms, doctor -n ${doc.at(-1)!.ms} ms`);
    }
    const kubectlRequests = await scriptRequests(kubeconfig, inst);
    const d = doc[0]!;
    const a = docA[0]!;
    const ratio = median(scr.map((x) => x.ms)) / Math.max(1, median(docA.map((x) => x.ms)));
    const ratioN = median(scr.map((x) => x.ms)) / Math.max(1, median(doc.map((x) => x.ms)));
    // "quiet" only when nothing else ran: the 1-minute load average stayed below half the cores
    const quiet = Math.max(load0[0]!, ...loadDuring) < cpus().length / 2;
    const machineState = `${quiet ? 'quiet' : 'loaded'} (1-minute load average ${Math.min(load0[0]!, ...loadDuring).toFixed(1)}–${Math.max(load0[0]!, ...loadDuring).toFixed(1)} on ${cpus().length} cores)`;
    const figures = (xs: {ms: number}[]): string[] => [String(median(xs.map((x) => x.ms))), String(Math.min(...xs.map((x) => x.ms))), String(Math.max(...xs.map((x) => x.ms)))];
    const healthyRows = [
      ['', 'median ms', 'min ms', 'max ms', 'API requests', 'what it checks'],
      [`kubectl infgw doctor -A -o json`, ...figures(docA), String(a.apiRequests), `${a.pools} pool(s), ${a.checks} checks, ${a.findings} verdicts (${a.errors} errors, ${a.warnings} warnings, ${a.skipped} skipped), exit ${a.code}`],
      [`kubectl infgw doctor -n ${ns} -o json`, ...figures(doc), String(d.apiRequests), `${d.checks} checks, ${d.findings} verdicts (${d.errors} errors, ${d.warnings} warnings, ${d.skipped} skipped), exit ${d.code}`],
      ['scripts/notes-verify.sh (the notes, kubectl)', ...figures(scr), String(kubectlRequests), `${scr[0]!.commands} kubectl commands, output left for a person to read`],
    ];
    console.log(`\nHealthy install (${args.runs} runs each, alternating; machine ${machineState}):\n${table(healthyRows)}`);
    console.log(`\nratio: doctor -A is ${ratio.toFixed(1)}× faster than the notes' kubectl commands (target ≥ 3×: ${ratio >= 3 ? 'yes' : 'NO'}); doctor -n ${ratioN.toFixed(1)}×; requests: doctor -A ${a.apiRequests}, doctor -n ${d.apiRequests}, kubectl ${kubectlRequests}`);

    // ---- 2. scale: many pools, thousands of KWOK pods --------------------------------------
    let scaleSection = '';
    if (args.scale) {
      const perPool = Math.max(1, Math.round(args.pods / args.pools));
      log(`scale: ${args.pools} pools × ${perPool} model pods (KWOK), ${args.parallel} installs at a time`);
      const s0 = performance.now();
      const created = await pool(args.parallel, [...Array(args.pools).keys()], async (i) => {
        const x = await installHealthy(kubeconfig, {namespace: `${ns}-s${String(i).padStart(2, '0')}`, pods: perPool, litellm: false});
        installs.push(x);
        if ((i + 1) % 10 === 0) log(`  ${i + 1}/${args.pools} installs ready (${Math.round((performance.now() - s0) / 1000)} s)`);
        return x;
      });
      const setupMs = Math.round(performance.now() - s0);
      const podCount = JSON.parse((await kubectl(['get', 'pods', '-A', '-o', 'json'], {kubeconfig, timeoutMs: 300_000})).stdout).items.length as number;
      log(`scale set-up: ${created.length} installs, ${podCount} pods in the cluster, ${Math.round(setupMs / 1000)} s; running doctor -A`);
      const runs: DoctorFigures[] = [];
      for (let i = 0; i < 3; i++) runs.push(await timeDoctor(bin, kubeconfig, ['-A']));
      const oneNs = await timeDoctor(bin, kubeconfig, ['-n', created[0]!.names.namespace]);
      const scriptAtScale = await timeScript(kubeconfig, created[0]!);
      const r = runs[0]!;
      const within = r.apiRequests <= 25;
      const scaleRows = [
        ['', 'median ms', 'API requests', 'result'],
        [`kubectl infgw doctor -A (3 runs)`, String(median(runs.map((x) => x.ms))), String(r.apiRequests), `${r.pools} pools, ${r.findings} verdicts, ${r.errors} errors; ≤ 25 requests: ${within ? 'yes' : 'NO'}`],
        [`kubectl infgw doctor -n ${created[0]!.names.namespace}`, String(oneNs.ms), String(oneNs.apiRequests), `${oneNs.pools} pool, ${oneNs.findings} verdicts`],
        [`scripts/notes-verify.sh (one release)`, String(scriptAtScale.ms), '', `${scriptAtScale.commands} kubectl commands`],
      ];
      console.log(`\nScale: ${created.length + 1} InferencePools, ${podCount} pods (set-up ${Math.round(setupMs / 1000)} s):\n${table(scaleRows)}`);
      scaleSection = [
        `### At scale: ${created.length + 1} InferencePools, ${podCount} pods on KWOK`,
        '',
        `${created.length} more releases of the fixture chart (\`--pools ${args.pools} --pods ${args.pods}\`: ${perPool} model pods each, KWOK),`,
        `set up in ${Math.round(setupMs / 1000)} s. Target: doctor's API requests grow with the number of kinds, not objects (≤ 25 with -A).`,
        '',
        table(scaleRows),
        '',
      ].join('\n');
    }

    // ---- 3. write the figures -------------------------------------------------------------------
    const md = [
      '# Benchmark: kubectl infgw doctor vs the install notes\' kubectl commands',
      '',
      `Measured ${started.toISOString().replace(/\.\d+Z$/, 'Z')} with \`npm run bench:doctor\` (scripts/bench-doctor.ts) on ${machine()};`,
      `load average ${load0.map((x) => x.toFixed(1)).join(' / ')} at the start (the machine is shared). Test control plane: real kube-apiserver,`,
      'controller-manager and scheduler v1.37.2 with KWOK nodes (test/harness/cluster.ts); kubectl from .tools/bin.',
      '',
      'Run it: `npm run bench:doctor` (options: `--runs 7 --pools 50 --pods 2000 --parallel 4 --no-scale --kubeconfig <running cluster> --out <file>`).',
      '',
      `**Result, machine ${machineState}:** on the healthy install \`doctor -A -o json\` takes ${median(docA.map((x) => x.ms))} ms (median, process start included) for ${a.checks} checks, each with a verdict (and, for a problem, the fix);`,
      `the notes' ${scr[0]!.commands} kubectl commands take ${median(scr.map((x) => x.ms))} ms and leave every judgement to the reader:`,
      `**doctor -A is ${ratio.toFixed(1)}× faster** (target ≥ 3×; \`doctor -n\` ${ratioN.toFixed(1)}×). doctor reads each kind once: ${a.apiRequests} API requests with -A (cluster-wide lists, EPP log and /metrics included),`,
      `${d.apiRequests} with -n (per-namespace lists + Envoy Gateway's namespace), against ${kubectlRequests} for the kubectl script.`,
      '',
      '### The healthy install',
      '',
      `doctor = the built CLI, \`doctor -o json -A\` and \`-n <ns>\`, one process per run (start-up included). notes-verify.sh = the notes'`,
      `PREREQUISITES/CRITICAL/VERIFICATION/TROUBLESHOOTING kubectl commands with the real names (scripts/notes-verify.sh), read-only;`,
      `its API requests counted from kubectl -v=6 (discovery is cached by kubectl). ${args.runs} runs each, alternating (doctor -A, the script, doctor -n); median.`,
      '',
      table(healthyRows),
      '',
      scaleSection,
      `Load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' / ')}.`,
      '',
    ].join('\n');
    if (!existsSync(dirname(args.out))) mkdirSync(dirname(args.out), {recursive: true});
    writeFileSync(args.out, md);
    log(`figures written to ${args.out}`);
  } finally {
    if (cluster) {
      log('stopping the cluster');
      await cluster.stop();
    } else {
      log(`cleaning up ${installs.length} installs`);
      await Promise.all(installs.map((i) => i.cleanup().catch(() => {})));
    }
  }
}

// exit when done: the installs' in-process stand-ins (the EPP /metrics server) would keep it alive
main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`bench-doctor: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
