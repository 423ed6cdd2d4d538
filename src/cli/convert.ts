/**
 * The model conversion commands (no browser needed):
 *   nca-gl import <file> [--target image.png] --out model.nca [--map w0=NAME,…]   Distill JSON / safetensors → .nca
 *   nca-gl export <model.nca> --format distill|safetensors [--out file]           .nca → Distill JSON / safetensors
 *   nca-gl strip <model.nca> [--quantize] [--no-target] [--out small.nca]         weights only, optionally 8-bit
 * See docs/import.md and docs/cli.md.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { NcaGlError } from '../errors';
import { exportModel, type ExportFormat } from '../io/export';
import { importModel, type ImportFormat, type ImportOptions, type TensorName } from '../io/import';
import { stripModel } from '../io/model-compact';
import { encodeModel, type ModelFile } from '../io/model-file';
import { oneOf, onePositional, parse } from './args';
import { prepareFolder, writeFileAtomic } from './atomic';
import { readModel } from './checkpoint';
import { EXIT, InputError, UsageError } from './errors';
import { decodePng } from './png';
import type { Io } from './render';

export interface ImportArgs {
  help: boolean;
  file: string;
  out: string;
  format?: ImportFormat;
  map?: Partial<Record<TensorName, string>>;
  layout?: 'out-in' | 'in-out';
  perception?: 'grouped' | 'interleaved';
  grid?: { width: number; height: number };
  task?: string;
  float: boolean;
  target?: string;
  crop?: [number, number, number, number];
  premultiplied: boolean;
  license?: string;
  attribution?: string;
  url?: string;
  quiet: boolean;
}

function numbers(c: string, name: string, v: string | boolean | undefined, n: number, sep: RegExp): number[] | undefined {
  if (v === undefined) return undefined;
  const parts = String(v).split(sep);
  if (parts.length !== n || !parts.every((p) => /^\d+$/.test(p.trim()))) throw new UsageError(`${c}: --${name} takes ${n} whole numbers, got '${v}'`, c);
  return parts.map(Number);
}

export function parseImport(argv: string[]): ImportArgs {
  const c = 'import';
  const { values: v, positionals } = parse(c, argv, {
    out: { type: 'string', short: 'o' },
    format: { type: 'string' },
    map: { type: 'string' },
    layout: { type: 'string' },
    perception: { type: 'string' },
    grid: { type: 'string' },
    task: { type: 'string' },
    float: { type: 'boolean' },
    target: { type: 'string' },
    crop: { type: 'string' },
    premultiplied: { type: 'boolean' },
    license: { type: 'string' },
    attribution: { type: 'string' },
    url: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  });
  if (v.help === true) return { help: true, file: '', out: '', float: false, premultiplied: false, quiet: false };
  const file = onePositional(c, positionals, 'file to import (Distill JSON or .safetensors)');
  if (typeof v.out !== 'string') throw new UsageError(`${c}: --out <model.nca> is required`, c);
  if (!/\.nca$/i.test(v.out)) throw new UsageError(`${c}: --out must name a .nca file, got '${v.out}'`, c);
  let map: ImportArgs['map'];
  if (v.map !== undefined) {
    map = {};
    for (const pair of String(v.map).split(',')) {
      const m = /^\s*(w0|b0|w1|b1)\s*=\s*(.+?)\s*$/.exec(pair);
      if (!m) throw new UsageError(`${c}: --map takes w0=NAME,b0=NAME,w1=NAME[,b1=NAME], got '${pair}'`, c);
      map[m[1] as TensorName] = m[2]!;
    }
  }
  const g = numbers(c, 'grid', v.grid, 2, /x|×/i);
  if (g && !g.every((x) => x >= 1 && x <= 4096)) throw new UsageError(`${c}: --grid sides must be 1 to 4096, got '${v.grid}'`, c);
  const crop = numbers(c, 'crop', v.crop, 4, /,/) as ImportArgs['crop'];
  if ((crop || v.premultiplied) && v.target === undefined) throw new UsageError(`${c}: --crop and --premultiplied describe --target, which is missing`, c);
  return {
    help: false,
    file,
    out: v.out,
    format: oneOf(c, 'format', v.format, ['distill', 'safetensors'] as const),
    map,
    layout: oneOf(c, 'layout', v.layout, ['out-in', 'in-out'] as const),
    perception: oneOf(c, 'perception', v.perception, ['grouped', 'interleaved'] as const),
    grid: g ? { width: g[0]!, height: g[1]! } : undefined,
    task: v.task as string | undefined,
    float: v.float === true,
    target: v.target as string | undefined,
    crop,
    premultiplied: v.premultiplied === true,
    license: v.license as string | undefined,
    attribution: v.attribution as string | undefined,
    url: v.url as string | undefined,
    quiet: v.quiet === true,
  };
}

function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new InputError(`cannot read ${what} '${path}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

function asInput<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof NcaGlError) throw new InputError(`${path}: ${e.message.replace(/^nca-gl: /, '')}`, { cause: e });
    throw e;
  }
}

function save(c: string, out: string, data: Uint8Array | string): void {
  const problem = prepareFolder(out);
  if (problem) throw new UsageError(`${c}: ${problem}`, c);
  writeFileAtomic(out, data);
}

/**
 * The target thumbnail: the PNG (or its --crop rectangle) placed at the centre of the model's
 * grid at one pixel per cell, as Distill's notebook pads its 40-pixel emoji by 16 cells; stored
 * straight (un-premultiplied when the PNG holds premultiplied colour, like Distill's atlas).
 */
function targetThumbnail(a: ImportArgs, grid: { width: number; height: number }): NonNullable<ModelFile['target']> {
  const png = decodePng(readInput(a.target!, 'target image'), `target image '${a.target}'`);
  const [x0, y0, w, h] = a.crop ?? [0, 0, png.width, png.height];
  if (x0 + w > png.width || y0 + h > png.height || w < 1 || h < 1) throw new UsageError(`import: --crop ${a.crop!.join(',')} is not inside the ${png.width} × ${png.height} image`, 'import');
  if (w > grid.width || h > grid.height) throw new UsageError(`import: the target (${w} × ${h}) is larger than the model's grid (${grid.width} × ${grid.height}); crop it (--crop) or give --grid`, 'import');
  if (grid.width > 256 || grid.height > 256) throw new UsageError(`import: a target thumbnail is at most 256 × 256; the grid is ${grid.width} × ${grid.height}`, 'import');
  const rgba = new Uint8Array(grid.width * grid.height * 4);
  const ox = Math.floor((grid.width - w) / 2);
  const oy = Math.floor((grid.height - h) / 2);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = ((y0 + y) * png.width + x0 + x) * 4;
      const d = ((oy + y) * grid.width + ox + x) * 4;
      const al = png.rgba[s + 3]!;
      for (let k = 0; k < 3; k++) {
        const v = png.rgba[s + k]!;
        rgba[d + k] = a.premultiplied ? (al === 0 ? 0 : Math.min(255, Math.round((v * 255) / al))) : v;
      }
      rgba[d + 3] = al;
    }
  }
  return { width: grid.width, height: grid.height, rgba };
}

export function runImport(a: ImportArgs, io: Io): number {
  const bytes = readInput(a.file, 'file');
  const opts: ImportOptions = { name: basename(a.file), keep8bit: !a.float };
  if (a.format) opts.format = a.format;
  if (a.map) opts.map = a.map;
  if (a.layout) opts.layout = a.layout;
  if (a.perception) opts.perception = a.perception;
  if (a.grid) opts.grid = a.grid;
  if (a.task) opts.task = a.task;
  const origin = { license: a.license, attribution: a.attribution, url: a.url };
  if (Object.values(origin).some((x) => x !== undefined)) opts.origin = origin;
  const model = asInput(a.file, () => importModel(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), opts));
  if (a.target) model.target = targetThumbnail(a, model.grid);
  const data = asInput(a.file, () => encodeModel(model));
  save('import', a.out, data);
  if (!a.quiet) {
    const q = model.quantization ? '8-bit weights' : 'float32 weights';
    io.stdout.write(`wrote ${a.out} (${data.length} bytes): ${model.rule.rule} rule${model.rule.outputBias ? ' with output bias' : ''}, hidden ${model.rule.hidden}, grid ${model.grid.width} × ${model.grid.height}, ${q}, from ${model.origin?.format}\n`);
  }
  return EXIT.ok;
}

export interface ExportArgs {
  help: boolean;
  model: string;
  format: ExportFormat;
  out: string;
  quiet: boolean;
}

export function parseExport(argv: string[]): ExportArgs {
  const c = 'export';
  const { values: v, positionals } = parse(c, argv, { format: { type: 'string', short: 'f' }, out: { type: 'string', short: 'o' }, quiet: { type: 'boolean', short: 'q' } });
  if (v.help === true) return { help: true, model: '', format: 'safetensors', out: '', quiet: false };
  const model = onePositional(c, positionals, 'model file (.nca)');
  const format = oneOf(c, 'format', v.format, ['distill', 'safetensors'] as const);
  if (!format) throw new UsageError(`${c}: --format distill or --format safetensors is required`, c);
  const out = (v.out as string | undefined) ?? model.replace(/\.nca$/i, '') + (format === 'distill' ? '.json' : '.safetensors');
  if (/\.nca$/i.test(out)) throw new UsageError(`${c}: --out names a .nca file; export writes ${format === 'distill' ? 'JSON' : 'safetensors'}`, c);
  return { help: false, model, format, out, quiet: v.quiet === true };
}

export function runExport(a: ExportArgs, io: Io): number {
  const { model } = readModel(a.model);
  const data = asInput(a.model, () => exportModel(model, a.format));
  save('export', a.out, data);
  if (!a.quiet) io.stdout.write(`wrote ${a.out} (${data.length} bytes, ${a.format === 'distill' ? "Distill's demo JSON, 8-bit" : 'safetensors, float32'})\n`);
  return EXIT.ok;
}

export interface StripArgs {
  help: boolean;
  model: string;
  out: string;
  quantize: boolean;
  target: boolean;
  quiet: boolean;
}

export function parseStrip(argv: string[]): StripArgs {
  const c = 'strip';
  const { values: v, positionals } = parse(c, argv, { out: { type: 'string', short: 'o' }, quantize: { type: 'boolean' }, 'no-target': { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' } });
  if (v.help === true) return { help: true, model: '', out: '', quantize: false, target: true, quiet: false };
  const model = onePositional(c, positionals, 'model file (.nca)');
  const out = (v.out as string | undefined) ?? model.replace(/\.nca$/i, '') + '.small.nca';
  if (!/\.nca$/i.test(out)) throw new UsageError(`${c}: --out must name a .nca file, got '${out}'`, c);
  if (out === model) throw new UsageError(`${c}: --out is the input file; write the small copy elsewhere (a stripped file cannot resume training)`, c);
  return { help: false, model, out, quantize: v.quantize === true, target: v['no-target'] !== true, quiet: v.quiet === true };
}

export function runStrip(a: StripArgs, io: Io): number {
  const { bytes, model } = readModel(a.model);
  const data = asInput(a.model, () => encodeModel(stripModel(model, { quantize: a.quantize, target: a.target })));
  save('strip', a.out, data);
  if (!a.quiet) io.stdout.write(`wrote ${a.out}: ${data.length} bytes (was ${bytes.length})${a.quantize ? ', 8-bit weights' : ''}${a.target ? '' : ', no target thumbnail'}\n`);
  return EXIT.ok;
}


