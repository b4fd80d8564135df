import {describe, expect, it} from 'vitest';
import {catalog} from '../../../src/checks/catalog.ts';
import {codeMatcher, selection} from '../../../src/doctor/run.ts';
import {runChecks} from '../../../src/checks/runner.ts';
import {discover} from '../../../src/model/target.ts';
import type {Check} from '../../../src/checks/types.ts';
import {doctor, loadObjects, snap} from './fixture.ts';

describe('catalog and runner', () => {
  it('codes are unique, IGW-nnn, the hundreds digit is the phase, and every dependency comes first', () => {
    const cs = catalog();
    const seen = new Set<string>();
    for (const c of cs) {
      expect(c.code).toMatch(/^IGW-\d{3}$/);
      expect(Number(c.code.slice(4, 5)), c.code).toBe(c.phase);
      expect(seen.has(c.code), c.code).toBe(false);
      for (const d of c.dependsOn ?? []) expect(seen.has(d), `${c.code} depends on ${d}, which must run before it`).toBe(true);
      seen.add(c.code);
    }
    expect(cs.length).toBeGreaterThanOrEqual(35);
  });

  it('blocked propagates the root cause, per chain', () => {
    const a: Check = {code: 'IGW-901', phase: 1, scope: 'chain', title: 'a', reads: [], readme: {checks: '', failure: ''}, run: ({chain}) => [{severity: chain.name === 'qwen' ? 'error' : 'ok', message: 'a'}]};
    const b: Check = {code: 'IGW-902', phase: 1, scope: 'chain', title: 'b', reads: [], readme: {checks: '', failure: ''}, dependsOn: ['IGW-901'], run: () => [{severity: 'ok', message: 'b'}]};
    const c: Check = {code: 'IGW-903', phase: 1, scope: 'chain', title: 'c', reads: [], readme: {checks: '', failure: ''}, dependsOn: ['IGW-902'], run: () => [{severity: 'ok', message: 'c'}]};
    const objs = loadObjects('healthy-ai-gateway.yaml');
    const second = structuredClone(objs.find((o) => o.kind === 'InferencePool')!);
    second.metadata.name = 'other';
    const s = snap([...objs, second]);
    const f = runChecks([a, b, c], s, discover(s));
    const qwen = f.filter((x) => x.chain === 'llm/qwen');
    const other = f.filter((x) => x.chain === 'llm/other');
    expect(qwen.map((x) => x.severity)).toEqual(['error', 'blocked', 'blocked']);
    expect(qwen[2]!.blockedBy).toEqual(['IGW-901']);
    expect(qwen[2]!.message).toBe('blocked by IGW-901: a');
    expect(other.map((x) => x.severity)).toEqual(['ok', 'ok', 'ok']);
  });

  it('a check that throws is reported as skipped, the run goes on', () => {
    const boom: Check = {code: 'IGW-999', phase: 1, scope: 'cluster', title: 'boom', reads: [], readme: {checks: '', failure: ''}, run: () => { throw new Error('bad'); }};
    const s = snap([]);
    const f = runChecks([boom], s, discover(s));
    expect(f[0]).toMatchObject({severity: 'skipped'});
    expect(f[0]!.message).toContain('bad');
  });

  it('--only/--skip: codes, phase prefixes, commas', () => {
    const m = codeMatcher(['IGW-3', '401'])!;
    expect(['IGW-301', 'IGW-401', 'IGW-402'].map(m)).toEqual([true, true, false]);
    const sel = selection({only: ['IGW-3'], skip: ['igw-304,IGW-305']});
    expect(['IGW-303', 'IGW-304', 'IGW-305', 'IGW-101'].map(sel)).toEqual([true, false, false, false]);
    const f = doctor(loadObjects('healthy-ai-gateway.yaml'), {only: ['IGW-30']});
    expect(new Set(f.map((x) => x.code.slice(0, 6)))).toEqual(new Set(['IGW-30']));
  });

  it('-r / --pool / -n filter the chains', () => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    const s = snap(objs);
    expect(discover(s, {pool: 'qwen'}).chains.map((c) => c.key)).toEqual(['llm/qwen']);
    expect(discover(s, {pool: 'nope'}).chains).toEqual([]);
    expect(discover(s, {namespace: 'other'}).chains).toEqual([]);
    expect(discover(s, {release: 'igw'}).chains).toEqual([]);
  });
});

describe('IGW-300', () => {
  it('a release or pool asked for by name and not found is an error; nothing in the namespace is a warning', () => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    expect(doctor(objs, {pool: 'nope'}).find((f) => f.code === 'IGW-300')?.severity).toBe('error');
    expect(doctor(objs, {namespace: 'empty'}).find((f) => f.code === 'IGW-300')?.severity).toBe('warning');
  });
});
