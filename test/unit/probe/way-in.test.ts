// Where `doctor --request` and probe-cache send: only to an address the Gateway's status names
// (src/probe/discover.ts connectableAddresses, src/probe/entry.ts wayIn). The wayIn cases use real
// listeners on random 127.0.0.0/8 addresses (all local on Linux) and count the connections each
// one saw, so "never connects elsewhere" is observed, not assumed.
import {createServer, type Server} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import type {KubeClient} from '../../../src/kube/client.ts';
import {connectableAddresses, type PoolInfo} from '../../../src/probe/discover.ts';
import {wayIn} from '../../../src/probe/entry.ts';

describe('connectableAddresses: the status addresses that name a place to connect to', () => {
  it('keeps IPAddress (also when type is unset) with an IP value, and Hostname with a DNS name, in status order', () => {
    expect(
      connectableAddresses([
        {type: 'IPAddress', value: '10.0.0.7'},
        {value: '2001:db8::1'},
        {type: 'Hostname', value: 'abc123.elb.us-east-1.amazonaws.com'},
        {type: 'IPAddress', value: '10.0.0.7'},
      ]),
    ).toEqual(['10.0.0.7', '2001:db8::1', 'abc123.elb.us-east-1.amazonaws.com']);
  });

  it('skips what names no network address: NamedAddress, domain-prefixed types, values that do not fit their type', () => {
    expect(
      connectableAddresses([
        {type: 'NamedAddress', value: '10.0.0.8'},
        {type: 'example.com/static-ip', value: '10.0.0.9'},
        {type: 'IPAddress', value: 'lb.example.com'},
        {type: 'IPAddress', value: '10.0.0.0/24'},
        {value: ''},
        {type: 'Hostname', value: '*.example.com'},
        {type: 'Hostname', value: 'http://lb.example.com'},
        {type: 'Hostname', value: 'lb.example.com:8080'},
      ]),
    ).toEqual([]);
    expect(connectableAddresses(undefined)).toEqual([]);
  });
});

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** A TCP listener on host:port (0 = any) that counts the connections it accepts. */
async function listener(host: string, port = 0): Promise<{port: number; connections: () => number}> {
  let n = 0;
  const s = createServer((sock) => {
    n++;
    sock.destroy();
  });
  servers.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, host, () => resolve());
  });
  return {port: (s.address() as {port: number}).port, connections: () => n};
}

function loopbackPrefix(): string {
  const r = (): number => 1 + Math.floor(Math.random() * 250);
  return `127.${r()}.${r()}`;
}

const pool: PoolInfo = {group: 'inference.networking.k8s.io', version: 'v1', namespace: 'inf', name: 'p', selector: {app: 'm'}, targetPorts: [8000]};

/** A cluster with one Gateway inf/gw (listener on `port`, these status addresses) and no HTTPRoute. */
function kubeWithGateway(port: number, addresses: {type?: string; value: string}[]): {kube: KubeClient; paths: string[]} {
  const paths: string[] = [];
  const kube = {
    list: (path: string) => {
      paths.push(path);
      return Promise.resolve({items: []});
    },
    get: (path: string) => {
      paths.push(path);
      if (path !== '/apis/gateway.networking.k8s.io/v1/namespaces/inf/gateways/gw') return Promise.reject(new Error(`unexpected GET ${path}`));
      return Promise.resolve({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: {namespace: 'inf', name: 'gw'},
        spec: {listeners: [{name: 'http', port, protocol: 'HTTP'}]},
        status: {addresses},
      });
    },
  } as unknown as KubeClient;
  return {kube, paths};
}

const noForward = (): never => {
  throw new Error('no port-forward expected');
};

describe('wayIn: the request goes only where the Gateway status says', () => {
  it('auto: the first connectable address that accepts; an address of another type is never connected to, even when something listens there', async () => {
    const p = loopbackPrefix();
    const named = await listener(`${p}.1`);
    const statusAddress = await listener(`${p}.2`, named.port);
    const {kube} = kubeWithGateway(named.port, [
      {type: 'NamedAddress', value: `${p}.1`},
      {type: 'example.com/vip', value: `${p}.1`},
      {type: 'IPAddress', value: `${p}.2`},
    ]);
    const way = await wayIn(kube, pool, {gateway: 'gw', namespace: 'inf'}, noForward);
    expect(way).toMatchObject({via: 'gateway-address', url: `http://${p}.2:${named.port}`});
    expect(statusAddress.connections()).toBe(1);
    expect(named.connections()).toBe(0);
  });

  it('--request-via address: a status with no connectable address is an error naming none, nothing is connected to', async () => {
    const p = loopbackPrefix();
    const named = await listener(`${p}.1`);
    const {kube} = kubeWithGateway(named.port, [{type: 'NamedAddress', value: `${p}.1`}]);
    await expect(wayIn(kube, pool, {gateway: 'gw', namespace: 'inf', via: 'address'}, noForward)).rejects.toThrow('Gateway inf/gw: its status names no address (of type IPAddress or Hostname)');
    expect(named.connections()).toBe(0);
  });

  it('--request-via address: addresses that refuse the connection are named in the error', async () => {
    const p = loopbackPrefix();
    // a port just freed on this address: nothing listens there
    const probe = await listener(`${p}.3`);
    const port = probe.port;
    await new Promise<void>((r) => servers.pop()!.close(() => r()));
    const {kube} = kubeWithGateway(port, [{type: 'IPAddress', value: `${p}.3`}]);
    await expect(wayIn(kube, pool, {gateway: 'gw', namespace: 'inf', via: 'address'}, noForward)).rejects.toThrow(
      `Gateway inf/gw: no address of its status (${p}.3) accepts a connection on port ${port}`,
    );
  });
});
