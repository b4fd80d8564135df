// IGW-821…826: the Envoy proxy's own view, judged from config-dump fixtures shaped from Envoy's admin API
// (test/fixtures/envoy-admin) laid over the healthy AI Gateway install.
import {describe, expect, it} from 'vitest';
import {parse, stringify} from 'yaml';
import type {KubeObject} from '../../../../src/kube/client.ts';
import {chartInstall} from '../chart-fixture.ts';
import {byCode, obj, one} from '../fixture.ts';
import {adminRead, healthy, phase8, run} from './phase8-fixture.ts';

describe('the Envoy proxy view (IGW-821…826)', () => {
  it('without --envoy-admin/--request: no phase-8 finding at all', () => {
    expect(phase8(run())).toEqual([]);
  });

  it('healthy proxy: filter on the listener, EPP cluster, ORIGINAL_DST cluster, no errors counted', () => {
    const fs = run({admin: [adminRead('config-dump.ai-gateway.json')]});
    expect(one(fs, 'IGW-821', 'ok').message).toContain('1 listener(s), 3 cluster(s), 1 route(s)');
    expect(one(fs, 'IGW-822', 'ok').message).toContain('envoy.filters.http.ext_proc/endpointpicker/qwen_llm_ext_proc on listener llm/inference-gateway/http');
    expect(one(fs, 'IGW-823', 'ok').message).toContain('cluster envoy.clusters.endpointpicker_qwen_llm_ext_proc');
    expect(one(fs, 'IGW-824', 'ok').message).toContain('httproute/llm/qwen/rule/0: ORIGINAL_DST following x-gateway-destination-endpoint');
    one(fs, 'IGW-825', 'ok');
    one(fs, 'IGW-826', 'ok');
    expect(phase8(fs).filter((f) => f.severity !== 'ok')).toEqual([]);
  });

  it('every object Accepted but the filter missing (ai-gateway#2560): IGW-822 error on the proxy pod', () => {
    const fs = run({admin: [adminRead('config-dump.filter-missing.json')]});
    const f = one(fs, 'IGW-822', 'error');
    expect(f.message).toContain('runs no envoy.filters.http.ext_proc/endpointpicker/qwen_llm_ext_proc filter');
    expect(f.message).toContain('envoyproxy/ai-gateway#2560');
    expect(f.object).toEqual({apiVersion: 'v1', kind: 'Pod', namespace: 'envoy-gateway-system', name: 'envoy-llm-inference-gateway-5a1b2c3d-abcde'});
    expect(f.fix).toContain('kubectl rollout restart deployment -n envoy-gateway-system -l gateway.envoyproxy.io/owning-gateway-name=inference-gateway');
    // the filter's cluster check is blocked by it; the route's cluster is still fine
    expect(one(fs, 'IGW-823', 'blocked').blockedBy).toEqual(['IGW-822']);
    one(fs, 'IGW-824', 'ok');
  });

  it('a listener Envoy refused (error_state): IGW-821 error, the proxy serves the config from before', () => {
    const a = adminRead('config-dump.ai-gateway.json');
    if (!a.ok) throw new Error('fixture');
    a.config.listeners.push({name: 'llm/inference-gateway/http', state: 'error', error: 'duplicate filter name', connectionManagers: []});
    expect(one(run({admin: [a]}), 'IGW-821', 'error').message).toContain('refused listener llm/inference-gateway/http (duplicate filter name)');
  });

  it('a route to the pool that disables the filter is an error', () => {
    const a = adminRead('config-dump.ai-gateway.json');
    if (!a.ok) throw new Error('fixture');
    a.config.routes[0]!.perFilter['envoy.filters.http.ext_proc/endpointpicker/qwen_llm_ext_proc'] = 'disabled';
    expect(one(run({admin: [a]}), 'IGW-822', 'error').message).toContain('disables envoy.filters.http.ext_proc/endpointpicker/qwen_llm_ext_proc');
  });

  it('a cluster that is not ORIGINAL_DST on the header: IGW-824 error', () => {
    const a = adminRead('config-dump.ai-gateway.json');
    if (!a.ok) throw new Error('fixture');
    const c = a.config.clusters.find((x) => x.name === 'httproute/llm/qwen/rule/0')!;
    c.type = 'EDS';
    delete c.originalDstHeader;
    expect(one(run({admin: [a]}), 'IGW-824', 'error').message).toContain('is EDS, not ORIGINAL_DST following x-gateway-destination-endpoint');
  });

  it('ext_proc streams_failed and EPP connect failures are counted (IGW-825, IGW-826)', () => {
    const fs = run({admin: [adminRead('config-dump.ai-gateway.json', 'stats.ext-proc-errors.txt')]});
    expect(one(fs, 'IGW-825', 'warning').message).toContain('counted ext_proc streams_failed 3');
    expect(one(fs, 'IGW-826', 'warning').message).toContain('envoy.clusters.endpointpicker_qwen_llm_ext_proc: upstream_cx_connect_fail 3');
  });

  it('stats not readable: those checks are skipped, the config checks still judge', () => {
    const fs = run({admin: [adminRead('config-dump.ai-gateway.json', null)]});
    expect(one(fs, 'IGW-825', 'skipped').message).toContain('HTTP 404');
    one(fs, 'IGW-822', 'ok');
  });

  it('a proxy that could not be read: IGW-821 info with the reason, the rest skipped', () => {
    const fs = run({admin: [{gateway: {namespace: 'llm', name: 'inference-gateway'}, ok: false, reason: 'no Envoy proxy Service found for Gateway llm/inference-gateway'}]});
    expect(one(fs, 'IGW-821', 'info').message).toContain('no Envoy proxy Service found');
    for (const code of ['IGW-822', 'IGW-824', 'IGW-825', 'IGW-826']) expect(byCode(fs, code).map((f) => f.severity)).toEqual(['skipped']);
  });

  it('a missing filter the snapshot already explains (HTTPRoute InvalidKind, IGW-409) is "blocked" by it, the observation kept', () => {
    const objs = healthy();
    const route = obj<{status: {parents: {conditions: {type: string; status: string; reason: string; message: string}[]}[]}}>(objs, 'HTTPRoute', 'qwen', 'llm');
    const rr = route.status.parents[0]!.conditions.find((c) => c.type === 'ResolvedRefs')!;
    Object.assign(rr, {status: 'False', reason: 'InvalidKind', message: 'Unsupported kind InferencePool'});
    const fs = run({objs, admin: [adminRead('config-dump.filter-missing.json')]});
    one(fs, 'IGW-409', 'error');
    const f = one(fs, 'IGW-822', 'blocked');
    expect(f.blockedBy).toEqual(['IGW-409']);
    expect(f.message).toContain('runs no envoy.filters.http.ext_proc/endpointpicker/qwen_llm_ext_proc filter');
    expect(f.message).toContain('explained by IGW-409');
  });
});

describe('the EnvoyExtensionPolicy wiring (the chart install: its policy and an HTTPRoute → InferencePool)', () => {
  const POLICY_FILTER = 'envoy.filters.http.ext_proc/envoyextensionpolicy/llm/igw-inference-gateway-ext-proc/extproc/0';
  const POLICY_CLUSTER = 'envoyextensionpolicy/llm/igw-inference-gateway-ext-proc/extproc/0';
  /** Envoy Gateway's shape: the policy's filter on the listener disabled, enabled per route by a FilterConfig. */
  function chartProxy(enabledOnRoute: boolean) {
    const a = adminRead('config-dump.ai-gateway.json');
    if (!a.ok) throw new Error('fixture');
    a.gateway = {namespace: 'llm', name: 'igw-inference-gateway'};
    a.config.listeners[0]!.connectionManagers[0]!.httpFilters.unshift({name: POLICY_FILTER, disabled: true, grpcCluster: POLICY_CLUSTER, failureModeAllow: false});
    a.config.clusters.push({name: POLICY_CLUSTER, type: 'STRICT_DNS', lbPolicy: 'LEAST_REQUEST'});
    if (enabledOnRoute) a.config.routes[0]!.perFilter[POLICY_FILTER] = 'enabled';
    return a;
  }

  it('both filters present, the policy\'s enabled on the route to the pool: ok for each, its cluster exists', () => {
    const fs = run({objs: chartInstall(), admin: [chartProxy(true)]});
    const oks = byCode(fs, 'IGW-822').filter((f) => f.severity === 'ok').map((f) => f.message);
    expect(oks).toEqual([expect.stringContaining('endpointpicker/qwen_llm_ext_proc'), expect.stringContaining(`${POLICY_FILTER} on listener`)]);
    expect(byCode(fs, 'IGW-823').map((f) => [f.severity, f.message.split(' (')[0]])).toEqual([
      ['ok', 'cluster envoy.clusters.endpointpicker_qwen_llm_ext_proc'],
      ['ok', `cluster ${POLICY_CLUSTER}`],
    ]);
  });

  it('the policy\'s filter disabled on the listener and enabled on no route to the pool: IGW-822, under the root cause IGW-411', () => {
    const fs = run({objs: chartInstall(), admin: [chartProxy(false)]});
    const errs = byCode(fs, 'IGW-822').filter((f) => f.severity !== 'ok');
    // the chart install's own IGW-411 error already explains a policy that does not reach the EPP
    expect(errs.map((f) => [f.severity, f.blockedBy])).toEqual([['blocked', ['IGW-411']]]);
    expect(errs[0]!.message).toContain(`${POLICY_FILTER} is disabled on listener llm/inference-gateway/http and no route to llm/qwen enables it`);
  });
});

// The config the REAL Envoy Gateway v1.9.1 controller served a Gateway's proxy, with the REAL Envoy
// AI Gateway v1.1.0 extension's hooks applied (test/e2e/doctor-real-eg-xds.e2e.test.ts took it over
// xDS; test/fixtures/envoy-admin/README.md), laid over the healthy install.
describe('the Envoy proxy view on the real Envoy Gateway translation (issue 14)', () => {
  /** healthy-ai-gateway.yaml with the AI Gateway extension manager given the Translation hook only, no translation block. */
  function hooksIncomplete(): KubeObject[] {
    const objs = structuredClone(healthy());
    const cm = obj<{data: Record<string, string>}>(objs, 'ConfigMap', 'envoy-gateway-config');
    const cfg = parse(cm.data['envoy-gateway.yaml']!) as {extensionManager: {hooks: unknown}};
    cfg.extensionManager.hooks = {xdsTranslator: {post: ['Translation']}};
    cm.data['envoy-gateway.yaml'] = stringify(cfg);
    return objs;
  }

  it('healthy: the pool filter (next to AI Gateway\'s header_to_metadata), the EPP cluster, the ORIGINAL_DST rule cluster → IGW-822/823/824 ok', () => {
    const fs = run({admin: [adminRead('config-dump.real-eg-v1.9.1.json')]});
    expect(one(fs, 'IGW-821', 'ok').message).toContain('2 listener(s), 4 cluster(s), 1 route(s)');
    expect(one(fs, 'IGW-822', 'ok').message).toContain('envoy.filters.http.ext_proc/endpointpicker/qwen_llm_ext_proc on listener llm/inference-gateway/http');
    expect(one(fs, 'IGW-823', 'ok').message).toContain('cluster envoy.clusters.endpointpicker_qwen_llm_ext_proc');
    expect(one(fs, 'IGW-824', 'ok').message).toContain('httproute/llm/qwen/rule/0: ORIGINAL_DST following x-gateway-destination-endpoint');
    expect(phase8(fs).filter((f) => f.severity !== 'ok')).toEqual([]);
  });

  it('hooks incomplete, everything Accepted: no ext_proc filter and an EDS rule cluster → IGW-822 and IGW-824 errors on the proxy', () => {
    const fs = run({admin: [adminRead('config-dump.real-eg-v1.9.1.hooks-incomplete.json')]});
    expect(one(fs, 'IGW-822', 'error').message).toContain('runs no envoy.filters.http.ext_proc/endpointpicker/qwen_llm_ext_proc filter');
    expect(one(fs, 'IGW-824', 'error').message).toContain('httproute/llm/qwen/rule/0 is EDS, not ORIGINAL_DST');
    expect(one(fs, 'IGW-823', 'blocked').blockedBy).toEqual(['IGW-822']);
  });

  it('with the config that caused it in the snapshot: IGW-209 is the root cause, IGW-822 and IGW-824 blocked by it', () => {
    const fs = run({objs: hooksIncomplete(), admin: [adminRead('config-dump.real-eg-v1.9.1.hooks-incomplete.json')]});
    one(fs, 'IGW-209', 'error');
    expect(one(fs, 'IGW-822', 'blocked').blockedBy).toEqual(['IGW-209']);
    expect(one(fs, 'IGW-824', 'blocked').blockedBy).toEqual(['IGW-209']);
    expect(fs.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(['IGW-209']);
  });
});
