/**
 * The real command line, spawned as `node bin/nca-gl.mjs …` (build first: `node build.mjs`): a tiny
 * model trained end to end with its picture, `render` to a GIF that decodes, `info`, resume after a
 * SIGKILL at a (seeded) random iteration repeating the uninterrupted loss sequence, a browser killed
 * under the CLI and relaunched, Ctrl-C (SIGINT) saving and exiting 130, and the exit codes of bad
 * flags (2) and bad model files (3).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import omggif from 'omggif';
import { beforeAll, describe, expect, it } from 'vitest';
import { hash32 } from '../../src/engine/hash';
import { decodeModel, encodeModel, type ModelFile } from '../../src/io/model-file';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'nca-gl.mjs');
/** A tiny growth run: 16×16, hidden 16, 20 iterations, a checkpoint every 5. */
const TINY = ['train', 'lizard', '--size', '16', '--hidden', '16', '--iterations', '20', '--checkpoint-every', '5', '--log-every', '1'];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI (or `o.script`) in `cwd`; `onLine(line, child)` sees every stderr line as it arrives. */
function cli(args: string[], cwd: string, o: { env?: Record<string, string>; onLine?: (line: string, child: ChildProcess) => void; script?: string } = {}): Promise<Run> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [o.script ?? BIN, ...args], { cwd, env: { ...process.env, ...o.env } });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const l of lines) o.onLine?.(l, child);
    });
    child.on('error', fail);
    child.on('close', (code, signal) => ok({ code, signal, stdout, stderr }));
  });
}

const iterationOf = (line: string): number | null => {
  const m = /^iteration +(\d+)\//.exec(line);
  return m ? Number(m[1]) : null;
};
const model = (path: string): ModelFile => decodeModel(readFileSync(path));
const history = (path: string): number[] => Array.from(model(path).training!.lossHistory!);

let dir: string;
let reference: number[];

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'cli.mjs'))) throw new Error('dist/cli.mjs is missing: run `node build.mjs` first');
  dir = mkdtempSync(join(tmpdir(), 'nca-gl-cli-'));
});

describe('train, render, info', () => {
  it('trains a tiny model end to end and writes the model and its picture', async () => {
    const r = await cli([...TINY, '--out', 'a.nca'], dir);
    expect(r.stderr).toContain("training 'growth' on lizard");
    expect(r.code).toBe(0);
    // the quick job's paced curriculum reaches the task's hardest start (radius 6, level 20 of 20) within the run
    expect(r.stdout).toMatch(/^wrote a\.nca: growth, 20 iterations, loss [\d.e-]+, \d+s; [\d.]+ dB at T=16, [\d.]+ dB at 10·T, holds (all )?\d+ steps( measured)?\nwrote a\.png: target, start \(the target truncated at radius 6\.0 \(task 'growth', curriculum level 20\)\), then after/);
    // one progress line per iteration, then the checkpoints every 5
    expect(r.stderr.split('\n').map(iterationOf).filter((i) => i !== null)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(r.stderr.match(/checkpoint: iteration (\d+) saved/g)).toEqual([5, 10, 15, 20].map((i) => `checkpoint: iteration ${i} saved`));
    const m = model(join(dir, 'a.nca'));
    expect(m.rule).toMatchObject({ rule: 'growing', hidden: 16 }); // the quick growth job trains Distill's rule
    expect(m.grid).toEqual({ width: 16, height: 16 });
    expect(m.training).toMatchObject({ task: 'growth', iterations: 20, seed: 1 });
    expect(m.optimizer!.step).toBe(20);
    expect(m.resume!.cli).toContain('"task":"growth"');
    // the figures after training (issue 15): 4 draws (a quick run) of the hardest start, at T = 16, 10·T, 50·T
    expect(m.quality).toMatchObject({ draws: 4, steps: 16 });
    const q = m.quality!;
    expect(q.holdsSteps).toBeGreaterThanOrEqual(32);
    expect(q.holdsSteps).toBeLessThanOrEqual(800);
    expect(q.worstT).toBeLessThanOrEqual(q.psnrT + 1e-9);
    expect(r.stdout).toContain(`${q.psnrT.toFixed(1)} dB at T=16, ${q.psnr10T.toFixed(1)} dB at 10·T`);
    expect(m.best).toBeUndefined();
    reference = history(join(dir, 'a.nca'));
    expect(reference.length).toBe(20);
    expect(reference.every(Number.isFinite)).toBe(true);
    const png = readFileSync(join(dir, 'a.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // 5 panels (target, start, 3 states) of 16 cells × 12 pixels, 12 pixels apart
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([5 * 192 + 6 * 12, 192 + 2 * 12]);
  });

  it('renders a GIF that decodes and a PNG strip', async () => {
    const r = await cli(['render', 'a.nca', '--steps', '12', '--out', 'a.gif', '--scale', '4'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('wrote a.gif: 13 frames (64×64), steps 0…12 every 1');
    const gif = new omggif.GifReader(readFileSync(join(dir, 'a.gif')));
    expect([gif.width, gif.height, gif.numFrames(), gif.loopCount()]).toEqual([64, 64, 13, 0]);
    const first = new Uint8Array(64 * 64 * 4);
    const last = new Uint8Array(64 * 64 * 4);
    gif.decodeAndBlitFrameRGBA(0, first);
    gif.decodeAndBlitFrameRGBA(12, last);
    expect(first.some((v, i) => i % 4 !== 3 && v < 200)).toBe(true); // the start is not blank
    expect(Buffer.compare(Buffer.from(first), Buffer.from(last))).not.toBe(0); // the cells moved
    const p = await cli(['render', 'a.nca', '--steps', '6', '--every', '3', '--start', 'seed', '--out', 'seed.png', '--scale', '2'], dir);
    expect(p.code).toBe(0);
    expect(p.stdout).toContain('a strip of 3 frames (32×32), steps 0…6 every 3, from the seed');
    const png = readFileSync(join(dir, 'seed.png'));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([3 * 32 + 4, 32 + 2]);
  });

  it('info prints what the model holds', async () => {
    const r = await cli(['info', 'a.nca'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^nca-gl model\nrule: +growing, hidden 16, update rate 0\.5/);
    expect(r.stdout).toContain('training:      task "growth", preset "growth (quick)", 20 iterations, seed 1');
    expect(r.stdout).toContain('optimizer:     Adam state at step 20 (training can resume)');
  });
});

describe('never lose work', () => {
  it('resume after a SIGKILL at a random iteration repeats the uninterrupted loss sequence', async () => {
    const killAt = 6 + (hash32(0xc1) % 12); // after the first checkpoint (5), before the end (20)
    let killed = -1;
    const r = await cli([...TINY, '--out', 'b.nca', '--no-picture'], dir, {
      onLine: (line, child) => {
        const i = iterationOf(line);
        if (i !== null && i >= killAt && killed < 0) {
          killed = i;
          child.kill('SIGKILL');
        }
      },
    });
    expect(r.signal).toBe('SIGKILL');
    expect(killed).toBeGreaterThanOrEqual(killAt);
    // the checkpoint on disk is whole: the last one written before the kill
    const saved = model(join(dir, 'b.nca'));
    expect(saved.training!.iterations! % 5).toBe(0);
    expect(saved.training!.iterations!).toBeGreaterThanOrEqual(5);
    expect(saved.training!.iterations!).toBeLessThanOrEqual(killed + 5);
    const resumed = await cli([...TINY, '--out', 'b.nca', '--no-picture', '--resume'], dir);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`resuming b.nca at iteration ${saved.training!.iterations} of 20`);
    expect(history(join(dir, 'b.nca'))).toEqual(reference);
  });

  it('regenerating: the pool is saved beside the checkpoint and a resumed run repeats the losses', async () => {
    const regen = ['train', 'heart', '--task', 'regenerating', '--size', '12', '--hidden', '8', '--batch', '2', '--pool', '4', '--checkpoint-every', '4', '--no-picture', '-q'];
    const full = await cli([...regen, '--iterations', '10', '--out', 'r1.nca'], dir);
    expect(full.code).toBe(0);
    const first = await cli([...regen, '--iterations', '6', '--out', 'r2.nca'], dir);
    expect(first.code).toBe(0);
    expect(existsSync(join(dir, 'r2.pool'))).toBe(true);
    const rest = await cli([...regen, '--iterations', '10', '--out', 'r2.nca', '--resume'], dir);
    expect(rest.code).toBe(0);
    expect(rest.stderr).toBe('');
    expect(history(join(dir, 'r2.nca'))).toEqual(history(join(dir, 'r1.nca')));
  });

  it('--preroll given on --resume applies from there on, is recorded, and a later --resume keeps it', async () => {
    const regen = ['train', 'heart', '--task', 'regenerating', '--size', '12', '--hidden', '8', '--batch', '2', '--pool', '4', '--checkpoint-every', '4', '--no-picture', '-q'];
    const plain = await cli([...regen, '--iterations', '10', '--out', 'q1.nca'], dir);
    expect(plain.code).toBe(0);
    expect((await cli([...regen, '--iterations', '6', '--out', 'q2.nca'], dir)).code).toBe(0);
    const more = await cli([...regen, '--iterations', '10', '--out', 'q2.nca', '--resume', '--preroll', '8'], dir);
    expect(more.code).toBe(0);
    const m = model(join(dir, 'q2.nca'));
    expect(m.training!.hyperparameters!.preroll).toBe(8);
    expect(JSON.parse(String(m.resume!.cli)).preroll).toBe(8);
    const [a, b] = [history(join(dir, 'q1.nca')), history(join(dir, 'q2.nca'))];
    expect(b.slice(0, 6)).toEqual(a.slice(0, 6));
    expect(b.slice(6)).not.toEqual(a.slice(6)); // the later iterations trained on later windows
    expect((await cli([...regen, '--iterations', '12', '--out', 'q2.nca', '--resume'], dir)).code).toBe(0);
    expect(model(join(dir, 'q2.nca')).training!.hyperparameters!.preroll).toBe(8);
  });

  it('--cuts given on --resume cuts half-planes from there on, is recorded, and a later --resume keeps it', async () => {
    const regen = ['train', 'heart', '--task', 'regenerating', '--size', '12', '--hidden', '8', '--batch', '2', '--pool', '4', '--checkpoint-every', '4', '--no-picture', '-q'];
    expect((await cli([...regen, '--iterations', '10', '--out', 'k1.nca'], dir)).code).toBe(0);
    expect((await cli([...regen, '--iterations', '6', '--out', 'k2.nca'], dir)).code).toBe(0);
    const more = await cli([...regen, '--iterations', '10', '--out', 'k2.nca', '--resume', '--cuts', '1'], dir);
    expect(more.code).toBe(0);
    const m = model(join(dir, 'k2.nca'));
    expect(m.training!.hyperparameters!.damage).toBe(1);
    expect(m.training!.hyperparameters!.cuts).toBe(1);
    expect(JSON.parse(String(m.resume!.cli)).cuts).toBe(1);
    expect(model(join(dir, 'k1.nca')).training!.hyperparameters!.cuts).toBeUndefined();
    const [a, b] = [history(join(dir, 'k1.nca')), history(join(dir, 'k2.nca'))];
    expect(b.slice(0, 6)).toEqual(a.slice(0, 6));
    expect(b.slice(6)).not.toEqual(a.slice(6)); // the damaged grid lost a half-plane, not a disc
    expect((await cli([...regen, '--iterations', '12', '--out', 'k2.nca', '--resume'], dir)).code).toBe(0);
    expect(model(join(dir, 'k2.nca')).training!.hyperparameters!.cuts).toBe(1);
    // more cuts than damaged grids: named, nothing written
    const bad = await cli([...regen, '--iterations', '14', '--out', 'k2.nca', '--resume', '--cuts', '2'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--cuts 2 is more than the damaged grids (1)');
    expect(history(join(dir, 'k2.nca')).length).toBe(12);
  });

  it('--hidden given on --resume widens the model: the first loss after it is unchanged (the same update), then it trains the new units', async () => {
    const regen = ['train', 'heart', '--task', 'regenerating', '--size', '12', '--batch', '2', '--pool', '4', '--checkpoint-every', '4', '--no-picture', '-q'];
    expect((await cli([...regen, '--hidden', '8', '--iterations', '10', '--out', 'h1.nca'], dir)).code).toBe(0);
    expect((await cli([...regen, '--hidden', '8', '--iterations', '6', '--out', 'h2.nca'], dir)).code).toBe(0);
    const more = await cli([...regen, '--hidden', '16', '--iterations', '10', '--out', 'h2.nca', '--resume'], dir);
    expect(more.code).toBe(0);
    const m = model(join(dir, 'h2.nca'));
    expect(m.rule.hidden).toBe(16);
    expect(m.weights.w0.length).toBe(16 * 48);
    expect(JSON.parse(String(m.resume!.cli)).hidden).toBe(16);
    const [a, b] = [history(join(dir, 'h1.nca')), history(join(dir, 'h2.nca'))];
    // iteration 7's loss is measured with the widened weights before their first update: the same
    // states, masks and draws through the same function give the same loss
    expect(b.slice(0, 7)).toEqual(a.slice(0, 7));
    expect(b.slice(7)).not.toEqual(a.slice(7)); // then the new units train
    // a later --resume keeps the width; fewer units than the checkpoint is named, nothing written
    expect((await cli([...regen, '--iterations', '12', '--out', 'h2.nca', '--resume'], dir)).code).toBe(0);
    expect(model(join(dir, 'h2.nca')).rule.hidden).toBe(16);
    const bad = await cli([...regen, '--hidden', '8', '--iterations', '14', '--out', 'h2.nca', '--resume'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--hidden (checkpoint: 16)');
    expect(history(join(dir, 'h2.nca')).length).toBe(12);
  });

  it('--lr given on --resume replaces the schedule from there on, is recorded, and a later --resume keeps it', async () => {
    const base = ['train', 'heart', '--size', '12', '--hidden', '8', '--pace', '6', '--checkpoint-every', '4', '--no-picture', '-q', '--lr', '0.002'];
    expect((await cli([...base, '--iterations', '8', '--out', 'l1.nca'], dir)).code).toBe(0);
    expect((await cli([...base, '--iterations', '4', '--out', 'l2.nca'], dir)).code).toBe(0);
    const more = await cli([...base.slice(0, -2), '--iterations', '8', '--out', 'l2.nca', '--resume', '--lr', '0.0001,6:0.00005'], dir);
    expect(more.code).toBe(0);
    const m = model(join(dir, 'l2.nca'));
    const lr = { boundaries: [6], values: [0.0001, 0.00005] };
    expect(JSON.parse(String(m.resume!.cli)).lr).toEqual(lr);
    const [a, b] = [history(join(dir, 'l1.nca')), history(join(dir, 'l2.nca'))];
    expect(b.slice(0, 5)).toEqual(a.slice(0, 5)); // the first update at the new rate shows in the loss of iteration 5
    expect(b.slice(5)).not.toEqual(a.slice(5));
    expect((await cli([...base.slice(0, -2), '--iterations', '10', '--out', 'l2.nca', '--resume'], dir)).code).toBe(0);
    expect(JSON.parse(String(model(join(dir, 'l2.nca')).resume!.cli)).lr).toEqual(lr);
  });

  it('lost WebGL contexts and a browser killed under the CLI are survived; the losses are those of an undisturbed run', async () => {
    // a context lost and restored at 3 (the session recovers in the page); one lost for good at 7
    // (the page gives up after 2 s, the CLI relaunches from the checkpoint at 5); the browser killed at 12
    const env = { NCA_GL_TEST_FAULTS: 'lose-context@3,drop-context@7,kill-browser@12', NCA_GL_CONTEXT_TIMEOUT_S: '2' };
    const r = await cli([...TINY, '--out', 'c.nca', '--no-picture'], dir, { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: the WebGL context was lost at iteration');
    expect(r.stderr).toContain('warning: the WebGL context is back: resumed from iteration 0');
    expect(r.stderr).toMatch(/warning: the WebGL context was lost at iteration \d+ and did not come back within 2 s; relaunching it from the checkpoint at iteration 5 \(attempt 1 of 3\)/);
    expect(r.stderr).toMatch(/warning: the browser (disconnected|process exited)[^\n]* at iteration 12; relaunching it from the checkpoint at iteration 10 \(attempt 1 of 3\)/);
    expect(history(join(dir, 'c.nca'))).toEqual(reference);
  });

  it('Ctrl-C (SIGINT) stops after saving and exits 130; --resume finishes the run', async () => {
    let stoppedAt = -1;
    // the quick growth job's pace and learning-rate step follow --iterations (60 % and 80 % of it):
    // pin them to the 20-iteration reference's, so only the length of the run differs
    const r = await cli([...TINY, '--iterations', '1000', '--pace', '12', '--lr', '0.002,16:0.0005', '--checkpoint-every', '1000', '--out', 'd.nca', '--no-picture'], dir, {
      onLine: (line, child) => {
        const i = iterationOf(line);
        if (i !== null && i >= 3 && stoppedAt < 0) {
          stoppedAt = i;
          child.kill('SIGINT');
        }
      },
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('SIGINT: stopping after the current iteration and saving');
    const at = Number(/stopped at iteration (\d+): saved d\.nca; continue with --resume/.exec(r.stderr)?.[1]);
    expect(at).toBeGreaterThanOrEqual(stoppedAt);
    expect(model(join(dir, 'd.nca')).training!.iterations).toBe(at);
    const saved = history(join(dir, 'd.nca'));
    expect(saved.length).toBe(at);
    expect(saved.slice(0, 20)).toEqual(reference.slice(0, at));
    const done = await cli([...TINY, '--iterations', String(at + 3), '--out', 'd.nca', '--no-picture', '--resume', '-q'], dir);
    expect(done.code).toBe(0);
    expect(done.stdout + done.stderr).toBe('');
    const resumed = history(join(dir, 'd.nca'));
    expect(resumed.length).toBe(at + 3);
    expect(resumed.slice(0, at)).toEqual(saved);
  });
});

describe('keep-best (issue 15)', () => {
  it('writes the best snapshot as the model, keeps the latest state beside it, and --resume continues from the latest', async () => {
    // evaluations at 10 and 20, checkpoints every 5: the checkpoint at 15 holds the snapshot of 10
    // as the model and the weights of 15 as the latest
    const KB = [...TINY, '--eval-every', '10', '--eval-draws', '4', '--no-picture', '--no-eval'];
    const full = await cli([...KB, '--out', 'k1.nca'], dir);
    expect(full.code).toBe(0);
    expect(full.stderr).toMatch(/evaluation at iteration 10: [\d.]+ dB at T \(worst [\d.]+ dB\), the best so far: kept/);
    expect(full.stderr).toMatch(/evaluation at iteration 20: /);
    const a = model(join(dir, 'k1.nca'));
    expect(a.quality).toBeUndefined(); // --no-eval
    expect(a.best).toMatchObject({ draws: 4, steps: 16, every: 10, evaluations: 2 });
    expect([10, 20]).toContain(a.best!.iteration);
    expect(history(join(dir, 'k1.nca'))).toEqual(reference); // evaluating never changes training
    // the same run killed after its checkpoint at 15
    let killed = false;
    const r = await cli([...KB, '--out', 'k2.nca'], dir, {
      onLine: (line, child) => {
        if (!killed && /checkpoint: iteration 15 saved/.test(line)) {
          killed = true;
          child.kill('SIGKILL');
        }
      },
    });
    expect(r.signal).toBe('SIGKILL');
    const at15 = model(join(dir, 'k2.nca'));
    expect(at15.training!.iterations).toBe(15);
    expect(at15.best).toMatchObject({ iteration: 10, evaluations: 1 });
    expect(at15.latest).toBeDefined();
    expect(Buffer.compare(Buffer.from(at15.latest!.weights.w0.buffer), Buffer.from(at15.weights.w0.buffer))).not.toBe(0);
    const info = await cli(['info', 'k2.nca'], dir);
    expect(info.stdout).toMatch(/kept: +iteration 10: the best of 1 evaluations every 10 iterations, .* over 4 draws \(training resumes from the latest weights, also in the file\)/);
    // resuming from the snapshot of 10 instead of the latest state (15) would change the losses
    const resumed = await cli([...KB, '--out', 'k2.nca', '--resume'], dir);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('resuming k2.nca at iteration 15 of 20');
    const b = model(join(dir, 'k2.nca'));
    expect(history(join(dir, 'k2.nca'))).toEqual(reference);
    expect(b.best).toEqual(a.best);
    // the tensors the rule has (the growing rule has no b1 unless it was trained with an output bias)
    const tensors = (['w0', 'b0', 'w1', 'b1'] as const).filter((k) => a.weights[k] !== undefined);
    expect(tensors.length).toBeGreaterThanOrEqual(3);
    for (const k of tensors) {
      expect(Buffer.compare(Buffer.from(b.weights[k]!.buffer), Buffer.from(a.weights[k]!.buffer)), k).toBe(0);
      expect(!!b.latest, 'latest').toBe(!!a.latest);
      if (a.latest) expect(Buffer.compare(Buffer.from(b.latest!.weights[k]!.buffer), Buffer.from(a.latest.weights[k]!.buffer)), k).toBe(0);
    }
    expect(b.optimizer!.step).toBe(20);
  });
});

describe('scripts/evaluate-zoo.mjs --write (issue 15)', () => {
  it('stores the figures `train` measures after training, changing nothing else in the file', async () => {
    // a tiny model whose own figures are measured as evaluate-zoo measures them: 16 draws of the
    // hardest start with the evaluation seed
    const t = await cli([...TINY, '--iterations', '10', '--quality-draws', '16', '--no-picture', '--out', 'q.nca'], dir);
    expect(t.code).toBe(0);
    const trained = model(join(dir, 'q.nca'));
    expect(trained.quality).toMatchObject({ draws: 16, steps: 16 });
    // the same file without its figures: --write must put back the same ones
    const { quality: _, ...bare } = trained;
    writeFileSync(join(dir, 'bare.nca'), encodeModel(bare));
    expect(model(join(dir, 'bare.nca')).quality).toBeUndefined();
    const r = await cli(['--write', '--json', 'bare.nca'], dir, { script: join(ROOT, 'scripts', 'evaluate-zoo.mjs') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('bare.nca: wrote quality');
    const written = model(join(dir, 'bare.nca'));
    // the figures: the trainer's (the same kernels, draws and seed) within 0.05 dB: the trainer
    // measures against the image it trained on, the script against the file's 8-bit thumbnail of it
    // (measured here: 0.009 dB apart at 28 dB)
    expect(written.quality).toBeDefined();
    const q = written.quality!;
    const want = trained.quality!;
    expect({ draws: q.draws, steps: q.steps }).toEqual({ draws: want.draws, steps: want.steps });
    for (const k of ['psnrT', 'psnr10T', 'psnr50T', 'worstT', 'worst10T', 'worst50T'] as const) expect(q[k], k).toBeCloseTo(want[k], 1);
    expect(q.holdsSteps).toBe(want.holdsSteps);
    // the JSON report carries the same figures, and the table's fields
    const rows = JSON.parse(r.stdout) as { file: string; quality: typeof q; hardest: Record<string, number> }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.quality).toEqual(q);
    for (const k of ['psnrT', 'psnr10T', 'psnr50T', 'worstT']) expect(Number.isFinite(rows[0]!.hardest[k]), k).toBe(true);
    // nothing else changed: weights bit for bit, the training record, the optimiser state
    for (const k of ['w0', 'b0', 'w1', 'b1'] as const) {
      if (!trained.weights[k]) continue;
      expect(Buffer.compare(Buffer.from(written.weights[k]!.buffer), Buffer.from(trained.weights[k]!.buffer)), k).toBe(0);
    }
    expect(written.training).toEqual(trained.training);
    expect(written.grid).toEqual(trained.grid);
    expect(written.optimizer!.step).toBe(trained.optimizer!.step);
  });
});

describe('exit codes', () => {
  it('bad flags exit 2 with the flag named', async () => {
    for (const [args, message] of [
      [['train', 'lizard', '--bogus'], "unknown option '--bogus'"],
      [['train', 'lizard', '--size', 'big'], "--size must be a whole number from 3 to 1024, got 'big'"],
      [['render', 'a.nca', '--out', 'a.mp4'], '--out must name a .gif or .png file'],
      [['train', 'lizard', '--out', 'a.nca', '--resume', '--hidden', '8'], '--hidden (checkpoint: 16)'],
      [['explode'], "unknown command 'explode'"],
    ] as const) {
      const r = await cli([...args], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('Usage: nca-gl');
    }
  });

  it('a bad model file exits 3 with the loader message', async () => {
    const good = readFileSync(join(dir, 'a.nca'));
    writeFileSync(join(dir, 'cut.nca'), good.subarray(0, good.length - 100));
    writeFileSync(join(dir, 'text.nca'), 'hello');
    for (const [args, message] of [
      [['info', 'cut.nca'], 'nca-gl: cut.nca: model file is truncated'],
      [['render', 'cut.nca'], 'nca-gl: cut.nca: model file is truncated'],
      [['render', 'text.nca', '--out', 'x.gif'], 'nca-gl: text.nca: not an nca-gl model file (bad magic bytes)'],
      [['train', 'lizard', '--out', 'cut.nca', '--resume'], 'nca-gl: cut.nca: model file is truncated'],
      [['train', 'no-such.png'], "cannot read image 'no-such.png'"],
    ] as const) {
      const r = await cli([...args], dir);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(message);
    }
    const img = await cli(['train', 'text.nca', '--size', '8', '--iterations', '1', '--out', 'img.nca'], dir);
    expect(img.code).toBe(3);
    expect(img.stderr).toMatch(/could not decode .* as an image/);
  });
});
