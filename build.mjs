// Builds dist/: the ES module, the drop-in <script> bundle (global `NcaGl`), the inference-only
// widget bundles (ES module and script), the Node CLI and the type declarations. GLSL files under
// glsl/ are bundled as text through the `virtual:glsl` module (the widget bundles carry only the
// inference passes, engine/*, and what they include).
//   node build.mjs            everything
//   node build.mjs --no-types skip tsc (faster while iterating)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import * as esbuild from 'esbuild';

const root = import.meta.dirname;
const args = new Set(process.argv.slice(2));

function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** The GLSL files under glsl/ whose path passes `keep`, and every file they #include. */
function glslEntries(keep) {
  const dir = join(root, 'glsl');
  const all = Object.fromEntries(walk(dir).filter((f) => /\.(glsl|frag|vert)$/.test(f)).map((f) => [relative(dir, f).split(sep).join('/'), readFileSync(f, 'utf8')]));
  const out = {};
  const add = (name) => {
    if (name in out || !(name in all)) return;
    out[name] = all[name];
    for (const m of all[name].matchAll(/^\s*#include\s+"([^"]+)"/gm)) add(m[1]);
  };
  Object.keys(all).filter(keep).forEach(add);
  return { entries: out, files: Object.keys(out).map((n) => join(dir, n)) };
}

/**
 * `import sources from 'virtual:glsl'` → { 'engine/draw.frag': '…', … } for the files `keep` passes.
 * With `bare`, comment-only lines are emptied (not removed, so a compile error's line numbers still
 * match the file): the widget bundle carries no shader prose.
 */
function glslPlugin(keep = () => true, bare = false) {
  return {
    name: 'glsl',
    setup(build) {
      build.onResolve({ filter: /^virtual:glsl$/ }, () => ({ path: 'glsl', namespace: 'virtual-glsl' }));
      build.onLoad({ filter: /.*/, namespace: 'virtual-glsl' }, () => {
        const { entries, files } = glslEntries(keep);
        if (bare) for (const k of Object.keys(entries)) entries[k] = entries[k].replace(/^[ \t]*\/\/.*$/gm, '');
        return { contents: `export default ${JSON.stringify(entries)};`, loader: 'js', watchFiles: files };
      });
    },
  };
}

const common = { bundle: true, sourcemap: true, target: 'es2022', logLevel: 'warning', plugins: [glslPlugin()] };
/** The widget bundles: inference passes only. */
const widget = { ...common, entryPoints: ['src/widget/bundle.ts'], platform: 'browser', minify: true, plugins: [glslPlugin((f) => f.startsWith('engine/') || f.startsWith('rules/'), true)] };
mkdirSync(join(root, 'dist'), { recursive: true });

// the package's ES module (`import … from 'nca-gl'`): one file per source module (shared code in
// chunks), so a bundler keeps only what a page imports (package.json's sideEffects names the few
// files that define <nca-canvas>); the Node-only and demo-page code stays out
const libraryModules = walk(join(root, 'src'))
  .map((f) => relative(root, f).split(sep).join('/'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== 'src/script.ts' && !/^src\/(cli|node|ui)\//.test(f));
rmSync(join(root, 'dist/esm'), { recursive: true, force: true });

const builds = [
  esbuild.build({ ...common, sourcemap: false, entryPoints: libraryModules, outbase: 'src', outdir: 'dist/esm', splitting: true, chunkNames: 'chunks/[name]-[hash]', format: 'esm', platform: 'browser' }),
  // the same as one file (for a CDN's <script type="module">)
  esbuild.build({ ...common, entryPoints: ['src/index.ts'], format: 'esm', platform: 'browser', outfile: 'dist/nca-gl.mjs' }),
  esbuild.build({ ...common, entryPoints: ['src/script.ts'], format: 'iife', globalName: 'NcaGl', platform: 'browser', minify: true, outfile: 'dist/nca-gl.js' }),
  esbuild.build({ ...widget, format: 'esm', outfile: 'dist/nca-gl-widget.mjs' }),
  esbuild.build({ ...widget, format: 'iife', globalName: 'NcaGl', outfile: 'dist/nca-gl-widget.js' }),
  // Node side: browser discovery and the static server, for bench/ and the CLI
  // (puppeteer-core, the CLI's optional peer dependency, stays outside; the rest is bundled, since
  // the published package has no dependencies)
  esbuild.build({ ...common, entryPoints: ['src/node/index.ts'], format: 'esm', platform: 'node', external: ['puppeteer-core'], outfile: 'dist/node.mjs' }),
];
// the command-line tool (Node; drives the browser)
if (existsSync(join(root, 'src/cli/main.ts'))) {
  builds.push(esbuild.build({ ...common, entryPoints: ['src/cli/main.ts'], format: 'esm', platform: 'node', external: ['puppeteer-core'], outfile: 'dist/cli.mjs' }));
}
// the demo application (lil-gui panel, training page): one drop-in script that also carries the library
if (existsSync(join(root, 'src/ui/demo.ts'))) {
  builds.push(esbuild.build({ ...common, entryPoints: ['src/ui/demo.ts'], format: 'iife', platform: 'browser', minify: true, outfile: 'dist/nca-gl-demo.js' }));
}
await Promise.all(builds);

if (!args.has('--no-types')) {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--emitDeclarationOnly'], { stdio: 'inherit', cwd: root });
  addDeclarationExtensions(join(root, 'dist/types'));
}

/**
 * The sources import without extensions (moduleResolution bundler); declarations read under node16
 * and nodenext need them. Every relative specifier in dist/types gets `.js`, or `/index.js` where it
 * names a folder.
 */
function addDeclarationExtensions(dir) {
  const spec = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}(?:\/[^'"]*)?)\2/g;
  for (const file of walk(dir).filter((f) => f.endsWith('.d.ts'))) {
    const text = readFileSync(file, 'utf8');
    const out = text.replace(spec, (all, lead, q, p) => {
      if (/\.(js|mjs|cjs|json)$/.test(p)) return all;
      const base = join(dirname(file), p);
      const to = existsSync(`${base}.d.ts`) ? `${p}.js` : existsSync(join(base, 'index.d.ts')) ? `${p}/index.js` : null;
      if (!to) throw new Error(`build: ${relative(root, file)} imports '${p}', which has no declaration file`);
      return `${lead}${q}${to}${q}`;
    });
    if (out !== text) writeFileSync(file, out);
  }
}
