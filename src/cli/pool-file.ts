/**
 * The `<model>.pool` file beside a `regenerating` checkpoint: Distill's sample pool (too big for the
 * model file), so that --resume continues exactly. States are in the canonical layout
 * [sample][y][x][16], float16 (or float32), little-endian.
 *
 *   [8] "NCAPOOL\n"  [4] version 1, u32 LE  [4] header length H, u32 LE
 *   [H] JSON {iteration, size, width, height, dtype, byteLength}, space-padded to a multiple of 4
 *   [byteLength] states   [4] CRC-32 of everything before it, u32 LE
 */
import { crc32 } from '../io/model-file-crc';
import { InputError } from './errors';

export const POOL_MAGIC = 'NCAPOOL\n';
export const POOL_VERSION = 1;

export interface PoolMeta {
  /** The training iteration the pool belongs to (must match the checkpoint's). */
  iteration: number;
  size: number;
  width: number;
  height: number;
  dtype: 'f16' | 'f32';
  byteLength: number;
}

export function encodePool(meta: PoolMeta, data: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const h = Math.ceil(json.length / 4) * 4;
  const out = Buffer.alloc(16 + h + data.length + 4, 0x20);
  out.write(POOL_MAGIC, 0, 'latin1');
  out.writeUInt32LE(POOL_VERSION, 8);
  out.writeUInt32LE(h, 12);
  out.set(json, 16);
  out.set(data, 16 + h);
  out.writeUInt32LE(crc32(out, 0, out.length - 4), out.length - 4);
  return out;
}

/** Parses and checks a pool file; throws InputError naming the problem. */
export function decodePool(bytes: Uint8Array, what = 'pool file'): { meta: PoolMeta; data: Uint8Array } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (m: string): never => {
    throw new InputError(`${what} ${m}`);
  };
  if (b.length < 20 || b.toString('latin1', 0, 8) !== POOL_MAGIC) bad('is not an nca-gl pool file (bad magic bytes)');
  const version = b.readUInt32LE(8);
  if (version !== POOL_VERSION) bad(`has format version ${version}; this nca-gl reads version ${POOL_VERSION}`);
  if (b.readUInt32LE(b.length - 4) !== crc32(b, 0, b.length - 4)) bad('is damaged or cut short (checksum mismatch)');
  const h = b.readUInt32LE(12);
  if (h % 4 !== 0 || 16 + h + 4 > b.length) bad(`has a bad header length (${h})`);
  let meta: PoolMeta;
  try {
    meta = JSON.parse(b.toString('utf8', 16, 16 + h)) as PoolMeta;
  } catch {
    return bad('has a header that is not JSON');
  }
  const int = (k: keyof PoolMeta, max: number) => {
    const v = meta[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) bad(`has a bad '${k}' (${String(v)})`);
  };
  int('iteration', 0xffffffff);
  int('size', 1 << 16);
  int('width', 4096);
  int('height', 4096);
  if (meta.dtype !== 'f16' && meta.dtype !== 'f32') bad(`has an unknown dtype '${String(meta.dtype)}'`);
  const expected = meta.size * meta.width * meta.height * 16 * (meta.dtype === 'f16' ? 2 : 4);
  if (meta.byteLength !== expected || 16 + h + expected + 4 !== b.length) bad(`has ${b.length - 20 - h} bytes of states, expected ${expected}`);
  return { meta, data: new Uint8Array(b.buffer, b.byteOffset + 16 + h, expected) };
}
