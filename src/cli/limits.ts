/**
 * The CLI's early checks, run before a browser starts: the resource budget of a training run or a
 * rendering (engine/budget.ts, train/budget.ts) with the names the user gave (flags, or model-file
 * fields), and the memory budget from NCA_GL_MEMORY_MIB.
 */
import { checkEngineBudget, checkRenderWork, DEFAULT_MEMORY_BUDGET, type FieldNames, MAX_MEMORY_BUDGET, MODEL_FIELD_NAMES } from '../engine/budget';
import { NcaGlError } from '../errors';
import type { ModelFile } from '../io/model-file';
import { checkTrainingBudget } from '../train/budget';
import { preset } from '../tasks/presets';
import type { TrainArgs } from './args';
import { InputError, UsageError } from './errors';
import type { TrainConfig } from './page';

/** The memory budget in bytes: NCA_GL_MEMORY_MIB (MiB) when set, else 1 GiB. */
export function memoryBudgetFromEnv(env: NodeJS.ProcessEnv): number {
  const v = env.NCA_GL_MEMORY_MIB;
  if (v === undefined || v === '') return DEFAULT_MEMORY_BUDGET;
  const n = /^\d+$/.test(v.trim()) ? Number(v) * 1024 * 1024 : NaN;
  if (!(n >= 1024 * 1024 && n <= MAX_MEMORY_BUDGET)) {
    throw new UsageError(`NCA_GL_MEMORY_MIB must be a whole number of MiB from 1 to ${MAX_MEMORY_BUDGET / 2 ** 20}, got '${v}'`);
  }
  return n;
}

const over = (e: unknown): e is NcaGlError => e instanceof NcaGlError && e.code === 'over-budget';

/**
 * The budget of a training run. `resumedFrom`: the checkpoint the settings came from (a refusal is
 * then about the file: exit 3), else the flags (exit 2).
 */
export function checkTrainBudget(c: TrainConfig, a: TrainArgs | null, env: NodeJS.ProcessEnv, resumedFrom: string | null): void {
  const p = preset(c.task);
  const steps = c.steps?.[1] ?? (p.curriculum ? Math.max(p.curriculum.steps.start, p.curriculum.steps.limit) : p.steps[1]);
  const flag = (name: string, alt?: string) => (a?.settings.includes(name) ? `--${name}` : alt && a?.settings.includes(alt) ? `--${alt}` : null);
  const names: FieldNames = resumedFrom
    ? { width: 'grid.width', height: 'grid.height', batch: 'resume.cli batch', hidden: 'rule.hidden', steps: 'resume.cli steps', pool: 'resume.cli pool', memoryBudget: 'NCA_GL_MEMORY_MIB' }
    : {
        width: flag('width', 'size') ?? `grid width (--size)`,
        height: flag('height', 'size') ?? `grid height (--size)`,
        batch: flag('batch') ?? 'batch (--batch)',
        hidden: flag('hidden') ?? 'hidden units (--hidden)',
        steps: `rollout steps of task '${c.task}'`,
        pool: flag('pool') ?? 'pool (--pool)',
        memoryBudget: 'NCA_GL_MEMORY_MIB',
      };
  try {
    checkTrainingBudget(
      { rule: p.rule, width: c.width, height: c.height, batch: c.batch, hidden: c.hidden, steps, pool: c.pool ?? 0, targetStates: p.regimen === 'article' },
      { budget: memoryBudgetFromEnv(env), names },
    );
  } catch (e) {
    if (!over(e)) throw e;
    const m = e.message.replace(/^nca-gl: /, '');
    if (resumedFrom) throw new InputError(`${resumedFrom} cannot be resumed: ${m}`, { cause: e });
    throw new UsageError(`train: ${m}`, 'train');
  }
}

/** The budget of rendering `model` for `steps` steps: its grid, and the work. Refusals are about the file (exit 3) unless the steps came from --steps. */
export function checkRenderBudget(path: string, model: ModelFile, steps: number, stepsFromFlag: boolean, env: NodeJS.ProcessEnv): void {
  const shape = { width: model.grid.width, height: model.grid.height, batch: 1, hidden: model.rule.hidden };
  try {
    checkEngineBudget(shape, { budget: memoryBudgetFromEnv(env), names: { ...MODEL_FIELD_NAMES, memoryBudget: 'NCA_GL_MEMORY_MIB' } });
    checkRenderWork(shape, steps, { ...MODEL_FIELD_NAMES, steps: stepsFromFlag ? '--steps' : 'steps (4 × the trained rollout length)' });
  } catch (e) {
    if (!over(e)) throw e;
    const m = e.message.replace(/^nca-gl: /, '');
    if (stepsFromFlag && /^'--steps'/.test(m)) throw new UsageError(`render: ${m}`, 'render');
    throw new InputError(`${path}: ${m}`, { cause: e });
  }
}
