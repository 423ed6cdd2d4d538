/**
 * Neural cellular automata training in TensorFlow.js: the peer nca-gl is benchmarked against.
 *
 * It computes what docs/model.md specifies (both update rules, the loss over the last K states,
 * backpropagation through the whole rollout with masks held constant, optional per-tensor gradient
 * normalisation, Adam with ε = 1e-8), written the way a TF.js user would write it: depthwise
 * convolution for perception, (fused) matMul for the per-cell MLP, maxPool for the alive mask,
 * tf.variableGrads for the gradients and tf.train.adam for the update.
 *
 * Layout differences from nca-gl, none of which changes the function computed:
 * - tf.depthwiseConv2d with channel multiplier 3 orders the 48 features per channel
 *   (feature c·3 + g) instead of per group (g·16 + c); w0 is stored [48][hidden] in that order
 *   (toTfWeights/fromTfGrads map nca-gl's [hidden][48] layout onto it).
 * - Update masks come from tf's own RNG (tf.randomUniform), not nca-gl's counter hash; the
 *   equivalence check (check.ts) feeds the hash masks in instead.
 */
import * as tf from '@tensorflow/tfjs-core';
// the gradient functions (the @tensorflow/tfjs umbrella imports these; tfjs-core alone does not)
import '@tensorflow/tfjs-core/dist/register_all_gradients';

export type Rule = 'growing' | 'seed';
export type LossKind = 'mse' | 'l1l2';

export interface ModelSpec {
  rule: Rule;
  batch: number;
  /** Grid height and width. */
  height: number;
  width: number;
  hidden: number;
}

export interface TrainSpec {
  steps: number;
  lossSteps: number;
  loss: LossKind;
  normalizeGrads: boolean;
}

export const CHANNELS = 16;
export const PERCEPTION = 48;
const ALIVE = 0.1;

/** Sobel kernels as [dy + 1][dx + 1], dy pointing down the image (docs/model.md). */
const KX = [
  [-1, 0, 1],
  [-2, 0, 2],
  [-1, 0, 1],
];
const KY = [
  [-1, -2, -1],
  [0, 0, 0],
  [1, 2, 1],
];

/** Weight of neighbour (dx, dy) for feature group g of `rule` (same table as docs/model.md). */
export function stencil(rule: Rule, g: number, dx: number, dy: number): number {
  if (g === 0) return dx === 0 && dy === 0 ? 1 : 0;
  const kx = KX[dy + 1]![dx + 1]!;
  const ky = KY[dy + 1]![dx + 1]!;
  if (rule === 'seed') return g === 1 ? (dx === 0 && dy === 0 ? 0 : 0.125) : kx + ky;
  return (g === 1 ? kx : ky) * 0.125;
}

/** Depthwise filter [3, 3, 16, 3]: filter[dy+1][dx+1][c][g] = stencil(g, dx, dy). */
function perceptionFilter(rule: Rule, rotate: boolean): Float32Array {
  const f = new Float32Array(9 * CHANNELS * 3);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      // the transposed convolution of a 'same', stride-1 correlation is the correlation with the
      // kernel rotated by 180°
      const dy = rotate ? 1 - i : i - 1;
      const dx = rotate ? 1 - j : j - 1;
      for (let c = 0; c < CHANNELS; c++) for (let g = 0; g < 3; g++) f[((i * 3 + j) * CHANNELS + c) * 3 + g] = stencil(rule, g, dx, dy);
    }
  }
  return f;
}

export interface Params {
  /** [48, hidden], rows in depthwise feature order c·3 + g. */
  w0: tf.Variable;
  b0: tf.Variable;
  /** [hidden, 16]. */
  w1: tf.Variable;
  /** [16], seed rule only. */
  b1?: tf.Variable;
}

/** Per-step update mask: [B, H, W, 1] (per cell) or [B, H, W, 16] (per element), 0/1 float32. */
export type MaskSource = (step: number) => tf.Tensor4D;

/**
 * The CA and its training loss, built once per model. `customPerceptionGrad` replaces TF.js's
 * DepthwiseConv2dNativeBackpropInput (the wasm backend has no such kernel) by the equivalent
 * depthwise convolution of dy with the rotated kernels followed by a sum over the 3 features of
 * each channel.
 */
export class NcaTf {
  readonly filter: tf.Tensor4D;
  private readonly filterRot: tf.Tensor4D;
  /**
   * Called in the backward pass of every step's alive masking (instrumentation: TF.js frees a
   * rollout's tensors only when tf.variableGrads returns, so the memory in use peaks in the last
   * of these calls).
   */
  onBackwardStep: (() => void) | null = null;
  /** Called after every forward step of a training rollout (instrumentation). */
  onForwardStep: ((step: number) => void) | null = null;

  constructor(
    readonly spec: ModelSpec,
    readonly params: Params,
    readonly customPerceptionGrad: boolean,
  ) {
    this.filter = tf.tensor4d(perceptionFilter(spec.rule, false), [3, 3, CHANNELS, 3]);
    this.filterRot = tf.tensor4d(perceptionFilter(spec.rule, true), [3, 3, CHANNELS * 3, 1]);
  }

  dispose(): void {
    this.filter.dispose();
    this.filterRot.dispose();
  }

  /** [B, H, W, 16] → [B, H, W, 48] perception features (zero padding). */
  perceive(x: tf.Tensor4D): tf.Tensor4D {
    if (!this.customPerceptionGrad) return tf.depthwiseConv2d(x, this.filter, 1, 'same');
    const { filter, filterRot } = this;
    const f = tf.customGrad((xi, _save) => {
      const value = tf.depthwiseConv2d(xi as tf.Tensor4D, filter, 1, 'same');
      const gradFunc = (dy: tf.Tensor4D): tf.Tensor => {
        const [b, h, w] = dy.shape;
        const d = tf.depthwiseConv2d(dy, filterRot, 1, 'same');
        return tf.sum(tf.reshape(d, [b, h, w, CHANNELS, 3]), 4);
      };
      return { value, gradFunc };
    });
    return f(x) as tf.Tensor4D;
  }

  /** The per-cell MLP: [B, H, W, 48] → [B, H, W, 16] (dx for growing, y for seed). */
  mlp(p: tf.Tensor4D): tf.Tensor4D {
    const { batch: B, height: H, width: W, rule } = this.spec;
    const { w0, b0, w1, b1 } = this.params;
    const p2 = tf.reshape(p, [B * H * W, PERCEPTION]) as tf.Tensor2D;
    let out: tf.Tensor2D;
    if (rule === 'growing') {
      const h = tf.fused.matMul({ a: p2, b: w0 as tf.Tensor2D, bias: b0, activation: 'relu' }) as tf.Tensor2D;
      out = tf.matMul(h, w1 as tf.Tensor2D);
    } else {
      const a = tf.atan(tf.fused.matMul({ a: p2, b: w0 as tf.Tensor2D, bias: b0 })) as tf.Tensor2D;
      out = tf.sigmoid(tf.fused.matMul({ a, b: w1 as tf.Tensor2D, bias: b1! }) as tf.Tensor2D);
    }
    return tf.reshape(out, [B, H, W, CHANNELS]);
  }

  /**
   * u ↦ u · alive, with the alive mask a constant for differentiation (docs/model.md): the mask's
   * ops run inside the custom gradient's forward function, so they are not taped and no gradient
   * flows into maxPool / greater. growing: alive = maxPool3×3(x_3) > 0.1 ∧ maxPool3×3(u_3) > 0.1;
   * seed: alive = u_3 > 0.1.
   */
  aliveMask(x: tf.Tensor4D, u: tf.Tensor4D): tf.Tensor4D {
    const { batch: B, height: H, width: W, rule } = this.spec;
    const alpha = (s: tf.Tensor4D): tf.Tensor4D => tf.slice(s, [0, 0, 0, 3], [B, H, W, 1]);
    const pool = (s: tf.Tensor4D): tf.Tensor4D => tf.maxPool(alpha(s), 3, 1, 'same');
    const f = tf.customGrad<tf.Tensor4D>((ui, save) => {
      const uu = ui as tf.Tensor4D;
      let mask: tf.Tensor4D;
      if (rule === 'growing') {
        const pre = tf.greater<tf.Tensor4D>(pool(x), ALIVE);
        const post = tf.greater<tf.Tensor4D>(pool(uu), ALIVE);
        mask = tf.cast(tf.logicalAnd<tf.Tensor4D>(pre, post), 'float32');
      } else {
        mask = tf.cast(tf.greater<tf.Tensor4D>(alpha(uu), ALIVE), 'float32');
      }
      (save as tf.GradSaveFunc)([mask]);
      const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]): tf.Tensor => {
        this.onBackwardStep?.();
        return tf.mul(dy, saved[0]!);
      };
      return { value: tf.mul<tf.Tensor4D>(uu, mask), gradFunc };
    });
    return f(u) as tf.Tensor4D;
  }

  /** One CA step x_t → x_{t+1} with the given update mask. */
  step(x: tf.Tensor4D, m: tf.Tensor4D): tf.Tensor4D {
    const y = this.mlp(this.perceive(x));
    let u: tf.Tensor4D;
    if (this.spec.rule === 'growing') {
      u = tf.add<tf.Tensor4D>(x, tf.mul(y, m)); // m: [B, H, W, 1] per cell
    } else {
      u = tf.add<tf.Tensor4D>(tf.mul(y, m), tf.mul(x, tf.sub(1, m))); // replace where m = 1
    }
    return this.aliveMask(x, u);
  }

  /** Loss of the rollout from x0 (docs/model.md "Training iteration" steps 1–3, λ = 0). */
  loss(x0: tf.Tensor4D, target: tf.Tensor3D, t: TrainSpec, masks: MaskSource): tf.Scalar {
    const { batch: B, height: H, width: W } = this.spec;
    const n = t.lossSteps * B * H * W * 4;
    let x = x0;
    let total: tf.Scalar | null = null;
    for (let s = 0; s < t.steps; s++) {
      x = this.step(x, masks(s));
      this.onForwardStep?.(s);
      if (s + 1 > t.steps - t.lossSteps) {
        const e = tf.sub(tf.slice(x, [0, 0, 0, 0], [B, H, W, 4]), target);
        const term = t.loss === 'mse' ? tf.sum(tf.square(e)) : tf.sum(tf.add(tf.abs(e), tf.square(e)));
        total = total ? tf.add<tf.Scalar>(total, term) : (term as tf.Scalar);
      }
    }
    return tf.div(total!, n);
  }

  /** The trainable variables in a fixed order. */
  variables(): tf.Variable[] {
    const { w0, b0, w1, b1 } = this.params;
    return b1 ? [w0, b0, w1, b1] : [w0, b0, w1];
  }

  /** Loss and the gradients of every parameter, normalised per tensor if asked (step 5). */
  lossAndGrads(x0: tf.Tensor4D, target: tf.Tensor3D, t: TrainSpec, masks: MaskSource): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
    // grads are keyed by variable name; Optimizer.applyGradients takes them as [{ name, tensor }]
    const { value, grads } = tf.variableGrads(() => this.loss(x0, target, t, masks), this.variables());
    if (!t.normalizeGrads) return { value, grads };
    const out: Record<string, tf.Tensor> = {};
    for (const [name, g] of Object.entries(grads)) out[name] = tf.div(g, tf.add(tf.norm(g), 1e-8));
    return { value, grads: out };
  }

  /** Adam (or any optimiser) step on gradients from lossAndGrads. */
  static apply(optimizer: tf.Optimizer, grads: Record<string, tf.Tensor>): void {
    optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
  }
}

/** Update masks from TF.js's RNG (seeded, so a run is repeatable): growing per cell p = 0.5, seed per element p = 0.8. */
export function randomMasks(spec: ModelSpec, seedBase: number): MaskSource {
  const { batch: B, height: H, width: W, rule } = spec;
  const shape: [number, number, number, number] = rule === 'growing' ? [B, H, W, 1] : [B, H, W, CHANNELS];
  const rate = rule === 'growing' ? 0.5 : 0.8;
  return (step) => tf.cast(tf.less(tf.randomUniform(shape, 0, 1, 'float32', seedBase + step), rate), 'float32') as tf.Tensor4D;
}

/**
 * Parameters from nca-gl's layout (w0 [hidden][48] in group order, w1 [16][hidden]) as TF.js
 * variables in this module's layout. `prefix` must be unique per page (TF.js registers variables by name).
 */
export function toTfParams(rule: Rule, hidden: number, w: { w0: ArrayLike<number>; b0: ArrayLike<number>; w1: ArrayLike<number>; b1?: ArrayLike<number> | undefined }, prefix: string): Params {
  const w0 = new Float32Array(PERCEPTION * hidden);
  for (let j = 0; j < hidden; j++) for (let g = 0; g < 3; g++) for (let c = 0; c < CHANNELS; c++) w0[(c * 3 + g) * hidden + j] = w.w0[j * PERCEPTION + g * CHANNELS + c]!;
  const w1 = new Float32Array(hidden * CHANNELS);
  for (let o = 0; o < CHANNELS; o++) for (let j = 0; j < hidden; j++) w1[j * CHANNELS + o] = w.w1[o * hidden + j]!;
  let params: Params | undefined;
  tf.tidy(() => {
    const p: Params = {
      w0: tf.variable(tf.tensor2d(w0, [PERCEPTION, hidden]), true, `${prefix}w0`),
      b0: tf.variable(tf.tensor1d(Float32Array.from(w.b0)), true, `${prefix}b0`),
      w1: tf.variable(tf.tensor2d(w1, [hidden, CHANNELS]), true, `${prefix}w1`),
    };
    if (rule === 'seed') p.b1 = tf.variable(tf.tensor1d(Float32Array.from(w.b1 ?? new Float32Array(CHANNELS))), true, `${prefix}b1`);
    params = p; // variables survive tidy, their initial tensors do not
  });
  return params!;
}

/** Gradients in this module's layout back to nca-gl's layout (inverse of toTfParams). */
export function fromTfGrads(hidden: number, g: { w0: Float32Array; b0: Float32Array; w1: Float32Array; b1?: Float32Array | undefined }): { w0: Float64Array; b0: Float64Array; w1: Float64Array; b1?: Float64Array } {
  const w0 = new Float64Array(PERCEPTION * hidden);
  for (let j = 0; j < hidden; j++) for (let g2 = 0; g2 < 3; g2++) for (let c = 0; c < CHANNELS; c++) w0[j * PERCEPTION + g2 * CHANNELS + c] = g.w0[(c * 3 + g2) * hidden + j]!;
  const w1 = new Float64Array(hidden * CHANNELS);
  for (let o = 0; o < CHANNELS; o++) for (let j = 0; j < hidden; j++) w1[o * hidden + j] = g.w1[j * CHANNELS + o]!;
  const out: { w0: Float64Array; b0: Float64Array; w1: Float64Array; b1?: Float64Array } = { w0, b0: Float64Array.from(g.b0), w1 };
  if (g.b1) out.b1 = Float64Array.from(g.b1);
  return out;
}

/**
 * Random initial parameters from TF.js's RNG (seeded). growing: w0 Glorot-uniform, b0 = 0, w1
 * small N(0, 0.02²) instead of Distill's zeros so every gradient is non-trivial from the first
 * iteration; seed: the article's 100·N(0,1)/(fan_in·fan_out), biases 0.
 */
export function initParams(rule: Rule, hidden: number, seed: number, prefix: string): Params {
  let params: Params | undefined;
  tf.tidy(() => {
    let w0: tf.Tensor2D;
    let w1: tf.Tensor2D;
    if (rule === 'growing') {
      const lim = Math.sqrt(6 / (PERCEPTION + hidden));
      w0 = tf.randomUniform([PERCEPTION, hidden], -lim, lim, 'float32', seed);
      w1 = tf.randomNormal([hidden, CHANNELS], 0, 0.02, 'float32', seed + 1);
    } else {
      w0 = tf.randomNormal([PERCEPTION, hidden], 0, 100 / (PERCEPTION * hidden), 'float32', seed);
      w1 = tf.randomNormal([hidden, CHANNELS], 0, 100 / (hidden * CHANNELS), 'float32', seed + 1);
    }
    const p: Params = {
      w0: tf.variable(w0, true, `${prefix}w0`),
      b0: tf.variable(tf.zeros([hidden]), true, `${prefix}b0`),
      w1: tf.variable(w1, true, `${prefix}w1`),
    };
    if (rule === 'seed') p.b1 = tf.variable(tf.zeros([CHANNELS]), true, `${prefix}b1`);
    params = p; // variables are not disposed by tidy
  });
  return params!;
}

/**
 * A synthetic target, [H][W][4] premultiplied RGBA: a disc of radius 0.3·size with a colour
 * gradient and an antialiased edge (deterministic, no RNG).
 */
export function syntheticTarget(height: number, width: number): Float32Array {
  const t = new Float32Array(height * width * 4);
  const cy = (height - 1) / 2;
  const cx = (width - 1) / 2;
  const r = 0.3 * Math.min(height, width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = Math.hypot(y - cy, x - cx);
      const a = Math.min(1, Math.max(0, r - d + 0.5));
      const i = (y * width + x) * 4;
      t[i] = a * (x / (width - 1));
      t[i + 1] = a * (y / (height - 1));
      t[i + 2] = a * 0.5 * (1 + Math.cos((d / r) * Math.PI));
      t[i + 3] = a;
    }
  }
  return t;
}

/** Growing rule start state: every grid is the seed, the centre cell with channels 3..15 = 1. */
export function seedState(batch: number, height: number, width: number): Float32Array {
  const s = new Float32Array(batch * height * width * CHANNELS);
  const y = height >> 1;
  const x = width >> 1;
  for (let b = 0; b < batch; b++) for (let c = 3; c < CHANNELS; c++) s[((b * height + y) * width + x) * CHANNELS + c] = 1;
  return s;
}

/** Seed rule start state: the target in RGBA, hidden channels 0, batch copies. */
export function targetState(target: Float32Array, batch: number, height: number, width: number): Float32Array {
  const s = new Float32Array(batch * height * width * CHANNELS);
  for (let b = 0; b < batch; b++) for (let i = 0; i < height * width; i++) for (let c = 0; c < 4; c++) s[(b * height * width + i) * CHANNELS + c] = target[i * 4 + c]!;
  return s;
}
