/* Deployment rollout status, as `kubectl rollout status` judges it. */
import {type Deployment, condition} from './objects.ts';

/**
 * Deployment rollout state, in the order of kubectl's DeploymentStatusViewer
 * (k8s.io/kubectl pkg/polymorphichelpers/rollout_status.go): observed generation, progress
 * deadline, updated, old replicas terminating, available.
 */
export function rolloutStatus(d: Deployment): {done: boolean; failed: boolean; message: string} {
  const name = d.metadata.name;
  const st = d.status ?? {};
  const want = d.spec.replicas ?? 1;
  if ((d.metadata.generation ?? 0) > (st.observedGeneration ?? 0)) {
    return {done: false, failed: false, message: `waiting for deployment "${name}" spec update to be observed`};
  }
  const progressing = condition(st.conditions, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return {done: false, failed: true, message: `deployment "${name}" exceeded its progress deadline`};
  }
  const updated = st.updatedReplicas ?? 0;
  if (updated < want) return {done: false, failed: false, message: `${updated} of ${want} updated replicas are available`};
  if ((st.replicas ?? 0) > updated) return {done: false, failed: false, message: `${(st.replicas ?? 0) - updated} old replicas are pending termination`};
  if ((st.availableReplicas ?? 0) < updated) return {done: false, failed: false, message: `${st.availableReplicas ?? 0} of ${updated} updated replicas are available`};
  return {done: true, failed: false, message: `deployment "${name}" successfully rolled out`};
}
