import {createRequire} from 'node:module';

/*
 * Reading kubeconfig YAML fast. Almost every kubeconfig is written by a tool (kubectl, aws, gcloud,
 * az, kind, k3s, minikube) in plain block style: mappings, sequences, plain or quoted one-line
 * scalars. parseSimpleYaml reads exactly that subset in well under a millisecond and gives up
 * (returns undefined) on anything else — flow collections, block scalars, anchors, tags,
 * multi-line scalars, several documents, numbers, booleans or anything a YAML 1.1 resolver could
 * turn into something other than a string. Then the `yaml` library (YAML 1.1, like the
 * sigs.k8s.io/yaml decoder kubectl uses) reads the file; it is loaded only then, since loading and
 * running it costs ~20 ms of a command's start-up (scripts/bench-startup.ts).
 * test/unit/kubeconfig.test.ts checks that both readers agree wherever the fast one answers.
 */

type Json = null | string | boolean | Json[] | {[key: string]: Json};

/** YAML 1.1 numbers, timestamps, .inf/.nan and merge keys start so: left to the library. */
const NUMBER_LIKE = /^(?:[-+]?(?:[0-9]|\.[0-9]|\.(?:inf|Inf|INF|nan|NaN|NAN)$)|<<|[-+]$)/;
// YAML 1.1 (and yaml.v2, under sigs.k8s.io/yaml) booleans and nulls
const TRUE = /^(?:y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const FALSE = /^(?:n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const NULL = /^(?:~|null|Null|NULL)$/;

class GiveUp extends Error {}
const giveUp = (): never => {
  throw new GiveUp();
};

interface Line {
  indent: number;
  text: string; // without indentation and trailing comment/space
  /** an empty or comment-only line came before it */
  gap: boolean;
}

/** The text of a plain scalar, or give up when it is not plain text. */
function plainText(s: string): string {
  // indicators that start something other than a plain scalar
  if (/^[[\]{},#&*!|>'"%@`?:]/.test(s)) giveUp();
  // ": " or " #" inside a plain scalar, or a trailing ":" are structure, not text
  if (/: |:$| #|\t/.test(s)) giveUp();
  return s;
}

/** A plain scalar resolved as YAML 1.1 does, or give up for numbers and the like. */
function resolvePlain(s: string): Json {
  if (s === '' || NULL.test(s)) return null;
  if (TRUE.test(s)) return true;
  if (FALSE.test(s)) return false;
  if (NUMBER_LIKE.test(s)) giveUp();
  return s;
}

function plain(s: string): Json {
  return resolvePlain(plainText(s));
}

const ESCAPES: Record<string, string> = {'0': '\0', a: '\x07', b: '\b', t: '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ', '"': '"', '/': '/', '\\': '\\'};

/** A one-line quoted scalar starting at s[0]; returns the value and the rest of the line. */
function quoted(s: string): [string, string] {
  const q = s[0]!;
  let out = '';
  let i = 1;
  for (;;) {
    if (i >= s.length) giveUp(); // continues on the next line: leave it to the library
    const c = s[i]!;
    if (q === "'") {
      if (c === "'") {
        if (s[i + 1] === "'") {
          out += "'";
          i += 2;
          continue;
        }
        return [out, s.slice(i + 1)];
      }
      out += c;
      i++;
    } else {
      if (c === '"') return [out, s.slice(i + 1)];
      if (c === '\\') {
        const e = s[i + 1];
        if (e === undefined) giveUp();
        if (e === 'x' || e === 'u' || e === 'U') {
          const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
          const hex = s.slice(i + 2, i + 2 + n);
          if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) giveUp();
          out += String.fromCodePoint(parseInt(hex, 16));
          i += 2 + n;
          continue;
        }
        const r = ESCAPES[e!];
        if (r === undefined) giveUp();
        out += r;
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
  }
}

/** A scalar (or empty {} / []) that fills the rest of a line. */
function scalar(s: string): Json {
  if (s === '{}') return {};
  if (s === '[]') return [];
  if (s[0] === '"' || s[0] === "'") {
    const [v, rest] = quoted(s);
    if (rest.trim() !== '') giveUp();
    return v;
  }
  return plain(s);
}

/** Strip a comment (" #…" outside quotes) and trailing spaces. */
function stripComment(s: string): string {
  let q: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === '\\' && q === '"') i++;
      else if (c === q) q = undefined;
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s:[{,-]/.test(s[i - 1]!))) q = c;
    else if (c === '#' && (i === 0 || s[i - 1] === ' ')) return s.slice(0, i).trimEnd();
  }
  return s.trimEnd();
}

/** "key: rest" → [key, rest]; undefined when the text is not a mapping entry. */
function splitKey(text: string): [string, string] | undefined {
  if (text[0] === '"' || text[0] === "'") {
    const [k, rest] = quoted(text);
    if (rest === ':') return [k, ''];
    if (rest.startsWith(': ')) return [k, rest.slice(2).trim()];
    return undefined;
  }
  const m = /^([^\s#'"[\]{},&*!|>%@`?-][^:]*|-[^\s:][^:]*):(?: +(.*))?$/.exec(text);
  if (!m) return undefined;
  const key = m[1]!;
  if (/\s$/.test(key) || / #/.test(key)) giveUp();
  if (resolvePlain(key) !== key) giveUp(); // a key that YAML reads as a boolean, null or number
  return [key, m[2] ?? ''];
}

/** Parse the block YAML subset; undefined when the text is outside it. */
export function parseSimpleYaml(text: string): Json | undefined {
  try {
    const lines: Line[] = [];
    let started = false;
    let gap = false;
    for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
      if (raw.includes('\t')) giveUp();
      const body = stripComment(raw);
      if (body.trim() === '') {
        gap = true;
        continue;
      }
      if (body === '---') {
        if (started) giveUp(); // a second document
        started = true;
        continue;
      }
      if (body.startsWith('%') || body === '...' || body.startsWith('--- ')) giveUp();
      started = true;
      const indent = body.length - body.trimStart().length;
      lines.push({indent, text: body.trimStart(), gap});
      gap = false;
    }
    if (lines.length === 0) return null;
    let pos = 0;

    // A node whose lines are indented at least `min`, starting at lines[pos].
    const node = (min: number): Json => {
      const first = lines[pos];
      if (!first || first.indent < min) return null;
      if (first.text === '-' || first.text.startsWith('- ')) return sequence(first.indent);
      if (splitKey(first.text)) return mapping(first.indent);
      // a lone scalar on its own line
      pos++;
      return scalar(first.text);
    };

    const mapping = (indent: number): Json => {
      const out: {[k: string]: Json} = {};
      while (pos < lines.length) {
        const l = lines[pos]!;
        if (l.indent < indent) break;
        if (l.indent > indent) giveUp(); // a continuation line or a mis-indented key
        const kv = splitKey(l.text);
        if (!kv) {
          if (l.text === '-' || l.text.startsWith('- ')) break; // a sequence at this indent ends the mapping
          giveUp();
        }
        const [key, rest] = kv!;
        if (Object.prototype.hasOwnProperty.call(out, key)) giveUp(); // duplicate key: the library reports it
        pos++;
        if (rest !== '') {
          out[key] = scalarWithContinuation(rest, indent);
          continue;
        }
        const next = lines[pos];
        if (next && next.indent > indent) out[key] = node(indent + 1);
        else if (next && next.indent === indent && (next.text === '-' || next.text.startsWith('- '))) out[key] = sequence(indent);
        else out[key] = null;
      }
      return out;
    };

    // A plain scalar may go on over more-indented lines, folded with single spaces (how tools
    // wrap long values such as gcloud's installHint).
    const scalarWithContinuation = (rest: string, indent: number): Json => {
      const more: string[] = [];
      while (pos < lines.length && lines[pos]!.indent > indent) {
        const c = lines[pos]!;
        if (c.gap || rest[0] === '"' || rest[0] === "'" || rest === '{}' || rest === '[]') giveUp();
        more.push(plainText(c.text));
        pos++;
      }
      if (more.length === 0) return scalar(rest);
      const joined = [plainText(rest), ...more].join(' ');
      if (NUMBER_LIKE.test(joined)) giveUp();
      return joined;
    };

    const sequence = (indent: number): Json => {
      const out: Json[] = [];
      while (pos < lines.length) {
        const l = lines[pos]!;
        if (l.indent !== indent || !(l.text === '-' || l.text.startsWith('- '))) {
          if (l.indent > indent) giveUp();
          break;
        }
        const rest = l.text === '-' ? '' : l.text.slice(2).replace(/^ +/, '');
        if (rest === '') {
          pos++;
          const next = lines[pos];
          out.push(next && next.indent > indent ? node(indent + 1) : null);
          continue;
        }
        // "- key: value" opens a mapping whose keys sit at the column of "key"
        const column = indent + (l.text.length - rest.length);
        if (rest === '-' || rest.startsWith('- ')) giveUp(); // "- - x": nested compact sequence
        if (splitKey(rest)) {
          lines[pos] = {indent: column, text: rest, gap: false};
          out.push(mapping(column));
        } else {
          pos++;
          out.push(scalarWithContinuation(rest, indent));
        }
      }
      return out;
    };

    const doc = node(0);
    if (pos !== lines.length) giveUp();
    return doc;
  } catch (error) {
    if (error instanceof GiveUp) return undefined;
    throw error;
  }
}

/** YAML 1.1 via the `yaml` library, loaded on first use (see the top of this file). */
export function libraryYaml(): typeof import('yaml') {
  // A literal require('yaml') lets esbuild bundle the library and run it only when called; when
  // the sources run unbundled (vitest), ESM has no require and createRequire does the same.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above: lazy on purpose
  return typeof require === 'function' ? (require('yaml') as typeof import('yaml')) : (createRequire(import.meta.url)('yaml') as typeof import('yaml'));
}
