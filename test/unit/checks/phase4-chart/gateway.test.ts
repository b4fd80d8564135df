import {describe, expect, it} from 'vitest';
import {chartInstall, GATEWAY} from '../chart-fixture.ts';
import {doctor, obj, one, without} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('phase 4 — the inference-gateway chart', () => {

  it('IGW-404: Gateway not Programmed → error; listener port differs from the release → error', () => {
    const objs = chartInstall();
    obj<Any>(objs, 'Gateway', GATEWAY).status.conditions[1] = {type: 'Programmed', status: 'False', reason: 'AddressNotAssigned', message: 'No addresses have been assigned to the Gateway'};
    const e = one(doctor(objs), 'IGW-404', 'error');
    expect(e.message).toContain('not Programmed: Programmed=False (AddressNotAssigned');
    expect(e.fix).toContain('gateway.envoyproxy.io/owning-gateway-name=igw-inference-gateway');
  });

  it('IGW-403: the release\'s Gateway deleted → error; everything on it blocked', () => {
    const f = doctor(without(chartInstall(), 'Gateway', GATEWAY));
    const e = one(f, 'IGW-403', 'error');
    expect(e.message).toBe(`Gateway llm/${GATEWAY}, named by release igw, does not exist`);
    expect(one(f, 'IGW-404', 'blocked').blockedBy).toEqual(['IGW-403']);
    expect(one(f, 'IGW-411', 'blocked').blockedBy).toEqual(['IGW-403']);
  });
});
