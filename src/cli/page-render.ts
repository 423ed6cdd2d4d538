/**
 * The browser side of the CLI, rendering half: runs a model file from a start state and returns
 * frames as RGBA8 composited over white (Node encodes them as GIF or PNG). Like page.ts, the
 * function is sent into the page as source text: page globals only.
 */
import type * as Lib from '../index';
import type { PageApi, RenderOptions, RenderReport } from './page';

export function installRenderApi(): void {
  const N = (window as unknown as { NcaGl: typeof Lib }).NcaGl;
  const { bytesToBase64: toB64, base64ToBytes: fromB64 } = N;
  const fail = (message: string): never => {
    throw new N.NcaGlError('bad-model', message);
  };

  /** Grid 0 of a state [b][y][x][16] (premultiplied) over white, as RGBA8. */
  function composite(state: Float32Array, width: number, height: number): Uint8Array {
    const out = new Uint8Array(width * height * 4);
    const clamp = (v: number) => Math.min(1, Math.max(0, v));
    for (let i = 0; i < width * height; i++) {
      const a = clamp(state[i * 16 + 3]!);
      for (let c = 0; c < 3; c++) out[i * 4 + c] = Math.round(255 * Math.min(1, clamp(state[i * 16 + c]!) + 1 - a));
      out[i * 4 + 3] = 255;
    }
    return out;
  }

  async function render(o: RenderOptions): Promise<RenderReport> {
    const model = N.decodeModel(fromB64(o.model));
    const { width, height } = model.grid;
    const task = N.modelTask(model);
    const p = task ? N.preset(task) : null;
    // premultiplied target at grid size, from the thumbnail (straight RGBA8); null without one
    const target = N.modelTarget(model);
    let targetPanel: string | null = null;
    if (target) {
      const panel = new Float32Array(width * height * 16);
      for (let i = 0; i < width * height; i++) for (let c = 0; c < 4; c++) panel[i * 16 + c] = target[i * 4 + c]!;
      targetPanel = toB64(composite(panel, width, height));
    }
    let start: 'seed' | Lib.Perturbation | 'target' = o.start === 'seed' ? 'seed' : 'target';
    let label = o.start === 'seed' ? 'the seed (one live cell)' : 'the target';
    if (o.start === 'task') {
      if (!p || p.regimen === 'distill' || !p.curriculum) {
        start = N.RULES[model.rule.rule].start === 'seed' || (p && p.regimen === 'distill') ? 'seed' : 'target';
        label = start === 'seed' ? `the seed (one live cell), the start of task '${task ?? model.rule.rule}'` : 'the target (the file names no article task)';
      } else {
        const cur = new N.Curriculum(p.curriculum);
        if (model.curriculum) {
          try {
            cur.state = N.Curriculum.stateFromRecord(model.curriculum);
          } catch {
            /* a foreign curriculum record: use the hardest start */
          }
        }
        const pert = model.curriculum ? cur.perturbation() : cur.hardest();
        start = pert;
        const what = [
          pert.radius !== Infinity ? `truncated at radius ${pert.radius.toFixed(1)}` : '',
          pert.noise > 0 ? `noise σ ${pert.noise.toFixed(3)}` : '',
          pert.circles > 0 && pert.ablation > 0 ? `${pert.circles} discs of radius ${pert.ablation.toFixed(1)} cut out` : '',
        ].filter(Boolean);
        label = `the target ${what.join(', ') || 'unperturbed'} (task '${task}', curriculum level ${cur.state.level}${model.curriculum ? '' : ', hardest'})`;
      }
    }
    if (start !== 'seed' && !target) fail(`this model file has no target thumbnail, so it cannot start from the target: use --start seed`);
    const canvas = document.createElement('canvas');
    canvas.width = 8;
    canvas.height = 8;
    const engine = N.createEngine(canvas, { ...model.rule, width, height, weights: model.weights, allowHalfFloat: true, memoryBudget: o.memoryBudget, fieldNames: N.budget.MODEL_FIELD_NAMES });
    try {
      engine.setState(start === 'target' ? N.targetState(target!, 1, width, height) : N.startState(start, target ?? new Float32Array(width * height * 4), 1, width, height, o.seed));
      const frames: string[] = [];
      let done = 0;
      for (const at of o.at) {
        if (at > done) engine.step(at - done);
        done = Math.max(done, at);
        frames.push(toB64(composite(engine.getState(), width, height)));
        if (frames.length % 16 === 0) await new Promise((r) => setTimeout(r, 0));
      }
      return { width, height, frames, target: targetPanel, start: label };
    } finally {
      engine.dispose();
    }
  }

  const api = (window as unknown as { ncaCli: Partial<PageApi> }).ncaCli ?? {};
  (window as unknown as { ncaCli: Partial<PageApi> }).ncaCli = Object.assign(api, { render });
}
