import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../../src/kube/client.ts';
import {chartInstall, EPP, POLICY} from '../chart-fixture.ts';
import {doctor, obj, one, without} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('phase 4 — the inference-gateway chart', () => {

  it('IGW-402: an object of the release deleted → error with the helm re-apply command', () => {
    const e = one(doctor(without(chartInstall(), 'EnvoyExtensionPolicy', POLICY)), 'IGW-402', 'error');
    expect(e.message).toContain('EnvoyExtensionPolicy igw-inference-gateway-ext-proc');
    expect(e.object).toEqual({apiVersion: 'v1', kind: 'Secret', namespace: 'llm', name: 'sh.helm.release.v1.igw.v1'});
    expect(e.fix).toBe('helm get manifest igw -n llm | kubectl apply -f -');
  });

  it('IGW-402: EPP args edited by hand → drift warning', () => {
    const objs = chartInstall();
    obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0].args.push('--v', '4');
    const w = one(doctor(objs), 'IGW-402', 'warning');
    expect(w.message).toContain(`Deployment ${EPP} differs from what release igw rendered`);
  });

  it('IGW-401: failed upgrade on top of a deployed revision → warning', () => {
    const objs = chartInstall();
    const secret = objs.find((o) => o.kind === 'Secret')! as Any;
    const failed = structuredClone(secret);
    failed.metadata.name = 'sh.helm.release.v1.igw.v2';
    failed.metadata.labels = {...failed.metadata.labels, version: '2', status: 'failed'};
    objs.push(failed as KubeObject);
    const w = one(doctor(objs), 'IGW-401', 'warning');
    expect(w.message).toContain('revision 2 is failed');
  });
});
