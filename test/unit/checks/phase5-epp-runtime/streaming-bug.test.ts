import {describe, expect, it} from 'vitest';
import {chartInstall} from '../chart-fixture.ts';
import {doctor, one} from '../fixture.ts';

describe('phase 5 — EPP runtime (RBAC)', () => {

  it('IGW-503: GIE EPP v1.4 behind a streamed response → info about GIE#2993', () => {
    expect(one(doctor(chartInstall()), 'IGW-503', 'info').message).toContain('GIE#2993');
  });
});
