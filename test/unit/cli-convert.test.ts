/**
 * The conversion commands (import, export, strip) through `main`, with their exit codes and
 * messages, and the command line's PNG decoder.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePng } from '../../src/cli/images';
import { main } from '../../src/cli/main';
import { decodePng } from '../../src/cli/png';
import { decodeModel } from '../../src/io/model-file';
import { uniform } from '../helpers/random';

import { DISTILL } from '../helpers/fixtures';

function capture() {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (s: string) => void (out += s) }, stderr: { write: (s: string) => void (err += s) }, env: {} },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}

describe('nca-gl import / export / strip', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nca-convert-'));

  it('imports Distill JSON with a target tile, exports it back unchanged, strips it to ≤ 10 KB', async () => {
    const c = capture();
    const out = join(dir, 'lizard.nca');
    const code = await main(['import', `${DISTILL}/ex2_lizard.json`, '--out', out, '--target', `${DISTILL}/distill_emoji_sprite.png`, '--crop', '0,0,40,40', '--premultiplied', '--license', 'CC-BY-4.0'], c.io);
    expect(c.err).toBe('');
    expect(code).toBe(0);
    expect(c.out).toMatch(/growing rule with output bias, hidden 128, grid 72 × 72, 8-bit weights/);
    const m = decodeModel(readFileSync(out));
    expect(m.target!.width).toBe(72);
    // the tile sits at (16, 16): the border is transparent, the centre is not
    const alpha = (x: number, y: number) => m.target!.rgba[(y * 72 + x) * 4 + 3]!;
    let inside = 0;
    let outside = 0;
    for (let y = 0; y < 72; y++) for (let x = 0; x < 72; x++) (x >= 16 && x < 56 && y >= 16 && y < 56 ? (inside += alpha(x, y)) : (outside += alpha(x, y)));
    expect(outside).toBe(0);
    expect(inside).toBeGreaterThan(0);
    expect(m.origin!.license).toBe('CC-BY-4.0');

    const c2 = capture();
    expect(await main(['export', out, '--format', 'distill'], c2.io)).toBe(0);
    const back = JSON.parse(readFileSync(join(dir, 'lizard.json'), 'utf8'));
    const src = JSON.parse(readFileSync(`${DISTILL}/ex2_lizard.json`, 'utf8'));
    expect(back.map((l: { data_b64: string }) => l.data_b64)).toEqual(src.map((l: { data_b64: string }) => l.data_b64));

    const c3 = capture();
    expect(await main(['strip', out, '--no-target', '--quantize'], c3.io)).toBe(0);
    const small = readFileSync(join(dir, 'lizard.small.nca'));
    expect(small.length).toBeLessThanOrEqual(10 * 1024);
    expect(decodeModel(small).target).toBeUndefined();
    expect(c3.out).toMatch(/wrote .*lizard\.small\.nca: \d+ bytes \(was \d+\), 8-bit weights, no target thumbnail/);
  });

  it('exports safetensors and imports them back with a tensor map', async () => {
    const nca = join(dir, 'm.nca');
    expect(await main(['import', `${DISTILL}/ex3_fish.json`, '--out', nca, '--float', '-q'], capture().io)).toBe(0);
    expect(await main(['export', nca, '--format', 'safetensors', '-q'], capture().io)).toBe(0);
    const st = join(dir, 'm.safetensors');
    expect(existsSync(st)).toBe(true);
    const again = join(dir, 'again.nca');
    expect(await main(['import', st, '--out', again, '--map', 'w0=w0,b0=b0,w1=w1,b1=b1', '-q'], capture().io)).toBe(0);
    const a = decodeModel(readFileSync(nca));
    const b = decodeModel(readFileSync(again));
    for (const k of ['w0', 'b0', 'w1', 'b1'] as const) expect(Buffer.from(b.weights[k]!.buffer).equals(Buffer.from(a.weights[k]!.buffer)), k).toBe(true);
  });

  it('exits 3 on bad files and 2 on bad command lines, naming the problem', async () => {
    const cases: [string[], number, RegExp][] = [
      [['import', join(dir, 'nope.json'), '--out', join(dir, 'x.nca')], 3, /cannot read file .*no such file/],
      [['import', `${DISTILL}/distill_emoji_sprite.png`, '--out', join(dir, 'x.nca')], 3, /cannot tell the format/],
      [['import', `${DISTILL}/ex1_fish.json`], 2, /--out <model.nca> is required/],
      [['import', `${DISTILL}/ex1_fish.json`, '--out', 'x.json'], 2, /--out must name a .nca file/],
      [['import', `${DISTILL}/ex1_fish.json`, '--out', join(dir, 'x.nca'), '--map', 'w9=a'], 2, /--map takes w0=NAME/],
      [['import', `${DISTILL}/ex1_fish.json`, '--out', join(dir, 'x.nca'), '--crop', '0,0,4,4'], 2, /--crop and --premultiplied describe --target/],
      [['import', `${DISTILL}/ex1_fish.json`, '--out', join(dir, 'x.nca'), '--target', `${DISTILL}/ex1_fish.json`], 3, /not a PNG file/],
      [['export', join(dir, 'lizard.nca')], 2, /--format distill or --format safetensors is required/],
      [['export', join(dir, 'lizard.nca'), '--format', 'onnx'], 2, /--format must be one of distill, safetensors/],
      [['strip', join(dir, 'lizard.nca'), '--out', join(dir, 'lizard.nca')], 2, /--out is the input file/],
      [['strip', `${DISTILL}/ex1_fish.json`], 3, /bad magic bytes.*JSON/],
    ];
    writeFileSync(join(dir, 'bad.pt'), Uint8Array.from([0x80, 0x02, 0x7d, 0x71]));
    cases.push([['import', join(dir, 'bad.pt'), '--out', join(dir, 'x.nca')], 3, /pickled PyTorch file.*never unpickles/]);
    for (const [argv, exit, re] of cases) {
      const c = capture();
      expect(await main(argv, c.io), argv.join(' ')).toBe(exit);
      expect(c.err).toMatch(/^nca-gl: /);
      expect(c.err).toMatch(re);
    }
    expect(existsSync(join(dir, 'x.nca'))).toBe(false);
  });

  it('prints help for each command', async () => {
    for (const cmd of ['import', 'export', 'strip']) {
      const c = capture();
      expect(await main([cmd, '--help'], c.io)).toBe(0);
      expect(c.out).toMatch(new RegExp(`^Usage: nca-gl ${cmd} `));
    }
  });
});

describe('the command line PNG decoder', () => {
  it('reads back what encodePng wrote, byte for byte', () => {
    const w = 37;
    const h = 11;
    const data = Uint8Array.from(uniform(4, 1, w * h * 4, 0, 256), Math.floor);
    const png = decodePng(encodePng({ width: w, height: h, data }));
    expect([png.width, png.height]).toEqual([w, h]);
    expect(Buffer.from(png.rgba).equals(Buffer.from(data))).toBe(true);
  });

  it('reads the Distill atlas (filters 1, 2, 4): premultiplied, transparent tile corners', () => {
    const png = decodePng(new Uint8Array(readFileSync(`${DISTILL}/distill_emoji_sprite.png`)));
    expect([png.width, png.height]).toEqual([400, 40]);
    let opaque = 0;
    let over = 0;
    for (let i = 0; i < png.width * png.height; i++) {
      const a = png.rgba[i * 4 + 3]!;
      for (let c = 0; c < 3; c++) if (png.rgba[i * 4 + c]! > a) over++;
      if (a > 0) opaque++;
    }
    expect(over).toBe(0); // premultiplied: no colour above its alpha
    for (let t = 0; t < 10; t++) for (const [x, y] of [[0, 0], [39, 0], [0, 39], [39, 39]]) expect(png.rgba[(y! * 400 + t * 40 + x!) * 4 + 3]).toBe(0);
    expect(opaque).toBeGreaterThan(0.2 * 400 * 40);
  });

  it('rejects damaged PNGs with an input error', () => {
    const good = encodePng({ width: 4, height: 4, data: new Uint8Array(64) });
    expect(() => decodePng(good.subarray(0, 30))).toThrow(/^nca-gl: .*truncated/);
    expect(() => decodePng(Uint8Array.from([1, 2, 3]))).toThrow(/not a PNG file/);
  });
});
