/**
 * Trainer: one training iteration — rollout, loss, backprop through time, gradient reduction and
 * an Adam update — entirely in WebGL2 fragment passes. The weights never leave the GPU except when
 * asked for; the loss comes back asynchronously through a fence.
 *
 *   const trainer = createTrainer(canvas, { rule: 'growing', width: 72, height: 72, target });
 *   for (let i = 0; i < 100; i++) losses.push(await trainer.step());
 *   const saved = trainer.saveState();   // weights + Adam moments + counters, exact
 *   trainer.dispose();
 */
import { checkInt, NcaGlError } from '../errors';
import type { ContextTarget } from '../gl/context';
import { Profiler } from '../gl/profiler';
import { AsyncReader } from '../gl/readback';
import { type GpuTexture, type PassProgram, Runtime, type Uniforms } from '../gl/runtime';
import { Engine } from '../engine/engine';
import { cellKey, PREROLL_STEP, STREAM_BASE } from '../engine/hash';
import { type Atlas, atlasTexture, makeAtlas, packCells, packParams, paramLayout, type ParamLayout, stateLength, unpackCells, unpackParams } from '../engine/layout';
import { CHANNELS, checkWeights, hasOutputBias, initWeights, type RuleConfig, seedState, type Weights, zeroWeights } from '../engine/model';
import { ruleSpec } from '../engine/rules';
import { ForwardStep, layoutUniforms, ruleDefines } from '../engine/step';
import { type BackwardBuffers, BackwardStep, type PartialLayout, partialLayout } from './backward';
import { type ResolvedTrainerOptions, resolveTrainerOptions, targetData, type TrainerOptions } from './options';
import { checkTrainingBudget, type TrainShape } from './budget';
import { LossPasses } from './loss';
import { lrAt } from '../tasks/schedule';
import { StateStore } from './states';
import { checkPreroll } from '../engine/budget';

export interface TrainerState {
  weights: Weights;
  optimizer: { step: number; m: Weights; v: Weights };
  /** Iterations done (the next iteration's hash counter). */
  iteration: number;
}

export class Trainer {
  readonly rt: Runtime;
  readonly opts: ResolvedTrainerOptions;
  readonly atlas: Atlas;
  /** Iterations done so far; also the hash counter of the next iteration. */
  iteration = 0;
  /** Adam updates done so far. */
  adamSteps = 0;
  /** Per-grid losses of the last iteration whose loss was read back. */
  lastSampleLosses: Float32Array | null = null;
  /** Rollout length of the last queued iteration. */
  lastSteps = 0;
  /** Multiplies the learning-rate schedule (fault recovery lowers it after a divergence). */
  lrScale = 1;
  private readonly pl: ParamLayout;
  private readonly part: PartialLayout;
  private params: [GpuTexture, GpuTexture];
  private m: [GpuTexture, GpuTexture];
  private v: [GpuTexture, GpuTexture];
  private cur = 0;
  private readonly grad: GpuTexture;
  private readonly norms: GpuTexture;
  private readonly target: GpuTexture;
  private readonly store: StateStore;
  private readonly alive: GpuTexture | null;
  private readonly scratch: GpuTexture;
  private readonly bw: BackwardBuffers;
  private g: [GpuTexture, GpuTexture];
  private partial: [GpuTexture, GpuTexture];
  private readonly loss: LossPasses;
  private readonly forward: ForwardStep;
  private readonly backward: BackwardStep;
  private readonly progs: Record<'gradFinal' | 'gradNorm' | 'adam', PassProgram>;
  private readonly reader: AsyncReader;
  private readonly u: Uniforms;
  private readonly ownsRuntime: boolean;

  constructor(target: ContextTarget | Runtime, options: TrainerOptions) {
    this.opts = resolveTrainerOptions(options);
    const o = this.opts;
    const targetRGBA = targetData(options.target, o.width, o.height);
    const shape: TrainShape = { rule: o.rule.rule, width: o.width, height: o.height, batch: o.batch, hidden: o.rule.hidden, steps: o.steps[1], checkpointEvery: o.checkpointEvery };
    checkTrainingBudget(shape, { budget: o.memoryBudget });
    const bias = hasOutputBias(o.rule);
    const weights = checkWeights(options.weights ?? initWeights(o.rule.rule, o.rule.hidden, o.seed, bias), o.rule.rule, o.rule.hidden, bias);
    this.ownsRuntime = !(target instanceof Runtime);
    this.rt = target instanceof Runtime ? target : new Runtime(target, { debug: options.debug ?? false, drawBuffers: 8, paramStorage: options.paramStorage ?? 'auto', atlasOrder: options.atlasOrder ?? 'auto', rasterTile: options.rasterTile ?? 'auto' });
    const rt = this.rt;
    try {
      if (rt.format !== 'rgba32f' || rt.maxTargets < 8) {
        throw new NcaGlError('missing-capability', `training needs float32 render targets and 8 draw buffers; this device (${rt.caps.renderer}) offers ${rt.format} and ${rt.maxTargets}`);
      }
      checkTrainingBudget({ ...shape, place: rt.placement }, { budget: o.memoryBudget, limits: rt.caps });
      this.atlas = makeAtlas(o.width, o.height, o.batch, rt.caps.maxTextureSize, rt.placement);
      const a = this.atlas;
      this.pl = paramLayout(o.rule.hidden);
      this.part = partialLayout(a, o.rule.hidden, this.pl.width, rt.caps.maxTextureSize);
      const p2 = (label: string) => [rt.texture(this.pl.width, this.pl.height, 0, 'rgba32f', label + ' A'), rt.texture(this.pl.width, this.pl.height, 0, 'rgba32f', label + ' B')] as [GpuTexture, GpuTexture];
      this.params = p2('parameters');
      this.m = p2('Adam m');
      this.v = p2('Adam v');
      rt.upload(this.params[0], packParams(this.pl, weights));
      this.grad = rt.texture(this.pl.width, this.pl.height, 0, 'rgba32f', 'gradient');
      this.norms = rt.texture(4, 1, 0, 'rgba32f', 'gradient norms');
      this.target = rt.texture(o.width, o.height, 0, 'rgba32f', 'target');
      rt.upload(this.target, targetRGBA);
      const maxSteps = o.steps[1];
      this.store = new StateStore(rt, a, maxSteps, o.checkpointEvery);
      this.alive = ruleSpec(o.rule.rule).passes.storesAlive ? atlasTexture(rt, a, maxSteps, 'r8', 'alive masks') : null;
      const st = (label: string) => atlasTexture(rt, a, 4, 'rgba32f', label);
      this.scratch = ForwardStep.scratch(rt, a);
      this.bw = BackwardStep.buffers(rt, a, o.rule.hidden);
      this.g = [st('state gradient A'), st('state gradient B')];
      // texel (chunk, row quad + PH · column pair): grad_partial.frag
      const pw = this.part.chunks;
      const ph = this.part.ph * this.part.pairs;
      this.partial = [rt.texture(pw, ph, 8, 'rgba32f', 'gradient partials A'), rt.texture(pw, ph, 8, 'rgba32f', 'gradient partials B')];
      this.forward = new ForwardStep(rt, o.rule, a);
      this.backward = new BackwardStep(rt, o.rule, a, this.part, o.loss);
      const d = { ...ruleDefines(o.rule), LOSS_L1L2: o.loss === 'l1l2', PH: this.part.ph };
      this.loss = new LossPasses(rt, a, this.target, d);
      this.progs = {
        gradFinal: rt.program('train/grad_final.frag', d),
        gradNorm: rt.program('train/grad_norm.frag', d),
        adam: rt.program('train/adam.frag', d),
      };
      this.reader = new AsyncReader(rt);
      this.u = { ...layoutUniforms(a), u_chunks: this.part.chunks };
      this.setStart(options.start ?? 'seed');
    } catch (e) {
      if (this.ownsRuntime) rt.dispose();
      throw e;
    }
  }

  get config(): RuleConfig {
    return this.opts.rule;
  }
  get gl(): WebGL2RenderingContext {
    return this.rt.gl;
  }
  get renderer(): string {
    return this.rt.caps.renderer;
  }
  /** The texture holding the current parameters (changes after every update). */
  get paramsTexture(): GpuTexture {
    return this.params[this.cur];
  }
  /** The start state texture, x_0 of every iteration (regimens write into it). */
  get startTexture(): GpuTexture {
    return this.store.slot(0);
  }

  /** The target texture (W×H premultiplied RGBA). */
  get targetTexture(): GpuTexture {
    return this.target;
  }

  /** x_T of the last queued iteration. */
  get finalStateTexture(): GpuTexture {
    return this.store.slot(this.lastSteps);
  }

  /**
   * Per-grid losses of `state` against the target (texel b of `out`, a (B+1)×1 texture; texel B =
   * the mean), with the trainer's loss function: how a regimen ranks a batch before training on it.
   */
  stateLosses(state: GpuTexture, out: GpuTexture): void {
    const o = this.opts;
    this.loss.reset();
    this.loss.add(state);
    this.loss.finish(this.params[this.cur], o.batch * o.width * o.height * 4, 0, out);
  }

  /** Sets x_0 for the following iterations: 'seed' (the centre cell, channels 3–15 = 1) or a state array. */
  setStart(start: 'seed' | ArrayLike<number>): void {
    const a = this.atlas;
    let s: ArrayLike<number>;
    if (start === 'seed') s = seedState(a.batch, a.width, a.height);
    else {
      if (!start || start.length !== stateLength(a)) {
        throw new NcaGlError('bad-shape', `start state must hold ${stateLength(a)} values (batch ${a.batch} × ${a.height} × ${a.width} × ${CHANNELS}), got ${start?.length}`);
      }
      s = start;
    }
    this.rt.upload(this.store.slot(0), packCells(a, s));
  }

  /** Rollout length of iteration `it` (drawn from the hash when `steps` is a range). */
  rolloutLength(it: number): number {
    const [lo, hi] = this.opts.steps;
    if (lo === hi) return lo;
    return lo + (cellKey(this.opts.seed, it, STREAM_BASE + 2, 0, 0) % (hi - lo + 1));
  }

  /**
   * Runs one training iteration and resolves to its loss (read back asynchronously; the GPU work
   * is queued before this returns, so several calls may be in flight).
   */
  step(): Promise<number> {
    this.enqueueIteration();
    return this.readLoss();
  }

  /** Runs `n` iterations, reading back only the last loss. */
  async run(n: number): Promise<number> {
    checkInt('n', n, 1, 1 << 30);
    for (let i = 0; i < n - 1; i++) this.enqueueIteration();
    return this.step();
  }

  /**
   * Queues the passes of one iteration (no readback, no allocation). `steps` overrides the rollout
   * length (a curriculum sets it); it must not exceed the `steps` maximum the trainer was made with.
   * `preroll` (even, ≥ 0): forward steps run on the start without gradient before the rollout
   * (Trainer.preroll), so the loss window lies that much later. They run in place: x_0 of the
   * rollout, and the start of the next iteration unless a caller sets it again, is the start after them.
   */
  enqueueIteration(override: { steps?: number; preroll?: number } = {}): void {
    const o = this.opts;
    const rt = this.rt;
    const u = this.u;
    const it = this.iteration;
    const T = override.steps ?? this.rolloutLength(it);
    if (!Number.isInteger(T) || T < 1 || T > o.steps[1]) {
      throw new NcaGlError('bad-argument', `rollout length ${T} is outside 1..${o.steps[1]}, the maximum this trainer was created with (option 'steps')`);
    }
    if (override.preroll) this.preroll(this.store.slot(0), override.preroll);
    this.lastSteps = T;
    const K = Math.min(o.lossSteps, T);
    const N = K * o.batch * o.width * o.height * 4;
    const params = this.params[this.cur];
    const counters = { seed: o.seed, iteration: it, step: 0 };

    // forward rollout; the loss accumulates over the loss window as its states appear
    this.loss.reset();
    for (let t = 0; t < T; t++) {
      counters.step = t;
      this.forward.run(params, this.store.slot(t), this.store.slot(t + 1), counters, this.scratch, this.alive ? { tex: this.alive, layer: t } : undefined);
      if (t + 1 >= T - K + 1) this.loss.add(this.store.slot(t + 1));
    }
    this.loss.finish(params, N, o.weightDecay);

    // backward through time
    this.loss.gradient(this.store.slot(T), 1 / N, this.g[0]);
    rt.clear(this.partial[0]);
    let gi = 0;
    let pi = 0;
    const every = this.store.every;
    for (let t = T - 1; t >= 0; t--) {
      if (every > 1 && t % every === every - 1 && t < T - 1 - ((T - 1) % every)) this.recompute(params, t - (every - 1), t, counters);
      counters.step = t;
      this.backward.run(this.bw, {
        params,
        state: this.store.slot(t),
        next: this.store.slot(t + 1),
        grad: this.g[gi],
        gradOut: t > 0 ? this.g[1 - gi] : null,
        alive: this.alive,
        target: this.target,
        lossScale: t >= T - K + 1 ? 1 / N : 0,
        partialIn: this.partial[pi],
        partialOut: this.partial[1 - pi],
        counters,
      });
      pi = 1 - pi;
      gi = 1 - gi;
    }

    // gradient, its norms, Adam
    u.u_partial = this.partial[pi];
    rt.run(this.progs.gradFinal, { targets: [{ tex: this.grad }], uniforms: u });
    u.u_grad = this.grad;
    u.u_params = params;
    u.u_decay2 = 2 * o.weightDecay;
    if (o.normalizeGrads) rt.run(this.progs.gradNorm, { targets: [{ tex: this.norms }], uniforms: u });
    const n = this.adamSteps + 1;
    u.u_m = this.m[this.cur];
    u.u_v = this.v[this.cur];
    u.u_norms = this.norms;
    u.u_lr = lrAt(o.lr, it) * this.lrScale;
    u.u_beta1 = o.beta1;
    u.u_beta2 = o.beta2;
    u.u_eps = o.eps;
    u.u_bc1 = 1 - Math.pow(o.beta1, n);
    u.u_bc2 = 1 - Math.pow(o.beta2, n);
    u.u_normalize = o.normalizeGrads ? 1 : 0;
    const next = 1 - this.cur;
    rt.run(this.progs.adam, { targets: [{ tex: this.params[next] }, { tex: this.m[next] }, { tex: this.v[next] }], uniforms: u });
    this.cur = next;
    this.adamSteps = n;
    this.iteration = it + 1;
  }

  /**
   * Queues `steps` (even) forward steps of the next iteration's preroll on `state`, a batch state
   * texture (the start, or a pool's gathered batch), in place: pairs of steps state → x_1 → state
   * (x_1 is free until the rollout), with the current weights and the step counters
   * PREROLL_STEP + k, distinct from the rollout's. Nothing is stored for backprop.
   */
  preroll(state: GpuTexture, steps: number): void {
    checkPreroll(steps);
    const x1 = this.store.slot(1);
    if (state === x1) throw new NcaGlError('bad-argument', 'the preroll runs through x_1: give it another state texture');
    const counters = { seed: this.opts.seed, iteration: this.iteration, step: 0 };
    const params = this.params[this.cur];
    for (let k = 0; k < steps; k++) {
      counters.step = PREROLL_STEP + k;
      this.forward.run(params, k % 2 ? x1 : state, k % 2 ? state : x1, counters, this.scratch);
    }
  }

  /** Recomputes x_{s+1..e} from the checkpoint x_s (checkpointing mode). */
  private recompute(params: GpuTexture, s: number, e: number, counters: { seed: number; iteration: number; step: number }): void {
    for (let t = s; t < e; t++) {
      counters.step = t;
      this.forward.run(params, this.store.slot(t), this.store.slot(t + 1), counters, this.scratch, this.alive ? { tex: this.alive, layer: t } : undefined);
    }
  }

  /** The loss of the last queued iteration, read back asynchronously (also sets lastSampleLosses). */
  async readLoss(): Promise<number> {
    const data = await this.reader.read(this.loss.losses);
    const b = this.opts.batch;
    const per = new Float32Array(b);
    for (let i = 0; i < b; i++) per[i] = data[i * 4]!;
    this.lastSampleLosses = per;
    return data[b * 4]!;
  }

  /** The last gradient (after reduction, before normalisation), as weights-shaped tensors. Syncs. */
  getGradient(): Weights {
    return unpackParams(this.pl, this.opts.rule.rule, this.rt.read(this.grad), hasOutputBias(this.opts.rule));
  }

  getWeights(): Weights {
    return unpackParams(this.pl, this.opts.rule.rule, this.rt.read(this.params[this.cur]), hasOutputBias(this.opts.rule));
  }

  setWeights(w: Weights): void {
    const c = checkWeights(w, this.opts.rule.rule, this.opts.rule.hidden, hasOutputBias(this.opts.rule));
    this.rt.upload(this.params[this.cur], packParams(this.pl, c));
  }

  /** State x_t of the last rollout (t ≤ its length; with checkpointing only stored states). Syncs. */
  getRolloutState(t: number): Float32Array {
    return unpackCells(this.atlas, this.rt.readAll(this.store.slot(t)));
  }

  /** Weights, Adam moments and counters: everything needed to continue exactly. Syncs. */
  saveState(): TrainerState {
    const rule = this.opts.rule.rule;
    const bias = hasOutputBias(this.opts.rule);
    return {
      weights: this.getWeights(),
      optimizer: {
        step: this.adamSteps,
        m: unpackParams(this.pl, rule, this.rt.read(this.m[this.cur]), bias),
        v: unpackParams(this.pl, rule, this.rt.read(this.v[this.cur]), bias),
      },
      iteration: this.iteration,
    };
  }

  /** Restores what saveState returned. */
  restoreState(s: TrainerState): void {
    const { rule, hidden } = this.opts.rule;
    const bias = hasOutputBias(this.opts.rule);
    const w = checkWeights(s.weights, rule, hidden, bias);
    const m = checkWeights(s.optimizer?.m ?? zeroWeights(rule, hidden, bias), rule, hidden, bias);
    const v = checkWeights(s.optimizer?.v ?? zeroWeights(rule, hidden, bias), rule, hidden, bias);
    this.iteration = checkInt('iteration', s.iteration, 0, 0xffffffff);
    this.adamSteps = checkInt('optimizer.step', s.optimizer?.step ?? 0, 0, 0xffffffff);
    this.rt.upload(this.params[this.cur], packParams(this.pl, w));
    this.rt.upload(this.m[this.cur], packParams(this.pl, m));
    this.rt.upload(this.v[this.cur], packParams(this.pl, v));
  }

  /** An engine on the same GL context running this trainer's model (copy weights with syncEngine). */
  createEngine(opts: { width?: number; height?: number; batch?: number } = {}): Engine {
    const o = this.opts;
    const e = new Engine(this.rt, { ...o.rule, width: opts.width ?? o.width, height: opts.height ?? o.height, batch: opts.batch ?? 1, seed: o.seed });
    this.syncEngine(e);
    return e;
  }

  /** Copies the current weights into `engine` (GPU to GPU). */
  syncEngine(engine: Engine): void {
    engine.copyParamsFrom(this.params[this.cur]);
  }

  /**
   * Times every pass on the GPU from now on (EXT_disjoint_timer_query_webgl2); read the totals
   * with `await profiler.collect()`, stop with `profiler.dispose()`.
   */
  profile(): Profiler {
    return new Profiler(this.rt).attach();
  }

  /** Bytes of GPU memory in textures and buffers (of the whole runtime when it owns it). */
  memoryBytes(): number {
    return this.rt.memoryBytes();
  }

  dispose(): void {
    if (this.ownsRuntime) this.rt.dispose();
    else {
      for (const t of [...this.params, ...this.m, ...this.v, this.grad, this.norms, this.target, this.alive, this.scratch, ...this.g, ...this.partial]) this.rt.free(t);
      this.loss.dispose();
      for (const t of Object.values(this.bw)) this.rt.free(t);
      this.store.dispose();
    }
  }
}

export function createTrainer(target: ContextTarget, opts: TrainerOptions): Trainer {
  return new Trainer(target, opts);
}
