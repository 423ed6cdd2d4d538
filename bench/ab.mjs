// Interleaved A/B of trainer options on one config, in one page: rounds of `n` iterations of A then
// of B (order alternating each round), so machine drift hits both alike. Prints median ms/iteration
// per variant and the ratio. Usage:
//   node bench/ab.mjs --config seed --a '{"rasterTile":0}' --b '{}' [--rounds 6] [--n 3] [--webgl llvmpipe]
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CONFIGS } from './configs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nodeLib = join(root, 'dist', 'node.mjs');
if (!existsSync(nodeLib)) {
  console.error('bench/ab: dist/node.mjs is missing: run `npm run build` first');
  process.exit(2);
}
const { launchBrowser, serveStatic } = await import(pathToFileURL(nodeLib).href);
const { values: opt } = parseArgs({
  options: {
    config: { type: 'string', default: 'seed' },
    a: { type: 'string', default: '{}' },
    b: { type: 'string', default: '{}' },
    rounds: { type: 'string', default: '6' },
    n: { type: 'string', default: '3' },
    webgl: { type: 'string', default: 'llvmpipe' },
  },
});
const cfg = CONFIGS[opt.config];
if (!cfg) throw new Error(`bench/ab: unknown config '${opt.config}' (have ${Object.keys(CONFIGS).join(', ')})`);
const server = await serveStatic(root);
const launched = await launchBrowser({ webgl: opt.webgl });
try {
  const page = await launched.browser.newPage();
  await page.goto(`${server.url}/bench/page.html`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.ncaBenchReady === true, { timeout: 60_000 });
  const r = await page.evaluate(
    async (cfg, a, b, rounds, n) => {
      const make = (extra) => window.ncaBench.trainer({ ...cfg, ...extra });
      const ta = make(a);
      const tb = make(b);
      for (const t of [ta, tb]) await t.step(); // warm-up: compile and allocate
      const times = { a: [], b: [] };
      for (let r = 0; r < rounds; r++) {
        for (const k of r % 2 ? ['b', 'a'] : ['a', 'b']) {
          const t = k === 'a' ? ta : tb;
          for (let i = 0; i < n; i++) {
            const t0 = performance.now();
            await t.step();
            times[k].push(performance.now() - t0);
          }
        }
      }
      const mem = { a: ta.memoryBytes(), b: tb.memoryBytes() };
      ta.dispose();
      tb.dispose();
      return { times, mem, renderer: ta.renderer };
    },
    cfg, JSON.parse(opt.a), JSON.parse(opt.b), Number(opt.rounds), Number(opt.n),
  );
  const med = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
  const ma = med(r.times.a);
  const mb = med(r.times.b);
  console.log(`${opt.config} on ${r.renderer}: A ${opt.a} ${ma.toFixed(0)} ms/it, B ${opt.b} ${mb.toFixed(0)} ms/it, A/B ${(ma / mb).toFixed(3)} (medians of ${r.times.a.length}); memory A ${(r.mem.a / 2 ** 20).toFixed(1)} MiB, B ${(r.mem.b / 2 ** 20).toFixed(1)} MiB`);
  console.log(`  A: ${r.times.a.map((x) => x.toFixed(0)).join(' ')}\n  B: ${r.times.b.map((x) => x.toFixed(0)).join(' ')}`);
} finally {
  await launched.close();
  await server.close();
}
