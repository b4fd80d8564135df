/*
 * The explicit command map (oclif "explicit" strategy): no directory scan at start-up, and the
 * bundle knows every command. Command modules import only @oclif/core and flag definitions at
 * the top; everything heavy is imported inside run().
 */
import Version from './commands/version.ts';

export const COMMANDS = {
  version: Version,
};
