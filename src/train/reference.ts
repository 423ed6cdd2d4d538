/**
 * CPU reference of one training iteration, in float64: rollout, loss, backpropagation through
 * time, per-tensor gradient normalisation and Adam, exactly as docs/model.md ("Training
 * iteration") writes them. It is the oracle of the GPU gradient tests. Slow by design.
 *
 * The forward pass is src/engine/reference.ts (stepDetailed); the backward pass recomputes each
 * step's perception, MLP activations and update masks with that module's functions, and takes the
 * alive masks from the forward records, so masks are held constant exactly as the forward drew them.
 *
 * Layouts: states [batch][y][x][16]; target [y][x][4] premultiplied RGBA, the same for every grid.
 */
import { check, checkInt, describe, NcaGlError } from '../errors';
import { CHANNELS, hasOutputBias, PERCEPTION, type RuleConfig, weightShapes, type Weights } from '../engine/model';
import { type Counters, type Dims, mlp, perceive, stencil, stepDetailed, updateMask } from '../engine/reference';
import { ruleSpec } from '../engine/rules';
import type { LossKind } from '../tasks/training-defaults';
import { type ParamsLike, type Grads, toFloat64Params, zeroGrads, sumOfSquares } from './reference-params';

export { adamInit, adamStep, normalizeGrads, type AdamOptions, type AdamState } from './reference-params';
export type { Grads, ParamsLike } from './reference-params';

/**
 * Local copies of the model constants: under vitest's module runner every use of an imported
 * binding is a property read through a getter, which costs a lot in the hot loops below.
 */
const C = CHANNELS;
const P = PERCEPTION;

export type { LossKind };

export interface TrainSpec {
  /** Rollout length T ≥ 1. */
  steps: number;
  /** K, 1 ≤ K ≤ T: the loss covers x_{T−K+1} … x_T. */
  lossSteps: number;
  loss: LossKind;
  /** λ: adds λ · Σ w² over every parameter tensor (w0, b0, w1, and b1 when the rule has one). */
  weightDecay: number;
  /** Hash counters: the masks of step t use {seed, iteration, step: t}. */
  seed: number;
  iteration: number;
}

export interface LossGrad {
  /** Total loss, weight decay included. */
  loss: number;
  /** Per-grid loss without weight decay: the sum restricted to grid b, divided by N / B. */
  perSample: Float64Array;
  grads: Grads;
  /** x_0 … x_T. */
  states: Float64Array[];
  /** With `{ record: true }`: steps[t] holds the intermediates of backpropagating step x_t → x_{t+1}. */
  steps?: BackStepRecord[];
}

/**
 * The intermediates of backpropagating one step x_t → x_{t+1}, one per GPU backward pass
 * (src/train/backward.ts), so a test can check each pass. Per cell i = (b, y, x) of [batch][y][x]:
 *   gNext   [i][16]      g_{t+1} = dL/dx_{t+1} in full (the step's input; loss_grad / bw_perceive of t + 1)
 *   gz1     [i][16]      dL/dz1, the MLP output's pre-activation (bw_out, layers 0–3)
 *   gDirect [i][16]      dL/dx_t through the update's own x (bw_out, layers 4–7)
 *   act     [i][hidden]  the hidden activation act(z0), every cell (bw_hidden)
 *   gz0     [i][hidden]  dL/dz0 (bw_hidden)
 *   gp      [i][48]      dL/dp, the perception features (bw_input)
 *   gx      [i][16]      dL/dx_t through this step (bw_perceive adds the loss term at t)
 * Dead cells (alive mask 0) pass nothing back: their gz1, gDirect, gz0 and gp are 0.
 */
export interface BackStepRecord {
  gNext: Float64Array;
  gz1: Float64Array;
  gDirect: Float64Array;
  act: Float64Array;
  gz0: Float64Array;
  gp: Float64Array;
  gx: Float64Array;
}

/** A sane cap on the rollout length, far below the hash step values reserved for other streams. */
const MAX_STEPS = 1 << 20;

function checkSpec(spec: TrainSpec): void {
  check(typeof spec === 'object' && spec !== null, `train spec must be an object, got ${describe(spec)}`);
  const T = checkInt('steps', spec.steps, 1, MAX_STEPS);
  const K = checkInt('lossSteps', spec.lossSteps, 1, MAX_STEPS);
  check(K <= T, `option 'lossSteps' (K = ${K}) must not exceed 'steps' (T = ${T}): the loss covers the last K states of the rollout`);
  check(spec.loss === 'mse' || spec.loss === 'l1l2', `option 'loss' must be 'mse' or 'l1l2', got ${describe(spec.loss)}`);
  const wd = spec.weightDecay;
  check(typeof wd === 'number' && Number.isFinite(wd) && wd >= 0, `option 'weightDecay' must be a finite number ≥ 0, got ${describe(wd)}`);
  checkInt('seed', spec.seed, 0, 0xffffffff);
  checkInt('iteration', spec.iteration, 0, 0xffffffff);
}

function checkData(x0: ArrayLike<number>, target: ArrayLike<number>, d: Dims): void {
  checkInt('batch', d.batch, 1, 1 << 16);
  checkInt('height', d.height, 1, 1 << 16);
  checkInt('width', d.width, 1, 1 << 16);
  const cells = d.height * d.width;
  const n = d.batch * cells * C;
  if (x0.length !== n) {
    throw new NcaGlError('bad-shape', `start state has ${x0.length} values, expected ${n} (batch ${d.batch} × ${d.height} × ${d.width} × ${C})`);
  }
  if (target.length !== cells * 4) {
    throw new NcaGlError('bad-shape', `target has ${target.length} values, expected ${cells * 4} (${d.height} × ${d.width} × 4 RGBA)`);
  }
}

function counters(spec: TrainSpec, t: number): Counters {
  return { seed: spec.seed, iteration: spec.iteration, step: t };
}

/** The forward reference takes Weights; its MLP only reads the tensors, so float64 ones work too. */
function asWeights(w: Grads): Weights {
  return w as unknown as Weights;
}

interface Rollout {
  states: Float64Array[];
  /** alive[t]: the alive mask of the step x_t → x_{t+1}, [batch][y][x]. */
  alive: Float64Array[];
}

function forward(cfg: RuleConfig, w: Grads, x0: ArrayLike<number>, d: Dims, spec: TrainSpec): Rollout {
  const states: Float64Array[] = [Float64Array.from(x0)];
  const alive: Float64Array[] = [];
  for (let t = 0; t < spec.steps; t++) {
    const r = stepDetailed(cfg, asWeights(w), states[t]!, d, counters(spec, t));
    states.push(r.next);
    alive.push(r.alive);
  }
  return { states, alive };
}

/** Calls f(e, stateIndex, b) for every RGBA error e = x_t − target of the loss window. */
function forEachError(states: Float64Array[], target: ArrayLike<number>, d: Dims, spec: TrainSpec, f: (e: number, t: number, i: number, b: number) => void): void {
  const cells = d.height * d.width;
  for (let t = spec.steps - spec.lossSteps + 1; t <= spec.steps; t++) {
    const x = states[t]!;
    for (let b = 0; b < d.batch; b++) {
      for (let j = 0; j < cells; j++) {
        const o = (b * cells + j) * C;
        for (let c = 0; c < 4; c++) f(x[o + c]! - target[j * 4 + c]!, t, o + c, b);
      }
    }
  }
}

function lossTerm(kind: LossKind, e: number): number {
  return kind === 'mse' ? e * e : Math.abs(e) + e * e;
}

/** d/de of lossTerm, with sign(0) = 0. */
function lossSlope(kind: LossKind, e: number): number {
  return kind === 'mse' ? 2 * e : Math.sign(e) + 2 * e;
}

function lossValue(cfg: RuleConfig, w: Grads, states: Float64Array[], target: ArrayLike<number>, d: Dims, spec: TrainSpec): { loss: number; perSample: Float64Array } {
  const N = spec.lossSteps * d.batch * d.height * d.width * 4;
  const sums = new Float64Array(d.batch);
  forEachError(states, target, d, spec, (e, _t, _i, b) => {
    sums[b]! += lossTerm(spec.loss, e);
  });
  let data = 0;
  for (let b = 0; b < d.batch; b++) data += sums[b]!;
  const perSample = sums.map((s) => s / (N / d.batch));
  return { loss: data / N + spec.weightDecay * sumOfSquares(cfg, w), perSample };
}

/** The loss of one iteration (forward only). */
export function lossOnly(cfg: RuleConfig, w: ParamsLike, x0: ArrayLike<number>, target: ArrayLike<number>, d: Dims, spec: TrainSpec): { loss: number; perSample: Float64Array } {
  checkSpec(spec);
  checkData(x0, target, d);
  const w64 = toFloat64Params(cfg, w, 'weights');
  return lossValue(cfg, w64, forward(cfg, w64, x0, d, spec).states, target, d, spec);
}

export interface LossAndPattern {
  loss: number;
  perSample: Float64Array;
  /**
   * Every discrete decision of the forward pass, as small integers: per step the alive mask of each
   * cell and, for a rule with a kinked activation (RuleSpec.kinked: relu, the growing rule), the
   * sign [z0 > 0] of every hidden unit of every live cell;
   * then sign(e) of every loss error. The loss is smooth around w (and finite differences around w are
   * valid) where this pattern does not change; tests compare it at w ± h against w.
   */
  pattern: Int8Array;
}

/** The loss of one iteration (forward only) together with its discrete decisions. */
export function lossAndPattern(cfg: RuleConfig, w: ParamsLike, x0: ArrayLike<number>, target: ArrayLike<number>, d: Dims, spec: TrainSpec): LossAndPattern {
  checkSpec(spec);
  checkData(x0, target, d);
  const w64 = toFloat64Params(cfg, w, 'weights');
  const { states, alive } = forward(cfg, w64, x0, d, spec);
  const out: number[] = [];
  const p = new Float64Array(P);
  for (let t = 0; t < spec.steps; t++) {
    for (const a of alive[t]!) out.push(a);
    if (!ruleSpec(cfg.rule).kinked) continue;
    for (let b = 0; b < d.batch; b++) {
      for (let y = 0; y < d.height; y++) {
        for (let x = 0; x < d.width; x++) {
          if (!alive[t]![(b * d.height + y) * d.width + x]) continue; // its relu signs reach nothing
          perceive(cfg.rule, states[t]!, d, b, y, x, p);
          for (const z of mlp(cfg, asWeights(w64), p).z0) out.push(z > 0 ? 1 : 0);
        }
      }
    }
  }
  forEachError(states, target, d, spec, (e) => out.push(Math.sign(e)));
  return { ...lossValue(cfg, w64, states, target, d, spec), pattern: Int8Array.from(out) };
}

/**
 * Backpropagates one step x → x' (the step with counters k, alive mask `alive`) given g' = dL/dx'.
 * Adds the parameter gradients into `g` and returns the part of dL/dx that flows through this step;
 * with `rec`, also fills its intermediates (BackStepRecord, zero-filled, gNext and gx aside).
 */
function backStep(cfg: RuleConfig, w: Grads, x: Float64Array, alive: Float64Array, gNext: Float64Array, d: Dims, k: Counters, g: Grads, rec?: BackStepRecord): Float64Array {
  const H = cfg.hidden;
  const spec = ruleSpec(cfg.rule);
  const gx = new Float64Array(x.length);
  const p = new Float64Array(P);
  const m = new Float64Array(C);
  const gOut = new Float64Array(C); // dL/dz1, the output layer's pre-activation
  const gz0 = new Float64Array(H);
  const gp = new Float64Array(P);
  for (let b = 0; b < d.batch; b++) {
    for (let y = 0; y < d.height; y++) {
      for (let xx = 0; xx < d.width; xx++) {
        const cell = (b * d.height + y) * d.width + xx;
        // x' = alive · u: a dead cell's x' is the constant 0, nothing flows back through it.
        if (!alive[cell] && !rec) continue;
        const o = cell * C;
        perceive(cfg.rule, x, d, b, y, xx, p);
        const act = mlp(cfg, asWeights(w), p);
        if (rec) rec.act.set(act.a, cell * H);
        if (!alive[cell]) continue;
        updateMask(cfg, d, k, b, y, xx, m);
        // g_u = gNext on this live cell.
        // u = update(x, m, output(z1)): the rule gives both partials.
        for (let c = 0; c < C; c++) {
          const gu = gNext[o + c]!;
          gx[o + c]! += spec.updateDx(gu, m[c]!);
          gOut[c] = spec.updateDz(gu, m[c]!, act.y[c]!);
        }
        if (rec) {
          for (let c = 0; c < C; c++) rec.gDirect[o + c] = spec.updateDx(gNext[o + c]!, m[c]!);
          rec.gz1.set(gOut, o);
        }
        // Output layer: z1 = w1·a (+ b1 when the rule has it).
        for (let j = 0; j < H; j++) {
          let ga = 0;
          for (let c = 0; c < C; c++) {
            g.w1[c * H + j]! += gOut[c]! * act.a[j]!;
            ga += w.w1[c * H + j]! * gOut[c]!;
          }
          const z = act.z0[j]!;
          gz0[j] = spec.actBack(ga, z);
        }
        if (rec) rec.gz0.set(gz0, cell * H);
        if (g.b1) for (let c = 0; c < C; c++) g.b1[c]! += gOut[c]!;
        // Hidden layer z0 = w0·p + b0.
        gp.fill(0);
        for (let j = 0; j < H; j++) {
          const gj = gz0[j]!;
          if (gj === 0) continue;
          g.b0[j]! += gj;
          for (let i = 0; i < P; i++) {
            g.w0[j * P + i]! += gj * p[i]!;
            gp[i]! += w.w0[j * P + i]! * gj;
          }
        }
        if (rec) rec.gp.set(gp, cell * P);
        // Perception, transposed: p[16g + c](x, y) reads s_c(x + dx, y + dy) with weight
        // stencil(g, dx, dy); reads outside the grid were constant zeros, so they get nothing.
        for (let dy = -1; dy <= 1; dy++) {
          const ny = y + dy;
          if (ny < 0 || ny >= d.height) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const nx = xx + dx;
            if (nx < 0 || nx >= d.width) continue;
            const no = ((b * d.height + ny) * d.width + nx) * C;
            for (let grp = 0; grp < 3; grp++) {
              const s = stencil(cfg.rule, grp, dx, dy);
              if (s === 0) continue;
              for (let c = 0; c < C; c++) gx[no + c]! += s * gp[grp * C + c]!;
            }
          }
        }
      }
    }
  }
  return gx;
}

/**
 * Loss of one iteration and its exact gradient with respect to every parameter (BPTT). With
 * `record`, also each step's backward intermediates (LossGrad.steps).
 */
export function lossAndGrad(cfg: RuleConfig, w: ParamsLike, x0: ArrayLike<number>, target: ArrayLike<number>, d: Dims, spec: TrainSpec, opts: { record?: boolean } = {}): LossGrad {
  checkSpec(spec);
  checkData(x0, target, d);
  const w64 = toFloat64Params(cfg, w, 'weights');
  const { states, alive } = forward(cfg, w64, x0, d, spec);
  const { loss, perSample } = lossValue(cfg, w64, states, target, d, spec);
  const grads = zeroGrads(cfg);

  // dL/dx_t of the loss terms, per loss step.
  const N = spec.lossSteps * d.batch * d.height * d.width * 4;
  const direct = new Map<number, Float64Array>();
  forEachError(states, target, d, spec, (e, t, i) => {
    let a = direct.get(t);
    if (!a) direct.set(t, (a = new Float64Array(states[t]!.length)));
    a[i] = lossSlope(spec.loss, e) / N;
  });

  // Backwards in time: g holds dL/dx_t in full (loss term at t plus everything after t).
  let g: Float64Array = new Float64Array(states[0]!.length);
  const steps: BackStepRecord[] = [];
  const cells = d.batch * d.height * d.width;
  for (let t = spec.steps; t >= 1; t--) {
    const a = direct.get(t);
    if (a) for (let i = 0; i < g.length; i++) g[i]! += a[i]!;
    const rec: BackStepRecord | undefined = opts.record
      ? { gNext: Float64Array.from(g), gz1: new Float64Array(cells * C), gDirect: new Float64Array(cells * C), act: new Float64Array(cells * cfg.hidden), gz0: new Float64Array(cells * cfg.hidden), gp: new Float64Array(cells * P), gx: new Float64Array(0) }
      : undefined;
    g = backStep(cfg, w64, states[t - 1]!, alive[t - 1]!, g, d, counters(spec, t - 1), grads, rec);
    if (rec) steps[t - 1] = { ...rec, gx: Float64Array.from(g) };
  }

  // Weight decay λ Σ w² → 2λw.
  if (spec.weightDecay !== 0) {
    for (const s of weightShapes(cfg.rule, cfg.hidden, hasOutputBias(cfg))) {
      const gt = grads[s.name]!;
      const wt = w64[s.name]!;
      for (let i = 0; i < gt.length; i++) gt[i]! += 2 * spec.weightDecay * wt[i]!;
    }
  }
  return opts.record ? { loss, perSample, grads, states, steps } : { loss, perSample, grads, states };
}
