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
 *
 * `evaluateCut` measures regeneration the way Distill's demo shows it: let the model settle, cut
 * away half of the creature (each grid a different half), and see whether it grows back.
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

/** The options evaluate and evaluateCut share. */
interface RunOptions {
  target: ArrayLike<number>;
  start: 'seed' | Perturbation;
  steps: number;
  seed?: number;
}

/**
 * Checks the shared options (a W×H RGBA target at the engine's grid size, T, the start), naming
 * the function; returns T. Touches nothing: callers check their own options before `startGrids`.
 */
function checkRun(fn: string, engine: Pick<Engine, 'width' | 'height'>, o: RunOptions | undefined): number {
  const { width, height } = engine;
  if (!o || !o.target || o.target.length !== width * height * 4) {
    throw new NcaGlError('bad-shape', `${fn} needs a ${width}×${height} RGBA target (${width * height * 4} values)`);
  }
  const steps = checkInt('steps', o.steps, 1, 1 << 20);
  check(o.start === 'seed' || typeof o.start === 'object', `option 'start' must be 'seed' or a perturbation`);
  return steps;
}

/** Puts every grid at its own draw of the start (step counter 0); returns each grid's MSE of a state. */
function startGrids(engine: Engine, o: RunOptions): (state: Float32Array) => number[] {
  const { width, height, batch } = engine;
  engine.stepIndex = 0;
  engine.setState(startState(o.start, o.target, batch, width, height, o.seed ?? 1));
  return (state) => Array.from({ length: batch }, (_, b) => displayMse(state, o.target, width, height, b));
}

const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;

/** Runs `engine` from the start (each grid its own draw) and reports over all grids. Syncs (reads back). */
export function evaluate(engine: Engine, o: EvalOptions): EvalReport {
  const steps = checkRun('evaluate', engine, o);
  const horizon = checkInt('horizon', o.horizon ?? 10, 1, 1000);
  const samples = checkInt('samples', o.samples ?? 10, 1, 1000);
  const marks = [...new Set((o.marks ?? [1, horizon]).map((m) => checkInt('marks', m, 1, 1000)))].sort((a, b) => a - b);
  const perGrid = startGrids(engine, o);
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

/** Which half of a grid a cut removes: columns left or right of the middle, rows above or below it. */
export type Half = 'left' | 'right' | 'top' | 'bottom';
export const HALVES: readonly Half[] = ['left', 'right', 'top', 'bottom'];

/**
 * Zeroes every channel of one half of grid `grid` of `state` ([batch][y][x][16], row 0 at the top,
 * so 'top' is the image's upper half) in place. A cell is in the half when its centre is: on an odd
 * width the middle column survives both 'left' and 'right'.
 */
export function cutHalf(state: Float32Array, width: number, height: number, grid: number, half: Half): void {
  if (!HALVES.includes(half)) throw new NcaGlError('bad-argument', `cutHalf: half must be one of ${HALVES.join(', ')}, got '${String(half)}'`);
  checkInt('grid', grid, 0, Math.floor(state.length / (width * height * CHANNELS)) - 1);
  const base = grid * width * height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = half === 'left' ? 2 * x + 1 < width : half === 'right' ? 2 * x + 1 > width : half === 'top' ? 2 * y + 1 < height : 2 * y + 1 > height;
      if (inside) state.fill(0, (base + y * width + x) * CHANNELS, (base + y * width + x + 1) * CHANNELS);
    }
  }
}

export interface CutOptions {
  /** W×H premultiplied RGBA at the engine's grid size. */
  target: ArrayLike<number>;
  /** Where the model starts: 'seed' or the perturbation applied to the target. */
  start: 'seed' | Perturbation;
  /** The model's rollout length T. */
  steps: number;
  /** Multiples of T the model runs before the cut (default 2: grown and settled). */
  settle?: number;
  /** Multiples of T it gets to regrow (default 2). */
  within?: number;
  /** Halves to cut, grid b cutting halves[b % length] (default all four, in HALVES order). */
  halves?: readonly Half[];
  /** Seed of the start's perturbation draws (default 1). */
  seed?: number;
}

export interface CutReport {
  /** Step of the cut and of the final measurement. */
  cutStep: number;
  afterStep: number;
  /** PSNR (of the mean MSE over the grids) just before the cut, just after it, and `within`·T later. */
  before: number;
  cut: number;
  after: number;
  /** The worst grid's PSNR at the end. */
  worst: number;
  /** Per grid: the half cut and its PSNR before the cut and at the end. */
  grids: { half: Half; before: number; after: number }[];
}

/**
 * Runs `engine` from the start for settle·T steps, cuts a half of every grid away (all 16
 * channels), runs within·T more steps and reports. Distill's regenerating models are judged by it
 * (back within 3 dB of `before` after 2·T). Syncs (reads back).
 */
export function evaluateCut(engine: Engine, o: CutOptions): CutReport {
  const { width, height, batch } = engine;
  const steps = checkRun('evaluateCut', engine, o);
  const settle = checkInt('settle', o.settle ?? 2, 1, 1000);
  const within = checkInt('within', o.within ?? 2, 1, 1000);
  const halves = o.halves ?? HALVES;
  check(halves.length > 0 && halves.every((h) => HALVES.includes(h)), `option 'halves' must list some of ${HALVES.join(', ')}`);
  const perGrid = startGrids(engine, o);
  const meanPsnr = (xs: number[]) => psnr(mean(xs));
  engine.step(settle * steps);
  const state = engine.getState();
  const pre = perGrid(state);
  for (let b = 0; b < batch; b++) cutHalf(state, width, height, b, halves[b % halves.length]!);
  const cut = perGrid(state);
  engine.setState(state);
  engine.step(within * steps);
  const post = perGrid(engine.getState());
  return {
    cutStep: settle * steps,
    afterStep: (settle + within) * steps,
    before: meanPsnr(pre),
    cut: meanPsnr(cut),
    after: meanPsnr(post),
    worst: psnr(Math.max(...post)),
    grids: post.map((m, b) => ({ half: halves[b % halves.length]!, before: psnr(pre[b]!), after: psnr(m) })),
  };
}
