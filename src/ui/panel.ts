/**
 * The lil-gui panel of the demo page. Every control edits `settings` or calls an action; changes to
 * the task, rule or sizes start a new training (the model's shape changes), the view's controls
 * apply at the next frame. It shows what applies to what runs: a loaded model's own settings
 * (actions.loadModel writes them into `settings`), the training folder only while training, the
 * rollout range only for Distill's tasks. On a narrow screen it is placed in `container` (below
 * the view) and starts closed, instead of floating over the view.
 */
import GUI, { type Controller } from 'lil-gui';
import { RULE_NAMES } from '../engine/rules';
import { SHIPPED_TARGETS, shippedTargetNames } from '../io/shipped-targets';
import { PRESETS, TASKS } from '../tasks/presets';
import { webmMimeType } from './record';
import type { DemoActions } from './actions';
import { pickFile } from './files';
import { BATCHES, GRIDS, HIDDENS, SPEEDS } from './settings';

export interface Panel {
  gui: GUI;
  /** Brings labels and enabled states up to date (called with the status). */
  sync(): void;
}

export function buildPanel(actions: DemoActions, container?: HTMLElement): Panel {
  const app = actions.app;
  const s = app.settings;
  const gui = container ? new GUI({ title: 'Settings', container }) : new GUI({ title: 'nca-gl', width: 280 });
  if (container) gui.close();
  const names = shippedTargetNames();
  const fail = (e: unknown) => app.fail(e);
  const restart = () => actions.restart().catch(fail);

  const t = gui.addFolder('Target');
  const ui = {
    url: '',
    modelUrl: '',
    upload: () => pickFile('image/*').then((f) => f && actions.useTarget(f, `upload: ${f.name}`)).catch(fail),
    fromUrl: () => ui.url && actions.useTarget(ui.url, ui.url).catch(fail),
    pause: () => (app.training ? app.pause() : app.resume()),
    reset: restart,
    restartView: () => app.resetView('auto'),
    infect: () => app.infect(SHIPPED_TARGETS[s.infectWith]!.svg).catch(fail),
    infectUpload: () => pickFile('image/*').then((f) => f && app.infect(f)).catch(fail),
    save: () => {
      try {
        actions.saveModel();
      } catch (e) {
        fail(e);
      }
    },
    load: () => pickFile('.nca,application/octet-stream').then((f) => f && actions.loadModel(f, f.name)).catch(fail),
    loadUrl: () => ui.modelUrl && actions.loadModel(ui.modelUrl).catch(fail),
    continueTraining: () => actions.continueTraining(),
    gif: () => actions.record('gif'),
    webm: () => {
      try {
        actions.record('webm');
      } catch (e) {
        fail(e);
      }
    },
    stop: () => actions.stopRecording().catch(fail),
  };
  t.add(s, 'target', names).name('shipped image').onChange((n: string) => actions.useTarget(n).catch(fail));
  t.add(ui, 'upload').name('upload an image…');
  t.add(ui, 'url').name('image URL');
  t.add(ui, 'fromUrl').name('train on the URL');

  const k = gui.addFolder('Task');
  k.add(s, 'task', [...TASKS]).onChange(() => {
    showSteps();
    void restart();
  });
  k.add(s, 'rule', ['preset', ...RULE_NAMES]).onChange(restart);
  k.add(s, 'grid', GRIDS).name('grid (cells)').onChange(restart);
  k.add(s, 'hidden', HIDDENS).name('hidden units').onChange(restart);
  k.add(s, 'batch', BATCHES).onChange(restart);
  const stepsCtl = [k.add(s, 'stepsMin', 1, 128, 1).name('rollout min').onFinishChange(restart), k.add(s, 'stepsMax', 1, 128, 1).name('rollout max').onFinishChange(restart)];
  const showSteps = () => stepsCtl.forEach((c) => c.show(PRESETS[s.task].regimen === 'distill'));
  showSteps();
  k.add(s, 'lr', 0, 0.01, 0.0001).name('learning rate (0: preset)').onFinishChange(restart);

  const tr = gui.addFolder('Training');
  const pauseCtl = tr.add(ui, 'pause').name('pause');
  tr.add(ui, 'reset').name('reset (new weights)');
  tr.add(s, 'autosaveEvery', 0, 1000, 10).name('autosave every (it)');

  const v = gui.addFolder('View');
  const speed = { label: Object.keys(SPEEDS).find((l) => SPEEDS[l] === s.speed) ?? '1×' };
  v.add(speed, 'label', Object.keys(SPEEDS)).name('speed (steps/frame)').onChange((l: string) => (s.speed = SPEEDS[l]!));
  v.add(s, 'brush', 0.5, 16, 0.5).name('damage radius (cells)');
  v.add(s, 'regrow', 0, 512, 1).name('regrow every (0: auto)');
  v.add(ui, 'restartView').name('restart the view');
  v.add(s, 'infectWith', names).name('infect with');
  v.add(s, 'freeze', 0, 60, 1).name('frozen start (frames)');
  v.add(ui, 'infect').name('infect');
  v.add(ui, 'infectUpload').name('infect with an upload…');

  const m = gui.addFolder('Model');
  m.add(ui, 'save').name('save model (.nca)');
  m.add(ui, 'load').name('load model…');
  m.add(ui, 'modelUrl').name('model URL');
  m.add(ui, 'loadUrl').name('load the URL');
  const contCtl = m.add(ui, 'continueTraining').name('continue training it');

  const r = gui.addFolder('Record');
  const gifCtl = r.add(ui, 'gif').name('record a GIF');
  const webmCtl = r.add(ui, 'webm').name('record WebM video');
  if (!webmMimeType()) webmCtl.disable();
  const stopCtl = r.add(ui, 'stop').name('stop and save');

  const sync = () => {
    const rec = actions.recorder !== null;
    pauseCtl.name(app.training ? 'pause' : 'resume').enable(app.mode === 'train');
    tr.show(app.mode === 'train');
    showSteps();
    speed.label = Object.keys(SPEEDS).find((l) => SPEEDS[l] === s.speed) ?? speed.label;
    contCtl.enable(app.mode === 'view' && !!app.model?.optimizer);
    gifCtl.enable(!rec);
    webmCtl.enable(!rec && !!webmMimeType());
    stopCtl.enable(rec);
    gui.controllersRecursive().forEach((c: Controller) => c.updateDisplay());
  };
  sync();
  return { gui, sync };
}
