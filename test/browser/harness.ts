/**
 * Browser test harness: one Chromium per test file (software WebGL2 without a GPU, the real GPU
 * with one; see src/node/browser.ts), pages served from the repository over 127.0.0.1.
 * Every page error, console error and WebGL error flag left set fails the test that caused it.
 */
import { resolve } from 'node:path';
import type { ConsoleMessage, Page } from 'puppeteer-core';
import { launchBrowser, type LaunchedBrowser } from '../../src/node/browser';
import { serveStatic, type StaticServer } from '../../src/node/server';

export const ROOT = resolve(import.meta.dirname, '../..');

/** Console noise that is not an error of ours. */
const IGNORED = [/GPU stall due to ReadPixels/, /Automatic fallback to software WebGL/, /favicon\.ico/];

export interface Harness {
  page: Page;
  renderer: string;
  mode: string;
  /** Problems seen since the last `takeProblems`. */
  problems: string[];
  newPage(path?: string): Promise<Page>;
  /** Throws if the page reported errors or a WebGL error flag is set; clears the list. */
  assertClean(): Promise<void>;
  close(): Promise<void>;
  serverUrl: string;
}

export async function openHarness(path = '/test/browser/page.html'): Promise<Harness> {
  const server: StaticServer = await serveStatic(ROOT);
  let launched: LaunchedBrowser;
  try {
    launched = await launchBrowser();
  } catch (e) {
    await server.close();
    throw e;
  }
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on('pageerror', (e) => problems.push(`page error: ${(e as Error).message ?? e}`));
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() === 'error' && !IGNORED.some((r) => r.test(m.text()))) problems.push(`console error: ${m.text()}`);
    });
    page.on('requestfailed', (r) => {
      if (!IGNORED.some((re) => re.test(r.url()))) problems.push(`request failed: ${r.url()}`);
    });
  };
  const h: Harness = {
    page: null as unknown as Page,
    renderer: '',
    mode: launched.mode,
    problems,
    serverUrl: server.url,
    async newPage(p = path) {
      const page = await launched.browser.newPage();
      watch(page);
      await page.goto(server.url + p, { waitUntil: 'load' });
      return page;
    },
    async assertClean() {
      const glErrors = await h.page.evaluate(() => (window as any).T?.glErrors?.() ?? []).catch(() => []);
      const found = [...problems, ...glErrors.map((e: number) => `WebGL error 0x${e.toString(16)} left set`)];
      problems.length = 0;
      if (found.length) throw new Error(`browser problems:\n${found.join('\n')}`);
    },
    async close() {
      await launched.close();
      await server.close();
    },
  };
  h.page = await h.newPage();
  h.renderer = await h.page.evaluate(() => {
    const gl = document.createElement('canvas').getContext('webgl2');
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    return gl ? String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : 'no WebGL2';
  });
  // which renderer ran is part of every test log (CI runs the suite on llvmpipe and SwiftShader)
  console.log(`WebGL: ${h.renderer} (NCA_GL_WEBGL mode ${launched.mode})`);
  return h;
}

/** Float32Array → base64 (to move arrays into the page). */
export function toB64(a: Float32Array | Float64Array): string {
  const f = a instanceof Float32Array ? a : Float32Array.from(a);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
}

/** base64 → Float32Array (to bring arrays back from the page). */
export function fromB64(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Max |a_i − b_i|, and where. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; index: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  let index = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= max)) {
      max = d;
      index = i;
    }
  }
  return { max, index };
}
