import {Errors, flush, run} from '@oclif/core';
import {ExitCode} from './errors.ts';

/**
 * Entry point of the bundle. Commands handle their own errors (InfgwCommand.catch); what reaches
 * here is oclif's own: an unknown command or a bad flag before a command was found.
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  try {
    await run(argv, import.meta.url);
    await flush();
  } catch (error) {
    const err = error as Error & {oclif?: {exit?: number}};
    if (err instanceof Errors.ExitError) {
      process.exitCode = err.oclif.exit;
      return;
    }
    process.exitCode = err instanceof Errors.CLIError ? ExitCode.usage : ExitCode.problems;
    process.stderr.write(`error: ${err.message}\n`);
    if (err instanceof Errors.CLIError) process.stderr.write('hint: See "kubectl infgw --help".\n');
    if (argv.includes('--debug') && err.stack) process.stderr.write(`${err.stack}\n`);
  }
}
