/**
 * The sample pool on the GPU: `size` states in one atlas texture array. Each iteration draws a
 * batch of distinct pool indices (from the hash, on the CPU: only the indices, never the states),
 * gathers those states as the batch's start, ranks them by loss on the GPU, and after training
 * writes the final states back (pool_write.frag). Nothing is read back. Two ways to refresh the
 * drawn batch:
 *   Distill (`draw`): the worst grid is replaced by the seed and the `damage` best lose a random
 *     disc (glsl/regimen/rank.frag, reseed.frag); the pool starts as seeds.
 *   article tasks (`drawFresh`): the `fresh` worst grids are replaced by fresh starts (the target
 *     perturbed at the curriculum's level) and the `damage` best get the task's perturbation at that
 *     level on top of what they hold (select.frag); the pool starts as the target. So the loss sees
 *     states that have already run many rollouts: what the model does long after T.
 *
 * Storage is RGBA16F by default (a pool of 1024 72×72 states is 170 MB instead of 340 MB); pool
 * states only seed later rollouts, which then run in float32.
 */
import { checkInt, NcaGlError } from '../errors';
import type { StorageFormat } from '../gl/context';
import type { GpuTexture, PassProgram, Runtime, Target, Uniforms } from '../gl/runtime';
import { cellKey, draw24, STREAM_BASE, unit } from '../engine/hash';
import { type Atlas, atlasTexel, atlasTexture, makeAtlas } from '../engine/layout';
import { seedState } from '../engine/model';
import { layoutUniforms, setLayers } from '../engine/step';
import { NO_PERTURBATION, type Perturbation } from '../tasks/perturb';
import { PerturbPass } from './perturb';

export const POOL_STREAM = STREAM_BASE + 48;

/** Writes each batch grid's loss into texel (b, 0) of `out` (Trainer.stateLosses), for the ranking. */
export type RankBy = (state: GpuTexture, out: GpuTexture) => void;

/** `n` distinct indices of [0, size), drawn by a hash-driven partial Fisher–Yates shuffle. */
export function samplePool(size: number, n: number, seed: number, iteration: number): number[] {
  const idx = new Map<number, number>();
  const get = (i: number) => idx.get(i) ?? i;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = i + (cellKey(seed, iteration, POOL_STREAM, 0, i) % (size - i));
    const vi = get(i);
    const vj = get(j);
    out.push(vj);
    idx.set(j, vi);
    idx.set(i, vj);
  }
  return out;
}

/** The stream of the Distill pool's damage discs (reseed.frag's u_stream). */
export const DAMAGE_STREAM = POOL_STREAM + 1;

/**
 * The disc that batch grid `b` loses when the Distill pool damages it at iteration `it` (CPU mirror
 * of glsl/regimen/reseed.frag): centre cell (x, y) uniform in the middle half of the grid (Distill's
 * centre, uniform in ±0.5 of a grid spanning ±1, so the disc hits the creature), radius
 * r = (0.1 + 0.3 u) · min(W, H) / 2 in float32; the cells with dx² + dy² < r² die.
 */
export function poolDamageDisc(seed: number, it: number, b: number, width: number, height: number): { x: number; y: number; r: number } {
  const key = cellKey(seed, it, DAMAGE_STREAM, b, 0);
  const x = Math.floor(width / 4) + (draw24(key, 0) % Math.max(1, Math.floor(width / 2)));
  const y = Math.floor(height / 4) + (draw24(key, 1) % Math.max(1, Math.floor(height / 2)));
  const f = Math.fround;
  const r = f(f(0.1 + f(0.3 * unit(draw24(key, 2)))) * f(Math.min(width, height) * 0.5));
  return { x, y, r };
}

/**
 * The half-plane that batch grid `b` loses when the Distill pool cuts it at iteration `it` (CPU
 * mirror of reseed.frag; Preset.cuts): direction (dx, dy), integers in −64 … 64 (not both 0: then
 * (1, 0)), and offset o in −q … q with q = ⌊min(W, H) / 4⌋. Cell (x, y) dies when u·dx + v·dy >
 * o·(|dx| + |dy|) in doubled coordinates u = 2x + 1 − W, v = 2y + 1 − H (cutDies): a straight line
 * at most about min(W, H)/8 · √2 cells from the centre, at a random angle.
 */
export function poolDamageCut(seed: number, it: number, b: number, width: number, height: number): { dx: number; dy: number; o: number } {
  const key = cellKey(seed, it, DAMAGE_STREAM, b, 0);
  let dx = (draw24(key, 3) % 129) - 64;
  const dy = (draw24(key, 4) % 129) - 64;
  if (dx === 0 && dy === 0) dx = 1;
  const q = Math.floor(Math.min(width, height) / 4);
  const o = (draw24(key, 5) % (2 * q + 1)) - q;
  return { dx, dy, o };
}

/** Whether cell (x, y) of a W×H grid dies under the half-plane cut `c` (poolDamageCut). */
export function cutDies(c: { dx: number; dy: number; o: number }, x: number, y: number, width: number, height: number): boolean {
  return (2 * x + 1 - width) * c.dx + (2 * y + 1 - height) * c.dy > c.o * (Math.abs(c.dx) + Math.abs(c.dy));
}

export class Pool {
  readonly atlas: Atlas;
  readonly texture: GpuTexture;
  private readonly indices: GpuTexture;
  private readonly ranks: GpuTexture;
  /** Ranks 0, 1, … B − 1: the grids in their drawn order (made on first use, by a draw without a ranking). */
  private drawOrder: GpuTexture | null = null;
  private readonly losses: GpuTexture;
  private readonly scratch: GpuTexture;
  private readonly perturb: PerturbPass;
  private readonly rank: PassProgram;
  private readonly reseed: PassProgram;
  private readonly write: PassProgram;
  private readonly u: Uniforms;
  private readonly t4: Target[] = [];
  /** Article tasks (with `fill`): the select pass and the perturbed copy of the batch. */
  private readonly select: PassProgram | null = null;
  private readonly damaged: GpuTexture | null = null;
  /** Pool indices of the batch drawn last. */
  drawn: number[] = [];

  /**
   * `fill`: a batch texture whose grid 0 every pool state starts as (article tasks: the target);
   * without it the pool starts as seeds (Distill).
   */
  constructor(
    private readonly rt: Runtime,
    readonly batchAtlas: Atlas,
    readonly size: number,
    format: StorageFormat = 'rgba16f',
    private readonly fill: GpuTexture | null = null,
  ) {
    checkInt('pool', size, batchAtlas.batch, 1 << 16);
    if (format === 'rgba16f' && !rt.caps.float16Render) format = 'rgba32f';
    this.atlas = makeAtlas(batchAtlas.width, batchAtlas.height, size, rt.caps.maxTextureSize, { order: rt.atlasOrder });
    this.texture = atlasTexture(rt, this.atlas, 4, format, `pool of ${size}`);
    this.indices = rt.texture(batchAtlas.batch, 1, 0, 'rgba32f', 'pool indices');
    this.ranks = rt.texture(batchAtlas.batch, 1, 0, 'rgba32f', 'batch ranks');
    this.losses = rt.texture(batchAtlas.batch + 1, 1, 0, 'rgba32f', 'batch start losses');
    this.scratch = atlasTexture(rt, batchAtlas, 4, 'rgba32f', 'pool batch');
    this.perturb = new PerturbPass(rt, batchAtlas);
    this.rank = rt.program('regimen/rank.frag');
    this.reseed = rt.program('regimen/reseed.frag');
    this.write = rt.program('regimen/pool_write.frag');
    this.u = { ...layoutUniforms(batchAtlas) };
    if (fill) {
      this.select = rt.program('regimen/select.frag');
      this.damaged = atlasTexture(rt, batchAtlas, 4, 'rgba32f', 'pool batch damaged');
    }
    this.reset();
  }

  /** Every pool state back to its start: the fill state, or the seed. */
  reset(): void {
    if (this.fill) this.fillWith(this.fill);
    else this.fillWithSeeds();
  }

  /** Every pool state becomes grid 0 of the batch texture `src`. */
  fillWith(src: GpuTexture): void {
    this.writeSlots(src, Array.from({ length: this.size }, (_, slot) => [0, slot]));
  }

  /** Every pool state becomes the seed (engine/model.ts seedState: its centre cell on a zero grid). */
  fillWithSeeds(): void {
    const a = this.atlas;
    this.rt.clear(this.texture);
    const cell = seedState(1, 1, 1); // the seed's live cell: a 1×1 grid is only its centre
    const gl = this.rt.gl;
    gl.bindTexture(gl.TEXTURE_2D_ARRAY, this.texture.texture);
    for (let b = 0; b < a.batch; b++) {
      const [x, y] = atlasTexel(a, b, Math.floor(a.width / 2), Math.floor(a.height / 2));
      for (let q = 0; q < 4; q++) {
        const data = cell.subarray(4 * q, 4 * q + 4);
        gl.texSubImage3D(gl.TEXTURE_2D_ARRAY, 0, x, y, q, 1, 1, 1, gl.RGBA, gl.FLOAT, data);
      }
    }
    gl.bindTexture(gl.TEXTURE_2D_ARRAY, null);
    this.rt.written(this.texture);
  }

  /**
   * Draws the batch's pool indices for iteration `it`, gathers those states into the scratch batch,
   * lets `age` run the model on them in place (a preroll), and returns their ranks (0 = the highest
   * loss) by the losses `rankBy` writes; with `rankBy` null, the drawn order (the draw is random:
   * preset `replace: 'random'`), with no loss or rank pass.
   */
  private gatherRanked(seed: number, it: number, rankBy: RankBy | null, age?: (batch: GpuTexture) => void): GpuTexture {
    const B = this.batchAtlas.batch;
    this.drawn = samplePool(this.size, B, seed, it);
    const idx = new Float32Array(B * 4);
    this.drawn.forEach((v, i) => (idx[i * 4] = v));
    this.rt.upload(this.indices, idx);
    this.perturb.run(this.texture, this.scratch, NO_PERTURBATION, seed, it, { tiles: this.indices, atlas: this.atlas });
    age?.(this.scratch);
    if (!rankBy) {
      if (!this.drawOrder) {
        this.drawOrder = this.rt.texture(B, 1, 0, 'rgba32f', 'batch draw order');
        this.rt.upload(this.drawOrder, Float32Array.from({ length: B * 4 }, (_, i) => (i % 4 === 0 ? i / 4 : 0)));
      }
      return this.drawOrder;
    }
    rankBy(this.scratch, this.losses);
    this.u.u_losses = this.losses;
    this.rt.run(this.rank, { targets: [{ tex: this.ranks }], uniforms: this.u });
    return this.ranks;
  }

  /**
   * Draws a batch for iteration `it` into `start`: gather, `age` (optional: a preroll on the
   * gathered states), rank by `losses` (filled by the callback; null: the drawn order), reseed the
   * worst, damage the `damage` best: the `cuts` best of those lose a half-plane, the others a disc.
   */
  draw(start: GpuTexture, seed: number, it: number, o: { damage: number; cuts?: number }, rankBy: RankBy | null, age?: (batch: GpuTexture) => void): void {
    const B = this.batchAtlas.batch;
    const { damage, cuts = 0 } = o;
    if (damage < 0 || damage >= B) throw new NcaGlError('bad-argument', `pool damage must be from 0 to batch − 1 (${B - 1}), got ${damage}`);
    checkInt('pool cuts', cuts, 0, damage);
    const ranks = this.gatherRanked(seed, it, rankBy, age);
    const u = this.u;
    u.u_src = this.scratch;
    u.u_rank = ranks;
    u.u_damage = damage;
    u.u_cuts = cuts;
    u.u_seed = seed >>> 0;
    u.u_iteration = it >>> 0;
    u.u_stream = DAMAGE_STREAM;
    this.rt.run(this.reseed, { targets: setLayers(this.t4, start), uniforms: u });
  }

  /**
   * Draws a batch for iteration `it` into `start` (article tasks): gather, `age` (optional: a
   * preroll on the gathered states), rank by `rankBy` (null: the drawn order), the
   * `fresh` worst grids take the same grid of `freshStates`, the `damage` best get `perturbation`
   * (drawn from the hash of seed and iteration) on top of their pool state, the rest pass through.
   */
  drawFresh(
    start: GpuTexture,
    seed: number,
    it: number,
    o: { fresh: number; damage: number; freshStates: GpuTexture; perturbation: Perturbation; rankBy: RankBy | null; age?: (batch: GpuTexture) => void },
  ): void {
    const B = this.batchAtlas.batch;
    checkInt('pool fresh', o.fresh, 0, B);
    checkInt('pool damage', o.damage, 0, B - o.fresh);
    if (!this.select || !this.damaged) throw new NcaGlError('bad-argument', 'drawFresh needs a pool made with a fill state (article tasks)');
    const ranks = this.gatherRanked(seed, it, o.rankBy, o.age);
    const u = this.u;
    if (o.damage > 0) this.perturb.run(this.scratch, this.damaged, o.perturbation, seed, it);
    u.u_src = this.scratch;
    u.u_freshStates = o.freshStates;
    u.u_damaged = this.damaged;
    u.u_rank = ranks;
    u.u_fresh = o.fresh;
    u.u_damage = o.damage;
    this.rt.run(this.select, { targets: setLayers(this.t4, start), uniforms: u });
  }

  /** Writes the batch's final states back to the pool slots they were drawn from. */
  writeBack(final: GpuTexture): void {
    this.writeSlots(final, this.drawn.map((slot, b) => [b, slot]));
  }

  /** For each [grid, slot]: pool slot ← that grid of the batch texture `src`. */
  private writeSlots(src: GpuTexture, pairs: [number, number][]): void {
    const a = this.atlas;
    const u = this.u;
    u.u_src = src;
    const targets = setLayers(this.t4, this.texture);
    for (const [grid, slot] of pairs) {
      const [x, y] = atlasTexel(a, slot, 0, 0);
      u.u_from = grid;
      u.u_tileOrigin = [x, y];
      this.rt.run(this.write, { targets, uniforms: u, viewport: [x, y, a.width, a.height] });
    }
  }

  /** Pool states as host arrays (for tests and inspection). Syncs. */
  read(): Float32Array {
    return this.rt.readAll(this.texture);
  }

  dispose(): void {
    for (const t of [this.texture, this.indices, this.ranks, this.drawOrder, this.losses, this.scratch]) this.rt.free(t);
    if (this.damaged) this.rt.free(this.damaged);
  }
}
