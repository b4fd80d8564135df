import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {KubeObject} from '../../../src/kube/client.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** A fixture object from test/unit/rollout/fixtures (a fresh copy each time). */
export function fixture(name: string): KubeObject {
  return JSON.parse(readFileSync(join(here, 'fixtures', name), 'utf8')) as KubeObject;
}

type Patch = {[k: string]: unknown};

/** A copy of `base` with `patch` merged in: objects merge, arrays and scalars replace, null deletes. */
export function variant<T>(base: T, patch: Patch): T {
  const out = structuredClone(base) as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' && !Array.isArray(out[k])) {
      out[k] = variant(out[k], v as Patch);
    } else out[k] = v;
  }
  return out as T;
}
