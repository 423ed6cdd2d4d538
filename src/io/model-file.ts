/**
 * The .nca model file: a versioned binary container for a trained model (rule, weights, target
 * thumbnail, training provenance, optimiser state). Byte-by-byte layout, versioning policy and the
 * loader's checks: docs/model-file.md.
 *
 *   [8] magic 89 4E 43 41 0D 0A 1A 0A   [4] version u32 LE   [4] header length H u32 LE
 *   [H] UTF-8 JSON header (space-padded, H % 4 = 0)   [..] data area: the binary sections
 *   [4] CRC-32 of every byte before it, u32 LE
 *
 * Works the same in browsers and Node: only Uint8Array, DataView, TextEncoder/TextDecoder and
 * JSON.parse (never code evaluation).
 */
import { checkWeights, parameterCount, type RuleConfig, type Weights, weightShapes } from '../engine/model';
import { describe, NcaGlError } from '../errors';
import { crc32 } from './model-file-crc';
import {
  checkMeta,
  checkSections,
  type Fail,
  MODEL_FILE_LIMITS,
  MODEL_FORMAT_VERSION,
  type BestMeta,
  type ModelMeta,
  type OriginMeta,
  type QualityMeta,
  type Scalar,
  type SectionEntry,
  sectionLabel,
} from './model-file-schema';

export { MODEL_FILE_LIMITS, MODEL_FORMAT_VERSION, type OriginMeta, type QualityMeta, type BestMeta } from './model-file-schema';
export { describeModel } from './model-file-describe';

export const MODEL_FILE_EXTENSION = '.nca';
/** "\x89NCA\r\n\x1a\n": a high-bit byte, the name, CR LF, Ctrl-Z, LF (like PNG's signature). */
export const MODEL_MAGIC: readonly number[] = [0x89, 0x4e, 0x43, 0x41, 0x0d, 0x0a, 0x1a, 0x0a];
/** Bytes before the JSON header: magic, version, header length. */
export const PREAMBLE_BYTES = 16;
const CRC_BYTES = 4;

export interface ModelFile {
  rule: RuleConfig;
  /** The grid the model was trained on. */
  grid: { width: number; height: number };
  weights: Weights;
  /** Thumbnail of the target: straight (non-premultiplied) RGBA8, row 0 = top. */
  target?: { width: number; height: number; rgba: Uint8Array };
  /** Provenance; every field optional. */
  training?: {
    task?: string;
    preset?: string;
    iterations?: number;
    seed?: number;
    createdAt?: string;
    software?: string;
    renderer?: string;
    durationMs?: number;
    finalLoss?: number;
    hyperparameters?: Record<string, Scalar>;
    lossHistory?: Float32Array;
  };
  /** Adam moments (same shapes as the weights; v ≥ 0), for resuming training. */
  optimizer?: { step: number; m: Weights; v: Weights };
  /** Curriculum controller state. */
  curriculum?: Record<string, number>;
  /** Anything else the trainer needs to resume exactly. */
  resume?: Record<string, Scalar>;
  /** Where an imported model came from: format, file, licence, attribution (format 2). */
  origin?: OriginMeta;
  /**
   * Weights stored 8-bit (format 2): per tensor, byte q stands for scale · (q − zero). The weights
   * above are then the dequantised values; see quantizeModel (src/io/model-compact.ts).
   */
  quantization?: Quantization;
  /** Format 3: figures measured after training (hardest start, at T, 10·T, 50·T; how long it holds). */
  quality?: QualityMeta;
  /**
   * Format 3: keep-best. The weights above are the snapshot of iteration `best.iteration`, the best
   * evaluation of the run; `latest` holds the weights of the last iteration (what the optimiser
   * state, curriculum, loss history and `resume` belong to) when they differ from it.
   */
  best?: BestMeta;
  latest?: { weights: Weights };
}

/** Per-tensor 8-bit quantisation: value = scale · (q − zero), q a byte 0 … 255. */
export interface Q8 {
  scale: number;
  zero: number;
}
export type Quantization = Partial<Record<keyof Weights, Q8>>;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bad(message: string, cause?: unknown): NcaGlError {
  return new NcaGlError('bad-model', message, cause === undefined ? undefined : { cause });
}

function mib(n: number): string {
  return `${Number((n / 1048576).toFixed(3))} MiB`;
}

// ---------------------------------------------------------------------------------------------
// Encoding

function f32Bytes(a: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setFloat32(i * 4, a[i]!, true);
  return out;
}

/** Runs checkWeights, turning its `bad-shape` error into `bad-model` with `lead` in front. */
function checkedWeights(w: unknown, rule: RuleConfig, lead: string): Weights {
  try {
    return checkWeights(w, rule.rule, rule.hidden, rule.outputBias);
  } catch (e) {
    if (e instanceof NcaGlError) throw bad(lead + e.message.replace(/^nca-gl: /, ''), e);
    throw e;
  }
}

function checkMoments(v: Weights, fail: Fail): void {
  for (const k of Object.keys(v) as (keyof Weights)[]) {
    const t = v[k]!;
    const i = t.findIndex((x) => x < 0);
    if (i >= 0) fail(`optimizer moment v of weight '${k}' holds a negative value (${t[i]}) at index ${i}; second moments are never negative`);
  }
}

/** Checks `model.quantization`: per weight tensor {scale ≥ 0, zero in 0 … 255}, finite. */
function checkQuantization(v: unknown, names: readonly string[], fail: Fail): Quantization {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`'quantization' must be an object of weight name → {scale, zero}, got ${describe(v)}`);
  const out: Quantization = {};
  for (const [k, q] of Object.entries(v as Record<string, unknown>)) {
    if (q === undefined) continue;
    if (!names.includes(k)) fail(`'quantization' names ${describe(k)}, which is not a weight of this rule (${names.join(', ')})`);
    const o = q as Record<string, unknown>;
    if (typeof q !== 'object' || q === null || Object.keys(o).some((x) => x !== 'scale' && x !== 'zero')) fail(`'quantization.${k}' must be {scale, zero}, got ${describe(q)}`);
    const { scale, zero } = o;
    if (typeof scale !== 'number' || !Number.isFinite(scale) || scale < 0 || scale > 1e30) fail(`'quantization.${k}.scale' must be a finite number from 0 to 1e30, got ${describe(scale)}`);
    if (typeof zero !== 'number' || !Number.isFinite(zero) || zero < 0 || zero > 255) fail(`'quantization.${k}.zero' must be a number from 0 to 255, got ${describe(zero)}`);
    out[k as keyof Weights] = { scale, zero };
  }
  return out;
}

/** Float weights → bytes q = round(w / scale + zero); a value that does not fit is an error, never clamped. */
export function quantizeTensor(w: Float32Array, q: Q8, name: string, fail: Fail): Uint8Array {
  const out = new Uint8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const x = q.scale === 0 ? (w[i] === 0 ? Math.round(q.zero) : NaN) : Math.round(w[i]! / q.scale + q.zero);
    if (!(x >= 0 && x <= 255)) fail(`weight '${name}' value ${w[i]} at index ${i} does not fit its 8-bit range (scale ${q.scale}, zero ${q.zero}): quantise with quantizeModel, which picks the scale`);
    out[i] = x;
  }
  return out;
}

/** Bytes q → float32 values scale · (q − zero). */
export function dequantizeTensor(bytes: Uint8Array, q: Q8): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = q.scale * (bytes[i]! - q.zero);
  return out;
}

function finiteArray(a: unknown, what: string, max: number, fail: Fail): Float32Array {
  if (!(a instanceof Float32Array || a instanceof Float64Array || Array.isArray(a))) fail(`${what} must be a Float32Array, got ${describe(a)}`);
  if (a.length > max) fail(`${what} has ${a.length} values, the limit is ${max}`);
  const f = Float32Array.from(a as ArrayLike<number>);
  const i = f.findIndex((x) => !Number.isFinite(x));
  if (i >= 0) fail(`${what} holds a non-finite value (${f[i]}) at index ${i}`);
  return f;
}

/** Serialises a model. Throws a `bad-model` error (and writes nothing) if the model is invalid. */
export function encodeModel(model: ModelFile): Uint8Array {
  const lead = 'cannot save model: ';
  const fail: Fail = (msg) => {
    throw bad(lead + msg);
  };
  if (typeof model !== 'object' || model === null || Array.isArray(model)) fail(`expected a model object {rule, grid, weights, …}, got ${describe(model)}`);
  const meta = checkMeta(model, true, fail);
  const sections: { name: string; dtype: 'f32' | 'u8' | 'q8'; data: Uint8Array; q?: Q8 }[] = [];
  const shapes = weightShapes(meta.rule.rule, meta.rule.hidden, meta.rule.outputBias);
  const weights = checkedWeights(model.weights, meta.rule, lead);
  const quant = checkQuantization(model.quantization, shapes.map((s) => s.name), fail);
  for (const s of shapes) {
    const q = quant[s.name];
    if (q) sections.push({ name: s.name, dtype: 'q8', data: quantizeTensor(weights[s.name]!, q, s.name, fail), q });
    else sections.push({ name: s.name, dtype: 'f32', data: f32Bytes(weights[s.name]!) });
  }
  if (meta.optimizer) {
    const opt = model.optimizer!;
    const m = checkedWeights(opt.m, meta.rule, `${lead}optimizer moment m: `);
    const v = checkedWeights(opt.v, meta.rule, `${lead}optimizer moment v: `);
    checkMoments(v, fail);
    for (const [p, w] of [['m', m], ['v', v]] as const) {
      for (const s of shapes) sections.push({ name: `${p}.${s.name}`, dtype: 'f32', data: f32Bytes(w[s.name]!) });
    }
  }
  if (meta.target) {
    const rgba = model.target!.rgba as unknown;
    const n = meta.target.width * meta.target.height * 4;
    if (!(rgba instanceof Uint8Array || rgba instanceof Uint8ClampedArray)) fail(`'target.rgba' must be a Uint8Array, got ${describe(rgba)}`);
    if (rgba.length !== n) fail(`'target.rgba' has ${rgba.length} bytes, expected ${n} (${meta.target.width} × ${meta.target.height} × 4)`);
    sections.push({ name: 'target', dtype: 'u8', data: new Uint8Array(rgba.buffer, rgba.byteOffset, n) });
  }
  if (model.latest !== undefined) {
    const l = model.latest as unknown;
    if (typeof l !== 'object' || l === null) fail(`'latest' must be {weights}, got ${describe(l)}`);
    const w = checkedWeights((l as { weights?: unknown }).weights, meta.rule, `${lead}latest weights: `);
    for (const s of shapes) sections.push({ name: `latest.${s.name}`, dtype: 'f32', data: f32Bytes(w[s.name]!) });
  }
  const history = model.training?.lossHistory;
  if (history !== undefined) {
    const f = finiteArray(history, "'training.lossHistory'", MODEL_FILE_LIMITS.maxLossHistory, fail);
    sections.push({ name: 'lossHistory', dtype: 'f32', data: f32Bytes(f) });
  }

  let offset = 0;
  const table: SectionEntry[] = sections.map((s) => {
    const e: SectionEntry = { name: s.name, dtype: s.dtype, offset, byteLength: s.data.length };
    if (s.q) [e.scale, e.zero] = [s.q.scale, s.q.zero];
    offset += s.data.length;
    return e;
  });
  const header: Record<string, unknown> = { ...meta, sections: table };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 4) * 4;
  if (headerLength > MODEL_FILE_LIMITS.maxHeaderBytes) fail(`its JSON header would be ${mib(headerLength)}, the limit is ${mib(MODEL_FILE_LIMITS.maxHeaderBytes)}`);
  const total = PREAMBLE_BYTES + headerLength + offset + CRC_BYTES;
  if (total > MODEL_FILE_LIMITS.maxFileBytes) fail(`the file would be ${mib(total)}, the limit is ${mib(MODEL_FILE_LIMITS.maxFileBytes)}`);

  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(MODEL_MAGIC, 0);
  dv.setUint32(8, MODEL_FORMAT_VERSION, true);
  dv.setUint32(12, headerLength, true);
  out.set(json, PREAMBLE_BYTES);
  out.fill(0x20, PREAMBLE_BYTES + json.length, PREAMBLE_BYTES + headerLength);
  const dataStart = PREAMBLE_BYTES + headerLength;
  for (let i = 0; i < sections.length; i++) out.set(sections[i]!.data, dataStart + table[i]!.offset);
  dv.setUint32(total - CRC_BYTES, crc32(out, 0, total - CRC_BYTES), true);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoding

function toBytes(input: unknown): Uint8Array {
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const tag = Object.prototype.toString.call(input);
  if (tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]') return new Uint8Array(input as ArrayBuffer);
  throw bad(`cannot read a model from ${describe(input)}: pass the file's bytes as a Uint8Array or ArrayBuffer`);
}

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}

const NOT_A_MODEL = 'expected a .nca file written by nca-gl';

function checkMagic(bytes: Uint8Array): void {
  const n = bytes.length;
  if (n < MODEL_MAGIC.length && bytes.every((b, i) => b === MODEL_MAGIC[i])) {
    throw bad(`model file is truncated: it ends after ${n} bytes, inside the 8-byte signature: the save or download was cut short; get the file again`);
  }
  if (startsWith(bytes, MODEL_MAGIC)) return;
  const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
  let hint = '';
  if (startsWith(bytes, [0x89, 0x4e, 0x43, 0x41]) || startsWith(bytes, [0xef, 0xbf, 0xbd, 0x4e, 0x43, 0x41]) || startsWith(bytes, ascii('NCA'), 1)) {
    hint = ' — the signature is damaged the way text-mode transfers damage files (line endings or non-ASCII bytes rewritten): copy or download it again in binary mode';
  } else if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) {
    hint = ' — this is a PNG image';
  } else if (n > 0 && (bytes[0] === 0x7b || bytes[0] === 0x5b)) {
    hint = ' — this looks like a JSON text file';
  }
  throw bad(`not an nca-gl model file (bad magic bytes): ${NOT_A_MODEL}${hint}`);
}

function explainChecksumMismatch(bytes: Uint8Array, dv: DataView, stored: number, computed: number): never {
  const n = bytes.length;
  const headerLength = dv.getUint32(12, true);
  const cutShort = 'the save or download was cut short; get the file again';
  if (headerLength <= MODEL_FILE_LIMITS.maxHeaderBytes) {
    if (PREAMBLE_BYTES + headerLength + CRC_BYTES > n) {
      throw bad(`model file is truncated: header says ${headerLength} bytes of JSON header, file ends after ${n}: ${cutShort}`);
    }
    // Read the section table loosely to tell a truncated (or extended) file from a damaged one.
    let table: unknown;
    try {
      table = (JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerLength))) as { sections?: unknown }).sections;
    } catch {
      table = undefined;
    }
    if (Array.isArray(table)) {
      let end = 0;
      let last: { name?: unknown; byteLength?: number } | undefined;
      for (const s of table as { name?: unknown; offset?: unknown; byteLength?: unknown }[]) {
        if (typeof s !== 'object' || s === null || !Number.isSafeInteger(s.offset) || !Number.isSafeInteger(s.byteLength)) continue;
        const e = (s.offset as number) + (s.byteLength as number);
        if (e > end) [end, last] = [e, s as { name?: unknown; byteLength?: number }];
      }
      const expected = PREAMBLE_BYTES + headerLength + end + CRC_BYTES;
      if (last && expected > n) {
        const what = typeof last.name === 'string' ? sectionLabel(last.name.slice(0, 40)) : 'data';
        throw bad(`model file is truncated: header says ${last.byteLength} bytes of ${what}, ending ${expected - CRC_BYTES} bytes into the file, but the file ends after ${n}: ${cutShort}`);
      }
      if (expected < n && expected >= PREAMBLE_BYTES + headerLength + CRC_BYTES) {
        throw bad(`model file has ${n - expected} unexpected bytes after its end (byte ${expected}): something was appended to it; get the file again or use an earlier checkpoint`);
      }
    }
  }
  const hex = (x: number): string => '0x' + x.toString(16).padStart(8, '0');
  throw bad(`model file is corrupt (checksum mismatch: stored CRC-32 ${hex(stored)}, computed ${hex(computed)}): the file was damaged; use an earlier checkpoint`);
}

function readF32(bytes: Uint8Array, start: number, byteLength: number): Float32Array {
  const out = new Float32Array(byteLength / 4);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(start, start + byteLength));
  } else {
    const dv = new DataView(bytes.buffer, bytes.byteOffset + start, byteLength);
    for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
  }
  return out;
}

function decodeUnchecked(input: unknown): ModelFile {
  const bytes = toBytes(input);
  const n = bytes.length;
  if (n === 0) throw bad(`model file is empty (0 bytes): the save or download did not complete; ${NOT_A_MODEL}`);
  checkMagic(bytes);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (n < 12) throw bad(`model file is truncated: it ends after ${n} bytes, inside the format version: the save or download was cut short; get the file again`);
  const version = dv.getUint32(8, true);
  if (version > MODEL_FORMAT_VERSION && version <= 1000) {
    throw bad(`this file was written by a newer nca-gl (format ${version}); upgrade nca-gl to load it (this version reads format ${MODEL_FORMAT_VERSION})`);
  }
  if (version < 1 || version > MODEL_FORMAT_VERSION) {
    throw bad(`model file is corrupt: format version ${version} is not a version nca-gl ever wrote (this version reads format ${MODEL_FORMAT_VERSION}): use an earlier checkpoint`);
  }
  if (n > MODEL_FILE_LIMITS.maxFileBytes) {
    throw bad(`model file is ${n} bytes, more than the ${MODEL_FILE_LIMITS.maxFileBytes}-byte (${mib(MODEL_FILE_LIMITS.maxFileBytes)}) limit; nca-gl models are under 2 MiB: ${NOT_A_MODEL}`);
  }
  if (n < PREAMBLE_BYTES + CRC_BYTES) {
    throw bad(`model file is truncated: it ends after ${n} bytes, before the end of its ${PREAMBLE_BYTES + CRC_BYTES}-byte frame: the save or download was cut short; get the file again`);
  }
  const stored = dv.getUint32(n - CRC_BYTES, true);
  const computed = crc32(bytes, 0, n - CRC_BYTES);
  if (stored !== computed) explainChecksumMismatch(bytes, dv, stored, computed);

  // From here on the bytes are as written: a failure means the writer was wrong, not the transfer.
  const fail: Fail = (msg) => {
    throw bad(`invalid model file: ${msg}`);
  };
  const headerLength = dv.getUint32(12, true);
  if (headerLength > MODEL_FILE_LIMITS.maxHeaderBytes) fail(`its header length field says ${headerLength} bytes, more than the ${MODEL_FILE_LIMITS.maxHeaderBytes}-byte limit`);
  if (PREAMBLE_BYTES + headerLength > n - CRC_BYTES) fail(`its header length field says ${headerLength} bytes, but only ${n - CRC_BYTES - PREAMBLE_BYTES} bytes precede the checksum`);
  if (headerLength % 4 !== 0) fail(`its header length ${headerLength} is not a multiple of 4 (the header is padded with spaces so the data area is 4-byte aligned)`);
  if (headerLength === 0) fail('its JSON header is empty');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerLength));
  } catch {
    return fail('its header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`its header is not valid JSON (${String((e as Error)?.message ?? e).slice(0, 120)})`);
  }
  const meta = checkMeta(header, false, fail, version);
  const dataStart = PREAMBLE_BYTES + headerLength;
  const table = checkSections((header as { sections?: unknown }).sections, meta, n - CRC_BYTES - dataStart, fail, version);
  return readModel(bytes, dataStart, meta, table, fail);
}

function readModel(bytes: Uint8Array, dataStart: number, meta: ModelMeta, table: Map<string, SectionEntry>, fail: Fail): ModelFile {
  const f32 = (name: string): Float32Array => {
    const s = table.get(name)!;
    return readF32(bytes, dataStart + s.offset, s.byteLength);
  };
  const shapes = weightShapes(meta.rule.rule, meta.rule.hidden, meta.rule.outputBias);
  const tensors = (prefix: string): Record<string, Float32Array> => Object.fromEntries(shapes.map((s) => [s.name, f32(prefix + s.name)]));
  const quantization: Quantization = {};
  const weights = Object.fromEntries(
    shapes.map((s) => {
      const e = table.get(s.name)!;
      if (e.dtype !== 'q8') return [s.name, f32(s.name)];
      const q = { scale: e.scale!, zero: e.zero! };
      quantization[s.name] = q;
      return [s.name, dequantizeTensor(bytes.subarray(dataStart + e.offset, dataStart + e.offset + e.byteLength), q)];
    }),
  );
  const model: ModelFile = { rule: meta.rule, grid: meta.grid, weights: checkedWeights(weights, meta.rule, 'model ') };
  if (Object.keys(quantization).length > 0) model.quantization = quantization;
  if (meta.origin) model.origin = meta.origin;
  if (meta.target) {
    const s = table.get('target')!;
    const { width, height } = meta.target;
    if (s.byteLength !== width * height * 4) fail(`section 'target' has ${s.byteLength} bytes, expected ${width * height * 4} for a ${width} × ${height} RGBA8 thumbnail`);
    model.target = { width, height, rgba: bytes.slice(dataStart + s.offset, dataStart + s.offset + s.byteLength) };
  }
  if (meta.training) {
    model.training = { ...meta.training };
    if (table.has('lossHistory')) {
      model.training.lossHistory = finiteArray(f32('lossHistory'), 'the loss history', MODEL_FILE_LIMITS.maxLossHistory, fail);
    }
  }
  if (meta.optimizer) {
    const m = checkedWeights(tensors('m.'), meta.rule, 'model optimizer moment m: ');
    const v = checkedWeights(tensors('v.'), meta.rule, 'model optimizer moment v: ');
    checkMoments(v, fail);
    model.optimizer = { step: meta.optimizer.step, m, v };
  }
  if (meta.curriculum) model.curriculum = meta.curriculum;
  if (meta.resume) model.resume = meta.resume;
  if (meta.quality) model.quality = meta.quality;
  if (meta.best) model.best = meta.best;
  const latest = shapes.filter((s) => table.has(`latest.${s.name}`));
  if (latest.length > 0) {
    if (latest.length < shapes.length) fail(`it has ${latest.length} of the ${shapes.length} 'latest.*' sections (the weights training resumes from): all or none`);
    model.latest = { weights: checkedWeights(tensors('latest.'), meta.rule, 'model latest weights: ') };
  }
  return model;
}

/**
 * Reads and fully validates a model file. Every problem, whatever the input, is reported as an
 * NcaGlError with code `bad-model` saying what is wrong and what to do.
 */
export function decodeModel(bytes: Uint8Array | ArrayBuffer): ModelFile {
  try {
    return decodeUnchecked(bytes);
  } catch (e) {
    if (e instanceof NcaGlError && e.code === 'bad-model') throw e;
    const what = e instanceof Error ? e.message.replace(/^nca-gl: /, '') : String(e);
    throw bad(`could not read the model file (${what.slice(0, 200)}): it is damaged or not an nca-gl model; use an earlier checkpoint`, e);
  }
}

/** Total number of parameters of a model file's rule. */
export function modelParameterCount(m: Pick<ModelFile, 'rule'>): number {
  return parameterCount(m.rule.rule, m.rule.hidden, m.rule.outputBias);
}
