import {describe, expect, it} from 'vitest';
import {chartInstall, EPP, SCHEDULING_FILE} from '../chart-fixture.ts';
import {byCode, doctor, obj, one} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('phase 6 — scheduling config', () => {

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
});
