/**
 * exportModel(): a model's weights in a format other tools read (the reverse of importModel).
 *
 *   distill      Distill's demo JSON: two 8-bit layers, as the article's notebook writes them
 *                (growing rule, 48 → hidden → 16, update rate 0.5 per cell: what the demo runs)
 *   safetensors  float32 tensors w0 [hidden, 48], b0, w1 [16, hidden], b1 ([out][in], PyTorch's
 *                Linear layout), perception inputs grouped as in nca-gl; settings in __metadata__
 *
 * importModel(exportModel(m, 'safetensors')) gives back m's weights bit for bit; through 'distill'
 * the weights come back within half a quantisation step (exactly, when m came from a Distill file).
 */
import { CHANNELS, PERCEPTION, weightShapes, type Weights } from '../engine/model';
import { isRule, RULE_NAMES, RULES } from '../engine/rules';
import { describe, NcaGlError } from '../errors';
import { bytesToBase64 } from './base64';
import { DISTILL_ZERO } from './import';
import type { ModelFile, Q8 } from './model-file';

export type ExportFormat = 'distill' | 'safetensors';

function fail(msg: string): never {
  throw new NcaGlError('bad-model', `cannot export the model: ${msg}`);
}

function checkWeightsOf(m: ModelFile): Weights {
  if (typeof m !== 'object' || m === null || typeof m.rule !== 'object' || m.rule === null) fail(`expected a model {rule, grid, weights}, got ${describe(m)}`);
  const w = m.weights as unknown as Record<string, unknown>;
  if (typeof w !== 'object' || w === null) fail(`the model has no weights`);
  for (const s of weightShapes(m.rule.rule, m.rule.hidden, m.rule.outputBias)) {
    const t = w[s.name];
    if (!(t instanceof Float32Array) || t.length !== s.rows * s.cols) fail(`weight '${s.name}' must be a Float32Array of ${s.rows * s.cols} values`);
    const i = t.findIndex((x) => !Number.isFinite(x));
    if (i >= 0) fail(`weight '${s.name}' holds a non-finite value at index ${i}`);
  }
  return m.weights;
}

/** Writes `model` as `format`: JSON text (distill) or bytes (safetensors). */
export function exportModel(model: ModelFile, format: ExportFormat): Uint8Array {
  if (format === 'distill') return new TextEncoder().encode(exportDistill(model));
  if (format === 'safetensors') return exportSafetensors(model);
  return fail(`format must be 'distill' or 'safetensors', got ${describe(format)}`);
}

// Distill's 8-bit code: q = round((v / range + 0.5) · 255), v = (range / 255) · (q − 127.5).
function distillRange(t: Float32Array, q: Q8 | undefined): number {
  if (q && q.zero === DISTILL_ZERO) return q.scale * 255; // the model's own Distill scale: no new rounding
  let m = 0;
  for (const v of t) m = Math.max(m, Math.abs(v));
  return 2 * m;
}

function packDistillLayer(w: Float32Array, b: Float32Array | undefined, outs: number, ins: number, wq: Q8 | undefined, bq: Q8 | undefined): Record<string, unknown> {
  const bias = b ?? new Float32Array(outs);
  const ws = distillRange(w, wq);
  const bs = distillRange(bias, b ? bq : undefined);
  const bytes = new Uint8Array((ins + 1) * outs);
  const code = (v: number, range: number): number => (range === 0 ? 128 : Math.min(255, Math.max(0, Math.round((v / range) * 255 + DISTILL_ZERO))));
  for (let i = 0; i < ins; i++) for (let o = 0; o < outs; o++) bytes[i * outs + o] = code(w[o * ins + i]!, ws);
  for (let o = 0; o < outs; o++) bytes[ins * outs + o] = code(bias[o]!, bs);
  return { data_b64: bytesToBase64(bytes), in_ch: ins, out_ch: outs, weight_scale: ws, bias_scale: bs, type: 'uint8' };
}

function exportDistill(m: ModelFile): string {
  const { rule, hidden, rate, perCell } = m.rule ?? {};
  if (!isRule(rule) || !RULES[rule].distillFormat) fail(`Distill's format holds the ${RULE_NAMES.filter((r) => RULES[r].distillFormat).join(' and ')} rule only; this model uses rule '${rule}'`);
  if (rate !== 0.5 || !perCell) fail(`Distill's demo updates every cell with probability 0.5; this model was made for rate ${rate} per ${perCell ? 'cell' : 'channel'}, and would not run the same there`);
  const w = checkWeightsOf(m);
  const q = m.quantization ?? {};
  return JSON.stringify([packDistillLayer(w.w0, w.b0, hidden, PERCEPTION, q.w0, q.b0), packDistillLayer(w.w1, w.b1, CHANNELS, hidden, q.w1, q.b1)]);
}

function exportSafetensors(m: ModelFile): Uint8Array {
  const w = checkWeightsOf(m);
  const { rule, hidden, rate, perCell } = m.rule;
  const shapes = weightShapes(rule, hidden, m.rule.outputBias);
  const header: Record<string, unknown> = {
    __metadata__: {
      format: 'pt',
      'nca-gl.rule': rule,
      'nca-gl.rate': String(rate),
      'nca-gl.perCell': String(perCell),
      'nca-gl.grid': `${m.grid.width}x${m.grid.height}`,
      'nca-gl.perception': 'grouped',
      'nca-gl.layout': 'out-in',
    },
  };
  let offset = 0;
  for (const s of shapes) {
    const n = s.rows * s.cols * 4;
    header[s.name] = { dtype: 'F32', shape: s.cols === 1 ? [s.rows] : [s.rows, s.cols], data_offsets: [offset, offset + n] };
    offset += n;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const hlen = Math.ceil(json.length / 8) * 8; // padded with spaces so the data starts 8-byte aligned
  const out = new Uint8Array(8 + hlen + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, hlen, true);
  dv.setUint32(4, 0, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + hlen);
  let p = 8 + hlen;
  for (const s of shapes) {
    for (const v of w[s.name]!) {
      dv.setFloat32(p, v, true);
      p += 4;
    }
  }
  return out;
}
