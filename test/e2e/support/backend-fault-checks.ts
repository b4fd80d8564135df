// Read-back checks for the faults of test/scenarios/faults-backend.ts (scenarios.e2e.test.ts runs one per
// fault): what each inject() claims to change, read from the cluster.
import {expect} from 'vitest';
import type {Installation} from '../../scenarios/index.ts';

const EG = 'gateway.envoyproxy.io/v1alpha1';
type Cond = {type: string; status: string; reason: string; observedGeneration?: number};
type Obj = {metadata: {generation?: number}; status?: {conditions?: Cond[]; ancestors?: {conditions: Cond[]}[]}};
type Backend = Obj & {spec: {endpoints: {fqdn?: {hostname: string; port: number}}[]; tls?: {insecureSkipVerify?: boolean}}};
type Policy = Obj & {spec: {extProc: {backendRefs: {group?: string; kind?: string; name: string; port?: number}[]}[]}};
type Epp = {spec: {template: {spec: {containers: {name: string; args?: string[]}[]}}}};

/** The Backend and the policy's ext-proc backendRef to it, both Accepted at their generation. */
async function backendWiring(inst: Installation): Promise<Backend> {
  const {names} = inst;
  const name = `${names.eppService}-backend`;
  const b = await inst.kube.get<Backend>({apiVersion: EG, kind: 'Backend', namespace: names.namespace, name});
  expect(b.spec.endpoints).toEqual([{fqdn: {hostname: `${names.eppService}.${names.namespace}.svc.cluster.local`, port: 9002}}]);
  expect(b.status?.conditions?.find((c) => c.type === 'Accepted')).toMatchObject({status: 'True', reason: 'Accepted', observedGeneration: b.metadata.generation});
  const p = await inst.kube.get<Policy>({apiVersion: EG, kind: 'EnvoyExtensionPolicy', namespace: names.namespace, name: names.extensionPolicy});
  // (the CRD defaults weight: 1)
  expect(p.spec.extProc[0]!.backendRefs).toHaveLength(1);
  expect(p.spec.extProc[0]!.backendRefs).toMatchObject([{group: 'gateway.envoyproxy.io', kind: 'Backend', name, port: 9002}]);
  expect(p.status?.ancestors?.[0]?.conditions.find((c) => c.type === 'Accepted')).toMatchObject({status: 'True', observedGeneration: p.metadata.generation});
  return b;
}

async function eppArgs(inst: Installation): Promise<string[]> {
  const d = await inst.kube.get<Epp>({apiVersion: 'apps/v1', kind: 'Deployment', namespace: inst.names.namespace, name: inst.names.eppDeployment});
  return d.spec.template.spec.containers.find((c) => c.name === 'epp')?.args ?? [];
}

export const backendFaultChecks = {
  async 'route-backend-no-timeout'(inst: Installation) {
    const {names} = inst;
    const b = await inst.kube.get<Backend>({apiVersion: EG, kind: 'Backend', namespace: names.namespace, name: `${names.modelService}-backend`});
    expect(b.spec.endpoints).toEqual([{fqdn: {hostname: `${names.modelService}.${names.namespace}.svc.cluster.local`, port: 80}}]);
    expect(b.spec.tls).toBeUndefined();
    type Route = Obj & {spec: {rules: {timeouts?: unknown; backendRefs: {kind?: string; name: string}[]}[]}; status: {parents: {conditions: Cond[]}[]}};
    const r = await inst.kube.get<Route>({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: names.namespace, name: `${names.release}-direct`});
    expect(r.spec.rules[0]!.timeouts).toBeUndefined();
    expect(r.spec.rules[0]!.backendRefs).toMatchObject([{kind: 'Backend', name: `${names.modelService}-backend`}]);
    expect(r.status.parents[0]!.conditions.find((c) => c.type === 'ResolvedRefs')).toMatchObject({status: 'True', observedGeneration: r.metadata.generation});
  },
  async 'policy-backend-tls-plaintext-epp'(inst: Installation) {
    expect((await backendWiring(inst)).spec.tls).toMatchObject({insecureSkipVerify: true});
    expect((await eppArgs(inst)).join(' ')).toMatch(/--secure-serving[= ]false/);
  },
  async 'policy-backend-tls-epp-tls'(inst: Installation) {
    expect((await backendWiring(inst)).spec.tls).toMatchObject({insecureSkipVerify: true});
    expect((await eppArgs(inst)).join(' ')).not.toMatch(/--secure-serving[= ]false/);
  },
};
