/**
 * Node's end of the CLI page: launches Chromium (src/node/browser.ts), serves the package over
 * 127.0.0.1, opens src/cli/page.html (which loads dist/nca-gl.js), installs window.ncaCli and calls
 * its methods. A browser that exits, disconnects or whose page crashes turns every pending and later
 * call into a BrowserDied error (the train command relaunches); errors thrown in the page come back
 * as NcaGlError with their code.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import { NcaGlError, type NcaGlErrorCode } from '../errors';
import { launchBrowser, type LaunchedBrowser, type WebGLMode } from '../node/browser';
import { serveStatic, type StaticServer } from '../node/server';
import { BrowserDied } from './errors';
import type { PageApi } from './page';
import { installTrainApi } from './page';
import { installRenderApi } from './page-render';

/** The package root: the nearest folder above this file with nca-gl's package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'cli', 'page.html'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new NcaGlError('io', 'cannot find the nca-gl package folder (with src/cli/page.html) above the CLI; reinstall nca-gl');
}

type Api = PageApi;
type Result<K extends keyof Api> = Awaited<ReturnType<Api[K]>>;

export interface BridgeOptions {
  webgl?: WebGLMode;
  /** Print the page's console errors (NCA_GL_DEBUG=1). */
  debug?: boolean;
}

export class Bridge {
  private dead: string | null = null;
  private readonly died: Promise<never>;
  private markDead!: (why: string) => void;

  private constructor(
    private readonly launched: LaunchedBrowser,
    private readonly server: StaticServer,
    readonly page: Page,
    readonly renderer: string,
  ) {
    this.died = new Promise<never>((_, reject) => {
      this.markDead = (why: string) => {
        if (this.dead) return;
        this.dead = why;
        reject(new BrowserDied(why));
      };
    });
    this.died.catch(() => undefined);
    launched.browser.on('disconnected', () => this.markDead('the browser disconnected (it exited or was killed)'));
    launched.browser.process()?.once('exit', (code, signal) => this.markDead(`the browser process exited (${signal ?? `code ${code}`})`));
    page.on('error', (e) => this.markDead(`the page crashed (${e.message})`));
  }

  static async open(o: BridgeOptions = {}): Promise<Bridge> {
    const root = packageRoot();
    if (!existsSync(join(root, 'dist', 'nca-gl.js'))) throw new NcaGlError('io', `${join(root, 'dist', 'nca-gl.js')} is missing: run \`npm run build\` in ${root}`);
    const launched = await launchBrowser({ webgl: o.webgl, handleSignals: false });
    let server: StaticServer | null = null;
    try {
      server = await serveStatic(root);
      const page = await launched.browser.newPage();
      if (o.debug) {
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warn') process.stderr.write(`[page] ${m.text()}\n`);
        });
      }
      await page.goto(`${server.url}/src/cli/page.html`, { waitUntil: 'load' });
      const ok = await page.evaluate(() => typeof (window as unknown as { NcaGl?: unknown }).NcaGl === 'object');
      if (!ok) throw new NcaGlError('io', `the CLI page could not load dist/nca-gl.js from ${root}: run \`npm run build\` there`);
      await page.evaluate(installTrainApi);
      await page.evaluate(installRenderApi);
      const renderer = await page.evaluate(() => {
        const gl = document.createElement('canvas').getContext('webgl2');
        if (!gl) return '';
        const ext = gl.getExtension('WEBGL_debug_renderer_info');
        return String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
      });
      if (!renderer) {
        throw new NcaGlError('no-webgl2', `Chromium (${launched.executablePath}, WebGL mode ${launched.mode}) offers no WebGL2: try --webgl swiftshader, or set NCA_GL_CHROMIUM to another Chrome/Chromium`);
      }
      return new Bridge(launched, server, page, renderer);
    } catch (e) {
      await launched.close().catch(() => undefined);
      await server?.close();
      throw e;
    }
  }

  get mode(): string {
    return this.launched.mode;
  }

  get alive(): boolean {
    return this.dead === null;
  }

  /** Calls window.ncaCli[name](...args) in the page. `timeoutMs`: a page that does not answer is treated as dead. */
  async call<K extends keyof Api>(name: K, args: Parameters<Api[K]>, timeoutMs = 0): Promise<Result<K>> {
    if (this.dead) throw new BrowserDied(this.dead);
    const run = this.page.evaluate(
      async (name: string, args: unknown[]) => {
        try {
          const api = (window as unknown as { ncaCli: Record<string, (...a: unknown[]) => unknown> }).ncaCli;
          return { ok: true as const, value: await api[name]!(...args) };
        } catch (e) {
          const err = e as { code?: unknown; message?: unknown };
          return { ok: false as const, code: typeof err.code === 'string' ? err.code : null, message: String(err.message ?? e) };
        }
      },
      name as string,
      args as unknown[],
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const races: Promise<unknown>[] = [run, this.died];
    if (timeoutMs > 0) races.push(new Promise((_, reject) => (timer = setTimeout(() => reject(new BrowserDied(`the browser did not answer for ${Math.round(timeoutMs / 1000)} s (hung?)`)), timeoutMs))));
    let r: { ok: true; value: unknown } | { ok: false; code: string | null; message: string };
    try {
      r = (await Promise.race(races)) as typeof r;
    } catch (e) {
      if (e instanceof BrowserDied) {
        this.markDead(e.message.replace(/^nca-gl: /, ''));
        throw e;
      }
      // a protocol error usually means the target went away: give the death events a moment
      await new Promise((ok) => setTimeout(ok, 200));
      if (this.dead) throw new BrowserDied(this.dead);
      throw e;
    } finally {
      clearTimeout(timer);
    }
    if (r.ok) return r.value as Result<K>;
    if (/context was lost .* did not come back/.test(r.message)) {
      this.markDead(r.message.replace(/^nca-gl: /, ''));
      throw new BrowserDied(this.dead!);
    }
    if (r.code) throw new NcaGlError(r.code as NcaGlErrorCode, r.message);
    throw new Error(r.message);
  }

  /** Kills the browser process outright (fault injection for tests). */
  kill(): void {
    this.launched.browser.process()?.kill('SIGKILL');
  }

  async close(): Promise<void> {
    const closing = this.launched.close().catch(() => undefined);
    await Promise.race([closing, new Promise((ok) => setTimeout(ok, 5000))]);
    if (this.launched.browser.process()?.exitCode === null) this.launched.browser.process()?.kill('SIGKILL');
    await this.server.close();
  }
}
