/**
 * The adversarial suite, Node half: hostile but valid inputs (test/helpers/hostile.ts) meet the
 * resource budget, the model-field readers, the image-header check, the input-file reader, the
 * output-path check and the terminal escaping. Each refusal names the field (or file) and comes
 * within 5 s; the CLI commands run in-process through main() (no browser is started: every refusal
 * here comes before one would be).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as gifencModule from 'gifenc';
import { describe, expect, it } from 'vitest';
import { prepareFolder } from '../../src/cli/atomic';
import { EXIT } from '../../src/cli/errors';
import { encodePng } from '../../src/cli/images';
import { readInputFile } from '../../src/cli/input';
import { main } from '../../src/cli/main';
import {
  checkEngineBudget,
  checkRenderWork,
  DEFAULT_MEMORY_BUDGET,
  engineBytes,
  MODEL_FIELD_NAMES,
  resolveMemoryBudget,
} from '../../src/engine/budget';
import { NcaGlError, safeText } from '../../src/errors';
import { readCapped } from '../../src/io/fetch-capped';
import { checkImageHeader, imageHeader } from '../../src/io/image-header';
import { encodeModel } from '../../src/io/model-file';
import { describeModel } from '../../src/io/model-file-describe';
import { checkCurriculumRecord, hyperSteps, resumeIteration, resumeLrScale, trainedSteps } from '../../src/io/model-fields';
import { checkTrainingBudget, trainerBytes } from '../../src/train/budget';
import { baseModel, headerOf, hostileModels, pngBomb } from '../helpers/hostile';

function capture() {
  let out = '';
  let err = '';
  const io = { stdout: { write: (s: string) => ((out += s), true), isTTY: false }, stderr: { write: (s: string) => ((err += s), true), isTTY: false }, env: {} as NodeJS.ProcessEnv };
  return { io, get out() { return out; }, get err() { return err; } };
}

const over = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NcaGlError);
    expect((e as NcaGlError).code).toBe('over-budget');
    return (e as Error).message;
  }
  throw new Error('expected an over-budget refusal');
};

const dir = () => mkdtempSync(join(tmpdir(), 'nca-gl-hostile-'));

describe('the resource budget', () => {
  it('counts the bytes the engine allocates (2 states + packed scratch + parameters)', () => {
    // 64×64, batch 1, hidden 128: states 2 × 64·64·4·16, scratch 32·64·8·16, params 129 × 36 texels
    expect(engineBytes({ width: 64, height: 64, batch: 1, hidden: 128 })).toBe(2 * 64 * 64 * 64 + 32 * 64 * 128 + 129 * 36 * 16);
    // half floats halve the state and scratch
    expect(engineBytes({ width: 64, height: 64, batch: 1, hidden: 128 }, 4096, 8)).toBe(64 * 64 * 64 + 32 * 64 * 64 + 129 * 36 * 16);
  });

  it('refuses a 4096² grid for the widget, naming the field, its value and what fits', () => {
    const m = over(() => checkEngineBudget({ width: 4096, height: 4096, batch: 1, hidden: 128 }, { names: MODEL_FIELD_NAMES }));
    expect(m).toMatch(/^nca-gl: 'grid\.width' is 4096: .*needs about [\d.]+ GiB of GPU memory, over the budget of 1 GiB; 'grid\.width' of at most (\d+) fits/);
    const fits = Number(/at most (\d+) fits/.exec(m)![1]);
    // the width it offers fits, one more does not
    expect(engineBytes({ width: fits, height: 4096, batch: 1, hidden: 128 })).toBeLessThanOrEqual(DEFAULT_MEMORY_BUDGET);
    expect(engineBytes({ width: fits + 1, height: 4096, batch: 1, hidden: 128 })).toBeGreaterThan(DEFAULT_MEMORY_BUDGET);
    // a raised budget lets it through; a 2048² grid fits the default
    expect(checkEngineBudget({ width: 4096, height: 4096, batch: 1, hidden: 128 }, { budget: 8 * 2 ** 30 })).toBeGreaterThan(DEFAULT_MEMORY_BUDGET);
    expect(checkEngineBudget({ width: 2048, height: 2048, batch: 1, hidden: 128 })).toBeLessThan(DEFAULT_MEMORY_BUDGET);
  });

  it('checks the device limits: MAX_TEXTURE_SIZE per side and for the batch atlas, MAX_ARRAY_TEXTURE_LAYERS', () => {
    const limits = { maxTextureSize: 2048, maxArrayLayers: 128 };
    expect(over(() => checkEngineBudget({ width: 3000, height: 8, batch: 1, hidden: 8 }, { limits }))).toMatch(/'width' is 3000, over this device's texture limit of 2048 \(MAX_TEXTURE_SIZE\)/);
    expect(over(() => checkEngineBudget({ width: 512, height: 512, batch: 17, hidden: 8 }, { limits }))).toMatch(/'batch' is 17: .* at most 16 fit/);
    const t = { rule: 'growing' as const, width: 32, height: 32, batch: 1, hidden: 256, steps: 96 };
    expect(over(() => checkTrainingBudget(t, { limits }))).toMatch(/'hidden' is 256: .* 256 layers, over this device's limit of 128 \(MAX_ARRAY_TEXTURE_LAYERS\)/);
    expect(over(() => checkTrainingBudget({ ...t, hidden: 32, steps: 200 }, { limits }))).toMatch(/'steps' is 200: .* 200 layers/);
  });

  it('refuses --size 1024 --batch 64 --hidden 256 as over the budget, naming the flag (exit 2, before any browser)', async () => {
    const c = capture();
    const t0 = Date.now();
    expect(await main(['train', 'lizard', '--size', '1024', '--batch', '64', '--hidden', '256', '--out', join(dir(), 'x.nca')], c.io)).toBe(EXIT.usage);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(c.err).toMatch(/^nca-gl: train: '--size' is 1024: training 64 grids of 1024×1024 \(--batch 64, .*--size 1024, --hidden 256\) needs about [\d.]+ GiB of GPU memory, over the budget of 1 GiB; '--size' of at most \d+ fits/);
    expect(c.err).not.toMatch(/float textures|device/);
    // NCA_GL_MEMORY_MIB raises the budget; the message names it
    expect(c.err).toContain('NCA_GL_MEMORY_MIB');
  });

  it('matches what the trainer allocates for a small configuration (checked against the GPU in the browser suite)', () => {
    const a = trainerBytes({ rule: 'growing', width: 16, height: 16, batch: 2, hidden: 16, steps: 8 });
    const b = trainerBytes({ rule: 'growing', width: 16, height: 16, batch: 2, hidden: 16, steps: 9 });
    // one more step: one more 4-layer rgba32f state of the 32×16 atlas and one more r8 alive layer
    expect(b - a).toBe(32 * 16 * 4 * 16 + 32 * 16);
  });

  it('caps render steps and work', () => {
    const s = { width: 64, height: 64, batch: 1, hidden: 128 };
    expect(() => checkRenderWork(s, 4096)).not.toThrow();
    expect(over(() => checkRenderWork(s, 1e9))).toMatch(/'steps' is 1000000000, outside the limit of 0 … 100000/);
    expect(over(() => checkRenderWork(s, 1e308))).toMatch(/'steps' is 1e\+308/);
    expect(over(() => checkRenderWork({ width: 1024, height: 1024, batch: 1, hidden: 256 }, 100_000))).toMatch(/'steps' is 100000: .* at most 4096 steps fit/);
  });

  it('checks the memoryBudget option', () => {
    expect(resolveMemoryBudget(undefined)).toBe(DEFAULT_MEMORY_BUDGET);
    expect(resolveMemoryBudget(2 ** 33)).toBe(2 ** 33);
    for (const bad of [0, -1, NaN, Infinity, 1e30, '1GB']) expect(() => resolveMemoryBudget(bad)).toThrow(/option 'memoryBudget' must be a number of bytes/);
  });
});

describe('hostile model files', () => {
  const models = hostileModels();

  it('the generator makes files the decoder accepts', () => {
    expect(models.length).toBeGreaterThanOrEqual(15);
    for (const m of models) expect(m.bytes.length).toBeLessThan(200_000);
  });

  it('render refuses every render case with exit 3 naming the field, within 5 s, before a browser starts', async () => {
    const d = dir();
    for (const m of models.filter((x) => x.use !== 'resume')) {
      const path = join(d, 'm.nca');
      writeFileSync(path, m.bytes);
      const c = capture();
      const t0 = Date.now();
      const code = await main(['render', path, '--out', join(d, 'm.gif')], c.io);
      expect({ name: m.name, code }).toEqual({ name: m.name, code: EXIT.input });
      expect(Date.now() - t0, m.name).toBeLessThan(5000);
      expect(c.err, m.name).toContain(`'${m.field}'`);
      expect(c.err, m.name).toMatch(/^nca-gl: .*m\.nca: /);
    }
  });

  it('train --resume refuses every resume case with exit 3 naming the field (never "iteration NaN")', async () => {
    const d = dir();
    for (const m of models.filter((x) => x.use === 'resume')) {
      const path = join(d, 'r.nca');
      writeFileSync(path, m.bytes);
      const c = capture();
      const code = await main(['train', 'lizard', '--out', path, '--resume'], c.io);
      expect({ name: m.name, code, err: c.err }).toMatchObject({ name: m.name, code: EXIT.input });
      expect(c.err, m.name).toContain(`'${m.field}'`);
      expect(c.err, m.name).not.toMatch(/at iteration NaN/);
      expect(c.err, m.name).toMatch(/cannot be resumed/);
    }
  });

  it('the field readers accept what nca-gl writes and refuse the rest by name', () => {
    const m = baseModel();
    expect(resumeIteration(m)).toBe(10);
    expect(resumeLrScale(m)).toBe(1);
    expect(resumeIteration({ training: { iterations: 7 } })).toBe(7);
    expect(hyperSteps({ training: { hyperparameters: { steps: '64..96' } } })).toEqual({ range: [64, 96], curriculum: false });
    expect(hyperSteps({ training: { hyperparameters: { steps: 'curriculum 2..16' } } })).toEqual({ range: [2, 16], curriculum: true });
    expect(trainedSteps({ curriculum: { steps: 16 } })).toBe(16);
    expect(trainedSteps({})).toBe(16);
    expect(() => resumeLrScale({ resume: { lrScale: 2 } })).toThrow(/'resume.lrScale' must be a number above 0 and at most 1, got 2/);
    expect(() => hyperSteps({ training: { hyperparameters: { steps: '96..64' } } })).toThrow(/'training.hyperparameters.steps'/);
    expect(() => checkCurriculumRecord({ steps: 4, noise: -1 })).toThrow(/'curriculum.noise' must be a number from 0 to 1000000, got -1/);
    expect(checkCurriculumRecord({ steps: 4, radius: -1, poolSize: 1e9 })).toEqual({ steps: 4, radius: -1, poolSize: 1e9 });
  });
});

describe('images: the header gives the size before any decoding', () => {
  it('reads PNG and GIF sizes from files made by real encoders', () => {
    const png = encodePng({ width: 37, height: 5, data: new Uint8Array(37 * 5 * 4) });
    expect(imageHeader(png)).toEqual({ format: 'PNG', width: 37, height: 5 });
    const gifenc = (typeof gifencModule.GIFEncoder === 'function' ? gifencModule : (gifencModule as any).default) as typeof gifencModule;
    const g = gifenc.GIFEncoder();
    g.writeFrame(new Uint8Array(13 * 21), 13, 21, { palette: [[0, 0, 0], [255, 255, 255]] });
    g.finish();
    expect(imageHeader(g.bytes())).toEqual({ format: 'GIF', width: 13, height: 21 });
  });

  it('reads WebP (VP8, VP8L, VP8X) and JPEG (after other segments) headers; null for cut or unknown bytes', () => {
    for (const f of ['GIF', 'WebP-VP8', 'WebP-VP8L', 'WebP-VP8X', 'JPEG'] as const) {
      const h = imageHeader(headerOf(f, 16000, 12001));
      expect({ f, w: h?.width, h: h?.height }).toEqual({ f, w: 16000, h: 12001 });
    }
    expect(imageHeader(headerOf('JPEG', 9, 9).subarray(0, 20))).toBeNull();
    expect(imageHeader(pngBomb(8, 8).subarray(0, 20))).toBeNull();
    expect(imageHeader(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
  });

  it('a 16384² PNG of a few hundred bytes is "too large (16384×16384 …)", and train exits 3 before decoding', async () => {
    const bomb = pngBomb(16384, 16384);
    expect(bomb.length).toBeLessThan(32 * 1024);
    expect(() => checkImageHeader(bomb, 4096 * 4096, 'bomb.png')).toThrow(/bomb\.png \(PNG 16384×16384, from its header\) is too large: 16384×16384 = 268435456 pixels, over the limit of 16777216/);
    const d = dir();
    writeFileSync(join(d, 'bomb.png'), bomb);
    const c = capture();
    const t0 = Date.now();
    expect(await main(['train', join(d, 'bomb.png'), '--out', join(d, 'b.nca')], c.io)).toBe(EXIT.input);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(c.err).toMatch(/too large: 16384×16384/);
  });
});

describe('input files: stat first, read with a cap', () => {
  it('/dev/zero, a FIFO and a directory exit 3 at once, saying what they are', async () => {
    const d = dir();
    const fifo = join(d, 'pipe.nca');
    execFileSync('mkfifo', [fifo]);
    mkdirSync(join(d, 'folder.nca'));
    for (const [path, says] of [
      ['/dev/zero', 'is a device, not a regular file'],
      [fifo, 'is a FIFO (named pipe), not a regular file'],
      [join(d, 'folder.nca'), 'is a directory'],
      [join(d, 'missing.nca'), 'no such file'],
    ]) {
      const c = capture();
      const t0 = Date.now();
      expect(await main(['info', path!], c.io)).toBe(EXIT.input);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(c.err).toContain(says);
    }
    // an image argument that is a FIFO is refused the same way (not taken for a shipped target)
    const c = capture();
    expect(await main(['train', fifo, '--out', join(d, 'x.nca')], c.io)).toBe(EXIT.input);
    expect(c.err).toContain('FIFO');
  });

  it('reads a regular file only up to its cap', () => {
    const d = dir();
    writeFileSync(join(d, 'big'), Buffer.alloc(5000, 1));
    expect(readInputFile(join(d, 'big'), 'test file', 5000).length).toBe(5000);
    expect(() => readInputFile(join(d, 'big'), 'test file', 4999)).toThrow(/test file '.*big' is too large \(4\.88 KiB, limit 4\.88 KiB\)/);
  });
});

describe('downloads stop at their cap', () => {
  /** A 100 MiB body in 1 MiB chunks that counts how many chunks were pulled. */
  function body(headers: Record<string, string>) {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (pulled === 100) return c.close();
        pulled++;
        c.enqueue(new Uint8Array(1 << 20));
      },
    });
    return { res: new Response(stream, { headers }), pulled: () => pulled };
  }

  it('a chunked 100 MiB answer is cancelled just past a 4 MiB cap', async () => {
    const b = body({});
    await expect(readCapped(b.res, 4 << 20, 'the model x.nca')).rejects.toThrow(/the model x\.nca is too large \(over 4 MiB received, limit 4 MiB\): it was not downloaded further/);
    expect(b.pulled()).toBeLessThanOrEqual(7); // the cap, one chunk over it, and the stream's read-ahead
  });

  it('a declared length over the cap is refused before the body is read; within it, read whole', async () => {
    const b = body({ 'content-length': String(100 << 20) });
    await expect(readCapped(b.res, 4 << 20, 'the image y.png')).rejects.toThrow(/the image y\.png is too large \(100 MiB declared, limit 4 MiB\)/);
    expect(b.pulled()).toBeLessThanOrEqual(1);
    const ok = await readCapped(new Response(new Uint8Array(3000), { headers: { 'content-length': '3000' } }), 4096, 'z');
    expect(ok.length).toBe(3000);
    // an encoded body is streamed even with a length (its decoded size is not bounded by it)
    const gz = body({ 'content-length': '100', 'content-encoding': 'gzip' });
    await expect(readCapped(gz.res, 2 << 20, 'w')).rejects.toThrow(/too large/);
    expect(gz.pulled()).toBeLessThanOrEqual(5);
  });
});

describe('output paths are checked before any work', () => {
  it('a directory, a missing folder, a file in the path, a FIFO', () => {
    const d = dir();
    mkdirSync(join(d, 'out.nca'));
    writeFileSync(join(d, 'file'), 'x');
    execFileSync('mkfifo', [join(d, 'fifo.png')]);
    expect(prepareFolder(join(d, 'out.nca'))).toMatch(/it is a directory/);
    expect(prepareFolder(join(d, 'nope', 'x.nca'))).toMatch(/its folder .*nope does not exist/);
    expect(prepareFolder(join(d, 'file', 'x.nca'))).toMatch(/is a file, not a folder/);
    expect(prepareFolder(join(d, 'fifo.png'))).toMatch(/not a regular file/);
    expect(prepareFolder(join(d, 'ok.nca'))).toBeNull();
  });

  it('a read-only folder (chattr +i, which binds root too) is refused', (ctx) => {
    const d = dir();
    const ro = join(d, 'ro');
    mkdirSync(ro);
    try {
      execFileSync('chattr', ['+i', ro], { stdio: 'ignore' });
    } catch {
      ctx.skip(); // not root, or a file system without immutable folders: the CLI suite covers it with an unprivileged user
      return;
    }
    try {
      expect(prepareFolder(join(ro, 'x.nca'))).toMatch(/its folder .*ro is not writable \(EPERM\)/);
    } finally {
      execFileSync('chattr', ['-i', ro]);
    }
    // a plain 0555 folder is writable by root: the probe is honest about it
    chmodSync(ro, 0o555);
    if (process.getuid?.() === 0) expect(prepareFolder(join(ro, 'x.nca'))).toBeNull();
  });

  it('train --out DIR and --picture DIR exit 2 before training', async () => {
    const d = dir();
    mkdirSync(join(d, 'm.nca'));
    mkdirSync(join(d, 'p.png'));
    for (const argv of [
      ['train', 'lizard', '--out', join(d, 'm.nca')],
      ['train', 'lizard', '--out', join(d, 'ok.nca'), '--picture', join(d, 'p.png')],
      ['train', 'lizard', '--out', join(d, 'missing', 'ok.nca')],
      ['render', join(d, 'none.nca'), '--out', join(d, 'p.png')],
    ]) {
      const c = capture();
      writeFileSync(join(d, 'none.nca'), encodeModel(baseModel()));
      expect(await main(argv, c.io)).toBe(EXIT.usage);
      expect(c.err).toMatch(/is a directory|does not exist/);
    }
  });
});

describe('terminal safety', () => {
  it('escapes control and bidi characters, keeps ordinary text', () => {
    expect(safeText('plain ü → 中文')).toBe('plain ü → 中文');
    expect(safeText('a\u202Eevil\u202Cb')).toBe('a\\u{202e}evil\\u{202c}b');
    expect(safeText('\u001b[2J\u0007\u009b')).toBe('\\u{1b}[2J\\u{7}\\u{9b}');
    expect(safeText('one\ntwo', true)).toBe('one\ntwo');
    expect(safeText('one\ntwo')).toBe('one\\u{a}two');
    expect(safeText('\u200f\u2066x\u2069\ufeff')).toBe('\\u{200f}\\u{2066}x\\u{2069}\\u{feff}');
  });

  it('info prints a U+202E from a file escaped', async () => {
    const m = baseModel();
    m.training!.task = 'growth\u202Egnp.exe';
    m.training!.hyperparameters!['k\u2067'] = 'v\u202Ex';
    m.resume!.image = 'cat\u202Egnp.png';
    expect(describeModel(m)).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    const d = dir();
    writeFileSync(join(d, 'bidi.nca'), encodeModel(m));
    const c = capture();
    expect(await main(['info', join(d, 'bidi.nca')], c.io)).toBe(EXIT.ok);
    expect(c.out).toContain('growth\\u{202e}gnp.exe');
    expect(c.out + c.err).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    // and in an error message naming such a file
    const e = capture();
    expect(await main(['info', join(d, 'x\u202Eabc.nca')], e.io)).toBe(EXIT.input);
    expect(e.err).toContain('x\\u{202e}abc.nca');
  });
});
