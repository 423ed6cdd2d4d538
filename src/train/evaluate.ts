/**
 * Evaluation of a trained model: run it from a task's hardest start and measure how close it comes
 * to the target, and whether it stays there. Every grid of the engine's batch starts from its own
 * random draw of the perturbation (and runs its own stochastic masks); figures are over all of them,
 * so a batch of 16 measures 16 different damages rather than one lucky or unlucky draw. The seed
 * article's growth models, for example, keep growing past the target ("the universe turns into the
 * target"); `long` and `curve` show that.
 *
 * PSNR is over the displayed RGBA (state clamped to [0, 1], premultiplied) against the target:
 * 10·log10(1 / MSE), in dB.
 */
import { check, checkInt, NcaGlError } from '../errors';
import type { Engine } from '../engine/engine';
import { CHANNELS } from '../engine/model';
import type { Perturbation } from '../tasks/perturb';
import { startState } from '../tasks/start';

export interface EvalOptions {
  /** W×H premultiplied RGBA at the engine's grid size. */
  target: ArrayLike<number>;
  /** 'seed' (one live centre cell) or the perturbation applied to the target. */
  start: 'seed' | Perturbation;
  /** Steps to run before measuring. */
  steps: number;
  /** The long run is `horizon` × steps (default 10). */
  horizon?: number;
  /** Measurements along the long run (default 10). */
  samples?: number;
  /** Seed of the perturbation draws (default 1). */
  seed?: number;
  /**
   * Multiples of `steps` at which every grid is measured, for `marks` in the report (default
   * [1, horizon]). The run goes on to the largest of them and `horizon`. With [1, 10, 50] the
   * report says whether the model holds its shape long after T (a model that looks right only at
   * step T is not done).
   */
  marks?: number[];
}

/** The figures at one multiple of T: mean over the grids and the worst grid. */
export interface EvalMark {
  /** Multiple of `steps` (T). */
  multiple: number;
  step: number;
  /** PSNR of the mean MSE over the grids. */
  psnr: number;
  /** PSNR of the worst grid. */
  worst: number;
}

export interface EvalPoint {
  step: number;
  /** Mean over the batch's grids. */
  mse: number;
  /** PSNR of that mean MSE. */
  psnr: number;
}

export interface EvalReport {
  steps: number;
  /** After `steps`: mean MSE over the grids, and its PSNR. */
  mse: number;
  psnr: number;
  /** After `steps`: each grid's PSNR (grid b started from draw b). */
  grids: number[];
  /** At horizon × steps. */
  long: EvalPoint;
  /** Measurements along the long run. */
  curve: EvalPoint[];
  minPsnr: number;
  maxPsnr: number;
  /** The figures at each of `marks` (ascending). */
  marks: EvalMark[];
}

export function psnr(mse: number): number {
  return mse > 0 ? 10 * Math.log10(1 / mse) : Infinity;
}

/** MSE of one grid's displayed RGBA (default grid 0) against the target. */
export function displayMse(state: ArrayLike<number>, target: ArrayLike<number>, width: number, height: number, grid = 0): number {
  let s = 0;
  const base = grid * width * height;
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 4; c++) {
      const v = Math.min(1, Math.max(0, state[(base + i) * CHANNELS + c]!));
      s += (v - target[i * 4 + c]!) ** 2;
    }
  }
  return s / (width * height * 4);
}

/** Runs `engine` from the start (each grid its own draw) and reports over all grids. Syncs (reads back). */
export function evaluate(engine: Engine, o: EvalOptions): EvalReport {
  const { width, height, batch } = engine;
  if (!o || !o.target || o.target.length !== width * height * 4) {
    throw new NcaGlError('bad-shape', `evaluate needs a ${width}×${height} RGBA target (${width * height * 4} values)`);
  }
  const steps = checkInt('steps', o.steps, 1, 1 << 20);
  const horizon = checkInt('horizon', o.horizon ?? 10, 1, 1000);
  const samples = checkInt('samples', o.samples ?? 10, 1, 1000);
  check(o.start === 'seed' || typeof o.start === 'object', `option 'start' must be 'seed' or a perturbation`);
  const marks = [...new Set((o.marks ?? [1, horizon]).map((m) => checkInt('marks', m, 1, 1000)))].sort((a, b) => a - b);
  engine.stepIndex = 0;
  engine.setState(startState(o.start, o.target, batch, width, height, o.seed ?? 1));
  const perGrid = (state: Float32Array) => Array.from({ length: batch }, (_, b) => displayMse(state, o.target, width, height, b));
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  engine.step(steps);
  const grids = perGrid(engine.getState());
  const first = mean(grids);
  const curve: EvalPoint[] = [{ step: steps, mse: first, psnr: psnr(first) }];
  const total = steps * horizon;
  // where the long run stops to measure: the curve's samples and the marks
  const sampleAt = new Set<number>();
  for (let k = 1; k <= samples; k++) sampleAt.add(Math.round(steps + ((total - steps) * k) / samples));
  const markAt = new Map(marks.map((m) => [m * steps, m]));
  const stops = [...new Set([...sampleAt, ...markAt.keys()])].filter((t) => t > steps).sort((a, b) => a - b);
  const out: EvalMark[] = [];
  const mark = (m: number, at: number, g: number[]) => out.push({ multiple: m, step: at, psnr: psnr(mean(g)), worst: psnr(Math.max(...g)) });
  if (markAt.has(steps)) mark(markAt.get(steps)!, steps, grids);
  let done = steps;
  for (const at of stops) {
    engine.step(at - done);
    done = at;
    const g = perGrid(engine.getState());
    if (sampleAt.has(at)) curve.push({ step: at, mse: mean(g), psnr: psnr(mean(g)) });
    if (markAt.has(at)) mark(markAt.get(at)!, at, g);
  }
  const ps = curve.map((p) => p.psnr);
  return { steps, mse: first, psnr: psnr(first), grids: grids.map(psnr), long: curve[curve.length - 1]!, curve, minPsnr: Math.min(...ps), maxPsnr: Math.max(...ps), marks: out };
}
