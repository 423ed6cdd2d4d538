/**
 * Validation of the JSON part of a model file (and of the same fields of an in-memory model before
 * it is written). Every check calls `fail` with a message naming the field and what it must be;
 * the caller turns that into a `bad-model` NcaGlError with its own lead-in.
 * See docs/model-file.md for the format.
 */
import { describe } from '../errors';
import { MAX_HIDDEN, RULE_NAMES, ruleChoices, type Rule, type RuleConfig, weightShapes } from '../engine/model';
import { optionalBiasRules, RULES } from '../engine/rules';

/** Limits a loader enforces (and the encoder refuses to exceed). */
export const MODEL_FILE_LIMITS = {
  /** Whole file, bytes. */
  maxFileBytes: 64 * 1024 * 1024,
  /** JSON header, bytes (UTF-8). */
  maxHeaderBytes: 1024 * 1024,
  /** Training grid side. */
  maxGrid: 4096,
  /** Target thumbnail side. */
  maxThumbnail: 256,
  /** Values in the loss history. */
  maxLossHistory: 100_000,
  /** Characters (UTF-16 code units) in any string value. */
  maxString: 1024,
  /** Characters in a key of hyperparameters, curriculum or resume. */
  maxKey: 128,
  /** Entries in each of hyperparameters, curriculum and resume. */
  maxEntries: 256,
  /** Entries in the section table. */
  maxSections: 32,
} as const;

export type Fail = (message: string) => never;
export type Scalar = number | string | boolean;

/** Where an imported model came from (format 2): free text, each field optional. */
export interface OriginMeta {
  /** The format it was imported from, e.g. 'distill-json' or 'safetensors'. */
  format?: string;
  /** The file name it was imported from. */
  file?: string;
  /** Licence of the weights, e.g. 'CC-BY-4.0'. */
  license?: string;
  /** Who made it, and where it was published. */
  attribution?: string;
  /** Where it can be found. */
  url?: string;
}
export const ORIGIN_KEYS = ['format', 'file', 'license', 'attribution', 'url'] as const;

export interface TrainingMeta {
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
}

/** Everything in a model but its binary arrays. */
export interface ModelMeta {
  rule: RuleConfig;
  grid: { width: number; height: number };
  target?: { width: number; height: number };
  training?: TrainingMeta;
  optimizer?: { step: number };
  curriculum?: Record<string, number>;
  resume?: Record<string, Scalar>;
  /** Format 2: where an imported model came from. */
  origin?: OriginMeta;
  /** Format 3: the figures measured after training (see QualityMeta). */
  quality?: QualityMeta;
  /** Format 3: the snapshot keep-best kept (its weights are the file's weights). */
  best?: BestMeta;
}

/**
 * Format 3: how the model does from its task's hardest start, over `draws` draws, at T (`steps`),
 * 10·T and 50·T: mean PSNR (dB) and the worst draw's; `holdsSteps` the first measured step at which
 * the mean fell 3 dB below its best so far (50·T if it never did).
 */
export interface QualityMeta {
  draws: number;
  steps: number;
  psnrT: number;
  psnr10T: number;
  psnr50T: number;
  worstT: number;
  worst10T: number;
  worst50T: number;
  holdsSteps: number;
}

/**
 * Format 3: the snapshot keep-best kept: the iteration whose weights the file holds, its PSNR at T
 * (mean and worst) over `draws` seeded draws of the hardest start, the evaluation interval `every`
 * and how many evaluations were made. Training resumes from the `latest.*` sections when present.
 */
export interface BestMeta {
  iteration: number;
  psnr: number;
  worst: number;
  draws: number;
  steps: number;
  every: number;
  evaluations: number;
}

/** f32: float32 LE; u8: bytes; q8 (format 2, weights only): bytes q, value = scale · (q − zero). */
export type Dtype = 'f32' | 'u8' | 'q8';
export interface SectionEntry {
  name: string;
  dtype: Dtype;
  /** Bytes from the start of the data area (the first byte after the JSON header). */
  offset: number;
  byteLength: number;
  /** q8 only: value = scale · (q − zero). */
  scale?: number;
  zero?: number;
}

/** The .nca format versions this reader reads (1 … MODEL_FORMAT_VERSION; the writer writes the last). */
export const MODEL_FORMAT_VERSION = 3;

const TOP_KEYS_1 = ['rule', 'grid', 'target', 'training', 'optimizer', 'curriculum', 'resume'];
const TOP_KEYS_2 = [...TOP_KEYS_1, 'origin'];
const TOP_KEYS = [...TOP_KEYS_2, 'quality', 'best'];
const QUALITY_KEYS = ['draws', 'steps', 'psnrT', 'psnr10T', 'psnr50T', 'worstT', 'worst10T', 'worst50T', 'holdsSteps'] as const;
const BEST_KEYS = ['iteration', 'psnr', 'worst', 'draws', 'steps', 'every', 'evaluations'] as const;
/** The largest PSNR a file holds (a perfect match, infinite, is written as this). */
const MAX_PSNR = 200;
const TRAINING_STRINGS = ['task', 'preset', 'createdAt', 'software', 'renderer'] as const;
const TRAINING_KEYS = [...TRAINING_STRINGS, 'iterations', 'seed', 'durationMs', 'finalLoss', 'hyperparameters'];
const SECTION_KEYS = ['name', 'dtype', 'offset', 'byteLength'];
// C0 and C1 control characters and DEL: never printed raw by `nca-gl info`.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** True if `s` has an unpaired UTF-16 surrogate (which TextEncoder would silently replace). */
function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

const list = (keys: readonly string[]): string => keys.join(', ');

/** Checks that `v` is an object with only `allowed` keys (undefined values count as absent). */
export function checkObject(v: unknown, path: string, allowed: readonly string[], fail: Fail): Record<string, unknown> {
  if (!isRecord(v)) fail(`${path === '' ? 'the header' : `'${path}'`} must be an object, got ${describe(v)}`);
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) fail(`unknown field '${path === '' ? k : `${path}.${k}`}'${path === '' ? '' : ` in '${path}'`} (allowed: ${list(allowed)})`);
  }
  return v;
}

function field(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function required(o: Record<string, unknown>, path: string, key: string, fail: Fail): unknown {
  const v = o[key];
  if (v === undefined) fail(`missing field '${field(path, key)}'`);
  return v;
}

export function checkIntField(v: unknown, path: string, min: number, max: number, fail: Fail): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(`'${path}' must be an integer from ${min} to ${max}, got ${describe(v)}`);
  }
  return v;
}

function checkFinite(v: unknown, path: string, min: number, max: number, fail: Fail): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    const range = min === -Infinity ? (max === Infinity ? 'a finite number' : `a finite number at most ${max}`) : `a finite number from ${min}${max === Infinity ? ' up' : ` to ${max}`}`;
    fail(`'${path}' must be ${range}, got ${describe(v)}`);
  }
  return v;
}

function checkString(v: unknown, path: string, fail: Fail, max: number = MODEL_FILE_LIMITS.maxString): string {
  if (typeof v !== 'string') fail(`'${path}' must be a string, got ${describe(v)}`);
  if (v.length > max) fail(`'${path}' is ${v.length} characters long, the limit is ${max}`);
  if (CONTROL.test(v)) fail(`'${path}' contains a control character (${JSON.stringify(CONTROL.exec(v)![0])}); strings in a model file are single-line text`);
  if (hasLoneSurrogate(v)) fail(`'${path}' is not well-formed Unicode (it contains an unpaired surrogate)`);
  return v;
}

function checkScalar(v: unknown, path: string, fail: Fail): Scalar {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return checkString(v, path, fail);
  if (typeof v === 'number') return checkFinite(v, path, -Infinity, Infinity, fail);
  return fail(`'${path}' must be a number, a string or true/false, got ${describe(v)}`);
}

/** A flat map of bounded keys to checked values, rebuilt as a fresh object. */
function checkRecord<T>(v: unknown, path: string, value: (x: unknown, p: string) => T, fail: Fail): Record<string, T> {
  if (!isRecord(v)) fail(`'${path}' must be an object of name → value, got ${describe(v)}`);
  const keys = Object.keys(v);
  if (keys.length > MODEL_FILE_LIMITS.maxEntries) fail(`'${path}' has ${keys.length} entries, the limit is ${MODEL_FILE_LIMITS.maxEntries}`);
  const out: [string, T][] = [];
  for (const k of keys) {
    if (k.length === 0 || k.length > MODEL_FILE_LIMITS.maxKey) fail(`'${path}' has a key of ${k.length} characters; keys must have 1 to ${MODEL_FILE_LIMITS.maxKey}`);
    if (k === '__proto__') fail(`'${path}' may not have the key '__proto__'`);
    checkString(k, `${path}' key '${k.slice(0, 40)}`, fail);
    out.push([k, value(v[k], `${path}.${k}`)]);
  }
  return Object.fromEntries(out);
}

export function checkRuleConfig(v: unknown, path: string, fail: Fail, version = MODEL_FORMAT_VERSION, inMemory = false): RuleConfig {
  const o = checkObject(v, path, version >= 2 ? ['rule', 'hidden', 'rate', 'perCell', 'outputBias'] : ['rule', 'hidden', 'rate', 'perCell'], fail);
  const rule = required(o, path, 'rule', fail);
  if (!RULE_NAMES.includes(rule as Rule)) fail(`'${path}.rule' must be ${ruleChoices()}, got ${describe(rule)}`);
  const hidden = checkIntField(required(o, path, 'hidden', fail), `${path}.hidden`, 4, MAX_HIDDEN, fail);
  if (hidden % 4 !== 0) fail(`'${path}.hidden' must be a multiple of 4, got ${hidden}`);
  const rate = checkFinite(required(o, path, 'rate', fail), `${path}.rate`, 0, 1, fail);
  const perCell = required(o, path, 'perCell', fail);
  if (typeof perCell !== 'boolean') fail(`'${path}.perCell' must be true or false, got ${describe(perCell)}`);
  const cfg: RuleConfig = { rule: rule as Rule, hidden, rate, perCell };
  const bias = o.outputBias;
  if (bias !== undefined) {
    // The writer writes only `true`; an object in memory may say false.
    if (bias !== true && !(inMemory && bias === false)) fail(`'${path}.outputBias' must be true when present (leave it out for a model without an output bias), got ${describe(bias)}`);
    if (bias && RULES[rule as Rule].outputBias !== 'optional') fail(`'${path}.outputBias' is for the ${optionalBiasRules()} rule only (the ${rule} rule always has an output bias)`);
    if (bias) cfg.outputBias = true;
  }
  return cfg;
}

function checkSize(v: unknown, path: string, max: number, allowed: readonly string[], fail: Fail): { width: number; height: number } {
  const o = checkObject(v, path, allowed, fail);
  const width = checkIntField(required(o, path, 'width', fail), `${path}.width`, 1, max, fail);
  const height = checkIntField(required(o, path, 'height', fail), `${path}.height`, 1, max, fail);
  return { width, height };
}

function checkTraining(v: unknown, allowed: readonly string[], fail: Fail): TrainingMeta {
  const o = checkObject(v, 'training', allowed, fail);
  const t: TrainingMeta = {};
  for (const k of TRAINING_STRINGS) if (o[k] !== undefined) t[k] = checkString(o[k], `training.${k}`, fail);
  if (o.iterations !== undefined) t.iterations = checkIntField(o.iterations, 'training.iterations', 0, Number.MAX_SAFE_INTEGER, fail);
  if (o.seed !== undefined) t.seed = checkIntField(o.seed, 'training.seed', -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, fail);
  if (o.durationMs !== undefined) t.durationMs = checkFinite(o.durationMs, 'training.durationMs', 0, Infinity, fail);
  if (o.finalLoss !== undefined) t.finalLoss = checkFinite(o.finalLoss, 'training.finalLoss', -Infinity, Infinity, fail);
  if (o.hyperparameters !== undefined) {
    t.hyperparameters = checkRecord(o.hyperparameters, 'training.hyperparameters', (x, p) => checkScalar(x, p, fail), fail);
  }
  return t;
}

/**
 * Checks the non-binary fields of a model. `inMemory`: `v` is a ModelFile (its objects may also
 * hold their arrays: weights, target.rgba, training.lossHistory, optimizer.m/v); otherwise it is
 * a file header, whose only other key is `sections`.
 */
export function checkMeta(v: unknown, inMemory: boolean, fail: Fail, version = MODEL_FORMAT_VERSION): ModelMeta {
  const top = checkObject(v, '', [...(version >= 3 ? TOP_KEYS : version >= 2 ? TOP_KEYS_2 : TOP_KEYS_1), ...(inMemory ? ['weights', 'quantization', 'latest'] : ['sections'])], fail);
  const meta: ModelMeta = {
    rule: checkRuleConfig(required(top, '', 'rule', fail), 'rule', fail, version, inMemory),
    grid: checkSize(required(top, '', 'grid', fail), 'grid', MODEL_FILE_LIMITS.maxGrid, ['width', 'height'], fail),
  };
  if (top.target !== undefined) {
    const keys = inMemory ? ['width', 'height', 'rgba'] : ['width', 'height'];
    meta.target = checkSize(top.target, 'target', MODEL_FILE_LIMITS.maxThumbnail, keys, fail);
  }
  if (top.training !== undefined) meta.training = checkTraining(top.training, inMemory ? [...TRAINING_KEYS, 'lossHistory'] : TRAINING_KEYS, fail);
  if (top.optimizer !== undefined) {
    const o = checkObject(top.optimizer, 'optimizer', inMemory ? ['step', 'm', 'v'] : ['step'], fail);
    meta.optimizer = { step: checkIntField(required(o, 'optimizer', 'step', fail), 'optimizer.step', 0, Number.MAX_SAFE_INTEGER, fail) };
  }
  if (top.curriculum !== undefined) {
    meta.curriculum = checkRecord(top.curriculum, 'curriculum', (x, p) => checkFinite(x, p, -Infinity, Infinity, fail), fail);
  }
  if (top.resume !== undefined) meta.resume = checkRecord(top.resume, 'resume', (x, p) => checkScalar(x, p, fail), fail);
  if (top.origin !== undefined) {
    const o = checkObject(top.origin, 'origin', ORIGIN_KEYS, fail);
    const origin: OriginMeta = {};
    for (const k of ORIGIN_KEYS) if (o[k] !== undefined) origin[k] = checkString(o[k], `origin.${k}`, fail);
    meta.origin = origin;
  }
  if (top.quality !== undefined) meta.quality = checkQuality(top.quality, fail);
  if (top.best !== undefined) meta.best = checkBest(top.best, fail);
  if (inMemory && top.latest !== undefined && !meta.best) fail(`'latest' (the weights training resumes from) needs 'best' (the snapshot the file's weights are)`);
  return meta;
}

function checkQuality(v: unknown, fail: Fail): QualityMeta {
  const o = checkObject(v, 'quality', QUALITY_KEYS, fail);
  const int = (k: string, min: number) => checkIntField(required(o, 'quality', k, fail), `quality.${k}`, min, 0xffffffff, fail);
  const db = (k: string) => checkFinite(required(o, 'quality', k, fail), `quality.${k}`, -MAX_PSNR, MAX_PSNR, fail);
  const q: QualityMeta = {
    draws: int('draws', 1),
    steps: int('steps', 1),
    psnrT: db('psnrT'),
    psnr10T: db('psnr10T'),
    psnr50T: db('psnr50T'),
    worstT: db('worstT'),
    worst10T: db('worst10T'),
    worst50T: db('worst50T'),
    holdsSteps: int('holdsSteps', 1),
  };
  if (q.holdsSteps > q.steps * 50) fail(`'quality.holdsSteps' must be at most 50 × 'quality.steps' (${q.steps * 50}), got ${q.holdsSteps}`);
  return q;
}

function checkBest(v: unknown, fail: Fail): BestMeta {
  const o = checkObject(v, 'best', BEST_KEYS, fail);
  const int = (k: string, min: number) => checkIntField(required(o, 'best', k, fail), `best.${k}`, min, 0xffffffff, fail);
  const db = (k: string) => checkFinite(required(o, 'best', k, fail), `best.${k}`, -MAX_PSNR, MAX_PSNR, fail);
  return { iteration: int('iteration', 0), psnr: db('psnr'), worst: db('worst'), draws: int('draws', 1), steps: int('steps', 1), every: int('every', 1), evaluations: int('evaluations', 1) };
}

/** The sections a model with this metadata has: name → [dtype, required] (weights: f32, or q8 from format 2). */
export function expectedSections(meta: ModelMeta): Map<string, [Dtype, boolean]> {
  const m = new Map<string, [Dtype, boolean]>();
  const shapes = weightShapes(meta.rule.rule, meta.rule.hidden, meta.rule.outputBias);
  for (const s of shapes) m.set(s.name, ['f32', true]);
  if (meta.optimizer) for (const p of ['m', 'v']) for (const s of shapes) m.set(`${p}.${s.name}`, ['f32', true]);
  if (meta.target) m.set('target', ['u8', true]);
  if (meta.training) m.set('lossHistory', ['f32', false]);
  // format 3: the weights training resumes from, when keep-best kept an earlier snapshot (all or none)
  if (meta.best) for (const s of shapes) m.set(`latest.${s.name}`, ['f32', false]);
  return m;
}

/** What a section holds, for messages. */
export function sectionLabel(name: string): string {
  if (name === 'target') return 'target thumbnail';
  if (name === 'lossHistory') return 'loss history';
  if (name.startsWith('m.') || name.startsWith('v.')) return `optimizer moment ${name[0]} of weight '${name.slice(2)}'`;
  if (name.startsWith('latest.')) return `latest weight '${name.slice(7)}'`;
  return `weight '${name}'`;
}

function whyUnexpected(name: string, meta: ModelMeta): string {
  if (name === 'b1' || name.endsWith('.b1')) return `rule '${meta.rule.rule}' has no output bias b1 here${RULES[meta.rule.rule].outputBias === 'optional' ? ` (a ${meta.rule.rule} model with one says 'rule.outputBias': true)` : ''}`;
  if (name.startsWith('m.') || name.startsWith('v.')) return `the header has no 'optimizer' field`;
  if (name === 'target') return `the header has no 'target' field`;
  if (name === 'lossHistory') return `the header has no 'training' field`;
  if (name.startsWith('latest.')) return `the header has no 'best' field`;
  return 'nca-gl does not know this section';
}

/**
 * Checks the section table against the metadata and lays it out in a data area of `dataLength`
 * bytes: sections must tile it exactly (no gaps, no overlaps, nothing past the end).
 */
export function checkSections(v: unknown, meta: ModelMeta, dataLength: number, fail: Fail, version = MODEL_FORMAT_VERSION): Map<string, SectionEntry> {
  if (!Array.isArray(v)) fail(`'sections' must be an array of {name, dtype, offset, byteLength}, got ${describe(v)}`);
  if (v.length > MODEL_FILE_LIMITS.maxSections) fail(`'sections' has ${v.length} entries, the limit is ${MODEL_FILE_LIMITS.maxSections}`);
  const expected = expectedSections(meta);
  const found = new Map<string, SectionEntry>();
  v.forEach((e: unknown, i) => {
    const path = `sections[${i}]`;
    const q8 = version >= 2 && isRecord(e) && e.dtype === 'q8';
    const o = checkObject(e, path, q8 ? [...SECTION_KEYS, 'scale', 'zero'] : SECTION_KEYS, fail);
    const name = required(o, path, 'name', fail);
    if (typeof name !== 'string') fail(`'${path}.name' must be a string, got ${describe(name)}`);
    const exp = expected.get(name);
    if (!exp) fail(`unexpected section ${describe(name)} (${whyUnexpected(name, meta)})`);
    if (found.has(name)) fail(`section '${name}' is listed twice`);
    const dtype = required(o, path, 'dtype', fail);
    const weight = !name.includes('.') && exp[0] === 'f32' && name !== 'lossHistory';
    if (q8 && !weight) fail(`section '${name}' cannot be 8-bit quantised (dtype 'q8' is for the weights w0, b0, w1, b1 only)`);
    if (dtype !== exp[0] && !q8) fail(`section '${name}' must have dtype '${exp[0]}'${weight && version >= 2 ? " or 'q8'" : ''}, got ${describe(dtype)}`);
    const offset = checkIntField(required(o, path, 'offset', fail), `${path}.offset`, 0, MODEL_FILE_LIMITS.maxFileBytes, fail);
    const byteLength = checkIntField(required(o, path, 'byteLength', fail), `${path}.byteLength`, 0, MODEL_FILE_LIMITS.maxFileBytes, fail);
    if (offset % 4 !== 0) fail(`section '${name}' starts at data offset ${offset}, which is not a multiple of 4`);
    if (byteLength % 4 !== 0) fail(`section '${name}' is ${byteLength} bytes long, which is not a multiple of 4`);
    if (q8) {
      const scale = checkFinite(required(o, path, 'scale', fail), `${path}.scale`, 0, 1e30, fail);
      const zero = checkFinite(required(o, path, 'zero', fail), `${path}.zero`, 0, 255, fail);
      found.set(name, { name, dtype: 'q8', offset, byteLength, scale, zero });
    } else found.set(name, { name, dtype: exp[0], offset, byteLength });
  });
  for (const [name, [, req]] of expected) {
    if (req && !found.has(name)) fail(`section '${name}' (${sectionLabel(name)}) is missing from the section table`);
  }
  let pos = 0;
  let prev: SectionEntry | undefined;
  for (const s of [...found.values()].sort((a, b) => a.offset - b.offset || a.byteLength - b.byteLength)) {
    if (s.offset < pos) fail(`section '${s.name}' (data bytes ${s.offset}–${s.offset + s.byteLength}) overlaps section '${prev!.name}' (which ends at ${pos})`);
    if (s.offset > pos) fail(`${s.offset - pos} unused bytes before section '${s.name}' at data offset ${s.offset} (sections must follow one another without gaps)`);
    pos = s.offset + s.byteLength;
    if (pos > dataLength) fail(`section '${s.name}' (${s.byteLength} bytes of ${sectionLabel(s.name)} at data offset ${s.offset}) runs past the end of the data area, which is ${dataLength} bytes`);
    prev = s;
  }
  if (pos !== dataLength) fail(`${dataLength - pos} unused bytes after the last section (sections must fill the data area exactly)`);
  return found;
}
