// vitest globalSetup for the `e2e` project: starts the test control plane once per run and
// provides its kubeconfig paths to the tests (`inject('kubeconfig')`). Teardown stops every
// component (the harness kills the whole process group as a last resort).
//
// INFGW_E2E_KUBECONFIG (+ optional INFGW_E2E_RESTRICTED_KUBECONFIG): use an already running
// cluster (e.g. from `npm run sandbox -- --empty`) instead of starting one.
// INFGW_E2E_LOG_DIR: keep component logs there (default .tools/logs/e2e-<timestamp>).
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { repoRoot, startCluster, type Cluster } from '../harness/cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    restrictedKubeconfig: string;
    clusterServer: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const existing = process.env.INFGW_E2E_KUBECONFIG;
  if (existing) {
    project.provide('kubeconfig', existing);
    project.provide('restrictedKubeconfig', process.env.INFGW_E2E_RESTRICTED_KUBECONFIG ?? '');
    project.provide('clusterServer', '');
    console.log(`[e2e] using the existing cluster of ${existing}`);
    return async () => {};
  }
  const t0 = performance.now();
  const logsRoot = join(repoRoot, '.tools', 'logs');
  pruneOldLogs(logsRoot, 5);
  const logDir = process.env.INFGW_E2E_LOG_DIR ?? join(logsRoot, `e2e-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  let cluster: Cluster;
  try {
    cluster = await startCluster({ log: logDir });
  } catch (e) {
    throw new Error(`e2e cluster did not start (component logs: ${logDir}): ${String(e)}`);
  }
  const ms = Math.round(performance.now() - t0);
  console.log(`[e2e] cluster ${cluster.server} ready in ${(ms / 1000).toFixed(1)}s (binary: ${cluster.startupMs} ms); logs: ${logDir}`);
  project.provide('kubeconfig', cluster.kubeconfig);
  project.provide('restrictedKubeconfig', cluster.restrictedKubeconfig);
  project.provide('clusterServer', cluster.server);
  return async () => {
    const s0 = performance.now();
    await cluster.stop();
    console.log(`[e2e] cluster stopped in ${Math.round(performance.now() - s0)} ms`);
  };
}

/** Keeps the newest `keep` e2e-* log directories. */
function pruneOldLogs(root: string, keep: number): void {
  let dirs: string[];
  try {
    dirs = readdirSync(root).filter((d) => d.startsWith('e2e-'));
  } catch {
    return;
  }
  for (const d of dirs.sort().slice(0, Math.max(0, dirs.length - keep))) rmSync(join(root, d), { recursive: true, force: true });
}
