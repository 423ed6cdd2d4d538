// Builds dist/: the ES module, the drop-in <script> bundle (global `NcaGl`), the Node CLI and the
// type declarations. GLSL files under glsl/ are bundled as text through the `virtual:glsl` module.
//   node build.mjs            everything
//   node build.mjs --no-types skip tsc (faster while iterating)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, mkdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import * as esbuild from 'esbuild';

const root = import.meta.dirname;
const args = new Set(process.argv.slice(2));

function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** `import sources from 'virtual:glsl'` → { 'engine/draw.frag': '…', … } for every file under glsl/. */
const glslPlugin = {
  name: 'glsl',
  setup(build) {
    build.onResolve({ filter: /^virtual:glsl$/ }, () => ({ path: 'glsl', namespace: 'virtual-glsl' }));
    build.onLoad({ filter: /.*/, namespace: 'virtual-glsl' }, () => {
      const dir = join(root, 'glsl');
      const files = walk(dir).filter((f) => /\.(glsl|frag|vert)$/.test(f));
      const entries = Object.fromEntries(files.map((f) => [relative(dir, f).split(sep).join('/'), readFileSync(f, 'utf8')]));
      return { contents: `export default ${JSON.stringify(entries)};`, loader: 'js', watchFiles: files };
    });
  },
};

const common = { bundle: true, sourcemap: true, target: 'es2022', logLevel: 'warning', plugins: [glslPlugin] };
mkdirSync(join(root, 'dist'), { recursive: true });

const builds = [
  esbuild.build({ ...common, entryPoints: ['src/index.ts'], format: 'esm', platform: 'browser', outfile: 'dist/nca-gl.mjs' }),
  esbuild.build({ ...common, entryPoints: ['src/index.ts'], format: 'iife', globalName: 'NcaGl', platform: 'browser', minify: true, outfile: 'dist/nca-gl.js' }),
  // Node side: browser discovery and the static server, for bench/ and the CLI
  esbuild.build({ ...common, entryPoints: ['src/node/index.ts'], format: 'esm', platform: 'node', packages: 'external', outfile: 'dist/node.mjs' }),
];
// the command-line tool (Node; drives the browser)
if (existsSync(join(root, 'src/cli/main.ts'))) {
  builds.push(esbuild.build({ ...common, entryPoints: ['src/cli/main.ts'], format: 'esm', platform: 'node', packages: 'external', outfile: 'dist/cli.mjs' }));
}
// the demo application (lil-gui panel, training page): one drop-in script that also carries the library
if (existsSync(join(root, 'src/ui/demo.ts'))) {
  builds.push(esbuild.build({ ...common, entryPoints: ['src/ui/demo.ts'], format: 'iife', platform: 'browser', minify: true, outfile: 'dist/nca-gl-demo.js' }));
}
await Promise.all(builds);

if (!args.has('--no-types')) {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--emitDeclarationOnly'], { stdio: 'inherit', cwd: root });
}
