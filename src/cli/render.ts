/**
 * The render and info commands, and the picture `train` writes next to its model.
 */
import { extname } from 'node:path';
import { NcaGlError, safeText } from '../errors';
import { describeModel, type ModelFile } from '../io/model-file';
import { trainedSteps } from '../io/model-fields';
import type { RenderArgs } from './args';
import { prepareFolder, writeFileAtomic } from './atomic';
import { Bridge } from './bridge';
import { readModel } from './checkpoint';
import { EXIT, InputError, UsageError } from './errors';
import { checkRenderBudget, memoryBudgetFromEnv } from './limits';
import { encodeGif, encodePng, type Rgba, strip, upscale } from './images';
import type { RenderReport } from './page';
import type { Writable } from './progress';

export interface Io {
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

/** The longest rollout the model was trained with (io/model-fields.ts; out-of-range fields are refused). */
export { trainedSteps };

/** Pixels per cell so that the grid's longer side shows about `pixels` pixels (1 … 16). */
export function defaultScale(m: ModelFile, pixels = 256): number {
  return Math.max(1, Math.min(16, Math.ceil(pixels / Math.max(m.grid.width, m.grid.height))));
}

function frame(r: RenderReport, b64: string): Rgba {
  return { width: r.width, height: r.height, data: new Uint8Array(Buffer.from(b64, 'base64')) };
}

/**
 * The picture of a trained model: the target, the task's start, and the model's state after T, 2T
 * and 4T steps (T: the trained rollout length), side by side.
 */
export async function trainingPicture(bridge: Bridge, modelB64: string, model: ModelFile): Promise<{ png: Uint8Array; caption: string }> {
  const T = trainedSteps(model);
  const at = [0, T, 2 * T, 4 * T];
  const r = await bridge.call('render', [{ model: modelB64, start: 'task', at, seed: 1 }]);
  const scale = defaultScale(model, 192);
  const panels = [...(r.target ? [r.target] : []), ...r.frames].map((f) => upscale(frame(r, f), scale));
  const png = encodePng(strip(panels, Math.max(2, scale)));
  const caption = `${r.target ? 'target, ' : ''}start (${r.start}), then after ${at.slice(1).join(', ')} steps`;
  return { png, caption };
}

export async function render(a: RenderArgs, io: Io): Promise<number> {
  const { bytes, model } = readModel(a.model);
  const out = a.out ?? a.model.replace(/\.nca$/i, '') + '.gif';
  const problem = prepareFolder(out);
  if (problem) throw new UsageError(`render: ${problem}`, 'render');
  const gif = extname(out).toLowerCase() === '.gif';
  let steps: number;
  try {
    steps = a.steps ?? Math.max(64, 4 * trainedSteps(model));
  } catch (e) {
    if (e instanceof NcaGlError) throw new InputError(`${a.model}: ${e.message.replace(/^nca-gl: /, '')}`, { cause: e });
    throw e;
  }
  checkRenderBudget(a.model, model, steps, a.steps !== undefined, io.env);
  const every = a.every ?? (gif ? Math.max(1, Math.ceil(steps / 300)) : Math.max(1, Math.ceil(steps / 7)));
  const at: number[] = [];
  for (let t = 0; t < steps; t += every) at.push(t);
  at.push(steps);
  const scale = a.scale ?? defaultScale(model);
  const px = Math.max(model.grid.width, model.grid.height) * scale;
  if (px * (gif ? 1 : at.length) > 32768) {
    io.stderr.write(`nca-gl: the picture would be ${px * (gif ? 1 : at.length)} pixels wide; use a smaller --scale or fewer frames (--every)\n`);
    return EXIT.usage;
  }
  const bridge = await Bridge.open({ webgl: a.webgl, debug: !!io.env.NCA_GL_DEBUG });
  let r: RenderReport;
  try {
    r = await bridge.call('render', [{ model: bytes.toString('base64'), start: a.start, at, seed: a.seed, memoryBudget: memoryBudgetFromEnv(io.env) }]);
  } finally {
    await bridge.close();
  }
  const frames = r.frames.map((f) => upscale(frame(r, f), scale));
  const data = gif ? encodeGif(frames, Math.round(1000 / a.fps)) : encodePng(strip(frames, Math.max(1, Math.floor(scale / 2))));
  writeFileAtomic(out, data);
  if (!a.quiet) {
    io.stdout.write(`wrote ${out}: ${gif ? `${frames.length} frames` : `a strip of ${frames.length} frames`} (${frames[0]!.width}×${frames[0]!.height}), steps 0…${steps} every ${every}, from ${r.start}\n`);
  }
  return EXIT.ok;
}

export function info(path: string, io: Io): number {
  const { model } = readModel(path);
  io.stdout.write(safeText(describeModel(model), true) + '\n');
  return EXIT.ok;
}
