/**
 * Task presets: which tasks exist (TASKS) and the named starting point of each, which a user can
 * train from and override. The rule's settings (hidden units; batch, rollout, loss, optimiser) come
 * from the rule's defaults (engine/rules.ts, RULES[rule].defaults; training-defaults.ts,
 * TRAINING_DEFAULTS); a preset adds the grid, the curriculum or pool and the length of a training.
 * The tasks layer (src/tasks/): the regimen (train/regimen.ts), the widget's starts (start.ts), the
 * demo and the CLI all read the presets from here.
 *
 *   persistence, growth, healing   the seed article's three tasks (SPEC §3): `seed` rule, 64×64,
 *                                  hidden 64, batch 1, loss mean(|e| + e²) over the last 8 steps,
 *                                  Adam 3e-4, weight decay 1e-6, a curriculum on one perturbation
 *                                  (noise / truncation / ablation) plus rollout length 2 → 16.
 *   growing, regenerating          Distill's experiments 1 and 3 (SPEC §4): `growing` rule, 72×72
 *                                  (a 40×40 sprite padded by 16), hidden 128, batch 8, 64–96 steps,
 *                                  MSE on the last step, per-tensor gradient normalisation, Adam 2e-3
 *                                  then 2e-4 after 2000 iterations; `regenerating` adds the pool of
 *                                  1024 states with the worst reseeded and the 3 best damaged.
 */
import { check, describe } from '../errors';
import type { Rule } from '../engine/model';
import { RULES } from '../engine/rules';
import { MAX_ROLLOUT } from '../engine/budget';
import { DISTILL_GRID } from '../io/import';
import { ARTICLE_AXES, type CurriculumConfig, shortenLadder } from './curriculum';
import { type LossKind, trainingDefaults } from './training-defaults';
import type { LrSchedule } from './schedule';

export type Task = 'persistence' | 'growth' | 'healing' | 'growing' | 'regenerating';
export const TASKS: readonly Task[] = ['persistence', 'growth', 'healing', 'growing', 'regenerating'];

/** How a pool picks the grids it restarts and damages (Preset.replace). */
export const REPLACE_MODES = ['worst', 'random'] as const;
export type ReplaceMode = (typeof REPLACE_MODES)[number];

export interface Preset {
  task: Task;
  description: string;
  regimen: 'article' | 'distill';
  rule: Rule;
  hidden: number;
  width: number;
  height: number;
  /** Empty border around the sprite, in cells. */
  padding: number;
  batch: number;
  loss: LossKind;
  lossSteps: number;
  weightDecay: number;
  normalizeGrads: boolean;
  lr: LrSchedule;
  /** Article regimen: the curriculum (its `steps` axis sets the rollout length). */
  curriculum: CurriculumConfig | null;
  /** Distill regimen: rollout length range. */
  steps: [number, number];
  /**
   * Sample pool size (0: none, every iteration starts afresh: from the seed, or from the target
   * perturbed at the curriculum's level). With a pool, each iteration's batch is drawn from it and
   * its final states go back, so the loss also sees states that have run many rollouts.
   */
  pool: number;
  /**
   * With a pool, how many of the batch's best grids get damaged each iteration: Distill, a random
   * disc erased; article tasks, the task's perturbation at the curriculum's level.
   */
  damage: number;
  /**
   * Distill's tasks with a pool: how many of the damaged grids (the best of them) lose a half-plane
   * instead of a disc: everything beyond a straight line near the grid's centre, at a random angle
   * (poolDamageCut). Distill damages with discs only (0); a half cut away is what the regeneration
   * check does (evaluateCut), and larger than any disc.
   */
  cuts: number;
  /**
   * Article tasks with a pool: how many of the batch's worst grids restart from a fresh start (the
   * target perturbed at the curriculum's level) each iteration (Distill always reseeds one).
   */
  fresh: number;
  /**
   * With a pool, which drawn grids restart (the seed, or the article tasks' fresh starts) and which
   * get damaged: 'worst' (Distill's rule): the grids with the highest loss restart and the lowest
   * are damaged; 'random': the drawn grids in their drawn order (the draw is random), whatever
   * their loss, so states that went wrong (a growth model that overgrew) stay in the pool and the
   * loss trains the model out of them instead of throwing them away (docs/regimen.md).
   */
  replace: ReplaceMode;
  /**
   * Forward steps without gradient before each iteration's rollout, at most (0: none): each
   * iteration draws an even number from 0 to this. With a pool they run on the drawn pool states
   * before these are ranked, so the states age faster between visits and the loss sees what the
   * model does long after T, while fresh starts, seeds and damage still run the whole rollout from
   * where they begin; without a pool they run on the start, moving the loss window later. The cost
   * is forward steps only (docs/regimen.md).
   */
  preroll: number;
  /** Iterations a full training runs (the article: up to 60 000; Distill: 8000). */
  iterations: number;
}

/** A preset's fields in their order: the rule's defaults, then the grid, curriculum and pool of `p`. */
function withRule(rule: Rule, p: Omit<Preset, 'rule' | 'hidden' | 'batch' | 'loss' | 'lossSteps' | 'weightDecay' | 'normalizeGrads' | 'lr' | 'steps'>): Preset {
  const t = trainingDefaults(rule);
  const { task, description, regimen, width, height, padding, curriculum, ...rest } = p;
  return {
    task,
    description,
    regimen,
    rule,
    hidden: RULES[rule].defaults.hidden,
    width,
    height,
    padding,
    batch: t.batch,
    loss: t.loss,
    lossSteps: t.lossSteps,
    weightDecay: t.weightDecay,
    normalizeGrads: t.normalizeGrads,
    lr: t.lr,
    curriculum,
    steps: t.steps,
    ...rest,
  };
}

const article = (task: Task, description: string, axes: Partial<CurriculumConfig>): Preset => withRule('seed', {
  task,
  description,
  regimen: 'article',
  width: 64,
  height: 64,
  padding: 6,
  curriculum: { threshold: 0.025, noise: null, radius: null, ablation: null, circles: 3, steps: { ...ARTICLE_AXES.steps }, ...axes },
  pool: 0,
  damage: 0,
  cuts: 0,
  fresh: 0,
  replace: 'worst',
  preroll: 0,
  iterations: 60000,
});

const distill = (task: Task, description: string, pool: number, damage: number): Preset => withRule('growing', {
  task,
  description,
  regimen: 'distill',
  ...DISTILL_GRID,
  padding: 16,
  curriculum: null,
  pool,
  damage,
  cuts: 0,
  fresh: 1,
  replace: 'worst',
  preroll: 0,
  iterations: 8000,
});

export const PRESETS: Readonly<Record<Task, Preset>> = {
  persistence: article('persistence', 'hold the image under additive noise (article)', { noise: { ...ARTICLE_AXES.noise } }),
  growth: article('growth', 'regrow the image from a truncated centre (article)', { radius: { ...ARTICLE_AXES.radius } }),
  healing: article('healing', 'repair discs cut out of the image (article)', { ablation: { ...ARTICLE_AXES.ablation } }),
  growing: distill('growing', 'grow the image from a single seed cell (Distill, experiment 1)', 0, 0),
  regenerating: distill('regenerating', 'grow, persist and regenerate, with a pool and damage (Distill, experiment 3)', 1024, 3),
};

/** A copy of the preset for `task`, or an error listing the tasks. */
export function preset(task: string): Preset {
  check(TASKS.includes(task as Task), `unknown task ${describe(task)}: use one of ${TASKS.join(', ')}`);
  return structuredClone(PRESETS[task as Task]);
}

/**
 * An article task's curriculum with the quick job's changes: the first truncation radius
 * (`radiusStart`), the rollout length at the last level (`rollout`, the steps axis's limit: T), the
 * ladder shortened to `levels` levels, a `pace`. Null for Distill's tasks or when nothing changes.
 */
export function adjustedCurriculum(task: Task, o: { radiusStart?: number; rollout?: number; levels?: number; pace?: number }): CurriculumConfig | null {
  const base = PRESETS[task].curriculum;
  if (!base || (o.radiusStart === undefined && !o.rollout && !o.levels && !o.pace)) return null;
  let c: CurriculumConfig = structuredClone(base);
  if (o.radiusStart !== undefined && c.radius) c.radius = { ...c.radius, start: o.radiusStart };
  if (o.rollout) {
    check(Number.isInteger(o.rollout) && o.rollout >= c.steps.start && o.rollout <= MAX_ROLLOUT, `option 'rollout' must be a whole number of steps from ${c.steps.start} to ${MAX_ROLLOUT}, got ${describe(o.rollout)}`);
    c.steps = { ...c.steps, limit: o.rollout };
  }
  if (o.levels) c = shortenLadder(c, o.levels);
  if (o.pace) c.pace = o.pace;
  return c;
}

/** Whether `task` is one of Distill's (growing, regenerating: the same rule, seed start and pool). */
export function isDistillTask(task: string): boolean {
  return Object.hasOwn(PRESETS, task) && PRESETS[task as Task].regimen === 'distill';
}
