import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import type {KubeObject} from '../../../../src/kube/client.ts';
import {GIE_PLUGINS, LLM_D_ROUTER_PLUGINS} from '../../../../src/model/epp-plugins.ts';
import {chartInstall, EPP, SCHEDULING_FILE} from '../chart-fixture.ts';
import {byCode, doctor, obj, one} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('phase 6 — scheduling config', () => {

  it('IGW-602: a pluginRef to an undefined plugin → error; GIE 1.5 with inline saturationDetector → error (strict decoding: the EPP exits); weights not 100 → warning', () => {
    const objs = chartInstall({file: SCHEDULING_FILE});
    const cm = obj<Any>(objs, 'ConfigMap', `${EPP}-config`);
    cm.data['epp-config.yaml'] = cm.data['epp-config.yaml'].replace('- pluginRef: queue-scorer', '- pluginRef: queue-scorerr');
    expect(one(doctor(objs), 'IGW-602', 'error').message).toContain('refers to plugin "queue-scorerr"');

    const objs2 = chartInstall({file: SCHEDULING_FILE});
    const c = obj<Any>(objs2, 'Deployment', EPP).spec.template.spec.containers[0];
    c.image = 'registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0';
    const cm2 = obj<Any>(objs2, 'ConfigMap', `${EPP}-config`);
    cm2.data['epp-config.yaml'] = cm2.data['epp-config.yaml'].replace('weight: 60', 'weight: 3');
    const f2 = byCode(doctor(objs2), 'IGW-602');
    const es = f2.filter((x) => x.severity === 'error').map((x) => x.message);
    const ws = f2.filter((x) => x.severity === 'warning').map((x) => x.message);
    // GIE v1.5.0 pkg/epp/config/loader/configloader.go decodes with serializer.EnableStrict: unknown fields fail start-up
    expect(es.some((m) => m.includes('GIE ≤ 1.4 form') && m.includes('fails at start'))).toBe(true);
    expect(ws.some((m) => m.includes('GIE ≤ 1.4 form'))).toBe(false);
    expect(ws.some((m) => m.includes('sum to 43'))).toBe(true);
  });
});

describe('IGW-602: plugin types of the EPP release in use (issue 11 item 5)', () => {
  /** The scheduling chart with this EPP image and plugin list (each plugin also in the profile). */
  function withPlugins(image: string, types: string[], extraArgs: string[] = []): KubeObject[] {
    const objs = chartInstall({file: SCHEDULING_FILE});
    const c = obj<Any>(objs, 'Deployment', EPP).spec.template.spec.containers[0];
    c.image = image;
    c.args.push(...extraArgs);
    const cm = obj<Any>(objs, 'ConfigMap', `${EPP}-config`);
    cm.data['epp-config.yaml'] = stringify({
      apiVersion: 'llm-d.ai/v1alpha1',
      kind: 'EndpointPickerConfig',
      plugins: [...types.map((type) => ({type})), {type: 'max-score-picker'}],
      schedulingProfiles: [{name: 'default', plugins: [...types.map((t) => ({pluginRef: t})), {pluginRef: 'max-score-picker'}]}],
    });
    return objs;
  }
  const LLM_D = 'registry.example/llm-d/llm-d-router-endpoint-picker:v0.10.0';
  const GIE = 'registry.example/gateway-api-inference-extension/epp:v1.5.0';

  it('the lists: GIE v1.5.0 registers 36 types, llm-d-router v0.10.0 96 (98 registrations); encode-filter is real', () => {
    expect(GIE_PLUGINS.types.size).toBe(36);
    expect(LLM_D_ROUTER_PLUGINS.types.size).toBe(96);
    expect(LLM_D_ROUTER_PLUGINS.types.get('encode-filter')).toEqual({type: 'encode-filter', stability: 'Beta'});
    expect(LLM_D_ROUTER_PLUGINS.types.get('by-label')?.deprecated).toEqual({deprecatedIn: 'v0.9.0', removalIn: 'v0.11.0', replacement: 'label-selector-filter'});
    expect(GIE_PLUGINS.types.has('decode-filter')).toBe(false);
  });

  it('llm-d-router v0.10.0: a typo → IGW-602 error with "did you mean"; an Alpha plugin without --allow-experimental-plugins and a deprecated one are IGW-606\'s (one finding each)', () => {
    const all = doctor(withPlugins(LLM_D, ['prefix-cache-scorrer', 'session-affinity-scorer', 'by-label']));
    const f = byCode(all, 'IGW-602');
    const e = f.find((x) => x.severity === 'error')!;
    expect(e.message).toContain(`plugin type "prefix-cache-scorrer" is not registered in llm-d-router v0.10.0 — the EPP exits with "plugin type 'prefix-cache-scorrer' is not registered" (did you mean "prefix-cache-scorer"?)`);
    expect(e.message).not.toContain('Alpha stability');
    expect(e.fix).toContain('type: prefix-cache-scorrer → type: prefix-cache-scorer');
    expect(f.filter((x) => x.severity === 'warning')).toEqual([]);
    const alpha = byCode(all, 'IGW-606');
    expect(alpha.some((x) => x.severity === 'error' && x.message.includes('session-affinity-scorer'))).toBe(true);
    expect(alpha.some((x) => x.severity === 'warning' && x.message.includes('by-label'))).toBe(true);
  });

  it('llm-d-router v0.10.0: encode-filter is not a typo of decode-filter; Alpha with --allow-experimental-plugins is fine', () => {
    const f = byCode(doctor(withPlugins(LLM_D, ['encode-filter', 'decode-filter', 'session-affinity-scorer'], ['--allow-experimental-plugins'])), 'IGW-602');
    expect(f.map((x) => x.severity)).toEqual(['ok']);
  });

  it('GIE v1.5.0: an llm-d-router plugin → error (not available there); a type far from every known one → error too (exact list)', () => {
    const f = byCode(doctor(withPlugins(GIE, ['decode-filter', 'my-own-scorer'])), 'IGW-602');
    const e = f.find((x) => x.severity === 'error')!;
    expect(e.message).toContain('plugin type "decode-filter" is not registered in GIE v1.5.0 (it is an llm-d-router plugin, not available in GIE v1.5.0)');
    expect(e.message).toContain('plugin type "my-own-scorer" is not registered in GIE v1.5.0');
  });

  it('GIE v1.5.0: a test-only plugin → info', () => {
    const f = byCode(doctor(withPlugins(GIE, ['header-based-testing-filter'])), 'IGW-602');
    expect(f.find((x) => x.severity === 'info')!.message).toContain('conformance tests only');
    expect(f.filter((x) => x.severity === 'error' || x.severity === 'warning')).toEqual([]);
  });

  it('another release of a known EPP, or an unknown image: only near-typos are called mistakes', () => {
    expect(byCode(doctor(withPlugins('registry.example/llm-d/llm-d-router-endpoint-picker:v0.11.0', ['brand-new-scorer'])), 'IGW-602').map((x) => x.severity)).toEqual(['ok']);
    const e = one(doctor(withPlugins('registry.example/custom/epp:dev', ['queue-scorr'])), 'IGW-602', 'error');
    expect(e.message).toContain('(did you mean "queue-scorer"?)');
  });
});
