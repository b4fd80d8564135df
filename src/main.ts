import {readFileSync} from 'node:fs';
import {ExitCode} from './errors.ts';

/*
 * Entry point of the bundle (bin/kubectl-infgw imports dist/main.js).
 *
 * Start-up is the product here (issue 2: `--help` within 1.2× of `kubectl version --client`):
 * - help and --version are answered from oclif.manifest.json by src/cli/help.ts, without loading
 *   @oclif/core or any command;
 * - a command is found in the manifest and run by src/cli/runner.ts (its class from the explicit
 *   command map in src/commands.ts), without oclif's Config.load;
 * - only without a manifest does oclif's own run() find the command.
 * Commands report their own errors (InfgwCommand.catch); what reaches here is oclif's own: an
 * unknown command or a bad flag before a command was found.
 */

const root = new URL('..', import.meta.url);

function readJson<T>(rel: string): T | undefined {
  try {
    return JSON.parse(readFileSync(new URL(rel, root), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function fail(message: string, hint: string, code: number = ExitCode.usage): void {
  process.exitCode = code;
  process.stderr.write(`error: ${message}\nhint: ${hint}\n`);
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const manifest = readJson<import('./cli/help.ts').Manifest>('oclif.manifest.json');
  if (manifest) {
    const help = await import('./cli/help.ts');
    const req = help.helpRequest(argv, manifest);
    if (req) {
      const pkg = readJson<{version: string; description: string}>('package.json');
      const width = process.stdout.isTTY ? Math.min(process.stdout.columns || 80, 120) : 80;
      process.stdout.write(help.renderHelp(req, {manifest, bin: 'kubectl infgw', version: pkg?.version ?? manifest.version, description: pkg?.description ?? '', width}));
      return;
    }
    const words: string[] = [];
    for (const a of argv) {
      if (a.startsWith('-')) break;
      words.push(a);
    }
    // The root takes no flags: say which flag is unknown (oclif would say "command --x not found").
    if (words.length === 0 && argv.length > 0 && argv[0] !== '--') {
      fail(`unknown flag: ${argv[0]!.split('=')[0]}`, 'See "kubectl infgw --help" for the commands; flags go after the command name.');
      return;
    }
    const found = help.findCommand(manifest, words);
    if (!found) {
      fail(`unknown command "${words.join(' ')}" for "kubectl infgw"`, 'Run "kubectl infgw --help" for the list of commands.');
      return;
    }
    const pkg = readJson<{name: string; version: string; oclif?: Record<string, unknown>}>('package.json') ?? {name: 'kubectl-infgw', version: manifest.version};
    const {runCommand} = await import('./cli/runner.ts');
    try {
      await runCommand({id: found.id, argv: argv.slice(found.used), commandIDs: Object.keys(manifest.commands), pjson: pkg, root: new URL('.', root).pathname});
    } catch (error) {
      // InfgwCommand.catch reports what a command throws; this is for what happens before it runs
      fail((error as Error).message, 'Run again with --debug for details, and please report it.', ExitCode.problems);
      if (argv.includes('--debug')) process.stderr.write(`${(error as Error).stack}\n`);
    }
    return;
  }

  // No manifest on disk: the single-file executable (scripts/sea/cli.ts hands oclif its embedded
  // manifest), or a development tree without one. oclif finds and runs the command. (In dist/,
  // oclif's own help lacks the template engine scripts/build.ts leaves out: run
  // "npm run manifest".)

  // @oclif/core is CommonJS: in the bundle its dynamic import yields only a default export.
  const mod = await import('@oclif/core');
  const oclif = (mod as unknown as {default?: typeof mod}).default ?? mod;
  // A bundle never transpiles TypeScript: skip oclif's tsconfig/ts-node lookup (it would also
  // try to load `typescript`, which scripts/build.ts leaves out), even under NODE_ENV=test.
  oclif.settings.enableAutoTranspile = false;
  try {
    await oclif.run(argv, import.meta.url);
    await oclif.flush();
  } catch (error) {
    const err = error as Error & {oclif?: {exit?: number}};
    if (err instanceof oclif.Errors.ExitError) {
      process.exitCode = err.oclif.exit;
      return;
    }
    const usage = err instanceof oclif.Errors.CLIError;
    process.exitCode = usage ? ExitCode.usage : ExitCode.problems;
    process.stderr.write(`error: ${err.message.split('\n')[0]}\n`);
    process.stderr.write(usage ? 'hint: See "kubectl infgw --help".\n' : 'hint: Run again with --debug for details, and please report it.\n');
    if (argv.includes('--debug') && err.stack) process.stderr.write(`${err.stack}\n`);
  }
}
