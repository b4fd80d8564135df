/*
 * The CLI part of the single-file executable: oclif, every command and the cluster client. It is
 * a second CommonJS bundle, stored in the executable as an asset and compiled only when a command
 * runs (scripts/sea/main.ts loadCli), so that completion starts without it.
 *
 * There are no files next to the executable: oclif normally reads package.json and
 * oclif.manifest.json from the package root and imports the command map from disk. Here both JSON
 * documents come from the executable, and oclif gets a ready root plugin through its public
 * `plugins` option (Interfaces.Plugin), whose commands come from the manifest and load from the
 * bundled command map. With `plugins` given, oclif's PluginLoader uses that plugin as the root
 * instead of reading the disk (@oclif/core lib/config/plugin-loader.js loadRoot).
 */
import {Config, type Command, type Interfaces} from '@oclif/core';
import {dirname} from 'node:path';
import {COMMANDS} from '../../src/commands.ts';
import {main} from '../../src/main.ts';

export {lookup} from '../../src/completion/lookups.ts';

export type PackageJson = Interfaces.PJSON & {name: string; version: string};

function bundledRootPlugin(root: string, pjson: PackageJson, manifest: Interfaces.Manifest, commandMap: Record<string, Command.Class>): Interfaces.Plugin {
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

export async function runCli(argv: string[], pjson: PackageJson, manifest: Interfaces.Manifest): Promise<void> {
  const root = dirname(process.execPath);
  const config = await Config.load({
    root,
    pjson,
    plugins: new Map([[pjson.name, bundledRootPlugin(root, pjson, manifest, COMMANDS as Record<string, Command.Class>)]]),
    userPlugins: false,
    devPlugins: false,
    jitPlugins: false,
  });
  // src/main.ts hands oclif its own module URL to find the package root; inside the executable
  // there is none, so every Config.load answers with the configuration built above.
  (Config as unknown as {load: () => Promise<typeof config>}).load = async () => config;
  await main(argv);
}

