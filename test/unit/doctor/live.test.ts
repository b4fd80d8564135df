// doctor --request keeps the start of the response body in its report: never a token, never more than 300 characters.
import {describe, expect, it} from 'vitest';
import {BODY_SNIPPET, bodySnippet} from '../../../src/doctor/live.ts';

describe('bodySnippet', () => {
  it('removes bearer tokens, JWTs and API keys an error body may echo', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJl';
    const out = bodySnippet(`{"error":{"message":"invalid header Authorization: Bearer ${jwt}; api-key=sk-abcdef0123456789abcdef"}}`);
    expect(out).not.toContain(jwt);
    expect(out).not.toContain('sk-abcdef0123456789abcdef');
    expect(out).toContain('[redacted]');
    expect(out).toContain('invalid header');
  });

  it('keeps at most 300 characters', () => {
    expect(BODY_SNIPPET).toBe(300);
    expect(bodySnippet('x'.repeat(2048))).toHaveLength(300);
    expect(bodySnippet('no healthy upstream')).toBe('no healthy upstream');
  });
});
