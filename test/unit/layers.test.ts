// Import directions between src/ folders (issue 10): lower layers never import higher ones, so a
// helper has one home and a newcomer knows where to look. Static and dynamic imports both count.
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';

const src = path.resolve(import.meta.dirname, '..', '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** folder of src/ → the src/ folders its files import */
function imports(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const f of files(src)) {
    const from = path.relative(src, f).split(path.sep)[0]!.replace(/\.ts$/, '');
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)) {
      const to = path.relative(src, path.resolve(path.dirname(f), m[1]!)).split(path.sep)[0]!.replace(/\.ts$/, '');
      if (to === from || to.startsWith('..')) continue;
      if (!out.has(from)) out.set(from, new Set());
      out.get(from)!.add(to);
    }
  }
  return out;
}

/** what each folder may import (besides itself) */
const ALLOWED: Record<string, string[]> = {
  k8s: ['kube'],
  kube: ['k8s', 'errors'],
  snapshot: ['k8s', 'kube', 'helm', 'metrics', 'envoy', 'errors'],
  model: ['k8s', 'kube', 'snapshot', 'helm', 'envoy'],
  checks: ['k8s', 'kube', 'snapshot', 'model', 'helm', 'envoy', 'metrics'],
  doctor: ['checks', 'model', 'snapshot', 'bundle', 'k8s', 'kube', 'errors', 'probe'],
};

describe('layers', () => {
  const graph = imports();
  for (const [folder, allowed] of Object.entries(ALLOWED)) {
    it(`src/${folder} imports only ${allowed.join(', ')}`, () => {
      expect([...(graph.get(folder) ?? [])].filter((t) => !allowed.includes(t)).sort()).toEqual([]);
    });
  }
});
