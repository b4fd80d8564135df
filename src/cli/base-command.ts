import {Command, Errors} from '@oclif/core';
import chalk, {Chalk} from 'chalk';
import {ExitCode, InfgwError, InterruptedError} from '../errors.ts';
import {colorWanted, configureColor} from './color.ts';
import {outputFlags} from './flags.ts';

/** JSON documents carry this so scripts can rely on their shape (README, "JSON output"). */
export const SCHEMA_VERSION = 1;

/**
 * The base of every command: shared output flags, colour rules, Ctrl-C handling and the
 * translation of every error into one human message and a documented exit code.
 */
export abstract class InfgwCommand extends Command {
  static override baseFlags = {...outputFlags};

  /** Aborted on the first Ctrl-C; long waits listen to it and report where they stood. */
  protected readonly interrupt = new AbortController();
  private sigintCount = 0;
  private readonly onSigint = (): void => {
    this.sigintCount++;
    if (this.sigintCount > 1) process.exit(ExitCode.interrupted);
    this.interrupt.abort(new InterruptedError());
  };

  protected get wantsJson(): boolean {
    const i = this.argv.findIndex((a) => a === '-o' || a === '--output');
    if (i >= 0) return this.argv[i + 1] === 'json';
    return this.argv.some((a) => a === '-ojson' || a === '--output=json' || a === '-o=json');
  }

  override async init(): Promise<void> {
    await super.init();
    configureColor({noColor: this.argv.includes('--no-color')});
    process.on('SIGINT', this.onSigint);
    process.on('SIGTERM', this.onSigint);
  }

  override async finally(err: Error | undefined): Promise<void> {
    process.off('SIGINT', this.onSigint);
    process.off('SIGTERM', this.onSigint);
    await super.finally(err);
  }

  /** Write a result document to stdout. */
  protected printJson(doc: Record<string, unknown>): void {
    process.stdout.write(`${JSON.stringify({schemaVersion: SCHEMA_VERSION, ...doc}, null, 2)}\n`);
  }

  protected print(text: string): void {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Progress and notes go to stderr so stdout stays clean for results. */
  protected note(text: string): void {
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  override async catch(err: Error & {oclif?: {exit?: number}; exitCode?: number}): Promise<void> {
    const debug = this.argv.includes('--debug') || process.env.DEBUG === 'infgw';
    let code: number;
    let message: string;
    let hint: string | undefined;
    if (err instanceof InfgwError) {
      code = err.exitCode;
      message = err.message;
      hint = err.hint;
    } else if (err instanceof Errors.ExitError) {
      process.exitCode = err.oclif.exit;
      return;
    } else if (err instanceof Errors.CLIError) {
      code = ExitCode.usage;
      message = oclifMessage(err.message);
      hint = `See "kubectl infgw ${(this.id ?? '').replace(/:/g, ' ')} --help".`.replace('  ', ' ');
    } else if (err?.name === 'AbortError' && this.interrupt.signal.aborted) {
      code = ExitCode.interrupted;
      message = 'interrupted';
    } else {
      code = ExitCode.problems;
      message = `unexpected error: ${err?.message ?? String(err)}`;
      hint = debug ? undefined : 'Run again with --debug for details, and please report it.';
    }
    process.exitCode = code;
    if (this.wantsJson) {
      this.printJson({error: {message, ...(hint ? {hint} : {}), exitCode: code}});
    } else {
      // stderr may be a terminal when stdout is not (and the other way round)
      const c = colorWanted({noColor: this.argv.includes('--no-color'), isTTY: Boolean(process.stderr.isTTY), env: process.env}) ? chalk : new Chalk({level: 0});
      process.stderr.write(`${c.red('error:')} ${message}\n`);
      if (hint) process.stderr.write(`${c.dim('hint:')} ${hint}\n`);
    }
    if (debug && err?.stack) process.stderr.write(`${err.stack}\n`);
  }
}

/** oclif's parser messages, in kubectl's words and without oclif's own "See more help" line. */
export function oclifMessage(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !/^See more help with --help$/.test(l.trim()));
  return lines
    .join('\n')
    .replace(/^Nonexistent flags?: /, (m) => (m.includes('flags') ? 'unknown flags: ' : 'unknown flag: '))
    .replace(/^Unexpected arguments?: /, (m) => m.toLowerCase())
    .replace(/^Missing required flag /, 'missing required flag ')
    .replace(/^Missing (\d+) required args?/, 'missing $1 required argument(s)');
}
