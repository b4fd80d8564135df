import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../../src/kube/client.ts';
import type {Finding} from '../../../../src/checks/types.ts';
import {chartInstall, EPP, GATEWAY, POLICY} from '../chart-fixture.ts';
import {byCode, doctor, loadObjects, obj, one, problems, without} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const healthy = loadObjects('healthy-ai-gateway.yaml');

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




  it('healthy AI Gateway wiring without the chart: IGW-413 ok (wired once)', () => {
    expect(one(doctor(healthy), 'IGW-413', 'ok').message).toBe('wired once: Envoy AI Gateway extension (HTTPRoute → InferencePool)');
  });

  it('IGW-411: policy targeting a Gateway that does not exist, or not Accepted → error', () => {
    const objs = chartInstall();
    const p = obj<Any>(objs, 'EnvoyExtensionPolicy', POLICY);
    p.status.ancestors[0].conditions[0] = {type: 'Accepted', status: 'False', reason: 'Invalid', message: 'Failed to process route rule 0 backendRef 0: service llm/x not found.'};
    expect(policyError(doctor(objs)).message).toContain('Accepted=False (Invalid: Failed to process');
  });

  it('IGW-411: the target Gateway was deleted and the policy kept its old Accepted=True (Envoy Gateway v1.9.1 writes no status then) → error, no TargetNotFound claimed', () => {
    const objs = without(chartInstall(), 'Gateway', GATEWAY);
    const p = obj<Any>(objs, 'EnvoyExtensionPolicy', POLICY);
    expect(p.status.ancestors[0].conditions[0]).toMatchObject({type: 'Accepted', status: 'True'});
    const e = byCode(doctor(objs), 'IGW-411');
    const msg = e.map((x) => `${x.severity} ${x.message} ${x.blockedBy ?? ''}`).join('\n');
    // IGW-411 depends on IGW-403 (the Gateway): the root cause is reported there, this one is blocked
    expect(e.map((x) => x.severity), msg).toEqual(['blocked']);
    expect(policyError(doctor(objs, {skip: ['IGW-403']})).message).toMatch(/does not exist in llm \(Envoy Gateway writes no status for it; an old Accepted=True may remain\)/);
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
});

describe('requests R6', () => {

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
