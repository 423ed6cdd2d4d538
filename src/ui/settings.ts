/**
 * The demo's settings: what the panel edits, what the page's address can set, and the defaults.
 *
 * Defaults are sized for a laptop GPU without being unbearable in software WebGL: Distill's growing
 * task, but on a 40×40 grid (a 22-cell sprite), hidden 64, batch 4, rollouts of 32–48 steps (Distill:
 * 72×72, hidden 128, batch 8, 64–96 steps). On a software renderer (SwiftShader, llvmpipe…) the
 * "light" profile goes smaller still: 24×24, hidden 32, batch 2, 16–24 steps.
 *
 * Address parameters (all optional), e.g. demos/index.html?task=healing&target=pig&grid=32:
 *   task, rule, target (a shipped name), grid, hidden, batch, steps (e.g. 16-24), lr, speed,
 *   profile (normal | light), autostart (0 | 1), model (URL of a .nca to show), autosave (iterations)
 */
import { isRule, type Rule } from '../engine/rules';
import { shippedTargetNames } from '../io/shipped-targets';
import { PRESETS, TASKS, type Task } from '../tasks/presets';

export interface Settings {
  task: Task;
  /** 'preset': the task's own rule (seed for the article's tasks, growing for Distill's). */
  rule: 'preset' | Rule;
  /** A shipped target name, or a label such as 'upload: cat.png'. */
  target: string;
  grid: number;
  hidden: number;
  batch: number;
  /** Distill tasks: rollout length range. */
  stepsMin: number;
  stepsMax: number;
  /** Learning rate (0: the preset's schedule). */
  lr: number;
  /** CA steps per frame in the view. */
  speed: number;
  /** Radius of the disc a click erases, in cells. */
  brush: number;
  /** Start the view again every this many steps while training (0: never). */
  regrow: number;
  /** Frames the start of "infect" stays frozen (the article: 8). */
  freeze: number;
  /** The image "infect" starts from. */
  infectWith: string;
  /** Autosave to IndexedDB every this many iterations (0: never). */
  autosaveEvery: number;
  autostart: boolean;
}

export const GRIDS = [16, 24, 32, 40, 48, 64, 72];
export const HIDDENS = [16, 32, 64, 96, 128];
export const BATCHES = [1, 2, 4, 8];
/** Steps per frame; below 1 runs slower than real time (1/4: one step every 4 frames). */
export const SPEEDS: Record<string, number> = { '1/8×': 1 / 8, '1/4×': 1 / 4, '1/2×': 1 / 2, '1×': 1, '2×': 2, '4×': 4, '8×': 8, '16×': 16 };

export function defaultSettings(software: boolean): Settings {
  const light = software;
  const names = shippedTargetNames();
  return {
    task: 'growing',
    rule: 'preset',
    target: names.includes('lizard') ? 'lizard' : names[0]!,
    grid: light ? 24 : 40,
    hidden: light ? 32 : 64,
    batch: light ? 2 : 4,
    stepsMin: light ? 16 : 32,
    stepsMax: light ? 24 : 48,
    lr: 0,
    speed: 1,
    brush: light ? 3 : 4,
    regrow: 0,
    freeze: 8,
    infectWith: names.includes('pig') ? 'pig' : names[names.length - 1]!,
    autosaveEvery: 100,
    autostart: true,
  };
}

/** Settings from the page address over the defaults; unknown or bad values are ignored. */
export function settingsFromQuery(search: string, software: boolean): Settings {
  const q = new URLSearchParams(search);
  const profile = q.get('profile');
  const s = defaultSettings(profile === 'light' ? true : profile === 'normal' ? false : software);
  const int = (k: string, ok: (v: number) => boolean) => {
    const v = Number(q.get(k));
    return q.has(k) && Number.isInteger(v) && ok(v) ? v : undefined;
  };
  const task = q.get('task');
  if (task && (TASKS as readonly string[]).includes(task)) s.task = task as Task;
  const rule = q.get('rule');
  if (isRule(rule) || rule === 'preset') s.rule = rule;
  const target = q.get('target');
  if (target && shippedTargetNames().includes(target)) s.target = target;
  s.grid = int('grid', (v) => v >= 8 && v <= 128) ?? s.grid;
  s.hidden = int('hidden', (v) => v >= 4 && v <= 256 && v % 4 === 0) ?? s.hidden;
  s.batch = int('batch', (v) => v >= 1 && v <= 16) ?? s.batch;
  s.autosaveEvery = int('autosave', (v) => v >= 0) ?? s.autosaveEvery;
  const steps = /^(\d+)(?:-(\d+))?$/.exec(q.get('steps') ?? '');
  if (steps) {
    const a = Number(steps[1]), b = Number(steps[2] ?? steps[1]);
    if (a >= 1 && b >= a && b <= 256) [s.stepsMin, s.stepsMax] = [a, b];
  }
  const lr = Number(q.get('lr'));
  if (q.has('lr') && lr > 0 && lr < 1) s.lr = lr;
  const speed = Number(q.get('speed'));
  if (q.has('speed') && speed > 0 && speed <= 16) s.speed = speed;
  if (q.get('autostart') === '0') s.autostart = false;
  return s;
}

/** The grid's default empty border: Distill's 2/9 of the side, 6 cells of 64 for the article's tasks. */
export function paddingFor(task: Task, grid: number): number {
  const p = PRESETS[task];
  return Math.max(1, Math.round((p.padding * grid) / p.width));
}

/** The rule a setting resolves to. */
export function ruleOf(s: Settings): Rule {
  return s.rule === 'preset' ? PRESETS[s.task].rule : s.rule;
}
