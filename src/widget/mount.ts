/**
 * mount(): runs a trained model on any <canvas>, with one call.
 *
 *   const w = NcaGl.mount(canvas, { model: 'lizard.nca', speed: 1 });
 *   await w.ready;          // rejects with an NcaGlError if the model or WebGL2 failed
 *   w.pause(); w.play(); w.reset('seed'); w.damage(20, 30); w.dispose();
 *
 * What it does for the page:
 *   - loads the model (URL, bytes, Blob or a decoded ModelFile) and starts it from its task's start
 *     (tasks/start.ts), on RGBA16F state where float32 render targets are missing (iOS-class devices);
 *   - runs on the page's ONE shared WebGL2 context (./shared.ts) and copies each frame into the
 *     canvas through a 2D context, so any number of widgets fit on a page;
 *   - keeps the drawing buffer at the canvas's CSS size × devicePixelRatio (ResizeObserver) and
 *     draws pixel art: whole-number scale, centred, image-rendering: pixelated;
 *   - runs only while it is on screen (IntersectionObserver) and the tab is visible;
 *   - click, drag or touch erases a disc of cells, which a healing model repairs; so do Enter and
 *     Space (at the centre) on the focused canvas;
 *   - is an image to assistive technology: role="img", an accessible name (the `label` option, else
 *     the model's target name), focusable;
 *   - under `prefers-reduced-motion: reduce` shows a still frame and a play button instead of
 *     starting by itself;
 *   - survives a lost WebGL context: shows a message, and starts again once the context is restored;
 *   - when something fails (no WebGL2, a missing capability, a bad or missing model), puts a
 *     readable message where the canvas was instead of leaving a blank box.
 */
import { Engine, modelEngineOptions } from '../engine/engine';
import { NcaGlError } from '../errors';
import type { StorageFormat } from '../gl/context';
import { decodeModel, MODEL_FILE_LIMITS, type ModelFile } from '../io/model-file';
import { readCapped } from '../io/fetch-capped';
import { describeFailure, showMessage } from './message';
import { type Background, Player, type PlayerOptions } from './player';
import { type SharedClient, type SharedContext, sharedContext } from './shared';
import { modelLabel, modelRollout, modelStart, type StartKind } from '../tasks/start';
import { type RestartPolicy, restartSteps } from './restart';
import { bufferSize } from './view';

/** A model: its URL, the bytes of a .nca file (ArrayBuffer, Uint8Array, Blob/File), or a decoded ModelFile. */
export type ModelSource = string | ArrayBuffer | Uint8Array | Blob | ModelFile;

export interface WidgetOptions extends PlayerOptions {
  model: ModelSource;
  /** Where the model starts (default 'auto': its task's start; see tasks/start.ts). */
  start?: StartKind;
  /** Start running at once (default true; under prefers-reduced-motion: reduce, see `reducedMotion`). */
  autoplay?: boolean;
  /** Click, drag, touch, and Enter/Space on the focused canvas erase cells (default true). */
  interactive?: boolean;
  /** Pause while the canvas is scrolled out of view or the tab is hidden (default true). */
  pauseWhenHidden?: boolean;
  /** Keep the drawing buffer at the canvas's CSS size × devicePixelRatio (default true). */
  resize?: boolean;
  /** Run on RGBA16F state where float32 render targets are missing (default true). */
  allowHalfFloat?: boolean;
  /** Seed of the stochastic updates (default 0). */
  seed?: number;
  /** Start again from the start after this many steps (default 0: never). Older form of `restart: n`. */
  regrowAfter?: number;
  /**
   * When to start again from the start (./restart.ts): 'auto' (default: a model whose file says it
   * fades restarts at 0.8 × the steps it holds, at least T; other models never), 'never', or a
   * number of steps. When not given, a `regrowAfter` above 0 counts as that number.
   */
  restart?: RestartPolicy;
  /** The accessible name of the image (default: the name of the model's target, else a description). */
  label?: string;
  /**
   * Follow `prefers-reduced-motion: reduce` (default true): then the widget does not start by
   * itself but shows a still frame (the model run for the rollout it was trained for) and a play button.
   */
  reducedMotion?: boolean;
  /** Places the play button (default: right after the canvas). */
  controls?: (button: HTMLButtonElement) => void;
  /**
   * On failure: true (default) puts a message element in place of the canvas; false shows nothing;
   * a function is called with the text instead.
   */
  message?: boolean | ((text: string, error: NcaGlError) => void);
  /** Called when a message shown through `message` should go away (the WebGL context came back). */
  messageCleared?: () => void;
}

/** True when the reader asked for reduced motion. */
export function prefersReducedMotion(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
}

export class NcaWidget implements SharedClient {
  /** Resolves once the model runs; rejects with the NcaGlError that stopped it. */
  readonly ready: Promise<NcaWidget>;
  model: ModelFile | null = null;
  player: Player | null = null;
  error: NcaGlError | null = null;
  /** Frames drawn so far. */
  frames = 0;
  /** Steps after which the frame loop starts the model again (0: never); set once the model is loaded. */
  restartAfter = 0;
  /** Times the frame loop started the model again (the restart policy). */
  restarts = 0;
  /** The play/pause button (shown under prefers-reduced-motion: reduce), or null. */
  playButton: HTMLButtonElement | null = null;
  private wantPlay: boolean;
  private onScreen = true;
  private disposed = false;
  private shared: SharedContext | null = null;
  private readonly cleanups: (() => void)[] = [];
  private messageEl: HTMLElement | null = null;
  private noteShown = false;
  /** The canvas's own style.display, put back when a message goes. */
  private shownDisplay = '';
  private pending: Partial<PlayerOptions> = {};
  private label: string | undefined;

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly options: WidgetOptions,
  ) {
    this.wantPlay = options.autoplay ?? true;
    this.label = options.label;
    if (this.reducedMotion) this.wantPlay = false;
    if (!canvas.hasAttribute('role')) canvas.setAttribute('role', 'img');
    if ((options.interactive ?? true) && !canvas.hasAttribute('tabindex')) canvas.tabIndex = 0;
    this.applyLabel();
    this.ready = this.start();
    // a caller that never awaits `ready` must not get an "unhandled rejection": the failure is
    // already shown on the page (and kept in `error`)
    this.ready.catch(() => {});
  }

  /** Reduced motion is asked for and followed. */
  get reducedMotion(): boolean {
    return (this.options.reducedMotion ?? true) && prefersReducedMotion();
  }

  get engine(): Engine | null {
    return this.player?.engine ?? null;
  }
  /** Storage format of the state: 'rgba32f', or 'rgba16f' on devices without float32 render targets. */
  get format(): StorageFormat | null {
    return this.engine?.rt.format ?? null;
  }
  get playing(): boolean {
    return this.wantPlay;
  }
  /** True while frames are being produced (playing, on screen, tab visible, model loaded). */
  get running(): boolean {
    return this.shared?.isRunning(this) ?? false;
  }

  get speed(): number {
    return this.player?.speed ?? this.pending.speed ?? this.options.speed ?? 1;
  }
  set speed(s: number) {
    if (this.player) this.player.setSpeed(s);
    else this.pending.speed = s;
  }
  get damageRadius(): number {
    return this.player?.damageRadius ?? this.pending.damageRadius ?? this.options.damageRadius ?? 0;
  }
  set damageRadius(r: number) {
    if (this.player) this.player.damageRadius = r;
    else this.pending.damageRadius = r;
  }
  /** Premultiplied RGBA under the cells (null: transparent); set a CSS colour or RGBA. */
  get background(): Background {
    return this.player?.background ?? null;
  }
  set background(b: string | Background) {
    if (this.player) {
      this.player.background = b;
      this.redraw();
    } else this.pending.background = b;
  }

  /** The accessible name: `text`, or (undefined) the model's own. */
  setLabel(text: string | undefined): void {
    this.label = text;
    this.applyLabel();
  }

  private applyLabel(): void {
    const name = this.label?.trim() || (this.model ? modelLabel(this.model) : '');
    if (name) this.canvas.setAttribute('aria-label', name);
  }

  play(): void {
    this.wantPlay = true;
    this.update();
    this.syncButton();
  }
  pause(): void {
    this.wantPlay = false;
    this.update();
    this.syncButton();
  }

  /** Starts again from `kind` (default: the start given in the options). */
  reset(kind: StartKind = this.options.start ?? 'auto'): void {
    const p = this.player;
    if (!p || !this.model) return;
    p.setState(modelStart(this.model, kind));
    this.redraw();
  }

  /** Erases a disc at cell coordinates (row 0 at the top of the image). */
  damage(x: number, y: number, radius?: number): void {
    this.player?.damage(x, y, radius);
    this.redraw();
  }

  /** Runs `n` steps now and draws (for scripted use; the frame loop does this by itself). */
  step(n = 1): void {
    this.engine?.step(n);
    this.redraw();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.shared?.remove(this);
    for (const f of this.cleanups.splice(0)) f();
    this.player?.dispose();
    const e = this.engine;
    this.player = null;
    if (e && !this.shared?.lost && !e.gl.isContextLost()) e.dispose();
    this.messageEl?.remove();
    this.messageEl = null;
    this.playButton?.remove();
    this.playButton = null;
  }

  private async start(): Promise<NcaWidget> {
    try {
      this.model = await loadModel(this.options.model);
      if (this.disposed) return this;
      const o = this.options;
      this.restartAfter = restartSteps(this.model, o.restart ?? ((o.regrowAfter ?? 0) > 0 ? o.regrowAfter! : 'auto'));
      this.applyLabel();
      this.shared = sharedContext();
      this.shared.add(this);
      this.build();
      this.observe();
      if (this.reducedMotion) this.showButton();
      this.update();
      return this;
    } catch (e) {
      const err = e instanceof NcaGlError ? e : new NcaGlError('io', `the model could not be shown: ${(e as Error)?.message ?? e}`, { cause: e });
      this.fail(err);
      throw err;
    }
  }

  /** Engine and player for the loaded model on the shared context (again after a lost context comes back). */
  private build(): void {
    const m = this.model!;
    const o = this.options;
    const rt = this.shared!.runtime();
    if (o.allowHalfFloat === false && rt.format !== 'rgba32f') {
      throw new NcaGlError('missing-capability', 'this device cannot render to float32 textures and allowHalfFloat is false: allow half floats (RGBA16F) to run the model here');
    }
    if (o.resize ?? true) pinIntrinsicSize(this.canvas);
    const engine = new Engine(rt, modelEngineOptions(m, { seed: o.seed ?? 0 }));
    const keep = this.player;
    try {
      this.player = new Player(this.canvas, engine, {
        speed: keep?.speed ?? this.pending.speed ?? o.speed,
        damageRadius: keep?.damageRadius ?? this.pending.damageRadius ?? o.damageRadius,
        background: keep ? keep.background : (this.pending.background ?? o.background),
      });
    } catch (e) {
      engine.dispose();
      throw e;
    }
    if (o.interactive ?? true) {
      this.player.attachPointer();
      this.player.onDamage = () => this.redraw();
    }
    this.canvas.style.imageRendering = 'pixelated';
    if (o.resize ?? true) this.player.resize();
    this.reset();
    // a widget that does not run shows the model grown for the rollout it was trained for, not its start
    if (!this.wantPlay && this.reducedMotion) this.step(modelRollout(m));
  }

  private observe(): void {
    const c = this.canvas;
    const o = this.options;
    if ((o.resize ?? true) && typeof ResizeObserver !== 'undefined') {
      const ro = new ResizeObserver((entries) => {
        const e = entries[entries.length - 1]!;
        const css = e.contentBoxSize?.[0];
        const dp = e.devicePixelContentBoxSize?.[0];
        let size: [number, number] | undefined;
        if (css) {
          // CSS size × devicePixelRatio, or the exact device pixels where the browser reports them and
          // they agree with it (emulated screens report CSS pixels there while devicePixelRatio says 2)
          size = bufferSize(css.inlineSize, css.blockSize, globalThis.devicePixelRatio || 1);
          if (dp && Math.abs(dp.inlineSize - size[0]) <= 1 && Math.abs(dp.blockSize - size[1]) <= 1) size = [Math.max(1, dp.inlineSize), Math.max(1, dp.blockSize)];
        }
        if (this.player?.resize(size)) this.redraw();
      });
      try {
        ro.observe(c, { box: 'device-pixel-content-box' });
      } catch {
        ro.observe(c);
      }
      this.cleanups.push(() => ro.disconnect());
    }
    if (o.pauseWhenHidden ?? true) {
      if (typeof IntersectionObserver !== 'undefined') {
        const io = new IntersectionObserver((entries) => {
          this.onScreen = entries[entries.length - 1]!.isIntersecting;
          this.update();
        });
        io.observe(c);
        this.cleanups.push(() => io.disconnect());
      }
      const vis = () => this.update();
      document.addEventListener('visibilitychange', vis);
      this.cleanups.push(() => document.removeEventListener('visibilitychange', vis));
    }
    if (o.interactive ?? true) {
      // the keyboard's click: Enter or Space erases a disc at the centre
      const key = (ev: KeyboardEvent) => {
        if ((ev.key !== 'Enter' && ev.key !== ' ') || ev.altKey || ev.ctrlKey || ev.metaKey) return;
        const e = this.engine;
        if (!e) return;
        ev.preventDefault();
        this.damage(e.width / 2, e.height / 2);
      };
      c.addEventListener('keydown', key);
      this.cleanups.push(() => c.removeEventListener('keydown', key));
    }
    if ((o.reducedMotion ?? true) && typeof matchMedia === 'function') {
      const mq = matchMedia('(prefers-reduced-motion: reduce)');
      const change = () => {
        if (mq.matches) {
          this.pause();
          this.showButton();
        } else {
          this.playButton?.remove();
          this.playButton = null;
          if (o.autoplay ?? true) this.play();
        }
      };
      mq.addEventListener?.('change', change);
      this.cleanups.push(() => mq.removeEventListener?.('change', change));
    }
  }

  /** The play/pause button, placed by `options.controls` or after the canvas. */
  private showButton(): void {
    if (this.playButton) return;
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'nca-gl-play';
    b.setAttribute('part', 'play');
    b.addEventListener('click', () => (this.wantPlay ? this.pause() : this.play()));
    this.playButton = b;
    this.syncButton();
    if (this.options.controls) this.options.controls(b);
    else this.canvas.insertAdjacentElement('afterend', b);
  }

  private syncButton(): void {
    const b = this.playButton;
    if (!b) return;
    b.textContent = this.wantPlay ? '❚❚ Pause' : '▶ Play';
    b.setAttribute('aria-label', this.wantPlay ? 'Pause the animation' : 'Play the animation');
  }

  /** Puts the loop on or off the shared frame loop to match playing / on screen / tab visible. */
  private update(): void {
    const hidden = (this.options.pauseWhenHidden ?? true) && (!this.onScreen || document.visibilityState === 'hidden');
    const run = this.wantPlay && !hidden && this.player !== null && !this.disposed && this.error === null;
    this.shared?.setRunning(this, run);
  }

  /** One frame (called by the shared loop). */
  frame(): void {
    const p = this.player;
    if (!p) return;
    try {
      if (this.restartAfter > 0 && p.steps >= this.restartAfter) {
        this.reset();
        this.restarts++;
      }
      p.advance();
      p.draw();
      this.frames++;
    } catch (e) {
      if (this.shared?.lost || this.engine?.gl.isContextLost()) return; // contextRestored rebuilds
      this.fail(e instanceof NcaGlError ? e : new NcaGlError('gl-error', String(e)));
    }
  }

  contextLost(): void {
    this.player?.dispose();
    this.player = null;
    this.update();
    if (this.error) return;
    this.note(
      describeFailure(new NcaGlError('context-lost', 'the browser took the graphics context away (too many GPU pages, or the GPU was reset). It starts again by itself when the browser gives it back.')),
      new NcaGlError('context-lost', 'the WebGL2 context of the page was lost'),
    );
  }

  contextRestored(): void {
    if (this.disposed || this.error) return;
    this.clearNote();
    try {
      this.build();
      this.update();
    } catch (e) {
      this.fail(e instanceof NcaGlError ? e : new NcaGlError('context-lost', String(e)));
    }
  }

  private redraw(): void {
    if (!this.player || this.running) return; // a running loop draws at the next frame anyway
    try {
      this.player.draw();
    } catch (e) {
      if (!this.shared?.lost) throw e;
    }
  }

  private fail(err: NcaGlError): void {
    this.error = err;
    this.update();
    this.note(describeFailure(err), err);
  }

  /** Shows a message where the canvas is (or hands it to options.message). */
  private note(text: string, err: NcaGlError): void {
    const m = this.options.message ?? true;
    if (m === false) return;
    this.noteShown = true;
    if (typeof m === 'function') m(text, err);
    else {
      if (this.messageEl) this.messageEl.remove();
      else this.shownDisplay = this.canvas.style.display;
      this.messageEl = showMessage(this.canvas, text);
    }
  }

  private clearNote(): void {
    if (!this.noteShown) return;
    this.noteShown = false;
    if (this.messageEl) {
      this.messageEl.remove();
      this.messageEl = null;
      this.canvas.style.display = this.shownDisplay;
    }
    this.options.messageCleared?.();
  }
}

/** Runs a model on `canvas`; see NcaWidget and WidgetOptions. */
export function mount(canvas: HTMLCanvasElement, options: WidgetOptions): NcaWidget {
  if (typeof HTMLCanvasElement === 'undefined' || !(canvas instanceof HTMLCanvasElement)) {
    throw new NcaGlError('bad-argument', 'mount(canvas, options) needs a <canvas> element as its first argument');
  }
  if (!options || typeof options !== 'object' || options.model === undefined || options.model === null) {
    throw new NcaGlError('bad-argument', "mount(canvas, options) needs options.model: a URL, the bytes of a .nca file, or a decoded model");
  }
  return new NcaWidget(canvas, options);
}

/** Decodes any ModelSource (fetching URLs). Failures are NcaGlErrors ('io' or 'bad-model'). */
export async function loadModel(src: ModelSource): Promise<ModelFile> {
  if (typeof src === 'string') {
    let res: Response;
    try {
      res = await fetch(src);
    } catch (e) {
      throw new NcaGlError(
        'io',
        `could not load the model ${src} (${(e as Error).message}). A page opened from file:// cannot load files: serve the page over http(s)`,
        { cause: e },
      );
    }
    if (!res.ok) throw new NcaGlError('io', `could not load the model ${src}: the server answered ${res.status} ${res.statusText}`.trimEnd());
    return decodeModel(await readCapped(res, MODEL_FILE_LIMITS.maxFileBytes, `the model ${src}`));
  }
  if (src instanceof ArrayBuffer || src instanceof Uint8Array) return decodeModel(src);
  if (typeof Blob !== 'undefined' && src instanceof Blob) return decodeModel(new Uint8Array(await src.arrayBuffer()));
  if (typeof src === 'object' && src !== null && 'weights' in src && 'rule' in src && 'grid' in src) return src;
  throw new NcaGlError('bad-argument', 'the model must be a URL, the bytes of a .nca file (ArrayBuffer, Uint8Array, Blob) or a decoded model');
}

/**
 * A canvas whose CSS size follows its width/height attributes (no CSS size given) would grow
 * without end once the drawing buffer is set to CSS size × devicePixelRatio. Such a canvas gets its
 * current CSS size written into its style, once; a canvas sized by CSS (even on one axis, the other
 * following the aspect ratio, which the buffer keeps) is left alone. Found by nudging each attribute.
 */
export function pinIntrinsicSize(c: HTMLCanvasElement): void {
  if (c.style.width || c.style.height) return;
  // clientWidth/Height: the box inside the border, which is what style.width/height set
  const w0 = c.clientWidth, h0 = c.clientHeight;
  if (!(w0 > 0 && h0 > 0)) return;
  c.width += 1;
  const wFollows = c.clientWidth !== w0;
  c.width -= 1;
  c.height += 1;
  const hFollows = c.clientHeight !== h0;
  c.height -= 1;
  if (wFollows && hFollows) {
    c.style.width = `${w0}px`;
    c.style.height = `${h0}px`;
  }
}
