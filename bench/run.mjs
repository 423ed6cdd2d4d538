// npm run bench — nca-gl's benchmark. Prints a table (with the WebGL renderer) and writes
// bench/results.json: [{name, config, metric, value, unit, renderer, baseline?, baselineValue?, ratio?}],
// where a baseline is always measured in the same run (ratio > 1: nca-gl is better).
//
//   node bench/run.mjs [--only forward,train] [--configs reduced,seed] [--iterations N] [--no-tfjs]
//                      [--out bench/results.json] [--quick]
// Forward: CA steps/s at 72×72 × batch 8 (hidden 128) and one 1024×1024 grid.
// Training: iterations/s and GPU memory for the configs of bench/configs.mjs (memory of the standard
// config at 64 and 96 steps everywhere, even where it is too slow to run), beside the same
// workload in TensorFlow.js (webgl and wasm backends, same browser, same run; bench/tfjs/).
// On software WebGL the standard config is skipped by default (minutes per iteration); with a GPU
// all three run. Browser and WebGL selection: src/node/browser.ts ($NCA_GL_WEBGL, $NCA_GL_CHROMIUM).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CONFIGS } from './configs.mjs';

// (no import.meta.dirname: the GPU kit runs this on Node 18)
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nodeLib = join(root, 'dist', 'node.mjs');
if (!existsSync(nodeLib)) {
  console.error('bench: dist/node.mjs is missing: run `npm run build` first (npm run bench does)');
  process.exit(2);
}
const { launchBrowser, serveStatic, isSoftwareRenderer, probeRenderer } = await import(pathToFileURL(nodeLib).href);

const { values: opt } = parseArgs({
  options: {
    only: { type: 'string', default: 'forward,train' },
    configs: { type: 'string' },
    iterations: { type: 'string' },
    'no-tfjs': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, 'bench', 'results.json') },
    webgl: { type: 'string' },
  },
});
const only = new Set(opt.only.split(','));

async function tfjsAvailable() {
  if (opt['no-tfjs']) return false;
  const prebuilt = existsSync(join(root, 'dist', 'bench', 'tfjs.js'));
  if (!existsSync(join(root, 'node_modules', '@tensorflow', 'tfjs-core'))) {
    // a machine without node_modules (the GPU kit) can still run a prebuilt TF.js bundle (webgl)
    if (prebuilt) console.warn('(TF.js: using the prebuilt dist/bench/tfjs.js; its wasm backend needs node_modules)');
    return prebuilt;
  }
  try {
    const { buildTfjsBench } = await import('./tfjs/build.mjs');
    await buildTfjsBench();
    return true;
  } catch (e) {
    console.warn(`(TF.js baseline unavailable: ${e.message})`);
    return false;
  }
}

const server = await serveStatic(root);
const launched = await launchBrowser(opt.webgl ? { webgl: opt.webgl } : {});
const renderer = (await probeRenderer(launched.browser)) ?? 'no WebGL2';
const software = isSoftwareRenderer(renderer);
const results = [];
const rows = [];

async function inPage(path, ready, fn, arg) {
  const page = await launched.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await page.goto(`${server.url}${path}`, { waitUntil: 'load' });
    await page.waitForFunction(ready, { timeout: 60_000 });
    return await page.evaluate(fn, arg);
  } catch (e) {
    throw new Error(`${path}: ${e.message}${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}`);
  } finally {
    await Promise.race([page.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
  }
}

const nca = (kind, cfg) => inPage('/bench/page.html', () => window.ncaBenchReady === true, ([k, c]) => window.ncaBench[k](c), [kind, cfg]);
const tfjs = (cfg) => inPage('/bench/tfjs/page.html', () => window.tfjsReady === true, (c) => window.tfjsBench(c), cfg);

function record(entry) {
  results.push({ ...entry, renderer: entry.renderer ?? renderer });
}

function printProfile(title, profile) {
  if (!profile) return;
  const total = profile.reduce((s, p) => s + p.ms, 0);
  console.log(`  per-pass GPU time, ${title} (EXT_disjoint_timer_query_webgl2):`);
  for (const p of profile.slice(0, 12)) console.log(`    ${p.name.padEnd(26)} ${p.ms.toFixed(2).padStart(10)} ms  ${String(p.calls).padStart(5)} draws  ${((100 * p.ms) / total).toFixed(1).padStart(5)}%`);
}

console.log(`nca-gl bench — renderer: ${renderer} (${launched.mode}${software ? ', software' : ''})`);

try {
  if (only.has('forward')) {
    const fwd = [
      { name: 'forward 72x72 x8 hidden 128', size: 72, batch: 8, hidden: 128, steps: software ? 4 : 200, repeats: 3 },
      { name: 'forward 1024x1024 hidden 128', size: 1024, batch: 1, hidden: 128, steps: software ? 1 : 100, repeats: software ? 2 : 5 },
    ];
    for (const f of fwd) {
      if (opt.quick && f.size > 512 && software) continue;
      const r = await nca('forward', f);
      const stepsPerSec = 1000 / r.msPerStep;
      record({ name: f.name, config: { rule: 'growing', size: f.size, batch: f.batch, hidden: f.hidden }, metric: 'CA steps per second', value: +stepsPerSec.toFixed(3), unit: 'steps/s', msPerStep: +r.msPerStep.toFixed(3) });
      rows.push([f.name, `${stepsPerSec.toFixed(2)} steps/s`, `${r.msPerStep.toFixed(2)} ms/step`, '', '']);
      printProfile(f.name + ', one step', r.profile);
    }
  }
  if (only.has('train')) {
    const names = opt.configs ? opt.configs.split(',') : software ? ['reduced', 'seed'] : ['standard', 'reduced', 'seed'];
    const haveTf = await tfjsAvailable();
    for (const name of names) {
      const cfg = CONFIGS[name];
      if (!cfg) throw new Error(`unknown config '${name}'`);
      const iterations = Number(opt.iterations ?? (software ? (opt.quick ? 1 : 3) : 20));
      const r = await nca('train', { ...cfg, iterations, warmup: 1 });
      const its = 1000 / r.msPerIteration;
      const mib = r.memoryBytes / 1048576;
      const base = { config: { ...cfg }, renderer: r.renderer };
      printProfile(`train ${name}, one iteration`, r.profile);
      const entry = { ...base, name: `train ${name}`, metric: 'training iterations per second', value: +its.toFixed(4), unit: 'it/s', msPerIteration: +r.msPerIteration.toFixed(1) };
      record({ ...base, name: `train ${name} memory`, metric: 'GPU memory (textures)', value: +mib.toFixed(1), unit: 'MiB' });
      let compared = false;
      if (haveTf) {
        for (const backend of ['webgl', 'wasm']) {
          try {
            const t = await tfjs({ ...cfg, backend, iterations: Math.max(1, Math.min(iterations, software ? 2 : 10)), warmup: 1 });
            const tIts = 1000 / t.medianMs;
            const ratio = its / tIts;
            record({ ...entry, baseline: `TensorFlow.js ${t.tfjsVersion} ${backend}${t.threads ? ` (${t.threads} threads${t.simd ? ', SIMD' : ''})` : ''}`, baselineValue: +tIts.toFixed(4), ratio: +ratio.toFixed(2) });
            rows.push([`train ${name}`, `${its.toFixed(3)} it/s`, `${r.msPerIteration.toFixed(0)} ms/it`, `TF.js ${backend}: ${tIts.toFixed(3)} it/s`, `×${ratio.toFixed(1)}`]);
            compared = true;
          } catch (e) {
            console.warn(`  (TF.js ${backend} failed on ${name}: ${e.message.split('\n')[0]})`);
          }
        }
      }
      if (!compared) {
        record(entry);
        rows.push([`train ${name}`, `${its.toFixed(3)} it/s`, `${r.msPerIteration.toFixed(0)} ms/it`, '(no baseline)', '']);
      }
      rows.push([`train ${name} memory`, `${mib.toFixed(1)} MiB`, '', '', '']);
    }
    // GPU memory of the standard config at its 64-step rollout and at 96 (issue 3's bound: 512 MiB),
    // and at 96 with checkpointing every 10 steps: allocation only, so it is measured on every machine
    const std = CONFIGS.standard;
    for (const [label, over] of [['64 steps', { steps: 64 }], ['96 steps', { steps: 96 }], ['96 steps, checkpoint every 10', { steps: 96, checkpointEvery: 10 }]]) {
      if (label === '64 steps' && names.includes('standard')) continue; // measured with its run above
      const m = await nca('memory', { ...std, ...over });
      const mib = m.memoryBytes / 1048576;
      const name = `train standard memory, ${label}`;
      record({ name, config: { ...std, ...over }, metric: 'GPU memory (textures)', value: +mib.toFixed(1), unit: 'MiB', renderer: m.renderer });
      rows.push([name, `${mib.toFixed(1)} MiB`, '', '', '']);
    }
  }
} finally {
  await launched.close();
  await server.close();
}

const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i].length), 4));
console.log('');
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
console.log(`renderer: ${renderer}`);
mkdirSync(dirname(opt.out), { recursive: true });
writeFileSync(opt.out, JSON.stringify(results, null, 2) + '\n');
console.log(`wrote ${opt.out}`);
