/**
 * The demo's engine room: one canvas on which a TrainingSession trains and a Player shows the model
 * as it learns (or a loaded model runs without a trainer), driven by one requestAnimationFrame loop.
 *
 * Keeping the page alive while training (the brief: "training never freezes the page"):
 *   - at most ONE training iteration is in flight at any time, and a new one starts only from an
 *     animation frame, after the previous one's loss came back (TrainingSession.step reads it
 *     asynchronously through a fence): at most one iteration per frame, and the browser gets to
 *     composite a frame between any two iterations;
 *   - the view's steps are budgeted per frame (speed: steps per frame, fractions = slower);
 *   - every readback the view needs (PSNR, autosave) happens between iterations, never while one
 *     is queued, so a synchronous read never waits on a whole iteration of GPU work;
 *   - pause() takes effect at once (the iteration in flight finishes, no new one starts).
 *
 * Modes: 'train' (session + a view engine on the trainer's runtime, weights copied GPU to GPU every
 * frame) and 'view' (a loaded model on its own engine, RGBA16F where float32 targets are missing).
 */
import type { Engine } from '../engine/engine';
import { createEngine, modelEngineOptions } from '../engine/engine';
import { NcaGlError } from '../errors';
import type { ImageSource } from '../io/decode';
import type { ModelFile } from '../io/model-file';
import { restartSteps } from '../widget/restart';
import { loadTarget } from '../io/target';
import { displayMse, psnr } from '../train/evaluate';
import { PRESETS } from '../tasks/presets';
import { type SessionOptions, TrainingSession } from '../train/session';
import { Player } from '../widget/player';
import { modelTarget, modelTask, targetState, taskStart, type StartKind } from '../tasks/start';
import { LossChart } from './chart';
import { paddingFor, type Settings } from './settings';

export interface Status {
  mode: 'train' | 'view' | 'idle';
  training: boolean;
  iteration: number;
  loss: number;
  /** Iterations per second (last few seconds). */
  rate: number;
  /** Curriculum level (the article's tasks). */
  level: number;
  /** The task of what is shown (null: unknown), and whether it has a curriculum (else no level is shown). */
  task: string | null;
  curriculum: boolean;
  /** Rollout length of the last iteration. */
  steps: number;
  format: string;
  /** PSNR of the view against the target (dB), measured now and then when not training. */
  psnr: number | null;
  message: string;
}

export class DemoApp {
  session: TrainingSession | null = null;
  player: Player | null = null;
  /** The model running in 'view' mode. */
  model: ModelFile | null = null;
  /** The target: premultiplied RGBA at the grid size, row 0 at the top. */
  target: Float32Array | null = null;
  targetLabel = '';
  training = false;
  /** Animation frames seen (the responsiveness test counts them too). */
  frames = 0;
  readonly status: Status = { mode: 'idle', training: false, iteration: 0, loss: NaN, rate: 0, level: 0, task: null, curriculum: false, steps: 0, format: '', psnr: null, message: '' };
  /** Called (at most a few times a second) when the status changed. */
  onStatus: ((s: Status) => void) | null = null;
  /** Called after every finished iteration (autosave, tests). */
  onIteration: ((app: DemoApp) => void) | null = null;
  /** Called once per frame after drawing (recording). */
  onFrame: (() => void) | null = null;
  private inFlight = false;
  private generation = 0;
  private resets = 0;
  /** The view was started on purpose (infect, a click on "restart view"): no automatic regrow. */
  private holdView = false;
  private lastStatus = 0;
  private lastPsnr = 0;
  private raf = 0;

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly chart: LossChart,
    public settings: Settings,
  ) {}

  get mode(): 'train' | 'view' | 'idle' {
    return this.session ? 'train' : this.model ? 'view' : 'idle';
  }
  get engine(): Engine | null {
    return this.player?.engine ?? null;
  }
  get width(): number {
    return this.engine?.width ?? this.settings.grid;
  }
  get height(): number {
    return this.engine?.height ?? this.settings.grid;
  }

  /** Starts the frame loop (idempotent). */
  start(): void {
    if (!this.raf) this.raf = requestAnimationFrame(this.frame);
  }

  /** Loads `src` as the training target at the current grid size and starts a new training. */
  async train(src: ImageSource, label: string): Promise<void> {
    const s = this.settings;
    const t = await loadTarget(src, { width: s.grid, height: s.grid, padding: paddingFor(s.task, s.grid) });
    this.targetLabel = label;
    this.newSession(t.rgba, null);
  }

  /** A fresh session (new weights) on the current target and settings; or one resumed from `model`. */
  newSession(target: Float32Array, model: ModelFile | null): void {
    this.disposeAll();
    this.target = target;
    const s = this.settings;
    const distill = PRESETS[s.task].regimen === 'distill';
    const o: SessionOptions = { task: s.task, target, width: s.grid, height: s.grid, hidden: s.hidden, batch: s.batch, seed: 1 + this.resets++, padding: paddingFor(s.task, s.grid) };
    if (s.rule !== 'preset') o.rule = s.rule;
    if (distill) o.steps = [s.stepsMin, s.stepsMax];
    if (s.task === 'regenerating') {
      o.pool = 256;
      o.damage = Math.min(3, s.batch - 1);
    }
    if (s.lr > 0) o.lr = s.lr;
    const session = model ? TrainingSession.fromModel(this.canvas, model, target, o) : new TrainingSession(this.canvas, o);
    this.session = session;
    session.on('progress', (p) => {
      Object.assign(this.status, { iteration: p.iteration + 1, loss: p.loss, rate: p.rate, level: p.level, steps: p.steps });
    });
    session.on('fault', (f) => {
      this.status.message = f.message;
      if (f.kind === 'context-restored') this.makeView(session.regimen.trainer.createEngine({ batch: 1 }));
    });
    this.makeView(session.regimen.trainer.createEngine({ batch: 1 }));
    this.chart.set(session.lossHistory, Math.max(0, session.iteration - session.lossHistory.length));
    Object.assign(this.status, { iteration: session.iteration, loss: session.lossHistory[session.lossHistory.length - 1] ?? NaN, rate: 0, level: session.regimen.curriculum?.state.level ?? 0 });
    this.training = s.autostart;
    this.start();
  }

  /** Shows a model without training it ('view' mode). */
  showModel(model: ModelFile): void {
    this.disposeAll();
    this.model = model;
    this.target = modelTarget(model);
    const engine = createEngine(this.canvas, modelEngineOptions(model, { allowHalfFloat: true }));
    this.makeView(engine);
    // the first frame only draws the start: the creature shows before the update pass compiles
    this.player!.freeze(1);
    this.chart.set(model.training?.lossHistory ?? []);
    Object.assign(this.status, { iteration: model.training?.iterations ?? 0, loss: model.training?.finalLoss ?? NaN, rate: 0, level: Number(model.curriculum?.level ?? 0) });
    this.training = false;
    this.start();
  }

  private makeView(engine: Engine): void {
    const old = this.player;
    this.player = new Player(this.canvas, engine, { speed: this.settings.speed, damageRadius: this.settings.brush });
    this.player.attachPointer();
    old?.dispose();
    this.status.format = engine.rt.format;
    this.resetView();
  }

  /** The task of what is shown (a loaded model's, else the settings'). */
  get task() {
    return this.model ? modelTask(this.model) : this.settings.task;
  }

  /** Starts the view again from the task's start (or `kind`). */
  resetView(kind: StartKind = 'auto', hold = false): void {
    const p = this.player;
    if (!p) return;
    p.setState(taskStart(this.task, this.target, p.engine.width, p.engine.height, kind, 1, this.model?.curriculum));
    this.holdView = hold;
  }

  /** "Infect": the model runs from another image, frozen (not stepped) for the first `freeze` frames. */
  async infect(src: ImageSource): Promise<void> {
    const p = this.player;
    if (!p) return;
    // the border the model's own target had (saved with it), else the task's default
    const saved = Number(this.model?.training?.hyperparameters?.padding);
    const pad = this.model ? (Number.isInteger(saved) && saved >= 0 ? saved : paddingFor(modelTask(this.model) ?? 'growing', p.engine.width)) : paddingFor(this.settings.task, p.engine.width);
    const img = await loadTarget(src, { width: p.engine.width, height: p.engine.height, padding: pad });
    p.setState(targetState(img.rgba, 1, img.width, img.height), this.settings.freeze);
    this.holdView = true;
  }

  pause(): void {
    this.training = false;
  }
  resume(): void {
    if (this.session) this.training = true;
  }

  /** PSNR (dB) of the view against the target; syncs with the GPU (null without a target). */
  psnr(): number | null {
    const e = this.engine;
    if (!e || !this.target) return null;
    return psnr(displayMse(e.getState(), this.target, e.width, e.height));
  }

  /** Steps of the view before it starts again by itself (0: never). */
  private regrowAfter(): number {
    if (this.settings.regrow > 0) return this.settings.regrow;
    if (this.holdView) return 0;
    // a model on view whose file says it fades restarts before it does, as the widget does
    if (!this.training) return this.model && !this.session ? restartSteps(this.model, 'auto') : 0;
    const p = PRESETS[this.settings.task];
    return p.regimen === 'distill' ? 2 * this.settings.stepsMax : 64;
  }

  private readonly frame = () => {
    this.raf = requestAnimationFrame(this.frame);
    this.frames++;
    try {
      if (this.training && this.session && !this.inFlight) this.trainOne(this.session);
      const p = this.player;
      if (p) {
        p.speed = this.settings.speed;
        p.damageRadius = this.settings.brush;
        if (this.session && this.training) this.session.regimen.trainer.syncEngine(p.engine);
        const regrow = this.regrowAfter();
        if (regrow > 0 && p.steps >= regrow) this.resetView();
        p.resize();
        p.advance();
        p.draw();
        this.onFrame?.();
      }
      this.chart.draw();
      this.report();
    } catch (e) {
      this.fail(e);
    }
  };

  private trainOne(s: TrainingSession): void {
    const gen = this.generation;
    this.inFlight = true;
    s.step().then(
      () => {
        if (gen !== this.generation) return;
        this.inFlight = false;
        // a NaN rollback or a resume replaces the history: keep the chart in step with it
        if (this.chart.length !== s.lossHistory.length) this.chart.set(s.lossHistory, Math.max(0, s.iteration - s.lossHistory.length));
        else this.chart.push(s.lossHistory[s.lossHistory.length - 1]!);
        this.onIteration?.(this);
      },
      (e) => {
        if (gen !== this.generation) return; // a session disposed mid-iteration
        this.inFlight = false;
        this.training = false;
        this.fail(e);
      },
    );
  }

  private report(): void {
    const now = performance.now();
    const st = this.status;
    st.mode = this.mode;
    st.training = this.training;
    const task = this.task;
    st.task = task;
    st.curriculum = task !== null && !!PRESETS[task]?.curriculum;
    // PSNR only between iterations, and not during training (a readback would wait for the GPU)
    if (!this.training && !this.inFlight && now - this.lastPsnr > 500) {
      this.lastPsnr = now;
      st.psnr = this.psnr();
    } else if (this.training) st.psnr = null;
    if (now - this.lastStatus > 200) {
      this.lastStatus = now;
      this.onStatus?.(st);
    }
  }

  /** Reports a failure in the status line (NcaGlErrors say what to do). */
  fail(e: unknown): void {
    const msg = e instanceof NcaGlError ? e.message : `nca-gl: ${(e as Error)?.message ?? e}`;
    this.status.message = msg;
    this.onStatus?.(this.status);
  }

  /** Stops training and frees the session or the view's engine. */
  disposeAll(): void {
    this.generation++;
    this.inFlight = false;
    this.training = false;
    const s = this.session;
    const p = this.player;
    this.session = null;
    this.player = null;
    this.model = null;
    p?.dispose();
    if (s) s.dispose();
    else if (p && !p.engine.gl.isContextLost()) p.engine.dispose();
  }
}
