/**
 * Engine: runs a trained (or any) model on the GPU and draws it.
 *
 *   const engine = createEngine(canvas, { rule: 'growing', width: 64, height: 64, weights });
 *   engine.setState(start);         // Float32Array [batch][y][x][16], row 0 at the top
 *   engine.step(8);                 // 8 CA steps
 *   engine.draw();                  // grid 0's RGBA onto the canvas
 *   engine.dispose();               // frees every GL object it made
 */
import { check, checkInt, describe, NcaGlError } from '../errors';
import { type ContextTarget, releaseContext } from '../gl/context';
import { Profiler } from '../gl/profiler';
import { type AtlasOrder, type GpuTexture, type ParamStorage, Runtime, type RuntimeOptions } from '../gl/runtime';
import { type Atlas, atlasTexture, makeAtlas, packCells, packParams, paramLayout, type ParamLayout, stateLength, unpackCells, unpackParams } from './layout';
import { checkEngineBudget, type FieldNames, MAX_GRID_SIDE, MODEL_FIELD_NAMES, OPTION_NAMES, resolveMemoryBudget } from './budget';
import { CHANNELS, checkWeights, hasOutputBias, initWeights, resolveRuleConfig, type Rule, type RuleConfig, type Weights } from './model';
import { ForwardStep, layoutUniforms } from './step';

export interface EngineOptions {
  rule?: Rule;
  width: number;
  height: number;
  /** Number of grids run at once (default 1). */
  batch?: number;
  /** Hidden units (default: 64 for seed, 128 for growing). */
  hidden?: number;
  /** Update probability (default: 0.8 seed, 0.5 growing). */
  rate?: number;
  /** One update draw per cell instead of per channel (default: false seed, true growing). */
  perCell?: boolean;
  /** Growing rule: the output layer has a bias b1 (Distill's models; default false). */
  outputBias?: boolean;
  /** Seed of the hash behind the stochastic updates (and of initial weights). */
  seed?: number;
  /** Initial weights (default: the rule's random initialisation from `seed`). */
  weights?: Weights;
  /** Check for GL errors after every pass (slow). */
  debug?: boolean;
  /** Run on RGBA16F state where float32 render targets are missing (inference only). */
  allowHalfFloat?: boolean;
  /** Where the MLP reads its weights (default 'auto': the faster one for the renderer; RuntimeOptions). */
  paramStorage?: ParamStorage | 'auto';
  /** How the batch is laid out in textures (default 'auto': the faster order for the renderer; RuntimeOptions). */
  atlasOrder?: AtlasOrder | 'auto';
  /** Spread small atlases over the renderer's thread squares (default 'auto': 64 on llvmpipe, else 0 = off; RuntimeOptions). */
  rasterTile?: number | 'auto';
  /**
   * GPU memory the engine may take, in bytes (default 1 GiB, `DEFAULT_MEMORY_BUDGET`): a larger
   * grid or batch is refused with an `over-budget` error before anything is allocated.
   */
  memoryBudget?: number;
  /**
   * On dispose(), give the WebGL context back to the browser (WEBGL_lose_context) when the engine
   * created it from a canvas. Default: when that canvas is not in a document (or is an
   * OffscreenCanvas) at dispose time; a canvas in the page keeps its context for the next engine.
   */
  releaseContext?: boolean;
  /**
   * How budget refusals name the sizes (default: these option names); modelEngineOptions names
   * them as model-file fields ('grid.width', 'rule.hidden').
   */
  fieldNames?: FieldNames;
}

/** The largest grid side an engine runs (the budget's cap). */
export const MAX_GRID = MAX_GRID_SIDE;

export class Engine {
  readonly rt: Runtime;
  readonly config: RuleConfig;
  readonly atlas: Atlas;
  readonly seed: number;
  /** Hash counters: `iteration` is fixed while running, `stepIndex` advances with every step. */
  iteration = 0;
  stepIndex = 0;
  private readonly pl: ParamLayout;
  private params: GpuTexture;
  private cur: GpuTexture;
  private next: GpuTexture;
  private scratch: GpuTexture;
  private readonly forward: ForwardStep;
  private readonly ownsRuntime: boolean;

  constructor(target: ContextTarget | Runtime, opts: EngineOptions) {
    check(typeof opts === 'object' && opts !== null, `createEngine needs options {width, height, ...}, got ${describe(opts)}`);
    this.config = resolveRuleConfig(opts);
    const width = checkInt('width', opts.width, 1, MAX_GRID);
    const height = checkInt('height', opts.height, 1, MAX_GRID);
    const batch = checkInt('batch', opts.batch ?? 1, 1, 4096);
    this.seed = checkInt('seed', opts.seed ?? 0, 0, 0xffffffff);
    // the budget, before any context, texture or host array: sizes, then the device's limits
    const shape = { width, height, batch, hidden: this.config.hidden };
    const budget = resolveMemoryBudget(opts.memoryBudget);
    const halfOk = opts.allowHalfFloat ?? false;
    const names = opts.fieldNames ?? OPTION_NAMES;
    if (!(target instanceof Runtime)) checkEngineBudget(shape, { budget, texelBytes: halfOk ? 8 : 16, names });
    const bias = hasOutputBias(this.config);
    const weights = checkWeights(opts.weights ?? initWeights(this.config.rule, this.config.hidden, this.seed, bias), this.config.rule, this.config.hidden, bias);
    this.ownsRuntime = !(target instanceof Runtime);
    this.releaseOnDispose = opts.releaseContext;
    this.canvas = target instanceof Runtime || isGL(target) ? null : target;
    const rtOpts: RuntimeOptions = { debug: opts.debug ?? false, allowHalfFloat: halfOk, paramStorage: opts.paramStorage ?? 'auto', atlasOrder: opts.atlasOrder ?? 'auto', rasterTile: opts.rasterTile ?? 'auto' };
    this.rt = target instanceof Runtime ? target : new Runtime(target, rtOpts);
    try {
      checkEngineBudget({ ...shape, place: this.rt.placement }, { limits: this.rt.caps, budget, texelBytes: this.rt.format === 'rgba16f' ? 8 : 16, names });
      this.atlas = makeAtlas(width, height, batch, this.rt.caps.maxTextureSize, this.rt.placement);
      this.pl = paramLayout(this.config.hidden);
      this.params = this.rt.texture(this.pl.width, this.pl.height, 0, 'rgba32f', 'parameters');
      this.rt.upload(this.params, packParams(this.pl, weights));
      const fmt = this.rt.format;
      this.cur = atlasTexture(this.rt, this.atlas, 4, fmt, 'state A');
      this.next = atlasTexture(this.rt, this.atlas, 4, fmt, 'state B');
      this.forward = new ForwardStep(this.rt, this.config, this.atlas);
      this.scratch = ForwardStep.scratch(this.rt, this.atlas);
    } catch (e) {
      if (this.ownsRuntime) this.releaseRuntime();
      throw e;
    }
  }

  private readonly releaseOnDispose: boolean | undefined;
  private readonly canvas: HTMLCanvasElement | OffscreenCanvas | null;

  /** Frees the runtime the engine made and, per `releaseContext`, gives its context back. */
  private releaseRuntime(): void {
    this.rt.dispose();
    const c = this.canvas;
    if (!c) return;
    const detached = typeof OffscreenCanvas !== 'undefined' && c instanceof OffscreenCanvas ? true : !(c as HTMLCanvasElement).isConnected;
    if (this.releaseOnDispose ?? detached) releaseContext(this.rt.gl);
  }

  get rule(): Rule {
    return this.config.rule;
  }
  get width(): number {
    return this.atlas.width;
  }
  get height(): number {
    return this.atlas.height;
  }
  get batch(): number {
    return this.atlas.batch;
  }
  get hidden(): number {
    return this.config.hidden;
  }
  get gl(): WebGL2RenderingContext {
    return this.rt.gl;
  }
  /** The WebGL renderer string (e.g. which GPU, or SwiftShader). */
  get renderer(): string {
    return this.rt.caps.renderer;
  }
  /** The texture holding the current state (for passes built on the engine). */
  get stateTexture(): GpuTexture {
    return this.cur;
  }
  get paramsTexture(): GpuTexture {
    return this.params;
  }

  setWeights(w: Weights): void {
    const checked = checkWeights(w, this.config.rule, this.config.hidden, hasOutputBias(this.config));
    this.rt.upload(this.params, packParams(this.pl, checked));
  }

  getWeights(): Weights {
    return unpackParams(this.pl, this.config.rule, this.rt.read(this.params), hasOutputBias(this.config));
  }

  /** Replaces the params texture's contents from another params texture of the same layout. */
  copyParamsFrom(src: GpuTexture): void {
    const gl = this.rt.gl;
    gl.bindFramebuffer(gl.READ_FRAMEBUFFER, this.rt.framebuffer([{ tex: src }]));
    gl.readBuffer(gl.COLOR_ATTACHMENT0);
    gl.bindTexture(gl.TEXTURE_2D, this.params.texture);
    gl.copyTexSubImage2D(gl.TEXTURE_2D, 0, 0, 0, 0, 0, this.pl.width, this.pl.height);
    gl.bindTexture(gl.TEXTURE_2D, null);
    this.rt.written(this.params);
    gl.bindFramebuffer(gl.READ_FRAMEBUFFER, null);
  }

  /** Sets the state of every grid: [batch][y][x][16] float32, row 0 at the top. */
  setState(state: ArrayLike<number>): void {
    const n = stateLength(this.atlas);
    if (!state || typeof (state as ArrayLike<number>).length !== 'number' || state.length !== n) {
      throw new NcaGlError(
        'bad-shape',
        `state must hold ${n} values (batch ${this.batch} × ${this.height} rows × ${this.width} columns × ${CHANNELS} channels), got ${describe(state)}`,
      );
    }
    this.rt.upload(this.cur, packCells(this.atlas, state));
  }

  /** The state of every grid: [batch][y][x][16] float32, row 0 at the top. */
  getState(): Float32Array {
    return unpackCells(this.atlas, this.rt.readAll(this.cur));
  }

  /** Runs `n` CA steps. */
  step(n = 1): void {
    checkInt('n', n, 0, 1 << 30);
    for (let i = 0; i < n; i++) {
      this.forward.run(this.params, this.cur, this.next, { seed: this.seed, iteration: this.iteration, step: this.stepIndex }, this.scratch);
      this.stepIndex = (this.stepIndex + 1) >>> 0;
      [this.cur, this.next] = [this.next, this.cur];
    }
  }

  /**
   * Erases (zeroes) the cells inside a disc of `radius` cells around (x, y), in cell units with
   * y pointing down the image; in grid `batch`, or every grid when omitted.
   */
  erase(x: number, y: number, radius: number, batch = -1): void {
    const ok = [x, y, radius].every((v) => typeof v === 'number' && Number.isFinite(v)) && radius >= 0;
    if (!ok) throw new NcaGlError('bad-argument', `erase(x, y, radius) needs finite numbers and radius ≥ 0, got (${x}, ${y}, ${radius})`);
    checkInt('batch', batch, -1, this.batch - 1);
    const prog = this.rt.program('engine/erase.frag');
    this.rt.run(prog, {
      targets: [0, 1, 2, 3].map((l) => ({ tex: this.next, layer: l })),
      uniforms: { ...layoutUniforms(this.atlas), u_state: this.cur, u_which: batch, u_centre: [x, y], u_radius: radius },
    });
    [this.cur, this.next] = [this.next, this.cur];
  }

  /**
   * Draws grid `batch` (default 0) onto the canvas, scaled to fill `viewport` (default: the whole
   * drawing buffer) with nearest-neighbour pixels, composited over `background` (premultiplied RGBA;
   * default opaque white, null for transparent).
   */
  draw(opts: { batch?: number; background?: [number, number, number, number] | null; viewport?: [number, number, number, number] } = {}): void {
    const b = checkInt('batch', opts.batch ?? 0, 0, this.batch - 1);
    const gl = this.rt.gl;
    const vp = opts.viewport ?? [0, 0, gl.drawingBufferWidth, gl.drawingBufferHeight];
    const bg = opts.background === null ? [0, 0, 0, 0] : (opts.background ?? [1, 1, 1, 1]);
    const prog = this.rt.program('engine/draw.frag');
    this.rt.runToCanvas(prog, { ...layoutUniforms(this.atlas), u_state: this.cur, u_show: b, u_viewport: vp, u_background: bg }, vp);
  }

  /**
   * Times every pass on the GPU from now on (EXT_disjoint_timer_query_webgl2); read the totals
   * with `await profiler.collect()`, stop with `profiler.dispose()`.
   */
  profile(): Profiler {
    return new Profiler(this.rt).attach();
  }

  /** Bytes of GPU memory held by this engine's textures. */
  memoryBytes(): number {
    return this.rt.memoryBytes();
  }

  /**
   * Frees every GL object the engine made, and the WebGL context it created when `releaseContext`
   * says so (see EngineOptions). Further calls throw.
   */
  dispose(): void {
    if (this.ownsRuntime) this.releaseRuntime();
    else for (const t of [this.params, this.cur, this.next, this.scratch]) this.rt.free(t);
  }
}

/** What a saved model contributes to EngineOptions (a ModelFile fits). */
export interface ModelLike {
  rule: RuleConfig;
  grid: { width: number; height: number };
  weights: Weights;
}

/** Engine options that run `model` at the grid size it was trained on; `extra` adds or overrides. */
function isGL(x: unknown): x is WebGL2RenderingContext {
  return typeof WebGL2RenderingContext !== 'undefined' && x instanceof WebGL2RenderingContext;
}

export function modelEngineOptions(model: ModelLike, extra: Partial<EngineOptions> = {}): EngineOptions {
  const { rule, hidden, rate, perCell, outputBias } = model.rule;
  return { rule, hidden, rate, perCell, ...(outputBias ? { outputBias } : {}), width: model.grid.width, height: model.grid.height, weights: model.weights, fieldNames: MODEL_FIELD_NAMES, ...extra };
}

export function createEngine(target: ContextTarget, opts: EngineOptions): Engine {
  return new Engine(target, opts);
}
