/*
 * Every finding links its documentation (istioctl analyzers carry a URL per message code, linkerd
 * checks a hint anchor, style.md): a check's own `docs` (an upstream page) when it has one, else
 * the README check catalogue's anchor for its code (`<a id="igw-303">` in the catalogue table).
 */
import type {Check} from './types.ts';

export const README_URL = 'https://github.com/kubectl-infgw/kubectl-infgw/blob/main/README.md';

/** `IGW-303` → the README anchor `igw-303`. */
export function docsAnchor(code: string): string {
  return code.toLowerCase();
}

export function docsFor(check: Pick<Check, 'code' | 'docs'>): string {
  return check.docs ?? `${README_URL}#${docsAnchor(check.code)}`;
}
