// IGW-213 with the TCPRoutes/UDPRoutes attached to the TCP/UDP Gateway (issue 11, ai-gateway#2600).
// Fixture: the healthy install with the Envoy Gateway config the AI Gateway v1.1.0 values render
// (../shared/fixtures), a TCP Gateway and upstream-shaped routes (Gateway API v1.6.1 serves TCPRoute and
// UDPRoute at v1; older experimental bundles at v1alpha2).
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse, stringify} from 'yaml';
import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../src/kube/client.ts';
import {byCode, doctor, loadObjects, obj, one, sharedDir} from './fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const fixture = (f: string): Any => parse(readFileSync(join(sharedDir, 'fixtures', f), 'utf8')) as Any;
const isMap = (v: unknown): v is Any => typeof v === 'object' && v !== null && !Array.isArray(v);
const merge = (base: Any, over: Any): Any => Object.fromEntries([...Object.keys(base), ...Object.keys(over)].map((k) => [k, isMap(base[k]) && isMap(over[k]) ? merge(base[k], over[k]) : k in over ? over[k] : base[k]]));

function aiGatewayInstall(): KubeObject[] {
  const objs = loadObjects('healthy-ai-gateway.yaml');
  let cfg = parse(fixture('envoy-gateway-config.default.yaml').data['envoy-gateway.yaml']) as Any;
  cfg = merge(cfg, fixture('envoy-gateway-values.envoy-ai-gateway.yaml').config.envoyGateway);
  cfg = merge(cfg, fixture('envoy-gateway-values-addon.inferencepool.yaml').config.envoyGateway);
  obj<Any>(objs, 'ConfigMap', 'envoy-gateway-config').data['envoy-gateway.yaml'] = stringify(cfg);
  return objs;
}

const unprogrammed = {type: 'Programmed', status: 'False', reason: 'Invalid', message: 'extension hook failed', observedGeneration: 1};
function withTcpGateway(): KubeObject[] {
  const objs = aiGatewayInstall();
  obj<Any>(objs, 'Gateway', 'inference-gateway').status.conditions[1] = unprogrammed;
  objs.push(
    {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: {name: 'tcp-gw', namespace: 'sync', generation: 1}, spec: {gatewayClassName: 'envoy-gateway', listeners: [{name: 'sync', port: 22000, protocol: 'TCP'}]}, status: {conditions: [unprogrammed]}} as KubeObject,
    {apiVersion: 'v1', kind: 'Service', metadata: {name: 'envoy-sync-tcp-gw-1a2b3c4d', namespace: 'envoy-gateway-system', labels: {'gateway.envoyproxy.io/owning-gateway-name': 'tcp-gw', 'gateway.envoyproxy.io/owning-gateway-namespace': 'sync'}}, spec: {ports: [{name: 'tcp-22000', port: 22000}]}} as KubeObject,
    {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'TCPRoute', metadata: {name: 'rsync', namespace: 'sync'}, spec: {parentRefs: [{name: 'tcp-gw', sectionName: 'sync'}], rules: [{backendRefs: [{name: 'rsync', port: 873}]}]}} as KubeObject,
    // another Gateway's route: not named
    {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'TCPRoute', metadata: {name: 'other', namespace: 'sync'}, spec: {parentRefs: [{name: 'elsewhere'}], rules: [{backendRefs: [{name: 'x', port: 1}]}]}} as KubeObject,
  );
  return objs;
}

describe('IGW-213: the routes attached to the TCP/UDP Gateway', () => {
  it('a TCPRoute on the TCP Gateway → named in the error; the fix keeps it attached (the Gateway changes class)', () => {
    const e = one(doctor(withTcpGateway()), 'IGW-213', 'error');
    expect(e.message).toContain('Gateway sync/tcp-gw has sync TCP:22000 (attached: TCPRoute sync/rsync) on Envoy Gateway');
    expect(e.message).not.toContain('sync/other');
    expect(e.fix).toContain('(its TCPRoutes stay attached)');
    expect(e.fix).toContain('kubectl edit gateway tcp-gw -n sync');
  });

  it('a UDP listener + UDPRoute (v1alpha2) on the inference Gateway itself → the fix moves only the UDP listener and re-parents the route', () => {
    const objs = aiGatewayInstall();
    const gw = obj<Any>(objs, 'Gateway', 'inference-gateway');
    gw.spec.listeners.push({name: 'stats', port: 8125, protocol: 'UDP'});
    objs.push({apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'UDPRoute', metadata: {name: 'statsd', namespace: 'llm'}, spec: {parentRefs: [{name: 'inference-gateway', sectionName: 'stats'}], rules: [{backendRefs: [{name: 'statsd', port: 8125}]}]}} as KubeObject);
    const e = one(doctor(objs), 'IGW-213', 'error');
    expect(e.message).toContain('Gateway llm/inference-gateway has stats UDP:8125 (attached: UDPRoute llm/statsd)');
    expect(e.fix).toContain('also carries http HTTP:80: move only its TCP/UDP listeners');
    expect(e.fix).toContain('name: inference-gateway-l4');
    expect(e.fix).toContain('kubectl edit gateway inference-gateway -n llm   # delete the listeners stats');
    expect(e.fix).toContain('kubectl edit udproute statsd -n llm   # parentRefs: name inference-gateway → inference-gateway-l4');
  });

  it('TCPRoute/UDPRoute CRDs not installed → still the listener error, no "could not be read", nothing skipped', () => {
    const f = doctor(withTcpGateway().filter((o) => o.kind !== 'TCPRoute'), {snapshot: {errors: {TCPRoute: {reason: 'notServed', message: 'the server could not find the requested resource'}, UDPRoute: {reason: 'notServed', message: 'the server could not find the requested resource'}}}});
    const e = one(f, 'IGW-213', 'error');
    expect(e.message).toContain('Gateway sync/tcp-gw has sync TCP:22000 on Envoy Gateway');
    expect(e.message).not.toContain('could not be read');
    expect(byCode(f, 'IGW-213').map((x) => x.severity)).toEqual(['error']);
  });

  it('TCPRoutes forbidden → the error says they could not be read (the listener alone decides)', () => {
    const f = doctor(withTcpGateway(), {snapshot: {errors: {TCPRoute: {reason: 'forbidden', message: 'tcproutes.gateway.networking.k8s.io is forbidden'}}}});
    expect(one(f, 'IGW-213', 'error').message).toContain('(TCPRoutes could not be read: tcproutes.gateway.networking.k8s.io is forbidden)');
  });
});
