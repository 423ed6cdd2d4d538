/**
 * The browser side of the CLI, training half. `installTrainApi` is sent into the CLI page (src/cli/page.html,
 * which loads dist/nca-gl.js) with page.evaluate and defines `window.ncaCli`; Node then calls its
 * methods one at a time (see bridge.ts). Everything crossing over is JSON: arrays travel as base64.
 *
 * The function must be self-contained: it runs from its source text in the page, so it may use
 * only the page's globals (NcaGl, the DOM) — no imports at run time, only types.
 */
import type * as Lib from '../index';
import type { EvaluationEvent, FaultEvent, ProgressEvent, TrainingSession } from '../train/session';
import type { Quality } from '../train/keep-best';
import type { LrSchedule } from '../tasks/schedule';
import type { Task } from '../tasks/presets';
import type { Rule } from '../engine/rules';

/** Everything that decides a training run; saved in the model (resume.cli) so --resume repeats it. */
export interface TrainConfig {
  task: Task;
  width: number;
  height: number;
  padding: number;
  hidden: number;
  batch: number;
  lr: LrSchedule;
  seed: number;
  /** Total iterations asked for. */
  iterations: number;
  full: boolean;
  /** Distill tasks: rollout length range. Any task: pool size, damaged samples per batch. */
  steps?: [number, number];
  pool?: number;
  damage?: number;
  /** Distill tasks with a pool: of the damaged grids, how many lose a half-plane (Preset.cuts); may change on --resume. */
  cuts?: number;
  /** Article tasks with a pool: grids restarted from a fresh start each iteration. */
  fresh?: number;
  /** With a pool: 'random' picks the restarted and damaged grids by draw order (Preset.replace); may change on --resume. */
  replace?: 'random';
  /** Forward steps without gradient before each rollout, at most (Preset.preroll); may change on --resume. */
  preroll?: number;
  /** Growth: the curriculum's first truncation radius (the grid's half diagonal on small grids). */
  radiusStart?: number;
  /** The update rule when it is not the task's (the quick growth job: 'growing'). */
  rule?: Rule;
  /** Per-tensor gradient normalisation when it is not the task's (the quick growth job: true). */
  normalizeGrads?: boolean;
  /** Article tasks: the rollout length at the curriculum's last level (T; the article's: 16). */
  rollout?: number;
  /** Article tasks: the curriculum's ladder shortened to this many levels (shortenLadder). */
  levels?: number;
  /** Article tasks: the iteration by which the curriculum reaches its last level (CurriculumConfig.pace). */
  pace?: number;
  /** Keep-best (--eval-every, --eval-draws): evaluate every this many iterations on this many draws. */
  evalEvery?: number;
  evalDraws?: number;
}

export interface ImageInput {
  /** Shipped target name or file name (for messages and provenance). */
  name: string;
  /** SVG text (shipped targets) or the file's bytes as base64. */
  svg?: string;
  b64?: string;
}

export interface SetupOptions {
  config: TrainConfig;
  image: ImageInput;
  /** A checkpoint (model file bytes, base64) to continue from. */
  checkpoint?: string;
  /** Iterations at which to force a WebGL context loss, restored 0.2 s later / never (fault injection for tests). */
  loseContextAt?: number[];
  dropContextAt?: number[];
  /** Seconds a lost context may stay lost before the page gives up (the CLI then relaunches). */
  lostTimeoutS?: number;
  /** GPU memory budget in bytes (engine/budget.ts; default 1 GiB). */
  memoryBudget?: number;
}

export interface SetupReport {
  renderer: string;
  iteration: number;
  source: string;
  pool: boolean;
  /** Keep-best: the kept snapshot so far (from the checkpoint), or null. */
  best: { iteration: number; psnr: number } | null;
}

export interface FinishReport {
  /** True when the final evaluation or the figures changed what the model file holds. */
  changed: boolean;
  quality: Quality | null;
  best: { iteration: number; psnr: number; worst: number } | null;
  evaluations: number;
}

export interface StepInfo {
  iteration: number;
  loss: number;
  level: number;
  rate: number;
  lrScale: number;
}

export interface ChunkReport {
  steps: StepInfo[];
  faults: FaultEvent[];
  iteration: number;
  level: number | null;
  /** Keep-best evaluations made in this chunk. */
  evaluations: EvaluationEvent[];
}

export interface RenderOptions {
  /** Model file bytes, base64. */
  model: string;
  start: 'seed' | 'task' | 'target';
  /** Steps at which frames are taken, increasing (0 = the start). */
  at: number[];
  seed: number;
  /** GPU memory budget in bytes (engine/budget.ts; default 1 GiB). */
  memoryBudget?: number;
}

export interface RenderReport {
  width: number;
  height: number;
  /** RGBA8 frames composited over white, base64. */
  frames: string[];
  /** The target thumbnail at grid size composited over white, base64, or null. */
  target: string | null;
  /** What the start was, in words. */
  start: string;
}

/** window.ncaCli: the training half (installTrainApi, here) and the rendering half (page-render.ts). */
export interface PageApi {
  setup(o: SetupOptions): Promise<SetupReport>;
  train(until: number, budgetMs: number): Promise<ChunkReport>;
  checkpoint(resume: Record<string, string | number | boolean>): string;
  /** Makes a running `train` return after its current iteration (called while `train` runs). */
  stop(): void;
  /** The end of a run: keep-best's last evaluation, then (draws > 0, unless the model has them) the quality figures. */
  finish(draws: number, evaluateLast: boolean): FinishReport;
  /** Reads the pool (regenerating) into page memory as canonical float16/float32 bytes; returns the chunk count. */
  poolRead(chunkBytes: number): { chunks: number; dtype: 'f16' | 'f32'; byteLength: number; size: number };
  poolChunk(i: number): string;
  poolWrite(i: number, b64: string): void;
  poolCommit(dtype: 'f16' | 'f32', byteLength: number): void;
  render(o: RenderOptions): Promise<RenderReport>;
}

export function installTrainApi(): void {
  const N = (window as unknown as { NcaGl: typeof Lib }).NcaGl;
  const { bytesToBase64: toB64, base64ToBytes: fromB64 } = N;
  const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const F16 = (globalThis as unknown as { Float16Array?: { new (n: number | ArrayBuffer): ArrayLike<number> & ArrayBufferView & { set(a: ArrayLike<number>): void } } }).Float16Array;

  let session: TrainingSession | null = null;
  let canvas: HTMLCanvasElement | null = null;
  let config: TrainConfig | null = null;
  let source = '';
  let loseAt: number[] = [];
  let dropAt: number[] = [];
  let lostTimeout = 60;
  const faults: FaultEvent[] = [];
  const reports: StepInfo[] = [];
  // a context lost for longer than lostTimeout: the running (or next) train call fails, and the CLI relaunches
  let gaveUp: Error | null = null;
  let abortTrain: ((e: Error) => void) | null = null;
  let giveUpTimer: ReturnType<typeof setTimeout> | null = null;
  let poolBytes: Uint8Array | null = null;
  let poolIn: Uint8Array[] = [];
  let chunkSize = 1;
  let stopRequested = false;

  const onFault = (f: FaultEvent): void => {
    faults.push(f);
    if (f.kind === 'context-lost' && !giveUpTimer) {
      giveUpTimer = setTimeout(() => {
        gaveUp = new Error(`nca-gl: the WebGL context was lost at iteration ${f.iteration} and did not come back within ${lostTimeout} s`);
        abortTrain?.(gaveUp);
      }, lostTimeout * 1000);
    }
    if (f.kind === 'context-restored' && giveUpTimer) {
      clearTimeout(giveUpTimer);
      giveUpTimer = null;
    }
  };
  const onProgress = (p: ProgressEvent): void => void reports.push({ iteration: p.iteration + 1, loss: p.loss, level: p.level, rate: p.rate, lrScale: p.lrScale });
  const evaluations: EvaluationEvent[] = [];
  const onEvaluation = (e: EvaluationEvent): void => void evaluations.push(e);

  async function setup(o: SetupOptions): Promise<SetupReport> {
    session?.dispose();
    canvas?.remove();
    config = o.config;
    loseAt = (o.loseContextAt ?? []).slice();
    dropAt = (o.dropContextAt ?? []).slice();
    lostTimeout = o.lostTimeoutS ?? 60;
    const c = o.config;
    const src = o.image.svg ?? fromB64(o.image.b64 ?? '');
    const target = await N.loadTarget(src, { width: c.width, height: c.height, padding: c.padding });
    source = `${o.image.name}: ${target.source}`.slice(0, 200);
    canvas = document.createElement('canvas');
    canvas.width = 8;
    canvas.height = 8;
    document.body.appendChild(canvas);
    const opts = {
      task: c.task,
      target,
      width: c.width,
      height: c.height,
      hidden: c.hidden,
      batch: c.batch,
      lr: c.lr,
      seed: c.seed,
      padding: c.padding,
      ...(o.memoryBudget !== undefined ? { memoryBudget: o.memoryBudget } : {}),
      ...(c.steps ? { steps: c.steps } : {}),
      ...(c.pool !== undefined ? { pool: c.pool } : {}),
      ...(c.damage !== undefined ? { damage: c.damage } : {}),
      ...(c.cuts ? { cuts: c.cuts } : {}),
      ...(c.fresh !== undefined ? { fresh: c.fresh } : {}),
      ...(c.replace ? { replace: c.replace } : {}),
      ...(c.preroll ? { preroll: c.preroll } : {}),
      ...(c.rule !== undefined ? { rule: c.rule } : {}),
      ...(c.normalizeGrads !== undefined ? { normalizeGrads: c.normalizeGrads } : {}),
      ...(c.evalEvery ? { evalEvery: c.evalEvery, evalDraws: c.evalDraws } : {}),
    };
    const curriculum = N.adjustedCurriculum(c.task, c);
    if (curriculum) Object.assign(opts, { curriculum });
    session = o.checkpoint ? N.TrainingSession.fromModel(canvas, N.decodeModel(fromB64(o.checkpoint)), target, opts) : new N.TrainingSession(canvas, opts);
    session.on('fault', onFault).on('progress', onProgress).on('evaluation', onEvaluation);
    const b = session.best;
    return { renderer: session.regimen.trainer.renderer, iteration: session.iteration, source, pool: session.regimen.pool !== null, best: b ? { iteration: b.iteration, psnr: b.psnr } : null };
  }

  async function train(until: number, budgetMs: number): Promise<ChunkReport> {
    const s = session!;
    if (gaveUp) throw gaveUp;
    const abort = new Promise<never>((_, reject) => (abortTrain = reject));
    abort.catch(() => undefined);
    const t0 = performance.now();
    stopRequested = false;
    while (s.iteration < until && !stopRequested) {
      const lose = loseAt.length > 0 && s.iteration >= loseAt[0]!;
      const drop = dropAt.length > 0 && s.iteration >= dropAt[0]!;
      if (lose || drop) {
        (lose ? loseAt : dropAt).shift();
        const ext = s.regimen.trainer.gl.getExtension('WEBGL_lose_context');
        if (ext) {
          ext.loseContext();
          if (lose) setTimeout(() => ext.restoreContext(), 200);
        }
      }
      await Promise.race([s.step(), abort]);
      if (performance.now() - t0 >= budgetMs) break;
      await new Promise((r) => setTimeout(r, 0));
    }
    abortTrain = null;
    // faults that came between calls (a context lost while idle) are reported with this chunk
    return { steps: reports.splice(0), faults: faults.splice(0), iteration: s.iteration, level: s.regimen.curriculum ? s.regimen.curriculum.state.level : null, evaluations: evaluations.splice(0) };
  }

  function checkpoint(resume: Record<string, string | number | boolean>): string {
    // a lost context reads back zeros: never save those
    if (session!.regimen.trainer.gl.isContextLost()) throw new N.NcaGlError('context-lost', 'nca-gl: the WebGL context is lost: no checkpoint now');
    const m = session!.toModel({ source, preset: config!.full ? config!.task : `${config!.task} (quick)` });
    m.resume = { ...m.resume, ...resume };
    return toB64(N.encodeModel(m));
  }

  function poolRead(chunkBytes: number): { chunks: number; dtype: 'f16' | 'f32'; byteLength: number; size: number } {
    const pool = session!.regimen.pool!;
    const states = N.layout.unpackCells(pool.atlas, pool.read());
    let bytes: Uint8Array;
    if (F16) {
      const h = new F16(states.length);
      h.set(states);
      bytes = bytesOf(h);
    } else bytes = bytesOf(states);
    poolBytes = bytes;
    chunkSize = chunkBytes;
    return { chunks: Math.ceil(bytes.length / chunkBytes), dtype: F16 ? 'f16' : 'f32', byteLength: bytes.length, size: pool.size };
  }

  function poolChunk(i: number): string {
    const b = poolBytes!;
    const out = toB64(b.subarray(i * chunkSize, Math.min(b.length, (i + 1) * chunkSize)));
    if ((i + 1) * chunkSize >= b.length) poolBytes = null;
    return out;
  }

  const api = (window as unknown as { ncaCli: Partial<PageApi> }).ncaCli ?? {};
  (window as unknown as { ncaCli: Partial<PageApi> }).ncaCli = Object.assign(api, {
    setup,
    train,
    checkpoint,
    stop() {
      stopRequested = true;
    },
    finish(draws: number, evaluateLast: boolean): FinishReport {
      const s = session!;
      if (s.regimen.trainer.gl.isContextLost()) throw new N.NcaGlError('context-lost', 'nca-gl: the WebGL context is lost: no final evaluation now');
      let changed = evaluateLast && s.evaluateLast() !== null;
      if (draws > 0 && !s.quality) {
        s.measureQuality(draws);
        changed = true;
      }
      const b = s.best;
      return { changed, quality: s.quality, best: b ? { iteration: b.iteration, psnr: b.psnr, worst: b.worst } : null, evaluations: s.evaluations };
    },
    poolRead,
    poolChunk,
    poolWrite(i: number, b64: string) {
      poolIn[i] = fromB64(b64);
    },
    poolCommit(dtype: 'f16' | 'f32', byteLength: number) {
      const all = new Uint8Array(byteLength);
      let off = 0;
      for (const p of poolIn) {
        all.set(p, off);
        off += p.length;
      }
      poolIn = [];
      if (off !== byteLength) throw new Error(`nca-gl: pool data is ${off} bytes, expected ${byteLength}`);
      if (dtype === 'f16' && !F16) throw new Error('nca-gl: this browser cannot read a float16 pool file (no Float16Array); the pool restarts from seeds');
      const pool = session!.regimen.pool!;
      const states = dtype === 'f16' ? Float32Array.from(new F16!(all.buffer)) : new Float32Array(all.buffer);
      const want = pool.size * pool.atlas.width * pool.atlas.height * 16;
      if (states.length !== want) throw new Error(`nca-gl: pool data holds ${states.length} values, this pool needs ${want}`);
      session!.regimen.trainer.rt.upload(pool.texture, N.layout.packCells(pool.atlas, states));
    },
  });
}
