import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, writeFileSync, mkdirSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {gzipSync} from 'node:zlib';
import {describe, expect, it} from 'vitest';
import {tar, tarGz, untar, untarGz, type TarEntry} from '../../../src/bundle/tar.ts';

const longPath = `logs/${'a'.repeat(60)}/${'b'.repeat(63)}/container-with-a-long-name.previous.log`;
const entries: TarEntry[] = [
  {path: 'manifest.json', data: Buffer.from('{"format":1}\n')},
  {path: 'empty.txt', data: Buffer.alloc(0)},
  {path: 'exact.bin', data: Buffer.alloc(512, 7)},
  {path: 'binary.bin', data: Buffer.from([0, 1, 2, 255, 254, 0x1f, 0x8b])},
  {path: 'objects/Pod.yaml', data: Buffer.from('ünïcode: ✔\n'.repeat(300))},
  {path: longPath, data: Buffer.from('long path\n')},
];

describe('tar writer and reader', () => {
  it('round-trips files: empty, block-sized, binary, UTF-8, paths over 100 bytes', () => {
    expect(longPath.length).toBeGreaterThan(100);
    const back = untarGz(tarGz(entries));
    expect(back.map((e) => e.path)).toEqual(entries.map((e) => e.path));
    for (const [i, e] of back.entries()) expect(e.data.equals(entries[i]!.data)).toBe(true);
  });

  it('GNU tar extracts what we write, and we read what GNU tar writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infgw-tar-'));
    writeFileSync(join(dir, 'ours.tar.gz'), tarGz(entries));
    const out = join(dir, 'out');
    mkdirSync(out);
    execFileSync('tar', ['-xzf', join(dir, 'ours.tar.gz'), '-C', out]);
    expect(readFileSync(join(out, longPath), 'utf8')).toBe('long path\n');
    expect(readFileSync(join(out, 'objects/Pod.yaml')).equals(entries[4]!.data)).toBe(true);

    const src = join(dir, 'src');
    mkdirSync(join(src, 'logs'), {recursive: true});
    writeFileSync(join(src, 'logs', 'epp.log'), 'line 1\nline 2\n');
    execFileSync('tar', ['--format=ustar', '-czf', join(dir, 'theirs.tar.gz'), '-C', src, 'logs']);
    const theirs = untarGz(readFileSync(join(dir, 'theirs.tar.gz')));
    expect(theirs.find((e) => e.path === 'logs/epp.log')?.data.toString()).toBe('line 1\nline 2\n');
  });

  it('a damaged archive is an error, not garbage', () => {
    const t = tar(entries);
    t[0] = t[0]! ^ 0xff;
    expect(() => untar(t)).toThrow(/bad header checksum/);
    expect(() => untarGz(Buffer.from('not gzip'))).toThrow(/not a gzip file/);
    const truncated = tar([{path: 'x', data: Buffer.alloc(2000, 1)}]).subarray(0, 1024);
    expect(() => untarGz(gzipSync(truncated))).toThrow(/truncated/);
  });
});
