// Body-based routing (issue 16): BBR found from its objects, its EnvoyExtensionPolicy judged like the
// EPP's (Accepted, body modes, port, TLS), its Deployment's availability, the routes it feeds
// "blocked by" it. Fixture shapes: the research notes §6 (GIE v1.5.0 chart, Envoy Gateway v1.9.1 status).
import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../src/kube/client.ts';
import {bbrView, boolFlag} from '../../../src/model/bbr.ts';
import {byCode, doctor, loadObjects, obj, one, problems, snap, without} from './fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** healthy-ai-gateway.yaml with its HTTPRoute replaced by the BBR fixture's, plus the second pool and BBR. */
function twoModels(): KubeObject[] {
  return [...without(loadObjects('healthy-ai-gateway.yaml'), 'HTTPRoute', 'qwen'), ...loadObjects('bbr-two-models.yaml')];
}
function edit(objs: KubeObject[], kind: string, name: string, fn: (o: Any) => void): KubeObject[] {
  fn(obj<Any>(objs, kind, name));
  return objs;
}
const POLICY = {apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyExtensionPolicy', namespace: 'llm', name: 'body-based-router'};
const BBR = {apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'llm', name: 'body-based-router'};

describe('body-based routing — detection (src/model/bbr.ts)', () => {
  it('finds BBR by image and --plugin args, its Service, the policy that calls it, the header routes and ConfigMaps', () => {
    const v = bbrView(snap(twoModels()));
    expect(v.deployments.map((d) => [d.deployment.metadata.name, d.signals, d.streaming, d.secureServing, d.grpcPort, d.services.map((s) => s.metadata.name)])).toEqual([
      ['body-based-router', ['image', '--plugin args'], true, false, 9004, ['body-based-router']],
    ]);
    expect(v.policies.map((l) => [l.policy.metadata.name, l.extProcIndex, l.backendRef.name])).toEqual([['body-based-router', 0, 'body-based-router']]);
    expect(v.headerMatches.map((m) => [m.route.metadata.name, m.ruleIndex, m.value])).toEqual([
      ['qwen', 0, 'Qwen/Qwen3-32B'],
      ['deepseek', 0, 'deepseek/DeepSeek-r1'],
    ]);
    expect(v.configMaps.map((c) => [c.baseModel, c.adapters, c.problem])).toEqual([
      ['Qwen/Qwen3-32B', ['food-review-1'], undefined],
      ['deepseek/DeepSeek-r1', ['ski-resorts', 'movie-critique'], undefined],
    ]);
  });

  it('reads bool flags as pflag does: "--secure-serving" "false" as two args is true', () => {
    expect(boolFlag({name: 'bbr', args: ['--secure-serving', 'false']}, 'secure-serving', true)).toEqual({value: true, splitFalse: true});
    expect(boolFlag({name: 'bbr', args: ['--secure-serving=false']}, 'secure-serving', true)).toEqual({value: false, splitFalse: false});
    expect(boolFlag({name: 'bbr', args: []}, 'secure-serving', true)).toEqual({value: true, splitFalse: false});
    expect(boolFlag({name: 'bbr', args: ['--streaming']}, 'streaming', false).value).toBe(true);
  });

  it('an EPP Deployment is not BBR', () => {
    expect(bbrView(snap(loadObjects('healthy-ai-gateway.yaml'))).deployments).toEqual([]);
  });
});

describe('body-based routing — doctor', () => {
  it('healthy two-model install with BBR: 0 errors, 0 warnings; every BBR check ok; IGW-414 leaves the BBR policy to them', () => {
    const f = doctor(twoModels());
    expect(problems(f).map((x) => `${x.code} ${x.severity} ${x.message}`)).toEqual([]);
    for (const code of ['IGW-435', 'IGW-436', 'IGW-437', 'IGW-438', 'IGW-439', 'IGW-440', 'IGW-441']) expect(byCode(f, code).map((x) => x.severity), code).toEqual(['ok']);
    // per pool: both routes' chains
    expect(byCode(f, 'IGW-442').map((x) => `${x.chain} ${x.severity}`)).toEqual(['llm/deepseek ok', 'llm/qwen ok']);
    expect(byCode(f, 'IGW-414')).toEqual([]);
    expect(one(f, 'IGW-435', 'ok').message).toContain('body-based router llm/body-based-router (found by image, --plugin args)');
  });

  it('IGW-438: policy not Accepted (TargetNotFound, listener missing) → error with the status verbatim and the fix; the routes it feeds are blocked by it', () => {
    const objs = edit(twoModels(), 'EnvoyExtensionPolicy', 'body-based-router', (p) => {
      p.spec.targetRefs[0].sectionName = 'https';
      p.status.ancestors[0].ancestorRef.sectionName = 'https';
      p.status.ancestors[0].conditions = [{type: 'Accepted', status: 'False', reason: 'TargetNotFound', message: 'No section name https found for Gateway llm/inference-gateway', observedGeneration: 1}];
    });
    const f = doctor(objs);
    const e = one(f, 'IGW-438', 'error');
    expect(e.object).toEqual(POLICY);
    expect(e.message).toContain('TargetNotFound');
    expect(e.message).toContain('No section name https found for Gateway llm/inference-gateway');
    expect(e.message).toContain('listeners are http');
    expect(e.message).toContain('HTTPRoutes llm/qwen, llm/deepseek');
    expect(e.fix).toBe(`kubectl patch envoyextensionpolicy body-based-router -n llm --type json -p '[{"op":"replace","path":"/spec/targetRefs/0/sectionName","value":"http"}]'`);
    expect(byCode(f, 'IGW-442').map((x) => [x.severity, x.blockedBy])).toEqual([
      ['blocked', ['IGW-438']],
      ['blocked', ['IGW-438']],
    ]);
    expect(problems(f).filter((x) => x.severity === 'error').map((x) => x.code)).toEqual(['IGW-438']);
  });

  it('IGW-438: Conflicted (a second policy on the Gateway) → error explaining one policy per Gateway', () => {
    const objs = edit(twoModels(), 'EnvoyExtensionPolicy', 'body-based-router', (p) => {
      p.status.ancestors[0].conditions = [{type: 'Accepted', status: 'False', reason: 'Conflicted', message: 'Unable to target Gateway inference-gateway, another EnvoyExtensionPolicy has already attached to it', observedGeneration: 1}];
    });
    const e = one(doctor(objs), 'IGW-438', 'error');
    expect(e.message).toContain('one EnvoyExtensionPolicy per Gateway');
    expect(e.fix).toContain('kubectl get envoyextensionpolicies -n llm');
  });

  it('IGW-438: target Gateway missing with a stale Accepted=True (Envoy Gateway writes no status then) → error, not ok', () => {
    const objs = edit(twoModels(), 'EnvoyExtensionPolicy', 'body-based-router', (p) => {
      p.spec.targetRefs[0].name = 'old-gateway';
    });
    const e = one(doctor(objs), 'IGW-438', 'error');
    expect(e.message).toContain('targets Gateway old-gateway, which does not exist in llm');
    expect(e.message).toContain('writes no status');
    expect(e.fix).toBe(`kubectl patch envoyextensionpolicy body-based-router -n llm --type json -p '[{"op":"replace","path":"/spec/targetRefs/0/name","value":"inference-gateway"}]'`);
  });

  it('IGW-439: response body Buffered with the chart BBR (--streaming) → error (response headers wait for a reply BBR sends only at end of stream); fix removes response processing', () => {
    const objs = edit(twoModels(), 'EnvoyExtensionPolicy', 'body-based-router', (p) => {
      p.spec.extProc[0].processingMode.response = {body: 'Buffered'};
    });
    const f = doctor(objs);
    const e = one(f, 'IGW-439', 'error');
    expect(e.object).toEqual(POLICY);
    expect(e.message).toContain('response body Buffered');
    expect(e.message).toContain('--streaming');
    expect(e.fix).toBe(`kubectl patch envoyextensionpolicy body-based-router -n llm --type json -p '[{"op":"remove","path":"/spec/extProc/0/processingMode/response"}]'`);
    expect(byCode(f, 'IGW-442').map((x) => x.blockedBy)).toEqual([['IGW-439'], ['IGW-439']]);
    // IGW-412's advice (Streamed) is not reused for BBR: IGW-412 does not judge this policy
    expect(byCode(f, 'IGW-412')).toEqual([]);
  });

  it('IGW-439: request body Buffered with --streaming → error (deadlock until messageTimeout), fix FullDuplexStreamed; non-streaming BBR wants Buffered', () => {
    const objs = edit(twoModels(), 'EnvoyExtensionPolicy', 'body-based-router', (p) => {
      p.spec.extProc[0].processingMode.request = {body: 'Buffered'};
    });
    const e = one(doctor(objs), 'IGW-439', 'error');
    expect(e.message).toContain('hangs until messageTimeout (5s)');
    expect(e.fix).toContain('"value":{"body":"FullDuplexStreamed"}');
    const nonStreaming = edit(structuredClone(objs), 'Deployment', 'body-based-router', (d) => {
      d.spec.template.spec.containers[0].args = d.spec.template.spec.containers[0].args.filter((a: string) => a !== '--streaming');
    });
    expect(byCode(doctor(nonStreaming), 'IGW-439').map((x) => x.severity)).toEqual(['ok']);
  });

  it('IGW-439: a response body mode FullDuplexStreamed → warning (stream held to the end); no processingMode → error', () => {
    const w = one(doctor(edit(twoModels(), 'EnvoyExtensionPolicy', 'body-based-router', (p) => (p.spec.extProc[0].processingMode.response = {body: 'FullDuplexStreamed'}))), 'IGW-439', 'warning');
    expect(w.message).toContain('in one piece');
    const e = one(doctor(edit(twoModels(), 'EnvoyExtensionPolicy', 'body-based-router', (p) => delete p.spec.extProc[0].processingMode)), 'IGW-439', 'error');
    expect(e.message).toContain('sends no request to BBR');
  });

  it('IGW-436: BBR Deployment unavailable (CrashLoopBackOff) → error naming the pod and the consequence; Service and routes blocked by it', () => {
    let objs = edit(twoModels(), 'Deployment', 'body-based-router', (d) => {
      d.status = {observedGeneration: 1, replicas: 1, updatedReplicas: 1, unavailableReplicas: 1, conditions: [{type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.'}, {type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated'}]};
    });
    objs = edit(objs, 'Pod', 'body-based-router-5b6c7d8e9-ccccc', (p) => {
      p.status.conditions = [{type: 'PodScheduled', status: 'True'}, {type: 'Ready', status: 'False', reason: 'ContainersNotReady'}];
      p.status.containerStatuses = [{name: 'bbr', ready: false, restartCount: 4, state: {waiting: {reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container'}}, lastState: {terminated: {reason: 'Error', exitCode: 1}}}];
    });
    objs = edit(objs, 'EndpointSlice', 'body-based-router-q8w7e', (s) => (s.endpoints[0].conditions = {ready: false, serving: false, terminating: false}));
    const f = doctor(objs);
    const e = one(f, 'IGW-436', 'error');
    expect(e.object).toEqual(BBR);
    expect(e.message).toContain('body-based-router-5b6c7d8e9-ccccc');
    expect(e.message).toContain('keeps crashing');
    expect(e.message).toContain('every request through the Gateway');
    expect(e.fix).toBe('kubectl logs body-based-router-5b6c7d8e9-ccccc -n llm -c bbr --previous');
    expect(one(f, 'IGW-437', 'blocked').blockedBy).toEqual(['IGW-436']);
    expect(byCode(f, 'IGW-442').map((x) => x.blockedBy)).toEqual([['IGW-436'], ['IGW-436']]);
  });

  it('IGW-440: BBR serves TLS (the chart default; the v1.5.0 chart\'s split "--secure-serving" "false") but the policy talks plain gRPC → error with the args patch', () => {
    const objs = edit(twoModels(), 'Deployment', 'body-based-router', (d) => {
      const a: string[] = d.spec.template.spec.containers[0].args;
      a.splice(a.indexOf('--secure-serving=false'), 1, '--secure-serving', 'false');
    });
    const e = one(doctor(objs), 'IGW-440', 'error');
    expect(e.message).toContain('two arguments');
    expect(e.fix).toBe(`kubectl patch deployment body-based-router -n llm --type json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/args/8","value":"--secure-serving=false"},{"op":"remove","path":"/spec/template/spec/containers/0/args/9"}]'`);
  });

  it('IGW-437: policy port is not the Service\'s → error; IGW-442: a header value no ConfigMap has as baseModel → error with the ConfigMap to create', () => {
    const port = edit(twoModels(), 'EnvoyExtensionPolicy', 'body-based-router', (p) => (p.spec.extProc[0].backendRefs[0].port = 9002));
    const e = one(doctor(port), 'IGW-437', 'error');
    expect(e.message).toContain('port 9002');
    expect(e.fix).toContain('"value":9004');
    // the GIE guide's "Other" tab: --set experimentalHttpRoute.baseModel=deepseek/vllm-deepseek-r1
    const wrong = edit(twoModels(), 'HTTPRoute', 'deepseek', (r) => (r.spec.rules[0].matches[0].headers[0].value = 'deepseek/vllm-deepseek-r1'));
    const r = one(doctor(wrong), 'IGW-442', 'error');
    expect(r.object).toMatchObject({kind: 'HTTPRoute', namespace: 'llm', name: 'deepseek'});
    expect(r.message).toContain('BBR sets the header to ""');
    expect(r.fix).toContain('baseModel: deepseek/vllm-deepseek-r1');
    // a BBR without the base-model-to-header plugin does not map through ConfigMaps: no verdict on the value
    const custom = edit(wrong, 'Deployment', 'body-based-router', (d) => {
      d.spec.template.spec.containers[0].args = ['--streaming', '--secure-serving=false', '--plugin', 'body-field-to-header:m:{"fieldName":"model","headerName":"X-Gateway-Base-Model-Name"}'];
    });
    expect(byCode(doctor(custom), 'IGW-442').map((x) => x.severity)).toEqual(['ok', 'ok']);
  });

  it('IGW-435: header routes with BBR running but no policy calling it → error with the policy to apply; with no BBR at all → warning', () => {
    const unwired = without(twoModels(), 'EnvoyExtensionPolicy', 'body-based-router');
    const e = one(doctor(unwired), 'IGW-435', 'error');
    expect(e.fix).toContain('kind: EnvoyExtensionPolicy');
    expect(e.fix).toContain('body: FullDuplexStreamed');
    expect(e.fix).toContain('name: inference-gateway');
    const none = without(without(unwired, 'Deployment', 'body-based-router'), 'Service', 'body-based-router');
    expect(one(doctor(none), 'IGW-435', 'warning').message).toContain('no body-based router');
  });

  it('from manifests (--from-file): not-applied objects say so; the port, mode, TLS, ConfigMap and route checks still run', () => {
    const f = doctor(twoModels(), {snapshot: {source: 'files'}});
    expect(byCode(f, 'IGW-436').map((x) => x.severity)).toEqual(['info']);
    expect(byCode(f, 'IGW-438').map((x) => x.severity)).toEqual(['info']);
    for (const code of ['IGW-435', 'IGW-437', 'IGW-439', 'IGW-440', 'IGW-441']) expect(byCode(f, code).map((x) => x.severity), code).toEqual(['ok']);
    expect(byCode(f, 'IGW-442').map((x) => x.severity)).toEqual(['ok', 'ok']);
  });

  it('with -n, another namespace\'s header routes and BBR policy are not judged (they cross namespaces, its Deployments were not read)', () => {
    const other = structuredClone(loadObjects('bbr-two-models.yaml').filter((o) => o.kind === 'HTTPRoute' || o.kind === 'EnvoyExtensionPolicy'));
    for (const o of other) o.metadata.namespace = 'team-b';
    const f = doctor([...twoModels(), ...other], {namespace: 'llm'});
    expect(problems(f).map((x) => `${x.code} ${x.severity} ${x.message}`)).toEqual([]);
    // without -n they are: routes on team-b's Gateway that nothing wires
    expect(byCode(doctor([...twoModels(), ...other]), 'IGW-435').map((x) => x.severity)).toContain('error');
  });

  it('IGW-442: every rule on the Gateway requires the header → warning (BBR never runs on Envoy Gateway)', () => {
    const objs = edit(twoModels(), 'HTTPRoute', 'qwen', (r) => r.spec.rules.splice(1, 1));
    expect(byCode(doctor(objs), 'IGW-442').map((x) => x.severity)).toEqual(['warning', 'warning']);
  });
});
