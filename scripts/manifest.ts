// Write oclif.manifest.json from the built commands, so `--help` never loads a command module.
// test/unit/manifest.test.ts fails when the committed manifest is stale.
import {Config} from '@oclif/core';
import {writeFileSync} from 'node:fs';
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
  const root = fileURLToPath(new URL('..', import.meta.url));
  writeFileSync(new URL('../oclif.manifest.json', import.meta.url), manifestText(await buildManifest(root)));
  console.error('wrote oclif.manifest.json');
}
