/*
 * Entry point of the single-file executable (scripts/package.ts bundles it into the CommonJS main
 * script that Node's single executable application support runs).
 *
 * It is kept small so that shell completion starts fast: invoked as `kubectl_complete-infgw` (a
 * link to the executable; kubectl runs it for `kubectl infgw <TAB>`) or with `__complete` first,
 * it plans the completion from the embedded oclif.manifest.json. Everything else (oclif, the
 * commands, the cluster client) is the second bundle scripts/sea/cli.ts, carried as an asset and
 * compiled with the V8 code cache made for it at build time, only when a command runs or a
 * completion needs the cluster.
 */
import {getAsset} from 'node:sea';
import {basename} from 'node:path';
import {Script} from 'node:vm';
import type {Interfaces} from '@oclif/core';
import type {OclifManifest} from '../../src/completion/model.ts';
import {completionOutput} from '../../src/completion/run.ts';
import type * as Cli from './cli.ts';
import {CLI_ASSET, CLI_CACHE_ASSET, CLI_FILENAME, wrapCommonJs} from './wrap.ts';

declare const INFGW_PACKAGE_JSON: Cli.PackageJson;
declare const INFGW_OCLIF_MANIFEST: OclifManifest & Interfaces.Manifest;

let cli: typeof Cli | undefined;
function loadCli(): typeof Cli {
  if (cli) return cli;
  const script = new Script(wrapCommonJs(getAsset(CLI_ASSET, 'utf8')), {
    filename: CLI_FILENAME,
    cachedData: Buffer.from(getAsset(CLI_CACHE_ASSET)),
  });
  const mod = {exports: {} as typeof Cli};
  // The bundle needs only Node's built-in modules: the main script's require (built-ins only in a
  // single executable application) is the right one to give it.
  (script.runInThisContext() as (...a: unknown[]) => void).call(mod.exports, mod.exports, require, mod, CLI_FILENAME, '.');
  cli = mod.exports;
  return cli;
}

async function runCompletion(args: string[]): Promise<void> {
  const out = await completionOutput(INFGW_OCLIF_MANIFEST, args, {lookup: (kind, kube, signal) => loadCli().lookup(kind, kube, signal)});
  // Exit once written: a kubeconfig exec plugin still running after the time limit must not hold TAB.
  process.stdout.write(out, () => process.exit(0));
}

const args = process.argv.slice(2);
if (basename(process.argv[1] ?? '').startsWith('kubectl_complete-') || args[0] === '__complete') {
  void runCompletion(args).catch(() => process.stdout.write(':4\n', () => process.exit(0)));
} else {
  void Promise.resolve()
    .then(() => loadCli().runCli(args, INFGW_PACKAGE_JSON, INFGW_OCLIF_MANIFEST))
    .catch((error: unknown) => {
      process.stderr.write(`error: ${(error as Error).message}\n`);
      process.exitCode = 1;
    });
}
