/*
 * Merge wanted extensionManager settings into an EnvoyGateway config document, changing only
 * what is missing: every other key, comment and the order of keys stay as they are (the `yaml`
 * package's Document API edits the parsed tree; the file is re-emitted in the style detected from
 * the original). A second merge of the same wanted settings changes nothing (changed=false).
 *
 * Rules, per field of ExtensionManager (envoyproxy/gateway api/v1alpha1/envoygateway_types.go):
 * - backendResources / resources / policyResources: entries are added when no entry with the
 *   same group, version and kind exists (the order of existing entries is kept).
 * - hooks.xdsTranslator.pre / post: hook names are added when missing (a union, existing order
 *   first).
 * - hooks.xdsTranslator.translation.<listener|route|cluster|secret>.includeAll: set to the wanted
 *   value (the extension server needs to see those resources; a different existing value is
 *   changed and reported).
 * - service: set when absent. When present and pointing at another target, that is another
 *   extension server: we do not silently redirect it — a conflict is reported, and the target is
 *   replaced only with `replaceService` (patch-envoy --force).
 */
import {Document, isMap, isScalar, isSeq, YAMLMap, YAMLSeq, type Node} from 'yaml';
import {detectToStringOptions, type ParsedEnvoyGatewayConfig} from './config.ts';
import {formatGvk, sameGvk, type ExtensionServiceTarget, type GroupVersionKind, type WantedExtensionManager} from './presets.ts';

export interface MergeConflict {
  field: string;
  message: string;
}

export interface MergeResult {
  /** false when everything wanted was already there; text is then the input text, untouched. */
  changed: boolean;
  text: string;
  /** Which entry was merged into: "extensionManager", "extensionManagers[1]", ... */
  target: string;
  /** One line per change, for humans ("extensionManager.backendResources: added ..."). */
  changes: string[];
  /** What could not be merged without overriding someone else's setting. */
  conflicts: MergeConflict[];
}

export interface MergeOptions {
  /** Replace a service target that points elsewhere (patch-envoy --force). */
  replaceService?: boolean;
}

/** A short, comparable description of an extension service's target. */
export function describeServiceTarget(service: unknown): string | undefined {
  if (typeof service !== 'object' || service === null) return undefined;
  const s = service as Record<string, Record<string, unknown> | string | number | undefined>;
  const lower = (v: unknown): string => String(v ?? '').toLowerCase().replace(/\.$/, '');
  const fqdn = s.fqdn as Record<string, unknown> | undefined;
  const ip = s.ip as Record<string, unknown> | undefined;
  const unix = s.unix as Record<string, unknown> | undefined;
  if (fqdn) return `fqdn ${lower(fqdn.hostname)}:${String(fqdn.port ?? '')}`;
  if (ip) return `ip ${String(ip.address ?? '')}:${String(ip.port ?? '')}`;
  if (unix) return `unix ${String(unix.path ?? '')}`;
  // The deprecated host/port pair (port defaults to 80 in the CRD schema).
  if (typeof s.host === 'string' && s.host !== '') return `host ${lower(s.host)}:${String(s.port ?? 80)}`;
  return undefined;
}

const TARGET_KEYS = ['fqdn', 'ip', 'unix', 'host', 'port'] as const;
const GVK_LISTS = ['backendResources', 'resources', 'policyResources'] as const;

class Merger {
  readonly changes: string[] = [];
  readonly conflicts: MergeConflict[] = [];
  private readonly doc: Document;
  private readonly opts: MergeOptions;
  constructor(doc: Document, opts: MergeOptions) {
    this.doc = doc;
    this.opts = opts;
  }

  node(value: unknown): Node {
    return this.doc.createNode(value) as Node;
  }

  /** The map under key, created when absent; undefined (and a conflict) when something else is there. */
  ensureMap(parent: YAMLMap, key: string, field: string): YAMLMap | undefined {
    const existing = parent.get(key, true);
    if (isMap(existing)) {
      // `key: {}` written in flow style: grow it as a block mapping.
      if (existing.flow && existing.items.length === 0) existing.flow = false;
      return existing;
    }
    if (existing === undefined || existing === null || (isScalar(existing) && existing.value === null)) {
      const created = new YAMLMap(this.doc.schema);
      parent.set(key, created);
      return created;
    }
    this.conflicts.push({field, message: 'is not a mapping; not touched'});
    return undefined;
  }

  ensureSeq(parent: YAMLMap, key: string, field: string): YAMLSeq | undefined {
    const existing = parent.get(key, true);
    if (isSeq(existing)) {
      if (existing.flow && existing.items.length === 0) existing.flow = false;
      return existing;
    }
    if (existing === undefined || existing === null || (isScalar(existing) && existing.value === null)) {
      const created = new YAMLSeq(this.doc.schema);
      parent.set(key, created);
      return created;
    }
    this.conflicts.push({field, message: 'is not a list; not touched'});
    return undefined;
  }

  mergeGvkList(em: YAMLMap, key: string, field: string, wanted: GroupVersionKind[] | undefined): void {
    if (!wanted?.length) return;
    const seq = this.ensureSeq(em, key, `${field}.${key}`);
    if (!seq) return;
    const have = seq.toJSON() as unknown[];
    for (const gvk of wanted) {
      if (have.some((h) => typeof h === 'object' && h !== null && sameGvk(h as GroupVersionKind, gvk))) continue;
      seq.add(this.node(gvkNode(gvk)));
      have.push(gvk);
      this.changes.push(`${field}.${key}: added ${formatGvk(gvk)}`);
    }
  }

  mergeHooks(em: YAMLMap, field: string, wanted: WantedExtensionManager['hooks']): void {
    const xdsWanted = wanted?.xdsTranslator;
    if (!xdsWanted) return;
    const hooks = this.ensureMap(em, 'hooks', `${field}.hooks`);
    const xds = hooks && this.ensureMap(hooks, 'xdsTranslator', `${field}.hooks.xdsTranslator`);
    if (!xds) return;
    for (const phase of ['post', 'pre'] as const) {
      const names = xdsWanted[phase];
      if (!names?.length) continue;
      const seq = this.ensureSeq(xds, phase, `${field}.hooks.xdsTranslator.${phase}`);
      if (!seq) continue;
      const have = seq.toJSON() as unknown[];
      for (const name of names) {
        if (have.includes(name)) continue;
        seq.add(this.node(name));
        have.push(name);
        this.changes.push(`${field}.hooks.xdsTranslator.${phase}: added ${name}`);
      }
    }
    const translationWanted = xdsWanted.translation;
    if (!translationWanted) return;
    const translation = this.ensureMap(xds, 'translation', `${field}.hooks.xdsTranslator.translation`);
    if (!translation) return;
    for (const [kind, setting] of Object.entries(translationWanted)) {
      const f = `${field}.hooks.xdsTranslator.translation.${kind}`;
      const item = this.ensureMap(translation, kind, f);
      if (!item) continue;
      const current = item.get('includeAll');
      if (current === setting.includeAll) continue;
      item.set('includeAll', setting.includeAll);
      this.changes.push(current === undefined || current === null ? `${f}.includeAll: set to ${setting.includeAll}` : `${f}.includeAll: changed from ${String(current)} to ${setting.includeAll}`);
    }
  }

  mergeService(em: YAMLMap, field: string, wanted: ExtensionServiceTarget | undefined): void {
    if (!wanted) return;
    const existing = em.get('service', true);
    const want = describeServiceTarget(wanted)!;
    if (existing === undefined || existing === null || (isScalar(existing) && existing.value === null)) {
      em.set('service', this.node(wanted));
      this.changes.push(`${field}.service: set to ${want}`);
      return;
    }
    if (!isMap(existing)) {
      this.conflicts.push({field: `${field}.service`, message: 'is not a mapping; not touched'});
      return;
    }
    const have = describeServiceTarget(existing.toJSON());
    if (have === want) return;
    if (have !== undefined && !this.opts.replaceService) {
      this.conflicts.push({
        field: `${field}.service`,
        message: `points at another extension server (${have}); the preset needs ${want}. Not changed; --force replaces it.`,
      });
      return;
    }
    // No target yet (only tls/retry), or --force: swap the target, keep tls and retry.
    for (const key of TARGET_KEYS) existing.delete(key);
    for (const [key, value] of Object.entries(wanted)) existing.set(key, this.node(value));
    this.changes.push(have === undefined ? `${field}.service: set to ${want}` : `${field}.service: replaced ${have} with ${want}`);
  }

  mergeInto(em: YAMLMap, field: string, wanted: WantedExtensionManager): void {
    if (em.flow && em.items.length === 0) em.flow = false;
    for (const key of GVK_LISTS) this.mergeGvkList(em, key, field, wanted[key]);
    this.mergeHooks(em, field, wanted.hooks);
    this.mergeService(em, field, wanted.service);
  }
}

function gvkNode(g: GroupVersionKind): Record<string, string> {
  // Alphabetical like Helm's toYaml; a missing version stays missing (the notes' entry).
  return g.version === undefined ? {group: g.group, kind: g.kind} : {group: g.group, kind: g.kind, version: g.version};
}

/** The wanted settings as a fresh ExtensionManager mapping (alphabetical keys, see presets.ts). */
function freshExtensionManager(wanted: WantedExtensionManager, name?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (wanted.backendResources?.length) out.backendResources = wanted.backendResources.map(gvkNode);
  if (wanted.hooks?.xdsTranslator) out.hooks = wanted.hooks;
  if (name !== undefined) out.name = name;
  if (wanted.policyResources?.length) out.policyResources = wanted.policyResources.map(gvkNode);
  if (wanted.resources?.length) out.resources = wanted.resources.map(gvkNode);
  if (wanted.service) out.service = wanted.service;
  return out;
}

function describeFresh(field: string, wanted: WantedExtensionManager): string[] {
  const lines: string[] = [];
  for (const key of GVK_LISTS) for (const g of wanted[key] ?? []) lines.push(`${field}.${key}: added ${formatGvk(g)}`);
  const xds = wanted.hooks?.xdsTranslator;
  for (const phase of ['post', 'pre'] as const) for (const h of xds?.[phase] ?? []) lines.push(`${field}.hooks.xdsTranslator.${phase}: added ${h}`);
  for (const [kind, s] of Object.entries(xds?.translation ?? {})) lines.push(`${field}.hooks.xdsTranslator.translation.${kind}.includeAll: set to ${s.includeAll}`);
  if (wanted.service) lines.push(`${field}.service: set to ${describeServiceTarget(wanted.service)}`);
  return lines;
}

/**
 * Merge `wanted` into the config. Accepts the result of parseEnvoyGatewayConfig (preferred: its
 * original text lets an unchanged file come back byte for byte and guides the output style) or a
 * bare Document. Never modifies its input.
 *
 * Which entry receives the settings:
 * - the singular `extensionManager` when present (Envoy Gateway < 1.8 knows only that one);
 * - with the plural `extensionManagers` (Envoy Gateway >= 1.8) each entry is a different extension
 *   server, called in sequence. Merging AI Gateway's hooks into another server's entry would send
 *   the InferencePool translation to the wrong server, so we merge into the entry whose service
 *   points at the wanted service; when the wanted settings name no service (service-backend,
 *   a bare --backend-resource) into the only entry, and report a conflict when there are several;
 *   when no entry matches, a new entry (named after the preset, names must be unique) is appended;
 * - neither present: a new singular `extensionManager` (works on every release that has
 *   backendResources, 1.5+).
 */
export function mergeExtensionManager(source: ParsedEnvoyGatewayConfig | Document, wanted: WantedExtensionManager, opts: MergeOptions = {}): MergeResult {
  const original = source instanceof Document ? source : source.doc;
  const originalText = source instanceof Document ? original.toString() : source.text;
  const doc = original.clone();
  const root = doc.contents;
  if (!isMap(root)) throw new Error('mergeExtensionManager: the document is not a mapping (parse it with parseEnvoyGatewayConfig)');
  const m = new Merger(doc, opts);
  let target = 'extensionManager';

  const single = root.get('extensionManager', true);
  const plural = root.get('extensionManagers', true);
  const hasSingle = single !== undefined && !(isScalar(single) && single.value === null);
  if (isSeq(plural) && plural.items.length > 0 && !hasSingle) {
    const entries = plural.items;
    const want = wanted.service ? describeServiceTarget(wanted.service) : undefined;
    let index = -1;
    if (want) index = entries.findIndex((e) => isMap(e) && describeServiceTarget((e.toJSON() as {service?: unknown}).service) === want);
    else if (entries.length === 1) index = 0;
    if (index >= 0) {
      target = `extensionManagers[${index}]`;
      const entry = entries[index];
      if (isMap(entry)) m.mergeInto(entry, target, wanted);
    } else if (want) {
      const names = new Set(entries.map((e) => (isMap(e) ? String(e.get('name') ?? '') : '')));
      let name = wanted.name ?? 'infgw';
      for (let i = 2; names.has(name); i++) name = `${wanted.name ?? 'infgw'}-${i}`;
      target = `extensionManagers[${entries.length}]`;
      plural.add(m.node(freshExtensionManager(wanted, name)));
      m.changes.push(`${target}: added entry ${JSON.stringify(name)}`, ...describeFresh(target, wanted));
    } else {
      target = 'extensionManagers';
      m.conflicts.push({
        field: 'extensionManagers',
        message: `has ${entries.length} entries and the wanted settings name no extension service: cannot tell which entry they belong to`,
      });
    }
  } else if (hasSingle) {
    if (isSeq(plural) && plural.items.length > 0) {
      m.conflicts.push({field: 'extensionManagers', message: 'extensionManager and extensionManagers are both set (Envoy Gateway refuses that); merged into extensionManager only'});
    }
    if (isMap(single)) m.mergeInto(single, target, wanted);
    else m.conflicts.push({field: 'extensionManager', message: 'is not a mapping; not touched'});
  } else {
    root.set('extensionManager', m.node(freshExtensionManager(wanted)));
    m.changes.push(...describeFresh(target, wanted));
  }

  const changed = m.changes.length > 0;
  const text = changed ? doc.toString(detectToStringOptions(original, originalText)) : originalText;
  return {changed, text, target, changes: m.changes, conflicts: m.conflicts};
}
