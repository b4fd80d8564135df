import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../src/kube/client.ts';
import {formatTermination, newReplicaSet, newRevision, podProblem, podsOfRevision} from '../../../src/rollout/pods.ts';
import {labelSelectorString} from '../../../src/k8s/selectors.ts';
import type {Pod, Workload} from '../../../src/rollout/types.ts';
import {fixture, variant} from './fixtures.ts';

describe('labelSelectorString (metav1.LabelSelectorAsSelector)', () => {
  it('renders matchLabels and every operator, sorted by key', () => {
    expect(
      labelSelectorString({
        matchLabels: {'app.kubernetes.io/name': 'x', a: 'b'},
        matchExpressions: [
          {key: 'tier', operator: 'In', values: ['web', 'api']},
          {key: 'env', operator: 'NotIn', values: ['dev']},
          {key: 'gpu', operator: 'Exists'},
          {key: 'canary', operator: 'DoesNotExist'},
        ],
      }),
    ).toBe('a=b,app.kubernetes.io/name=x,!canary,env notin (dev),gpu,tier in (api,web)');
  });
  it('is empty for no selector', () => {
    expect(labelSelectorString(undefined)).toBe('');
  });
  it('rejects an unknown operator', () => {
    expect(() => labelSelectorString({matchExpressions: [{key: 'a', operator: 'Like'}]})).toThrow(/not a valid label selector operator/);
  });
});

const d = fixture('deployment.json') as Workload;
const rs = (name: string, revision: string, hash: string, owner = d.metadata.uid!): KubeObject => ({
  metadata: {
    name,
    namespace: 'inference',
    labels: {'pod-template-hash': hash},
    annotations: {'deployment.kubernetes.io/revision': revision},
    ownerReferences: [{apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: owner, controller: true}],
  },
});

describe('newReplicaSet / newRevision', () => {
  const old = rs('epp-aaa', '1', 'aaa');
  const cur = rs('epp-bbb', '2', 'bbb');
  const foreign = rs('other-ccc', '2', 'ccc', 'another-uid');

  it('picks the owned ReplicaSet whose revision equals the Deployment revision', () => {
    expect(newReplicaSet(d, [foreign, old, cur])?.metadata.name).toBe('epp-bbb');
    expect(newRevision('Deployment', d, {replicaSets: [old, cur]})).toEqual({label: 'pod-template-hash', value: 'bbb', name: 'epp-bbb', revision: '2'});
  });
  it('knows nothing before the controller observed the new generation', () => {
    const pending = variant(d, {metadata: {generation: 3}});
    expect(newReplicaSet(pending, [old, cur])).toBeUndefined();
  });
  it('ignores ReplicaSets of another owner', () => {
    expect(newReplicaSet(d, [foreign])).toBeUndefined();
  });
  it('StatefulSet: pods carry controller-revision-hash = status.updateRevision', () => {
    const sts = variant(fixture('statefulset.json') as Workload, {status: {updateRevision: 'cache-7d8e9f0a1'}});
    expect(newRevision('StatefulSet', sts, {})).toEqual({label: 'controller-revision-hash', value: 'cache-7d8e9f0a1', name: 'cache-7d8e9f0a1'});
  });
  it('DaemonSet: the newest owned ControllerRevision gives the hash', () => {
    const ds = fixture('daemonset.json') as Workload;
    const cr = (name: string, revision: number, hash: string) => ({
      revision,
      metadata: {name, labels: {'controller-revision-hash': hash}, ownerReferences: [{apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'node-agent', uid: ds.metadata.uid!, controller: true}]},
    });
    expect(newRevision('DaemonSet', ds, {controllerRevisions: [cr('node-agent-111', 1, '111'), cr('node-agent-222', 2, '222')]})).toEqual({
      label: 'controller-revision-hash',
      value: '222',
      name: 'node-agent-222',
      revision: '2',
    });
  });
});

const pod = (name: string, hash: string, status: Pod['status'], extra: Partial<Pod['metadata']> = {}): Pod => ({
  metadata: {name, labels: {'pod-template-hash': hash}, ...extra},
  status,
});
const crashing = {
  name: 'epp',
  ready: false,
  restartCount: 3,
  state: {waiting: {reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=epp pod=epp-bbb-1'}},
  lastState: {terminated: {reason: 'Error', exitCode: 1, message: 'failed to load config: unknown plugin type "foo"'}},
};

describe('podsOfRevision / podProblem', () => {
  const rev = {label: 'pod-template-hash', value: 'bbb', name: 'epp-bbb'};
  it('keeps only live pods of the new revision', () => {
    const pods = [pod('epp-aaa-1', 'aaa', {}), pod('epp-bbb-1', 'bbb', {}), pod('epp-bbb-2', 'bbb', {}, {deletionTimestamp: '2026-11-26T10:00:00Z'})];
    expect(podsOfRevision(pods, rev).map((p) => p.metadata.name)).toEqual(['epp-bbb-1']);
  });
  it('names a crash-looping pod with its last termination', () => {
    expect(podProblem([pod('epp-bbb-2', 'bbb', {containerStatuses: [{name: 'epp', state: {running: {}}}]}), pod('epp-bbb-1', 'bbb', {containerStatuses: [crashing]})])).toEqual({
      reason: 'CrashLoopBackOff',
      pod: 'epp-bbb-1',
      container: 'epp',
      podReason: 'CrashLoopBackOff',
      podMessage: 'back-off 40s restarting failed container=epp pod=epp-bbb-1',
      lastTermination: 'Error (exit code 1): failed to load config: unknown plugin type "foo"',
    });
  });
  it('reports image pull failures under ImagePullBackOff, keeping the kubelet reason', () => {
    for (const reason of ['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName']) {
      const p = podProblem([pod('p', 'bbb', {containerStatuses: [{name: 'c', state: {waiting: {reason, message: 'rpc error: not found'}}}]})]);
      expect(p).toMatchObject({reason: 'ImagePullBackOff', podReason: reason, podMessage: 'rpc error: not found'});
      expect(p?.lastTermination).toBeUndefined();
    }
  });
  it('looks at init containers first', () => {
    const p = podProblem([
      pod('p', 'bbb', {
        initContainerStatuses: [{name: 'init', state: {waiting: {reason: 'CrashLoopBackOff'}}, lastState: {terminated: {reason: 'OOMKilled', exitCode: 137}}}],
        containerStatuses: [{name: 'c', state: {waiting: {reason: 'PodInitializing'}}}],
      }),
    ]);
    expect(p).toMatchObject({container: 'init', lastTermination: 'OOMKilled (exit code 137)'});
  });
  it('finds nothing in healthy or starting pods', () => {
    expect(podProblem([pod('p', 'bbb', {containerStatuses: [{name: 'c', state: {waiting: {reason: 'ContainerCreating'}}}]})])).toBeUndefined();
    expect(podProblem([])).toBeUndefined();
  });
  it('formats terminations without a message or exit code', () => {
    expect(formatTermination({reason: 'Completed', exitCode: 0})).toBe('Completed (exit code 0)');
    expect(formatTermination({message: ' boom \n'})).toBe('Terminated: boom');
    expect(formatTermination(undefined)).toBeUndefined();
  });
});
