// `doctor --request` and `doctor --envoy-admin` end to end: the BUILT binary against the test
// world's healthy install (test/scenarios; the model pods are KWOK pods whose port is forwarded to
// local llm-d-inference-sim processes). The stand-in gateway of probe-cache's tests
// (support/affinity-gateway.ts) plays the Envoy proxy: the proxy pod's listener port and its admin
// port 19000 are KWOK-forwarded to it, so doctor reaches it as it reaches a real proxy: a
// port-forward to the proxy pod through the Kubernetes API. The Gateway's status address is set to
// a random 127.0.0.0/8 address (local on Linux) where the stand-in also listens on the listener's
// port, so the default way in (the status address) is tested too, and never reaches another host. The stand-in's routing log is the oracle for the pod that served
// the request; faults are its behaviour (no backend → 503, shedding → 429, a route timeout → 504)
// or the input (an unknown model → the simulator's 404). The admin view is served from the config
// dump fixtures in test/fixtures/envoy-admin.
import {connect} from 'node:net';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {applyManifest, kubectl} from '../harness/cluster.ts';
import {installHealthy, type Installation} from '../scenarios/index.ts';
import {envoyAdminFixture, type EnvoyAdminNames} from '../fixtures/envoy-admin/load.ts';
import {startAffinityGateway, type AffinityGateway} from './support/affinity-gateway.ts';
import {describeFinding, doctorCli, problems, type DoctorCli, type DoctorJson, type Finding} from './support/doctor-run.ts';

const kubeconfig = inject('kubeconfig');
const RUN = Date.now().toString(36).slice(-5);
const ns = `dreq-${RUN}`;

let cli!: DoctorCli;
let inst!: Installation;
let gw!: AffinityGateway;
let names!: EnvoyAdminNames;
let dump = 'config-dump.ai-gateway.json';
let stats = 'stats.healthy.txt';
/** The Gateway's status address: a random loopback address, never 127.0.0.1 (other servers listen there). */
const ADDRESS = `127.${10 + Math.floor(Math.random() * 240)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
let gatewayPort = 80;
let front: {close: () => Promise<void>} | undefined;

beforeAll(async () => {
  cli = doctorCli(kubeconfig, {name: 'infgw-request-cli', manifest: 'committed'});
  inst = await installHealthy(kubeconfig, {namespace: ns, pods: 2, withSims: true, litellm: false});
  const n = inst.names;
  names = {pool: n.pool, poolNamespace: n.namespace, eppService: n.eppService, route: n.httpRoute, routeNamespace: n.routeNamespace, gateway: n.gateway, gatewayNamespace: n.namespace};
  const modelPods = (await kubectl(['get', 'pods', '-n', ns, '-l', `serving.kserve.io/inferenceservice=${n.inferenceService}`, '-o', 'jsonpath={.items[*].metadata.name}'], {kubeconfig})).stdout.split(/\s+/).filter(Boolean).sort();
  expect(modelPods).toHaveLength(2);
  // The sims were started in pod order (scenarios/install.ts startSims): sim i serves modelPods[i]'s port.
  const podsByPort = await Promise.all(
    inst.sims.map(async (s) => {
      const pf = await kubectl(['get', 'portforwards.kwok.x-k8s.io', '-n', ns, '-o', 'json'], {kubeconfig});
      const items = (JSON.parse(pf.stdout) as {items: {metadata: {name: string}; spec: {forwards: {target: {port: number}}[]}}[]}).items;
      return items.find((i) => i.spec.forwards.some((f) => f.target.port === s.port))!.metadata.name;
    }),
  );
  gw = await startAffinityGateway({
    backends: inst.sims.map((s, i) => ({name: podsByPort[i]!, url: s.url, port: 8000})),
    affinity: false,
    admin: {configDump: () => envoyAdminFixture(dump, names), stats: () => envoyAdminFixture(stats, names)},
  });
  const proxyPods = (await kubectl(['get', 'pods', '-n', n.egNamespace, '-l', `gateway.envoyproxy.io/owning-gateway-name=${n.gateway},gateway.envoyproxy.io/owning-gateway-namespace=${ns}`, '-o', 'jsonpath={.items[*].metadata.name}'], {kubeconfig})).stdout.split(/\s+/).filter(Boolean);
  expect(proxyPods).toHaveLength(1);
  // The proxy pod's listener port (gateway port + 10000, scenarios/objects.ts proxyContainerPort) and
  // its admin port 19000 go to the stand-in.
  const proxyListenerPort = n.gatewayPort < 1024 ? n.gatewayPort + 10000 : n.gatewayPort;
  await applyManifest(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'PortForward',
      metadata: {name: proxyPods[0], namespace: n.egNamespace},
      spec: {
        forwards: [
          {ports: [proxyListenerPort], target: {address: '127.0.0.1', port: gw.port}},
          {ports: [19000], target: {address: '127.0.0.1', port: gw.adminPort}},
        ],
      },
    }),
  );
  inst.onCleanup(() => kubectl(['delete', 'portforwards.kwok.x-k8s.io', '-n', n.egNamespace, proxyPods[0]!, '--ignore-not-found'], {kubeconfig, allowFail: true}).then(() => undefined));
  // The Gateway's status names ADDRESS, where the stand-in also listens on the Gateway listener's
  // port (doctor connects to the listener's port, src/probe/entry.ts wayIn) — port 80: this needs
  // root (or net.ipv4.ip_unprivileged_port_start ≤ 80), as the test world itself does.
  gatewayPort = n.gatewayPort;
  front = await gw.listenAlso(ADDRESS, gatewayPort).catch((e: Error) => {
    throw new Error(`the stand-in cannot listen on ${ADDRESS}:${gatewayPort} (the Gateway listener's port): ${e.message}`);
  });
  await kubectl(['patch', 'gateway', n.gateway, '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({status: {addresses: [{type: 'IPAddress', value: ADDRESS}]}})], {kubeconfig});
  await cli.ready;
}, 300_000);

afterAll(async () => {
  await gw?.close();
  await inst?.cleanup();
}, 120_000);

/**
 * Most tests go through the proxy pod (--request-via port-forward), the way in a real cluster seen
 * from outside; 'the way in' below tests the default (the status address) and the fallback.
 */
async function doctor(args: string[]): Promise<{code: number | null; json: DoctorJson; stderr: string}> {
  if (args.includes('--request')) args = [...args, '--request-via', 'port-forward'];
  const r = await cli.doctorJson(['-n', ns, ...args]);
  expect(r.json, `${r.stdout}\n${r.stderr}`).toBeDefined();
  return {code: r.code, json: r.json!, stderr: r.stderr};
}
const phase8 = (j: DoctorJson): Finding[] => j.findings.filter((f) => f.phase === 8);
function one(j: DoctorJson, code: string, severity: Finding['severity']): Finding {
  const fs = j.findings.filter((f) => f.code === code && f.severity === severity);
  expect(fs, `${code} ${severity} in:\n${phase8(j).map(describeFinding).join('\n')}`).toHaveLength(1);
  return fs[0]!;
}

describe('doctor --request', () => {
  it('without --request or --envoy-admin: nothing is sent, no phase-8 finding, the proxy is not touched', async () => {
    const before = gw.decisions.length;
    const {code, json} = await doctor([]);
    expect(code, problems(json)).toBe(0);
    expect(phase8(json)).toEqual([]);
    expect(gw.decisions.length).toBe(before);
    expect(gw.adminRequests).toEqual([]);
  });

  it('healthy: 200, time to first token, the pod that served it (the stand-in routed it there), the proxy view ok', async () => {
    gw.setFault(undefined);
    const before = gw.decisions.length;
    const {code, json} = await doctor(['--request']);
    expect(code, problems(json)).toBe(0);
    expect(gw.decisions.length).toBe(before + 1); // exactly one request
    const servedBy = gw.decisions.at(-1)!.backend;
    const f = one(json, 'IGW-801', 'ok');
    expect(f.message).toMatch(/^HTTP 200 in \d+ ms, first token after \d+ ms; model /);
    expect(f.message).toContain(`model ${inst.names.servedModel}`);
    expect(f.message).toContain(`through a port-forward to Envoy proxy ${inst.names.egNamespace}/`);
    expect(one(json, 'IGW-809', 'ok').object).toMatchObject({kind: 'Pod', namespace: ns, name: servedBy});
    one(json, 'IGW-810', 'ok');
    for (const code of ['IGW-821', 'IGW-822', 'IGW-823', 'IGW-824', 'IGW-825', 'IGW-826']) one(json, code, 'ok');
    expect(gw.adminRequests.some((p) => p.startsWith('/config_dump'))).toBe(true);
    expect(gw.adminRequests.some((p) => p.startsWith('/stats?filter='))).toBe(true);
    expect(json.summary.apiRequests).toBeGreaterThan(0);
    // the request itself, in the JSON target
    const t = json.target as unknown as {request: Record<string, unknown>; envoyProxies: {read: boolean}[]};
    expect(t.request).toMatchObject({sent: true, status: 200, via: 'port-forward', model: inst.names.servedModel, servedBy: [servedBy], streamed: true});
    expect(t.request.ttftMs).toEqual(expect.any(Number));
    expect(t.envoyProxies).toEqual([expect.objectContaining({gateway: `${ns}/${inst.names.gateway}`, read: true})]);
  });

  it('text output: phase 8 under its own heading', async () => {
    const r = await cli.doctor(['-n', ns, '--request', '--request-via', 'port-forward']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('Request & Envoy proxy');
    expect(r.stdout).toMatch(/IGW-801 One request through the Gateway is answered[^\n]*\n\s+HTTP 200 in \d+ ms/);
  });

  it('an unknown model (--request-model): the model server answers 404 → IGW-802, exit 1', async () => {
    const {code, json} = await doctor(['--request', '--request-model', 'no-such-model']);
    expect(code).toBe(1);
    const f = one(json, 'IGW-802', 'error');
    expect(f.message).toContain('HTTP 404');
    expect(f.message).toContain('the model server does not serve model "no-such-model"');
    expect(f.message).toContain('does not exist');
  });

  it('no backend: 503 "no healthy upstream" → IGW-805', async () => {
    gw.setFault({kind: 'no-backend'});
    try {
      const {code, json} = await doctor(['--request']);
      expect(code).toBe(1);
      const f = one(json, 'IGW-805', 'error');
      expect(f.message).toContain('HTTP 503');
      expect(f.message).toContain('body: "no healthy upstream"');
      expect(f.message).toContain('server: envoy');
    } finally {
      gw.setFault(undefined);
    }
  });

  it('--symptom 503 --request: the request is the playbook\'s last step and its 503 the conclusion', async () => {
    gw.setFault({kind: 'no-backend'});
    try {
      const {code, json} = await doctor(['--symptom', '503', '--request']);
      expect(code).toBe(1);
      one(json, 'IGW-805', 'error');
      expect(json.conclusion).toContain('most likely IGW-805');
      // without --request the same playbook sends nothing and shows no phase-8 finding
      const before = gw.decisions.length;
      const plain = await doctor(['--symptom', '503']);
      expect(plain.code, problems(plain.json)).toBe(0);
      expect(phase8(plain.json)).toEqual([]);
      expect(gw.decisions.length).toBe(before);
    } finally {
      gw.setFault(undefined);
    }
  });

  it('shed: 429 with x-llm-d-request-dropped-reason → IGW-807 warning with the reason (exit 0)', async () => {
    gw.setFault({kind: 'shed', reason: 'queue full'});
    try {
      const {code, json} = await doctor(['--request']);
      expect(code, problems(json)).toBe(0);
      expect(one(json, 'IGW-807', 'warning').message).toContain('x-llm-d-request-dropped-reason: queue full');
    } finally {
      gw.setFault(undefined);
    }
  });

  it('a route timeout shorter than the generation: 504 → IGW-806, naming the route timeout the HTTPRoute sets or Envoy\'s 15 s default', async () => {
    gw.setDelay(3_000);
    gw.setRouteTimeout(300);
    try {
      const {code, json} = await doctor(['--request']);
      expect(code).toBe(1);
      const f = one(json, 'IGW-806', 'error');
      expect(f.message).toContain('HTTP 504');
      expect(f.message).toContain('upstream request timeout');
      expect(f.message).toMatch(/timeouts\.request|15s route default/);
    } finally {
      gw.setDelay(0);
      gw.setRouteTimeout(0);
    }
  });

  it('no answer within --request-max-time: IGW-801 error naming the limit', async () => {
    gw.setDelay(5_000);
    try {
      const {code, json} = await doctor(['--request', '--request-max-time', '1s']);
      expect(code).toBe(1);
      expect(one(json, 'IGW-801', 'error').message).toContain('no answer within --request-max-time (1 s)');
    } finally {
      gw.setDelay(0);
    }
  });
});

/** Whether a TCP connection to host:port is refused (nothing listens there). */
function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({host, port});
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

describe('doctor --request: the way in (the Gateway\'s status address, else a port-forward)', () => {
  const addressUrl = (): string => `http://${ADDRESS}${gatewayPort === 80 ? '' : `:${gatewayPort}`}`;

  it('default (auto): the request goes to the status address — the stand-in saw it arrive there', async () => {
    const before = gw.decisions.length;
    const r = await cli.doctorJson(['-n', ns, '--request']);
    expect(r.json, `${r.stdout}\n${r.stderr}`).toBeDefined();
    const json = r.json!;
    expect(r.code, problems(json)).toBe(0);
    expect(gw.decisions.length).toBe(before + 1);
    expect(gw.decisions.at(-1)!.local).toBe(`${ADDRESS}:${gatewayPort}`);
    expect(one(json, 'IGW-801', 'ok').message).toContain(`at ${addressUrl()}`);
    expect(one(json, 'IGW-808', 'ok').message).toBe(`Gateway address ${addressUrl()}`);
    expect(one(json, 'IGW-809', 'ok').object).toMatchObject({kind: 'Pod', name: gw.decisions.at(-1)!.backend});
    const t = json.target as unknown as {request: Record<string, unknown>};
    expect(t.request).toMatchObject({sent: true, status: 200, via: 'gateway-address', url: addressUrl()});
    expect(t.request).not.toHaveProperty('envoyProxy');
  });

  it('--request-via address: the same address', async () => {
    const before = gw.decisions.length;
    const {code, json} = await cli.doctorJson(['-n', ns, '--request', '--request-via', 'address']).then((r) => ({code: r.code, json: r.json!}));
    expect(code, problems(json)).toBe(0);
    expect(gw.decisions.length).toBe(before + 1);
    expect(gw.decisions.at(-1)!.local).toBe(`${ADDRESS}:${gatewayPort}`);
    expect((json.target as unknown as {request: Record<string, unknown>}).request).toMatchObject({via: 'gateway-address', url: addressUrl()});
  });

  it('nothing listens at the address: auto falls back to the port-forward and says which address refused; --request-via address is IGW-808 naming it', async () => {
    await front!.close();
    expect(await refused(ADDRESS, gatewayPort)).toBe(true);

    const before = gw.decisions.length;
    const r = await cli.doctorJson(['-n', ns, '--request']);
    expect(r.json, `${r.stdout}\n${r.stderr}`).toBeDefined();
    const json = r.json!;
    expect(r.code, problems(json)).toBe(0);
    expect(gw.decisions.length).toBe(before + 1);
    expect(gw.decisions.at(-1)!.local).toBe(`127.0.0.1:${gw.port}`); // through the KWOK port-forward of the proxy pod
    expect(one(json, 'IGW-801', 'ok').message).toContain(`through a port-forward to Envoy proxy ${inst.names.egNamespace}/`);
    expect(one(json, 'IGW-808', 'ok').message).toContain(`(the Gateway's status address ${ADDRESS}:${gatewayPort} did not accept a connection from here)`);
    expect((json.target as unknown as {request: Record<string, unknown>}).request).toMatchObject({sent: true, status: 200, via: 'port-forward', addressesRefused: [`${ADDRESS}:${gatewayPort}`]});

    const strict = await cli.doctorJson(['-n', ns, '--request', '--request-via', 'address']);
    expect(strict.json, `${strict.stdout}\n${strict.stderr}`).toBeDefined();
    expect(strict.code).toBe(1);
    expect(gw.decisions.length).toBe(before + 1); // nothing sent
    const f = one(strict.json!, 'IGW-808', 'error');
    expect(f.message).toBe(`no request sent: Gateway ${ns}/${inst.names.gateway}: no address of its status (${ADDRESS}) accepts a connection on port ${gatewayPort}`);
    expect((strict.json!.target as unknown as {request: Record<string, unknown>}).request).toMatchObject({sent: false, stage: 'way-in'});
  });
});

describe('doctor --request: 500s', () => {
  it('500 "fault filter abort" (the route\'s backendRef did not resolve) → IGW-803', async () => {
    gw.setFault({kind: 'reply', status: 500, body: 'fault filter abort'});
    try {
      const {code, json} = await doctor(['--request']);
      expect(code).toBe(1);
      expect(one(json, 'IGW-803', 'error').message).toContain('body: "fault filter abort"');
    } finally {
      gw.setFault(undefined);
    }
  });

  it('a bare 500 while the proxy counts ext_proc streams_failed → IGW-804 (the EPP call failed), next to IGW-825', async () => {
    gw.setFault({kind: 'reply', status: 500, body: ''});
    stats = 'stats.ext-proc-errors.txt';
    try {
      const {code, json} = await doctor(['--request']);
      expect(code).toBe(1);
      expect(one(json, 'IGW-804', 'error').message).toContain('the ext_proc call to the EPP failed');
      one(json, 'IGW-825', 'warning');
      expect(json.findings.filter((f) => f.code === 'IGW-801')).toEqual([]);
    } finally {
      gw.setFault(undefined);
      stats = 'stats.healthy.txt';
    }
  });
});

describe('doctor --envoy-admin (the proxy\'s own view)', () => {
  it('every object Accepted, but the pool\'s ext_proc filter missing from the listener → IGW-822 error, without sending a request', async () => {
    dump = 'config-dump.filter-missing.json';
    try {
      const before = gw.decisions.length;
      const {code, json} = await doctor(['--envoy-admin']);
      expect(code).toBe(1);
      expect(gw.decisions.length).toBe(before);
      const f = one(json, 'IGW-822', 'error');
      expect(f.message).toContain(`runs no envoy.filters.http.ext_proc/endpointpicker/${inst.names.pool}_${ns}_ext_proc filter`);
      expect(f.message).toContain('envoyproxy/ai-gateway#2560');
      expect(f.object).toMatchObject({kind: 'Pod', namespace: inst.names.egNamespace});
      // the only error: the snapshot's own checks find nothing wrong
      expect(json.findings.filter((x) => x.severity === 'error').map((x) => x.code)).toEqual(['IGW-822']);
      expect(phase8(json).some((x) => x.code.startsWith('IGW-80'))).toBe(false);
    } finally {
      dump = 'config-dump.ai-gateway.json';
    }
  });

  it('ext_proc errors and EPP connect failures in /stats → IGW-825, IGW-826 warnings', async () => {
    stats = 'stats.ext-proc-errors.txt';
    try {
      const {json} = await doctor(['--envoy-admin']);
      expect(one(json, 'IGW-825', 'warning').message).toContain('streams_failed 3');
      expect(one(json, 'IGW-826', 'warning').message).toContain('upstream_cx_connect_fail 3');
    } finally {
      stats = 'stats.healthy.txt';
    }
  });
});

// Last: it breaks the install for good (the EPP crash-loops).
describe('root cause first: a failed request the snapshot already explains', () => {
  it('503 while the EPP Deployment is unavailable (IGW-405): IGW-805 is blocked by the root cause, its observation kept', async () => {
    await inst.inject('epp-crashloop');
    gw.setFault({kind: 'no-backend'});
    try {
      const {code, json} = await doctor(['--request']);
      expect(code).toBe(1);
      expect(json.findings.some((f) => f.code === 'IGW-405' && f.severity === 'error')).toBe(true);
      const f = one(json, 'IGW-805', 'blocked');
      expect(f.blockedBy).toContain('IGW-405');
      expect(f.message).toContain('HTTP 503');
      expect(f.message).toContain('explained by IGW-405 (EPP Deployment is available)');
    } finally {
      gw.setFault(undefined);
    }
  }, 180_000);
});
