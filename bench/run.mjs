// npm run bench — nca-gl's benchmark. Prints a table per WebGL renderer and writes
// bench/results.json: [{name, config, metric, value, unit, renderer, webgl, baseline?, baselineValue?, ratio?}],
// where a baseline is always measured in the same run (ratio > 1: nca-gl is better).
//
//   node bench/run.mjs [--webgl llvmpipe,swiftshader] [--only peak,forward,train] [--configs reduced,seed]
//                      [--iterations N] [--no-tfjs] [--out bench/results.json] [--quick]
// Renderers: by default every one this machine has, fastest first: the GPU when there is one
// (then only it), else Mesa's llvmpipe (when installed) and SwiftShader, each in its own Chromium,
// one after the other. Per renderer:
//   peak      the roofline line: a multiply-add microkernel (values in registers, and mat4×vec4
//             with the matrix fetched from a texture, the shape of the MLP passes), GFLOP/s
//   forward   CA steps/s at 72×72 × batch 8 (hidden 128) and one 1024×1024 grid
//   train     iterations/s and GPU memory for the configs of bench/configs.mjs, beside TF.js webgl on
//             the same renderer; a per-pass GPU profile with each MLP pass's achieved GFLOP/s and
//             its share of the peak. (On llvmpipe a pass's timer can include work of the pass before
//             it: the renderer defers draws. The totals are exact.)
// Once per run: TF.js wasm with 1 thread and with 2 (cross-origin isolated page), the same workloads.
// Ratios: nca-gl vs TF.js webgl (same renderer), vs TF.js wasm 1 and 2 threads, and llvmpipe vs
// SwiftShader. Browser selection: src/node/browser.ts ($NCA_GL_CHROMIUM; --webgl overrides $NCA_GL_WEBGL).
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
const { launchBrowser, serveStatic, isSoftwareRenderer, probeRenderer, softwareRendererName, mesaEglInstalled, machineHasGpu } = await import(
  pathToFileURL(nodeLib).href
);

// the rule registry, for what each rule's generic passes compute (train/bw_out recomputes the MLP or not)
const { RULES } = await import(pathToFileURL(join(root, 'dist', 'esm', 'engine', 'rules.js')).href);

const { values: opt } = parseArgs({
  options: {
    only: { type: 'string', default: 'peak,forward,train' },
    configs: { type: 'string' },
    iterations: { type: 'string' },
    'no-tfjs': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, 'bench', 'results.json') },
    webgl: { type: 'string' },
  },
});
const only = new Set(opt.only.split(','));

function defaultModes() {
  if (process.env.NCA_GL_WEBGL && process.env.NCA_GL_WEBGL !== 'auto') return [process.env.NCA_GL_WEBGL];
  if (machineHasGpu()) return ['auto'];
  return mesaEglInstalled() ? ['llvmpipe', 'swiftshader'] : ['swiftshader'];
}
const modes = opt.webgl ? opt.webgl.split(',') : defaultModes();

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
const haveTf = only.has('train') && (await tfjsAvailable());
const results = [];
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

/** Runs `fn(arg)` in a fresh page of `browser` once `ready` holds. */
async function inPage(browser, path, ready, fn, arg) {
  const page = await browser.newPage();
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
const nca = (b, kind, cfg) => inPage(b, '/bench/page.html', () => window.ncaBenchReady === true, ([k, c]) => window.ncaBench[k](c), [kind, cfg]);
const tfjs = (b, cfg) => inPage(b, '/bench/tfjs/page.html', () => window.tfjsReady === true, (c) => window.tfjsBench(c), cfg);

/** Multiply-adds ×2 per cell and CA step of the passes that run the MLP (H hidden units) of `rule`. */
function passFlops(name, H, rule) {
  if (name === 'engine/update' || (name === 'train/bw_out' && RULES[rule].passes.bwOutReadsParams)) return 2 * (48 * H + 16 * H); // w0·p, w1·a
  if (name === 'train/bw_hidden') return 2 * (48 * H + 16 * H); // recomputed w0·p, w1ᵀ·g
  if (name === 'train/bw_input') return 2 * 48 * H; // w0ᵀ·g
  if (name === 'train/grad_partial') return 2 * (48 * H + 16 * H); // outer products
  return 0;
}

function printProfile(title, profile, cellSteps, hidden, rule, peakGflops) {
  if (!profile) return [];
  const total = profile.reduce((s, p) => s + p.ms, 0);
  const out = [];
  console.log(`  per-pass GPU time, ${title} (EXT_disjoint_timer_query_webgl2):`);
  for (const p of profile.slice(0, 12)) {
    const f = passFlops(p.name, hidden, rule) * cellSteps;
    const gf = f ? f / (p.ms * 1e6) : null;
    const share = gf && peakGflops ? gf / peakGflops : null;
    out.push({ pass: p.name, ms: +p.ms.toFixed(2), draws: p.calls, gflops: gf === null ? null : +gf.toFixed(2), peakShare: share === null ? null : +share.toFixed(3) });
    console.log(
      `    ${p.name.padEnd(26)} ${p.ms.toFixed(2).padStart(10)} ms  ${String(p.calls).padStart(5)} draws  ${((100 * p.ms) / total).toFixed(1).padStart(5)}%` +
        (gf === null ? '' : `  ${gf.toFixed(2).padStart(6)} GFLOP/s${share === null ? '' : ` (${(100 * share).toFixed(0)}% of peak)`}`),
    );
  }
  return out;
}

/** it/s of each config on each renderer, for the cross-renderer ratios. */
const ncaIts = {};
const rowsAll = [];

async function benchRenderer(mode) {
  const launched = await launchBrowser({ webgl: mode });
  const renderer = (await probeRenderer(launched.browser)) ?? 'no WebGL2';
  const software = isSoftwareRenderer(renderer);
  const label = softwareRendererName(renderer) ?? (software ? 'software' : 'gpu');
  const rows = [];
  const record = (entry) => results.push({ ...entry, renderer: entry.renderer ?? renderer, webgl: label });
  try {
    if (mode === 'llvmpipe' && label !== 'llvmpipe') {
      console.warn(`(--webgl llvmpipe gave '${renderer}', not llvmpipe: skipped. Install Mesa: apt-get install libegl-mesa0 libgl1-mesa-dri)`);
      return;
    }
    console.log(`\nnca-gl bench — renderer: ${renderer} (${launched.mode}${software ? ', software' : ''})`);
    let peakGflops = null;
    if (only.has('peak') || only.has('train')) {
      const pk = await nca(launched.browser, 'peak', software ? {} : { iterations: 4096 });
      peakGflops = pk.alu.gflops;
      record({ name: 'peak multiply-add (registers)', config: {}, metric: 'GFLOP/s', value: +pk.alu.gflops.toFixed(2), unit: 'GFLOP/s' });
      record({ name: 'peak multiply-add (mat4 from a texture)', config: {}, metric: 'GFLOP/s', value: +pk.fetch.gflops.toFixed(2), unit: 'GFLOP/s' });
      rows.push(['peak multiply-add', `${pk.alu.gflops.toFixed(2)} GFLOP/s`, 'registers', `${pk.fetch.gflops.toFixed(2)} GFLOP/s`, 'mat4 from a texture']);
    }
    if (only.has('forward')) {
      const fwd = [
        { name: 'forward 72x72 x8 hidden 128', size: 72, batch: 8, hidden: 128, steps: software ? 4 : 200, repeats: 3 },
        { name: 'forward 1024x1024 hidden 128', size: 1024, batch: 1, hidden: 128, steps: software ? 1 : 100, repeats: software ? 2 : 5 },
      ];
      for (const f of fwd) {
        if (opt.quick && f.size > 512 && software) continue;
        const r = await nca(launched.browser, 'forward', f);
        const stepsPerSec = 1000 / r.msPerStep;
        const passes = printProfile(f.name + ', one step', r.profile, f.batch * f.size * f.size, f.hidden, 'growing', peakGflops);
        record({ name: f.name, config: { rule: 'growing', size: f.size, batch: f.batch, hidden: f.hidden }, metric: 'CA steps per second', value: +stepsPerSec.toFixed(3), unit: 'steps/s', msPerStep: +r.msPerStep.toFixed(3), passes });
        rows.push([f.name, `${stepsPerSec.toFixed(2)} steps/s`, `${r.msPerStep.toFixed(2)} ms/step`, '', '']);
      }
    }
    if (only.has('train')) {
      const names = opt.configs ? opt.configs.split(',') : software ? ['reduced', 'seed'] : ['standard', 'reduced', 'seed'];
      for (const name of names) {
        const cfg = CONFIGS[name];
        if (!cfg) throw new Error(`unknown config '${name}'`);
        const iterations = Number(opt.iterations ?? (software ? (opt.quick ? 1 : 3) : 20));
        const r = await nca(launched.browser, 'train', { ...cfg, iterations, warmup: 1 });
        const its = 1000 / r.msPerIteration;
        (ncaIts[name] ??= {})[label] = its;
        const mib = r.memoryBytes / 1048576;
        const passes = printProfile(`train ${name}, one iteration`, r.profile, cfg.batch * cfg.size * cfg.size * cfg.steps, cfg.hidden, cfg.rule, peakGflops);
        const entry = { config: { ...cfg }, name: `train ${name}`, metric: 'training iterations per second', value: +its.toFixed(4), unit: 'it/s', msPerIteration: +r.msPerIteration.toFixed(1) };
        record({ ...entry, passes });
        record({ config: { ...cfg }, name: `train ${name} memory`, metric: 'GPU memory (textures)', value: +mib.toFixed(1), unit: 'MiB' });
        rows.push([`train ${name}`, `${its.toFixed(3)} it/s`, `${r.msPerIteration.toFixed(0)} ms/it`, '', '']);
        if (haveTf) {
          try {
            const t = await tfjs(launched.browser, { ...cfg, backend: 'webgl', iterations: Math.max(1, Math.min(iterations, software ? 2 : 10)), warmup: 1 });
            const tIts = 1000 / t.medianMs;
            record({ ...entry, baseline: `TensorFlow.js ${t.tfjsVersion} webgl (same renderer)`, baselineValue: +tIts.toFixed(4), ratio: +(its / tIts).toFixed(2) });
            rows.push(['', '', '', `TF.js webgl: ${tIts.toFixed(3)} it/s`, `×${(its / tIts).toFixed(2)}`]);
          } catch (e) {
            console.warn(`  (TF.js webgl failed on ${name}: ${e.message.split('\n')[0]})`);
          }
        }
        rows.push([`train ${name} memory`, `${mib.toFixed(1)} MiB`, '', '', '']);
      }
      // GPU memory of the standard config at its 64-step rollout and at 96 (issue 3's bound: 512 MiB),
      // and at 96 with checkpointing every 10 steps: allocation only, so it is measured on every machine
      if (rowsAll.length === 0) {
        const std = CONFIGS.standard;
        for (const [lbl, over] of [['64 steps', { steps: 64 }], ['96 steps', { steps: 96 }], ['96 steps, checkpoint every 10', { steps: 96, checkpointEvery: 10 }]]) {
          if (lbl === '64 steps' && names.includes('standard')) continue; // measured with its run above
          const m = await nca(launched.browser, 'memory', { ...std, ...over });
          const mib = m.memoryBytes / 1048576;
          record({ name: `train standard memory, ${lbl}`, config: { ...std, ...over }, metric: 'GPU memory (textures)', value: +mib.toFixed(1), unit: 'MiB' });
          rows.push([`train standard memory, ${lbl}`, `${mib.toFixed(1)} MiB`, '', '', '']);
        }
      }
    }
  } finally {
    await launched.close();
  }
  rowsAll.push({ renderer, rows });
}

try {
  for (const m of modes) await benchRenderer(m);
  // TF.js wasm: the CPU peer, independent of the renderer (its own fresh browser, pages per thread count)
  if (haveTf && Object.keys(ncaIts).length) {
    const launched = await launchBrowser({ webgl: 'swiftshader' });
    const rows = [];
    try {
      for (const name of Object.keys(ncaIts)) {
        const cfg = CONFIGS[name];
        for (const threads of [1, 2]) {
          try {
            const t = await tfjs(launched.browser, { ...cfg, backend: 'wasm', threads, iterations: 2, warmup: 1 });
            const tIts = 1000 / t.medianMs;
            const base = `TensorFlow.js ${t.tfjsVersion} wasm (${t.threads ?? threads} thread${(t.threads ?? threads) > 1 ? 's' : ''}${t.simd ? ', SIMD' : ''})`;
            rows.push([`train ${name}`, `${tIts.toFixed(3)} it/s`, base, '', '']);
            for (const [label, its] of Object.entries(ncaIts[name])) {
              const r = results.find((x) => x.name === `train ${name}` && x.webgl === label && x.baseline === undefined);
              results.push({ ...r, passes: undefined, baseline: base, baselineValue: +tIts.toFixed(4), ratio: +(its / tIts).toFixed(2) });
              rows.push(['', '', `nca-gl ${label}: ${its.toFixed(3)} it/s`, `×${(its / tIts).toFixed(2)}`, '']);
            }
          } catch (e) {
            console.warn(`  (TF.js wasm ${threads} threads failed on ${name}: ${e.message.split('\n')[0]})`);
          }
        }
      }
    } finally {
      await launched.close();
    }
    rowsAll.push({ renderer: 'TF.js wasm (CPU)', rows });
  }
  // llvmpipe against SwiftShader, same configs, same run
  for (const [name, byLabel] of Object.entries(ncaIts)) {
    if (byLabel.llvmpipe && byLabel.swiftshader) {
      const r = results.find((x) => x.name === `train ${name}` && x.webgl === 'llvmpipe' && x.baseline === undefined);
      results.push({ ...r, passes: undefined, baseline: 'nca-gl on SwiftShader (same run)', baselineValue: +byLabel.swiftshader.toFixed(4), ratio: +(byLabel.llvmpipe / byLabel.swiftshader).toFixed(2) });
    }
  }
} finally {
  await server.close();
}

console.log('');
for (const { renderer, rows } of rowsAll) {
  console.log(`== ${renderer}`);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i].length), 4));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
}
const ratios = results.filter((r) => r.ratio !== undefined);
if (ratios.length) {
  console.log('== ratios (nca-gl ÷ baseline, > 1: nca-gl faster)');
  for (const r of ratios) console.log(`  ${r.name.padEnd(14)} ${r.webgl.padEnd(12)} vs ${r.baseline}: ×${r.ratio}`);
}
mkdirSync(dirname(opt.out), { recursive: true });
writeFileSync(opt.out, JSON.stringify(results, null, 2) + '\n');
console.log(`wrote ${opt.out}`);
