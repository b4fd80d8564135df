// src/envoy/admin.ts: the Envoy proxy's admin output read into what doctor judges, from config
// dumps shaped from Envoy's admin API (test/fixtures/envoy-admin).
import {describe, expect, it} from 'vitest';
import {aiGatewayNames, clusterFailures, extensionPolicyFilterPrefix, extProcErrors, readConfigDump, readEnvoyStats} from '../../../src/envoy/admin.ts';
import {envoyAdminFixture} from '../../fixtures/envoy-admin/load.ts';

const NAMES = {pool: 'qwen', poolNamespace: 'llm', eppService: 'qwen-epp', route: 'qwen', routeNamespace: 'llm', gateway: 'gw', gatewayNamespace: 'llm'};
const dump = (file: string): unknown => JSON.parse(envoyAdminFixture(file, NAMES));

describe('readConfigDump', () => {
  it('listeners with their HTTP filters, clusters with type and original-dst header, routes with per-filter config', () => {
    const v = readConfigDump(dump('config-dump.ai-gateway.json'));
    expect(v.listeners).toHaveLength(1);
    expect(v.listeners[0]).toMatchObject({name: 'llm/gw/http', state: 'active'});
    expect(v.listeners[0]!.connectionManagers[0]).toMatchObject({statPrefix: 'http-10080', routeConfig: 'llm/gw/http'});
    expect(v.listeners[0]!.connectionManagers[0]!.httpFilters).toEqual([
      {name: 'envoy.filters.http.ext_proc/endpointpicker/qwen_llm_ext_proc', disabled: false, grpcCluster: 'envoy.clusters.endpointpicker_qwen_llm_ext_proc', failureModeAllow: false},
      {name: 'envoy.filters.http.router', disabled: false},
    ]);
    expect(v.clusters).toEqual([
      {name: 'prometheus_stats', type: 'STATIC', lbPolicy: undefined},
      {name: 'httproute/llm/qwen/rule/0', type: 'ORIGINAL_DST', lbPolicy: 'CLUSTER_PROVIDED', originalDstHeader: 'x-gateway-destination-endpoint'},
      {name: 'envoy.clusters.endpointpicker_qwen_llm_ext_proc', type: 'STRICT_DNS', lbPolicy: 'LEAST_REQUEST'},
    ]);
    expect(v.routes).toEqual([{routeConfig: 'llm/gw/http', virtualHost: 'llm/gw/http/*', name: 'httproute/llm/qwen/rule/0/match/0/*', cluster: 'httproute/llm/qwen/rule/0', timeout: undefined, perFilter: {}}]);
  });

  it('a refused listener (error_state) and Envoy Gateway per-route enabling / ExtProcPerRoute disabling', () => {
    const v = readConfigDump({
      configs: [
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
          dynamic_listeners: [{name: 'llm/gw/http', error_state: {details: 'duplicate filter name', failed_configuration: {}}}],
        },
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
          dynamic_route_configs: [
            {
              route_config: {
                name: 'rc',
                virtual_hosts: [
                  {
                    name: 'vh',
                    routes: [
                      {name: 'a', route: {cluster: 'c', timeout: '300s'}, typed_per_filter_config: {f1: {'@type': 'type.googleapis.com/envoy.config.route.v3.FilterConfig', config: {}}, f2: {'@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute', disabled: true}}},
                    ],
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    expect(v.listeners).toEqual([{name: 'llm/gw/http', state: 'error', error: 'duplicate filter name', connectionManagers: []}]);
    expect(v.routes[0]).toMatchObject({timeout: '300s', perFilter: {f1: 'enabled', f2: 'disabled'}});
  });

  // What the REAL Envoy Gateway v1.9.1 controller served a Gateway's proxy, with the REAL Envoy AI
  // Gateway v1.1.0 extension's hooks applied (taken over xDS by test/e2e/doctor-real-eg-xds.e2e.test.ts,
  // names turned into placeholders): the names doctor expects are the real ones.
  it('the real Envoy Gateway translation: AI Gateway\'s filter, EPP cluster and ORIGINAL_DST rule cluster, Envoy Gateway\'s listener/route/cluster names', () => {
    const v = readConfigDump(dump('config-dump.real-eg-v1.9.1.json'));
    const names = aiGatewayNames({namespace: 'llm', name: 'qwen'});
    expect(v.listeners.map((l) => [l.name, l.state])).toEqual([
      ['envoy-gateway-proxy-ready-0.0.0.0-19003', 'active'],
      ['llm/gw/http', 'active'],
    ]);
    const gwListener = v.listeners[1]!.connectionManagers;
    expect(gwListener).toHaveLength(1);
    expect(gwListener[0]).toMatchObject({statPrefix: 'http-10080', routeConfig: 'llm/gw/http'});
    expect(gwListener[0]!.httpFilters).toEqual([
      {name: names.filter, disabled: false, grpcCluster: names.eppCluster, failureModeAllow: false},
      {name: 'envoy.filters.http.header_to_metadata', disabled: false},
      {name: 'envoy.filters.http.router', disabled: false},
    ]);
    expect(v.clusters).toEqual([
      {name: 'httproute/llm/qwen/rule/0', type: 'ORIGINAL_DST', lbPolicy: 'CLUSTER_PROVIDED', originalDstHeader: 'x-gateway-destination-endpoint'},
      {name: 'llm/gw', type: 'EDS', lbPolicy: undefined},
      {name: names.eppCluster, type: 'STRICT_DNS', lbPolicy: 'LEAST_REQUEST'},
      {name: 'ai-gateway-extproc-uds', type: 'STATIC', lbPolicy: undefined},
    ]);
    expect(v.routes).toEqual([{routeConfig: 'llm/gw/http', virtualHost: 'llm/gw/http/*', name: 'httproute/llm/qwen/rule/0/match/0/*', cluster: 'httproute/llm/qwen/rule/0', timeout: '300s', perFilter: {}}]);
  });

  it('the fixture loader leaves Envoy\'s access-log operators (%ROUTE_NAME%) of the real dump alone', () => {
    const text = envoyAdminFixture('config-dump.real-eg-v1.9.1.json', NAMES);
    expect(text).toContain('"route_name": "%ROUTE_NAME%"');
    expect(text).not.toMatch(/ROUTE_NAMESPACE|POOL_NAME|GATEWAY_NAME|EPP_SERVICE/);
  });

  it('the real translation with the extension hooks incomplete: no ext_proc filter, the rule cluster left EDS, no EPP cluster', () => {
    const v = readConfigDump(dump('config-dump.real-eg-v1.9.1.hooks-incomplete.json'));
    expect(v.listeners.find((l) => l.name === 'llm/gw/http')!.connectionManagers[0]!.httpFilters.map((f) => f.name)).toEqual(['envoy.filters.http.router']);
    expect(v.clusters.map((c) => [c.name, c.type])).toEqual([
      ['httproute/llm/qwen/rule/0', 'EDS'],
      ['llm/gw', 'EDS'],
      ['ai-gateway-extproc-uds', 'STATIC'],
    ]);
  });

  it('nothing readable: an empty view, no throw', () => {
    expect(readConfigDump({})).toEqual({listeners: [], clusters: [], routes: []});
    expect(readConfigDump(null)).toEqual({listeners: [], clusters: [], routes: []});
  });
});

describe('stats', () => {
  it('keeps the ext_proc and connect-failure counters, sums ext_proc errors, picks one cluster\'s failures', () => {
    const s = readEnvoyStats(envoyAdminFixture('stats.ext-proc-errors.txt', NAMES));
    expect(s['http.http-10080.downstream_rq_total']).toBeUndefined();
    expect(s['http.http-10080.ext_proc.streams_started']).toBe(12);
    expect(extProcErrors(s)).toEqual({streams_failed: 3, failure_mode_allowed: 0, message_timeouts: 0});
    expect(clusterFailures(s, 'envoy.clusters.endpointpicker_qwen_llm_ext_proc')).toEqual({upstream_cx_connect_fail: 3});
    expect(clusterFailures(s, 'httproute/llm/qwen/rule/0')).toEqual({});
  });
});

it('the names Envoy AI Gateway and Envoy Gateway give the filters and the EPP cluster', () => {
  expect(aiGatewayNames({namespace: 'llm', name: 'qwen'})).toEqual({filter: 'envoy.filters.http.ext_proc/endpointpicker/qwen_llm_ext_proc', eppCluster: 'envoy.clusters.endpointpicker_qwen_llm_ext_proc'});
  expect(extensionPolicyFilterPrefix({namespace: 'llm', name: 'epp'})).toBe('envoy.filters.http.ext_proc/envoyextensionpolicy/llm/epp/extproc/');
});
