/**
 * Small model files for embedding: weights only (no Adam moments, no loss history, no resume state)
 * and, optionally, 8-bit weights with one scale per tensor (format 2's `q8` sections).
 *
 *   const small = stripModel(model, { quantize: true });   // ~9 KB for hidden 128 without thumbnail
 *   encodeModel(small);
 *
 * 8-bit here: a tensor t is stored as bytes q with t ≈ scale · (q − zero). quantizeModel picks
 * zero = 128 and scale = max|t| / 127, so 0 stays exactly 0 and the largest magnitude maps to
 * q = 1 or 255; the error of any value is at most scale / 2. Tensors that already carry a
 * quantisation (e.g. Distill's own 8-bit scales, from importModel) keep it, so no second rounding
 * happens.
 */
import { weightShapes, type Weights } from '../engine/model';
import { NcaGlError } from '../errors';
import { dequantizeTensor, type ModelFile, type Q8, type Quantization, quantizeTensor } from './model-file';

/** The symmetric per-tensor 8-bit quantisation of `t` (zero 128, scale max|t| / 127). */
export function symmetricQ8(t: ArrayLike<number>): Q8 {
  let m = 0;
  for (let i = 0; i < t.length; i++) m = Math.max(m, Math.abs(t[i]!));
  return { scale: m / 127, zero: 128 };
}

function fail(msg: string): never {
  throw new NcaGlError('bad-model', `cannot quantise the model: ${msg}`);
}

/**
 * A copy of `model` whose weights are 8-bit: each tensor gets a per-tensor scale (kept where the
 * model already has one) and its values become the dequantised ones, so the copy in memory is
 * exactly what a file will hold.
 */
export function quantizeModel(model: ModelFile): ModelFile {
  const shapes = weightShapes(model.rule.rule, model.rule.hidden, model.rule.outputBias);
  const quantization: Quantization = { ...(model.quantization ?? {}) };
  const weights: Partial<Weights> = {};
  for (const s of shapes) {
    const t = model.weights[s.name];
    if (!(t instanceof Float32Array)) fail(`weight '${s.name}' is missing or not a Float32Array`);
    const q = quantization[s.name] ?? symmetricQ8(t);
    quantization[s.name] = q;
    weights[s.name] = dequantizeTensor(quantizeTensor(t, q, s.name, fail), q);
  }
  return { ...model, weights: weights as Weights, quantization };
}

export interface StripOptions {
  /** Store the weights in 8 bits (quantizeModel). Default false. */
  quantize?: boolean;
  /** Keep the target thumbnail (default true; it is width × height × 4 bytes). */
  target?: boolean;
}

/**
 * What a page needs to run the model and nothing more: drops the Adam moments, the loss history,
 * the resume state and keep-best's latest weights (a stripped file cannot resume training), keeps
 * the quality figures and the kept snapshot's record, and with the options the target
 * thumbnail and the float32 weights. Rule, grid, curriculum level, provenance and origin stay.
 */
export function stripModel(model: ModelFile, opts: StripOptions = {}): ModelFile {
  const out: ModelFile = { rule: model.rule, grid: model.grid, weights: model.weights };
  if (model.target && opts.target !== false) out.target = model.target;
  if (model.training) {
    const { lossHistory: _dropped, ...training } = model.training;
    out.training = training;
  }
  if (model.curriculum) out.curriculum = model.curriculum;
  if (model.origin) out.origin = model.origin;
  if (model.quantization) out.quantization = model.quantization;
  if (model.quality) out.quality = model.quality;
  if (model.best) out.best = model.best;
  return opts.quantize ? quantizeModel(out) : out;
}
