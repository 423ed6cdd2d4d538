/**
 * Command-line parsing (node:util parseArgs) and the help texts. Every problem is a UsageError
 * that names the flag and what it takes; nothing here touches files or the browser.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { REPLACE_MODES, TASKS, type Task } from '../tasks/presets';
import { RULE_NAMES, type Rule } from '../engine/model';
import { MAX_PREROLL, MAX_ROLLOUT } from '../engine/budget';
import type { LrSchedule } from '../tasks/schedule';
import { WEBGL_MODES, type WebGLMode } from '../node/browser';
import { UsageError } from './errors';

export const MAX_ITERATIONS = 100_000; // a model file keeps at most 100 000 losses
const STARTS = ['seed', 'task', 'target'] as const;
export type Start = (typeof STARTS)[number];

export const USAGE: Record<'main' | 'train' | 'render' | 'info' | 'import' | 'export' | 'strip', string> = {
  main: `Usage: nca-gl <command> [options]

Neural cellular automata trained and run with WebGL2 shaders, driven from the terminal through
headless Chromium (the GPU when there is one, else software WebGL).

Commands:
  train <image|name>   train a model on an image file or a shipped target (lizard, dragon, pig, mouse, heart)
  render <model.nca>   write a GIF of a model's rollout, or a PNG strip of frames
  info <model.nca>     print what a model file holds
  import <file>        a model from Distill's demo JSON or a .safetensors file → .nca
  export <model.nca>   a model → Distill's demo JSON or .safetensors
  strip <model.nca>    a small copy to embed: weights only, optionally 8-bit

Options:
  -h, --help           help (also: nca-gl <command> --help)
  -v, --version        print the version

Example:
  npx nca-gl train lizard          # ~2½ min on 2 CPU cores: lizard-growth.nca and lizard-growth.png
  npx nca-gl render lizard-growth.nca --out lizard.gif

Exit codes: 0 done, 1 runtime failure (browser, GPU, writing), 2 usage error, 3 bad input file,
130 interrupted (after saving). See docs/cli.md.`,
  train: `Usage: nca-gl train <image|name> [options]

Trains a model on an image (PNG, JPEG, GIF, WebP, SVG) or a shipped target name and saves it,
checkpointing as it goes. Defaults are a quick configuration that finishes in minutes without a
GPU; --full uses the task's published configuration.

Options:
  -t, --task <task>          growth (default), persistence, healing, growing, regenerating;
                             with --resume a growing checkpoint may go on as regenerating (a
                             fine-tune that adds damage) or back
      --rule <rule>          seed (the article's) or growing (Distill's) (default: the task's;
                             the quick growth job: growing)
      --size <n>             grid side in cells (default 32; --full: 64 or 72)
      --width <n>, --height <n>   grid size when not square
      --padding <n>          empty border around the image, in cells (default: scaled from the preset)
      --hidden <n>           hidden units, a multiple of 4 (default 32; --full: 64 or 128); with
                             --resume it may grow: the model is widened, its update unchanged,
                             and the new units train from there
      --batch <n>            grids per iteration (default 1, growing/regenerating 4; --full: preset)
  -n, --iterations <n>       total iterations (default 500; --full: the preset's)
      --lr <x>               learning rate (default 0.002; --full: the preset's schedule); a step
                             schedule as x,N:y,... (e.g. 0.001,3000:0.0003: 1e-3, then 3e-4 from
                             iteration 3000); with --resume it may change (a fine-tune: the
                             iterations still count from the run's start)
      --seed <n>             random seed, 0 … 4294967295 (default 1)
      --pool <n>             states in the sample pool, 0 for none (regenerating: default 256,
                             --full 1024; others: none; see docs/regimen.md)
      --fresh <n>            with a pool (growth/persistence/healing): the batch's worst grids that
                             restart from a fresh start each iteration; with --resume it may change
      --damage <n>           with a pool: the batch's best grids damaged each iteration; with
                             --resume it may change
      --cuts <n>             growing/regenerating with a pool: of the damaged grids, how many lose
                             a half-plane (a straight cut near the centre, any angle) instead of
                             a disc (default 0, as Distill); with --resume it may change
      --replace <how>        with a pool: which drawn grids restart and which are damaged: worst
                             (default: the highest losses restart, the lowest are damaged) or
                             random (by their place in the random draw, so a state that went
                             wrong stays and is trained on); with --resume it may change
      --preroll <n>          each iteration first runs an even number of steps from 0 to n
                             without gradient, so the loss sees later states (default 0); with
                             --resume it may change, and applies from there on
      --levels <n>           growth/persistence/healing: the curriculum's ladder in n levels
                             (default 20; --full, or 0: the article's ladder)
      --pace <n>             growth/persistence/healing: the curriculum reaches its last level by
                             iteration n at the latest (0: only by the loss, as in the article)
      --steps <n>            the rollout length T: growth/persistence/healing at the curriculum's
                             last level (default 16, the article's; a 48-cell sprite needs ~32
                             to regrow from the disc of radius 6), growing/regenerating the
                             longest of the random range (the shortest keeps 2/3 of it)
      --full                 the task's full preset (SPEC sizes; slow without a GPU)
  -o, --out <file.nca>       model file (default <image>-<task>.nca)
      --picture <file.png>   picture of the result (default: the model path with .png)
      --no-picture           write no picture
      --resume               continue from the checkpoint at --out (settings come from it)
      --checkpoint-every <n> iterations between checkpoints (default 100; also every 2 minutes)
      --eval-every <n>       keep-best: every n iterations, score the weights (PSNR at T from
                             fixed draws of the task's hardest start) and write the best
                             snapshot as the model (the latest state stays in the file for --resume)
      --eval-draws <n>       keep-best: draws per evaluation (default 8)
      --no-eval              skip the figures measured after training (PSNR at T, 10·T and 50·T
                             from draws of the hardest start, and how long the model holds; stored
                             in the model file)
      --quality-draws <n>    draws for those figures (default 4; --full: 16)
      --log-every <n>        without a terminal: a progress line every n iterations (default: every 5 s)
  -q, --quiet                no progress output
      --webgl <mode>         auto (default), gpu, vulkan, egl, llvmpipe, swiftshader
  -h, --help                 this help

Ctrl-C stops after the current iteration, saves a checkpoint and exits with 130; --resume
continues it exactly.`,
  render: `Usage: nca-gl render <model.nca> [options]

Runs a model on the GPU and writes its rollout: an animated GIF, or a PNG strip of frames.

Options:
  -o, --out <file>     x.gif (animation) or x.png (strip of frames) (default: the model path with .gif)
  -s, --steps <n>      CA steps to run (default: 4 × the trained rollout length, at least 64)
      --every <n>      steps between frames (default: 1 for GIF, steps/7 for PNG)
      --start <what>   seed (one live cell), task (the task's start, e.g. the truncated target),
                       target (the target itself) (default: task)
      --scale <n>      pixels per cell (default: enough for 256 pixels)
      --fps <n>        GIF frames per second (default 20)
      --seed <n>       seed of the start's random perturbation (default 1)
  -q, --quiet          print nothing but errors
      --webgl <mode>   auto (default), gpu, vulkan, egl, llvmpipe, swiftshader
  -h, --help           this help`,
  info: `Usage: nca-gl info <model.nca>

Prints what a model file holds: rule, sizes, training provenance, loss history, resume state.
Exits with 3 and the loader's message when the file is not a valid model.

Options:
  -h, --help   this help`,
  import: `Usage: nca-gl import <file> --out <model.nca> [options]

Reads a model trained elsewhere: Distill's demo JSON (8-bit, e.g. the article's
webgl_models8/*.json) or a .safetensors file (PyTorch, Keras via safetensors). Pickled PyTorch
files are refused. The model runs with the growing rule (with output bias). See docs/import.md.

Options:
  -o, --out <file.nca>       the model file to write (required)
      --format <f>           distill or safetensors (default: from the file's first bytes)
      --map <pairs>          safetensors tensor names: w0=NAME,b0=NAME,w1=NAME[,b1=NAME]
                             (default: the names w0, b0, w1, b1)
      --layout <l>           out-in (PyTorch) or in-out (Keras) matrices (default: from shapes)
      --perception <p>       grouped (default: state, sobel x, sobel y) or interleaved (3·c + k)
      --grid <W>x<H>         the grid the model was trained on (default 72x72, Distill's)
      --task <task>          task recorded in the file (default growing: starts from a seed)
      --float                keep float32 weights (default for Distill: its 8-bit values, lossless)
      --target <image.png>   target thumbnail: the PNG centred on the grid, 1 pixel per cell
      --crop <x,y,w,h>       use this rectangle of the PNG (e.g. one tile of an atlas)
      --premultiplied        the PNG's colours are premultiplied by alpha (Distill's emoji atlas)
      --license <s>, --attribution <s>, --url <s>   provenance recorded in the file
  -q, --quiet                print nothing but errors
  -h, --help                 this help`,
  export: `Usage: nca-gl export <model.nca> --format distill|safetensors [options]

Writes a model's weights for other tools: Distill's demo JSON (8-bit; growing rule, rate 0.5 per
cell, as the article's demo runs it) or safetensors (float32, PyTorch's [out][in] layout).

Options:
  -f, --format <f>     distill or safetensors (required)
  -o, --out <file>     default: the model path with .json or .safetensors
  -q, --quiet          print nothing but errors
  -h, --help           this help`,
  strip: `Usage: nca-gl strip <model.nca> [options]

Writes a small copy of a model to embed in a page: weights only (no optimiser state, loss history
or resume state: it cannot resume training), optionally 8-bit weights and no target thumbnail.

Options:
  -o, --out <file.nca> default: <model>.small.nca
      --quantize       8-bit weights with one scale per tensor (4× smaller)
      --no-target      leave out the target thumbnail
  -q, --quiet          print nothing but errors
  -h, --help           this help`,
};

type Values = Record<string, string | boolean | undefined>;

export function parse(command: 'train' | 'render' | 'info' | 'import' | 'export' | 'strip', argv: string[], options: ParseArgsConfig['options']): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals: true, strict: true });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    const m = (e as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(m);
    if (unknown) throw new UsageError(`${command}: unknown option '${unknown[1]}'`, command);
    const ambiguous = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument is ambiguous/.exec(m);
    if (ambiguous) throw new UsageError(`${command}: ${ambiguous[1]} is followed by something that looks like an option; write ${ambiguous[1]}=VALUE if you mean a value starting with '-'`, command);
    const missing = /Option '([^']+)' argument missing/.exec(m);
    if (missing) throw new UsageError(`${command}: option '${missing[1]!.replace(/^-\w, /, '')}' needs a value`, command);
    throw new UsageError(`${command}: ${m.replace(/\. To specify.*$/s, '')}`, command);
  }
}

/** An integer flag in [min, max], or undefined when absent. */
export function intFlag(command: string, name: string, v: string | boolean | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v).trim();
  const n = /^[+-]?\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${command}: --${name} must be a whole number from ${min} to ${max}, got '${v}'`, command);
  return n;
}

/** A number flag in (0, max], or undefined when absent. */
export function positiveFlag(command: string, name: string, v: string | boolean | undefined, max: number): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v).trim();
  const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : NaN;
  if (!(n > 0 && n <= max)) throw new UsageError(`${command}: --${name} must be a number above 0 and at most ${max}, got '${v}'`, command);
  return n;
}

/**
 * --lr: a number, or a step schedule 'x,N:y,M:z' (x until iteration N, then y until M, then z), the
 * command-line form of {boundaries: [N, M], values: [x, y, z]}.
 */
export function lrFlag(command: string, v: string | boolean | undefined): LrSchedule | undefined {
  if (v === undefined) return undefined;
  const parts = String(v).split(',');
  const first = positiveFlag(command, 'lr', parts[0], 10)!;
  if (parts.length === 1) return first;
  const boundaries: number[] = [];
  const values = [first];
  for (const part of parts.slice(1)) {
    const m = /^\s*(\d+)\s*:(.*)$/.exec(part);
    const at = m ? Number(m[1]) : NaN;
    if (!m || !(at > (boundaries.at(-1) ?? 0)) || at > MAX_ITERATIONS) {
      throw new UsageError(`${command}: --lr schedule parts after the first are ITERATION:RATE with increasing iterations from 1 to ${MAX_ITERATIONS} (e.g. 0.001,3000:0.0003), got '${part}' in '${v}'`, command);
    }
    boundaries.push(at);
    values.push(positiveFlag(command, 'lr', m[2], 10)!);
  }
  return { boundaries, values };
}

export function oneOf<T extends string>(command: string, name: string, v: string | boolean | undefined, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!allowed.includes(v as T)) throw new UsageError(`${command}: --${name} must be one of ${allowed.join(', ')}, got '${v}'`, command);
  return v as T;
}

export function onePositional(command: string, positionals: string[], what: string): string {
  if (positionals.length === 0) throw new UsageError(`${command}: missing the ${what}`, command);
  if (positionals.length > 1) throw new UsageError(`${command}: expected one ${what}, got ${positionals.length} arguments (${positionals.map((p) => `'${p}'`).join(' ')})`, command);
  return positionals[0]!;
}

export interface TrainArgs {
  help: boolean;
  image: string;
  task: Task;
  /** Training settings given on the command line (undefined: the default). */
  width?: number;
  height?: number;
  padding?: number;
  hidden?: number;
  batch?: number;
  iterations?: number;
  lr?: LrSchedule;
  seed?: number;
  pool?: number;
  rule?: Rule;
  fresh?: number;
  damage?: number;
  /** --cuts: of the damaged grids, how many lose a half-plane instead of a disc (Preset.cuts). */
  cuts?: number;
  /** --replace: which drawn pool grids restart and which are damaged (Preset.replace). */
  replace?: 'worst' | 'random';
  /** --preroll: forward steps without gradient before each rollout, at most (even). */
  preroll?: number;
  levels?: number;
  pace?: number;
  /** --steps: the rollout length T (article tasks: at the curriculum's last level; Distill's: the longest). */
  steps?: number;
  full: boolean;
  out?: string;
  /** A path, false for --no-picture, undefined for the default. */
  picture?: string | false;
  resume: boolean;
  checkpointEvery: number;
  logEvery?: number;
  quiet: boolean;
  webgl?: WebGLMode;
  /** Names of the settings flags given (a resumed run takes them from the checkpoint). */
  settings: string[];
  /** Keep-best: --eval-every and --eval-draws (undefined: not given). */
  evalEvery?: number;
  evalDraws?: number;
  /** False with --no-eval: no quality figures after training. */
  eval: boolean;
  /** --quality-draws: draws for the figures (undefined: 4, or 16 with --full). */
  qualityDraws?: number;
}

const SETTINGS = ['task', 'rule', 'size', 'width', 'height', 'padding', 'hidden', 'batch', 'lr', 'seed', 'pool', 'fresh', 'damage', 'levels', 'pace', 'steps', 'full'];

export function parseTrain(argv: string[]): TrainArgs {
  const c = 'train';
  const { values: v, positionals } = parse(c, argv, {
    task: { type: 'string', short: 't' },
    rule: { type: 'string' },
    size: { type: 'string' },
    width: { type: 'string' },
    height: { type: 'string' },
    padding: { type: 'string' },
    hidden: { type: 'string' },
    batch: { type: 'string' },
    iterations: { type: 'string', short: 'n' },
    lr: { type: 'string' },
    seed: { type: 'string' },
    pool: { type: 'string' },
    fresh: { type: 'string' },
    damage: { type: 'string' },
    cuts: { type: 'string' },
    replace: { type: 'string' },
    preroll: { type: 'string' },
    levels: { type: 'string' },
    pace: { type: 'string' },
    steps: { type: 'string' },
    full: { type: 'boolean' },
    out: { type: 'string', short: 'o' },
    picture: { type: 'string' },
    'no-picture': { type: 'boolean' },
    resume: { type: 'boolean' },
    'checkpoint-every': { type: 'string' },
    'log-every': { type: 'string' },
    'eval-every': { type: 'string' },
    'eval-draws': { type: 'string' },
    'no-eval': { type: 'boolean' },
    'quality-draws': { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    webgl: { type: 'string' },
  });
  const help = v.help === true;
  if (help) return { help, image: '', task: 'growth', full: false, resume: false, checkpointEvery: 100, quiet: false, settings: [], eval: true };
  const evalEvery = intFlag(c, 'eval-every', v['eval-every'], 1, MAX_ITERATIONS);
  const evalDraws = intFlag(c, 'eval-draws', v['eval-draws'], 1, 64);
  const qualityDraws = intFlag(c, 'quality-draws', v['quality-draws'], 1, 64);
  if (qualityDraws !== undefined && v['no-eval']) throw new UsageError(`${c}: give --quality-draws or --no-eval, not both`, c);
  if (evalDraws !== undefined && evalEvery === undefined && v.resume !== true) throw new UsageError(`${c}: --eval-draws sets keep-best's draws: give --eval-every too`, c);
  const size = intFlag(c, 'size', v.size, 3, 1024);
  if (size !== undefined && (v.width !== undefined || v.height !== undefined)) throw new UsageError(`${c}: give --size or --width/--height, not both`, c);
  if (v.picture !== undefined && v['no-picture']) throw new UsageError(`${c}: give --picture or --no-picture, not both`, c);
  const preroll = intFlag(c, 'preroll', v.preroll, 0, MAX_PREROLL);
  if (preroll !== undefined && preroll % 2 !== 0) throw new UsageError(`${c}: --preroll must be even (its steps run in pairs), got ${preroll}`, c);
  const hidden = intFlag(c, 'hidden', v.hidden, 4, 256);
  if (hidden !== undefined && hidden % 4 !== 0) throw new UsageError(`${c}: --hidden must be a multiple of 4, got ${hidden}`, c);
  const out = v.out as string | undefined;
  if (out !== undefined && !/\.nca$/i.test(out)) throw new UsageError(`${c}: --out must name a .nca file, got '${out}'`, c);
  const picture = v['no-picture'] ? false : (v.picture as string | undefined);
  if (typeof picture === 'string' && !/\.png$/i.test(picture)) throw new UsageError(`${c}: --picture must name a .png file, got '${picture}'`, c);
  return {
    help,
    image: onePositional(c, positionals, 'image (a file, or one of lizard, dragon, pig, mouse, heart)'),
    task: oneOf(c, 'task', v.task, TASKS) ?? 'growth',
    rule: oneOf(c, 'rule', v.rule, RULE_NAMES),
    width: size ?? intFlag(c, 'width', v.width, 3, 1024),
    height: size ?? intFlag(c, 'height', v.height, 3, 1024),
    padding: intFlag(c, 'padding', v.padding, 0, 500),
    hidden,
    batch: intFlag(c, 'batch', v.batch, 1, 64),
    iterations: intFlag(c, 'iterations', v.iterations, 1, MAX_ITERATIONS),
    lr: lrFlag(c, v.lr),
    seed: intFlag(c, 'seed', v.seed, 0, 0xffffffff),
    pool: intFlag(c, 'pool', v.pool, 0, 4096),
    fresh: intFlag(c, 'fresh', v.fresh, 1, 64),
    damage: intFlag(c, 'damage', v.damage, 0, 63),
    cuts: intFlag(c, 'cuts', v.cuts, 0, 63),
    replace: oneOf(c, 'replace', v.replace, REPLACE_MODES),
    preroll,
    levels: intFlag(c, 'levels', v.levels, 0, 100000),
    pace: intFlag(c, 'pace', v.pace, 0, MAX_ITERATIONS),
    steps: intFlag(c, 'steps', v.steps, 2, MAX_ROLLOUT),
    full: v.full === true,
    out,
    picture,
    resume: v.resume === true,
    checkpointEvery: intFlag(c, 'checkpoint-every', v['checkpoint-every'], 1, MAX_ITERATIONS) ?? 100,
    logEvery: intFlag(c, 'log-every', v['log-every'], 1, MAX_ITERATIONS),
    quiet: v.quiet === true,
    webgl: oneOf(c, 'webgl', v.webgl, WEBGL_MODES),
    settings: SETTINGS.filter((k) => v[k] !== undefined),
    evalEvery,
    evalDraws,
    eval: v['no-eval'] !== true,
    qualityDraws,
  };
}

export interface RenderArgs {
  help: boolean;
  model: string;
  out?: string;
  steps?: number;
  every?: number;
  start: Start;
  scale?: number;
  fps: number;
  seed: number;
  quiet: boolean;
  webgl?: WebGLMode;
}

export function parseRender(argv: string[]): RenderArgs {
  const c = 'render';
  const { values: v, positionals } = parse(c, argv, {
    out: { type: 'string', short: 'o' },
    steps: { type: 'string', short: 's' },
    every: { type: 'string' },
    start: { type: 'string' },
    scale: { type: 'string' },
    fps: { type: 'string' },
    seed: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    webgl: { type: 'string' },
  });
  const help = v.help === true;
  if (help) return { help, model: '', start: 'task', fps: 20, seed: 1, quiet: false };
  const out = v.out as string | undefined;
  if (out !== undefined && !/\.(gif|png)$/i.test(out)) throw new UsageError(`${c}: --out must name a .gif or .png file, got '${out}'`, c);
  return {
    help,
    model: onePositional(c, positionals, 'model file (.nca)'),
    out,
    steps: intFlag(c, 'steps', v.steps, 0, 100_000),
    every: intFlag(c, 'every', v.every, 1, 100_000),
    start: oneOf(c, 'start', v.start, STARTS) ?? 'task',
    scale: intFlag(c, 'scale', v.scale, 1, 64),
    fps: intFlag(c, 'fps', v.fps, 1, 100) ?? 20,
    seed: intFlag(c, 'seed', v.seed, 0, 0xffffffff) ?? 1,
    quiet: v.quiet === true,
    webgl: oneOf(c, 'webgl', v.webgl, WEBGL_MODES),
  };
}

export function parseInfo(argv: string[]): { help: boolean; model: string } {
  const { values: v, positionals } = parse('info', argv, {});
  if (v.help === true) return { help: true, model: '' };
  return { help: false, model: onePositional('info', positionals, 'model file (.nca)') };
}
