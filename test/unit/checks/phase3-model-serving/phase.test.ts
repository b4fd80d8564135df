import {describe, expect, it} from 'vitest';
import {byCode, doctor, loadObjects, one, problems} from '../fixture.ts';

const healthy = loadObjects('healthy-ai-gateway.yaml');

describe('phase 3 — model serving', () => {
  it('healthy chain: every phase-3 check ok', () => {
    const f = doctor(healthy);
    expect(problems(f)).toEqual([]);
    for (const code of ['IGW-300', 'IGW-301', 'IGW-302', 'IGW-303', 'IGW-304', 'IGW-305', 'IGW-306', 'IGW-307']) {
      expect(byCode(f, code).map((x) => x.severity), code).toEqual(['ok']);
    }
    expect(one(f, 'IGW-303', 'ok').message).toContain('matches 2 pods');
  });

  it('reads: a forbidden Pod list makes pod checks "skipped: forbidden" with the rule', () => {
    const f = doctor(healthy, {snapshot: {errors: {Pod: {reason: 'forbidden', message: 'forbidden: you cannot list pods', rule: 'kubectl create clusterrole infgw-reader --verb=list --resource=pods'}}}});
    const s = one(f, 'IGW-303', 'skipped');
    expect(s.message).toBe('skipped: forbidden to list Pod in llm');
    expect(s.fix).toContain('--resource=pods');
    expect(one(f, 'IGW-102', 'warning').message).toContain('cannot list Pod');
  });
});
