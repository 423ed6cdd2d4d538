/**
 * What a reader sees instead of a blank box when a model cannot run: one plain sentence saying what
 * is missing, then the library's detailed message (which names the missing capability).
 */
import { NcaGlError, PREFIX } from '../errors';

/** A readable explanation of a failure, for people rather than developers (the detail follows). */
export function describeFailure(e: NcaGlError): string {
  const detail = e.message.startsWith(PREFIX) ? e.message.slice(PREFIX.length) : e.message;
  const lead: Partial<Record<NcaGlError['code'], string>> = {
    'no-webgl2': 'This animation needs WebGL2, which this browser does not provide (or has turned off).',
    'missing-capability': 'This animation needs a WebGL2 feature that this device lacks.',
    'context-lost': 'The graphics context of this animation was lost.',
    io: 'The model of this animation could not be loaded.',
    'bad-model': 'The model file of this animation is not valid.',
    'over-budget': 'The model of this animation is too large to run here.',
  };
  return `${lead[e.code] ?? 'This animation could not start.'}\n${detail}`;
}

/** CSS of the message box; `.nca-gl-message` in a page or the `message` part of <nca-canvas>. */
export const MESSAGE_CSS =
  'box-sizing:border-box;display:flex;flex-direction:column;justify-content:center;gap:.5em;' +
  'padding:1em;overflow:auto;border:1px dashed #999;border-radius:4px;background:#f7f7f7;color:#222;' +
  'font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;text-align:left;white-space:pre-line;';

/** Fills `el` with the message: a first line in bold, the detail below in a smaller font. */
export function renderMessage(el: HTMLElement, text: string): void {
  const [lead, ...rest] = text.split('\n');
  el.textContent = '';
  const b = document.createElement('strong');
  b.textContent = lead ?? '';
  el.appendChild(b);
  if (rest.length) {
    const d = document.createElement('span');
    d.style.fontSize = '12px';
    d.style.color = '#555';
    d.textContent = rest.join('\n');
    el.appendChild(d);
  }
}

/**
 * Puts a message box where `canvas` is (same CSS size, the canvas hidden) and returns it. Used by
 * mount(); the <nca-canvas> element shows its own inside its shadow root.
 */
export function showMessage(canvas: HTMLCanvasElement, text: string): HTMLElement {
  const r = canvas.getBoundingClientRect();
  const box = document.createElement('div');
  box.className = 'nca-gl-message';
  box.setAttribute('role', 'note');
  box.style.cssText = MESSAGE_CSS;
  box.style.width = r.width > 0 ? `${r.width}px` : '100%';
  box.style.minHeight = r.height > 0 ? `${r.height}px` : '8em';
  renderMessage(box, text);
  canvas.style.display = 'none';
  canvas.insertAdjacentElement('afterend', box);
  return box;
}
