import {describe, expect, it} from 'vitest';
import {chartInstall, EPP} from '../chart-fixture.ts';
import {doctor, obj, one} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('phase 5 — EPP runtime (RBAC)', () => {

  it('IGW-501: Role without pods → error with kubectl create role/rolebinding for the real ServiceAccount', () => {
    const objs = chartInstall();
    obj<Any>(objs, 'Role', EPP).rules = obj<Any>(objs, 'Role', EPP).rules.filter((r: Any) => !r.resources.includes('pods'));
    const e = one(doctor(objs), 'IGW-501', 'error');
    expect(e.message).toContain(`ServiceAccount llm/${EPP} of EPP ${EPP} may not get pods, list pods, watch pods in llm`);
    expect(e.fix).toBe(`kubectl create role ${EPP}-access -n llm --verb=get,list,watch --resource=pods\nkubectl create rolebinding ${EPP}-access -n llm --role=${EPP}-access --serviceaccount=llm:${EPP}`);
  });

  it('IGW-501: EPP switched to --pool-group x-k8s.io while the pool is v1 → IGW-105 is the cause, 501 and 405 blocked by it', () => {
    const objs = chartInstall();
    const args: string[] = obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0].args;
    args[args.indexOf('--pool-group') + 1] = 'inference.networking.x-k8s.io';
    const f = doctor(objs);
    one(f, 'IGW-105', 'error');
    expect(one(f, 'IGW-501', 'blocked').blockedBy).toEqual(['IGW-105']);
    expect(one(f, 'IGW-405', 'blocked').blockedBy).toEqual(['IGW-105']);
  });

  it('IGW-501: an x-k8s.io pool and EPP, Role only for k8s.io pools → error naming inferencepools.inference.networking.x-k8s.io', () => {
    const objs = chartInstall();
    const pool = obj<Any>(objs, 'InferencePool', 'qwen');
    pool.apiVersion = 'inference.networking.x-k8s.io/v1alpha2';
    pool.spec = {selector: {'serving.kserve.io/inferenceservice': 'qwen'}, targetPortNumber: 8080, extensionRef: {name: EPP, portNumber: 9002}};
    delete pool.status;
    obj<Any>(objs, 'HTTPRoute', 'qwen').spec.rules[0].backendRefs[0].group = 'inference.networking.x-k8s.io';
    const args: string[] = obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0].args;
    args[args.indexOf('--pool-group') + 1] = 'inference.networking.x-k8s.io';
    const e = doctor(objs).find((x) => x.code === 'IGW-501' && x.severity === 'error')!;
    expect(e.fix).toContain('--resource=inferencepools.inference.networking.x-k8s.io');
  });

  it('IGW-501: RBAC objects unreadable → skipped as unknown with the Role needed', () => {
    const f = doctor(chartInstall(), {snapshot: {errors: {ClusterRoleBinding: {reason: 'forbidden', message: 'forbidden', rule: 'kubectl create clusterrole infgw-reader --verb=list --resource=clusterrolebindings.rbac.authorization.k8s.io'}}}});
    const s = one(f, 'IGW-501', 'skipped');
    expect(s.message).toContain('unknown');
    expect(s.message).toContain('get, list, watch on pods and inferencepools.inference.networking.k8s.io');
    expect(s.fix).toContain('clusterrolebindings');
  });
});
