/**
 * The package as a user gets it: `npm pack`, installed (no peers) into an empty project, then a
 * small consumer type-checked by the repository's TypeScript under moduleResolution node16,
 * nodenext and bundler, with skipLibCheck off (so every shipped declaration is checked too) and no
 * Node types (a browser project: `const id: number = setTimeout(…)` must stay valid). Also: the
 * installed size, what must not be installed or shipped, the widget bundle's gzipped size, and that
 * importing the library defines no element while the widget entry does. Needs `node build.mjs`
 * first (npm test builds).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../../src/io/model-file';
import { VERSION } from '../../src/version';

const ROOT = resolve(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
let dir = '';
let shipped: string[] = [];

function du(p: string): number {
  const s = statSync(p);
  return s.isDirectory() ? readdirSync(p).reduce((n, f) => n + du(join(p, f)), 0) : s.size;
}

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
}

const CONSUMER = `
import { decodeModel, mount, loadTarget, NcaGlError, type ModelFile, type NcaWidget, type WidgetOptions } from 'nca-gl';
import { defineNcaCanvas, NcaCanvasElement } from 'nca-gl/widget';

// a browser project: the DOM's setTimeout returns a number (no @types/node sneaked in)
const id: number = setTimeout(() => {}, 1);
clearTimeout(id);

export function show(canvas: HTMLCanvasElement, bytes: Uint8Array): NcaWidget {
  const model: ModelFile = decodeModel(bytes);
  const opts: WidgetOptions = { model, speed: 2, label: 'a lizard' };
  const w = mount(canvas, opts);
  const frames: number = w.frames;
  void frames;
  // the types are real, not any: a wrong model is an error
  // @ts-expect-error model must be a URL, bytes or a decoded model
  mount(canvas, { model: 42 });
  return w;
}

export async function target(file: File): Promise<Float32Array> {
  const t = await loadTarget(file, { width: 32, height: 32 });
  return t.rgba;
}

export const defined: boolean = defineNcaCanvas();
export const el: NcaCanvasElement | null = document.querySelector('nca-canvas');
export const isError = (e: unknown): boolean => e instanceof NcaGlError;
`;

beforeAll(() => {
  expect(existsSync(join(ROOT, 'dist/types/index.d.ts')), 'build first: node build.mjs').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'nca-gl-pack-'));
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], ROOT)) as { filename: string; files: { path: string }[] }[];
  shipped = packed[0]!.files.map((f) => f.path);
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  npm(['install', '--offline', '--ignore-scripts', join(dir, packed[0]!.filename)], app);
  writeFileSync(join(app, 'consumer.ts'), CONSUMER);
}, 180_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the published package', () => {
  it('installs alone: no browser automation, no Node types, within 5 MB', () => {
    const nm = join(dir, 'app/node_modules');
    const installed = readdirSync(nm).filter((n) => !n.startsWith('.'));
    const size = du(join(nm, 'nca-gl'));
    console.log(`npm i nca-gl: ${installed.join(', ')}; ${(size / 1048576).toFixed(2)} MiB, ${shipped.length} files`);
    expect(installed).toEqual(['nca-gl']);
    expect(existsSync(join(nm, 'puppeteer-core'))).toBe(false);
    expect(existsSync(join(nm, '@types/node'))).toBe(false);
    expect(size).toBeLessThanOrEqual(5 * 1024 * 1024);
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.peerDependenciesMeta['puppeteer-core'].optional).toBe(true);
    expect(pkg.version).toBe(VERSION);
  });

  it('ships no source maps, sources or internal declarations, and what the CLI needs', () => {
    expect(shipped.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(shipped.filter((f) => /^dist\/types\/(cli|node|ui)\//.test(f))).toEqual([]);
    expect(shipped.filter((f) => f.startsWith('src/'))).toEqual(['src/cli/page.html']);
    expect(shipped.filter((f) => f.startsWith('zoo/unfinished/'))).toEqual([]); // checkpoints of runs in progress
    for (const f of ['dist/esm/index.js', 'dist/nca-gl.js', 'dist/nca-gl-widget.mjs', 'dist/cli.mjs', 'bin/nca-gl.mjs', 'zoo/index.json', 'zoo/growth.nca', 'dist/types/index.d.ts', 'dist/types/widget/bundle.d.ts']) {
      expect(shipped, f).toContain(f);
    }
  });

  for (const [module, resolution] of [
    ['node16', 'node16'],
    ['nodenext', 'nodenext'],
    ['esnext', 'bundler'],
  ] as const) {
    it(`type-checks a consumer under moduleResolution ${resolution}`, () => {
      const app = join(dir, 'app');
      const cfg = `tsconfig.${resolution}.json`;
      writeFileSync(
        join(app, cfg),
        JSON.stringify({ compilerOptions: { target: 'ES2022', module, moduleResolution: resolution, lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: [], strict: true, skipLibCheck: false, noEmit: true }, files: ['consumer.ts'] }),
      );
      let out = '';
      try {
        execFileSync(process.execPath, [TSC, '-p', cfg], { cwd: app, encoding: 'utf8' });
      } catch (e) {
        out = String((e as { stdout?: string }).stdout ?? e);
      }
      expect(out).toBe('');
    });
  }

  it('resolves every export, and the widget entry alone defines the element', async () => {
    const app = join(dir, 'app');
    const script = `
      const lib = await import('nca-gl');
      const w = await import('nca-gl/widget').catch((e) => ({ error: String(e) }));
      const zoo = await import('nca-gl/zoo/index.json', { with: { type: 'json' } });
      console.log(JSON.stringify({ decode: typeof lib.decodeModel, mount: typeof lib.mount, widgetMount: typeof w.mount, zoo: zoo.default.models.length }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    expect(r).toMatchObject({ decode: 'function', mount: 'function', widgetMount: 'function' });
    expect(r.zoo).toBeGreaterThanOrEqual(4);
    // a bundler keeping only decodeModel drops the element and never defines it
    const esbuild = await import('esbuild');
    writeFileSync(join(app, 'only-decode.js'), "import { decodeModel } from 'nca-gl'; console.log(decodeModel);\n");
    const only = await esbuild.build({ entryPoints: [join(app, 'only-decode.js')], bundle: true, minify: true, write: false, format: 'esm', absWorkingDir: app });
    const text = only.outputFiles[0]!.text;
    console.log(`a page importing only decodeModel: ${(text.length / 1024).toFixed(1)} KiB minified`);
    expect(text).not.toMatch(/customElements\.define/);
    expect(text.length).toBeLessThan(40 * 1024);
    writeFileSync(join(app, 'widget.js'), "import 'nca-gl/widget';\n");
    const wb = await esbuild.build({ entryPoints: [join(app, 'widget.js')], bundle: true, minify: true, write: false, format: 'esm', absWorkingDir: app });
    expect(wb.outputFiles[0]!.text).toMatch(/customElements\.define/);
  });

  it('the installed CLI runs without puppeteer-core and, where it needs it, says how to install it', () => {
    const app = join(dir, 'app');
    const bin = join(app, 'node_modules/nca-gl/bin/nca-gl.mjs');
    const info = execFileSync(process.execPath, [bin, 'info', join(app, 'node_modules/nca-gl/zoo/growth.nca')], { cwd: app, encoding: 'utf8' });
    // the shipped file's own grid and task, read here with the library's decoder
    const shipped = decodeModel(readFileSync(join(ROOT, 'zoo/growth.nca')));
    expect(info).toMatch(new RegExp(`grid:\\s+${shipped.grid.width} × ${shipped.grid.height}\\n`));
    expect(info).toContain('task "growth"');
    let err = '';
    let code = 0;
    try {
      execFileSync(process.execPath, [bin, 'train', 'heart', '--iterations', '1', '--out', join(dir, 'never.nca')], { cwd: app, encoding: 'utf8', stdio: 'pipe', timeout: 60_000 });
    } catch (e) {
      err = String((e as { stderr?: string }).stderr ?? '');
      code = (e as { status?: number }).status ?? -1;
    }
    expect(code).not.toBe(0);
    expect(err).toMatch(/^nca-gl: .*puppeteer-core.*not installed.*npm install puppeteer-core/s);
    expect(existsSync(join(dir, 'never.nca'))).toBe(false);
  });

  it('the widget bundle is inference only and at most 50 KB gzipped', () => {
    for (const f of ['dist/nca-gl-widget.mjs', 'dist/nca-gl-widget.js']) {
      const text = readFileSync(join(ROOT, f));
      const gz = gzipSync(text, { level: 9 }).length;
      console.log(`${f}: ${(text.length / 1024).toFixed(1)} KiB, ${(gz / 1024).toFixed(1)} KiB gzipped`);
      expect(gz).toBeLessThanOrEqual(50 * 1000);
      const s = text.toString('utf8');
      expect(s).toMatch(/engine\/update\.frag/);
      expect(s).toMatch(/rules\/seed\.glsl/);
      expect(s).not.toMatch(/train\/bw_hidden\.frag|regimen\/perturb\.frag|train\/adam\.frag/);
    }
  });
});
