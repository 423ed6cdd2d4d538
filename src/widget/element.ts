/**
 * <nca-canvas>: a trained model in a page with one tag.
 *
 *   <script src="nca-gl.js"></script>
 *   <nca-canvas model="lizard.nca"></nca-canvas>
 *
 * Attributes (all optional but `model`; changes apply live):
 *   model          URL of a .nca file (or set the `model` property to bytes or a decoded model)
 *   start          auto | seed | target | hardest                         (default auto)
 *   speed          CA steps per frame; 0.25 = one step every 4 frames      (default 1)
 *   background     a CSS colour, or transparent                           (default white)
 *   damage-radius  radius of the disc a click or touch erases, in cells   (default 1/10 of the grid)
 *   paused         present: stand still (remove it to run)
 *   no-damage      present: clicks and touches do nothing
 *   restart        auto | never | a number of steps: when to start again from the start;
 *                  auto: before the model fades, when its file says it does (default auto)
 *   regrow         older form of restart="n" (used when restart is absent)
 *   label          the accessible name of the image (default: the model's target name)
 * Sizing: 256 px wide by default, the height following the model's aspect ratio; style the element
 * (width, height, max-width…) like any block. Cells are drawn at a whole-number scale, centred.
 * Accessibility: the canvas inside is an image (role="img") named by `label`, focusable; Enter or
 * Space erases a disc at the centre; under prefers-reduced-motion: reduce it shows a still frame and
 * a play button (part `play`) instead of starting by itself.
 * Many widgets on a page share one WebGL2 context (./shared.ts).
 * Events: `ready` once the model runs, `error` (detail: the NcaGlError) when it cannot; the reason
 * is then also shown inside the box. Parts for styling: `canvas`, `message`.
 */
import { NcaGlError } from '../errors';
import type { ModelFile } from '../io/model-file';
import { MESSAGE_CSS, renderMessage } from './message';
import { type ModelSource, NcaWidget } from './mount';
import { MAX_SPEED } from './player';
import { START_KINDS, type StartKind } from '../tasks/start';
import { parseRestart } from './restart';

export const ELEMENT_NAME = 'nca-canvas';

// In Node (the CLI and the unit tests import the library) there is no HTMLElement: the class is
// then defined on a stand-in and never registered.
const Base: typeof HTMLElement = typeof HTMLElement === 'undefined' ? (class {} as unknown as typeof HTMLElement) : HTMLElement;

const STYLE = `
:host { display: inline-block; position: relative; width: 256px; max-width: 100%; aspect-ratio: var(--nca-aspect, 1); vertical-align: top; contain: content; }
:host([hidden]) { display: none; }
canvas { position: absolute; inset: 0; width: 100%; height: 100%; display: block; image-rendering: pixelated; touch-action: none; }
canvas:focus-visible { outline: 2px solid #1a73e8; outline-offset: 2px; }
.nca-gl-play { position: absolute; left: 8px; bottom: 8px; font: 14px/1 system-ui, sans-serif; padding: 6px 10px; border: 1px solid #555; border-radius: 4px; background: rgba(255,255,255,.92); color: #111; cursor: pointer; }
.nca-gl-play:focus-visible { outline: 2px solid #1a73e8; outline-offset: 2px; }
.message { position: absolute; inset: 0; ${MESSAGE_CSS} }
.message[hidden], canvas[hidden] { display: none; }
`;

export class NcaCanvasElement extends Base {
  static readonly observedAttributes = ['model', 'start', 'speed', 'background', 'damage-radius', 'paused', 'no-damage', 'regrow', 'restart', 'label'];
  /** The running widget (null before a model is set, or after the element left the page). */
  widget: NcaWidget | null = null;
  private source: ModelSource | null = null;
  private readonly canvasEl: HTMLCanvasElement;
  private readonly messageEl: HTMLDivElement;
  private connected = false;

  constructor() {
    super();
    // delegatesFocus: focusing the element focuses the canvas (the image) inside
    const root = this.attachShadow({ mode: 'open', delegatesFocus: true });
    const style = document.createElement('style');
    style.textContent = STYLE;
    this.canvasEl = document.createElement('canvas');
    this.canvasEl.setAttribute('part', 'canvas');
    this.messageEl = document.createElement('div');
    this.messageEl.className = 'message';
    this.messageEl.setAttribute('part', 'message');
    this.messageEl.setAttribute('role', 'note');
    this.messageEl.hidden = true;
    root.append(style, this.canvasEl, this.messageEl);
  }

  /** The model: set a URL, the bytes of a .nca file, a Blob or a decoded model; reads back what is running. */
  get model(): ModelFile | ModelSource | null {
    return this.widget?.model ?? this.source;
  }
  set model(m: ModelSource | null) {
    this.source = m;
    this.restart();
  }
  /** The canvas inside the shadow root. */
  get canvas(): HTMLCanvasElement {
    return this.canvasEl;
  }
  get engine() {
    return this.widget?.engine ?? null;
  }
  /** Resolves when the model runs; rejects with the error shown in the box. */
  get ready(): Promise<NcaWidget> {
    return this.widget?.ready ?? Promise.reject(new NcaGlError('bad-argument', `<${ELEMENT_NAME}> has no model yet: set its model attribute`));
  }
  play(): void {
    this.removeAttribute('paused');
  }
  pause(): void {
    this.setAttribute('paused', '');
  }
  reset(start?: StartKind): void {
    this.widget?.reset(start ?? this.startKind());
  }

  connectedCallback(): void {
    this.connected = true;
    if (!this.widget) this.restart();
  }

  disconnectedCallback(): void {
    this.connected = false;
    // a node moved within the page is disconnected and reconnected in one task: only tear down if it stays out
    queueMicrotask(() => {
      if (!this.connected) this.stop();
    });
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old === value) return;
    const w = this.widget;
    switch (name) {
      case 'model':
        this.source = value;
        this.restart();
        return;
      case 'start':
        w?.reset(this.startKind());
        return;
      case 'paused':
        if (value === null) w?.play();
        else w?.pause();
        return;
      case 'label':
        w?.setLabel(value ?? undefined);
        return;
      default:
        // speed, background, damage-radius and regrow: a fresh widget picks them up; tune a running one
        if (w) this.tune(w, name);
    }
  }

  private startKind(): StartKind {
    const s = (this.getAttribute('start') ?? 'auto').trim() as StartKind;
    return START_KINDS.includes(s) ? s : 'auto';
  }

  private num(name: string): number | undefined {
    const v = this.getAttribute(name);
    if (v === null || v.trim() === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }

  private tune(w: NcaWidget, name: string): void {
    try {
      if (name === 'speed') {
        const s = this.num('speed') ?? 1;
        if (s > 0) w.speed = Math.min(s, MAX_SPEED); // 0 or less: ignored (use the paused attribute)
      }
      else if (name === 'damage-radius') {
        const r = this.num('damage-radius');
        if (r !== undefined) w.damageRadius = r;
      } else if (name === 'background') w.background = this.getAttribute('background') ?? 'white';
      else if (name === 'no-damage' || name === 'regrow' || name === 'restart') this.restart(); // listeners and loop options
    } catch (e) {
      this.showError(e instanceof NcaGlError ? e : new NcaGlError('bad-argument', String(e)));
    }
  }

  private stop(): void {
    this.widget?.dispose();
    this.widget = null;
  }

  private restart(): void {
    this.stop();
    this.messageEl.hidden = true;
    this.canvasEl.hidden = false;
    if (!this.connected || this.source === null || this.source === '') return;
    const speed = this.num('speed');
    const radius = this.num('damage-radius');
    const w = new NcaWidget(this.canvasEl, {
      model: this.source,
      start: this.startKind(),
      speed: speed !== undefined && speed > 0 ? Math.min(speed, MAX_SPEED) : 1,
      damageRadius: radius,
      background: this.getAttribute('background') ?? undefined,
      autoplay: !this.hasAttribute('paused'),
      interactive: !this.hasAttribute('no-damage'),
      regrowAfter: Math.max(0, Math.floor(this.num('regrow') ?? 0)),
      ...(this.hasAttribute('restart') ? { restart: parseRestart(this.getAttribute('restart')) } : {}),
      label: this.getAttribute('label') ?? undefined,
      controls: (button) => this.shadowRoot!.append(button),
      message: (text) => this.showText(text),
      messageCleared: () => {
        this.messageEl.hidden = true;
        this.canvasEl.hidden = false;
      },
    });
    this.widget = w;
    w.ready.then(
      (ok) => {
        if (this.widget !== ok || !ok.model) return;
        this.style.setProperty('--nca-aspect', `${ok.model.grid.width} / ${ok.model.grid.height}`);
        this.dispatchEvent(new CustomEvent('ready', { detail: ok }));
      },
      (err: NcaGlError) => {
        if (this.widget === w) this.dispatchEvent(new CustomEvent('error', { detail: err }));
      },
    );
  }

  private showText(text: string): void {
    renderMessage(this.messageEl, text);
    this.messageEl.hidden = false;
    this.canvasEl.hidden = true;
  }

  private showError(e: NcaGlError): void {
    this.showText(`This animation could not start.\n${e.message}`);
  }
}

/**
 * Registers <nca-canvas> (or the element under another name). Done when the bundle loads in a
 * browser, unless the name is taken; returns false when the name is already defined.
 */
export function defineNcaCanvas(name = ELEMENT_NAME): boolean {
  if (typeof customElements === 'undefined' || customElements.get(name)) return false;
  // one class can only be registered once: other names get a subclass
  customElements.define(name, name === ELEMENT_NAME ? NcaCanvasElement : class extends NcaCanvasElement {});
  return true;
}

declare global {
  interface HTMLElementTagNameMap {
    'nca-canvas': NcaCanvasElement;
  }
}
