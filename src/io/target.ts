/**
 * Training targets from images (SPEC §1, §3).
 *
 *   const t = await loadTarget(file, { width: 72, height: 72 });   // a 40×40 sprite padded by 16
 *   t.rgba  // Float32Array, premultiplied RGBA, [y][x][4], row 0 at the top
 *
 * Sources: a URL or data: URL, SVG text, a File/Blob (drag-and-drop), encoded bytes, an <img>,
 * a canvas, an ImageBitmap or ImageData. Formats: whatever the browser decodes — PNG, JPEG, GIF
 * (first frame), WebP, SVG (needs a viewBox or a width and height).
 *
 * Alpha comes from the file; an image without any transparency gets white keyed out (alpha 0 where
 * all of R, G, B ≥ 253, i.e. > 0.99). The image is fitted into the grid inside `padding` cells of
 * border, aspect ratio kept, centred, by area averaging of premultiplied colour (deterministic; see
 * resample.ts). The pure part, targetFromRGBA, runs in Node too.
 */
import { decodeImage, type ImageSource } from './decode';
import { fromPixels, resolveTargetOptions, type TargetImage, type TargetOptions } from './target-pixels';

export type { ImageSource } from './decode';
export {
  type AlphaMode,
  type TargetImage,
  type TargetOptions,
  DEFAULT_MAX_INPUT_PIXELS,
  WHITE_KEY_MIN,
  defaultTargetPadding,
  targetFromRGBA,
  targetThumbnail,
} from './target-pixels';

/**
 * Loads and decodes an image and turns it into a target of `opts.width`×`opts.height` cells.
 * Failures throw NcaGlError: `bad-argument` for bad options, `bad-image` for data that is not an
 * image, too large, empty after keying, or unreadable (cross-origin), `io` when a URL cannot be fetched.
 */
export async function loadTarget(src: ImageSource, opts: TargetOptions): Promise<TargetImage> {
  const o = resolveTargetOptions(opts);
  const d = await decodeImage(src, o);
  const t = fromPixels(d.rgba, d.width, d.height, o, d.source);
  t.source = d.source;
  return t;
}
