import {describe, expect, it} from 'vitest';
import {chartInstall, EPP, SCHEDULING_FILE} from '../chart-fixture.ts';
import {doctor, obj, one} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('phase 6 — scheduling config', () => {

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
});
