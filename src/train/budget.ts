/**
 * The trainer's side of the resource budget (engine/budget.ts): the bytes a Trainer (and a Distill
 * pool) allocates, mirrored from trainer.ts, states.ts, backward.ts, loss.ts and pool.ts, and the
 * check run before any of it is allocated — by createTrainer, and by the CLI before it starts a
 * browser.
 */
import {
  atlasSize,
  checkCount,
  checkLayers,
  checkMemory,
  checkTextureLimits,
  DEFAULT_MEMORY_BUDGET,
  type DeviceLimits,
  type Factor,
  type FieldNames,
  MAX_BATCH,
  MAX_GRID_SIDE,
  MAX_POOL,
  MAX_ROLLOUT,
  OPTION_NAMES,
  paramBytes,
  shapeFactors,
} from '../engine/budget';
import { MAX_HIDDEN, type Rule } from '../engine/model';
import { ruleSpec } from '../engine/rules';
import { paramLayout, type Placement } from '../engine/layout';
import { HPACK, hiddenQuadsEven, PACK, partialLayout } from './backward';

export interface TrainShape {
  rule: Rule;
  width: number;
  height: number;
  batch: number;
  hidden: number;
  /** The longest rollout (the `steps` maximum). */
  steps: number;
  /** Store every k-th state (0 or 1: all). */
  checkpointEvery?: number;
  /** Distill pool states (0: none). */
  pool?: number;
  /** Article regimen: a batch of target states is kept on the GPU. */
  targetStates?: boolean;
  /** How the atlas is placed in textures (Runtime.placement); default rows, no row offset. */
  place?: Placement;
}

/** Bytes a Trainer allocates (its textures, as Runtime.memoryBytes counts them). */
export function trainerBytes(s: TrainShape, maxTextureSize = MAX_GRID_SIDE): number {
  const a = atlasSize(s, maxTextureSize);
  const texels = a.atlasWidth * a.texHeight;
  const state = texels * 4 * 16;
  const every = (s.checkpointEvery ?? 0) > 1 ? s.checkpointEvery! : 0;
  const stored = every ? Math.floor(s.steps / every) + 1 + (every - 1) : s.steps + 1;
  const part = partialLayout(a, s.hidden, paramLayout(s.hidden).width, maxTextureSize);
  const packed = (pack: number, layers: number) => Math.ceil(a.atlasWidth / pack) * a.texHeight * layers * 16;
  return (
    7 * paramBytes(s.hidden) + // parameters, Adam m and v (two of each), gradient
    4 * 16 + // gradient norms
    s.width * s.height * 16 + // target
    stored * state + // rollout states
    (ruleSpec(s.rule).passes.storesAlive ? texels * s.steps : 0) + // alive masks (r8)
    packed(2, 8) + // forward update scratch
    2 * texels * 8 * 16 + // perception, output gradients
    packed(HPACK, 2 * hiddenQuadsEven(s.hidden) * HPACK) + // hidden gradients and activations
    packed(PACK, 12 * PACK) + // perception gradients
    2 * state + // state gradients
    2 * part.pairs * part.ph * part.chunks * 8 * 16 + // gradient partials
    2 * a.tilesX * a.atlasHeight * 16 + // loss rows
    (s.batch + 1) * 16 // losses
  );
}

/** Bytes a pool of `size` states allocates (RGBA16F storage, plus its batch buffers). */
export function poolBytes(s: TrainShape, size: number, maxTextureSize = MAX_GRID_SIDE, texelBytes = 8): number {
  const p = atlasSize({ ...s, batch: size, place: { order: s.place?.order } }, maxTextureSize);
  const b = atlasSize(s, maxTextureSize);
  return p.atlasWidth * p.atlasHeight * 4 * texelBytes + (3 * s.batch + 1) * 16 + b.atlasWidth * b.texHeight * 4 * 16;
}

/**
 * Bytes of a training regimen: trainer, pool, and the article regimen's target states (with a pool,
 * also its fresh starts and the pool's perturbed batch: two more float32 batches).
 */
export function regimenBytes(s: TrainShape, maxTextureSize = MAX_GRID_SIDE): number {
  const a = atlasSize(s, maxTextureSize);
  const batchBytes = a.atlasWidth * a.texHeight * 4 * 16;
  const article = s.targetStates ? batchBytes * (s.pool ? 3 : 1) : 0;
  return trainerBytes(s, maxTextureSize) + (s.pool ? poolBytes(s, s.pool, maxTextureSize) : 0) + article;
}

/**
 * The training budget: every count within its cap, the device's texture limits (when known), the
 * memory budget. `names` say how the caller spells each field. Returns the estimated bytes.
 */
export function checkTrainingBudget(s: TrainShape, o: { limits?: DeviceLimits | null; budget?: number; names?: FieldNames } = {}): number {
  const names = o.names ?? OPTION_NAMES;
  checkCount(names.width, s.width, 3, MAX_GRID_SIDE);
  checkCount(names.height, s.height, 3, MAX_GRID_SIDE);
  checkCount(names.batch, s.batch, 1, MAX_BATCH);
  checkCount(names.hidden, s.hidden, 4, MAX_HIDDEN);
  checkCount(names.steps ?? 'steps', s.steps, 1, MAX_ROLLOUT);
  if (s.pool) checkCount(names.pool ?? 'pool', s.pool, s.batch, MAX_POOL, `at least the batch, ${s.batch}`);
  const maxTex = o.limits?.maxTextureSize ?? MAX_GRID_SIDE;
  if (o.limits) {
    checkTextureLimits(s, o.limits, names);
    if (s.pool) checkTextureLimits({ ...s, batch: s.pool }, o.limits, { ...names, batch: names.pool ?? 'pool' });
    checkLayers(2 * hiddenQuadsEven(s.hidden) * HPACK, o.limits, names.hidden, s.hidden, 'backpropagation through the hidden layer');
    if (ruleSpec(s.rule).passes.storesAlive) checkLayers(s.steps, o.limits, names.steps ?? 'steps', s.steps, 'a rollout of that many steps (one alive mask per step)');
  }
  const factors: Factor[] = shapeFactors(s, names);
  factors.splice(1, 0, { key: 'steps', name: names.steps ?? 'steps', value: s.steps, min: 1 });
  if (s.pool) factors.splice(1, 0, { key: 'pool', name: names.pool ?? 'pool', value: s.pool, min: s.batch });
  const what = `training ${s.batch} grid${s.batch === 1 ? '' : 's'} of ${s.width}×${s.height}`;
  return checkMemory(
    what,
    factors,
    (v) => regimenBytes({ ...s, width: v.width!, height: v.height!, batch: v.batch!, hidden: v.hidden!, steps: v.steps!, pool: s.pool ? v.pool! : 0 }, maxTex),
    o.budget ?? DEFAULT_MEMORY_BUDGET,
    names.memoryBudget,
  );
}
