/**
 * Equivalence check: one training iteration of the TF.js implementation against nca-gl's float64
 * CPU reference (src/train/reference.ts), on the active TF.js backend, with the reference's own
 * hash masks fed to TF.js (so nothing random differs). Compares the loss, the raw gradients of
 * every parameter, and the Adam update after per-tensor normalisation, for both rules, with
 * TF.js's native depthwise backprop kernel (where the backend has one) and with the custom one.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initWeights, normals, resolveRuleConfig, type Weights } from '../../src/engine/model';
import { updateMask, type Dims } from '../../src/engine/reference';
import { adamInit, adamStep, lossAndGrad, normalizeGrads, type LossKind } from '../../src/train/reference';
import { CHANNELS, NcaTf, fromTfGrads, syntheticTarget, targetState, toTfParams, type MaskSource, type Rule } from './nca-tfjs';

export interface CheckCase {
  rule: Rule;
  perceptionGrad: 'native' | 'custom';
  /** |loss_tf − loss_ref| / loss_ref. */
  lossRelErr?: number;
  /** Per tensor: max |g_tf − g_ref| / max |g_ref|. */
  gradRelErr?: Record<string, number>;
  /** Per tensor: max |Δw_tf − Δw_ref| / lr for the first Adam update on normalised gradients. */
  adamErrOverLr?: Record<string, number>;
  ok: boolean;
  error?: string;
}

export interface CheckResult {
  backend: string;
  ok: boolean;
  cases: CheckCase[];
}

const GRAD_TOL = 2e-3;
const LOSS_TOL = 1e-4;
const ADAM_TOL = 1e-2;

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function runCase(rule: Rule, perceptionGrad: 'native' | 'custom', prefix: string): CheckCase {
  const hidden = 8;
  const d: Dims = rule === 'growing' ? { batch: 2, height: 10, width: 12 } : { batch: 1, height: 11, width: 9 };
  const steps = 6;
  const lossSteps = rule === 'growing' ? 1 : 3;
  const loss: LossKind = rule === 'growing' ? 'mse' : 'l1l2';
  const cfg = resolveRuleConfig({ rule, hidden });
  const seed = 12345;
  const w: Weights = initWeights(rule, hidden, seed);
  // non-trivial everything: the growing rule's w1 starts at zero in nca-gl, and biases at zero
  const n1 = normals(seed, 7, w.w1.length);
  if (rule === 'growing') for (let i = 0; i < w.w1.length; i++) w.w1[i] = 0.05 * n1[i]!;
  const nb = normals(seed, 8, w.b0.length);
  for (let i = 0; i < w.b0.length; i++) w.b0[i] = 0.1 * nb[i]!;
  if (w.b1) {
    const nb1 = normals(seed, 9, w.b1.length);
    for (let i = 0; i < w.b1.length; i++) w.b1[i] = 0.1 * nb1[i]!;
  }
  const target = syntheticTarget(d.height, d.width);
  const x0 = targetState(target, d.batch, d.height, d.width);
  const nh = normals(seed, 10, x0.length);
  for (let i = 0; i < x0.length; i++) if (i % CHANNELS >= 4) x0[i] = 0.3 * nh[i]!;
  const spec = { steps, lossSteps, loss, weightDecay: 0, seed, iteration: 3 };
  const ref = lossAndGrad(cfg, w, x0, target, d, spec);

  const masks: MaskSource = (step) => {
    const per = cfg.perCell ? 1 : CHANNELS;
    const m = new Float32Array(d.batch * d.height * d.width * per);
    const buf = new Float64Array(CHANNELS);
    for (let b = 0; b < d.batch; b++) {
      for (let y = 0; y < d.height; y++) {
        for (let x = 0; x < d.width; x++) {
          updateMask(cfg, d, { seed, iteration: spec.iteration, step }, b, y, x, buf);
          const o = ((b * d.height + y) * d.width + x) * per;
          for (let c = 0; c < per; c++) m[o + c] = buf[c]!;
        }
      }
    }
    return tf.tensor4d(m, [d.batch, d.height, d.width, per]);
  };

  const params = toTfParams(rule, hidden, w, prefix);
  const model = new NcaTf({ rule, batch: d.batch, height: d.height, width: d.width, hidden }, params, perceptionGrad === 'custom');
  const out: CheckCase = { rule, perceptionGrad, ok: false };
  const lr = 1e-3;
  const optimizer = tf.train.adam(lr, 0.9, 0.999, 1e-8);
  try {
    const tx0 = tf.tensor4d(x0, [d.batch, d.height, d.width, CHANNELS]);
    const tt = tf.tensor3d(target, [d.height, d.width, 4]);
    const train = { steps, lossSteps, loss, normalizeGrads: false };
    const { value, grads } = model.lossAndGrads(tx0, tt, train, masks);
    const lossTf = value.dataSync()[0]!;
    const raw = (k: string): Float32Array | undefined => (grads[`${prefix}${k}`] ? Float32Array.from(grads[`${prefix}${k}`]!.dataSync()) : undefined);
    const g = fromTfGrads(hidden, { w0: raw('w0')!, b0: raw('b0')!, w1: raw('w1')!, b1: raw('b1') });
    out.lossRelErr = Math.abs(lossTf - ref.loss) / ref.loss;
    out.gradRelErr = {};
    for (const k of Object.keys(ref.grads) as (keyof typeof ref.grads)[]) out.gradRelErr[k] = maxAbsDiff(g[k]!, ref.grads[k]!) / maxAbs(ref.grads[k]!);
    tf.dispose([value, ...Object.values(grads)]);

    // one full iteration as the bench runs it: normalised gradients, Adam with ε = 1e-8
    const before = Object.fromEntries(model.variables().map((v) => [v.name.slice(prefix.length), Float32Array.from(v.dataSync())]));
    const it = tf.tidy(() => {
      const r = model.lossAndGrads(tx0, tt, { ...train, normalizeGrads: true }, masks);
      NcaTf.apply(optimizer, r.grads);
      return r.value;
    });
    it.dataSync();
    it.dispose();
    const after = Object.fromEntries(model.variables().map((v) => [v.name.slice(prefix.length), Float32Array.from(v.dataSync())]));
    const delta = (k: string): Float32Array => after[k]!.map((a, i) => a - before[k]![i]!);
    const dTf = fromTfGrads(hidden, { w0: delta('w0'), b0: delta('b0'), w1: delta('w1'), b1: after['b1'] ? delta('b1') : undefined });
    const upd = adamStep(w, normalizeGrads(ref.grads), adamInit(cfg), { lr, eps: 1e-8 }).weights;
    out.adamErrOverLr = {};
    for (const k of Object.keys(upd) as (keyof typeof upd)[]) {
      const dRef = upd[k]!.map((v, i) => v - (w[k]![i] ?? 0));
      out.adamErrOverLr[k] = maxAbsDiff(dTf[k]!, dRef) / lr;
    }
    tf.dispose([tx0, tt]);
    out.ok =
      out.lossRelErr < LOSS_TOL &&
      Object.values(out.gradRelErr).every((e) => e < GRAD_TOL) &&
      Object.values(out.adamErrOverLr).every((e) => e < ADAM_TOL);
  } catch (e) {
    out.error = String(e instanceof Error ? e.message : e);
  } finally {
    optimizer.dispose();
    model.dispose();
    tf.dispose(model.variables());
  }
  return out;
}

export function tfjsCheck(prefix: string): CheckResult {
  const cases: CheckCase[] = [];
  let i = 0;
  for (const rule of ['growing', 'seed'] as const) {
    for (const pg of ['native', 'custom'] as const) cases.push(runCase(rule, pg, `${prefix}${i++}_`));
  }
  const backend = tf.getBackend();
  // the wasm backend has no DepthwiseConv2dNativeBackpropInput kernel: 'native' is expected to fail there
  const required = cases.filter((c) => c.perceptionGrad === 'custom' || backend !== 'wasm');
  return { backend, ok: required.every((c) => c.ok), cases };
}
