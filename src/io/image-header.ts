/**
 * Image dimensions from the first bytes of a PNG, JPEG, GIF or WebP file, read before anything is
 * decoded: a 32 KB PNG that claims 16384 × 16384 pixels is refused as too large before a decoder
 * allocates a gigabyte for it. Pure byte parsing (no DOM), for the browser and Node alike.
 *
 *   PNG   the IHDR chunk: width and height, u32 big-endian, at bytes 16 and 20
 *   GIF   the logical screen: u16 little-endian at bytes 6 and 8
 *   WebP  VP8 (lossy): 14-bit sizes at 26/28; VP8L (lossless): 14 + 14 bits at 21; VP8X: 24-bit
 *         sizes minus one at 24 and 27
 *   JPEG  the first start-of-frame marker (SOF0–SOF15 but DHT, JPG, DAC): height then width, u16 BE
 */
import { checkImageSize } from './target-pixels';

export interface ImageHeader {
  format: 'PNG' | 'JPEG' | 'GIF' | 'WebP';
  width: number;
  height: number;
}

/** The largest image file loadTarget fetches and the CLI reads. */
export const MAX_IMAGE_FILE_BYTES = 64 * 1024 * 1024;

/** Bytes that `imageHeader` may need to look at (JPEG markers can push the frame header back). */
export const HEADER_BYTES = 256 * 1024;

/** The format and size an image file declares, or null when its header cannot be read (not one of the four, or cut short). */
export function imageHeader(b: Uint8Array): ImageHeader | null {
  const at = (i: number, s: string) => i + s.length <= b.length && [...s].every((c, k) => b[i + k] === c.charCodeAt(0));
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ok = (n: number) => b.length >= n;
  if (b[0] === 0x89 && at(1, 'PNG') && at(12, 'IHDR') && ok(24)) return { format: 'PNG', width: dv.getUint32(16), height: dv.getUint32(20) };
  if (at(0, 'GIF8') && ok(10)) return { format: 'GIF', width: dv.getUint16(6, true), height: dv.getUint16(8, true) };
  if (at(0, 'RIFF') && at(8, 'WEBP')) {
    if (at(12, 'VP8 ') && ok(30)) return { format: 'WebP', width: dv.getUint16(26, true) & 0x3fff, height: dv.getUint16(28, true) & 0x3fff };
    if (at(12, 'VP8L') && ok(25)) {
      const bits = dv.getUint32(21, true);
      return { format: 'WebP', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (at(12, 'VP8X') && ok(30)) {
      const u24 = (i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
      return { format: 'WebP', width: u24(24) + 1, height: u24(27) + 1 };
    }
    return null;
  }
  if (b[0] === 0xff && b[1] === 0xd8) {
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return null;
      const m = b[i + 1]!;
      if (m === 0xff) {
        i++; // fill byte
        continue;
      }
      if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
        i += 2; // markers without a length
        continue;
      }
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return { format: 'JPEG', height: dv.getUint16(i + 5), width: dv.getUint16(i + 7) };
      if (m === 0xd9 || m === 0xda) return null; // end of image, or scan data before any frame header
      i += 2 + dv.getUint16(i + 2);
    }
  }
  return null;
}

/**
 * Throws the loader's 'too large' (or 'no pixels') `bad-image` error when the header of `bytes`
 * declares more than `maxPixels` pixels; returns the header (null when it has none to read: the
 * decoder then has the last word).
 */
export function checkImageHeader(bytes: Uint8Array, maxPixels: number, what: string): ImageHeader | null {
  const h = imageHeader(bytes);
  if (h) checkImageSize(h.width, h.height, maxPixels, `${what} (${h.format} ${h.width}×${h.height}, from its header)`);
  return h;
}
