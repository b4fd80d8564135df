// The built executable, as users run it: bin/kubectl-infgw with dist/ and oclif.manifest.json,
// built here into a private folder (scripts/build.ts --outdir, scripts/manifest.ts --root): the
// shared dist/ (and its build lock) is not touched, nobody's rebuild can change the binary under
// the tests, and the bundle is proven to run without node_modules. Also through kubectl's own
// plugin lookup on PATH.
import {execFile} from 'node:child_process';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {helpRequest, wrap, type Manifest} from '../../src/cli/help.ts';
import {buildCli} from '../harness/cli.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const nodeDir = path.dirname(process.execPath);
let install: string;
let bin: string;
let emptyHome: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<Run> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      // a clean environment: no KUBECONFIG or colour settings leak in from the test runner
      {env: {PATH: `${nodeDir}:${process.env.PATH}`, HOME: emptyHome, ...env}, timeout: 60_000, ...(cwd ? {cwd} : {})},
      (error, stdout, stderr) => {
        resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr, ms: performance.now() - t0});
      },
    );
  });
}
const infgw = (args: string[], env: NodeJS.ProcessEnv = {}) => run(bin, args, env);

const ANSI = /\u001b\[/;
const STACK = /^\s+at .+:\d+:\d+\)?$/m;

beforeAll(async () => {
  emptyHome = mkdtempSync(path.join(tmpdir(), 'infgw-cli-home-'));
  ({dir: install, bin} = await buildCli({name: 'infgw-cli', manifest: 'generate'}));
}, 600_000);
afterAll(() => {
  for (const d of [install, emptyHome]) if (d) rmSync(d, {recursive: true, force: true});
});

describe('help', () => {
  it('--help lists every command, the exit codes, and exits 0 well under a second', async () => {
    const manifest = JSON.parse(readFileSync(path.join(install, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {hidden?: boolean}>};
    const r = await infgw(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('kubectl infgw <command> [flags]');
    for (const [id, c] of Object.entries(manifest.commands)) if (!c.hidden) expect(r.stdout).toContain(`  ${id.replace(/:/g, ' ')} `);
    for (const code of ['0', '1', '2', '3', '4', '130']) expect(r.stdout).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
    expect(r.stdout).not.toMatch(ANSI);
    const times = [r.ms, (await infgw(['--help'])).ms, (await infgw(['--help'])).ms].sort((a, b) => a - b);
    expect(times[1]).toBeLessThan(1000);
  });

  it('`help`, no arguments, -h and `<command> --help` all answer', async () => {
    expect((await infgw([])).stdout).toContain('Commands:');
    expect((await infgw(['help'])).stdout).toContain('Commands:');
    expect((await infgw(['-h'])).stdout).toContain('Commands:');
    const v = await infgw(['version', '--help']);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('kubectl infgw version [flags]');
    expect(v.stdout).toContain('kubectl infgw version --client');
    expect((await infgw(['help', 'version'])).stdout).toBe(v.stdout);
    expect((await infgw(['version', '-h'])).stdout).toBe(v.stdout);
  });

  it('a cluster command shows the kubectl flags, spelled as kubectl spells them', async () => {
    const v = await infgw(['version', '--help']);
    for (const flag of [
      '--kubeconfig string',
      '--context string',
      '--cluster string',
      '--user string',
      '-n, --namespace string',
      '--request-timeout string',
      '--as string',
      '--as-group string',
      '--token string',
      '-s, --server string',
      '--certificate-authority string',
      '--insecure-skip-tls-verify',
      '--tls-server-name string',
      '-o, --output text|json',
      '--no-color',
    ]) {
      expect(v.stdout).toContain(flag);
    }
  });

  it('--version prints oclif’s version line', async () => {
    const r = await infgw(['--version']);
    const pkg = JSON.parse(readFileSync(path.join(install, 'package.json'), 'utf8')) as {version: string};
    expect(r.stdout.trim()).toBe(`kubectl-infgw/${pkg.version} ${process.platform}-${process.arch} node-${process.version}`);
  });
});

describe('usage errors: exit 2, a clear message, no stack trace', () => {
  it.each([
    [['--bogus'], 'error: unknown flag: --bogus'],
    [['version', '--bogus'], 'error: unknown flag: --bogus'],
    [['nope'], 'error: unknown command "nope" for "kubectl infgw"'],
    [['version', '--client', 'extra'], 'error: unexpected argument: extra'],
    [['version', '-o', 'xml', '--client'], 'error: Expected --output=xml to be one of: text, json'],
    [['version', '--request-timeout', 'soon'], 'error: invalid value "soon" for --request-timeout'],
    [['version', '-n', 'ns/foo'], 'error: invalid namespace "ns/foo"'],
    [['version', '--as-group', 'admins', '--server', 'https://127.0.0.1:1'], 'error: requesting uid, groups or user-extra'],
    [['version', '--insecure-skip-tls-verify', '--certificate-authority', '/ca.crt', '--server', 'https://127.0.0.1:1'], 'error: specifying a root certificates file with the insecure flag is not allowed'],
  ])('%j', async (args, message) => {
    const r = await infgw(args);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toContain(message);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stdout).toBe('');
  });
});

describe('output conventions', () => {
  it('version --client -o json: a document with schemaVersion on stdout, nothing on stderr', async () => {
    const r = await infgw(['version', '--client', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as {schemaVersion: number; client: {version: string}};
    expect(doc.schemaVersion).toBe(1);
    expect(doc.client.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an error with -o json is a JSON document too (exit code kept)', async () => {
    const r = await infgw(['version', '-o', 'json']);
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout) as {schemaVersion: number; error: {message: string; exitCode: number; hint: string}};
    expect(doc.schemaVersion).toBe(1);
    expect(doc.error.exitCode).toBe(3);
    expect(doc.error.message).toMatch(/no kubeconfig/);
  });

  it('colour: never when not a terminal, nor with NO_COLOR or --no-color; FORCE_COLOR stands in for a terminal', async () => {
    const args = ['version', '--server', 'https://127.0.0.1:1'];
    expect((await infgw(args)).stderr).not.toMatch(ANSI); // a pipe is not a terminal
    const forced = await infgw(args, {FORCE_COLOR: '1'});
    expect(forced.stderr).toMatch(ANSI); // so the checks below can fail
    expect((await infgw(args, {FORCE_COLOR: '1', NO_COLOR: '1'})).stderr).not.toMatch(ANSI);
    expect((await infgw([...args, '--no-color'], {FORCE_COLOR: '1'})).stderr).not.toMatch(ANSI);
    expect((await infgw(['--help'], {FORCE_COLOR: '1', NO_COLOR: '1'})).stdout).not.toMatch(ANSI);
  });
});

describe('on a terminal', () => {
  // oclif builds its spinner when stderr is a terminal (and CI is unset): the bundle's stand-in for
  // cli-spinners (scripts/build.ts) must give it frames, or every command fails before it runs
  it('commands run when stderr is a terminal', async () => {
    const entry = path.join(install, 'bin', 'kubectl-infgw');
    const script = `Object.assign(process.stderr, {isTTY: true, columns: 100, rows: 30, getWindowSize: () => [100, 30], hasColors: () => false}); process.argv = [process.execPath, ${JSON.stringify(entry)}, ...process.argv.slice(1)]; await import(${JSON.stringify(entry)});`;
    const v = await run(process.execPath, ['--input-type=module', '-e', script, 'version', '--client']);
    expect(v.stderr).toBe('');
    expect(v.stdout).toContain('Client Version:');
    expect(v.code).toBe(0);
    const d = await run(process.execPath, ['--input-type=module', '-e', script, 'doctor', '-A', '--server', 'https://127.0.0.1:1', '--token', 't']);
    expect(d.stderr).toContain('cannot reach the Kubernetes API server at https://127.0.0.1:1');
    expect(d.stderr).not.toMatch(/frames|Cannot read properties/);
    expect(d.code).toBe(3);
  });
});

describe('cluster errors: exit 3, what went wrong, a hint, no stack trace', () => {
  it('no kubeconfig at all (empty HOME, no KUBECONFIG)', async () => {
    const r = await infgw(['version']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error: no kubeconfig found');
    expect(r.stderr).toContain(`hint: Looked for ${path.join(emptyHome, '.kube', 'config')}`);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('an unreachable server names the address tried', async () => {
    const r = await infgw(['version', '--server', 'https://127.0.0.1:1']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error: cannot reach the Kubernetes API server at https://127.0.0.1:1 (ECONNREFUSED');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('--debug adds the request log and the stack', async () => {
    const r = await infgw(['version', '--server', 'https://127.0.0.1:1', '--debug']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^debug: GET https:\/\/127\.0\.0\.1:1\/version failed after \d+ ms/m);
    expect(r.stderr).toMatch(STACK);
  });

  it('a context that does not exist', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'infgw-cli-kc-'));
    try {
      const kc = path.join(dir, 'config');
      writeFileSync(kc, 'apiVersion: v1\nkind: Config\ncurrent-context: a\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:1"}\n');
      const r = await infgw(['version', '--context', 'b'], {KUBECONFIG: kc});
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('error: context was not found for specified context: b');
      expect(r.stderr).toContain('hint: Known contexts: a.');
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});

describe('probe-cache --url --model without a cluster (KUBECONFIG=/dev/null, empty HOME)', () => {
  // a tiny OpenAI-compatible server that streams like vLLM and counts what it receives
  let server: Server;
  let url: string;
  let received: {model: string; stream: boolean; prompt: string; auth: string | undefined}[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw) as {model: string; stream: boolean; messages: {content: string}[]};
        received.push({model: body.model, stream: body.stream, prompt: body.messages[0]?.content ?? '', auth: req.headers['x-api-key'] as string | undefined});
        res.writeHead(200, {'content-type': 'text/event-stream'});
        res.write(`data: ${JSON.stringify({choices: [{delta: {role: 'assistant', content: ''}}]})}\n\n`);
        setTimeout(() => {
          res.write(`data: ${JSON.stringify({choices: [{delta: {content: 'ok'}}]})}\n\n`);
          res.end('data: [DONE]\n\n');
        }, 20);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server?.close());

  it('sends 2×N streamed prompts, measures TTFT, exits 1 ("cannot tell") with the reason in JSON', async () => {
    received = [];
    const r = await infgw(['probe-cache', '--url', url, '--model', 'm', '-N', '4', '--prefix-tokens', '40', '--header', 'X-Api-Key: sk-hidden', '-o', 'json'], {KUBECONFIG: '/dev/null'});
    expect(r.code, r.stderr).toBe(1);
    expect(received).toHaveLength(8);
    expect(received.every((x) => x.model === 'm' && x.stream && x.auth === 'sk-hidden')).toBe(true);
    expect(new Set(received.slice(0, 4).map((x) => x.prompt)).size).toBe(1);
    expect(new Set(received.map((x) => x.prompt)).size).toBe(5);
    const doc = JSON.parse(r.stdout) as {schemaVersion: number; probe: {offline: {stage: string; reason: string}; pool: null; phases: {identical: {results: {ok: boolean; ttftMs: number | null}[]}; unique: {results: unknown[]}}; analysis: {verdict: {result: string; reason: string}; ttft: {firstMs: number | null}}}};
    expect(doc.schemaVersion).toBe(1);
    expect(doc.probe.offline).toMatchObject({stage: 'kubeconfig', reason: 'no current context is set in /dev/null'});
    expect(doc.probe.pool).toBeNull();
    expect(doc.probe.phases.identical.results).toHaveLength(4);
    expect(doc.probe.phases.unique.results).toHaveLength(4);
    for (const x of doc.probe.phases.identical.results) expect(x.ok && (x.ttftMs as number) >= 15).toBe(true);
    expect(doc.probe.analysis.ttft.firstMs).toBeGreaterThanOrEqual(15);
    expect(doc.probe.analysis.verdict.result).toBe('cannot-tell');
    expect(doc.probe.analysis.verdict.reason).toMatch(/^no cluster metrics \(no current context is set in \/dev\/null\): which pod served each request and the prefix-cache hit ratios are unknown/);
    expect(r.stderr).toMatch(/^warning: no cluster metrics \(no current context is set in \/dev\/null\); probing http:\/\/127\.0\.0\.1:\d+ anyway/m);
    expect(r.stdout + r.stderr).not.toContain('sk-hidden');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('keeps to --max-requests; the text report lists every request', async () => {
    received = [];
    const r = await infgw(['probe-cache', '--url', url, '--model', 'm', '-N', '4', '--max-requests', '5', '--prefix-tokens', '0'], {KUBECONFIG: '/dev/null'});
    expect(r.code, r.stderr).toBe(1);
    expect(received).toHaveLength(5);
    expect(r.stdout).toMatch(/^identical #4 +200 +\d+ ms +\d+ ms$/m);
    expect(r.stdout).toMatch(/^unique #1 +200 +\d+ ms +\d+ ms$/m);
    expect(r.stdout).not.toMatch(/^unique #2/m);
    expect(r.stdout).toMatch(/^Stopped +stopped at --max-requests=5 \(8 planned\)$/m);
    expect(r.stdout).toMatch(/^Verdict: CANNOT TELL — no cluster metrics/m);
  });

  it('without --model it is still exit 3, and the hint says how to probe offline; nothing is sent', async () => {
    received = [];
    const r = await infgw(['probe-cache', '--url', url], {KUBECONFIG: '/dev/null'});
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error: no current context is set in /dev/null');
    expect(r.stderr).toMatch(/^hint: .*With --url, add --model NAME to probe that URL without the cluster/m);
    expect(received).toHaveLength(0);
  });
});

describe('as a kubectl plugin', () => {
  const kubectl = existsSync(path.join(repoRoot, '.tools', 'bin', 'kubectl')) ? path.join(repoRoot, '.tools', 'bin', 'kubectl') : 'kubectl';
  let pathDir: string;
  beforeAll(() => {
    pathDir = mkdtempSync(path.join(tmpdir(), 'infgw-path-'));
    symlinkSync(bin, path.join(pathDir, 'kubectl-infgw'));
  });
  afterAll(() => rmSync(pathDir, {recursive: true, force: true}));

  it('`kubectl infgw --help` finds kubectl-infgw on PATH and prints our help', async () => {
    const env = {PATH: `${pathDir}:${nodeDir}:${process.env.PATH}`};
    const viaKubectl = await run(kubectl, ['infgw', '--help'], env);
    expect(viaKubectl.code, viaKubectl.stderr).toBe(0);
    expect(viaKubectl.stdout).toBe((await infgw(['--help'])).stdout);
    const list = await run(kubectl, ['plugin', 'list'], env);
    expect(list.stdout).toContain(path.join(pathDir, 'kubectl-infgw'));
    // flags after the plugin name reach us; exit codes come back through kubectl
    const bad = await run(kubectl, ['infgw', 'version', '--bogus'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown flag: --bogus');
    const json = await run(kubectl, ['infgw', 'version', '--client', '-o', 'json'], env);
    expect(JSON.parse(json.stdout).schemaVersion).toBe(1);
  });
});

describe('bundle layout (dist/meta.json)', () => {
  interface Meta {
    outputs: Record<string, {imports: {path: string; kind: string; external?: boolean}[]; inputs: Record<string, unknown>; entryPoint?: string}>;
  }
  function staticClosure(meta: Meta, entry: string): Set<string> {
    const seen = new Set<string>();
    const walk = (f: string) => {
      if (seen.has(f)) return;
      seen.add(f);
      for (const i of meta.outputs[f]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) walk(i.path);
    };
    walk(entry);
    return seen;
  }
  const inputsOf = (meta: Meta, files: Set<string>) => [...files].flatMap((f) => Object.keys(meta.outputs[f]?.inputs ?? {}));

  it('the help path loads neither @oclif/core nor @kubernetes/client-node', () => {
    const meta = JSON.parse(readFileSync(path.join(install, 'dist', 'meta.json'), 'utf8')) as Meta;
    const helpChunk = Object.keys(meta.outputs).find((f) => Object.keys(meta.outputs[f]!.inputs).includes('src/cli/help.ts'))!;
    const files = new Set([...staticClosure(meta, 'dist/main.js'), ...staticClosure(meta, helpChunk)]);
    const inputs = inputsOf(meta, files);
    expect(inputs).toContain('src/cli/help.ts');
    expect(inputs.filter((i) => i.includes('node_modules/'))).toEqual([]);
  });

  it('commands, and the way to a first request, do not load @kubernetes/client-node, undici or typescript', () => {
    const meta = JSON.parse(readFileSync(path.join(install, 'dist', 'meta.json'), 'utf8')) as Meta;
    const chunkOf = (src: string) => Object.keys(meta.outputs).find((f) => Object.keys(meta.outputs[f]!.inputs).includes(src))!;
    const files = new Set<string>();
    for (const entry of ['dist/commands.js', chunkOf('src/kube/client.ts'), chunkOf('src/kube/kubeconfig.ts'), chunkOf('src/cli/runner.ts')]) {
      for (const f of staticClosure(meta, entry)) files.add(f);
    }
    const inputs = inputsOf(meta, files);
    expect(inputs.some((i) => i.includes('@kubernetes/client-node'))).toBe(false);
    expect(inputs.some((i) => i.includes('node_modules/undici/'))).toBe(false);
    expect(inputs.some((i) => i.includes('node_modules/typescript/'))).toBe(false);
    // and client-node is still there for the code that needs it (Watch, PortForward)
    expect(Object.keys(meta.outputs[chunkOf('src/kube/k8s.ts')]!.inputs).some((i) => i.includes('@kubernetes/client-node'))).toBe(true);
  });
});

describe('help rendering (src/cli/help.ts)', () => {
  it('wraps prose to the width and keeps indented lines (tables in descriptions) as written', () => {
    const text = 'one two three four five six seven\n  a   aligned   table row that is long\n\nlast';
    expect(wrap(text, 12)).toEqual(['one two', 'three four', 'five six', 'seven', '  a   aligned   table row that is long', '', 'last']);
  });
  it('knows a help request from a command line', () => {
    const manifest = {version: '0', commands: {version: {id: 'version', flags: {}}, 'rollout:status': {id: 'rollout:status', flags: {}}, x: {id: 'x', flags: {h: {name: 'host', char: 'h', type: 'option'}}}}} as unknown as Manifest;
    expect(helpRequest([], manifest)).toEqual({kind: 'root'});
    expect(helpRequest(['version', '--help'], manifest)).toEqual({kind: 'command', id: 'version'});
    expect(helpRequest(['help', 'rollout', 'status'], manifest)).toEqual({kind: 'command', id: 'rollout:status'});
    expect(helpRequest(['rollout'], manifest)).toEqual({kind: 'topic', prefix: 'rollout'});
    expect(helpRequest(['version', '--', '--help'], manifest)).toBeUndefined();
    expect(helpRequest(['version', '--client'], manifest)).toBeUndefined();
    // -h belongs to a command that defines it
    expect(helpRequest(['x', '-h', 'host1'], manifest)).toBeUndefined();
    expect(helpRequest(['nope', '--help'], manifest)).toBeUndefined();
  });
});
