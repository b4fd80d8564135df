// The minimal RFC 6455 client (src/kube/websocket.ts), KubeClient.upgrade() and the port-forward
// channel protocol (src/kube/portforward.ts), against local servers that play the API server and
// the kubelet byte for byte: frames are built and checked here by hand, not by the code under test.
import {createServer as createHttpServer, type IncomingMessage, type Server as HttpServer} from 'node:http';
import {connect, createServer, type AddressInfo, type Server, type Socket} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {KubeClient} from '../../../src/kube/client.ts';
import {ApiError} from '../../../src/kube/errors.ts';
import {resolved} from './resolved-fixture.ts';
import {explainPortForwardFailure, fetchPodMetrics, openPortForward, PortForwardChannels, PORT_FORWARD_PROTOCOLS, MetricsFetchError, scrapeThroughForward} from '../../../src/kube/portforward.ts';
import {acceptFor, ClientWebSocket, encodeFrame, FrameDecoder, OPCODE, WebSocketProtocolError, type Frame} from '../../../src/kube/websocket.ts';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** A frame as a server sends it (never masked), written out by hand from RFC 6455 §5.2. */
function serverFrame(opcode: number, payload: Buffer | string, fin = true): Buffer {
  const p = typeof payload === 'string' ? Buffer.from(payload) : payload;
  if (p.length >= 126) throw new Error('test helper: short frames only');
  return Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode, p.length]), p]);
}

/** Decode one masked client frame by hand. */
function parseClientFrame(buf: Buffer): {fin: boolean; opcode: number; masked: boolean; payload: Buffer; rest: Buffer} {
  const fin = (buf[0]! & 0x80) !== 0;
  const opcode = buf[0]! & 0x0f;
  const masked = (buf[1]! & 0x80) !== 0;
  let len = buf[1]! & 0x7f;
  let off = 2;
  if (len === 126) {
    len = buf.readUInt16BE(2);
    off = 4;
  } else if (len === 127) {
    len = Number(buf.readBigUInt64BE(2));
    off = 10;
  }
  const mask = masked ? buf.subarray(off, off + 4) : Buffer.alloc(4);
  if (masked) off += 4;
  const payload = Buffer.from(buf.subarray(off, off + len).map((b, i) => b ^ mask[i % 4]!));
  return {fin, opcode, masked, payload, rest: buf.subarray(off + len)};
}

/** Both ends of a real TCP connection. */
async function rawPair(): Promise<{sock: Socket; server: Socket}> {
  const srv: Server = createServer();
  const serverSide = new Promise<Socket>((r) => srv.once('connection', r));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const sock = connect((srv.address() as AddressInfo).port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  const server = await serverSide;
  closers.push(() => {
    sock.destroy();
    server.destroy();
    return new Promise((r) => srv.close(() => r()));
  });
  return {sock, server};
}

/** A client WebSocket over a real TCP connection; `server` is the other end, `received` its next client frame. */
async function socketPair(head?: Buffer): Promise<{client: ClientWebSocket; server: Socket; received: () => Promise<ReturnType<typeof parseClientFrame>>}> {
  const {sock, server} = await rawPair();
  let pending: Buffer = Buffer.alloc(0);
  const waiters: (() => void)[] = [];
  server.on('data', (c: Buffer) => {
    pending = Buffer.concat([pending, c]);
    waiters.splice(0).forEach((w) => w());
  });
  // client frames here are short (< 126 bytes): complete when 2 + 4 + length bytes are in
  const received = async (): Promise<ReturnType<typeof parseClientFrame>> => {
    for (;;) {
      if (pending.length >= 2 && pending.length >= 6 + (pending[1]! & 0x7f)) {
        const f = parseClientFrame(pending);
        pending = f.rest;
        return f;
      }
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return {client: new ClientWebSocket(sock, PORT_FORWARD_PROTOCOLS[0]!, head), server, received};
}

const once = <T extends unknown[]>(ws: ClientWebSocket, event: string): Promise<T> => new Promise((r) => ws.once(event, (...a: unknown[]) => r(a as T)));

describe('frames (RFC 6455 §5.2)', () => {
  it('Sec-WebSocket-Accept of the RFC example key', () => {
    // RFC 6455 §1.3: key "dGhlIHNhbXBsZSBub25jZQ==" → accept "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    expect(acceptFor('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('RFC 6455 §5.7 examples: unmasked and masked "Hello"', () => {
    expect(encodeFrame(OPCODE.text, Buffer.from('Hello'))).toEqual(Buffer.from([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]));
    const masked = encodeFrame(OPCODE.text, Buffer.from('Hello'), Buffer.from([0x37, 0xfa, 0x21, 0x3d]));
    expect(masked).toEqual(Buffer.from([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]));
    expect(new FrameDecoder().push(masked)).toEqual([{fin: true, opcode: OPCODE.text, payload: Buffer.from('Hello')}]);
  });

  it.each([
    [0, 2],
    [125, 2],
    [126, 4],
    [65535, 4],
    [65536, 10],
  ])('payload of %i bytes: %i header bytes (+4 mask), decoded back whole', (len, header) => {
    const payload = Buffer.alloc(len, 7);
    const plain = encodeFrame(OPCODE.binary, payload);
    expect(plain.length).toBe(header + len);
    const masked = encodeFrame(OPCODE.binary, payload, Buffer.from([1, 2, 3, 4]));
    expect(masked.length).toBe(header + 4 + len);
    expect(masked[1]! & 0x80).toBe(0x80);
    expect(parseClientFrame(masked).payload.equals(payload)).toBe(true);
    const [f] = new FrameDecoder().push(plain);
    expect(f!.payload.equals(payload)).toBe(true);
  });

  it('the decoder waits for whole frames: fed byte by byte, it yields each frame once, at its last byte', () => {
    const bytes = Buffer.concat([serverFrame(OPCODE.binary, 'ab'), encodeFrame(OPCODE.binary, Buffer.alloc(300, 1)), serverFrame(OPCODE.ping, '')]);
    const d = new FrameDecoder();
    const at: number[] = [];
    const frames: Frame[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const got = d.push(bytes.subarray(i, i + 1));
      if (got.length) at.push(i);
      frames.push(...got);
    }
    expect(at).toEqual([3, 3 + 4 + 300, bytes.length - 1]);
    expect(frames.map((f) => [f.opcode, f.payload.length])).toEqual([
      [OPCODE.binary, 2],
      [OPCODE.binary, 300],
      [OPCODE.ping, 0],
    ]);
  });

  it('reserved bits (no extension negotiated) are a protocol error', () => {
    expect(() => new FrameDecoder().push(Buffer.from([0xc2, 0x00]))).toThrow(WebSocketProtocolError);
  });
});

describe('ClientWebSocket', () => {
  it('reads nothing before a "message" listener is added: frames wait in the socket', async () => {
    const {client, server} = await socketPair();
    server.write(serverFrame(OPCODE.binary, 'early'));
    await new Promise((r) => setTimeout(r, 30));
    const got = once<[Buffer]>(client, 'message');
    expect((await got)[0].toString()).toBe('early');
  });

  it('sends masked binary frames', async () => {
    const {client, received} = await socketPair();
    client.send(Buffer.from([0, 1, 2, 3]));
    const f = await received();
    expect(f).toMatchObject({fin: true, opcode: OPCODE.binary, masked: true});
    expect([...f.payload]).toEqual([0, 1, 2, 3]);
  });

  it('reassembles a fragmented message, answering a ping sent between its fragments with a pong', async () => {
    const {client, server, received} = await socketPair();
    const message = once<[Buffer, boolean]>(client, 'message');
    server.write(Buffer.concat([serverFrame(OPCODE.binary, 'hel', false), serverFrame(OPCODE.ping, 'are you there'), serverFrame(OPCODE.continuation, 'lo ', false)]));
    server.write(serverFrame(OPCODE.continuation, 'world'));
    const [data, binary] = await message;
    expect(data.toString()).toBe('hello world');
    expect(binary).toBe(true);
    const pong = await received();
    expect(pong).toMatchObject({opcode: OPCODE.pong, masked: true});
    expect(pong.payload.toString()).toBe('are you there');
  });

  it('text messages are delivered as not binary; bytes that came with the upgrade answer are read first', async () => {
    const {client, server} = await socketPair(serverFrame(OPCODE.text, 'first'));
    const got: string[] = [];
    client.on('message', (d: Buffer, binary: boolean) => got.push(`${d.toString()}:${binary}`));
    const second = once(client, 'message');
    server.write(serverFrame(OPCODE.binary, 'second'));
    await second;
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual(['first:false', 'second:true']);
  });

  it('a close from the server is echoed with its code, then "close" fires once with code and reason', async () => {
    const {client, server, received} = await socketPair();
    client.on('message', () => {});
    const closed = once<[number, string]>(client, 'close');
    const payload = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('bye')]);
    server.write(serverFrame(OPCODE.close, payload));
    expect(await closed).toEqual([1000, 'bye']);
    const echo = await received();
    expect(echo).toMatchObject({opcode: OPCODE.close, masked: true});
    expect(echo.payload.readUInt16BE(0)).toBe(1000);
    expect(client.readyState).toBe(3);
    client.send(Buffer.from('late')); // ignored after close
  });

  it('close() starts the handshake; the server answering close ends it', async () => {
    const {client, server, received} = await socketPair();
    let closes = 0;
    client.on('message', () => {});
    client.on('close', () => closes++);
    client.close(1000);
    expect(client.readyState).toBe(2);
    const f = await received();
    expect(f.opcode).toBe(OPCODE.close);
    expect(f.payload.readUInt16BE(0)).toBe(1000);
    server.write(serverFrame(OPCODE.close, Buffer.from([0x03, 0xe8])));
    server.end();
    await new Promise((r) => setTimeout(r, 50));
    expect(closes).toBe(1);
    expect(client.readyState).toBe(3);
  });

  it('an unknown opcode is an error and drops the connection', async () => {
    const {client, server} = await socketPair();
    client.on('message', () => {});
    const error = once<[Error]>(client, 'error');
    const closed = once<[]>(client, 'close');
    server.write(Buffer.from([0x83, 0x00]));
    expect((await error)[0]).toBeInstanceOf(WebSocketProtocolError);
    await closed;
    expect(client.readyState).toBe(3);
  });
});

describe('port-forward channels (kubelet portforward/websocket.go)', () => {
  const portBytes = (p: number) => Buffer.from([p & 0xff, p >> 8]);

  it('drops the port announcement of each channel, also when it is split over messages', () => {
    const c = new PortForwardChannels(9090);
    expect(c.read(Buffer.concat([Buffer.from([0]), portBytes(9090)]))).toEqual({channel: 0, data: Buffer.alloc(0)});
    expect(c.read(Buffer.from([1, portBytes(9090)[0]!]))).toEqual({channel: 1, data: Buffer.alloc(0)});
    expect(c.read(Buffer.concat([Buffer.from([1, portBytes(9090)[1]!]), Buffer.from('oops')]))).toEqual({channel: 1, data: Buffer.from('oops')});
    // after the announcement, the same bytes are data
    expect(c.read(Buffer.concat([Buffer.from([0]), portBytes(9090)]))).toEqual({channel: 0, data: portBytes(9090)});
  });

  it('refuses another port, an unknown channel, an empty message', () => {
    expect(() => new PortForwardChannels(9090).read(Buffer.concat([Buffer.from([0]), portBytes(8000)]))).toThrow(/announced port 8000, expected 9090/);
    expect(() => new PortForwardChannels(9090).read(Buffer.from([2, 0, 0]))).toThrow(/unknown channel 2/);
    expect(() => new PortForwardChannels(9090).read(Buffer.alloc(0))).toThrow(/no channel byte/);
  });

  it('frames data for the pod on channel 0', () => {
    expect([...PortForwardChannels.frame(Buffer.from('GET'))]).toEqual([0, 0x47, 0x45, 0x54]);
  });

  it('explains the API server status of a refused upgrade', () => {
    const t = {namespace: 'llm', pod: 'epp-0'};
    expect(explainPortForwardFailure(403, t)).toMatchObject({message: 'forbidden: you cannot port-forward to pods/epp-0 in namespace llm'});
    expect(explainPortForwardFailure(403, t).hint).toMatch(/pods\/portforward/);
    expect(explainPortForwardFailure(404, t).message).toBe('pod epp-0 not found in namespace llm (port-forward 404)');
  });
});

// ---------------------------------------------------------------------------------------------
// KubeClient.upgrade and openPortForward against a stand-in API server that speaks the kubelet's
// port-forward protocol to an in-process "pod" (an HTTP server on a local port).


async function listen(server: HttpServer | Server): Promise<number> {
  const open = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => {
    for (const s of open) s.destroy();
    return new Promise((r) => server.close(() => r()));
  });
  return (server.address() as AddressInfo).port;
}

interface StandIn {
  port: number;
  upgrades: IncomingMessage[];
}

/**
 * An API server whose pods/portforward answers 101 with v4.channel.k8s.io and relays channel 0 to
 * `podPort` on 127.0.0.1 — announcing the port on both channels first, fragmenting what it relays
 * into 2 frames, pinging in between — or writes the kubelet's error on channel 1 when that port
 * refuses. Paths under /forbidden/ answer 403 like the API server (a Status object).
 */
async function standInApiServer(opts: {badAccept?: boolean} = {}): Promise<StandIn> {
  const upgrades: IncomingMessage[] = [];
  const server = createHttpServer((req, res) => {
    res.writeHead(404, {'content-type': 'application/json'}).end(JSON.stringify({kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found'}));
  });
  server.on('upgrade', (req: IncomingMessage, sock: Socket) => {
    upgrades.push(req);
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers.accept !== '*/*') {
      // the real API server's connect routes produce no media type: go-restful (jsr311.go) answers
      // an `Accept: application/json` with 406 before the upgrade reaches the kubelet
      sock.end('HTTP/1.1 406 Not Acceptable\r\ncontent-type: text/plain\r\ncontent-length: 45\r\n\r\n406: Not Acceptable\n\nAvailable representations: ');
      return;
    }
    if (url.pathname.includes('/forbidden/')) {
      const body = JSON.stringify({kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: 'pods "p" is forbidden: User "u" cannot create resource "pods/portforward"'});
      sock.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      return;
    }
    const podPort = Number(url.searchParams.get('ports'));
    const key = String(req.headers['sec-websocket-key']);
    sock.write(
      `HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${opts.badAccept ? 'nope' : acceptFor(key)}\r\nsec-websocket-protocol: v4.channel.k8s.io\r\n\r\n`,
    );
    const announce = Buffer.from([podPort & 0xff, podPort >> 8]);
    sock.write(serverFrame(OPCODE.binary, Buffer.concat([Buffer.from([0]), announce])));
    sock.write(serverFrame(OPCODE.binary, Buffer.concat([Buffer.from([1]), announce])));
    const pod = connect(podPort, '127.0.0.1');
    pod.on('error', (e) => {
      sock.write(serverFrame(OPCODE.binary, Buffer.concat([Buffer.from([1]), Buffer.from(`error forwarding port ${podPort}: ${(e as NodeJS.ErrnoException).code}`)])));
      sock.end(serverFrame(OPCODE.close, Buffer.from([0x03, 0xe8])));
    });
    pod.on('data', (c: Buffer) => {
      for (let i = 0; i < c.length; i += 100) {
        const part = c.subarray(i, i + 100);
        const first = i === 0;
        const last = i + 100 >= c.length;
        const payload = first ? Buffer.concat([Buffer.from([0]), part]) : part;
        // 100-byte fragments of one message (continuation frames), a ping after the first
        sock.write(serverFrame(first ? OPCODE.binary : OPCODE.continuation, payload, last));
        if (first && !last) sock.write(serverFrame(OPCODE.ping, 'x'));
      }
    });
    pod.on('end', () => sock.end(serverFrame(OPCODE.close, Buffer.from([0x03, 0xe8]))));
    const decoder = new FrameDecoder();
    sock.on('data', (c: Buffer) => {
      for (const f of decoder.push(c)) {
        if (f.opcode === OPCODE.binary && f.payload[0] === 0) pod.write(f.payload.subarray(1));
        if (f.opcode === OPCODE.close) {
          pod.destroy();
          sock.end(serverFrame(OPCODE.close, f.payload.subarray(0, 2)));
        }
      }
    });
    sock.on('error', () => pod.destroy());
    sock.on('close', () => pod.destroy());
  });
  return {port: await listen(server), upgrades};
}

/** The "pod": /metrics needs `authorization: Bearer good`. */
async function metricsPod(): Promise<number> {
  return listen(
    createHttpServer((req, res) => {
      if (req.headers.authorization !== 'Bearer good') return void res.writeHead(401).end();
      res.writeHead(200, {'content-type': 'text/plain'}).end(`# TYPE x gauge\n${'x 1\n'.repeat(60)}`);
    }),
  );
}

describe('KubeClient.upgrade + openPortForward (no @kubernetes/client-node)', () => {
  it('forwards HTTP to the pod with our impersonation headers; 401 from the pod is MetricsFetchError', async () => {
    const api = await standInApiServer();
    const podPort = await metricsPod();
    const kube = new KubeClient(resolved(`http://127.0.0.1:${api.port}`, {impersonateUser: 'jane', impersonateGroups: ['team-a', 'team-b']}));
    const body = await fetchPodMetrics(kube, {namespace: 'llm', name: 'epp-0'}, podPort, {bearerToken: 'good'});
    expect(body.split('\n').filter((l) => l === 'x 1')).toHaveLength(60);
    const req = api.upgrades[0]!;
    expect(new URL(req.url ?? '', 'http://x').pathname).toBe('/api/v1/namespaces/llm/pods/epp-0/portforward');
    expect(req.headers['sec-websocket-protocol']).toBe('v4.channel.k8s.io');
    expect(req.headers['impersonate-user']).toBe('jane');
    expect(req.headers['impersonate-group']).toBe('team-a, team-b');
    expect(kube.requestCount).toBe(1);
    const denied = await fetchPodMetrics(kube, {namespace: 'llm', name: 'epp-0'}, podPort, {bearerToken: 'bad'}).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(MetricsFetchError);
    expect((denied as MetricsFetchError).kind).toBe('unauthorized');
  });

  it('one forward serves several connections, each with its own tunnel; close() ends them all', async () => {
    const api = await standInApiServer();
    const podPort = await metricsPod();
    const kube = new KubeClient(resolved(`http://127.0.0.1:${api.port}`));
    const f = await openPortForward(kube, {namespace: 'llm', pod: 'epp-0', port: podPort});
    await Promise.all([scrapeThroughForward(f, {bearerToken: 'good'}), scrapeThroughForward(f, {bearerToken: 'good'})]);
    expect(f.connectionCount).toBe(2);
    expect(api.upgrades).toHaveLength(2);
    await f.close();
    expect(f.closed).toBe(true);
    expect(f.openTunnels).toBe(0);
  });

  it("a pod port that refuses: the kubelet's error channel text is the reason", async () => {
    const api = await standInApiServer();
    const closed = createServer();
    const deadPort = await listen(closed);
    await new Promise((r) => closed.close(r));
    const kube = new KubeClient(resolved(`http://127.0.0.1:${api.port}`));
    const err = await fetchPodMetrics(kube, {namespace: 'llm', name: 'epp-0'}, deadPort, {timeoutMs: 5000}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsFetchError);
    expect((err as MetricsFetchError).kind).toBe('unreachable');
    expect((err as Error).message).toContain(`error forwarding port ${deadPort}: ECONNREFUSED`);
  });

  it('a refused upgrade is an ApiError (403 with the RBAC hint); a wrong Sec-WebSocket-Accept is refused', async () => {
    const api = await standInApiServer();
    const kube = new KubeClient(resolved(`http://127.0.0.1:${api.port}`));
    const e = await kube.upgrade('/forbidden/x', {protocols: PORT_FORWARD_PROTOCOLS}).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(403);
    const f = await openPortForward(kube, {namespace: 'forbidden', pod: 'p', port: 1});
    const err = await scrapeThroughForward(f, {timeoutMs: 5000}).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(MetricsFetchError);
    expect((err as Error).message).toContain('forbidden: you cannot port-forward to pods/p in namespace forbidden');
    await f.close();

    const liar = await standInApiServer({badAccept: true});
    const k2 = new KubeClient(resolved(`http://127.0.0.1:${liar.port}`));
    await expect(k2.upgrade('/api/v1/namespaces/a/pods/b/portforward', {query: {ports: 1}, protocols: PORT_FORWARD_PROTOCOLS})).rejects.toThrow(/WebSocket answer .* is not valid/);
  });
});
