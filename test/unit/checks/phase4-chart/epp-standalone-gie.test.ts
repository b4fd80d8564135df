// IGW-406 for GIE's own EPP in standalone mode: GIE v1.4.0 / v1.5.0 cmd/epp/runner/runner.go extractGKNN()
// needs env POD_NAME with --endpoint-selector exactly like llm-d-router ("failed to get environment
// variable POD_NAME"). Fixture: the healthy install's EPP (GIE image) switched to standalone mode.
import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../../src/kube/client.ts';
import {byCode, doctor, loadObjects, one} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function gieStandalone(env: unknown[]): KubeObject[] {
  const objs = loadObjects('healthy-ai-gateway.yaml');
  for (const kind of ['Deployment', 'Pod']) {
    const o = objs.find((x) => x.kind === kind && x.metadata.name.startsWith('qwen-epp')) as Any;
    const c = kind === 'Deployment' ? o.spec.template.spec.containers[0] : o.spec.containers[0];
    c.image = 'registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0';
    c.args = ['--endpoint-selector=serving.kserve.io/inferenceservice=qwen', '--endpoint-target-ports=8080', '--pool-namespace=llm'];
    c.env = env;
  }
  return objs;
}

describe('IGW-406: GIE EPP in standalone mode needs env POD_NAME too', () => {
  it('without POD_NAME → error naming the GIE EPP, fix adds the downward-API env', () => {
    const e = one(doctor(gieStandalone([])), 'IGW-406', 'error');
    expect(e.message).toBe('EPP llm/qwen-epp (GIE EPP) runs in standalone mode without env POD_NAME: it exits at start ("failed to get environment variable POD_NAME")');
    expect(e.fix).toContain('"fieldPath":"metadata.name"');
  });

  it('with POD_NAME → the standalone info, no error', () => {
    const f = doctor(gieStandalone([{name: 'POD_NAME', valueFrom: {fieldRef: {fieldPath: 'metadata.name'}}}]));
    expect(byCode(f, 'IGW-406').map((x) => x.severity)).toEqual(['info']);
  });
});
