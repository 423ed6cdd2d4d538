/**
 * loadTarget in Chromium, through the drop-in bundle: every kind of source (File, Blob, bytes,
 * URL, data: URL, SVG text, <img>, canvas, ImageBitmap, ImageData) and format (PNG, JPEG, GIF,
 * WebP, SVG with and without an intrinsic size) gives the same pixels as the pure core
 * (targetFromRGBA) run here in Node; images stay the right way up; bad data fails with clear
 * messages; every shipped target loads with sensible coverage.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_TARGETS, shippedTargetNames } from '../../src/io/shipped-targets';
import { targetFromRGBA, type TargetOptions } from '../../src/io/target';
import { fromB64, type Harness, maxAbsDiff, openHarness, ROOT } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
  await installPageHelpers();
});
afterAll(async () => h?.close());
afterEach(async () => h.assertClean());

interface Loaded {
  ok: boolean;
  width: number;
  height: number;
  source: string;
  keyedWhite: boolean;
  rgba: Float32Array;
  code?: string;
  message?: string;
}

/** window.TT: draws the test sprite, encodes canvases, runs loadTarget and serialises the result. */
async function installPageHelpers() {
  await h.page.evaluate(() => {
    const { NcaGl, T } = window as any;
    (window as any).TT = {
      // 12×8: transparent; a 4×4 red block top-left, green top-right pixel, blue bottom-left 2×1, a
      // black bar. Integer rectangles only: no antialiasing, no partial alpha.
      sprite(w = 12, h = 8, bg = '') {
        const c = document.createElement('canvas');
        c.width = w;
        c.height = h;
        const g = c.getContext('2d', { willReadFrequently: true })!;
        if (bg) {
          g.fillStyle = bg;
          g.fillRect(0, 0, w, h);
        }
        const s = w / 12;
        const r = (x: number, y: number, rw: number, rh: number, col: string) => {
          g.fillStyle = col;
          g.fillRect(Math.round(x * s), Math.round(y * s), Math.round(rw * s), Math.round(rh * s));
        };
        r(0, 0, 4, 4, '#ff0000');
        r(11, 0, 1, 1, '#00ff00');
        r(0, 7, 2, 1, '#0000ff');
        r(5, 3, 5, 2, '#000000');
        return c;
      },
      pixels(c: HTMLCanvasElement) {
        const d = c.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, c.width, c.height).data;
        let s = '';
        for (let i = 0; i < d.length; i++) s += String.fromCharCode(d[i]!);
        return btoa(s);
      },
      blob: (c: HTMLCanvasElement, type: string, q?: number) => new Promise<Blob>((ok) => c.toBlob((b) => ok(b!), type, q)),
      bytes(b64: string) {
        const s = atob(b64);
        return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
      },
      async load(src: unknown, opts: unknown) {
        try {
          const t = await NcaGl.loadTarget(src, opts);
          return { ok: true, width: t.width, height: t.height, source: t.source, keyedWhite: t.keyedWhite, rgba: T.b64FromF32(t.rgba) };
        } catch (e: any) {
          return { ok: false, code: e?.code, message: String(e?.message ?? e), isNcaGlError: e instanceof NcaGl.NcaGlError };
        }
      },
    };
  });
}

/** Runs `body` in the page (it gets TT, NcaGl and its args) and returns what TT.load returned. */
async function inPage(body: string, ...args: unknown[]): Promise<Loaded> {
  const r = await h.page.evaluate(
    (body, args) => new Function('TT', 'NcaGl', 'args', `return (async () => { ${body} })();`)((window as any).TT, (window as any).NcaGl, args),
    body,
    args,
  );
  return { ...r, rgba: r.ok ? fromB64(r.rgba) : new Float32Array(0) };
}

async function spritePixels(w = 12, h2 = 8, bg = ''): Promise<Uint8Array> {
  return Buffer.from(await h.page.evaluate((w, h2, bg) => (window as any).TT.pixels((window as any).TT.sprite(w, h2, bg)), w, h2, bg), 'base64');
}

const OPTS: TargetOptions = { width: 16, height: 16, padding: 2 };
const alpha = (t: Loaded, x: number, y: number) => t.rgba[(y * t.width + x) * 4 + 3]!;
const cell = (t: Loaded, x: number, y: number) => Array.from(t.rgba.subarray((y * t.width + x) * 4, (y * t.width + x) * 4 + 4));

/** A GIF of 4 colours; each frame is one palette index per pixel. Codes are written uncompressed (a clear code before each). */
function gif(w: number, h2: number, palette: number[][], frames: number[][]): Uint8Array {
  const out: number[] = [...Buffer.from('GIF89a'), w & 255, w >> 8, h2 & 255, h2 >> 8, 0x91, 0, 0, ...palette.flat()];
  for (const f of frames) {
    out.push(0x2c, 0, 0, 0, 0, w & 255, w >> 8, h2 & 255, h2 >> 8, 0, 2);
    const codes = f.flatMap((p) => [4, p]).concat(5); // clear, index, …, end
    const data: number[] = [];
    let acc = 0, n = 0;
    for (const c of codes) {
      acc |= c << n;
      n += 3;
      while (n >= 8) {
        data.push(acc & 255);
        acc >>= 8;
        n -= 8;
      }
    }
    if (n > 0) data.push(acc & 255);
    for (let i = 0; i < data.length; i += 255) out.push(Math.min(255, data.length - i), ...data.slice(i, i + 255));
    out.push(0);
  }
  out.push(0x3b);
  return Uint8Array.from(out);
}

describe('raster formats and sources', () => {
  it('loads a PNG from every kind of source exactly like targetFromRGBA of its pixels', async () => {
    const want = targetFromRGBA(await spritePixels(), 12, 8, OPTS);
    const sources = ['File', 'Blob', 'ArrayBuffer', 'Uint8Array', 'blob: URL', 'data: URL', 'img', 'canvas', 'ImageBitmap', 'ImageData', 'OffscreenCanvas'];
    for (const kind of sources) {
      const t = await inPage(
        `const c = TT.sprite(); const png = await TT.blob(c, 'image/png');
         const kind = args[0];
         let src;
         if (kind === 'File') src = new File([png], 'sprite.png', { type: 'image/png' });
         else if (kind === 'Blob') src = png;
         else if (kind === 'ArrayBuffer') src = await png.arrayBuffer();
         else if (kind === 'Uint8Array') src = new Uint8Array(await png.arrayBuffer());
         else if (kind === 'blob: URL') src = URL.createObjectURL(png);
         else if (kind === 'data: URL') src = await new Promise((ok) => { const r = new FileReader(); r.onload = () => ok(r.result); r.readAsDataURL(png); });
         else if (kind === 'img') { src = new Image(); src.src = URL.createObjectURL(png); }
         else if (kind === 'canvas') src = c;
         else if (kind === 'ImageBitmap') src = await createImageBitmap(png);
         else if (kind === 'ImageData') src = c.getContext('2d').getImageData(0, 0, 12, 8);
         else { src = new OffscreenCanvas(12, 8); src.getContext('2d').drawImage(c, 0, 0); }
         return TT.load(src, args[1]);`,
        kind,
        OPTS,
      );
      expect(t.ok, `${kind}: ${t.message}`).toBe(true);
      expect([t.width, t.height, t.keyedWhite]).toEqual([16, 16, false]);
      expect(maxAbsDiff(t.rgba, want.rgba).max, kind).toBe(0);
    }
  });

  it('names the source and format', async () => {
    const t = await inPage(`const png = await TT.blob(TT.sprite(), 'image/png'); return TT.load(new File([png], 'sprite.png'), args[0]);`, OPTS);
    expect(t.source).toBe('file "sprite.png" (PNG 12×8)');
  });

  it('keeps an asymmetric image the right way up and not mirrored', async () => {
    const t = await inPage(`return TT.load(await TT.blob(TT.sprite(), 'image/png'), { width: 12, height: 8, padding: 0 });`);
    expect(cell(t, 0, 0)).toEqual([1, 0, 0, 1]); // red block: top left
    expect(cell(t, 3, 3)).toEqual([1, 0, 0, 1]);
    expect(cell(t, 11, 0)).toEqual([0, 1, 0, 1]); // green pixel: top right
    expect(cell(t, 0, 7)).toEqual([0, 0, 1, 1]); // blue: bottom left
    expect(cell(t, 11, 7)).toEqual([0, 0, 0, 0]);
    expect(cell(t, 0, 0 + 4)).toEqual([0, 0, 0, 0]);
  });

  it('fits a non-square image keeping its aspect, centred inside the padding', async () => {
    const px = await spritePixels(36, 24);
    const want = targetFromRGBA(px, 36, 24, { width: 32, height: 32, padding: 2 });
    const t = await inPage(`return TT.load(await TT.blob(TT.sprite(36, 24), 'image/png'), args[0]);`, { width: 32, height: 32, padding: 2 });
    expect(maxAbsDiff(t.rgba, want.rgba).max).toBe(0);
    // 28×28 inside the padding; 36×24 → 28×19 rows 6..24 (4 rows free above, 5 below)
    const rows = Array.from({ length: 32 }, (_, y) => Array.from({ length: 32 }, (_, x) => alpha(t, x, y)).some((a) => a > 0));
    expect(rows.indexOf(true)).toBe(6);
    expect(rows.lastIndexOf(true)).toBe(24);
    for (let y = 0; y < 32; y++) for (const x of [0, 1, 30, 31]) expect(alpha(t, x, y)).toBe(0);
  });

  it('keys out the white background of an RGB JPEG', async () => {
    // The red square is aligned to JPEG's 16×16 blocks, so compression noise stays inside them,
    // except that the decoder's smooth chroma upsampling tints a one-pixel ring around it.
    const t = await inPage(
      `const c = document.createElement('canvas'); c.width = c.height = 48;
       const g = c.getContext('2d'); g.fillStyle = '#fff'; g.fillRect(0, 0, 48, 48);
       g.fillStyle = '#d02020'; g.fillRect(16, 16, 16, 16);
       return TT.load(await TT.blob(c, 'image/jpeg', 0.95), { width: 48, height: 48, padding: 0 });`,
    );
    expect(t.ok, t.message).toBe(true);
    expect(t.keyedWhite).toBe(true);
    expect(t.source).toMatch(/\(JPEG 48×48\)$/);
    const within = (x: number, y: number, m: number) => x >= 16 - m && x < 32 + m && y >= 16 - m && y < 32 + m;
    for (let y = 0; y < 48; y++)
      for (let x = 0; x < 48; x++) if (within(x, y, 0) || !within(x, y, 1)) expect([x, y, alpha(t, x, y)]).toEqual([x, y, within(x, y, 0) ? 1 : 0]);
    const [r, g, b] = cell(t, 24, 24);
    expect(Math.abs(r! - 0xd0 / 255)).toBeLessThan(0.03);
    expect(Math.abs(g! - 0x20 / 255)).toBeLessThan(0.03);
    expect(Math.abs(b! - 0x20 / 255)).toBeLessThan(0.03);
  });

  it('loads a WebP', async () => {
    const want = targetFromRGBA(await spritePixels(24, 16), 24, 16, OPTS);
    const t = await inPage(`return TT.load(await TT.blob(TT.sprite(24, 16), 'image/webp', 1), args[0]);`, OPTS);
    expect(t.ok, t.message).toBe(true);
    expect(t.source).toMatch(/\(WebP 24×16\)$/);
    expect(maxAbsDiff(t.rgba, want.rgba).max).toBeLessThan(0.08);
    expect(cell(t, 2, 4)[0]).toBeGreaterThan(0.9); // red at the top left
  });

  it('loads the first frame of a GIF, keying out its white', async () => {
    const W = 6, H = 4;
    const palette = [[255, 255, 255], [255, 0, 0], [0, 0, 255], [0, 160, 0]];
    const first = [1, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0];
    const second = Array.from({ length: W * H }, () => 1);
    const bytes = Buffer.from(gif(W, H, palette, [first, second])).toString('base64');
    const t = await inPage(`return TT.load(TT.bytes(args[0]), { width: 6, height: 4, padding: 0 });`, bytes);
    expect(t.ok, t.message).toBe(true);
    expect(t.source).toMatch(/\(GIF 6×4\)$/);
    expect(t.keyedWhite).toBe(true);
    const want = targetFromRGBA(Uint8Array.from(first.flatMap((i) => [...palette[i]!, 255])), W, H, { width: 6, height: 4, padding: 0 });
    expect(maxAbsDiff(t.rgba, want.rgba).max).toBe(0);
  });
});

describe('SVG', () => {
  const QUAD = (attrs: string) => `<svg ${attrs}><rect x="0" y="0" width="10" height="5" fill="#ff0000"/></svg>`;

  it.each([
    ['viewBox only (no intrinsic size)', QUAD('xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 10"')],
    ['width and height, no viewBox', QUAD('xmlns="http://www.w3.org/2000/svg" width="20" height="10"')],
    ['percent size and a viewBox, no xmlns', QUAD('width="100%" height="100%" viewBox="0 0 20 10"')],
  ])('draws an SVG with %s, right way up', async (_, svg) => {
    const t = await inPage(`return TT.load(args[0], { width: 20, height: 10, padding: 0 });`, svg);
    expect(t.ok, t.message).toBe(true);
    for (let y = 0; y < 10; y++)
      for (let x = 0; x < 20; x++) expect([x, y, cell(t, x, y)]).toEqual([x, y, x < 10 && y < 5 ? [1, 0, 0, 1] : [0, 0, 0, 0]]);
  });

  it('loads an SVG file from a URL, the same as its embedded text', async () => {
    const opts = { width: 72, height: 72, padding: 16 };
    const a = await inPage(`return TT.load(args[0], args[1]);`, h.serverUrl + '/targets/lizard.svg', opts);
    const b = await inPage(`return TT.load(NcaGl.SHIPPED_TARGETS.lizard.svg, args[0]);`, opts);
    expect(a.ok, a.message).toBe(true);
    expect(a.source).toBe(`${h.serverUrl}/targets/lizard.svg (SVG 128×128)`);
    expect(b.source).toBe('SVG markup (SVG 128×128)');
    expect(maxAbsDiff(a.rgba, b.rgba).max).toBe(0);
    // smooth edges: many distinct partial-coverage levels
    const partial = new Set(Array.from({ length: 72 * 72 }, (_, i) => a.rgba[i * 4 + 3]!).filter((v) => v > 0 && v < 1));
    expect(partial.size).toBeGreaterThan(20);
  });

  it('the simplified lizard looks like the original Noto icon', async () => {
    const icons = JSON.parse(readFileSync(join(ROOT, 'node_modules/@iconify-json/noto/icons.json'), 'utf8'));
    const original = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 128 128">${icons.icons.lizard.body}</svg>`;
    const opts = { width: 72, height: 72, padding: 16 };
    const a = await inPage(`return TT.load(args[0], args[1]);`, original, opts);
    const b = await inPage(`return TT.load(NcaGl.SHIPPED_TARGETS.lizard.svg, args[0]);`, opts);
    const d = maxAbsDiff(a.rgba, b.rgba);
    let mean = 0;
    for (let i = 0; i < a.rgba.length; i++) mean += Math.abs(a.rgba[i]! - b.rgba[i]!) / a.rgba.length;
    console.log(`lizard simplified vs original at 40×40: max |Δ| ${d.max.toFixed(4)}, mean |Δ| ${mean.toExponential(2)}`);
    // A few edge cells differ by a few 8-bit steps (the original's ~200 stacked anti-aliased edges add up); nothing else.
    expect(d.max).toBeLessThan(0.06);
    expect(mean).toBeLessThan(1e-3);
  });
});

describe('shipped targets', () => {
  it.each(shippedTargetNames())('%s loads to a non-empty target with sensible coverage', async (name) => {
    expect(SHIPPED_TARGETS[name]!.license).toContain('Apache-2.0');
    const t = await inPage(`return TT.load(NcaGl.SHIPPED_TARGETS[args[0]].svg, { width: 72, height: 72, padding: 16 });`, name);
    expect(t.ok, t.message).toBe(true);
    expect(t.keyedWhite).toBe(false);
    let covered = 0;
    for (let y = 0; y < 72; y++)
      for (let x = 0; x < 72; x++) {
        const a = alpha(t, x, y);
        const inner = x >= 16 && x < 56 && y >= 16 && y < 56;
        if (!inner) expect(a).toBe(0);
        if (a > 0.1) covered++;
        for (let c = 0; c < 3; c++) expect(t.rgba[(y * 72 + x) * 4 + c]!).toBeLessThanOrEqual(a + 1e-6); // premultiplied
      }
    const frac = covered / (40 * 40);
    console.log(`${name}: ${(frac * 100).toFixed(1)}% of the 40×40 cells have alpha > 0.1`);
    expect(frac).toBeGreaterThan(0.1);
    expect(frac).toBeLessThan(0.9);
  });

  it('lists them from the bundle', async () => {
    const names = await h.page.evaluate(() => (window as any).NcaGl.shippedTargetNames());
    expect(names).toEqual(['lizard', 'dragon', 'pig', 'mouse', 'heart']);
  });
});

describe('failures', () => {
  const expectError = (t: Loaded, code: string, text: string) => {
    expect(t.ok).toBe(false);
    expect((t as any).isNcaGlError).toBe(true);
    expect(t.code).toBe(code);
    expect(t.message).toMatch(/^nca-gl: /);
    expect(t.message).toContain(text);
  };
  const random = Buffer.from(Uint8Array.from({ length: 64 }, (_, i) => (i * 97 + 13) & 255)).toString('base64');

  it('rejects bytes that are not an image', async () => {
    const t = await inPage(`return TT.load(TT.bytes(args[0]), { width: 8, height: 8 });`, random);
    expectError(t, 'bad-image', 'could not decode 64 bytes of image data as an image: is it a PNG, JPEG, GIF, WebP or SVG?');
  });

  it('rejects a damaged PNG, saying it looks like one', async () => {
    const t = await inPage(
      `const png = new Uint8Array(await (await TT.blob(TT.sprite(), 'image/png')).arrayBuffer());
       return TT.load(new File([png.slice(0, 40)], 'broken.png'), { width: 8, height: 8 });`,
    );
    expectError(t, 'bad-image', 'could not decode file "broken.png" as an image (it looks like PNG but is damaged)');
  });

  it('rejects a fully transparent PNG as empty', async () => {
    const t = await inPage(`const c = document.createElement('canvas'); c.width = c.height = 10; return TT.load(await TT.blob(c, 'image/png'), { width: 8, height: 8 });`);
    expectError(t, 'bad-image', 'is empty: every pixel is transparent');
  });

  it('rejects an image over maxInputPixels, with its size and the limit', async () => {
    const t = await inPage(`return TT.load(await TT.blob(TT.sprite(48, 32), 'image/png'), { width: 8, height: 8, maxInputPixels: 1000 });`);
    expectError(t, 'bad-image', 'too large: 48×32 = 1536 pixels, over the limit of 1000 (option maxInputPixels)');
  });

  it('rejects broken SVG, and SVG without any size', async () => {
    expectError(await inPage(`return TT.load('<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>', { width: 8, height: 8 });`), 'bad-image', 'is not well-formed XML');
    expectError(
      await inPage(`return TT.load(new Blob(['<svg xmlns="http://www.w3.org/2000/svg"><rect width="4" height="4"/></svg>'], { type: 'image/svg+xml' }), { width: 8, height: 8 });`),
      'bad-image',
      'is an SVG with no size',
    );
  });

  it('says when a URL cannot be loaded', async () => {
    const url = `${h.serverUrl}/targets/no-such-file.png`;
    const t = await inPage(`return TT.load(args[0], { width: 8, height: 8 });`, url);
    expectError(t, 'io', `could not load ${url}: the server answered 404`);
    // the browser itself logs the failed request: expected here, so not a problem of the test
    const expected = h.problems.filter((p) => p.includes('404') || p.includes('no-such-file'));
    expect(expected.length).toBeGreaterThan(0);
    h.problems.splice(0, h.problems.length, ...h.problems.filter((p) => !expected.includes(p)));
  });

  it('rejects bad options and unsupported sources before reading anything', async () => {
    expectError(await inPage(`return TT.load(TT.bytes(args[0]), { width: 8 });`, random), 'bad-argument', "option 'height'");
    expectError(await inPage(`return TT.load(42, { width: 8, height: 8 });`), 'bad-argument', 'loadTarget cannot read 42');
  });
});
