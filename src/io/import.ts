/**
 * Models from elsewhere: importModel() turns the weights of an NCA trained outside nca-gl into a
 * ModelFile of the `growing` rule (with output bias), in browsers and Node alike. Two formats:
 *
 *   distill      the JSON the WebGL demo of Distill's "Growing Neural Cellular Automata" loads
 *                (public/webgl_models8/*.json of distillpub/post--growing-ca, written by
 *                export_ca_to_webgl_demo in the article's notebook): two 8-bit layers
 *   safetensors  the safe tensor file of PyTorch / Hugging Face (8-byte header length, JSON
 *                header, raw little-endian tensors); tensors named w0, b0, w1, b1 or mapped
 *
 * docs/import.md has the mapping (feature order, scaling, quantisation, layout). Only
 * TextDecoder, JSON.parse, atob and DataView touch a file's bytes: nothing in a file is ever
 * evaluated, and pickled PyTorch files (.pt, .pth, .bin) are refused, not opened. Every problem is
 * an NcaGlError (code `bad-model`) naming what is wrong.
 */
import { CHANNELS, MAX_HIDDEN, PERCEPTION, type Rule, type Weights } from '../engine/model';
import { RULE_NAMES, RULES } from '../engine/rules';
import { describe, NcaGlError } from '../errors';
import { base64ToBytes } from './base64';
import type { ModelFile, Q8, Quantization } from './model-file';
import type { OriginMeta } from './model-file-schema';
import { halfToFloat } from '../gl/texture';

export type ImportFormat = 'distill' | 'safetensors';
export type TensorName = 'w0' | 'b0' | 'w1' | 'b1';
const TENSOR_NAMES: readonly TensorName[] = ['w0', 'b0', 'w1', 'b1'];

/** Limits every importer enforces before it allocates anything. */
export const IMPORT_LIMITS = {
  /** Any input file. */
  maxBytes: 64 * 1024 * 1024,
  /** A Distill JSON model (the published ones are 11 KB). */
  maxJsonBytes: 4 * 1024 * 1024,
  /** The JSON header of a safetensors file. */
  maxHeaderBytes: 1024 * 1024,
  /** Tensors in a safetensors file. */
  maxTensors: 1024,
} as const;

/** Distill's training grid: a 40-pixel emoji padded by 16 cells on every side. */
export const DISTILL_GRID = { width: 72, height: 72 } as const;

export interface ImportOptions {
  /** Input format; default: detected from the bytes. */
  format?: ImportFormat;
  /** File name, for messages and the model's provenance. */
  name?: string;
  /** safetensors: which tensor of the file is w0, b0, w1, b1 (default: those names). */
  map?: Partial<Record<TensorName, string>>;
  /**
   * safetensors: how matrices are stored. 'out-in' (PyTorch Linear/Conv2d: [out][in], 1×1 conv
   * kernels [out, in, 1, 1]), 'in-out' (Keras Dense/Conv2D: [in][out], [1, 1, in, out]), or 'auto'
   * (default): told apart by the shapes; a square matrix (hidden 48 or 16) needs it stated.
   */
  layout?: 'auto' | 'out-in' | 'in-out';
  /**
   * safetensors: order of the 48 perception inputs of w0. 'grouped' (default, nca-gl's and the
   * Distill demo's): [state 16, sobel_x/8 16, sobel_y/8 16]; 'interleaved' (a TensorFlow or
   * PyTorch depthwise convolution with 3 filters per channel, the notebook's raw weights):
   * input 3·c + k, k = identity, sobel_x/8, sobel_y/8.
   */
  perception?: 'grouped' | 'interleaved';
  /** Update probability and per-cell mask (default: Distill's 0.5 per cell). */
  rate?: number;
  perCell?: boolean;
  /** The grid the model was trained on (default: 72 × 72, Distill's). */
  grid?: { width: number; height: number };
  /** Task recorded in the file (default 'growing'; the widget starts such models from a seed). */
  task?: string;
  /** Licence, attribution and source URL to record with the model. */
  origin?: Omit<OriginMeta, 'format' | 'file'>;
  /** Distill: keep the file's 8-bit values as the model's 8-bit storage (default true: lossless). */
  keep8bit?: boolean;
}

function bad(message: string): never {
  throw new NcaGlError('bad-model', message);
}

function toBytes(input: unknown, what: string): Uint8Array {
  if (typeof input === 'string') return new TextEncoder().encode(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const tag = Object.prototype.toString.call(input);
  if (tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]') return new Uint8Array(input as ArrayBuffer);
  return bad(`cannot import ${what} from ${describe(input)}: pass the file's bytes (Uint8Array or ArrayBuffer) or its text`);
}

/** The format of `bytes`, from their first bytes; null when neither. */
export function detectImportFormat(bytes: Uint8Array): ImportFormat | 'nca' | 'pickle' | null {
  let i = 0;
  while (i < bytes.length && i < 64 && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09 || bytes[i] === 0xef || bytes[i] === 0xbb || bytes[i] === 0xbf)) i++;
  if (bytes[i] === 0x5b) return 'distill'; // '['
  if (bytes.length >= 9 && bytes[8] === 0x7b && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0) return 'safetensors';
  if (bytes[0] === 0x89 && bytes[1] === 0x4e && bytes[2] === 0x43 && bytes[3] === 0x41) return 'nca';
  // pickle protocol 2+ (torch.save of old) or a zip archive (torch.save since 1.6)
  if ((bytes[0] === 0x80 && bytes[1]! >= 2 && bytes[1]! <= 5) || (bytes[0] === 0x50 && bytes[1] === 0x4b)) return 'pickle';
  return null;
}

/** Reads a model trained elsewhere; see the header and docs/import.md. */
export function importModel(input: Uint8Array | ArrayBuffer | string, opts: ImportOptions = {}): ModelFile {
  if (typeof opts !== 'object' || opts === null) bad(`importModel options must be an object, got ${describe(opts)}`);
  const name = typeof opts.name === 'string' ? opts.name.slice(0, 200) : undefined;
  const what = name ? `'${name}'` : 'the model';
  const bytes = toBytes(input, what);
  if (bytes.length === 0) bad(`cannot import ${what}: the file is empty (0 bytes)`);
  if (bytes.length > IMPORT_LIMITS.maxBytes) bad(`cannot import ${what}: it is ${bytes.length} bytes, more than the ${IMPORT_LIMITS.maxBytes}-byte limit; an NCA's weights take well under 1 MB`);
  const seen = detectImportFormat(bytes);
  const format = opts.format ?? seen;
  if (format !== 'distill' && format !== 'safetensors') {
    if (opts.format !== undefined) bad(`importModel: option 'format' must be 'distill' or 'safetensors', got ${describe(opts.format)}`);
    if (seen === 'nca') bad(`${what} is already an nca-gl model file: load it with decodeModel (nca-gl info shows what it holds)`);
    if (seen === 'pickle') bad(`${what} looks like a pickled PyTorch file (torch.save); nca-gl never unpickles (it can run code): save the weights with safetensors.torch.save_file instead (docs/import.md)`);
    bad(`cannot tell the format of ${what}: expected Distill's demo JSON (starting with '[') or a safetensors file; pass format: 'distill' or 'safetensors' (CLI: --format)`);
  }
  const lead = `cannot import ${what} as ${format === 'distill' ? "Distill's demo JSON" : 'safetensors'}: `;
  const fail = (msg: string): never => bad(lead + msg);
  const common = checkCommonOptions(opts, fail);
  const parsed = format === 'distill' ? readDistill(bytes, opts.keep8bit ?? true, fail) : readSafetensors(bytes, opts, fail);
  const hidden = parsed.weights.b0.length;
  // what the file does not say is Distill's: its rule with that rule's update rate and masks
  const distill = RULES.growing.defaults;
  const model: ModelFile = {
    rule: { rule: parsed.rule ?? 'growing', hidden, rate: common.rate ?? parsed.rate ?? distill.rate, perCell: common.perCell ?? parsed.perCell ?? distill.perCell },
    grid: common.grid ?? parsed.grid ?? { ...DISTILL_GRID },
    weights: parsed.weights,
    training: { task: opts.task ?? 'growing' },
  };
  if (parsed.weights.b1 && RULES[model.rule.rule].outputBias === 'optional') model.rule.outputBias = true;
  if (parsed.quantization) model.quantization = parsed.quantization;
  const origin: OriginMeta = { format: format === 'distill' ? 'distill-json' : 'safetensors' };
  if (name) origin.file = name;
  Object.assign(origin, common.origin);
  model.origin = origin;
  return model;
}

function checkCommonOptions(o: ImportOptions, fail: (m: string) => never): { rate?: number; perCell?: boolean; grid?: { width: number; height: number }; origin: Partial<OriginMeta> } {
  const r: { rate?: number; perCell?: boolean; grid?: { width: number; height: number }; origin: Partial<OriginMeta> } = { origin: {} };
  if (o.rate !== undefined) {
    if (typeof o.rate !== 'number' || !(o.rate >= 0 && o.rate <= 1)) fail(`option 'rate' must be a number from 0 to 1, got ${describe(o.rate)}`);
    r.rate = o.rate;
  }
  if (o.perCell !== undefined) {
    if (typeof o.perCell !== 'boolean') fail(`option 'perCell' must be true or false, got ${describe(o.perCell)}`);
    r.perCell = o.perCell;
  }
  if (o.grid !== undefined) {
    const g = o.grid as { width?: unknown; height?: unknown };
    const ok = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 4096;
    if (typeof g !== 'object' || g === null || !ok(g.width) || !ok(g.height)) fail(`option 'grid' must be {width, height}, whole numbers from 1 to 4096`);
    r.grid = { width: g.width as number, height: g.height as number };
  }
  if (o.task !== undefined && (typeof o.task !== 'string' || o.task.length > 64)) fail(`option 'task' must be a short string, got ${describe(o.task)}`);
  if (o.origin !== undefined) {
    if (typeof o.origin !== 'object' || o.origin === null) fail(`option 'origin' must be {license?, attribution?, url?}, got ${describe(o.origin)}`);
    for (const k of ['license', 'attribution', 'url'] as const) {
      const v = (o.origin as Record<string, unknown>)[k];
      if (v === undefined) continue;
      if (typeof v !== 'string') fail(`option 'origin.${k}' must be a string, got ${describe(v)}`);
      r.origin[k] = v;
    }
  }
  return r;
}

interface Parsed {
  weights: Weights;
  quantization?: Quantization;
  rule?: Rule;
  rate?: number;
  perCell?: boolean;
  grid?: { width: number; height: number };
}

function decodeText(bytes: Uint8Array, fail: (m: string) => never, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail(`${what} is not valid UTF-8 text`);
  }
}

function parseJson(text: string, fail: (m: string) => never, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    return fail(`${what} is not valid JSON (${String((e as Error)?.message ?? e).slice(0, 100)})`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------
// Distill's demo JSON

const DISTILL_KEYS = ['data_b64', 'in_ch', 'out_ch', 'weight_scale', 'bias_scale', 'type'];
/** Distill's 8-bit code: value = (q / 255 − 0.5) · range = (range / 255) · (q − 127.5). */
export const DISTILL_ZERO = 127.5;

/**
 * One layer of Distill's JSON: (in + 1) × out bytes, row-major [in + 1][out] (the demo uploads it
 * as an RGBA8 texture out/4 texels wide, in + 1 rows high); rows 0 … in−1 are the weights as
 * [in][out], the last row the bias. Returns the matrix as nca-gl's [out][in].
 */
function distillLayer(v: unknown, index: number, inCh: number | null, outCh: number | null, keep8bit: boolean, fail: (m: string) => never) {
  const at = `layer ${index}`;
  if (!isRecord(v)) fail(`${at} must be an object {${DISTILL_KEYS.join(', ')}}, got ${describe(v)}`);
  for (const k of Object.keys(v)) if (!DISTILL_KEYS.includes(k)) fail(`${at} has an unknown field ${describe(k)} (expected ${DISTILL_KEYS.join(', ')})`);
  for (const k of DISTILL_KEYS) if (v[k] === undefined) fail(`${at} has no field '${k}'`);
  if (v.type !== 'uint8') fail(`${at}: 'type' must be "uint8" (the demo's 8-bit export), got ${describe(v.type)}`);
  const int = (k: string, min: number, max: number): number => {
    const x = v[k];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) fail(`${at}: '${k}' must be a whole number from ${min} to ${max}, got ${describe(x)}`);
    return x as number;
  };
  const ic = int('in_ch', 1, 4096);
  const oc = int('out_ch', 1, 4096);
  if (inCh !== null && ic !== inCh) fail(`${at}: 'in_ch' is ${ic}, expected ${inCh}${index === 0 ? ' (16 channels × identity, sobel x, sobel y)' : ' (the hidden units of layer 0)'}`);
  if (outCh !== null && oc !== outCh) fail(`${at}: 'out_ch' is ${oc}, expected ${outCh} (the 16 channels of a cell)`);
  if (index === 0 && (oc % 4 !== 0 || oc < 4 || oc > MAX_HIDDEN)) fail(`${at}: 'out_ch' (the hidden units) is ${oc}; nca-gl runs 4 to ${MAX_HIDDEN} hidden units, a multiple of 4`);
  const scale = (k: string): number => {
    const x = v[k];
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > 1e6) fail(`${at}: '${k}' must be a finite number from 0 to 1e6, got ${describe(x)}`);
    return x as number;
  };
  const ws = scale('weight_scale');
  const bs = scale('bias_scale');
  const b64 = v.data_b64;
  const n = (ic + 1) * oc;
  if (typeof b64 !== 'string') fail(`${at}: 'data_b64' must be a base64 string, got ${describe(b64)}`);
  if (b64.length !== Math.ceil(n / 3) * 4) fail(`${at}: 'data_b64' has ${b64.length} characters; ${ic + 1} × ${oc} bytes take ${Math.ceil(n / 3) * 4}`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) fail(`${at}: 'data_b64' holds characters that are not base64`);
  let q: Uint8Array;
  try {
    q = base64ToBytes(b64);
  } catch {
    return fail(`${at}: 'data_b64' is not valid base64`);
  }
  if (q.length !== n) fail(`${at}: 'data_b64' decodes to ${q.length} bytes, expected ${n} ((in_ch + 1) × out_ch = ${ic + 1} × ${oc})`);
  const wq: Q8 = { scale: ws / 255, zero: DISTILL_ZERO };
  const bq: Q8 = { scale: bs / 255, zero: DISTILL_ZERO };
  const w = new Float32Array(oc * ic);
  const b = new Float32Array(oc);
  for (let i = 0; i < ic; i++) for (let o = 0; o < oc; o++) w[o * ic + i] = wq.scale * (q[i * oc + o]! - wq.zero);
  for (let o = 0; o < oc; o++) b[o] = bq.scale * (q[ic * oc + o]! - bq.zero);
  return { w, b, wq: keep8bit ? wq : undefined, bq: keep8bit ? bq : undefined, out: oc };
}

function readDistill(bytes: Uint8Array, keep8bit: boolean, fail: (m: string) => never): Parsed {
  if (bytes.length > IMPORT_LIMITS.maxJsonBytes) fail(`it is ${bytes.length} bytes, more than the ${IMPORT_LIMITS.maxJsonBytes}-byte limit for a JSON model (the published ones are 11 KB)`);
  const v = parseJson(decodeText(bytes, fail, 'the file'), fail, 'the file');
  if (!Array.isArray(v) || v.length !== 2) fail(`expected a JSON array of 2 layers (perception → hidden, hidden → update), got ${Array.isArray(v) ? `an array of ${v.length}` : describe(v)}`);
  const l0 = distillLayer(v[0], 0, PERCEPTION, null, keep8bit, fail);
  const l1 = distillLayer(v[1], 1, l0.out, CHANNELS, keep8bit, fail);
  const weights: Weights = { w0: l0.w, b0: l0.b, w1: l1.w, b1: l1.b };
  const out: Parsed = { weights };
  if (keep8bit) out.quantization = { w0: l0.wq!, b0: l0.bq!, w1: l1.wq!, b1: l1.bq! };
  return out;
}

// ---------------------------------------------------------------------------------------------
// safetensors

const DTYPE_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2 };

interface StEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

function readTensor(dv: DataView, e: StEntry, dataStart: number): Float64Array {
  const size = DTYPE_BYTES[e.dtype]!;
  const n = (e.end - e.begin) / size;
  const out = new Float64Array(n);
  const at = dataStart + e.begin;
  for (let i = 0; i < n; i++) {
    const p = at + i * size;
    if (e.dtype === 'F32') out[i] = dv.getFloat32(p, true);
    else if (e.dtype === 'F64') out[i] = dv.getFloat64(p, true);
    else if (e.dtype === 'F16') out[i] = halfToFloat(dv.getUint16(p, true));
    else out[i] = new Float32Array(new Uint32Array([dv.getUint16(p, true) << 16]).buffer)[0]!; // BF16
  }
  return out;
}

function parseSafetensorsHeader(bytes: Uint8Array, fail: (m: string) => never): { entries: Map<string, StEntry>; metadata: Record<string, string>; dataStart: number } {
  if (bytes.length < 8) fail(`it is ${bytes.length} bytes long, shorter than the 8-byte header length field: the file is truncated`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  if (hi !== 0 || lo > IMPORT_LIMITS.maxHeaderBytes) fail(`its header length field says ${hi * 2 ** 32 + lo} bytes, more than the ${IMPORT_LIMITS.maxHeaderBytes}-byte limit`);
  if (8 + lo > bytes.length) fail(`its header length field says ${lo} bytes, but the file ends after ${bytes.length}: the file is truncated`);
  if (lo < 2) fail(`its header length field says ${lo} bytes, too short for a JSON object`);
  const header = parseJson(decodeText(bytes.subarray(8, 8 + lo), fail, 'its header'), fail, 'its header');
  if (!isRecord(header)) fail(`its header must be a JSON object of tensor name → {dtype, shape, data_offsets}, got ${describe(header)}`);
  const keys = Object.keys(header);
  if (keys.length > IMPORT_LIMITS.maxTensors) fail(`its header lists ${keys.length} entries, the limit is ${IMPORT_LIMITS.maxTensors}`);
  const dataStart = 8 + lo;
  const dataLength = bytes.length - dataStart;
  const entries = new Map<string, StEntry>();
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>; // keys from the file: no prototype
  for (const k of keys) {
    const v = header[k];
    if (k === '__metadata__') {
      if (!isRecord(v)) fail(`'__metadata__' must be an object of string → string`);
      for (const [mk, mv] of Object.entries(v)) {
        if (typeof mv !== 'string') fail(`'__metadata__.${mk.slice(0, 40)}' must be a string, got ${describe(mv)}`);
        metadata[mk] = mv;
      }
      continue;
    }
    const t = `tensor ${describe(k)}`;
    if (!isRecord(v)) fail(`${t} must be {dtype, shape, data_offsets}, got ${describe(v)}`);
    for (const f of Object.keys(v)) if (!['dtype', 'shape', 'data_offsets'].includes(f)) fail(`${t} has an unknown field ${describe(f)} (expected dtype, shape, data_offsets)`);
    const { dtype, shape, data_offsets: off } = v;
    if (typeof dtype !== 'string') fail(`${t}: 'dtype' must be a string, got ${describe(dtype)}`);
    if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0 && d <= 1 << 24)) fail(`${t}: 'shape' must be an array of at most 8 whole numbers, got ${describe(shape)}`);
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) fail(`${t}: 'data_offsets' must be [begin, end], whole numbers, got ${describe(off)}`);
    const [begin, end] = off as [number, number];
    if (end < begin) fail(`${t}: 'data_offsets' [${begin}, ${end}] ends before it begins`);
    if (end > dataLength) fail(`${t}: 'data_offsets' [${begin}, ${end}] run past the end of the data (${dataLength} bytes): the file is truncated or mislabelled`);
    const numel = (shape as number[]).reduce((a, d) => a * d, 1);
    const size = DTYPE_BYTES[dtype];
    if (size !== undefined && numel * size !== end - begin) fail(`${t}: shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${numel * size} bytes, 'data_offsets' give ${end - begin}`);
    entries.set(k, { name: k, dtype, shape: shape as number[], begin, end });
  }
  const spans = [...entries.values()].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]!.begin < spans[i - 1]!.end) fail(`tensors ${describe(spans[i - 1]!.name)} and ${describe(spans[i]!.name)} overlap in the data area`);
  }
  return { entries, metadata, dataStart };
}

function readSafetensors(bytes: Uint8Array, opts: ImportOptions, fail: (m: string) => never): Parsed {
  const { entries, metadata, dataStart } = parseSafetensorsHeader(bytes, fail);
  const map = opts.map ?? {};
  if (typeof map !== 'object' || map === null) fail(`option 'map' must be an object {w0?, b0?, w1?, b1?} of tensor names, got ${describe(map)}`);
  for (const [k, v] of Object.entries(map)) {
    if (!TENSOR_NAMES.includes(k as TensorName)) fail(`option 'map' names ${describe(k)}; it maps w0, b0, w1 and b1 only`);
    if (v !== undefined && typeof v !== 'string') fail(`option 'map.${k}' must be a tensor name, got ${describe(v)}`);
  }
  const layoutOpt = opts.layout ?? metaChoice(metadata['nca-gl.layout'], ['out-in', 'in-out']) ?? 'auto';
  if (!['auto', 'out-in', 'in-out'].includes(layoutOpt)) fail(`option 'layout' must be 'auto', 'out-in' or 'in-out', got ${describe(layoutOpt)}`);
  const perception = opts.perception ?? metaChoice(metadata['nca-gl.perception'], ['grouped', 'interleaved']) ?? 'grouped';
  if (perception !== 'grouped' && perception !== 'interleaved') fail(`option 'perception' must be 'grouped' or 'interleaved', got ${describe(perception)}`);
  const available = [...entries.keys()].slice(0, 12).map((k) => JSON.stringify(k)).join(', ');
  const find = (n: TensorName, required: boolean): StEntry | null => {
    const key = map[n] ?? n;
    const e = entries.get(key);
    if (!e) {
      if (!required && map[n] === undefined) return null;
      fail(`it has no tensor ${describe(key)} for ${n}${available ? ` (it holds ${available}${entries.size > 12 ? ', …' : ''})` : ' (it holds no tensors)'}: name them with map (CLI: --map ${n}=NAME,…)`);
    }
    if (DTYPE_BYTES[e.dtype] === undefined) fail(`tensor ${describe(key)} (${n}) has dtype ${describe(e.dtype)}; nca-gl reads F32, F64, F16 and BF16 weights`);
    return e;
  };
  const e = { w0: find('w0', true)!, b0: find('b0', true)!, w1: find('w1', true)!, b1: find('b1', false) };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Matrix shapes: drop 1×1 kernel dimensions, then [out, in] or [in, out].
  const matrix = (n: 'w0' | 'w1', t: StEntry, ins: number | null, outs: number | null): { rows: number; cols: number; transposed: boolean } => {
    const s = t.shape;
    let dims: number[];
    let hint: 'out-in' | 'in-out' | null = null;
    if (s.length === 2) dims = s;
    else if (s.length === 4 && s[2] === 1 && s[3] === 1) [dims, hint] = [[s[0]!, s[1]!], 'out-in'];
    else if (s.length === 4 && s[0] === 1 && s[1] === 1) [dims, hint] = [[s[2]!, s[3]!], 'in-out'];
    else return fail(`tensor ${describe(t.name)} (${n}) has shape [${s.join(', ')}]; expected a matrix, [out, in, 1, 1] (PyTorch 1×1 conv) or [1, 1, in, out] (Keras Conv2D)`);
    const [a, b] = dims as [number, number];
    const fitsOutIn = (ins === null || b === ins) && (outs === null || a === outs);
    const fitsInOut = (ins === null || a === ins) && (outs === null || b === outs);
    let layout = layoutOpt === 'auto' ? hint : layoutOpt;
    if (layout === null) {
      if (fitsOutIn && fitsInOut) fail(`tensor ${describe(t.name)} (${n}) is ${a} × ${b}, which reads both as [out][in] and as [in][out]: say which with layout 'out-in' (PyTorch) or 'in-out' (Keras) (CLI: --layout)`);
      layout = fitsOutIn ? 'out-in' : 'in-out';
    }
    const ok = layout === 'out-in' ? fitsOutIn : fitsInOut;
    if (!ok) fail(`tensor ${describe(t.name)} (${n}) has shape [${s.join(', ')}]; as ${layout === 'out-in' ? '[out][in]' : '[in][out]'} it should have ${ins ?? 'hidden'} inputs and ${outs ?? 'hidden'} outputs`);
    return layout === 'out-in' ? { rows: a, cols: b, transposed: false } : { rows: b, cols: a, transposed: true };
  };
  const m0 = matrix('w0', e.w0, PERCEPTION, null);
  const hidden = m0.rows;
  if (hidden % 4 !== 0 || hidden < 4 || hidden > MAX_HIDDEN) fail(`w0 has ${hidden} hidden units; nca-gl runs 4 to ${MAX_HIDDEN}, a multiple of 4`);
  const m1 = matrix('w1', e.w1, hidden, CHANNELS);
  const vector = (n: 'b0' | 'b1', t: StEntry, len: number): void => {
    const numel = t.shape.reduce((x, d) => x * d, 1);
    if (numel !== len || t.shape.filter((d) => d !== 1).length > 1) fail(`tensor ${describe(t.name)} (${n}) has shape [${t.shape.join(', ')}], expected ${len} values`);
  };
  vector('b0', e.b0, hidden);
  if (e.b1) vector('b1', e.b1, CHANNELS);
  const finite = (n: TensorName, v: Float64Array): Float32Array => {
    const f = Float32Array.from(v);
    const i = f.findIndex((x) => !Number.isFinite(x));
    if (i >= 0) fail(`tensor ${n} holds a non-finite value (${v[i]}) at index ${i}${Number.isFinite(v[i]!) ? ' (too large for float32)' : ''}`);
    return f;
  };
  const toOutIn = (n: 'w0' | 'w1', t: StEntry, m: { rows: number; cols: number; transposed: boolean }): Float32Array => {
    const raw = finite(n, readTensor(dv, t, dataStart));
    if (!m.transposed) return raw;
    const out = new Float32Array(raw.length);
    for (let i = 0; i < m.cols; i++) for (let o = 0; o < m.rows; o++) out[o * m.cols + i] = raw[i * m.rows + o]!;
    return out;
  };
  let w0 = toOutIn('w0', e.w0, m0);
  if (perception === 'interleaved') {
    const g = new Float32Array(w0.length);
    for (let j = 0; j < hidden; j++) for (let c = 0; c < CHANNELS; c++) for (let k = 0; k < 3; k++) g[j * PERCEPTION + k * CHANNELS + c] = w0[j * PERCEPTION + 3 * c + k]!;
    w0 = g;
  }
  const weights: Weights = { w0, b0: finite('b0', readTensor(dv, e.b0, dataStart)), w1: toOutIn('w1', e.w1, m1) };
  if (e.b1) weights.b1 = finite('b1', readTensor(dv, e.b1, dataStart));
  const out: Parsed = { weights };
  // Settings nca-gl's own export records (read as data; ignored when odd).
  const rule = metaChoice(metadata['nca-gl.rule'], RULE_NAMES);
  if (rule) out.rule = rule;
  if (rule && RULES[rule].outputBias === 'always' && !weights.b1) fail(`the file says rule '${rule}', which needs an output bias b1`);
  const rate = Number(metadata['nca-gl.rate']);
  if (metadata['nca-gl.rate'] !== undefined && rate >= 0 && rate <= 1) out.rate = rate;
  const perCell = metaChoice(metadata['nca-gl.perCell'], ['true', 'false']);
  if (perCell) out.perCell = perCell === 'true';
  const grid = /^(\d{1,4})x(\d{1,4})$/.exec(metadata['nca-gl.grid'] ?? '');
  if (grid && +grid[1]! >= 1 && +grid[2]! >= 1 && +grid[1]! <= 4096 && +grid[2]! <= 4096) out.grid = { width: +grid[1]!, height: +grid[2]! };
  return out;
}

function metaChoice<T extends string>(v: string | undefined, allowed: readonly T[]): T | undefined {
  return v !== undefined && (allowed as readonly string[]).includes(v) ? (v as T) : undefined;
}
