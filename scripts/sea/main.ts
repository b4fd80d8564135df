/*
 * Entry point of the single-file executable (scripts/package.ts bundles it, with every command,
 * into one CommonJS file that Node's single executable application support runs).
 *
 * There are no files next to the executable: oclif normally reads package.json and
 * oclif.manifest.json from the package root and imports the command map from disk. Here both JSON
 * documents are compiled into the bundle (esbuild `define`), and oclif gets a ready root plugin
 * through its public `plugins` option (Interfaces.Plugin), whose commands come from the manifest
 * and load from the bundled command map. With `plugins` given, oclif's PluginLoader uses that
 * plugin as the root instead of reading the disk (@oclif/core lib/config/plugin-loader.js
 * loadRoot).
 *
 * Invoked as `kubectl_complete-infgw` (a link to this executable) or with `__complete` first, it
 * answers shell completion without starting oclif.
 */
import {Config, type Command, type Interfaces} from '@oclif/core';
import {basename, dirname} from 'node:path';
import {COMMANDS} from '../../src/commands.ts';
import {completionOutput} from '../../src/completion/run.ts';
import type {OclifManifest} from '../../src/completion/model.ts';
import {main} from '../../src/main.ts';

declare const INFGW_PACKAGE_JSON: Interfaces.PJSON & {name: string; version: string};
declare const INFGW_OCLIF_MANIFEST: OclifManifest & Interfaces.Manifest;

const pjson = INFGW_PACKAGE_JSON;
const manifest = INFGW_OCLIF_MANIFEST;
const commandMap = COMMANDS as Record<string, Command.Class>;

function bundledRootPlugin(root: string): Interfaces.Plugin {
  const commandClass = (id: string): Command.Class | undefined => {
    const cmd = commandMap[id];
    if (!cmd) return undefined;
    cmd.id = id;
    cmd.plugin = plugin;
    return cmd;
  };
  const findCommand = (async (id: string, opts?: {must: boolean}) => {
    const cmd = commandClass(id);
    if (!cmd && opts?.must) throw new Error(`command ${id} not found`);
    return cmd;
  }) as Interfaces.Plugin['findCommand'];
  const plugin: Interfaces.Plugin = {
    _base: `${pjson.name}@${pjson.version}`,
    alias: pjson.name,
    name: pjson.name,
    version: pjson.version,
    pjson,
    root,
    options: {root, isRoot: true, pjson},
    isRoot: true,
    type: 'core',
    valid: true,
    moduleType: 'commonjs',
    hasManifest: true,
    hooks: {},
    topics: [],
    commandsDir: undefined,
    commandIDs: Object.keys(manifest.commands),
    commands: Object.entries(manifest.commands).map(([id, cached]) => ({
      ...cached,
      id,
      pluginAlias: pjson.name,
      pluginName: pjson.name,
      pluginType: 'core',
      load: async () => {
        const cmd = commandClass(id);
        if (!cmd) throw new Error(`command ${id} not found`);
        return cmd;
      },
    })),
    findCommand,
    load: async () => {},
  };
  return plugin;
}

async function runCli(argv: string[]): Promise<void> {
  const root = dirname(process.execPath);
  const config = await Config.load({
    root,
    pjson,
    plugins: new Map([[pjson.name, bundledRootPlugin(root)]]),
    userPlugins: false,
    devPlugins: false,
    jitPlugins: false,
  });
  // src/main.ts hands oclif its own module URL to find the package root; inside the executable
  // there is none, so every Config.load answers with the configuration built above.
  (Config as unknown as {load: () => Promise<Config>}).load = async () => config;
  await main(argv);
}

async function runCompletion(args: string[]): Promise<void> {
  const out = await completionOutput(manifest, args);
  // Exit once written: a kubeconfig exec plugin still running after the time limit must not hold TAB.
  process.stdout.write(out, () => process.exit(0));
}

const args = process.argv.slice(2);
if (basename(process.argv[1] ?? '').startsWith('kubectl_complete-') || args[0] === '__complete') {
  void runCompletion(args).catch(() => process.stdout.write(':4\n', () => process.exit(0)));
} else {
  void runCli(args).catch((error: unknown) => {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
