// Every check declares what it reads (Check.reads) and run() sees only that: this runs the whole
// catalog over full snapshots — the healthy install, the chart with its scheduling config, and a
// live-looking snapshot with EPP runtime reads — and fails on any undeclared read.
import {describe, expect, it} from 'vitest';
import {CATALOG} from '../../../src/checks/catalog.ts';
import {runChecks} from '../../../src/checks/runner.ts';
import type {Check, Draft} from '../../../src/checks/types.ts';
import {discover, type TargetOptions} from '../../../src/model/target.ts';
import type {KubeObject} from '../../../src/kube/client.ts';
import {items} from '../../../src/snapshot/query.ts';
import {ALL_KINDS} from '../../../src/snapshot/view.ts';
import type {Snapshot} from '../../../src/snapshot/types.ts';
import {chartInstall, SCHEDULING_FILE} from './chart-fixture.ts';
import {loadObjects, NOW, snap} from './fixture.ts';
import {agentgateway, gke, istio, kgateway, ngf} from './implementation-fixture.ts';

function live(s: Snapshot): Snapshot {
  const pod = items(s, 'Pod').find((p) => p.metadata.name.includes('epp'));
  return {
    ...s,
    source: 'cluster',
    fromFiles: new WeakSet(),
    runtime: pod
      ? [{namespace: pod.metadata.namespace ?? '', deployment: 'igw-inference-gateway-epp', pod: pod.metadata.name, port: 9090, log: {ok: true, text: 'E1121 error\n', durationMs: 1}, metrics: {outcome: 'unauthorized', status: 401, message: 'no', durationMs: 1}}]
      : [],
  };
}

/** Two Envoy Gateway installs (the second in eg-b), so a chain's install is found by its proxy Service. */
function twoEnvoyGateways(): KubeObject[] {
  const objs = loadObjects('healthy-ai-gateway.yaml');
  const egB = structuredClone(objs.filter((o) => o.metadata.namespace === 'envoy-gateway-system' && ['Deployment', 'Pod', 'ConfigMap'].includes(o.kind ?? '')));
  return [...objs, ...egB.map((o) => ({...o, metadata: {...o.metadata, namespace: 'eg-b'}}))];
}

const snapshots: [string, Snapshot, TargetOptions?][] = [
  ['healthy AI Gateway install', snap(loadObjects('healthy-ai-gateway.yaml'))],
  ['the chart', snap([...loadObjects('healthy-ai-gateway.yaml'), ...chartInstall()])],
  ['the chart with a scheduling config', snap(chartInstall({file: SCHEDULING_FILE}))],
  ['the chart, live', live(snap([...loadObjects('healthy-ai-gateway.yaml'), ...chartInstall()]))],
  ['healthy AI Gateway install, live', live(snap(loadObjects('healthy-ai-gateway.yaml')))],
  ['the chart with a scheduling config, live', live(snap(chartInstall({file: SCHEDULING_FILE})))],
  ['two Envoy Gateway installs, one namespace, live', live(snap(twoEnvoyGateways(), {namespace: 'llm'})), {namespace: 'llm'}],
  // issue 13: the Envoy Gateway checks say why they are not applicable, the implementations' run
  ['the healthy install on Istio, live', live(snap(istio()))],
  ['the healthy install on kgateway, live', live(snap(kgateway()))],
  ['Istio without its flag, one namespace, live', live(snap(istio(null), {namespace: 'llm'})), {namespace: 'llm'}],
  ['the healthy install on agentgateway, live', live(snap(agentgateway()))],
  ['the healthy install on NGINX Gateway Fabric, live', live(snap(ngf()))],
  ['the healthy install on GKE, live', live(snap(gke()))],
  ['nothing at all', snap([])],
];

describe('Check.reads', () => {
  for (const [name, s, scope] of snapshots) {
    it(`every catalog check reads only what it declares: ${name}`, () => {
      const findings = runChecks(CATALOG, s, discover(s, scope), {now: NOW});
      expect(findings.length).toBeGreaterThan(0);
      expect(findings.filter((f) => /without declaring them/.test(f.message)).map((f) => `${f.code}: ${f.message}`)).toEqual([]);
    });
  }

  it('no check answers with nothing: "not applicable" is a result, with its reason', () => {
    const silent = new Set<string>();
    for (const [, s, scope] of snapshots) {
      const watched = CATALOG.map((c) => {
        const run = c.run as (ctx: never) => Draft[];
        return {...c, run: (ctx: never) => {
          const drafts = run(ctx);
          if (drafts.length === 0) silent.add(c.code);
          for (const d of drafts) if (d.severity === 'notApplicable') expect(d.message, c.code).not.toBe('');
          return drafts;
        }} as Check;
      });
      runChecks(watched, s, discover(s, scope), {now: NOW});
    }
    expect([...silent]).toEqual([]);
  });

  it('declares only known kinds, and judgesUnreadable is part of reads', () => {
    for (const c of CATALOG) {
      for (const k of c.reads) expect(ALL_KINDS, c.code).toContain(k);
      for (const k of c.judgesUnreadable ?? []) expect(c.reads, c.code).toContain(k);
    }
  });

  it('an undeclared read fails the check, naming the kind', () => {
    const sneaky: Check = {code: 'IGW-998', phase: 1, scope: 'cluster', title: 'sneaky', reads: ['Pod'], readme: {checks: '', failure: ''}, run: ({snap: v}) => [{severity: 'ok', message: `${items(v, 'Service').length} services`}]};
    const honest: Check = {...sneaky, code: 'IGW-997', reads: ['Pod', 'Service']};
    const s = snapshots[0]![1];
    const [bad, good] = runChecks([sneaky, honest], s, discover(s));
    expect(bad).toMatchObject({severity: 'skipped'});
    expect(bad!.message).toContain('IGW-998 read Service objects without declaring them in its reads');
    expect(good).toMatchObject({severity: 'ok'});
  });
});
