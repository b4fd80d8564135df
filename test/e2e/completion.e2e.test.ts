// Shell completion against the real test cluster: `-n <TAB>` offers the namespaces the API server
// lists, and `-r <TAB>` the releases of the inference-gateway chart that real helm (v4) installed,
// read from Helm's own release Secrets; a release of another chart is not offered.
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import type {OclifManifest} from '../../src/completion/model.ts';
import {completionOutput} from '../../src/completion/run.ts';
import {helm, repoRoot} from '../harness/cluster.ts';
import {chartDir, ScenarioKube} from '../scenarios/index.ts';

const kubeconfig = inject('kubeconfig');
const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'oclif.manifest.json'), 'utf8')) as OclifManifest;
const ns = `compl-${Date.now().toString(36)}`;
const gateway = 'gw-a';
const tmp = mkdtempSync(path.join(tmpdir(), 'infgw-compl-e2e-'));
let kube: ScenarioKube;

beforeAll(async () => {
  kube = new ScenarioKube(kubeconfig);
  await kube.apply({apiVersion: 'v1', kind: 'Namespace', metadata: {name: ns}});
  await helm(['install', gateway, chartDir, '-n', ns, '--set', 'epp.poolName=model-a'], {kubeconfig});
  // A release of some other chart in the same namespace.
  const other = path.join(tmp, 'postgresql');
  mkdirSync(path.join(other, 'templates'), {recursive: true});
  writeFileSync(path.join(other, 'Chart.yaml'), 'apiVersion: v2\nname: postgresql\nversion: 1.0.0\n');
  writeFileSync(path.join(other, 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-settings\ndata:\n  a: "1"\n');
  await helm(['install', 'db', other, '-n', ns], {kubeconfig});
}, 180_000);

afterAll(async () => {
  rmSync(tmp, {recursive: true, force: true});
  await Promise.all([
    kube.delete({apiVersion: 'v1', kind: 'Namespace', name: ns}),
    kube.delete({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: `${gateway}-inference-gateway-epp-${ns}-auth`}),
    kube.delete({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: `${gateway}-inference-gateway-epp-${ns}-auth`}),
  ]);
});

describe('completion with a cluster', () => {
  it('offers namespaces from the API server', async () => {
    const out = await completionOutput(manifest, ['version', '--kubeconfig', kubeconfig, '-n', 'compl-']);
    expect(out.split('\n')).toContain(ns);
    expect(out.endsWith(':4\n')).toBe(true);
    expect(out.split('\n').filter((l) => l && !l.startsWith(':')).every((l) => l.startsWith('compl-'))).toBe(true);
  });

  it('offers the inference-gateway releases, from the namespace of -n or from every namespace', async () => {
    const inNs = await completionOutput(manifest, ['restart', '--kubeconfig', kubeconfig, '-n', ns, '-r', '']);
    expect(inNs).toBe(`${gateway}\t${ns}: inference-gateway-0.3.0 rev 1 deployed\n:4\n`);
    const everywhere = await completionOutput(manifest, ['restart', '--kubeconfig', kubeconfig, '--release', 'gw-']);
    expect(everywhere.split('\n')).toContain(`${gateway}\t${ns}: inference-gateway-0.3.0 rev 1 deployed`);
    expect(everywhere).not.toMatch(/^db\t/m);
  });
});
