// Bundle the CLI with esbuild: split chunks so `--help` loads only oclif, and
// @kubernetes/client-node only when a command first talks to a cluster (domain-facts §9).
import {build} from 'esbuild';
import {rmSync} from 'node:fs';

const started = performance.now();
rmSync('dist', {recursive: true, force: true});
const result = await build({
  entryPoints: {main: 'src/main.ts', commands: 'src/commands.ts'},
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: false,
  minifySyntax: true,
  legalComments: 'none',
  metafile: true,
  // CommonJS dependencies inside an ESM bundle still call require().
  banner: {js: "import {createRequire as __infgwCreateRequire} from 'node:module'; const require = __infgwCreateRequire(import.meta.url);"},
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.error(`built dist/ (${(bytes / 1e6).toFixed(1)} MB in ${Object.keys(result.metafile.outputs).length} files) in ${Math.round(performance.now() - started)} ms`);
