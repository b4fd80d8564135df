// A support bundle round trip over the chart fixture with planted secrets: nothing planted is in
// any file of the bundle, forbidden/notServed lists round-trip, and doctor over the bundle gives
// the same findings as over the live snapshot.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {bundleFromSnapshot} from '../../../src/bundle/collect.ts';
import {BUNDLE_FORMAT, readBundle} from '../../../src/bundle/bundle.ts';
import {untarGz} from '../../../src/bundle/tar.ts';
import {runDoctor} from '../../../src/doctor/run.ts';
import type {Finding} from '../../../src/checks/types.ts';
import type {KubeObject} from '../../../src/kube/client.ts';
import {parseExposition} from '../../../src/metrics/exposition.ts';
import {readEpp} from '../../../src/metrics/read.ts';
import {runtimeTargets} from '../../../src/snapshot/runtime.ts';
import type {Snapshot} from '../../../src/snapshot/types.ts';
import {chartInstall, EPP} from '../checks/chart-fixture.ts';
import {NOW, sharedDir, snap} from '../checks/fixture.ts';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJQTEFOVEVELXNhLXRva2VuIn0.UExBTlRFRC1zaWduYXR1cmU';
const PLANTED = ['PLANTED-helm-api-key', 'PLANTED-secret-value', 'PLANTED-litellm-key', 'PLANTED-master-key', 'PLANTED-env-token', 'PLANTED-bearer-1234', 'PLANTED-user-prompt', JWT];
const PLANTED_B64 = PLANTED.map((p) => Buffer.from(p).toString('base64').replace(/=+$/, ''));

function plantedSnapshot(): Snapshot {
  const objs = chartInstall({release: {config: {epp: {poolName: 'qwen'}, gatewayClassName: 'envoy-gateway', litellm: {apiKey: 'PLANTED-helm-api-key'}}}});
  objs.push(
    {apiVersion: 'v1', kind: 'Secret', metadata: {name: 'sh.helm.release.v1.other.v1', namespace: 'llm', labels: {owner: 'helm', name: 'other', version: '1', status: 'deployed'}}, type: 'Opaque', data: {password: Buffer.from('PLANTED-secret-value').toString('base64')}} as KubeObject,
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {name: 'litellm-config', namespace: 'litellm', annotations: {'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"master_key":"PLANTED-master-key"}}'}},
      data: {'config.yaml': 'model_list:\n  - model_name: qwen\n    litellm_params:\n      model: hosted_vllm/qwen\n      api_base: http://envoy-llm-inference-gateway-5a1b2c3d.envoy-gateway-system.svc.cluster.local:80/v1\n      api_key: PLANTED-litellm-key\ngeneral_settings:\n  master_key: PLANTED-master-key\n'},
    } as KubeObject,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {name: 'litellm', namespace: 'litellm'},
      spec: {replicas: 1, selector: {matchLabels: {app: 'litellm'}}, template: {metadata: {labels: {app: 'litellm'}}, spec: {containers: [{name: 'litellm', image: 'litellm:v1', env: [{name: 'HF_TOKEN', value: 'PLANTED-env-token'}]}]}}},
      status: {replicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1},
    } as unknown as KubeObject,
  );
  const s = snap(objs, {
    errors: {
      ClusterRoleBinding: {reason: 'forbidden', message: 'clusterrolebindings is forbidden: User "u" cannot list resource "clusterrolebindings"', rule: 'kubectl create clusterrole infgw-reader --verb=list --resource=clusterrolebindings'},
      LLMInferenceService: {reason: 'notServed', message: 'the server does not serve llminferenceservices.serving.kserve.io (version v1alpha1)'},
    },
    logs: {'envoy-gateway-system/envoy-gateway-7d9f8c6b5-abcde/envoy-gateway': `2026-11-21T11:00:00Z\tINFO\tprovider\tcall\tfetched\t{"authorization":"Bearer PLANTED-bearer-1234","token":"${JWT}"}\n`},
  });
  const t = runtimeTargets(s)[0]!;
  const metricsText = readFileSync(join(sharedDir, 'fixtures', 'epp-metrics.gie-v1.5.0.sample.txt'), 'utf8');
  s.runtime = [
    {
      namespace: 'llm',
      deployment: EPP,
      pod: t.pod.metadata.name,
      port: t.port,
      log: {
        ok: true,
        durationMs: 2,
        text: [
          JSON.stringify({level: 'info', ts: 1, logger: 'setup', msg: 'Flags processed', poolName: 'qwen'}),
          JSON.stringify({level: 'trace', ts: 2, msg: 'header', key: 'Authorization', value: 'Bearer PLANTED-bearer-1234'}),
          JSON.stringify({level: 'error', ts: 3, msg: 'Failed to process request', request: {body: {model: 'qwen', messages: [{role: 'user', content: 'PLANTED-user-prompt'}]}}}),
        ].join('\n'),
      },
      metrics: {outcome: 'ok', reading: readEpp(parseExposition(metricsText)), tokenSource: 'tokenrequest', durationMs: 3, text: metricsText},
    },
  ];
  return s;
}

const key = (f: Finding) => ({code: f.code, severity: f.severity, object: f.object ?? null, chain: f.chain ?? null, blockedBy: f.blockedBy ?? [], suppressed: f.suppressed ?? false});

describe('support bundle', () => {
  it('holds no planted secret, token, Authorization value or prompt in any file (plain or base64)', () => {
    const {data, manifest} = bundleFromSnapshot(plantedSnapshot(), {name: 'kubectl-infgw', version: '0.0.0-test'}, NOW);
    const files = untarGz(data);
    expect(files.map((f) => f.path)).toEqual(manifest.files);
    expect(manifest.files).toEqual(expect.arrayContaining(['manifest.json', 'snapshot.json', 'doctor.json', 'doctor.txt', 'objects/ConfigMap.yaml', 'objects/HelmReleases.yaml', 'metrics/llm/' + manifest.eppRuntime[0]!.pod + '.prom']));
    for (const f of files) {
      const text = f.data.toString('utf8');
      for (const p of [...PLANTED, ...PLANTED_B64]) expect(text.includes(p), `${f.path} contains ${p}`).toBe(false);
    }
    // what the planted things were: there, but empty
    const all = files.map((f) => f.data.toString('utf8')).join('\n');
    expect(all).toContain('api_base: http://envoy-llm-inference-gateway-5a1b2c3d');
    expect(all).toContain('inference_pool_average_kv_cache_utilization');
    expect(manifest.format).toBe(BUNDLE_FORMAT);
    expect(manifest.versions).toMatchObject({kubernetes: 'v1.37.2', epps: [{namespace: 'llm', name: EPP, image: expect.stringContaining(':v1.4.0')}], envoyGateway: [{namespace: 'envoy-gateway-system', name: 'envoy-gateway'}]});
    expect(manifest.redactions.map((r) => r.what)).toEqual(
      expect.arrayContaining(['Secret data (values of every key)', 'credential values in ConfigMaps', 'credential values in Helm values', 'log values that may hold prompts', 'Authorization and other credential headers in logs']),
    );
    expect(manifest.kinds.find((k) => k.kind === 'ClusterRoleBinding')?.parts).toEqual([{error: 'forbidden'}]);
  });

  it('doctor over the bundle = doctor over the live snapshot: codes, severities, objects, messages', () => {
    const live = plantedSnapshot();
    const liveReport = runDoctor(live, {now: new Date(live.takenAt)});
    const {data, report} = bundleFromSnapshot(plantedSnapshot(), {name: 'kubectl-infgw', version: '0.0.0-test'}, NOW);
    const {snap: offline} = readBundle(data);
    const offlineReport = runDoctor(offline, {now: new Date(offline.takenAt)});
    expect(offlineReport.findings.map(key)).toEqual(liveReport.findings.map(key));
    expect(offlineReport.findings.map((f) => f.message)).toEqual(liveReport.findings.map((f) => f.message));
    expect(report.findings.map(key)).toEqual(liveReport.findings.map(key));
    // the planted faults are visible and the unreadable lists skip the same checks
    expect(liveReport.findings.find((f) => f.code === 'IGW-102')).toMatchObject({severity: 'warning', message: expect.stringContaining('may not list ClusterRoleBinding')});
    expect(liveReport.findings.find((f) => f.code === 'IGW-501')).toMatchObject({severity: 'skipped', message: expect.stringContaining('cannot read the RBAC objects')});
    expect(liveReport.findings.find((f) => f.code === 'IGW-401')?.severity).toBe('ok');
    expect(offline.lists.LLMInferenceService?.parts).toEqual([{error: {reason: 'notServed', message: 'the server does not serve llminferenceservices.serving.kserve.io (version v1alpha1)'}}]);
    expect(offline.takenAt).toBe(live.takenAt);
  });

  it('Envoy Gateway controller logs read for the bundle only: in logs/, redacted, not in the snapshot doctor judges', () => {
    const live = plantedSnapshot();
    const key = 'envoy-gateway-system/envoy-gateway-6b9c7d5f4-pqrst/envoy-gateway';
    expect(key in live.logs).toBe(false);
    const {data, manifest, report} = bundleFromSnapshot(live, {name: 'kubectl-infgw', version: '0.0.0-test'}, NOW, {
      [key]: '2026-11-21T11:00:00Z\tINFO\tcmd/server\tserver.go:71\tStart runners\t{"authorization":"Bearer PLANTED-bearer-1234"}\n',
      'envoy-gateway-system/envoy-gateway-6b9c7d5f4-pqrst/shutdown-manager': {reason: 'failed', message: 'no answer within 5000 ms'},
    });
    const files = untarGz(data);
    const log = files.find((f) => f.path === 'logs/envoy-gateway-system/envoy-gateway-6b9c7d5f4-pqrst/envoy-gateway.log')?.data.toString();
    expect(log).toContain('Start runners');
    expect(log).not.toContain('PLANTED');
    expect(files.find((f) => f.path.endsWith('shutdown-manager.log'))?.data.toString()).toBe('# not read: failed: no answer within 5000 ms\n');
    expect(manifest.logs).toContain('logs/envoy-gateway-system/envoy-gateway-6b9c7d5f4-pqrst/envoy-gateway.log');
    expect(readBundle(data).snap.logs[key]).toBeUndefined();
    expect(report.findings.map((f) => `${f.code} ${f.severity}`)).toEqual(runDoctor(live, {now: new Date(live.takenAt)}).findings.map((f) => `${f.code} ${f.severity}`));
  });

  it('a file that is not a bundle is refused with a reason', () => {
    expect(() => readBundle(Buffer.from('hello'))).toThrow(/not a gzip file/);
  });
});
