/**
 * The free-form records of a model file — `resume`, `training.hyperparameters`, `curriculum` — read
 * where they are used (resuming, rendering), with the same care as the rest of the file: a field
 * nca-gl reads must hold what it expects, within the caps of engine/budget.ts, or the file is
 * refused with a `bad-model` error naming the field, its value and the range. The decoder accepts
 * any finite value there (the format leaves these records to the writer); these readers decide
 * whether nca-gl can act on them.
 */
import { MAX_BATCH, MAX_POOL, MAX_PREROLL, MAX_ROLLOUT } from '../engine/budget';
import { describe, NcaGlError } from '../errors';
import type { ModelFile } from './model-file';

type Meta = Pick<ModelFile, 'training' | 'curriculum' | 'resume'>;

function bad(field: string, what: string, v: unknown): never {
  throw new NcaGlError('bad-model', `'${field}' must be ${what}, got ${describe(v)}`);
}

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(field, `an integer from ${min} to ${max}`, v);
  return v;
}

function num(v: unknown, field: string, min: number, max: number, openMin = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v > max || (openMin ? v <= min : v < min)) bad(field, `a number ${openMin ? 'above' : 'from'} ${min}${openMin ? ' and at most' : ' to'} ${max}`, v);
  return v;
}

/** The iteration training resumes at: `resume.iteration`, else `training.iterations`, else 0. */
export function resumeIteration(m: Meta): number {
  if (m.resume?.iteration !== undefined) return int(m.resume.iteration, 'resume.iteration', 0, 0xffffffff);
  if (m.training?.iterations !== undefined) return int(m.training.iterations, 'training.iterations', 0, 0xffffffff);
  return 0;
}

/** The learning-rate scale fault recovery reached: `resume.lrScale` in (0, 1], default 1. */
export function resumeLrScale(m: Meta): number {
  return m.resume?.lrScale === undefined ? 1 : num(m.resume.lrScale, 'resume.lrScale', 0, 1, true);
}

/** An integer of `training.hyperparameters`, or `fallback` when absent. */
export function hyperInt(m: Meta, key: string, min: number, max: number, fallback: number): number {
  const v = m.training?.hyperparameters?.[key];
  return v === undefined ? fallback : int(v, `training.hyperparameters.${key}`, min, max);
}

/** Caps of the hyperparameters nca-gl reads back. */
export const HYPER_LIMITS = { batch: [1, MAX_BATCH], pool: [0, MAX_POOL], damage: [0, MAX_BATCH - 1], cuts: [0, MAX_BATCH - 1], fresh: [1, MAX_BATCH], preroll: [0, MAX_PREROLL], padding: [0, 2048], lossSteps: [1, MAX_ROLLOUT] } as const;

/**
 * The rollout range in `training.hyperparameters.steps` ("64..96", or "curriculum 2..16"), checked
 * (1 ≤ min ≤ max ≤ MAX_ROLLOUT); null when absent.
 */
export function hyperSteps(m: Meta): { range: [number, number]; curriculum: boolean } | null {
  const v = m.training?.hyperparameters?.steps;
  if (v === undefined) return null;
  if (typeof v === 'number') return { range: [int(v, 'training.hyperparameters.steps', 1, MAX_ROLLOUT), v], curriculum: false };
  const r = typeof v === 'string' ? /^(curriculum )?(\d{1,9})\.\.(\d{1,9})$/.exec(v) : null;
  const lo = r ? Number(r[2]) : NaN;
  const hi = r ? Number(r[3]) : NaN;
  if (!r || !(lo >= 1 && lo <= hi && hi <= MAX_ROLLOUT)) bad('training.hyperparameters.steps', `a step range "MIN..MAX" (or "curriculum MIN..MAX", or one whole number) with 1 ≤ MIN ≤ MAX ≤ ${MAX_ROLLOUT}`, v);
  return { range: [lo, hi], curriculum: !!r[1] };
}

/**
 * The curriculum state's known fields checked (level, noise, radius (−1: none), ablation, steps);
 * other keys are left alone. Returns the record.
 */
export function checkCurriculumRecord(c: Record<string, number>): Record<string, number> {
  if (c.level !== undefined) int(c.level, 'curriculum.level', 0, 1e9);
  if (c.noise !== undefined) num(c.noise, 'curriculum.noise', 0, 1e6);
  if (c.radius !== undefined && c.radius !== -1) num(c.radius, 'curriculum.radius', 0, 1e6);
  if (c.ablation !== undefined) num(c.ablation, 'curriculum.ablation', 0, 1e6);
  if (c.steps !== undefined) int(c.steps, 'curriculum.steps', 1, MAX_ROLLOUT);
  return c;
}

/**
 * The longest rollout the model was trained with: `curriculum.steps`, else the maximum of
 * `training.hyperparameters.steps`, else 16. Out-of-range values are refused, naming the field.
 */
export function trainedSteps(m: Meta): number {
  if (m.curriculum?.steps !== undefined) return int(m.curriculum.steps, 'curriculum.steps', 1, MAX_ROLLOUT);
  return hyperSteps(m)?.range[1] ?? 16;
}
