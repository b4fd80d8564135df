// IGW-510: the saturation detector's thresholds (issue 11, requests shed / 429). Fixtures: the chart's
// GIE v1.4.0 EPP with its inline saturationDetector (the real `helm template` output), and the same
// install switched to llm-d-router v0.10.0 with a `utilization-detector` plugin as that build's config
// loader reads it (pkg/epp/framework/plugins/flowcontrol/saturationdetector/utilization/config.go).
import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../../src/kube/client.ts';
import {chartInstall, EPP, SCHEDULING_FILE} from '../chart-fixture.ts';
import {byCode, doctor, obj, one} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const CM = `${EPP}-config`;
const KEY = 'epp-config.yaml';

function inline(sd: string, args: string[] = []): KubeObject[] {
  const objs = chartInstall({file: SCHEDULING_FILE});
  const cm = obj<Any>(objs, 'ConfigMap', CM);
  cm.data[KEY] = (cm.data[KEY] as string).replace(/saturationDetector:\n(?: {2}.*\n?)+/, `saturationDetector:\n${sd}\n`);
  if (args.length) for (const kind of ['Deployment']) obj<Any>(objs, kind, EPP).spec.template.spec.containers[0].args.push(...args);
  return objs;
}

const ROUTER = 'registry.example/llm-d/llm-d-router-endpoint-picker:v0.10.0';
function router(parameters: Record<string, unknown>): KubeObject[] {
  const objs = chartInstall({file: SCHEDULING_FILE});
  const d = obj<Any>(objs, 'Deployment', EPP);
  d.spec.template.spec.containers[0].image = ROUTER;
  const cm = obj<Any>(objs, 'ConfigMap', CM);
  cm.data[KEY] = [
    'apiVersion: llm-d.ai/v1alpha1',
    'kind: EndpointPickerConfig',
    'plugins:',
    '- type: queue-scorer',
    '- type: max-score-picker',
    '- name: detector',
    '  type: utilization-detector',
    `  parameters: ${JSON.stringify(parameters)}`,
    'schedulingProfiles:',
    '- name: default',
    '  plugins:',
    '  - pluginRef: queue-scorer',
    '  - pluginRef: max-score-picker',
    'flowControl:',
    '  saturationDetector:',
    '    pluginRef: detector',
    '',
  ].join('\n');
  return objs;
}

describe('IGW-510: saturation detector thresholds', () => {
  it("the chart's GIE v1.4.0 inline thresholds (5, 0.8, 200ms) → ok naming them", () => {
    const f = doctor(chartInstall({file: SCHEDULING_FILE}));
    expect(byCode(f, 'IGW-510').map((x) => x.severity)).toEqual(['ok']);
    expect(one(f, 'IGW-510', 'ok').message).toBe(`ConfigMap llm/${CM} key ${KEY}: saturation detector queueDepthThreshold 5, kvCacheUtilThreshold 0.8, metricsStalenessThreshold 200ms (metrics refreshed every 50ms)`);
  });

  it('GIE v1.4.0, kvCacheUtilThreshold 1.5 and queueDepthThreshold 0 → warning: silently replaced by the defaults', () => {
    const w = one(doctor(inline('  queueDepthThreshold: 0\n  kvCacheUtilThreshold: 1.5\n  metricsStalenessThreshold: 200ms')), 'IGW-510', 'warning');
    expect(w.message).toContain('saturationDetector.queueDepthThreshold 0 (must be strictly positive), saturationDetector.kvCacheUtilThreshold 1.5 (must be in (0.0, 1.0])');
    expect(w.message).toContain('silently uses the default instead (queueDepthThreshold 5, kvCacheUtilThreshold 0.8)');
    expect(w.fix).toContain('queueDepthThreshold: 5');
    expect(w.object).toMatchObject({kind: 'ConfigMap', name: CM});
  });

  it('metricsStalenessThreshold 50ms with the default 50ms refresh → warning: the pool reads saturated while idle (429 for sheddable)', () => {
    const w = one(doctor(inline('  queueDepthThreshold: 5\n  kvCacheUtilThreshold: 0.8\n  metricsStalenessThreshold: 50ms')), 'IGW-510', 'warning');
    expect(w.message).toContain(`metricsStalenessThreshold 50ms is not longer than EPP ${EPP}'s metrics refresh interval 50ms (--refresh-metrics-interval default)`);
    expect(w.message).toContain('sheddable requests get 429');
    expect(w.fix).toContain('metricsStalenessThreshold: 200ms');
  });

  it('staleness 200ms but --refresh-metrics-interval=1s → warning naming the flag value', () => {
    const w = one(doctor(inline('  metricsStalenessThreshold: 200ms', ['--refresh-metrics-interval=1s'])), 'IGW-510', 'warning');
    expect(w.message).toContain("metrics refresh interval 1s:");
    expect(w.fix).toContain('metricsStalenessThreshold: 4s');
  });

  it('llm-d-router v0.10.0, utilization-detector kvCacheUtilThreshold 80 (a percentage) → error: the EPP exits', () => {
    const e = one(doctor(router({kvCacheUtilThreshold: 80})), 'IGW-510', 'error');
    expect(e.message).toContain('plugin detector (utilization-detector) parameters kvCacheUtilThreshold 80 (must be in (0.0, 1.0]): llm-d-router v0.10.0 exits at start-up ("invalid utilization detector configuration: kvCacheUtilThreshold must be in (0.0, 1.0]")');
    expect(e.fix).toContain('kvCacheUtilThreshold: 0.8');
  });

  it('llm-d-router v0.10.0, valid plugin parameters → ok with the configured values', () => {
    const f = doctor(router({queueDepthThreshold: 8, metricsStalenessThreshold: '300ms'}));
    expect(one(f, 'IGW-510', 'ok').message).toContain('queueDepthThreshold 8, kvCacheUtilThreshold 0.8 (default), metricsStalenessThreshold 300ms');
  });
});
