/**
 * A training regimen: a Trainer plus what decides each iteration's start and length.
 *   article regimen (persistence / growth / healing): the start is the target perturbed by the
 *     curriculum's current level; the rollout is the curriculum's length; the loss after each
 *     iteration may raise the level.
 *     With a pool (preset `pool` > 0), the batch is drawn from it instead: its `fresh` worst grids
 *     restart from that perturbed target, its `damage` best get the perturbation on top, and the
 *     final states go back to the pool (pool.ts, drawFresh). Preset `replace: 'random'` picks the
 *     restarted and damaged grids by their place in the (random) draw instead of by loss, with
 *     either regimen's pool.
 *   Distill regimen (growing / regenerating): the start is the seed, or a batch from the pool.
 *
 *   const r = createRegimen(canvas, { task: 'growth', target });   // target: loadTarget(...) result
 *   for (let i = 0; i < 1000; i++) { const { loss, level } = await r.step(); }
 */
import type { AtlasOrder, ParamStorage } from '../gl/runtime';
import { check, checkInt, describe, NcaGlError } from '../errors';
import type { ContextTarget } from '../gl/context';
import { type GpuTexture, Runtime } from '../gl/runtime';
import { atlasTexture, packCells } from '../engine/layout';
import type { Weights } from '../engine/model';
import { Curriculum, type CurriculumState } from '../tasks/curriculum';
import type { TargetLike } from './options';
import type { Perturbation } from '../tasks/perturb';
import { targetState } from '../tasks/start';
import { PerturbPass } from './perturb';
import { Pool, type RankBy } from './pool';
import { type Preset, preset, REPLACE_MODES, type Task } from '../tasks/presets';
import { Trainer, type TrainerState } from './trainer';
import { prerollLength } from '../engine/hash';
import { checkTrainingBudget, type TrainShape } from './budget';
import { checkPreroll, resolveMemoryBudget } from '../engine/budget';

export interface RegimenOptions extends Partial<Omit<Preset, 'task' | 'description' | 'regimen'>> {
  task: Task;
  /** W×H premultiplied RGBA at the preset's (or the given) grid size, e.g. from loadTarget. */
  target: TargetLike | Float32Array;
  seed?: number;
  /** Update probability and mask granularity (the rule's defaults otherwise). */
  rate?: number;
  perCell?: boolean;
  /** Growing rule: with an output bias b1 (see TrainerOptions.outputBias). */
  outputBias?: boolean;
  weights?: Weights;
  /** Store every k-th state during backprop (see TrainerOptions.checkpointEvery). */
  checkpointEvery?: number;
  debug?: boolean;
  /** Where the MLP passes read their weights (TrainerOptions.paramStorage). */
  paramStorage?: ParamStorage | 'auto';
  /** How the batch is laid out in textures (TrainerOptions.atlasOrder). */
  atlasOrder?: AtlasOrder | 'auto';
  /** Spread small atlases over the renderer's thread squares (TrainerOptions.rasterTile). */
  rasterTile?: number | 'auto';
  /** GPU memory the regimen (trainer and pool) may take, in bytes (default 1 GiB; engine/budget.ts). */
  memoryBudget?: number;
}

export interface StepReport {
  iteration: number;
  loss: number;
  /** Curriculum level (article regimen), else 0. */
  level: number;
  /** Rollout length of the iteration. */
  steps: number;
  /** True when the curriculum moved up after this iteration. */
  advanced: boolean;
  /** Forward steps run without gradient before the rollout (preset `preroll`), else 0. */
  preroll: number;
}

export interface RegimenState {
  trainer: TrainerState;
  curriculum: CurriculumState | null;
}

export class Regimen {
  readonly preset: Preset;
  readonly trainer: Trainer;
  readonly curriculum: Curriculum | null;
  readonly pool: Pool | null;
  private readonly perturb: PerturbPass | null;
  private readonly targetStates: GpuTexture | null;
  /** Article tasks with a pool: the fresh starts of the iteration (the target perturbed). */
  private readonly freshStates: GpuTexture | null = null;

  constructor(target: ContextTarget | Runtime, opts: RegimenOptions) {
    check(typeof opts === 'object' && opts !== null, `createRegimen needs options {task, target, ...}, got ${describe(opts)}`);
    const base = preset(opts.task);
    const p: Preset = { ...base };
    for (const k of Object.keys(opts) as (keyof RegimenOptions)[]) {
      if (k in base && k !== 'task' && opts[k] !== undefined) (p as unknown as Record<string, unknown>)[k] = opts[k];
    }
    if (opts.curriculum) p.curriculum = opts.curriculum;
    this.preset = p;
    checkPreroll(p.preroll);
    check(REPLACE_MODES.includes(p.replace), `replace must be one of ${REPLACE_MODES.join(', ')}, got ${describe(p.replace)}`);
    const maxSteps = p.regimen === 'article' ? Math.max(p.curriculum!.steps.start, p.curriculum!.steps.limit) : p.steps[1];
    const budget = resolveMemoryBudget(opts.memoryBudget);
    const shape: TrainShape = {
      rule: p.rule, width: p.width, height: p.height, batch: p.batch, hidden: p.hidden, steps: maxSteps,
      checkpointEvery: opts.checkpointEvery ?? 0, pool: p.pool, targetStates: p.regimen === 'article',
    };
    checkTrainingBudget(shape, { budget });
    this.trainer = new Trainer(target, {
      rule: p.rule,
      hidden: p.hidden,
      rate: opts.rate,
      perCell: opts.perCell,
      outputBias: opts.outputBias,
      width: p.width,
      height: p.height,
      batch: p.batch,
      seed: opts.seed ?? 0,
      target: opts.target,
      steps: p.regimen === 'article' ? maxSteps : p.steps,
      lossSteps: p.lossSteps,
      loss: p.loss,
      weightDecay: p.weightDecay,
      normalizeGrads: p.normalizeGrads,
      lr: p.lr,
      checkpointEvery: opts.checkpointEvery ?? 0,
      weights: opts.weights,
      debug: opts.debug,
      paramStorage: opts.paramStorage,
      atlasOrder: opts.atlasOrder,
      rasterTile: opts.rasterTile,
      memoryBudget: budget,
    });
    const rt = this.trainer.rt;
    try {
      checkTrainingBudget({ ...shape, place: rt.placement }, { budget, limits: rt.caps });
      const a = this.trainer.atlas;
      if (p.regimen === 'article') {
        if (!p.curriculum) throw new NcaGlError('bad-argument', `task '${p.task}' needs a curriculum`);
        this.curriculum = new Curriculum(p.curriculum);
        this.perturb = new PerturbPass(rt, a);
        this.targetStates = atlasTexture(rt, a, 4, 'rgba32f', 'target states');
        const rgba = opts.target instanceof Float32Array ? opts.target : Float32Array.from(opts.target.rgba);
        rt.upload(this.targetStates, packCells(a, targetState(rgba, p.batch, p.width, p.height)));
        if (p.pool > 0) {
          checkInt('fresh', p.fresh, 1, p.batch);
          checkInt('damage', p.damage, 0, p.batch - p.fresh);
          if (p.cuts) throw new NcaGlError('bad-argument', `cuts (half-plane damage) is for Distill's tasks; task '${p.task}' damages with its own perturbation`);
          this.freshStates = atlasTexture(rt, a, 4, 'rgba32f', 'fresh starts');
          this.pool = new Pool(rt, a, checkInt('pool', p.pool, p.batch, 1 << 16), 'rgba16f', this.targetStates);
        } else this.pool = null;
      } else {
        this.curriculum = null;
        this.perturb = null;
        this.targetStates = null;
        this.pool = p.pool > 0 ? new Pool(rt, a, checkInt('pool', p.pool, p.batch, 1 << 16)) : null;
        checkInt('damage', p.damage, 0, p.batch - 1);
        checkInt('cuts', p.cuts, 0, p.damage);
      }
    } catch (e) {
      this.trainer.dispose();
      throw e;
    }
  }

  get iteration(): number {
    return this.trainer.iteration;
  }
  get task(): Task {
    return this.preset.task;
  }

  /** The perturbation of the next iteration's start (article regimen). */
  perturbation(): Perturbation | null {
    return this.curriculum?.perturbation() ?? null;
  }

  /**
   * What the pool ranks its drawn grids by: their losses ('worst'), or nothing ('random': the
   * drawn order; grid 0 is restarted first, the last grids damaged).
   */
  private rankBy(): RankBy | null {
    const t = this.trainer;
    return this.preset.replace === 'random' ? null : (state, out) => t.stateLosses(state, out);
  }

  /** Queues the next iteration's start state and passes; returns its rollout length and preroll. */
  private enqueue(): { steps: number; preroll: number } {
    const t = this.trainer;
    const it = t.iteration;
    const seed = t.opts.seed;
    const preroll = prerollLength(this.preset.preroll, seed, it);
    // with a pool the preroll ages the drawn pool states before they are ranked, so fresh starts,
    // seeds and damage still run the whole rollout from where they begin; without one, the start
    const age = preroll ? (batch: GpuTexture) => t.preroll(batch, preroll) : undefined;
    if (this.curriculum) {
      const perturbation = this.curriculum.perturbation();
      const steps = this.curriculum.state.steps;
      if (!this.pool) {
        this.perturb!.run(this.targetStates!, t.startTexture, perturbation, seed, it);
        t.enqueueIteration({ steps, preroll });
        return { steps, preroll };
      }
      this.perturb!.run(this.targetStates!, this.freshStates!, perturbation, seed, it);
      const { fresh, damage } = this.preset;
      this.pool.drawFresh(t.startTexture, seed, it, { fresh, damage, freshStates: this.freshStates!, perturbation, rankBy: this.rankBy(), age });
      t.enqueueIteration({ steps });
      this.pool.writeBack(t.finalStateTexture);
      return { steps, preroll };
    }
    if (this.pool) {
      this.pool.draw(t.startTexture, seed, it, { damage: this.preset.damage, cuts: this.preset.cuts }, this.rankBy(), age);
      t.enqueueIteration();
      this.pool.writeBack(t.finalStateTexture);
    } else {
      if (preroll) t.setStart('seed'); // the last preroll ran in place
      t.enqueueIteration({ preroll });
    }
    return { steps: t.lastSteps, preroll };
  }

  /** One iteration; resolves with its loss, and for the article regimen feeds the curriculum. */
  async step(): Promise<StepReport> {
    const iteration = this.trainer.iteration;
    const { steps, preroll } = this.enqueue();
    const loss = await this.trainer.readLoss();
    const advanced = this.curriculum ? this.curriculum.update(loss, iteration) : false;
    return { iteration, loss, level: this.curriculum?.state.level ?? 0, steps, advanced, preroll };
  }

  /**
   * `n` iterations. The article regimen reads every loss (the curriculum needs it); the Distill
   * regimen queues them back to back and reads only the last.
   */
  async run(n: number, onStep?: (r: StepReport) => void): Promise<StepReport> {
    checkInt('n', n, 1, 1 << 30);
    let last: StepReport | null = null;
    if (this.curriculum || onStep) {
      for (let i = 0; i < n; i++) {
        last = await this.step();
        onStep?.(last);
      }
      return last!;
    }
    for (let i = 0; i < n - 1; i++) this.enqueue();
    return this.step();
  }

  saveState(): RegimenState {
    return { trainer: this.trainer.saveState(), curriculum: this.curriculum ? { ...this.curriculum.state } : null };
  }

  /**
   * Restores weights, optimiser, counters and curriculum. A pool is not part of the saved state:
   * it restarts from seeds (Distill's pool is a training aid, rebuilt within a few hundred iterations).
   */
  restoreState(s: RegimenState): void {
    this.trainer.restoreState(s.trainer);
    if (this.curriculum && s.curriculum) this.curriculum.state = Curriculum.checkState(s.curriculum);
  }

  dispose(): void {
    this.pool?.dispose();
    if (this.targetStates) this.trainer.rt.free(this.targetStates);
    if (this.freshStates) this.trainer.rt.free(this.freshStates);
    this.trainer.dispose();
  }
}

export function createRegimen(target: ContextTarget, opts: RegimenOptions): Regimen {
  return new Regimen(target, opts);
}
