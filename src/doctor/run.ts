/*
 * doctor = discover + run the catalog + summarise, over a snapshot. Pure; the command gathers the
 * snapshot and renders the report.
 */
import type {Snapshot} from '../snapshot/types.ts';
import {catalog as fullCatalog} from '../checks/catalog.ts';
import {discover, type PoolChain, type TargetOptions} from '../model/target.ts';
import {runChecks, summarize, type RunOptions} from '../checks/runner.ts';
import type {Check, Finding} from '../checks/types.ts';
import type {DoctorReport, PoolGateway} from './report.ts';
import {chainGateways, wiringOf} from '../model/wiring.ts';
import {applySuppressions} from './suppress.ts';
import {trafficMap} from './traffic-map.ts';

export interface DoctorOptions extends TargetOptions {
  only?: string[] | undefined;
  skip?: string[] | undefined;
  /** restrict to these codes in this order (symptom playbooks) */
  codes?: string[] | undefined;
  symptom?: string | undefined;
  now?: Date;
  onCheck?: RunOptions['onCheck'];
  catalog?: readonly Check[];
  /** also draw the traffic map (doctor --map / --report) */
  map?: boolean | undefined;
}

/** `IGW-3` selects the whole phase prefix, `IGW-303` one check; case-insensitive. */
export function codeMatcher(patterns: string[] | undefined): ((code: string) => boolean) | undefined {
  if (!patterns || patterns.length === 0) return undefined;
  const ps = patterns.flatMap((p) => p.split(',')).map((p) => p.trim().toUpperCase()).filter(Boolean).map((p) => (p.startsWith('IGW-') ? p : `IGW-${p}`));
  return (code) => ps.some((p) => code === p || code.startsWith(p));
}

export function selection(opts: Pick<DoctorOptions, 'only' | 'skip' | 'codes'>): (code: string) => boolean {
  const only = codeMatcher(opts.only);
  const skip = codeMatcher(opts.skip);
  const codes = opts.codes ? new Set(opts.codes) : undefined;
  return (code) => (!codes || codes.has(code)) && (!only || only(code)) && !(skip?.(code) ?? false);
}

export function runDoctor(snap: Snapshot, opts: DoctorOptions = {}): DoctorReport {
  const t0 = performance.now();
  const target = discover(snap, opts);
  const checks = opts.catalog ?? fullCatalog();
  const findings: Finding[] = applySuppressions(
    runChecks(checks, snap, target, {
      select: selection(opts),
      ...(opts.now ? {now: opts.now} : {}),
      ...(opts.onCheck ? {onCheck: opts.onCheck} : {}),
    }),
    snap,
  );
  const analysisMs = performance.now() - t0;
  return {
    summary: {...summarize(findings), durationMs: Math.round(snap.durationMs + analysisMs), apiRequests: snap.apiRequests},
    target: {
      source: snap.source,
      context: snap.context,
      server: snap.server,
      namespace: snap.namespace,
      releases: target.releases.map((r) => ({namespace: r.release.namespace, name: r.release.name, revision: r.release.revision, chart: `${r.release.chart.name}-${r.release.chart.version}`, status: r.release.status})),
      pools: target.chains.map((c) => ({namespace: c.namespace, name: c.name, group: c.group, release: c.release?.release.name, wiring: wiringOf(snap, c).kind, ...poolGateway(snap, c)})),
      ...(opts.symptom ? {symptom: opts.symptom} : {}),
      ...(snap.request ? {request: snap.request} : {}),
      ...(snap.envoyAdmin ? {envoyProxies: snap.envoyAdmin.map((r) => ({gateway: `${r.gateway.namespace}/${r.gateway.name}`, ...(r.proxy ? {proxy: `${r.proxy.namespace}/${r.proxy.pod}`} : {}), read: r.ok, ...(r.ok ? {} : {reason: r.reason})}))} : {}),
    },
    findings,
    ...(opts.map ? {map: trafficMap(snap, target, findings)} : {}),
  };
}

/** target.pools[].gateway (issue 13): the first Gateway whose class is known, else the first one. */
function poolGateway(snap: Snapshot, chain: PoolChain): {gateway?: PoolGateway} {
  const gws = chainGateways(snap, chain);
  const g = gws.find((x) => x.controllerName) ?? gws[0];
  if (!g) return {};
  return {gateway: {name: g.name, namespace: g.namespace, ...(g.className ? {className: g.className} : {}), ...(g.controllerName ? {controllerName: g.controllerName} : {}), ...(g.implementation ? {implementation: g.implementation} : {})}};
}
