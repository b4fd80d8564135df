import {describe, expect, it} from 'vitest';
import {subset} from '../../../../src/checks/phase4-chart/release.ts';
import {durationMs} from '../../../../src/k8s/duration.ts';
import {chartInstall, EPP} from '../chart-fixture.ts';
import {doctor, one, without} from '../fixture.ts';

describe('phase 4 — the inference-gateway chart', () => {

  it('IGW-301: a release whose pool does not exist (no pool points at its EPP either) → error with an InferencePool to apply', () => {
    const objs = without(chartInstall(), 'InferencePool', 'qwen');
    const f = doctor(objs);
    const e = one(f, 'IGW-301', 'error');
    expect(e.message).toBe("InferencePool llm/qwen (inference.networking.k8s.io) does not exist, but release igw's EPP serves it (--pool-name=qwen): the EPP finds no endpoints and every request fails");
    expect(e.fix).toContain('serving.kserve.io/inferenceservice: qwen');
    expect(e.fix).toContain('- number: 8080');
    expect(e.fix).not.toContain('# set selector');
    expect(e.fix).toContain(`name: ${EPP}`);
    for (const code of ['IGW-303', 'IGW-306', 'IGW-408']) expect(one(f, code, 'blocked').blockedBy).toEqual(['IGW-301']);
  });

  it('helpers: subset ignores server defaults; durationMs parses Gateway API durations', () => {
    expect(subset({a: [{b: 1}]}, {a: [{b: '1', c: 2}], d: 3})).toBe(true);
    expect(subset({a: [1, 2]}, {a: [1]})).toBe(false);
    expect(durationMs('200ms')).toBe(200);
    expect(durationMs('1m30s')).toBe(90_000);
    expect(durationMs('10x')).toBeUndefined();
  });
});

describe('requests R6', () => {
  it("the release's EPP Service deleted → IGW-306's fix re-applies the release", () => {
    const e = one(doctor(without(chartInstall(), 'Service', EPP)), 'IGW-306', 'error');
    expect(e.fix).toBe('helm get manifest igw -n llm | kubectl apply -f -   # the release\'s EPP Service was deleted');
  });
});
