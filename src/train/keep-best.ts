/**
 * Keep-best and the quality figures of a model file: small pure pieces, no GPU.
 *
 * Keep-best: training evaluates its current weights every N iterations on a fixed set of draws of
 * the task's hardest start (seeded with EVAL_SEED, never the training seed's streams) and keeps the
 * snapshot with the highest mean PSNR at T. `considerBest` is the whole selection rule:
 *   - the first evaluation with a real score is kept (there is nothing to compare it with);
 *   - a later one replaces it only when strictly better, so a tie keeps the earlier snapshot;
 *   - a NaN score (a model that produced NaN) is never kept and never replaces a kept one.
 * +Infinity (a perfect match) is a real score and beats everything finite.
 *
 * Quality: `holdsSteps` says how long a model holds its shape, from evaluate()'s curve sampled up
 * to 50·T; `qualityFromReport` turns an EvalReport into the `quality` record a model file stores.
 */
import type { QualityMeta } from '../io/model-file';
import type { EvalReport } from './evaluate';

/** Seed of the evaluation draws and of the evaluation engine's stochastic masks (not a training seed's stream). */
export const EVAL_SEED = 0x5eede7a1;
/** Evaluation draws for keep-best (CLI --eval-draws) and for the quality figures. */
export const KEEP_BEST_DRAWS = 8;
export const QUALITY_DRAWS = 16;
/** The longest run the quality figures measure, in multiples of T. */
export const QUALITY_HORIZON = 50;
/** A model "fades" when its mean PSNR falls this many dB below its best so far. */
export const FADE_DB = 3;
/** PSNR of a perfect match (infinite) as a file stores it: JSON has no Infinity. */
export const PSNR_CAP = 200;

/** One evaluation of keep-best: the iteration and its mean (and worst-grid) PSNR at T. */
export interface BestMark {
  iteration: number;
  /** Mean PSNR at T over the draws (the score). */
  psnr: number;
  /** PSNR of the worst draw at T. */
  worst: number;
}

/** True when `candidate` should replace `kept` (see the rules above). */
export function considerBest(kept: BestMark | null, candidate: BestMark): boolean {
  if (Number.isNaN(candidate.psnr)) return false;
  if (kept === null || Number.isNaN(kept.psnr)) return true;
  return candidate.psnr > kept.psnr;
}

/** The mark a sequence of evaluations keeps (null when none had a real score). */
export function pickBest(marks: readonly BestMark[]): BestMark | null {
  let kept: BestMark | null = null;
  for (const m of marks) if (considerBest(kept, m)) kept = m;
  return kept;
}

/** A PSNR as a model file stores it: finite, +Infinity capped at PSNR_CAP. NaN stays NaN (the caller refuses it). */
export function storedPsnr(p: number): number {
  return p > PSNR_CAP ? PSNR_CAP : p;
}

/**
 * How long a model holds: the first measured step at which the mean PSNR has fallen at least
 * FADE_DB below the best measured up to then, else `limit` (it never does within the run).
 * `curve` is evaluate()'s curve (ascending steps); a NaN measurement counts as fallen.
 */
export function holdsSteps(curve: readonly { step: number; psnr: number }[], limit: number): number {
  let best = -Infinity;
  for (const p of curve) {
    if (Number.isNaN(p.psnr) || p.psnr <= best - FADE_DB) return p.step;
    if (p.psnr > best) best = p.psnr;
  }
  return limit;
}

/**
 * The figures of a model measured over `draws` draws of its hardest start at T, 10·T and 50·T:
 * what a model file stores as `quality` (one declaration, io/model-file-schema.ts).
 */
export type Quality = QualityMeta;

export const QUALITY_KEYS = ['draws', 'steps', 'psnrT', 'psnr10T', 'psnr50T', 'worstT', 'worst10T', 'worst50T', 'holdsSteps'] as const;

/**
 * Curve samples per T of the quality figures. Every T was too coarse for `holdsSteps`: the 48×48
 * growth heart fell from 22 dB at T = 48 to 12 dB by step 67, but the curve's next sample was at 96,
 * so the file said it held 96 steps and the widget restarted it at 76, after it had faded.
 */
export const QUALITY_SAMPLES_PER_T = 4;

/**
 * The evaluate() options that measure the quality figures: T steps, then on to 50·T with the curve
 * sampled every T / 4 (196 samples after the first) and marks at 1, 10 and 50.
 */
export function qualityEvalOptions(steps: number): { steps: number; horizon: number; samples: number; marks: number[]; seed: number } {
  return { steps, horizon: QUALITY_HORIZON, samples: QUALITY_SAMPLES_PER_T * (QUALITY_HORIZON - 1), marks: [1, 10, QUALITY_HORIZON], seed: EVAL_SEED };
}

/** The quality record of a report measured with qualityEvalOptions(steps) over `draws` grids. */
export function qualityFromReport(r: EvalReport, draws: number): Quality {
  const at = (k: number) => {
    const m = r.marks.find((x) => x.multiple === k);
    if (!m) throw new Error(`nca-gl: the evaluation has no mark at ${k}·T: measure with qualityEvalOptions`);
    return m;
  };
  const [m1, m10, m50] = [at(1), at(10), at(QUALITY_HORIZON)];
  // NaN (a model that produced NaN) reads as 0 dB: the file holds finite numbers only
  const v = (p: number) => (Number.isNaN(p) ? 0 : storedPsnr(p));
  return {
    draws,
    steps: r.steps,
    psnrT: v(m1.psnr),
    psnr10T: v(m10.psnr),
    psnr50T: v(m50.psnr),
    worstT: v(m1.worst),
    worst10T: v(m10.worst),
    worst50T: v(m50.worst),
    holdsSteps: holdsSteps(r.curve, r.steps * QUALITY_HORIZON),
  };
}

/** "23.4 dB at T=16, 21.0 dB at 10·T, holds 400 steps" (the CLI's summary). */
export function describeQuality(q: Quality): string {
  const db = (x: number) => `${x >= PSNR_CAP ? '∞' : x.toFixed(1)} dB`;
  const holds = q.holdsSteps >= q.steps * QUALITY_HORIZON ? `holds all ${q.holdsSteps} steps measured` : `holds ${q.holdsSteps} steps`;
  return `${db(q.psnrT)} at T=${q.steps}, ${db(q.psnr10T)} at 10·T, ${holds}`;
}
