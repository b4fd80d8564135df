// Phase 8 test helpers: the healthy AI Gateway install (test/unit/fixtures/doctor/healthy-ai-gateway.yaml:
// pool llm/qwen, EPP Service qwen-epp, HTTPRoute llm/qwen, Gateway llm/inference-gateway) with a
// request record and/or an Envoy admin read laid into its snapshot, as src/doctor/live.ts does.
import {readConfigDump, readEnvoyStats} from '../../../../src/envoy/admin.ts';
import {runDoctor} from '../../../../src/doctor/run.ts';
import type {KubeObject} from '../../../../src/kube/client.ts';
import type {Finding} from '../../../../src/checks/types.ts';
import type {EnvoyAdminRead, GatewayRequestRead} from '../../../../src/snapshot/types.ts';
import {envoyAdminFixture} from '../../../fixtures/envoy-admin/load.ts';
import {loadObjects, NOW, snap} from '../fixture.ts';

export const NAMES = {pool: 'qwen', poolNamespace: 'llm', eppService: 'qwen-epp', route: 'qwen', routeNamespace: 'llm', gateway: 'inference-gateway', gatewayNamespace: 'llm'};
export const healthy = (): KubeObject[] => loadObjects('healthy-ai-gateway.yaml');

export function sent(over: Partial<Extract<GatewayRequestRead, {sent: true}>> = {}): GatewayRequestRead {
  return {
    pool: 'llm/qwen',
    sent: true,
    url: 'http://127.0.0.1:40001',
    via: 'port-forward',
    gateway: {namespace: 'llm', name: 'inference-gateway'},
    envoyProxy: {namespace: 'envoy-gateway-system', pod: 'envoy-llm-inference-gateway-5a1b2c3d-abcde'},
    path: '/v1/chat/completions',
    model: 'qwen',
    modelSource: '/v1/models of qwen-predictor-7d9f8c6b5-abcde',
    timeLimitMs: 30_000,
    status: 200,
    ttftMs: 42,
    totalMs: 80,
    streamed: true,
    contentType: 'text/event-stream',
    headers: {'content-type': 'text/event-stream'},
    body: 'data: {"choices":[{"delta":{"content":"hello"}}]}',
    servedBy: ['qwen-predictor-7d9f8c6b5-abcde'],
    ...over,
  };
}

export function adminRead(dump: string, stats: string | null = 'stats.healthy.txt'): EnvoyAdminRead {
  return {
    gateway: {namespace: 'llm', name: 'inference-gateway'},
    proxy: {namespace: 'envoy-gateway-system', pod: 'envoy-llm-inference-gateway-5a1b2c3d-abcde'},
    ok: true,
    config: readConfigDump(JSON.parse(envoyAdminFixture(dump, NAMES))),
    stats: stats ? readEnvoyStats(envoyAdminFixture(stats, NAMES)) : null,
    ...(stats ? {} : {statsError: 'HTTP 404'}),
  };
}

export function run(opts: {objs?: KubeObject[]; request?: GatewayRequestRead; admin?: EnvoyAdminRead[]} = {}): Finding[] {
  const s = snap(opts.objs ?? healthy());
  if (opts.request) s.request = opts.request;
  if (opts.admin) s.envoyAdmin = opts.admin;
  return runDoctor(s, {now: NOW}).findings;
}

export const phase8 = (fs: Finding[]): Finding[] => fs.filter((f) => f.phase === 8);
