// `npm run <script>` must work when the first node on PATH is older than the project needs (the
// machines here ship Node 20): every script goes through scripts/with-node, which puts the
// project's Node 24 first (scripts/node-env.sh) before it runs the command.
import {execFileSync} from 'node:child_process';
import {chmodSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const scripts = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {scripts: Record<string, string>}).scripts;
const shimDir = mkdtempSync(path.join(tmpdir(), 'infgw-old-node-'));
afterAll(() => rmSync(shimDir, {recursive: true, force: true}));

/**
 * A `node` that behaves like Node 20 where it matters: it reports major version 20 and cannot run
 * TypeScript files; anything else (npm itself) it hands to the real node.
 */
function oldNode(): string {
  const shim = path.join(shimDir, 'node');
  writeFileSync(
    shim,
    `#!/usr/bin/env bash
if [ "$1" = "-p" ]; then echo 20; exit 0; fi
for a in "$@"; do case "$a" in *.ts) echo "old-node: cannot run TypeScript ($a)" >&2; exit 9;; esac; done
exec ${JSON.stringify(process.execPath)} "$@"
`,
  );
  chmodSync(shim, 0o755);
  return shimDir;
}

describe('npm scripts run on the project\'s Node', () => {
  it('every package.json script starts with scripts/with-node', () => {
    const bare = Object.entries(scripts).filter(([, cmd]) => !cmd.startsWith('scripts/with-node '));
    expect(bare).toEqual([]);
  });

  it('npm run sandbox -- --help works when the first node on PATH is an old one', () => {
    // npm's own entry point, run by the shim (so npm and its scripts see the old node first on PATH).
    const npmCli = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], {encoding: 'utf8'}).trim());
    const dir = oldNode();
    const env = {PATH: `${dir}:/usr/local/bin:/usr/bin:/bin`, HOME: process.env.HOME ?? tmpdir()};
    // Proof that the shim is in force: running a .ts file with it fails.
    expect(() => execFileSync(path.join(dir, 'node'), ['scripts/sandbox.ts'], {cwd: repoRoot, env, stdio: 'pipe'})).toThrow();
    const out = execFileSync(path.join(dir, 'node'), [npmCli, 'run', '-s', 'sandbox', '--', '--help'], {cwd: repoRoot, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000});
    expect(out).toContain('usage: npm run sandbox');
  });
});
