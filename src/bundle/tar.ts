/*
 * A small tar writer and reader for support bundles: POSIX ustar regular files only, gzip by
 * node:zlib. No dependency: the format is 512-byte blocks — a header (name, mode, size in octal,
 * checksum, "ustar\0" magic, name prefix for long paths) then the content padded to 512 — and two
 * zero blocks at the end (POSIX.1-2001 pax "ustar Interchange Format"; GNU tar reads it as is).
 */
import {gunzipSync, gzipSync} from 'node:zlib';

export interface TarEntry {
  path: string;
  data: Buffer;
}

const BLOCK = 512;

function octal(n: number, width: number): string {
  // width-1 octal digits, NUL-terminated
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

/** Split a path into ustar's prefix (≤155 bytes) and name (≤100 bytes). */
function splitPath(path: string): {prefix: string; name: string} {
  if (Buffer.byteLength(path) <= 100) return {prefix: '', name: path};
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) return {prefix, name};
  }
  throw new Error(`path too long for a tar entry: ${path}`);
}

function header(entry: TarEntry, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  const {prefix, name} = splitPath(entry.path);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(0o644, 8), 100, 8, 'ascii'); // mode
  h.write(octal(0, 8), 108, 8, 'ascii'); // uid
  h.write(octal(0, 8), 116, 8, 'ascii'); // gid
  h.write(octal(entry.data.length, 12), 124, 12, 'ascii'); // size
  h.write(octal(mtime, 12), 136, 12, 'ascii'); // mtime
  h.write('        ', 148, 8, 'ascii'); // checksum counts as spaces while summing
  h.write('0', 156, 1, 'ascii'); // typeflag: regular file
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

/** A tar archive of these files (in this order). */
export function tar(entries: readonly TarEntry[], mtime: Date = new Date()): Buffer {
  const secs = Math.floor(mtime.getTime() / 1000);
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e, secs), e.data);
    const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}

function field(h: Buffer, offset: number, length: number): string {
  const raw = h.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

/** The regular files of a tar archive; directories and links are ignored; a damaged archive throws. */
export function untar(buf: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0;
  while (off + BLOCK <= buf.length) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    const stored = parseInt(field(h, 148, 8).trim(), 8);
    if (stored !== sum) throw new Error(`not a tar archive (bad header checksum at byte ${off})`);
    const size = parseInt(field(h, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(h[156]!);
    const name = field(h, 0, 100);
    const prefix = field(h, 345, 155);
    const path = prefix ? `${prefix}/${name}` : name;
    const start = off + BLOCK;
    if (start + size > buf.length) throw new Error(`truncated tar archive (${path})`);
    if (type === '0' || type === '\0') out.push({path, data: Buffer.from(buf.subarray(start, start + size))});
    off = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}

export function tarGz(entries: readonly TarEntry[], mtime?: Date): Buffer {
  return gzipSync(tar(entries, mtime));
}

export function untarGz(buf: Buffer): TarEntry[] {
  let raw: Buffer;
  try {
    raw = gunzipSync(buf);
  } catch (error) {
    throw new Error(`not a gzip file (${(error as Error).message})`);
  }
  return untar(raw);
}
