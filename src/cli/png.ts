/**
 * A small PNG decoder for the command line (Node's zlib): 8-bit grey, grey+alpha, RGB, RGBA and
 * palette images, not interlaced, to RGBA8 with row 0 at the top, bytes exactly as stored (no
 * colour management, no alpha conversion). `nca-gl import --target` uses it; other formats go
 * through the browser (`nca-gl train`).
 */
import { inflateSync } from 'node:zlib';
import { InputError } from './errors';

export interface Png {
  width: number;
  height: number;
  rgba: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const MAX_PIXELS = 4096 * 4096;

export function decodePng(bytes: Uint8Array, what = 'the image'): Png {
  const bad = (m: string): never => {
    throw new InputError(`${what}: ${m}`);
  };
  if (bytes.length < 8 || !SIGNATURE.every((b, i) => bytes[i] === b)) bad('not a PNG file (only PNG targets can be read here)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let colour = -1;
  let palette: Uint8Array | null = null;
  let trns: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  while (pos + 8 <= bytes.length) {
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (pos + 12 + len > bytes.length) bad(`the PNG is truncated (chunk ${JSON.stringify(type)} runs past the end)`);
    const data = bytes.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      if (len < 13) bad('its IHDR chunk is too short');
      width = dv.getUint32(pos + 8);
      height = dv.getUint32(pos + 12);
      const depth = data[8]!;
      colour = data[9]!;
      if (depth !== 8) bad(`it has ${depth}-bit channels; only 8-bit PNGs can be read here`);
      if (data[12] !== 0) bad('it is interlaced; save it without interlacing');
      if (![0, 2, 3, 4, 6].includes(colour)) bad(`its colour type ${colour} is not a PNG colour type`);
      if (width < 1 || height < 1 || width * height > MAX_PIXELS) bad(`it is ${width} × ${height} pixels; the limit is ${MAX_PIXELS} pixels`);
    } else if (type === 'PLTE') palette = data;
    else if (type === 'tRNS') trns = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  if (colour < 0) bad('it has no IHDR chunk');
  if (colour === 3 && !palette) bad('it is a palette image without a palette');
  const channels = [1, 0, 3, 1, 2, 0, 4][colour]!;
  const stride = width * channels;
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: (stride + 1) * height + 1 });
  } catch {
    return bad('its image data is damaged (zlib)');
  }
  if (raw.length < (stride + 1) * height) bad('its image data is truncated');
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = px.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? px.subarray((y - 1) * stride, y * stride) : null;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[x - channels]! : 0;
      const b = prev ? prev[x]! : 0;
      const c = prev && x >= channels ? prev[x - channels]! : 0;
      let p = 0;
      if (f === 1) p = a;
      else if (f === 2) p = b;
      else if (f === 3) p = (a + b) >> 1;
      else if (f === 4) {
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (f !== 0) bad(`row ${y} has an unknown filter type ${f}`);
      out[x] = (line[x]! + p) & 255;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = i * channels;
    let r: number, g: number, b: number, a: number;
    if (colour === 6) [r, g, b, a] = [px[s]!, px[s + 1]!, px[s + 2]!, px[s + 3]!];
    else if (colour === 2) [r, g, b, a] = [px[s]!, px[s + 1]!, px[s + 2]!, 255];
    else if (colour === 4) [r, g, b, a] = [px[s]!, px[s]!, px[s]!, px[s + 1]!];
    else if (colour === 0) [r, g, b, a] = [px[s]!, px[s]!, px[s]!, 255];
    else {
      const k = px[s]!;
      if (3 * k + 2 >= palette!.length) bad(`a pixel uses palette entry ${k}, past the palette's end`);
      [r, g, b, a] = [palette![3 * k]!, palette![3 * k + 1]!, palette![3 * k + 2]!, trns && k < trns.length ? trns[k]! : 255];
    }
    rgba.set([r, g, b, a], i * 4);
  }
  return { width, height, rgba };
}
