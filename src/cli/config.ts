/**
 * What `train` trains: the settings (TrainConfig) from the flags, or from a checkpoint when
 * resuming, and the image (a file or a shipped target).
 *
 * Quick defaults (no --full), sized for a laptop without a GPU: a 32×32 grid, hidden 32, lr 2e-3,
 * 500 iterations; article tasks keep their curriculum (the growth task's truncation radius starts at
 * the grid's half diagonal, since larger radii cut nothing); Distill tasks use batch 4, rollouts
 * scaled with the grid (28–43 steps at 32) and, for regenerating, a pool of 256 with 1 damaged sample.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { ModelFile } from '../io/model-file';
import { crc32 } from '../io/model-file-crc';
import { SHIPPED_TARGETS, shippedTargetNames } from '../io/shipped-targets';
import { preset, TASKS, type Task } from '../train/presets';
import { checkSchedule, type LrSchedule } from '../train/schedule';
import type { TrainArgs } from './args';
import { InputError, UsageError } from './errors';
import type { ImageInput, TrainConfig } from './page';

export const QUICK = { size: 32, hidden: 32, lr: 2e-3, iterations: 500, batchDistill: 4, pool: 256 } as const;
/** Largest image file read (the loader also limits decoded pixels). */
export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;

export function resolveConfig(a: TrainArgs): TrainConfig {
  const p = preset(a.task);
  const full = a.full;
  const distill = p.regimen === 'distill';
  const width = a.width ?? (full ? p.width : QUICK.size);
  const height = a.height ?? (full ? p.height : QUICK.size);
  const side = Math.min(width, height);
  const padding = a.padding ?? (full && width === p.width && height === p.height ? p.padding : Math.round((p.padding * side) / p.width));
  if (2 * padding >= side) throw new UsageError(`train: --padding ${padding} leaves no room for the image in a ${width}×${height} grid (it must be below ${Math.ceil(side / 2)})`, 'train');
  const batch = a.batch ?? (full ? p.batch : distill ? QUICK.batchDistill : 1);
  const lr: LrSchedule = a.lr ?? (full || distill ? p.lr : QUICK.lr);
  const c: TrainConfig = {
    task: a.task,
    width,
    height,
    padding,
    hidden: a.hidden ?? (full ? p.hidden : QUICK.hidden),
    batch,
    lr,
    seed: a.seed ?? 1,
    iterations: a.iterations ?? (full ? p.iterations : QUICK.iterations),
    full,
  };
  if (distill) {
    const scale = full ? 1 : side / p.width;
    c.steps = [Math.max(8, Math.round(p.steps[0] * scale)), Math.max(8, Math.round(p.steps[1] * scale))];
    if (p.pool > 0) {
      c.pool = a.pool ?? (full ? p.pool : QUICK.pool);
      if (c.pool < batch) throw new UsageError(`train: --pool ${c.pool} is smaller than the batch (${batch})`, 'train');
      c.damage = Math.min(full ? p.damage : 1, batch - 1);
    }
  }
  if (a.pool !== undefined && !c.pool) throw new UsageError(`train: --pool applies to --task regenerating only`, 'train');
  const radius = p.curriculum?.radius;
  if (!full && radius) c.radiusStart = Math.min(radius.start, side / 2);
  return c;
}

function fail(what: string, m: string): never {
  throw new InputError(`${what} cannot be resumed: ${m}`);
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
      int(c.padding, 0, 4096) && int(c.batch, 1, 1024) && int(c.seed, 0, 0xffffffff) && int(c.iterations, 1, 1e6) && typeof c.full === 'boolean';
    if (!ok) fail(what, 'its resume.cli record does not match the model');
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
  const num = (k: string, d: number) => (typeof h[k] === 'number' ? (h[k] as number) : d);
  let lr: LrSchedule = p.lr;
  try {
    if (typeof h.lr === 'string') lr = checkSchedule(JSON.parse(h.lr));
  } catch {
    fail(what, `its learning rate record ${JSON.stringify(h.lr)} is not readable`);
  }
  const c: TrainConfig = {
    task,
    width: m.grid.width,
    height: m.grid.height,
    padding: num('padding', p.padding),
    hidden: m.rule.hidden,
    batch: num('batch', p.batch),
    lr,
    seed: m.training?.seed ?? 0,
    iterations: Math.max(m.training?.iterations ?? 0, p.iterations),
    full: true,
  };
  if (p.regimen === 'distill') {
    const s = typeof h.steps === 'string' ? /^(\d+)\.\.(\d+)$/.exec(h.steps) : null;
    c.steps = s ? [Number(s[1]), Number(s[2])] : p.steps;
    c.pool = num('pool', p.pool);
    c.damage = num('damage', p.damage);
  }
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
  let isFile = false;
  try {
    isFile = statSync(arg).isFile();
  } catch {
    isFile = false;
  }
  if (isFile) {
    const size = statSync(arg).size;
    if (size > MAX_IMAGE_BYTES) throw new InputError(`image '${arg}' is ${size} bytes, over the ${MAX_IMAGE_BYTES}-byte limit: scale it down first`);
    if (size === 0) throw new InputError(`image '${arg}' is empty (0 bytes)`);
    let bytes: Buffer;
    try {
      bytes = readFileSync(arg);
    } catch (e) {
      throw new InputError(`cannot read image '${arg}': ${(e as Error).message}`);
    }
    const stem = basename(arg, extname(arg)) || 'model';
    return { input: { name: basename(arg), b64: bytes.toString('base64') }, crc: crc32(bytes), stem };
  }
  const shipped = SHIPPED_TARGETS[arg as keyof typeof SHIPPED_TARGETS];
  if (shipped) return { input: { name: arg, svg: shipped.svg }, crc: crc32(Buffer.from(shipped.svg, 'utf8')), stem: arg };
  throw new InputError(`cannot read image '${arg}': no such file, and not a shipped target (${shippedTargetNames().join(', ')})`);
}
