import {describe, expect, it} from 'vitest';
import {parse, stringify} from 'yaml';
import type {KubeObject} from '../../../src/kube/client.ts';
import {byCode, doctor, loadObjects, obj, one, problems, without} from './fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const healthy = loadObjects('healthy-ai-gateway.yaml');

describe('phase 3 — model serving', () => {
  it('healthy chain: every phase-3 check ok', () => {
    const f = doctor(healthy);
    expect(problems(f)).toEqual([]);
    for (const code of ['IGW-300', 'IGW-301', 'IGW-302', 'IGW-303', 'IGW-304', 'IGW-305', 'IGW-306', 'IGW-307']) {
      expect(byCode(f, code).map((x) => x.severity), code).toEqual(['ok']);
    }
    expect(one(f, 'IGW-303', 'ok').message).toContain('matches 2 pods');
  });

  it('IGW-303: selector matching no pods → error with a fix to the InferenceService label; ready/targetPorts blocked', () => {
    const objs = structuredClone(healthy);
    obj<{spec: {selector: {matchLabels: Record<string, string>}}}>(objs, 'InferencePool', 'qwen').spec.selector.matchLabels = {app: 'qwen'};
    const f = doctor(objs);
    const e = one(f, 'IGW-303', 'error');
    expect(e.object).toEqual({apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', namespace: 'llm', name: 'qwen'});
    expect(e.message).toContain('selects no pods (selector app=qwen');
    expect(e.fix).toBe(`kubectl patch inferencepool qwen -n llm --type merge -p '{"spec":{"selector":{"matchLabels":{"serving.kserve.io/inferenceservice":"qwen"}}}}'`);
    expect(one(f, 'IGW-304', 'blocked').blockedBy).toEqual(['IGW-303']);
    expect(one(f, 'IGW-305', 'blocked').blockedBy).toEqual(['IGW-303']);
  });

  it('IGW-304: no Ready pod → error naming the pod and why (crash loop with last termination)', () => {
    const objs = structuredClone(healthy);
    for (const name of ['qwen-predictor-7d9f8c6b5-abcde', 'qwen-predictor-7d9f8c6b5-fghij']) {
      const p = obj<{status: Record<string, unknown>}>(objs, 'Pod', name);
      p.status.conditions = [
        {type: 'PodScheduled', status: 'True'},
        {type: 'Ready', status: 'False', reason: 'ContainersNotReady'},
      ];
      p.status.containerStatuses = [
        {
          name: 'kserve-container',
          ready: false,
          restartCount: 5,
          state: {waiting: {reason: 'CrashLoopBackOff', message: 'back-off 2m40s restarting failed container'}},
          lastState: {terminated: {reason: 'Error', exitCode: 1, message: 'torch.OutOfMemoryError: CUDA out of memory'}},
        },
      ];
    }
    const f = doctor(objs);
    const e = one(f, 'IGW-304', 'error');
    expect(e.object?.kind).toBe('Pod');
    expect(e.message).toContain('0/2 pods of InferencePool llm/qwen Ready');
    expect(e.message).toContain('keeps crashing (5 restarts)');
    expect(e.message).toContain('CUDA out of memory');
    expect(e.message).toContain('503');
    expect(e.fix).toMatch(/^kubectl logs qwen-predictor-7d9f8c6b5-\w+ -n llm -c kserve-container --previous$/);
  });

  it('IGW-305: targetPorts not declared by the pods → error with the declared port', () => {
    const objs = structuredClone(healthy);
    obj<{spec: {targetPorts: {number: number}[]}}>(objs, 'InferencePool', 'qwen').spec.targetPorts = [{number: 8000}];
    const e = one(doctor(objs), 'IGW-305', 'error');
    expect(e.message).toContain('sends to port 8000');
    expect(e.message).toContain('listen on 8080');
    expect(e.fix).toBe(`kubectl patch inferencepool qwen -n llm --type merge -p '{"spec":{"targetPorts":[{"number":8080}]}}'`);
  });

  it('IGW-306: endpointPickerRef port 8000 → error, fix sets 9002', () => {
    const objs = structuredClone(healthy);
    obj<{spec: {endpointPickerRef: {port: {number: number}}}}>(objs, 'InferencePool', 'qwen').spec.endpointPickerRef.port.number = 8000;
    const e = one(doctor(objs), 'IGW-306', 'error');
    expect(e.message).toContain('uses port 8000 (the model server port)');
    expect(e.fix).toBe(`kubectl patch inferencepool qwen -n llm --type merge -p '{"spec":{"endpointPickerRef":{"name":"qwen-epp","port":{"number":9002}}}}'`);
  });

  it('IGW-306: endpointPickerRef to a Service that does not exist → error, fix names the real EPP Service', () => {
    const objs = structuredClone(healthy);
    obj<{spec: {endpointPickerRef: {name: string}}}>(objs, 'InferencePool', 'qwen').spec.endpointPickerRef.name = 'qwen-epp-svc';
    const e = one(doctor(objs), 'IGW-306', 'error');
    expect(e.message).toBe('endpointPickerRef of llm/qwen names Service llm/qwen-epp-svc, which does not exist');
    expect(e.fix).toContain('"name":"qwen-epp"');
  });

  it('IGW-302: InferenceService not Ready → error with the failing condition', () => {
    const objs = structuredClone(healthy);
    obj<{status: {conditions: unknown[]}}>(objs, 'InferenceService', 'qwen').status.conditions = [
      {type: 'PredictorReady', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.'},
      {type: 'Ready', status: 'False', reason: 'MinimumReplicasUnavailable'},
    ];
    const e = one(doctor(objs), 'IGW-302', 'error');
    expect(e.message).toBe('InferenceService llm/qwen is not Ready: PredictorReady=False (MinimumReplicasUnavailable: Deployment does not have minimum availability.)');
  });

  it('IGW-301: pool deleted → everything about the pool is blocked, not repeated as errors', () => {
    const f = doctor(without(healthy, 'InferencePool', 'qwen'));
    // no release names the pool and no pool exists: nothing to check in phase 3
    expect(one(f, 'IGW-300', 'warning').message).toContain('no InferencePool');
  });

  it('reads: a forbidden Pod list makes pod checks "skipped: forbidden" with the rule', () => {
    const f = doctor(healthy, {snapshot: {errors: {Pod: {reason: 'forbidden', message: 'forbidden: you cannot list pods', rule: 'kubectl create clusterrole infgw-reader --verb=list --resource=pods'}}}});
    const s = one(f, 'IGW-303', 'skipped');
    expect(s.message).toBe('skipped: forbidden to list Pod in llm');
    expect(s.fix).toContain('--resource=pods');
    expect(one(f, 'IGW-102', 'warning').message).toContain('cannot list Pod');
  });

  describe('IGW-306: what failureMode FailOpen does depends on the wiring (issue 11 item 1)', () => {
    const failOpen = (objs: KubeObject[]): KubeObject[] => {
      obj<Any>(objs, 'InferencePool', 'qwen').spec.endpointPickerRef.failureMode = 'FailOpen';
      return objs;
    };

    it('Envoy AI Gateway wiring: warning on the pool — FailOpen is not honoured (ai-gateway#2502), no "bypass" claim', () => {
      const f = doctor(failOpen(structuredClone(healthy)));
      const w = one(f, 'IGW-306', 'warning');
      expect(w.object).toEqual({apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', namespace: 'llm', name: 'qwen'});
      expect(w.message).toContain('Envoy AI Gateway ≤ v1.1.0 does not honour');
      expect(w.message).toContain('envoyproxy/ai-gateway#2502');
      expect(w.message).toContain('every request to this pool fails');
      expect(w.fix).toContain('No configuration makes Envoy AI Gateway v1.1.0 fail open');
      expect(w.fix).toContain('kubectl scale deployment qwen-epp -n llm --replicas=2');
      expect(w.fix).toContain('kubectl create poddisruptionbudget qwen-epp -n llm --selector=app=qwen-epp --min-available=1');
      const okMsg = one(f, 'IGW-306', 'ok').message;
      expect(okMsg).not.toMatch(/bypass/);
      expect(okMsg).toContain('FailOpen not honoured by Envoy AI Gateway; behaves as FailClose');
      for (const x of byCode(f, 'IGW-306')) expect(x.message).not.toMatch(/bypass the picker/);
    });

    it('FailClose on the AI Gateway wiring: nothing to say beyond ok', () => {
      expect(byCode(doctor(healthy), 'IGW-306').map((x) => x.severity)).toEqual(['ok']);
    });

    it('EnvoyExtensionPolicy wiring (no AI Gateway extension): info — the pool\'s failureMode is not used, the policy\'s failOpen is', () => {
      const objs = failOpen(structuredClone(healthy));
      const cm = obj<Any>(objs, 'ConfigMap', 'envoy-gateway-config');
      const cfg = parse(cm.data['envoy-gateway.yaml']) as Any;
      delete cfg.extensionManager;
      cm.data['envoy-gateway.yaml'] = stringify(cfg);
      objs.push({
        apiVersion: 'gateway.envoyproxy.io/v1alpha1',
        kind: 'EnvoyExtensionPolicy',
        metadata: {name: 'qwen-ext-proc', namespace: 'llm'},
        spec: {
          targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'inference-gateway'}],
          extProc: [{backendRefs: [{group: '', kind: 'Service', name: 'qwen-epp', port: 9002}], failOpen: false, messageTimeout: '10s', processingMode: {request: {body: 'Buffered'}, response: {body: 'Streamed'}}}],
        },
      } as KubeObject);
      const f = byCode(doctor(objs), 'IGW-306');
      expect(f.filter((x) => x.severity === 'warning')).toEqual([]);
      const i = f.find((x) => x.severity === 'info')!;
      expect(i.message).toBe("the pool's failureMode (FailOpen) is not used on the EnvoyExtensionPolicy wiring; failure handling = EnvoyExtensionPolicy llm/qwen-ext-proc extProc[0].failOpen=false — EPP down ⇒ 500 for every request");
    });
  });
});
