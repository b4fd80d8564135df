// Packaging, end to end on this machine: `npm run package` builds the single-file executable and
// its archive once (beforeAll; scripts/package.ts holds the shared build lock), then the tests use
// them the way users do: from a directory outside the repository with nothing but the executable
// on PATH, through kubectl's plugin lookup and kubectl's plugin completion, and from `npm pack` +
// `npm i -g` into a temporary prefix.
import {execFile as execFileCb, execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {parse as parseYaml} from 'yaml';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {KREW_PLUGIN_NAME, validateKrewPlugin} from '../../scripts/krew.ts';

const execFile = promisify(execFileCb);
const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const pjson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {version: string};
const archiveName = `kubectl-infgw-${pjson.version}-linux-amd64.tar.gz`;
const archive = path.join(repoRoot, 'dist-pkg', archiveName);
const tmp = mkdtempSync(path.join(tmpdir(), 'infgw-package-'));
const unpacked = path.join(tmp, 'unpacked');
/** A PATH directory holding only the plugin, as krew or a user would install it. */
const pluginBin = path.join(tmp, 'bin');
/** Where commands run: outside the repository, no node_modules above it. */
const elsewhere = path.join(tmp, 'elsewhere');
const kubectl = existsSync(path.join(repoRoot, '.tools/bin/kubectl'))
  ? path.join(repoRoot, '.tools/bin/kubectl')
  : execFileSync('sh', ['-c', 'command -v kubectl'], {encoding: 'utf8'}).trim();
/** No node on this PATH: the executable must not need one. */
const env = {PATH: `${pluginBin}:${path.dirname(kubectl)}`, HOME: path.join(tmp, 'home'), KUBECONFIG: path.join(tmp, 'no-kubeconfig')};

function run(cmd: string, args: string[], opts: {env?: NodeJS.ProcessEnv; cwd?: string} = {}): string {
  return execFileSync(cmd, args, {cwd: opts.cwd ?? elsewhere, env: opts.env ?? env, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe']});
}

beforeAll(async () => {
  await execFile(process.execPath, [path.join(repoRoot, 'scripts/package.ts')], {cwd: repoRoot, maxBuffer: 1 << 26, timeout: 600_000});
  for (const d of [unpacked, pluginBin, elsewhere, env.HOME]) mkdirSync(d, {recursive: true});
  execFileSync('tar', ['-xzf', archive, '-C', unpacked]);
  copyFileSync(path.join(unpacked, 'kubectl-infgw'), path.join(pluginBin, 'kubectl-infgw'));
  // What the completion caveat tells users to do: link the executable under kubectl's completion name.
  symlinkSync('kubectl-infgw', path.join(pluginBin, 'kubectl_complete-infgw'));
}, 600_000);
afterAll(() => rmSync(tmp, {recursive: true, force: true}));

describe('release archive', () => {
  it('holds the executable, LICENSE, README and third-party notices, with a matching sha256 and krew manifest', () => {
    const listing = execFileSync('tar', ['-tvzf', archive], {encoding: 'utf8'}).trim().split('\n');
    expect(listing.map((l) => l.split(/\s+/).at(-1)).sort()).toEqual(['LICENSE', 'README.md', 'THIRD_PARTY_NOTICES', 'kubectl-infgw']);
    expect(listing.find((l) => l.endsWith(' kubectl-infgw'))).toMatch(/^-rwxr-xr-x 0\/0 /);
    expect(readFileSync(path.join(unpacked, 'LICENSE'), 'utf8')).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    const notices = readFileSync(path.join(unpacked, 'THIRD_PARTY_NOTICES'), 'utf8');
    expect(notices).toContain('Node.js');
    expect(notices).toMatch(/@oclif\/core@\S+ \(MIT\)/);
    expect(notices).toMatch(/@kubernetes\/client-node@\S+ \(Apache-2\.0\)/);

    const sha256 = createHash('sha256').update(readFileSync(archive)).digest('hex');
    expect(readFileSync(`${archive}.sha256`, 'utf8')).toBe(`${sha256}  ${archiveName}\n`);
    const plugin = parseYaml(readFileSync(path.join(repoRoot, 'dist-pkg/plugins/infgw.yaml'), 'utf8')) as {spec: {platforms: {sha256: string; uri: string; bin: string}[]}};
    expect(validateKrewPlugin(KREW_PLUGIN_NAME, plugin)).toEqual([]);
    expect(plugin.spec.platforms[0]).toMatchObject({sha256, bin: 'kubectl-infgw'});
    expect(plugin.spec.platforms[0]!.uri.endsWith(`/v${pjson.version}/${archiveName}`)).toBe(true);
  });
});

describe('single-file executable', () => {
  it('runs --help and version --client outside the repository, without node or node_modules', () => {
    expect(() => execFileSync('sh', ['-c', 'command -v node'], {env})).toThrow();
    const help = run(path.join(pluginBin, 'kubectl-infgw'), ['--help']);
    expect(help).toMatch(/kubectl infgw/);
    expect(help).toMatch(/^\s+version\s+Print the client version/m);
    expect(help).toMatch(/^\s+completion\s+Print a shell completion script/m);
    expect(run(path.join(pluginBin, 'kubectl-infgw'), ['version', '--client'])).toBe(`Client Version: v${pjson.version}\n`);
    const json = JSON.parse(run(path.join(pluginBin, 'kubectl-infgw'), ['version', '--client', '-o', 'json'])) as {client: {version: string; node: string}};
    expect(json.client.version).toBe(pjson.version);
    expect(json.client.node.split('.')[0]).toBe('24');
  });

  it('is what `kubectl infgw` runs, through kubectl plugin lookup', () => {
    expect(run(kubectl, ['infgw', 'version', '--client'])).toBe(`Client Version: v${pjson.version}\n`);
    expect(run(kubectl, ['plugin', 'list'])).toContain(path.join(pluginBin, 'kubectl-infgw'));
  });

  it('completes `kubectl infgw <TAB>` through kubectl and kubectl_complete-infgw', () => {
    const commands = run(kubectl, ['__complete', 'infgw', '']).split('\n');
    expect(commands).toEqual(expect.arrayContaining([expect.stringMatching(/^version\t/), expect.stringMatching(/^completion\t/), ':4']));
    expect(run(kubectl, ['__complete', 'infgw', 'completion', '']).split('\n')).toEqual(expect.arrayContaining(['bash\tThe shell to print the script for', 'zsh\tThe shell to print the script for']));
    // The Cobra-style entry the printed scripts use, and the one kubectl uses, agree.
    expect(run(path.join(pluginBin, 'kubectl-infgw'), ['__complete', 'version', '--cl'])).toBe(run(path.join(pluginBin, 'kubectl_complete-infgw'), ['version', '--cl']));
  });

  it('prints a bash script that completes through the executable', () => {
    const script = run(path.join(pluginBin, 'kubectl-infgw'), ['completion', 'bash']);
    expect(script).toContain('kubectl-infgw __complete');
    const program = `${script}\nCOMP_LINE='kubectl-infgw ver'; COMP_POINT=\${#COMP_LINE}; COMP_WORDS=(kubectl-infgw ver); COMP_CWORD=1\n__kubectl_infgw_complete\nprintf '%s\\n' "\${COMPREPLY[@]}"`;
    expect(run('/bin/bash', ['--norc', '--noprofile', '-c', program])).toBe('version\n');
  });
});

describe('npm package', () => {
  it('packs only what runs: bin/, dist/*.js, the manifest, LICENSE, README', () => {
    const [pack] = JSON.parse(execFileSync('flock', ['/tmp/infgw-build.lock', 'npm', 'pack', '--dry-run', '--json', '--ignore-scripts'], {cwd: repoRoot, encoding: 'utf8'})) as [
      {files: {path: string}[]},
    ];
    const files = pack.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'LICENSE', 'oclif.manifest.json', 'bin/kubectl-infgw', 'bin/kubectl_complete-infgw', 'dist/main.js', 'dist/commands.js']));
    const unexpected = files.filter((f) => !(/^dist\/[^/]+\.js$/.test(f) || /^bin\/kubectl(-|_complete-)infgw$/.test(f) || ['package.json', 'LICENSE', 'README.md', 'oclif.manifest.json'].includes(f)));
    expect(unexpected).toEqual([]);
    // flock waits while an end-to-end test builds dist/ under the same lock.
  }, 600_000);

  it('installs with npm i -g and runs kubectl-infgw and kubectl_complete-infgw', async () => {
    const dest = path.join(tmp, 'npm');
    const prefix = path.join(tmp, 'prefix');
    mkdirSync(dest, {recursive: true});
    const {stdout} = await execFile('flock', ['/tmp/infgw-build.lock', 'npm', 'pack', '--ignore-scripts', '--pack-destination', dest], {cwd: repoRoot});
    const tarball = path.join(dest, stdout.trim().split('\n').at(-1)!);
    await execFile('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], {cwd: elsewhere, timeout: 300_000});
    const npmEnv = {...env, PATH: `${path.join(prefix, 'bin')}:${path.dirname(process.execPath)}:/usr/bin:/bin`};
    const help = run(path.join(prefix, 'bin', 'kubectl-infgw'), ['--help'], {env: npmEnv});
    expect(help).toMatch(/kubectl infgw/);
    expect(run(path.join(prefix, 'bin', 'kubectl-infgw'), ['version', '--client'], {env: npmEnv})).toBe(`Client Version: v${pjson.version}\n`);
    expect(run(path.join(prefix, 'bin', 'kubectl_complete-infgw'), ['v'], {env: npmEnv})).toMatch(/^version\t.*\n:4\n$/);
    expect(run(path.join(prefix, 'bin', 'kubectl-infgw'), ['completion', 'zsh'], {env: npmEnv})).toContain('out=$(kubectl_complete-infgw ');
  }, 300_000);
});
