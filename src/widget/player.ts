/**
 * Player: shows an Engine on its canvas, frame by frame — the part the widget and the demo page share.
 *
 *   const p = new Player(canvas, engine, { speed: 2, damageRadius: 4 });
 *   p.attachPointer();          // click or drag (mouse, touch, pen) erases a disc of cells
 *   // every animation frame:
 *   p.resize(); p.advance(); p.draw();
 *
 * Speed is CA steps per frame; fractions run slower than real time (0.25: one step every 4 frames),
 * by accumulating. `freeze(n)` holds the state still for the next n frames (the "infect"
 * experiment's frozen start). Drawing is pixel art: the largest whole-number scale that fits the
 * drawing buffer, centred, the rest of the buffer filled with the background.
 *
 * Two ways to reach the screen: when the engine's context belongs to the player's canvas (the demo
 * page) it draws there directly; otherwise (the widgets, which share one context: ./shared.ts) it
 * draws the grid at one pixel per cell in a corner of the context's own canvas and copies that,
 * scaled with smoothing off, into its canvas through a 2D context.
 */
import type { Engine } from '../engine/engine';
import { check, checkNumber, NcaGlError } from '../errors';
import { bufferSize, clientToCell, contentBox, type Fit, fitGrid, premultiply8 } from './view';

/** Premultiplied RGBA background, or null for transparent. */
export type Background = [number, number, number, number] | null;

export interface PlayerOptions {
  /** CA steps per frame (default 1); 0 < speed ≤ 64, fractions are slower than real time. */
  speed?: number;
  /** Radius of the disc a click erases, in cells (default: 1/10 of the grid's smaller side, at least 2). */
  damageRadius?: number;
  /** Under and around the cells: a CSS colour, 'transparent', or premultiplied RGBA (default white). */
  background?: string | Background;
}

export const MAX_SPEED = 64;

export class Player {
  engine: Engine;
  private acc = 0;
  private frozen = 0;
  /** Steps run since the last setState (what "regrow every n steps" counts). */
  steps = 0;
  speed = 1;
  damageRadius: number;
  private bg: Background = [1, 1, 1, 1];
  private lastFit: Fit | null = null;
  private detach: (() => void) | null = null;
  private ctx2d: CanvasRenderingContext2D | null = null;
  /** Called after a pointer erased cells (cell coordinates, radius). */
  onDamage: ((x: number, y: number, r: number) => void) | null = null;

  constructor(
    readonly canvas: HTMLCanvasElement,
    engine: Engine,
    opts: PlayerOptions = {},
  ) {
    this.engine = engine;
    this.damageRadius = Math.max(2, Math.round(Math.min(engine.width, engine.height) / 10));
    if (opts.speed !== undefined) this.setSpeed(opts.speed);
    if (opts.damageRadius !== undefined) this.damageRadius = checkNumber('damageRadius', opts.damageRadius, 0, 4096);
    if (opts.background !== undefined) this.background = opts.background;
  }

  setSpeed(s: number): void {
    this.speed = checkNumber('speed', s, 0, MAX_SPEED);
    check(s > 0, `option 'speed' must be above 0 (pause instead), got ${s}`);
  }

  get background(): Background {
    return this.bg;
  }
  set background(b: string | Background) {
    this.bg = typeof b === 'string' ? parseColor(b) : b;
  }

  /** Replaces the state and restarts the step count (and any freeze). */
  setState(s: Float32Array, freezeFrames = 0): void {
    this.engine.setState(s);
    this.steps = 0;
    this.acc = 0;
    this.frozen = freezeFrames;
  }

  /** Holds the state still for the next `frames` frames. */
  freeze(frames: number): void {
    this.frozen = Math.max(0, Math.floor(frames));
  }

  get frozenFrames(): number {
    return this.frozen;
  }

  /** One frame's worth of steps; returns how many ran. */
  advance(): number {
    if (this.frozen > 0) {
      this.frozen--;
      return 0;
    }
    this.acc += this.speed;
    const n = Math.floor(this.acc + 1e-9);
    this.acc -= n;
    if (n > 0) {
      this.engine.step(n);
      this.steps += n;
    }
    return n;
  }

  /**
   * Makes the drawing buffer match the canvas's CSS box × devicePixelRatio (exact device pixels
   * where ResizeObserver reported them). Returns true when it changed (the buffer is then cleared).
   */
  resize(devicePx?: [number, number]): boolean {
    const c = this.canvas;
    let size = devicePx;
    if (!size) {
      const box = contentBox(c);
      if (!(box.width > 0 && box.height > 0)) return false;
      size = bufferSize(box.width, box.height, globalThis.devicePixelRatio || 1);
    }
    if (c.width === size[0] && c.height === size[1]) return false;
    c.width = size[0];
    c.height = size[1];
    return true;
  }

  /** True when the engine draws straight onto this canvas (its context is the canvas's own). */
  get direct(): boolean {
    return this.engine.gl.canvas === this.canvas;
  }

  /** Size of the drawing buffer the grid is fitted into. */
  private buffer(): [number, number] {
    if (this.direct) return [this.engine.gl.drawingBufferWidth, this.engine.gl.drawingBufferHeight];
    return [this.canvas.width, this.canvas.height];
  }

  /** The grid's place in the drawing buffer. */
  fit(): Fit {
    const [w, h] = this.buffer();
    return fitGrid(w, h, this.engine.width, this.engine.height);
  }

  /** Draws grid 0: background everywhere, the cells scaled by a whole number, centred. */
  draw(): void {
    const fit = this.fit();
    this.lastFit = fit;
    if (this.direct) this.drawDirect(fit);
    else this.drawCopy(fit);
  }

  /** The canvas's 2D context (copy mode). */
  private context2d(): CanvasRenderingContext2D {
    if (!this.ctx2d) {
      const ctx = this.canvas.getContext('2d');
      if (!ctx) {
        throw new NcaGlError('bad-argument', 'this canvas already has a WebGL context, and widgets draw on canvases through a 2D context: give the widget a fresh <canvas>');
      }
      this.ctx2d = ctx;
    }
    return this.ctx2d;
  }

  /**
   * Copy mode: grid 0 at one pixel per cell in the bottom-left corner of the shared context's
   * canvas (GL's origin; the canvas's rows [height − H, height) counted from the top), then into
   * this canvas at the fit, over the background.
   */
  private drawCopy(fit: Fit): void {
    const e = this.engine;
    const src = e.gl.canvas;
    const W = e.width;
    const H = e.height;
    if (src.width < W || src.height < H) {
      // grow only (a resize clears the buffer; every widget draws before it copies)
      src.width = Math.max(src.width, W);
      src.height = Math.max(src.height, H);
    }
    e.draw({ background: this.bg, viewport: [0, 0, W, H] });
    const ctx = this.context2d();
    const cw = this.canvas.width;
    const ch = this.canvas.height;
    const top = ch - fit.y - fit.h; // the fit's y counts from the bottom
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalCompositeOperation = 'source-over';
    ctx.globalAlpha = 1;
    ctx.clearRect(0, 0, cw, ch);
    const bg = this.bg;
    if (bg && bg[3] > 0) {
      const a = bg[3];
      ctx.fillStyle = `rgba(${Math.round((bg[0] / a) * 255)},${Math.round((bg[1] / a) * 255)},${Math.round((bg[2] / a) * 255)},${a})`;
      ctx.fillRect(0, 0, cw, ch);
      ctx.clearRect(fit.x, top, fit.w, fit.h); // the cells come composited over the background already
    }
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(src as CanvasImageSource, 0, src.height - H, W, H, fit.x, top, fit.w, fit.h);
  }

  private drawDirect(fit: Fit): void {
    const e = this.engine;
    const gl = e.gl;
    const bg = this.bg ?? [0, 0, 0, 0];
    gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, null);
    gl.disable(gl.SCISSOR_TEST);
    gl.viewport(0, 0, gl.drawingBufferWidth, gl.drawingBufferHeight);
    gl.clearColor(bg[0], bg[1], bg[2], bg[3]);
    gl.clear(gl.COLOR_BUFFER_BIT);
    e.draw({ background: this.bg, viewport: [fit.x, fit.y, fit.w, fit.h] });
  }

  /** Continuous cell coordinates under a client-space point (null outside the grid). */
  cellAt(clientX: number, clientY: number): { x: number; y: number } | null {
    const [w, h] = this.buffer();
    const fit = this.lastFit ?? this.fit();
    return clientToCell(clientX, clientY, contentBox(this.canvas), w, h, fit, this.engine.width, this.engine.height);
  }

  /** Erases a disc at cell coordinates (y down); shows at the next draw. */
  damage(x: number, y: number, radius = this.damageRadius): void {
    this.engine.erase(x, y, radius);
    this.onDamage?.(x, y, radius);
  }

  /**
   * Click, drag or touch on the canvas erases discs of `damageRadius` cells. Pointer events cover
   * mouse, touch and pen; touch-action: none keeps a drag on the canvas from scrolling the page.
   * Returns (and remembers) the function that removes the listeners.
   */
  attachPointer(): () => void {
    this.detach?.();
    const c = this.canvas;
    let down = false;
    let last: { x: number; y: number } | null = null;
    const hit = (ev: PointerEvent) => {
      const cell = this.cellAt(ev.clientX, ev.clientY);
      if (!cell) return;
      // along a fast drag, fill the gap so the stroke is continuous
      if (last) {
        const d = Math.hypot(cell.x - last.x, cell.y - last.y);
        const n = Math.min(32, Math.floor(d / Math.max(1, this.damageRadius)));
        for (let k = 1; k <= n; k++) this.damage(last.x + ((cell.x - last.x) * k) / (n + 1), last.y + ((cell.y - last.y) * k) / (n + 1));
      }
      this.damage(cell.x, cell.y);
      last = cell;
    };
    const onDown = (ev: PointerEvent) => {
      if (ev.button !== 0) return;
      down = true;
      last = null;
      try {
        c.setPointerCapture(ev.pointerId);
      } catch {
        /* synthetic events have no active pointer to capture */
      }
      ev.preventDefault();
      hit(ev);
    };
    const onMove = (ev: PointerEvent) => {
      if (down) hit(ev);
    };
    const onUp = () => {
      down = false;
      last = null;
    };
    const prevTouch = c.style.touchAction;
    c.style.touchAction = 'none';
    c.addEventListener('pointerdown', onDown);
    c.addEventListener('pointermove', onMove);
    c.addEventListener('pointerup', onUp);
    c.addEventListener('pointercancel', onUp);
    this.detach = () => {
      c.removeEventListener('pointerdown', onDown);
      c.removeEventListener('pointermove', onMove);
      c.removeEventListener('pointerup', onUp);
      c.removeEventListener('pointercancel', onUp);
      c.style.touchAction = prevTouch;
      this.detach = null;
    };
    return this.detach;
  }

  dispose(): void {
    this.detach?.();
  }
}

/** A CSS colour as premultiplied RGBA (null for transparent); the browser's parser through a 1×1 canvas. */
export function parseColor(css: string): Background {
  const s = css.trim().toLowerCase();
  if (s === 'transparent' || s === 'none' || s === '') return null;
  const c = document.createElement('canvas');
  c.width = c.height = 1;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  check(ctx !== null, `cannot parse the colour ${JSON.stringify(css)}: no 2D canvas`);
  ctx.fillStyle = '#fff';
  ctx.fillStyle = css; // an invalid colour leaves the previous one: white
  ctx.fillRect(0, 0, 1, 1);
  const d = ctx.getImageData(0, 0, 1, 1).data;
  return d[3] === 0 ? null : premultiply8(d[0]!, d[1]!, d[2]!, d[3]!);
}
