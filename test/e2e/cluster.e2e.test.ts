// Tests of the e2e harness itself: the control plane that test/e2e/global-setup.ts starts is a
// real Kubernetes (apiserver, controllers, scheduler) with KWOK nodes, and the tools around it work.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortForward, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  applyManifest,
  forwardNamespacePort,
  forwardPodPort,
  helm,
  kubectl,
  kubectlPortForward,
  setPodLogs,
  startSim,
  toCriLog,
  waitFor,
  type Sim,
} from '../harness/cluster.ts';

const kubeconfig = inject('kubeconfig');
const restrictedKubeconfig = inject('restrictedKubeconfig');
const ns = `harness-${Date.now().toString(36)}`;

interface PodJson {
  metadata: { name: string; labels?: Record<string, string> };
  status: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { restartCount: number; ready: boolean; state?: { waiting?: { reason?: string } } }[];
  };
}

async function getPod(name: string): Promise<PodJson> {
  const r = await kubectl(['get', 'pod', '-n', ns, name, '-o', 'json'], { kubeconfig });
  return JSON.parse(r.stdout) as PodJson;
}

function isReady(p: PodJson): boolean {
  return p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function pod(name: string, labels: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: { containers: [{ name: 'main', image: 'example.invalid/sim:1', ports: [{ containerPort: 8000 }] }] },
  });
}

beforeAll(async () => {
  await kubectl(['create', 'namespace', ns], { kubeconfig });
});

afterAll(async () => {
  await kubectl(['delete', 'namespace', ns, '--wait=false'], { kubeconfig, allowFail: true });
});

describe('control plane', () => {
  it('serves /version v1.37.2', async () => {
    const r = await kubectl(['version', '-o', 'json'], { kubeconfig });
    const v = JSON.parse(r.stdout) as { serverVersion: { gitVersion: string; major: string; minor: string } };
    expect(v.serverVersion.gitVersion).toBe('v1.37.2');
    expect(v.serverVersion.major).toBe('1');
    expect(v.serverVersion.minor).toBe('37');
  });

  it('has a Ready KWOK node', async () => {
    const r = await kubectl(['get', 'nodes', '-o', 'json'], { kubeconfig });
    const nodes = JSON.parse(r.stdout) as { items: PodJson[] };
    const node = nodes.items.find((n) => n.metadata.name === 'kwok-node-0');
    expect(node && isReady(node)).toBe(true);
  });

  it('enforces RBAC: the restricted user gets 403, admin does not', async () => {
    const denied = await kubectl(['get', 'pods', '-A'], { kubeconfig: restrictedKubeconfig, allowFail: true });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/forbidden/i);
    expect(denied.stderr).toContain('User "restricted"');
    const can = await kubectl(['auth', 'can-i', 'list', 'pods', '-A'], { kubeconfig: restrictedKubeconfig, allowFail: true });
    expect(can.stdout.trim()).toBe('no');
    const ok = await kubectl(['get', 'pods', '-A'], { kubeconfig });
    expect(ok.code).toBe(0);
  });

  it('has the CRDs from shared/crds Established', async () => {
    const r = await kubectl(['get', 'crd', '-o', 'jsonpath={.items[*].metadata.name}'], { kubeconfig });
    const names = r.stdout.split(/\s+/);
    expect(names).toContain('inferencepools.inference.networking.k8s.io');
    expect(names).toContain('gateways.gateway.networking.k8s.io');
    expect(names).toContain('portforwards.kwok.x-k8s.io');
  });
});

describe('workloads on KWOK', () => {
  it('rolls a Deployment out to Ready pods, and `kubectl rollout restart` completes', async () => {
    await applyManifest(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: ns },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'example.invalid/web:1' }] },
          },
        },
      }),
    );
    await kubectl(['rollout', 'status', '-n', ns, 'deployment/web', '--timeout=90s'], { kubeconfig, timeoutMs: 100_000 });
    const pods = JSON.parse((await kubectl(['get', 'pods', '-n', ns, '-l', 'app=web', '-o', 'json'], { kubeconfig })).stdout) as {
      items: PodJson[];
    };
    expect(pods.items.filter(isReady)).toHaveLength(2);

    await kubectl(['rollout', 'restart', '-n', ns, 'deployment/web'], { kubeconfig });
    const st = await kubectl(['rollout', 'status', '-n', ns, 'deployment/web', '--timeout=90s'], { kubeconfig, timeoutMs: 100_000 });
    expect(st.stdout).toMatch(/successfully rolled out/);
    const d = JSON.parse((await kubectl(['get', 'deploy', '-n', ns, 'web', '-o', 'json'], { kubeconfig })).stdout) as {
      status: { readyReplicas?: number; updatedReplicas?: number };
      spec: { template: { metadata: { annotations?: Record<string, string> } } };
    };
    expect(d.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
    expect(d.status.readyReplicas).toBe(2);
    expect(d.status.updatedReplicas).toBe(2);
  });

  it('shows a pod labelled infgw.test/crashloop=true in CrashLoopBackOff with restarts', async () => {
    await applyManifest(kubeconfig, pod('crasher', { 'infgw.test/crashloop': 'true' }));
    const p = await waitFor(
      async () => {
        const p = await getPod('crasher');
        const cs = p.status.containerStatuses?.[0];
        return cs?.state?.waiting?.reason === 'CrashLoopBackOff' && cs.restartCount >= 2 ? p : undefined;
      },
      { timeoutMs: 60_000, what: 'CrashLoopBackOff with restarts' },
    );
    expect(isReady(p)).toBe(false);
    const table = await kubectl(['get', 'pod', '-n', ns, 'crasher', '--no-headers'], { kubeconfig });
    expect(table.stdout).toContain('CrashLoopBackOff');
  });

  it('keeps a pod labelled infgw.test/never-ready=true Running but not Ready', async () => {
    await applyManifest(kubeconfig, pod('unready', { 'infgw.test/never-ready': 'true' }));
    const p = await waitFor(async () => {
      const p = await getPod('unready');
      return p.status.phase === 'Running' ? p : undefined;
    });
    expect(isReady(p)).toBe(false);
  });

  it('serves `kubectl logs` from a local file (KWOK Logs)', async () => {
    await applyManifest(kubeconfig, pod('logger', { app: 'logger' }));
    await waitFor(async () => isReady(await getPod('logger')));
    const dir = mkdtempSync(join(tmpdir(), 'infgw-logs-'));
    const file = join(dir, 'epp.log');
    writeFileSync(file, toCriLog(['{"level":"info","msg":"EPP started"}']));
    await setPodLogs(kubeconfig, { namespace: ns, pod: 'logger', file, follow: false });
    await setPodLogs(kubeconfig, { namespace: ns, pod: 'crasher', lines: ['panic: boom'], follow: false });
    const out = await waitFor(
      async () => {
        const r = await kubectl(['logs', '-n', ns, 'logger'], { kubeconfig, allowFail: true });
        return r.stdout.includes('EPP started') ? r.stdout : undefined;
      },
      { timeoutMs: 30_000, what: 'kubectl logs' },
    );
    expect(out).toContain('EPP started');
    const crashed = await waitFor(async () => {
      const r = await kubectl(['logs', '-n', ns, 'crasher'], { kubeconfig, allowFail: true });
      return r.stdout.includes('panic: boom') ? r.stdout : undefined;
    });
    expect(crashed.trim()).toBe('panic: boom');
  });
});

describe('reaching a pod served by a local process', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ model: 'meta-llama/Llama-3.1-8B-Instruct', mode: 'echo', enableKvcache: true });
    await applyManifest(kubeconfig, pod('sim-0', { app: 'sim' }));
    await waitFor(async () => isReady(await getPod('sim-0')), { what: 'pod sim-0 Ready' });
    await forwardPodPort(kubeconfig, { namespace: ns, selector: 'app=sim', port: 8000, targetPort: sim.port });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('`kubectl port-forward pod/sim-0 8000` reaches the simulator: /metrics has vllm: series', async () => {
    const pf = await kubectlPortForward(kubeconfig, { namespace: ns, target: 'pod/sim-0', remotePort: 8000 });
    try {
      const base = `http://127.0.0.1:${pf.localPort}`;
      const metrics = await waitFor(async () => {
        const r = await fetch(`${base}/metrics`);
        return r.ok ? await r.text() : undefined;
      });
      expect(metrics).toContain('vllm:num_requests_waiting');
      expect(metrics).toContain('vllm:kv_cache_usage_perc');
      const c = await fetch(`${base}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'meta-llama/Llama-3.1-8B-Instruct', prompt: 'hello gateway', max_tokens: 5 }),
      });
      expect(c.status).toBe(200);
      const body = (await c.json()) as { choices: { text: string }[] };
      expect(body.choices[0]?.text).toBe('hello gateway');
    } finally {
      await pf.stop();
    }
  });

  it('@kubernetes/client-node PortForward reaches the simulator too', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const forward = new PortForward(kc);
    const server: Server = createServer((socket) => {
      void forward.portForward(ns, 'sim-0', [8000], socket, null, socket).catch(() => socket.destroy());
    });
    server.listen(0, '127.0.0.1');
    await new Promise<void>((r) => server.once('listening', () => r()));
    try {
      const port = (server.address() as AddressInfo).port;
      const text = await waitFor(async () => {
        const r = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { connection: 'close' } });
        return r.ok ? await r.text() : undefined;
      });
      expect(text).toMatch(/^vllm:/m);
    } finally {
      server.close();
    }
  });
});

describe('reaching pods of a Deployment (ClusterPortForward for a namespace)', () => {
  let sim: Sim;
  let cpf = '';
  beforeAll(async () => {
    sim = await startSim({ model: 'tiny', mode: 'random' });
  });
  afterAll(async () => {
    await sim?.stop();
    if (cpf) await kubectl(['delete', 'clusterportforward', cpf, '--wait=false'], { kubeconfig, allowFail: true });
  });

  it('`kubectl port-forward deploy/models 8000` reaches a local server, also after a rollout restart', async () => {
    await applyManifest(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'models', namespace: ns },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'models' } },
          template: {
            metadata: { labels: { app: 'models' } },
            spec: { containers: [{ name: 'vllm', image: 'example.invalid/vllm:1', ports: [{ containerPort: 8000 }] }] },
          },
        },
      }),
    );
    cpf = await forwardNamespacePort(kubeconfig, { namespace: ns, port: 8000, targetPort: sim.port, name: `${ns}-models` });
    for (const restart of [false, true]) {
      if (restart) await kubectl(['rollout', 'restart', '-n', ns, 'deploy/models'], { kubeconfig });
      await kubectl(['rollout', 'status', '-n', ns, 'deploy/models', '--timeout=60s'], { kubeconfig, timeoutMs: 70_000 });
      const pf = await kubectlPortForward(kubeconfig, { namespace: ns, target: 'deploy/models', remotePort: 8000 });
      try {
        const models = await waitFor(async () => {
          const r = await fetch(`http://127.0.0.1:${pf.localPort}/v1/models`);
          return r.ok ? ((await r.json()) as { data: { id: string }[] }) : undefined;
        });
        expect(models.data.map((m) => m.id)).toEqual(['tiny']);
      } finally {
        await pf.stop();
      }
    }
  });
});

describe('tools', () => {
  it('has helm v4', async () => {
    const r = await helm(['version', '--short']);
    expect(r.stdout).toMatch(/^v4\./);
  });
});
