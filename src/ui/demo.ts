/**
 * The demo page's script (dist/nca-gl-demo.js, one file that carries the library too): builds the
 * page inside `[data-nca-demo]` (or <body>), shows which renderer runs it, and opens on a trained
 * creature from the zoo (the picker lists zoo/index.json), running at once, which a click or drag
 * damages; "Train your own" is the next step. An address that asks for training (?task=, ?grid=, …,
 * or ?train=1) trains the target instead, as does a page that cannot read the zoo (file://). A
 * training saved in this browser is offered for resuming.
 *
 * Works from any static server and from file:// (shipped targets are embedded SVG text; models and
 * images come in through the file picker, drag-and-drop, or a URL when served). Scripts and tests
 * reach the page through `window.ncaDemo` ({ app, actions, settings, panel, lib, ready }).
 */
import * as lib from '../index';
import { describeFailure } from '../widget/message';
import { NcaGlError } from '../errors';
import { acquireContext } from '../gl/context';
import { DemoActions } from './actions';
import { DemoApp } from './app';
import type { AutosaveRecord } from './autosave';
import { LossChart } from './chart';
import { acceptDrops } from './files';
import { buildPanel } from './panel';
import { buildPage, type Page, renderStatus } from './page';
import { defaultSettings, SPEEDS, settingsFromQuery } from './settings';
import { loadZooManifest, type ZooEntry } from './zoo';

/** Address parameters that ask for a training rather than a zoo model. */
const TRAINING_PARAMS = ['train', 'task', 'rule', 'target', 'grid', 'hidden', 'batch', 'steps', 'lr', 'profile', 'autostart'];
/** Where the zoo's manifest is, from demos/index.html (override: ?zoo=URL). */
const ZOO_MANIFEST = '../zoo/index.json';
/** The picker's entry while the page trains. */
const TRAINING_OPTION = '';

const SOFTWARE = /swiftshader|llvmpipe|softpipe|software|basic render|mesa offscreen/i;

/**
 * The WebGL2 renderer string, from the view canvas's own context (null without WebGL2). The context
 * is made with the attributes the engine asks for and kept: a throwaway context costs a second of
 * start-up on software WebGL.
 */
function probeRenderer(view: HTMLCanvasElement): string | null {
  let gl: WebGL2RenderingContext;
  try {
    gl = acquireContext(view);
  } catch {
    return null;
  }
  const dbg = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

function offerResume(page: Page, rec: AutosaveRecord, actions: DemoActions): void {
  const b = page.banner;
  const when = new Date(rec.savedAt).toLocaleString();
  b.textContent = `A training was saved in this browser on ${when}: ${rec.settings.task} on ${rec.targetLabel || 'a target'}, iteration ${rec.iteration}.`;
  const yes = document.createElement('button');
  yes.textContent = 'Resume it';
  yes.className = 'resume';
  const no = document.createElement('button');
  no.textContent = 'Discard it';
  no.className = 'discard';
  b.append(yes, no);
  b.hidden = false;
  yes.onclick = () => {
    b.hidden = true;
    try {
      actions.resume(rec);
    } catch (e) {
      actions.app.fail(e);
    }
  };
  no.onclick = () => {
    b.hidden = true;
    void actions.discardSaved();
    actions.app.resume();
  };
}

async function main(): Promise<void> {
  const host = (document.querySelector('[data-nca-demo]') as HTMLElement | null) ?? document.body;
  const page = buildPage(host);
  const q = new URLSearchParams(location.search);
  // the manifest loads while the context is made (which blocks for a second on software WebGL);
  // a page opened from disk cannot fetch it (and would log the failure): it trains instead
  const manifest = location.protocol === 'file:' && !q.has('zoo') ? Promise.resolve([]) : loadZooManifest(q.get('zoo') ?? ZOO_MANIFEST);
  manifest.catch(() => {});
  const renderer = probeRenderer(page.view);
  if (!renderer) {
    page.message.textContent = describeFailure(new NcaGlError('no-webgl2', 'this browser or device does not provide WebGL2; the demo needs it to train and to run models.'));
    return;
  }
  const software = SOFTWARE.test(renderer);
  page.renderer.textContent = `WebGL2 renderer: ${renderer}` + (software ? ' — software rendering: training runs, slowly, on small settings' : '');
  page.renderer.classList.toggle('software', software);

  const settings = settingsFromQuery(location.search, software);
  const app = new DemoApp(page.view, new LossChart(page.chart), settings);
  const actions = new DemoActions(app, page);
  // on a phone the panel goes below the view, closed, instead of floating over it
  const narrow = typeof matchMedia === 'function' && matchMedia('(max-width: 760px)').matches;
  const panel = buildPanel(actions, narrow ? page.panelHost : undefined);
  for (const label of Object.keys(SPEEDS)) page.speed.add(new Option(label, label));
  const speedLabel = () => Object.keys(SPEEDS).find((l) => SPEEDS[l] === settings.speed) ?? '1×';
  page.speed.value = speedLabel();
  page.speed.onchange = () => {
    settings.speed = SPEEDS[page.speed.value] ?? 1;
    panel.sync();
  };
  app.onStatus = (s) => {
    const rec = actions.recorder ? `   ● recording ${actions.recorder.kind.toUpperCase()} (${actions.recorder.frames} frames)` : '';
    renderStatus(page, s, rec);
    panel.sync();
    if (document.activeElement !== page.speed) page.speed.value = speedLabel();
    if (app.mode === 'train' && page.picker.value !== TRAINING_OPTION) page.picker.value = TRAINING_OPTION;
  };

  // the zoo: a picker over zoo/index.json
  let zoo: ZooEntry[] = [];
  const training = new Option('— your own training —', TRAINING_OPTION);
  training.disabled = true;
  const showZoo = async (z: ZooEntry) => {
    page.picker.value = z.url;
    page.credit.textContent = z.credit ? `${z.label}: ${z.credit}` : '';
    await actions.loadModel(z.url, z.label);
  };
  page.picker.onchange = () => {
    const z = zoo.find((e) => e.url === page.picker.value);
    if (z) showZoo(z).catch((e) => app.fail(e));
  };
  // "Train your own": the shown model's task and target, at the sizes this device trains at
  page.trainButton.onclick = () => {
    const d = defaultSettings(software);
    Object.assign(settings, { grid: d.grid, hidden: d.hidden, batch: d.batch, stepsMin: d.stepsMin, stepsMax: d.stepsMax, lr: 0, rule: 'preset', autostart: true });
    page.picker.value = TRAINING_OPTION;
    page.credit.textContent = '';
    if (narrow) panel.gui.open();
    actions.useTarget(settings.target).catch((e) => app.fail(e));
  };
  acceptDrops(page.drop, (f) => void actions.openFile(f));
  const api = { app, actions, settings, panel, lib, page, zoo: () => zoo, showZoo, ready: null as Promise<void> | null };
  (window as unknown as { ncaDemo: typeof api }).ncaDemo = api;

  api.ready = (async () => {
    const saved = q.get('resume') === 'never' ? null : await actions.savedTraining();
    try {
      zoo = await manifest;
    } catch {
      zoo = []; // from file:// (or without the zoo) the page trains instead
    }
    page.picker.append(training, ...zoo.map((z) => new Option(z.label, z.url)));
    page.picker.disabled = zoo.length === 0;
    const model = q.get('model');
    if (model) {
      await actions.loadModel(model);
      return;
    }
    if (zoo.length && !TRAINING_PARAMS.some((k) => q.has(k))) {
      await showZoo(zoo.find((z) => z.file === q.get('creature')) ?? zoo[0]!);
      if (saved) offerResume(page, saved, actions);
      return;
    }
    const autostart = settings.autostart;
    if (saved) settings.autostart = false; // keep the save until the reader decides
    await actions.useTarget(settings.target);
    settings.autostart = autostart;
    if (saved) offerResume(page, saved, actions);
  })().catch((e) => app.fail(e));
  await api.ready;
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => void main());
  else void main();
}
