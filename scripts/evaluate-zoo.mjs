#!/usr/bin/env node
// Measures the zoo (or any .nca files): PSNR of each model from its task's start, after the rollout
// length it was trained with (T), the best over 10·T steps, and at 10·T and 50·T (does it hold or
// overgrow?), each with the worst of the 16 grids.
// For the article's tasks two starts are measured: the perturbation of the curriculum level the
// model reached ("its start"), and the curriculum's hardest one. Each figure is over 16 grids, each
// started from its own random draw of the perturbation (PSNR of the mean MSE; the worst grid beside
// it). Prints a Markdown table. --seed N draws other perturbations and other update masks (default 1, the README's
// figures; the masks matter for Distill's tasks, whose seed-cell start has nothing random):
// use another seed to choose between checkpoints, so that the reported figure is not the one the
// choice was made on.
// The "click" figures repeat the demo page's healing check (test/browser/demo-checks.ts) on all
// 16 grids: PSNR 32 steps after the target, after a disc of radius 4 around the centre is erased,
// and the best over the next 128 steps. The "cut" figures are the regeneration check (evaluateCut,
// the issue's line for regenerating models): from the hardest start (Distill's tasks: the seed),
// 2·T steps, then half of each grid cut away (left, right, top, bottom in turn), then 2·T more:
// PSNR before the cut, after it, and at the end (the worst grid beside it); "back" when the end is
// within 3 dB of before. --json prints the measurements as JSON instead: per model
// and start, psnrT, psnr10T, psnr50T (mean over the grids) and worstT, worst10T, worst50T.
// --write stores the model file's figures (issue 15: `quality`, what `nca-gl train` measures after
// training) into each given file: 16 draws of the hardest start seeded with EVAL_SEED (not --seed),
// PSNR at T, 10·T and 50·T and how long the model holds. Nothing else changes: the file is decoded,
// given its `quality` and re-encoded (format 3), its weights checked bit for bit against the
// original, and written atomically (temporary file, fsync, rename).
//   node scripts/evaluate-zoo.mjs [--seed N] [--json] [--write] [zoo/*.nca ...]     (after npm run build)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let opts;
try {
  opts = parseArgs({ options: { seed: { type: 'string' }, json: { type: 'boolean' }, write: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
} catch (e) {
  console.error(`evaluate-zoo: ${e.message} (see --help)`);
  process.exit(2);
}
if (opts.values.help) {
  console.log('Usage: node scripts/evaluate-zoo.mjs [--seed N] [--json] [--write] [model.nca ...]   (after npm run build)\n' +
    'PSNR of each model (default: zoo/*.nca but Distill\'s) at T, 10·T and 50·T over 16 draws of its task\'s start and of the hardest start,\n' +
    'with the worst draw, the demo\'s click check and the half-cut regeneration check; --json prints psnrT, psnr10T, psnr50T, worstT… per model; --write stores the quality figures in each file.');
  process.exit(0);
}
const { json = false, write = false } = opts.values;
const seed = Number(opts.values.seed ?? 1);
if (!Number.isSafeInteger(seed) || seed < 0) {
  console.error(`evaluate-zoo: --seed takes a whole number, got '${opts.values.seed}'`);
  process.exit(2);
}
const args = opts.positionals;
const { launchBrowser, serveStatic } = await import(pathToFileURL(join(root, 'dist', 'node.mjs')).href);
const { writeFileAtomic } = write ? await import(pathToFileURL(join(root, 'dist', 'cli.mjs')).href) : {};
// By default the zoo's models that carry a target thumbnail: Distill's imported ones (zoo/distill-*,
// 8-bit, no thumbnail to stay under 10 KB) are measured by test/browser/import.test.ts instead.
const files = args.length ? args : readdirSync(join(root, 'zoo')).filter((f) => f.endsWith('.nca') && !f.startsWith('distill-')).map((f) => join('zoo', f));

const server = await serveStatic(root);
const b = await launchBrowser();
const rows = [];
try {
  const page = await b.browser.newPage();
  await page.goto(`${server.url}/test/browser/page.html`);
  for (const f of files) {
    const bytes = readFileSync(f).toString('base64');
    const r = await page.evaluate((b64, seed, write) => {
      const { NcaGl, T } = window;
      const m = NcaGl.decodeModel(NcaGl.base64ToBytes(b64));
      const { width, height } = m.grid;
      const target = NcaGl.modelTarget(m);
      if (!target) throw new Error('the model file holds no target thumbnail to measure against');
      const task = m.training?.task;
      const p = NcaGl.preset(task);
      // the update masks too follow --seed (seed 1: the engine's default 0), so that draws of
      // another seed differ for Distill's tasks as well, whose start (the seed cell) has nothing random
      const e = NcaGl.createEngine(T.canvas(8, 8), NcaGl.modelEngineOptions(m, { batch: 16, seed: (seed - 1) >>> 0 }));
      const out = { task, grid: `${width}×${height}`, hidden: m.rule.hidden, iterations: m.training?.iterations, minutes: Math.round((m.training?.durationMs ?? 0) / 60000) };
      const describe = (s) => (s === 'seed' ? 'seed cell' : [s.radius !== Infinity ? `truncated r ${s.radius.toFixed(1)}` : '', s.noise ? `noise σ ${s.noise.toFixed(3)}` : '', s.circles && s.ablation ? `${s.circles} discs r ${s.ablation.toFixed(1)}` : ''].filter(Boolean).join(', ') || 'target');
      const run = (start, steps) => {
        const ev = NcaGl.evaluate(e, { target, start, steps, horizon: 10, samples: 20, seed, marks: [1, 10, 50] });
        const at = (k) => ev.marks.find((x) => x.multiple === k);
        return {
          start: describe(start), steps, psnr: ev.psnr, worst: Math.min(...ev.grids), best: ev.maxPsnr, long: ev.long.psnr,
          psnrT: at(1).psnr, worstT: at(1).worst, psnr10T: at(10).psnr, worst10T: at(10).worst, psnr50T: at(50).psnr, worst50T: at(50).worst,
        };
      };
      // the demo page's click check (issue 7), on every grid: run 32 steps from the target, erase a
      // disc of radius 4 cells around the live cell nearest the centre, and follow 128 more steps
      const click = () => {
        const { batch } = e;
        const mean = () => { const st = e.getState(); let m = 0; for (let g = 0; g < batch; g++) m += NcaGl.displayMse(st, target, width, height, g) / batch; return NcaGl.psnr(m); };
        e.stepIndex = 0;
        e.setState(NcaGl.targetState(Float32Array.from(target), batch, width, height));
        e.step(32);
        const before = mean();
        const st = e.getState();
        let at = [width / 2, height / 2], bd = Infinity;
        for (let y = 0; y < height; y++)
          for (let x = 0; x < width; x++) {
            const d = Math.hypot(x + 0.5 - width / 2, y + 0.5 - height / 2);
            if (st[(y * width + x) * 16 + 3] > 0.5 && d < bd) [at, bd] = [[x + 0.5, y + 0.5], d];
          }
        e.erase(at[0], at[1], 4);
        const damaged = mean();
        let recovered = -Infinity;
        for (let k = 8; k <= 128; k += 8) {
          e.step(8);
          recovered = Math.max(recovered, mean());
        }
        return { before, damaged, recovered, last: mean() };
      };
      out.click = click();
      // the file's figures (--write): what TrainingSession.measureQuality measures after training
      const canvas = T.canvas;
      const quality = (start, steps) => {
        const draws = NcaGl.QUALITY_DRAWS;
        const eq = NcaGl.createEngine(canvas(8, 8), NcaGl.modelEngineOptions(m, { batch: draws, seed: NcaGl.EVAL_SEED }));
        try {
          const q = NcaGl.qualityFromReport(NcaGl.evaluate(eq, { target, start, ...NcaGl.qualityEvalOptions(steps) }), draws);
          const bytes = NcaGl.encodeModel({ ...m, quality: q });
          const back = NcaGl.decodeModel(bytes);
          for (const k of Object.keys(m.weights)) {
            const a = new Uint32Array(m.weights[k].buffer, m.weights[k].byteOffset, m.weights[k].length);
            const b = new Uint32Array(back.weights[k].buffer, back.weights[k].byteOffset, back.weights[k].length);
            if (a.length !== b.length || a.some((x, i) => x !== b[i])) throw new Error(`re-encoding changed weight ${k}`);
          }
          return { quality: q, b64: NcaGl.bytesToBase64(bytes) };
        } finally {
          eq.dispose();
        }
      };
      const cut = (start, steps) => {
        const r = NcaGl.evaluateCut(e, { target, start, steps, seed });
        return { before: r.before, cut: r.cut, after: r.after, worst: r.worst, back: r.after >= r.before - 3, steps: `${r.cutStep} → ${r.afterStep}` };
      };
      if (p.curriculum) {
        // the curriculum the run trained with: the preset's, with the run's changes (first radius,
        // --steps, --levels, --pace: resume.cli) applied as the trainer applies them
        let cli = {};
        try {
          cli = JSON.parse(m.resume?.cli ?? '{}');
        } catch {}
        const config = NcaGl.adjustedCurriculum(task, cli) ?? p.curriculum;
        const c = new NcaGl.Curriculum(config, m.curriculum ? NcaGl.Curriculum.stateFromRecord(m.curriculum) : undefined);
        const T = c.state.steps;
        out.level = c.state.level;
        out.own = run(c.perturbation(), T);
        out.hardest = run(c.hardest(), T);
        out.cut = cut(c.hardest(), T);
        if (write) out.write = quality(c.hardest(), c.config.steps.limit);
      } else {
        const hp = String(m.training?.hyperparameters?.steps ?? '');
        const T = Number(/(\d+)\s*$/.exec(hp)?.[1] ?? 64);
        out.own = run('seed', T);
        out.cut = cut('seed', T);
        if (write) out.write = quality('seed', T);
      }
      e.dispose();
      return out;
    }, bytes, seed, write);
    if (r.write) {
      writeFileAtomic(f, Buffer.from(r.write.b64, 'base64'));
      r.quality = r.write.quality;
      delete r.write;
      console.error(`${f}: wrote quality ${JSON.stringify(r.quality)}`);
    }
    rows.push({ file: f, ...r });
  }
} finally {
  await b.close();
  await server.close();
}
if (json) {
  console.log(JSON.stringify(rows, null, 1));
  process.exit(0);
}
const f1 = (x) => (x === null || x === undefined ? '—' : Number.isFinite(x) ? x.toFixed(1) : '∞');
for (const r of rows) {
  console.log(`${r.file}: click check ${f1(r.click.before)} dB → ${f1(r.click.damaged)} after the click → best ${f1(r.click.recovered)}, last ${f1(r.click.last)}`);
  const c = r.cut;
  console.log(`${r.file}: cut check (steps ${c.steps}) ${f1(c.before)} dB → ${f1(c.cut)} after half is cut → ${f1(c.after)} (worst ${f1(c.worst)}): ${c.back ? 'back within 3 dB' : 'not back'}`);
}
console.log('| model | task | grid, hidden | iterations (min) | start | T | PSNR at T (worst of 16) | best within 10·T | at 10·T (worst) | at 50·T (worst) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  for (const [label, e] of [['its start', r.own], ['hardest start', r.hardest]]) {
    if (!e) continue;
    console.log(`| ${r.file} | ${r.task}${r.level !== undefined ? ` (level ${r.level})` : ''} | ${r.grid}, ${r.hidden} | ${r.iterations} (${r.minutes}) | ${label}: ${e.start} | ${e.steps} | ${f1(e.psnr)} dB (${f1(e.worst)}) | ${f1(e.best)} dB | ${f1(e.psnr10T)} dB (${f1(e.worst10T)}) | ${f1(e.psnr50T)} dB (${f1(e.worst50T)}) |`);
  }
}
