/**
 * The resource budget: how much GPU memory and work a grid × batch × hidden × steps asks for,
 * checked against the device's limits (MAX_TEXTURE_SIZE, MAX_ARRAY_TEXTURE_LAYERS), a memory
 * budget the caller can raise, and fixed caps on every count a file or a flag can carry — before
 * anything is allocated or any loop starts. A refusal is an `over-budget` NcaGlError that names the
 * field (as the caller spells it: an option, a model-file field, a command-line flag), its value and
 * the limit; it never reaches the GPU.
 *
 * The estimates mirror the textures the engine (here) and the trainer (train/budget.ts) allocate,
 * byte for byte as Runtime.memoryBytes() counts them; the browser tests compare the two.
 */
import { check, describe, NcaGlError } from '../errors';
import { atlasTiles, type Placement } from './layout';
import { CHANNELS, MAX_HIDDEN, PERCEPTION } from './model';

/** GPU memory (textures) an engine or trainer may take unless the caller raises it: 1 GiB. */
export const DEFAULT_MEMORY_BUDGET = 1024 * 1024 * 1024;
/** The largest budget accepted (a guard against typos such as 1e30). */
export const MAX_MEMORY_BUDGET = 2 ** 46;
/** Grid side, any use. */
export const MAX_GRID_SIDE = 4096;
/** Rollout length of one training iteration (steps, curriculum.steps, Distill's step range). */
export const MAX_ROLLOUT = 1024;
/** Forward steps without gradient before one training rollout (the preroll; costs no memory). */
export const MAX_PREROLL = 4096;

/** A preroll length (Preset.preroll, Trainer.preroll): an even whole number from 0 to MAX_PREROLL. */
export function checkPreroll(steps: unknown): number {
  if (!(Number.isInteger(steps) && (steps as number) >= 0 && (steps as number) % 2 === 0 && (steps as number) <= MAX_PREROLL)) {
    throw new NcaGlError('bad-argument', `preroll must be an even whole number of steps from 0 to ${MAX_PREROLL} (0: none), got ${describe(steps)}`);
  }
  return steps as number;
}
/** Grids of a batch. */
export const MAX_BATCH = 1024;
/** States of a sample pool. */
export const MAX_POOL = 1 << 16;
/** Steps of one rendering (`nca-gl render --steps`, the steps a model file implies). */
export const MAX_RENDER_STEPS = 100_000;
/**
 * Work of one rendering: cells × steps × hidden units (multiply-adds are ~64 per unit). 2^40 is a
 * few minutes on a desktop GPU and a 1024² grid for ~8 000 steps at hidden 128.
 */
export const MAX_RENDER_WORK = 2 ** 40;

/** The device limits a budget is checked against (from readCapabilities). */
export interface DeviceLimits {
  maxTextureSize: number;
  maxArrayLayers: number;
}

/** The sizes an allocation depends on. */
export interface Shape {
  width: number;
  height: number;
  batch: number;
  hidden: number;
  /** How the atlas is placed in textures (Runtime.placement); default rows, no row offset. */
  place?: Placement;
}

/** How the caller names each size in messages ('grid.width', '--size', 'width', …). */
export type FieldNames = Record<'width' | 'height' | 'batch' | 'hidden', string> & { steps?: string; pool?: string; memoryBudget?: string };

/** Engine option names. */
export const OPTION_NAMES: FieldNames = { width: 'width', height: 'height', batch: 'batch', hidden: 'hidden', steps: 'steps', pool: 'pool', memoryBudget: 'memoryBudget' };
/** Model-file field names (the widget, `render`). */
export const MODEL_FIELD_NAMES: FieldNames = { width: 'grid.width', height: 'grid.height', batch: 'batch', hidden: 'rule.hidden', steps: 'steps', memoryBudget: 'memoryBudget' };

/** The option 'memoryBudget' (bytes), checked; the default when absent. */
export function resolveMemoryBudget(v: unknown, name = 'memoryBudget'): number {
  if (v === undefined) return DEFAULT_MEMORY_BUDGET;
  check(
    typeof v === 'number' && Number.isFinite(v) && v >= 1024 * 1024 && v <= MAX_MEMORY_BUDGET,
    `option '${name}' must be a number of bytes from 1 MiB to ${formatBytes(MAX_MEMORY_BUDGET)}, got ${describe(v)}`,
  );
  return Math.floor(v as number);
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${Number((n / 2 ** 30).toPrecision(3))} GiB`;
  if (n >= 2 ** 20) return `${Number((n / 2 ** 20).toPrecision(3))} MiB`;
  if (n >= 1024) return `${Number((n / 1024).toPrecision(3))} KiB`;
  return `${n} bytes`;
}

function over(message: string): NcaGlError {
  return new NcaGlError('over-budget', message);
}

/** Throws `over-budget` naming `name` unless `value` is an integer in [min, max]. */
export function checkCount(name: string, value: unknown, min: number, max: number, why = ''): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw over(`'${name}' is ${describe(value)}, outside the limit of ${min} … ${max}${why ? ` (${why})` : ''}`);
  }
  return value;
}

/** Texel layout of a batch of grids (layout.ts atlasTiles, which makeAtlas uses). */
export function atlasSize(s: Shape, maxTextureSize: number): ReturnType<typeof atlasTiles> {
  return atlasTiles(s.width, s.height, s.batch, maxTextureSize, s.place);
}

/** Bytes of the parameter texture of a model with `hidden` units (rgba32f). */
export function paramBytes(hidden: number): number {
  return Math.max(PERCEPTION + 1, hidden + 1) * (hidden / 4 + CHANNELS / 4) * 16;
}

/** Bytes an Engine allocates: parameters, two 4-layer states and the packed 8-layer update scratch. */
export function engineBytes(s: Shape, maxTextureSize = MAX_GRID_SIDE, texelBytes = 16): number {
  const a = atlasSize(s, maxTextureSize);
  const state = a.atlasWidth * a.texHeight * 4 * texelBytes;
  const scratch = Math.ceil(a.atlasWidth / 2) * a.texHeight * 8 * texelBytes;
  return paramBytes(s.hidden) + 2 * state + scratch;
}

/**
 * Checks that a batch of grids fits the device's textures: each side, and the atlas of the batch
 * (in the shape's atlas order, layout.ts atlasTiles), within MAX_TEXTURE_SIZE.
 */
export function checkTextureLimits(s: Shape, limits: DeviceLimits, names: FieldNames): void {
  const max = limits.maxTextureSize;
  if (s.width > max) throw over(`'${names.width}' is ${s.width}, over this device's texture limit of ${max} (MAX_TEXTURE_SIZE): use a smaller grid`);
  if (s.height > max) throw over(`'${names.height}' is ${s.height}, over this device's texture limit of ${max} (MAX_TEXTURE_SIZE): use a smaller grid`);
  const a = atlasSize(s, max);
  if (a.atlasWidth > max || a.texHeight > max) {
    const fits = Math.floor(max / s.width) * Math.floor(max / s.height);
    throw over(
      `'${names.batch}' is ${s.batch}: ${s.batch} grids of ${s.width}×${s.height} need a ${a.atlasWidth}×${a.texHeight} texture, over this device's limit of ${max} (MAX_TEXTURE_SIZE); at most ${fits} fit: use a smaller batch or grid`,
    );
  }
}

/** Throws unless `layers` fit MAX_ARRAY_TEXTURE_LAYERS; `name`/`value` is the field that sets them. */
export function checkLayers(layers: number, limits: DeviceLimits, name: string, value: number, what: string): void {
  if (layers > limits.maxArrayLayers) {
    throw over(`'${name}' is ${value}: ${what} needs a texture array of ${layers} layers, over this device's limit of ${limits.maxArrayLayers} (MAX_ARRAY_TEXTURE_LAYERS)`);
  }
}

/** A size the memory estimate depends on, with its name, value and smallest value. */
export interface Factor {
  key: string;
  name: string;
  value: number;
  min: number;
  /** Values must be multiples of this (hidden: 4). */
  multiple?: number;
}

/**
 * Throws `over-budget` when `bytes(values)` exceeds `budget`. The message names the first factor
 * (in the order given) that alone can bring the estimate within the budget, with the largest value
 * that fits; else every factor.
 */
export function checkMemory(what: string, factors: Factor[], bytes: (v: Record<string, number>) => number, budget: number, budgetName = 'memoryBudget'): number {
  const values = Object.fromEntries(factors.map((f) => [f.key, f.value]));
  const need = bytes(values);
  if (need <= budget) return need;
  // factors that share a name (width and height from one --size flag) move together
  const groups: Factor[][] = [];
  for (const f of factors) {
    const g = groups.find((x) => x[0]!.name === f.name);
    if (g) g.push(f);
    else groups.push([f]);
  }
  const shown = (g: Factor[]) => [...new Set(g.map((f) => f.value))].join('×');
  const all = groups.map((g) => `${g[0]!.name} ${shown(g)}`).join(', ');
  for (const g of groups) {
    const f = g[0]!;
    const m = f.multiple ?? 1;
    const fitsWith = (v: number) => bytes({ ...values, ...Object.fromEntries(g.map((x) => [x.key, Math.min(x.value, v * m)])) }) <= budget;
    let lo = Math.ceil(Math.max(...g.map((x) => x.min)) / m);
    let hi = Math.floor(Math.max(...g.map((x) => x.value)) / m) - 1;
    if (hi < lo || !fitsWith(lo)) continue;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi + 1) / 2);
      if (fitsWith(mid)) lo = mid;
      else hi = mid - 1;
    }
    throw over(
      `'${f.name}' is ${shown(g)}: ${what} (${all}) needs about ${formatBytes(need)} of GPU memory, over the budget of ${formatBytes(budget)}; ` +
        `'${f.name}' of at most ${lo * m} fits: make it smaller, or raise the budget ('${budgetName}')`,
    );
  }
  throw over(`${what} (${all}) needs about ${formatBytes(need)} of GPU memory, over the budget of ${formatBytes(budget)}: make these smaller, or raise the budget ('${budgetName}')`);
}

/** Standard factors of a Shape, in the order a refusal blames them. */
export function shapeFactors(s: Shape, names: FieldNames): Factor[] {
  return [
    { key: 'batch', name: names.batch, value: s.batch, min: 1 },
    { key: 'width', name: names.width, value: s.width, min: 1 },
    { key: 'height', name: names.height, value: s.height, min: 1 },
    { key: 'hidden', name: names.hidden, value: s.hidden, min: 4, multiple: 4 },
  ];
}

const asShape = (v: Record<string, number>): Shape => ({ width: v.width!, height: v.height!, batch: v.batch!, hidden: v.hidden! });

/**
 * The engine's budget: sizes within the fixed caps, the device's texture limits (when known) and the
 * memory budget. Returns the bytes the engine will allocate.
 */
export function checkEngineBudget(s: Shape, o: { limits?: DeviceLimits | null; budget?: number; texelBytes?: number; names?: FieldNames } = {}): number {
  const names = o.names ?? OPTION_NAMES;
  checkCount(names.width, s.width, 1, MAX_GRID_SIDE);
  checkCount(names.height, s.height, 1, MAX_GRID_SIDE);
  checkCount(names.batch, s.batch, 1, MAX_BATCH);
  checkCount(names.hidden, s.hidden, 4, MAX_HIDDEN);
  if (o.limits) checkTextureLimits(s, o.limits, names);
  const maxTex = o.limits?.maxTextureSize ?? MAX_GRID_SIDE;
  return checkMemory(
    s.batch > 1 ? `running ${s.batch} grids of ${s.width}×${s.height}` : `running a ${s.width}×${s.height} grid`,
    shapeFactors(s, names),
    (v) => engineBytes(asShape(v), maxTex, o.texelBytes ?? 16),
    o.budget ?? DEFAULT_MEMORY_BUDGET,
    names.memoryBudget,
  );
}

/** Caps the steps of one rendering and its work (cells × steps × hidden); names the steps field. */
export function checkRenderWork(s: Shape, steps: number, names: FieldNames = MODEL_FIELD_NAMES): void {
  const name = names.steps ?? 'steps';
  checkCount(name, steps, 0, MAX_RENDER_STEPS);
  const perStep = s.width * s.height * s.batch * s.hidden;
  if (steps * perStep > MAX_RENDER_WORK) {
    throw over(
      `'${name}' is ${steps}: ${steps} steps of a ${s.width}×${s.height} grid with ${s.hidden} hidden units is ${(steps * perStep).toExponential(2)} units of work, over the limit of 2^40; at most ${Math.floor(MAX_RENDER_WORK / perStep)} steps fit`,
    );
  }
}
