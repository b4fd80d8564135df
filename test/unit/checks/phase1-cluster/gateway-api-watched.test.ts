// IGW-114: a single Gateway API CRD missing that the running Envoy Gateway watches unconditionally
// (envoyproxy/gateway v1.8.0 / v1.9.1 internal/provider/kubernetes/controller.go watchResources). The
// CRDs are shaped like Gateway API v1.6.1's standard-install.yaml (../shared/crds): name, served versions.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {parseAllDocuments} from 'yaml';
import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../../src/kube/client.ts';
import {runDoctor} from '../../../../src/doctor/run.ts';
import type {Finding} from '../../../../src/checks/types.ts';
import {byCode, loadObjects, NOW, obj, one, sharedDir, snap} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The Gateway API v1.6.1 standard bundle's CRDs, as the cluster serves them. */
const BUNDLE = parseAllDocuments(readFileSync(join(sharedDir, 'crds', 'gateway.networking.k8s.io_standard-install.yaml'), 'utf8'))
  .map((d) => d.toJSON() as Any)
  .filter((d) => d?.kind === 'CustomResourceDefinition');
const crd = (name: string): KubeObject => structuredClone(BUNDLE.find((d) => d.metadata.name === name)) as KubeObject;
const NAMES = ['gateways', 'listenersets', 'grpcroutes', 'tlsroutes', 'backendtlspolicies'].map((n) => `${n}.gateway.networking.k8s.io`);

/** The healthy install on Envoy Gateway `eg`, with the bundle's CRDs except `absent` (null = not installed). */
function run(eg: string, opts: {absent?: string[]; change?: (crds: KubeObject[]) => void; errors?: Any} = {}): Finding[] {
  const objs = loadObjects('healthy-ai-gateway.yaml');
  const c = obj<Any>(objs, 'Deployment', 'envoy-gateway').spec.template.spec.containers[0];
  c.image = String(c.image).replace(/:[^:/]+$/, `:${eg}`);
  const crds = NAMES.filter((n) => !(opts.absent ?? []).includes(n)).map(crd);
  opts.change?.(crds);
  const s = snap([...objs, ...crds], opts.errors ? {errors: opts.errors} : {});
  for (const n of opts.absent ?? []) s.crds[n] = null;
  return runDoctor(s, {now: NOW}).findings;
}

describe('IGW-114: Gateway API CRDs Envoy Gateway watches unconditionally', () => {
  it('Envoy Gateway v1.8.1 (the one AI Gateway v1.1 is built on) with the v1.6.1 bundle → ok', () => {
    expect(one(run('v1.8.1'), 'IGW-114', 'ok').message).toContain('(ReferenceGrant v1beta1; ListenerSet, GRPCRoute, TLSRoute, BackendTLSPolicy v1)');
  });

  it('v1.8.1 without the ListenerSet and GRPCRoute CRDs (GKE-style subset; bundle annotation still new) → error, crash loop, fix applies v1.5.1', () => {
    const f = run('v1.8.1', {absent: ['listenersets.gateway.networking.k8s.io', 'grpcroutes.gateway.networking.k8s.io']});
    expect(byCode(f, 'IGW-113').map((x) => x.severity)).toEqual(['ok']);
    const e = one(f, 'IGW-114', 'error');
    expect(e.message).toContain('watches ListenerSet (gateway.networking.k8s.io/v1: CRD not installed), GRPCRoute (gateway.networking.k8s.io/v1: CRD not installed) without checking');
    expect(e.message).toContain('no matches for kind "ListenerSet" in version "gateway.networking.k8s.io/v1"');
    expect(e.object).toMatchObject({kind: 'Deployment', namespace: 'envoy-gateway-system', name: 'envoy-gateway'});
    expect(e.fix).toContain('https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml');
    expect(e.fix).toContain('kubectl rollout restart deployment/envoy-gateway -n envoy-gateway-system');
    expect(e.fix).toContain('Envoy Gateway v1.9 watches ListenerSet, GRPCRoute, TLSRoute and BackendTLSPolicy only when installed');
  });

  it('v1.8.1 with a TLSRoute CRD that serves only v1alpha2 (old experimental CRD) → error on that CRD', () => {
    const f = run('v1.8.1', {
      change: (crds) => {
        const t = crds.find((x) => x.metadata.name === 'tlsroutes.gateway.networking.k8s.io') as Any;
        t.spec.versions = t.spec.versions.filter((v: Any) => v.name === 'v1alpha2').map((v: Any) => ({...v, served: true, storage: true}));
      },
    });
    const e = one(f, 'IGW-114', 'error');
    expect(e.message).toContain('TLSRoute (gateway.networking.k8s.io/v1: CRD serves only v1alpha2)');
    expect(e.object).toEqual({apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'tlsroutes.gateway.networking.k8s.io'});
  });

  it('v1.9.1 without ListenerSet/GRPCRoute → nothing (those watches are optional there); without ReferenceGrant → error', () => {
    const optional = run('v1.9.1', {absent: ['listenersets.gateway.networking.k8s.io', 'grpcroutes.gateway.networking.k8s.io']});
    expect(byCode(optional, 'IGW-114').map((x) => x.severity)).toEqual(['ok']);
    const e = one(run('v1.9.1', {errors: {ReferenceGrant: {reason: 'notServed', message: 'the server could not find the requested resource'}}}), 'IGW-114', 'error');
    expect(e.message).toContain('ReferenceGrant (gateway.networking.k8s.io/v1beta1: not served)');
    expect(e.fix).toContain('/v1.6.1/standard-install.yaml');
  });

  it('Envoy Gateway v1.6.0 (the healthy install) → not judged', () => {
    expect(byCode(run('v1.6.0'), 'IGW-114')).toEqual([]);
  });
});
