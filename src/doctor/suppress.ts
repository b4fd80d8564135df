/*
 * Per-object suppression (istioctl's galley.istio.io/analyze-suppress annotation, style.md): the
 * object a finding names may carry `infgw.io/suppress: IGW-412` — comma-separated codes or phase
 * prefixes (IGW-4). Such a finding is still reported, marked suppressed, and does not count for
 * the exit code or the summary. Only problems (error, warning, info) are suppressed; a suppressed
 * error still blocks the checks that depend on it (the link is still broken, the user accepted it).
 */
import type {Finding, Severity} from '../checks/types.ts';
import {KINDS} from '../snapshot/kinds.ts';
import {get} from '../snapshot/query.ts';
import type {Snapshot} from '../snapshot/types.ts';
import {codeMatcher} from './run.ts';
import {SUPPRESS_ANNOTATION} from './report.ts';

export {SUPPRESS_ANNOTATION};

const SUPPRESSIBLE: ReadonlySet<Severity> = new Set(['error', 'warning', 'info']);

/** The codes an annotation value names (`IGW-412, IGW-5` or `412 413`). */
export function suppressedCodes(value: string | undefined): ((code: string) => boolean) | undefined {
  if (!value) return undefined;
  return codeMatcher(value.split(/[\s,]+/).filter(Boolean));
}

/** The annotation on the object a finding names, when the snapshot has that object. */
function annotationOf(snap: Snapshot, f: Finding): string | undefined {
  const o = f.object;
  if (!o) return undefined;
  const group = o.apiVersion?.includes('/') ? o.apiVersion.slice(0, o.apiVersion.indexOf('/')) : '';
  for (const d of KINDS) {
    // (release findings name their Helm release Secret: the annotation goes there)
    if (d.kind !== o.kind || d.group !== group) continue;
    const found = get(snap, d.key, o.namespace, o.name);
    if (found) return found.metadata.annotations?.[SUPPRESS_ANNOTATION];
  }
  return undefined;
}

/** Mark the findings their objects suppress (a new array; the findings are copied when marked). */
export function applySuppressions(findings: readonly Finding[], snap: Snapshot): Finding[] {
  return findings.map((f) => {
    if (!SUPPRESSIBLE.has(f.severity)) return f;
    const matches = suppressedCodes(annotationOf(snap, f));
    return matches?.(f.code) ? {...f, suppressed: true} : f;
  });
}
