import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../src/kube/client.ts';
import {byCode, doctor, loadObjects, obj, one, problems, without} from './fixture.ts';
import {chartInstall, EPP, GATEWAY, POLICY} from './chart-fixture.ts';
import {durationMs} from '../../../src/k8s/duration.ts';
import type {Finding} from '../../../src/checks/types.ts';
import {subset} from '../../../src/checks/phase4-chart/release.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const healthy = loadObjects('healthy-ai-gateway.yaml');

/** The chart install without the AI Gateway extension's handling of the route: the chart's own wiring (a) only. */
function chartOnly(): KubeObject[] {
  const objs = chartInstall();
  // the HTTPRoute goes to the model Service instead of the pool (wiring a, no extension needed)
  return objs.filter((o) => !(o.kind === 'HTTPRoute'));
}

/** IGW-411's one error about the EnvoyExtensionPolicy object (the chart install also has the TLS error on the EPP). */
function policyError(f: Finding[]): Finding {
  const es = f.filter((x) => x.code === 'IGW-411' && x.severity === 'error' && x.object?.kind === 'EnvoyExtensionPolicy');
  expect(es).toHaveLength(1);
  return es[0]!;
}

describe('phase 4 — the inference-gateway chart', () => {
  it('chart release + AI Gateway extension: the plaintext EPP breaks the AI Gateway wiring (IGW-411 error) and the EPP is wired twice (IGW-413 warning)', () => {
    const f = doctor(chartInstall());
    expect(problems(f).map((x) => `${x.code} ${x.severity}`)).toEqual(['IGW-411 error', 'IGW-413 warning']);
    // Envoy AI Gateway always dials the EPP with TLS (ai-gateway v1.1.0 internal/extensionserver/inferencepool.go);
    // the chart renders --secure-serving=false for its plaintext EnvoyExtensionPolicy: no setting serves both
    const tls = one(f, 'IGW-411', 'error');
    expect(tls.object).toEqual({apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'llm', name: EPP});
    expect(tls.message).toContain('Envoy AI Gateway always dials the EPP with TLS');
    expect(tls.message).toContain(`EnvoyExtensionPolicy llm/${POLICY} sends plaintext gRPC to the same EPP`);
    expect(tls.fix).toBe('helm upgrade igw <repo>/inference-gateway --version 0.3.0 -n llm --reuse-values --set epp.secureServing=true,extensionPolicy.enabled=false');
    const w = one(f, 'IGW-413', 'warning');
    expect(w.object).toEqual({apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyExtensionPolicy', namespace: 'llm', name: POLICY});
    expect(w.message).toContain('picked twice');
    expect(w.fix).toBe('helm upgrade igw <repo>/inference-gateway --version 0.3.0 -n llm --reuse-values --set extensionPolicy.enabled=false');
    for (const code of ['IGW-401', 'IGW-402', 'IGW-403', 'IGW-404', 'IGW-405', 'IGW-406', 'IGW-407', 'IGW-408', 'IGW-409', 'IGW-410', 'IGW-412']) {
      expect(byCode(f, code).map((x) => x.severity), code).toEqual(['ok']);
    }
  });

  it('IGW-411: AI Gateway wiring alone — TLS EPP ok (no BackendTLSPolicy, no --secure-serving=false advised); plaintext EPP → error removing the flag', () => {
    expect(byCode(doctor(healthy), 'IGW-411')).toEqual([]);
    const objs = structuredClone(healthy);
    const c = obj<Any>(objs, 'Deployment', 'qwen-epp').spec.template.spec.containers[0];
    c.args = ['--pool-name', 'qwen', '--secure-serving', 'false', '--pool-namespace', 'llm'];
    const e = one(doctor(objs), 'IGW-411', 'error');
    expect(e.object).toEqual({apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'llm', name: 'qwen-epp'});
    expect(e.message).toContain('Envoy AI Gateway always dials the EPP with TLS');
    expect(e.message).toContain('every request to InferencePool llm/qwen fails');
    // the value first, then the flag: indexes stay right
    expect(e.fix).toBe(`kubectl patch deployment qwen-epp -n llm --type json -p '[{"op":"remove","path":"/spec/template/spec/containers/0/args/3"},{"op":"remove","path":"/spec/template/spec/containers/0/args/2"}]'`);
  });

  it('healthy AI Gateway wiring without the chart: IGW-413 ok (wired once)', () => {
    expect(one(doctor(healthy), 'IGW-413', 'ok').message).toBe('wired once: Envoy AI Gateway extension (HTTPRoute → InferencePool)');
  });

  it('IGW-402: an object of the release deleted → error with the helm re-apply command', () => {
    const e = one(doctor(without(chartInstall(), 'EnvoyExtensionPolicy', POLICY)), 'IGW-402', 'error');
    expect(e.message).toContain('EnvoyExtensionPolicy igw-inference-gateway-ext-proc');
    expect(e.object).toEqual({apiVersion: 'v1', kind: 'Secret', namespace: 'llm', name: 'sh.helm.release.v1.igw.v1'});
    expect(e.fix).toBe('helm get manifest igw -n llm | kubectl apply -f -');
  });

  it('IGW-402: EPP args edited by hand → drift warning', () => {
    const objs = chartInstall();
    obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0].args.push('--v', '4');
    const w = one(doctor(objs), 'IGW-402', 'warning');
    expect(w.message).toContain(`Deployment ${EPP} differs from what release igw rendered`);
  });

  it('IGW-401: failed upgrade on top of a deployed revision → warning', () => {
    const objs = chartInstall();
    const secret = objs.find((o) => o.kind === 'Secret')! as Any;
    const failed = structuredClone(secret);
    failed.metadata.name = 'sh.helm.release.v1.igw.v2';
    failed.metadata.labels = {...failed.metadata.labels, version: '2', status: 'failed'};
    objs.push(failed as KubeObject);
    const w = one(doctor(objs), 'IGW-401', 'warning');
    expect(w.message).toContain('revision 2 is failed');
  });

  it('IGW-405: EPP image pull failure → error with the reason, downstream EPP Service endpoints blocked', () => {
    const objs = chartInstall();
    const d = obj<Any>(objs, 'Deployment', EPP);
    d.status = {observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0, unavailableReplicas: 1, conditions: [{type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable'}]};
    const p = objs.find((o) => o.kind === 'Pod' && o.metadata.name.startsWith(EPP)) as Any;
    p.status = {
      phase: 'Pending',
      conditions: [{type: 'PodScheduled', status: 'True'}, {type: 'Ready', status: 'False', reason: 'ContainersNotReady'}],
      containerStatuses: [{name: 'epp', ready: false, restartCount: 0, image: 'registry.k8s.io/gateway-api-inference-extension/epp:v9.9.9', state: {waiting: {reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.k8s.io/gateway-api-inference-extension/epp:v9.9.9"'}}}],
    };
    const f = doctor(objs);
    const e = one(f, 'IGW-405', 'error');
    expect(e.message).toContain('cannot pull image');
    expect(e.message).toContain('no EPP is ready');
    expect(e.fix).toContain(`kubectl describe pod ${p.metadata.name} -n llm`);
    expect(one(f, 'IGW-407', 'blocked').blockedBy).toEqual(['IGW-405']);
  });

  it('IGW-405: a status counter that still counts a deleted pod does not hide an outage (no Ready EPP pod → error, root cause first)', () => {
    // What a fresh machine saw: the new ReplicaSet's only pod is in ImagePullBackOff, the old pod is
    // gone, and the deployment controller has not yet rewritten availableReplicas (still 1).
    const objs = chartInstall();
    const d = obj<Any>(objs, 'Deployment', EPP);
    d.status = {observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1, unavailableReplicas: 0, conditions: [{type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable'}, {type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated'}]};
    d.metadata.generation = 2;
    const p = objs.find((o) => o.kind === 'Pod' && o.metadata.name.startsWith(EPP)) as Any;
    p.status = {
      phase: 'Pending',
      conditions: [{type: 'PodScheduled', status: 'True'}, {type: 'Ready', status: 'False', reason: 'ContainersNotReady'}],
      containerStatuses: [{name: 'epp', ready: false, restartCount: 0, state: {waiting: {reason: 'ImagePullBackOff', message: 'Back-off pulling image "epp:v0.0.0-does-not-exist"'}}}],
    };
    const f = doctor(objs);
    expect(byCode(f, 'IGW-405').map((x) => x.severity)).toEqual(['error']);
    expect(one(f, 'IGW-405', 'error').message).toContain('no EPP is ready');
    expect(one(f, 'IGW-407', 'blocked').blockedBy).toEqual(['IGW-405']);
  });

  it('IGW-405: EPP unschedulable → error with the scheduler message', () => {
    const objs = chartInstall();
    obj<Any>(objs, 'Deployment', EPP).status.availableReplicas = 0;
    const p = objs.find((o) => o.kind === 'Pod' && o.metadata.name.startsWith(EPP)) as Any;
    p.status = {phase: 'Pending', conditions: [{type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient memory.'}]};
    expect(one(doctor(objs), 'IGW-405', 'error').message).toContain('0/3 nodes are available: 3 Insufficient memory.');
  });

  it('IGW-405: ServiceAccount missing → ReplicaFailure reported', () => {
    const objs = chartInstall();
    const d = obj<Any>(objs, 'Deployment', EPP);
    d.status = {observedGeneration: 1, replicas: 0, availableReplicas: 0, conditions: [{type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "igw-inference-gateway-epp-6d5f7c8b9-" is forbidden: error looking up service account llm/igw-inference-gateway-epp: serviceaccount "igw-inference-gateway-epp" not found'}]};
    expect(one(doctor(objs), 'IGW-405', 'error').message).toContain('serviceaccount "igw-inference-gateway-epp" not found');
  });

  it('IGW-406: the release\'s EPP serves another pool (epp.poolName typo) → error, fix via helm', () => {
    const objs = chartInstall();
    const args: string[] = obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0].args;
    args[args.indexOf('--pool-name') + 1] = 'qwen3';
    const f = doctor(objs);
    const e = f.find((x) => x.code === 'IGW-406' && x.severity === 'error' && x.chain === 'llm/qwen')!;
    expect(e.message).toContain('serves InferencePool llm/qwen3, not llm/qwen');
  });

  it('IGW-406: epp.poolName not set → the EPP gets an empty --pool-name; fix via helm --set epp.poolName', () => {
    const objs = chartInstall({release: {config: {gatewayClassName: 'envoy-gateway'}, manifest: readRendered().replace('- --pool-name\n        - "qwen"', '- --pool-name\n        - ""')}});
    const args: string[] = obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0].args;
    args[args.indexOf('--pool-name') + 1] = '';
    const e = one(doctor(objs), 'IGW-406', 'error');
    expect(e.message).toBe(`EPP llm/${EPP} has an empty --pool-name: it does not start`);
    expect(e.fix).toBe('helm upgrade igw <repo>/inference-gateway --version 0.3.0 -n llm --reuse-values --set epp.poolName=qwen');
  });

  it('IGW-301: a release whose pool does not exist (no pool points at its EPP either) → error with an InferencePool to apply', () => {
    const objs = without(chartInstall(), 'InferencePool', 'qwen');
    const f = doctor(objs);
    const e = one(f, 'IGW-301', 'error');
    expect(e.message).toBe("InferencePool llm/qwen (inference.networking.k8s.io) does not exist, but release igw's EPP serves it (--pool-name=qwen): the EPP finds no endpoints and every request fails");
    expect(e.fix).toContain('serving.kserve.io/inferenceservice: qwen');
    expect(e.fix).toContain('- number: 8080');
    expect(e.fix).not.toContain('# set selector');
    expect(e.fix).toContain(`name: ${EPP}`);
    for (const code of ['IGW-303', 'IGW-306', 'IGW-408']) expect(one(f, code, 'blocked').blockedBy).toEqual(['IGW-301']);
  });

  it('IGW-407: EPP Service without port 9090 → warning; targetPort name the container lacks → error', () => {
    const objs = chartInstall();
    const s = obj<Any>(objs, 'Service', EPP);
    s.spec.ports = [{name: 'grpc', port: 9002, targetPort: 'grpc-ext-proc'}];
    const f = doctor(objs);
    expect(one(f, 'IGW-407', 'warning').message).toContain('no port 9090');
    const e = one(f, 'IGW-407', 'error');
    expect(e.message).toContain('targets "grpc-ext-proc"');
    expect(e.fix).toBe(`kubectl patch service ${EPP} -n llm --type json -p '[{"op":"replace","path":"/spec/ports/0/targetPort","value":9002}]'`);
  });

  it('IGW-408: cross-namespace HTTPRoute without ReferenceGrant → error with the ReferenceGrant YAML', () => {
    const objs = chartInstall();
    const r = obj<Any>(objs, 'HTTPRoute', 'qwen');
    r.metadata.namespace = 'apps';
    r.spec.parentRefs[0].namespace = 'llm';
    r.spec.rules[0].backendRefs[0].namespace = 'llm';
    const e = one(doctor(objs), 'IGW-408', 'error');
    expect(e.message).toContain('without a ReferenceGrant');
    expect(e.fix).toContain('kind: ReferenceGrant');
    expect(e.fix).toContain('namespace: apps');
    objs.push({apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: {name: 'apps', namespace: 'llm'}, spec: {from: [{group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'apps'}], to: [{group: 'inference.networking.k8s.io', kind: 'InferencePool'}]}} as KubeObject);
    expect(byCode(doctor(objs), 'IGW-408').map((x) => x.severity)).toEqual(['ok']);
  });

  it('IGW-408: HTTPRoute attached to another Gateway than the release\'s → error', () => {
    const objs = chartInstall();
    obj<Any>(objs, 'HTTPRoute', 'qwen').spec.parentRefs[0].name = 'public';
    const e = one(doctor(objs), 'IGW-408', 'error');
    expect(e.message).toContain(`not to Gateway llm/${GATEWAY} of release igw`);
  });

  it('IGW-408: no HTTPRoute to the pool → error with an HTTPRoute to apply', () => {
    const e = one(doctor(chartOnly()), 'IGW-408', 'error');
    expect(e.fix).toContain('kind: InferencePool');
    expect(e.fix).toContain(`name: ${GATEWAY}`);
  });

  it('IGW-409: ResolvedRefs=False InvalidKind → error explaining the missing extension', () => {
    const objs = chartInstall();
    obj<Any>(objs, 'HTTPRoute', 'qwen').status.parents[0].conditions[1] = {type: 'ResolvedRefs', status: 'False', reason: 'InvalidKind', message: 'Kind InferencePool is not supported'};
    const e = one(doctor(objs), 'IGW-409', 'error');
    expect(e.message).toContain('InvalidKind');
    expect(e.message).toContain('Envoy AI Gateway extensionManager is missing');
  });

  it('IGW-410: two pools sending to one EPP (fan-in) → error for the pool the EPP does not serve', () => {
    const objs = chartInstall();
    const second = structuredClone(obj<Any>(objs, 'InferencePool', 'qwen'));
    second.metadata.name = 'llama';
    second.spec.selector.matchLabels['serving.kserve.io/inferenceservice'] = 'llama';
    objs.push(second as KubeObject);
    const f = doctor(objs);
    const e = one(f, 'IGW-410', 'error');
    expect(e.object?.name).toBe('llama');
    expect(e.message).toContain('fan-in');
    expect(e.fix).toContain('helm install llama-epp <repo>/inference-gateway --version 0.3.0 -n llm --set epp.poolName=llama');
    // not IGW-406 with a fix that would move the only EPP to llama
    expect(f.find((x) => x.code === 'IGW-406' && x.chain === 'llm/llama')?.severity).toBe('blocked');
  });

  it('IGW-411: EPP serving TLS behind the EnvoyExtensionPolicy only → error (gRPC status 14): plaintext, or keep TLS through an Envoy Gateway Backend', () => {
    const objs = chartOnly();
    const c = obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0];
    c.args = c.args.filter((a: string) => a !== '--secure-serving=false');
    const e = one(doctor(objs), 'IGW-411', 'error');
    expect(e.message).toContain('serves TLS on 9002');
    expect(e.fix!.split('\n')[0]).toBe('helm upgrade igw <repo>/inference-gateway --version 0.3.0 -n llm --reuse-values --set epp.secureServing=false');
    expect(e.fix).toContain('kind: Backend');
    expect(e.fix).toContain(`hostname: ${EPP}.llm.svc.cluster.local`);
    expect(e.fix).toContain('insecureSkipVerify: true');
  });

  it('IGW-411: both wirings and a TLS EPP → one error: remove the EnvoyExtensionPolicy (never --secure-serving=false, which breaks the AI Gateway wiring)', () => {
    const objs = chartInstall();
    const c = obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0];
    c.args = c.args.filter((a: string) => a !== '--secure-serving=false');
    const e = one(doctor(objs), 'IGW-411', 'error');
    expect(e.message).toContain('no TLS setting satisfies both wirings');
    expect(e.fix).toBe('helm upgrade igw <repo>/inference-gateway --version 0.3.0 -n llm --reuse-values --set extensionPolicy.enabled=false');
    expect(e.fix).not.toContain('secureServing=false');
  });

  it('IGW-411: policy targeting a Gateway that does not exist, or not Accepted → error', () => {
    const objs = chartInstall();
    const p = obj<Any>(objs, 'EnvoyExtensionPolicy', POLICY);
    p.status.ancestors[0].conditions[0] = {type: 'Accepted', status: 'False', reason: 'Invalid', message: 'Failed to process route rule 0 backendRef 0: service llm/x not found.'};
    expect(policyError(doctor(objs)).message).toContain('Accepted=False (Invalid: Failed to process');
  });

  it('IGW-412: 200ms default messageTimeout, Buffered response, no request body → warnings with fixes', () => {
    const objs = chartInstall();
    const e = obj<Any>(objs, 'EnvoyExtensionPolicy', POLICY).spec.extProc[0];
    delete e.messageTimeout;
    e.processingMode.response.body = 'Buffered';
    const f = doctor(objs);
    const ws = byCode(f, 'IGW-412').filter((x) => x.severity === 'warning');
    expect(ws.map((w) => w.message).join('\n')).toContain('Envoy Gateway default 200ms');
    expect(ws.find((w) => w.message.includes('buffers the response body'))!.fix).toBe('helm upgrade igw <repo>/inference-gateway --version 0.3.0 -n llm --reuse-values --set extensionPolicy.responseBodyMode=Streamed');
    delete e.processingMode;
    expect(byCode(doctor(objs), 'IGW-412').some((x) => x.message.includes('does not send the request body'))).toBe(true);
  });

  it('IGW-404: Gateway not Programmed → error; listener port differs from the release → error', () => {
    const objs = chartInstall();
    obj<Any>(objs, 'Gateway', GATEWAY).status.conditions[1] = {type: 'Programmed', status: 'False', reason: 'AddressNotAssigned', message: 'No addresses have been assigned to the Gateway'};
    const e = one(doctor(objs), 'IGW-404', 'error');
    expect(e.message).toContain('not Programmed: Programmed=False (AddressNotAssigned');
    expect(e.fix).toContain('gateway.envoyproxy.io/owning-gateway-name=igw-inference-gateway');
  });

  it('IGW-403: the release\'s Gateway deleted → error; everything on it blocked', () => {
    const f = doctor(without(chartInstall(), 'Gateway', GATEWAY));
    const e = one(f, 'IGW-403', 'error');
    expect(e.message).toBe(`Gateway llm/${GATEWAY}, named by release igw, does not exist`);
    expect(one(f, 'IGW-404', 'blocked').blockedBy).toEqual(['IGW-403']);
    expect(one(f, 'IGW-411', 'blocked').blockedBy).toEqual(['IGW-403']);
  });

  it('helpers: subset ignores server defaults; durationMs parses Gateway API durations', () => {
    expect(subset({a: [{b: 1}]}, {a: [{b: '1', c: 2}], d: 3})).toBe(true);
    expect(subset({a: [1, 2]}, {a: [1]})).toBe(false);
    expect(durationMs('200ms')).toBe(200);
    expect(durationMs('1m30s')).toBe(90_000);
    expect(durationMs('10x')).toBeUndefined();
  });
});

import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {repoRoot} from './fixture.ts';
function readRendered(): string {
  return readFileSync(join(repoRoot, 'test', 'unit', 'fixtures', 'doctor', 'chart-igw.rendered.yaml'), 'utf8');
}

describe('IGW-415 — dangling HTTPRoute backendRefs', () => {
  it('route to a pool that does not exist → error with a patch to the pool that does (500 fault filter abort)', () => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    obj<Record<string, any>>(objs, 'HTTPRoute', 'qwen').spec.rules[0].backendRefs[0].name = 'qwen-pool'; // eslint-disable-line @typescript-eslint/no-explicit-any
    const f = doctor(objs);
    const e = one(f, 'IGW-415', 'error');
    expect(e.message).toContain('sends to InferencePool llm/qwen-pool (inference.networking.k8s.io), which does not exist');
    expect(e.fix).toBe(`kubectl patch httproute qwen -n llm --type json -p '[{"op":"replace","path":"/spec/rules/0/backendRefs/0/name","value":"qwen"}]'`);
    // the real pool has no route now: blocked by the typo, not a second error (and no "wired" error)
    expect(one(f, 'IGW-408', 'blocked').blockedBy).toEqual(['IGW-415']);
    expect(byCode(f, 'IGW-413')).toEqual([]);
  });

  it('the route names the pool a release serves, and that pool is missing → IGW-415 blocked by IGW-301', () => {
    const f = doctor(without(chartInstall(), 'InferencePool', 'qwen'));
    one(f, 'IGW-301', 'error');
    expect(one(f, 'IGW-415', 'blocked').blockedBy).toEqual(['IGW-301']);
  });
});

describe('IGW-408 with routes read in one namespace only', () => {
  it('no route found but other namespaces unreadable → warning, not error', async () => {
    const {snap: mk, NOW} = await import('./fixture.ts');
    const {runDoctor} = await import('../../../src/doctor/run.ts');
    const s = mk(chartInstall().filter((o) => o.kind !== 'HTTPRoute'));
    s.lists.HTTPRoute!.parts[0]!.namespace = 'llm';
    const w = runDoctor(s, {now: NOW}).findings.find((f) => f.code === 'IGW-408')!;
    expect(w.severity).toBe('warning');
    expect(w.message).toContain('routes in other namespaces could not be read');
  });
});

describe('requests R6', () => {
  it("the release's EPP Service deleted → IGW-306's fix re-applies the release", () => {
    const e = one(doctor(without(chartInstall(), 'Service', EPP)), 'IGW-306', 'error');
    expect(e.fix).toBe('helm get manifest igw -n llm | kubectl apply -f -   # the release\'s EPP Service was deleted');
  });

  it('IGW-411: wrong port and Accepted=False on one policy → one finding with both', () => {
    const objs = chartInstall();
    const p = obj<Record<string, any>>(objs, 'EnvoyExtensionPolicy', POLICY); // eslint-disable-line @typescript-eslint/no-explicit-any
    p.spec.extProc[0].backendRefs[0].port = 9003;
    p.status.ancestors[0].conditions[0] = {type: 'Accepted', status: 'False', reason: 'Invalid', message: 'port 9003 not found'};
    const e = policyError(doctor(objs));
    expect(e.message).toContain(`${EPP}:9003; the EPP serves gRPC on 9002; on Gateway ${GATEWAY}: Accepted=False (Invalid: port 9003 not found)`);
    expect(e.fix).toContain('/spec/extProc/0/backendRefs/0/port');
  });

  it('IGW-414: another policy on the Gateway that is not accepted → warning', () => {
    const objs = chartInstall();
    objs.push({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'EnvoyExtensionPolicy',
      metadata: {name: 'bbr', namespace: 'llm'},
      spec: {targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'Gateway', name: GATEWAY}], extProc: [{backendRefs: [{name: 'bbr', port: 9004}]}]},
      status: {ancestors: [{ancestorRef: {name: GATEWAY}, conditions: [{type: 'Accepted', status: 'False', reason: 'Invalid', message: 'service llm/bbr not found'}]}]},
    } as KubeObject);
    expect(one(doctor(objs), 'IGW-414', 'warning').message).toContain('service llm/bbr not found');
  });
});

describe('IGW-406: --endpoint-selector is the standalone alternative to --pool-name (issue 11 item 6)', () => {
  const standalone = (args: string[], env: unknown[] = [{name: 'POD_NAME', valueFrom: {fieldRef: {fieldPath: 'metadata.name'}}}]): KubeObject[] => {
    const objs = structuredClone(healthy);
    for (const kind of ['Deployment', 'Pod']) {
      const o = objs.find((x) => x.kind === kind && x.metadata.name.startsWith('qwen-epp')) as Any;
      const c = kind === 'Deployment' ? o.spec.template.spec.containers[0] : o.spec.containers[0];
      c.image = 'registry.example/llm-d/llm-d-router-endpoint-picker:v0.10.0';
      c.args = args;
      c.env = env;
    }
    return objs;
  };

  it('selector + target ports + POD_NAME → info "standalone mode", no "missing --pool-name" error', () => {
    const f = doctor(standalone(['--endpoint-selector=serving.kserve.io/inferenceservice=qwen', '--endpoint-target-ports=8080']));
    expect(byCode(f, 'IGW-406').map((x) => x.severity)).toEqual(['info']);
    expect(one(f, 'IGW-406', 'info').message).toBe('EPP llm/qwen-epp runs in standalone mode (--endpoint-selector=serving.kserve.io/inferenceservice=qwen, ports 8080): it does not read any InferencePool');
    expect(f.filter((x) => x.severity === 'error').map((x) => x.code)).toEqual([]);
    // the EPP is still found behind the pool's endpointPickerRef (not "no EPP Deployment serves")
    expect(one(f, 'IGW-405', 'ok').message).toContain('llm/qwen-epp available');
  });

  it('both --pool-name and --endpoint-selector → error (the EPP exits at start), fix removes the selector', () => {
    const e = one(doctor(standalone(['--pool-name', 'qwen', '--endpoint-selector', 'serving.kserve.io/inferenceservice=qwen', '--endpoint-target-ports=8080'])), 'IGW-406', 'error');
    expect(e.message).toContain('sets both --pool-name qwen and --endpoint-selector');
    expect(e.message).toContain('either pool-name or endpoint-selector must be set');
    expect(e.fix).toContain(`'[{"op":"remove","path":"/spec/template/spec/containers/0/args/3"},{"op":"remove","path":"/spec/template/spec/containers/0/args/2"}]'`);
  });

  it('selector without --endpoint-target-ports → error; llm-d-router without env POD_NAME → error', () => {
    const noPorts = one(doctor(standalone(['--endpoint-selector=serving.kserve.io/inferenceservice=qwen'])), 'IGW-406', 'error');
    expect(noPorts.message).toContain('without --endpoint-target-ports');
    expect(noPorts.fix).toContain('"value":"--endpoint-target-ports=8080"');
    const noPodName = one(doctor(standalone(['--endpoint-selector=serving.kserve.io/inferenceservice=qwen', '--endpoint-target-ports=8080'], [])), 'IGW-406', 'error');
    expect(noPodName.message).toContain('failed to get environment variable POD_NAME');
    expect(noPodName.fix).toContain('"fieldPath":"metadata.name"');
  });

  it("a pool pointing at a standalone EPP that selects other pods → warning", () => {
    const w = one(doctor(standalone(['--endpoint-selector=app=vllm', '--endpoint-target-ports=8000'])), 'IGW-406', 'warning');
    expect(w.message).toContain("ignores the pool's selector (serving.kserve.io/inferenceservice=qwen): it routes to the pods matching app=vllm");
  });
});

