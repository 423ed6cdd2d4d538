/**
 * The seed article's curriculum (SPEC §3): training starts almost at the answer and, every time the
 * loss falls below a threshold, the start moves one notch further away — more noise, a smaller
 * truncation radius, larger ablated discs, longer rollouts — each within its bounds. Starting near
 * the answer keeps training out of the "dead universe" minimum where every cell dies.
 *
 * The controller is plain data plus `update(loss)`, so its state saves with a model and a resumed
 * run continues exactly. Part of the tasks layer (src/tasks/): the article tasks' presets hold its
 * configuration, the trainer's regimen (train/regimen.ts) feeds it losses, and shown start states
 * (tasks/start.ts) read its hardest level.
 */
import { check, checkInt, checkNumber, describe } from '../errors';
import { MAX_ROLLOUT } from '../engine/budget';
import type { Perturbation } from './perturb';

/** One curriculum axis: start value, change per level (added, or multiplied when `factor`), bound. */
export interface Axis {
  start: number;
  /** Added per level (unless `factor` is given). */
  step?: number;
  /** Multiplied per level. */
  factor?: number;
  /** Bound the axis never passes (a maximum when it grows, a minimum when it shrinks). */
  limit: number;
}

export interface CurriculumConfig {
  /** Difficulty rises when the iteration's loss is below this (article: 0.025). */
  threshold: number;
  /** Additive noise σ (article: 0.01 → 0.20, +0.0005). */
  noise: Axis | null;
  /** Truncation radius in cells (article: 64 → 6, ×0.99). */
  radius: Axis | null;
  /** Ablated disc radius in cells (article: 0 → 4, +0.1). */
  ablation: Axis | null;
  /** Discs per grid when ablating. */
  circles: number;
  /** Rollout length (article: 2 → 16, +1). */
  steps: Axis;
  /**
   * Pace (0 or absent: none, the article's rule alone): the iteration by which the last level is
   * reached. The level then never lags the straight line from 0 at iteration 0 to the top at
   * `pace`, whatever the loss; below the threshold it still rises as fast as the article's rule
   * says. For short jobs, where the loss rule alone would leave the start far easier than the task.
   */
  pace?: number;
}

export interface CurriculumState {
  /** How many times difficulty rose. */
  level: number;
  noise: number;
  radius: number;
  ablation: number;
  steps: number;
}

export const ARTICLE_AXES = {
  noise: { start: 0.01, step: 0.0005, limit: 0.2 },
  radius: { start: 64, factor: 0.99, limit: 6 },
  ablation: { start: 0, step: 0.1, limit: 4 },
  steps: { start: 2, step: 1, limit: 16 },
} as const satisfies Record<string, Axis>;

function checkAxis(name: string, a: unknown): Axis {
  check(typeof a === 'object' && a !== null, `curriculum axis '${name}' must be {start, step | factor, limit}, got ${describe(a)}`);
  const ax = a as Axis;
  const out: Axis = { start: checkNumber(`${name}.start`, ax.start, 0, 1e6), limit: checkNumber(`${name}.limit`, ax.limit, 0, 1e6) };
  check((ax.step === undefined) !== (ax.factor === undefined), `curriculum axis '${name}' needs exactly one of 'step' and 'factor'`);
  if (ax.step !== undefined) out.step = checkNumber(`${name}.step`, ax.step, -1e6, 1e6);
  if (ax.factor !== undefined) out.factor = checkNumber(`${name}.factor`, ax.factor, 0, 1e6);
  return out;
}

export function checkCurriculumConfig(c: CurriculumConfig): CurriculumConfig {
  check(typeof c === 'object' && c !== null, `curriculum must be an object, got ${describe(c)}`);
  const steps = checkAxis('steps', c.steps);
  check(Number.isInteger(steps.start) && Number.isInteger(steps.limit) && steps.start >= 1, `curriculum 'steps' needs whole numbers of steps, start ≥ 1`);
  return {
    threshold: checkNumber('curriculum.threshold', c.threshold, 0, 1e6),
    noise: c.noise ? checkAxis('noise', c.noise) : null,
    radius: c.radius ? checkAxis('radius', c.radius) : null,
    ablation: c.ablation ? checkAxis('ablation', c.ablation) : null,
    circles: checkInt('curriculum.circles', c.circles ?? 0, 0, 64),
    steps,
    ...(c.pace ? { pace: checkInt('curriculum.pace', c.pace, 0, 1 << 30) } : {}),
  };
}

/** Rises from `v` until `next` changes nothing (an axis at its limit). */
function rises(v: number, next: (v: number) => number): number {
  let k = 0;
  for (let n = next(v); n !== v && k < 1e6; v = n, n = next(v)) k++;
  return k;
}

/** Levels from the start of every axis to its limit (how many rises the ladder has). */
export function ladderLength(c: CurriculumConfig): number {
  const axes = [c.noise, c.radius, c.ablation].filter((a): a is Axis => a !== null);
  // the rollout length moves in whole steps
  const steps = rises(c.steps.start, (v) => Math.round(advance(c.steps, v)));
  return Math.max(steps, ...axes.map((a) => rises(a.start, (v) => advance(a, v))));
}

/**
 * The same curriculum with a shorter ladder: each perturbation axis reaches its limit in `levels`
 * rises (a multiplicative axis keeps multiplying, an additive one adds) and the rollout length keeps
 * its whole-step rises (so `levels` below its span leaves that axis the longest).
 */
export function shortenLadder(c: CurriculumConfig, levels: number): CurriculumConfig {
  checkInt('levels', levels, 1, 1e6);
  const fit = (a: Axis | null): Axis | null => {
    if (!a || a.start === a.limit) return a;
    // a hair past the exact rate, so rounding cannot leave the last level a rounding error short
    // (advance clamps at the limit)
    const past = 1 + 1e-9;
    if (a.factor !== undefined && a.start > 0) return { start: a.start, factor: (a.limit / a.start) ** (past / levels), limit: a.limit };
    return { start: a.start, step: ((a.limit - a.start) * past) / levels, limit: a.limit };
  };
  return { ...c, noise: fit(c.noise), radius: fit(c.radius), ablation: fit(c.ablation) };
}

/** Moves one notch toward the limit, never past it. */
function advance(a: Axis, v: number): number {
  const next = a.factor !== undefined ? v * a.factor : v + a.step!;
  const growing = a.factor !== undefined ? a.factor > 1 : a.step! > 0;
  return growing ? Math.min(next, a.limit) : Math.max(next, a.limit);
}

export class Curriculum {
  readonly config: CurriculumConfig;
  state: CurriculumState;

  constructor(config: CurriculumConfig, state?: CurriculumState) {
    this.config = checkCurriculumConfig(config);
    const c = this.config;
    this.state = state
      ? Curriculum.checkState(state)
      : { level: 0, noise: c.noise?.start ?? 0, radius: c.radius?.start ?? Infinity, ablation: c.ablation?.start ?? 0, steps: c.steps.start };
  }

  static checkState(s: CurriculumState): CurriculumState {
    check(typeof s === 'object' && s !== null, `curriculum state must be an object, got ${describe(s)}`);
    return {
      level: checkInt('curriculum.level', s.level, 0, 1e9),
      noise: checkNumber('curriculum.noise', s.noise, 0, 1e6),
      radius: s.radius === Infinity || s.radius === null ? Infinity : checkNumber('curriculum.radius', s.radius, 0, 1e6),
      ablation: checkNumber('curriculum.ablation', s.ablation, 0, 1e6),
      steps: checkInt('curriculum.steps', s.steps, 1, MAX_ROLLOUT),
    };
  }

  /** Levels of the ladder (computed once). */
  get levels(): number {
    return (this.ladder ??= ladderLength(this.config));
  }
  private ladder: number | undefined;

  /** True once every axis is at its limit (no level above). */
  get atTop(): boolean {
    const c = this.config;
    const s = this.state;
    const top = (a: Axis | null, v: number) => !a || advance(a, v) === v;
    return top(c.noise, s.noise) && top(c.radius, s.radius) && top(c.ablation, s.ablation) && Math.round(advance(c.steps, s.steps)) === s.steps;
  }

  /**
   * Feeds iteration `iteration`'s loss; raises the difficulty one level when it is below the
   * threshold, or when the level lags the pace. Returns whether it rose (never above the top).
   */
  update(loss: number, iteration = 0): boolean {
    if (this.atTop) return false;
    const c = this.config;
    const behind = c.pace ? this.state.level < Math.floor((this.levels * (iteration + 1)) / c.pace) : false;
    if (!(loss < c.threshold) && !behind) return false;
    const s = this.state;
    this.state = {
      level: s.level + 1,
      noise: c.noise ? advance(c.noise, s.noise) : s.noise,
      radius: c.radius ? advance(c.radius, s.radius) : s.radius,
      ablation: c.ablation ? advance(c.ablation, s.ablation) : s.ablation,
      steps: Math.round(advance(c.steps, s.steps)),
    };
    return true;
  }

  /** The perturbation of the current level. */
  perturbation(): Perturbation {
    const s = this.state;
    return { noise: s.noise, radius: s.radius, circles: this.config.ablation ? this.config.circles : 0, ablation: s.ablation };
  }

  /** The hardest perturbation the curriculum reaches (its limits): the evaluation start. */
  hardest(): Perturbation {
    const c = this.config;
    return {
      noise: c.noise ? c.noise.limit : 0,
      radius: c.radius ? c.radius.limit : Infinity,
      circles: c.ablation ? c.circles : 0,
      ablation: c.ablation ? c.ablation.limit : 0,
    };
  }

  /** Plain numbers for a model file (Infinity stored as -1). */
  toRecord(): Record<string, number> {
    const s = this.state;
    return { level: s.level, noise: s.noise, radius: s.radius === Infinity ? -1 : s.radius, ablation: s.ablation, steps: s.steps };
  }

  static stateFromRecord(r: Record<string, number>): CurriculumState {
    return Curriculum.checkState({ level: r.level!, noise: r.noise!, radius: r.radius === -1 ? Infinity : r.radius!, ablation: r.ablation!, steps: r.steps! });
  }
}
