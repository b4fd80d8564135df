import {describe, expect, it} from 'vitest';
import {argValue, eppArgs, eppContainer} from '../../../src/k8s/args.ts';
import {durationMs, parseGoDuration} from '../../../src/k8s/duration.ts';

const deploy = (...containers: {name: string; command?: string[]; args?: string[]}[]) => ({spec: {template: {spec: {containers}}}});

describe('the one EPP-container rule', () => {
  it('finds the container naming its pool in any spelling Go flags accept, in args or command', () => {
    for (const args of [['--pool-name=gw'], ['--pool-name', 'gw'], ['-pool-name', 'gw'], ['-pool-name=gw']]) {
      expect(eppContainer(deploy({name: 'sidecar'}, {name: 'epp', args}))?.name, args.join(' ')).toBe('epp');
    }
    expect(eppContainer(deploy({name: 'epp', command: ['/epp', '--pool-name', 'gw']}))?.name).toBe('epp');
  });
  it('does not take a container that merely mentions a pool; takes a standalone EPP (--endpoint-selector, issue 11 item 6)', () => {
    expect(eppContainer(deploy({name: 'vllm', args: ['--model', 'pool-name']}))).toBeUndefined();
    expect(eppContainer(deploy({name: 'epp', args: ['--endpoint-selector', 'app=vllm']}))?.name).toBe('epp');
  });
  it('reads the pool flags and recognises --endpoint-selector', () => {
    const c = {args: ['--pool-name', 'gw', '--pool-namespace=llm', '-pool-group', 'inference.networking.x-k8s.io', '--endpoint-selector=app=vllm']};
    expect(eppArgs(c)).toEqual({poolName: 'gw', poolNamespace: 'llm', poolGroup: 'inference.networking.x-k8s.io', endpointSelector: 'app=vllm'});
    expect(eppArgs(undefined)).toEqual({poolName: undefined, poolNamespace: undefined, poolGroup: undefined, endpointSelector: undefined});
    expect(argValue({args: ['--secure-serving']}, '--secure-serving')).toBe('true');
  });
});

describe('the one Go-duration parser', () => {
  it("follows time.ParseDuration and the narrower Gateway API form", () => {
    expect(parseGoDuration('1h2m3s4ms')).toBe(3_723_004);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(parseGoDuration('-2m')).toBe(-120_000);
    expect(parseGoDuration('250us')).toBe(0.25);
    expect(parseGoDuration('10')).toBeUndefined();
    expect(durationMs('10s')).toBe(10_000);
    // Gateway API durations are unsigned h/m/s/ms: Go's other forms are not one
    for (const s of ['0', '-1s', '250us', '10', '', undefined]) expect(durationMs(s), String(s)).toBeUndefined();
  });
});
