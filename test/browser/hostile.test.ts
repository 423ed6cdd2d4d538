/**
 * The adversarial suite, browser half (build first: `node build.mjs`):
 * - the budget's byte estimates equal what engines and trainers allocate (Runtime.memoryBytes);
 * - hostile but valid model files (test/helpers/hostile.ts) in <nca-canvas> and mount(): a readable
 *   message naming the field within 5 s, no texture created, and WebGL2 still works in the page
 *   (an engine run afterwards matches the CPU reference);
 * - context lifetime: 300 engine create/dispose cycles leave at most one live WebGL context and the
 *   JS heap flat; the same loop without releasing shows the test can fail;
 * - the real command line: a read-only folder (an unprivileged user, via setpriv) exits 2 before
 *   training; a failed checkpoint write (NCA_GL_TEST_FAULTS fail-write@N) names the file and the
 *   intact checkpoint; `info /dev/zero` and a FIFO exit 3 promptly.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { engineBytes } from '../../src/engine/budget';
import { resolveRuleConfig } from '../../src/engine/model';
import * as ref from '../../src/engine/reference';
import { decodeModel } from '../../src/io/model-file';
import { regimenBytes, trainerBytes } from '../../src/train/budget';
import { encodeModel } from '../../src/io/model-file';
import { baseModel, hostileModels } from '../helpers/hostile';
import { randomState, randomWeights } from '../helpers/random';
import { fromB64, type Harness, maxAbsDiff, openHarness, ROOT, toB64 } from './harness';

let h: Harness;
const pages: Page[] = [];
const ART = join(ROOT, 'test-artifacts/hostile');

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'cli.mjs'))) throw new Error('dist/ is missing: run `node build.mjs` first');
  mkdirSync(ART, { recursive: true });
  h = await openHarness();
});
afterAll(async () => h?.close());
afterEach(async () => {
  for (const p of pages.splice(0)) await p.close();
  await h.assertClean();
});

describe('the budget counts what is allocated', () => {
  it('engine, trainer and regimen estimates equal Runtime.memoryBytes()', async () => {
    const got = await h.page.evaluate(() => {
      const N = (window as any).NcaGl;
      const T = (window as any).T;
      const out: Record<string, any> = {};
      const e = N.createEngine(T.canvas(8, 8), { rule: 'growing', width: 24, height: 20, batch: 3, hidden: 36 });
      out.engine = e.memoryBytes();
      out.maxTex = e.rt.caps.maxTextureSize;
      out.place = e.rt.placement;
      e.dispose();
      const target = new Float32Array(16 * 12 * 4);
      for (const [k, o] of [
        ['seedTrainer', { rule: 'seed', width: 16, height: 12, batch: 2, hidden: 12, steps: 6, target }],
        ['growingTrainer', { rule: 'growing', width: 16, height: 12, batch: 3, hidden: 20, steps: [4, 9], checkpointEvery: 3, target }],
      ] as const) {
        const t = N.createTrainer(T.canvas(8, 8), o);
        out[k] = t.memoryBytes();
        t.dispose();
      }
      const r = N.createRegimen(T.canvas(8, 8), { task: 'regenerating', width: 16, height: 12, batch: 2, hidden: 12, steps: [4, 6], pool: 5, damage: 1, target });
      out.regimen = r.trainer.memoryBytes();
      r.dispose();
      // an article task with a pool: also its target states, fresh starts and the pool's perturbed batch
      const c = { ...N.preset('healing').curriculum, steps: { start: 6, step: 1, limit: 6 } };
      const a = N.createRegimen(T.canvas(8, 8), { task: 'healing', width: 16, height: 12, batch: 3, hidden: 12, pool: 7, fresh: 1, damage: 1, lossSteps: 2, curriculum: c, target });
      out.articlePool = a.trainer.memoryBytes();
      a.dispose();
      return out;
    });
    // the runtime's placement (order and row offset, per renderer) changes the textures' sizes: the estimate takes it
    const place = got.place;
    expect(got.engine).toBe(engineBytes({ width: 24, height: 20, batch: 3, hidden: 36, place }, got.maxTex));
    expect(got.seedTrainer).toBe(trainerBytes({ rule: 'seed', width: 16, height: 12, batch: 2, hidden: 12, steps: 6, place }, got.maxTex));
    expect(got.growingTrainer).toBe(trainerBytes({ rule: 'growing', width: 16, height: 12, batch: 3, hidden: 20, steps: 9, checkpointEvery: 3, place }, got.maxTex));
    // the regimen's runtime also holds the pool and the perturbation pass's few small textures
    const want = regimenBytes({ rule: 'growing', width: 16, height: 12, batch: 2, hidden: 12, steps: 6, pool: 5, place }, got.maxTex);
    expect(got.regimen).toBeGreaterThanOrEqual(want);
    expect(got.regimen).toBeLessThan(want * 1.02);
    const article = regimenBytes({ rule: 'seed', width: 16, height: 12, batch: 3, hidden: 12, steps: 6, pool: 7, targetStates: true, place }, got.maxTex);
    expect(got.articlePool).toBeGreaterThanOrEqual(article);
    expect(got.articlePool).toBeLessThan(article * 1.02);
  });
});

describe('the device is blamed only when at fault', () => {
  it('a GPU out of memory while creating a texture is reported as such, with the sizes', async () => {
    const r = await h.page.evaluate(() => {
      const { NcaGl, T } = window as any;
      const gl = T.canvas(8, 8).getContext('webgl2') as WebGL2RenderingContext;
      const get = gl.getError.bind(gl);
      let calls = 0;
      // the third texture the engine makes reports OUT_OF_MEMORY (what a driver does when VRAM runs out)
      (gl as any).texStorage3D = new Proxy(gl.texStorage3D, { apply: (f, self, args) => (calls++, Reflect.apply(f, self, args)) });
      gl.getError = () => (calls === 3 ? gl.OUT_OF_MEMORY : get());
      try {
        NcaGl.createEngine(gl, { width: 8, height: 8, hidden: 8 });
        return null;
      } catch (e) {
        return { code: (e as any).code, message: (e as Error).message };
      } finally {
        gl.getError = get;
      }
    });
    expect(r?.code).toBe('over-budget');
    expect(r?.message).toMatch(/^nca-gl: the GPU ran out of memory for '.+' \(\d+×\d+×\d+, \d+ MiB\) with \d+ MiB already held: use a smaller grid/);
    expect(r?.message).not.toMatch(/cannot render to these float textures/);
  });
});

describe('hostile model files in the widget', () => {
  const widgetCases = hostileModels().filter((m) => m.use === 'widget');

  it.each(widgetCases.map((m) => [m.name, m] as const))('%s: <nca-canvas> says what is wrong within 5 s, creates no texture, and WebGL2 still works', async (_name, m) => {
    const file = `${m.name.replace(/[^a-z0-9]+/gi, '-')}.nca`;
    writeFileSync(join(ART, file), m.bytes);
    const page = await h.newPage();
    pages.push(page);
    const t0 = Date.now();
    await page.evaluate((url) => {
      (window as any).texturesBefore = (window as any).T.live().Texture;
      const el = document.createElement('nca-canvas');
      el.setAttribute('model', url);
      document.body.appendChild(el);
    }, `/test-artifacts/hostile/${file}`);
    await page.waitForFunction(() => {
      const msg = (document.querySelector('nca-canvas') as any)?.shadowRoot?.querySelector('.message');
      return msg && !msg.hidden;
    }, { timeout: 5000 });
    const elapsed = Date.now() - t0;
    const r = await page.evaluate(() => ({
      text: (document.querySelector('nca-canvas') as any).shadowRoot.querySelector('.message').textContent as string,
      textures: (window as any).T.live().Texture - (window as any).texturesBefore,
    }));
    console.log(`widget, ${m.name}: refused in ${elapsed} ms: ${r.text.slice(0, 90)}…`);
    expect(elapsed).toBeLessThan(5000);
    expect(r.text).toContain(`'${m.field}'`);
    expect(r.text).toMatch(/^The model of this animation is too large to run here\..*GPU memory, over the budget of 1 GiB/);
    expect(r.textures).toBe(0);

    // the same page still runs WebGL2: an engine on a fresh canvas matches the CPU reference
    const cfg = resolveRuleConfig({ rule: 'seed', hidden: 8 });
    const w = randomWeights('seed', 8, 4, { w0: 0.3, b0: 0.1, w1: 0.05, b1: 0.01 });
    const s0 = randomState(1, 8, 8, 6);
    const gpu = await page.evaluate(
      (ws: Record<string, string>, s: string) => {
        const N = (window as any).NcaGl;
        const T = (window as any).T;
        const weights = Object.fromEntries(Object.entries(ws).map(([k, v]) => [k, T.f32FromB64(v)]));
        const e = N.createEngine(T.canvas(8, 8), { rule: 'seed', hidden: 8, width: 8, height: 8, weights, seed: 7 });
        e.setState(T.f32FromB64(s));
        e.step(3);
        const out = T.b64FromF32(e.getState());
        e.dispose();
        return out;
      },
      Object.fromEntries(Object.entries(w).map(([k, v]) => [k, toB64(v as Float32Array)])),
      toB64(s0),
    );
    const want = ref.rollout(cfg, w, s0, { batch: 1, height: 8, width: 8 }, { seed: 7, iteration: 0, step: 0 }, 3);
    expect(maxAbsDiff(fromB64(gpu), want).max).toBeLessThanOrEqual(1e-4);
  });

  it('mount() with the bytes rejects `ready` with an over-budget error naming the field', async () => {
    const m = widgetCases[0]!;
    const r = await h.page.evaluate(async (b64: string) => {
      const N = (window as any).NcaGl;
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const canvas = (window as any).T.canvas(64, 64);
      const w = N.mount(canvas, { model: bytes });
      try {
        await w.ready;
        return { ok: true };
      } catch (e) {
        w.dispose();
        return { ok: false, code: (e as any).code, message: (e as Error).message };
      }
    }, Buffer.from(m.bytes).toString('base64'));
    expect(r).toMatchObject({ ok: false, code: 'over-budget' });
    expect(r.message).toContain(`'${m.field}'`);
  });
});

/** Resident memory of this browser's GPU process (Linux /proc; null elsewhere): where software WebGL keeps its textures. */
function gpuProcessRss(page: Page): number | null {
  const root = page.browser().process()?.pid;
  if (!root || !existsSync('/proc')) return null;
  const procs: { pid: number; ppid: number; status: string; cmd: string }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const status = readFileSync(`/proc/${d}/status`, 'utf8');
      procs.push({ pid: Number(d), ppid: Number(/PPid:\s+(\d+)/.exec(status)?.[1]), status, cmd: readFileSync(`/proc/${d}/cmdline`, 'utf8') });
    } catch {
      /* a process that ended meanwhile */
    }
  }
  // the GPU process is the browser's child or, on Linux, its zygote's
  const family = new Set([root, ...procs.filter((p) => p.ppid === root).map((p) => p.pid)]);
  const gpu = procs.find((p) => family.has(p.ppid) && p.cmd.includes('--type=gpu-process'));
  return gpu ? Number(/VmRSS:\s+(\d+) kB/.exec(gpu.status)?.[1]) * 1024 : null;
}

describe('context lifetime', () => {
  it('300 engine create/dispose cycles leave ≤ 1 live context and the JS heap flat', async () => {
    const page = await h.newPage();
    pages.push(page);
    const cdp = await page.createCDPSession();
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return ((await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize;
    };
    // every webgl2 context the page makes is recorded, to count the live ones
    await page.evaluate(() => {
      const all: WebGL2RenderingContext[] = [];
      const get = HTMLCanvasElement.prototype.getContext;
      HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, type: string, ...a: unknown[]) {
        const c = (get as any).call(this, type, ...a);
        if (type === 'webgl2' && c && !all.includes(c)) all.push(c);
        return c;
      } as any;
      (window as any).liveContexts = () => all.filter((c) => !c.isContextLost()).length;
      (window as any).allContexts = () => all.length;
      (window as any).churn = (n: number, release?: boolean) => {
        const N = (window as any).NcaGl;
        let maxLive = 0;
        for (let i = 0; i < n; i++) {
          const canvas = document.createElement('canvas'); // detached: released on dispose by default
          canvas.width = canvas.height = 8;
          const e = N.createEngine(canvas, { rule: 'growing', width: 8, height: 8, hidden: 16, seed: i, ...(release === undefined ? {} : { releaseContext: release }) });
          // a draw makes software WebGL compile the shaders (~2 s each time here): every 50th cycle
          if (i % 50 === 0) e.step(1);
          maxLive = Math.max(maxLive, (window as any).liveContexts());
          e.dispose();
        }
        return maxLive;
      };
    });
    const t0 = Date.now();
    await page.evaluate(() => (window as any).churn(50));
    const heap50 = await heap();
    const gpu50 = gpuProcessRss(page);
    const maxLive = await page.evaluate(() => (window as any).churn(250));
    const heap300 = await heap();
    const gpu300 = gpuProcessRss(page);
    const seconds = (Date.now() - t0) / 1000;
    const r = await page.evaluate(() => ({ live: (window as any).liveContexts(), made: (window as any).allContexts() }));
    const gpu = gpu50 !== null && gpu300 !== null ? `; GPU process RSS ${(gpu50 / 1e6).toFixed(1)} MB after 50, ${(gpu300 / 1e6).toFixed(1)} MB after 300 (${((gpu300 - gpu50) / 250 / 1e3).toFixed(1)} KB per cycle)` : '; GPU process RSS not readable';
    console.log(`churn: 300 cycles in ${seconds.toFixed(1)} s; contexts made ${r.made}, live after ${r.live}, max live during ${maxLive}; JS heap ${(heap50 / 1e6).toFixed(2)} MB after 50, ${(heap300 / 1e6).toFixed(2)} MB after 300 (${((heap300 - heap50) / 250).toFixed(0)} B per cycle)${gpu}`);
    expect(r.made).toBe(300);
    expect(r.live).toBeLessThanOrEqual(1);
    expect(maxLive).toBe(1); // the one of the engine alive at that moment
    expect(heap300 - heap50).toBeLessThan(1_000_000); // < 4 KB per cycle over 250 cycles
    // control: the same loop keeping its contexts piles them up (the browser evicts only past its cap)
    const kept = await page.evaluate(() => (window as any).churn(12, false));
    expect(kept).toBeGreaterThan(1);
    h.problems.splice(0, h.problems.length, ...h.problems.filter((p) => !/Too many active WebGL contexts/.test(p)));
  });

  it('<nca-canvas> taken out of the page frees its grid in the shared context, which stays for the others, and runs again when put back', async () => {
    // widgets share one WebGL2 context (src/widget/shared.ts): leaving the page disposes the
    // widget's engine (its textures), never the context the other widgets draw with
    writeFileSync(join(ART, 'tiny-ok.nca'), encodeModel(baseModel()));
    const page = await h.newPage();
    pages.push(page);
    const r = await page.evaluate(async () => {
      const shared = (window as any).NcaGl.sharedContext();
      const el = document.createElement('nca-canvas') as any;
      el.setAttribute('model', '/test-artifacts/hostile/tiny-ok.nca');
      document.body.appendChild(el);
      await el.widget.ready;
      const held = shared.runtime().memoryBytes();
      el.remove();
      await new Promise((ok) => setTimeout(ok, 50));
      const out = { held, after: shared.runtime().memoryBytes(), widgetGone: el.widget === null, lost: shared.gl.isContextLost() };
      document.body.appendChild(el);
      await el.widget.ready;
      const f0 = el.widget.frames;
      await new Promise((ok) => setTimeout(ok, 1500));
      return { ...out, again: !shared.gl.isContextLost(), frames: el.widget.frames - f0, heldAgain: shared.runtime().memoryBytes() };
    });
    expect(r.held).toBeGreaterThan(0);
    expect(r.widgetGone).toBe(true);
    expect(r.after).toBeLessThan(r.held);
    expect(r.lost).toBe(false);
    expect(r.again).toBe(true);
    expect(r.frames).toBeGreaterThan(0);
    expect(r.heldAgain).toBe(r.held);
  });

  it('a canvas in the page keeps its context for the next engine; a released canvas says so', async () => {
    const r = await h.page.evaluate(() => {
      const N = (window as any).NcaGl;
      const T = (window as any).T;
      const c = T.canvas(8, 8); // in the document
      N.createEngine(c, { width: 8, height: 8, hidden: 8 }).dispose();
      const again = N.createEngine(c, { width: 8, height: 8, hidden: 8 });
      again.step(1);
      again.dispose();
      const d = T.canvas(8, 8);
      N.createEngine(d, { width: 8, height: 8, hidden: 8, releaseContext: true }).dispose();
      try {
        N.createEngine(d, { width: 8, height: 8, hidden: 8 });
        return { reused: true, message: '' };
      } catch (e) {
        return { reused: true, code: (e as any).code, message: (e as Error).message };
      }
    });
    expect(r.reused).toBe(true);
    expect(r.code).toBe('context-lost');
    expect(r.message).toMatch(/released by dispose\(\) of an earlier engine/);
  });
});

// ---------------------------------------------------------------------------------------------
// the real command line

const BIN = join(ROOT, 'bin', 'nca-gl.mjs');

function cli(args: string[], cwd: string, o: { env?: Record<string, string>; as?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((ok, fail) => {
    const t0 = Date.now();
    const cmd = o.as === undefined ? [process.execPath, BIN, ...args] : ['setpriv', `--reuid=${o.as}`, `--regid=${o.as}`, '--clear-groups', process.execPath, BIN, ...args];
    const child = spawn(cmd[0]!, cmd.slice(1), { cwd, env: { ...process.env, ...o.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => ok({ code, stdout, stderr, ms: Date.now() - t0 }));
  });
}

describe('the command line', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nca-gl-hostile-cli-'));
    chmodSync(dir, 0o755);
  });

  it('info /dev/zero and a FIFO exit 3 promptly; --out DIR and --picture DIR exit 2 before training', async () => {
    execFileSync('mkfifo', [join(dir, 'fifo.nca')]);
    mkdirSync(join(dir, 'out.nca'));
    mkdirSync(join(dir, 'pic.png'));
    for (const [args, code, says] of [
      [['info', '/dev/zero'], 3, 'is a device, not a regular file'],
      [['info', 'fifo.nca'], 3, 'is a FIFO'],
      [['info', 'out.nca'], 3, 'is a directory'],
      [['train', 'lizard', '--out', 'out.nca'], 2, 'it is a directory'],
      [['train', 'lizard', '--picture', 'pic.png'], 2, 'it is a directory'],
      [['train', 'lizard', '--out', 'no/such/folder/x.nca'], 2, 'does not exist'],
    ] as const) {
      const r = await cli([...args], dir);
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.stderr).toContain(says);
      expect(r.stderr).not.toMatch(/^training|iteration/m);
      expect(r.ms).toBeLessThan(5000);
    }
  });

  it('a read-only folder exits 2 before training (run as an unprivileged user with setpriv)', async (ctx) => {
    let canSetpriv = false;
    try {
      canSetpriv = process.getuid?.() === 0 && execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'id', '-u']).toString().trim() === '65534';
    } catch {
      canSetpriv = false;
    }
    if (!canSetpriv) return ctx.skip();
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o555); // owned by root: read-only for 'nobody'
    const r = await cli(['train', 'lizard', '--out', join(ro, 'x.nca'), '--iterations', '5'], dir, { as: 65534 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write .*ro\/x\.nca: its folder .*ro is not writable \(EACCES\)/);
    expect(r.stderr).not.toMatch(/^training/m);
  });

  it('a checkpoint write that fails (injected ENOSPC) names the file, says training stopped and which checkpoint is intact', async () => {
    const args = ['train', 'lizard', '--size', '12', '--hidden', '8', '--iterations', '12', '--checkpoint-every', '4', '--out', 'w.nca', '--no-picture', '--log-every', '1'];
    const r = await cli(args, dir, { env: { NCA_GL_TEST_FAULTS: 'fail-write@8' } });
    expect(r.code).toBe(1);
    // the quick growth job has a pool, written first: the failing write is w.pool or w.nca
    expect(r.stderr).toMatch(/nca-gl: could not write w\.(pool|nca): ENOSPC \(no space left on the device\)\. Training stopped at iteration 8; the last checkpoint, iteration 4, is intact in w\.nca/);
    // the file on disk is that checkpoint, whole, and no temporary file is left
    expect(decodeModel(new Uint8Array(readFileSync(join(dir, 'w.nca')))).training!.iterations).toBe(4);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
