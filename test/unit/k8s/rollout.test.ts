import {describe, expect, it} from 'vitest';
import type {Deployment} from '../../../src/k8s/objects.ts';
import {deploymentSummary, rolloutStatus} from '../../../src/k8s/rollout.ts';

const dep = (spec: Partial<Deployment['spec']>, status: Deployment['status'], generation = 1): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {name: 'epp', namespace: 'llm', generation},
  spec: {template: {spec: {containers: [{name: 'epp'}]}}, ...spec},
  status,
});

describe("doctor's rollout summary is kubectl's decision in doctor's words", () => {
  const cases: [string, Deployment, {done: boolean; failed: boolean; message: string}, boolean][] = [
    ['spec not observed', dep({replicas: 1}, {observedGeneration: 1}, 2), {done: false, failed: false, message: 'waiting for deployment "epp" spec update to be observed'}, false],
    [
      'progress deadline',
      dep({replicas: 1}, {observedGeneration: 1, conditions: [{type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded'}]}),
      {done: false, failed: true, message: 'deployment "epp" exceeded its progress deadline'},
      false,
    ],
    ['updating', dep({replicas: 2}, {observedGeneration: 1, updatedReplicas: 1}), {done: false, failed: false, message: '1 of 2 updated replicas are available'}, false],
    // no spec.replicas (a manifest from a file): judged as the API server stores it, replicas 1
    ['replicas defaulted', dep({}, {observedGeneration: 1}), {done: false, failed: false, message: '0 of 1 updated replicas are available'}, true],
    ['old replicas', dep({replicas: 1}, {observedGeneration: 1, replicas: 2, updatedReplicas: 1}), {done: false, failed: false, message: '1 old replicas are pending termination'}, false],
    ['not available', dep({replicas: 1}, {observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0}), {done: false, failed: false, message: '0 of 1 updated replicas are available'}, false],
    ['done', dep({replicas: 1}, {observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1}), {done: true, failed: false, message: 'deployment "epp" successfully rolled out'}, true],
  ];
  for (const [name, d, want, kubectlDone] of cases) {
    it(name, () => {
      expect(deploymentSummary(d)).toEqual(want);
      const k = rolloutStatus(d);
      expect(k.done).toBe(kubectlDone);
      expect(Boolean(k.error)).toBe(want.failed);
    });
  }
});
