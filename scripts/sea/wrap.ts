/*
 * How scripts/sea/main.ts compiles the CLI bundle it carries as an asset: the CommonJS module
 * wrapper and the file name. scripts/package.ts makes V8's code cache for exactly this source
 * and name at build time; V8 rejects a cache made for different source, so both sides share this.
 */
export const CLI_ASSET = 'cli.cjs';
export const CLI_CACHE_ASSET = 'cli.cjs.cache';
export const CLI_FILENAME = 'kubectl-infgw:cli.cjs';

export function wrapCommonJs(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
}
