/**
 * The demo page's script (dist/nca-gl-demo.js, one file that carries the library too): builds the
 * page inside `[data-nca-demo]` (or <body>), shows which renderer runs it, starts training the
 * default target, and offers to resume a training saved in this browser.
 *
 * Works from any static server and from file:// (shipped targets are embedded SVG text; models and
 * images come in through the file picker, drag-and-drop, or a URL when served). Scripts and tests
 * reach the page through `window.ncaDemo` ({ app, actions, settings, panel, lib, ready }).
 */
import * as lib from '../index';
import { describeFailure } from '../widget/message';
import { NcaGlError } from '../errors';
import { DemoActions } from './actions';
import { DemoApp } from './app';
import type { AutosaveRecord } from './autosave';
import { LossChart } from './chart';
import { acceptDrops } from './files';
import { buildPanel } from './panel';
import { buildPage, type Page, renderStatus } from './page';
import { settingsFromQuery } from './settings';

const SOFTWARE = /swiftshader|llvmpipe|softpipe|software|basic render|mesa offscreen/i;

/** The WebGL2 renderer string, from a throwaway context (null without WebGL2). */
function probeRenderer(): string | null {
  const c = document.createElement('canvas');
  const gl = c.getContext('webgl2');
  if (!gl) return null;
  const dbg = gl.getExtension('WEBGL_debug_renderer_info');
  const r = String(gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return r;
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
  const renderer = probeRenderer();
  if (!renderer) {
    page.message.textContent = describeFailure(new NcaGlError('no-webgl2', 'this browser or device does not provide WebGL2; the demo needs it to train and to run models.'));
    return;
  }
  const software = SOFTWARE.test(renderer);
  page.renderer.textContent = `WebGL2 renderer: ${renderer}` + (software ? ' — software rendering: training runs, slowly, on small settings' : '');
  page.renderer.classList.toggle('software', software);

  const q = new URLSearchParams(location.search);
  const settings = settingsFromQuery(location.search, software);
  const app = new DemoApp(page.view, new LossChart(page.chart), settings);
  const actions = new DemoActions(app, page);
  const panel = buildPanel(actions);
  app.onStatus = (s) => {
    const rec = actions.recorder ? `   ● recording ${actions.recorder.kind.toUpperCase()} (${actions.recorder.frames} frames)` : '';
    renderStatus(page, s, rec);
    panel.sync();
  };
  acceptDrops(page.drop, (f) => void actions.openFile(f));
  const api = { app, actions, settings, panel, lib, ready: null as Promise<void> | null };
  (window as unknown as { ncaDemo: typeof api }).ncaDemo = api;

  api.ready = (async () => {
    const saved = q.get('resume') === 'never' ? null : await actions.savedTraining();
    const model = q.get('model');
    if (model) {
      await actions.loadModel(model);
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
