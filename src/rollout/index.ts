/* The rollout machinery: restart like `kubectl rollout restart`, judge like `kubectl rollout status`, wait by watching. */
export type {WorkloadKind, WorkloadRef, RestartResult, RolloutResult, RolloutReason, WaitOptions} from './types.ts';
export {restartWorkload, restartPatch, formatRFC3339Local, workloadPath, workloadName, onDeleteNote, RESTARTED_AT_ANNOTATION, PAUSED_MESSAGE} from './restart.ts';
export {rolloutStatus, REVISION_ANNOTATION} from '../k8s/rollout.ts';
export {waitForRollout, formatDuration} from './wait.ts';
export {parseRestartTarget, resolveTarget, findEppDeployment, parseTimeout, ENVOY_GATEWAY, type RestartTarget} from './targets.ts';
export {restartAndWait, type RestartReport} from './flow.ts';
