/**
 * Pictures the CLI writes, encoded in Node from RGBA8 frames the page computed: PNG (a minimal
 * encoder on node:zlib) and animated GIF (gifenc). Frames are opaque (composited over white).
 */
import { deflateSync } from 'node:zlib';
import * as gifencModule from 'gifenc';
import { crc32 } from '../io/model-file-crc';

export interface Rgba {
  width: number;
  height: number;
  /** RGBA8, row 0 at the top. */
  data: Uint8Array;
}

// gifenc ships CommonJS (main) and ESM (module): Node sees only a default export, bundlers the names
type Gifenc = Pick<typeof gifencModule, 'GIFEncoder' | 'quantize' | 'applyPalette'>;
const gifenc: Gifenc = typeof gifencModule.GIFEncoder === 'function' ? gifencModule : (gifencModule as unknown as { default: Gifenc }).default;

/** Nearest-neighbour upscaling by an integer factor. */
export function upscale(img: Rgba, scale: number): Rgba {
  if (scale === 1) return img;
  const w = img.width * scale;
  const h = img.height * scale;
  const out = new Uint8Array(w * h * 4);
  const src = new Uint32Array(img.data.buffer.slice(img.data.byteOffset, img.data.byteOffset + img.data.byteLength));
  const dst = new Uint32Array(out.buffer);
  for (let y = 0; y < h; y++) {
    const row = Math.floor(y / scale) * img.width;
    for (let x = 0; x < w; x++) dst[y * w + x] = src[row + Math.floor(x / scale)]!;
  }
  return { width: w, height: h, data: out };
}

/** Panels side by side, `gap` pixels of `background` between them and around them. */
export function strip(panels: Rgba[], gap: number, background: [number, number, number] = [224, 224, 224]): Rgba {
  const h = Math.max(...panels.map((p) => p.height)) + 2 * gap;
  const w = panels.reduce((s, p) => s + p.width, 0) + gap * (panels.length + 1);
  const out = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) out.set([...background, 255], i * 4);
  let x0 = gap;
  for (const p of panels) {
    for (let y = 0; y < p.height; y++) out.set(p.data.subarray(y * p.width * 4, (y + 1) * p.width * 4), ((gap + y) * w + x0) * 4);
    x0 += p.width + gap;
  }
  return { width: w, height: h, data: out };
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out, 4, 8 + data.length), 8 + data.length);
  return out;
}

/** A truecolour-with-alpha PNG (colour type 6, 8 bits, filter 0 on every row). */
export function encodePng(img: Rgba): Uint8Array {
  const { width: w, height: h, data } = img;
  const raw = Buffer.alloc((w * 4 + 1) * h);
  for (let y = 0; y < h; y++) raw.set(data.subarray(y * w * 4, (y + 1) * w * 4), y * (w * 4 + 1) + 1);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array(0))]);
}

/** An animated GIF that loops forever; each frame gets its own palette; the last frame is held `holdMs`. */
export function encodeGif(frames: Rgba[], delayMs: number, holdMs = 1000): Uint8Array {
  const gif = gifenc.GIFEncoder();
  frames.forEach((f, i) => {
    const palette = gifenc.quantize(f.data, 256);
    const index = gifenc.applyPalette(f.data, palette);
    gif.writeFrame(index, f.width, f.height, { palette, delay: i === frames.length - 1 ? Math.max(delayMs, holdMs) : delayMs, repeat: 0 });
  });
  gif.finish();
  return gif.bytes();
}
