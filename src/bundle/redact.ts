/*
 * What a support bundle must not carry, removed before anything is written: Secret data, tokens,
 * Authorization headers, credential values in ConfigMaps, Helm values and container env/args, and
 * user prompts in logs. Redaction is deterministic — the same input always gives the same output —
 * so a release's rendered ConfigMap and the live one still compare equal after both are redacted
 * (the drift check reads both).
 *
 * Where these come from:
 * - GIE v1.5.0 pkg/epp/handlers/server.go logs at trace level every request header ("header",
 *   "key", …, "value", …: Authorization included) and on a failed request the whole request
 *   ("Failed to process request", "request", req: the body with the prompt);
 * - LiteLLM's proxy config (config.yaml) holds `api_key` per model and `general_settings.master_key`;
 * - `kubectl apply` copies the whole object, Secret data included, into the
 *   kubectl.kubernetes.io/last-applied-configuration annotation.
 */
import type {KubeObject} from '../kube/client.ts';
import type {HelmRelease} from '../snapshot/types.ts';

export const REDACTED = '[redacted]';

/** What was removed, counted per kind of thing (the bundle manifest lists it). */
export class Redactions {
  readonly counts = new Map<string, number>();
  add(what: string, n = 1): void {
    if (n > 0) this.counts.set(what, (this.counts.get(what) ?? 0) + n);
  }
  list(): {what: string; count: number}[] {
    return [...this.counts].map(([what, count]) => ({what, count})).sort((a, b) => a.what.localeCompare(b.what));
  }
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A key whose value is a credential (password, token, api_key, master_key, client-key-data…). */
export function credentialKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (!/(password|passwd|secret|token|apikey|masterkey|privatekey|accesskey|credential|authorization|bearer|cookie|clientkeydata|sessionkey|signingkey)/.test(k)) return false;
  // automountServiceAccountToken (a boolean), existingSecret (Helm charts' name of a Secret)
  if (k.startsWith('automount') || k.includes('existing')) return false;
  // names of and references to credentials are not credentials (secretName, tokenFile, existingSecret…)
  return !/(name|ref|refs|file|path|namespace|mountpath|seconds|ttl|length|expiration|enabled|key)$/.test(k) || /(apikey|masterkey|privatekey|accesskey|secretkey|sessionkey|signingkey|encryptionkey)$/.test(k);
}

/** A command-line flag that carries a credential (`--api-key`, `--token`, `--password`…). */
const CREDENTIAL_FLAG = /^(--?[\w.-]*(?:token|password|passwd|secret|api-?key|apikey|master-?key|credential)[\w.-]*)(=(.*))?$/i;

/** Header names whose values are credentials. */
const SENSITIVE_HEADER = /^(authorization|proxy-authorization|x-api-key|api-key|cookie|set-cookie|x-auth-token)$/i;

/** JSON keys that carry what a user sent to the model (OpenAI/vLLM request bodies). */
const PROMPT_KEY = /^(prompt|prompts|messages|content|input|inputs|body|raw_body|request_body|requestbody|text|instructions|system|suffix)$/i;

/**
 * Tokens and credentials inside any string: bearer/basic Authorization values, JWTs (every
 * Kubernetes ServiceAccount token is one), `user:password@` in URLs, OpenAI-style `sk-…` keys.
 */
export function redactString(s: string, r?: Redactions): string {
  let n = 0;
  // a credential, not a word: "Bearer abc.def-123…", not "basic authentication"
  let out = s.replace(/\b(bearer|basic)(\s+)([A-Za-z0-9._~+/=-]{8,})/gi, (m, scheme: string, sp: string, cred: string) => {
    if (!/[0-9._~+/=-]/.test(cred) && cred.length < 20) return m;
    n++;
    return `${scheme}${sp}${REDACTED}`;
  });
  out = out.replace(/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, () => {
    n++;
    return REDACTED;
  });
  out = out.replace(/\b(authorization|x-api-key|api-key|cookie)(["']?\s*[:=]\s*["']?)(?!\[redacted\])[^\s"',}]+(?:\s+(?!\[redacted\])[^\s"',}]+)?/gi, (_m, k: string, sep: string) => {
    n++;
    return `${k}${sep}${REDACTED}`;
  });
  out = out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+):([^/\s@]+)@/gi, (_m, scheme: string, user: string) => {
    n++;
    return `${scheme}${user}:${REDACTED}@`;
  });
  // OpenAI-style keys mix cases and digits; Kubernetes names (sk-learn-server-0) are lower case
  out = out.replace(/\bsk-[A-Za-z0-9_-]{16,}/g, (m) => {
    if (!/[A-Z]/.test(m) || !/[0-9]/.test(m)) return m;
    n++;
    return REDACTED;
  });
  if (n) r?.add('tokens and Authorization values in text', n);
  return out;
}

/** Values (Helm values, object fields) with credential keys replaced; strings scanned for tokens. */
export function redactValue(v: unknown, r: Redactions, what: string): unknown {
  // a multi-line string is a config file in a value (a Helm value holding LiteLLM's config.yaml)
  if (typeof v === 'string') return v.includes('\n') ? redactConfigText(v, r, what) : redactString(v, r);
  if (Array.isArray(v)) return redactArgs(v.map((x) => redactValue(x, r, what)), r);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // env-style {name: API_KEY, value: "…"}
  const namedCredential = typeof o.name === 'string' && credentialKey(o.name);
  for (const [k, x] of Object.entries(o)) {
    if ((typeof x === 'string' || typeof x === 'number') && (credentialKey(k) || (k === 'value' && namedCredential))) {
      if (typeof x === 'string' && (x === '' || x.startsWith('os.environ/'))) out[k] = x;
      else {
        out[k] = REDACTED;
        r.add(what);
      }
    } else out[k] = redactValue(x, r, what);
  }
  return out;
}

/** Command lines: `--api-key=X` and `--api-key X` lose X. */
function redactArgs(a: unknown[], r: Redactions): unknown[] {
  const out = [...a];
  for (let i = 0; i < out.length; i++) {
    const s = out[i];
    if (typeof s !== 'string') continue;
    const m = CREDENTIAL_FLAG.exec(s);
    if (!m) continue;
    if (m[2] !== undefined) {
      if (m[3] !== REDACTED) {
        out[i] = `${m[1]}=${REDACTED}`;
        r.add('credential command-line flags');
      }
    } else if (typeof out[i + 1] === 'string' && !(out[i + 1] as string).startsWith('-') && out[i + 1] !== REDACTED) {
      out[i + 1] = REDACTED;
      r.add('credential command-line flags');
      i++;
    }
  }
  return out;
}

/**
 * A ConfigMap value: YAML/JSON/ini text. Lines `key: value` / `key=value` / `"key": "value"` whose
 * key is a credential lose the value (LiteLLM `api_key: sk-…`, `master_key: …`); LiteLLM's
 * `os.environ/NAME` references are kept (they name a variable, not a secret).
 */
export function redactConfigText(text: string, r: Redactions, what = 'credential values in ConfigMaps'): string {
  let n = 0;
  const lines = text.split('\n').map((line) => {
    let l = line.replace(/"([\w.-]+)"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g, (m, k: string, sep: string, v: string) => {
      if (!credentialKey(k) || v === '' || v.startsWith('os.environ/') || v === REDACTED) return m;
      n++;
      return `"${k}"${sep}"${REDACTED}"`;
    });
    l = l.replace(/^(\s*(?:-\s+)?["']?)([\w.-]+)(["']?\s*[:=]\s*)(\S.*)$/, (m, pre: string, k: string, sep: string, v: string) => {
      if (!credentialKey(k)) return m;
      const bare = v.trim().replace(/^["']|["']$/g, '');
      if (bare === '' || bare.startsWith('os.environ/') || bare === REDACTED || /^[|>][-+]?$/.test(bare) || bare.startsWith('{') || bare.startsWith('[')) return m;
      n++;
      return `${pre}${k}${sep}"${REDACTED}"`;
    });
    return l;
  });
  if (n) r.add(what, n);
  return redactString(lines.join('\n'), r);
}

/** A Kubernetes object as it may go into a bundle (a redacted deep copy). */
export function redactObject<T extends KubeObject>(o: T, r: Redactions): T {
  const copy = structuredClone(o) as T & {data?: Record<string, string>; stringData?: Record<string, string>; binaryData?: Record<string, string>};
  const ann = copy.metadata.annotations;
  if (ann && LAST_APPLIED in ann) {
    delete ann[LAST_APPLIED];
    r.add(`${LAST_APPLIED} annotations`);
  }
  if (copy.kind === 'Secret') {
    const keys = Object.keys({...copy.data, ...copy.stringData});
    delete copy.data;
    delete copy.stringData;
    if (keys.length) r.add('Secret data (values of every key)', keys.length);
  }
  if (copy.kind === 'ConfigMap') {
    if (copy.data) {
      for (const [k, v] of Object.entries(copy.data)) {
        if (credentialKey(k)) {
          copy.data[k] = REDACTED;
          r.add('credential values in ConfigMaps');
        } else copy.data[k] = redactConfigText(v, r);
      }
    }
    if (copy.binaryData) {
      r.add('ConfigMap binaryData', Object.keys(copy.binaryData).length);
      delete copy.binaryData;
    }
  }
  const {metadata, ...rest} = copy;
  const redacted = redactValue(rest, r, 'credential fields in objects (env values, spec fields)') as Record<string, unknown>;
  return {...redacted, metadata: redactValue(metadata, r, 'credential fields in objects (env values, spec fields)')} as T;
}

/**
 * A decoded Helm release without what could hold secrets: values and user config with credential
 * keys redacted, rendered objects redacted as live ones (Secret data dropped). What the release
 * checks read (name, revision, status, chart, epp.poolName, gateway.*, the manifest's objects)
 * stays.
 */
export function redactRelease(rel: HelmRelease, r: Redactions): HelmRelease {
  return {
    ...rel,
    config: redactValue(rel.config, r, 'credential values in Helm values') as Record<string, unknown>,
    values: redactValue(rel.values, r, 'credential values in Helm values') as Record<string, unknown>,
    manifest: rel.manifest.map((o) => redactObject(o, r)),
  };
}

/** Redact one parsed JSON log record in place; true when something was removed. */
function redactRecord(rec: unknown, r: Redactions): unknown {
  if (Array.isArray(rec)) return rec.map((x) => redactRecord(x, r));
  if (rec === null || typeof rec !== 'object') {
    if (typeof rec === 'string') {
      const t = rec.trim();
      // a request body logged as a JSON string ("request": "{\"messages\": …}")
      if ((t.startsWith('{') || t.startsWith('[')) && /"(prompt|messages|content|input)"/i.test(t)) {
        try {
          return JSON.stringify(redactRecord(JSON.parse(t), r));
        } catch {
          r.add('log values that may hold prompts');
          return REDACTED;
        }
      }
      if (/"(prompt|messages)"\s*:/i.test(t)) {
        r.add('log values that may hold prompts');
        return REDACTED;
      }
      return redactString(rec, r);
    }
    return rec;
  }
  const o = rec as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const headerKey = typeof o.key === 'string' && SENSITIVE_HEADER.test(o.key);
  for (const [k, v] of Object.entries(o)) {
    if (k !== 'msg' && k !== 'level' && k !== 'logger' && k !== 'ts' && PROMPT_KEY.test(k) && v !== null && v !== '') {
      out[k] = REDACTED;
      r.add('log values that may hold prompts');
    } else if ((k === 'value' || k === 'values') && headerKey) {
      out[k] = REDACTED;
      r.add('Authorization and other credential headers in logs');
    } else if (SENSITIVE_HEADER.test(k) || credentialKey(k)) {
      out[k] = REDACTED;
      r.add('Authorization and other credential headers in logs');
    } else out[k] = redactRecord(v, r);
  }
  return out;
}

/**
 * A container log without prompts or credentials. Lines that are JSON (zap's JSON encoder, the
 * EPP with --zap-encoder json) or end in a JSON object (zap console encoding, Envoy Gateway) are
 * redacted field by field; other lines lose what follows a `prompt=`/`messages:`-style key.
 */
export function redactLog(text: string, r: Redactions): string {
  return text
    .split('\n')
    .map((line) => {
      const brace = line.indexOf('{');
      if (brace >= 0 && line.trimEnd().endsWith('}')) {
        try {
          const rec = JSON.parse(line.slice(brace)) as unknown;
          return line.slice(0, brace) + JSON.stringify(redactRecord(rec, r));
        } catch {
          /* not JSON after all: the text rules below */
        }
      }
      const m = /\b(prompt|prompts|messages|content|input)\b(["']?\s*[=:]\s*)(.*)$/i.exec(line);
      if (m && m[3]!.trim() !== '' && m.index !== undefined) {
        r.add('log values that may hold prompts');
        return `${line.slice(0, m.index)}${m[1]}${m[2]}${REDACTED}`;
      }
      return redactString(line, r);
    })
    .join('\n');
}
