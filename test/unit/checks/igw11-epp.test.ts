// Issue 11 (EPP / scheduling group): checks IGW-425…428 (EPP flags) and IGW-604…606 (what an EPP
// build accepts in its EndpointPickerConfig), from upstream-shaped objects. The EndpointPickerConfigs
// are the real upstream samples in ../shared/fixtures, read at test time:
//   epp-config.llm-d-router.example.yaml — llm-d-router v0.10.0 deploy/config/epp-precise-prefix-cache-config.yaml
//   epp-config.example.yaml              — GIE v1.5.0 site-src/guides/troubleshooting.md (prefix-cache-scorer with blockSize …)
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {parse, stringify} from 'yaml';
import type {KubeObject} from '../../../src/kube/client.ts';
import {eppBuild} from '../../../src/checks/epp-build.ts';
import {byCode, doctor, loadObjects, obj, one, problems, sharedDir} from './fixture.ts';
import {chartInstall, EPP} from './chart-fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROUTER_IMAGE = 'registry.example/llm-d/llm-d-router-endpoint-picker:v0.10.0';
const GIE_IMAGE = 'registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0';
const LWEPP_IMAGE = 'registry.k8s.io/gateway-api-inference-extension/lwepp:v1.6.0';
const ROUTER_SAMPLE = readFileSync(join(sharedDir, 'fixtures', 'epp-config.llm-d-router.example.yaml'), 'utf8');
const GIE_SAMPLE = readFileSync(join(sharedDir, 'fixtures', 'epp-config.example.yaml'), 'utf8');

/**
 * The healthy AI Gateway install with its EPP (qwen-epp) switched to `image`, extra `args`, and —
 * when `config` is given — reading it with --config-file from a mounted ConfigMap (the shape of
 * llm-d-router's chart: routerlib _deployment.yaml mounts /config).
 */
function install(opts: {image?: string; args?: string[]; config?: string; replicas?: number} = {}): KubeObject[] {
  const objs = loadObjects('healthy-ai-gateway.yaml');
  const d = obj<Any>(objs, 'Deployment', 'qwen-epp');
  const c = d.spec.template.spec.containers[0];
  if (opts.image) c.image = opts.image;
  c.args.push(...(opts.args ?? []));
  if (opts.replicas !== undefined) d.spec.replicas = opts.replicas;
  if (opts.config !== undefined) {
    c.args.push('--config-file', '/config/config.yaml');
    c.volumeMounts = [{name: 'plugins-config', mountPath: '/config'}];
    d.spec.template.spec.volumes = [{name: 'plugins-config', configMap: {name: 'qwen-epp-config'}}];
    objs.push({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'qwen-epp-config', namespace: 'llm', creationTimestamp: '2026-11-20T09:00:00Z'}, data: {'config.yaml': opts.config}} as KubeObject);
  }
  return objs;
}

/** A sample with its YAML changed by `edit`. */
function edited(text: string, edit: (cfg: Any) => void): string {
  const cfg = parse(text) as Any;
  edit(cfg);
  return stringify(cfg);
}

const EPP_DEPLOY = {apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'llm', name: 'qwen-epp'};
const EPP_CM = {apiVersion: 'v1', kind: 'ConfigMap', namespace: 'llm', name: 'qwen-epp-config'};

describe('EPP build detection (repository path, never the host)', () => {
  it('GIE EPP, lwepp, llm-d-router, llm-d-inference-scheduler, unknown', () => {
    expect(eppBuild({name: 'epp', image: GIE_IMAGE})).toMatchObject({kind: 'gie', tag: 'v1.5.0', version: [1, 5, 0]});
    expect(eppBuild({name: 'epp', image: LWEPP_IMAGE})).toMatchObject({kind: 'lwepp', label: 'lwepp v1.6.0'});
    expect(eppBuild({name: 'epp', image: ROUTER_IMAGE})).toMatchObject({kind: 'llm-d-router', label: 'llm-d-router v0.10.0'});
    expect(eppBuild({name: 'epp', image: 'registry.example/llm-d/llm-d-inference-scheduler:v0.8.0'}).kind).toBe('llm-d-inference-scheduler');
    expect(eppBuild({name: 'epp', image: 'my.registry/team/picker:1.0'}).kind).toBe('unknown');
  });
});

describe('IGW-604 — EndpointPickerConfig fields (strict decoding, moved fields)', () => {
  it('the llm-d-router v0.10.0 sample on llm-d-router v0.10.0: ok, and no problem from 604/605/606', () => {
    const f = doctor(install({image: ROUTER_IMAGE, config: ROUTER_SAMPLE}));
    expect(one(f, 'IGW-604', 'ok').object).toEqual(EPP_CM);
    one(f, 'IGW-605', 'ok');
    one(f, 'IGW-606', 'ok');
    expect(problems(f).filter((x) => ['IGW-604', 'IGW-605', 'IGW-606', 'IGW-425'].includes(x.code))).toEqual([]);
  });

  it('an unknown top-level field on llm-d-router v0.10 → error (exits at start-up)', () => {
    const e = one(doctor(install({image: ROUTER_IMAGE, config: edited(ROUTER_SAMPLE, (c) => (c.data = {sources: []}))})), 'IGW-604', 'error');
    expect(e.object).toEqual(EPP_CM);
    expect(e.message).toContain('"data" (renamed dataLayer in GIE 1.5)');
    expect(e.message).toContain('json: unknown field "data"');
    expect(e.fix).toContain('remove or rename data');
  });

  it('the same field on GIE v1.4 is known (the chart release: ok)', () => {
    const objs = chartInstall({file: 'chart-igw-scheduling.rendered.yaml'});
    const cm = obj<Any>(objs, 'ConfigMap', `${EPP}-config`);
    cm.data['epp-config.yaml'] = edited(cm.data['epp-config.yaml'], (c) => (c.data = {sources: []}));
    expect(one(doctor(objs), 'IGW-604', 'ok').message).toContain('every field is one GIE EPP v1.4.0 accepts');
  });

  it('top-level saturationDetector on llm-d-router → warning with the block moved under flowControl', () => {
    const cfg = edited(ROUTER_SAMPLE, (c) => (c.saturationDetector = {pluginRef: 'utilization-detector'}));
    const w = one(doctor(install({image: ROUTER_IMAGE, config: cfg})), 'IGW-604', 'warning');
    expect(w.message).toContain('top-level saturationDetector, deprecated in llm-d-router v0.10.0');
    expect(w.fix).toContain('flowControl:\n  saturationDetector:\n    pluginRef: utilization-detector');
  });

  it('both saturationDetectors → warning: the top-level one is ignored', () => {
    const cfg = edited(ROUTER_SAMPLE, (c) => {
      c.saturationDetector = {pluginRef: 'a'};
      c.flowControl = {saturationDetector: {pluginRef: 'b'}};
    });
    expect(one(doctor(install({image: ROUTER_IMAGE, config: cfg})), 'IGW-604', 'warning').message).toContain('ignores the top-level one');
  });

  it('old apiVersion on llm-d-router → info (still read, deprecated)', () => {
    const cfg = edited(ROUTER_SAMPLE, (c) => (c.apiVersion = 'inference.networking.x-k8s.io/v1alpha1'));
    const f = doctor(install({image: ROUTER_IMAGE, config: cfg}));
    expect(one(f, 'IGW-604', 'info').fix).toContain('apiVersion: llm-d.ai/v1alpha1');
    one(f, 'IGW-604', 'ok');
  });

  it('a llm-d-router image tagged latest: an unknown field is a warning ("if … v0.10 or later")', () => {
    const cfg = edited(ROUTER_SAMPLE, (c) => (c.metadata = {name: 'x'}));
    const w = one(doctor(install({image: ROUTER_IMAGE.replace('v0.10.0', 'latest'), config: cfg})), 'IGW-604', 'warning');
    expect(w.message).toContain('if llm-d-router latest is llm-d-router v0.10 or later');
  });
});

describe('IGW-604 — nested fields', () => {
  it("the chart's GIE 1.4 config (inline saturationDetector) on llm-d-router v0.10 → error, fix declares a utilization-detector plugin", () => {
    const objs = chartInstall({file: 'chart-igw-scheduling.rendered.yaml'});
    obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0].image = ROUTER_IMAGE;
    const e = one(doctor(objs), 'IGW-604', 'error');
    expect(e.message).toContain('saturationDetector.queueDepthThreshold (saturationDetector takes only pluginRef; queueDepthThreshold, kvCacheUtilThreshold, metricsStalenessThreshold are the GIE ≤ 1.4 inline form)');
    expect(e.message).toContain('unknown field "saturationDetector.queueDepthThreshold"');
    expect(e.fix).toContain('- type: utilization-detector\n    parameters:\n      queueDepthThreshold: 5');
    expect(e.fix).toContain('flowControl:\n  saturationDetector:\n    pluginRef: utilization-detector');
    expect(byCode(doctor(objs), 'IGW-604').map((x) => x.severity)).toEqual(['error', 'info']);
  });

  it('a weight on a plugin and a misspelt pluginRef entry on GIE v1.5.0 → error naming both paths', () => {
    const cfg = edited(GIE_SAMPLE, (c) => {
      c.plugins[0].weight = 2;
      c.schedulingProfiles[0].plugins[1].weigth = 3;
    });
    const e = one(doctor(install({image: GIE_IMAGE, config: cfg})), 'IGW-604', 'error');
    expect(e.message).toContain('plugins[0].weight (a plugin has name, type, parameters); schedulingProfiles[0].plugins[1].weigth (a profile entry has pluginRef, weight)');
    expect(e.fix).toContain('remove plugins[0].weight (weights go on the pluginRef in schedulingProfiles[].plugins[])');
  });

  it('GIE v1.4.0 takes the inline saturationDetector: ok', () => {
    one(doctor(chartInstall({file: 'chart-igw-scheduling.rendered.yaml'})), 'IGW-604', 'ok');
  });
});

describe('IGW-605 — prefix-cache parameters', () => {
  it('GIE troubleshooting sample (blockSize … on prefix-cache-scorer) on llm-d-router v0.10 → error, params moved to approx-prefix-cache-producer', () => {
    const e = one(doctor(install({image: ROUTER_IMAGE, config: GIE_SAMPLE.replace('inference.networking.x-k8s.io/v1alpha1', 'llm-d.ai/v1alpha1')})), 'IGW-605', 'error');
    expect(e.message).toContain('has parameters blockSize, maxPrefixBlocksToMatch, lruCapacityPerServer');
    expect(e.message).toContain('("failed to decode prefix cache scorer parameters: json: unknown field "blockSize"")');
    expect(e.message).toContain('now belong to approx-prefix-cache-producer');
    const fixed = parse(e.fix!.split('\n').slice(1).join('\n')) as Any;
    expect(fixed.plugins[0]).toEqual({type: 'approx-prefix-cache-producer', parameters: {blockSize: 64, maxPrefixBlocksToMatch: 512, lruCapacityPerServer: 31250}});
    expect(fixed.plugins.find((p: Any) => p.type === 'prefix-cache-scorer')).toEqual({type: 'prefix-cache-scorer'});
  });

  it('the same sample on GIE v1.5.0 → warning: ignored (its prefix-cache-scorer takes no parameters)', () => {
    const w = one(doctor(install({image: GIE_IMAGE, config: GIE_SAMPLE})), 'IGW-605', 'warning');
    expect(w.message).toContain('which GIE EPP v1.5.0 ignores');
    expect(w.object).toEqual(EPP_CM);
  });

  it('the same sample on GIE v1.4.0 → ok (the scorer still took them)', () => {
    expect(one(doctor(install({image: GIE_IMAGE.replace('v1.5.0', 'v1.4.0'), config: GIE_SAMPLE})), 'IGW-605', 'ok').message).toContain('GIE EPP v1.4.0');
  });

  it('matchLengthWeight out of range, approx producer without a block size → errors', () => {
    const cfg = edited(ROUTER_SAMPLE, (c) => {
      c.plugins.find((p: Any) => p.type === 'prefix-cache-scorer').parameters.matchLengthWeight = 1.5;
      c.plugins.push({type: 'approx-prefix-cache-producer', parameters: {autoTune: false, blockSizeTokens: 0}});
    });
    const errs = byCode(doctor(install({image: ROUTER_IMAGE, config: cfg})), 'IGW-605').filter((x) => x.severity === 'error');
    expect(errs.map((x) => x.message)).toEqual([expect.stringContaining('matchLengthWeight 1.5 is outside 0.0–1.0'), expect.stringContaining('BlockSizeTokens must be > 0 when AutoTune is disabled')]);
  });

  it('blockSizeTokens below 64 → info (raised at request time)', () => {
    const cfg = edited(ROUTER_SAMPLE, (c) => c.plugins.push({type: 'approx-prefix-cache-producer', parameters: {blockSizeTokens: 16}}));
    expect(one(doctor(install({image: ROUTER_IMAGE, config: cfg})), 'IGW-605', 'info').message).toContain('raises it to 64');
  });
});

describe('IGW-606 — Alpha and deprecated plugin types (llm-d-router v0.10.0)', () => {
  const withAlpha = edited(ROUTER_SAMPLE, (c) => {
    c.plugins.push({type: 'session-affinity-scorer'}, {type: 'by-label', name: 'decode-only'});
  });

  it('Alpha plugin without --allow-experimental-plugins → error on the Deployment with the patch; deprecated type → warning', () => {
    const f = doctor(install({image: ROUTER_IMAGE, config: withAlpha}));
    const e = one(f, 'IGW-606', 'error');
    expect(e.object).toEqual(EPP_DEPLOY);
    expect(e.message).toContain("plugin 'session-affinity-scorer' (type: 'session-affinity-scorer') has Alpha stability level");
    expect(e.fix).toContain(`kubectl patch deployment qwen-epp -n llm --type json -p '[{"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"--allow-experimental-plugins"}]'`);
    const w = one(f, 'IGW-606', 'warning');
    expect(w.message).toContain('plugin decode-only in ConfigMap llm/qwen-epp-config key config.yaml has type by-label, deprecated in llm-d-router v0.9.0 and removed in v0.11.0: use label-selector-filter');
  });

  it('with --allow-experimental-plugins → no error', () => {
    const f = doctor(install({image: ROUTER_IMAGE, config: withAlpha, args: ['--allow-experimental-plugins']}));
    expect(byCode(f, 'IGW-606').map((x) => x.severity)).toEqual(['warning']);
  });

  it('GIE EPPs have no stability levels: nothing reported', () => {
    expect(byCode(doctor(install({image: GIE_IMAGE, config: withAlpha.replace('llm-d.ai/v1alpha1', 'inference.networking.x-k8s.io/v1alpha1')})), 'IGW-606')).toEqual([]);
  });
});

describe('IGW-425 — flags refused at start-up (llm-d-router v0.10.0 options.go)', () => {
  it('deprecated metric flag → error naming the flag, with what to remove', () => {
    const e = one(doctor(install({image: ROUTER_IMAGE, args: ['--kv-cache-usage-percentage-metric', 'vllm:kv_cache_usage_perc']})), 'IGW-425', 'error');
    expect(e.message).toContain('--kv-cache-usage-percentage-metric is refused');
    expect(e.fix).toContain('remove: --kv-cache-usage-percentage-metric vllm:kv_cache_usage_perc');
  });

  it('metrics TLS without authentication, client CA without cert dir → errors', () => {
    expect(one(doctor(install({image: ROUTER_IMAGE, args: ['--metrics-cert-dir=/certs', '--metrics-endpoint-auth=false']})), 'IGW-425', 'error').message).toContain('enables metrics TLS without authentication');
    expect(one(doctor(install({image: ROUTER_IMAGE, args: ['--metrics-client-ca-file=/ca/ca.crt']})), 'IGW-425', 'error').message).toContain('requires "metrics-cert-dir"');
  });

  it('metrics over TLS with token auth → info (scrape with https)', () => {
    expect(one(doctor(install({image: ROUTER_IMAGE, args: ['--metrics-cert-dir=/certs']})), 'IGW-425', 'info').message).toContain('over TLS');
  });

  it('the same metric flag on GIE v1.5.0 is accepted: nothing reported', () => {
    expect(byCode(doctor(install({image: GIE_IMAGE, args: ['--kv-cache-usage-percentage-metric', 'vllm:kv_cache_usage_perc']})), 'IGW-425')).toEqual([]);
  });
});

describe('IGW-426 — EPP log verbosity', () => {
  it('--v=4 → warning with a patch back to 2; -v 3 → info; --v=2 → ok', () => {
    const w = one(doctor(install({args: ['--v=4']})), 'IGW-426', 'warning');
    expect(w.message).toContain('verbosity 4 (--v=4, DEBUG)');
    expect(w.fix).toBe(`kubectl patch deployment qwen-epp -n llm --type json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/args/6","value":"--v=2"}]'`);
    const i = one(doctor(install({args: ['-v', '3']})), 'IGW-426', 'info');
    expect(i.fix).toContain('"path":"/spec/template/spec/containers/0/args/7","value":"2"');
    one(doctor(install({args: ['--v=2']})), 'IGW-426', 'ok');
  });

  it('no verbosity flag → nothing reported (the default 2)', () => {
    expect(byCode(doctor(install()), 'IGW-426')).toEqual([]);
  });
});

describe('IGW-427 — EPP replicas and leader election', () => {
  it('3 replicas without --ha-enable-leader-election → warning (prefix state per replica) with flag + lease Role', () => {
    const w = one(doctor(install({replicas: 3})), 'IGW-427', 'warning');
    expect(w.object).toEqual(EPP_DEPLOY);
    expect(w.message).toContain('3 replicas without --ha-enable-leader-election');
    expect(w.fix).toContain('"value":"--ha-enable-leader-election"');
    expect(w.fix).toContain('kubectl create role qwen-epp-leader-election -n llm --verb=get,create,update --resource=leases.coordination.k8s.io');
    expect(w.fix).toContain('--serviceaccount=llm:qwen-epp');
  });

  it('the chart release with 2 replicas: the scale-down fix is a helm upgrade of the release', () => {
    const objs = chartInstall();
    obj<Any>(objs, 'Deployment', EPP).spec.replicas = 2;
    expect(one(doctor(objs), 'IGW-427', 'warning').fix).toContain('helm upgrade igw <repo>/inference-gateway --version 0.3.0 -n llm --reuse-values --set epp.replicas=1');
  });

  it('leader election without lease RBAC → error (no leader, never Ready); with the Role → ok', () => {
    const objs = install({replicas: 2, args: ['--ha-enable-leader-election']});
    const e = one(doctor(objs), 'IGW-427', 'error');
    expect(e.message).toContain('may not get, create, update leases.coordination.k8s.io in llm');
    obj<Any>(objs, 'Role', 'qwen-epp').rules.push({apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update']});
    expect(one(doctor(objs), 'IGW-427', 'ok').message).toContain('2 replica(s) with leader election');
  });

  it('one replica → nothing reported', () => {
    expect(byCode(doctor(install()), 'IGW-427')).toEqual([]);
  });
});

describe('IGW-428 — the Lightweight EPP (GIE v1.6 lwepp)', () => {
  it('lwepp → warning; no objective RBAC demanded (501 ok), no metrics-auth RBAC demanded (502 info)', () => {
    const objs = install({image: LWEPP_IMAGE});
    const role = obj<Any>(objs, 'Role', 'qwen-epp');
    role.rules = role.rules.filter((r: Any) => !r.resources.includes('inferenceobjectives'));
    const f = doctor(objs.filter((o) => o.kind !== 'ClusterRoleBinding'));
    expect(one(f, 'IGW-428', 'warning').message).toContain('round-robin');
    expect(one(f, 'IGW-501', 'ok').message).not.toContain('inferenceobjectives');
    expect(one(f, 'IGW-502', 'info').message).toContain('Lightweight EPP');
  });

  it('the same Role on a GIE EPP → 501 still warns about objectives', () => {
    const objs = install({image: GIE_IMAGE});
    const role = obj<Any>(objs, 'Role', 'qwen-epp');
    role.rules = role.rules.filter((r: Any) => !r.resources.includes('inferenceobjectives'));
    one(doctor(objs), 'IGW-501', 'warning');
    expect(byCode(doctor(objs), 'IGW-428')).toEqual([]);
  });
});

describe('healthy installs stay quiet', () => {
  it('healthy AI Gateway install and the chart install: no new problem', () => {
    const codes = ['IGW-425', 'IGW-426', 'IGW-427', 'IGW-428', 'IGW-604', 'IGW-605', 'IGW-606'];
    expect(problems(doctor(loadObjects('healthy-ai-gateway.yaml'))).filter((x) => codes.includes(x.code))).toEqual([]);
    expect(problems(doctor(chartInstall({file: 'chart-igw-scheduling.rendered.yaml'}))).filter((x) => codes.includes(x.code))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// IGW-607/608: InferenceObjectives (upstream shape: llm-d-router config/crd/bases/llm-d.ai_inferenceobjectives.yaml,
// GIE v1.5.0 api/v1alpha2 InferenceObjective: spec.poolRef, spec.priority)

function objective(group: string, name: string, priority: number, pool = 'qwen'): KubeObject {
  return {apiVersion: `${group}/v1alpha2`, kind: 'InferenceObjective', metadata: {name, namespace: 'llm'}, spec: {poolRef: {group: 'inference.networking.k8s.io', kind: 'InferencePool', name: pool}, priority}} as KubeObject;
}
const LLMD = 'llm-d.ai';
const XK8S = 'inference.networking.x-k8s.io';

describe('IGW-607 — InferenceObjectives in the group the EPP watches', () => {
  it('llm-d-router with both CRDs served and a legacy objective → warning, fix re-creates it under llm-d.ai', () => {
    const objs = [...install({image: ROUTER_IMAGE}), objective(XK8S, 'chat', 10), objective(LLMD, 'batch', 0)];
    const w = one(doctor(objs), 'IGW-607', 'warning');
    expect(w.object).toEqual({apiVersion: `${XK8S}/v1alpha2`, kind: 'InferenceObjective', namespace: 'llm', name: 'chat'});
    expect(w.message).toContain('IGNORE legacy resources');
    expect(w.fix).toContain('apiVersion: llm-d.ai/v1alpha2\nkind: InferenceObjective\nmetadata:\n  name: chat\n  namespace: llm');
    expect(w.fix).toContain(`kubectl delete inferenceobjectives.${XK8S} chat -n llm`);
  });

  it('llm-d-router and the llm-d.ai CRD not served → the legacy group is watched: nothing reported', () => {
    const objs = [...install({image: ROUTER_IMAGE}), objective(XK8S, 'chat', 10)];
    expect(byCode(doctor(objs, {snapshot: {errors: {LlmdInferenceObjective: {reason: 'notServed', message: 'the server could not find the requested resource'}}}}), 'IGW-607').map((x) => x.severity)).toEqual(['ok']);
  });

  it('GIE EPP with an llm-d.ai objective → warning (GIE knows only x-k8s.io)', () => {
    const w = one(doctor([...install({image: GIE_IMAGE}), objective(LLMD, 'chat', 1)]), 'IGW-607', 'warning');
    expect(w.message).toContain(`knows only ${XK8S} objectives`);
  });

  it('an objective of another pool is not this chain\'s business', () => {
    expect(byCode(doctor([...install({image: ROUTER_IMAGE}), objective(XK8S, 'chat', 1, 'other')]), 'IGW-607')).toEqual([]);
  });
});

describe('IGW-608 — sheddable objectives', () => {
  it('negative priority → info (dropped first with 429 under saturation); 0 → nothing', () => {
    const f = doctor([...install({image: ROUTER_IMAGE}), objective(LLMD, 'batch', -1), objective(LLMD, 'chat', 0)]);
    const i = one(f, 'IGW-608', 'info');
    expect(i.object?.name).toBe('batch');
    expect(i.message).toContain('priority -1');
    expect(i.message).toContain('429');
    expect(byCode(f, 'IGW-608')).toHaveLength(1);
  });
});

describe('IGW-609 — llm-d-router role filters (label llm-d.ai/role)', () => {
  const withPrefill = edited(ROUTER_SAMPLE, (c) => {
    c.plugins.push({type: 'prefill-filter'});
    c.schedulingProfiles.push({name: 'prefill', plugins: [{pluginRef: 'prefill-filter'}, {pluginRef: 'max-score-picker'}]});
  });
  const labelPods = (objs: KubeObject[], role: string) => {
    for (const p of objs.filter((o) => o.kind === 'Pod' && o.metadata.name.startsWith('qwen-predictor-'))) p.metadata.labels = {...p.metadata.labels, 'llm-d.ai/role': role};
    return objs;
  };

  it('the sample (decode-filter) with unlabelled pods: decode-filter keeps them (allowsNoLabel) → ok', () => {
    expect(one(doctor(install({image: ROUTER_IMAGE, config: ROUTER_SAMPLE})), 'IGW-609', 'ok').message).toContain('decode-filter (decode-filter) keeps 2 of 2 pod(s)');
  });

  it('prefill-filter with unlabelled pods → warning with the label command', () => {
    const w = one(doctor(install({image: ROUTER_IMAGE, config: withPrefill})), 'IGW-609', 'warning');
    expect(w.message).toContain('prefill-filter (prefill-filter) in profile prefill');
    expect(w.message).toContain('llm-d.ai/role label is not set');
    expect(w.fix).toContain('kubectl label pods -n llm qwen-predictor-7d9f8c6b5-abcde qwen-predictor-7d9f8c6b5-fghij llm-d.ai/role=prefill');
  });

  it('every pod labelled prefill → decode-filter keeps none → error (503), prefill-filter ok', () => {
    const f = doctor(labelPods(install({image: ROUTER_IMAGE, config: withPrefill}), 'prefill'));
    expect(one(f, 'IGW-609', 'error').message).toContain('labels are prefill');
    one(f, 'IGW-609', 'ok');
  });

  it('GIE EPPs have no role filters: not judged', () => {
    expect(byCode(doctor(install({image: GIE_IMAGE, config: withPrefill.replace('llm-d.ai/v1alpha1', 'inference.networking.x-k8s.io/v1alpha1')})), 'IGW-609')).toEqual([]);
  });
});
