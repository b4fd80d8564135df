// oclif.manifest.json is what `--help` reads (src/cli/help.ts) and how the runner finds commands
// (src/main.ts): it must match the commands as built. This builds the bundle into a private
// folder (scripts/build.ts --outdir: the shared dist/ is not touched), generates the manifest
// there with scripts/manifest.ts (oclif's own generator over dist/commands.js), and compares it
// with the file in the repository.
import {readFileSync, rmSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {buildCli} from '../harness/cli.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
let generated: string;

let dir: string;
beforeAll(async () => {
  ({dir} = await buildCli({name: 'infgw-manifest', manifest: 'generate'}));
  generated = readFileSync(path.join(dir, 'oclif.manifest.json'), 'utf8');
}, 600_000);
afterAll(() => {
  if (dir) rmSync(dir, {recursive: true, force: true});
});

describe('oclif.manifest.json', () => {
  it('is what scripts/manifest.ts generates from the current commands (run "npm run build && npm run manifest" if not)', () => {
    const committed = readFileSync(path.join(repoRoot, 'oclif.manifest.json'), 'utf8');
    const gen = JSON.parse(generated) as {version: string; commands: Record<string, unknown>};
    expect(Object.keys(gen.commands).length).toBeGreaterThan(0);
    // compare parsed documents first for a readable diff, then the exact text
    expect(JSON.parse(committed)).toEqual(gen);
    expect(committed).toBe(generated);
  });

  it('carries the package version and every command of src/commands.ts', () => {
    const gen = JSON.parse(generated) as {version: string; commands: Record<string, unknown>};
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {version: string};
    expect(gen.version).toBe(pkg.version);
    const src = readFileSync(path.join(repoRoot, 'src', 'commands.ts'), 'utf8');
    const ids = [...src.matchAll(/^\s+'?([a-z][a-z0-9:-]*)'?: [A-Z]\w*,$/gm)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(0);
    expect(Object.keys(gen.commands).sort()).toEqual([...ids].sort());
  });
});
