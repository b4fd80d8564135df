// Shell completion: the planner over the real oclif.manifest.json, Cobra's output format, the
// time limit and silence of cluster lookups, Helm release Secrets decoded as Helm encodes them,
// kubeconfig names, and the bash script run by a real bash against the real completion engine.
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {gzipSync} from 'node:zlib';
import {afterAll, describe, expect, it} from 'vitest';
import {Directive, formatCompletion, planCompletion, type Plan} from '../../src/completion/complete.ts';
import {decodeHelmRelease, inferenceGatewayReleases, lookup, releaseCandidates} from '../../src/completion/lookups.ts';
import {completionModel, type OclifManifest} from '../../src/completion/model.ts';
import {completionOutput} from '../../src/completion/run.ts';
import {completionScript} from '../../src/completion/scripts.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'oclif.manifest.json'), 'utf8')) as OclifManifest;
const model = completionModel(manifest);
const tmp = mkdtempSync(path.join(tmpdir(), 'infgw-completion-'));
afterAll(() => rmSync(tmp, {recursive: true, force: true}));

const values = (plan: Plan): string[] => (plan.kind === 'static' ? plan.candidates.map((c) => c.value) : []);

/** A manifest with a topic command and a -r/--release flag, as commands to come will have. */
const topicManifest: OclifManifest = {
  commands: {
    doctor: {
      summary: 'Check everything.',
      flags: {
        release: {name: 'release', char: 'r', type: 'option', description: 'Helm release of the inference gateway.'},
        namespace: {name: 'namespace', char: 'n', type: 'option', description: 'Namespace.'},
        context: {name: 'context', type: 'option', description: 'Context.'},
        verbose: {name: 'verbose', char: 'v', type: 'boolean', description: 'More.'},
      },
    },
    'rollout:status': {summary: 'Watch a rollout.', flags: {}},
    'rollout:undo': {summary: 'Undo a rollout.', flags: {}, hidden: true},
    secret: {summary: 'A hidden command.', hidden: true, flags: {}},
  },
};

describe('planCompletion over oclif.manifest.json', () => {
  it('offers every visible command with its summary, and no file names', () => {
    const plan = planCompletion(model, ['']);
    expect(plan.kind).toBe('static');
    const visible = Object.entries(manifest.commands).filter(([, c]) => !c.hidden).map(([id]) => id.split(':')[0]);
    expect(values(plan).sort()).toEqual([...new Set(visible)].sort());
    expect(values(plan)).toEqual(expect.arrayContaining(['version', 'completion']));
    if (plan.kind === 'static') {
      expect(plan.directive).toBe(Directive.noFileComp);
      expect(plan.candidates.find((c) => c.value === 'version')?.description).toMatch(/client version/);
    }
    expect(values(planCompletion(model, ['ver']))).toEqual(['version']);
  });

  it('completes flags: long names after "--", short ones too after "-", minus those already given', () => {
    const long = values(planCompletion(model, ['version', '--']));
    expect(long).toEqual(expect.arrayContaining(['--client', '--namespace', '--context', '--output', '--help']));
    expect(long.every((v) => v.startsWith('--'))).toBe(true);
    const short = values(planCompletion(model, ['version', '-']));
    expect(short).toEqual(expect.arrayContaining(['-n', '-o', '--client']));
    const again = values(planCompletion(model, ['version', '--client', '--c']));
    expect(again).not.toContain('--client');
    expect(again).toEqual(expect.arrayContaining(['--context', '--cluster', '--certificate-authority']));
  });

  it('completes flag values from their options, in both spellings', () => {
    expect(values(planCompletion(model, ['version', '-o', '']))).toEqual(['text', 'json']);
    // Like Cobra: the value alone for --flag=value (the shell scripts strip "--output=").
    expect(values(planCompletion(model, ['version', '--output=j']))).toEqual(['json']);
    expect(values(planCompletion(model, ['version', '-oj']))).toEqual(['-ojson']);
    expect(values(planCompletion(model, ['completion', '']))).toEqual(['bash', 'zsh', 'fish']);
    expect(values(planCompletion(model, ['completion', 'z']))).toEqual(['zsh']);
  });

  it('leaves path flags to file completion and offers nothing for free text', () => {
    const kubeconfig = planCompletion(model, ['version', '--kubeconfig', '']);
    expect(kubeconfig).toEqual({kind: 'static', candidates: [], directive: Directive.default});
    const token = planCompletion(model, ['version', '--token', '']);
    expect(token).toEqual({kind: 'static', candidates: [], directive: Directive.noFileComp});
    expect(values(planCompletion(model, ['version', '--client', '']))).toEqual([]);
  });

  it('asks for namespaces and kubeconfig names with the connection flags typed so far', () => {
    expect(planCompletion(model, ['version', '--context', 'dev', '--kubeconfig=/k/c', '-n', 'ku'])).toEqual({
      kind: 'lookup',
      lookup: 'namespaces',
      partial: 'ku',
      prefix: '',
      kube: {context: 'dev', kubeconfig: '/k/c'},
    });
    expect(planCompletion(model, ['version', '--namespace=ku'])).toMatchObject({kind: 'lookup', lookup: 'namespaces', partial: 'ku', prefix: ''});
    expect(planCompletion(model, ['version', '-nku'])).toMatchObject({kind: 'lookup', lookup: 'namespaces', partial: 'ku', prefix: '-n'});
    expect(planCompletion(model, ['version', '--context', ''])).toMatchObject({kind: 'lookup', lookup: 'contexts'});
  });
});

describe('planCompletion with topics and releases', () => {
  const topics = completionModel(topicManifest);
  it('walks topic words and hides hidden commands', () => {
    expect(values(planCompletion(topics, ['']))).toEqual(['doctor', 'rollout']);
    expect(values(planCompletion(topics, ['rollout', '']))).toEqual(['status']);
    expect(values(planCompletion(topics, ['rollout', 'status', '--']))).toEqual(['--help']);
  });
  it('asks the cluster for releases, in the namespace given by -n', () => {
    expect(planCompletion(topics, ['doctor', '-n', 'llm', '-r', ''])).toEqual({
      kind: 'lookup',
      lookup: 'releases',
      partial: '',
      prefix: '',
      kube: {namespace: 'llm'},
    });
    expect(planCompletion(topics, ['doctor', '-v', '--release', 'inf'])).toMatchObject({lookup: 'releases', partial: 'inf', kube: {}});
  });
});

describe('completion output (Cobra protocol)', () => {
  it('prints value<TAB>description lines and the directive last', () => {
    expect(formatCompletion([{value: 'a', description: 'first\tline'}, {value: 'b'}], 4)).toBe('a\tfirst line\nb\n:4\n');
    expect(formatCompletion([], 0)).toBe(':0\n');
  });

  it('filters looked-up values by what is typed and accepts a leading __complete', async () => {
    const seen: unknown[] = [];
    const out = await completionOutput(manifest, ['__complete', 'version', '-n', 'ku'], {
      lookup: async (kind, kube) => {
        seen.push([kind, kube]);
        return [{value: 'kube-system'}, {value: 'default'}, {value: 'kube-public', description: 'x'}];
      },
    });
    expect(out).toBe('kube-system\nkube-public\tx\n:4\n');
    expect(seen).toEqual([['namespaces', {}]]);
  });

  it('stays silent and quick when the cluster does not answer or fails', async () => {
    const started = Date.now();
    const hung = await completionOutput(manifest, ['version', '-n', ''], {timeoutMs: 100, lookup: () => new Promise(() => {})});
    expect(hung).toBe(':4\n');
    expect(Date.now() - started).toBeLessThan(2000);
    const failing = await completionOutput(manifest, ['version', '-n', ''], {
      lookup: async () => {
        throw new Error('connect ECONNREFUSED');
      },
    });
    expect(failing).toBe(':4\n');
  });

  it('asks a cluster that is not there and prints nothing but the directive', async () => {
    // A kubeconfig naming a closed local port: the real client fails, completion stays silent.
    const kc = path.join(tmp, 'closed.yaml');
    writeFileSync(
      kc,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
    );
    expect(await completionOutput(manifest, ['version', '--kubeconfig', kc, '-n', ''])).toBe(':4\n');
  });
});

describe('lookups without a cluster', () => {
  it('reads context, cluster and user names from the kubeconfig', async () => {
    const kc = path.join(tmp, 'names.yaml');
    writeFileSync(
      kc,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: prod, cluster: {server: "https://prod:6443"}}, {name: dev, cluster: {server: "https://dev:6443"}}]',
        'users: [{name: admin, user: {token: t}}]',
        'contexts: [{name: prod-admin, context: {cluster: prod, user: admin, namespace: llm}}, {name: dev-admin, context: {cluster: dev, user: admin}}]',
        'current-context: dev-admin',
        '',
      ].join('\n'),
    );
    const signal = new AbortController().signal;
    expect(await lookup('contexts', {kubeconfig: kc}, signal)).toEqual([
      {value: 'prod-admin', description: 'prod, llm'},
      {value: 'dev-admin', description: 'dev'},
    ]);
    expect((await lookup('clusters', {kubeconfig: kc}, signal)).map((c) => c.value)).toEqual(['prod', 'dev']);
    expect(await lookup('users', {kubeconfig: kc}, signal)).toEqual([{value: 'admin'}]);
  });
});

/** A release Secret encoded as helm's storage driver does (pkg/storage/driver/util.go encodeRelease). */
function releaseSecret(name: string, namespace: string, revision: number, status: string, chart: string, gzip = true): Parameters<typeof decodeHelmRelease>[0] {
  const json = Buffer.from(JSON.stringify({name, namespace, version: revision, info: {status}, chart: {metadata: {name: chart, version: '1.2.0'}}, config: {}}));
  const helm = (gzip ? gzipSync(json) : json).toString('base64');
  return {
    metadata: {name: `sh.helm.release.v1.${name}.v${revision}`, namespace, labels: {owner: 'helm', name, status, version: String(revision)}},
    type: 'helm.sh/release.v1',
    data: {release: Buffer.from(helm).toString('base64')},
  };
}

describe('inference-gateway Helm releases', () => {
  it('decodes gzip and plain release payloads', () => {
    expect(decodeHelmRelease(releaseSecret('gw', 'llm', 3, 'deployed', 'inference-gateway'))).toEqual({
      name: 'gw',
      namespace: 'llm',
      revision: 3,
      status: 'deployed',
      chart: 'inference-gateway',
      chartVersion: '1.2.0',
    });
    expect(decodeHelmRelease(releaseSecret('gw', 'llm', 1, 'superseded', 'inference-gateway', false))?.revision).toBe(1);
  });

  it('keeps the newest revision of each inference-gateway release and names its namespaces', () => {
    const secrets = [
      releaseSecret('gw', 'llm', 1, 'superseded', 'inference-gateway'),
      releaseSecret('gw', 'llm', 2, 'failed', 'inference-gateway'),
      releaseSecret('gw', 'staging', 1, 'deployed', 'inference-gateway'),
      releaseSecret('edge', 'llm', 4, 'deployed', 'inference-gateway'),
      releaseSecret('db', 'llm', 1, 'deployed', 'postgresql'),
      {...releaseSecret('broken', 'llm', 1, 'deployed', 'inference-gateway'), data: {release: 'not base64 of anything'}},
    ];
    const releases = inferenceGatewayReleases(secrets);
    expect(releases.map((r) => `${r.namespace}/${r.name}@${r.revision}:${r.status}`)).toEqual(['llm/edge@4:deployed', 'llm/gw@2:failed', 'staging/gw@1:deployed']);
    expect(releaseCandidates(releases)).toEqual([
      {value: 'edge', description: 'llm: inference-gateway-1.2.0 rev 4 deployed'},
      {value: 'gw', description: 'llm, staging: inference-gateway-1.2.0 rev 2 failed'},
    ]);
  });
});

describe('completion scripts', () => {
  // The completer the scripts call: the real engine over the real manifest, run by Node from source.
  const completer = path.join(tmp, 'completer.mjs');
  writeFileSync(
    completer,
    [
      `import {readFileSync} from 'node:fs';`,
      `import {completionOutput} from ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'src/completion/run.ts')).href)};`,
      `const manifest = JSON.parse(readFileSync(${JSON.stringify(path.join(repoRoot, 'oclif.manifest.json'))}, 'utf8'));`,
      `process.stdout.write(await completionOutput(manifest, process.argv.slice(2)));`,
      '',
    ].join('\n'),
  );

  /** What bash offers for `line` (the cursor at its end), through the generated script. */
  function bashComplete(line: string): string[] {
    const script = path.join(tmp, 'infgw.bash');
    writeFileSync(script, completionScript('bash', [process.execPath, completer]));
    const words = line.split(' ');
    const program = [
      `source ${JSON.stringify(script)}`,
      `COMP_LINE=${JSON.stringify(line)}`,
      'COMP_POINT=${#COMP_LINE}',
      `COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')})`,
      `COMP_CWORD=${words.length - 1}`,
      '__kubectl_infgw_complete',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    return execFileSync('bash', ['--norc', '--noprofile', '-c', program], {encoding: 'utf8'}).split('\n').filter(Boolean);
  }

  it('bash completes commands, arguments and flag values', () => {
    expect(bashComplete('kubectl-infgw ').sort()).toEqual(expect.arrayContaining(['completion', 'version']));
    expect(bashComplete('kubectl-infgw ver')).toEqual(['version']);
    expect(bashComplete('kubectl-infgw completion ')).toEqual(['bash', 'zsh', 'fish']);
    expect(bashComplete('kubectl-infgw version --output=j')).toEqual(['json']);
    expect(bashComplete('kubectl-infgw version --cl').sort()).toEqual(['--client', '--cluster']);
  });

  it('zsh and fish scripts register for kubectl-infgw and call the completer', () => {
    const zsh = completionScript('zsh', ['kubectl-infgw', '__complete']);
    expect(zsh.startsWith('#compdef kubectl-infgw\n')).toBe(true);
    expect(zsh).toContain('compdef _kubectl_infgw kubectl-infgw');
    expect(zsh).toContain('out=$(kubectl-infgw __complete "${(@)words[2,CURRENT-1]}" "$cur" 2>/dev/null)');
    const fish = completionScript('fish', ['kubectl_complete-infgw']);
    expect(fish).toContain("complete -c kubectl-infgw -f -a '(__kubectl_infgw_complete)'");
    expect(fish).toContain('set -l out (kubectl_complete-infgw $args "$cur" 2>/dev/null); or return');
  });
});
