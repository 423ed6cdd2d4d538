/**
 * When a widget starts its model again from its start state (issue 15), so a page never shows a
 * model that has faded into a blob or static.
 *
 * A model file may say how long the model holds its shape (`quality.holdsSteps`, measured after
 * training over draws of its hardest start up to 50·T; see src/train/keep-best.ts). The policy:
 *   'auto' (default)  a model that fades (holdsSteps < 50·T) restarts at 0.8 · holdsSteps steps
 *                     (at least T), before it fades; a model that held all 50·T steps measured
 *                     restarts after them, since nothing says how it looks later (the zoo's
 *                     healing pig holds 25 dB at 50·T and falls below 20 dB by about 100·T); a
 *                     file without the figures never restarts (as before);
 *   'never'           never restarts;
 *   a number n ≥ 1    restarts every n steps, whatever the file says.
 * Steps count from the last start (a click does not reset the count).
 */
import type { ModelFile } from '../io/model-file';
import { QUALITY_HORIZON } from '../train/keep-best';

export type RestartPolicy = 'auto' | 'never' | number;

/** Share of holdsSteps at which 'auto' restarts. */
export const RESTART_SHARE = 0.8;

/**
 * Steps after which the widget starts again, for the model and the policy; 0 = never. Numbers are
 * whole steps (fractions round down); 0, negative or non-finite numbers mean never.
 */
export function restartSteps(model: Pick<ModelFile, 'quality'>, policy: RestartPolicy = 'auto'): number {
  if (policy === 'never') return 0;
  if (typeof policy === 'number') return Number.isFinite(policy) && policy >= 1 ? Math.floor(policy) : 0;
  const q = model.quality;
  if (!q) return 0;
  if (q.holdsSteps >= q.steps * QUALITY_HORIZON) return q.holdsSteps; // held all it was measured for
  return Math.max(q.steps, Math.floor(RESTART_SHARE * q.holdsSteps));
}

/**
 * The `restart` attribute: 'auto', 'never' or a number of steps; null (absent), empty or anything
 * else reads as `fallback` (default 'auto').
 */
export function parseRestart(v: string | null, fallback: RestartPolicy = 'auto'): RestartPolicy {
  const s = (v ?? '').trim().toLowerCase();
  if (s === 'auto' || s === 'never') return s;
  const n = s === '' ? NaN : Number(s);
  return Number.isFinite(n) && n >= 1 ? Math.floor(n) : fallback;
}
