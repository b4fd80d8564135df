// doctor --request's "which pod served it" (IGW-809) from the model servers' counter deltas
// (src/probe/gateway-request.ts servedVerdict): "nobody in the pool" only when every counter was read.
import {describe, expect, it} from 'vitest';
import {servedVerdict} from '../../../src/probe/gateway-request.ts';

describe('servedVerdict', () => {
  it('the pod whose counter rose', () => {
    expect(servedVerdict({pods: ['qwen-0'], readable: 2}, 2)).toEqual({servedBy: ['qwen-0']});
  });
  it('every counter read, none rose: nobody in the pool served it', () => {
    expect(servedVerdict({pods: [], readable: 2}, 2)).toEqual({servedBy: []});
  });
  it('some counters unread (more than 16 endpoints, or a failed forward) and none of the read rose: unknown, not "outside the pool"', () => {
    expect(servedVerdict({pods: [], readable: 16}, 20)).toEqual({servedBy: null, countersError: "only 16 of 20 model servers' counters were read, none of them counted it"});
  });
  it('no counter read: unknown, with why', () => {
    expect(servedVerdict({pods: [], readable: 0}, 0).countersError).toBe('the pool has no ready model server');
    expect(servedVerdict({pods: [], readable: 0}, 2, 'port-forward refused').countersError).toBe('port-forward refused');
  });
});
