/**
 * Task presets: named starting points a user can train from and override.
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
import { ARTICLE_AXES, type CurriculumConfig } from './curriculum';
import type { LossKind } from './options';
import type { LrSchedule } from './schedule';

export type Task = 'persistence' | 'growth' | 'healing' | 'growing' | 'regenerating';
export const TASKS: readonly Task[] = ['persistence', 'growth', 'healing', 'growing', 'regenerating'];

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
  /** Distill regimen: pool size (0: every iteration starts from the seed). */
  pool: number;
  /** Distill regimen: how many of the best pool samples get a random disc erased each iteration. */
  damage: number;
  /** Iterations a full training runs (the article: up to 60 000; Distill: 8000). */
  iterations: number;
}

const article = (task: Task, description: string, axes: Partial<CurriculumConfig>): Preset => ({
  task,
  description,
  regimen: 'article',
  rule: 'seed',
  hidden: 64,
  width: 64,
  height: 64,
  padding: 6,
  batch: 1,
  loss: 'l1l2',
  lossSteps: 8,
  weightDecay: 1e-6,
  normalizeGrads: false,
  lr: 3e-4,
  curriculum: { threshold: 0.025, noise: null, radius: null, ablation: null, circles: 3, steps: { ...ARTICLE_AXES.steps }, ...axes },
  steps: [16, 16],
  pool: 0,
  damage: 0,
  iterations: 60000,
});

const distill = (task: Task, description: string, pool: number, damage: number): Preset => ({
  task,
  description,
  regimen: 'distill',
  rule: 'growing',
  hidden: 128,
  width: 72,
  height: 72,
  padding: 16,
  batch: 8,
  loss: 'mse',
  lossSteps: 1,
  weightDecay: 0,
  normalizeGrads: true,
  lr: { boundaries: [2000], values: [2e-3, 2e-4] },
  curriculum: null,
  steps: [64, 96],
  pool,
  damage,
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
