/**
 * Exit codes shared by every command (documented in README.md, "Exit codes").
 * They follow the doctor-tool convention: 0 means healthy/done, 1 means the tool ran and found
 * problems, higher codes mean the tool could not do its job.
 */
export const ExitCode = {
  ok: 0,
  problems: 1,
  usage: 2,
  cluster: 3,
  refused: 4,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error meant for humans: a message, an optional hint, and the exit code it maps to. */
export class InfgwError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  constructor(message: string, opts: {exitCode?: ExitCodeValue; hint?: string; cause?: unknown} = {}) {
    super(message, opts.cause === undefined ? undefined : {cause: opts.cause});
    this.name = 'InfgwError';
    this.exitCode = opts.exitCode ?? ExitCode.problems;
    this.hint = opts.hint;
  }
}

export class UsageError extends InfgwError {
  constructor(message: string, hint?: string) {
    super(message, {exitCode: ExitCode.usage, ...(hint === undefined ? {} : {hint})});
    this.name = 'UsageError';
  }
}

/** The user pressed Ctrl-C (SIGINT) while we were waiting; the command reports where it stood. */
export class InterruptedError extends InfgwError {
  constructor(message = 'interrupted') {
    super(message, {exitCode: ExitCode.interrupted});
    this.name = 'InterruptedError';
  }
}
