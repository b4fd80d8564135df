// Write oclif.manifest.json from the built commands, so `--help` never loads a command module.
// test/unit/manifest.test.ts fails when the committed manifest is stale.
//   node scripts/manifest.ts              the repository (dist/ must be built)
//   node scripts/manifest.ts --root DIR   a private build (DIR holds package.json and dist/)
import {Config} from '@oclif/core';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

export async function buildManifest(root: string): Promise<unknown> {
  const config = await Config.load({root, ignoreManifest: true});
  const plugin = config.plugins.get(config.pjson.name);
  if (!plugin) throw new Error(`plugin ${config.pjson.name} not found`);
  return (plugin as unknown as {manifest: unknown}).manifest;
}

export function manifestText(manifest: unknown): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--root');
  const root = i >= 0 ? path.resolve(process.argv[i + 1]!) : fileURLToPath(new URL('..', import.meta.url));
  writeFileSync(path.join(root, 'oclif.manifest.json'), manifestText(await buildManifest(root)));
  console.error(`wrote ${path.join(root, 'oclif.manifest.json')}`);
}
