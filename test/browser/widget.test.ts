/**
 * The widget from the outside: a plain page holding only the bundle and one <nca-canvas> tag, with a
 * model trained in this file (16×16, a few seconds of software WebGL). It must animate, take clicks,
 * drags and touches as damage at the right cells, resize with its box, pause out of view and in a
 * hidden tab, show a readable message without WebGL2 or with a bad model, and run on half floats
 * where float32 render targets are missing. Screenshots: test-artifacts/widget/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, openHarness, ROOT } from './harness';
import { trainTinyModel } from './tiny-model';

const OUT = join(ROOT, 'test-artifacts/widget');
const URL_DIR = '/test-artifacts/widget';
let h: Harness;
let model: Buffer;
const pages: Page[] = [];

/** A page that holds the bundle and one tag, after `head` (scripts that run before the bundle). */
function plainPage(name: string, tag: string, head = '', after = ''): string {
  const html = `<!doctype html>\n<html><head><meta charset="utf-8"><title>${name}</title><link rel="icon" href="data:,">${head}</head>\n<body style="margin:8px">\n<script src="/dist/nca-gl.js"></script>\n${tag}\n${after}</body></html>\n`;
  writeFileSync(join(OUT, `${name}.html`), html);
  return `${URL_DIR}/${name}.html`;
}

async function open(path: string): Promise<Page> {
  const p = await h.newPage(path);
  pages.push(p);
  return p;
}

/** Waits until the element's widget has drawn `frames` frames (or failed). */
async function waitFrames(p: Page, frames: number, sel = 'nca-canvas'): Promise<void> {
  await p.waitForFunction((sel, n) => ((document.querySelector(sel) as any)?.widget?.frames ?? 0) >= n, { timeout: 60_000, polling: 50 }, sel, frames);
}

/** RGBA pixels of the element's canvas (its drawing buffer). */
async function pixels(p: Page, sel = 'nca-canvas'): Promise<{ w: number; h: number; data: number[] }> {
  return p.evaluate((sel) => {
    const el = document.querySelector(sel) as any;
    const c: HTMLCanvasElement = el.canvas ?? el;
    const cc = document.createElement('canvas');
    cc.width = c.width;
    cc.height = c.height;
    const ctx = cc.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(c, 0, 0);
    return { w: c.width, h: c.height, data: Array.from(ctx.getImageData(0, 0, c.width, c.height).data) };
  }, sel);
}

/** Pixels that are not the white background. */
const inked = (d: number[]) => {
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i]! < 240 || d[i + 1]! < 240 || d[i + 2]! < 240) n++;
  return n;
};
const changed = (a: number[], b: number[]) => {
  let n = 0;
  for (let i = 0; i < a.length; i += 4) if (Math.abs(a[i]! - b[i]!) + Math.abs(a[i + 1]! - b[i + 1]!) + Math.abs(a[i + 2]! - b[i + 2]!) > 6) n++;
  return n;
};

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  h = await openHarness();
  const t = await trainTinyModel(h.page, { task: 'growth', iterations: 120 });
  console.log(`tiny growth model: ${t.bytes.length} bytes, loss ${t.finalLoss.toFixed(4)}, level ${t.level}, trained in ${(t.ms / 1000).toFixed(1)} s`);
  model = t.bytes;
  writeFileSync(join(OUT, 'tiny-growth.nca'), model);
});
afterAll(async () => h?.close());
afterEach(async () => {
  for (const p of pages.splice(0)) await p.close();
  await h.assertClean();
});

describe('<nca-canvas> on a plain page (the bundle and one tag)', () => {
  it('loads the model, animates and draws pixel art at a whole-number scale', async () => {
    const p = await open(plainPage('plain', '<nca-canvas model="tiny-growth.nca"></nca-canvas>'));
    await waitFrames(p, 3);
    const info = await p.evaluate(() => {
      const el = document.querySelector('nca-canvas') as any;
      const r = el.getBoundingClientRect();
      return { cssW: r.width, cssH: r.height, bufW: el.canvas.width, bufH: el.canvas.height, format: el.widget.format, grid: el.widget.model.grid, dpr: devicePixelRatio, fit: el.widget.player.fit() };
    });
    expect(info.format).toBe('rgba32f');
    expect(info.cssW).toBe(256);
    expect(info.cssH).toBe(256); // the model is square: aspect-ratio follows its grid
    expect([info.bufW, info.bufH]).toEqual([256 * info.dpr, 256 * info.dpr]);
    expect(info.fit.scale).toBe(Math.floor((256 * info.dpr) / 16));
    const a = await pixels(p);
    await waitFrames(p, 20);
    const b = await pixels(p);
    const ink = inked(b.data);
    const moved = changed(a.data, b.data);
    console.log(`plain page: ${ink} of ${b.w * b.h} pixels inked; ${moved} changed over 17+ frames`);
    expect(ink).toBeGreaterThan(0.05 * b.w * b.h);
    expect(moved).toBeGreaterThan(0);
    await p.screenshot({ path: join(OUT, 'plain.png') });
  });

  it('erases cells under a click, a drag and a touch, at the right place (row 0 at the top)', async () => {
    const p = await open(plainPage('damage', '<nca-canvas model="tiny-growth.nca" paused start="target" damage-radius="2"></nca-canvas>'));
    await p.waitForFunction(() => (document.querySelector('nca-canvas') as any)?.widget?.player, { timeout: 60_000 });
    const box = (await p.evaluate(() => {
      const r = document.querySelector('nca-canvas')!.getBoundingClientRect();
      return { x: r.left, y: r.top, w: r.width, h: r.height };
    }))!;
    /** Alpha of every cell (row 0 at the top). */
    const alpha = () =>
      p.evaluate(() => {
        const e = (document.querySelector('nca-canvas') as any).engine;
        const s = e.getState();
        return Array.from({ length: e.width * e.height }, (_, i) => s[i * 16 + 3]);
      });
    const before = await alpha();
    // a click at the cell (5.5, 4.5) of the 16×16 grid: the upper-left part of the box
    const cell = 256 / 16;
    await p.mouse.click(box.x + 5.5 * cell, box.y + 4.5 * cell);
    const after = await alpha();
    const erased = (a: number[], b: number[]) => a.map((v, i) => (v !== 0 && b[i] === 0 ? i : -1)).filter((i) => i >= 0);
    const hit = erased(before, after);
    expect(hit.length).toBeGreaterThan(0);
    for (const i of hit) {
      const x = i % 16, y = Math.floor(i / 16);
      expect(Math.hypot(x + 0.5 - 5.5, y + 0.5 - 4.5)).toBeLessThan(2);
    }
    // the canvas shows the background there now
    const px = await pixels(p);
    const at = (cx: number, cy: number) => {
      const s = px.w / 16;
      const o = (Math.floor(cy * s) * px.w + Math.floor(cx * s)) * 4;
      return px.data.slice(o, o + 3);
    };
    expect(at(5.5, 4.5)).toEqual([255, 255, 255]);
    // a drag across the middle rows erases a stroke
    const b2 = await alpha();
    await p.mouse.move(box.x + 3 * cell, box.y + 8.5 * cell);
    await p.mouse.down();
    for (let k = 1; k <= 10; k++) await p.mouse.move(box.x + (3 + k) * cell, box.y + 8.5 * cell);
    await p.mouse.up();
    const stroke = erased(b2, await alpha());
    const rows = new Set(stroke.map((i) => Math.floor(i / 16)));
    const cols = new Set(stroke.map((i) => i % 16));
    expect([...rows].every((y) => Math.abs(y + 0.5 - 8.5) < 2)).toBe(true);
    expect(cols.size).toBeGreaterThanOrEqual(6);
    // a touch
    const b3 = await alpha();
    await p.touchscreen.tap(box.x + 10.5 * cell, box.y + 4.5 * cell);
    const touched = erased(b3, await alpha());
    expect(touched.length).toBeGreaterThan(0);
    for (const i of touched) expect(Math.hypot((i % 16) + 0.5 - 10.5, Math.floor(i / 16) + 0.5 - 4.5)).toBeLessThan(2);
    await p.screenshot({ path: join(OUT, 'damage.png') });
  });

  it('resizes with its box and pauses out of view and in a hidden tab', async () => {
    const p = await open(plainPage('resize', '<nca-canvas model="tiny-growth.nca"></nca-canvas><div style="height:3000px"></div>'));
    await waitFrames(p, 3);
    await p.evaluate(() => ((document.querySelector('nca-canvas') as HTMLElement).style.width = '160px'));
    await p.waitForFunction(() => (document.querySelector('nca-canvas') as any).canvas.width === 160 * devicePixelRatio, { timeout: 10_000 });
    const fit = await p.evaluate(() => (document.querySelector('nca-canvas') as any).widget.player.fit());
    expect(fit.scale).toBe(10);
    const frames = () => p.evaluate(() => (document.querySelector('nca-canvas') as any).widget.frames as number);
    const settle = () => p.evaluate(() => new Promise((r) => setTimeout(r, 400)));
    // scrolled out of view: no frames
    await p.evaluate(() => window.scrollTo(0, 2000));
    await p.waitForFunction(() => !(document.querySelector('nca-canvas') as any).widget.running, { timeout: 10_000 });
    const f0 = await frames();
    await settle();
    expect(await frames()).toBe(f0);
    await p.evaluate(() => window.scrollTo(0, 0));
    await p.waitForFunction((f0) => (document.querySelector('nca-canvas') as any).widget.frames > f0 + 2, { timeout: 20_000 }, f0);
    // a hidden tab: no frames
    await p.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    const f1 = await frames();
    await settle();
    expect(await frames()).toBe(f1);
    await p.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await p.waitForFunction((f1) => (document.querySelector('nca-canvas') as any).widget.frames > f1 + 2, { timeout: 20_000 }, f1);
  });

  it('starts again after the WebGL context is lost and restored', async () => {
    const p = await open(plainPage('context-loss', '<nca-canvas model="tiny-growth.nca"></nca-canvas>'));
    await waitFrames(p, 3);
    await p.evaluate(() => {
      const w = (document.querySelector('nca-canvas') as any).widget;
      (window as any).lose = w.engine.gl.getExtension('WEBGL_lose_context');
      (window as any).lose.loseContext();
    });
    await p.waitForFunction(() => !(document.querySelector('nca-canvas') as any).widget.running, { timeout: 10_000 });
    const f0 = await p.evaluate(() => (document.querySelector('nca-canvas') as any).widget.frames);
    await p.evaluate(() => (window as any).lose.restoreContext());
    await p.waitForFunction((f0) => (document.querySelector('nca-canvas') as any).widget.frames > f0 + 3, { timeout: 30_000 }, f0);
    const b = await pixels(p);
    expect(inked(b.data)).toBeGreaterThan(0.05 * b.w * b.h);
  });

  it('says what is wrong when the model cannot be loaded', async () => {
    const p = await open(plainPage('missing', '<nca-canvas model="no-such-model.nca"></nca-canvas>'));
    await p.waitForFunction(() => !(document.querySelector('nca-canvas') as any).shadowRoot.querySelector('.message').hidden, { timeout: 20_000 });
    const text = await p.evaluate(() => (document.querySelector('nca-canvas') as any).shadowRoot.querySelector('.message').textContent);
    expect(text).toMatch(/could not be loaded/);
    expect(text).toMatch(/404/);
    // the browser itself logs the 404: expected here, not a fault of the page
    h.problems.splice(0, h.problems.length, ...h.problems.filter((m) => !/404|no-such-model/.test(m)));
  });
});

describe('where the device falls short', () => {
  it('without WebGL2, the tag and mount() show a message naming what is missing', async () => {
    const noGL2 = `<script>{ const g = HTMLCanvasElement.prototype.getContext; HTMLCanvasElement.prototype.getContext = function (t, ...a) { return t === 'webgl2' ? null : g.call(this, t, ...a); }; }</script>`;
    const mountIt = `<canvas id="c" width="128" height="128"></canvas><script>window.w = NcaGl.mount(document.getElementById('c'), { model: 'tiny-growth.nca' }); window.w.ready.catch((e) => (window.mountError = e.code));</script>`;
    const p = await open(plainPage('no-webgl2', '<nca-canvas model="tiny-growth.nca"></nca-canvas>', noGL2, mountIt));
    await p.waitForFunction(() => !(document.querySelector('nca-canvas') as any).shadowRoot.querySelector('.message').hidden && (window as any).mountError, { timeout: 20_000 });
    const r = await p.evaluate(() => {
      const el = document.querySelector('nca-canvas') as any;
      const m = el.shadowRoot.querySelector('.message');
      const box = m.getBoundingClientRect();
      const pm = document.querySelector('.nca-gl-message') as HTMLElement;
      return {
        text: m.textContent,
        w: box.width,
        h: box.height,
        canvasHidden: el.canvas.hidden,
        code: el.widget.error.code,
        mountText: pm?.textContent,
        mountCode: (window as any).mountError,
        canvasDisplay: (document.getElementById('c') as HTMLElement).style.display,
      };
    });
    expect(r.code).toBe('no-webgl2');
    expect(r.text).toMatch(/needs WebGL2/);
    expect(r.canvasHidden).toBe(true);
    expect(r.w).toBe(256);
    expect(r.h).toBe(256);
    expect(r.mountCode).toBe('no-webgl2');
    expect(r.mountText).toMatch(/needs WebGL2/);
    expect(r.canvasDisplay).toBe('none');
    await p.screenshot({ path: join(OUT, 'no-webgl2.png') });
  });

  it('without float32 render targets, runs on RGBA16F state (half float)', async () => {
    const noF32 = `<script>{ const g = WebGL2RenderingContext.prototype.getExtension; WebGL2RenderingContext.prototype.getExtension = function (n) { return n === 'EXT_color_buffer_float' ? null : g.call(this, n); }; }</script>`;
    const p = await open(plainPage('half-float', '<nca-canvas model="tiny-growth.nca"></nca-canvas>', noF32));
    await waitFrames(p, 3);
    const fmt = await p.evaluate(() => {
      const w = (document.querySelector('nca-canvas') as any).widget;
      return { format: w.format, engineFormat: w.engine.rt.format, f32: w.engine.rt.caps.float32Render, f16: w.engine.rt.caps.float16Render };
    });
    expect(fmt).toEqual({ format: 'rgba16f', engineFormat: 'rgba16f', f32: false, f16: true });
    const a = await pixels(p);
    await waitFrames(p, 20);
    const b = await pixels(p);
    expect(inked(b.data)).toBeGreaterThan(0.05 * b.w * b.h);
    expect(changed(a.data, b.data)).toBeGreaterThan(0);
    await p.screenshot({ path: join(OUT, 'half-float.png') });
  });
});

describe('mount() on a canvas of the page', () => {
  it('restarts a model whose file says it fades at the policy step, and not with restart: never (issue 15)', async () => {
    // the tiny model with figures saying it holds 10 steps of T = 4: 'auto' restarts at max(T, 0.8 · 10) = 8
    const path = plainPage(
      'restart',
      '<canvas id="a" width="64" height="64"></canvas><canvas id="n" width="64" height="64"></canvas><canvas id="o" width="64" height="64"></canvas>',
      '',
      `<script>
      window.go = (async () => {
        const bytes = new Uint8Array(await (await fetch('tiny-growth.nca')).arrayBuffer());
        const plain = NcaGl.decodeModel(bytes);
        const fades = NcaGl.decodeModel(NcaGl.encodeModel({ ...plain, quality: { draws: 16, steps: 4, psnrT: 20, psnr10T: 9, psnr50T: 5, worstT: 18, worst10T: 8, worst50T: 4, holdsSteps: 10 } }));
        const opts = { autoplay: false, pauseWhenHidden: false };
        window.ws = [NcaGl.mount(document.getElementById('a'), { ...opts, model: fades }), NcaGl.mount(document.getElementById('n'), { ...opts, model: fades, restart: 'never' }), NcaGl.mount(document.getElementById('o'), { ...opts, model: plain })];
        await Promise.all(window.ws.map((w) => w.ready));
      })();
      </script>`,
    );
    const p = await open(path);
    await p.evaluate(() => (window as any).go);
    const r = await p.evaluate(() => {
      const ws = (window as any).ws as any[];
      const trace: number[][] = [];
      for (let f = 0; f < 18; f++) {
        for (const w of ws) w.frame(); // one frame each: a restart check, then one step (speed 1)
        trace.push(ws.map((w) => w.player.steps));
      }
      return { trace, restartAfter: ws.map((w) => w.restartAfter), restarts: ws.map((w) => w.restarts) };
    });
    expect(r.restartAfter).toEqual([8, 0, 0]);
    // auto: steps 1…8, then the 9th frame starts again (1), 1…8 again, then 1, 2
    expect(r.trace.map((t) => t[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2]);
    expect(r.trace.map((t) => t[1])).toEqual(Array.from({ length: 18 }, (_, i) => i + 1)); // never
    expect(r.trace.map((t) => t[2])).toEqual(Array.from({ length: 18 }, (_, i) => i + 1)); // no figures: as before
    expect(r.restarts).toEqual([2, 0, 0]);
  });

  it('keeps a canvas sized only by its attributes at its size on a 2× screen', async () => {
    const path = plainPage('mount', '<canvas id="c" width="96" height="64"></canvas><script>window.w = NcaGl.mount(document.getElementById("c"), { model: "tiny-growth.nca", speed: 0.5 });</script>');
    const p = await h.newPage('/test/browser/page.html');
    pages.push(p);
    await p.setViewport({ width: 800, height: 600, deviceScaleFactor: 2 });
    await p.goto(h.serverUrl + path, { waitUntil: 'load' });
    await p.waitForFunction(() => (window as any).w.frames >= 10, { timeout: 60_000 });
    const r = await p.evaluate(() => {
      const c = document.getElementById('c') as HTMLCanvasElement;
      const b = c.getBoundingClientRect();
      return { cssW: b.width, cssH: b.height, w: c.width, h: c.height, fit: (window as any).w.player.fit(), steps: (window as any).w.player.steps, frames: (window as any).w.frames };
    });
    expect([r.cssW, r.cssH]).toEqual([96, 64]);
    expect([r.w, r.h]).toEqual([192, 128]);
    expect(r.fit).toMatchObject({ scale: 8, w: 128, h: 128, x: 32, y: 0 });
    // speed 0.5: one step every other frame
    expect(Math.abs(r.steps - r.frames / 2)).toBeLessThanOrEqual(1);
  });
});
