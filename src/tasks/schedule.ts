/**
 * Learning-rate schedules: a constant, or piecewise constant (Distill: 2e-3, then 2e-4 after 2000).
 * Plain data in the tasks layer: the presets and the training defaults name one, the trainer
 * (train/trainer.ts) reads it with lrAt.
 */
import { check, checkNumber, describe } from '../errors';

export type LrSchedule = number | { boundaries: number[]; values: number[] };

/** Checks a schedule and names what is wrong. */
export function checkSchedule(s: unknown): LrSchedule {
  if (typeof s === 'number') return checkNumber('lr', s, 0, 10);
  check(typeof s === 'object' && s !== null, `option 'lr' must be a number or {boundaries, values}, got ${describe(s)}`);
  const { boundaries, values } = s as { boundaries: unknown; values: unknown };
  check(Array.isArray(boundaries) && Array.isArray(values), `option 'lr' {boundaries, values} needs two arrays`);
  check(values.length === boundaries.length + 1, `option 'lr' needs one more value than boundaries (got ${values.length} values, ${boundaries.length} boundaries)`);
  boundaries.forEach((b, i) => check(Number.isInteger(b) && b > 0 && (i === 0 || b > boundaries[i - 1]), `lr boundaries must be increasing positive iteration numbers, got ${describe(b)} at ${i}`));
  values.forEach((v) => checkNumber('lr value', v, 0, 10));
  return { boundaries: boundaries as number[], values: values as number[] };
}

/** Learning rate at (0-based) iteration `it`. */
export function lrAt(s: LrSchedule, it: number): number {
  if (typeof s === 'number') return s;
  let i = 0;
  while (i < s.boundaries.length && it >= s.boundaries[i]!) i++;
  return s.values[i]!;
}
