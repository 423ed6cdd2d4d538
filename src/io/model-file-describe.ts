/** A human summary of a model file (printed by `nca-gl info`). Never throws on odd input. */
import { parameterCount, weightShapes } from '../engine/model';
import { safeText } from '../errors';
import type { ModelFile } from './model-file';

/** Quotes a string from a file for a terminal: control and bidi characters escaped (safeText), long text cut. */
function quote(s: string, max = 80): string {
  const cut = s.length > max ? s.slice(0, max) + '…' : s;
  return '"' + safeText(cut.replace(/["\\]/g, (c) => '\\' + c)) + '"';
}

function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(3) : String(Number(x.toPrecision(4)));
}

function value(v: unknown): string {
  if (typeof v === 'object' && v !== null) {
    const j = JSON.stringify(v);
    return safeText(j.length > 80 ? j.slice(0, 80) + '…' : j);
  }
  return typeof v === 'string' ? quote(v, 40) : typeof v === 'number' ? num(v) : String(v);
}

/** A JSON object from a file's text, or null (not JSON, or not an object). */
function parseRecord(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function entries(r: Record<string, unknown>, max = 8): string {
  const keys = Object.keys(r);
  const shown = keys.slice(0, max).map((k) => `${quote(k, 40).slice(1, -1)}=${value(r[k])}`);
  return shown.join(', ') + (keys.length > max ? `, … (${keys.length} in all)` : '');
}

function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${num(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

export function describeModel(m: ModelFile): string {
  const { rule, hidden, rate, perCell, outputBias } = m.rule;
  const lines: string[] = [];
  const row = (label: string, text: string): void => void lines.push(`${(label + ':').padEnd(15)}${text}`);
  lines.push('nca-gl model');
  row('rule', `${rule}${outputBias ? ' with output bias' : ''}, hidden ${hidden}, update rate ${num(rate)} (mask drawn per ${perCell ? 'cell' : 'channel'})`);
  const shapes = weightShapes(rule, hidden, outputBias).map((s) => `${s.name} ${s.cols === 1 ? s.rows : `${s.rows}×${s.cols}`}`);
  row('parameters', `${parameterCount(rule, hidden, outputBias)} (${shapes.join(', ')})`);
  const q = Object.keys(m.quantization ?? {});
  if (q.length) row('storage', `8-bit weights (${q.join(', ')}), per-tensor scale`);
  row('grid', `${m.grid.width} × ${m.grid.height}`);
  if (m.target) row('target', `${m.target.width} × ${m.target.height} thumbnail`);
  const t = m.training;
  if (t) {
    const a: string[] = [];
    if (t.task !== undefined) a.push(`task ${quote(t.task)}`);
    if (t.preset !== undefined) a.push(`preset ${quote(t.preset)}`);
    if (t.iterations !== undefined) a.push(`${t.iterations} iterations`);
    if (t.seed !== undefined) a.push(`seed ${t.seed}`);
    if (t.finalLoss !== undefined) a.push(`final loss ${num(t.finalLoss)}`);
    if (t.durationMs !== undefined) a.push(`took ${duration(t.durationMs)}`);
    row('training', a.length ? a.join(', ') : '(no details)');
    if (t.createdAt !== undefined) row('created', quote(t.createdAt));
    if (t.software !== undefined) row('software', quote(t.software));
    if (t.renderer !== undefined) row('renderer', quote(t.renderer));
    if (t.hyperparameters && Object.keys(t.hyperparameters).length) row('settings', entries(t.hyperparameters));
    const h = t.lossHistory;
    if (h && h.length > 0) {
      let min = Infinity;
      for (const x of h) min = Math.min(min, x);
      row('loss history', `${h.length} values, first ${num(h[0]!)}, last ${num(h[h.length - 1]!)}, lowest ${num(min)}`);
    }
  }
  const o = m.origin;
  if (o) {
    const a = [o.format && `from ${quote(o.format)}`, o.file && `file ${quote(o.file)}`].filter(Boolean);
    row('imported', a.length ? a.join(', ') : '(no details)');
    if (o.license !== undefined) row('licence', quote(o.license));
    if (o.attribution !== undefined) row('attribution', quote(o.attribution, 200));
    if (o.url !== undefined) row('source', quote(o.url, 200));
  }
  const qy = m.quality;
  if (qy) {
    const db = (x: number) => `${x >= 200 ? '∞' : num(Number(x.toFixed(1)))} dB`;
    row('quality', `${db(qy.psnrT)} at T=${qy.steps}, ${db(qy.psnr10T)} at 10·T, ${db(qy.psnr50T)} at 50·T (worst of ${qy.draws}: ${db(qy.worstT)}, ${db(qy.worst10T)}, ${db(qy.worst50T)}); holds ${qy.holdsSteps} steps`);
  }
  const b = m.best;
  if (b) {
    row('kept', `iteration ${b.iteration}: the best of ${b.evaluations} evaluations every ${b.every} iterations, ${num(Number(b.psnr.toFixed(2)))} dB at T=${b.steps} over ${b.draws} draws${m.latest ? ' (training resumes from the latest weights, also in the file)' : ''}`);
  }
  if (m.optimizer) row('optimizer', `Adam state at step ${m.optimizer.step} (training can resume)`);
  if (m.curriculum && Object.keys(m.curriculum).length) row('curriculum', entries(m.curriculum));
  if (m.resume) {
    const r = m.resume;
    const k = Object.keys(r).length;
    row('resume state', `${k} value${k === 1 ? '' : 's'}${typeof r.iteration === 'number' ? `: iteration ${r.iteration}` : ''}${typeof r.lrScale === 'number' && r.lrScale !== 1 ? `, learning rate ×${num(r.lrScale)} after a divergence` : ''}`);
    // what `train --resume` needs: the image it was trained on and the settings it continues with
    if (typeof r.image === 'string') row('trained on', `${quote(r.image)}: continue with nca-gl train ${quote(r.image)} --resume --out <this file> --iterations <more>`);
    const cli = typeof r.cli === 'string' ? parseRecord(r.cli) : null;
    if (cli) row('resumes with', entries(cli, Infinity));
  }
  return lines.join('\n');
}
