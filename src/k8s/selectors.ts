/*
 * Label selectors: matching, emptiness, the form doctor shows in fixes (selectorString, in the
 * order written) and the API's own query form (labelSelectorString, as the API server prints it).
 */
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

/**
 * metav1.LabelSelectorAsSelector(...).String(): the query-string form of a label selector
 * (k8s.io/apimachinery pkg/apis/meta/v1/helpers.go, pkg/labels/selector.go). Requirements are
 * sorted by key as labels.Selector does.
 */
export function labelSelectorString(sel: LabelSelector | undefined): string {
  const reqs: {key: string; text: string}[] = [];
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) reqs.push({key: k, text: `${k}=${v}`});
  for (const e of sel?.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    switch (e.operator) {
      case 'In':
        reqs.push({key: e.key, text: `${e.key} in (${values})`});
        break;
      case 'NotIn':
        reqs.push({key: e.key, text: `${e.key} notin (${values})`});
        break;
      case 'Exists':
        reqs.push({key: e.key, text: e.key});
        break;
      case 'DoesNotExist':
        reqs.push({key: e.key, text: `!${e.key}`});
        break;
      default:
        throw new Error(`"${e.operator}" is not a valid label selector operator`);
    }
  }
  return reqs
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => r.text)
    .join(',');
}
