/**
 * Tiny models trained inside a browser test, so the widget and the demo pages can be checked now,
 * before the zoo exists (and without committing binary fixtures). Sized for software WebGL: a
 * shipped sprite on a 16×16 grid, hidden 32. Deterministic (fixed seeds, no Math.random).
 */
import type { Page } from 'puppeteer-core';

export interface TinyModelOptions {
  task: 'persistence' | 'growth' | 'healing' | 'growing' | 'regenerating';
  /** Shipped target name (default 'heart'). */
  target?: string;
  size?: number;
  hidden?: number;
  iterations: number;
  seed?: number;
}

export interface TinyModel {
  bytes: Buffer;
  finalLoss: number;
  level: number;
  ms: number;
}

/** Trains in `page` (which must have the NcaGl global) and returns the .nca file's bytes. */
export async function trainTinyModel(page: Page, o: TinyModelOptions): Promise<TinyModel> {
  const r = await page.evaluate(
    async (o) => {
      const NcaGl = (window as any).NcaGl;
      const W = o.size ?? 16;
      const target = await NcaGl.loadTarget(NcaGl.SHIPPED_TARGETS[o.target ?? 'heart'].svg, { width: W, height: W, padding: 2 });
      const distill = o.task === 'growing' || o.task === 'regenerating';
      const sized = { width: W, height: W, hidden: o.hidden ?? 32, seed: o.seed ?? 2, padding: 2 };
      const over = distill
        ? { ...sized, batch: 4, steps: [16, 24], pool: o.task === 'regenerating' ? 32 : 0, damage: o.task === 'regenerating' ? 1 : 0 }
        : { ...sized, batch: 2, lr: 2e-3 };
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 8;
      const s = new NcaGl.TrainingSession(canvas, { task: o.task, target, ...over });
      const t0 = performance.now();
      let last = { loss: NaN, level: 0 };
      for (let i = 0; i < o.iterations; i++) last = await s.step();
      const bytes: Uint8Array = NcaGl.encodeModel(s.toModel({ source: `shipped target '${o.target ?? 'heart'}'` }));
      s.dispose();
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 0x8000)));
      return { b64: btoa(bin), finalLoss: last.loss, level: last.level, ms: performance.now() - t0 };
    },
    o,
  );
  return { bytes: Buffer.from(r.b64, 'base64'), finalLoss: r.finalLoss, level: r.level, ms: r.ms };
}
