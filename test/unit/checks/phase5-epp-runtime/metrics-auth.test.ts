import {describe, expect, it} from 'vitest';
import {chartInstall, EPP} from '../chart-fixture.ts';
import {doctor, one} from '../fixture.ts';

describe('phase 5 — EPP runtime (RBAC)', () => {

  it('IGW-502: no tokenreviews permission → warning (metrics 401/500) with clusterrole commands', () => {
    const objs = chartInstall().filter((o) => o.kind !== 'ClusterRoleBinding');
    const w = one(doctor(objs), 'IGW-502', 'warning');
    expect(w.message).toContain('may not create tokenreviews.authentication.k8s.io, subjectaccessreviews.authorization.k8s.io');
    expect(w.fix).toContain(`--serviceaccount=llm:${EPP}`);
  });
});
