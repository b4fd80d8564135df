import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../../src/kube/client.ts';
import {chartInstall, GATEWAY} from '../chart-fixture.ts';
import {byCode, doctor, loadObjects, obj, one, without} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The chart install without the AI Gateway extension's handling of the route: the chart's own wiring (a) only. */
function chartOnly(): KubeObject[] {
  const objs = chartInstall();
  // the HTTPRoute goes to the model Service instead of the pool (wiring a, no extension needed)
  return objs.filter((o) => !(o.kind === 'HTTPRoute'));
}

describe('phase 4 — the inference-gateway chart', () => {

  it('IGW-408: cross-namespace HTTPRoute without ReferenceGrant → error with the ReferenceGrant YAML', () => {
    const objs = chartInstall();
    const r = obj<Any>(objs, 'HTTPRoute', 'qwen');
    r.metadata.namespace = 'apps';
    r.spec.parentRefs[0].namespace = 'llm';
    r.spec.rules[0].backendRefs[0].namespace = 'llm';
    const e = one(doctor(objs), 'IGW-408', 'error');
    expect(e.message).toContain('without a ReferenceGrant');
    expect(e.fix).toContain('kind: ReferenceGrant');
    expect(e.fix).toContain('namespace: apps');
    objs.push({apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: {name: 'apps', namespace: 'llm'}, spec: {from: [{group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'apps'}], to: [{group: 'inference.networking.k8s.io', kind: 'InferencePool'}]}} as KubeObject);
    expect(byCode(doctor(objs), 'IGW-408').map((x) => x.severity)).toEqual(['ok']);
  });

  it('IGW-408: HTTPRoute attached to another Gateway than the release\'s → error', () => {
    const objs = chartInstall();
    obj<Any>(objs, 'HTTPRoute', 'qwen').spec.parentRefs[0].name = 'public';
    const e = one(doctor(objs), 'IGW-408', 'error');
    expect(e.message).toContain(`not to Gateway llm/${GATEWAY} of release igw`);
  });

  it('IGW-408: no HTTPRoute to the pool → error with an HTTPRoute to apply', () => {
    const e = one(doctor(chartOnly()), 'IGW-408', 'error');
    expect(e.fix).toContain('kind: InferencePool');
    expect(e.fix).toContain(`name: ${GATEWAY}`);
  });

  it('IGW-409: ResolvedRefs=False InvalidKind → error explaining the missing extension', () => {
    const objs = chartInstall();
    obj<Any>(objs, 'HTTPRoute', 'qwen').status.parents[0].conditions[1] = {type: 'ResolvedRefs', status: 'False', reason: 'InvalidKind', message: 'Kind InferencePool is not supported'};
    const e = one(doctor(objs), 'IGW-409', 'error');
    expect(e.message).toContain('InvalidKind');
    expect(e.message).toContain('Envoy AI Gateway extensionManager is missing');
  });
});

describe('IGW-415 — dangling HTTPRoute backendRefs', () => {
  it('route to a pool that does not exist → error with a patch to the pool that does (500 fault filter abort)', () => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    obj<Record<string, any>>(objs, 'HTTPRoute', 'qwen').spec.rules[0].backendRefs[0].name = 'qwen-pool'; // eslint-disable-line @typescript-eslint/no-explicit-any
    const f = doctor(objs);
    const e = one(f, 'IGW-415', 'error');
    expect(e.message).toContain('sends to InferencePool llm/qwen-pool (inference.networking.k8s.io), which does not exist');
    expect(e.fix).toBe(`kubectl patch httproute qwen -n llm --type json -p '[{"op":"replace","path":"/spec/rules/0/backendRefs/0/name","value":"qwen"}]'`);
    // the real pool has no route now: blocked by the typo, not a second error (and no "wired" error)
    expect(one(f, 'IGW-408', 'blocked').blockedBy).toEqual(['IGW-415']);
    expect(byCode(f, 'IGW-413')).toEqual([]);
  });

  it('the route names the pool a release serves, and that pool is missing → IGW-415 blocked by IGW-301', () => {
    const f = doctor(without(chartInstall(), 'InferencePool', 'qwen'));
    one(f, 'IGW-301', 'error');
    expect(one(f, 'IGW-415', 'blocked').blockedBy).toEqual(['IGW-301']);
  });
});

describe('IGW-408 with routes read in one namespace only', () => {
  it('no route found but other namespaces unreadable → warning, not error', async () => {
    const {snap: mk, NOW} = await import('../fixture.ts');
    const {runDoctor} = await import('../../../../src/doctor/run.ts');
    const s = mk(chartInstall().filter((o) => o.kind !== 'HTTPRoute'));
    s.lists.HTTPRoute!.parts[0]!.namespace = 'llm';
    const w = runDoctor(s, {now: NOW}).findings.find((f) => f.code === 'IGW-408')!;
    expect(w.severity).toBe('warning');
    expect(w.message).toContain('routes in other namespaces could not be read');
  });
});
