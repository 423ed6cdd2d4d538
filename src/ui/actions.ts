/**
 * What the demo's buttons do: choose a target, load and save models, continue training a loaded
 * model, record, autosave and resume. Shared by the lil-gui panel, drag-and-drop and scripts (the
 * page exposes it as `window.ncaDemo`, which is how the browser tests drive the page).
 */
import { decodeModel, encodeModel, type ModelFile } from '../io/model-file';
import { SHIPPED_TARGETS } from '../io/shipped-targets';
import { PRESETS, type Task } from '../tasks/presets';
import { type ModelSource, loadModel } from '../widget/mount';
import { modelTarget, modelTargetName, modelTask } from '../tasks/start';
import type { DemoApp } from './app';
import { type AutosaveRecord, clearAutosave, loadAutosave, saveAutosave } from './autosave';
import { download, type DownloadHook, isModelFile } from './files';
import { drawTarget, type Page } from './page';
import { type RecordKind, Recorder } from './record';
import { BATCHES, type Settings } from './settings';

export class DemoActions {
  recorder: Recorder | null = null;
  /** Intercepts downloads (tests); see files.ts. */
  onDownload: DownloadHook | null = null;
  /** Iteration of the last autosave, and whether the browser keeps storage here. */
  lastAutosave = -1;
  autosaveWorks: boolean | null = null;
  private saving = false;

  constructor(
    readonly app: DemoApp,
    readonly page: Page,
  ) {
    app.onIteration = () => this.maybeAutosave();
    app.onFrame = () => this.recordFrame();
  }

  get settings(): Settings {
    return this.app.settings;
  }

  /** The image the current training started from, kept to fit it again when the grid changes. */
  private source: { src: string | Blob; label?: string } | null = null;

  /** Trains on a shipped target, an uploaded File/Blob, or an image URL. */
  async useTarget(src: string | Blob, label?: string): Promise<void> {
    const shipped = typeof src === 'string' ? SHIPPED_TARGETS[src] : undefined;
    const name = label ?? (shipped ? (src as string) : typeof src === 'string' ? src : 'uploaded image');
    if (shipped) this.settings.target = src as string;
    await this.app.train(shipped ? shipped.svg : src, name);
    this.source = { src, label };
    this.showTarget();
    this.lastAutosave = -1;
  }

  /** A new training with the current settings on the current image (new weights). */
  async restart(): Promise<void> {
    if (this.source) return this.useTarget(this.source.src, this.source.label);
    // a resumed or loaded model: its target, when the grid still fits it
    const a = this.app;
    if (a.target && a.target.length === this.settings.grid * this.settings.grid * 4) return a.newSession(a.target, null);
    return this.useTarget(this.settings.target);
  }

  showTarget(): void {
    const a = this.app;
    drawTarget(this.page.target, a.target, a.width, a.height, a.targetLabel);
  }

  /** Runs a model file (URL, bytes, File); it can then continue training if it carries its optimiser. */
  async loadModel(src: ModelSource, label = typeof src === 'string' ? src : 'model file'): Promise<ModelFile> {
    const m = await loadModel(src);
    this.app.showModel(m);
    this.followModel(m);
    this.source = null; // "reset" now trains on this model's target, not on an earlier image
    this.app.targetLabel = `${label}${m.training?.task ? ` (${m.training.task})` : ''}`;
    this.showTarget();
    return m;
  }

  /**
   * The settings take the loaded model's own (task, rule, grid, hidden units, rollout range, its
   * shipped target), so the panel shows what runs, not what ran before.
   */
  followModel(m: ModelFile): void {
    const s = this.settings;
    const task = modelTask(m);
    if (task) s.task = task;
    s.grid = m.grid.width;
    s.hidden = m.rule.hidden;
    s.rule = task && PRESETS[task].rule === m.rule.rule ? 'preset' : m.rule.rule;
    s.lr = 0;
    const name = modelTargetName(m);
    if (name && SHIPPED_TARGETS[name]) s.target = name;
    const steps = m.training?.hyperparameters?.steps;
    const range = typeof steps === 'string' ? /^(\d+)\.\.(\d+)$/.exec(steps) : null;
    if (range) [s.stepsMin, s.stepsMax] = [Number(range[1]), Number(range[2])];
    const batch = Number(m.training?.hyperparameters?.batch);
    if (BATCHES.includes(batch)) s.batch = batch;
  }

  /** Continues training the loaded model (same task, grid and rule; settings keep batch and speed). */
  continueTraining(): void {
    const m = this.app.model;
    if (!m) return;
    const task = modelTask(m);
    const target = modelTarget(m);
    if (!task || !target || !m.optimizer) {
      this.app.fail(new Error('this model file cannot continue training: it needs its task, its target and its optimiser state (save it with them)'));
      return;
    }
    Object.assign(this.settings, { task: task as Task, grid: m.grid.width, hidden: m.rule.hidden, rule: m.rule.rule });
    this.source = null;
    this.app.newSession(target, m);
    this.app.training = true;
  }

  /** The model as it is now (training state included) as a .nca file. */
  modelBytes(): Uint8Array | null {
    const a = this.app;
    if (a.session) return encodeModel(a.session.toModel({ source: a.targetLabel }));
    if (a.model) return encodeModel(a.model);
    return null;
  }

  saveModel(): void {
    const bytes = this.modelBytes();
    if (!bytes) return;
    const a = this.app;
    const task = a.session?.regimen.task ?? a.model?.training?.task ?? 'model';
    const name = `nca-${task}-${(a.targetLabel || 'target').replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').slice(0, 40)}-${a.status.iteration}.nca`;
    download(name, new Blob([bytes.slice().buffer], { type: 'application/octet-stream' }), this.onDownload);
  }

  /** A dropped or picked file: a model runs, an image becomes the target. */
  async openFile(f: File): Promise<void> {
    try {
      if (await isModelFile(f)) await this.loadModel(f, f.name);
      else await this.useTarget(f, `upload: ${f.name}`);
    } catch (e) {
      this.app.fail(e);
    }
  }

  record(kind: RecordKind): void {
    if (this.recorder) return;
    const a = this.app;
    this.recorder = new Recorder(this.page.view, kind, () => {
      const p = a.player!;
      const fit = p.fit();
      const c = this.page.view;
      return { x: fit.x, y: c.height - fit.y - fit.h, w: fit.w, h: fit.h, cellsX: p.engine.width, cellsY: p.engine.height };
    });
  }

  /** Ends the recording and downloads it; resolves with the file. */
  async stopRecording(): Promise<Blob | null> {
    const r = this.recorder;
    if (!r) return null;
    this.recorder = null;
    const blob = await r.stop();
    download(`nca-${this.app.targetLabel.replace(/[^a-z0-9]+/gi, '-') || 'view'}.${r.kind}`, blob, this.onDownload);
    return blob;
  }

  private recordFrame(): void {
    const r = this.recorder;
    if (!r) return;
    r.frame();
    if (r.full) void this.stopRecording();
  }

  private maybeAutosave(): void {
    const every = this.settings.autosaveEvery;
    const it = this.app.session?.iteration ?? 0;
    if (every > 0 && !this.saving && it - Math.max(0, this.lastAutosave) >= every) void this.autosave();
  }

  /** Saves the training in progress to IndexedDB now (between iterations: it reads the weights). */
  async autosave(): Promise<boolean> {
    const s = this.app.session;
    if (!s || this.saving) return false;
    this.saving = true;
    try {
      const rec: AutosaveRecord = { bytes: encodeModel(s.toModel({ source: this.app.targetLabel })), settings: { ...this.settings }, iteration: s.iteration, savedAt: Date.now(), targetLabel: this.app.targetLabel };
      this.lastAutosave = s.iteration;
      this.autosaveWorks = await saveAutosave(rec);
      return this.autosaveWorks;
    } finally {
      this.saving = false;
    }
  }

  /** The saved training, if any (the page offers to resume it). */
  savedTraining(): Promise<AutosaveRecord | null> {
    return loadAutosave();
  }

  /** Continues a saved training exactly where it stopped (weights, optimiser, curriculum, loss history). */
  resume(rec: AutosaveRecord): void {
    const m = decodeModel(rec.bytes);
    const target = modelTarget(m);
    if (!target) throw new Error('the saved training has no target');
    Object.assign(this.settings, rec.settings, { autostart: true });
    this.app.targetLabel = rec.targetLabel;
    this.source = null;
    this.app.newSession(target, m);
    this.lastAutosave = rec.iteration;
    this.showTarget();
  }

  discardSaved(): Promise<void> {
    return clearAutosave();
  }
}
