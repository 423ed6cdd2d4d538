/**
 * The .nca model file: exact round trips, encoder validation, describeModel, and a seeded fuzz run
 * of malformed files that must all be rejected with a specific `bad-model` error.
 * The test builds files with its own writer (below), following docs/model-file.md, so the layout
 * the docs describe is checked independently of the encoder.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hash32 } from '../../src/engine/hash';
import { parameterCount, type Rule, type Weights } from '../../src/engine/model';
import { NcaGlError } from '../../src/errors';
import {
  decodeModel,
  describeModel,
  encodeModel,
  MODEL_FILE_EXTENSION,
  MODEL_FILE_LIMITS,
  MODEL_FORMAT_VERSION,
  MODEL_MAGIC,
  type ModelFile,
} from '../../src/io/model-file';
import { crc32 } from '../../src/io/model-file-crc';
import { randomWeights, uniform } from '../helpers/random';

// ------------------------------------------------------------------------------------------------
// Fixtures

function minimal(rule: Rule, hidden: number, seed = 1): ModelFile {
  return {
    rule: { rule, hidden, rate: rule === 'seed' ? 0.8 : 0.5, perCell: rule === 'growing' },
    grid: { width: 72, height: 40 },
    weights: randomWeights(rule, hidden, seed, { w0: 0.5, b0: 0.1, w1: 0.02, b1: 0.3 }),
  };
}

/** Weights with awkward float values: -0, subnormals, extremes. */
function awkward(w: Weights): Weights {
  w.w0[0] = -0;
  w.w0[1] = 1e-45;
  w.w0[2] = -3.4028234663852886e38;
  w.b0[0] = 3.4028234663852886e38;
  w.w1[w.w1.length - 1] = -1.1754942106924411e-38;
  return w;
}

function abs(w: Weights): Weights {
  for (const t of Object.values(w) as Float32Array[]) for (let i = 0; i < t.length; i++) t[i] = Math.abs(t[i]!);
  return w;
}

function thumbnail(width: number, height: number, seed: number): { width: number; height: number; rgba: Uint8Array } {
  return { width, height, rgba: Uint8Array.from(uniform(seed, 7, width * height * 4, 0, 256), (x) => Math.floor(x)) };
}

function full(rule: Rule, hidden: number, seed = 2): ModelFile {
  const m = minimal(rule, hidden, seed);
  awkward(m.weights);
  m.target = thumbnail(9, 5, seed);
  m.training = {
    task: 'emoji 🦎 "gecko"',
    preset: 'growing-persist',
    iterations: 8000,
    seed: -12345,
    createdAt: '2025-01-02T03:04:05.678Z',
    software: 'nca-gl 0.1.0',
    renderer: 'ANGLE (NVIDIA, Vulkan)',
    durationMs: 123456.75,
    finalLoss: 0.0012345,
    hyperparameters: { lr: 0.002, batch: 8, loss: 'mse', normalizeGradients: true, steps: 64 },
    lossHistory: uniform(seed, 9, 500, 0, 0.2),
  };
  m.optimizer = { step: 8000, m: randomWeights(rule, hidden, seed + 10, {}), v: abs(randomWeights(rule, hidden, seed + 11, { w0: 1e-3 })) };
  m.optimizer.v.w0[0] = 0;
  m.curriculum = { stage: 2, damageProbability: 0.25, poolSize: 1024 };
  m.resume = { rngCounter: 987654321, lrIndex: 1, phase: 'damage', pooled: true };
  return m;
}

/** Typed arrays → hex of their bytes (so comparisons are bitwise), undefined fields dropped. */
function canon(x: unknown): unknown {
  if (x instanceof Float32Array || x instanceof Uint8Array) {
    const b = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    return `${x.constructor.name}:${Buffer.from(b).toString('hex')}`;
  }
  if (Array.isArray(x)) return x.map(canon);
  if (typeof x === 'object' && x !== null) {
    return Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined).map(([k, v]) => [k, canon(v)]));
  }
  if (typeof x === 'number' && Object.is(x, -0)) return '-0';
  return x;
}

function expectSame(a: ModelFile, b: ModelFile): void {
  expect(canon(a)).toEqual(canon(b));
}

// ------------------------------------------------------------------------------------------------
// An independent reader/writer of the container, following docs/model-file.md

interface Entry {
  name: string;
  dtype: string;
  offset: number;
  byteLength: number;
}
interface Header {
  [k: string]: any;
  sections: Entry[];
}

function u32(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
}

function split(file: Uint8Array): { headerLength: number; headerText: string; header: Header; data: Uint8Array } {
  const headerLength = u32(file, 12);
  const headerText = new TextDecoder().decode(file.subarray(16, 16 + headerLength));
  return { headerLength, headerText, header: JSON.parse(headerText), data: file.slice(16 + headerLength, file.length - 4) };
}

const enc = new TextEncoder();

function frame(opts: { headerBytes: Uint8Array; data: Uint8Array; version?: number; headerLength?: number; magic?: readonly number[]; crc?: number | 'ok' }): Uint8Array {
  const h = opts.headerBytes;
  const out = new Uint8Array(16 + h.length + opts.data.length + 4);
  const dv = new DataView(out.buffer);
  out.set(opts.magic ?? MODEL_MAGIC, 0);
  dv.setUint32(8, opts.version ?? 1, true);
  dv.setUint32(12, opts.headerLength ?? h.length, true);
  out.set(h, 16);
  out.set(opts.data, 16 + h.length);
  const crc = opts.crc === undefined || opts.crc === 'ok' ? crc32(out, 0, out.length - 4) : opts.crc;
  dv.setUint32(out.length - 4, crc >>> 0, true);
  return out;
}

function padded(text: string, pad = 0x20): Uint8Array {
  const b = enc.encode(text);
  const out = new Uint8Array(Math.ceil(b.length / 4) * 4).fill(pad);
  out.set(b);
  return out;
}

/** A file with this header (as given, offsets untouched) and data area, valid CRC. */
function build(header: unknown, data: Uint8Array, opts: { version?: number } = {}): Uint8Array {
  return frame({ headerBytes: padded(JSON.stringify(header)), data, ...opts });
}

/** Recomputes the CRC of a file after editing it in place. */
function reseal(file: Uint8Array): Uint8Array {
  new DataView(file.buffer, file.byteOffset, file.byteLength).setUint32(file.length - 4, crc32(file, 0, file.length - 4), true);
  return file;
}

// ------------------------------------------------------------------------------------------------

describe('model file: CRC-32', () => {
  it('matches the standard check value', () => {
    expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('model file: round trip', () => {
  const parts = ['target', 'training', 'lossHistory', 'optimizer', 'curriculum', 'resume'] as const;
  for (const [rule, hidden] of [['seed', 8], ['growing', 128], ['seed', 256], ['growing', 4]] as const) {
    it(`is bitwise exact for rule '${rule}' hidden ${hidden}, with and without every optional part`, () => {
      const f = full(rule, hidden);
      const variants: ModelFile[] = [minimal(rule, hidden), f];
      for (const p of parts) {
        // only this part, and everything but this part
        const only = minimal(rule, hidden);
        const without: ModelFile = { ...f, training: { ...f.training } };
        if (p === 'lossHistory') {
          only.training = { lossHistory: f.training!.lossHistory! };
          delete without.training!.lossHistory;
        } else {
          (only as any)[p] = (f as any)[p];
          delete (without as any)[p];
        }
        variants.push(only, without);
      }
      variants.push({ ...minimal(rule, hidden), training: {} }, { ...minimal(rule, hidden), training: { lossHistory: new Float32Array(0) } });
      for (const m of variants) {
        const bytes = encodeModel(m);
        const back = decodeModel(bytes);
        expectSame(back, m);
        expect(Buffer.compare(encodeModel(back), bytes)).toBe(0);
        // the same through an ArrayBuffer and through an unaligned view
        expectSame(decodeModel(bytes.slice().buffer), m);
        const shifted = new Uint8Array(bytes.length + 3);
        shifted.set(bytes, 3);
        expectSame(decodeModel(shifted.subarray(3)), m);
      }
    });
  }

  it('lays the file out as docs/model-file.md says', () => {
    const m = full('seed', 8);
    const bytes = encodeModel(m);
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x4e, 0x43, 0x41, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(u32(bytes, 8)).toBe(MODEL_FORMAT_VERSION);
    const { headerLength, headerText, header, data } = split(bytes);
    expect(headerLength % 4).toBe(0);
    expect(enc.encode(headerText.trimEnd()).length).toBeGreaterThan(headerLength - 4);
    expect(Object.keys(header)).toEqual(['rule', 'grid', 'target', 'training', 'optimizer', 'curriculum', 'resume', 'sections']);
    expect(header.sections.map((s) => s.name)).toEqual(['w0', 'b0', 'w1', 'b1', 'm.w0', 'm.b0', 'm.w1', 'm.b1', 'v.w0', 'v.b0', 'v.w1', 'v.b1', 'target', 'lossHistory']);
    let pos = 0;
    for (const s of header.sections) {
      expect(s.offset).toBe(pos);
      pos += s.byteLength;
    }
    expect(pos).toBe(data.length);
    const w1 = header.sections.find((s) => s.name === 'w1')!;
    const dv = new DataView(data.buffer, data.byteOffset + w1.offset, w1.byteLength);
    expect(dv.getFloat32(4, true)).toBe(m.weights.w1[1]);
    expect(u32(bytes, bytes.length - 4)).toBe(crc32(bytes, 0, bytes.length - 4));
    expect(MODEL_FILE_EXTENSION).toBe('.nca');
    // a Node Buffer (a Uint8Array, often a view into a shared pool) reads the same
    expectSame(decodeModel(Buffer.from(bytes)), m);
  });

  it('handles the largest model the limits allow', () => {
    const m = full('seed', 256);
    m.target = thumbnail(256, 256, 3);
    m.grid = { width: 4096, height: 4096 };
    m.training!.lossHistory = uniform(3, 3, MODEL_FILE_LIMITS.maxLossHistory, 0, 1);
    const bytes = encodeModel(m);
    expect(bytes.length).toBeLessThan(2 * 1024 * 1024);
    expectSame(decodeModel(bytes), m);
  });

  it('uses no Node-only API and never evaluates code', () => {
    for (const f of ['model-file', 'model-file-schema', 'model-file-crc', 'model-file-describe']) {
      const src = readFileSync(new URL(`../../src/io/${f}.ts`, import.meta.url), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(src).not.toMatch(/\bBuffer\b|node:|from 'fs'|require\(|\beval\(|new Function|console\./);
    }
  });
});

describe('model file: encoder validation', () => {
  const cases: [string, (m: any) => void, RegExp][] = [
    ['hidden not a multiple of 4', (m) => (m.rule.hidden = 10), /'rule.hidden' must be a multiple of 4/],
    ['rate out of range', (m) => (m.rule.rate = 1.5), /'rule.rate'/],
    ['wrong weight length', (m) => (m.weights.w1 = new Float32Array(2000)), /weight 'w1' has 2000 values, expected 2048 \(16 × 128\) for rule 'growing' with hidden 128/],
    ['NaN weight', (m) => (m.weights.b0[3] = NaN), /weight 'b0' holds a non-finite value \(NaN\) at index 3/],
    ['b1 on growing', (m) => (m.weights.b1 = new Float32Array(16)), /no output bias/],
    ['negative v', (m) => (m.optimizer.v.w1[5] = -1e-9), /moment v of weight 'w1' holds a negative value/],
    ['Infinity in m', (m) => (m.optimizer.m.w0[0] = Infinity), /optimizer moment m: weight 'w0' holds a non-finite value/],
    ['thumbnail too big', (m) => (m.target = thumbnail(300, 2, 1)), /'target.width' must be an integer from 1 to 256/],
    ['thumbnail wrong length', (m) => (m.target.rgba = new Uint8Array(7)), /'target.rgba' has 7 bytes, expected 180/],
    ['loss history too long', (m) => (m.training.lossHistory = new Float32Array(100_001)), /100001 values, the limit is 100000/],
    ['NaN loss', (m) => (m.training.lossHistory[2] = NaN), /loss.*non-finite/i],
    ['grid too big', (m) => (m.grid.height = 5000), /'grid.height' must be an integer from 1 to 4096/],
    ['unknown field', (m) => (m.extra = 1), /unknown field 'extra'/],
    ['curriculum string', (m) => (m.curriculum.stage = 'two'), /'curriculum.stage' must be a finite number/],
    ['resume object', (m) => (m.resume.x = { y: 1 }), /'resume.x' must be a number, a string or true\/false/],
    ['control character', (m) => (m.training.task = 'a\x1b[31mb'), /'training.task' contains a control character/],
    ['long string', (m) => (m.training.renderer = 'r'.repeat(1025)), /'training.renderer' is 1025 characters long, the limit is 1024/],
    ['no model at all', (m) => Object.keys(m).forEach((k) => delete m[k]), /missing field 'rule'/],
  ];
  for (const [name, mutate, re] of cases) {
    it(`refuses to write a model with ${name}`, () => {
      const m = full('growing', 128);
      mutate(m);
      let err: unknown;
      try {
        encodeModel(m);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NcaGlError);
      expect((err as NcaGlError).code).toBe('bad-model');
      expect((err as NcaGlError).message).toMatch(/^nca-gl: cannot save model: /);
      expect((err as NcaGlError).message).toMatch(re);
    });
  }
});

describe('model file: describeModel', () => {
  it('mentions rule, hidden, grid and parameter count', () => {
    for (const m of [minimal('seed', 64), full('growing', 128)]) {
      const text = describeModel(m);
      expect(text).toContain(m.rule.rule);
      expect(text).toContain(`hidden ${m.rule.hidden}`);
      expect(text).toContain(`${m.grid.width} × ${m.grid.height}`);
      expect(text).toContain(String(parameterCount(m.rule.rule, m.rule.hidden)));
      expect(text.split('\n').length).toBeGreaterThan(3);
    }
    const text = describeModel(full('growing', 128));
    expect(text).toContain('8000 iterations');
    expect(text).toContain('step 8000');
    expect(text).toContain('9 × 5 thumbnail');
    expect(text).toContain('500 values');
  });

  it('names what a resume needs: the image, the iteration and every setting it continues with', () => {
    const m = full('growing', 64);
    const cli = { task: 'growth', width: 48, height: 48, lr: { boundaries: [2000], values: [0.002, 0.0005] }, seed: 1, pool: 256, fresh: 1, rule: 'growing', levels: 20, pace: 1000, preroll: 96 };
    m.resume = { iteration: 1250, lrScale: 0.5, image: 'heart', imageCrc: 1, cli: JSON.stringify(cli) };
    const text = describeModel(m);
    expect(text).toMatch(/resume state: +5 values: iteration 1250, learning rate ×0\.5 after a divergence/);
    expect(text).toContain('trained on:    "heart": continue with nca-gl train "heart" --resume');
    // all eleven settings, none cut (the settings row stops at eight), the schedule as JSON
    expect(text).toContain('resumes with:  task="growth", width=48, height=48, lr={"boundaries":[2000],"values":[0.002,0.0005]}, seed=1, pool=256, fresh=1, rule="growing", levels=20, pace=1000, preroll=96');
    // a record that is not JSON is not shown as settings
    m.resume.cli = '{not json';
    expect(describeModel(m)).not.toContain('resumes with');
  });

  it('escapes control characters from the file', () => {
    const m = full('seed', 8);
    m.training!.task = 'a\u001b[2Jb';
    expect(describeModel(m)).not.toContain('\u001b');
  });
});

// ------------------------------------------------------------------------------------------------
// Fuzz

/** Seeded generator on the project hash. */
function rng(seed: number) {
  let counter = 0;
  const u32 = (): number => hash32((hash32(seed >>> 0) ^ counter++) >>> 0);
  return { u32, int: (n: number): number => u32() % n, pick: <T>(a: readonly T[]): T => a[u32() % a.length]! };
}

interface Case {
  name: string;
  input: unknown;
  /** The message must match this. */
  expect?: RegExp;
}

type Mutation = [name: string, apply: (h: Header) => void, expect: RegExp, needsFull?: boolean];

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

function headerMutations(): Mutation[] {
  const sec = (h: Header, name: string): Entry => h.sections.find((s) => s.name === name)!;
  const last = (h: Header): Entry => h.sections.reduce((a, b) => (b.offset > a.offset ? b : a));
  const intField = (p: string) => new RegExp(`'${p.replace(/[.[\]]/g, '\\$&')}' must be an integer`);
  const m: Mutation[] = [];
  for (const v of ['128', 1e9, 2 ** 53, -4, 0, 1.5, null, true, [128], { n: 128 }]) {
    m.push([`rule.hidden = ${JSON.stringify(v)}`, (h) => (h.rule.hidden = v), intField('rule.hidden')]);
  }
  m.push(['rule.hidden = 6', (h) => (h.rule.hidden = 6), /'rule.hidden' must be a multiple of 4/]);
  m.push(['rule.hidden + 4', (h) => (h.rule.hidden += 4), /model weight 'w0' has \d+ values, expected \d+ \(\d+ × 48\) for rule '\w+' with hidden \d+/]);
  m.push(['delete rule.hidden', (h) => delete h.rule.hidden, /missing field 'rule.hidden'/]);
  m.push(['rule.rule = glider', (h) => (h.rule.rule = 'glider'), /'rule.rule' must be 'seed' or 'growing', got "glider"/]);
  m.push(['rule.rule swapped', (h) => (h.rule.rule = h.rule.rule === 'seed' ? 'growing' : 'seed'), /no output bias b1|section 'b1' \(weight 'b1'\) is missing/]);
  for (const v of [1.5, -0.1, '0.5', null, {}]) m.push([`rule.rate = ${JSON.stringify(v)}`, (h) => (h.rule.rate = v), /'rule.rate' must be a finite number from 0 to 1/]);
  for (const v of [1, 'true', null]) m.push([`rule.perCell = ${JSON.stringify(v)}`, (h) => (h.rule.perCell = v), /'rule.perCell' must be true or false/]);
  for (const v of [[], 'growing', 7]) m.push([`rule = ${JSON.stringify(v)}`, (h) => (h.rule = v), /'rule' must be an object/]);
  m.push(['rule.extra', (h) => (h.rule.extra = 1), /unknown field 'rule.extra' in 'rule'/]);
  m.push(['delete rule', (h) => delete h.rule, /missing field 'rule'/]);
  m.push(['grid = [72, 40]', (h) => (h.grid = [72, 40]), /'grid' must be an object, got an array of 2/]);
  for (const v of [0, 4097, -1, '64', 1.5, null]) m.push([`grid.width = ${JSON.stringify(v)}`, (h) => (h.grid.width = v), /'grid.width' must be an integer from 1 to 4096/]);
  m.push(['delete grid.height', (h) => delete h.grid.height, /missing field 'grid.height'/]);
  m.push(['delete grid', (h) => delete h.grid, /missing field 'grid'/]);
  m.push(['target.width = 300', (h) => (h.target.width = 300), /'target.width' must be an integer from 1 to 256/, true]);
  m.push(['target.width + 1', (h) => (h.target.width += 1), /section 'target' has 180 bytes, expected 200 for a 10 × 5 RGBA8 thumbnail/, true]);
  m.push(['delete target', (h) => delete h.target, /unexpected section "target" \(the header has no 'target' field\)/, true]);
  m.push(['target.rgba', (h) => (h.target.rgba = []), /unknown field 'target.rgba'/, true]);
  for (const v of [-1, '100', 1.5, 2 ** 60]) m.push([`training.iterations = ${v}`, (h) => (h.training.iterations = v), intField('training.iterations'), true]);
  m.push(['training.seed = 2^60', (h) => (h.training.seed = 2 ** 60), intField('training.seed'), true]);
  m.push(['training.task = 5', (h) => (h.training.task = 5), /'training.task' must be a string, got 5/, true]);
  m.push(['training.task long', (h) => (h.training.task = 'x'.repeat(2000)), /'training.task' is 2000 characters long, the limit is 1024/, true]);
  m.push(['training.task control', (h) => (h.training.task = 'a\u0007b'), /'training.task' contains a control character/, true]);
  m.push(['training.task surrogate', (h) => (h.training.task = 'a\ud800b'), /unpaired surrogate/, true]);
  m.push(['training.createdAt = {}', (h) => (h.training.createdAt = {}), /'training.createdAt' must be a string, got object/, true]);
  m.push(['training.durationMs = -5', (h) => (h.training.durationMs = -5), /'training.durationMs' must be a finite number from 0 up/, true]);
  m.push(['training.finalLoss = low', (h) => (h.training.finalLoss = 'low'), /'training.finalLoss' must be a finite number/, true]);
  m.push(['hyperparameters = []', (h) => (h.training.hyperparameters = [1, 2]), /'training.hyperparameters' must be an object of name → value/, true]);
  m.push(['hyperparameters nested', (h) => (h.training.hyperparameters.lr = { a: 1 }), /'training.hyperparameters.lr' must be a number, a string or true\/false/, true]);
  m.push(['hyperparameters null', (h) => (h.training.hyperparameters.lr = null), /'training.hyperparameters.lr' must be a number/, true]);
  m.push(['hyperparameters 300', (h) => (h.training.hyperparameters = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i]))), /300 entries, the limit is 256/, true]);
  m.push(['hyperparameters long key', (h) => (h.training.hyperparameters['k'.repeat(200)] = 1), /key of 200 characters/, true]);
  m.push(['training.lossHistory', (h) => (h.training.lossHistory = [1, 2]), /unknown field 'training.lossHistory'/, true]);
  m.push(['delete training', (h) => delete h.training, /unexpected section "lossHistory" \(the header has no 'training' field\)/, true]);
  m.push(['training = []', (h) => (h.training = []), /'training' must be an object/, true]);
  for (const v of [-1, 'x', 1e300]) m.push([`optimizer.step = ${v}`, (h) => (h.optimizer.step = v), intField('optimizer.step'), true]);
  m.push(['delete optimizer.step', (h) => delete h.optimizer.step, /missing field 'optimizer.step'/, true]);
  m.push(['optimizer.m', (h) => (h.optimizer.m = []), /unknown field 'optimizer.m'/, true]);
  m.push(['delete optimizer', (h) => delete h.optimizer, /unexpected section "m.w0" \(the header has no 'optimizer' field\)/, true]);
  m.push(['curriculum.x = str', (h) => (h.curriculum.x = 'str'), /'curriculum.x' must be a finite number/, true]);
  m.push(['curriculum = [1]', (h) => (h.curriculum = [1]), /'curriculum' must be an object/, true]);
  m.push(['resume.x = {}', (h) => (h.resume.x = { a: 1 }), /'resume.x' must be a number, a string or true\/false, got object/, true]);
  m.push(['resume.x = [1]', (h) => (h.resume.x = [1]), /'resume.x' must be a number, a string or true\/false, got an array of 1/, true]);
  m.push(['unknown top-level', (h) => (h.foo = 1), /unknown field 'foo' \(allowed: rule, grid, target, training, optimizer, curriculum, resume, sections\)/]);
  m.push(['top-level weights', (h) => (h.weights = {}), /unknown field 'weights'/]);
  m.push(['sections = {}', (h) => ((h as any).sections = {}), /'sections' must be an array/]);
  m.push(['delete sections', (h) => delete (h as any).sections, /'sections' must be an array of \{name, dtype, offset, byteLength\}, got undefined/]);
  m.push(['sections[0] = "w0"', (h) => ((h.sections as any)[0] = 'w0'), /'sections\[0\]' must be an object/]);
  m.push(['section name W0', (h) => (h.sections[0]!.name = 'W0'), /unexpected section "W0" \(nca-gl does not know this section\)/]);
  m.push(['section name 5', (h) => ((h.sections[0] as any).name = 5), /'sections\[0\].name' must be a string/]);
  m.push(['dtype u8', (h) => (h.sections[0]!.dtype = 'u8'), /section 'w0' must have dtype 'f32', got "u8"/]);
  m.push(['dtype f64', (h) => (h.sections[1]!.dtype = 'f64'), /section 'b0' must have dtype 'f32', got "f64"/]);
  m.push(['offset 2', (h) => (h.sections[0]!.offset = 2), /section 'w0' starts at data offset 2, which is not a multiple of 4/]);
  for (const v of [-4, '0', null, 1.5]) m.push([`offset ${JSON.stringify(v)}`, (h) => ((h.sections[1] as any).offset = v), intField('sections[1].offset')]);
  for (const v of [2 ** 31, 2 ** 53, 1e300, -4, 4.5, '100', 2 ** 26 + 4]) m.push([`byteLength ${JSON.stringify(v)}`, (h) => ((h.sections[0] as any).byteLength = v), intField('sections[0].byteLength')]);
  m.push(['byteLength 64 MiB', (h) => (last(h).byteLength = 2 ** 26), /runs past the end of the data area/]);
  m.push(['byteLength 6', (h) => (h.sections[2]!.byteLength = 6), /section 'w1' is 6 bytes long, which is not a multiple of 4/]);
  m.push(['last byteLength + 4', (h) => (last(h).byteLength += 4), /runs past the end of the data area, which is \d+ bytes/]);
  m.push(['last byteLength - 4', (h) => (last(h).byteLength -= 4), /4 unused bytes after the last section/]);
  m.push(['first byteLength - 4', (h) => (sec(h, 'w0').byteLength -= 4), /4 unused bytes before section 'b0'/]);
  m.push(['overlap', (h) => (sec(h, 'w1').offset -= 4), /section 'w1' \(data bytes \d+–\d+\) overlaps section 'b0'/]);
  m.push(['swap offsets', (h) => ([h.sections[0]!.offset, h.sections[1]!.offset] = [h.sections[1]!.offset, h.sections[0]!.offset]), /unused bytes before section|overlaps/]);
  m.push(['duplicate w0', (h) => h.sections.push({ ...h.sections[0]! }), /section 'w0' is listed twice/]);
  m.push(['missing b0', (h) => h.sections.splice(1, 1), /section 'b0' \(weight 'b0'\) is missing from the section table/]);
  m.push(['extra section foo', (h) => h.sections.push({ name: 'foo', dtype: 'f32', offset: 0, byteLength: 0 }), /unexpected section "foo"/]);
  m.push(['40 sections', (h) => (h.sections = Array.from({ length: 40 }, () => ({ ...h.sections[0]! }))), /'sections' has 40 entries, the limit is 32/]);
  m.push(['section extra field', (h) => ((h.sections[0] as any).crc = 1), /unknown field 'sections\[0\].crc' in 'sections\[0\]'/]);
  m.push(['section without dtype', (h) => delete (h.sections[0] as any).dtype, /missing field 'sections\[0\].dtype'/]);
  m.push(['b1 section on any rule', (h) => h.sections.push({ name: h.rule.rule === 'seed' ? 'm.w0' : 'b1', dtype: 'f32', offset: 0, byteLength: 0 }), /unexpected section "(m.w0|b1)"|listed twice/]);
  return m;
}

/** Header text edits (CRC recomputed): [name, edit, expected]. */
function textMutations(): [string, (t: string) => string, RegExp][] {
  const num = (key: string, v: string) => (t: string) => t.replace(new RegExp(`"${key}":[-0-9.e]+`), `"${key}":${v}`);
  return [
    ['hidden NaN', num('hidden', 'NaN'), /header is not valid JSON/],
    ['rate Infinity', num('rate', 'Infinity'), /header is not valid JSON/],
    ['rate -Infinity', num('rate', '-Infinity'), /header is not valid JSON/],
    ['rate 1e999', num('rate', '1e999'), /'rule.rate' must be a finite number from 0 to 1, got Infinity/],
    ['width -1e999', num('width', '-1e999'), /'grid.width' must be an integer from 1 to 4096, got -Infinity/],
    ['hidden 1e999', num('hidden', '1e999'), /'rule.hidden' must be an integer from 4 to 256, got Infinity/],
    ['hidden 1e-999', num('hidden', '1e-999'), /'rule.hidden' must be an integer from 4 to 256, got 0/],
    ['offset 1e999', num('offset', '1e999'), /'sections\[0\].offset' must be an integer/],
    ['hidden hex', num('hidden', '0x80'), /header is not valid JSON/],
    ['code', (t) => t.replace('{', '{"x": (function(){ return 1 })(), '), /header is not valid JSON/],
    ['comment', (t) => t.replace('{', '{/* hi */'), /header is not valid JSON/],
    ['js object literal', (t) => t.replace('"rule":', 'rule:'), /header is not valid JSON/],
    ['truncated JSON', (t) => t.trimEnd().slice(0, -1), /header is not valid JSON/],
    ['array', (t) => `[${t}]`, /the header must be an object, got an array of 1/],
    ['string', () => '"model"', /the header must be an object, got "model"/],
    ['null', () => 'null', /the header must be an object, got null/],
    ['number', () => '42', /the header must be an object, got 42/],
    ['empty', () => '', /JSON header is empty/],
    ['spaces', () => '    ', /header is not valid JSON/],
    ['BOM', (t) => '\ufeff' + t, /header is not valid JSON/],
    ['duplicate key', (t) => t.replace(/}\s*$/, ',"rule":"x"}'), /'rule' must be an object, got "x"/],
    ['__proto__ in resume', (t) => (t.includes('"resume":{') ? t.replace('"resume":{', '"resume":{"__proto__":{"polluted":1},') : t.replace('"grid":', '"resume":{"__proto__":{"polluted":1}},"grid":')), /'resume' may not have the key '__proto__'/],
    ['deep nesting', () => '['.repeat(200_000) + ']'.repeat(200_000), /header must be an object|not valid JSON/],
    ['deep object nesting', () => '{"rule":'.repeat(50_000) + '1' + '}'.repeat(50_000), /'rule(\.rule)?' must be|not valid JSON/],
  ];
}

function buildCases(): Case[] {
  const r = rng(0x5eed_f00d);
  const cases: Case[] = [];
  const add = (name: string, input: unknown, expect?: RegExp): void => void cases.push({ name, input, expect });
  const bases: [string, ModelFile][] = [
    ['A growing/4 minimal', minimal('growing', 4, 5)],
    ['B seed/8 full', full('seed', 8, 6)],
    ['C growing/128 full', full('growing', 128, 7)],
  ];
  const files = bases.map(([name, m]) => [name, encodeModel(m)] as const);
  const fileA = files[0]![1];

  // 1. empty input and things that are not bytes
  add('empty Uint8Array', new Uint8Array(0), /model file is empty/);
  add('empty ArrayBuffer', new ArrayBuffer(0), /model file is empty/);
  for (const v of [null, undefined, 'a model', 42, {}, [1, 2, 3], { byteLength: 10 }]) add(`not bytes: ${JSON.stringify(v)}`, v, /cannot read a model from .*: pass the file's bytes as a Uint8Array or ArrayBuffer/);

  // 2. random bytes, and random bytes behind a valid signature / version
  for (let i = 0; i < 150; i++) add(`random ${i}`, Uint8Array.from({ length: r.int(3000) + 1 }, () => r.int(256)));
  for (let i = 0; i < 100; i++) {
    const b = Uint8Array.from({ length: r.int(3000) + 8 }, () => r.int(256));
    b.set(MODEL_MAGIC);
    if (i % 2 === 0 && b.length >= 12) b.set([1, 0, 0, 0], 8);
    add(`random after magic ${i}`, b);
  }
  for (let i = 0; i < 50; i++) {
    // a plausible frame with a random (validly sealed) header
    const text = JSON.stringify({ rule: r.pick([1, 'seed', {}, { rule: 'seed' }]), grid: r.pick([[], { width: r.int(9000) }]), sections: r.pick([[], {}, [1]]) });
    add(`random sealed header ${i}`, frame({ headerBytes: padded(text), data: Uint8Array.from({ length: 4 * r.int(64) }, () => r.int(256)) }));
  }

  // 3. truncation: at every length for the small file, at every boundary (±1, ±4) and at random for the others
  for (let n = 0; n < fileA.length; n++) add(`A cut to ${n}`, fileA.slice(0, n), n === 0 ? /empty/ : /truncated/);
  for (const [name, f] of files.slice(1)) {
    const { headerLength, header } = split(f);
    const marks = new Set<number>([0, 4, 8, 12, 16, 16 + headerLength, f.length - 4]);
    for (const s of header.sections) marks.add(16 + headerLength + s.offset).add(16 + headerLength + s.offset + s.byteLength);
    const cuts = new Set<number>();
    for (const mk of marks) for (const d of [-4, -1, 0, 1, 4]) if (mk + d >= 1 && mk + d < f.length) cuts.add(mk + d);
    for (let i = 0; i < 30; i++) cuts.add(1 + r.int(f.length - 1));
    for (const n of cuts) add(`${name} cut to ${n}`, f.slice(0, n), /truncated/);
  }

  // 4. random byte flips (CRC left alone)
  for (let i = 0; i < 450; i++) {
    const [name, f] = r.pick(files);
    const b = f.slice();
    const flips = 1 + (i % 3 === 0 ? r.int(4) : 0);
    let lowest = Infinity;
    for (let k = 0; k < flips; k++) {
      const p = r.int(b.length);
      b[p]! ^= 1 + r.int(255);
      lowest = Math.min(lowest, p);
    }
    const dataStart = 16 + u32(f, 12);
    add(`${name} flip ${i}`, b, lowest >= dataStart && lowest < b.length - 4 && flips === 1 ? /model file is corrupt \(checksum mismatch/ : undefined);
  }

  // 5. bad checksum, otherwise valid; bytes appended
  for (const [name, f] of files) {
    for (let bit = 0; bit < 32; bit++) {
      const b = f.slice();
      b[b.length - 4 + (bit >> 3)]! ^= 1 << (bit & 7);
      add(`${name} crc bit ${bit}`, b, /model file is corrupt \(checksum mismatch: stored CRC-32 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\): the file was damaged; use an earlier checkpoint/);
    }
    for (const extra of [1, 3, 4, 100]) {
      const b = new Uint8Array(f.length + extra);
      b.set(f);
      add(`${name} +${extra} bytes`, b, new RegExp(`has ${extra} unexpected bytes after its end`));
    }
  }

  // 6. wrong magic: every byte, and the ways text-mode transfers and other formats look
  for (let i = 0; i < 8; i++) {
    for (const x of [0x01, 0x20, 0x80]) {
      const b = fileA.slice();
      b[i]! ^= x;
      add(`magic byte ${i} ^ ${x}`, b, /^nca-gl: not an nca-gl model file \(bad magic bytes\): expected a \.nca file written by nca-gl/);
    }
  }
  const withPrefix = (p: number[], rest: Uint8Array) => Uint8Array.from([...p, ...rest]);
  add('CRLF → LF', withPrefix([0x89, 0x4e, 0x43, 0x41, 0x0a, 0x1a, 0x0a], fileA.subarray(8)), /bad magic bytes.*binary mode/);
  add('LF → CRLF', withPrefix([0x89, 0x4e, 0x43, 0x41, 0x0d, 0x0a, 0x1a, 0x0d, 0x0a], fileA.subarray(8)), /bad magic bytes.*binary mode/);
  add('decoded as UTF-8 text', withPrefix([0xef, 0xbf, 0xbd, 0x4e, 0x43, 0x41, 0x0d, 0x0a, 0x1a, 0x0a], fileA.subarray(8)), /bad magic bytes.*binary mode/);
  add('high bit stripped', withPrefix([0x09, 0x4e, 0x43, 0x41, 0x0d, 0x0a, 0x1a, 0x0a], fileA.subarray(8)), /bad magic bytes.*binary mode/);
  add('PNG', withPrefix([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], fileA.subarray(8)), /bad magic bytes.*PNG image/);
  add('JSON weights', enc.encode(JSON.stringify({ rule: 'growing', w0: [1, 2] })), /bad magic bytes.*JSON text/);
  add('short non-magic', Uint8Array.from([1, 2, 3]), /bad magic bytes/);
  for (let n = 1; n < 8; n++) add(`magic prefix ${n}`, Uint8Array.from(MODEL_MAGIC.slice(0, n)), /truncated: it ends after \d+ bytes, inside the 8-byte signature/);

  // 7. wrong version (sealed and not)
  for (const [name, f] of files) {
    for (const v of [0, 4, 7, 1000, 1001, 0x7fffffff, 0xffffffff]) {
      for (const seal of [true, false]) {
        const b = f.slice();
        new DataView(b.buffer).setUint32(8, v, true);
        if (seal) reseal(b);
        add(`${name} version ${v}${seal ? '' : ' unsealed'}`, b, v > MODEL_FORMAT_VERSION && v <= 1000 ? new RegExp(`this file was written by a newer nca-gl \\(format ${v}\\); upgrade`) : /format version \d+ is not a version nca-gl ever wrote/);
      }
    }
  }

  // 8. oversize and odd claims in the header length field (sealed and not)
  for (const [name, f] of files) {
    const h = u32(f, 12);
    for (const v of [0, 1, 2, 3, h - 4, h + 1, h + 4, f.length, f.length - 19, 2 ** 20, 2 ** 20 + 4, 2 ** 31, 0xffffffff]) {
      for (const seal of [true, false]) {
        const b = f.slice();
        new DataView(b.buffer).setUint32(12, v >>> 0, true);
        if (seal) reseal(b);
        add(`${name} header length ${v}${seal ? '' : ' unsealed'}`, b, seal ? /invalid model file/ : /truncated|corrupt/);
      }
    }
  }
  add('file over 64 MiB', frame({ headerBytes: padded('{}'), data: new Uint8Array(MODEL_FILE_LIMITS.maxFileBytes) }), /model file is 67108888 bytes, more than the 67108864-byte \(64 MiB\) limit/);
  {
    const { header, data } = split(fileA);
    const text = JSON.stringify(header);
    add('header over 1 MiB', frame({ headerBytes: padded(text + ' '.repeat(MODEL_FILE_LIMITS.maxHeaderBytes)), data }), /header length field says \d+ bytes, more than the 1048576-byte limit/);
    add('header length not multiple of 4', frame({ headerBytes: enc.encode(text + ' '.repeat(4 - (text.length % 4) + 1)), data }), /header length \d+ is not a multiple of 4/);
    const nul = new Uint8Array(Math.ceil((text.length + 1) / 4) * 4);
    nul.set(enc.encode(text));
    add('header padded with NUL', frame({ headerBytes: nul, data }), /header is not valid JSON/);
    const bad = padded(text);
    bad[5] = 0xff;
    add('header not UTF-8', frame({ headerBytes: bad, data }), /header is not valid UTF-8/);
    const overlong = padded(text);
    overlong.set([0xc0, 0xaf], overlong.indexOf(0x67)); // an overlong '/' over "gr" of "grid"
    add('header overlong UTF-8', frame({ headerBytes: overlong, data }), /header is not valid UTF-8/);
  }

  // 9. header JSON mutations, validly sealed: the validator, not the checksum, must catch them
  for (const [name, f] of files) {
    const { header, data } = split(f);
    const isFull = name !== files[0]![0];
    for (const [mName, apply, re, needsFull] of headerMutations()) {
      if (needsFull && !isFull) continue;
      const h = clone(header);
      apply(h);
      add(`${name} header: ${mName}`, build(h, data), re);
    }
    const text = JSON.stringify(header);
    for (const [mName, edit, re] of textMutations()) add(`${name} text: ${mName}`, frame({ headerBytes: padded(edit(text)), data }), re);
  }

  // 10. valid checksum, invalid binary content
  for (const [name, f] of files.slice(1)) {
    const { headerLength, header } = split(f);
    for (const s of header.sections) {
      if (s.dtype !== 'f32' || s.byteLength === 0) continue;
      const values = s.name.startsWith('v.') ? [NaN, Infinity, -Infinity, -1] : [NaN, Infinity, -Infinity];
      for (const v of values) {
        const b = f.slice();
        const at = 16 + headerLength + s.offset + 4 * r.int(s.byteLength / 4);
        new DataView(b.buffer).setFloat32(at, v, true);
        const re = v === -1 ? new RegExp(`moment v of weight '${s.name.slice(2)}' holds a negative value`) : /holds a non-finite value/;
        add(`${name} ${s.name} = ${v}`, reseal(b), re);
      }
    }
    // a NaN with a payload, and a loss history over the limit
    const b = f.slice();
    new DataView(b.buffer).setUint32(16 + headerLength, 0x7fc01234, true);
    add(`${name} w0 = NaN payload`, reseal(b), /model weight 'w0' holds a non-finite value \(NaN\) at index 0/);
    const h = clone(header);
    const lh = h.sections.find((s) => s.name === 'lossHistory')!;
    const extra = 4 * (MODEL_FILE_LIMITS.maxLossHistory + 1) - lh.byteLength;
    lh.byteLength += extra;
    const data = new Uint8Array(split(f).data.length + extra);
    data.set(split(f).data);
    add(`${name} loss history too long`, build(h, data), /the loss history has 100001 values, the limit is 100000/);
  }
  // sections present in the data but not allowed by the header
  {
    const { header, data } = split(fileA);
    for (const [nm, dtype, re] of [['lossHistory', 'f32', /no 'training' field/], ['target', 'u8', /no 'target' field/], ['b1', 'f32', /rule 'growing' has no output bias b1/], ['v.w0', 'f32', /no 'optimizer' field/]] as const) {
      const h = clone(header);
      h.sections.push({ name: nm, dtype, offset: data.length, byteLength: 64 });
      add(`A extra section ${nm}`, build(h, new Uint8Array(data.length + 64)), re);
    }
  }
  return cases;
}

describe('model file: fuzz', () => {
  it('rejects >= 1000 malformed files, each with a specific bad-model error, quickly', () => {
    const t0 = performance.now();
    const cases = buildCases();
    const built = performance.now();
    const failures: string[] = [];
    const messages: string[] = [];
    for (const c of cases) {
      try {
        decodeModel(c.input as Uint8Array);
        failures.push(`${c.name}: accepted`);
      } catch (e) {
        if (!(e instanceof NcaGlError)) {
          failures.push(`${c.name}: threw ${String(e)}`);
          continue;
        }
        if (e.code !== 'bad-model') failures.push(`${c.name}: code ${e.code}`);
        if (!e.message.startsWith('nca-gl: ')) failures.push(`${c.name}: message without prefix: ${e.message}`);
        if (/could not read the model file/.test(e.message)) failures.push(`${c.name}: fell through to the catch-all: ${e.message}`);
        if (c.expect && !c.expect.test(e.message)) failures.push(`${c.name}: message ${JSON.stringify(e.message)} does not match ${c.expect}`);
        messages.push(e.message);
      }
    }
    const elapsed = performance.now() - built;
    expect(failures.slice(0, 20)).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    expect(messages.length).toBe(cases.length);
    // specific messages: many distinct kinds, not one generic text
    const kinds = new Set(messages.map((m) => m.replace(/\d+/g, '#').replace(/"[^"]*"/g, '""').slice(0, 70)));
    expect(kinds.size).toBeGreaterThan(60);
    expect(cases.filter((c) => c.expect).length).toBeGreaterThan(900);
    expect(elapsed).toBeLessThan(20_000);
    // prototype pollution did not happen
    expect(({} as any).polluted).toBeUndefined();
    console.log(`model-file fuzz: ${cases.length} cases (${cases.filter((c) => c.expect).length} with a checked message), ${kinds.size} kinds of message; built in ${(built - t0).toFixed(0)} ms, decoded in ${elapsed.toFixed(0)} ms`);
  });
});
