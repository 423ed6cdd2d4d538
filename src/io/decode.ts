/**
 * Browser side of target loading: any ImageSource → straight RGBA8 pixels, row 0 at the top.
 * Raster formats are decoded by createImageBitmap (GIF: the first frame); SVG is parsed, resized
 * to a few times the cells it will cover and rasterised through an <img>. Pixels are read through
 * a CPU-backed 2D canvas (willReadFrequently): no resampling happens in the canvas except the
 * rasterisation of SVG, which is vector drawing.
 */
import { describe, NcaGlError } from '../errors';
import { checkImageSize, fitBox, type ResolvedTargetOptions } from './target-pixels';
import { looksLikeSvg, parseSvg } from './svg';
import { checkImageHeader, HEADER_BYTES, MAX_IMAGE_FILE_BYTES } from './image-header';
import { readCapped } from './fetch-capped';

/** Anything loadTarget accepts. */
export type ImageSource =
  | string // URL, data: URL, or SVG markup (text starting with '<')
  | Blob // File too
  | ArrayBuffer
  | Uint8Array // encoded bytes
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | ImageBitmap
  | ImageData;

export interface Decoded {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  /** e.g. 'file "cat.png" (PNG 128×96)'. */
  source: string;
}

/** SVG is drawn at this many pixels per cell it covers (per side) before area averaging. */
export const SVG_SUPERSAMPLE = 4;

const DECODE_HINT = 'is it a PNG, JPEG, GIF, WebP or SVG?';
const has = (name: string) => typeof (globalThis as Record<string, unknown>)[name] === 'function';

export async function decodeImage(src: ImageSource, o: ResolvedTargetOptions): Promise<Decoded> {
  if (typeof src === 'string') {
    if (src.trimStart().startsWith('<')) return decodeSvgText(src, 'SVG markup', o);
    const what = describeUrl(src);
    return decodeBlob(await fetchBlob(src, what), what, o);
  }
  if (has('Blob') && src instanceof Blob) {
    const what = has('File') && src instanceof File ? `file ${JSON.stringify(src.name)}` : `a blob of ${src.size} bytes${src.type ? ` (${src.type})` : ''}`;
    return decodeBlob(src, what, o);
  }
  if (src instanceof ArrayBuffer || src instanceof Uint8Array) {
    const bytes = new Uint8Array(src.byteLength);
    bytes.set(src instanceof ArrayBuffer ? new Uint8Array(src) : src);
    return decodeBlob(new Blob([bytes]), `${bytes.length} bytes of image data`, o);
  }
  if (has('ImageData') && src instanceof ImageData) return { rgba: src.data, width: src.width, height: src.height, source: `ImageData ${src.width}×${src.height}` };
  if (has('HTMLImageElement') && src instanceof HTMLImageElement) {
    const what = `the <img> ${describeUrl(src.currentSrc || src.src)}`;
    if (!src.complete || src.naturalWidth === 0) {
      try {
        await src.decode();
      } catch (e) {
        throw new NcaGlError('bad-image', `could not decode ${what} as an image: ${DECODE_HINT}`, { cause: e });
      }
    }
    if (src.naturalWidth === 0 || src.naturalHeight === 0)
      throw new NcaGlError('bad-image', `${what} has no intrinsic size (an SVG without width and height?): pass its URL or its SVG text instead`);
    return drawable(src, src.naturalWidth, src.naturalHeight, what, o);
  }
  if (has('HTMLCanvasElement') && src instanceof HTMLCanvasElement) return drawable(src, src.width, src.height, `canvas ${src.width}×${src.height}`, o);
  if (has('OffscreenCanvas') && src instanceof OffscreenCanvas) return drawable(src, src.width, src.height, `OffscreenCanvas ${src.width}×${src.height}`, o);
  if (has('ImageBitmap') && src instanceof ImageBitmap) return drawable(src, src.width, src.height, `ImageBitmap ${src.width}×${src.height}`, o);
  throw new NcaGlError(
    'bad-argument',
    `loadTarget cannot read ${describe(src)}: pass a URL, SVG text, a File or Blob, encoded bytes (ArrayBuffer, Uint8Array), an <img>, a canvas, an ImageBitmap or ImageData`,
  );
}

function describeUrl(url: string): string {
  if (url.startsWith('data:')) return `the data: URL (${url.slice(5, url.search(/[;,]/)) || 'no type'})`;
  return url.length > 100 ? `${url.slice(0, 60)}…${url.slice(-30)}` : url;
}

async function fetchBlob(url: string, what: string): Promise<Blob> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new NcaGlError(
      'io',
      `could not load ${what} (${(e as Error).message}): check the address; note that a page opened from file:// cannot load files, so serve it over http, or pass the image as a File (drag-and-drop, <input type="file">) or as SVG text`,
      { cause: e },
    );
  }
  if (!res.ok) throw new NcaGlError('io', `could not load ${what}: the server answered ${res.status} ${res.statusText}`.trimEnd());
  const bytes = await readCapped(res, MAX_IMAGE_FILE_BYTES, what);
  return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: res.headers.get('content-type') ?? '' });
}

/** The format named by a file's first bytes, or null. */
export function sniffFormat(b: Uint8Array): string | null {
  const at = (i: number, s: string) => [...s].every((c, k) => b[i + k] === c.charCodeAt(0));
  if (b[0] === 0x89 && at(1, 'PNG')) return 'PNG';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'JPEG';
  if (at(0, 'GIF8')) return 'GIF';
  if (at(0, 'RIFF') && at(8, 'WEBP')) return 'WebP';
  if (at(0, 'BM')) return 'BMP';
  if (at(4, 'ftypavif')) return 'AVIF';
  if (looksLikeSvg(new TextDecoder().decode(b))) return 'SVG';
  return null;
}

async function decodeBlob(blob: Blob, what: string, o: ResolvedTargetOptions): Promise<Decoded> {
  const format = sniffFormat(new Uint8Array(await blob.slice(0, 4096).arrayBuffer()));
  if (format === 'SVG' || (format === null && /svg/i.test(blob.type))) return decodeSvgText(await blob.text(), what, o);
  if (!has('createImageBitmap')) throw needsBrowser(what);
  // the size the header declares, before a decoder allocates anything (a PNG bomb is 'too large')
  checkImageHeader(new Uint8Array(await blob.slice(0, HEADER_BYTES).arrayBuffer()), o.maxInputPixels, what);
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(blob);
  } catch (e) {
    throw new NcaGlError('bad-image', `could not decode ${what} as an image${format ? ` (it looks like ${format} but is damaged)` : ''}: ${DECODE_HINT}`, { cause: e });
  }
  try {
    return await drawable(bmp, bmp.width, bmp.height, `${what} (${format ?? 'image'} ${bmp.width}×${bmp.height})`, o);
  } finally {
    bmp.close();
  }
}

async function decodeSvgText(text: string, what: string, o: ResolvedTargetOptions): Promise<Decoded> {
  const svg = parseSvg(text, what);
  // Draw it SVG_SUPERSAMPLE pixels per covered cell (more with trim, which may zoom in), within maxInputPixels.
  const box = fitBox(svg.width, svg.height, o);
  const want = Math.max(box.w / svg.width, box.h / svg.height) * SVG_SUPERSAMPLE * (o.trim ? 2 : 1);
  const cap = Math.sqrt(o.maxInputPixels / (svg.width * svg.height));
  const size = (v: number) => Math.max(1, want <= cap ? Math.round(v * want) : Math.floor(v * cap));
  const w = size(svg.width);
  const h = size(svg.height);
  if (!has('Image') || !has('URL')) throw needsBrowser(what);
  const url = URL.createObjectURL(new Blob([svg.at(w, h)], { type: 'image/svg+xml' }));
  try {
    const img = new Image(w, h);
    img.src = url;
    try {
      await img.decode();
    } catch (e) {
      throw new NcaGlError('bad-image', `could not draw ${what}: the browser did not render this SVG (${(e as Error).message})`, { cause: e });
    }
    return await drawable(img, w, h, `${what} (SVG ${fmt(svg.width)}×${fmt(svg.height)})`, o);
  } finally {
    URL.revokeObjectURL(url);
  }
}

const fmt = (v: number) => String(Math.round(v * 100) / 100);

function needsBrowser(what: string): NcaGlError {
  return new NcaGlError('bad-image', `cannot decode ${what} here: loadTarget needs a browser (createImageBitmap, a 2D canvas); in Node, decode the image yourself and call targetFromRGBA`);
}

/** Draws `img` at w×h into a CPU-backed canvas and reads the pixels back. */
async function drawable(img: CanvasImageSource, w: number, h: number, what: string, o: ResolvedTargetOptions): Promise<Decoded> {
  checkImageSize(w, h, o.maxInputPixels, what);
  let ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null = null;
  if (typeof document !== 'undefined') {
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    ctx = c.getContext('2d', { willReadFrequently: true });
  } else if (has('OffscreenCanvas')) {
    ctx = new OffscreenCanvas(w, h).getContext('2d', { willReadFrequently: true });
  }
  if (!ctx) throw needsBrowser(what);
  ctx.drawImage(img, 0, 0, w, h);
  try {
    return { rgba: ctx.getImageData(0, 0, w, h).data, width: w, height: h, source: what };
  } catch (e) {
    if ((e as Error).name === 'SecurityError')
      throw new NcaGlError(
        'bad-image',
        `cannot read the pixels of ${what}: the browser forbids it for images from another origin or from a file:// page: serve the image from the page's own origin (or with CORS and crossOrigin = 'anonymous'), or pass it as a File or Blob`,
        { cause: e },
      );
    throw e;
  }
}
