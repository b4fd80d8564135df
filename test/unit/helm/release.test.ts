import {describe, expect, it} from 'vitest';
import {decodeReleaseData, mergeValues, parseManifests, releasesFromSecrets, valueAt} from '../../../src/helm/release.ts';
import type {KubeObject} from '../../../src/kube/client.ts';
import {helmReleaseSecret} from './secret.ts';

const manifest = `---
# Source: inference-gateway/templates/epp-service.yaml
apiVersion: v1
kind: Service
metadata:
  name: igw-inference-gateway-epp
  namespace: llm
spec:
  ports:
  - name: grpc
    port: 9002
---
# Source: inference-gateway/templates/gateway.yaml
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: igw-inference-gateway
  namespace: llm
spec:
  gatewayClassName: eg
  listeners: [{name: http, protocol: HTTP, port: 80}]
`;

describe('helm release Secrets', () => {
  it('decodes data.release: base64 (Kubernetes) of base64 of gzip(JSON)', () => {
    const s = helmReleaseSecret({name: 'igw', namespace: 'llm', version: 1, status: 'deployed', chart: 'inference-gateway', chartVersion: '0.3.0', config: {epp: {poolName: 'qwen'}}, manifest}) as KubeObject & {data: {release: string}};
    const r = decodeReleaseData(s.data.release);
    expect(r.name).toBe('igw');
    expect(r.chart?.metadata?.name).toBe('inference-gateway');
    expect(r.config).toEqual({epp: {poolName: 'qwen'}});
  });

  it('accepts an un-gzipped release (helm decodeRelease does too)', () => {
    const s = helmReleaseSecret({name: 'igw', namespace: 'llm', version: 1, status: 'deployed', chart: 'inference-gateway', chartVersion: '0.3.0', manifest}, false) as KubeObject & {data: {release: string}};
    expect(decodeReleaseData(s.data.release).name).toBe('igw');
  });

  it('picks the newest deployed revision and names a newer failed one', () => {
    const mk = (version: number, status: string) => helmReleaseSecret({name: 'igw', namespace: 'llm', version, status, chart: 'inference-gateway', chartVersion: `0.${version}.0`, config: {epp: {poolName: `p${version}`}}, values: {epp: {replicas: 1, poolName: ''}, gateway: {port: 80}}, manifest});
    const rs = releasesFromSecrets([mk(1, 'superseded'), mk(2, 'deployed'), mk(3, 'failed')]);
    expect(rs).toHaveLength(1);
    const r = rs[0]!;
    expect(r.revision).toBe(2);
    expect(r.status).toBe('deployed');
    expect(r.latest).toEqual({revision: 3, status: 'failed'});
    expect(r.chart).toEqual({name: 'inference-gateway', version: '0.2.0', appVersion: 'v1.4.0'});
    expect(r.values).toEqual({epp: {replicas: 1, poolName: 'p2'}, gateway: {port: 80}});
    expect(valueAt(r.values, 'epp.poolName')).toBe('p2');
    expect(r.manifest.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/igw-inference-gateway-epp', 'Gateway/igw-inference-gateway']);
    expect(r.secret).toEqual({namespace: 'llm', name: 'sh.helm.release.v1.igw.v2'});
  });

  it('ignores Secrets that are not helm releases', () => {
    const other = {apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: {name: 'x', namespace: 'llm', labels: {owner: 'helm'}}, data: {}} as KubeObject;
    expect(releasesFromSecrets([other])).toEqual([]);
  });

  it('mergeValues: user values override chart defaults, maps merge, null deletes', () => {
    expect(mergeValues({a: {b: 1, c: 2}, d: [1]}, {a: {b: 3, c: null}, d: [2]})).toEqual({a: {b: 3}, d: [2]});
  });

  it('parseManifests: skips empty documents and unwraps Lists', () => {
    const objs = parseManifests('---\n# only a comment\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n');
    expect(objs.map((o) => o.metadata.name)).toEqual(['a']);
  });
});
