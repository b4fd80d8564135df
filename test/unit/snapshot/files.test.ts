import {describe, expect, it} from 'vitest';
import {overlaySnapshot, releasesFromLabels, snapshotFromObjects} from '../../../src/snapshot/files.ts';
import {items, lookup} from '../../../src/snapshot/query.ts';
import {runDoctor} from '../../../src/doctor/run.ts';
import {loadObjects, snap} from '../checks/fixture.ts';
import {rendered} from '../checks/chart-fixture.ts';

describe('snapshots from manifests', () => {
  it('helm template output: namespaces defaulted, a release per app.kubernetes.io/instance, runtime kinds offline', () => {
    const s = snapshotFromObjects(rendered(), {source: 'files', defaultNamespace: 'llm'});
    expect(Array.isArray(s.releases) && s.releases.map((r) => [r.name, r.namespace, r.chart.name, r.chart.version])).toEqual([['igw', 'llm', 'inference-gateway', '0.3.0']]);
    expect(lookup(s, 'Pod', 'llm', 'x')).toMatchObject({unknown: {reason: 'offline'}});
    // absent from the files is not absent from the cluster
    expect(lookup(s, 'GatewayClass', undefined, 'eg')).toMatchObject({unknown: {reason: 'offline'}});
  });

  it('releasesFromLabels groups cluster-scoped objects with their release', () => {
    const rs = releasesFromLabels(rendered());
    expect(rs).toHaveLength(1);
    expect(rs[0]!.manifest.some((o) => o.kind === 'ClusterRole')).toBe(true);
  });

  it('overlay: a file object replaces the live one (and has no status); the same checks run', () => {
    const live = snap(loadObjects('healthy-ai-gateway.yaml'));
    const changed = structuredClone(loadObjects('healthy-ai-gateway.yaml').find((o) => o.kind === 'InferencePool')!) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    changed.spec.targetPorts = [{number: 9999}];
    delete changed.status;
    const o = overlaySnapshot(live, [changed as never], 'llm');
    expect(o.source).toBe('overlay');
    expect(items(o, 'InferencePool')).toHaveLength(1);
    const f = runDoctor(o).findings;
    expect(f.find((x) => x.code === 'IGW-305')?.severity).toBe('error');
    // status checks skip objects that are not applied yet
    expect(f.filter((x) => x.code === 'IGW-307')).toEqual([]);
  });
});
