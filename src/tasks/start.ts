/**
 * Start states (the tasks layer): the state a task's grids start from — the seed, the target
 * itself (targetState), the target under a perturbation (startState) — and where a model starts
 * when it is shown: the target it learned (rebuilt from the thumbnail inside the model file) and the
 * start state of its task. The evaluation (train/evaluate.ts), the regimen's target states
 * (train/regimen.ts), the widget, the demo and the CLI's renderer all build their starts here.
 *
 *   start = 'auto'     the task decides (below); the default of the widget
 *           'seed'     one live centre cell (what Distill's growing models grow from)
 *           'target'   the target itself, hidden channels 0 (a persistence model holds it)
 *           'hardest'  the task's evaluation start: the curriculum's hardest perturbation
 *
 * 'auto' by task (training.task in the file):
 *   growing, regenerating, or no task / no target   the seed
 *   persistence   the target with additive noise σ = 0.1 (half the article's hardest, 0.2)
 *   growth        the target truncated to the disc its curriculum reached (the file's record), else
 *                 to a disc of radius max(6, min(W, H) / 5) cells — a small centre the model visibly
 *                 grows out of (the article's hardest radius is 6)
 *   healing       the target with 3 discs of radius 3 cells cut out (the article's hardest: 4)
 * "Mild, not the hardest": a widget should show the model doing what it does well. Where the file
 * records how far the model's curriculum got, the start is never harder than that level (growth
 * starts at that level: a larger disc than the one it trained on last is not a milder start).
 */
import { CHANNELS, seedState } from '../engine/model';
import { NcaGlError } from '../errors';
import type { ModelFile } from '../io/model-file';
import { targetFromRGBA } from '../io/target-pixels';
import { Curriculum } from './curriculum';
import { checkPerturbation, NO_PERTURBATION, type Perturbation, perturbReference } from './perturb';
import { preset, TASKS, type Task } from './presets';

export type StartKind = 'auto' | 'seed' | 'target' | 'hardest';
export const START_KINDS: readonly StartKind[] = ['auto', 'seed', 'target', 'hardest'];

/** Seed of the perturbation draws of shown starts: fixed, so a page looks the same on every load. */
export const START_SEED = 1;

/**
 * A state ([batch][y][x][16], row 0 at the top) whose RGBA is the target (premultiplied W×H RGBA)
 * and whose hidden channels are 0, for every grid: the target itself, or any image to start from.
 */
export function targetState(target: ArrayLike<number>, batch: number, width: number, height: number): Float32Array {
  const s = new Float32Array(batch * width * height * CHANNELS);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < width * height; i++) {
      for (let c = 0; c < 4; c++) s[(b * width * height + i) * CHANNELS + c] = target[i * 4 + c]!;
    }
  }
  return s;
}

/**
 * One grid of targetState: the state of the image `rgba` (premultiplied, W×H).
 * @deprecated Use `targetState(rgba, 1, width, height)`; kept so existing code still runs.
 */
export function imageState(rgba: ArrayLike<number>, width: number, height: number): Float32Array {
  return targetState(rgba, 1, width, height);
}

/**
 * The start state of `batch` grids: the seed (one live centre cell), or the target under the
 * perturbation `start`, each grid with its own draw (seeded by `seed`, iteration 0).
 */
export function startState(start: 'seed' | Perturbation, target: ArrayLike<number>, batch: number, width: number, height: number, seed: number): Float32Array {
  if (start === 'seed') return seedState(batch, width, height);
  return Float32Array.from(perturbReference(targetState(target, batch, width, height), batch, height, width, checkPerturbation(start), seed, 0));
}

/** The model's task when it names a known one. */
export function modelTask(model: ModelFile): Task | null {
  const t = model.training?.task;
  return typeof t === 'string' && (TASKS as readonly string[]).includes(t) ? (t as Task) : null;
}

/**
 * The model's target as premultiplied RGBA at its grid size ([y][x][4], row 0 at the top), from the
 * straight RGBA8 thumbnail in the file; null when the file has none. A thumbnail of another size
 * (grids over 128 cells are saved scaled down) is fitted back into the grid, aspect kept.
 */
export function modelTarget(model: ModelFile): Float32Array | null {
  const t = model.target;
  if (!t) return null;
  const { width: W, height: H } = model.grid;
  if (t.width === W && t.height === H) {
    const out = new Float32Array(W * H * 4);
    for (let i = 0; i < W * H * 4; i += 4) {
      const a = t.rgba[i + 3]! / 255;
      out[i] = (t.rgba[i]! / 255) * a;
      out[i + 1] = (t.rgba[i + 1]! / 255) * a;
      out[i + 2] = (t.rgba[i + 2]! / 255) * a;
      out[i + 3] = a;
    }
    return out;
  }
  try {
    return targetFromRGBA(t.rgba, t.width, t.height, { width: W, height: H, padding: 0, alpha: 'file' }).rgba;
  } catch (e) {
    if (e instanceof NcaGlError && e.code === 'bad-image') return null; // an empty thumbnail
    throw e;
  }
}

/** The curriculum's hardest perturbation for an article task (its evaluation start), else null. */
export function hardestPerturbation(task: Task | null): Perturbation | null {
  if (!task) return null;
  const p = preset(task);
  return p.curriculum ? new Curriculum(p.curriculum).hardest() : null;
}

/**
 * The mild start of an article task (see the header) on a W×H grid; null for the Distill tasks (the
 * seed). `reached` is the curriculum state saved with a model ({noise, radius (−1: none), ablation}).
 */
export function mildPerturbation(task: Task | null, width: number, height: number, reached?: Record<string, number>): Perturbation | null {
  const hardest = hardestPerturbation(task);
  if (!hardest) return null;
  const p: Perturbation = { ...NO_PERTURBATION };
  if (task === 'persistence') {
    p.noise = hardest.noise / 2;
    if (reached && Number.isFinite(reached.noise)) p.noise = Math.min(p.noise, reached.noise!);
  } else if (task === 'growth') {
    // The disc the model's curriculum reached, when the file records it (what `nca-gl render` starts
    // from too): a run that reached the top of its ladder trained on no other disc for its last
    // iterations, and a larger one is not easier for it (the pooled 48×48 heart overgrows from
    // radius 9.6 and holds from 6). Without a record, a disc of min(W, H) / 5, at least the hardest.
    const r = reached?.radius;
    if (r !== undefined && Number.isFinite(r)) p.radius = r < 0 ? Infinity : Math.max(hardest.radius, r);
    else p.radius = Math.max(hardest.radius, Math.min(width, height) / 5);
  } else if (task === 'healing') {
    p.circles = hardest.circles;
    p.ablation = (hardest.ablation * 3) / 4;
    if (reached && Number.isFinite(reached.ablation)) p.ablation = Math.min(p.ablation, reached.ablation!);
  }
  return p;
}

/**
 * The start state ([batch][y][x][16], row 0 at the top) of `kind` for a task and target (premultiplied
 * W×H RGBA, or null: then always the seed).
 */
export function taskStart(task: Task | null, target: Float32Array | null, width: number, height: number, kind: StartKind = 'auto', batch = 1, reached?: Record<string, number>): Float32Array {
  if (kind === 'seed' || !target) return startState('seed', new Float32Array(width * height * 4), batch, width, height, START_SEED);
  let p: Perturbation | null;
  if (kind === 'target') p = { ...NO_PERTURBATION };
  else if (kind === 'hardest') p = hardestPerturbation(task);
  else p = mildPerturbation(task, width, height, reached);
  return startState(p ?? 'seed', target, batch, width, height, START_SEED);
}

/** The start state of `kind` for this model (falls back to the seed when the file carries no target). */
export function modelStart(model: ModelFile, kind: StartKind = 'auto', batch = 1): Float32Array {
  return taskStart(modelTask(model), modelTarget(model), model.grid.width, model.grid.height, kind, batch, model.curriculum);
}

/** The name of the model's target when the file records one (the CLI saves the image's name), else null. */
export function modelTargetName(model: ModelFile): string | null {
  const n = model.resume?.image ?? model.training?.hyperparameters?.source;
  return typeof n === 'string' && n.trim() ? n.trim().slice(0, 100) : null;
}

/** A short accessible name for a model: its target's name, else what it is. */
export function modelLabel(model: ModelFile): string {
  const name = modelTargetName(model);
  if (name) return name;
  const task = modelTask(model);
  return `A neural cellular automaton${task ? ` (${task} model)` : ''}`;
}

/**
 * The rollout length the model was trained for: the largest number in its recorded `steps`
 * hyperparameter ("curriculum 2..16", "64..96"), else 32. What a still frame runs before it is shown.
 */
export function modelRollout(model: ModelFile): number {
  const s = model.training?.hyperparameters?.steps;
  const nums = typeof s === 'string' ? (s.match(/\d+/g) ?? []).map(Number) : typeof s === 'number' ? [s] : [];
  const n = Math.max(0, ...nums.filter((v) => Number.isFinite(v)));
  return n > 0 ? Math.min(n, 256) : 32;
}
