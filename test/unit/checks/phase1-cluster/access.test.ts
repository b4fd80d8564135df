import {describe, expect, it} from 'vitest';
import {byCode, doctor, loadObjects, one} from '../fixture.ts';
const healthy = loadObjects('healthy-ai-gateway.yaml');

describe('phase 1 — cluster & CRDs', () => {

  it('IGW-101: server version shown; offline snapshots say so', () => {
    expect(one(doctor(healthy), 'IGW-101', 'ok').message).toBe('Kubernetes v1.37.2');
    expect(byCode(doctor(healthy, {snapshot: {source: 'files'}}), 'IGW-101')[0]!.severity).toBe('info');
  });
});

describe('IGW-102 — read access', () => {
  it('one finding with one read-only ClusterRole for everything refused, bound where it was refused', () => {
    const deny = (what: string) => ({reason: 'forbidden' as const, message: `${what} is forbidden: User "restricted" cannot list resource`});
    const f = doctor(healthy, {snapshot: {errors: {Pod: deny('pods'), ClusterRoleBinding: deny('clusterrolebindings.rbac.authorization.k8s.io')}}});
    const w = one(f, 'IGW-102', 'warning');
    expect(w.message).toBe('user "restricted" may not list Pod, ClusterRoleBinding; the checks that need them are skipped');
    expect(w.fix).toBe('kubectl create clusterrole infgw-doctor --verb=get,list --resource=pods,clusterrolebindings.rbac.authorization.k8s.io\nkubectl create clusterrolebinding infgw-doctor --clusterrole=infgw-doctor --user=restricted');
  });

  it('no InferencePool readable at all → error: nothing can be vouched for', () => {
    const deny = {reason: 'forbidden' as const, message: 'forbidden: User "restricted" cannot list'};
    expect(one(doctor(healthy, {snapshot: {errors: {InferencePool: deny, XInferencePool: deny}}}), 'IGW-102', 'error').message).toContain('nothing can be checked');
  });
});
