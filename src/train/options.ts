/**
 * Trainer options and their checks. The defaults per rule (TRAINING_DEFAULTS: Distill's regimen for
 * `growing`, the article's for `seed`) live in the tasks layer (tasks/training-defaults.ts).
 */
import { check, checkInt, checkNumber, describe, NcaGlError } from '../errors';
import { MAX_ROLLOUT, resolveMemoryBudget } from '../engine/budget';
import { resolveRuleConfig, type Rule, type RuleConfig, type Weights } from '../engine/model';
import type { AtlasOrder, ParamStorage } from '../gl/runtime';
import { checkSchedule, type LrSchedule } from '../tasks/schedule';
import { type LossKind, type TrainingDefaults, trainingDefaults } from '../tasks/training-defaults';

export interface TargetLike {
  width: number;
  height: number;
  /** Premultiplied RGBA, [y][x][4], row 0 at the top. */
  rgba: ArrayLike<number>;
}

export interface TrainerOptions {
  rule?: Rule;
  width: number;
  height: number;
  batch?: number;
  hidden?: number;
  rate?: number;
  perCell?: boolean;
  /** Growing rule: train an output bias b1 as well (Distill's models have one; default false). */
  outputBias?: boolean;
  seed?: number;
  /** The image to grow: W×H premultiplied RGBA (row 0 at the top), the same for every grid. */
  target: TargetLike | Float32Array;
  /** Rollout length, or [min, max] drawn per iteration from the hash (default TRAINING_DEFAULTS: growing [64, 96]; seed 16). */
  steps?: number | [number, number];
  /** Loss over the last K states of the rollout (growing: 1; seed: 8). */
  lossSteps?: number;
  /** 'mse' (growing) or 'l1l2' = mean(|e| + e²) (seed). */
  loss?: LossKind;
  /** λ of the penalty λ·Σw² (growing: 0; seed: 1e-6). */
  weightDecay?: number;
  /** Per-tensor gradient normalisation g/(‖g‖+1e-8) (growing: true; seed: false). */
  normalizeGrads?: boolean;
  /** Learning rate or schedule (growing: 2e-3 then 2e-4 after 2000; seed: 3e-4). */
  lr?: LrSchedule;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Store every k-th state and recompute the rest during backprop (0 or 1: store all). */
  checkpointEvery?: number;
  /** Start state of every iteration: 'seed' (one live centre cell) or a full state array. */
  start?: 'seed' | Float32Array;
  weights?: Weights;
  debug?: boolean;
  /** Where the MLP passes read their weights (default 'auto': the faster one for the renderer). */
  paramStorage?: ParamStorage | 'auto';
  /** How the batch is laid out in textures (default 'auto': the faster order for the renderer; RuntimeOptions). */
  atlasOrder?: AtlasOrder | 'auto';
  /** Spread small atlases over the renderer's thread squares (default 'auto': 64 on llvmpipe, else 0 = off; RuntimeOptions). */
  rasterTile?: number | 'auto';
  /** GPU memory the trainer may take, in bytes (default 1 GiB; see engine/budget.ts). */
  memoryBudget?: number;
}

/** The options with every default filled in (the regimen fields are TrainingDefaults'). */
export interface ResolvedTrainerOptions extends TrainingDefaults {
  rule: RuleConfig;
  width: number;
  height: number;
  seed: number;
  beta1: number;
  beta2: number;
  eps: number;
  checkpointEvery: number;
  memoryBudget: number;
}

export const MAX_STEPS = MAX_ROLLOUT;

export function resolveTrainerOptions(o: TrainerOptions): ResolvedTrainerOptions {
  check(typeof o === 'object' && o !== null, `createTrainer needs options {width, height, target, ...}, got ${describe(o)}`);
  const rule = resolveRuleConfig(o);
  // the rule's defaults, looked up only for an option that is not given (a test rule has none)
  let defaults: TrainingDefaults | undefined;
  const d = <K extends keyof TrainingDefaults>(k: K): TrainingDefaults[K] => (defaults ??= trainingDefaults(rule.rule))[k];
  const width = checkInt('width', o.width, 3, 4096);
  const height = checkInt('height', o.height, 3, 4096);
  let steps: [number, number];
  const s = o.steps ?? d('steps');
  if (typeof s === 'number') steps = [checkInt('steps', s, 1, MAX_STEPS), s];
  else {
    check(Array.isArray(s) && s.length === 2, `option 'steps' must be a number or [min, max], got ${describe(s)}`);
    steps = [checkInt('steps[0]', s[0], 1, MAX_STEPS), checkInt('steps[1]', s[1], 1, MAX_STEPS)];
    check(steps[0] <= steps[1], `option 'steps' [min, max] needs min <= max, got [${steps[0]}, ${steps[1]}]`);
  }
  const lossSteps = checkInt('lossSteps', o.lossSteps ?? d('lossSteps'), 1, MAX_STEPS);
  const loss = o.loss ?? d('loss');
  check(loss === 'mse' || loss === 'l1l2', `option 'loss' must be 'mse' or 'l1l2', got ${describe(loss)}`);
  const normalizeGrads = o.normalizeGrads ?? d('normalizeGrads');
  check(typeof normalizeGrads === 'boolean', `option 'normalizeGrads' must be true or false`);
  const every = checkInt('checkpointEvery', o.checkpointEvery ?? 0, 0, MAX_STEPS);
  return {
    rule,
    width,
    height,
    batch: checkInt('batch', o.batch ?? d('batch'), 1, 1024),
    seed: checkInt('seed', o.seed ?? 0, 0, 0xffffffff),
    steps,
    lossSteps,
    loss,
    weightDecay: checkNumber('weightDecay', o.weightDecay ?? d('weightDecay'), 0, 1),
    normalizeGrads,
    lr: checkSchedule(o.lr ?? d('lr')),
    beta1: checkNumber('beta1', o.beta1 ?? 0.9, 0, 0.999999),
    beta2: checkNumber('beta2', o.beta2 ?? 0.999, 0, 0.9999999),
    eps: checkNumber('eps', o.eps ?? 1e-8, 1e-12, 1),
    checkpointEvery: every <= 1 ? 0 : every,
    memoryBudget: resolveMemoryBudget(o.memoryBudget),
  };
}

/** The target as a Float32Array of W×H×4, or a clear error. */
export function targetData(t: TargetLike | Float32Array, width: number, height: number): Float32Array {
  const n = width * height * 4;
  const data = t instanceof Float32Array ? t : t && typeof t === 'object' && 'rgba' in t ? t.rgba : undefined;
  if (!data || data.length !== n) {
    throw new NcaGlError('bad-shape', `target must be ${width}×${height} premultiplied RGBA (${n} values, row 0 at the top), got ${describe(data ?? t)}`);
  }
  if (!(t instanceof Float32Array) && (t.width !== width || t.height !== height)) {
    throw new NcaGlError('bad-shape', `target is ${t.width}×${t.height} but the grid is ${width}×${height}: load the image at the grid size`);
  }
  const f = Float32Array.from(data);
  const bad = f.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new NcaGlError('bad-shape', `target holds a non-finite value at index ${bad}`);
  return f;
}
