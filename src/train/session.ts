/**
 * A training session: a Regimen run as a long job that survives faults and can be saved as a model
 * file at any moment. The CLI (in headless Chromium) and the demo page both train through it.
 *
 *   const s = new TrainingSession(canvas, { task: 'growth', target });
 *   s.on('progress', (p) => …); s.on('fault', (f) => console.warn(f.message));
 *   await s.run({ iterations: 2000 });       // yields to the browser between iterations
 *   const bytes = encodeModel(s.toModel());  // weights, optimiser, curriculum, provenance
 *
 * Faults:
 *   - a NaN or infinite loss rolls back to the last good snapshot, halves the learning rate, restarts
 *     a pool from seeds and continues (and says so through 'fault');
 *   - a lost WebGL context (webglcontextlost) is waited out; once restored, the regimen is rebuilt
 *     from the last good snapshot and training continues.
 * Snapshots (weights, Adam moments, counters, curriculum, loss history) are taken every
 * `snapshotEvery` iterations; `toModel()` and `TrainingSession.fromModel()` carry the same data, so
 * a resumed run repeats the loss sequence of an uninterrupted one (tasks without a pool).
 *
 * Keep-best (`evalEvery: N`): every N iterations the current weights run from `evalDraws` fixed
 * draws of the task's hardest start (seeded with EVAL_SEED, apart from the training draws) for T
 * steps (evalSpec()), and the snapshot with the best mean PSNR is kept (keep-best.ts). `toModel()`
 * then writes the kept snapshot's weights as the model, its record as `best`, and the weights of
 * the last iteration as `latest`, which the optimiser state, curriculum, loss history and resume
 * record belong to; `fromModel()` resumes from `latest` and keeps the kept snapshot, so a resumed
 * run goes on exactly from the latest state. Evaluations never touch the training state.
 * `measureQuality()` measures the model's figures at T, 10·T and 50·T for the file's `quality`.
 */
import { check, checkInt, NcaGlError } from '../errors';
import { Engine } from '../engine/engine';
import type { Weights } from '../engine/model';
import type { ModelFile } from '../io/model-file';
import { targetThumbnail } from '../io/target-pixels';
import { checkCurriculumRecord, resumeIteration, resumeLrScale } from '../io/model-fields';
import { Curriculum } from '../tasks/curriculum';
import { isDistillTask } from '../tasks/presets';
import type { TargetLike } from './options';
import { Regimen, type RegimenOptions, type RegimenState, type StepReport } from './regimen';
import { DIVERGED_LOSS, diverged } from './divergence';
import { evaluate, type EvalReport } from './evaluate';
import { type BestMark, considerBest, EVAL_SEED, KEEP_BEST_DRAWS, type Quality, QUALITY_DRAWS, qualityEvalOptions, qualityFromReport, storedPsnr } from './keep-best';
import type { Perturbation } from '../tasks/perturb';
import { VERSION } from '../version';

/** The snapshot keep-best kept: its iteration and figures, and its weights. */
export interface KeptSnapshot extends BestMark {
  weights: Weights;
}

/** One keep-best evaluation, as the 'evaluation' event reports it. */
export interface EvaluationEvent extends BestMark {
  /** True when this evaluation became the kept snapshot. */
  kept: boolean;
  /** The kept snapshot after it. */
  best: BestMark | null;
}

export interface Snapshot {
  regimen: RegimenState;
  lrScale: number;
  lossHistory: number[];
}

export interface ProgressEvent extends StepReport {
  /** Iterations per second over the last few seconds. */
  rate: number;
  lrScale: number;
}

export interface FaultEvent {
  kind: 'nan' | 'context-lost' | 'context-restored';
  iteration: number;
  message: string;
}

type Listener<T> = (e: T) => void;

export interface SessionOptions extends RegimenOptions {
  /** Iterations between in-memory snapshots of the last good state (default 50). */
  snapshotEvery?: number;
  /** Halvings of the learning rate after which a diverging run gives up (default 8). */
  maxRollbacks?: number;
  /** Keep-best: evaluate every this many iterations and keep the best snapshot (default 0: off). */
  evalEvery?: number;
  /** Keep-best: draws of the hardest start per evaluation (default 8). */
  evalDraws?: number;
}

/** What a saved model file says made it (its `software` field). */
export const SOFTWARE = `nca-gl ${VERSION}`;

export class TrainingSession {
  regimen: Regimen;
  readonly options: SessionOptions;
  lossHistory: number[] = [];
  /** Wall time spent training, ms. */
  trainingMs = 0;
  private good: Snapshot;
  private stopping = false;
  private lost: Promise<void> | null = null;
  private rollbacks = 0;
  /** Keep-best: the kept snapshot (null before the first evaluation with a real score). */
  best: KeptSnapshot | null = null;
  /** Keep-best: evaluations made so far (over the whole run, resumed runs included). */
  evaluations = 0;
  /** Keep-best: the iteration of the last evaluation (-1: none in this session). */
  evaluatedAt = -1;
  /**
   * Counts the iterations this session has completed (rollbacks do not undo it), so that "these
   * are the weights that were evaluated / kept" survives a NaN rollback that repeats an iteration.
   */
  private stamp = 0;
  private evaluatedStamp = -1;
  private bestStamp = -1;
  /** The figures of measureQuality(), until training goes on (then they no longer describe the model). */
  quality: Quality | null = null;
  private readonly listeners = { progress: [] as Listener<ProgressEvent>[], fault: [] as Listener<FaultEvent>[], snapshot: [] as Listener<Snapshot>[], evaluation: [] as Listener<EvaluationEvent>[] };
  private readonly times: number[] = [];
  private readonly onLost: (e: Event) => void;
  private readonly onRestored: () => void;
  private resolveRestore: (() => void) | null = null;

  constructor(
    readonly canvas: HTMLCanvasElement | OffscreenCanvas,
    options: SessionOptions,
  ) {
    this.options = options;
    checkInt('snapshotEvery', options.snapshotEvery ?? 50, 1, 1 << 20);
    checkInt('evalEvery', options.evalEvery ?? 0, 0, 1 << 30);
    checkInt('evalDraws', options.evalDraws ?? KEEP_BEST_DRAWS, 1, 256);
    this.regimen = new Regimen(canvas, options);
    this.good = this.snapshot();
    this.onLost = (e: Event) => {
      e.preventDefault();
      if (!this.lost) this.lost = new Promise<void>((r) => (this.resolveRestore = r));
      this.emit('fault', { kind: 'context-lost', iteration: this.iteration, message: `the WebGL context was lost at iteration ${this.iteration}; waiting for it to come back` });
    };
    this.onRestored = () => this.resolveRestore?.();
    canvas.addEventListener('webglcontextlost', this.onLost as EventListener);
    canvas.addEventListener('webglcontextrestored', this.onRestored);
  }

  get iteration(): number {
    return this.regimen.iteration;
  }

  on(kind: 'progress', f: Listener<ProgressEvent>): this;
  on(kind: 'fault', f: Listener<FaultEvent>): this;
  on(kind: 'snapshot', f: Listener<Snapshot>): this;
  on(kind: 'evaluation', f: Listener<EvaluationEvent>): this;
  on(kind: keyof TrainingSession['listeners'], f: Listener<never>): this {
    (this.listeners[kind] as Listener<never>[]).push(f);
    return this;
  }

  private emit(kind: 'progress', e: ProgressEvent): void;
  private emit(kind: 'fault', e: FaultEvent): void;
  private emit(kind: 'snapshot', e: Snapshot): void;
  private emit(kind: 'evaluation', e: EvaluationEvent): void;
  private emit(kind: keyof TrainingSession['listeners'], e: unknown): void {
    for (const f of this.listeners[kind] as Listener<unknown>[]) f(e);
  }

  /** The full training state (syncs with the GPU to read weights and moments). */
  snapshot(): Snapshot {
    return { regimen: this.regimen.saveState(), lrScale: this.regimen.trainer.lrScale, lossHistory: this.lossHistory.slice() };
  }

  restore(s: Snapshot): void {
    this.regimen.restoreState(s.regimen);
    this.regimen.trainer.lrScale = s.lrScale;
    this.lossHistory = s.lossHistory.slice();
  }

  /** Asks a running `run` to stop after the current iteration. */
  stop(): void {
    this.stopping = true;
  }

  /** True when the context is gone, also before 'webglcontextlost' has been delivered (it comes as a task). */
  private checkLost(): boolean {
    if (!this.lost && this.regimen.trainer.gl.isContextLost()) this.lost = new Promise<void>((res) => (this.resolveRestore = res));
    return this.lost !== null;
  }

  /** One iteration, with fault handling. */
  async step(): Promise<StepReport> {
    if (this.checkLost()) await this.recoverContext();
    const t0 = performance.now();
    let r: StepReport;
    try {
      r = await this.regimen.step();
    } catch (e) {
      if (this.lost || (e instanceof NcaGlError && e.code === 'context-lost')) {
        if (!this.lost) this.lost = new Promise<void>((res) => (this.resolveRestore = res));
        await this.recoverContext();
        return this.step();
      }
      throw e;
    }
    if (this.checkLost()) {
      // the context went away while this iteration ran: its result is not trustworthy
      await this.recoverContext();
      return this.step();
    }
    this.trainingMs += performance.now() - t0;
    if (diverged(r.loss)) return this.rollback(r);
    this.lossHistory.push(r.loss);
    this.stamp++;
    const now = performance.now();
    this.times.push(now);
    while (this.times.length > 2 && now - this.times[0]! > 3000) this.times.shift();
    const rate = this.times.length > 1 ? ((this.times.length - 1) * 1000) / (now - this.times[0]!) : 0;
    this.quality = null;
    this.emit('progress', { ...r, rate, lrScale: this.regimen.trainer.lrScale });
    const every = this.options.evalEvery ?? 0;
    if (every > 0 && this.iteration % every === 0 && !this.checkLost()) {
      try {
        this.evaluateNow();
      } catch (e) {
        // a context lost during the evaluation: the next step recovers; this evaluation is skipped
        if (!this.checkLost()) throw e;
      }
    }
    if (this.iteration % (this.options.snapshotEvery ?? 50) === 0) {
      this.good = this.snapshot();
      this.emit('snapshot', this.good);
    }
    return r;
  }

  private async rollback(r: StepReport): Promise<StepReport> {
    // (also reached for a finite loss past DIVERGED_LOSS: see diverged())
    this.rollbacks++;
    const max = this.options.maxRollbacks ?? 8;
    if (this.rollbacks > max) {
      throw new NcaGlError('bad-argument', `training diverged (loss ${r.loss}) ${this.rollbacks} times even after lowering the learning rate ${max} times; start again with a lower 'lr'`);
    }
    const from = r.iteration;
    this.restore(this.good);
    // the diverged batch was written back to the pool (not part of snapshots): start it afresh
    this.regimen.pool?.reset();
    const trainer = this.regimen.trainer;
    trainer.lrScale = this.good.lrScale / 2 ** this.rollbacks;
    this.emit('fault', {
      kind: 'nan',
      iteration: from,
      message: `${Number.isFinite(r.loss) ? `the loss exploded to ${r.loss.toExponential(2)} (over ${DIVERGED_LOSS.toExponential(0)})` : `the loss became ${r.loss}`} at iteration ${from}: rolled back to iteration ${this.iteration} and lowered the learning rate to ×${trainer.lrScale} of the schedule`,
    });
    return this.step();
  }

  private async recoverContext(): Promise<void> {
    const lost = this.lost;
    if (!lost) return;
    await lost;
    this.lost = null;
    this.resolveRestore = null;
    // every GL object of the old context is gone: rebuild and restore the last good state
    const old = this.regimen;
    try {
      old.dispose();
    } catch {
      /* the objects died with the context */
    }
    // deleting objects of the lost context's generation flags INVALID_OPERATION on the restored one
    const gl = old.trainer.gl;
    for (let i = 0; i < 16 && !gl.isContextLost() && gl.getError() !== gl.NO_ERROR; i++);
    this.regimen = new Regimen(this.canvas, this.options);
    this.restore(this.good);
    this.emit('fault', { kind: 'context-restored', iteration: this.iteration, message: `the WebGL context is back: resumed from iteration ${this.iteration}` });
  }

  /**
   * Trains until `iterations` in total are done (or stop()), yielding to the event loop after each
   * iteration so a page stays responsive.
   */
  async run(opts: { iterations: number; yieldEvery?: number } = { iterations: Infinity }): Promise<void> {
    this.stopping = false;
    const every = opts.yieldEvery ?? 1;
    let n = 0;
    while (!this.stopping && this.iteration < opts.iterations) {
      await this.step();
      if (++n % every === 0) await new Promise((r) => setTimeout(r, 0));
    }
  }

  /**
   * Where the model is measured: the task's hardest start (the article's curriculum's last level;
   * Distill's tasks: the seed cell) and T, the rollout length it is trained for (the curriculum's
   * step limit; Distill: the upper rollout length).
   */
  evalSpec(): { start: 'seed' | Perturbation; steps: number; target: Float32Array } {
    const reg = this.regimen;
    const p = reg.preset;
    const target = this.options.target;
    const rgba = target instanceof Float32Array ? target : Float32Array.from(target.rgba);
    if (reg.curriculum) return { start: reg.curriculum.hardest(), steps: reg.curriculum.config.steps.limit, target: rgba };
    return { start: 'seed', steps: p.steps[1], target: rgba };
  }

  /** Runs `weights` (default: the current ones) from `draws` seeded draws of the hardest start. Syncs. */
  private measure(draws: number, weights: Weights | null, o: { steps: number; horizon: number; samples: number; marks: number[]; seed: number }): EvalReport {
    const t = this.regimen.trainer;
    const spec = this.evalSpec();
    const e = new Engine(t.rt, { ...t.config, width: t.opts.width, height: t.opts.height, batch: draws, seed: EVAL_SEED });
    try {
      if (weights) e.setWeights(weights);
      else t.syncEngine(e);
      return evaluate(e, { target: spec.target, start: spec.start, ...o });
    } finally {
      e.dispose();
    }
  }

  /**
   * One keep-best evaluation of the current weights now (step() calls it every `evalEvery`
   * iterations): mean and worst PSNR at T over `evalDraws` draws; keeps the snapshot when it is
   * the best so far. Syncs.
   */
  evaluateNow(): EvaluationEvent {
    const steps = this.evalSpec().steps;
    const r = this.measure(this.options.evalDraws ?? KEEP_BEST_DRAWS, null, { steps, horizon: 1, samples: 1, marks: [1], seed: EVAL_SEED });
    const m = r.marks[0]!;
    const mark: BestMark = { iteration: this.iteration, psnr: m.psnr, worst: m.worst };
    this.evaluations++;
    this.evaluatedAt = this.iteration;
    this.evaluatedStamp = this.stamp;
    const kept = considerBest(this.best, mark);
    if (kept) {
      this.best = { ...mark, weights: this.regimen.trainer.getWeights() };
      this.bestStamp = this.stamp;
    }
    const best = this.best ? { iteration: this.best.iteration, psnr: this.best.psnr, worst: this.best.worst } : null;
    const ev: EvaluationEvent = { ...mark, kept, best };
    this.emit('evaluation', ev);
    return ev;
  }

  /**
   * The end of a keep-best run: evaluates the last iteration's weights unless they were just
   * evaluated, so they can be kept too. Returns the evaluation, or null (nothing to do).
   */
  evaluateLast(): EvaluationEvent | null {
    if (!(this.options.evalEvery ?? 0) || this.evaluatedStamp === this.stamp || (this.best && this.bestStamp === this.stamp)) return null;
    return this.evaluateNow();
  }

  /**
   * The model's figures: its weights (the kept snapshot's under keep-best) run from `draws` seeded
   * draws of the hardest start, measured at T, 10·T and 50·T, and how long it holds (keep-best.ts).
   * Kept in `quality` (and written by toModel()) until training goes on. Syncs.
   */
  measureQuality(draws = QUALITY_DRAWS): Quality {
    checkInt('draws', draws, 1, 256);
    const steps = this.evalSpec().steps;
    const q = qualityFromReport(this.measure(draws, this.best?.weights ?? null, qualityEvalOptions(steps)), draws);
    this.quality = q;
    return q;
  }

  /** The model as a model file (weights, optimiser, curriculum, provenance). Syncs. */
  toModel(extra: { preset?: string; source?: string } = {}): ModelFile {
    const reg = this.regimen;
    const s = reg.saveState();
    const t = reg.trainer;
    const p = reg.preset;
    const target = this.options.target;
    const rgba = target instanceof Float32Array ? target : Float32Array.from(target.rgba);
    const thumb = targetThumbnail({ width: p.width, height: p.height, rgba, source: extra.source ?? '', keyedWhite: false }, Math.max(p.width, p.height));
    const model: ModelFile = {
      rule: { ...reg.trainer.config },
      grid: { width: p.width, height: p.height },
      weights: s.trainer.weights,
      target: thumb,
      training: {
        task: p.task,
        preset: extra.preset ?? p.task,
        iterations: s.trainer.iteration,
        seed: t.opts.seed,
        createdAt: new Date().toISOString(),
        software: SOFTWARE,
        renderer: t.renderer.slice(0, 200),
        durationMs: Math.round(this.trainingMs),
        hyperparameters: {
          batch: p.batch,
          loss: p.loss,
          lossSteps: p.lossSteps,
          weightDecay: p.weightDecay,
          normalizeGrads: p.normalizeGrads,
          lr: JSON.stringify(p.lr),
          steps: p.regimen === 'article' ? `curriculum ${p.curriculum!.steps.start}..${p.curriculum!.steps.limit}` : `${p.steps[0]}..${p.steps[1]}`,
          pool: p.pool,
          damage: p.damage,
          ...(p.cuts > 0 ? { cuts: p.cuts } : {}),
          ...(p.regimen === 'article' && p.pool > 0 ? { fresh: p.fresh } : {}),
          ...(p.pool > 0 && p.replace !== 'worst' ? { replace: p.replace } : {}),
          ...(p.preroll > 0 ? { preroll: p.preroll } : {}),
          padding: p.padding,
        },
        lossHistory: Float32Array.from(this.lossHistory),
      },
      optimizer: { step: s.trainer.optimizer.step, m: s.trainer.optimizer.m, v: s.trainer.optimizer.v },
      resume: { iteration: s.trainer.iteration, lrScale: t.lrScale },
    };
    if (this.lossHistory.length) model.training!.finalLoss = this.lossHistory[this.lossHistory.length - 1]!;
    if (reg.curriculum) model.curriculum = reg.curriculum.toRecord();
    const b = this.best;
    if (b) {
      const spec = this.evalSpec();
      model.best = {
        iteration: b.iteration,
        psnr: storedPsnr(b.psnr),
        worst: Number.isNaN(b.worst) ? 0 : storedPsnr(b.worst),
        draws: this.options.evalDraws ?? KEEP_BEST_DRAWS,
        steps: spec.steps,
        every: Math.max(1, this.options.evalEvery ?? 1),
        evaluations: Math.max(1, this.evaluations),
      };
      // the model is the kept snapshot; the last iteration's weights go beside it for resuming
      if (this.bestStamp !== this.stamp) {
        model.latest = { weights: s.trainer.weights };
        model.weights = b.weights;
      }
    }
    if (this.quality) model.quality = { ...this.quality };
    return model;
  }

  /**
   * A session that continues the training saved in `model` (use the same target). Options other
   * than the model's own (rule, sizes, task) may be given; the task only between Distill's growing
   * and regenerating (the same rule, seed start and pool: a fine-tune that adds or drops damage).
   */
  static fromModel(canvas: HTMLCanvasElement | OffscreenCanvas, model: ModelFile, target: TargetLike | Float32Array, options: Partial<SessionOptions> = {}): TrainingSession {
    const task = model.training?.task;
    check(typeof task === 'string', `this model file does not say which task it was trained for, so training cannot resume from it`);
    check(model.optimizer !== undefined && model.resume !== undefined, `this model file holds no optimiser state (saved without it), so training cannot resume exactly from it`);
    const s = new TrainingSession(canvas, {
      ...options,
      task: options.task !== undefined && isDistillTask(options.task) && isDistillTask(task) ? options.task : (task as SessionOptions['task']),
      target,
      rule: model.rule.rule,
      hidden: model.rule.hidden,
      rate: model.rule.rate,
      perCell: model.rule.perCell,
      outputBias: model.rule.outputBias,
      width: model.grid.width,
      height: model.grid.height,
      seed: model.training?.seed ?? options.seed,
      // keep-best: the file's weights are the kept snapshot; training goes on from the latest ones
      weights: model.latest?.weights ?? model.weights,
      ...(options.evalEvery === undefined && model.best ? { evalEvery: model.best.every, evalDraws: model.best.draws } : {}),
    });
    const iteration = resumeIteration(model);
    const lrScale = resumeLrScale(model);
    if (model.curriculum) checkCurriculumRecord(model.curriculum);
    const weights: Weights = model.latest?.weights ?? model.weights;
    if (model.best) {
      s.best = { iteration: model.best.iteration, psnr: model.best.psnr, worst: model.best.worst, weights: model.weights };
      s.evaluations = model.best.evaluations;
      // without latest weights the kept snapshot is the state training goes on from
      s.bestStamp = model.latest ? -1 : s.stamp;
    }
    if (model.quality) s.quality = { ...model.quality };
    const snap: Snapshot = {
      regimen: {
        trainer: { weights, optimizer: model.optimizer!, iteration },
        curriculum: model.curriculum && s.regimen.curriculum ? Curriculum.stateFromRecord(model.curriculum) : null,
      },
      lrScale,
      lossHistory: Array.from(model.training?.lossHistory ?? []),
    };
    s.restore(snap);
    s.good = s.snapshot();
    s.trainingMs = model.training?.durationMs ?? 0;
    return s;
  }

  dispose(): void {
    this.canvas.removeEventListener('webglcontextlost', this.onLost as EventListener);
    this.canvas.removeEventListener('webglcontextrestored', this.onRestored);
    this.regimen.dispose();
  }
}
