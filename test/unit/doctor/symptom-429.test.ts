// The 429 playbook (issue 11, "requests shed"): which checks it runs, in which order, and what it
// concludes. Fixture: the chart's install with its EPP switched to llm-d-router v0.10.0 and a
// utilization-detector whose kvCacheUtilThreshold was written as a percentage.
import {describe, expect, it} from 'vitest';
import {catalog} from '../../../src/checks/catalog.ts';
import {conclude, playbookCodes, symptomByName, withDependencies} from '../../../src/doctor/symptoms.ts';
import {runDoctor} from '../../../src/doctor/run.ts';
import {chartInstall, EPP, SCHEDULING_FILE} from '../checks/chart-fixture.ts';
import {NOW, obj, snap} from '../checks/fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('doctor --symptom 429', () => {
  it('ranks shedding first: flow control outcomes, saturation detector, sheddable objectives, KV-cache, the config forms, then what one request showed (--request)', () => {
    const s = symptomByName('429')!;
    expect(s.codes).toEqual(['IGW-508', 'IGW-510', 'IGW-608', 'IGW-506', 'IGW-604', 'IGW-602', 'IGW-607', 'IGW-807']);
    expect(s.summary).toContain('x-llm-d-request-dropped-reason');
  });

  it('a detector threshold written as a percentage → concludes with IGW-510 and its fix', () => {
    const objs = chartInstall({file: SCHEDULING_FILE});
    obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0].image = 'registry.example/llm-d/llm-d-router-endpoint-picker:v0.10.0';
    obj<Any>(objs, 'ConfigMap', `${EPP}-config`).data['epp-config.yaml'] = [
      'apiVersion: llm-d.ai/v1alpha1',
      'kind: EndpointPickerConfig',
      'plugins:',
      '- type: queue-scorer',
      '- type: max-score-picker',
      '- type: utilization-detector',
      '  parameters: {kvCacheUtilThreshold: 80}',
      'schedulingProfiles:',
      '- name: default',
      '  plugins:',
      '  - pluginRef: queue-scorer',
      '  - pluginRef: max-score-picker',
      '',
    ].join('\n');
    const s = symptomByName('429')!;
    const report = runDoctor(snap(objs), {now: NOW, codes: withDependencies(playbookCodes(s, catalog()), catalog())});
    const c = conclude(s, report.findings);
    expect(c).toContain(`most likely IGW-510 (ConfigMap llm/${EPP}-config)`);
    expect(c).toContain('kvCacheUtilThreshold: 0.8');
  });
});
