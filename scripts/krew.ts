/*
 * The krew plugin manifest (plugins/<name>.yaml in a krew index) for the release archive, and the
 * rules krew checks before it installs a plugin, written after kubernetes-sigs/krew:
 *   internal/index/validation/validate.go   ValidatePlugin, validatePlatform, validateFiles,
 *                                           validateSelector, IsSafePluginName
 *   internal/installation/semver/version.go Parse (a leading "v", then k8s ParseSemantic)
 *   pkg/constants/constants.go              apiVersion krew.googlecontainertools.github.com/v1alpha2, kind Plugin
 *   pkg/index/types.go                      the field names (krew decodes leniently: sigs.k8s.io/yaml
 *                                           Unmarshal, so a misspelt field would vanish silently)
 */

/** The krew plugin name: users run `kubectl krew install infgw`, then `kubectl infgw`. */
export const KREW_PLUGIN_NAME = 'infgw';
export const KREW_API_VERSION = 'krew.googlecontainertools.github.com/v1alpha2';

export interface KrewPlatformInput {
  os: string;
  arch: string;
}

export interface KrewManifestInput {
  pjson: {version: string; homepage?: string | undefined};
  sha256: string;
  uri: string;
  bin: string;
  files: string[];
  platform: KrewPlatformInput;
}

export function krewManifest(opts: KrewManifestInput): Record<string, unknown> {
  const {pjson} = opts;
  if (!pjson.homepage) throw new Error('package.json has no "homepage" (krew shows it)');
  return {
    apiVersion: KREW_API_VERSION,
    kind: 'Plugin',
    metadata: {name: KREW_PLUGIN_NAME},
    spec: {
      version: `v${pjson.version}`,
      homepage: pjson.homepage,
      shortDescription: 'Diagnose and fix LLM inference gateways',
      description: [
        'kubectl infgw diagnoses and fixes LLM inference gateways built on the Gateway API',
        'Inference Extension: Envoy Gateway, the Endpoint Picker (EPP), InferencePools, KServe and',
        'vLLM model servers. It checks every prerequisite and object, explains the root cause first,',
        'and makes previewable, conflict-safe, reversible changes.',
        '',
        'Run `kubectl infgw --help` to see the commands.',
      ].join('\n'),
      caveats: [
        'kubectl infgw reads your kubeconfig like kubectl and needs RBAC to read the objects it',
        'checks (Gateways, HTTPRoutes, InferencePools, Deployments, Pods, Services, Helm release',
        'Secrets); commands that change objects need the matching write permissions.',
        '',
        'Shell completion of `kubectl infgw <TAB>` (kubectl 1.26 or newer) needs a',
        'kubectl_complete-infgw executable on PATH. Link it once:',
        '  ln -s kubectl-infgw "${KREW_ROOT:-$HOME/.krew}/bin/kubectl_complete-infgw"',
        '(krew does not remove that link when the plugin is uninstalled.)',
      ].join('\n'),
      platforms: [
        {
          selector: {matchLabels: {os: opts.platform.os, arch: opts.platform.arch}},
          uri: opts.uri,
          sha256: opts.sha256,
          bin: opts.bin,
          files: opts.files.map((from) => ({from, to: '.'})),
        },
      ],
    },
  };
}

const SAFE_PLUGIN_NAME = /^[\w-]+$/;
const WINDOWS_FORBIDDEN = ['CON', 'PRN', 'AUX', 'NUL', ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((i) => [`COM${i}`, `LPT${i}`])];
const SHA256 = /^[a-f0-9]{64}$/;
/** k8s.io/apimachinery/pkg/util/version ParseSemantic: MAJOR.MINOR.PATCH[-pre][+build], no leading zeros. */
const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

const KNOWN = {
  plugin: ['apiVersion', 'kind', 'metadata', 'spec'],
  spec: ['version', 'shortDescription', 'description', 'caveats', 'homepage', 'platforms'],
  platform: ['uri', 'sha256', 'files', 'selector', 'bin'],
  file: ['from', 'to'],
  selector: ['matchLabels', 'matchExpressions'],
};

export function isSafePluginName(name: string): boolean {
  return SAFE_PLUGIN_NAME.test(name) && !WINDOWS_FORBIDDEN.some((f) => f.toLowerCase() === name.toLowerCase());
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function unknownKeys(where: string, o: Obj, known: string[]): string[] {
  return Object.keys(o)
    .filter((k) => !known.includes(k))
    .map((k) => `${where}: unknown field "${k}"`);
}

/**
 * The problems krew would report for plugin manifest `p` stored under `fileName` (without .yaml),
 * in krew's words; empty when krew accepts it.
 */
export function validateKrewPlugin(fileName: string, p: unknown): string[] {
  if (!isObj(p)) return ['plugin manifest is not a mapping'];
  const problems = unknownKeys('plugin', p, KNOWN.plugin);
  if (p.apiVersion !== KREW_API_VERSION) problems.push(`plugin manifest has apiVersion="${str(p.apiVersion)}", not supported`);
  if (p.kind !== 'Plugin') problems.push(`plugin manifest has kind="${str(p.kind)}", but only "Plugin" is supported`);
  if (!isSafePluginName(fileName)) problems.push(`the plugin name "${fileName}" is not allowed, must match ${SAFE_PLUGIN_NAME.source}`);
  const name = isObj(p.metadata) ? str(p.metadata.name) : '';
  if (name !== fileName) problems.push(`plugin should be named "${fileName}", not "${name}"`);
  const spec = isObj(p.spec) ? p.spec : {};
  problems.push(...unknownKeys('spec', spec, KNOWN.spec));
  const short = str(spec.shortDescription);
  if (short === '') problems.push('should have a short description');
  if (/[\r\n]/.test(short)) problems.push('should not have line breaks in short description');
  const platforms = Array.isArray(spec.platforms) ? spec.platforms : [];
  if (platforms.length === 0) problems.push('should have a platform specified');
  const version = str(spec.version);
  if (version === '') problems.push('should have a version specified');
  else if (!version.startsWith('v')) problems.push(`failed to parse plugin version: version string "${version}" not starting with 'v'`);
  else if (!SEMVER.test(version)) problems.push(`failed to parse plugin version: "${version}" is not a semantic version`);
  platforms.forEach((pl: unknown, i) => problems.push(...validatePlatform(pl).map((m) => `platform ${i} is badly constructed: ${m}`)));
  return problems;
}

function validatePlatform(pl: unknown): string[] {
  if (!isObj(pl)) return ['not a mapping'];
  const problems = unknownKeys('platform', pl, KNOWN.platform);
  if (str(pl.uri) === '') problems.push('`uri` has to be set');
  if (str(pl.sha256) === '') problems.push('`sha256` sum has to be set');
  else if (!SHA256.test(str(pl.sha256))) problems.push(`\`sha256\` value ${str(pl.sha256)} is not valid, must match pattern ${SHA256.source}`);
  if (str(pl.bin) === '') problems.push('`bin` has to be set');
  if (pl.files !== undefined && pl.files !== null) {
    if (!Array.isArray(pl.files) || pl.files.length === 0) problems.push('`files` is invalid: `files` has to be unspecified or non-empty');
    else {
      for (const op of pl.files as unknown[]) {
        if (!isObj(op)) problems.push('`files` is invalid: not a mapping');
        else {
          problems.push(...unknownKeys('files', op, KNOWN.file));
          if (str(op.from) === '') problems.push('`files` is invalid: `from` field has to be set');
          else if (str(op.to) === '') problems.push('`files` is invalid: `to` field has to be set');
        }
      }
    }
  }
  problems.push(...validateSelector(pl.selector).map((m) => `invalid platform selector: ${m}`));
  return problems;
}

function validateSelector(sel: unknown): string[] {
  if (sel === undefined || sel === null) return ['nil selector is not supported'];
  if (!isObj(sel)) return ['not a mapping'];
  const problems = unknownKeys('selector', sel, KNOWN.selector);
  const labels = sel.matchLabels;
  const exprs = sel.matchExpressions;
  const hasLabels = labels !== undefined && labels !== null;
  const exprList = Array.isArray(exprs) ? exprs : [];
  if (!hasLabels && exprList.length === 0) return [...problems, 'empty selector is not supported'];
  const keys = [...(isObj(labels) ? Object.keys(labels) : []), ...exprList.map((e: unknown) => (isObj(e) ? str(e.key) : ''))];
  for (const key of keys) if (key !== 'os' && key !== 'arch') problems.push(`key "${key}" not supported`);
  if (hasLabels && isObj(labels) && Object.keys(labels).length === 0) problems.push('`matchLabels` specified but empty');
  if (exprs !== undefined && exprs !== null && exprList.length === 0) problems.push('`matchExpressions` specified but empty');
  return problems;
}
