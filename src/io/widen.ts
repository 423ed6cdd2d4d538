/**
 * Widening a model: more hidden units, the same function. The new units' input weights (w0 rows)
 * are drawn as the rule initialises them (initWeights with `seed`), their biases (b0) are 0 and
 * their output weights (w1 columns) are 0, so every cell's update is exactly what it was: a
 * trained model goes on from where it stood, and training grows the new units from there (a
 * net-to-net widening). The old weights' Adam moments are kept. The new weights' first moments
 * start at 0; their second moments start at the old units' mean for the same input (w0), the same
 * output (w1) or the biases (b0), not at 0: Adam's bias correction counts the run's steps, so a
 * second moment of 0 would divide the new weights' first few hundred updates by a sum that has
 * barely begun (3–6 × the learning rate at β2 = 0.999). `train --resume --hidden N` uses it
 * (src/cli/checkpoint.ts).
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
 * Adam's second moments `v` widened: the new units' entries are the old units' mean for the same
 * input (w0: per perception column), the same output (w1: per channel) and over the biases (b0).
 */
function widenSecondMoments(v: Weights, from: number, hidden: number): Weights {
  const out = widenWeights(v, from, hidden);
  const mean = (a: Float32Array, at: (j: number) => number) => {
    let s = 0;
    for (let j = 0; j < from; j++) s += a[at(j)];
    return s / from;
  };
  for (let p = 0; p < PERCEPTION; p++) {
    const m = mean(v.w0, (j) => j * PERCEPTION + p);
    for (let j = from; j < hidden; j++) out.w0[j * PERCEPTION + p] = m;
  }
  out.b0.fill(mean(v.b0, (j) => j), from);
  for (let o = 0; o < CHANNELS; o++) out.w1.fill(mean(v.w1, (j) => o * from + j), o * hidden + from, (o + 1) * hidden);
  return out;
}

/**
 * A copy of `m` with `hidden` hidden units (more than it has, a multiple of 4, at most MAX_HIDDEN).
 * The weights (and the keep-best run's latest weights) compute the same update; the optimiser's
 * first moments are widened with zeros, the second with the old units' means for the same input or
 * output (see above). An 8-bit (stripped) model cannot be widened: it is not trained on.
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
  if (m.optimizer) out.optimizer = { step: m.optimizer.step, m: widenWeights(m.optimizer.m, from, hidden), v: widenSecondMoments(m.optimizer.v, from, hidden) };
  return out;
}
