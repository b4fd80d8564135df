// `kubectl infgw patch-envoy` against the real test control plane (apiserver, controllers, KWOK).
//
// Each test gets its own namespace and uses it as "envoy-gateway-system" (--config-namespace):
// the ConfigMap is the Envoy Gateway chart's REAL default (../shared/fixtures, verbatim text), the
// controller is a Deployment named envoy-gateway whose pods KWOK runs. What is simulated, and how:
// - KWOK pods run no code, so the fake controller never reads its config. The crash-loop test makes
//   it behave like Envoy Gateway does at start-up — refuse an invalid config and crash — through
//   patch-envoy's beforeRestart hook: right before each restart the test validates the config the
//   controller is about to load with Envoy Gateway's rules and, when it is invalid, labels the pod
//   template infgw.test/crashloop=true (the harness's KWOK stage then shows the new pods crashing,
//   in CrashLoopBackOff with restarts); when it is valid again, it removes the label.
// - The controller's log (what `kubectl logs` shows) is a local file served by a KWOK ClusterLogs
//   object; it holds the lines Envoy Gateway prints when it refuses a config at start-up.
// - The concurrent writer in the conflict test is the test itself, via patch-envoy's beforeWrite
//   hook (between our read and our write), writing with the real kubectl.
// Exit codes are checked on the built binary (bin/kubectl-infgw); the two tests that need hooks
// call the same library function the command calls, in-process, and check its exit code field.
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, describe, expect, inject, it} from 'vitest';
import {parse} from 'yaml';
import {parseEnvoyGatewayConfig} from '../../src/envoy/config.ts';
import {patchEnvoy, type PatchEnvoyResult} from '../../src/envoy/patch.ts';
import {validateEnvoyGateway} from '../../src/envoy/validate.ts';
import {ExitCode} from '../../src/errors.ts';
import {connect} from '../../src/kube/client.ts';
import {applyManifest, kubectl, repoRoot, run, waitFor} from '../harness/cluster.ts';

const kubeconfig = inject('kubeconfig');
// INFGW_E2E_BIN: run another build of the CLI (e.g. a private copy while dist/ is being rebuilt).
const bin = process.env.INFGW_E2E_BIN ?? resolve(repoRoot, 'bin', 'kubectl-infgw');
const shared = resolve(repoRoot, '..', 'shared');
const KEY = 'envoy-gateway.yaml';
const CRASH_LABEL = 'infgw.test/crashloop';

const fixtureConfigMap = parse(readFileSync(join(shared, 'fixtures', 'envoy-gateway-config.default.yaml'), 'utf8')) as {
  metadata: Record<string, unknown>;
  data: Record<string, string>;
};
const DEFAULT_TEXT = fixtureConfigMap.data[KEY]!;

function fixtureValues(file: string): Record<string, unknown> {
  return (parse(readFileSync(join(shared, 'fixtures', file), 'utf8')) as {config: {envoyGateway: Record<string, unknown>}}).config.envoyGateway;
}
/** What Envoy AI Gateway's values + InferencePool addon put under extensionManager. */
const UPSTREAM_EXTENSION_MANAGER = {
  ...(fixtureValues('envoy-gateway-values.envoy-ai-gateway.yaml').extensionManager as object),
  ...(fixtureValues('envoy-gateway-values-addon.inferencepool.yaml').extensionManager as object),
};

const namespaces: string[] = [];
const clusterScoped: string[] = [];
afterAll(async () => {
  await Promise.all([
    ...namespaces.map((ns) => kubectl(['delete', 'namespace', ns, '--wait=false'], {kubeconfig, allowFail: true})),
    ...clusterScoped.map((what) => kubectl(['delete', what, '--wait=false'], {kubeconfig, allowFail: true})),
  ]);
});

interface ConfigMapJson {
  metadata: {resourceVersion: string; annotations?: Record<string, string>; labels?: Record<string, string>};
  data: Record<string, string>;
}
interface DeploymentJson {
  metadata: {generation: number};
  spec: {template: {metadata: {labels?: Record<string, string>; annotations?: Record<string, string>}}};
}

async function getJson<T>(ns: string, ...what: string[]): Promise<T> {
  return JSON.parse((await kubectl(['get', '-n', ns, ...what, '-o', 'json'], {kubeconfig})).stdout) as T;
}
const configMap = (ns: string): Promise<ConfigMapJson> => getJson(ns, 'configmap', 'envoy-gateway-config');
const deployment = (ns: string): Promise<DeploymentJson> => getJson(ns, 'deployment', 'envoy-gateway');

/** A namespace that looks like envoy-gateway-system: the chart's default ConfigMap and a controller Deployment. */
async function envoyGatewayNamespace(name: string, opts: {minReadySeconds?: number} = {}): Promise<string> {
  const ns = `pe-${name}-${Date.now().toString(36)}`;
  namespaces.push(ns);
  await kubectl(['create', 'namespace', ns], {kubeconfig});
  const cm = {...fixtureConfigMap, metadata: {...fixtureConfigMap.metadata, namespace: ns}};
  const labels = {'control-plane': 'envoy-gateway', 'app.kubernetes.io/name': 'gateway-helm'};
  const deploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: 'envoy-gateway', namespace: ns, labels},
    spec: {
      replicas: 1,
      // Real Envoy Gateway fails its readiness probe before it crashes; a KWOK pod is Ready first
      // and shows the crash ~2 s later, so the crash-loop test asks for 10 s of readiness before a
      // pod counts as available — otherwise the rollout could complete before the crash shows.
      ...(opts.minReadySeconds ? {minReadySeconds: opts.minReadySeconds} : {}),
      selector: {matchLabels: labels},
      template: {
        metadata: {labels},
        spec: {containers: [{name: 'envoy-gateway', image: 'docker.io/envoyproxy/gateway:v1.9.0', args: ['server', '--config-path=/config/envoy-gateway.yaml']}]},
      },
    },
  };
  await applyManifest(kubeconfig, `${JSON.stringify(cm)}\n---\n${JSON.stringify(deploy)}`);
  await kubectl(['rollout', 'status', '-n', ns, 'deployment/envoy-gateway', '--timeout=90s'], {kubeconfig, timeoutMs: 100_000});
  return ns;
}

async function infgw(args: string[], timeoutMs = 150_000): Promise<{code: number | null; stdout: string; stderr: string}> {
  return run(bin, ['patch-envoy', ...args], {kubeconfig, allowFail: true, timeoutMs});
}

describe('patch-envoy on the chart default config', () => {
  it('merges the AI Gateway extensionManager, keeps everything else, backs up, restarts and waits', async () => {
    const ns = await envoyGatewayNamespace('patch');
    const rv0 = (await configMap(ns)).metadata.resourceVersion;
    // The AI Gateway Service is cluster-wide: scenario installs in other test files create it (and
    // never delete it), so whether it exists depends on what ran before. Judge against what was there.
    const aiGatewayService = async (): Promise<boolean> =>
      (await kubectl(['get', 'service', '-n', 'envoy-ai-gateway-system', 'ai-gateway-controller'], {kubeconfig, allowFail: true})).code === 0;
    const serviceBefore = await aiGatewayService();
    const r = await infgw(['--config-namespace', ns, '--timeout', '120s', '-o', 'json']);
    const serviceAfter = await aiGatewayService();
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as PatchEnvoyResult & {schemaVersion: number};
    expect(doc.outcome).toBe('patched');
    expect(doc.write?.verified).toBe(true);
    expect(doc.rollout?.done).toBe(true);
    expect(doc.backup).toEqual({namespace: ns, name: 'envoy-gateway-config-infgw-backup', action: 'created'});
    expect(doc.diff).toContain('+extensionManager:\n');
    expect(doc.diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'))).toEqual([]);
    // The fixture ConfigMap carries Helm's labels.
    expect(doc.helm?.managed).toBe(true);
    expect(parse(doc.helm!.valuesSnippet)).toEqual({config: {envoyGateway: {extensionManager: UPSTREAM_EXTENSION_MANAGER}}});
    const missing = /envoy-ai-gateway-system\/ai-gateway-controller does not exist/;
    if (!serviceBefore && !serviceAfter) expect(doc.warnings.join('\n')).toMatch(missing);
    if (serviceBefore) expect(doc.warnings.join('\n')).not.toMatch(missing);
    expect(doc.warnings.join('\n')).toMatch(/next "helm upgrade" reverts/);

    const cm = await configMap(ns);
    expect(cm.metadata.resourceVersion).not.toBe(rv0);
    const text = cm.data[KEY]!;
    expect(text.startsWith(DEFAULT_TEXT)).toBe(true);
    const {extensionManager, ...rest} = parse(text) as Record<string, unknown>;
    expect(extensionManager).toEqual(UPSTREAM_EXTENSION_MANAGER);
    expect(rest).toEqual(parse(DEFAULT_TEXT));
    expect(validateEnvoyGateway(parseEnvoyGatewayConfig(text).value)).toEqual([]);

    const backup = await getJson<ConfigMapJson>(ns, 'configmap', 'envoy-gateway-config-infgw-backup');
    expect(backup.data[KEY]).toBe(DEFAULT_TEXT);
    expect(backup.metadata.annotations?.['kubectl-infgw/source-resource-version']).toBe(rv0);
    expect(Date.parse(backup.metadata.annotations?.['kubectl-infgw/backed-up-at'] ?? '')).toBeGreaterThan(Date.now() - 300_000);

    const d = await deployment(ns);
    expect(d.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBe(doc.restart?.restartedAt);
  });

  it('a second run is "already configured": exit 0, nothing written, nothing restarted', async () => {
    const ns = await envoyGatewayNamespace('idem');
    const first = await infgw(['--config-namespace', ns, '--no-restart']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/reloads its config file by itself/);
    const cm1 = await configMap(ns);
    const d1 = await deployment(ns);
    expect(d1.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeUndefined();

    const second = await infgw(['--config-namespace', ns]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/already configured/);
    const cm2 = await configMap(ns);
    const d2 = await deployment(ns);
    expect(cm2.metadata.resourceVersion).toBe(cm1.metadata.resourceVersion);
    expect(d2.metadata.generation).toBe(d1.metadata.generation);
    expect(d2.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeUndefined();
  });

  it('--dry-run prints the diff and writes nothing', async () => {
    const ns = await envoyGatewayNamespace('dry');
    const rv0 = (await configMap(ns)).metadata.resourceVersion;
    const gen0 = (await deployment(ns)).metadata.generation;
    const r = await infgw(['--config-namespace', ns, '--dry-run', '--no-color']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('--- a/envoy-gateway.yaml\n+++ b/envoy-gateway.yaml\n');
    expect(r.stdout).toContain('+  - group: inference.networking.k8s.io\n');
    expect(r.stdout).toMatch(/server-side dry run accepted/);
    expect((await configMap(ns)).metadata.resourceVersion).toBe(rv0);
    expect((await deployment(ns)).metadata.generation).toBe(gen0);
    const backup = await kubectl(['get', '-n', ns, 'configmap', 'envoy-gateway-config-infgw-backup'], {kubeconfig, allowFail: true});
    expect(backup.code).not.toBe(0);
    expect(backup.stderr).toMatch(/NotFound|not found/);
  });

  it("refuses the install notes' service-backend entry with exit 4 and Envoy Gateway's own reason", async () => {
    const ns = await envoyGatewayNamespace('refuse');
    const rv0 = (await configMap(ns)).metadata.resourceVersion;
    const r = await infgw(['--config-namespace', ns, '--preset', 'service-backend', '--no-color']);
    expect(r.code).toBe(ExitCode.refused);
    expect(r.stderr).toMatch(/refusing to write a config Envoy Gateway would reject: extensionManager\.hooks: registered extension has no hooks specified/);
    expect(r.stdout).toMatch(/--preset ai-gateway/);
    expect((await configMap(ns)).metadata.resourceVersion).toBe(rv0);
  });
});

describe('patch-envoy under concurrency and failure', () => {
  it('another writer between our read and our write: 409, re-read, re-merge — both changes end up in the file', async () => {
    const ns = await envoyGatewayNamespace('conflict');
    const kube = await connect({kubeconfig});
    const theirs = DEFAULT_TEXT.replace('default: info', 'default: debug');
    expect(theirs).not.toBe(DEFAULT_TEXT);
    const attempts: number[] = [];
    const result = await patchEnvoy(kube, {
      location: {namespace: ns, configMap: 'envoy-gateway-config', key: KEY, deployment: 'envoy-gateway'},
      preset: 'ai-gateway',
      restart: false,
      timeoutMs: 60_000,
      hooks: {
        beforeWrite: async ({attempt}) => {
          attempts.push(attempt);
          if (attempt === 1) {
            await kubectl(['patch', 'configmap', 'envoy-gateway-config', '-n', ns, '--type', 'merge', '-p', JSON.stringify({data: {[KEY]: theirs}})], {kubeconfig});
          }
        },
      },
    });
    expect(result.exitCode).toBe(ExitCode.ok);
    expect(attempts).toEqual([1, 2]);
    expect(result.write).toMatchObject({attempts: 2, verified: true});
    const text = (await configMap(ns)).data[KEY]!;
    const value = parse(text) as {logging: unknown; extensionManager: unknown};
    expect(value.logging).toEqual({level: {default: 'debug'}});
    expect(value.extensionManager).toEqual(UPSTREAM_EXTENSION_MANAGER);
    expect(text.startsWith(theirs)).toBe(true);
    // The backup holds what we actually replaced: the other writer's version.
    expect((await getJson<ConfigMapJson>(ns, 'configmap', 'envoy-gateway-config-infgw-backup')).data[KEY]).toBe(theirs);
  });

  it('a forced bad config crash-loops the new controller pods: rolled back automatically, exit 4 with the controller\'s error', async () => {
    const ns = await envoyGatewayNamespace('crash', {minReadySeconds: 10});
    // What Envoy Gateway prints when it refuses its config at start-up (cmd/envoy-gateway/main.go
    // prints the validation error; cobra prefixes "Error:").
    const dir = mkdtempSync(join(tmpdir(), 'infgw-eg-logs-'));
    const logFile = join(dir, 'envoy-gateway.log');
    // KWOK reads container logs in the kubelet's CRI format: "<RFC 3339 time> <stream> F <line>".
    const now = new Date().toISOString();
    writeFileSync(logFile, `${now} stderr F Error: registered extension has no hooks specified\n${now} stderr F registered extension has no hooks specified\n`);
    clusterScoped.push(`clusterlogs.kwok.x-k8s.io/${ns}-logs`);
    await applyManifest(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'kwok.x-k8s.io/v1alpha1',
        kind: 'ClusterLogs',
        metadata: {name: `${ns}-logs`},
        spec: {selector: {matchNamespaces: [ns]}, logs: [{logsFile: logFile, previousLogsFile: logFile, follow: false}]},
      }),
    );
    const rv0 = (await configMap(ns)).metadata.resourceVersion;
    const kube = await connect({kubeconfig});
    const phases: {phase: string; valid: boolean}[] = [];
    const result = await patchEnvoy(kube, {
      location: {namespace: ns, configMap: 'envoy-gateway-config', key: KEY, deployment: 'envoy-gateway'},
      preset: 'service-backend',
      force: true,
      timeoutMs: 120_000,
      hooks: {
        // The simulated controller: it crashes on start-up iff Envoy Gateway's validation refuses the config.
        beforeRestart: async ({phase, text}) => {
          const valid = validateEnvoyGateway(parseEnvoyGatewayConfig(text).value).length === 0;
          phases.push({phase, valid});
          const labels = {[CRASH_LABEL]: valid ? null : 'true'};
          await kubectl(['patch', 'deployment', 'envoy-gateway', '-n', ns, '--type', 'strategic', '-p', JSON.stringify({spec: {template: {metadata: {labels}}}})], {kubeconfig});
        },
      },
    });
    expect(phases).toEqual([
      {phase: 'patch', valid: false},
      {phase: 'rollback', valid: true},
    ]);
    expect(result.exitCode).toBe(ExitCode.refused);
    expect(result.outcome).toBe('rolled-back');
    expect(result.rollout?.done).toBe(false);
    expect(result.rollout?.reason).toBe('CrashLoopBackOff');
    expect(result.controllerError).toMatch(/^registered extension has no hooks specified/);
    expect(result.message).toMatch(/^Envoy Gateway rejected the new config: registered extension has no hooks specified/);
    expect(result.rollback?.restored).toBe(true);
    expect(result.rollback?.rollout?.done).toBe(true);
    const cm = await configMap(ns);
    expect(cm.data[KEY]).toBe(DEFAULT_TEXT);
    expect(cm.metadata.resourceVersion).not.toBe(rv0);
    const d = await deployment(ns);
    expect(d.spec.template.metadata.labels?.[CRASH_LABEL]).toBeUndefined();
    // The controller is healthy again: every pod of the Deployment is Ready.
    await waitFor(
      async () => {
        const r = await kubectl(['rollout', 'status', '-n', ns, 'deployment/envoy-gateway', '--timeout=5s'], {kubeconfig, allowFail: true});
        return r.code === 0;
      },
      {timeoutMs: 30_000, what: 'envoy-gateway rolled out after the rollback'},
    );
  });

  it('--rollback restores the backup (dry run first), keeps the replaced content as the new backup, and restarts', async () => {
    const ns = await envoyGatewayNamespace('rollback');
    const patched = await infgw(['--config-namespace', ns, '--no-restart']);
    expect(patched.code, patched.stderr).toBe(0);
    const patchedText = (await configMap(ns)).data[KEY]!;
    expect(patchedText).toContain('extensionManager:');
    const rv1 = (await configMap(ns)).metadata.resourceVersion;

    const dry = await infgw(['--config-namespace', ns, '--rollback', '--dry-run', '--no-color']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('-extensionManager:\n');
    expect((await configMap(ns)).metadata.resourceVersion).toBe(rv1);

    const r = await infgw(['--config-namespace', ns, '--rollback', '--timeout', '120s', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as PatchEnvoyResult;
    expect(doc.outcome).toBe('restored');
    expect(doc.rollout?.done).toBe(true);
    expect((await configMap(ns)).data[KEY]).toBe(DEFAULT_TEXT);
    expect((await getJson<ConfigMapJson>(ns, 'configmap', 'envoy-gateway-config-infgw-backup')).data[KEY]).toBe(patchedText);
    expect((await deployment(ns)).spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBe(doc.restart?.restartedAt);

    // A second --rollback undoes the first: the backup now holds the patched text.
    const again = await infgw(['--config-namespace', ns, '--rollback', '--no-restart']);
    expect(again.code, again.stderr).toBe(0);
    expect((await configMap(ns)).data[KEY]).toBe(patchedText);
  });

  it('--rollback without a backup is a clear error (exit 1)', async () => {
    const ns = await envoyGatewayNamespace('nobackup');
    const r = await infgw(['--config-namespace', ns, '--rollback']);
    expect(r.code).toBe(ExitCode.problems);
    expect(r.stderr).toMatch(/no backup to restore: ConfigMap .*envoy-gateway-config-infgw-backup does not exist/);
  });
});

