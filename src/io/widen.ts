/**
 * Widening a model: more hidden units, the same function. The new units' input weights (w0 rows)
 * are drawn as the rule initialises them (initWeights with `seed`), their biases (b0) are 0 and
 * their output weights (w1 columns) are 0, so every cell's update is exactly what it was: a
 * trained model goes on from where it stood, and training grows the new units from there (a
 * net-to-net widening). The Adam moments of the new weights start at 0, those of the old ones are
 * kept. `train --resume --hidden N` uses it (src/cli/checkpoint.ts).
 */
import { CHANNELS, hasOutputBias, initWeights, MAX_HIDDEN, PERCEPTION, type Weights } from '../engine/model';
import { NcaGlError } from '../errors';
import type { ModelFile } from './model-file';

/**
 * `w` with `hidden` units: the old values in place; the new units' input weights from `rows` (the
 * rows past `from` of a hidden-`hidden` w0), or 0 without it; their biases and output weights 0.
 */
function widenWeights(w: Weights, from: number, hidden: number, rows?: Float32Array): Weights {
  const w0 = new Float32Array(hidden * PERCEPTION);
  w0.set(w.w0); // rows j < from: the old units (row-major, unit j at j·PERCEPTION)
  if (rows) w0.set(rows.subarray(from * PERCEPTION), from * PERCEPTION);
  const b0 = new Float32Array(hidden);
  b0.set(w.b0);
  const w1 = new Float32Array(CHANNELS * hidden);
  for (let o = 0; o < CHANNELS; o++) w1.set(w.w1.subarray(o * from, (o + 1) * from), o * hidden);
  const out: Weights = { w0, b0, w1 };
  if (w.b1) out.b1 = w.b1.slice();
  return out;
}

/**
 * A copy of `m` with `hidden` hidden units (more than it has, a multiple of 4, at most MAX_HIDDEN).
 * The weights (and the keep-best run's latest weights) compute the same update; the optimiser's
 * moments are widened with zeros. An 8-bit (stripped) model cannot be widened: it is not trained on.
 */
export function widenModel(m: ModelFile, hidden: number, seed: number): ModelFile {
  const from = m.rule.hidden;
  const fail = (why: string) => {
    throw new NcaGlError('bad-argument', `cannot widen the model from ${from} to ${hidden} hidden units: ${why}`);
  };
  if (!Number.isInteger(hidden) || hidden % 4 !== 0 || hidden > MAX_HIDDEN) fail(`the hidden units must be a multiple of 4 up to ${MAX_HIDDEN}`);
  if (hidden <= from) fail(`a model only grows (the units it has are trained; dropping some would change what it does)`);
  if (m.quantization && Object.keys(m.quantization).length > 0) fail('its weights are stored 8-bit (a stripped copy); widen the full model file');
  // only the input weights come from the rule's initialisation: the new biases and output weights
  // stay 0 for any rule (the seed rule would draw a nonzero w1), so nothing changes
  const rows = initWeights(m.rule.rule, hidden, seed, hasOutputBias(m.rule)).w0;
  const out: ModelFile = { ...m, rule: { ...m.rule, hidden }, weights: widenWeights(m.weights, from, hidden, rows) };
  if (m.latest) out.latest = { weights: widenWeights(m.latest.weights, from, hidden, rows) };
  if (m.optimizer) out.optimizer = { step: m.optimizer.step, m: widenWeights(m.optimizer.m, from, hidden), v: widenWeights(m.optimizer.v, from, hidden) };
  return out;
}
