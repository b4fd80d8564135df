// A tiny PNG reader for the report screenshots (no npm dependency): the IHDR facts and, for 8-bit
// greyscale/RGB/RGBA images without interlace (what Chromium writes), the distinct colours — enough
// to tell a rendered page from a blank one. PNG spec (W3C, 2nd ed.): chunks, IHDR, IDAT as one
// zlib stream, per-scanline filters 0–4 (None, Sub, Up, Average, Paeth).
import {inflateSync} from 'node:zlib';

export interface PngInfo {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, number> = {0: 1, 2: 3, 4: 2, 6: 4};

function chunks(png: Buffer): {type: string; data: Buffer}[] {
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG (signature)');
  const out: {type: string; data: Buffer}[] = [];
  for (let i = 8; i + 8 <= png.length; ) {
    const len = png.readUInt32BE(i);
    const type = png.toString('latin1', i + 4, i + 8);
    out.push({type, data: png.subarray(i + 8, i + 8 + len)});
    i += 12 + len;
    if (type === 'IEND') break;
  }
  return out;
}

export function pngInfo(png: Buffer): PngInfo {
  const ihdr = chunks(png)[0];
  if (ihdr?.type !== 'IHDR') throw new Error('PNG without IHDR first');
  const d = ihdr.data;
  return {width: d.readUInt32BE(0), height: d.readUInt32BE(4), bitDepth: d[8]!, colorType: d[9]!, interlace: d[12]!};
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** The number of distinct pixel values (colours), counting up to `cap`. */
export function distinctColours(png: Buffer, cap = 100_000): number {
  const info = pngInfo(png);
  const channels = CHANNELS[info.colorType];
  if (info.bitDepth !== 8 || !channels || info.interlace !== 0) throw new Error(`unsupported PNG: ${JSON.stringify(info)}`);
  const raw = inflateSync(Buffer.concat(chunks(png).filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = info.width * channels;
  if (raw.length < info.height * (stride + 1)) throw new Error('PNG image data is short');
  let prev = Buffer.alloc(stride);
  const seen = new Set<string>();
  for (let y = 0; y < info.height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? line[x - channels]! : 0;
      const b = prev[x]!;
      const c = x >= channels ? prev[x - channels]! : 0;
      const add = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth(a, b, c) : NaN;
      if (Number.isNaN(add)) throw new Error(`bad PNG filter ${filter} on line ${y}`);
      line[x] = (line[x]! + add) & 0xff;
    }
    for (let x = 0; x < stride; x += channels) {
      seen.add(line.toString('hex', x, x + channels));
      if (seen.size >= cap) return seen.size;
    }
    prev = line;
  }
  return seen.size;
}
