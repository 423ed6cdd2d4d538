/**
 * The pure core of turning an image into a training target (SPEC §1, §3): alpha (from the file, or
 * white keyed out), premultiplication, fitting into the grid, and thumbnails. No DOM: runs in Node.
 *
 * Layout: every array here is [y][x][4] with row 0 at the TOP (as in src/engine/layout.ts); nothing
 * is ever flipped.
 */
import { check, checkInt, describe, NcaGlError } from '../errors';
import { resampleArea } from './resample';

/** A training target: premultiplied RGBA, [y][x][4], row 0 at the top. */
export interface TargetImage {
  width: number;
  height: number;
  rgba: Float32Array;
  /** Short description of where the image came from. */
  source: string;
  /** True when white was keyed out as the background (the image had no transparency). */
  keyedWhite: boolean;
}

/**
 * Where alpha comes from. `auto`: the file's alpha if any pixel is not fully opaque, otherwise white
 * is keyed out. `file`: the file's alpha, always. `white-key`: alpha 0 where all of R, G, B > 0.99
 * (8-bit values ≥ 253), else 1, multiplied by the file's alpha.
 */
export type AlphaMode = 'auto' | 'file' | 'white-key';

export interface TargetOptions {
  /** Grid size the target fills, in cells. */
  width: number;
  height: number;
  /**
   * Cells of empty border kept on every side. Default: `defaultTargetPadding(width, height)`,
   * 2/9 of the smaller side as in the Distill article (a 40×40 emoji padded by 16 to 72×72).
   * Pass 0 to fill the grid.
   */
  padding?: number;
  alpha?: AlphaMode;
  /** Largest image accepted, in pixels (width × height). Default 4096 × 4096. */
  maxInputPixels?: number;
  /** Crop the image to the bounding box of its visible (alpha > 0) pixels before fitting. Default false. */
  trim?: boolean;
}

export interface ResolvedTargetOptions {
  width: number;
  height: number;
  padding: number;
  alpha: AlphaMode;
  maxInputPixels: number;
  trim: boolean;
}

export const DEFAULT_MAX_INPUT_PIXELS = 4096 * 4096;
/** Largest grid side accepted. */
export const MAX_TARGET_SIDE = 8192;
/** White keying: a channel counts as white when its 8-bit value v has v / 255 > 0.99, i.e. v ≥ 253. */
export const WHITE_KEY_MIN = 253;
const ALPHA_MODES: AlphaMode[] = ['auto', 'file', 'white-key'];
const KNOWN_OPTIONS = ['width', 'height', 'padding', 'alpha', 'maxInputPixels', 'trim'];

/** The default padding: 2/9 of the smaller side, rounded (72 → 16, 64 → 14, 40 → 9). */
export function defaultTargetPadding(width: number, height: number): number {
  return Math.round((Math.min(width, height) * 2) / 9);
}

/** Checks target options and fills in the defaults; bad options throw `bad-argument`. */
export function resolveTargetOptions(opts: TargetOptions): ResolvedTargetOptions {
  check(opts !== null && typeof opts === 'object', `target options must be an object such as { width: 72, height: 72 }, got ${describe(opts)}`);
  for (const k of Object.keys(opts)) check(KNOWN_OPTIONS.includes(k), `unknown target option '${k}': the options are ${KNOWN_OPTIONS.join(', ')}`);
  const width = checkInt('width', opts.width, 1, MAX_TARGET_SIDE);
  const height = checkInt('height', opts.height, 1, MAX_TARGET_SIDE);
  const maxPad = Math.floor((Math.min(width, height) - 1) / 2);
  const padding = opts.padding ?? defaultTargetPadding(width, height);
  check(
    typeof padding === 'number' && Number.isInteger(padding) && padding >= 0 && padding <= maxPad,
    `option 'padding' must be an integer from 0 to ${maxPad} (at least one cell must be left for the image in a ${width}×${height} grid), got ${describe(padding)}`,
  );
  const alpha = opts.alpha ?? 'auto';
  check(ALPHA_MODES.includes(alpha), `option 'alpha' must be one of ${ALPHA_MODES.map((m) => `'${m}'`).join(', ')}, got ${describe(alpha)}`);
  const maxInputPixels = opts.maxInputPixels === undefined ? DEFAULT_MAX_INPUT_PIXELS : checkInt('maxInputPixels', opts.maxInputPixels, 1, Number.MAX_SAFE_INTEGER);
  const trim = opts.trim ?? false;
  check(typeof trim === 'boolean', `option 'trim' must be true or false, got ${describe(trim)}`);
  return { width, height, padding, alpha, maxInputPixels, trim };
}

/** Throws `bad-image` for an image with no pixels or more than `max` pixels. */
export function checkImageSize(w: number, h: number, max: number, what = 'the image'): void {
  if (!(w >= 1 && h >= 1)) throw new NcaGlError('bad-image', `${what} has no pixels (${w}×${h}): it needs a width and a height of at least 1`);
  if (w * h > max)
    throw new NcaGlError(
      'bad-image',
      `${what} is too large: ${w}×${h} = ${w * h} pixels, over the limit of ${max} (option maxInputPixels): scale it down first, or raise maxInputPixels`,
    );
}

/** Where the image goes in the grid: an integer box, aspect ratio kept (to within rounding), centred. */
export function fitBox(w: number, h: number, o: ResolvedTargetOptions): { x: number; y: number; w: number; h: number } {
  const iw = o.width - 2 * o.padding;
  const ih = o.height - 2 * o.padding;
  const scale = Math.min(iw / w, ih / h);
  const bw = Math.min(iw, Math.max(1, Math.round(w * scale)));
  const bh = Math.min(ih, Math.max(1, Math.round(h * scale)));
  // an odd leftover cell goes to the right / bottom
  return { x: o.padding + Math.floor((iw - bw) / 2), y: o.padding + Math.floor((ih - bh) / 2), w: bw, h: bh };
}

/**
 * Turns straight (not premultiplied) 8-bit RGBA pixels, [y][x][4] with row 0 at the top, as
 * `getImageData` gives them, into a target: alpha per `opts.alpha`, colour premultiplied, the image
 * fitted into the grid (aspect kept, centred, `padding` cells free on every side) by area averaging
 * of premultiplied values. Pure: no DOM.
 */
export function targetFromRGBA(rgba8: Uint8ClampedArray | Uint8Array, w: number, h: number, opts: TargetOptions): TargetImage {
  const o = resolveTargetOptions(opts);
  return fromPixels(rgba8, w, h, o, 'the image');
}

/** targetFromRGBA with options already resolved; `what` names the image in error messages. */
export function fromPixels(rgba8: Uint8ClampedArray | Uint8Array, w: number, h: number, o: ResolvedTargetOptions, what: string): TargetImage {
  check(rgba8 instanceof Uint8Array || rgba8 instanceof Uint8ClampedArray, `pixels must be a Uint8Array or Uint8ClampedArray of RGBA bytes, got ${describe(rgba8)}`);
  check(Number.isInteger(w) && Number.isInteger(h), `image width and height must be integers, got ${describe(w)}×${describe(h)}`);
  checkImageSize(w, h, o.maxInputPixels, what);
  check(rgba8.length === w * h * 4, `pixels hold ${rgba8.length} bytes, expected ${w * h * 4} (${w} × ${h} × 4 RGBA)`);

  let opaque = true;
  for (let i = 3; i < rgba8.length; i += 4) {
    if (rgba8[i] !== 255) {
      opaque = false;
      break;
    }
  }
  const keyedWhite = o.alpha === 'white-key' || (o.alpha === 'auto' && opaque);

  // premultiplied float colour, and the bounding box of visible pixels
  const pm = new Float64Array(w * h * 4);
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      const r = rgba8[i]!, g = rgba8[i + 1]!, b = rgba8[i + 2]!;
      let a = rgba8[i + 3]! / 255;
      if (keyedWhite && r >= WHITE_KEY_MIN && g >= WHITE_KEY_MIN && b >= WHITE_KEY_MIN) a = 0;
      if (a === 0) continue;
      pm[i] = (r / 255) * a;
      pm[i + 1] = (g / 255) * a;
      pm[i + 2] = (b / 255) * a;
      pm[i + 3] = a;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x1 < 0)
    throw new NcaGlError(
      'bad-image',
      `${what} is empty: every pixel is transparent${keyedWhite ? ' (or white, which is keyed out as the background)' : ''}: ` +
        `use an image with something on it${keyedWhite ? ", or pass alpha: 'file' to keep white pixels" : ''}`,
    );

  // optional crop to the visible pixels
  let src = pm, sw = w, sh = h;
  if (o.trim && (x0 > 0 || y0 > 0 || x1 < w - 1 || y1 < h - 1)) {
    sw = x1 - x0 + 1;
    sh = y1 - y0 + 1;
    src = new Float64Array(sw * sh * 4);
    for (let y = 0; y < sh; y++) src.set(pm.subarray(((y0 + y) * w + x0) * 4, ((y0 + y) * w + x1 + 1) * 4), y * sw * 4);
  }

  const box = fitBox(sw, sh, o);
  const fitted = resampleArea(src, sw, sh, box.w, box.h);
  const out = new Float32Array(o.width * o.height * 4);
  for (let y = 0; y < box.h; y++) out.set(fitted.subarray(y * box.w * 4, (y + 1) * box.w * 4), ((box.y + y) * o.width + box.x) * 4);
  return { width: o.width, height: o.height, rgba: out, source: `RGBA pixels ${w}×${h}`, keyedWhite };
}

/**
 * A small straight (not premultiplied) RGBA8 picture of a target, [y][x][4] row 0 at the top, for
 * saving inside model files. Targets no larger than `maxSide` (default 128) are kept at full size,
 * so the saved thumbnail is the target itself up to 8-bit rounding; larger ones are area-averaged
 * down to fit, aspect kept. Fully transparent pixels come out as 0, 0, 0, 0.
 */
export function targetThumbnail(t: TargetImage, maxSide = 128): { width: number; height: number; rgba: Uint8Array } {
  check(t !== null && typeof t === 'object', `targetThumbnail needs a TargetImage, got ${describe(t)}`);
  const w = checkInt('width', t.width, 1, MAX_TARGET_SIDE);
  const h = checkInt('height', t.height, 1, MAX_TARGET_SIDE);
  check(t.rgba instanceof Float32Array && t.rgba.length === w * h * 4, `target rgba must be a Float32Array of ${w * h * 4} values (${w} × ${h} × 4), got ${describe(t.rgba)}`);
  checkInt('maxSide', maxSide, 1, MAX_TARGET_SIDE);
  let tw = w, th = h;
  let px: ArrayLike<number> = t.rgba;
  if (Math.max(w, h) > maxSide) {
    const s = maxSide / Math.max(w, h);
    tw = Math.min(maxSide, Math.max(1, Math.round(w * s)));
    th = Math.min(maxSide, Math.max(1, Math.round(h * s)));
    px = resampleArea(t.rgba, w, h, tw, th);
  }
  const out = new Uint8Array(tw * th * 4);
  const clamp01 = (v: number) => (v > 1 ? 1 : v > 0 ? v : 0);
  for (let i = 0; i < tw * th * 4; i += 4) {
    const a = clamp01(px[i + 3]!);
    const a8 = Math.round(a * 255);
    if (a8 === 0) continue;
    out[i] = Math.round(clamp01(px[i]! / a) * 255);
    out[i + 1] = Math.round(clamp01(px[i + 1]! / a) * 255);
    out[i + 2] = Math.round(clamp01(px[i + 2]! / a) * 255);
    out[i + 3] = a8;
  }
  return { width: tw, height: th, rgba: out };
}
