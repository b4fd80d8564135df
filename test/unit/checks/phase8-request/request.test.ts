// IGW-801…810: one request through the Gateway (doctor --request), judged from the record
// src/probe/gateway-request.ts leaves in the snapshot, over the healthy AI Gateway install.
import {describe, expect, it} from 'vitest';
import {requestOutcome} from '../../../../src/checks/phase8-request/request.ts';
import type {GatewayRequestRead} from '../../../../src/snapshot/types.ts';
import {byCode, obj, one, without} from '../fixture.ts';
import {adminRead, healthy, phase8, run, sent} from './phase8-fixture.ts';

type Sent = Extract<GatewayRequestRead, {sent: true}>;
const s = (over: Partial<Sent>): Sent => sent(over) as Sent;

describe('requestOutcome: what the answer says failed', () => {
  it.each([
    [{status: 200}, 'ok'],
    [{status: 200, errorKind: 'stream' as const}, 'other'],
    [{status: null, errorKind: 'timeout' as const}, 'no-answer'],
    [{status: 404, body: ''}, 'not-found'],
    [{status: 429, body: 'Too Many Requests'}, 'shed'],
    [{status: 503, body: '', headers: {'x-llm-d-request-dropped-reason': 'saturated'}}, 'shed'],
    [{status: 500, body: 'fault filter abort'}, 'fault-abort'],
    [{status: 500, body: 'ext_proc_error_gRPC_error_14'}, 'ext-proc'],
    [{status: 503, body: 'no healthy upstream'}, 'no-upstream'],
    [{status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure'}, 'no-upstream'],
    [{status: 504, body: 'upstream request timeout'}, 'timeout-504'],
    [{status: 401, body: 'unauthorized'}, 'other'],
  ])('%j → %s', (over, want) => {
    expect(requestOutcome(s({headers: {}, ...over}))).toBe(want);
  });

  it('a 500 with an empty body is ext_proc only when the proxy counted ext_proc errors', () => {
    expect(requestOutcome(s({status: 500, body: ''}))).toBe('other');
    expect(requestOutcome(s({status: 500, body: ''}), true)).toBe('ext-proc');
  });
});

describe('the request findings (IGW-801…810)', () => {
  it('success: status, TTFT, model and the pod that served it', () => {
    const fs = run({request: sent()});
    const f = one(fs, 'IGW-801', 'ok');
    expect(f.message).toContain('HTTP 200 in 80 ms, first token after 42 ms; model qwen (/v1/models of qwen-predictor-7d9f8c6b5-abcde)');
    expect(f.message).toContain('port-forward to Envoy proxy envoy-gateway-system/envoy-llm-inference-gateway-5a1b2c3d-abcde');
    expect(one(fs, 'IGW-809', 'ok').object).toEqual({apiVersion: 'v1', kind: 'Pod', namespace: 'llm', name: 'qwen-predictor-7d9f8c6b5-abcde'});
    one(fs, 'IGW-810', 'ok');
    one(fs, 'IGW-808', 'ok');
    expect(phase8(fs).filter((x) => x.severity !== 'ok').map((x) => x.code)).toEqual([]);
  });

  it('IGW-808 ok says which way in: the status address, or the port-forward and the status addresses that refused first', () => {
    expect(one(run({request: sent({via: 'gateway-address', url: 'http://203.0.113.7', envoyProxy: undefined})}), 'IGW-808', 'ok').message).toBe('Gateway address http://203.0.113.7');
    expect(one(run({request: sent()}), 'IGW-808', 'ok').message).toBe('port-forward to Envoy proxy envoy-gateway-system/envoy-llm-inference-gateway-5a1b2c3d-abcde');
    expect(one(run({request: sent({addressesRefused: ['203.0.113.7:80']})}), 'IGW-808', 'ok').message).toBe(
      "port-forward to Envoy proxy envoy-gateway-system/envoy-llm-inference-gateway-5a1b2c3d-abcde (the Gateway's status address 203.0.113.7:80 did not accept a connection from here)",
    );
  });

  it('served by no pod of the pool: warning; counters unreadable: info', () => {
    expect(one(run({request: sent({servedBy: []})}), 'IGW-809', 'warning').message).toContain('no model server pod of llm/qwen counted the request');
    expect(one(run({request: sent({servedBy: null, countersError: 'no request counter'})}), 'IGW-809', 'info').message).toContain('no request counter');
  });

  it('an answer in one piece to stream: true is IGW-810 warning', () => {
    expect(one(run({request: sent({streamed: false, ttftMs: null, contentType: 'application/json'})}), 'IGW-810', 'warning').message).toContain('got application/json');
  });

  it('404 from Envoy: no route (IGW-802), with the body and the server', () => {
    const f = one(run({request: sent({status: 404, body: '', headers: {server: 'envoy'}, errorKind: 'http'})}), 'IGW-802', 'error');
    expect(f.message).toContain('HTTP 404');
    expect(f.message).toContain('Envoy found no route for /v1/chat/completions');
  });

  it('404 from the model server: the model name (IGW-802)', () => {
    const f = one(run({request: sent({status: 404, body: '{"error":{"message":"The model `qwen` does not exist."}}', headers: {}, errorKind: 'http'})}), 'IGW-802', 'error');
    expect(f.message).toContain('the model server does not serve model "qwen"');
  });

  it('500 fault filter abort (IGW-803)', () => {
    one(run({request: sent({status: 500, body: 'fault filter abort', headers: {}, errorKind: 'http'})}), 'IGW-803', 'error');
  });

  it('500 with an empty body while the proxy counts ext_proc errors: IGW-804', () => {
    const fs = run({request: sent({status: 500, body: '', headers: {}, errorKind: 'http'}), admin: [adminRead('config-dump.ai-gateway.json', 'stats.ext-proc-errors.txt')]});
    expect(one(fs, 'IGW-804', 'error').fix).toContain('kubectl logs -n envoy-gateway-system envoy-llm-inference-gateway-5a1b2c3d-abcde | grep -i ext_proc');
    expect(byCode(fs, 'IGW-801')).toEqual([]);
  });

  it('503 on a healthy install: IGW-805 error', () => {
    const f = one(run({request: sent({status: 503, body: 'no healthy upstream', headers: {}, errorKind: 'http'})}), 'IGW-805', 'error');
    expect(f.message).toContain('body: "no healthy upstream"');
  });

  it('503 while the EPP Deployment is unavailable (IGW-405): the request finding is blocked by it', () => {
    const objs = healthy();
    const d = obj<{status: Record<string, unknown>}>(objs, 'Deployment', 'qwen-epp', 'llm');
    d.status = {replicas: 1, availableReplicas: 0, unavailableReplicas: 1, conditions: [{type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable'}]};
    const fs = run({objs: without(objs, 'Pod', 'qwen-epp-5c7d8f9b4-klmno'), request: sent({status: 503, body: 'no healthy upstream', headers: {}, errorKind: 'http'})});
    one(fs, 'IGW-405', 'error');
    const f = one(fs, 'IGW-805', 'blocked');
    expect(f.blockedBy).toContain('IGW-405');
    expect(f.message).toContain('HTTP 503');
    expect(f.message).toContain('explained by IGW-405 (EPP Deployment is available)');
  });

  it("504 where the route sets no timeouts.request: Envoy's 15 s default, and the patch", () => {
    const objs = healthy();
    const route = obj<{spec: {rules: Record<string, unknown>[]}}>(objs, 'HTTPRoute', 'qwen', 'llm');
    delete route.spec.rules[0]!.timeouts;
    const f = one(run({objs, request: sent({status: 504, body: 'upstream request timeout', headers: {}, errorKind: 'http', totalMs: 15002})}), 'IGW-806', 'error');
    expect(f.message).toContain("HTTPRoute llm/qwen rule 0 sets no timeouts.request, so Envoy's 15s route default applies");
    expect(f.fix).toContain(`kubectl patch httproute qwen -n llm --type json -p '[{"op":"add","path":"/spec/rules/0/timeouts","value":{"request":"300s"}}]'`);
  });

  it('504 where the rule has timeouts.backendRequest but no timeouts.request: the patch adds request only, backendRequest stays', () => {
    const objs = healthy();
    const route = obj<{spec: {rules: Record<string, unknown>[]}}>(objs, 'HTTPRoute', 'qwen', 'llm');
    route.spec.rules[0]!.timeouts = {backendRequest: '120s'};
    const f = one(run({objs, request: sent({status: 504, body: 'upstream request timeout', headers: {}, errorKind: 'http'})}), 'IGW-806', 'error');
    expect(f.fix).toContain(`'[{"op":"add","path":"/spec/rules/0/timeouts/request","value":"300s"}]'`);
  });

  it('503 says what answered: Envoy without upstream, Envoy unable to connect, or the upstream itself', () => {
    const msg = (body: string) => one(run({request: sent({status: 503, body, headers: {}, errorKind: 'http'})}), 'IGW-805', 'error').message;
    expect(msg('no healthy upstream')).toContain('Envoy had no healthy upstream for the pool');
    expect(msg('upstream connect error or disconnect/reset before headers. reset reason: connection failure')).toContain('Envoy could not connect to the picked pod');
    expect(msg('{"error":"model is loading"}')).toContain("the 503 came from upstream (not one of Envoy's own replies)");
  });

  it('504 where the route sets a timeout: names it', () => {
    expect(one(run({request: sent({status: 504, body: 'upstream request timeout', headers: {}, errorKind: 'http'})}), 'IGW-806', 'error').message).toContain('timeouts.request 300s on qwen rule 0');
  });

  it('429 with x-llm-d-request-dropped-reason: IGW-807 warning with the reason', () => {
    const f = one(run({request: sent({status: 429, body: '', headers: {'x-llm-d-request-dropped-reason': 'pool saturated', 'retry-after': '1'}, errorKind: 'http'})}), 'IGW-807', 'warning');
    expect(f.message).toContain('x-llm-d-request-dropped-reason: pool saturated');
  });

  it('no answer within the time limit: IGW-801 error naming --request-max-time', () => {
    expect(one(run({request: sent({status: null, errorKind: 'timeout', error: 'no response within 30000 ms', body: '', headers: {}})}), 'IGW-801', 'error').message).toContain('no answer within --request-max-time (30 s)');
  });

  it('not sent: no way in (IGW-808 error); no model (IGW-801 skipped with the flag to pass)', () => {
    expect(one(run({request: {pool: 'llm/qwen', sent: false, stage: 'way-in', reason: 'no Envoy proxy Service found for Gateway llm/inference-gateway'}}), 'IGW-808', 'error').message).toContain('no Envoy proxy Service found');
    expect(one(run({request: {pool: 'llm/qwen', sent: false, stage: 'model', reason: 'no model'}}), 'IGW-801', 'skipped').fix).toContain('--request-model');
  });

  it('a request for another pool says nothing about this one', () => {
    expect(phase8(run({request: sent({pool: 'other/pool'})}))).toEqual([]);
  });
});
