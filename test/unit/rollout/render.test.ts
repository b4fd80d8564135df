import {describe, expect, it} from 'vitest';
import type {RestartReport} from '../../../src/rollout/flow.ts';
import {restartDocument, restartText, rolloutFailure} from '../../../src/rollout/render.ts';
import {formatDuration} from '../../../src/rollout/wait.ts';
import {fixture, variant} from './fixtures.ts';

const before = fixture('deployment.json');
const after = variant(before, {metadata: {generation: 3}, spec: {template: {metadata: {annotations: {'kubectl.kubernetes.io/restartedAt': '2026-11-27T00:00:00Z'}}}}});
const base: RestartReport = {
  ref: {kind: 'Deployment', namespace: 'inference', name: 'gw-inference-gateway-epp'},
  restart: {ref: {kind: 'Deployment', namespace: 'inference', name: 'gw-inference-gateway-epp'}, restartedAt: '2026-11-27T00:00:00Z', dryRun: false, generation: 3, annotationKept: true, before, after},
  changes: [
    {path: 'spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]', before: '2026-11-26T10:05:00Z', after: '2026-11-27T00:00:00Z'},
    {path: 'metadata.generation', before: 2, after: 3},
  ],
  previousRevision: '2',
  warnings: [],
  notes: [],
  exitCode: 0,
};

describe('restartText', () => {
  it('prints kubectl\'s "restarted" line, the final status and the new ReplicaSet', () => {
    const r = {...base, rollout: {done: true, reason: 'Complete' as const, message: 'deployment "gw-inference-gateway-epp" successfully rolled out', revision: '3', replicaSet: 'gw-inference-gateway-epp-5d8c9', elapsedMs: 12_400}};
    expect(restartText(r)).toEqual({
      stdout: [
        'deployment.apps/gw-inference-gateway-epp restarted',
        'deployment "gw-inference-gateway-epp" successfully rolled out',
        'new ReplicaSet gw-inference-gateway-epp-5d8c9 (revision 3, was 2); took 12s',
      ],
      stderr: [],
    });
  });
  it('shows what a dry run would change', () => {
    const r = {...base, restart: {...base.restart, dryRun: true}};
    expect(restartText(r).stdout).toEqual([
      'deployment.apps/gw-inference-gateway-epp restarted (server dry run)',
      '  would change spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]: 2026-11-26T10:05:00Z → 2026-11-27T00:00:00Z',
      '  would change metadata.generation: 2 → 3',
    ]);
  });
  it('sends warnings and notes to stderr', () => {
    expect(restartText({...base, warnings: ['w'], notes: ['n']}).stderr).toEqual(['warning: w', 'note: n']);
  });
});

describe('rolloutFailure', () => {
  it('names the crash-looping pod and how to see its logs', () => {
    const r = {...base, exitCode: 1 as const, rollout: {done: false, reason: 'CrashLoopBackOff' as const, pod: 'epp-5d8c9-x', message: 'new pod "epp-5d8c9-x" ... CrashLoopBackOff', elapsedMs: 4000}};
    const f = rolloutFailure(r, 300_000);
    expect(f?.message).toContain('epp-5d8c9-x');
    expect(f?.hint).toContain('kubectl logs -n inference epp-5d8c9-x --previous');
  });
  it('says where an interrupted rollout stood and that it goes on', () => {
    const r = {...base, exitCode: 130 as const, rollout: {done: false, reason: 'Interrupted' as const, message: 'Waiting for deployment "x" rollout to finish: 1 of 3 updated replicas are available...', elapsedMs: 3200}};
    expect(rolloutFailure(r, 300_000)).toEqual({
      message: 'interrupted after 3s; the rollout goes on in the cluster. It stood at: Waiting for deployment "x" rollout to finish: 1 of 3 updated replicas are available...',
      hint: 'Follow it with: kubectl rollout status deployment/gw-inference-gateway-epp -n inference',
    });
  });
  it('reports the timeout in Go duration form', () => {
    const r = {...base, exitCode: 1 as const, rollout: {done: false, reason: 'Timeout' as const, message: 'Waiting...', elapsedMs: 300_000}};
    expect(rolloutFailure(r, 300_000)?.message).toBe('timed out after 5m0s waiting for the rollout: Waiting...');
  });
  it('is nothing for a finished rollout or none', () => {
    expect(rolloutFailure(base, 1000)).toBeUndefined();
    expect(rolloutFailure({...base, rollout: {done: true, message: 'ok', elapsedMs: 1}}, 1000)).toBeUndefined();
  });
});

describe('restartDocument', () => {
  it('is the -o json result without the raw objects', () => {
    const doc = restartDocument({...base, rollout: {done: true, reason: 'Complete', message: 'ok', elapsedMs: 5, object: after}});
    expect(doc).toEqual({
      target: {kind: 'Deployment', namespace: 'inference', name: 'gw-inference-gateway-epp', resource: 'deployments.apps'},
      restart: {restartedAt: '2026-11-27T00:00:00Z', dryRun: false, annotationKept: true, generation: 3, previousRevision: '2', changes: base.changes},
      rollout: {done: true, reason: 'Complete', message: 'ok', elapsedMs: 5},
      warnings: [],
      notes: [],
      exitCode: 0,
    });
  });
});

describe('formatDuration (Go time.Duration.String for whole seconds)', () => {
  it('formats', () => {
    expect(formatDuration(300_000)).toBe('5m0s');
    expect(formatDuration(5_400_000)).toBe('1h30m0s');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(0)).toBe('0s');
  });
});
