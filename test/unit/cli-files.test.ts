/**
 * Files the CLI writes: atomic writes (a crash between write and rename leaves the old file whole),
 * the pool file beside a regenerating checkpoint, and the PNG and GIF encoders.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import omggif from 'omggif';
import { describe, expect, it } from 'vitest';
import { tempPathFor, writeFileAtomic } from '../../src/cli/atomic';
import { InputError } from '../../src/cli/errors';
import { encodeGif, encodePng, type Rgba, strip, upscale } from '../../src/cli/images';
import { decodePool, encodePool, type PoolMeta } from '../../src/cli/pool-file';
import { crc32 } from '../../src/io/model-file-crc';
import { uniform } from '../helpers/random';

const dir = () => mkdtempSync(join(tmpdir(), 'nca-gl-files-'));

describe('atomic writes', () => {
  it('replaces the file and leaves no temporary file', () => {
    const d = dir();
    const p = join(d, 'model.nca');
    writeFileAtomic(p, 'old');
    writeFileAtomic(p, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(p)]).toEqual([1, 2, 3]);
    expect(readdirSync(d)).toEqual(['model.nca']);
    expect(tempPathFor(p, 42)).toBe(join(d, 'model.nca.tmp-42'));
  });

  it('a crash after writing the temporary file and before the rename leaves the old file whole', () => {
    const d = dir();
    const p = join(d, 'model.nca');
    const old = Buffer.from(uniform(3, 1, 4096, 0, 1).buffer);
    writeFileSync(p, old);
    const crash = new Error('simulated crash');
    let tmp = '';
    expect(() =>
      writeFileAtomic(p, new Uint8Array(100_000).fill(7), {
        beforeRename: (t) => {
          tmp = t;
          throw crash;
        },
      }),
    ).toThrow(crash);
    // the old file is untouched; the new bytes sit complete in the temporary file (a real crash leaves it)
    expect(Buffer.compare(readFileSync(p), old)).toBe(0);
    expect(tmp).toBe(tempPathFor(p));
    expect(readFileSync(tmp).length).toBe(100_000);
    // the next save goes through and replaces the stray temporary file
    writeFileAtomic(p, 'new');
    expect(readFileSync(p, 'utf8')).toBe('new');
    expect(existsSync(tmp)).toBe(false);
  });

  it('a write that fails leaves the old file whole and no temporary file', () => {
    const d = dir();
    const p = join(d, 'sub', 'model.nca'); // the folder does not exist
    expect(() => writeFileAtomic(p, 'x')).toThrow(/ENOENT/);
    expect(readdirSync(d)).toEqual([]);
  });
});

describe('pool file', () => {
  const meta: PoolMeta = { iteration: 40, size: 3, width: 5, height: 4, dtype: 'f16', byteLength: 3 * 5 * 4 * 16 * 2 };
  const data = Uint8Array.from(uniform(5, 2, meta.byteLength, 0, 256), (x) => Math.floor(x));

  it('round-trips exactly', () => {
    const bytes = encodePool(meta, data);
    const r = decodePool(bytes);
    expect(r.meta).toEqual(meta);
    expect(Buffer.compare(Buffer.from(r.data), Buffer.from(data))).toBe(0);
  });

  it('rejects damaged, truncated and mismatched files with a message', () => {
    const good = encodePool(meta, data);
    const cases: [Uint8Array, RegExp][] = [
      [good.subarray(0, good.length - 7), /checksum mismatch/],
      [Uint8Array.from(good, (b, i) => (i === 100 ? b ^ 1 : b)), /checksum mismatch/],
      [new Uint8Array(3), /not an nca-gl pool file/],
      [encodePool({ ...meta, byteLength: 10 }, data), /expected 1920/],
      [encodePool({ ...meta, dtype: 'f64' as 'f16' }, data), /unknown dtype/],
      [encodePool({ ...meta, size: -1 }, data), /bad 'size'/],
    ];
    for (const [bytes, re] of cases) {
      expect(() => decodePool(bytes)).toThrow(InputError);
      expect(() => decodePool(bytes)).toThrow(re);
    }
  });
});

function picture(w: number, h: number, seed: number): Rgba {
  const data = Uint8Array.from(uniform(seed, 3, w * h * 4, 0, 256), (x) => Math.floor(x));
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { width: w, height: h, data };
}

describe('pictures', () => {
  it('upscales and lays out panels', () => {
    const a = picture(2, 2, 1);
    const u = upscale(a, 3);
    expect([u.width, u.height]).toEqual([6, 6]);
    expect([...u.data.subarray((5 * 6 + 5) * 4, (5 * 6 + 6) * 4)]).toEqual([...a.data.subarray(12, 16)]);
    const s = strip([a, u], 1);
    expect([s.width, s.height]).toEqual([1 + 2 + 1 + 6 + 1, 8]);
    expect([...s.data.subarray((1 * s.width + 4) * 4, (1 * s.width + 5) * 4)]).toEqual([...u.data.subarray(0, 4)]);
    expect([...s.data.subarray(0, 4)]).toEqual([224, 224, 224, 255]);
  });

  it('writes a PNG whose chunks, CRCs and pixels check out', () => {
    const img = picture(7, 3, 2);
    const png = Buffer.from(encodePng(img));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    let off = 8;
    const chunks: Record<string, Buffer> = {};
    while (off < png.length) {
      const len = png.readUInt32BE(off);
      const type = png.toString('latin1', off + 4, off + 8);
      expect(png.readUInt32BE(off + 8 + len)).toBe(crc32(png, off + 4, off + 8 + len));
      chunks[type] = png.subarray(off + 8, off + 8 + len);
      off += 12 + len;
    }
    expect(Object.keys(chunks)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(chunks.IHDR!.readUInt32BE(0)).toBe(7);
    expect(chunks.IHDR!.readUInt32BE(4)).toBe(3);
    const raw = inflateSync(chunks.IDAT!);
    for (let y = 0; y < 3; y++) {
      expect(raw[y * 29]).toBe(0);
      expect(Buffer.compare(raw.subarray(y * 29 + 1, (y + 1) * 29), Buffer.from(img.data.subarray(y * 28, (y + 1) * 28)))).toBe(0);
    }
  });

  it('writes an animated GIF that decodes to the frames', () => {
    // few colours per frame, so the palette is exact
    const frames: Rgba[] = [0, 1, 2].map((k) => {
      const f = picture(6, 4, 9);
      for (let i = 0; i < 24; i++) f.data.set(i % 3 === k ? [255, 0, 0, 255] : [k * 40, 200, 255 - k * 10, 255], i * 4);
      return f;
    });
    const gif = encodeGif(frames, 50, 1000);
    const reader = new omggif.GifReader(Buffer.from(gif));
    expect([reader.width, reader.height, reader.numFrames(), reader.loopCount()]).toEqual([6, 4, 3, 0]);
    expect(reader.frameInfo(0).delay).toBe(5);
    expect(reader.frameInfo(2).delay).toBe(100);
    for (let k = 0; k < 3; k++) {
      const px = new Uint8Array(6 * 4 * 4);
      reader.decodeAndBlitFrameRGBA(k, px);
      expect([...px]).toEqual([...frames[k]!.data]);
    }
  });
});
