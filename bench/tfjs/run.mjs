// Runs the TF.js side of the benchmark in Chromium and prints a table.
//   node bench/tfjs/run.mjs [--config reduced[,seed,...]|all] [--backend webgl|wasm|both]
//                           [--iterations N] [--warmup N] [--threads N|all|default] [--set key=value ...]
//                           [--check] [--json FILE] [--verbose]
// Defaults: configs reduced,seed (standard is for GPU machines: minutes per iteration on
// software WebGL), both backends, 3 iterations after 1 warmup.
// --threads N|all|default: wasm XNNPACK threads; default 'all' (one per core the browser reports,
// as SwiftShader gets for WebGL; TF.js alone would take half the cores); 'default': TF.js's choice.
// --set overrides a workload field for every config run, e.g. --set steps=8 (numbers, true/false, strings).
// --timeout S: give up on one run (one config × backend) after S seconds (default 1800), go on with the next.
// --check first compares one training iteration per rule with nca-gl's CPU reference on each backend.
// Builds dist/bench/tfjs.js first (and dist/node.mjs with `node build.mjs --no-types` if it is missing),
// serves the repository root (COOP/COEP headers: threaded wasm), one fresh page per run.
// Browser/WebGL selection: see src/node/browser.ts ($NCA_GL_WEBGL, $NCA_GL_CHROMIUM, ...).
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CONFIGS } from '../configs.mjs';
import { buildTfjsBench } from './build.mjs';

const root = join(import.meta.dirname, '..', '..');

const { values: opt } = parseArgs({
  options: {
    config: { type: 'string', default: 'reduced,seed' },
    backend: { type: 'string', default: 'both' },
    iterations: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    check: { type: 'boolean', default: false },
    threads: { type: 'string', default: 'all' },
    set: { type: 'string', multiple: true, default: [] },
    timeout: { type: 'string', default: '1800' },
    json: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});

const configNames = opt.config === 'all' ? Object.keys(CONFIGS) : opt.config.split(',').map((s) => s.trim()).filter(Boolean);
for (const n of configNames) if (!(n in CONFIGS)) throw new Error(`unknown config '${n}': one of ${Object.keys(CONFIGS).join(', ')}, or all`);
const backends = opt.backend === 'both' ? ['webgl', 'wasm'] : opt.backend.split(',');
for (const b of backends) if (b !== 'webgl' && b !== 'wasm') throw new Error(`unknown backend '${b}': webgl, wasm or both`);
const overrides = Object.fromEntries(
  opt.set.map((kv) => {
    const m = /^(\w+)=(.*)$/.exec(kv);
    if (!m) throw new Error(`--set expects key=value, got '${kv}'`);
    const v = m[2] === 'true' ? true : m[2] === 'false' ? false : Number.isFinite(Number(m[2])) && m[2] !== '' ? Number(m[2]) : m[2];
    return [m[1], v];
  }),
);
const iterations = Number(opt.iterations);
const warmup = Number(opt.warmup);
if (!Number.isInteger(iterations) || iterations < 1) throw new Error('--iterations must be a positive integer');
if (!Number.isInteger(warmup) || warmup < 0) throw new Error('--warmup must be a non-negative integer');
if (!['all', 'default'].includes(opt.threads) && !(Number(opt.threads) >= 1)) throw new Error('--threads must be a positive integer, all or default');

await buildTfjsBench();
if (!existsSync(join(root, 'dist/node.mjs'))) execFileSync(process.execPath, [join(root, 'build.mjs'), '--no-types'], { stdio: 'inherit', cwd: root });
const { launchBrowser, serveStatic } = await import(join(root, 'dist/node.mjs'));

const server = await serveStatic(root);
const launched = await launchBrowser();
const pageUrl = `${server.url}/bench/tfjs/page.html`;

const timeoutMs = Number(opt.timeout) * 1000;
if (!(timeoutMs > 0)) throw new Error('--timeout must be a positive number of seconds');

async function withPage(fn) {
  const page = await launched.browser.newPage();
  let timer;
  const errors = [];
  page.on('console', (m) => {
    if (opt.verbose) process.stderr.write(`[page ${m.type()}] ${m.text()}\n`);
    else if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await page.goto(pageUrl, { waitUntil: 'load' });
    await page.waitForFunction(() => window.tfjsReady === true, { timeout: 60_000 });
    const expired = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${opt.timeout} s`)), timeoutMs);
    });
    return await Promise.race([fn(page), expired]);
  } catch (e) {
    if (errors.length) e.message += `\n  page errors: ${errors.join('\n  ')}`;
    throw e;
  } finally {
    clearTimeout(timer);
    // a page busy in a long evaluate (or a wasm abort) would block a polite close
    await Promise.race([page.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
  }
}

const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const results = [];
const failures = [];
let failed = false;
try {
  process.stdout.write(`browser: ${launched.executablePath} (WebGL: ${launched.mode})\n`);
  if (opt.check) {
    for (const backend of backends) {
      const r = await withPage((p) => p.evaluate((b) => window.tfjsCheck(b), backend));
      process.stdout.write(`check ${backend}: ${r.ok ? 'OK' : 'FAILED'}\n`);
      for (const c of r.cases) {
        const g = c.gradRelErr ? Object.entries(c.gradRelErr).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(' ') : '';
        const a = c.adamErrOverLr ? Object.entries(c.adamErrOverLr).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(' ') : '';
        process.stdout.write(
          `  ${c.rule.padEnd(8)} ${c.perceptionGrad.padEnd(7)} ${c.ok ? 'ok  ' : 'FAIL'} ` +
            (c.error ? `error: ${c.error}\n` : `loss rel ${c.lossRelErr.toExponential(1)} | grad rel ${g} | adam Δ/lr ${a}\n`),
        );
      }
      if (!r.ok) failed = true;
    }
  }
  for (const name of configNames) {
    for (const backend of backends) {
      const cfg = { ...CONFIGS[name], ...overrides, backend, iterations, warmup };
      if (opt.threads !== 'default') cfg.threads = opt.threads === 'all' ? 'all' : Number(opt.threads);
      let r;
      try {
        r = await withPage((p) => p.evaluate((c) => window.tfjsBench(c), cfg));
      } catch (e) {
        failed = true;
        failures.push(`${name}/${backend}: ${e.message}`);
        process.stdout.write(`${name}/${backend}: FAILED: ${e.message}\n`);
        continue;
      }
      results.push({ name, ...r });
      process.stdout.write(
        `${name}/${backend}: ${r.msPerIteration.map(fmt).join(', ')} ms/iteration → median ${fmt(r.medianMs)} ms, ${fmt(r.msPerStep)} ms/step\n`,
      );
    }
  }
} finally {
  await launched.close();
  await server.close();
}

if (results.length) {
  const rows = results.map((r) => [
    r.name,
    r.backend + (r.backend === 'wasm' ? ` (${r.threads} thr, ${r.simd ? 'SIMD' : 'no SIMD'})` : ''),
    `${r.config.rule} B${r.config.batch} ${r.config.size}² h${r.config.hidden} T${r.config.steps} K${r.config.lossSteps} ${r.config.loss}`,
    r.warmupMs.map(fmt).join(', ') || '-',
    r.msPerIteration.map(fmt).join(', '),
    fmt(r.medianMs),
    fmt(r.msPerStep),
    `${r.losses[0].toFixed(4)} → ${r.losses.at(-1).toFixed(4)}`,
    (r.memoryBytes.at(-1) / 2 ** 20).toFixed(1) + (new Set(r.numTensors).size === 1 ? '' : ' (grows!)'),
    (r.peakBytes / 2 ** 20).toFixed(0),
  ]);
  const head = ['config', 'backend', 'workload', 'warmup ms', 'ms/iteration', 'median', 'ms/step', 'loss', 'MiB kept', 'MiB peak'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(w[i])).join('  ') + '\n';
  process.stdout.write('\n' + line(head) + line(w.map((n) => '-'.repeat(n))) + rows.map(line).join(''));
  process.stdout.write(`\nTF.js ${results[0].tfjsVersion}; renderer: ${results[0].renderer}\n`);
  const gl = results.find((r) => r.backend === 'webgl');
  if (gl) process.stdout.write(`webgl: float precision reported ${gl.floatPrecision}, WEBGL_RENDER_FLOAT32_ENABLED ${gl.float32Enabled}; Adam ε passed explicitly (1e-8)\n`);
  const wasm = results.find((r) => r.backend === 'wasm');
  if (wasm) {
    process.stdout.write(
      `wasm: threads ${wasm.threads}${wasm.coresSpoofed ? ' (navigator.hardwareConcurrency raised for TF.js)' : ''}, SIMD ${wasm.simd}, ` +
        `crossOriginIsolated ${wasm.crossOriginIsolated}; perception backprop: ${wasm.perceptionGrad}; ` +
        `wasm heap: ${results.filter((r) => r.backend === 'wasm').map((r) => `${r.name} ${(r.wasmHeapBytes / 2 ** 30).toFixed(2)} GiB`).join(', ')}\n`,
    );
  }
}
if (failures.length) process.stdout.write(`\nfailed runs:\n  ${failures.join('\n  ')}\n`);
if (opt.json) writeFileSync(opt.json, JSON.stringify({ results, failures }, null, 2) + '\n');
if (failed) process.exitCode = 1;
