/*
 * A minimal WebSocket client (RFC 6455) for the Kubernetes API's channel protocols, built on the
 * socket that KubeClient.upgrade() hands over after the HTTP 101 — so a port-forward needs no
 * @kubernetes/client-node (≈190 ms to load) and carries exactly the credentials, impersonation
 * headers (including Impersonate-Group) and TLS settings of every other request.
 *
 * What is implemented is what the API server's channel protocols use: binary and text data frames,
 * fragmentation (continuation frames), ping → pong, close handshake. Client frames are masked
 * (RFC 6455 §5.3); server frames must not be. Extensions are not negotiated (we send no
 * Sec-WebSocket-Extensions), so RSV bits must be 0.
 *
 * Channel framing (k8s.io/apimachinery pkg/util/httpstream/wsstream/conn.go): each data message
 * starts with one byte, the channel number; for port-forward (k8s.io/kubelet … portforward
 * websocket.go) channel 2·i carries data of the i-th port and 2·i+1 its errors, and the first
 * message on each channel is the port number as two little-endian bytes.
 */
import {createHash, randomBytes} from 'node:crypto';
import {EventEmitter} from 'node:events';
import type {Duplex} from 'node:stream';

/** RFC 6455 §1.3: the GUID appended to Sec-WebSocket-Key for Sec-WebSocket-Accept. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const OPCODE = {continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa} as const;

export function newWebSocketKey(): string {
  return randomBytes(16).toString('base64');
}

/** The Sec-WebSocket-Accept value a server must answer for `key`. */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

/** Encode one frame (FIN set). `mask` is required for client → server frames. */
export function encodeFrame(opcode: number, payload: Buffer, mask?: Buffer): Buffer {
  const len = payload.length;
  const lenBytes = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const header = Buffer.alloc(2 + lenBytes + (mask ? 4 : 0));
  header[0] = 0x80 | (opcode & 0x0f);
  header[1] = (mask ? 0x80 : 0) | (len < 126 ? len : len < 65536 ? 126 : 127);
  if (lenBytes === 2) header.writeUInt16BE(len, 2);
  else if (lenBytes === 8) header.writeBigUInt64BE(BigInt(len), 2);
  if (!mask) return Buffer.concat([header, payload]);
  mask.copy(header, 2 + lenBytes);
  const body = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) body[i] = payload[i]! ^ mask[i & 3]!;
  return Buffer.concat([header, body]);
}

export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

export class WebSocketProtocolError extends Error {}

/**
 * Incremental frame decoder: push() bytes as they arrive, get back the complete frames. Masked
 * frames are unmasked (a client never receives them from a conforming server, but the decoder
 * also serves tests that play the server).
 */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Frame[] = [];
    for (;;) {
      if (this.buf.length < 2) return out;
      const b0 = this.buf[0]!;
      const b1 = this.buf[1]!;
      if (b0 & 0x70) throw new WebSocketProtocolError('reserved bits set in a WebSocket frame (no extension was negotiated)');
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return out;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return out;
        const big = this.buf.readBigUInt64BE(2);
        if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new WebSocketProtocolError('WebSocket frame too large');
        len = Number(big);
        off = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const maskKey = masked ? this.buf.subarray(off, off + 4) : undefined;
      if (masked) off += 4;
      if (this.buf.length < off + len) return out;
      let payload = this.buf.subarray(off, off + len);
      if (maskKey) {
        const p = Buffer.allocUnsafe(len);
        for (let i = 0; i < len; i++) p[i] = payload[i]! ^ maskKey[i & 3]!;
        payload = p;
      } else {
        payload = Buffer.from(payload);
      }
      out.push({fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload});
      this.buf = this.buf.subarray(off + len);
    }
  }
}

/**
 * A client WebSocket over an upgraded socket. Events: 'message' (data: Buffer, binary: boolean),
 * 'close' (code?: number, reason?: string) once, 'error' (Error).
 *
 * Reading starts when the first 'message' listener is added (the socket stays paused until then,
 * so frames that came with the 101 answer or right after it wait for the caller instead of being
 * emitted before anyone listens).
 */
export class ClientWebSocket extends EventEmitter {
  /** 0 connecting (unused: the socket is already upgraded), 1 open, 2 closing, 3 closed */
  readyState = 1;
  private readonly decoder = new FrameDecoder();
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private closeTimer: NodeJS.Timeout | undefined;
  private reading = false;
  private readonly socket: Duplex;
  private readonly head: Buffer | undefined;
  /** the channel protocol the server chose (Sec-WebSocket-Protocol) */
  readonly protocol: string;

  constructor(socket: Duplex, protocol: string, head?: Buffer) {
    super();
    this.socket = socket;
    this.protocol = protocol;
    this.head = head && head.length > 0 ? head : undefined;
    socket.on('error', (e: Error) => this.emit('error', e));
    socket.on('close', () => this.finish());
    socket.on('end', () => this.finish());
    this.on('newListener', (event: string) => {
      // 'newListener' fires before the listener is added: start on the next microtask
      if (event === 'message' && !this.reading) {
        this.reading = true;
        queueMicrotask(() => this.startReading());
      }
    });
  }

  private startReading(): void {
    if (this.head) this.onData(this.head);
    this.socket.on('data', (c: Buffer) => this.onData(c));
  }

  send(data: Buffer, opcode: number = OPCODE.binary): void {
    if (this.readyState !== 1) return;
    this.socket.write(encodeFrame(opcode, data, randomBytes(4)));
  }

  /** Start the close handshake; the socket is destroyed when the server answers or after 1 s. */
  close(code = 1000): void {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    const p = Buffer.alloc(2);
    p.writeUInt16BE(code, 0);
    this.socket.write(encodeFrame(OPCODE.close, p, randomBytes(4)));
    this.closeTimer = setTimeout(() => this.socket.destroy(), 1000);
    this.closeTimer.unref();
  }

  /** Drop the connection without a handshake. */
  terminate(): void {
    this.socket.destroy();
    this.finish();
  }

  private onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      this.emit('error', error as Error);
      this.terminate();
      return;
    }
    for (const f of frames) this.onFrame(f);
  }

  private onFrame(f: Frame): void {
    switch (f.opcode) {
      case OPCODE.ping:
        if (this.readyState === 1) this.socket.write(encodeFrame(OPCODE.pong, f.payload, randomBytes(4)));
        return;
      case OPCODE.pong:
        return;
      case OPCODE.close: {
        const code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : undefined;
        const reason = f.payload.length > 2 ? f.payload.subarray(2).toString('utf8') : undefined;
        if (this.readyState === 1) {
          // echo the close (RFC 6455 §5.5.1), then the server closes the TCP connection
          this.readyState = 2;
          this.socket.write(encodeFrame(OPCODE.close, f.payload.subarray(0, 2), randomBytes(4)));
        }
        this.socket.end();
        this.finish(code, reason);
        return;
      }
      case OPCODE.continuation:
        this.fragments.push(f.payload);
        if (f.fin) this.deliver(this.fragmentOpcode, Buffer.concat(this.fragments.splice(0)));
        return;
      case OPCODE.text:
      case OPCODE.binary:
        if (f.fin) this.deliver(f.opcode, f.payload);
        else {
          this.fragmentOpcode = f.opcode;
          this.fragments = [f.payload];
        }
        return;
      default:
        this.emit('error', new WebSocketProtocolError(`unknown WebSocket opcode ${f.opcode}`));
        this.terminate();
    }
  }

  private deliver(opcode: number, data: Buffer): void {
    this.emit('message', data, opcode === OPCODE.binary);
  }

  private finish(code?: number, reason?: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.emit('close', code, reason);
  }
}
