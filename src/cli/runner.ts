/*
 * Run one command without oclif's run(): src/main.ts has already found the command in
 * oclif.manifest.json, so the 25–35 ms of Config.load (package.json and plugin discovery, user
 * and dev plugins, hooks, ts-node lookup) buy nothing. The command class comes from the explicit
 * command map (src/commands.ts) and runs exactly as oclif's Command.run would run it
 * (@oclif/core lib/command.js: `new Cmd(argv, config)._run()`), with a config object that
 * carries what Command uses: bin, version, the env-var scope, no hooks.
 */
import type {Config} from '@oclif/core';

export interface RunnerOptions {
  /** manifest command id ("version", "rollout:status") */
  id: string;
  /** the arguments after the command words */
  argv: string[];
  /** every command id of the manifest */
  commandIDs: string[];
  pjson: {name: string; version: string; oclif?: Record<string, unknown>};
  root: string;
}

/** What @oclif/core's Command reads from its config (lib/command.js, lib/help/util.js). */
export function liteConfig(o: RunnerOptions): Config {
  const scope = o.pjson.name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const cfg = {
    // Config.load treats an object with _base as a config already loaded
    _base: `@oclif/core@kubectl-infgw-runner`,
    name: o.pjson.name,
    version: o.pjson.version,
    bin: 'kubectl infgw',
    binAliases: [],
    root: o.root,
    pjson: {...o.pjson, oclif: {...(o.pjson.oclif ?? {})}},
    topicSeparator: ' ',
    commandIDs: o.commandIDs,
    isSingleCommandCLI: false,
    platform: process.platform,
    arch: process.arch,
    userAgent: `${o.pjson.name}/${o.pjson.version} ${process.platform}-${process.arch} node-${process.version}`,
    debug: 0,
    theme: undefined,
    findCommand: () => undefined,
    findTopic: () => undefined,
    runHook: async () => ({successes: [], failures: []}),
    scopedEnvVarKey: (k: string) => `${scope}_${k}`,
    scopedEnvVarKeys: (k: string) => [`${scope}_${k}`],
    scopedEnvVar: (k: string) => process.env[`${scope}_${k}`],
    scopedEnvVarTrue: (k: string) => ['1', 'true'].includes(String(process.env[`${scope}_${k}`]).toLowerCase()),
  };
  return cfg as unknown as Config;
}

export async function runCommand(o: RunnerOptions): Promise<void> {
  const {COMMANDS} = await import('../commands.ts');
  const Cmd = (COMMANDS as Record<string, unknown>)[o.id] as (new (argv: string[], config: Config) => {id: string | undefined; _run(): Promise<unknown>}) | undefined;
  if (!Cmd) throw new Error(`command ${o.id} is in oclif.manifest.json but not in src/commands.ts: rebuild (npm run build)`);
  const cmd = new Cmd(o.argv, liteConfig(o));
  cmd.id = o.id;
  await cmd._run();
}
