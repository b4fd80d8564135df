// A minimal Envoy ext_proc client: what Envoy's ext_proc filter sends an Endpoint Picker for one
// request (request headers, then the whole body with end_of_stream — the EPP's buffered mode) and
// the destination it reads back (header x-gateway-destination-endpoint, GIE v1.5.0
// pkg/epp/metadata/consts.go, set in pkg/epp/handlers/request.go generateRequestHeaderResponse).
// gRPC over node:http2 with protobuf written by hand, because no gRPC/protobuf package is
// installed. The field numbers are not written here: they are read at test time from the struct
// tags of the generated Go code in the module cache, at the go-control-plane version GIE v1.5.0's
// go.mod pins (github.com/envoyproxy/go-control-plane/envoy: service/ext_proc/v3/
// external_processor.pb.go, config/core/v3/base.pb.go).
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {connect, constants} from 'node:http2';
import {join} from 'node:path';

// ---------------------------------------------------------------------------------------------
// Field numbers from the generated Go code

/** Field numbers of `type <Message> struct` in a .pb.go, by proto field name (oneof wrappers included). */
export function fieldNumbers(goSource: string, message: string): Record<string, number> {
  const out: Record<string, number> = {};
  const blocks = [...goSource.matchAll(new RegExp(`^type ${message}(?:_\\w+)? struct \\{\\n([\\s\\S]*?)^\\}`, 'gm'))];
  for (const b of blocks) {
    for (const m of b[1]!.matchAll(/protobuf:"\w+,(\d+),(?:opt|rep|req),name=(\w+)/g)) out[m[2]!] = Number(m[1]);
  }
  if (!Object.keys(out).length) throw new Error(`ext-proc: no message ${message} in the generated code`);
  return out;
}

export interface ExtProcSchema {
  ProcessingRequest: Record<string, number>;
  HttpHeaders: Record<string, number>;
  HttpBody: Record<string, number>;
  HeaderMap: Record<string, number>;
  HeaderValue: Record<string, number>;
  HeaderValueOption: Record<string, number>;
  ProcessingResponse: Record<string, number>;
  HeadersResponse: Record<string, number>;
  CommonResponse: Record<string, number>;
  HeaderMutation: Record<string, number>;
  ImmediateResponse: Record<string, number>;
}

/**
 * Reads the schema from the module cache: the go-control-plane/envoy version is the one the GIE
 * module's go.mod pins (scripts/build-cluster.sh downloads both when it builds gie-epp).
 */
export function loadExtProcSchema(gieVersion = 'v1.5.0'): ExtProcSchema {
  const modCache = execFileSync('go', ['env', 'GOMODCACHE'], {encoding: 'utf8', env: {...process.env, PATH: `${process.env.PATH ?? ''}:/usr/local/go/bin`}}).trim();
  const gomod = readFileSync(join(modCache, 'sigs.k8s.io', `gateway-api-inference-extension@${gieVersion}`, 'go.mod'), 'utf8');
  const v = /github\.com\/envoyproxy\/go-control-plane\/envoy (v[\w.-]+)/.exec(gomod)?.[1];
  if (!v) throw new Error('ext-proc: go-control-plane/envoy is not in the GIE go.mod');
  const dir = join(modCache, 'github.com', 'envoyproxy', 'go-control-plane', `envoy@${v}`);
  if (!existsSync(dir)) throw new Error(`ext-proc: ${dir} is missing (scripts/build-cluster.sh downloads it with GIE)`);
  const ep = readFileSync(join(dir, 'service', 'ext_proc', 'v3', 'external_processor.pb.go'), 'utf8');
  const base = readFileSync(join(dir, 'config', 'core', 'v3', 'base.pb.go'), 'utf8');
  return {
    ProcessingRequest: fieldNumbers(ep, 'ProcessingRequest'),
    HttpHeaders: fieldNumbers(ep, 'HttpHeaders'),
    HttpBody: fieldNumbers(ep, 'HttpBody'),
    ProcessingResponse: fieldNumbers(ep, 'ProcessingResponse'),
    HeadersResponse: fieldNumbers(ep, 'HeadersResponse'),
    CommonResponse: fieldNumbers(ep, 'CommonResponse'),
    HeaderMutation: fieldNumbers(ep, 'HeaderMutation'),
    ImmediateResponse: fieldNumbers(ep, 'ImmediateResponse'),
    HeaderMap: fieldNumbers(base, 'HeaderMap'),
    HeaderValue: fieldNumbers(base, 'HeaderValue'),
    HeaderValueOption: fieldNumbers(base, 'HeaderValueOption'),
  };
}

// ---------------------------------------------------------------------------------------------
// Protobuf wire format (varint, length-delimited)

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}
const bytesField = (field: number, value: Buffer): Buffer => Buffer.concat([varint((field << 3) | 2), varint(value.length), value]);
const boolField = (field: number, value: boolean): Buffer => Buffer.concat([varint(field << 3), varint(value ? 1 : 0)]);

interface WireField {
  field: number;
  wire: number;
  bytes?: Buffer;
  num?: number;
}

function readVarint(buf: Buffer, at: number): [number, number] {
  let v = 0;
  let mul = 1;
  let i = at;
  for (;;) {
    const b = buf[i++]!;
    v += (b & 0x7f) * mul;
    if (b < 0x80) return [v, i];
    mul *= 128;
  }
}

export function decode(buf: Buffer): WireField[] {
  const out: WireField[] = [];
  let i = 0;
  while (i < buf.length) {
    const [key, j] = readVarint(buf, i);
    i = j;
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      const [n, k] = readVarint(buf, i);
      out.push({field, wire, num: n});
      i = k;
    } else if (wire === 2) {
      const [len, k] = readVarint(buf, i);
      out.push({field, wire, bytes: buf.subarray(k, k + len)});
      i = k + len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`ext-proc: unsupported wire type ${wire}`);
  }
  return out;
}
const sub = (fields: WireField[], n: number | undefined): Buffer[] => fields.filter((f) => f.field === n && f.bytes).map((f) => f.bytes!);

// ---------------------------------------------------------------------------------------------
// The call

export interface PickResult {
  /** x-gateway-destination-endpoint: "<pod IP>:<port>" */
  endpoint?: string;
  /** every header the EPP set on the request */
  setHeaders: Record<string, string>;
  /** the EPP answered the request itself (e.g. 503 no endpoints); its HTTP status code */
  immediateStatus?: number;
  grpcStatus?: string;
  grpcMessage?: string;
}

/**
 * One request through the EPP's ext_proc server: headers, then the body (end_of_stream), then the
 * EPP's header mutation is read and the stream half-closed (as Envoy would after the response).
 */
export async function extProcPick(
  schema: ExtProcSchema,
  opts: {port: number; tls: boolean; path: string; headers: Record<string, string>; body: Buffer; timeoutMs?: number},
): Promise<PickResult> {
  const s = schema;
  const headerMap = Buffer.concat(
    Object.entries({':method': 'POST', ':path': opts.path, ':authority': 'gateway', 'content-type': 'application/json', ...opts.headers}).map(([k, v]) =>
      bytesField(s.HeaderMap.headers!, Buffer.concat([bytesField(s.HeaderValue.key!, Buffer.from(k)), bytesField(s.HeaderValue.raw_value!, Buffer.from(v))])),
    ),
  );
  const reqHeaders = bytesField(s.ProcessingRequest.request_headers!, Buffer.concat([bytesField(s.HttpHeaders.headers!, headerMap), boolField(s.HttpHeaders.end_of_stream!, false)]));
  const reqBody = bytesField(s.ProcessingRequest.request_body!, Buffer.concat([bytesField(s.HttpBody.body!, opts.body), boolField(s.HttpBody.end_of_stream!, true)]));
  const frame = (msg: Buffer): Buffer => {
    const h = Buffer.alloc(5);
    h.writeUInt8(0, 0);
    h.writeUInt32BE(msg.length, 1);
    return Buffer.concat([h, msg]);
  };

  const session = connect(`${opts.tls ? 'https' : 'http'}://127.0.0.1:${opts.port}`, opts.tls ? {rejectUnauthorized: false} : {});
  try {
    return await new Promise<PickResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('ext-proc: no answer from the EPP in time')), opts.timeoutMs ?? 20_000);
      session.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      const stream = session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: '/envoy.service.ext_proc.v3.ExternalProcessor/Process',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      const result: PickResult = {setHeaders: {}};
      let pending = Buffer.alloc(0);
      const finish = (): void => {
        clearTimeout(timer);
        stream.close();
        resolve(result);
      };
      stream.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 5) {
          const len = pending.readUInt32BE(1);
          if (pending.length < 5 + len) break;
          const msg = decode(pending.subarray(5, 5 + len));
          pending = pending.subarray(5 + len);
          const immediate = sub(msg, s.ProcessingResponse.immediate_response)[0];
          if (immediate) {
            const st = sub(decode(immediate), s.ImmediateResponse.status)[0];
            result.immediateStatus = st ? decode(st).find((f) => f.wire === 0)?.num : undefined;
            finish();
            return;
          }
          for (const hr of sub(msg, s.ProcessingResponse.request_headers)) {
            for (const common of sub(decode(hr), s.HeadersResponse.response)) {
              for (const mut of sub(decode(common), s.CommonResponse.header_mutation)) {
                for (const opt of sub(decode(mut), s.HeaderMutation.set_headers)) {
                  for (const hv of sub(decode(opt), s.HeaderValueOption.header)) {
                    const f = decode(hv);
                    const key = sub(f, s.HeaderValue.key)[0]?.toString() ?? '';
                    const value = (sub(f, s.HeaderValue.raw_value)[0] ?? sub(f, s.HeaderValue.value)[0])?.toString() ?? '';
                    result.setHeaders[key] = value;
                  }
                }
              }
            }
            result.endpoint = result.setHeaders['x-gateway-destination-endpoint'];
            finish();
            return;
          }
        }
      });
      stream.on('trailers', (t) => {
        result.grpcStatus = String(t['grpc-status'] ?? '');
        result.grpcMessage = String(t['grpc-message'] ?? '');
      });
      stream.on('response', (h) => {
        if (h['grpc-status'] !== undefined) {
          result.grpcStatus = String(h['grpc-status']);
          result.grpcMessage = String(h['grpc-message'] ?? '');
        }
      });
      stream.on('end', finish);
      stream.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      stream.write(frame(reqHeaders));
      stream.write(frame(reqBody));
    });
  } finally {
    session.close();
  }
}
