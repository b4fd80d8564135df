import chalk from 'chalk';
import {beforeAll, describe, expect, it} from 'vitest';
import {jsonDocument, renderJunit, renderShort, renderText, unicodeSupported} from '../../../src/render/doctor.ts';
import type {DoctorReport} from '../../../src/doctor/report.ts';
import {summarize} from '../../../src/checks/runner.ts';
import type {Finding} from '../../../src/checks/types.ts';

const findings: Finding[] = [
  {code: 'IGW-101', title: 'Kubernetes API server answers', phase: 1, severity: 'ok', message: 'Kubernetes v1.37.2', durationMs: 0.1},
  {
    code: 'IGW-303',
    title: "InferencePool's selector matches model server pods",
    phase: 3,
    chain: 'llm/qwen',
    severity: 'error',
    object: {apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', namespace: 'llm', name: 'qwen'},
    message: 'InferencePool llm/qwen selects no pods',
    fix: `kubectl patch inferencepool qwen -n llm --type merge -p '{}'`,
    durationMs: 0.4,
  },
  {code: 'IGW-304', title: 'Model server pods are Ready', phase: 3, chain: 'llm/qwen', severity: 'blocked', message: 'blocked by IGW-303', blockedBy: ['IGW-303'], durationMs: 0},
];
const report: DoctorReport = {
  summary: {...summarize(findings), durationMs: 120, apiRequests: 24},
  target: {source: 'cluster', context: 'kind', namespace: 'llm', releases: [], pools: [{namespace: 'llm', name: 'qwen', group: 'inference.networking.k8s.io', wiring: 'ai-gateway'}]},
  findings,
};

beforeAll(() => {
  chalk.level = 0;
});

describe('doctor renderers', () => {
  it('text: root causes first, phases, fix under the problem, blocked by, summary', () => {
    const t = renderText(report, {unicode: true});
    const lines = t.split('\n');
    expect(lines.indexOf('Root cause')).toBeLessThan(lines.findIndex((l) => l === 'Cluster & CRDs'));
    expect(t).toContain('  ✖ IGW-303 InferencePool llm/qwen: InferencePool llm/qwen selects no pods');
    expect(t).toContain('Model serving · llm/qwen');
    expect(t).toContain("      fix:\n        kubectl patch inferencepool qwen -n llm --type merge -p '{}'\n      docs: https://github.com/kubectl-infgw/kubectl-infgw/blob/main/README.md#igw-303");
    expect(t).toContain('  ⏸ IGW-304 Model server pods are Ready');
    expect(t).toMatch(/1 error, 0 warnings, 1 ok, 1 blocked · 24 API requests · 120ms/);
  });

  it('text: ASCII symbols when the terminal is not UTF-8', () => {
    const t = renderText(report, {unicode: false});
    expect(t).toContain('[FAIL] IGW-303');
    expect(t).toContain('[blocked] IGW-304');
    expect(t).not.toMatch(/[✔⚠✖○⏸]/);
  });

  it('unicodeSupported follows the locale', () => {
    expect(unicodeSupported({LANG: 'en_US.UTF-8'}, 'linux')).toBe(true);
    expect(unicodeSupported({LANG: 'C'}, 'linux')).toBe(false);
    expect(unicodeSupported({LANG: 'en_US.UTF-8', TERM: 'linux'}, 'linux')).toBe(false);
  });

  it('short: problems only, one line each', () => {
    expect(renderShort(report)).toBe('IGW-303 error InferencePool llm/qwen: InferencePool llm/qwen selects no pods\n');
  });

  it('json: the documented contract', () => {
    const j = jsonDocument(report) as {summary: Record<string, number>; findings: Record<string, unknown>[]};
    expect(j.summary).toEqual({errors: 1, warnings: 0, infos: 0, ok: 1, skipped: 0, blocked: 1, suppressed: 0, durationMs: 120, apiRequests: 24});
    expect(j.findings[1]).toEqual({
      code: 'IGW-303',
      severity: 'error',
      title: "InferencePool's selector matches model server pods",
      phase: 3,
      pool: 'llm/qwen',
      object: {apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', namespace: 'llm', name: 'qwen'},
      message: 'InferencePool llm/qwen selects no pods',
      fix: `kubectl patch inferencepool qwen -n llm --type merge -p '{}'`,
      blockedBy: [],
      durationMs: 0.4,
      docs: 'https://github.com/kubectl-infgw/kubectl-infgw/blob/main/README.md#igw-303',
      suppressed: false,
    });
    expect(j.findings[0]).toMatchObject({object: null, fix: null, blockedBy: []});
    expect(j.findings[2]).toMatchObject({severity: 'blocked', blockedBy: ['IGW-303']});
  });

  it('junit: errors fail, blocked skip, valid escaping', () => {
    const x = renderJunit(report);
    expect(x).toContain('<testsuites name="kubectl infgw doctor" tests="3" failures="1" errors="0" skipped="1"');
    expect(x).toContain('<failure message="InferencePool llm/qwen selects no pods" type="IGW-303">');
    expect(x).toContain('name="IGW-303 InferencePool&apos;s selector matches model server pods [InferencePool llm/qwen]"');
    expect(x).toContain('<skipped message="blocked by IGW-303"/>');
  });
});
