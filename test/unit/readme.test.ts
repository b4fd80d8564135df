// README.md's check catalogue and symptom table are generated from the catalog by
// scripts/readme-checks.ts: a check added, renamed, reordered or joining a playbook without
// regenerating them fails here (as a stale manifest does).
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {BEGIN, checkTable, END, withCheckTable} from '../../scripts/readme-checks.ts';
import {CATALOG} from '../../src/checks/catalog.ts';

const readme = readFileSync(path.resolve(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

describe('README check catalogue and symptom table', () => {
  it('is the one scripts/readme-checks.ts writes (run it and commit README.md when this fails)', () => {
    expect(readme).toContain(BEGIN);
    expect(readme).toContain(END);
    expect(withCheckTable(readme)).toBe(readme);
  });
  it('has one row per check, in run order', () => {
    const codes = [...checkTable().matchAll(/^\| <a id="igw-\d+"><\/a>(IGW-\d+) \|/gm)].map((m) => m[1]);
    expect(codes).toEqual(CATALOG.map((c) => c.code));
  });
});
