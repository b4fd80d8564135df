// Bundle the CLI with esbuild (domain-facts §9, and scripts/bench-startup.ts for what it buys):
// - split chunks: `--help` loads only dist/main.js and the help renderer (src/cli/help.ts reads
//   oclif.manifest.json; oclif itself is not loaded); a command loads oclif and its own module;
//   @kubernetes/client-node is a chunk of its own, loaded only by code that needs Watch,
//   PortForward or a legacy auth-provider (src/kube/k8s.ts, always imported dynamically);
// - `typescript` (9.7 MB that @oclif/core would pull in for its ts-node support, which a bundle
//   never uses) and other dev-time-only modules are replaced by empty stubs;
// - a metafile is written to dist/meta.json so the bench and tests can check what lands where.
import {build, type Plugin} from 'esbuild';
import {rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';

/**
 * Modules that only @oclif/core requires, and only on paths this CLI never takes: src/main.ts
 * answers help from the manifest and src/cli/runner.ts runs commands without Config.load, so
 * oclif's ts-node support (typescript, 9.7 MB), plugin discovery (tinyglobby, minimatch,
 * lilconfig), its engine check (semver, evaluated at every start otherwise), help templates
 * (ejs, wordwrap, widest-line) are dead weight. Each is replaced by an empty module; spinner
 * frames keep a tiny stand-in because oclif builds its spinner when stderr is a terminal.
 * (test/unit/manifest.test.ts and cli.test.ts run the bundle through all of these paths.)
 */
const stubbed: Record<string, string> = {
  typescript: 'module.exports = undefined;',
  semver: 'module.exports = undefined;',
  ejs: 'module.exports = undefined;',
  tinyglobby: 'module.exports = {};',
  minimatch: 'module.exports = {};',
  lilconfig: 'module.exports = {};',
  wordwrap: 'module.exports = undefined;',
  'widest-line': 'module.exports = undefined;',
  // every spinner name answers the same frames; `__esModule` must stay undefined, else esbuild's
  // interop takes the proxy for an ES module and oclif's `spinners.default[name]` is undefined
  'cli-spinners': "const s = {interval: 100, frames: ['-', '\\\\', '|', '/']}; module.exports = new Proxy({}, {get: (_, k) => (k === '__esModule' ? undefined : s)});",
};
const stubs: Plugin = {
  name: 'infgw-stubs',
  setup(b) {
    const filter = new RegExp(`^(${Object.keys(stubbed).map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
    b.onResolve({filter}, (args) => ({path: args.path, namespace: 'infgw-stub'}));
    b.onLoad({filter: /.*/, namespace: 'infgw-stub'}, (args) => ({
      contents: `${stubbed[args.path]} // ${args.path} is not part of the kubectl-infgw bundle (scripts/build.ts)`,
      loader: 'js',
    }));
  },
};

const outIndex = process.argv.indexOf('--outdir');
const outdir = outIndex >= 0 ? process.argv[outIndex + 1]! : 'dist';

const started = performance.now();
rmSync(outdir, {recursive: true, force: true});
const result = await build({
  entryPoints: {main: 'src/main.ts', commands: 'src/commands.ts'},
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: false,
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  metafile: true,
  plugins: [stubs],
  // CommonJS dependencies inside an ESM bundle still call require().
  banner: {js: "import {createRequire as __infgwCreateRequire} from 'node:module'; const require = __infgwCreateRequire(import.meta.url);"},
  logLevel: 'warning',
});
writeFileSync(`${outdir}/meta.json`, JSON.stringify(result.metafile));
const outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.js'));
const bytes = outputs.reduce((n, [, o]) => n + o.bytes, 0);
const largest = outputs.sort(([, a], [, b]) => b.bytes - a.bytes)[0];
console.error(
  `built ${outdir}/ (${(bytes / 1e6).toFixed(1)} MB in ${outputs.length} files, largest ${path.basename(largest?.[0] ?? '')} ${((largest?.[1].bytes ?? 0) / 1e6).toFixed(1)} MB) in ${Math.round(performance.now() - started)} ms`,
);
