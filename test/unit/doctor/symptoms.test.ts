import {describe, expect, it} from 'vitest';
import {catalog} from '../../../src/checks/catalog.ts';
import {conclude, playbookCodes, renderSymptomList, SYMPTOMS, symptomByName, withDependencies} from '../../../src/doctor/symptoms.ts';
import {doctorRun, parseWait} from '../../../src/doctor/session.ts';
import {runDoctor} from '../../../src/doctor/run.ts';
import {loadObjects, NOW, obj, snap} from '../checks/fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('symptom playbooks', () => {
  it('the nine symptoms of issue 4 and 429 (issue 11), each with checks that exist', () => {
    expect(SYMPTOMS.map((s) => s.name)).toEqual(['epp-not-starting', 'gateway-not-programmed', 'ext-proc-not-routing', '503', '500', '429', 'no-streaming', 'high-latency', 'config-not-applied', 'metrics-unauthorized']);
    const codes = new Set(catalog().map((c) => c.code));
    for (const s of SYMPTOMS) for (const c of s.codes) expect(codes.has(c), `${s.name}: ${c}`).toBe(true);
    expect(renderSymptomList()).toContain('no-streaming');
  });

  it('dependencies are pulled in so root causes still block', () => {
    const all = withDependencies(['IGW-304'], catalog());
    expect(all).toEqual(expect.arrayContaining(['IGW-304', 'IGW-303', 'IGW-301']));
  });

  it('503 with no ready pods concludes with the root cause and its fix', () => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    obj<Any>(objs, 'InferencePool', 'qwen').spec.selector.matchLabels = {app: 'nothing'};
    const s = symptomByName('503')!;
    const report = runDoctor(snap(objs), {now: NOW, codes: withDependencies(playbookCodes(s, catalog()), catalog())});
    const c = conclude(s, report.findings);
    expect(c).toContain('most likely IGW-303 (InferencePool llm/qwen)');
    expect(c).toContain('Fix:\nkubectl patch inferencepool qwen -n llm');
  });

  it('healthy: the conclusion says no check found a cause and what to do next', () => {
    const s = symptomByName('no-streaming')!;
    const report = runDoctor(snap(loadObjects('healthy-ai-gateway.yaml')), {now: NOW, codes: withDependencies(playbookCodes(s, catalog()), catalog())});
    expect(conclude(s, report.findings)).toMatch(/^None of the \d+ checks for "stream: true responses arrive in one piece or are cut off" found a cause/);
  });

  it('doctorRun rejects an unknown symptom and --overlay without files (usage, exit 2)', async () => {
    await expect(doctorRun({symptom: 'slow'}, async () => { throw new Error('no cluster'); })).rejects.toMatchObject({exitCode: 2});
    await expect(doctorRun({overlay: true}, async () => { throw new Error('no cluster'); })).rejects.toMatchObject({exitCode: 2});
  });

  it('parseWait: Go durations and bare seconds', () => {
    expect(parseWait('2m')).toBe(120_000);
    expect(parseWait('1m30s')).toBe(90_000);
    expect(parseWait('45')).toBe(45_000);
    expect(() => parseWait('soon')).toThrow(/not a duration/);
  });
});
