/**
 * The pure core of target loading (src/io/target-pixels.ts, src/io/resample.ts): white keying at
 * its 8-bit boundary, file alpha, premultiplication, fitting (aspect, centring, padding), area
 * averaging on known patterns, orientation, thumbnails, and every error path.
 */
import { describe, expect, it } from 'vitest';
import { NcaGlError } from '../../src/errors';
import { resampleArea } from '../../src/io/resample';
import { svgLength, svgSize, svgViewBox } from '../../src/io/svg';
import { defaultTargetPadding, targetFromRGBA, targetThumbnail, type TargetImage, type TargetOptions } from '../../src/io/target';

type Px = [number, number, number, number];

/** An RGBA8 image from rows of pixels (row 0 = top). */
function image(rows: Px[][]): { data: Uint8ClampedArray; w: number; h: number } {
  const h = rows.length;
  const w = rows[0]!.length;
  return { data: Uint8ClampedArray.from(rows.flat(2)), w, h };
}

function fill(w: number, h: number, px: Px): Uint8ClampedArray {
  const d = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) d.set(px, i * 4);
  return d;
}

const cell = (t: TargetImage, x: number, y: number) => Array.from(t.rgba.subarray((y * t.width + x) * 4, (y * t.width + x) * 4 + 4));
const alphaAt = (t: TargetImage, x: number, y: number) => t.rgba[(y * t.width + x) * 4 + 3]!;

function expectClose(got: number[], want: number[], digits = 6) {
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, digits));
}

function errorOf(f: () => unknown): NcaGlError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NcaGlError);
    expect((e as Error).message).toMatch(/^nca-gl: /);
    return e as NcaGlError;
  }
  throw new Error('expected an error');
}

/** Same-size grid, no padding: the fit is the identity. */
const same = (w: number, h: number, extra: Partial<TargetOptions> = {}): TargetOptions => ({ width: w, height: h, padding: 0, ...extra });

describe('alpha', () => {
  it('keys out white exactly where all of R, G, B ≥ 253 (v/255 > 0.99) in an opaque image', () => {
    const row: Px[] = [
      [255, 255, 255, 255],
      [253, 253, 253, 255],
      [252, 253, 253, 255],
      [253, 252, 253, 255],
      [253, 253, 252, 255],
      [252, 252, 252, 255],
      [0, 0, 0, 255],
    ];
    const { data, w, h } = image([row]);
    const t = targetFromRGBA(data, w, h, same(w, h));
    expect(t.keyedWhite).toBe(true);
    expect(Array.from({ length: w }, (_, x) => alphaAt(t, x, 0))).toEqual([0, 0, 1, 1, 1, 1, 1]);
    // keyed pixels are fully zero; kept ones keep their colour (premultiplied by alpha 1)
    expect(cell(t, 0, 0)).toEqual([0, 0, 0, 0]);
    expectClose(cell(t, 2, 0), [252 / 255, 253 / 255, 253 / 255, 1]);
    expect(252 / 255 > 0.99).toBe(false);
    expect(253 / 255 > 0.99).toBe(true);
  });

  it("uses the file's alpha when any pixel is not opaque, keeping white pixels", () => {
    const { data, w, h } = image([[[255, 255, 255, 255], [10, 20, 30, 0], [255, 0, 0, 254]]]);
    const t = targetFromRGBA(data, w, h, same(w, h));
    expect(t.keyedWhite).toBe(false);
    expectClose(cell(t, 0, 0), [1, 1, 1, 1]);
    expect(cell(t, 1, 0)).toEqual([0, 0, 0, 0]); // transparent: colour dropped too
    expectClose(cell(t, 2, 0), [254 / 255, 0, 0, 254 / 255]);
  });

  it("alpha: 'file' keeps white in an opaque image; 'white-key' keys it out on top of the file's alpha", () => {
    const { data, w, h } = image([[[255, 255, 255, 255], [255, 255, 255, 128], [0, 0, 0, 128]]]);
    const f = targetFromRGBA(fill(2, 1, [255, 255, 255, 255]), 2, 1, same(2, 1, { alpha: 'file' }));
    expect(f.keyedWhite).toBe(false);
    expectClose(cell(f, 1, 0), [1, 1, 1, 1]);
    const k = targetFromRGBA(data, w, h, same(w, h, { alpha: 'white-key' }));
    expect(k.keyedWhite).toBe(true);
    expect([alphaAt(k, 0, 0), alphaAt(k, 1, 0)]).toEqual([0, 0]);
    expectClose(cell(k, 2, 0), [0, 0, 0, 128 / 255]);
  });

  it('premultiplies colour by alpha', () => {
    const { data, w, h } = image([[[200, 100, 50, 128], [255, 255, 0, 64]]]);
    const t = targetFromRGBA(data, w, h, same(w, h));
    const a = 128 / 255;
    expectClose(cell(t, 0, 0), [(200 / 255) * a, (100 / 255) * a, (50 / 255) * a, a]);
    expectClose(cell(t, 1, 0), [64 / 255, 64 / 255, 0, 64 / 255]);
    expect(t.rgba).toBeInstanceOf(Float32Array);
  });
});

describe('fitting', () => {
  it('fits a wide image into a square grid keeping its aspect, centred', () => {
    const t = targetFromRGBA(fill(4, 2, [255, 0, 0, 255]), 4, 2, { width: 8, height: 8, padding: 0 });
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) expect([x, y, alphaAt(t, x, y)]).toEqual([x, y, y >= 2 && y < 6 ? 1 : 0]);
    expectClose(cell(t, 3, 3), [1, 0, 0, 1]);
  });

  it('keeps `padding` empty cells on every side', () => {
    const t = targetFromRGBA(fill(3, 6, [0, 0, 255, 255]), 3, 6, { width: 10, height: 12, padding: 2 });
    // inner 6×8: scale min(6/3, 8/6) = 4/3 → 4×8 box at x = 2 + 1, y = 2
    for (let y = 0; y < 12; y++)
      for (let x = 0; x < 10; x++) expect([x, y, alphaAt(t, x, y)]).toEqual([x, y, x >= 3 && x < 7 && y >= 2 && y < 10 ? 1 : 0]);
  });

  it('puts an odd leftover cell to the right / bottom', () => {
    const t = targetFromRGBA(fill(3, 1, [0, 255, 0, 255]), 3, 1, { width: 4, height: 4, padding: 0 });
    // 4×1 box (scale 4/3), 3 rows left over: 1 above, 2 below
    expect([0, 1, 2, 3].map((y) => alphaAt(t, 0, y))).toEqual([0, 1, 0, 0]);
  });

  it('pads like Distill by default: a square image in 72×72 fills the central 40×40', () => {
    expect(defaultTargetPadding(72, 72)).toBe(16);
    expect(defaultTargetPadding(64, 100)).toBe(14);
    expect(defaultTargetPadding(1, 1)).toBe(0);
    const t = targetFromRGBA(fill(128, 128, [255, 0, 0, 255]), 128, 128, { width: 72, height: 72 });
    for (let y = 0; y < 72; y++)
      for (let x = 0; x < 72; x++) if ((alphaAt(t, x, y) > 0) !== (x >= 16 && x < 56 && y >= 16 && y < 56)) throw new Error(`cell ${x},${y}`);
  });

  it('trim: crops to the visible pixels before fitting', () => {
    const d = fill(10, 10, [0, 0, 0, 0]);
    for (const [x, y] of [[6, 2], [7, 2], [6, 3], [7, 3]]) d.set([255, 0, 0, 255], (y! * 10 + x!) * 4);
    const t = targetFromRGBA(d, 10, 10, { width: 4, height: 4, padding: 0, trim: true });
    for (let i = 0; i < 16; i++) expectClose(Array.from(t.rgba.subarray(i * 4, i * 4 + 4)), [1, 0, 0, 1]);
    const u = targetFromRGBA(d, 10, 10, { width: 5, height: 5, padding: 0 }); // without trim: 2×2 block → 1×1 cell at (3, 1)
    expectClose(cell(u, 3, 1), [1, 0, 0, 1]);
    expect(Array.from({ length: 25 }, (_, i) => u.rgba[i * 4 + 3]!).filter((a) => a !== 0).length).toBe(1);
  });
});

describe('area-average resampling', () => {
  it('averages 2×2 blocks for an exact 2× downscale', () => {
    const src = Float64Array.from({ length: 4 * 4 * 4 }, (_, i) => i);
    const out = resampleArea(src, 4, 4, 2, 2);
    for (let Y = 0; Y < 2; Y++)
      for (let X = 0; X < 2; X++)
        for (let c = 0; c < 4; c++) {
          const at = (x: number, y: number) => src[(y * 4 + x) * 4 + c]!;
          const mean = (at(2 * X, 2 * Y) + at(2 * X + 1, 2 * Y) + at(2 * X, 2 * Y + 1) + at(2 * X + 1, 2 * Y + 1)) / 4;
          expect(out[(Y * 2 + X) * 4 + c]).toBeCloseTo(mean, 12);
        }
  });

  it('weights pixels by overlap for a non-integer factor (3 → 2: weights 2/3, 1/3)', () => {
    const { data, w, h } = image([[[255, 0, 0, 255], [0, 0, 255, 255], [0, 255, 0, 255]]]);
    const t = targetFromRGBA(data, w, h, { width: 2, height: 1, padding: 0 });
    expectClose(cell(t, 0, 0), [2 / 3, 0, 1 / 3, 1]);
    expectClose(cell(t, 1, 0), [0, 2 / 3, 1 / 3, 1]);
  });

  it('replicates pixels for an integer upscale (pixel art stays crisp)', () => {
    const { data, w, h } = image([
      [[255, 0, 0, 255], [0, 255, 0, 255]],
      [[0, 0, 255, 255], [0, 0, 0, 0]],
    ]);
    const t = targetFromRGBA(data, w, h, { width: 6, height: 6, padding: 0 });
    for (let y = 0; y < 6; y++)
      for (let x = 0; x < 6; x++) expect(cell(t, x, y)).toEqual(cell(targetFromRGBA(data, w, h, same(2, 2)), x / 3 | 0, y / 3 | 0));
  });

  it('averages premultiplied colour: a transparent neighbour adds no dark fringe', () => {
    const { data, w, h } = image([[[255, 0, 0, 255], [0, 0, 0, 0]]]);
    const t = targetFromRGBA(data, w, h, { width: 1, height: 1, padding: 0 });
    expectClose(cell(t, 0, 0), [0.5, 0, 0, 0.5]); // straight colour: still pure red
    expect(Array.from(targetThumbnail(t).rgba)).toEqual([255, 0, 0, 128]);
  });

  it('preserves total coverage (mass) when downscaling an arbitrary pattern', () => {
    const w = 37, h = 23;
    const d = new Uint8ClampedArray(w * h * 4);
    for (let i = 0; i < w * h; i++) d.set([(i * 37) % 256, (i * 91) % 256, (i * 13) % 256, (i * 53) % 256], i * 4);
    const t = targetFromRGBA(d, w, h, { width: 10, height: 10, padding: 0 });
    // box 10×6: each cell covers (37/10)×(23/6) pixels
    let src = 0;
    for (let i = 0; i < w * h; i++) src += d[i * 4 + 3]! / 255;
    let dst = 0;
    for (let i = 0; i < 100; i++) dst += t.rgba[i * 4 + 3]!;
    expect(dst).toBeCloseTo((src * 60) / (w * h), 3);
    // and is deterministic
    expect(Array.from(targetFromRGBA(d, w, h, { width: 10, height: 10, padding: 0 }).rgba)).toEqual(Array.from(t.rgba));
  });
});

describe('orientation', () => {
  const R: Px = [255, 0, 0, 255], G: Px = [0, 255, 0, 255], B: Px = [0, 0, 255, 255], K: Px = [0, 0, 0, 255];
  const { data, w, h } = image([
    [R, K, G],
    [B, K, K],
  ]);

  it('keeps row 0 at the top and column 0 at the left', () => {
    const t = targetFromRGBA(data, w, h, same(w, h));
    expectClose(cell(t, 0, 0), [1, 0, 0, 1]);
    expectClose(cell(t, 2, 0), [0, 1, 0, 1]);
    expectClose(cell(t, 0, 1), [0, 0, 1, 1]);
  });

  it('still does after fitting into a larger padded grid', () => {
    const t = targetFromRGBA(data, w, h, { width: 8, height: 6, padding: 1 }); // 2× → 6×4 box at (1, 1)
    expectClose(cell(t, 1, 1), [1, 0, 0, 1]);
    expectClose(cell(t, 2, 2), [1, 0, 0, 1]);
    expectClose(cell(t, 6, 1), [0, 1, 0, 1]);
    expectClose(cell(t, 1, 4), [0, 0, 1, 1]);
    expectClose(cell(t, 6, 4), [0, 0, 0, 1]);
  });
});

describe('thumbnails', () => {
  it('un-premultiplies a small target at full size', () => {
    const { data, w, h } = image([[[200, 100, 50, 128], [0, 0, 0, 0], [255, 255, 255, 255]]]);
    const th = targetThumbnail(targetFromRGBA(data, w, h, same(w, h)));
    expect([th.width, th.height]).toEqual([3, 1]);
    expect(Array.from(th.rgba)).toEqual([200, 100, 50, 128, 0, 0, 0, 0, 255, 255, 255, 255]);
  });

  it('area-averages a large target down to maxSide, keeping its aspect', () => {
    const t = targetFromRGBA(fill(4, 2, [0, 255, 0, 255]), 4, 2, { width: 200, height: 100, padding: 0 });
    const th = targetThumbnail(t, 50);
    expect([th.width, th.height]).toEqual([50, 25]);
    expect(Array.from(th.rgba.subarray(0, 4))).toEqual([0, 255, 0, 255]);
    expect(targetThumbnail(t).width).toBe(128);
  });

  it('rejects a malformed target', () => {
    const e = errorOf(() => targetThumbnail({ width: 2, height: 2, rgba: new Float32Array(3), source: '', keyedWhite: false }));
    expect(e.message).toContain('Float32Array of 16 values');
    expect(errorOf(() => targetThumbnail(targetFromRGBA(fill(1, 1, [1, 1, 1, 255]), 1, 1, same(1, 1)), 0)).message).toContain("'maxSide'");
  });
});

describe('errors', () => {
  it('says the image is empty when every pixel is transparent', () => {
    const e = errorOf(() => targetFromRGBA(fill(4, 4, [255, 0, 0, 0]), 4, 4, { width: 8, height: 8 }));
    expect(e.code).toBe('bad-image');
    expect(e.message).toContain('the image is empty: every pixel is transparent');
  });

  it('says the image is empty when it is all white (keyed out), and how to keep white', () => {
    const e = errorOf(() => targetFromRGBA(fill(4, 4, [254, 255, 253, 255]), 4, 4, { width: 8, height: 8 }));
    expect(e.code).toBe('bad-image');
    expect(e.message).toContain('or white, which is keyed out');
    expect(e.message).toContain("alpha: 'file'");
  });

  it('rejects zero-size and over-large images, with the size and the limit', () => {
    expect(errorOf(() => targetFromRGBA(new Uint8Array(0), 0, 5, { width: 8, height: 8 })).message).toContain('has no pixels (0×5)');
    const e = errorOf(() => targetFromRGBA(new Uint8Array(100 * 100 * 4), 100, 100, { width: 8, height: 8, maxInputPixels: 5000 }));
    expect(e.code).toBe('bad-image');
    expect(e.message).toContain('too large: 100×100 = 10000 pixels, over the limit of 5000 (option maxInputPixels)');
  });

  it('rejects pixel data of the wrong length or type', () => {
    expect(errorOf(() => targetFromRGBA(new Uint8Array(10), 2, 2, { width: 8, height: 8 })).message).toContain('pixels hold 10 bytes, expected 16');
    expect(errorOf(() => targetFromRGBA(new Float32Array(16) as unknown as Uint8Array, 2, 2, { width: 8, height: 8 })).code).toBe('bad-argument');
  });

  const px = fill(2, 2, [255, 0, 0, 255]);
  it.each([
    [{ height: 8 }, "option 'width' must be an integer from 1 to 8192, got undefined"],
    [{ width: 8.5, height: 8 }, "option 'width'"],
    [{ width: 8, height: 0 }, "option 'height'"],
    [{ width: 8, height: 8, padding: 4 }, "option 'padding' must be an integer from 0 to 3"],
    [{ width: 8, height: 8, padding: -1 }, "option 'padding'"],
    [{ width: 8, height: 8, alpha: 'white' }, "option 'alpha' must be one of 'auto', 'file', 'white-key', got \"white\""],
    [{ width: 8, height: 8, maxInputPixels: 0 }, "option 'maxInputPixels'"],
    [{ width: 8, height: 8, trim: 'yes' }, "option 'trim' must be true or false"],
    [{ width: 8, height: 8, paddding: 2 }, "unknown target option 'paddding'"],
  ])('rejects bad options %j', (opts, msg) => {
    const e = errorOf(() => targetFromRGBA(px, 2, 2, opts as unknown as TargetOptions));
    expect(e.code).toBe('bad-argument');
    expect(e.message).toContain(msg);
  });

  it('rejects options that are not an object', () => {
    expect(errorOf(() => targetFromRGBA(px, 2, 2, null as unknown as TargetOptions)).message).toContain('target options must be an object');
  });
});

describe('SVG sizes', () => {
  it('reads lengths in px and absolute units, not relative ones', () => {
    expect(svgLength('128')).toBe(128);
    expect(svgLength(' 64px ')).toBe(64);
    expect(svgLength('1in')).toBe(96);
    expect(svgLength('72pt')).toBe(96);
    expect(svgLength('100%')).toBeNull();
    expect(svgLength('2em')).toBeNull();
    expect(svgLength(null)).toBeNull();
    expect(svgViewBox('0,0 10 20')).toEqual([0, 0, 10, 20]);
    expect(svgViewBox('0 0 0 20')).toBeNull();
  });

  it('takes the size from width/height, else from the viewBox aspect, else the viewBox', () => {
    expect(svgSize('30', '40', '0 0 1 1')).toEqual({ width: 30, height: 40 });
    expect(svgSize('30', null, '0 0 10 20')).toEqual({ width: 30, height: 60 });
    expect(svgSize('100%', '100%', '0 0 10 20')).toEqual({ width: 10, height: 20 });
    expect(svgSize(null, '10', '0 0 10 20')).toEqual({ width: 5, height: 10 });
    expect(svgSize(null, null, null)).toBeNull();
    expect(svgSize('10', null, null)).toBeNull();
  });
});
