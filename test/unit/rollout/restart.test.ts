import {afterEach, describe, expect, it} from 'vitest';
import {formatRFC3339Local, onDeleteNote, restartPatch, restartedAtOf, workloadName, workloadPath} from '../../../src/rollout/restart.ts';
import {restartChanges} from '../../../src/rollout/flow.ts';
import type {RestartResult} from '../../../src/rollout/types.ts';
import {fixture, variant} from './fixtures.ts';

const savedTZ = process.env.TZ;
afterEach(() => {
  if (savedTZ === undefined) delete process.env.TZ;
  else process.env.TZ = savedTZ;
});

describe('formatRFC3339Local (Go time.Now().Format(time.RFC3339), as kubectl writes restartedAt)', () => {
  const instant = new Date('2026-11-26T23:59:58.987Z');
  it('writes Z for a zero offset and drops fractional seconds', () => {
    process.env.TZ = 'UTC';
    expect(formatRFC3339Local(instant)).toBe('2026-11-26T23:59:58Z');
  });
  it('writes the local wall clock with a +hh:mm offset', () => {
    process.env.TZ = 'Asia/Kolkata';
    expect(formatRFC3339Local(instant)).toBe('2026-11-27T05:29:58+05:30');
  });
  it('writes a negative offset (and follows daylight saving time)', () => {
    process.env.TZ = 'America/New_York';
    expect(formatRFC3339Local(instant)).toBe('2026-11-26T18:59:58-05:00');
    expect(formatRFC3339Local(new Date('2026-07-01T12:00:00Z'))).toBe('2026-07-01T08:00:00-04:00');
  });
  it('writes Z for a zone at offset zero that is not UTC', () => {
    process.env.TZ = 'Africa/Abidjan';
    expect(formatRFC3339Local(instant)).toBe('2026-11-26T23:59:58Z');
  });
});

describe('restartPatch', () => {
  it('is the strategic-merge patch kubectl sends, with resourceVersion as a precondition', () => {
    expect(restartPatch('2026-11-26T23:59:58Z', '4127')).toEqual({
      metadata: {resourceVersion: '4127'},
      spec: {template: {metadata: {annotations: {'kubectl.kubernetes.io/restartedAt': '2026-11-26T23:59:58Z'}}}},
    });
    expect(restartPatch('2026-11-26T23:59:58Z')).toEqual({spec: {template: {metadata: {annotations: {'kubectl.kubernetes.io/restartedAt': '2026-11-26T23:59:58Z'}}}}});
  });
});

describe('paths and names', () => {
  it('builds apps/v1 paths', () => {
    expect(workloadPath({kind: 'Deployment', namespace: 'envoy-gateway-system', name: 'envoy-gateway'})).toBe('/apis/apps/v1/namespaces/envoy-gateway-system/deployments/envoy-gateway');
    expect(workloadPath({kind: 'StatefulSet', namespace: 'a'})).toBe('/apis/apps/v1/namespaces/a/statefulsets');
    expect(workloadName({kind: 'DaemonSet', namespace: 'a', name: 'b'})).toBe('daemonset/b');
  });
});

describe('onDeleteNote', () => {
  it('explains OnDelete DaemonSets and StatefulSets, not Deployments or RollingUpdate', () => {
    const ds = variant(fixture('daemonset.json'), {spec: {updateStrategy: {type: 'OnDelete', rollingUpdate: null}}});
    expect(onDeleteNote({kind: 'DaemonSet', namespace: 'inference', name: 'node-agent'}, ds)).toMatch(/OnDelete.*replaced only when it is deleted/);
    expect(onDeleteNote({kind: 'DaemonSet', namespace: 'inference', name: 'node-agent'}, fixture('daemonset.json'))).toBeUndefined();
    expect(onDeleteNote({kind: 'Deployment', namespace: 'inference', name: 'x'}, fixture('deployment.json'))).toBeUndefined();
  });
});

describe('restartChanges', () => {
  it('lists the annotation and the generation that moved', () => {
    const before = variant(fixture('deployment.json'), {spec: {template: {metadata: {annotations: null}}}});
    const after = variant(fixture('deployment.json'), {metadata: {generation: 3}, spec: {template: {metadata: {annotations: {'kubectl.kubernetes.io/restartedAt': '2026-11-27T00:00:00Z'}}}}});
    const r: RestartResult = {ref: {kind: 'Deployment', namespace: 'inference', name: 'x'}, restartedAt: '2026-11-27T00:00:00Z', dryRun: true, generation: 3, annotationKept: true, before, after};
    expect(restartedAtOf(before)).toBeUndefined();
    expect(restartChanges(r)).toEqual([
      {path: 'spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]', before: null, after: '2026-11-27T00:00:00Z'},
      {path: 'metadata.generation', before: 2, after: 3},
    ]);
  });
});
