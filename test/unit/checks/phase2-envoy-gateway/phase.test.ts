import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import type {KubeObject} from '../../../../src/kube/client.ts';
import {byCode, doctor, loadObjects, obj, one, problems} from '../fixture.ts';
import {defaultConfig} from './eg-config-fixture.ts';

const healthy = loadObjects('healthy-ai-gateway.yaml');
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('phase 2 — Envoy Gateway', () => {
  it('healthy: the AI Gateway config (upstream values merged) is accepted and handles InferencePool', () => {
    const f = doctor(healthy);
    expect(problems(f)).toEqual([]);
    for (const code of ['IGW-201', 'IGW-202', 'IGW-203', 'IGW-204', 'IGW-205', 'IGW-206', 'IGW-207']) expect(byCode(f, code).map((x) => x.severity), code).toEqual(['ok']);
    expect(one(f, 'IGW-206', 'ok').message).toContain('ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local:1063');
  });
});

describe('phase 2 — several Envoy Gateway installs', () => {
  it('a chain is judged against the install whose namespace holds its Gateway\'s proxy Service', () => {
    const objs = structuredClone(healthy);
    const egA = objs.filter((o) => o.metadata.namespace === 'envoy-gateway-system' && ['Deployment', 'Pod', 'ConfigMap'].includes(o.kind ?? ''));
    const egB = structuredClone(egA).map((o) => ({...o, metadata: {...o.metadata, namespace: 'eg-b'}}));
    const cmB = egB.find((o) => o.kind === 'ConfigMap')! as Any;
    cmB.data['envoy-gateway.yaml'] = stringify(defaultConfig());
    objs.push(...(egB as KubeObject[]));
    // proxy Service in envoy-gateway-system: the AI Gateway-configured install serves the chain
    expect(byCode(doctor(objs), 'IGW-206').map((x) => x.severity)).toEqual(['ok']);
    // proxy Service in eg-b: that install (no extension manager) serves it
    obj<Any>(objs, 'Service', 'envoy-llm-inference-gateway-5a1b2c3d').metadata.namespace = 'eg-b';
    const f = doctor(objs);
    const e = one(f, 'IGW-206', 'error');
    expect(e.object).toEqual({apiVersion: 'v1', kind: 'ConfigMap', namespace: 'eg-b', name: 'envoy-gateway-config'});
    expect(e.fix).toContain('kubectl infgw patch-envoy --config-namespace eg-b');
    expect(byCode(f, 'IGW-201').map((x) => x.object?.namespace)).toEqual(['envoy-gateway-system', 'eg-b']);
  });
});
