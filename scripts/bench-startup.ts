// npm run bench:startup [-- --runs N] [--json] [--check]
//
// Start-up time of the built executable next to kubectl's, measured in one run with the cases
// interleaved (so a busy machine slows all of them alike), N runs each after warm-up runs that
// fill Node's compile cache:
//   kubectl version --client                  the reference
//   kubectl-infgw --help                      target: median within 1.2× of the reference
//   kubectl-infgw version --client            (oclif parses flags, no cluster)
//   kubectl-infgw version → first request     a command up to its first API request: the server
//                                             is a closed local port, so the process ends (exit 3)
//                                             right after the request is attempted; target 3×
//   kubectl get --raw /version → same port    kubectl's own way to its first request (reference)
//   node -e 0                                 what Node alone costs here
// Peak memory (max RSS, from /usr/bin/time) of each case: target under 90 MiB.
// Build first (npm run build): this measures bin/kubectl-infgw and dist/ as they are, or, with
// `--install DIR`, a private build (scripts/build.ts --outdir DIR/dist; bin/, package.json and
// oclif.manifest.json copied next to it) that other builds of the shared dist/ cannot change.
import {execFileSync, spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type AddressInfo} from 'node:net';
import {cpus, loadavg, tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, def: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const runs = opt('--runs', 20);
const warmup = opt('--warmup', 3);
const asJson = args.includes('--json');
const check = args.includes('--check');

const kubectl = existsSync(path.join(root, '.tools', 'bin', 'kubectl')) ? path.join(root, '.tools', 'bin', 'kubectl') : 'kubectl';
const installIndex = args.indexOf('--install');
const install = installIndex >= 0 ? path.resolve(args[installIndex + 1]!) : root;
const bin = path.join(install, 'bin', 'kubectl-infgw');
if (!existsSync(path.join(install, 'dist', 'main.js'))) {
  console.error(`${path.join(install, 'dist')} is missing: run "npm run build" first`);
  process.exit(2);
}

// A kubeconfig whose server is a closed loopback port: the first request fails at once.
const closed = await new Promise<number>((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const port = (s.address() as AddressInfo).port;
    s.close(() => resolve(port));
  });
});
const tmp = mkdtempSync(path.join(tmpdir(), 'infgw-bench-'));
const kubeconfig = path.join(tmp, 'kubeconfig');
// A CA in the kubeconfig, as real ones have (without one, Node would load its whole root store).
let tls = 'insecure-skip-tls-verify: true';
try {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=bench-ca'], {cwd: tmp, stdio: 'ignore'});
  tls = `certificate-authority-data: ${readFileSync(path.join(tmp, 'ca.crt')).toString('base64')}`;
} catch {
  /* no openssl: insecure-skip-tls-verify */
}
// block style, as kubectl and the cloud CLIs write kubeconfigs
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
current-context: bench
clusters:
- name: bench
  cluster:
    server: https://127.0.0.1:${closed}
    ${tls}
users:
- name: bench
  user:
    token: bench-token
contexts:
- name: bench
  context:
    cluster: bench
    user: bench
    namespace: bench
`,
);
const env = {...process.env, KUBECONFIG: kubeconfig, HOME: tmp, NO_COLOR: '1'};

interface Case {
  key: string;
  label: string;
  cmd: string;
  args: string[];
  exit: number;
}
const cases: Case[] = [
  {key: 'kubectl', label: 'kubectl version --client', cmd: kubectl, args: ['version', '--client'], exit: 0},
  {key: 'help', label: 'kubectl-infgw --help', cmd: bin, args: ['--help'], exit: 0},
  {key: 'client', label: 'kubectl-infgw version --client', cmd: bin, args: ['version', '--client'], exit: 0},
  {key: 'first', label: 'kubectl-infgw version → 1st request', cmd: bin, args: ['version'], exit: 3},
  {key: 'kubectlFirst', label: 'kubectl get --raw /version → 1st request', cmd: kubectl, args: ['get', '--raw', '/version', '--cache-dir', path.join(tmp, 'cache')], exit: 1},
  {key: 'node', label: 'node -e 0', cmd: process.execPath, args: ['-e', '0'], exit: 0},
];

function once(c: Case, timed: boolean): Promise<{ms: number; rssKiB?: number}> {
  return new Promise((resolve, reject) => {
    const [cmd, argv] = timed ? ['/usr/bin/time', ['-f', '%M', c.cmd, ...c.args]] : [c.cmd, c.args];
    const t0 = performance.now();
    const child = spawn(cmd as string, argv as string[], {env, stdio: ['ignore', 'ignore', 'pipe']});
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code !== c.exit) {
        reject(new Error(`${c.label}: exit ${code}, expected ${c.exit}\n${err}`));
        return;
      }
      const rss = timed ? Number(err.trim().split('\n').at(-1)) : undefined;
      resolve({ms, ...(rss !== undefined ? {rssKiB: rss} : {})});
    });
  });
}

const times = new Map<string, number[]>(cases.map((c) => [c.key, []]));
const rss = new Map<string, number[]>(cases.map((c) => [c.key, []]));
const load0 = loadavg()[0]!;
try {
  for (let i = 0; i < warmup; i++) for (const c of cases) await once(c, false);
  for (let i = 0; i < runs; i++) {
    // rotate the order too, so no case always follows the same one
    for (let j = 0; j < cases.length; j++) {
      const c = cases[(i + j) % cases.length]!;
      times.get(c.key)!.push((await once(c, false)).ms);
    }
  }
  const rssRuns = Math.max(3, Math.min(5, runs));
  for (let i = 0; i < rssRuns; i++) for (const c of cases) rss.get(c.key)!.push((await once(c, true)).rssKiB ?? 0);
} finally {
  rmSync(tmp, {recursive: true, force: true});
}
const load1 = loadavg()[0]!;

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.ceil(pos)]! - s[lo]!) * (pos - lo);
};
const stats = Object.fromEntries(
  cases.map((c) => {
    const t = times.get(c.key)!;
    return [c.key, {label: c.label, medianMs: quantile(t, 0.5), p90Ms: quantile(t, 0.9), minMs: Math.min(...t), maxRssMiB: Math.max(...rss.get(c.key)!) / 1024}];
  }),
) as Record<string, {label: string; medianMs: number; p90Ms: number; minMs: number; maxRssMiB: number}>;
const ref = stats.kubectl!.medianMs;
const ratios = {help: stats.help!.medianMs / ref, firstRequest: stats.first!.medianMs / ref};
const ourRss = Math.max(stats.help!.maxRssMiB, stats.client!.maxRssMiB, stats.first!.maxRssMiB);
const targets = {help: ratios.help <= 1.2, firstRequest: ratios.firstRequest <= 3, rss: ourRss < 90, helpUnderOneSecond: stats.help!.p90Ms < 1000};
const machine = {cpus: cpus().length, loadavg1mBefore: load0, loadavg1mAfter: load1, node: process.versions.node, runs};

if (asJson) {
  console.log(JSON.stringify({machine, stats, ratios, targets}, null, 2));
} else {
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (n: number) => n.toFixed(0).padStart(7);
  console.log(`${runs} runs each, interleaved, after ${warmup} warm-up runs; ${machine.cpus} CPUs, load average ${load0.toFixed(1)} → ${load1.toFixed(1)}; node ${machine.node}`);
  console.log(`${pad('case', 44)} median ms  p90 ms  min ms  max RSS MiB`);
  for (const c of cases) {
    const s = stats[c.key]!;
    console.log(`${pad(s.label, 44)}${num(s.medianMs)}   ${num(s.p90Ms)} ${num(s.minMs)}  ${s.maxRssMiB.toFixed(1).padStart(8)}`);
  }
  console.log('');
  console.log(`--help / kubectl version --client:          ${ratios.help.toFixed(2)}×  (target ≤ 1.2×) ${targets.help ? 'ok' : 'MISSED'}`);
  console.log(`first request / kubectl version --client:   ${ratios.firstRequest.toFixed(2)}×  (target ≤ 3×)   ${targets.firstRequest ? 'ok' : 'MISSED'}`);
  console.log(`peak RSS of kubectl-infgw:                   ${ourRss.toFixed(1)} MiB (target < 90) ${targets.rss ? 'ok' : 'MISSED'}`);
}
if (check && !Object.values(targets).every(Boolean)) process.exitCode = 1;
