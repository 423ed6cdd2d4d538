/**
 * One WebGL2 context for every widget on a page.
 *
 * Browsers keep only a handful of WebGL contexts alive per page (Chromium: 16) and drop the oldest
 * when a page asks for more, so a page with 20 widgets that each own a context shows blank boxes.
 * Here every widget (the <nca-canvas> element and mount()) runs its engine on ONE runtime, made on
 * a canvas that is never put in the page. Each frame a widget draws its grid there at one buffer
 * pixel per cell and copies it, scaled by a whole number, into its own canvas through a 2D context
 * (drawImage with smoothing off; ./player.ts). Programs are compiled once for all of them.
 *
 * Scheduling: one requestAnimationFrame loop for the page. Each frame runs the widgets that are
 * playing and on screen, round-robin, until a time budget is spent (at least one widget per frame),
 * so 50 widgets on a slow (software) WebGL keep the page responsive and each still advances.
 *
 * Context loss: when the browser takes the context away (memory pressure, a GPU reset, or
 * WEBGL_lose_context), every client hears `contextLost()` and shows a message; the loss is marked
 * recoverable (preventDefault), and when the browser restores the context a fresh runtime is made on
 * the same canvas and every client hears `contextRestored()` and starts again.
 */
import { NcaGlError } from '../errors';
import { Runtime } from '../gl/runtime';

/** What a widget gives the shared context. */
export interface SharedClient {
  /** One frame of work (step and draw). Called only while the client is marked running. */
  frame(): void;
  /** The context is gone: drop the engine without freeing it (its GL objects died with the context). */
  contextLost(): void;
  /** The context is back, with a fresh runtime: build again. */
  contextRestored(): void;
}

/** Milliseconds of widget work per animation frame before the rest wait for the next frame. */
export const FRAME_BUDGET_MS = 12;

export class SharedContext {
  /** The canvas the context lives on (never in the page). */
  readonly canvas: HTMLCanvasElement;
  /** Times the context was lost and restored. */
  restores = 0;
  private rt: Runtime | null = null;
  private failure: NcaGlError | null = null;
  private lostNow = false;
  private readonly clients = new Set<SharedClient>();
  private readonly active: SharedClient[] = [];
  private raf = 0;
  private cursor = 0;

  constructor() {
    this.canvas = document.createElement('canvas');
    this.canvas.width = this.canvas.height = 64;
    this.canvas.addEventListener('webglcontextlost', (ev) => {
      ev.preventDefault(); // ask for it back
      this.lostNow = true;
      this.rt = null;
      for (const c of [...this.clients]) c.contextLost();
    });
    this.canvas.addEventListener('webglcontextrestored', () => {
      this.lostNow = false;
      this.restores++;
      for (const c of [...this.clients]) c.contextRestored();
    });
  }

  /** True between a context loss and its restoration. */
  get lost(): boolean {
    return this.lostNow;
  }

  /**
   * The shared runtime, made on first use. Throws the NcaGlError of a page without WebGL2 (every
   * time: the canvas cannot get another kind of context later), or 'context-lost' while lost.
   */
  runtime(): Runtime {
    if (this.failure) throw this.failure;
    if (this.lostNow) throw new NcaGlError('context-lost', 'the WebGL2 context of the page is lost; the widgets start again when the browser restores it');
    if (!this.rt) {
      try {
        this.rt = new Runtime(this.canvas, { allowHalfFloat: true });
      } catch (e) {
        if (e instanceof NcaGlError && e.code !== 'context-lost') this.failure = e;
        throw e;
      }
    }
    return this.rt;
  }

  /** The WebGL2 context (null before the first widget or without WebGL2). */
  get gl(): WebGL2RenderingContext | null {
    return this.rt?.gl ?? null;
  }

  add(c: SharedClient): void {
    this.clients.add(c);
  }

  remove(c: SharedClient): void {
    this.clients.delete(c);
    this.setRunning(c, false);
  }

  isRunning(c: SharedClient): boolean {
    return this.active.includes(c);
  }

  /** Puts a client in the frame loop, or takes it out. */
  setRunning(c: SharedClient, on: boolean): void {
    const i = this.active.indexOf(c);
    if (on && i < 0) this.active.push(c);
    else if (!on && i >= 0) this.active.splice(i, 1);
    if (this.active.length && !this.raf) this.raf = requestAnimationFrame(this.tick);
    else if (!this.active.length && this.raf) {
      cancelAnimationFrame(this.raf);
      this.raf = 0;
    }
  }

  /** Clients in the frame loop now. */
  get runningCount(): number {
    return this.active.length;
  }

  private readonly tick = () => {
    this.raf = 0;
    const list = [...this.active];
    const n = list.length;
    const t0 = performance.now();
    let done = 0;
    while (done < n) {
      const c = list[(this.cursor + done) % n]!;
      done++;
      if (this.active.includes(c)) c.frame();
      if (performance.now() - t0 > FRAME_BUDGET_MS) break;
    }
    this.cursor = n ? (this.cursor + done) % n : 0;
    if (this.active.length && !this.raf) this.raf = requestAnimationFrame(this.tick);
  };
}

let theShared: SharedContext | null = null;

/** The page's shared context (made on first call). */
export function sharedContext(): SharedContext {
  if (typeof document === 'undefined') throw new NcaGlError('no-webgl2', 'widgets need a browser page (document is undefined)');
  theShared ??= new SharedContext();
  return theShared;
}
