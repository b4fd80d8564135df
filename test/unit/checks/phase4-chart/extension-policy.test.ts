import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../../src/kube/client.ts';
import {chartInstall, EPP, GATEWAY, POLICY} from '../chart-fixture.ts';
import {byCode, doctor, loadObjects, obj, one, problems, without} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const healthy = loadObjects('healthy-ai-gateway.yaml');

describe('phase 4 — the inference-gateway chart', () => {
  it('chart release + AI Gateway extension: everything ok except the double wiring (IGW-413 warning)', () => {
    const f = doctor(chartInstall());
    expect(problems(f).map((x) => `${x.code} ${x.severity}`)).toEqual(['IGW-413 warning']);
    const w = one(f, 'IGW-413', 'warning');
    expect(w.object).toEqual({apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyExtensionPolicy', namespace: 'llm', name: POLICY});
    expect(w.message).toContain('picked twice');
    expect(w.fix).toBe('helm upgrade igw <repo>/inference-gateway --version 0.3.0 -n llm --reuse-values --set extensionPolicy.enabled=false');
    for (const code of ['IGW-401', 'IGW-402', 'IGW-403', 'IGW-404', 'IGW-405', 'IGW-406', 'IGW-407', 'IGW-408', 'IGW-409', 'IGW-410', 'IGW-411', 'IGW-412']) {
      expect(byCode(f, code).map((x) => x.severity), code).toEqual(['ok']);
    }
  });

  it('healthy AI Gateway wiring without the chart: IGW-413 ok (wired once)', () => {
    expect(one(doctor(healthy), 'IGW-413', 'ok').message).toBe('wired once: Envoy AI Gateway extension (HTTPRoute → InferencePool)');
  });

  it('IGW-411: EPP serving TLS behind the EnvoyExtensionPolicy → error (gRPC status 14)', () => {
    const objs = chartInstall();
    const c = obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0];
    c.args = c.args.filter((a: string) => a !== '--secure-serving=false');
    const e = one(doctor(objs), 'IGW-411', 'error');
    expect(e.message).toContain('serves TLS on 9002');
    expect(e.fix).toBe('helm upgrade igw <repo>/inference-gateway --version 0.3.0 -n llm --reuse-values --set epp.secureServing=false');
  });

  it('IGW-411: policy targeting a Gateway that does not exist, or not Accepted → error', () => {
    const objs = chartInstall();
    const p = obj<Any>(objs, 'EnvoyExtensionPolicy', POLICY);
    p.status.ancestors[0].conditions[0] = {type: 'Accepted', status: 'False', reason: 'Invalid', message: 'Failed to process route rule 0 backendRef 0: service llm/x not found.'};
    expect(one(doctor(objs), 'IGW-411', 'error').message).toContain('Accepted=False (Invalid: Failed to process');
  });

  it('IGW-411: the target Gateway was deleted and the policy kept its old Accepted=True (Envoy Gateway v1.9.1 writes no status then) → error, no TargetNotFound claimed', () => {
    const objs = without(chartInstall(), 'Gateway', GATEWAY);
    const p = obj<Any>(objs, 'EnvoyExtensionPolicy', POLICY);
    expect(p.status.ancestors[0].conditions[0]).toMatchObject({type: 'Accepted', status: 'True'});
    const e = byCode(doctor(objs), 'IGW-411');
    const msg = e.map((x) => `${x.severity} ${x.message} ${x.blockedBy ?? ''}`).join('\n');
    // IGW-411 depends on IGW-403 (the Gateway): the root cause is reported there, this one is blocked
    expect(e.map((x) => x.severity), msg).toEqual(['blocked']);
    expect(one(doctor(objs, {skip: ['IGW-403']}), 'IGW-411', 'error').message).toMatch(/does not exist in llm \(Envoy Gateway writes no status for it; an old Accepted=True may remain\)/);
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
    const e = one(doctor(objs), 'IGW-411', 'error');
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
