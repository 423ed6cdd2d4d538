/**
 * The source layers import only downward (README, "How it works"):
 *
 *   gl ← engine ← io ← tasks ← train ← widget ← ui, cli
 *
 * The tasks layer (src/tasks/: which tasks exist, their presets and curricula, perturbations, start
 * states, the target state) sits below the trainer, so the widget, the demo and the CLI take task
 * knowledge from it without reaching into train/, and nothing under gl/, engine/ or io/ knows about
 * tasks. node/ (Chromium discovery, the static server) serves the CLI only. Every layer may use
 * src/errors.ts and src/version.ts; the applications (ui/, cli/) may also use the public API
 * (src/index.ts). The check reads every relative import and export of every .ts file under src/
 * (static, side-effect and dynamic), resolved against the importing file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

const BELOW: Record<string, readonly string[]> = {
  gl: [],
  engine: ['gl'],
  io: ['gl', 'engine'],
  tasks: ['gl', 'engine', 'io'],
  train: ['gl', 'engine', 'io', 'tasks'],
  widget: ['gl', 'engine', 'io', 'tasks', 'train'],
  ui: ['gl', 'engine', 'io', 'tasks', 'train', 'widget'],
  cli: ['gl', 'engine', 'io', 'tasks', 'train', 'widget', 'node'],
  node: [],
};
/** Files directly under src/ that every layer may import, and those only the applications may. */
const SHARED_ROOT = ['errors', 'version'];
const APP_ROOT = ['index'];

/** The relative module specifiers a source file imports or re-exports (static, bare or dynamic). */
function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\bfrom\s*['"](\.{1,2}\/[^'"]*)['"]|\bimport\s*\(?\s*['"](\.{1,2}\/[^'"]*)['"]/g)) out.push((m[1] ?? m[2])!);
  return out;
}

/** Each import that breaks the layering, as 'src/<file> → <src-relative target>'. */
function violations(files: Record<string, string>): string[] {
  const bad: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    const parts = file.split('/');
    if (parts.length < 2) continue; // index.ts, script.ts: the top, they may import anything
    const layer = parts[0]!;
    const allowed = BELOW[layer];
    if (!allowed) {
      bad.push(`src/${file}: in no layer (add its folder to BELOW)`);
      continue;
    }
    for (const spec of importsOf(text)) {
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      const tparts = target.split('/');
      const ok =
        tparts.length === 1
          ? SHARED_ROOT.includes(tparts[0]!) || ((layer === 'ui' || layer === 'cli') && APP_ROOT.includes(tparts[0]!))
          : tparts[0] === layer || allowed.includes(tparts[0]!);
      if (!ok) bad.push(`src/${file} → ${target}`);
    }
  }
  return bad;
}

function sources(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(SRC, { recursive: true, encoding: 'utf8' })) {
    if (f.endsWith('.ts')) out[f.split(/[\\/]/).join('/')] = readFileSync(join(SRC, f), 'utf8');
  }
  return out;
}

describe('layering', () => {
  const src = sources();

  it('reads the tree: every layer has files and imports', () => {
    for (const layer of Object.keys(BELOW)) {
      const files = Object.keys(src).filter((f) => f.startsWith(`${layer}/`));
      expect(files.length, layer).toBeGreaterThan(0);
    }
    const tasks = Object.entries(src).filter(([f]) => f.startsWith('tasks/'));
    expect(tasks.map(([f]) => f).sort()).toEqual(expect.arrayContaining(['tasks/curriculum.ts', 'tasks/perturb.ts', 'tasks/presets.ts', 'tasks/start.ts']));
    expect(tasks.flatMap(([, t]) => importsOf(t)).length).toBeGreaterThan(10);
  });

  it('src/tasks imports nothing from train/, widget/, ui/ or cli/', () => {
    const bad = violations(Object.fromEntries(Object.entries(src).filter(([f]) => f.startsWith('tasks/'))));
    expect(bad).toEqual([]);
  });

  it('nothing in gl/, engine/ or io/ imports from tasks/ (or anything above)', () => {
    const low = Object.fromEntries(Object.entries(src).filter(([f]) => /^(gl|engine|io)\//.test(f)));
    expect(Object.keys(low).length).toBeGreaterThan(20);
    expect(violations(low)).toEqual([]);
  });

  it('every layer imports only from the layers below it', () => {
    expect(violations(src)).toEqual([]);
  });

  it('the check catches upward imports in every form it reads', () => {
    const planted: Record<string, string> = {
      'tasks/a.ts': "import { Trainer } from '../train/trainer';",
      'tasks/b.ts': "import type {\n  Player,\n} from '../widget/player';",
      'tasks/c.ts': "export { demo } from '../ui/demo';",
      'tasks/d.ts': "const m = await import('../cli/main');",
      'tasks/e.ts': "import '../index';",
      'engine/f.ts': "import { preset } from '../tasks/presets';",
      'io/g.ts': "export * from '../tasks/start';",
      'gl/h.ts': "import { PRESETS } from '../tasks/presets';",
      'train/sub/i.ts': "import { mount } from '../../widget/mount';",
      'misc/j.ts': '',
    };
    expect(violations(planted)).toEqual([
      'src/tasks/a.ts → train/trainer',
      'src/tasks/b.ts → widget/player',
      'src/tasks/c.ts → ui/demo',
      'src/tasks/d.ts → cli/main',
      'src/tasks/e.ts → index',
      'src/engine/f.ts → tasks/presets',
      'src/io/g.ts → tasks/start',
      'src/gl/h.ts → tasks/presets',
      'src/train/sub/i.ts → widget/mount',
      'src/misc/j.ts: in no layer (add its folder to BELOW)',
    ]);
  });

  it('and lets downward, same-layer and shared imports through', () => {
    const fine: Record<string, string> = {
      'tasks/a.ts': "import { check } from '../errors';\nimport { RULES } from '../engine/rules';\nimport { DISTILL_GRID } from '../io/import';\nimport { Curriculum } from './curriculum';",
      'train/b.ts': "import { preset } from '../tasks/presets';\nimport { VERSION } from '../version';",
      'widget/c.ts': "import { taskStart } from '../tasks/start';",
      'cli/d.ts': "import type * as Lib from '../index';\nimport { launchBrowser } from '../node/browser';",
      'engine/e.ts': "import x from 'virtual:glsl'; // not relative",
    };
    expect(violations(fine)).toEqual([]);
  });
});
