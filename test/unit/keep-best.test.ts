/**
 * Issue 15: keep-best's selection on scripted scores, holdsSteps on scripted curves, the quality
 * record from an evaluation report, and format 3 model files (quality, best, latest weights): round
 * trips, old files, and clean rejections.
 */
import { describe, expect, it } from 'vitest';
import { NcaGlError } from '../../src/errors';
import { stripModel } from '../../src/io/model-compact';
import { decodeModel, describeModel, encodeModel, type ModelFile } from '../../src/io/model-file';
import { crc32 } from '../../src/io/model-file-crc';
import type { EvalReport } from '../../src/train/evaluate';
import { type BestMark, considerBest, describeQuality, holdsSteps, pickBest, qualityEvalOptions, qualityFromReport } from '../../src/train/keep-best';
import { randomWeights, uniform } from '../helpers/random';

const mark = (iteration: number, psnr: number): BestMark => ({ iteration, psnr, worst: psnr - 1 });

describe('keep-best selection', () => {
  it('keeps the first real evaluation, then only strict improvements', () => {
    expect(pickBest([mark(100, 12)])?.iteration).toBe(100);
    expect(pickBest([mark(100, 12), mark(200, 15), mark(300, 14), mark(400, 15.5), mark(500, 9)])?.iteration).toBe(400);
    // a later score lower than the first keeps the first
    expect(pickBest([mark(100, 20), mark(200, 19.99)])?.iteration).toBe(100);
  });

  it('breaks ties in favour of the earlier snapshot', () => {
    expect(pickBest([mark(100, 18), mark(200, 18), mark(300, 17)])?.iteration).toBe(100);
    expect(considerBest(mark(100, 18), mark(200, 18))).toBe(false);
  });

  it('never keeps a NaN score, and a NaN never replaces a kept one', () => {
    expect(pickBest([mark(100, NaN)])).toBeNull();
    expect(pickBest([mark(100, NaN), mark(200, 3), mark(300, NaN)])?.iteration).toBe(200);
    expect(considerBest(mark(100, 10), mark(200, NaN))).toBe(false);
    expect(considerBest(null, mark(200, NaN))).toBe(false);
    expect(pickBest([])).toBeNull();
  });

  it('counts a perfect match (+Infinity) as the best score', () => {
    expect(pickBest([mark(100, 40), mark(200, Infinity), mark(300, 60)])?.iteration).toBe(200);
    expect(pickBest([mark(100, -Infinity), mark(200, -5)])?.iteration).toBe(200);
  });
});

describe('holdsSteps', () => {
  const curve = (ps: number[], T = 16) => ps.map((psnr, i) => ({ step: (i + 1) * T, psnr }));

  it('is the first step 3 dB or more below the best so far', () => {
    // best 24 at 2T; 21.2 at 4T is 2.8 below, 21.0 at 5T is 3.0 below: holds until 5T
    expect(holdsSteps(curve([23, 24, 22, 21.2, 21.0, 25]), 800)).toBe(80);
    // a model that improves late does not count as fading before it falls from its new best
    expect(holdsSteps(curve([10, 15, 20, 25, 22.5, 21.9]), 800)).toBe(96);
  });

  it('is the limit when the model never falls 3 dB', () => {
    expect(holdsSteps(curve([20, 19, 18.1, 20.5, 17.6]), 800)).toBe(800);
    expect(holdsSteps([], 800)).toBe(800);
  });

  it('counts a NaN measurement as fallen', () => {
    expect(holdsSteps(curve([20, NaN, 20]), 800)).toBe(32);
  });
});

describe('quality record', () => {
  it('reads marks 1, 10 and 50 and the curve from a report measured with qualityEvalOptions', () => {
    const o = qualityEvalOptions(16);
    expect(o).toMatchObject({ steps: 16, horizon: 50, samples: 196, marks: [1, 10, 50] }); // every T/4 = 4 steps
    const curve = Array.from({ length: 50 }, (_, i) => ({ step: (i + 1) * 16, mse: 0, psnr: i < 10 ? 23 : 18 }));
    const r = {
      steps: 16,
      curve,
      marks: [
        { multiple: 1, step: 16, psnr: 23.4, worst: 21 },
        { multiple: 10, step: 160, psnr: Infinity, worst: 20 },
        { multiple: 50, step: 800, psnr: 18, worst: NaN },
      ],
    } as unknown as EvalReport;
    const q = qualityFromReport(r, 16);
    expect(q).toEqual({ draws: 16, steps: 16, psnrT: 23.4, psnr10T: 200, psnr50T: 18, worstT: 21, worst10T: 20, worst50T: 0, holdsSteps: 176 });
    expect(describeQuality(q)).toBe('23.4 dB at T=16, ∞ dB at 10·T, holds 176 steps');
    expect(() => qualityFromReport({ ...r, marks: r.marks.slice(0, 2) }, 16)).toThrow(/no mark at 50·T/);
  });
});

describe('format 3 model files', () => {
  const w = (seed: number) => randomWeights('seed', 8, seed, {});
  const quality = { draws: 16, steps: 16, psnrT: 23.4, psnr10T: 21, psnr50T: 12.5, worstT: 20.1, worst10T: 18, worst50T: 9.5, holdsSteps: 400 };
  const best = { iteration: 300, psnr: 22.5, worst: 19, draws: 8, steps: 16, every: 100, evaluations: 5 };
  const base = (): ModelFile => ({
    rule: { rule: 'seed', hidden: 8, rate: 0.5, perCell: true },
    grid: { width: 12, height: 12 },
    weights: w(1),
    training: { task: 'growth', iterations: 500, lossHistory: uniform(1, 2, 20, 0, 1) },
    optimizer: { step: 500, m: w(2), v: Object.fromEntries(Object.entries(w(3)).map(([k, t]) => [k, t.map(Math.abs)])) as unknown as ModelFile['weights'] },
    resume: { iteration: 500 },
    quality,
    best,
    latest: { weights: w(4) },
  });
  const frame = (bytes: Uint8Array, edit: (header: Record<string, unknown>) => void, version?: number): Uint8Array => {
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    const hl = dv.getUint32(12, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + hl))) as Record<string, unknown>;
    edit(header);
    const json = new TextEncoder().encode(JSON.stringify(header));
    const nhl = Math.ceil(json.length / 4) * 4;
    const out = new Uint8Array(16 + nhl + (bytes.length - 16 - hl));
    out.set(bytes.subarray(0, 16));
    out.fill(0x20, 16, 16 + nhl);
    out.set(json, 16);
    out.set(bytes.subarray(16 + hl), 16 + nhl);
    const o = new DataView(out.buffer);
    o.setUint32(12, nhl, true);
    if (version !== undefined) o.setUint32(8, version, true);
    o.setUint32(out.length - 4, crc32(out, 0, out.length - 4), true);
    return out;
  };
  const rejects = (bytes: Uint8Array, re: RegExp) => {
    let err: unknown;
    try {
      decodeModel(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NcaGlError);
    expect((err as Error).message).toMatch(/^nca-gl: /);
    expect((err as Error).message).toMatch(re);
  };

  it('round-trips quality, best and the latest weights, byte for byte', () => {
    const m = base();
    const bytes = encodeModel(m);
    expect(new DataView(bytes.buffer).getUint32(8, true)).toBe(3);
    const back = decodeModel(bytes);
    expect(back.quality).toEqual(quality);
    expect(back.best).toEqual(best);
    expect(Array.from(back.latest!.weights.w0)).toEqual(Array.from(m.latest!.weights.w0));
    expect(Array.from(back.weights.w0)).toEqual(Array.from(m.weights.w0));
    expect(Array.from(back.latest!.weights.w0)).not.toEqual(Array.from(back.weights.w0));
    expect(Buffer.compare(encodeModel(back), bytes)).toBe(0);
    expect(describeModel(back)).toMatch(/quality: +23\.4 dB at T=16, 21 dB at 10·T, 12\.5 dB at 50·T .*holds 400 steps/);
    expect(describeModel(back)).toMatch(/kept: +iteration 300: the best of 5 evaluations every 100 iterations/);
  });

  it('strips the latest weights but keeps the figures', () => {
    const s = decodeModel(encodeModel(stripModel(base())));
    expect(s.latest).toBeUndefined();
    expect(s.quality).toEqual(quality);
    expect(s.best).toEqual(best);
  });

  it('loads files without the new fields, and refuses them in a format-2 frame', () => {
    const { quality: _q, best: _b, latest: _l, ...plain } = base();
    const p = decodeModel(encodeModel(plain));
    expect(p.quality).toBeUndefined();
    expect(p.best).toBeUndefined();
    expect(p.latest).toBeUndefined();
    const v2 = frame(encodeModel({ ...plain, quality }), () => {}, 2);
    rejects(v2, /unknown field 'quality'/);
    // without format 3 fields, a format-2 frame loads
    expect(decodeModel(frame(encodeModel(plain), () => {}, 2)).training!.iterations).toBe(500);
  });

  let cutAt: { offset: number; byteLength: number } | undefined;
  it('rejects bad figures, latest weights without best, and half the latest sections, naming the field', () => {
    const bytes = encodeModel(base());
    rejects(frame(bytes, (h) => ((h.quality as Record<string, unknown>).psnrT = 'high')), /'quality\.psnrT' must be a finite number from -200 to 200/);
    rejects(frame(bytes, (h) => ((h.quality as Record<string, unknown>).holdsSteps = 801)), /'quality\.holdsSteps' must be at most 50 × 'quality\.steps' \(800\), got 801/);
    rejects(frame(bytes, (h) => delete (h.quality as Record<string, unknown>).draws), /missing field 'quality\.draws'/);
    rejects(frame(bytes, (h) => ((h.quality as Record<string, unknown>).extra = 1)), /unknown field 'quality\.extra'/);
    rejects(frame(bytes, (h) => ((h.best as Record<string, unknown>).iteration = -1)), /'best\.iteration' must be an integer from 0/);
    rejects(frame(bytes, (h) => delete h.best), /unexpected section "latest\.w0" \(the header has no 'best' field\)/);
    // drop the section latest.b1 (the last one) and the bytes it covered: all or none
    const half = frame(bytes, (h) => {
      const secs = h.sections as { name: string; offset: number; byteLength: number }[];
      const i = secs.findIndex((s) => s.name === 'latest.b1');
      const cut = secs[i]!;
      secs.splice(i, 1);
      for (const s of secs) if (s.offset > cut.offset) s.offset -= cut.byteLength;
      cutAt = cut;
    });
    const dv = new DataView(half.buffer);
    const hl = dv.getUint32(12, true);
    const data = half.subarray(16 + hl, half.length - 4);
    const kept = new Uint8Array(data.length - cutAt!.byteLength);
    kept.set(data.subarray(0, cutAt!.offset));
    kept.set(data.subarray(cutAt!.offset + cutAt!.byteLength), cutAt!.offset);
    const out = new Uint8Array(16 + hl + kept.length + 4);
    out.set(half.subarray(0, 16 + hl));
    out.set(kept, 16 + hl);
    new DataView(out.buffer).setUint32(out.length - 4, crc32(out, 0, out.length - 4), true);
    rejects(out, /3 of the 4 'latest\.\*' sections .*all or none/);
    // an in-memory model with latest weights but no best record is refused before anything is written
    expect(() => encodeModel({ ...base(), best: undefined })).toThrow(/'latest' \(the weights training resumes from\) needs 'best'/);
  });
});
