// Per-object suppression (infgw.io/suppress), --failure-threshold, and a documentation link on
// every finding, over the healthy fixture with a planted problem.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import chalk from 'chalk';
import {beforeAll, describe, expect, it} from 'vitest';
import {catalog} from '../../../src/checks/catalog.ts';
import {docsAnchor, README_URL} from '../../../src/checks/docs.ts';
import {failing, healthy} from '../../../src/checks/runner.ts';
import {runDoctor} from '../../../src/doctor/run.ts';
import {suppressedCodes, SUPPRESS_ANNOTATION} from '../../../src/doctor/suppress.ts';
import {jsonDocument, renderJunit, renderShort, renderText} from '../../../src/render/doctor.ts';
import {loadObjects, NOW, obj, repoRoot, snap} from '../checks/fixture.ts';
import {chartInstall} from '../checks/chart-fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The healthy fixture with the InferencePool selecting no pods (IGW-303 error on the pool). */
function broken(annotation?: string) {
  const objs = loadObjects('healthy-ai-gateway.yaml');
  const pool = obj<Any>(objs, 'InferencePool', 'qwen');
  pool.spec.selector = {matchLabels: {app: 'nothing-has-this-label'}};
  if (annotation !== undefined) pool.metadata.annotations = {...pool.metadata.annotations, [SUPPRESS_ANNOTATION]: annotation};
  return runDoctor(snap(objs), {now: NOW});
}

beforeAll(() => {
  chalk.level = 0;
});

describe('suppression by annotation', () => {
  it('the code on the object a finding names: shown as suppressed, not counted, exit code 0', () => {
    const plain = broken();
    const e = plain.findings.find((f) => f.code === 'IGW-303' && f.severity === 'error')!;
    expect(e.object).toMatchObject({kind: 'InferencePool', name: 'qwen'});
    expect(failing(plain.findings)).toBe(true);

    const r = broken('IGW-412, IGW-303');
    const s = r.findings.find((f) => f.code === 'IGW-303' && f.severity === 'error')!;
    expect(s.suppressed).toBe(true);
    expect(r.summary.errors).toBe(plain.summary.errors - 1);
    expect(r.summary.suppressed).toBe(1);
    expect(failing(r.findings)).toBe(false);
    // still the root cause for what depends on it: blocked findings stay blocked
    expect(r.findings.filter((f) => f.severity === 'blocked').length).toBe(plain.findings.filter((f) => f.severity === 'blocked').length);

    const j = jsonDocument(r) as {findings: {code: string; suppressed: boolean}[]};
    expect(j.findings.filter((f) => f.suppressed).map((f) => f.code)).toEqual(['IGW-303']);
    const text = renderText(r, {unicode: false});
    expect(text).toContain('IGW-303 InferencePool\'s selector matches model server pods: error, suppressed by infgw.io/suppress on InferencePool llm/qwen');
    expect(text).not.toContain('Root cause');
    expect(text).toMatch(/1 suppressed/);
    expect(renderShort(r)).not.toContain('IGW-303');
    expect(renderJunit(r)).toContain('<skipped message="suppressed by infgw.io/suppress: ');
  });

  it('another code, or the annotation on another object, suppresses nothing', () => {
    expect(broken('IGW-412').findings.some((f) => f.suppressed)).toBe(false);
    const objs = loadObjects('healthy-ai-gateway.yaml');
    obj<Any>(objs, 'InferencePool', 'qwen').spec.selector = {matchLabels: {app: 'none'}};
    obj<Any>(objs, 'HTTPRoute', 'qwen').metadata.annotations = {[SUPPRESS_ANNOTATION]: 'IGW-303'};
    expect(runDoctor(snap(objs), {now: NOW}).findings.some((f) => f.suppressed)).toBe(false);
  });

  it('a release finding is suppressed on its Helm release Secret', () => {
    const objs = chartInstall({release: {status: 'failed'}});
    const plain = runDoctor(snap(objs), {now: NOW}).findings.find((f) => f.code === 'IGW-401' && f.severity !== 'ok');
    expect(plain).toMatchObject({object: {kind: 'Secret', name: 'sh.helm.release.v1.igw.v1'}});
    expect(plain?.suppressed).toBeUndefined();
    const secret = objs.find((o) => o.kind === 'Secret')!;
    secret.metadata.annotations = {[SUPPRESS_ANNOTATION]: 'IGW-401'};
    const f = runDoctor(snap(objs), {now: NOW}).findings.find((x) => x.code === 'IGW-401' && x.severity !== 'ok');
    expect(f).toMatchObject({severity: plain!.severity, suppressed: true});
  });

  it('annotation values: codes, bare numbers and phase prefixes, comma or space separated', () => {
    const m = suppressedCodes('igw-412, 303 IGW-5')!;
    expect(['IGW-412', 'IGW-303', 'IGW-501', 'IGW-507'].every(m)).toBe(true);
    expect(m('IGW-304')).toBe(false);
    expect(suppressedCodes('')).toBeUndefined();
  });
});

describe('--failure-threshold', () => {
  const w = (severity: 'warning' | 'error' | 'info', suppressed = false) => ({code: 'IGW-413', title: 't', phase: 4 as const, severity, message: 'm', durationMs: 0, suppressed});
  it('error (default): only unsuppressed errors fail; warning: warnings fail too', () => {
    expect(failing([w('warning')])).toBe(false);
    expect(failing([w('warning')], 'warning')).toBe(true);
    expect(failing([w('info')], 'warning')).toBe(false);
    expect(failing([w('error')], 'error')).toBe(true);
    expect(failing([w('error', true), w('warning', true)], 'warning')).toBe(false);
    expect(healthy([w('warning')])).toBe(true);
    expect(healthy([w('warning')], 'warning')).toBe(false);
  });
});

describe('documentation anchors', () => {
  it('every finding links docs; every code of the catalog has its anchor in the README catalogue', () => {
    for (const f of broken().findings) expect(f.docs, f.code).toMatch(/^https:\/\//);
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const missing = catalog()
      .filter((c) => c.docs === undefined)
      .map((c) => c.code)
      .filter((code) => !readme.includes(`<a id="${docsAnchor(code)}"></a>`));
    expect(missing).toEqual([]);
    expect(broken().findings.find((f) => f.code === 'IGW-303')?.docs).toBe(`${README_URL}#igw-303`);
  });
});
