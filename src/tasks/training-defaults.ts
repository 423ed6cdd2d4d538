/**
 * The training settings each rule was published with (the seed article's for `seed`, Distill's for
 * `growing`): plain data of the tasks layer. The task presets (tasks/presets.ts) are built on them,
 * and the trainer's options (train/options.ts, resolveTrainerOptions) fill what is not given from them.
 */
import { NcaGlError } from '../errors';
import type { Rule } from '../engine/model';
import type { LrSchedule } from './schedule';

/** 'mse' = mean(e²); 'l1l2' = mean(|e| + e²). */
export type LossKind = 'mse' | 'l1l2';

/** The training settings a rule brings when the options (or a task preset) do not set them. */
export interface TrainingDefaults {
  batch: number;
  steps: [number, number];
  lossSteps: number;
  loss: LossKind;
  weightDecay: number;
  normalizeGrads: boolean;
  lr: LrSchedule;
}

/**
 * Per rule, the regimen it was published with: the seed article's (`seed`) and Distill's
 * (`growing`). resolveTrainerOptions (train/options.ts) and the task presets (presets.ts) both take
 * them from here.
 */
export const TRAINING_DEFAULTS: Readonly<Record<Rule, Readonly<TrainingDefaults>>> = {
  seed: { batch: 1, steps: [16, 16], lossSteps: 8, loss: 'l1l2', weightDecay: 1e-6, normalizeGrads: false, lr: 3e-4 },
  growing: { batch: 8, steps: [64, 96], lossSteps: 1, loss: 'mse', weightDecay: 0, normalizeGrads: true, lr: { boundaries: [2000], values: [2e-3, 2e-4] } },
};

/**
 * A fresh copy of `rule`'s training defaults (callers may change it). A rule a test registered
 * (registerTestRule) has none: a `bad-argument` error says which options to give instead.
 */
export function trainingDefaults(rule: Rule): TrainingDefaults {
  const d = Object.prototype.hasOwnProperty.call(TRAINING_DEFAULTS, rule) ? TRAINING_DEFAULTS[rule] : undefined;
  if (!d) throw new NcaGlError('bad-argument', `rule '${rule}' has no training defaults (a rule registered by a test): give batch, steps, lossSteps, loss, weightDecay, normalizeGrads and lr`);
  return structuredClone(d) as TrainingDefaults;
}
