import {gzipSync} from 'node:zlib';
import type {KubeObject} from '../../../src/kube/client.ts';

/** A release Secret built the way helm's storage driver builds it (pkg/storage/driver/util.go encodeRelease + secrets.go newSecretsObject). */
export function helmReleaseSecret(r: {name: string; namespace: string; version: number; status: string; chart: string; chartVersion: string; config?: unknown; values?: unknown; manifest: string}, gzip = true): KubeObject {
  const json = JSON.stringify({
    name: r.name,
    namespace: r.namespace,
    version: r.version,
    info: {status: r.status, first_deployed: '2026-11-20T10:00:00Z', last_deployed: '2026-11-20T10:00:00Z'},
    chart: {metadata: {name: r.chart, version: r.chartVersion, appVersion: 'v1.4.0', apiVersion: 'v2'}, values: r.values ?? {}, templates: []},
    config: r.config ?? {},
    manifest: r.manifest,
  });
  const helmEncoded = (gzip ? gzipSync(Buffer.from(json)) : Buffer.from(json)).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {name: `sh.helm.release.v1.${r.name}.v${r.version}`, namespace: r.namespace, labels: {owner: 'helm', name: r.name, status: r.status, version: String(r.version)}},
    type: 'helm.sh/release.v1',
    data: {release: Buffer.from(helmEncoded).toString('base64')},
  } as KubeObject;
}

