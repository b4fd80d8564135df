import {describe, expect, it} from 'vitest';
import {chartInstall, EPP} from '../chart-fixture.ts';
import {doctor, obj, one} from '../fixture.ts';


describe('phase 5 — EPP runtime (RBAC)', () => {

  it('IGW-503: GIE EPP v1.4 behind a streamed response → info about GIE#2993', () => {
    expect(one(doctor(chartInstall()), 'IGW-503', 'info').message).toMatch(/v1\.4\.0.*GIE#2993/);
  });

  // issue 11 item 3: the fix PRs were closed unmerged — every released EPP copies transfer-encoding
  for (const image of ['registry.example/gateway-api-inference-extension/epp:v1.5.0', 'registry.example/llm-d/llm-d-router-endpoint-picker:v0.10.0', 'registry.example/llm-d/llm-d-inference-scheduler:v0.8.0']) {
    const tag = image.split(':').pop()!;
    it(`IGW-503: ${image.replace(/^[^/]+\//, '<registry>/')} → info (not fixed), no "upgrade" advice`, () => {
      const objs = chartInstall();
      obj<Record<string, any>>(objs, 'Deployment', EPP).spec.template.spec.containers[0].image = image; // eslint-disable-line @typescript-eslint/no-explicit-any
      const i = one(doctor(objs), 'IGW-503', 'info');
      expect(i.message).toContain(tag);
      expect(i.message).toContain('GIE#2993');
      expect(i.message).toContain('not fixed upstream');
      expect(`${i.message}\n${i.fix}`).not.toMatch(/upgrade|fixed after|fixed in/i);
      expect(i.fix).toContain('No EPP release strips transfer-encoding');
      expect(i.fix).toContain('ProtocolHeaders in pkg/epp/util/request/headers.go');
    });
  }
});
