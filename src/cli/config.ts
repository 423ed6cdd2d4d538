/**
 * What `train` trains: the settings (TrainConfig) from the flags, or from a checkpoint when
 * resuming, and the image (a file or a shipped target).
 *
 * Quick defaults (no --full), sized for a laptop without a GPU: a 32×32 grid, hidden 32, lr 2e-3,
 * 500 iterations; article tasks keep their curriculum (the growth task's truncation radius starts at
 * the grid's half diagonal, since larger radii cut nothing); Distill tasks use batch 4, rollouts
 * scaled with the grid (28–43 steps at 32) and, for regenerating, a pool of 256 with 1 damaged sample.
 */
import { type Stats, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { ModelFile } from '../io/model-file';
import { crc32 } from '../io/model-file-crc';
import { MAX_IMAGE_FILE_BYTES } from '../io/image-header';
import { HYPER_LIMITS, hyperInt, hyperSteps, resumeIteration } from '../io/model-fields';
import { MAX_POOL, MAX_PREROLL, MAX_ROLLOUT } from '../engine/budget';
import { describe, NcaGlError } from '../errors';
import { MAX_ITERATIONS } from './args';
import { SHIPPED_TARGETS, shippedTargetNames } from '../io/shipped-targets';
import { TRAINING_DEFAULTS } from '../tasks/training-defaults';
import { isDistillTask, type Preset, preset, TASKS, type Task } from '../tasks/presets';
import { checkSchedule, type LrSchedule } from '../tasks/schedule';
import type { TrainArgs } from './args';
import { InputError, UsageError } from './errors';
import { readInputFile } from './input';
import { checkImageHeader, HEADER_BYTES } from '../io/image-header';
import { DEFAULT_MAX_INPUT_PIXELS } from '../io/target-pixels';
import type { ImageInput, TrainConfig } from './page';

export const QUICK = {
  size: 32, hidden: 32, lr: 2e-3, iterations: 500, batchDistill: 4, pool: 256, levels: 20, paceShare: 0.6, growthRule: 'growing',
  /**
   * The quick growth job (docs/regimen.md has the runs behind it): Distill's rule, 460 iterations
   * of batch 2 drawn from a pool of 32 (one fresh start, one pool state), the learning rate down to
   * 5e-4 for the last 20 % of the run: under 3 minutes on 2 cores without a GPU (2 min 38 s on
   * llvmpipe, 20.5 dB at T from the hardest start).
   */
  growth: { iterations: 460, batch: 2, pool: 32, lateShare: 0.8, lateLr: 5e-4 },
} as const;
/** Largest image file read (the loader also limits decoded pixels, and the header's size is checked first). */
export const MAX_IMAGE_BYTES = MAX_IMAGE_FILE_BYTES;

export function resolveConfig(a: TrainArgs): TrainConfig {
  const p = preset(a.task);
  const full = a.full;
  const distill = p.regimen === 'distill';
  const width = a.width ?? (full ? p.width : QUICK.size);
  const height = a.height ?? (full ? p.height : QUICK.size);
  const side = Math.min(width, height);
  const padding = a.padding ?? (full && width === p.width && height === p.height ? p.padding : Math.round((p.padding * side) / p.width));
  if (2 * padding >= side) throw new UsageError(`train: --padding ${padding} leaves no room for the image in a ${width}×${height} grid (it must be below ${Math.ceil(side / 2)})`, 'train');
  const quickGrowth = !full && a.task === 'growth';
  const G = QUICK.growth;
  const iterations = a.iterations ?? (full ? p.iterations : quickGrowth ? G.iterations : QUICK.iterations);
  const batch = a.batch ?? (full ? p.batch : distill ? QUICK.batchDistill : quickGrowth ? G.batch : 1);
  const lateLr = Math.max(1, Math.round(G.lateShare * iterations));
  const lr: LrSchedule = a.lr ?? (full || distill ? p.lr : quickGrowth ? { boundaries: [lateLr], values: [QUICK.lr, G.lateLr] } : QUICK.lr);
  const c: TrainConfig = {
    task: a.task,
    width,
    height,
    padding,
    hidden: a.hidden ?? (full ? p.hidden : QUICK.hidden),
    batch,
    lr,
    seed: a.seed ?? 1,
    iterations,
    full,
  };
  if (distill) {
    const scale = full ? 1 : side / p.width;
    c.steps = [Math.max(8, Math.round(p.steps[0] * scale)), Math.max(8, Math.round(p.steps[1] * scale))];
    // --steps N: the longest rollout; the shortest keeps the preset's share of it (Distill: 64 of 96)
    if (a.steps !== undefined) c.steps = [Math.max(1, Math.round((a.steps * p.steps[0]) / p.steps[1])), a.steps];
  } else if (a.steps !== undefined) {
    const first = p.curriculum!.steps.start;
    if (a.steps < first) throw new UsageError(`train: --steps ${a.steps} is shorter than the curriculum's first rollout (${first} steps)`, 'train');
    c.rollout = a.steps;
  }
  // the sample pool: --pool, else the preset's (regenerating; smaller in a quick run), else the quick growth job's
  const pool = a.pool ?? (p.pool > 0 ? (full ? p.pool : QUICK.pool) : quickGrowth && batch > 1 ? Math.max(G.pool, 16 * batch) : 0);
  if (pool > 0) {
    if (pool < batch) throw new UsageError(`train: --pool ${pool} is smaller than the batch (${batch})`, 'train');
    c.pool = pool;
    if (!distill) c.fresh = a.fresh ?? Math.min(p.fresh > 0 ? p.fresh : 1, batch);
    // the preset's damage (growing: none, Distill's experiment 2; regenerating: 3), at most 1 in a quick run
    c.damage = a.damage ?? presetDamage(p, full, batch, c.fresh);
    checkPoolSplit('train', 'the', batch, c.fresh, c.damage, distill);
  } else if (p.pool > 0) c.pool = 0; // --pool 0: none, where the preset has one
  if (!c.pool && (a.fresh !== undefined || a.damage !== undefined)) throw new UsageError(`train: --fresh and --damage need a sample pool (--pool <n>)`, 'train');
  if (distill && a.fresh !== undefined) throw new UsageError(`train: --fresh applies to growth, persistence and healing (Distill's tasks reseed one grid)`, 'train');
  if (a.cuts !== undefined) {
    checkCuts('train', c, a.cuts);
    if (a.cuts) c.cuts = a.cuts;
  }
  if (a.replace !== undefined && !c.pool) throw new UsageError(`train: --replace needs a sample pool (--pool <n>)`, 'train');
  if (a.replace === 'random') c.replace = 'random';
  if (a.preroll) c.preroll = a.preroll;
  // the update rule: the task's, or --rule; the quick growth job takes Distill's (docs/regimen.md:
  // the seed rule's perception cannot tell directions across the diagonal, and in a quick job it
  // grows a blob)
  const rule = a.rule ?? (!full && a.task === 'growth' ? QUICK.growthRule : p.rule);
  if (rule !== p.rule) {
    c.rule = rule;
    if (TRAINING_DEFAULTS[rule].normalizeGrads) c.normalizeGrads = true; // the rule's published regimen normalises
  }
  const radius = p.curriculum?.radius;
  if (!full && radius) c.radiusStart = Math.min(radius.start, side / 2);
  if (p.curriculum) {
    const levels = a.levels ?? (full ? undefined : QUICK.levels);
    const pace = a.pace ?? (full ? undefined : Math.round(QUICK.paceShare * c.iterations));
    if (levels) c.levels = levels; // 0: the article's ladder
    if (pace) c.pace = pace;
  } else if (a.levels !== undefined || a.pace !== undefined) throw new UsageError(`train: --levels and --pace apply to growth, persistence and healing (the tasks with a curriculum)`, 'train');
  return c;
}

function fail(what: string, m: string): never {
  throw new InputError(`${what} cannot be resumed: ${m}`);
}

/** Runs a model-field reader, turning its bad-model error into this file's InputError. */
function guard<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof NcaGlError) fail(what, e.message.replace(/^nca-gl: /, ''));
    throw e;
  }
}

/**
 * Cuts (half-plane damage) against a run's settings, as `train` checks them (a first run, and a
 * --resume that gives --cuts or lowers the damage under the checkpoint's): Distill's tasks with a
 * pool only, and the cut grids are some of the damaged ones. `named` says whose cuts: the flag, or
 * "<checkpoint>'s cuts".
 */
export function checkCuts(cmd: string, c: Pick<TrainConfig, 'task' | 'pool' | 'damage'>, cuts: number, named = `--cuts ${cuts}`): void {
  if (!isDistillTask(c.task)) throw new UsageError(`${cmd}: --cuts applies to growing and regenerating (Distill's pool damage); ${c.task} damages with its own perturbation`, 'train');
  if (!c.pool) throw new UsageError(`${cmd}: --cuts needs a sample pool (--pool <n>)`, 'train');
  const damage = c.damage ?? 0;
  if (cuts > damage) throw new UsageError(`${cmd}: ${named} is more than the damaged grids (${damage}): the cut grids are some of the damaged ones; raise --damage or give --cuts ${damage} or less`, 'train');
}

/** The preset's damaged grids per batch (at most 1 in a quick run), leaving room for the fresh start(s) or the seed. */
export function presetDamage(p: Preset, full: boolean, batch: number, fresh: number | undefined): number {
  return Math.max(0, Math.min(full ? p.damage : Math.min(p.damage, 1), batch - (fresh ?? 1)));
}

/**
 * The batch's split with a sample pool, as `train` checks it (a first run, and a --resume that
 * changes it): the fresh starts (article tasks) fit in the batch, and the damaged grids leave room
 * for them, or for Distill's reseeded grid. `whose` names the batch: 'the', or "<checkpoint>'s".
 */
export function checkPoolSplit(cmd: string, whose: string, batch: number, fresh: number | undefined, damage: number, distill: boolean): void {
  if (fresh !== undefined && fresh > batch) throw new UsageError(`${cmd}: --fresh ${fresh} is more than ${whose} batch (${batch})`, 'train');
  if (damage > batch - (fresh ?? 1)) {
    throw new UsageError(`${cmd}: --damage ${damage} leaves no grid of ${whose} batch (${batch}) for the ${distill ? 'seed' : `${fresh} fresh start(s)`}: lower --damage${distill ? '' : ' or --fresh'}`, 'train');
  }
}

/** The settings a checkpoint was trained with: resume.cli (written by `train`), else rebuilt from its hyperparameters. */
export function configFromModel(m: ModelFile, what: string): { config: TrainConfig; rebuilt: boolean } {
  const task = m.training?.task as Task;
  if (!TASKS.includes(task)) fail(what, `it names no training task (${String(m.training?.task)})`);
  if (!m.optimizer || !m.resume) fail(what, 'it holds no optimiser state (it was saved without it)');
  const cli = m.resume.cli;
  if (typeof cli === 'string') {
    let c: TrainConfig;
    try {
      c = JSON.parse(cli) as TrainConfig;
    } catch {
      return fail(what, 'its resume.cli record is not JSON');
    }
    const int = (v: unknown, lo: number, hi: number) => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
    const ok =
      typeof c === 'object' && c !== null && c.task === task && c.width === m.grid.width && c.height === m.grid.height && c.hidden === m.rule.hidden &&
      int(c.padding, 0, 4096) && int(c.batch, 1, 1024) && int(c.seed, 0, 0xffffffff) && int(c.iterations, 1, MAX_ITERATIONS) && typeof c.full === 'boolean';
    if (!ok) fail(what, 'its resume.cli record does not match the model');
    if ((c.rule ?? preset(task).rule) !== m.rule.rule) fail(what, `its resume.cli record names the ${c.rule ?? preset(task).rule} rule but the model is ${m.rule.rule}`);
    if (c.normalizeGrads !== undefined && typeof c.normalizeGrads !== 'boolean') fail(what, `'resume.cli' field 'normalizeGrads' must be true or false`);
    // the optional fields, each named when out of range
    const field = (k: string, v: unknown, lo: number, hi: number) => {
      if (v !== undefined && !int(v, lo, hi)) fail(what, `'resume.cli' field '${k}' must be an integer from ${lo} to ${hi}, got ${JSON.stringify(v)}`);
    };
    if (c.steps !== undefined) {
      if (!Array.isArray(c.steps) || c.steps.length !== 2) fail(what, `'resume.cli' field 'steps' must be [min, max], got ${JSON.stringify(c.steps)}`);
      field('steps[0]', c.steps[0], 1, MAX_ROLLOUT);
      field('steps[1]', c.steps[1], c.steps[0], MAX_ROLLOUT);
    }
    if (c.pool !== 0) field('pool', c.pool, c.batch, MAX_POOL);
    field('fresh', c.fresh, 1, c.batch);
    field('damage', c.damage, 0, c.batch - (c.fresh ?? 1));
    field('cuts', c.cuts, 0, c.damage ?? 0);
    field('preroll', c.preroll, 0, MAX_PREROLL);
    if (c.replace !== undefined && c.replace !== 'random') fail(what, `'resume.cli' field 'replace' must be "random" or absent, got ${JSON.stringify(c.replace)}`);
    if (c.preroll !== undefined && c.preroll % 2 !== 0) fail(what, `'resume.cli' field 'preroll' must be even, got ${c.preroll}`);
    field('levels', c.levels, 1, 100000);
    field('pace', c.pace, 0, MAX_ITERATIONS);
    field('rollout', c.rollout, 2, MAX_ROLLOUT);
    if (c.radiusStart !== undefined && !(typeof c.radiusStart === 'number' && c.radiusStart > 0 && c.radiusStart <= 1e6)) {
      fail(what, `'resume.cli' field 'radiusStart' must be a number above 0 and at most 1000000, got ${JSON.stringify(c.radiusStart)}`);
    }
    try {
      checkSchedule(c.lr);
    } catch {
      fail(what, 'its resume.cli record holds a bad learning rate');
    }
    return { config: c, rebuilt: false };
  }
  // a model from the library or the page: rebuild from the hyperparameters it records
  const h = m.training?.hyperparameters ?? {};
  const p = preset(task);
  // every field read is checked and named (io/model-fields.ts): a bad one is this file's fault, exit 3
  const num = (k: keyof typeof HYPER_LIMITS, d: number) => guard(what, () => hyperInt(m, k, HYPER_LIMITS[k][0], HYPER_LIMITS[k][1], d));
  let lr: LrSchedule = p.lr;
  try {
    if (typeof h.lr === 'string') lr = checkSchedule(JSON.parse(h.lr));
    else if (h.lr !== undefined) lr = checkSchedule(h.lr as number);
  } catch {
    fail(what, `'training.hyperparameters.lr' must be a learning rate or a schedule (JSON), got ${describe(h.lr)}`);
  }
  const seed = m.training?.seed ?? 0;
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) fail(what, `'training.seed' must be an integer from 0 to 4294967295 to resume, got ${seed}`);
  const done = guard(what, () => resumeIteration(m));
  const c: TrainConfig = {
    task,
    width: m.grid.width,
    height: m.grid.height,
    padding: num('padding', p.padding),
    hidden: m.rule.hidden,
    ...(m.rule.rule !== p.rule ? { rule: m.rule.rule } : {}),
    ...(typeof h.normalizeGrads === 'boolean' && h.normalizeGrads !== p.normalizeGrads ? { normalizeGrads: h.normalizeGrads } : {}),
    batch: num('batch', p.batch),
    lr,
    seed,
    iterations: Math.min(MAX_ITERATIONS, Math.max(done, p.iterations)),
    full: true,
  };
  if (h.padding !== undefined && 2 * c.padding >= Math.min(c.width, c.height)) fail(what, `'training.hyperparameters.padding' (${c.padding}) leaves no room for the image in a ${c.width}×${c.height} grid`);
  const s = guard(what, () => hyperSteps(m));
  if (p.regimen === 'distill') c.steps = s && !s.curriculum ? s.range : p.steps;
  else if (s?.curriculum && s.range[1] !== p.curriculum!.steps.limit) c.rollout = s.range[1]; // trained with another T

  c.pool = num('pool', p.pool);
  if (c.pool > 0 && c.pool < c.batch) fail(what, `'training.hyperparameters.pool' (${c.pool}) is smaller than the batch (${c.batch})`);
  if (c.pool > 0 && p.regimen === 'article') {
    c.fresh = num('fresh', Math.min(Math.max(p.fresh, 1), c.batch));
    if (c.fresh < 1 || c.fresh > c.batch) fail(what, `'training.hyperparameters.fresh' must be from 1 to the batch (${c.batch}), got ${c.fresh}`);
  }
  if (c.pool > 0 || p.regimen === 'distill') {
    c.damage = num('damage', p.damage);
    if (c.damage > c.batch - (c.fresh ?? 1)) fail(what, `'training.hyperparameters.damage' must be at most ${c.batch - (c.fresh ?? 1)} (batch ${c.batch}), got ${c.damage}`);
    const cuts = num('cuts', 0);
    if (cuts > c.damage) fail(what, `'training.hyperparameters.cuts' must be at most the damage (${c.damage}), got ${cuts}`);
    if (cuts) c.cuts = cuts;
  }
  const preroll = num('preroll', 0);
  if (preroll % 2 !== 0) fail(what, `'training.hyperparameters.preroll' must be even, got ${preroll}`);
  if (preroll) c.preroll = preroll;
  const replace = h.replace;
  if (replace !== undefined && replace !== 'worst' && replace !== 'random') fail(what, `'training.hyperparameters.replace' must be "worst" or "random", got ${describe(replace)}`);
  if (replace === 'random' && c.pool > 0) c.replace = 'random';
  return { config: c, rebuilt: true };
}

export interface ResolvedImage {
  input: ImageInput;
  /** CRC-32 of the image bytes (or of the shipped SVG), to check a resume uses the same image. */
  crc: number;
  /** For default file names: "lizard", "cat". */
  stem: string;
}

/** An image file, else a shipped target name; InputError when neither. */
export function resolveImage(arg: string): ResolvedImage {
  let st: Stats | null = null;
  try {
    st = statSync(arg);
  } catch {
    st = null;
  }
  const shipped = SHIPPED_TARGETS[arg as keyof typeof SHIPPED_TARGETS];
  // a file of that name wins over a shipped target; a directory, FIFO or device of that name does not
  if (st?.isFile() || (st && !shipped)) {
    const bytes = readInputFile(arg, 'image', MAX_IMAGE_BYTES);
    if (bytes.length === 0) throw new InputError(`image '${arg}' is empty (0 bytes)`);
    try {
      // the size its header declares, before the page decodes it (a PNG bomb is 'too large')
      checkImageHeader(bytes.subarray(0, HEADER_BYTES), DEFAULT_MAX_INPUT_PIXELS, `image '${arg}'`);
    } catch (e) {
      if (e instanceof NcaGlError) throw new InputError(e.message, { cause: e });
      throw e;
    }
    const stem = basename(arg, extname(arg)) || 'model';
    return { input: { name: basename(arg), b64: bytes.toString('base64') }, crc: crc32(bytes), stem };
  }
  if (!shipped) throw new InputError(`cannot read image '${arg}': no such file, and not a shipped target (${shippedTargetNames().join(', ')})`);
  return { input: { name: arg, svg: shipped.svg }, crc: crc32(Buffer.from(shipped.svg, 'utf8')), stem: arg };
}
