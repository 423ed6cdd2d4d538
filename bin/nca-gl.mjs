#!/usr/bin/env node
// The nca-gl command. The CLI is bundled by `npm run build` into dist/cli.mjs.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.mjs');
if (!existsSync(cli)) {
  console.error('nca-gl: the command-line tool is not built yet: run `npm run build` in the nca-gl folder first');
  process.exit(2);
}
const { main } = await import(pathToFileURL(cli).href);
process.exitCode = await main(process.argv.slice(2));
