/*
 * The CLI as users get it, for the tests that run it: bin/ + dist/ + package.json +
 * oclif.manifest.json in a private directory, so nobody's rebuild of the shared dist/ changes the
 * binary under a test. The bundle is written straight there (scripts/build.ts --outdir), so no
 * shared build lock is needed. INFGW_E2E_NO_BUILD=1 (reuse: 'env') copies the current shared build
 * instead, under a shared lock on BUILD_LOCK.
 */
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {repoRoot, run} from './cluster.ts';

/** Held exclusively by whoever rebuilds the shared dist/, shared by whoever copies it. */
export const BUILD_LOCK = '/tmp/infgw-build.lock';

export interface BuiltCli {
  /** the install folder: bin/, dist/, package.json, oclif.manifest.json */
  dir: string;
  /** bin/kubectl-infgw in it */
  bin: string;
}

export interface BuildCliOptions {
  /** prefix of the temporary folder's name */
  name?: string;
  /** 'generate': oclif.manifest.json from the built commands (scripts/manifest.ts); 'committed': the repository's file */
  manifest?: 'generate' | 'committed';
  /** 'env': with INFGW_E2E_NO_BUILD=1, copy the shared build instead of building */
  reuse?: 'env' | 'never';
  timeoutMs?: number;
}

export async function buildCli(opts: BuildCliOptions = {}): Promise<BuiltCli> {
  const dir = mkdtempSync(join(tmpdir(), `${opts.name ?? 'infgw-cli'}-`));
  const timeoutMs = opts.timeoutMs ?? 600_000;
  // scripts/*.ts run on the Node that runs the tests
  const env = {PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`};
  if (opts.reuse === 'env' && process.env.INFGW_E2E_NO_BUILD === '1') {
    await run('flock', ['-s', '-w', '600', BUILD_LOCK, 'sh', '-c', `cp -R bin dist package.json oclif.manifest.json "${dir}/"`], {timeoutMs, env, cwd: repoRoot});
  } else {
    const manifest = opts.manifest === 'generate' ? `node scripts/manifest.ts --root "${dir}"` : `cp oclif.manifest.json "${dir}/"`;
    await run('sh', ['-c', `node scripts/build.ts --outdir "${dir}/dist" && cp -R bin package.json "${dir}/" && ${manifest}`], {timeoutMs, env, cwd: repoRoot});
  }
  return {dir, bin: join(dir, 'bin', 'kubectl-infgw')};
}
