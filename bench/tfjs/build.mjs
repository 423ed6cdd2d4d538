// Bundles the TF.js bench page (bench/tfjs/page.ts) to dist/bench/tfjs.js, an IIFE that defines
// window.tfjsBench and window.tfjsCheck.
//   node bench/tfjs/build.mjs              bundle
//   node bench/tfjs/build.mjs --typecheck  also type-check bench/tfjs/*.ts (strict, bench/tfjs/tsconfig.json)
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const root = join(import.meta.dirname, '..', '..');

export async function buildTfjsBench({ typecheck = false } = {}) {
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['bench/tfjs/page.ts'],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
    outfile: 'dist/bench/tfjs.js',
  });
  if (typecheck) {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'bench/tfjs/tsconfig.json')], { stdio: 'inherit', cwd: root });
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  await buildTfjsBench({ typecheck: process.argv.includes('--typecheck') });
}
