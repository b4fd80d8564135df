// `npm run sandbox -- [scenario] [flags]`: starts the test control plane (real kube-apiserver,
// controllers, scheduler, KWOK nodes), prints `export KUBECONFIG=...`, and stays up until
// Ctrl-C / SIGTERM, then stops every component.
//
// Scenarios come from test/scenarios/index.ts when it exists:
//   export const scenarios: Record<string, { description: string; apply(ctx: ScenarioContext): Promise<void> }>
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as harness from '../test/harness/cluster.ts';
import type { Cluster } from '../test/harness/cluster.ts';

export interface ScenarioContext {
  cluster: Cluster;
  kubeconfig: string;
  restrictedKubeconfig: string;
  /** The whole harness (kubectl, helm, startSim, forwardPodPort, setPodLogs, ...). */
  harness: typeof harness;
  /** Register clean-up (e.g. stopping simulators) to run before the cluster stops. */
  onStop(fn: () => Promise<void> | void): void;
  log(msg: string): void;
}

export interface Scenario {
  description: string;
  apply(ctx: ScenarioContext): Promise<void>;
}

const scenariosFile = join(harness.repoRoot, 'test', 'scenarios', 'index.ts');

async function loadScenarios(): Promise<Record<string, Scenario> | undefined> {
  if (!existsSync(scenariosFile)) return undefined;
  const mod = (await import(pathToFileURL(scenariosFile).href)) as { scenarios?: Record<string, Scenario> };
  return mod.scenarios;
}

function usage(scenarios: Record<string, Scenario> | undefined): string {
  const lines = [
    'usage: npm run sandbox -- [scenario] [--empty] [--bare] [--no-crds] [--kubeconfig <path>] [--state-dir <dir>] [--verbose]',
    '',
    '  scenario             what to set up in the cluster (default: healthy)',
    '  --empty              only the cluster: CRDs installed, KWOK node Ready, no scenario',
    '  --bare               only etcd + kube-apiserver (RBAC on): no controllers, scheduler or KWOK',
    '  --no-crds            do not install the CRDs from ../shared/crds',
    '  --kubeconfig <path>  also write the admin kubeconfig there',
    '  --state-dir <dir>    keep certificates, etcd data and logs there',
    '  --verbose            show component start-up steps',
    '',
    'scenarios:',
  ];
  if (!scenarios) lines.push(`  (none yet: ${scenariosFile} does not exist; only --empty works)`);
  else for (const [name, s] of Object.entries(scenarios)) lines.push(`  ${name.padEnd(20)} ${s.description}`);
  return lines.join('\n');
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let empty = false;
  let bare = false;
  let crds = true;
  let verbose = false;
  let kubeconfig: string | undefined;
  let stateDir: string | undefined;
  let scenarioName: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const value = (): string => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--empty') empty = true;
    else if (a === '--bare') bare = true;
    else if (a === '--no-crds') crds = false;
    else if (a === '--verbose' || a === '-v') verbose = true;
    else if (a === '--help' || a === '-h') help = true;
    else if (a === '--kubeconfig' || a.startsWith('--kubeconfig=')) kubeconfig = resolve(value());
    else if (a === '--state-dir' || a.startsWith('--state-dir=')) stateDir = resolve(value());
    else if (a.startsWith('-')) throw new Error(`unknown flag ${a}\n\n${usage(await loadScenarios())}`);
    else scenarioName = a;
  }
  const scenarios = await loadScenarios();
  if (help) {
    console.log(usage(scenarios));
    return 0;
  }
  let scenario: Scenario | undefined;
  if (!empty && !bare) {
    const name = scenarioName ?? 'healthy';
    scenario = scenarios?.[name];
    if (!scenario) {
      if (scenarioName || scenarios) {
        console.error(`sandbox: unknown scenario "${name}"\n\n${usage(scenarios)}`);
        return 2;
      }
      console.error('sandbox: no scenarios yet (test/scenarios/index.ts); starting an empty cluster');
    }
  }

  const t0 = performance.now();
  const cluster = await harness.startCluster({ bare, crds, verbose, stateDir, kubeconfig, detachFromParent: false });
  const cleanups: (() => Promise<void> | void)[] = [];
  let stopping = false;
  const stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.error(`\nsandbox: ${why}, stopping...`);
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (e) {
        console.error(`sandbox: clean-up failed: ${String(e)}`);
      }
    }
    await cluster.stop();
    console.error('sandbox: stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));

  console.error(`sandbox: cluster ${cluster.server} ready in ${((performance.now() - t0) / 1000).toFixed(1)}s${bare ? ' (bare)' : ''}`);
  if (scenario) {
    const name = scenarioName ?? 'healthy';
    const s0 = performance.now();
    try {
      await scenario.apply({
        cluster,
        kubeconfig: cluster.kubeconfig,
        restrictedKubeconfig: cluster.restrictedKubeconfig,
        harness,
        onStop: (fn) => cleanups.push(fn),
        log: (msg) => console.error(`sandbox: [${name}] ${msg}`),
      });
    } catch (e) {
      console.error(`sandbox: scenario ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      await stop('scenario failed');
      return 1;
    }
    console.error(`sandbox: scenario ${name} applied in ${((performance.now() - s0) / 1000).toFixed(1)}s`);
  }
  console.log(`export KUBECONFIG=${cluster.kubeconfig}`);
  console.error(`sandbox: restricted user: KUBECONFIG=${cluster.restrictedKubeconfig}`);
  console.error('sandbox: Ctrl-C to stop');
  // Stay up: the signal handlers end the process.
  await new Promise<never>(() => setInterval(() => {}, 1 << 30));
  return 0;
}

main().then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (e: unknown) => {
    console.error(`sandbox: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
