import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {GIE_PLUGINS, LLM_D_ROUTER_PLUGINS} from '../../../src/model/epp-plugins.ts';
import type {KubeObject} from '../../../src/kube/client.ts';
import {byCode, doctor, loadObjects, obj, one, problems} from './fixture.ts';
import {chartInstall, EPP, SCHEDULING_FILE} from './chart-fixture.ts';
import {can, ruleAllows} from '../../../src/model/rbac.ts';
import {snap} from './fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const healthy = loadObjects('healthy-ai-gateway.yaml');

describe('phase 5 — EPP runtime (RBAC)', () => {
  it('healthy: the EPP may watch what it needs and check /metrics tokens', () => {
    const f = doctor(chartInstall());
    expect(one(f, 'IGW-501', 'ok').message).toContain('may get/list/watch pods, inferencepools.inference.networking.k8s.io, inferenceobjectives.inference.networking.x-k8s.io in llm');
    expect(one(f, 'IGW-502', 'ok').message).toContain('its own token may get /metrics');
  });

  it('IGW-501: Role without pods → error with kubectl create role/rolebinding for the real ServiceAccount', () => {
    const objs = chartInstall();
    obj<Any>(objs, 'Role', EPP).rules = obj<Any>(objs, 'Role', EPP).rules.filter((r: Any) => !r.resources.includes('pods'));
    const e = one(doctor(objs), 'IGW-501', 'error');
    expect(e.message).toContain(`ServiceAccount llm/${EPP} of EPP ${EPP} may not get pods, list pods, watch pods in llm`);
    expect(e.fix).toBe(`kubectl create role ${EPP}-access -n llm --verb=get,list,watch --resource=pods\nkubectl create rolebinding ${EPP}-access -n llm --role=${EPP}-access --serviceaccount=llm:${EPP}`);
  });

  it('IGW-501: EPP switched to --pool-group x-k8s.io while the pool is v1 → IGW-105 is the cause, 501 and 405 blocked by it', () => {
    const objs = chartInstall();
    const args: string[] = obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0].args;
    args[args.indexOf('--pool-group') + 1] = 'inference.networking.x-k8s.io';
    const f = doctor(objs);
    one(f, 'IGW-105', 'error');
    expect(one(f, 'IGW-501', 'blocked').blockedBy).toEqual(['IGW-105']);
    expect(one(f, 'IGW-405', 'blocked').blockedBy).toEqual(['IGW-105']);
  });

  it('IGW-501: an x-k8s.io pool and EPP, Role only for k8s.io pools → error naming inferencepools.inference.networking.x-k8s.io', () => {
    const objs = chartInstall();
    const pool = obj<Any>(objs, 'InferencePool', 'qwen');
    pool.apiVersion = 'inference.networking.x-k8s.io/v1alpha2';
    pool.spec = {selector: {'serving.kserve.io/inferenceservice': 'qwen'}, targetPortNumber: 8080, extensionRef: {name: EPP, portNumber: 9002}};
    delete pool.status;
    obj<Any>(objs, 'HTTPRoute', 'qwen').spec.rules[0].backendRefs[0].group = 'inference.networking.x-k8s.io';
    const args: string[] = obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0].args;
    args[args.indexOf('--pool-group') + 1] = 'inference.networking.x-k8s.io';
    const e = doctor(objs).find((x) => x.code === 'IGW-501' && x.severity === 'error')!;
    expect(e.fix).toContain('--resource=inferencepools.inference.networking.x-k8s.io');
  });

  it('IGW-501: RBAC objects unreadable → skipped as unknown with the Role needed', () => {
    const f = doctor(chartInstall(), {snapshot: {errors: {ClusterRoleBinding: {reason: 'forbidden', message: 'forbidden', rule: 'kubectl create clusterrole infgw-reader --verb=list --resource=clusterrolebindings.rbac.authorization.k8s.io'}}}});
    const s = one(f, 'IGW-501', 'skipped');
    expect(s.message).toContain('unknown');
    expect(s.message).toContain('get, list, watch on pods and inferencepools.inference.networking.k8s.io');
    expect(s.fix).toContain('clusterrolebindings');
  });

  it('IGW-502: no tokenreviews permission → warning (metrics 401/500) with clusterrole commands', () => {
    const objs = chartInstall().filter((o) => o.kind !== 'ClusterRoleBinding');
    const w = one(doctor(objs), 'IGW-502', 'warning');
    expect(w.message).toContain('may not create tokenreviews.authentication.k8s.io, subjectaccessreviews.authorization.k8s.io');
    expect(w.fix).toContain(`--serviceaccount=llm:${EPP}`);
  });

  it('IGW-503: GIE EPP v1.4 behind a streamed response → info about GIE#2993', () => {
    expect(one(doctor(chartInstall()), 'IGW-503', 'info').message).toMatch(/v1\.4\.0.*GIE#2993/);
  });

  // issue 11 item 3: the fix PRs were closed unmerged — every released EPP copies transfer-encoding
  for (const image of ['registry.example/gateway-api-inference-extension/epp:v1.5.0', 'registry.example/llm-d/llm-d-router-endpoint-picker:v0.10.0', 'registry.example/llm-d/llm-d-inference-scheduler:v0.8.0']) {
    const tag = image.split(':').pop()!;
    it(`IGW-503: ${image.replace(/^[^/]+\//, '<registry>/')} → info (not fixed), no "upgrade" advice`, () => {
      const objs = chartInstall();
      obj<Record<string, any>>(objs, 'Deployment', EPP).spec.template.spec.containers[0].image = image; // eslint-disable-line @typescript-eslint/no-explicit-any
      const i = one(doctor(objs), 'IGW-503', 'info');
      expect(i.message).toContain(tag);
      expect(i.message).toContain('GIE#2993');
      expect(i.message).toContain('not fixed upstream');
      expect(`${i.message}\n${i.fix}`).not.toMatch(/upgrade|fixed after|fixed in/i);
      expect(i.fix).toContain('No EPP release strips transfer-encoding');
      expect(i.fix).toContain('ProtocolHeaders in pkg/epp/util/request/headers.go');
    });
  }

  it('rbac evaluator: wildcards, resourceNames, groups of service accounts', () => {
    expect(ruleAllows({apiGroups: ['*'], resources: ['*'], verbs: ['*']}, {group: 'x', resource: 'y', verb: 'list'})).toBe(true);
    expect(ruleAllows({apiGroups: [''], resources: ['pods'], verbs: ['list'], resourceNames: ['a']}, {group: '', resource: 'pods', verb: 'list'})).toBe(false);
    const objs: KubeObject[] = [
      {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: {name: 'view-pods'}, rules: [{apiGroups: [''], resources: ['pods'], verbs: ['list']}]} as KubeObject,
      {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: {name: 'all-sas', namespace: 'llm'}, subjects: [{kind: 'Group', name: 'system:serviceaccounts:llm'}], roleRef: {kind: 'ClusterRole', name: 'view-pods'}} as KubeObject,
    ];
    const s = snap(objs);
    expect(can(s, {namespace: 'llm', name: 'x'}, {group: '', resource: 'pods', verb: 'list', namespace: 'llm'})).toEqual({allowed: true, via: 'RoleBinding llm/all-sas → ClusterRole view-pods'});
    expect(can(s, {namespace: 'other', name: 'x'}, {group: '', resource: 'pods', verb: 'list', namespace: 'llm'})).toEqual({allowed: false});
  });
});

describe('phase 6 — scheduling config', () => {
  it('the chart with schedulingConfig enabled: config valid, weights 60/30/10, EPP started after the ConfigMap', () => {
    const f = doctor(chartInstall({file: SCHEDULING_FILE}));
    // the chart's plaintext EPP next to the AI Gateway wiring (IGW-411, issue 11 item 2) and the double wiring
    expect(problems(f).map((x) => x.code)).toEqual(['IGW-411', 'IGW-413']);
    expect(one(f, 'IGW-601', 'ok').message).toContain(`started after ConfigMap ${EPP}-config last changed`);
    expect(one(f, 'IGW-602', 'ok').message).toContain('EndpointPickerConfig inference.networking.x-k8s.io/v1alpha1: 5 plugins');
  });

  it('IGW-601: ConfigMap changed after the EPP started → warning, fix restarts the EPP of the release', () => {
    const objs = chartInstall({file: SCHEDULING_FILE});
    obj<Any>(objs, 'ConfigMap', `${EPP}-config`).metadata.managedFields = [{manager: 'kubectl-edit', operation: 'Update', time: '2026-11-21T11:30:00Z'}];
    const w = one(doctor(objs), 'IGW-601', 'warning');
    expect(w.message).toContain('changed 30m ago, after EPP pods');
    expect(w.fix).toBe('kubectl infgw restart epp -r igw -n llm');
  });

  it('IGW-601: the mounted ConfigMap is missing → error (pods stuck in ContainerCreating)', () => {
    const objs = chartInstall({file: SCHEDULING_FILE}).filter((o) => !(o.kind === 'ConfigMap' && o.metadata.name === `${EPP}-config`));
    const f = doctor(objs);
    expect(one(f, 'IGW-601', 'error').message).toContain('does not exist');
    expect(one(f, 'IGW-602', 'blocked').blockedBy).toEqual(['IGW-601']);
  });

  it('IGW-602: a pluginRef to an undefined plugin → error; GIE 1.5 with inline saturationDetector → warning; weights not 100 → warning', () => {
    const objs = chartInstall({file: SCHEDULING_FILE});
    const cm = obj<Any>(objs, 'ConfigMap', `${EPP}-config`);
    cm.data['epp-config.yaml'] = cm.data['epp-config.yaml'].replace('- pluginRef: queue-scorer', '- pluginRef: queue-scorerr');
    expect(one(doctor(objs), 'IGW-602', 'error').message).toContain('refers to plugin "queue-scorerr"');

    const objs2 = chartInstall({file: SCHEDULING_FILE});
    const c = obj<Any>(objs2, 'Deployment', EPP).spec.template.spec.containers[0];
    c.image = 'registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0';
    const cm2 = obj<Any>(objs2, 'ConfigMap', `${EPP}-config`);
    cm2.data['epp-config.yaml'] = cm2.data['epp-config.yaml'].replace('weight: 60', 'weight: 3');
    const ws = byCode(doctor(objs2), 'IGW-602').filter((x) => x.severity === 'warning').map((x) => x.message);
    expect(ws.some((m) => m.includes('GIE ≤ 1.4 form'))).toBe(true);
    expect(ws.some((m) => m.includes('sum to 43'))).toBe(true);
  });

  it('no custom config: nothing to check in phase 6', () => {
    const f = doctor(healthy);
    expect(byCode(f, 'IGW-601')).toEqual([]);
    expect(byCode(f, 'IGW-602')).toEqual([]);
  });
});

describe('phase 6 — plugin types and the saturationDetector form', () => {
  it('a misspelt plugin type (max-scorer-picker) → error naming it, fix names max-score-picker', () => {
    const objs = chartInstall({file: SCHEDULING_FILE});
    const cm = obj<Any>(objs, 'ConfigMap', `${EPP}-config`);
    cm.data['epp-config.yaml'] = cm.data['epp-config.yaml'].replaceAll('max-score-picker', 'max-scorer-picker');
    const e = one(doctor(objs), 'IGW-602', 'error');
    expect(e.message).toContain('plugin type "max-scorer-picker" is not a registered plugin type (did you mean "max-score-picker"?)');
    expect(e.fix).toContain('max-score-picker');
  });

  it('GIE v1.5 with inline thresholds → the pluginRef form as fix', () => {
    const objs = chartInstall({file: SCHEDULING_FILE});
    obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0].image = 'registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0';
    const w = doctor(objs).find((x) => x.code === 'IGW-602' && x.message.includes('GIE ≤ 1.4 form'))!;
    expect(w.fix).toContain('type: utilization-detector');
    expect(w.fix).toContain('pluginRef: utilization-detector');
    expect(w.fix).toContain('queueDepthThreshold: 5');
  });

  it('editDistance', async () => {
    const {editDistance} = await import('../../../src/checks/phase6-scheduling/scheduling-config.ts');
    expect(editDistance('max-scorer-picker', 'max-score-picker')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('IGW-603 — metric names across versions', () => {
  it('GIE EPP v1.2 with vLLM v0.12 → error (vllm:gpu_cache_usage_perc is gone), fix sets the new name', () => {
    const objs = chartInstall();
    obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0].image = 'registry.k8s.io/gateway-api-inference-extension/epp:v1.2.1';
    for (const p of objs.filter((o) => o.kind === 'Pod' && o.metadata.name.startsWith('qwen-predictor')) as Any[]) p.spec.containers[0].image = 'docker.io/vllm/vllm-openai:v0.12.0';
    const e = one(doctor(objs), 'IGW-603', 'error');
    expect(e.message).toContain('vllm:gpu_cache_usage_perc by default');
    expect(e.fix).toContain('--kv-cache-usage-percentage-metric=vllm:kv_cache_usage_perc');
  });

  it('the chart default (GIE v1.4) with vLLM v0.12 → nothing to say', () => {
    const objs = chartInstall();
    for (const p of objs.filter((o) => o.kind === 'Pod' && o.metadata.name.startsWith('qwen-predictor')) as Any[]) p.spec.containers[0].image = 'docker.io/vllm/vllm-openai:v0.12.0';
    expect(byCode(doctor(objs), 'IGW-603')).toEqual([]);
  });
});

describe('IGW-602: plugin types of the EPP release in use (issue 11 item 5)', () => {
  /** The scheduling chart with this EPP image and plugin list (each plugin also in the profile). */
  function withPlugins(image: string, types: string[], extraArgs: string[] = []): KubeObject[] {
    const objs = chartInstall({file: SCHEDULING_FILE});
    const c = obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0];
    c.image = image;
    c.args.push(...extraArgs);
    const cm = obj<Any>(objs, 'ConfigMap', `${EPP}-config`);
    cm.data['epp-config.yaml'] = stringify({
      apiVersion: 'llm-d.ai/v1alpha1',
      kind: 'EndpointPickerConfig',
      plugins: [...types.map((type) => ({type})), {type: 'max-score-picker'}],
      schedulingProfiles: [{name: 'default', plugins: [...types.map((t) => ({pluginRef: t})), {pluginRef: 'max-score-picker'}]}],
    });
    return objs;
  }
  const LLM_D = 'registry.example/llm-d/llm-d-router-endpoint-picker:v0.10.0';
  const GIE = 'registry.example/gateway-api-inference-extension/epp:v1.5.0';

  it('the lists: GIE v1.5.0 registers 36 types, llm-d-router v0.10.0 96 (98 registrations); encode-filter is real', () => {
    expect(GIE_PLUGINS.types.size).toBe(36);
    expect(LLM_D_ROUTER_PLUGINS.types.size).toBe(96);
    expect(LLM_D_ROUTER_PLUGINS.types.get('encode-filter')).toEqual({type: 'encode-filter', stability: 'Beta'});
    expect(LLM_D_ROUTER_PLUGINS.types.get('by-label')?.deprecated).toEqual({deprecatedIn: 'v0.9.0', removalIn: 'v0.11.0', replacement: 'label-selector-filter'});
    expect(GIE_PLUGINS.types.has('decode-filter')).toBe(false);
  });

  it('llm-d-router v0.10.0: a typo → error with "did you mean"; an Alpha plugin without --allow-experimental-plugins → error; a deprecated one → warning', () => {
    const f = byCode(doctor(withPlugins(LLM_D, ['prefix-cache-scorrer', 'session-affinity-scorer', 'by-label'])), 'IGW-602');
    const e = f.find((x) => x.severity === 'error')!;
    expect(e.message).toContain(`plugin type "prefix-cache-scorrer" is not registered in llm-d-router v0.10.0 — the EPP exits with "plugin type 'prefix-cache-scorrer' is not registered" (did you mean "prefix-cache-scorer"?)`);
    expect(e.message).toContain('plugin type "session-affinity-scorer" has Alpha stability in llm-d-router v0.10.0, and --allow-experimental-plugins is not set');
    expect(e.fix).toContain('type: prefix-cache-scorrer → type: prefix-cache-scorer');
    expect(e.fix).toContain('"value":"--allow-experimental-plugins"');
    const w = f.filter((x) => x.severity === 'warning');
    expect(w.map((x) => x.message)).toEqual([`EPP ${EPP}: plugin type "by-label" is deprecated since v0.9.0 (removal in v0.11.0): use "label-selector-filter"`]);
  });

  it('llm-d-router v0.10.0: encode-filter is not a typo of decode-filter; Alpha with --allow-experimental-plugins is fine', () => {
    const f = byCode(doctor(withPlugins(LLM_D, ['encode-filter', 'decode-filter', 'session-affinity-scorer'], ['--allow-experimental-plugins'])), 'IGW-602');
    expect(f.map((x) => x.severity)).toEqual(['ok']);
  });

  it('GIE v1.5.0: an llm-d-router plugin → error (not available there); a type far from every known one → error too (exact list)', () => {
    const f = byCode(doctor(withPlugins(GIE, ['decode-filter', 'my-own-scorer'])), 'IGW-602');
    const e = f.find((x) => x.severity === 'error')!;
    expect(e.message).toContain('plugin type "decode-filter" is not registered in GIE v1.5.0 (it is an llm-d-router plugin, not available in GIE v1.5.0)');
    expect(e.message).toContain('plugin type "my-own-scorer" is not registered in GIE v1.5.0');
  });

  it('GIE v1.5.0: a test-only plugin → info', () => {
    const f = byCode(doctor(withPlugins(GIE, ['header-based-testing-filter'])), 'IGW-602');
    expect(f.find((x) => x.severity === 'info')!.message).toContain('conformance tests only');
    expect(f.filter((x) => x.severity === 'error' || x.severity === 'warning')).toEqual([]);
  });

  it('another release of a known EPP, or an unknown image: only near-typos are called mistakes', () => {
    expect(byCode(doctor(withPlugins('registry.example/llm-d/llm-d-router-endpoint-picker:v0.11.0', ['brand-new-scorer'])), 'IGW-602').map((x) => x.severity)).toEqual(['ok']);
    const e = one(doctor(withPlugins('registry.example/custom/epp:dev', ['queue-scorr'])), 'IGW-602', 'error');
    expect(e.message).toContain('(did you mean "queue-scorer"?)');
  });
});

