import chalk from 'chalk';

/**
 * Colour only on a TTY, and never when NO_COLOR is set to a non-empty value (https://no-color.org)
 * or --no-color is given. chalk's own detection honours FORCE_COLOR but not NO_COLOR.
 */
export function configureColor(opts: {noColor?: boolean | undefined; stream?: NodeJS.WriteStream; env?: NodeJS.ProcessEnv}): boolean {
  const env = opts.env ?? process.env;
  const stream = opts.stream ?? process.stdout;
  const enabled = colorWanted({noColor: opts.noColor, isTTY: Boolean(stream.isTTY), env});
  chalk.level = enabled ? (chalk.level === 0 ? 1 : chalk.level) : 0;
  return enabled;
}

export function colorWanted(opts: {noColor?: boolean | undefined; isTTY: boolean; env: NodeJS.ProcessEnv}): boolean {
  if (opts.noColor) return false;
  if (opts.env.NO_COLOR !== undefined && opts.env.NO_COLOR !== '') return false;
  const force = opts.env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  if (force === '0' || force === 'false') return false;
  if (opts.env.TERM === 'dumb') return false;
  return opts.isTTY;
}
