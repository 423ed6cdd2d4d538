/**
 * Generators of hostile but valid inputs (the adversarial suite; not the decoder's fuzz test):
 * model files the decoder rightly accepts whose grid, steps, curriculum, pool or resume fields ask
 * for unbounded work or memory, each with the field its refusal must name; and image headers that
 * declare huge sizes in a few bytes. Values are drawn from the project hash (test/helpers/random.ts),
 * so every run sees the same files.
 */
import { deflateSync } from 'node:zlib';
import { crc32 } from '../../src/io/model-file-crc';
import { encodeModel, type ModelFile } from '../../src/io/model-file';
import { initWeights, type Rule, zeroWeights } from '../../src/engine/model';
import { uniform } from './random';

/** A small valid model (growing rule, hidden 8, 8×8 grid) with optimiser state and a task: resumable. */
export function baseModel(rule: Rule = 'growing', task = rule === 'growing' ? 'growing' : 'growth'): ModelFile {
  const hidden = 8;
  const weights = initWeights(rule, hidden, 3);
  return {
    rule: { rule, hidden, rate: rule === 'growing' ? 0.5 : 0.8, perCell: rule === 'growing' },
    grid: { width: 8, height: 8 },
    weights,
    training: { task, iterations: 10, seed: 1, hyperparameters: { batch: 2, padding: 1 } },
    optimizer: { step: 10, m: zeroWeights(rule, hidden), v: zeroWeights(rule, hidden) },
    resume: { iteration: 10, lrScale: 1 },
  };
}

export interface HostileModel {
  name: string;
  bytes: Uint8Array;
  /** The field the refusal must name (a substring of the message). */
  field: string;
  /** Which command meets it: render (or info + render), resume (train --resume), widget. */
  use: 'render' | 'resume' | 'widget';
}

/** An integer in [lo, hi] from (seed, stream). */
function pick(seed: number, stream: number, lo: number, hi: number): number {
  return lo + Math.floor(uniform(seed, stream, 1, 0, 1)[0]! * (hi - lo + 1));
}

function variant(name: string, field: string, use: HostileModel['use'], edit: (m: ModelFile) => void, rule: Rule = 'growing'): HostileModel {
  const m = baseModel(rule);
  edit(m);
  return { name, bytes: encodeModel(m), field, use };
}

/** The hostile model files: extreme grids, steps, curriculum, pool and resume values. */
export function hostileModels(seed = 17): HostileModel[] {
  const big = pick(seed, 1, 2900, 4096); // a grid side the budget must refuse (≥ 2900: > 1 GiB at 192 B/cell)
  return [
    variant('grid 4096²', 'grid.width', 'widget', (m) => (m.grid = { width: 4096, height: 4096 })),
    variant('grid 3072²', 'grid.width', 'widget', (m) => (m.grid = { width: 3072, height: 3072 })),
    variant(`grid ${big}×${big}`, 'grid.width', 'render', (m) => (m.grid = { width: big, height: big })),
    variant('grid 4096 × 2048', 'grid.width', 'render', (m) => (m.grid = { width: 4096, height: 2048 })),
    variant('curriculum.steps 1e9', 'curriculum.steps', 'render', (m) => (m.curriculum = { level: 3, noise: 0.01, radius: -1, ablation: 0, steps: 1e9 }), 'seed'),
    variant(`curriculum.steps ${pick(seed, 2, 1025, 1 << 30)}`, 'curriculum.steps', 'render', (m) => (m.curriculum = { steps: pick(seed, 2, 1025, 1 << 30) })),
    variant('curriculum.steps 1e308', 'curriculum.steps', 'render', (m) => (m.curriculum = { steps: 1e308 })),
    variant('hyperparameters.steps 1e308', 'training.hyperparameters.steps', 'render', (m) => (m.training!.hyperparameters!.steps = 1e308)),
    variant('hyperparameters.steps "64..1000000000"', 'training.hyperparameters.steps', 'render', (m) => (m.training!.hyperparameters!.steps = '64..1000000000')),
    variant('resume.iteration "NaN"', 'resume.iteration', 'resume', (m) => (m.resume!.iteration = 'NaN')),
    variant('resume.iteration -1', 'resume.iteration', 'resume', (m) => (m.resume!.iteration = -1)),
    variant('resume.iteration 2^40', 'resume.iteration', 'resume', (m) => (m.resume!.iteration = 2 ** 40)),
    variant('resume.lrScale 0', 'resume.lrScale', 'resume', (m) => (m.resume!.lrScale = 0)),
    variant('hyperparameters.batch 1e6', 'training.hyperparameters.batch', 'resume', (m) => (m.training!.hyperparameters!.batch = 1e6)),
    variant(`hyperparameters.pool ${pick(seed, 3, MAX_POOL_PLUS, 1e9)}`, 'training.hyperparameters.pool', 'resume', (m) => (m.training!.hyperparameters!.pool = pick(seed, 3, MAX_POOL_PLUS, 1e9))),
    variant('hyperparameters.steps "1..5000"', 'training.hyperparameters.steps', 'resume', (m) => (m.training!.hyperparameters!.steps = '1..5000')),
    variant('hyperparameters.lr "fast"', 'training.hyperparameters.lr', 'resume', (m) => (m.training!.hyperparameters!.lr = 'fast')),
    variant('training.seed -5', 'training.seed', 'resume', (m) => (m.training!.seed = -5)),
  ];
}
const MAX_POOL_PLUS = (1 << 16) + 1;

/** A PNG of a few hundred bytes that declares `width` × `height` pixels (one IDAT of a zero row). */
export function pngBomb(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    out.set(data, 8);
    out.writeUInt32BE(crc32(out, 4, 8 + data.length), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(1 + 4 * Math.min(width, 4096)))), chunk('IEND', new Uint8Array(0))]);
}

/** Minimal headers of each format declaring width × height (only as many bytes as a header needs). */
export function headerOf(format: 'GIF' | 'WebP-VP8' | 'WebP-VP8L' | 'WebP-VP8X' | 'JPEG', width: number, height: number): Uint8Array {
  const b = Buffer.alloc(64);
  switch (format) {
    case 'GIF':
      b.write('GIF89a', 0, 'latin1');
      b.writeUInt16LE(width, 6);
      b.writeUInt16LE(height, 8);
      return b.subarray(0, 13);
    case 'WebP-VP8':
      b.write('RIFF', 0, 'latin1');
      b.write('WEBPVP8 ', 8, 'latin1');
      b.set([0x9d, 0x01, 0x2a], 23);
      b.writeUInt16LE(width & 0x3fff, 26);
      b.writeUInt16LE(height & 0x3fff, 28);
      return b.subarray(0, 30);
    case 'WebP-VP8L':
      b.write('RIFF', 0, 'latin1');
      b.write('WEBPVP8L', 8, 'latin1');
      b[20] = 0x2f;
      b.writeUInt32LE(((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14), 21);
      return b.subarray(0, 25);
    case 'WebP-VP8X':
      b.write('RIFF', 0, 'latin1');
      b.write('WEBPVP8X', 8, 'latin1');
      b.writeUIntLE(width - 1, 24, 3);
      b.writeUIntLE(height - 1, 27, 3);
      return b.subarray(0, 30);
    case 'JPEG': {
      // SOI, an APP0 segment of 16 bytes, a DQT-like segment, then SOF2 (progressive)
      const parts = [Buffer.from([0xff, 0xd8]), Buffer.from([0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0]), Buffer.from([0xff, 0xdb, 0x00, 0x04, 0, 0])];
      const sof = Buffer.from([0xff, 0xc2, 0x00, 0x11, 8, 0, 0, 0, 0, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
      sof.writeUInt16BE(height, 5);
      sof.writeUInt16BE(width, 7);
      return Buffer.concat([...parts, sof]);
    }
  }
}
