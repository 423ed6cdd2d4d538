/**
 * Area-averaging (box filter) resampling of 4-channel images, pure and deterministic.
 *
 * Each output pixel is the average of the input over the rectangle it covers, each input pixel
 * weighted by the exact area of overlap. Overlaps are computed in integers (input pixel x covers
 * [x·dw, (x+1)·dw), output pixel X covers [X·sw, (X+1)·sw) on a common grid), so the weights are
 * exact rationals and the result does not depend on the platform. Integer downscale factors give
 * plain block means, integer upscale factors plain pixel replication (pixel art stays crisp).
 *
 * Run it on premultiplied colour: a transparent pixel then adds nothing to its neighbours' colour
 * (straight colour would bleed its usually black RGB into the edges as a dark fringe).
 */

/** For each output index, the input indices it covers and their weights (summing to 1). */
function axisWeights(src: number, dst: number): { start: Int32Array; count: Int32Array; weight: Float64Array } {
  const start = new Int32Array(dst);
  const count = new Int32Array(dst);
  const parts: number[] = [];
  for (let X = 0; X < dst; X++) {
    const lo = X * src; // output interval [lo, hi) in units of 1/(src·dst) of the image
    const hi = lo + src;
    const first = Math.floor(lo / dst);
    const last = Math.ceil(hi / dst) - 1;
    start[X] = first;
    count[X] = last - first + 1;
    for (let x = first; x <= last; x++) {
      const overlap = Math.min(hi, (x + 1) * dst) - Math.max(lo, x * dst);
      parts.push(overlap / src);
    }
  }
  return { start, count, weight: Float64Array.from(parts) };
}

/**
 * Resamples a `sw`×`sh` image of 4 channels per pixel ([y][x][4], row 0 at the top) to `dw`×`dh`
 * by area averaging. Returns float64 values.
 */
export function resampleArea(src: ArrayLike<number>, sw: number, sh: number, dw: number, dh: number): Float64Array {
  if (src.length !== sw * sh * 4) throw new RangeError(`resampleArea: ${src.length} values for ${sw}×${sh}×4`);
  // horizontal pass: sh rows of dw pixels
  const wx = axisWeights(sw, dw);
  const tmp = new Float64Array(sh * dw * 4);
  for (let y = 0; y < sh; y++) {
    let k = 0;
    for (let X = 0; X < dw; X++) {
      let r = 0, g = 0, b = 0, a = 0;
      const n = wx.count[X]!;
      for (let j = 0; j < n; j++) {
        const w = wx.weight[k++]!;
        const s = (y * sw + wx.start[X]! + j) * 4;
        r += w * src[s]!;
        g += w * src[s + 1]!;
        b += w * src[s + 2]!;
        a += w * src[s + 3]!;
      }
      const d = (y * dw + X) * 4;
      tmp[d] = r;
      tmp[d + 1] = g;
      tmp[d + 2] = b;
      tmp[d + 3] = a;
    }
  }
  // vertical pass
  const wy = axisWeights(sh, dh);
  const out = new Float64Array(dh * dw * 4);
  let k = 0;
  for (let Y = 0; Y < dh; Y++) {
    const n = wy.count[Y]!;
    for (let j = 0; j < n; j++) {
      const w = wy.weight[k++]!;
      const row = (wy.start[Y]! + j) * dw * 4;
      const o = Y * dw * 4;
      for (let i = 0; i < dw * 4; i++) out[o + i] += w * tmp[row + i]!;
    }
  }
  return out;
}
