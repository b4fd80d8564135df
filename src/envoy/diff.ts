/*
 * Unified diffs of the config file for --dry-run and -o json. jsdiff (`diff`) does the Myers diff
 * and hunk formatting; we only drop its "Index:"/"====" preamble so the output reads like
 * `diff -u` / `git diff`.
 */
import {createTwoFilesPatch, FILE_HEADERS_ONLY} from 'diff';

/** `--- a/<name>` / `+++ b/<name>` unified diff with 3 lines of context; "" when equal. */
export function unifiedDiff(before: string, after: string, name: string): string {
  if (before === after) return '';
  return createTwoFilesPatch(`a/${name}`, `b/${name}`, before, after, undefined, undefined, {context: 3, headerOptions: FILE_HEADERS_ONLY});
}
