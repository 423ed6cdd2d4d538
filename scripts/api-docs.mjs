#!/usr/bin/env node
// Writes the API reference, docs/api/, from the TSDoc comments of the public API: the library
// (src/index.ts, what `import … from 'nca-gl'` and the global NcaGl give) and the widget entry
// (src/widget/bundle.ts, `nca-gl/widget`), as Markdown (typedoc-plugin-markdown) that reads on
// GitHub and in the package. Needs the dev dependencies (TypeDoc). Run: npm run docs
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, 'docs/api');
rmSync(out, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [
    join(root, 'node_modules/typedoc/bin/typedoc'),
    '--tsconfig', 'tsconfig.json',
    '--entryPoints', 'src/index.ts',
    '--entryPoints', 'src/widget/bundle.ts',
    '--entryPointStrategy', 'resolve',
    '--plugin', 'typedoc-plugin-markdown',
    '--out', 'docs/api',
    '--name', 'nca-gl API',
    '--readme', 'none',
    '--excludePrivate',
    '--excludeInternal',
    '--excludeExternals',
    '--disableSources',
    '--hideGenerator',
    '--treatWarningsAsErrors', 'false',
    '--logLevel', 'Warn',
  ],
  { cwd: root, stdio: 'inherit' },
);
console.log(`nca-gl: API reference written to ${out}`);
