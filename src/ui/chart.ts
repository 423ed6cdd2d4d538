/**
 * The loss chart: loss per iteration on a log scale, drawn by hand on a 2D canvas (no chart library).
 * Each pixel column shows the range (min–max) of the iterations it covers as a faint band and their
 * geometric mean as the line, so thousands of noisy iterations stay readable; decades are ruled and
 * labelled. Redraws only when asked and only when something changed.
 */
export class LossChart {
  private values: number[] = [];
  private dirty = true;
  /** Iteration of values[0] (a resumed run starts above 0). */
  first = 0;

  constructor(readonly canvas: HTMLCanvasElement) {}

  /** Replaces every value (e.g. a resumed run's history). */
  set(values: ArrayLike<number>, first = 0): void {
    this.values = Array.from(values);
    this.first = first;
    this.dirty = true;
  }

  push(v: number): void {
    this.values.push(v);
    this.dirty = true;
  }

  get length(): number {
    return this.values.length;
  }

  /** Draws if anything changed since the last draw (or `force`). */
  draw(force = false): void {
    const c = this.canvas;
    const dpr = globalThis.devicePixelRatio || 1;
    const cssW = c.clientWidth || 300, cssH = c.clientHeight || 120;
    const W = Math.round(cssW * dpr), H = Math.round(cssH * dpr);
    if (c.width !== W || c.height !== H) {
      c.width = W;
      c.height = H;
      force = true;
    }
    if (!this.dirty && !force) return;
    this.dirty = false;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    ctx.font = '10px system-ui, sans-serif';
    const left = 34, right = 6, top = 6, bottom = 16;
    const pw = cssW - left - right, ph = cssH - top - bottom;
    const v = this.values.filter((x) => x > 0 && Number.isFinite(x));
    ctx.fillStyle = '#888';
    if (v.length < 2 || pw < 10 || ph < 10) {
      ctx.fillText(v.length ? `loss ${fmt(v[v.length - 1]!)}` : 'loss (log scale) appears here while training', left, top + 12);
      return;
    }
    let lo = Infinity, hi = -Infinity;
    for (const x of v) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    const d0 = Math.floor(Math.log10(lo)), d1 = Math.max(d0 + 1, Math.ceil(Math.log10(hi)));
    const y = (x: number) => top + ph * (1 - (Math.log10(x) - d0) / (d1 - d0));
    // decades (and 2×, 5× when there are few)
    ctx.strokeStyle = '#e4e4e4';
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let d = d0; d <= d1; d++) {
      for (const m of d1 - d0 <= 2 ? [1, 2, 5] : [1]) {
        const val = m * 10 ** d;
        if (val > 10 ** d1 * 1.0001) continue;
        const yy = Math.round(y(val)) + 0.5;
        ctx.strokeStyle = m === 1 ? '#d6d6d6' : '#eeeeee';
        ctx.beginPath();
        ctx.moveTo(left, yy);
        ctx.lineTo(left + pw, yy);
        ctx.stroke();
        if (m === 1 || d1 - d0 <= 1) ctx.fillText(fmt(val), left - 3, yy);
      }
    }
    // iterations along the bottom
    const n = this.values.length;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    ctx.fillText(String(this.first), left, cssH - 3);
    ctx.textAlign = 'right';
    ctx.fillText(`iteration ${this.first + n - 1}`, left + pw, cssH - 3);
    // per pixel column: min–max band and geometric mean
    const cols = Math.max(1, Math.min(Math.floor(pw), n));
    const band: { x: number; mn: number; g: number; mx: number }[] = [];
    for (let i = 0; i < cols; i++) {
      const a = Math.floor((i * n) / cols), b = Math.max(a + 1, Math.floor(((i + 1) * n) / cols));
      let mn = Infinity, mx = -Infinity, sl = 0, k = 0;
      for (let j = a; j < b; j++) {
        const x = this.values[j]!;
        if (!(x > 0) || !Number.isFinite(x)) continue;
        if (x < mn) mn = x;
        if (x > mx) mx = x;
        sl += Math.log(x);
        k++;
      }
      if (k) band.push({ x: left + ((i + 0.5) * pw) / cols, mn, g: Math.exp(sl / k), mx });
    }
    ctx.fillStyle = 'rgba(52, 120, 246, 0.18)';
    ctx.beginPath();
    band.forEach((b, i) => (i ? ctx.lineTo(b.x, y(b.mn)) : ctx.moveTo(b.x, y(b.mn))));
    for (let i = band.length - 1; i >= 0; i--) ctx.lineTo(band[i]!.x, y(band[i]!.mx));
    ctx.closePath();
    ctx.fill();
    ctx.strokeStyle = '#2f6fe0';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    band.forEach((b, i) => (i ? ctx.lineTo(b.x, y(b.g)) : ctx.moveTo(b.x, y(b.g))));
    ctx.stroke();
  }
}

/** 0.0123 → "0.0123", 1.2e-5 → "1.2e-5". */
function fmt(x: number): string {
  if (x >= 0.001 && x < 1000) return String(Number(x.toPrecision(3)));
  const [m, e] = x.toExponential(1).split('e');
  return `${m!.replace(/\.0$/, '')}e${Number(e)}`;
}
