import {describe, expect, it} from 'vitest';
import {controllerErrorFromLog, judgeExtensionService, serviceFromHostname} from '../../../src/envoy/cluster.ts';
import {AI_GATEWAY_SERVICE} from '../../../src/envoy/presets.ts';

const target = {fqdn: {hostname: AI_GATEWAY_SERVICE.hostname, port: 1063}};
const describeIt = `fqdn ${AI_GATEWAY_SERVICE.hostname}:1063`;
const svc = (ports: number[]) => ({spec: {ports: ports.map((port) => ({port}))}});

describe('serviceFromHostname', () => {
  it('reads <svc>.<ns>.svc[.<domain>] and nothing else', () => {
    expect(serviceFromHostname('ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local')).toEqual({name: 'ai-gateway-controller', namespace: 'envoy-ai-gateway-system'});
    expect(serviceFromHostname('ext.platform.svc')).toEqual({name: 'ext', namespace: 'platform'});
    expect(serviceFromHostname('ext.platform.svc.corp.example.')).toEqual({name: 'ext', namespace: 'platform'});
    expect(serviceFromHostname('ext.example.com')).toBeUndefined();
    expect(serviceFromHostname('ext')).toBeUndefined();
  });
});

describe('judgeExtensionService', () => {
  it('warns when the Service is missing', () => {
    const s = judgeExtensionService(target, undefined, [], describeIt);
    expect(s.exists).toBe(false);
    expect(s.warning).toMatch(/envoy-ai-gateway-system\/ai-gateway-controller does not exist/);
  });
  it('warns when the port is missing, or no endpoint is ready', () => {
    expect(judgeExtensionService(target, svc([80]), [], describeIt).warning).toMatch(/has no port 1063 \(ports: 80\)/);
    const notReady = judgeExtensionService(target, svc([1063]), [{endpoints: [{conditions: {ready: false}}]}], describeIt);
    expect(notReady.readyEndpoints).toBe(0);
    expect(notReady.warning).toMatch(/no ready endpoints/);
  });
  it('counts endpoints whose ready condition is true or unset as ready', () => {
    const s = judgeExtensionService(target, svc([1063]), [{endpoints: [{conditions: {ready: true}}, {conditions: {}}]}, {endpoints: [{conditions: {ready: false}}]}], describeIt);
    expect(s).toEqual({
      target: describeIt,
      service: {name: 'ai-gateway-controller', namespace: 'envoy-ai-gateway-system', port: 1063},
      exists: true,
      portFound: true,
      readyEndpoints: 2,
    });
  });
  it('does not judge targets outside the cluster', () => {
    expect(judgeExtensionService({ip: {address: '10.0.0.1', port: 1}}, undefined, undefined, 'ip 10.0.0.1:1')).toEqual({target: 'ip 10.0.0.1:1'});
  });
});

describe('controllerErrorFromLog', () => {
  it('takes the plain error Envoy Gateway prints when it refuses its config at start-up', () => {
    const log = [
      '{"level":"info","ts":"2026-08-01T10:00:00Z","logger":"envoy-gateway","caller":"cmd/server.go:80","msg":"Start runners"}',
      'Error: registered extension has no hooks specified',
      'Usage:',
      '  envoy-gateway server [flags]',
      'registered extension has no hooks specified',
    ].join('\n');
    expect(controllerErrorFromLog(log)).toBe('registered extension has no hooks specified');
  });
  it('prefers a JSON error line with its error field', () => {
    const log = '{"level":"info","msg":"ok"}\n{"level":"error","msg":"failed to validate EnvoyGateway config","error":"extension service config is empty"}\n{"level":"info","msg":"still running"}\n';
    expect(controllerErrorFromLog(log)).toBe('failed to validate EnvoyGateway config: extension service config is empty');
  });
  it('is undefined for a clean log', () => {
    expect(controllerErrorFromLog('{"level":"info","msg":"Watching additional backend resource"}\n')).toBeUndefined();
    expect(controllerErrorFromLog('')).toBeUndefined();
  });
});
