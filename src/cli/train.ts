/**
 * The train command: drives a TrainingSession in the CLI page in chunks of about a second, shows
 * progress, checkpoints every --checkpoint-every iterations (and every 2 minutes) and at the end,
 * stops cleanly on Ctrl-C, and relaunches a browser that dies from the last checkpoint.
 *
 * Test hooks (environment): NCA_GL_TEST_FAULTS="kill-browser@12,lose-context@5,drop-context@8" kills
 * the browser process once the run reaches iteration 12; forces a WebGL context loss
 * (WEBGL_lose_context) before iteration 5, restored 0.2 s later; and one before iteration 8 that is
 * never restored (context losses on the first launch only); "fail-write@N" makes the first checkpoint
 * written at iteration N or later fail as a full disk would (ENOSPC, through writeFileAtomic's
 * beforeWrite hook, the one test seam for failed writes). NCA_GL_WATCHDOG_S: seconds without an
 * answer from the page before it counts as hung (default 600); NCA_GL_CONTEXT_TIMEOUT_S: seconds a
 * lost context may stay lost before the browser counts as dead (default 60).
 */
import { existsSync } from 'node:fs';
import { decodeModel } from '../io/model-file';
import { NcaGlError } from '../errors';
import type { TrainArgs } from './args';
import { type AtomicHooks, prepareFolder, writeFileAtomic, WriteError } from './atomic';
import { Bridge } from './bridge';
import { type Checkpoint, loadCheckpoint, poolPathFor, removeStalePool, restorePool, resumeCuts, resumePoolSplit, saveCheckpoint } from './checkpoint';
import { resolveConfig, resolveImage } from './config';
import { BrowserDied, EXIT, UsageError } from './errors';
import type { FinishReport, TrainConfig } from './page';
import { describeQuality, KEEP_BEST_DRAWS, QUALITY_DRAWS } from '../train/keep-best';

/**
 * Draws of the figures after a quick (not --full) run: 16 draws of 50·T steps cost more grid-steps
 * than the quick job's whole training (about a minute on 2 cores without a GPU); 4 keep it to ~15 s.
 */
export const QUICK_QUALITY_DRAWS = 4;
import { checkTrainBudget, memoryBudgetFromEnv } from './limits';
import { formatDuration, formatLoss, Progress, type ProgressState } from './progress';
import { type Io, trainingPicture } from './render';

export const MAX_RELAUNCHES = 3;
const CHECKPOINT_MS = 2 * 60 * 1000;
const CHUNK_MS = 1000;

export function parseFaults(spec: string | undefined): { killBrowserAt: number[]; loseContextAt: number[]; dropContextAt: number[]; failWriteAt: number[] } {
  const f = { killBrowserAt: [] as number[], loseContextAt: [] as number[], dropContextAt: [] as number[], failWriteAt: [] as number[] };
  for (const part of (spec ?? '').split(',').filter(Boolean)) {
    const m = /^(kill-browser|lose-context|drop-context|fail-write)@(\d+)$/.exec(part.trim());
    if (!m) throw new NcaGlError('bad-argument', `NCA_GL_TEST_FAULTS: cannot read '${part}' (expected kill-browser@N, lose-context@N, drop-context@N or fail-write@N)`);
    const list = { 'kill-browser': f.killBrowserAt, 'lose-context': f.loseContextAt, 'drop-context': f.dropContextAt, 'fail-write': f.failWriteAt }[m[1]!]!;
    list.push(Number(m[2]));
  }
  f.killBrowserAt.sort((a, b) => a - b);
  return f;
}

/** The error a full disk gives (for the fail-write test fault). */
function injectedEnospc(): never {
  throw Object.assign(new Error('ENOSPC: no space left on device, write (injected by NCA_GL_TEST_FAULTS fail-write)'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}

function formatDb(p: number): string {
  return Number.isNaN(p) ? 'NaN dB' : p === Infinity ? '∞ dB' : `${p.toFixed(1)} dB`;
}

export function formatLr(lr: TrainConfig['lr']): string {
  if (typeof lr === 'number') return String(lr);
  return lr.values.map((v, i) => (i === 0 ? String(v) : `${v} from ${lr.boundaries[i - 1]}`)).join(', ');
}

export function describeConfig(c: TrainConfig): string {
  const parts = [`${c.width}×${c.height} (padding ${c.padding})`, `hidden ${c.hidden}`, `batch ${c.batch}`, `lr ${formatLr(c.lr)}`, `seed ${c.seed}`];
  if (c.rule) parts.push(`${c.rule} rule`);
  if (c.steps) parts.push(`steps ${c.steps[0]}–${c.steps[1]}`);
  if (c.pool) parts.push(`pool ${c.pool}${c.fresh ? ` (fresh ${c.fresh}` : ' ('}${c.fresh ? ', ' : ''}damage ${c.damage ?? 0}${c.cuts ? `, ${c.cuts} of them cut in half-planes` : ''})`);
  if (c.pool && c.replace) parts.push(`replace ${c.replace}`);
  if (c.preroll) parts.push(`preroll 0–${c.preroll}`);
  if (c.evalEvery) parts.push(`keep-best every ${c.evalEvery} on ${c.evalDraws ?? KEEP_BEST_DRAWS} draws`);
  return `${parts.join(', ')}${c.full ? ', full preset' : ''}`;
}

export async function train(a: TrainArgs, io: Io): Promise<number> {
  const image = resolveImage(a.image);
  const out = a.out ?? `${image.stem}-${a.task}.nca`;
  const picturePath = a.picture === false ? null : (a.picture ?? out.replace(/\.nca$/i, '.png'));
  // every file this run may write, checked before any work (the pool only for a task that has one)
  for (const f of [out, poolPathFor(out), ...(picturePath ? [picturePath] : [])]) {
    const problem = prepareFolder(f);
    if (problem) throw new UsageError(`train: ${problem}`, 'train');
  }
  const progress = new Progress(io.stderr, { quiet: a.quiet, logEvery: a.logEvery });
  const note = (m: string, important = false) => progress.note(m, important);

  let checkpoint: Checkpoint | null = null;
  let config: TrainConfig;
  if (a.resume && existsSync(out)) {
    const r = loadCheckpoint(a, out, image);
    ({ checkpoint, config } = r);
    note(`resuming ${out} at iteration ${checkpoint.iteration} of ${config.iterations}${r.rebuilt ? ' (settings rebuilt from its hyperparameters)' : ''}`);
  } else {
    if (a.resume) note(`no checkpoint at ${out} yet: starting from scratch`);
    else if (existsSync(out)) note(`${out} exists and will be replaced at the first checkpoint (--resume continues it instead)`);
    config = resolveConfig(a);
  }
  // keep-best: the flags, else the checkpoint's; the draws a kept snapshot was scored on stay
  if (checkpoint && a.evalDraws !== undefined && config.evalEvery && a.evalDraws !== (config.evalDraws ?? KEEP_BEST_DRAWS)) {
    throw new UsageError(`train --resume: ${out} scores keep-best on ${config.evalDraws ?? KEEP_BEST_DRAWS} draws; --eval-draws ${a.evalDraws} would make its scores incomparable: drop --eval-draws`, 'train');
  }
  // --preroll may change on resume (it moves the loss window, not the model's shape); 0 removes it
  if (checkpoint && a.preroll !== undefined) {
    const { preroll: _, ...rest } = config;
    config = a.preroll ? { ...rest, preroll: a.preroll } : rest;
  }
  // --replace may change on resume too (which pool grids restart: what the loss sees, not the model)
  if (checkpoint && a.replace !== undefined) {
    if (!config.pool) throw new UsageError(`train --resume: --replace needs a sample pool, and ${out} was trained without one`, 'train');
    const { replace: _, ...rest } = config;
    config = a.replace === 'random' ? { ...rest, replace: 'random' } : rest;
  }
  // --fresh and --damage may change on resume too (the pool's split of the batch), and --task between
  // Distill's growing and regenerating (the same model and pool; a new damage)
  if (checkpoint) {
    const split = resumePoolSplit(a, config, out);
    if (split !== config) {
      if (split.task !== config.task) note(`task from iteration ${checkpoint.iteration} on: ${split.task} (was ${config.task}; the same rule, seed and pool), damage ${split.damage} (was ${config.damage ?? 0})`);
      else note(`pool split from iteration ${checkpoint.iteration} on: ${split.fresh !== undefined ? `fresh ${split.fresh}, ` : ''}damage ${split.damage} (was ${config.fresh !== undefined ? `fresh ${config.fresh}, ` : ''}damage ${config.damage ?? 0})`);
    }
    config = split;
    // --cuts may change on resume too (how the damaged grids are damaged); it counts among them
    const cut = resumeCuts(a, config, out);
    if (cut !== config) note(`cuts from iteration ${checkpoint.iteration} on: ${cut.cuts ?? 0} of the ${cut.damage} damaged grids lose a half-plane (was ${config.cuts ?? 0})`);
    config = cut;
  }
  // --lr may change on resume (a fine-tune): the new schedule replaces the old one, its iterations
  // still counted from the run's start; the checkpoint records it, so a later --resume keeps it
  if (checkpoint && a.lr !== undefined && JSON.stringify(a.lr) !== JSON.stringify(config.lr)) {
    note(`learning rate from iteration ${checkpoint.iteration} on: ${formatLr(a.lr)} (was ${formatLr(config.lr)}; the schedule's iterations count from the run's start)`);
    config = { ...config, lr: a.lr };
  }
  if (a.evalEvery !== undefined) config = { ...config, evalEvery: a.evalEvery, evalDraws: a.evalDraws ?? config.evalDraws ?? KEEP_BEST_DRAWS };
  // the resource budget, before a browser starts (flags: exit 2; a checkpoint's settings: exit 3)
  checkTrainBudget(config, checkpoint ? null : a, io.env, checkpoint ? out : null);
  if (!checkpoint) removeStalePool(out);
  const resumeRecord = { cli: JSON.stringify(config), image: image.input.name, imageCrc: image.crc };
  const faults = parseFaults(io.env.NCA_GL_TEST_FAULTS);
  const watchdogMs = Number(io.env.NCA_GL_WATCHDOG_S ?? 600) * 1000;
  const contextTimeoutS = Number(io.env.NCA_GL_CONTEXT_TIMEOUT_S ?? 60);
  const every = a.checkpointEvery;

  let bridge: Bridge | null = null;
  let stop: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stop) {
      note(`${sig} again: quitting without saving (the last checkpoint in ${out} is intact)`, true);
      bridge?.kill();
      process.exit(EXIT.interrupted);
    }
    stop = sig;
    note(`${sig}: stopping after the current iteration and saving (press Ctrl-C again to quit at once)`, true);
    bridge?.call('stop', []).catch(() => undefined);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let relaunches = 0;
  let launches = 0;
  let hasPool = false;
  let iteration = checkpoint?.iteration ?? 0;
  const startIteration = iteration;
  let lastSave = Date.now();
  let last: ProgressState | null = null;
  let picture: string | null = null;
  let finished: FinishReport | null = null;
  const t0 = Date.now();
  const intact = () => {
    const cp = checkpoint as Checkpoint | null;
    return cp && existsSync(out) ? `the last checkpoint, iteration ${cp.iteration}, is intact in ${out}: free the space and continue with --resume` : `nothing was saved (${out} was not written)`;
  };
  const save = async () => {
    const failAt = faults.failWriteAt.find((n) => iteration >= n);
    const hooks: AtomicHooks = {};
    if (failAt !== undefined) {
      hooks.beforeWrite = () => {
        faults.failWriteAt.splice(faults.failWriteAt.indexOf(failAt), 1);
        injectedEnospc();
      };
    }
    try {
      checkpoint = await saveCheckpoint(bridge!, out, iteration, resumeRecord, hasPool, config, hooks);
    } catch (e) {
      // the context went away after the last iteration: the next train call waits for it (or gives up)
      if (e instanceof NcaGlError && e.code === 'context-lost') return void note(`warning: no checkpoint at iteration ${iteration}: the WebGL context is lost`, true);
      if (e instanceof WriteError) throw new NcaGlError('io', `${e.message.replace(/^nca-gl: /, '')}. Training stopped at iteration ${iteration}; ${intact()}`, { cause: e });
      throw e;
    }
    lastSave = Date.now();
    relaunches = 0;
    progress.info(`checkpoint: iteration ${iteration} saved to ${out}`);
  };
  try {
    for (;;) {
      try {
        if (!bridge) {
          bridge = await Bridge.open({ webgl: a.webgl, debug: !!io.env.NCA_GL_DEBUG });
          const first = launches++ === 0;
          const rep = await bridge
            .call('setup', [
              { config, image: image.input, checkpoint: checkpoint?.b64, memoryBudget: memoryBudgetFromEnv(io.env), loseContextAt: first ? faults.loseContextAt : [], dropContextAt: first ? faults.dropContextAt : [], lostTimeoutS: contextTimeoutS },
            ])
            .catch((e: unknown) => {
              // over this device's texture limits (known only in the page): the flags' fault, or the checkpoint's
              if (e instanceof NcaGlError && e.code === 'over-budget' && !checkpoint) throw new UsageError(`train: ${e.message.replace(/^nca-gl: /, '')}`, 'train');
              throw e;
            });
          hasPool = rep.pool;
          iteration = rep.iteration;
          if (first) note(`training '${config.task}' on ${rep.source}\n  ${describeConfig(config)}; ${config.iterations} iterations\n  WebGL: ${bridge.renderer} (${bridge.mode})`);
          if (first && iteration >= config.iterations) note(`${out} is already at iteration ${iteration} of ${config.iterations}: nothing to train (raise --iterations to go on)`);
          if (hasPool && checkpoint) {
            const why = await restorePool(bridge, out, checkpoint.iteration, config);
            if (why) note(`warning: ${why}`, true);
          }
        }
        if (stop || iteration >= config.iterations) {
          // the end, or a signal: save what there is (nothing when no iteration ran), then the picture
          let dirty = iteration > startIteration && (checkpoint?.iteration !== iteration || !existsSync(out));
          if (!stop && !finished && iteration > 0) {
            // keep-best's last evaluation, and the figures at T, 10·T and 50·T (unless --no-eval)
            try {
              const f0 = Date.now();
              const draws = a.eval ? (a.qualityDraws ?? (config.full ? QUALITY_DRAWS : QUICK_QUALITY_DRAWS)) : 0;
              finished = await bridge.call('finish', [draws, iteration > startIteration], watchdogMs);
              dirty ||= finished.changed;
              if (finished.changed) progress.info(`final evaluation${finished.quality && draws ? ` and figures (${draws} draws to 50·T)` : ''}: ${((Date.now() - f0) / 1000).toFixed(1)} s`);
            } catch (e) {
              if (!(e instanceof NcaGlError && e.code === 'context-lost')) throw e;
              note(`warning: no final evaluation: the WebGL context is lost`, true);
            }
          }
          if (dirty) await save();
          if (!stop && picturePath && checkpoint && !picture) {
            const cp: Checkpoint = checkpoint;
            const pic = await trainingPicture(bridge, cp.b64, decodeModel(Buffer.from(cp.b64, 'base64')));
            try {
              writeFileAtomic(picturePath, pic.png);
            } catch (e) {
              if (!(e instanceof WriteError)) throw e;
              throw new NcaGlError('io', `${e.message.replace(/^nca-gl: /, '')}. Training finished: the model (iteration ${cp.iteration}) is in ${out}; draw the picture again with --resume`, { cause: e });
            }
            picture = `wrote ${picturePath}: ${pic.caption}`;
          }
          break;
        }
        let until = Math.min(config.iterations, (Math.floor(iteration / every) + 1) * every);
        const kill = faults.killBrowserAt.find((k) => k > iteration);
        if (kill !== undefined) until = Math.min(until, kill);
        const chunk = await bridge.call('train', [until, CHUNK_MS], watchdogMs);
        for (const f of chunk.faults) note(`warning: ${f.message}`, true);
        for (const ev of chunk.evaluations) {
          progress.info(`evaluation at iteration ${ev.iteration}: ${formatDb(ev.psnr)} at T (worst ${formatDb(ev.worst)})${ev.kept ? ', the best so far: kept' : ev.best ? `; kept: iteration ${ev.best.iteration}, ${formatDb(ev.best.psnr)}` : ''}`);
        }
        iteration = chunk.iteration;
        for (const s of chunk.steps) {
          last = { iteration: s.iteration, total: config.iterations, loss: s.loss, level: chunk.level === null ? null : s.level, rate: s.rate };
          progress.update(last);
        }
        if (kill !== undefined && iteration >= kill) {
          faults.killBrowserAt = faults.killBrowserAt.filter((k) => k > iteration);
          note(`test: killing the browser at iteration ${iteration}`, true);
          bridge.kill();
          continue;
        }
        // the last iteration is saved once, after the final evaluation and figures (the end, above)
        if (iteration < config.iterations && (iteration % every === 0 || Date.now() - lastSave > CHECKPOINT_MS)) await save();
      } catch (e) {
        if (!(e instanceof BrowserDied)) throw e;
        await bridge?.close().catch(() => undefined);
        bridge = null;
        if (stop) {
          note(`${e.message.replace(/^nca-gl: /, '')}; stopped: the last checkpoint (iteration ${checkpoint?.iteration ?? 0}) is in ${out}`, true);
          return stop === 'SIGTERM' ? 143 : EXIT.interrupted;
        }
        if (++relaunches > MAX_RELAUNCHES) {
          throw new NcaGlError('io', `${e.message.replace(/^nca-gl: /, '')}; the browser failed ${MAX_RELAUNCHES + 1} times in a row, giving up. ${checkpoint ? `The checkpoint at iteration ${checkpoint.iteration} is in ${out}: run again with --resume` : 'Nothing was saved yet'}`);
        }
        const what = e.message.replace(/^nca-gl: /, '');
        note(`warning: ${what}${/iteration/.test(what) ? '' : ` at iteration ${iteration}`}; relaunching it from ${checkpoint ? `the checkpoint at iteration ${checkpoint.iteration}` : 'the start'} (attempt ${relaunches} of ${MAX_RELAUNCHES})`, true);
      }
    }
    progress.done();
    if (stop) {
      const cp = checkpoint as Checkpoint | null;
      note(cp ? `stopped at iteration ${cp.iteration}: saved ${out}; continue with --resume` : 'stopped before the first iteration: nothing saved', true);
      return stop === 'SIGTERM' ? 143 : EXIT.interrupted;
    }
    const written = iteration > startIteration || !!finished?.changed;
    const lines = [`${written ? 'wrote' : 'unchanged:'} ${out}: ${config.task}, ${iteration} iterations${last ? `, loss ${formatLoss(last.loss)}` : ''}, ${formatDuration((Date.now() - t0) / 1000)}${finished?.quality ? `; ${describeQuality(finished.quality)}` : ''}`];
    if (finished?.best && finished.best.iteration !== iteration) lines.push(`the model is the snapshot of iteration ${finished.best.iteration} (keep-best: ${formatDb(finished.best.psnr)} at T, the best of ${finished.evaluations} evaluations); --resume continues from iteration ${iteration}`);
    else if (finished?.best) lines.push(`the model is the last iteration's (keep-best: ${formatDb(finished.best.psnr)} at T, the best of ${finished.evaluations} evaluations)`);
    if (picture) lines.push(picture);
    if (!a.quiet) io.stdout.write(lines.join('\n') + '\n');
    return EXIT.ok;
  } finally {
    progress.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await bridge?.close();
  }
}
