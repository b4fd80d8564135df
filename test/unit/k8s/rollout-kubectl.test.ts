import {describe, expect, it} from 'vitest';
import {deploymentRevision, podWarning, rolloutStatus, withWarning} from '../../../src/k8s/rollout.ts';
import type {Pod} from '../../../src/rollout/types.ts';
import {fixture, variant} from '../rollout/fixtures.ts';

// Every branch of kubectl's StatusViewers (k8s.io/kubectl pkg/polymorphichelpers/rollout_status.go),
// messages compared verbatim (kubectl adds a trailing newline, which we leave out).

describe('rolloutStatus: Deployment', () => {
  const d = fixture('deployment.json');
  const name = d.metadata.name;

  it('is done when observed, all replicas updated, no old ones, all updated available', () => {
    expect(rolloutStatus(d)).toEqual({message: `deployment "${name}" successfully rolled out`, done: true});
  });

  it('waits for the spec update to be observed first (generation > observedGeneration)', () => {
    // even a timed-out Progressing condition is not looked at before the controller caught up
    const v = variant(d, {
      metadata: {generation: 3},
      status: {conditions: [{type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded'}]},
    });
    expect(rolloutStatus(v)).toEqual({message: 'Waiting for deployment spec update to be observed...', done: false});
  });

  it('fails on ProgressDeadlineExceeded once observed', () => {
    const v = variant(d, {
      status: {updatedReplicas: 1, conditions: [{type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "x" has timed out progressing.'}]},
    });
    expect(rolloutStatus(v)).toEqual({message: '', done: false, error: `deployment "${name}" exceeded its progress deadline`});
  });

  it('does not fail on other Progressing reasons', () => {
    const v = variant(d, {status: {conditions: [{type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated'}]}});
    expect(rolloutStatus(v).done).toBe(true);
  });

  it('waits for new replicas to be updated', () => {
    const v = variant(d, {status: {updatedReplicas: 1, replicas: 4, availableReplicas: 3}});
    expect(rolloutStatus(v)).toEqual({
      message: `Waiting for deployment "${name}" rollout to finish: 1 out of 3 new replicas have been updated...`,
      done: false,
    });
  });

  it('waits for old replicas pending termination', () => {
    const v = variant(d, {status: {replicas: 5, updatedReplicas: 3}});
    expect(rolloutStatus(v)).toEqual({message: `Waiting for deployment "${name}" rollout to finish: 2 old replicas are pending termination...`, done: false});
  });

  it('waits for updated replicas to be available', () => {
    const v = variant(d, {status: {availableReplicas: 1}});
    expect(rolloutStatus(v)).toEqual({message: `Waiting for deployment "${name}" rollout to finish: 1 of 3 updated replicas are available...`, done: false});
  });

  it('treats missing status counters as zero, like Go zero values', () => {
    const v = variant(d, {status: {observedGeneration: 2, replicas: null, updatedReplicas: null, availableReplicas: null, readyReplicas: null}});
    expect(rolloutStatus(v).message).toBe(`Waiting for deployment "${name}" rollout to finish: 0 out of 3 new replicas have been updated...`);
  });

  it('checks in kubectl order: updated before old before available', () => {
    const v = variant(d, {status: {replicas: 4, updatedReplicas: 2, availableReplicas: 0}});
    expect(rolloutStatus(v).message).toContain('2 out of 3 new replicas');
    const w = variant(d, {status: {replicas: 4, updatedReplicas: 3, availableReplicas: 0}});
    expect(rolloutStatus(w).message).toContain('1 old replicas are pending termination');
  });

  it('a Deployment scaled to zero is done', () => {
    const v = variant(d, {spec: {replicas: 0}, status: {replicas: 0, updatedReplicas: 0, availableReplicas: 0, readyReplicas: 0}});
    expect(rolloutStatus(v).done).toBe(true);
  });

  it('pins a revision (--revision): equal passes, different fails, missing annotation is revision 0', () => {
    expect(rolloutStatus(d, 2).done).toBe(true);
    expect(rolloutStatus(d, 3)).toEqual({message: '', done: false, error: 'desired revision (3) is different from the running revision (2)'});
    const noRev = variant(d, {metadata: {annotations: null}});
    expect(rolloutStatus(noRev, 1).error).toBe('desired revision (1) is different from the running revision (0)');
    const bad = variant(d, {metadata: {annotations: {'deployment.kubernetes.io/revision': 'x'}}});
    expect(rolloutStatus(bad, 1).error).toMatch(/cannot get the revision of deployment/);
    expect(deploymentRevision(bad)).toBeUndefined();
  });
});

describe('rolloutStatus: DaemonSet', () => {
  const ds = fixture('daemonset.json');
  it('is done when all desired pods are updated and available', () => {
    expect(rolloutStatus(ds)).toEqual({message: 'daemon set "node-agent" successfully rolled out', done: true});
  });
  it('refuses OnDelete (done=true with an error, as kubectl)', () => {
    const v = variant(ds, {spec: {updateStrategy: {type: 'OnDelete', rollingUpdate: null}}});
    expect(rolloutStatus(v)).toEqual({message: '', done: true, error: 'rollout status is only available for RollingUpdate strategy type'});
  });
  it('waits for the spec update to be observed', () => {
    expect(rolloutStatus(variant(ds, {metadata: {generation: 3}}))).toEqual({message: 'Waiting for daemon set spec update to be observed...', done: false});
  });
  it('waits for updated pods', () => {
    expect(rolloutStatus(variant(ds, {status: {updatedNumberScheduled: 1}}))).toEqual({
      message: 'Waiting for daemon set "node-agent" rollout to finish: 1 out of 2 new pods have been updated...',
      done: false,
    });
  });
  it('waits for available pods', () => {
    expect(rolloutStatus(variant(ds, {status: {numberAvailable: 0}}))).toEqual({
      message: 'Waiting for daemon set "node-agent" rollout to finish: 0 of 2 updated pods are available...',
      done: false,
    });
  });
});

describe('rolloutStatus: StatefulSet', () => {
  const sts = fixture('statefulset.json');
  it('with the defaulted rollingUpdate (partition 0), complete is "partitioned roll out complete"', () => {
    expect(rolloutStatus(sts)).toEqual({message: 'partitioned roll out complete: 3 new pods have been updated...', done: true});
  });
  it('refuses OnDelete', () => {
    const v = variant(sts, {spec: {updateStrategy: {type: 'OnDelete', rollingUpdate: null}}});
    expect(rolloutStatus(v)).toEqual({message: '', done: true, error: 'rollout status is only available for RollingUpdate strategy type'});
  });
  it('waits while observedGeneration is 0 or behind', () => {
    expect(rolloutStatus(variant(sts, {status: {observedGeneration: 0}})).message).toBe('Waiting for statefulset spec update to be observed...');
    expect(rolloutStatus(variant(sts, {metadata: {generation: 4}})).message).toBe('Waiting for statefulset spec update to be observed...');
  });
  it('waits for pods to be ready', () => {
    expect(rolloutStatus(variant(sts, {status: {readyReplicas: 1}}))).toEqual({message: 'Waiting for 2 pods to be ready...', done: false});
  });
  it('waits for a partitioned roll out', () => {
    const v = variant(sts, {spec: {updateStrategy: {rollingUpdate: {partition: 1}}}, status: {updatedReplicas: 1}});
    expect(rolloutStatus(v)).toEqual({message: 'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...', done: false});
    const done = variant(v, {status: {updatedReplicas: 2}});
    expect(rolloutStatus(done)).toEqual({message: 'partitioned roll out complete: 2 new pods have been updated...', done: true});
  });
  it('without rollingUpdate, compares update and current revisions', () => {
    const base = variant(sts, {spec: {updateStrategy: {type: 'RollingUpdate', rollingUpdate: null}}});
    const rolling = variant(base, {status: {updateRevision: 'cache-7d8e9f0a1', updatedReplicas: 1}});
    expect(rolloutStatus(rolling)).toEqual({message: 'waiting for statefulset rolling update to complete 1 pods at revision cache-7d8e9f0a1...', done: false});
    expect(rolloutStatus(base)).toEqual({message: 'statefulset rolling update complete 3 pods at revision cache-6b9f7c8d4...', done: true});
  });
});

describe('rolloutStatus: other kinds', () => {
  it('has no status viewer for a ReplicaSet', () => {
    const rs = variant(fixture('deployment.json'), {kind: 'ReplicaSet'});
    expect(rolloutStatus(rs)).toEqual({message: '', done: false, error: 'no status viewer has been implemented for ReplicaSet'});
  });
});

describe('podWarning (kubectl appendWarning)', () => {
  const pod = (name: string, status: Pod['status']): Pod => ({metadata: {name}, status});
  it('reports an unschedulable pod', () => {
    const p = pod('a', {conditions: [{type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 node(s) didn\'t match Pod\'s node affinity/selector.'}]});
    expect(podWarning([p])).toBe("Warning: 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.");
  });
  it('reports bad waiting reasons with their message', () => {
    const p = pod('a', {containerStatuses: [{name: 'c', state: {waiting: {reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"'}}}]});
    expect(podWarning([p])).toBe('Warning: ImagePullBackOff - Back-off pulling image "x"');
    const q = pod('b', {containerStatuses: [{name: 'c', state: {waiting: {reason: 'CreateContainerConfigError', message: 'secret "s" not found'}}}]});
    expect(podWarning([q])).toBe('Warning: CreateContainerConfigError - secret "s" not found');
  });
  it('ignores harmless states (ContainerCreating, running)', () => {
    const p = pod('a', {containerStatuses: [{name: 'c', state: {waiting: {reason: 'ContainerCreating'}}}, {name: 'd', state: {running: {}}}]});
    expect(podWarning([p])).toBeUndefined();
  });
  it('is appended to the progress line as kubectl does', () => {
    expect(withWarning('Waiting for x...', 'Warning: y')).toBe('Waiting for x... (Warning: y)');
    expect(withWarning('Waiting for x...', undefined)).toBe('Waiting for x...');
  });
});
