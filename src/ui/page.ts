/**
 * The demo page's DOM: the view canvas, the target, the status lines, the loss chart, the resume
 * offer and the drop overlay. Built by script so demos/index.html stays a few lines that work from
 * any static server or straight from disk (file://).
 */
import type { Status } from './app';

export interface Page {
  root: HTMLElement;
  /** The model picker over the zoo (filled from zoo/index.json). */
  picker: HTMLSelectElement;
  /** Steps per frame. */
  speed: HTMLSelectElement;
  /** "Train your own": the next step after watching. */
  trainButton: HTMLButtonElement;
  /** Who made the shown model. */
  credit: HTMLElement;
  /** Where the settings panel goes on narrow screens (below the view, not over it). */
  panelHost: HTMLElement;
  view: HTMLCanvasElement;
  target: HTMLCanvasElement;
  chart: HTMLCanvasElement;
  stats: HTMLElement;
  renderer: HTMLElement;
  message: HTMLElement;
  banner: HTMLElement;
  drop: HTMLElement;
}

const CSS = `
.nca-demo { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; max-width: 980px; margin: 0 auto; padding: 12px 300px 24px 16px; box-sizing: border-box; }
.nca-demo .bar { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center; margin: 0 0 10px; }
.nca-demo .bar label { display: inline-flex; gap: 6px; align-items: center; }
.nca-demo .bar select, .nca-demo .bar button { font: inherit; padding: 3px 6px; }
.nca-demo .bar button.train { border: 1px solid #2f6fe0; background: #2f6fe0; color: #fff; border-radius: 4px; padding: 4px 10px; cursor: pointer; }
.nca-demo .credit { font-size: 12px; color: #666; margin: 6px 0 0; }
.nca-demo .panel-host .lil-gui.lil-root { position: static; width: 100%; max-height: none; }
.nca-demo h1 { font-size: 20px; margin: 0 0 2px; }
.nca-demo .sub { color: #666; margin: 0 0 10px; }
.nca-demo .renderer { font-size: 12px; color: #666; margin: 0 0 10px; }
.nca-demo .renderer.software { color: #a15c00; }
.nca-demo main { display: flex; gap: 16px; align-items: flex-start; flex-wrap: wrap; }
.nca-demo .stage { flex: 1 1 360px; max-width: 520px; aspect-ratio: 1; position: relative; border: 1px solid #ddd; background: #fff; }
.nca-demo .stage canvas { position: absolute; inset: 0; width: 100%; height: 100%; display: block; image-rendering: pixelated; cursor: crosshair; }
.nca-demo aside { flex: 0 1 280px; min-width: 220px; }
.nca-demo figure { margin: 0 0 8px; display: flex; gap: 10px; align-items: center; }
.nca-demo figure canvas { width: 72px; height: 72px; image-rendering: pixelated; border: 1px solid #ddd; background: #fff; }
.nca-demo figcaption { font-size: 12px; color: #555; word-break: break-word; }
.nca-demo .stats { font: 12px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre; margin-bottom: 6px; }
.nca-demo canvas.chart { width: 100%; height: 140px; display: block; border: 1px solid #eee; background: #fff; }
.nca-demo .message { font-size: 12px; color: #8a1c1c; margin-top: 6px; white-space: pre-line; }
.nca-demo .banner { border: 1px solid #b9d3ff; background: #eef5ff; padding: 8px 10px; margin: 0 0 10px; border-radius: 4px; }
.nca-demo .banner button { margin-left: 8px; }
.nca-demo .hint { font-size: 12px; color: #666; margin-top: 8px; }
.nca-drop { position: fixed; inset: 0; display: none; align-items: center; justify-content: center; background: rgba(30, 90, 200, 0.15); border: 4px dashed #2f6fe0; font: 20px system-ui, sans-serif; color: #123; z-index: 10000; pointer-events: none; }
.nca-drop.visible { display: flex; }
@media (max-width: 760px) {
  .nca-demo { padding: 10px 12px 24px; }
  .nca-demo h1 { font-size: 17px; }
  .nca-demo .sub, .nca-demo .renderer { font-size: 12px; margin-bottom: 6px; }
  .nca-demo .stage { flex-basis: 100%; max-width: none; }
  .nca-demo aside { flex-basis: 100%; }
}
`;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, parent: HTMLElement, text = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  parent.appendChild(e);
  return e;
}

export function buildPage(host: HTMLElement): Page {
  const style = document.createElement('style');
  style.textContent = CSS;
  document.head.appendChild(style);
  const root = el('div', 'nca-demo', host);
  el('h1', '', root, 'Neural cellular automata in your browser');
  el('p', 'sub', root, 'Every pixel is a cell running the same small neural network, which sees only its neighbours. Click or drag on the image to damage it and watch it grow back; then train your own.');
  const renderer = el('p', 'renderer', root);
  const banner = el('div', 'banner', root);
  banner.hidden = true;
  const bar = el('div', 'bar', root);
  const pl = el('label', '', bar, 'Model ');
  const picker = el('select', 'picker', pl);
  picker.disabled = true;
  const sl = el('label', '', bar, 'Speed ');
  const speed = el('select', 'speed', sl);
  const trainButton = el('button', 'train', bar, 'Train your own →');
  trainButton.type = 'button';
  const main = el('main', '', root);
  const stage = el('div', 'stage', main);
  const view = el('canvas', 'view', stage);
  view.setAttribute('role', 'img');
  view.setAttribute('aria-label', 'the cellular automaton; click or drag to erase cells');
  const aside = el('aside', '', main);
  const fig = el('figure', '', aside);
  const target = el('canvas', 'target', fig);
  el('figcaption', '', fig, 'target');
  const stats = el('div', 'stats', aside);
  const chart = el('canvas', 'chart', aside);
  chart.setAttribute('aria-label', 'loss per iteration, log scale');
  const message = el('div', 'message', aside);
  el('div', 'hint', aside, 'Drop an image here to train on it, or a .nca model file to run it.');
  const panelHost = el('div', 'panel-host', root);
  const credit = el('p', 'credit', root);
  const drop = el('div', 'nca-drop', document.body, 'Drop an image to train on it, or a .nca model to run it');
  return { root, picker, speed, trainButton, credit, panelHost, view, target, chart, stats, renderer, message, banner, drop };
}

/** Draws a premultiplied RGBA target (row 0 at the top) into a small canvas, one pixel per cell. */
export function drawTarget(c: HTMLCanvasElement, rgba: Float32Array | null, w: number, h: number, label: string): void {
  const cap = c.parentElement?.querySelector('figcaption');
  if (cap) cap.textContent = label ? `target: ${label}` : 'target';
  c.width = w;
  c.height = h;
  const ctx = c.getContext('2d');
  if (!ctx || !rgba) return;
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    const a = rgba[i * 4 + 3]!;
    // composite over white, as the view does
    for (let k = 0; k < 3; k++) img.data[i * 4 + k] = Math.round(255 * Math.min(1, rgba[i * 4 + k]! + (1 - a)));
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

const fmtLoss = (x: number) => (Number.isFinite(x) ? x.toPrecision(3) : '—');

/** The status lines: what applies to what is shown (no rate or rollout for a loaded model, no level without a curriculum). */
export function renderStatus(p: Page, s: Status, extra: string): void {
  const level = s.curriculum ? `   curriculum level ${s.level}` : '';
  const lines =
    s.mode === 'view'
      ? [`running a trained model${s.task ? ` (${s.task})` : ''}${extra}`, `trained ${s.iteration} iterations   final loss ${fmtLoss(s.loss)}`, `${level.trim() ? `${level.trim()}   ` : ''}state ${s.format || '—'}`]
      : [
          `${s.mode === 'train' ? (s.training ? 'training' : 'paused') : 'starting…'}${s.task ? ` ${s.task}` : ''}${extra}`,
          `iteration ${s.iteration}   loss ${fmtLoss(s.loss)}`,
          `${s.rate ? s.rate.toFixed(s.rate < 10 ? 2 : 1) : '—'} it/s${level}`,
          `rollout ${s.steps || '—'} steps   state ${s.format || '—'}`,
        ];
  if (s.psnr !== null) lines.push(`PSNR vs target ${Number.isFinite(s.psnr) ? s.psnr.toFixed(1) : '∞'} dB`);
  p.stats.textContent = lines.join('\n');
  p.message.textContent = s.message;
}
