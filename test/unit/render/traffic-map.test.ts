// The traffic map (issue 14 part 3): model → map (src/doctor/traffic-map.ts) → text, SVG and HTML
// (src/render/), over the real fixtures in test/unit/fixtures/doctor with one problem planted at a
// time. Structural facts are asserted, not whole strings.
import chalk from 'chalk';
import {afterEach, beforeAll, describe, expect, it} from 'vitest';
import {CATALOG} from '../../../src/checks/catalog.ts';
import {runDoctor} from '../../../src/doctor/run.ts';
import {SUPPRESS_ANNOTATION, type DoctorReport} from '../../../src/doctor/report.ts';
import {HOP_OF_CHECK, HOPS, type MapHop, type PoolMap} from '../../../src/doctor/traffic-map.ts';
import type {KubeObject} from '../../../src/kube/client.ts';
import {jsonDocument} from '../../../src/render/doctor.ts';
import {renderMapSvg} from '../../../src/render/map-svg.ts';
import {renderReportHtml} from '../../../src/render/report-html.ts';
import {renderMapText} from '../../../src/render/traffic-map.ts';
import {loadObjects, NOW, obj, snap, without} from '../checks/fixture.ts';
import {chartInstall} from '../checks/chart-fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PROXY = 'envoy-llm-inference-gateway-5a1b2c3d';

function report(objs: KubeObject[], opts: {namespace?: string} = {}): DoctorReport {
  return runDoctor(snap(objs, opts.namespace ? {namespace: opts.namespace} : {}), {now: NOW, map: true, ...opts});
}

function pool(r: DoctorReport, key = 'llm/qwen'): PoolMap {
  const p = r.map?.pools.find((x) => x.pool === key);
  if (!p) throw new Error(`no map for ${key}: ${JSON.stringify(r.map?.pools.map((x) => x.pool))}`);
  return p;
}

function hop(p: PoolMap, id: MapHop['id']): MapHop {
  return p.hops.find((h) => h.id === id)!;
}

const health = (p: PoolMap): Record<string, string> => Object.fromEntries(p.hops.map((h) => [h.id, h.health]));

/** LiteLLM as the scenarios install it (ConfigMap, Deployment mounting it, Service), api_base to the Gateway's proxy Service. */
function litellm(apiBase = `http://${PROXY}.envoy-gateway-system.svc.cluster.local:80/v1`): KubeObject[] {
  const labels = {'app.kubernetes.io/name': 'litellm'};
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {name: 'litellm-config', namespace: 'litellm'},
      data: {'config.yaml': `model_list:\n  - model_name: qwen\n    litellm_params:\n      model: hosted_vllm/qwen\n      api_base: ${apiBase}\n      api_key: "none"\n`},
    } as KubeObject,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {name: 'litellm', namespace: 'litellm', generation: 1},
      spec: {replicas: 1, selector: {matchLabels: labels}, template: {metadata: {labels}, spec: {containers: [{name: 'litellm', image: 'ghcr.io/berriai/litellm:main-v1.77.7-stable'}], volumes: [{name: 'config', configMap: {name: 'litellm-config'}}]}}},
      status: {observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1},
    } as KubeObject,
    {apiVersion: 'v1', kind: 'Service', metadata: {name: 'litellm', namespace: 'litellm'}, spec: {selector: labels, ports: [{name: 'http', port: 4000, targetPort: 4000}]}} as KubeObject,
  ];
}

/** The external Gateway in front of LiteLLM, its route to LiteLLM's Service and its load balancer. */
function externalGateway(): KubeObject[] {
  return [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: {name: 'public', namespace: 'edge', generation: 1},
      spec: {gatewayClassName: 'envoy-gateway', listeners: [{name: 'https', port: 443, protocol: 'HTTPS'}]},
      status: {addresses: [{type: 'Hostname', value: 'nlb-123.elb.eu-west-1.amazonaws.com'}]},
    } as KubeObject,
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {name: 'litellm', namespace: 'edge'},
      spec: {parentRefs: [{name: 'public'}], rules: [{backendRefs: [{name: 'litellm', namespace: 'litellm', port: 4000}]}]},
    } as KubeObject,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {name: 'envoy-edge-public-0a1b2c3d', namespace: 'envoy-gateway-system', labels: {'gateway.envoyproxy.io/owning-gateway-name': 'public', 'gateway.envoyproxy.io/owning-gateway-namespace': 'edge'}},
      spec: {type: 'LoadBalancer', selector: {'gateway.envoyproxy.io/owning-gateway-name': 'public'}, ports: [{port: 443}]},
      status: {loadBalancer: {ingress: [{hostname: 'nlb-123.elb.eu-west-1.amazonaws.com'}]}},
    } as KubeObject,
  ];
}

beforeAll(() => {
  chalk.level = 0;
});
afterEach(() => {
  chalk.level = 0;
});

describe('every check has a place on the path', () => {
  it('HOP_OF_CHECK names exactly the catalog codes', () => {
    expect(Object.keys(HOP_OF_CHECK).sort()).toEqual(CATALOG.map((c) => c.code).sort());
    for (const v of Object.values(HOP_OF_CHECK)) expect([...HOPS, 'object', 'none']).toContain(v);
  });
});

describe('model → map', () => {
  it('healthy install: the hops in the install notes\' order; what doctor judged is ok, the rest not present', () => {
    const r = report(loadObjects('healthy-ai-gateway.yaml'));
    expect(r.map?.pools.map((p) => p.pool)).toEqual(['llm/qwen']);
    const p = pool(r);
    expect(p.hops.map((h) => h.id)).toEqual(['load-balancer', 'external-gateway', 'litellm', 'internal-gateway', 'epp', 'inference-pool', 'inference-service', 'model-servers']);
    expect(health(p)).toEqual({
      // the load balancer in front of the internal Gateway: seen, but no check judges it
      'load-balancer': 'unknown',
      'external-gateway': 'not-present',
      litellm: 'not-present',
      'internal-gateway': 'ok',
      epp: 'ok',
      'inference-pool': 'ok',
      'inference-service': 'ok',
      'model-servers': 'ok',
    });
    expect(hop(p, 'load-balancer').detail).toBe('address 10.96.10.20 → internal Gateway');
    expect(hop(p, 'internal-gateway').objects).toEqual(['Gateway llm/inference-gateway', 'HTTPRoute llm/qwen']);
    expect(hop(p, 'model-servers').detail).toBe('2/2 pods Ready');
    // the Envoy Gateway controller's cluster-wide findings are the internal Gateway's
    expect(hop(p, 'internal-gateway').counts.ok).toBeGreaterThanOrEqual(10);
    expect(p.hops.every((h) => h.finding === undefined && h.blockedBy === undefined)).toBe(true);
  });

  it('the whole chain: load balancer → external Gateway → LiteLLM → internal Gateway, with LiteLLM judged by IGW-70x', () => {
    const p = pool(report([...loadObjects('healthy-ai-gateway.yaml'), ...litellm(), ...externalGateway()]));
    expect(p.hops.every((h) => h.present)).toBe(true);
    expect(hop(p, 'load-balancer').detail).toBe('address nlb-123.elb.eu-west-1.amazonaws.com → external Gateway');
    expect(hop(p, 'external-gateway').objects).toEqual(['Gateway edge/public', 'HTTPRoute edge/litellm']);
    expect(hop(p, 'litellm')).toMatchObject({health: 'ok', objects: ['ConfigMap litellm/litellm-config', 'Deployment litellm/litellm']});
    expect(hop(p, 'litellm').counts.ok).toBeGreaterThanOrEqual(2);
    expect(hop(p, 'litellm').counts.error).toBeUndefined();
  });

  it('two pools behind one LiteLLM config: each pool gets its own model\'s findings', () => {
    const base = loadObjects('healthy-ai-gateway.yaml');
    // the same install again in namespace llm2, with its own Envoy proxy Service
    const second = base
      .filter((o) => o.metadata.namespace === 'llm')
      .map((o) => ({...structuredClone(o), metadata: {...structuredClone(o.metadata), namespace: 'llm2'}}));
    const proxy2 = structuredClone(obj<Any>(base, 'Service', PROXY));
    proxy2.metadata.name = 'envoy-llm2-inference-gateway-6b7c8d9e';
    proxy2.metadata.labels['gateway.envoyproxy.io/owning-gateway-namespace'] = 'llm2';
    const cm = litellm()[0] as Any;
    // qwen through the llm Gateway (right), qwen2 through the llm2 Gateway without /v1 (IGW-702 error)
    cm.data['config.yaml'] =
      `model_list:\n  - model_name: qwen\n    litellm_params:\n      model: hosted_vllm/qwen\n      api_base: http://${PROXY}.envoy-gateway-system.svc.cluster.local:80/v1\n` +
      `  - model_name: qwen2\n    litellm_params:\n      model: hosted_vllm/qwen\n      api_base: http://${proxy2.metadata.name}.envoy-gateway-system.svc.cluster.local:80\n`;
    const r = report([...base, ...second, proxy2 as KubeObject, cm as KubeObject, ...litellm().slice(1)]);
    expect(r.map!.pools.map((p) => p.pool)).toEqual(['llm/qwen', 'llm2/qwen']);
    expect(r.findings.some((f) => f.code === 'IGW-702' && f.severity === 'error' && f.message.startsWith('model qwen2:'))).toBe(true);
    expect(hop(pool(r, 'llm/qwen'), 'litellm').health).toBe('ok');
    expect(hop(pool(r, 'llm2/qwen'), 'litellm')).toMatchObject({health: 'error', finding: {code: 'IGW-702'}});
    expect(hop(pool(r, 'llm2/qwen'), 'litellm').finding?.message).toMatch(/^model qwen2:/);
    // each pool's own Gateway and load balancer
    expect(hop(pool(r, 'llm2/qwen'), 'internal-gateway').objects[0]).toBe('Gateway llm2/inference-gateway');
    expect(hop(pool(r, 'llm2/qwen'), 'litellm').detail).toContain(proxy2.metadata.name);
    expect(hop(pool(r, 'llm/qwen'), 'litellm').detail).not.toContain(proxy2.metadata.name);
  });

  it('a broken hop shows its finding: LiteLLM\'s api_base without /v1 (IGW-702)', () => {
    const p = pool(report([...loadObjects('healthy-ai-gateway.yaml'), ...litellm(`http://${PROXY}.envoy-gateway-system.svc.cluster.local:80`)]));
    expect(hop(p, 'litellm')).toMatchObject({health: 'error', finding: {code: 'IGW-702', severity: 'error'}});
    expect(hop(p, 'internal-gateway').health).toBe('ok');
  });

  it('root cause on its hop, the hop behind it "blocked by" it: the pool selects no pods (IGW-303)', () => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    obj<Any>(objs, 'InferencePool', 'qwen').spec.selector = {matchLabels: {app: 'nothing-has-this-label'}};
    const p = pool(report(objs));
    expect(hop(p, 'inference-pool')).toMatchObject({health: 'error', finding: {code: 'IGW-303'}});
    expect(hop(p, 'inference-pool').finding?.message).toContain('selects no pods');
    // IGW-304 (pods Ready) was blocked by IGW-303: the pods hop shows the root cause, not its blocked finding
    const servers = hop(p, 'model-servers');
    expect(servers.health).toBe('not-present');
    expect(servers.finding).toBeUndefined();
    expect(servers.blockedBy).toMatchObject({code: 'IGW-303', severity: 'error'});
    expect(servers.counts.blocked).toBeGreaterThan(0);
  });

  it('the internal Gateway hop names only a status address one can connect to (a NamedAddress is no network address)', () => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    const gw = objs.find((o) => o.kind === 'Gateway' && o.metadata.name === 'inference-gateway') as KubeObject & {status: {addresses?: {type?: string; value: string}[]}};
    gw.status.addresses = [{type: 'NamedAddress', value: 'my-reserved-ip'}, {type: 'IPAddress', value: '10.1.2.3'}];
    expect(hop(pool(report(objs)), 'internal-gateway').detail).toContain('address 10.1.2.3');
    expect(hop(pool(report(objs)), 'internal-gateway').detail).not.toContain('my-reserved-ip');
  });

  it('a present hop whose checks were blocked is "unknown" with the root cause: the EPP when the pool is missing (chart install)', () => {
    const objs = without(chartInstall(), 'InferencePool', 'qwen');
    const r = report(objs);
    const p = r.map!.pools[0]!;
    expect(hop(p, 'inference-pool')).toMatchObject({health: 'error', present: false, finding: {code: 'IGW-301'}});
    const epp = hop(p, 'epp');
    expect(epp.present).toBe(true);
    expect(epp.blockedBy?.code).toBe('IGW-301');
    expect(epp.health).toBe('unknown');
    expect(epp.finding).toBeUndefined();
  });

  it('the EPP Deployment unavailable (IGW-405) marks the EPP hop, the hops before it stay ok', () => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    const d = obj<Any>(objs, 'Deployment', 'qwen-epp');
    d.status = {...d.status, availableReplicas: 0, readyReplicas: 0, unavailableReplicas: 1, conditions: [{type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable'}]};
    const p = pool(report(objs));
    expect(hop(p, 'epp')).toMatchObject({health: 'error', finding: {code: 'IGW-405'}});
    expect(hop(p, 'internal-gateway').health).toBe('ok');
    expect(hop(p, 'inference-pool').health).toBe('ok');
  });

  it('a cluster-wide root cause lands on the hop it breaks: no Envoy Gateway controller (IGW-201) on the internal Gateway', () => {
    const p = pool(report(loadObjects('bbr-two-models.yaml')), 'llm/deepseek');
    expect(hop(p, 'internal-gateway')).toMatchObject({health: 'error', finding: {code: 'IGW-201'}});
    expect(hop(p, 'internal-gateway').moreProblems).toBeGreaterThan(0);
  });

  it('a suppressed finding does not colour its hop (what it blocks stays blocked: accepted is not fixed)', () => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    const p0 = obj<Any>(objs, 'InferencePool', 'qwen');
    p0.spec.selector = {matchLabels: {app: 'none'}};
    p0.metadata.annotations = {[SUPPRESS_ANNOTATION]: 'IGW-303'};
    const h = hop(pool(report(objs)), 'inference-pool');
    expect(h.finding).toBeUndefined();
    expect(h.health).toBe('unknown');
    expect(h.blockedBy?.code).toBe('IGW-303');
  });

  it('-n: LiteLLM and what is in front of it are unknown (other namespaces were not read), not "not present"', () => {
    const p = pool(report(loadObjects('healthy-ai-gateway.yaml'), {namespace: 'llm'}));
    expect(hop(p, 'litellm')).toMatchObject({health: 'unknown', present: false});
    expect(hop(p, 'litellm').detail).toContain('not in namespace llm');
    expect(hop(p, 'epp').health).toBe('ok');
  });

  it('-o json: "map" only with --map, plain data', () => {
    const r = report(loadObjects('healthy-ai-gateway.yaml'));
    expect(jsonDocument(r)).not.toHaveProperty('map');
    const j = JSON.parse(JSON.stringify(jsonDocument(r, {map: true}))) as {map: {pools: {pool: string; hops: {id: string; health: string; finding: unknown}[]}[]}};
    expect(j.map.pools[0]!.pool).toBe('llm/qwen');
    expect(j.map.pools[0]!.hops.map((h) => h.health)).toEqual(['unknown', 'not-present', 'not-present', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(j.map.pools[0]!.hops[4]).toHaveProperty('finding', null);
  });

  it('no map unless asked (doctor without --map/--report does no extra work)', () => {
    expect(runDoctor(snap(loadObjects('healthy-ai-gateway.yaml')), {now: NOW}).map).toBeUndefined();
  });
});

describe('map → text', () => {
  const broken = (): DoctorReport => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    obj<Any>(objs, 'InferencePool', 'qwen').spec.selector = {matchLabels: {app: 'none'}};
    return report(objs);
  };

  it('Unicode boxes and arrows; one box per hop; the breaking code on the broken hop', () => {
    const t = renderMapText(broken().map!, {unicode: true});
    expect(t).toContain('Traffic map — pool llm/qwen');
    expect(t.match(/┌/g)).toHaveLength(8);
    expect(t.match(/▼/g)).toHaveLength(8);
    const poolLine = t.split('\n').find((l) => l.includes('│ InferencePool '))!;
    expect(poolLine).toContain('✖ error');
    expect(poolLine).toContain('IGW-303');
    expect(t.split('\n').find((l) => l.includes('│ vLLM pods'))).toContain('blocked by IGW-303');
    expect(t).not.toMatch(/\u001b\[/);
  });

  it('ASCII only when the terminal is not UTF-8', () => {
    const t = renderMapText(broken().map!, {unicode: false});
    expect(t).toMatch(/^[\x00-\x7f]*$/);
    expect(t).toContain('[FAIL] error  IGW-303');
    expect(t.match(/\+-+v-+\+/g)).toHaveLength(8);
  });

  it('colour only when chalk is on (a TTY without NO_COLOR, src/cli/color.ts)', () => {
    chalk.level = 1;
    expect(renderMapText(broken().map!, {unicode: true})).toMatch(/\u001b\[31m✖ error/);
  });

  it('no pool: says so', () => {
    expect(renderMapText({pools: []}, {unicode: true})).toContain('no InferencePool in scope');
  });
});

describe('map → SVG → HTML report', () => {
  const opts = {version: '9.9.9', generatedAt: '2026-12-05T12:00:00.000Z'};

  it('SVG: a group per hop (and the client) with its health as class and data attribute, the code linked to the findings table', () => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    obj<Any>(objs, 'InferencePool', 'qwen').spec.selector = {matchLabels: {app: 'none'}};
    const p = pool(report(objs));
    const svg = renderMapSvg(p);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect([...svg.matchAll(/<g class="hop hop-([a-z-]+)" data-hop="([a-z-]+)"/g)].map((m) => `${m[2]}:${m[1]}`)).toEqual(['client:client', ...p.hops.map((h) => `${h.id}:${h.health}`)]);
    expect(svg).toContain('data-hop="inference-pool" data-health="error" data-code="IGW-303"');
    expect(svg).toContain('<a class="hop-cause" href="#igw-303">');
  });

  it('HTML: self-contained (no script, no external resource), target, time, version, map and findings with fixes and docs', () => {
    const objs = loadObjects('healthy-ai-gateway.yaml');
    obj<Any>(objs, 'InferencePool', 'qwen').spec.selector = {matchLabels: {app: 'none'}};
    const r = report(objs);
    const html = renderReportHtml(r, opts);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|url\(|@import/i);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('kubectl-infgw 9.9.9');
    expect(html).toContain('datetime="2026-12-05T12:00:00.000Z"');
    expect(html).toContain('<p class="verdict fail" id="verdict">Problems found</p>');
    expect(html.match(/<svg /g)).toHaveLength(1);
    // the breaking finding's row carries the anchor the map links to, its fix and its docs
    const row = html.split('\n').find((l) => l.includes('id="igw-303"'))!;
    expect(row).toContain('data-severity="error"');
    expect(row).toContain('<pre class="fix">kubectl patch inferencepool qwen');
    expect(row).toContain('href="https://github.com/kubectl-infgw/kubectl-infgw/blob/main/README.md#igw-303"');
    // every finding is in one of the two tables
    expect(html.match(/<tr[^>]* class="finding /g)).toHaveLength(r.findings.length);
  });

  it('HTML without --map data (no pools): no map section, still a report', () => {
    const r = runDoctor(snap(loadObjects('healthy-ai-gateway.yaml')), {now: NOW});
    const html = renderReportHtml(r, opts);
    expect(html).not.toContain('<svg');
    expect(html).toContain('<p class="verdict pass" id="verdict">Healthy</p>');
  });

  it('everything from the cluster is escaped', () => {
    const r = report(loadObjects('healthy-ai-gateway.yaml'));
    const evil = '<img src=x onerror=alert(1)>"\'&';
    r.target.context = evil;
    r.findings[0]!.message = `${evil}\nsecond line`;
    r.findings[0]!.fix = evil;
    r.map!.pools[0]!.hops[3]!.objects = [evil];
    r.map!.pools[0]!.hops[3]!.finding = {code: 'IGW-404', severity: 'error', title: evil, message: evil};
    const html = renderReportHtml(r, opts);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;');
  });
});
