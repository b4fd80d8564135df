// The krew plugin manifest: what scripts/krew.ts generates carries every field krew requires
// (kubernetes-sigs/krew internal/index/validation/validate.go ValidatePlugin and friends), and the
// validator that guards `npm run package` rejects what krew rejects.
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {parse as parseYaml, stringify as toYaml} from 'yaml';
import {describe, expect, it} from 'vitest';
import {isSafePluginName, KREW_PLUGIN_NAME, krewManifest, validateKrewPlugin} from '../../scripts/krew.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const pjson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {name: string; version: string; homepage?: string};
const sha256 = createHash('sha256').update('an archive').digest('hex');
const uri = `https://example.invalid/releases/v${pjson.version}/kubectl-infgw-${pjson.version}-linux-amd64.tar.gz`;

function generated(): Record<string, unknown> {
  const m = krewManifest({pjson, sha256, uri, bin: 'kubectl-infgw', files: ['kubectl-infgw', 'LICENSE', 'README.md'], platform: {os: 'linux', arch: 'amd64'}});
  // What krew reads is the YAML file: check the document after a round trip.
  return parseYaml(toYaml(m, {lineWidth: 0})) as Record<string, unknown>;
}

/** A deep copy of the generated manifest with one change applied. */
function changed(edit: (m: {spec: {platforms: Record<string, unknown>[]} & Record<string, unknown>} & Record<string, unknown>) => void): unknown {
  const m = structuredClone(generated()) as Parameters<typeof edit>[0];
  edit(m);
  return m;
}

describe('generated krew manifest', () => {
  it('passes every krew rule', () => {
    expect(validateKrewPlugin(KREW_PLUGIN_NAME, generated())).toEqual([]);
  });

  it('has the fields users see and krew installs from', () => {
    const m = generated() as {apiVersion: string; kind: string; metadata: {name: string}; spec: Record<string, unknown> & {platforms: Record<string, unknown>[]}};
    expect(m.apiVersion).toBe('krew.googlecontainertools.github.com/v1alpha2');
    expect(m.kind).toBe('Plugin');
    expect(m.metadata.name).toBe('infgw');
    expect(m.spec.version).toBe(`v${pjson.version}`);
    expect(m.spec.homepage).toBe(pjson.homepage);
    expect(m.spec.shortDescription).toMatch(/^[^\n]{10,60}$/);
    expect(String(m.spec.description).length).toBeGreaterThan(100);
    expect(m.spec.caveats).toContain('kubectl_complete-infgw');
    expect(m.spec.platforms).toEqual([
      {
        selector: {matchLabels: {os: 'linux', arch: 'amd64'}},
        uri,
        sha256,
        bin: 'kubectl-infgw',
        files: [
          {from: 'kubectl-infgw', to: '.'},
          {from: 'LICENSE', to: '.'},
          {from: 'README.md', to: '.'},
        ],
      },
    ]);
  });
});

describe("krew's rules (validate.go)", () => {
  const cases: [string, unknown, RegExp][] = [
    ['apiVersion', changed((m) => (m.apiVersion = 'krew.googlecontainertools.github.com/v1alpha1')), /apiVersion/],
    ['kind', changed((m) => (m.kind = 'Plugins')), /kind="Plugins"/],
    ['name must match the file', changed((m) => (m.metadata = {name: 'other'})), /should be named "infgw", not "other"/],
    ['short description', changed((m) => (m.spec.shortDescription = '')), /short description/],
    ['line break in short description', changed((m) => (m.spec.shortDescription = 'two\nlines')), /line breaks/],
    ['no platform', changed((m) => (m.spec.platforms = [])), /platform specified/],
    ['no version', changed((m) => delete m.spec.version), /version specified/],
    ['version without v', changed((m) => (m.spec.version = '0.1.0')), /not starting with 'v'/],
    ['version not semantic', changed((m) => (m.spec.version = 'v1.2')), /semantic version/],
    ['uri', changed((m) => delete m.spec.platforms[0]!.uri), /`uri` has to be set/],
    ['sha256 missing', changed((m) => delete m.spec.platforms[0]!.sha256), /`sha256` sum has to be set/],
    ['sha256 upper case', changed((m) => (m.spec.platforms[0]!.sha256 = sha256.toUpperCase())), /is not valid/],
    ['bin', changed((m) => delete m.spec.platforms[0]!.bin), /`bin` has to be set/],
    ['files empty', changed((m) => (m.spec.platforms[0]!.files = [])), /unspecified or non-empty/],
    ['file without to', changed((m) => (m.spec.platforms[0]!.files = [{from: 'kubectl-infgw'}])), /`to` field has to be set/],
    ['no selector', changed((m) => delete m.spec.platforms[0]!.selector), /nil selector/],
    ['empty selector', changed((m) => (m.spec.platforms[0]!.selector = {})), /empty selector/],
    ['selector key', changed((m) => (m.spec.platforms[0]!.selector = {matchLabels: {os: 'linux', distro: 'debian'}})), /key "distro" not supported/],
    ['misspelt field', changed((m) => (m.spec.shortDescripton = 'x')), /unknown field "shortDescripton"/],
  ];
  it.each(cases)('rejects: %s', (_, manifest, message) => {
    const problems = validateKrewPlugin(KREW_PLUGIN_NAME, manifest);
    expect(problems.join('\n')).toMatch(message);
  });

  it('accepts selectors by expressions and a plugin without files (krew then copies everything)', () => {
    const m = changed((x) => {
      x.spec.platforms[0]!.selector = {matchExpressions: [{key: 'os', operator: 'In', values: ['linux', 'darwin']}]};
      delete x.spec.platforms[0]!.files;
    });
    expect(validateKrewPlugin(KREW_PLUGIN_NAME, m)).toEqual([]);
  });

  it('knows which plugin names are safe', () => {
    expect(isSafePluginName('infgw')).toBe(true);
    expect(isSafePluginName('view_utilization')).toBe(true);
    expect(isSafePluginName('nul')).toBe(false);
    expect(isSafePluginName('a/b')).toBe(false);
  });
});
