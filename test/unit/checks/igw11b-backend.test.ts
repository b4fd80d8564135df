// An Envoy Gateway Backend (gateway.envoyproxy.io/v1alpha1, envoyproxy/gateway v1.9.1
// api/v1alpha1/backend_types.go) between an EnvoyExtensionPolicy's ext-proc and the EPP Service (issue 11):
// the chain follows it (fqdn or ip endpoint → the EPP Service) so the policy checks judge it, and its
// spec.tls decides whether Envoy dials the EPP with TLS. Fixture: the chart's install (EnvoyExtensionPolicy
// to the EPP Service on 9002, EPP --secure-serving=false) on an Envoy Gateway without the AI Gateway
// extension, so the EnvoyExtensionPolicy is the only wiring.
import {parse, stringify} from 'yaml';
import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../src/kube/client.ts';
import {chartInstall, EPP, POLICY} from './chart-fixture.ts';
import {byCode, doctor, obj, one} from './fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function policyOnly(): KubeObject[] {
  const objs = chartInstall();
  const cm = obj<Any>(objs, 'ConfigMap', 'envoy-gateway-config');
  const cfg = parse(cm.data['envoy-gateway.yaml']) as Any;
  delete cfg.extensionManager;
  cm.data['envoy-gateway.yaml'] = stringify(cfg);
  return objs;
}

function viaBackend(spec: Any, opts: {tlsEpp?: boolean; aiGateway?: boolean} = {}): KubeObject[] {
  const objs = opts.aiGateway ? chartInstall() : policyOnly();
  obj<Any>(objs, 'EnvoyExtensionPolicy', POLICY).spec.extProc[0].backendRefs = [{group: 'gateway.envoyproxy.io', kind: 'Backend', name: 'epp-backend'}];
  objs.push({apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'Backend', metadata: {name: 'epp-backend', namespace: 'llm'}, spec} as KubeObject);
  if (opts.tlsEpp) {
    for (const o of objs.filter((x) => (x.kind === 'Deployment' || x.kind === 'Pod') && x.metadata.name.startsWith(EPP)) as Any[]) {
      const c = o.kind === 'Deployment' ? o.spec.template.spec.containers[0] : o.spec.containers[0];
      c.args = c.args.filter((a: string) => a !== '--secure-serving=false');
    }
  }
  return objs;
}
const FQDN = {endpoints: [{fqdn: {hostname: `${EPP}.llm.svc.cluster.local`, port: 9002}}]};

describe('EnvoyExtensionPolicy ext-proc through an Envoy Gateway Backend', () => {
  it('the fixture without a Backend: the EnvoyExtensionPolicy straight to the EPP Service → IGW-411 ok (the baseline)', () => {
    expect(one(doctor(policyOnly()), 'IGW-411', 'ok').message).toContain(`→ EPP Service ${EPP}:9002`);
  });

  it('a Backend that does not exist → not linked: reported as an other policy, the EPP has no ext-proc wiring', () => {
    const objs = viaBackend(FQDN).filter((o) => o.kind !== 'Backend');
    expect(byCode(doctor(objs), 'IGW-411').filter((x) => x.severity === 'ok')).toEqual([]);
  });

  it('Backend fqdn → the EPP Service: linked like a Service backendRef (IGW-411 ok, not an "other" policy)', () => {
    const f = doctor(viaBackend(FQDN));
    expect(one(f, 'IGW-411', 'ok').message).toContain(`→ EPP Service ${EPP}:9002`);
    expect(byCode(f, 'IGW-414').filter((x) => x.message.includes(POLICY))).toEqual([]);
    expect(byCode(f, 'IGW-411').map((x) => x.severity)).toEqual(['ok']);
  });

  it('Backend ip endpoint = the EPP Service clusterIP → linked too', () => {
    const objs = viaBackend({endpoints: [{ip: {address: '10.96.44.7', port: 9002}}]});
    obj<Any>(objs, 'Service', EPP).spec.clusterIP = '10.96.44.7';
    expect(one(doctor(objs), 'IGW-411', 'ok').message).toContain(`→ EPP Service ${EPP}:9002`);
  });

  it('Backend with tls.insecureSkipVerify in front of a plaintext EPP → error: Envoy dials TLS, the handshake fails', () => {
    const e = one(doctor(viaBackend({...FQDN, tls: {insecureSkipVerify: true}})), 'IGW-411', 'error');
    expect(e.message).toContain(`EnvoyExtensionPolicy llm/${POLICY} sends ext-proc through Backend llm/epp-backend, which dials TLS (spec.tls), but EPP llm/${EPP} serves plaintext gRPC (--secure-serving=false)`);
    expect(e.fix).toContain('epp.secureServing=true');
  });

  it('Backend with tls.insecureSkipVerify in front of a TLS EPP → no TLS error (the research fixture (c) of item 2)', () => {
    const f = doctor(viaBackend({...FQDN, tls: {insecureSkipVerify: true}}, {tlsEpp: true}));
    expect(byCode(f, 'IGW-411').filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('Backend without tls in front of a TLS EPP → the plain-gRPC error, as for a Service', () => {
    const e = one(doctor(viaBackend(FQDN, {tlsEpp: true})), 'IGW-411', 'error');
    expect(e.message).toContain('talks plain gRPC to it');
  });

  // the chart's install keeps the Envoy AI Gateway extension too (the "mix"): Envoy AI Gateway always dials TLS
  // (ai-gateway v1.1.0 internal/extensionserver/inferencepool.go), and so does a policy through a Backend with tls —
  // the EPP's TLS serves both; only a plaintext policy conflicts with it (seen in test/e2e/doctor-backend.e2e.test.ts)
  it('mix: AI Gateway + a policy through a Backend with tls, plaintext EPP → TLS on fixes both, no "no TLS setting satisfies both"', () => {
    const errors = byCode(doctor(viaBackend({...FQDN, tls: {insecureSkipVerify: true}}, {aiGateway: true})), 'IGW-411').filter((x) => x.severity === 'error');
    const aigw = errors.find((x) => x.message.includes('Envoy AI Gateway always dials the EPP with TLS'))!;
    expect(aigw.message).not.toContain('no TLS setting satisfies both');
    expect(aigw.message).not.toContain('sends plaintext gRPC');
    expect(aigw.fix).toContain('epp.secureServing=true');
    expect(aigw.fix).not.toContain('extensionPolicy.enabled=false');
    expect(errors.some((x) => x.message.includes('sends ext-proc through Backend llm/epp-backend, which dials TLS'))).toBe(true);
  });

  it('mix: AI Gateway + a policy through a Backend with tls, TLS EPP → no IGW-411 error', () => {
    const f = doctor(viaBackend({...FQDN, tls: {insecureSkipVerify: true}}, {aiGateway: true, tlsEpp: true}));
    expect(byCode(f, 'IGW-411').filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('mix: AI Gateway + a policy through a Backend WITHOUT tls, plaintext EPP → still "no TLS setting satisfies both"', () => {
    const e = byCode(doctor(viaBackend(FQDN, {aiGateway: true})), 'IGW-411').find((x) => x.severity === 'error' && x.message.includes('Envoy AI Gateway always dials'))!;
    expect(e.message).toContain('no TLS setting satisfies both');
    expect(e.fix).toContain('extensionPolicy.enabled=false');
  });
});
