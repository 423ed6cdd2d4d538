/**
 * Checkpoints of the train command: reading one to resume (with the settings checks), and saving
 * one from the page — the model file, plus the pool file for a task with a sample pool — atomically, pool first.
 */
import { existsSync, rmSync } from 'node:fs';
import { decodeModel, encodeModel, MODEL_FILE_LIMITS, type ModelFile } from '../io/model-file';
import { widenModel } from '../io/widen';
import { readInputFile } from './input';
import { checkCurriculumRecord, resumeIteration, resumeLrScale } from '../io/model-fields';
import { NcaGlError } from '../errors';
import type { TrainArgs } from './args';
import { isDistillTask, preset } from '../tasks/presets';
import { type AtomicHooks, writeFileAtomic } from './atomic';
import type { Bridge } from './bridge';
import { checkCuts, checkPoolSplit, configFromModel, presetDamage, type ResolvedImage } from './config';
import { BrowserDied, InputError, UsageError } from './errors';
import type { TrainConfig } from './page';
import { decodePool, encodePool } from './pool-file';

/** Pool bytes per page call (base64 grows it by a third). */
const POOL_CHUNK = 8 * 1024 * 1024;

export interface Checkpoint {
  /** The model file, base64 (what a relaunched page starts from). */
  b64: string;
  iteration: number;
}

export function poolPathFor(out: string): string {
  return out.replace(/\.nca$/i, '') + '.pool';
}

/** Reads and validates a model file; InputError with the loader's message when it is bad. */
export function readModel(path: string): { bytes: Buffer; model: ModelFile } {
  const bytes = readInputFile(path, 'model file', MODEL_FILE_LIMITS.maxFileBytes);
  try {
    return { bytes, model: decodeModel(bytes) };
  } catch (e) {
    if (e instanceof NcaGlError) throw new InputError(`${path}: ${e.message.replace(/^nca-gl: /, '')}`, { cause: e });
    throw e;
  }
}

/** Flags that contradict the checkpoint's settings (a resumed run keeps its settings). */
export function conflicts(a: TrainArgs, c: TrainConfig): string[] {
  const out: string[] = [];
  const cmp = (flag: string, given: unknown, saved: unknown) => {
    if (a.settings.includes(flag) && JSON.stringify(given) !== JSON.stringify(saved)) out.push(`--${flag} (checkpoint: ${JSON.stringify(saved)})`);
  };
  // Distill's two tasks differ only in the pool's damage: one may become the other (resumePoolSplit)
  if (!switchesDistillTask(a, c)) cmp('task', a.task, c.task);
  cmp('rule', a.rule, c.rule ?? preset(c.task).rule);
  cmp('size', a.width, c.width);
  if (a.settings.includes('size') && a.height !== c.height && !out.some((s) => s.startsWith('--size'))) out.push(`--size (checkpoint: ${c.width}×${c.height})`);
  cmp('width', a.width, c.width);
  cmp('height', a.height, c.height);
  cmp('padding', a.padding, c.padding);
  // --hidden may grow on resume (resumeWiden); fewer units is a conflict
  if (!((a.hidden ?? 0) > c.hidden)) cmp('hidden', a.hidden, c.hidden);
  cmp('batch', a.batch, c.batch);
  cmp('seed', a.seed, c.seed);
  // 0 means "none" for these, as an absent setting does
  const none0 = (v: number | undefined) => v || undefined;
  cmp('pool', none0(a.pool), none0(c.pool));
  // --fresh and --damage may change on resume (resumePoolSplit): which grids restart, not the model
  cmp('levels', none0(a.levels), none0(c.levels));
  cmp('pace', none0(a.pace), none0(c.pace));
  if (a.settings.includes('steps')) {
    // Distill's tasks keep their range in steps; the article's their curriculum's last rollout
    const saved = c.steps?.[1] ?? c.rollout ?? preset(c.task).curriculum?.steps.limit;
    if (a.steps !== saved) out.push(`--steps (checkpoint: ${saved})`);
  }
  cmp('full', a.full, c.full);
  return out;
}

/**
 * --cuts on --resume (or a damage that changed under the checkpoint's cuts): how many of the damaged
 * grids lose a half-plane instead of a disc from there on (Distill's tasks with a pool; a fine-tune
 * like --damage). Call after resumePoolSplit. Returns `c` itself when nothing changes.
 */
export function resumeCuts(a: TrainArgs, c: TrainConfig, out: string): TrainConfig {
  const cuts = a.cuts ?? c.cuts ?? 0;
  if (a.cuts !== undefined || cuts > 0) checkCuts('train --resume', c, cuts, a.cuts !== undefined ? `--cuts ${cuts}` : `${out}'s cuts (${cuts})`);
  if (cuts === (c.cuts ?? 0)) return c;
  const { cuts: _, ...rest } = c;
  return cuts ? { ...rest, cuts } : rest;
}

/**
 * --fresh and --damage given on --resume: the pool's split of the batch changes from there on (a
 * fine-tune: how many grids restart from a fresh start, how many are damaged; the model's shape and
 * the pool stay). Checked as on a first run: a pool is needed, `fresh` is for the article's tasks,
 * and the fresh starts (or Distill's seed) and the damaged grids fit in the batch. The checkpoint's
 * settings themselves (the same object) when the split does not change.
 */
export function resumePoolSplit(a: TrainArgs, c: TrainConfig, out: string): TrainConfig {
  const task = switchesDistillTask(a, c) ? a.task : c.task;
  if (a.fresh === undefined && a.damage === undefined && task === c.task) return c;
  const given = [task !== c.task ? `--task ${task}` : '', a.fresh !== undefined ? `--fresh` : '', a.damage !== undefined ? `--damage` : ''].filter(Boolean).join(' and ');
  if (!c.pool) throw new UsageError(`train --resume: ${given} need${a.fresh === undefined && a.damage === undefined ? 's' : ''} a sample pool, and ${out} was trained without one`, 'train');
  const distill = preset(c.task).regimen === 'distill';
  if (distill && a.fresh !== undefined) throw new UsageError(`train --resume: --fresh applies to growth, persistence and healing (Distill's tasks reseed one grid)`, 'train');
  const fresh = distill ? undefined : (a.fresh ?? c.fresh ?? 1);
  // a new task brings its preset's damage (regenerating: 3, at most 1 in a quick run; growing: none)
  const damage = a.damage ?? (task !== c.task ? presetDamage(preset(task), !!c.full, c.batch, fresh) : (c.damage ?? 0));
  checkPoolSplit('train --resume', `${out}'s`, c.batch, fresh, damage, distill);
  if (task === c.task && fresh === c.fresh && damage === (c.damage ?? 0)) return c;
  return { ...c, task, ...(fresh !== undefined ? { fresh } : {}), damage };
}

/**
 * --task on --resume that turns a growing checkpoint into a regenerating one (or back): Distill's two
 * tasks share the rule, the seed start and the pool, and differ only in how many grids of the batch
 * are damaged, so the switch is a fine-tune (Distill trained experiment 3 the same way from scratch).
 */
export function switchesDistillTask(a: TrainArgs, c: TrainConfig): boolean {
  return a.settings.includes('task') && a.task !== c.task && isDistillTask(a.task) && isDistillTask(c.task);
}

/** The checkpoint to resume from, with its settings; checks the image and the flags against it. */
export function loadCheckpoint(a: TrainArgs, out: string, image: ResolvedImage): { checkpoint: Checkpoint; config: TrainConfig; rebuilt: boolean } {
  const { bytes, model } = readModel(out);
  const { config, rebuilt } = configFromModel(model, out);
  const bad = conflicts(a, config);
  if (bad.length) {
    throw new UsageError(`train --resume continues with the checkpoint's settings, but these flags differ: ${bad.join(', ')}; drop them, or start over without --resume (another --out)`, 'train');
  }
  const crc = model.resume?.imageCrc;
  if (typeof crc === 'number' && crc !== image.crc) {
    throw new UsageError(`train --resume: ${out} was trained on '${String(model.resume?.image ?? 'another image')}', not on '${image.input.name}' (the bytes differ): give the same image, or drop --resume`, 'train');
  }
  if (a.iterations !== undefined) config.iterations = a.iterations;
  let iteration: number;
  try {
    iteration = resumeIteration(model);
    resumeLrScale(model);
    if (model.curriculum) checkCurriculumRecord(model.curriculum);
  } catch (e) {
    throw new InputError(`${out} cannot be resumed: ${(e as Error).message.replace(/^nca-gl: /, '')}`, { cause: e });
  }
  const widened = resumeWiden(a, config, model, out);
  return { checkpoint: { b64: (widened ? Buffer.from(encodeModel(widened)) : bytes).toString('base64'), iteration }, config, rebuilt };
}

/**
 * --hidden on --resume with more units than the checkpoint: the model widened (widenModel: the new
 * units start silent, so the update is unchanged, and train from there; their input weights are
 * drawn from the run's seed), and `c.hidden` set to it. null when --hidden does not grow it.
 */
export function resumeWiden(a: TrainArgs, c: TrainConfig, model: ModelFile, out: string): ModelFile | null {
  if (!a.settings.includes('hidden') || a.hidden === undefined || a.hidden <= c.hidden) return null;
  try {
    const wide = widenModel(model, a.hidden, c.seed);
    c.hidden = a.hidden;
    return wide;
  } catch (e) {
    if (e instanceof NcaGlError) throw new UsageError(`train --resume --hidden ${a.hidden}: ${out}: ${e.message.replace(/^nca-gl: /, '')}`, 'train');
    throw e;
  }
}

/** Saves model (+ pool) from the page; returns the new in-memory checkpoint. */
export async function saveCheckpoint(
  bridge: Bridge,
  out: string,
  iteration: number,
  resume: Record<string, string | number | boolean>,
  withPool: boolean,
  c: TrainConfig,
  hooks: AtomicHooks = {},
): Promise<Checkpoint> {
  const b64 = await bridge.call('checkpoint', [resume]);
  if (withPool) {
    const info = await bridge.call('poolRead', [POOL_CHUNK]);
    const parts: Buffer[] = [];
    for (let i = 0; i < info.chunks; i++) parts.push(Buffer.from(await bridge.call('poolChunk', [i]), 'base64'));
    const data = Buffer.concat(parts);
    writeFileAtomic(poolPathFor(out), encodePool({ iteration, size: info.size, width: c.width, height: c.height, dtype: info.dtype, byteLength: data.length }, data), hooks);
  }
  writeFileAtomic(out, Buffer.from(b64, 'base64'), hooks);
  return { b64, iteration };
}

/** Sends the pool saved beside the checkpoint into the page; a message when it cannot (the pool then starts again: seeds, or the target). */
export async function restorePool(bridge: Bridge, out: string, iteration: number, c: TrainConfig): Promise<string | null> {
  const path = poolPathFor(out);
  // where a new pool starts (regimen.ts): Distill's tasks from seeds, the article tasks from the target
  const from = preset(c.task).regimen === 'distill' ? 'seeds' : 'the target';
  if (!existsSync(path)) return `no pool file ${path}: the pool restarts from ${from}, so the losses will differ from an uninterrupted run`;
  try {
    // bounded by the largest pool this run can have (float32 states) plus the header
    const { meta, data } = decodePool(readInputFile(path, 'pool file', (c.pool ?? 0) * c.width * c.height * 16 * 4 + (1 << 20)), path);
    if (meta.iteration !== iteration) return `${path} is from iteration ${meta.iteration}, the checkpoint from ${iteration}: the pool restarts from ${from}`;
    if (meta.width !== c.width || meta.height !== c.height || meta.size !== c.pool) return `${path} does not fit this model (size or grid): the pool restarts from ${from}`;
    for (let i = 0, k = 0; i < data.length; i += POOL_CHUNK, k++) await bridge.call('poolWrite', [k, Buffer.from(data.subarray(i, i + POOL_CHUNK)).toString('base64')]);
    await bridge.call('poolCommit', [meta.dtype, data.length]);
    return null;
  } catch (e) {
    if (e instanceof BrowserDied) throw e;
    return `${(e as Error).message.replace(/^nca-gl: /, '')}: the pool restarts from ${from}`;
  }
}

/** Removes a pool file left by an earlier run that this run does not continue. */
export function removeStalePool(out: string): void {
  rmSync(poolPathFor(out), { force: true });
}
