import {execFileSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import {parseManifests} from '../../../src/helm/release.ts';
import {UsageError} from '../../../src/errors.ts';
import {eppDeploymentsInManifest, isEppDeployment, parseRestartTarget, parseTimeout, workloadKind} from '../../../src/rollout/targets.ts';
import {fixture, variant} from './fixtures.ts';

describe('parseRestartTarget', () => {
  it('reads TYPE/NAME with kubectl short names and group-qualified names', () => {
    expect(parseRestartTarget(['deployment/epp'], {namespace: 'inference'})).toEqual({type: 'workload', kind: 'Deployment', name: 'epp', namespace: 'inference'});
    expect(parseRestartTarget(['deploy/epp'], {})).toEqual({type: 'workload', kind: 'Deployment', name: 'epp'});
    expect(parseRestartTarget(['deployments.apps/epp'], {})).toMatchObject({kind: 'Deployment'});
    expect(parseRestartTarget(['ds/agent'], {})).toMatchObject({kind: 'DaemonSet', name: 'agent'});
    expect(parseRestartTarget(['daemonsets/agent'], {})).toMatchObject({kind: 'DaemonSet'});
    expect(parseRestartTarget(['sts/cache'], {})).toMatchObject({kind: 'StatefulSet', name: 'cache'});
    expect(parseRestartTarget(['StatefulSet.v1.apps/cache'], {})).toMatchObject({kind: 'StatefulSet'});
  });
  it('reads TYPE NAME', () => {
    expect(parseRestartTarget(['deployment', 'epp'], {})).toEqual({type: 'workload', kind: 'Deployment', name: 'epp'});
  });
  it('reads epp -r and envoy-gateway with its defaults and overrides', () => {
    expect(parseRestartTarget(['epp'], {release: 'gw', namespace: 'inference'})).toEqual({type: 'epp', release: 'gw', namespace: 'inference'});
    expect(parseRestartTarget(['envoy-gateway'], {})).toEqual({type: 'envoy-gateway', namespace: 'envoy-gateway-system', name: 'envoy-gateway'});
    expect(parseRestartTarget(['envoy-gateway'], {namespace: 'eg', name: 'eg-controller'})).toEqual({type: 'envoy-gateway', namespace: 'eg', name: 'eg-controller'});
  });
  it('refuses what kubectl refuses, as usage errors (exit 2)', () => {
    const bad: [string[], Record<string, string>, RegExp][] = [
      [[], {}, /required resource not specified/],
      [['epp'], {}, /needs the Helm release/],
      [['epp', 'x'], {release: 'gw'}, /unexpected argument/],
      [['envoy-gateway'], {release: 'gw'}, /--release applies to "restart epp" only/],
      [['deployment/epp'], {name: 'x'}, /--name applies to "envoy-gateway" only/],
      [['service/epp'], {}, /cannot restart "service"/],
      [['deployment'], {}, /name the Deployment/],
      [['deployment/'], {}, /name the Deployment/],
      [['deployment/a', 'b'], {}, /no need to specify a resource type/],
      [['deployment', 'a', 'b'], {}, /unexpected arguments/],
    ];
    for (const [args, flags, message] of bad) {
      let error: unknown;
      try {
        parseRestartTarget(args, flags);
      } catch (e) {
        error = e;
      }
      expect(error, args.join(' ')).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(message);
    }
  });
  it('knows the kinds', () => {
    expect(workloadKind('Deploy')).toBe('Deployment');
    expect(workloadKind('pod')).toBeUndefined();
  });
});

describe('parseTimeout', () => {
  it('reads Go durations; 0 waits forever', () => {
    expect(parseTimeout('5m')).toBe(300_000);
    expect(parseTimeout('1h30m')).toBe(5_400_000);
    expect(parseTimeout('90s')).toBe(90_000);
    expect(parseTimeout('1.5s')).toBe(1500);
    expect(parseTimeout('0')).toBe(0);
    expect(parseTimeout('0s')).toBe(0);
  });
  it('refuses anything else', () => {
    for (const v of ['5', 'five', '-1s', '5 m', '']) expect(() => parseTimeout(v), v).toThrow(UsageError);
  });
});

describe('isEppDeployment', () => {
  const d = fixture('deployment.json');
  it('recognises --pool-name in any spelling Go flags accept', () => {
    expect(isEppDeployment(d)).toBe(true);
    for (const args of [['--pool-name=gw'], ['-pool-name', 'gw'], ['-pool-name=gw']]) {
      expect(isEppDeployment(variant(d, {spec: {template: {spec: {containers: [{name: 'epp', args}]}}}})), args.join(' ')).toBe(true);
    }
  });
  it('rejects a container that merely mentions a pool', () => {
    expect(isEppDeployment(variant(d, {spec: {template: {spec: {containers: [{name: 'vllm', args: ['--model', 'pool-name']}]}}}}))).toBe(false);
    expect(isEppDeployment(variant(d, {spec: {template: {spec: {containers: [{name: 'x'}]}}}}))).toBe(false);
  });
});

describe('eppDeploymentsInManifest (the release manifest of the inference-gateway chart)', () => {
  it('finds the EPP Deployment that real `helm template` renders from the fixture chart', () => {
    const root = new URL('../../../', import.meta.url).pathname;
    const rendered = execFileSync(`${root}.tools/bin/helm`, ['template', 'gw', `${root}test/fixtures/charts/inference-gateway`, '-n', 'inference', '--set', 'epp.poolName=pool'], {encoding: 'utf8'});
    const objects = parseManifests(rendered);
    expect(objects.some((o) => o.kind === 'Service')).toBe(true);
    expect(eppDeploymentsInManifest(objects, 'inference')).toEqual([{kind: 'Deployment', namespace: 'inference', name: 'gw-inference-gateway-epp'}]);
  });
});
