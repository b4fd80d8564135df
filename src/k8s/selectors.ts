/* Label selectors: matching, emptiness and the `kubectl -l` form. */
import type {LabelSelector} from './objects.ts';

/**
 * Label selector semantics (k8s.io/apimachinery pkg/labels/selector.go): every matchLabels pair
 * and every expression must hold. An empty selector matches everything — callers decide whether
 * that is acceptable. A plain map (InferencePool v1alpha2, Service) is treated as matchLabels.
 */
export function selectorMatches(selector: LabelSelector | Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  const sel = isLabelSelector(selector) ? selector : {matchLabels: selector};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const vals = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !vals.includes(l[e.key]!)) return false;
        break;
      case 'NotIn':
        if (has && vals.includes(l[e.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function isLabelSelector(s: LabelSelector | Record<string, string>): s is LabelSelector {
  return (
    typeof (s as LabelSelector).matchLabels === 'object' ||
    Array.isArray((s as LabelSelector).matchExpressions) ||
    Object.keys(s).length === 0
  );
}

export function selectorIsEmpty(selector: LabelSelector | Record<string, string> | undefined): boolean {
  if (!selector) return true;
  if (isLabelSelector(selector)) return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
  return Object.keys(selector).length === 0;
}

export function selectorString(selector: LabelSelector | Record<string, string> | undefined): string {
  if (!selector) return '';
  const sel = isLabelSelector(selector) ? selector : {matchLabels: selector};
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`);
  }
  return parts.join(',');
}
