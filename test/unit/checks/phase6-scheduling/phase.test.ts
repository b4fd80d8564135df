import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../../src/kube/client.ts';
import {can, ruleAllows} from '../../../../src/model/rbac.ts';
import {chartInstall, EPP, SCHEDULING_FILE} from '../chart-fixture.ts';
import {byCode, doctor, loadObjects, obj, one, problems, snap} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const healthy = loadObjects('healthy-ai-gateway.yaml');

describe('phase 5 — EPP runtime (RBAC)', () => {
  it('healthy: the EPP may watch what it needs and check /metrics tokens', () => {
    const f = doctor(chartInstall());
    expect(one(f, 'IGW-501', 'ok').message).toContain('may get/list/watch pods, inferencepools.inference.networking.k8s.io, inferenceobjectives.inference.networking.x-k8s.io in llm');
    expect(one(f, 'IGW-502', 'ok').message).toContain('its own token may get /metrics');
  });

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
    const {editDistance} = await import('../../../../src/checks/phase6-scheduling/scheduling-config.ts');
    expect(editDistance('max-scorer-picker', 'max-score-picker')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
