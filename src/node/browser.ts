/**
 * Finding and launching a Chromium for the CLI, the benchmark and the browser tests (Node side).
 *
 * Browser: $NCA_GL_CHROMIUM, else $PUPPETEER_EXECUTABLE_PATH / $CHROME_PATH, else the usual install
 * paths. WebGL: $NCA_GL_WEBGL = auto (default) | gpu | vulkan | egl | llvmpipe | swiftshader.
 *   auto        the fastest that works, in this order: a real GPU (when the machine has a render
 *               node, /dev/dri/renderD* or /dev/nvidia*, and Chromium reports a hardware WebGL2
 *               renderer with it); Mesa's llvmpipe (when Mesa's EGL is installed and Chromium
 *               reports llvmpipe with it); SwiftShader.
 *   gpu, vulkan the GPU through Chromium's default ANGLE backend / through Vulkan.
 *   egl         ANGLE on the system's OpenGL ES through EGL: a GPU's driver, or llvmpipe without one.
 *   llvmpipe    ANGLE on Mesa's llvmpipe (software rasteriser, 8-wide SIMD through LLVM; Debian:
 *               libegl-mesa0 and libgl1-mesa-dri), forced even where a GPU exists.
 *   swiftshader Chromium's own software WebGL2 (ANGLE on SwiftShader): always there, slowest.
 * $NCA_GL_BROWSER_FLAGS adds flags (space-separated).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, LaunchOptions, PuppeteerNode } from 'puppeteer-core';
import { NcaGlError } from '../errors';

/**
 * puppeteer-core through require(): resolves from this package's node_modules and also through
 * NODE_PATH, which is how the GPU kit (shared/gpukit, Node 18) provides it.
 */
function puppeteer(): PuppeteerNode {
  const req = createRequire(import.meta.url);
  try {
    return req('puppeteer-core') as PuppeteerNode;
  } catch (e) {
    throw new NcaGlError(
      'io',
      'the command-line tool drives Chromium through puppeteer-core, an optional peer dependency of nca-gl that is not installed. ' +
        'Install it next to nca-gl: `npm install puppeteer-core` (in a clone of nca-gl, `npm ci` or `bash scripts/quickstart.sh` installs it; or set NODE_PATH to a folder that has it)',
      { cause: e },
    );
  }
}

export type WebGLMode = 'auto' | 'gpu' | 'vulkan' | 'egl' | 'llvmpipe' | 'swiftshader';

export const WEBGL_MODES: readonly WebGLMode[] = ['auto', 'gpu', 'vulkan', 'egl', 'llvmpipe', 'swiftshader'];

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/chromium-headless-shell',
  '/snap/bin/chromium',
  '/opt/gpukit/root/usr/lib/chromium/chromium-headless-shell',
  '/usr/lib/chromium/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
];

/** Path of a Chromium-family browser, or a clear error saying how to get one. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  for (const name of ['NCA_GL_CHROMIUM', 'PUPPETEER_EXECUTABLE_PATH', 'CHROME_PATH']) {
    const p = env[name];
    if (p) {
      if (!existsSync(p)) throw new NcaGlError('io', `$${name} points at ${p}, which does not exist: fix the path or unset it`);
      return p;
    }
  }
  for (const p of CANDIDATES) if (existsSync(p)) return p;
  throw new NcaGlError(
    'io',
    'no Chromium or Chrome found. Install one (Debian/Ubuntu: `sudo apt-get install -y chromium`), ' +
      'or set NCA_GL_CHROMIUM to the path of a Chrome/Chromium executable.',
  );
}

const COMMON_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
  '--disable-crash-reporter',
  '--disable-breakpad',
  '--mute-audio',
  '--disable-extensions',
  // keep timers and rAF running in pages the harness is not looking at
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

const GPU_FLAGS = ['--ignore-gpu-blocklist', '--enable-gpu'];

export function webglFlags(mode: Exclude<WebGLMode, 'auto'>): string[] {
  switch (mode) {
    case 'swiftshader':
      return ['--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];
    case 'vulkan':
      return ['--use-gl=angle', '--use-angle=vulkan', '--enable-features=Vulkan', '--disable-vulkan-surface', ...GPU_FLAGS];
    case 'egl':
    case 'llvmpipe':
      return ['--use-gl=angle', '--use-angle=gl-egl', ...GPU_FLAGS];
    case 'gpu':
      return GPU_FLAGS;
  }
}

const MESA_EGL = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'].map((d) => join(d, 'libEGL_mesa.so.0'));

/** True when Mesa's EGL (and so, on Linux, llvmpipe) looks installed. */
export function mesaEglInstalled(): boolean {
  return process.platform === 'linux' && MESA_EGL.some((p) => existsSync(p));
}

/** True when the machine shows a GPU render node that Chromium could use. */
export function machineHasGpu(): boolean {
  try {
    if (existsSync('/dev/nvidia0')) return true;
    if (existsSync('/dev/dri')) return readdirSync('/dev/dri').some((n) => n.startsWith('renderD'));
  } catch {
    /* fall through */
  }
  return process.platform === 'darwin' || process.platform === 'win32';
}

export interface LaunchedBrowser {
  browser: Browser;
  /** The WebGL mode actually used. */
  mode: Exclude<WebGLMode, 'auto'>;
  executablePath: string;
  close(): Promise<void>;
}

export interface LaunchOpts {
  webgl?: WebGLMode;
  /** Extra Chromium flags. */
  args?: string[];
  /** Forward the browser's stderr (debugging). */
  dumpio?: boolean;
  /**
   * Let puppeteer close the browser on SIGINT/SIGTERM/SIGHUP (default true; on SIGINT it also
   * exits the process). The CLI passes false and handles the signals itself (save, then exit).
   */
  handleSignals?: boolean;
}

function readMode(v: string | undefined): WebGLMode {
  const m = (v || 'auto') as WebGLMode;
  if (!WEBGL_MODES.includes(m)) {
    throw new NcaGlError('bad-argument', `NCA_GL_WEBGL must be one of ${WEBGL_MODES.join(', ')}; got '${v}'`);
  }
  return m;
}

async function launchWith(exe: string, mode: Exclude<WebGLMode, 'auto'>, opts: LaunchOpts): Promise<LaunchedBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'nca-gl-chromium-'));
  const extra = (process.env.NCA_GL_BROWSER_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const launch: LaunchOptions = {
    executablePath: exe,
    headless: exe.includes('headless-shell') ? 'shell' : true,
    pipe: true,
    protocolTimeout: 0,
    dumpio: opts.dumpio ?? false,
    handleSIGINT: opts.handleSignals ?? true,
    handleSIGTERM: opts.handleSignals ?? true,
    handleSIGHUP: opts.handleSignals ?? true,
    userDataDir,
    args: [...COMMON_FLAGS, ...webglFlags(mode), ...extra, ...(opts.args ?? [])],
  };
  if (mode === 'swiftshader') {
    // never point the software renderer at a hardware Vulkan driver
    const env = { ...process.env };
    delete env.VK_DRIVER_FILES;
    delete env.VK_ICD_FILENAMES;
    launch.env = env;
  } else if (mode === 'llvmpipe') {
    // Mesa's software rasteriser even where a GPU driver exists
    launch.env = { ...process.env, LIBGL_ALWAYS_SOFTWARE: '1', GALLIUM_DRIVER: 'llvmpipe' };
  }
  const browser = await puppeteer().launch(launch);
  let closed = false;
  return {
    browser,
    mode,
    executablePath: exe,
    async close() {
      if (closed) return;
      closed = true;
      await browser.close().catch(() => browser.process()?.kill('SIGKILL'));
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The WebGL2 renderer string a fresh page of `browser` reports, or null without WebGL2. */
export async function probeRenderer(browser: Browser): Promise<string | null> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(() => {
      const gl = document.createElement('canvas').getContext('webgl2');
      if (!gl) return null;
      const ext = gl.getExtension('WEBGL_debug_renderer_info');
      return String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    });
  } finally {
    await page.close();
  }
}

export function isSoftwareRenderer(renderer: string | null): boolean {
  return renderer === null || /swiftshader|llvmpipe|lavapipe|software|softpipe/i.test(renderer);
}

/** The software renderer a WebGL renderer string names ('llvmpipe', 'swiftshader'), or null. */
export function softwareRendererName(renderer: string | null): 'llvmpipe' | 'swiftshader' | null {
  if (renderer && /llvmpipe/i.test(renderer)) return 'llvmpipe';
  if (renderer && /swiftshader/i.test(renderer)) return 'swiftshader';
  return null;
}

/** Launches Chromium for WebGL2 work as LaunchOpts and the environment say (see the file comment). */
export async function launchBrowser(opts: LaunchOpts = {}): Promise<LaunchedBrowser> {
  const exe = findChromium();
  const mode = opts.webgl ?? readMode(process.env.NCA_GL_WEBGL);
  if (mode !== 'auto') return launchWith(exe, mode, opts);
  if (machineHasGpu()) {
    const hw = await launchWith(exe, process.platform === 'linux' ? 'vulkan' : 'gpu', opts);
    const renderer = await probeRenderer(hw.browser).catch(() => null);
    if (!isSoftwareRenderer(renderer)) return hw;
    await hw.close();
  }
  if (mesaEglInstalled()) {
    const sw = await launchWith(exe, 'llvmpipe', opts);
    const renderer = await probeRenderer(sw.browser).catch(() => null);
    if (softwareRendererName(renderer) === 'llvmpipe') return sw;
    await sw.close();
  }
  return launchWith(exe, 'swiftshader', opts);
}
