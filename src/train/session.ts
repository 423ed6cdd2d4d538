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
 */
import { check, checkInt, NcaGlError } from '../errors';
import type { Weights } from '../engine/model';
import type { ModelFile } from '../io/model-file';
import { targetThumbnail } from '../io/target-pixels';
import { checkCurriculumRecord, resumeIteration, resumeLrScale } from '../io/model-fields';
import { Curriculum } from './curriculum';
import type { TargetLike } from './options';
import { Regimen, type RegimenOptions, type RegimenState, type StepReport } from './regimen';
import { DIVERGED_LOSS, diverged } from './divergence';

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
}

export const SOFTWARE = 'nca-gl 0.1.0';

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
  private readonly listeners = { progress: [] as Listener<ProgressEvent>[], fault: [] as Listener<FaultEvent>[], snapshot: [] as Listener<Snapshot>[] };
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
  on(kind: keyof TrainingSession['listeners'], f: Listener<never>): this {
    (this.listeners[kind] as Listener<never>[]).push(f);
    return this;
  }

  private emit(kind: 'progress', e: ProgressEvent): void;
  private emit(kind: 'fault', e: FaultEvent): void;
  private emit(kind: 'snapshot', e: Snapshot): void;
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
    const now = performance.now();
    this.times.push(now);
    while (this.times.length > 2 && now - this.times[0]! > 3000) this.times.shift();
    const rate = this.times.length > 1 ? ((this.times.length - 1) * 1000) / (now - this.times[0]!) : 0;
    this.emit('progress', { ...r, rate, lrScale: this.regimen.trainer.lrScale });
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
          ...(p.regimen === 'article' && p.pool > 0 ? { fresh: p.fresh } : {}),
          padding: p.padding,
        },
        lossHistory: Float32Array.from(this.lossHistory),
      },
      optimizer: { step: s.trainer.optimizer.step, m: s.trainer.optimizer.m, v: s.trainer.optimizer.v },
      resume: { iteration: s.trainer.iteration, lrScale: t.lrScale },
    };
    if (this.lossHistory.length) model.training!.finalLoss = this.lossHistory[this.lossHistory.length - 1]!;
    if (reg.curriculum) model.curriculum = reg.curriculum.toRecord();
    return model;
  }

  /**
   * A session that continues the training saved in `model` (use the same target). Options other
   * than the model's own (rule, sizes, task) may be given.
   */
  static fromModel(canvas: HTMLCanvasElement | OffscreenCanvas, model: ModelFile, target: TargetLike | Float32Array, options: Partial<SessionOptions> = {}): TrainingSession {
    const task = model.training?.task;
    check(typeof task === 'string', `this model file does not say which task it was trained for, so training cannot resume from it`);
    check(model.optimizer !== undefined && model.resume !== undefined, `this model file holds no optimiser state (saved without it), so training cannot resume exactly from it`);
    const s = new TrainingSession(canvas, {
      ...options,
      task: task as SessionOptions['task'],
      target,
      rule: model.rule.rule,
      hidden: model.rule.hidden,
      rate: model.rule.rate,
      perCell: model.rule.perCell,
      outputBias: model.rule.outputBias,
      width: model.grid.width,
      height: model.grid.height,
      seed: model.training?.seed ?? options.seed,
      weights: model.weights,
    });
    const iteration = resumeIteration(model);
    const lrScale = resumeLrScale(model);
    if (model.curriculum) checkCurriculumRecord(model.curriculum);
    const weights: Weights = model.weights;
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
