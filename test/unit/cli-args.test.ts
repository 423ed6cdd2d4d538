/**
 * The CLI's command line: flags, defaults, usage errors (exit 2 with the flag named and the usage
 * shown), help and version, and the exit codes of `main` for inputs that need no browser.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInfo, parseRender, parseTrain, USAGE } from '../../src/cli/args';
import { conflicts, resumeCuts, resumePoolSplit } from '../../src/cli/checkpoint';
import { configFromModel, QUICK, resolveConfig } from '../../src/cli/config';
import type { ModelFile } from '../../src/io/model-file';
import { adjustedCurriculum, PRESETS } from '../../src/tasks/presets';
import { Curriculum } from '../../src/tasks/curriculum';
import { EXIT, UsageError } from '../../src/cli/errors';
import { main } from '../../src/cli/main';
import { describeConfig, parseFaults } from '../../src/cli/train';

function capture() {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (s: string) => void (out += s) }, stderr: { write: (s: string) => void (err += s) }, env: {} },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}

function usageError(f: () => unknown): UsageError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('train flags', () => {
  it('parses every flag', () => {
    const a = parseTrain(['cat.png', '-t', 'healing', '--size', '40', '--hidden', '48', '--batch', '2', '-n', '300', '--lr', '1e-3', '--seed', '7', '--padding', '5', '-o', 'x.nca', '--picture', 'p.png', '--resume', '--checkpoint-every', '25', '--log-every', '3', '-q', '--webgl', 'swiftshader']);
    expect(a).toMatchObject({ image: 'cat.png', task: 'healing', width: 40, height: 40, hidden: 48, batch: 2, iterations: 300, lr: 1e-3, seed: 7, padding: 5, out: 'x.nca', picture: 'p.png', resume: true, checkpointEvery: 25, logEvery: 3, quiet: true, webgl: 'swiftshader' });
    expect(a.settings.sort()).toEqual(['batch', 'hidden', 'lr', 'padding', 'seed', 'size', 'task']);
  });

  it('reads the keep-best and figures flags (issue 15)', () => {
    expect(parseTrain(['lizard'])).toMatchObject({ eval: true, evalEvery: undefined, evalDraws: undefined });
    expect(parseTrain(['lizard', '--eval-every', '50', '--eval-draws', '4', '--no-eval'])).toMatchObject({ eval: false, evalEvery: 50, evalDraws: 4 });
    expect(parseTrain(['lizard', '--quality-draws', '16'])).toMatchObject({ eval: true, qualityDraws: 16 });
    // a resumed run may give the draws alone (the checkpoint has the interval)
    expect(parseTrain(['lizard', '--resume', '--eval-draws', '4']).evalDraws).toBe(4);
    expect(parseTrain(['lizard', '--eval-every', '7']).settings).toEqual([]);
  });

  it('reads a step learning-rate schedule', () => {
    const a = parseTrain(['pig', '--lr', '0.001,3000:0.0003,5000:1e-4']);
    expect(a.lr).toEqual({ boundaries: [3000, 5000], values: [0.001, 0.0003, 1e-4] });
    expect(resolveConfig(a).lr).toEqual(a.lr);
    expect(parseTrain(['pig', '--lr', '0.001']).lr).toBe(0.001);
  });

  it('has quick defaults that fit a small machine', () => {
    const a = parseTrain(['lizard']);
    expect(a).toMatchObject({ task: 'growth', resume: false, checkpointEvery: 100, quiet: false, full: false, settings: [] });
    const c = resolveConfig(a);
    expect(c).toMatchObject({ task: 'growth', width: 32, height: 32, padding: 3, hidden: 32, batch: 2, pool: 32, fresh: 1, damage: 0, lr: { boundaries: [368], values: [2e-3, 5e-4] }, seed: 1, iterations: 460, radiusStart: 16 });
    // the other article tasks: batch 1, no pool, a constant rate
    expect(resolveConfig(parseTrain(['pig', '-t', 'healing']))).toMatchObject({ batch: 1, lr: 2e-3 });
    expect(resolveConfig(parseTrain(['pig', '-t', 'healing'])).pool).toBeUndefined();
    const full = resolveConfig(parseTrain(['lizard', '--task', 'regenerating', '--full']));
    expect(full).toMatchObject({ width: 72, height: 72, padding: 16, hidden: 128, batch: 8, steps: [64, 96], pool: 1024, damage: 3, iterations: 8000 });
    const quickRegen = resolveConfig(parseTrain(['lizard', '--task', 'regenerating']));
    expect(quickRegen).toMatchObject({ width: 32, batch: 4, steps: [28, 43], pool: 256, damage: 1 });
    // growing with a pool is Distill's experiment 2: no damage unless asked for (it was 1, the regenerating default)
    expect(resolveConfig(parseTrain(['lizard', '-t', 'growing', '--pool', '64']))).toMatchObject({ pool: 64, damage: 0 });
    expect(resolveConfig(parseTrain(['lizard', '-t', 'growing', '--pool', '64', '--damage', '1']))).toMatchObject({ pool: 64, damage: 1 });
    expect(parseTrain(['x', '--no-picture']).picture).toBe(false);
  });

  it.each([
    [['lizard', '--bogus'], "unknown option '--bogus'"],
    [['lizard', '--eval-every', '0'], '--eval-every must be a whole number from 1 to 100000'],
    [['lizard', '--eval-every', '10', '--eval-draws', '65'], '--eval-draws must be a whole number from 1 to 64'],
    [['lizard', '--eval-draws', '4'], '--eval-draws sets keep-best\'s draws: give --eval-every too'],
    [['lizard', '--quality-draws', '4', '--no-eval'], 'give --quality-draws or --no-eval, not both'],
    [['lizard', '--task', 'swim'], '--task must be one of persistence, growth, healing, growing, regenerating'],
    [['lizard', '--size', '2'], '--size must be a whole number from 3 to 1024'],
    [['lizard', '--size', '3.5'], "got '3.5'"],
    [['lizard', '--hidden', '30'], '--hidden must be a multiple of 4'],
    [['lizard', '--lr=-1'], '--lr must be a number above 0'],
    [['lizard', '--lr', '-1'], '--lr is followed by something that looks like an option; write --lr=VALUE'],
    [['lizard', '--lr', 'fast'], "got 'fast'"],
    [['lizard', '--lr', '0.001,fast'], "--lr schedule parts after the first are ITERATION:RATE"],
    [['lizard', '--lr', '0.001,3000:0.0003,2000:0.0001'], "increasing iterations"],
    [['lizard', '--lr', '0.001,0:0.0003'], "got '0:0.0003'"],
    [['lizard', '--lr', '0.001,3000:0'], '--lr must be a number above 0'],
    [['lizard', '--iterations', '0'], '--iterations must be a whole number from 1 to 100000'],
    [['lizard', '--seed', '4294967296'], '--seed must be a whole number from 0 to 4294967295'],
    [['lizard', '--out', 'model.bin'], '--out must name a .nca file'],
    [['lizard', '--picture', 'p.jpg'], '--picture must name a .png file'],
    [['lizard', '--picture', 'p.png', '--no-picture'], 'not both'],
    [['lizard', '--size', '32', '--width', '40'], 'not both'],
    [['lizard', '--webgl', 'metal'], '--webgl must be one of auto, gpu, vulkan, egl, llvmpipe, swiftshader'],
    [['lizard', '--size'], "option '--size <value>' needs a value"],
    [[], 'missing the image'],
    [['a.png', 'b.png'], 'expected one image'],
  ])('train %j is a usage error', (argv, message) => {
    const e = usageError(() => parseTrain(argv));
    expect(e.message).toMatch(/^nca-gl: train: /);
    expect(e.message).toContain(message);
    expect(e.command).toBe('train');
  });

  it('sample pools: article tasks take --pool, --fresh and --damage; each is checked against the batch', () => {
    const c = resolveConfig(parseTrain(['pig', '-t', 'healing', '--batch', '4', '--pool', '64', '--fresh', '2', '--damage', '1']));
    expect(c).toMatchObject({ batch: 4, pool: 64, fresh: 2, damage: 1 });
    expect(resolveConfig(parseTrain(['pig', '-t', 'growth', '--batch', '4', '--pool', '48']))).toMatchObject({ pool: 48, fresh: 1, damage: 0 });
    expect(resolveConfig(parseTrain(['pig', '-t', 'growth', '--pool', '0'])).pool).toBeUndefined();
    // --pool 0 turns a preset's pool off
    expect(resolveConfig(parseTrain(['pig', '-t', 'regenerating', '--pool', '0'])).pool).toBe(0);
    const bad: [string[], string][] = [
      [['pig', '-t', 'healing', '--batch', '4', '--pool', '2'], '--pool 2 is smaller than the batch (4)'],
      [['pig', '-t', 'healing', '--batch', '2', '--pool', '8', '--fresh', '3'], '--fresh 3 is more than the batch (2)'],
      [['pig', '-t', 'healing', '--batch', '2', '--pool', '8', '--fresh', '1', '--damage', '2'], '--damage 2 leaves no grid'],
      [['pig', '-t', 'healing', '--fresh', '1'], '--fresh and --damage need a sample pool'],
      [['pig', '-t', 'regenerating', '--fresh', '1'], '--fresh applies to growth, persistence and healing'],
      [['pig', '-t', 'growing', '--pace', '100'], '--levels and --pace apply to growth, persistence and healing'],
    ];
    for (const [argv, message] of bad) expect(usageError(() => resolveConfig(parseTrain(argv))).message).toContain(message);
  });

  it('the quick job shortens the curriculum and paces it to reach the top within the run; --full keeps the article\'s', () => {
    const q = resolveConfig(parseTrain(['lizard']));
    expect(q.levels).toBe(QUICK.levels);
    expect(q.pace).toBe(Math.round(QUICK.paceShare * q.iterations));
    expect(q.pace!).toBeLessThan(q.iterations);
    expect(resolveConfig(parseTrain(['lizard', '--levels', '40', '--pace', '0']))).toMatchObject({ levels: 40 });
    expect(resolveConfig(parseTrain(['lizard', '--pace', '0'])).pace).toBeUndefined();
    const full = resolveConfig(parseTrain(['lizard', '--full']));
    expect(full.levels).toBeUndefined();
    expect(full.pace).toBeUndefined();
    // the quick growth job trains Distill's rule (with its gradient normalisation); --full and --rule seed the article's
    expect(q).toMatchObject({ rule: 'growing', normalizeGrads: true });
    expect(full.rule).toBeUndefined();
    expect(resolveConfig(parseTrain(['lizard', '--rule', 'seed'])).rule).toBeUndefined();
    expect(resolveConfig(parseTrain(['pig', '-t', 'persistence'])).rule).toBeUndefined();
    expect(resolveConfig(parseTrain(['pig', '-t', 'healing', '--rule', 'growing']))).toMatchObject({ rule: 'growing', normalizeGrads: true });
    expect(usageError(() => parseTrain(['pig', '--rule', 'conway'])).message).toContain('--rule must be one of seed, growing');
  });

  it('--steps sets T: the curriculum\'s last rollout for the article\'s tasks, the longest of the range for Distill\'s', () => {
    const g = resolveConfig(parseTrain(['heart', '--size', '48', '--steps', '32']));
    expect(g.rollout).toBe(32);
    const cur = adjustedCurriculum('growth', g)!;
    expect(cur.steps).toEqual({ ...PRESETS.growth.curriculum!.steps, limit: 32 });
    // the ladder is then the rollout's 30 whole-step rises, and its top runs 32 steps
    const c = new Curriculum(cur);
    expect(c.levels).toBe(30);
    for (let i = 0; i < 30; i++) c.update(0, i);
    expect(c.atTop && c.state.steps === 32).toBe(true);
    expect(resolveConfig(parseTrain(['heart'])).rollout).toBeUndefined();
    expect(adjustedCurriculum('growth', { ...resolveConfig(parseTrain(['heart'])) })!.steps.limit).toBe(16);
    expect(resolveConfig(parseTrain(['lizard', '-t', 'growing', '--steps', '48'])).steps).toEqual([32, 48]);
    expect(usageError(() => parseTrain(['heart', '--steps', '1'])).message).toContain('--steps');
    expect(() => adjustedCurriculum('growth', { rollout: 1 })).toThrow(/option 'rollout' must be a whole number of steps from 2/);
    // a resumed run may not change it
    expect(conflicts(parseTrain(['heart', '--size', '48', '--steps', '32', '--resume']), g)).toEqual([]);
    expect(conflicts(parseTrain(['heart', '--steps', '24', '--resume']), g)).toEqual(['--steps (checkpoint: 32)']);
    expect(conflicts(parseTrain(['heart', '--steps', '16', '--resume']), resolveConfig(parseTrain(['heart'])))).toEqual([]);
    // a model without the CLI's record (library, page) is rebuilt from its hyperparameters: its T too
    const m = (steps: string) => ({
      grid: { width: 32, height: 32 }, rule: { rule: 'seed', hidden: 32 }, optimizer: { step: 10 }, resume: { iteration: 10 },
      training: { task: 'growth', seed: 1, iterations: 10, hyperparameters: { steps } },
    }) as unknown as ModelFile;
    expect(configFromModel(m('curriculum 2..32'), 'm.nca')).toMatchObject({ rebuilt: true, config: { rollout: 32 } });
    expect(configFromModel(m('curriculum 2..16'), 'm.nca').config.rollout).toBeUndefined();
  });

  it('--preroll: an even number of steps, recorded; it may change on --resume; a model without the CLI record gives it back', () => {
    const c = resolveConfig(parseTrain(['pig', '-t', 'healing', '--preroll', '64']));
    expect(c.preroll).toBe(64);
    expect(resolveConfig(parseTrain(['pig', '-t', 'healing'])).preroll).toBeUndefined();
    expect(resolveConfig(parseTrain(['pig', '-t', 'healing', '--preroll', '0'])).preroll).toBeUndefined();
    expect(usageError(() => parseTrain(['pig', '--preroll', '3'])).message).toContain('--preroll must be even');
    expect(usageError(() => parseTrain(['pig', '--preroll', '5000'])).message).toContain('--preroll');
    // not a conflict on resume: it moves the loss window, the model's shape stays
    expect(conflicts(parseTrain(['pig', '-t', 'healing', '--preroll', '32', '--resume']), c)).toEqual([]);
    const m = (preroll: unknown) => ({
      grid: { width: 32, height: 32 }, rule: { rule: 'growing', hidden: 32 }, optimizer: { step: 10 }, resume: { iteration: 10 },
      training: { task: 'healing', seed: 1, iterations: 10, hyperparameters: { pool: 8, preroll } },
    }) as unknown as ModelFile;
    expect(configFromModel(m(96), 'm.nca').config.preroll).toBe(96);
    expect(configFromModel(m(undefined), 'm.nca').config.preroll).toBeUndefined();
    expect(() => configFromModel(m(7), 'm.nca')).toThrow(/'training.hyperparameters.preroll' must be even, got 7/);
    expect(() => configFromModel(m(-2), 'm.nca')).toThrow(/preroll/);
  });

  it('--replace: worst (the default, not recorded) or random, only with a pool; not a conflict on --resume; rebuilt from the hyperparameters', () => {
    expect(resolveConfig(parseTrain(['heart', '--pool', '16', '--replace', 'random'])).replace).toBe('random');
    expect(resolveConfig(parseTrain(['heart', '--pool', '16', '--replace', 'worst'])).replace).toBeUndefined();
    expect(resolveConfig(parseTrain(['heart', '--pool', '16'])).replace).toBeUndefined();
    expect(resolveConfig(parseTrain(['lizard', '-t', 'growing', '--pool', '16', '--replace', 'random'])).replace).toBe('random');
    expect(usageError(() => parseTrain(['heart', '--replace', 'best'])).message).toMatch(/--replace.*worst.*random/);
    expect(usageError(() => resolveConfig(parseTrain(['heart', '-t', 'persistence', '--replace', 'random']))).message).toContain('--replace needs a sample pool');
    const c = resolveConfig(parseTrain(['heart', '--pool', '16']));
    expect(conflicts(parseTrain(['heart', '--pool', '16', '--replace', 'random', '--resume']), c)).toEqual([]);
    expect(describeConfig({ ...c, replace: 'random' })).toContain('replace random');
    const m = (replace: unknown, pool = 8) => ({
      grid: { width: 32, height: 32 }, rule: { rule: 'growing', hidden: 32 }, optimizer: { step: 10 }, resume: { iteration: 10 },
      training: { task: 'healing', seed: 1, iterations: 10, hyperparameters: { pool, replace } },
    }) as unknown as ModelFile;
    expect(configFromModel(m('random'), 'm.nca').config.replace).toBe('random');
    expect(configFromModel(m('worst'), 'm.nca').config.replace).toBeUndefined();
    expect(configFromModel(m(undefined), 'm.nca').config.replace).toBeUndefined();
    expect(() => configFromModel(m('best'), 'm.nca')).toThrow(/'training.hyperparameters.replace' must be "worst" or "random"/);
  });

  it('--fresh and --damage may change on --resume (the pool\'s split of the batch), checked against the checkpoint\'s batch and task', () => {
    const pig = resolveConfig(parseTrain(['pig', '-t', 'persistence', '--batch', '4', '--pool', '64']));
    expect(pig).toMatchObject({ batch: 4, fresh: 1, damage: 0 });
    const resume = (...flags: string[]) => parseTrain(['pig', '-t', 'persistence', '--resume', ...flags]);
    // not a conflict any more, and applied: the rest of the settings stay
    expect(conflicts(resume('--fresh', '2', '--damage', '1'), pig)).toEqual([]);
    const split = resumePoolSplit(resume('--fresh', '2', '--damage', '1'), pig, 'm.nca');
    expect(split).toEqual({ ...pig, fresh: 2, damage: 1 });
    expect(resumePoolSplit(resume('--fresh', '3'), pig, 'm.nca')).toEqual({ ...pig, fresh: 3, damage: 0 });
    // nothing given, or the checkpoint's own split: the checkpoint's settings, the same object
    expect(resumePoolSplit(resume(), pig, 'm.nca')).toBe(pig);
    expect(resumePoolSplit(resume('--fresh', '1', '--damage', '0'), pig, 'm.nca')).toBe(pig);
    // checked as on a first run, against the checkpoint's batch (not the preset's)
    expect(usageError(() => resumePoolSplit(resume('--fresh', '5'), pig, 'm.nca')).message).toContain("--fresh 5 is more than m.nca's batch (4)");
    expect(usageError(() => resumePoolSplit(resume('--fresh', '2', '--damage', '3'), pig, 'm.nca')).message).toContain("damage 3 leaves no grid of m.nca's batch (4) for the 2 fresh start(s)");
    // the checkpoint's damage counts against a new --fresh
    expect(usageError(() => resumePoolSplit(resume('--fresh', '4'), { ...pig, damage: 1 }, 'm.nca')).message).toContain('damage 1 leaves no grid');
    const noPool = resolveConfig(parseTrain(['pig', '-t', 'persistence']));
    expect(usageError(() => resumePoolSplit(resume('--fresh', '2'), noPool, 'm.nca')).message).toContain('--fresh need a sample pool, and m.nca was trained without one');
    // Distill's tasks: damage only (one grid is reseeded)
    const regen = resolveConfig(parseTrain(['lizard', '-t', 'regenerating', '--batch', '4', '--pool', '64']));
    expect(resumePoolSplit(parseTrain(['lizard', '--resume', '--damage', '2']), regen, 'r.nca').damage).toBe(2);
    expect(resumePoolSplit(parseTrain(['lizard', '--resume', '--damage', '2']), regen, 'r.nca').fresh).toBeUndefined();
    expect(usageError(() => resumePoolSplit(parseTrain(['lizard', '--resume', '--fresh', '1']), regen, 'r.nca')).message).toContain('--fresh applies to growth, persistence and healing');
    expect(usageError(() => resumePoolSplit(parseTrain(['lizard', '--resume', '--damage', '4']), regen, 'r.nca')).message).toContain('for the seed');
  });

  it("--task on --resume switches between Distill's growing and regenerating only (the same model and pool; the new task's damage)", () => {
    const g = resolveConfig(parseTrain(['lizard', '-t', 'growing', '--batch', '4', '--pool', '64']));
    expect(g).toMatchObject({ task: 'growing', damage: 0 });
    const resume = (...flags: string[]) => parseTrain(['lizard', '--resume', ...flags]);
    expect(conflicts(resume('-t', 'regenerating'), g)).toEqual([]);
    // the preset's damage, at most 1 in a quick run; or --damage
    expect(resumePoolSplit(resume('-t', 'regenerating'), g, 'g.nca')).toEqual({ ...g, task: 'regenerating', damage: 1 });
    expect(resumePoolSplit(resume('-t', 'regenerating', '--damage', '2'), g, 'g.nca')).toEqual({ ...g, task: 'regenerating', damage: 2 });
    expect(resumePoolSplit(resume('-t', 'regenerating'), { ...g, full: true }, 'g.nca')).toMatchObject({ task: 'regenerating', damage: 3 });
    // and back: growing has no damage
    const r = resolveConfig(parseTrain(['lizard', '-t', 'regenerating', '--batch', '4', '--pool', '64']));
    expect(resumePoolSplit(resume('-t', 'growing'), r, 'r.nca')).toEqual({ ...r, task: 'growing', damage: 0 });
    // the same task: nothing changes
    expect(resumePoolSplit(resume('-t', 'growing'), g, 'g.nca')).toBe(g);
    // across regimens it stays a conflict
    expect(conflicts(resume('-t', 'growth'), g)).toEqual(['--task (checkpoint: "growing")']);
    expect(conflicts(parseTrain(['pig', '-t', 'growing', '--resume']), resolveConfig(parseTrain(['pig', '-t', 'healing'])))).toEqual(['--task (checkpoint: "healing")']);
    // regenerating needs the pool a growing run may not have
    const bare = resolveConfig(parseTrain(['lizard', '-t', 'growing']));
    expect(usageError(() => resumePoolSplit(resume('-t', 'regenerating'), bare, 'g.nca')).message).toContain('--task regenerating needs a sample pool, and g.nca was trained without one');
    // the damage still has to leave the seed a grid
    expect(usageError(() => resumePoolSplit(resume('-t', 'regenerating', '--damage', '4'), g, 'g.nca')).message).toContain('for the seed');
  });

  it('--cuts: some of the damaged grids lose a half-plane (Distill\'s tasks with a pool); may change on --resume; rebuilt from the hyperparameters', () => {
    const r = resolveConfig(parseTrain(['lizard', '-t', 'regenerating', '--batch', '4', '--pool', '64', '--damage', '2', '--cuts', '1']));
    expect(r).toMatchObject({ task: 'regenerating', damage: 2, cuts: 1 });
    expect(describeConfig(r)).toContain('damage 2, 1 of them cut in half-planes');
    // 0 (the default, Distill's discs only) is not recorded
    expect(resolveConfig(parseTrain(['lizard', '-t', 'regenerating', '--batch', '4', '--pool', '64', '--cuts', '0'])).cuts).toBeUndefined();
    expect(resolveConfig(parseTrain(['lizard', '-t', 'regenerating'])).cuts).toBeUndefined();
    // at most the damage; Distill's tasks only; a pool
    expect(usageError(() => resolveConfig(parseTrain(['lizard', '-t', 'regenerating', '--batch', '4', '--pool', '64', '--damage', '1', '--cuts', '2']))).message).toContain('--cuts 2 is more than the damaged grids (1)');
    expect(usageError(() => resolveConfig(parseTrain(['lizard', '-t', 'growing', '--batch', '4', '--pool', '64', '--cuts', '1']))).message).toContain('--cuts 1 is more than the damaged grids (0)');
    expect(usageError(() => resolveConfig(parseTrain(['pig', '-t', 'healing', '--pool', '64', '--cuts', '1']))).message).toContain('--cuts applies to growing and regenerating');
    expect(usageError(() => resolveConfig(parseTrain(['lizard', '-t', 'growing', '--cuts', '1']))).message).toContain('--cuts needs a sample pool');
    expect(usageError(() => parseTrain(['lizard', '--cuts', '-1'])).message).toMatch(/--cuts/);
    // on --resume: no conflict, applied after the pool split; a damage that drops under the cuts is named
    const resume = (...flags: string[]) => parseTrain(['lizard', '--resume', ...flags]);
    expect(conflicts(resume('--cuts', '2'), r)).toEqual([]);
    expect(resumeCuts(resume('--cuts', '2'), r, 'r.nca')).toEqual({ ...r, cuts: 2 });
    const { cuts: _, ...none } = r;
    expect(resumeCuts(resume('--cuts', '0'), r, 'r.nca')).toEqual(none);
    expect(resumeCuts(resume(), r, 'r.nca')).toBe(r);
    expect(usageError(() => resumeCuts(resume('--cuts', '3'), r, 'r.nca')).message).toContain('--cuts 3 is more than the damaged grids (2)');
    const fewer = resumePoolSplit(resume('--damage', '0'), r, 'r.nca');
    expect(usageError(() => resumeCuts(resume('--damage', '0'), fewer, 'r.nca')).message).toContain("r.nca's cuts (1) is more than the damaged grids (0)");
    const g = resolveConfig(parseTrain(['lizard', '-t', 'growing', '--batch', '4', '--pool', '64']));
    const switched = resumePoolSplit(resume('-t', 'regenerating', '--damage', '2'), g, 'g.nca');
    expect(resumeCuts(resume('-t', 'regenerating', '--damage', '2', '--cuts', '1'), switched, 'g.nca')).toEqual({ ...g, task: 'regenerating', damage: 2, cuts: 1 });
    const pig = resolveConfig(parseTrain(['pig', '-t', 'healing', '--pool', '64']));
    expect(usageError(() => resumeCuts(parseTrain(['pig', '--resume', '--cuts', '1']), pig, 'p.nca')).message).toContain('--cuts applies to growing and regenerating');
    // rebuilt from a file's hyperparameters, checked against its damage
    const m = (cuts: unknown, damage = 2) => ({
      grid: { width: 32, height: 32 }, rule: { rule: 'growing', hidden: 32 }, optimizer: { step: 10 }, resume: { iteration: 10 },
      training: { task: 'regenerating', seed: 1, iterations: 10, hyperparameters: { pool: 64, batch: 4, damage, cuts } },
    }) as unknown as ModelFile;
    expect(configFromModel(m(1), 'm.nca').config.cuts).toBe(1);
    expect(configFromModel(m(undefined), 'm.nca').config.cuts).toBeUndefined();
    expect(() => configFromModel(m(3), 'm.nca')).toThrow(/'training.hyperparameters.cuts' must be at most the damage \(2\), got 3/);
  });

  it('rejects a padding that leaves no room', () => {
    expect(usageError(() => resolveConfig(parseTrain(['x', '--size', '10', '--padding', '5']))).message).toContain('--padding 5 leaves no room');
  });

  it('lists the settings a resumed run may not change', () => {
    const c = resolveConfig(parseTrain(['lizard', '--size', '24', '--seed', '3']));
    expect(conflicts(parseTrain(['lizard', '--size', '24', '--seed', '3', '--resume']), c)).toEqual([]);
    expect(conflicts(parseTrain(['lizard', '--seed', '4', '--hidden', '16', '--resume']), c)).toEqual(['--hidden (checkpoint: 32)', '--seed (checkpoint: 3)']);
    expect(conflicts(parseTrain(['lizard', '--iterations', '900', '--resume']), c)).toEqual([]);
    expect(conflicts(parseTrain(['lizard', '--pace', '7', '--resume']), c)).toEqual([`--pace (checkpoint: ${c.pace})`]);
    // --lr is no conflict: a resumed run may take a new schedule (a fine-tune)
    expect(conflicts(parseTrain(['lizard', '--lr', '0.0001', '--resume']), c)).toEqual([]);
    // 0 = none: repeating --levels 0 / --pool 0 on a run that has none is no conflict
    const article = resolveConfig(parseTrain(['pig', '-t', 'persistence', '--levels', '0', '--pace', '1500', '--pool', '0']));
    expect(conflicts(parseTrain(['pig', '-t', 'persistence', '--levels', '0', '--pace', '1500', '--pool', '0', '--resume']), article)).toEqual([]);
  });
});

describe('render and info flags', () => {
  it('parses render', () => {
    expect(parseRender(['m.nca', '-s', '50', '--every', '5', '--start', 'seed', '--scale', '4', '--fps', '10', '-o', 'x.png', '--seed', '3'])).toMatchObject({ model: 'm.nca', steps: 50, every: 5, start: 'seed', scale: 4, fps: 10, out: 'x.png', seed: 3 });
    expect(parseRender(['m.nca'])).toMatchObject({ start: 'task', fps: 20, seed: 1, quiet: false });
    expect(usageError(() => parseRender(['m.nca', '--out', 'x.mp4'])).message).toContain('--out must name a .gif or .png file');
    expect(usageError(() => parseRender(['m.nca', '--start', 'middle'])).message).toContain('--start must be one of seed, task, target');
    expect(usageError(() => parseRender([])).message).toContain('missing the model file');
    expect(parseInfo(['m.nca']).model).toBe('m.nca');
    expect(usageError(() => parseInfo(['m.nca', '--json'])).message).toContain("unknown option '--json'");
  });
});

describe('main', () => {
  it('prints help and the version with exit 0', async () => {
    for (const [argv, text] of [[['--help'], USAGE.main], [['help', 'render'], USAGE.render], [['train', '--help'], USAGE.train], [['render', '-h'], USAGE.render], [['info', '--help'], USAGE.info]] as const) {
      const c = capture();
      expect(await main([...argv], c.io)).toBe(EXIT.ok);
      expect(c.out).toBe(text + '\n');
    }
    const c = capture();
    expect(await main(['--version'], c.io)).toBe(0);
    expect(c.out).toMatch(/^nca-gl \d+\.\d+\.\d+\n$/);
  });

  it('exits 2 with the message and the usage for bad command lines', async () => {
    for (const argv of [[], ['frobnicate'], ['--frob'], ['train', 'lizard', '--bogus'], ['render'], ['info', 'a', 'b']]) {
      const c = capture();
      expect(await main(argv, c.io)).toBe(EXIT.usage);
      expect(c.err).toMatch(/^(nca-gl: |Usage: )/);
      expect(c.err).toContain('Usage: nca-gl');
    }
    const c = capture();
    await main(['train', 'lizard', '--size', '0'], c.io);
    expect(c.err).toContain("--size must be a whole number from 3 to 1024, got '0'");
    expect(c.err).toContain("Run 'nca-gl train --help'");
  });

  it('exits 3 with the loader message for a bad model or image', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nca-gl-cli-'));
    writeFileSync(join(dir, 'bad.nca'), '{"rule": "seed"}');
    writeFileSync(join(dir, 'empty.png'), '');
    const cases: [string[], string][] = [
      [['info', join(dir, 'bad.nca')], 'not an nca-gl model file (bad magic bytes)'],
      [['info', join(dir, 'missing.nca')], 'no such file'],
      [['render', join(dir, 'bad.nca')], 'this looks like a JSON text file'],
      [['train', join(dir, 'empty.png')], 'is empty'],
      [['train', 'unicorn'], 'not a shipped target (lizard, dragon, pig, mouse, heart)'],
    ];
    // an --out folder that cannot be made (a file is in the way) is a usage error, before any training
    const c = capture();
    expect(await main(['train', 'lizard', '--out', join(dir, 'empty.png', 'x.nca')], c.io)).toBe(EXIT.usage);
    expect(c.err).toMatch(/a part of its folder path .* is a file, not a folder/);
    for (const [argv, message] of cases) {
      const c = capture();
      expect(await main(argv, c.io)).toBe(EXIT.input);
      expect(c.err).toMatch(/^nca-gl: /);
      expect(c.err).toContain(message);
    }
  });

  it('reads the fault-injection hooks', () => {
    expect(parseFaults('kill-browser@12,lose-context@5,kill-browser@3,drop-context@7,fail-write@4')).toEqual({ killBrowserAt: [3, 12], loseContextAt: [5], dropContextAt: [7], failWriteAt: [4] });
    expect(parseFaults(undefined)).toEqual({ killBrowserAt: [], loseContextAt: [], dropContextAt: [], failWriteAt: [] });
    expect(() => parseFaults('explode@1')).toThrow(/NCA_GL_TEST_FAULTS/);
  });
});
