/*
 * The explicit command map (oclif "explicit" strategy): no directory scan at start-up, and the
 * bundle knows every command. Command modules import only @oclif/core and flag definitions at
 * the top; everything heavy is imported inside run().
 */
import Collect from './commands/collect.ts';
import Completion from './commands/completion.ts';
import Doctor from './commands/doctor.ts';
import PatchEnvoy from './commands/patch-envoy.ts';
import ProbeCache from './commands/probe-cache.ts';
import Restart from './commands/restart.ts';
import Version from './commands/version.ts';

export const COMMANDS = {
  collect: Collect,
  completion: Completion,
  doctor: Doctor,
  'patch-envoy': PatchEnvoy,
  'probe-cache': ProbeCache,
  restart: Restart,
  version: Version,
};
