import {once} from 'node:events';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {connect, type KubeClient, type KubeObject} from '../../../src/kube/client.ts';
import {listAndWatch, type WatchEventType} from '../../../src/rollout/watch.ts';

// The list/watch protocol loop over a scripted HTTP server: which resourceVersion each request
// carries after events, bookmarks, a stream the server ends, a 410 ERROR event and a 410 status.
// (The real API server is exercised by test/e2e/restart.e2e.test.ts.)

type Step = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

const servers: {close(): void}[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function scriptedServer(steps: Step[]): Promise<{kube: KubeClient; requests: URL[]}> {
  const requests: URL[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url);
    const step = steps.shift();
    if (!step) {
      // Hold further watches open until the test ends.
      res.writeHead(200, {'content-type': 'application/json'});
      return;
    }
    step(req, res, url);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push({
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  const port = (server.address() as AddressInfo).port;
  // A real kubeconfig file through the real loader, so the client is built as commands build it.
  const dir = mkdtempSync(join(tmpdir(), 'infgw-watch-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:${port}\ncontexts:\n- name: t\n  context: {cluster: c, user: u, namespace: ns}\ncurrent-context: t\nusers:\n- name: u\n  user: {}\n`,
  );
  const kube = await connect({kubeconfig});
  return {kube, requests};
}

const obj = (rv: string): KubeObject => ({metadata: {name: 'epp', namespace: 'ns', resourceVersion: rv, uid: 'u1'}});
const list = (rv: string, items: KubeObject[]): Step => (_q, res) => {
  res.writeHead(200, {'content-type': 'application/json'});
  res.end(JSON.stringify({kind: 'DeploymentList', metadata: {resourceVersion: rv}, items}));
};
const events = (lines: unknown[], end = true): Step => (_q, res) => {
  res.writeHead(200, {'content-type': 'application/json'});
  for (const l of lines) res.write(`${JSON.stringify(l)}\n`);
  if (end) res.end();
};

describe('listAndWatch', () => {
  it('follows resourceVersions, re-watches after the server ends a stream, re-lists on 410', async () => {
    const {kube, requests} = await scriptedServer([
      list('10', [obj('10')]),
      events([
        {type: 'MODIFIED', object: obj('11')},
        {type: 'BOOKMARK', object: {metadata: {resourceVersion: '12'}}},
      ]),
      events([{type: 'ERROR', object: {kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 12 (15)'}}]),
      list('20', [obj('20')]),
      (_q, res) => {
        res.writeHead(410, {'content-type': 'application/json'});
        res.end(JSON.stringify({kind: 'Status', code: 410, reason: 'Gone', message: 'gone'}));
      },
      list('30', [obj('30')]),
      events([{type: 'DELETED', object: obj('31')}], false),
    ]);
    const seen: string[] = [];
    const relists: string[] = [];
    const stop = new AbortController();
    const done = listAndWatch(
      kube,
      '/apis/apps/v1/namespaces/ns/deployments',
      {fieldSelector: 'metadata.name=epp', signal: stop.signal, timeoutSeconds: 7, onRelist: (r) => relists.push(r)},
      {
        onList: (items) => seen.push(`list ${items.map((i) => i.metadata.resourceVersion).join(',')}`),
        onEvent: (type: WatchEventType, o) => {
          seen.push(`${type} ${o.metadata.resourceVersion}`);
          if (type === 'DELETED') stop.abort();
        },
      },
    );
    await done;
    expect(seen).toEqual(['list 10', 'MODIFIED 11', 'list 20', 'list 30', 'DELETED 31']);
    expect(relists).toHaveLength(2);
    const watches = requests.filter((u) => u.searchParams.get('watch') === 'true');
    expect(watches.map((u) => u.searchParams.get('resourceVersion'))).toEqual(['10', '12', '20', '30']);
    for (const u of requests) expect(u.searchParams.get('fieldSelector')).toBe('metadata.name=epp');
    expect(watches[0]!.searchParams.get('allowWatchBookmarks')).toBe('true');
    expect(watches[0]!.searchParams.get('timeoutSeconds')).toBe('7');
    expect(requests.filter((u) => u.searchParams.get('watch') !== 'true')).toHaveLength(3);
  });

  it('stops at once when aborted while a watch is open', async () => {
    const {kube} = await scriptedServer([list('1', []), events([], false)]);
    const stop = new AbortController();
    const p = listAndWatch(kube, '/api/v1/namespaces/ns/pods', {signal: stop.signal}, {onList: () => setTimeout(() => stop.abort(), 50), onEvent: () => {}});
    await expect(p).resolves.toBeUndefined();
  });

  it('gives up on errors that retrying cannot fix (403 on the watch)', async () => {
    const {kube} = await scriptedServer([
      list('1', []),
      (_q, res) => {
        res.writeHead(403, {'content-type': 'application/json'});
        res.end(JSON.stringify({kind: 'Status', code: 403, reason: 'Forbidden', message: 'pods is forbidden'}));
      },
    ]);
    const stop = new AbortController();
    await expect(listAndWatch(kube, '/api/v1/namespaces/ns/pods', {signal: stop.signal}, {onList: () => {}, onEvent: () => {}})).rejects.toMatchObject({status: 403, verb: 'watch'});
  });
});
