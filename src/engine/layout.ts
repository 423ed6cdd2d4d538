/**
 * How tensors sit in textures. Everything the shaders assume about layout is decided here and
 * mirrored in glsl/common/layout.glsl.
 *
 * Orientation: image row 0 is the TOP row. Texture row 0 holds image row 0 (uploads and readbacks
 * keep the order), so the only flip happens when drawing to a canvas, whose row 0 is at the bottom.
 *
 * State: a batch of B grids, H × W cells, 16 channels, lives in one RGBA texture array of 4 layers;
 * layer q holds channels 4q..4q+3. Each layer is an atlas of the B grids as tiles: grid b sits at
 * tile (b mod tilesX, floor(b / tilesX)), cell (x, y) at texel (tx·W + x, ty·H + y). One draw thus
 * updates the whole batch, and a pool of 1024 grids fits in 4 layers (layer counts are capped at
 * 2048 on common GPUs). Texels of tiles past the last grid are kept at zero.
 *
 * Order (Runtime.atlasOrder, chosen per renderer by gl/context.ts preferredAtlasOrder): 'rows' fills a
 * row of tiles first (tilesX = B while the texture is wide enough), 'columns' stacks them (tilesY = B
 * while it is tall enough; llvmpipe, whose threads split a draw by 64×64 squares of the render target,
 * so that targets packed along x stay several squares high). Host arrays and files do not depend
 * on it.
 *
 * Row offset (Runtime.rasterTile, also per renderer): llvmpipe's threads share a draw by 64×64
 * squares, so an atlas that fits in one square (a single 64×64 grid, two 32×32 grids) runs on one
 * thread. Such atlases start at texel row `row0` instead of 0 (spreadRows), chosen so that their
 * rows fall evenly into squares for the renderer's threads: a 64-row atlas at row 32 is two squares
 * of 32 rows (atlases of as many squares as threads stay at row 0). The textures are then `row0 + atlasHeight` rows tall; rows above row0 and below the
 * atlas are padding no pass reads or writes (draws cover rows [row0, row0 + atlasHeight) only,
 * GpuTexture.rows).
 *
 * Per-cell intermediates (perception, hidden activations, gradients) use the same atlas with more
 * layers: layer k holds values 4k..4k+3 of the vector at each cell.
 *
 * Host arrays of state are [batch][y][x][channel] float32, row 0 at the top.
 */
import { check } from '../errors';
import type { AtlasOrder } from '../gl/context';
import type { Runtime } from '../gl/runtime';
import type { GpuTexture, TexFormat } from '../gl/texture';
import { CHANNELS, hasOutputBias, PERCEPTION, type Rule, type Weights } from './model';

export interface Atlas {
  /** Grid width and height in cells. */
  width: number;
  height: number;
  batch: number;
  tilesX: number;
  tilesY: number;
  /** Atlas size in texels (the rows the grids use). */
  atlasWidth: number;
  atlasHeight: number;
  /** Texture row of the atlas's first row (0 unless spread over the renderer's squares). */
  row0: number;
  /** Texture height: row0 + atlasHeight. */
  texHeight: number;
}

/**
 * The first texture row for an atlas of `rows` rows so that a renderer splitting draws by squares of
 * `tile` rows among `threads` threads (taking the next square as each finishes, in row order) has
 * the shortest longest share; ties go to the smaller offset. Only atlases of fewer squares than
 * threads move: on llvmpipe (2 cores) a 64-row atlas at row 32 trained 1.5× faster than at row 0,
 * but a 160-row one (3 squares) at row 48 (16/64/64/16) trained 10 % slower than at row 0 — the
 * extra, partly covered squares cost more than the better balance gains. `tile` = 0: row 0.
 */
export function spreadRows(rows: number, tile: number, threads: number): number {
  if (tile <= 0 || threads < 2 || Math.ceil(rows / tile) >= threads) return 0;
  let best = 0;
  let bestSpan = Infinity;
  for (let r0 = 0; r0 < tile; r0++) {
    const free = new Array<number>(threads).fill(0);
    for (let y = Math.floor(r0 / tile) * tile; y < r0 + rows; y += tile) {
      const n = Math.min(y + tile, r0 + rows) - Math.max(y, r0);
      const k = free.indexOf(Math.min(...free));
      free[k]! += n;
    }
    const span = Math.max(...free);
    if (span < bestSpan) {
      bestSpan = span;
      best = r0;
    }
  }
  return best;
}

/** How a batch is placed in textures: tile order, and the renderer's thread squares (0: none). */
export interface Placement {
  order?: AtlasOrder;
  /** Side of the squares the renderer's threads share a draw by (Runtime.rasterTile); 0: none. */
  tile?: number;
  /** The renderer's threads (Runtime.rasterThreads). */
  threads?: number;
}

/** How many tiles across and down a batch of grids takes in `order`, and the atlas size. No checks. */
export function atlasTiles(width: number, height: number, batch: number, maxTextureSize: number, place: Placement = {}): Omit<Atlas, 'width' | 'height' | 'batch'> {
  const order = place.order ?? 'rows';
  let tilesX: number;
  let tilesY: number;
  if (order === 'columns') {
    tilesY = Math.max(1, Math.min(batch, Math.floor(maxTextureSize / height)));
    tilesX = Math.ceil(batch / tilesY);
  } else {
    tilesX = Math.max(1, Math.min(batch, Math.floor(maxTextureSize / width)));
    tilesY = Math.ceil(batch / tilesX);
  }
  const atlasHeight = tilesY * height;
  let row0 = spreadRows(atlasHeight, place.tile ?? 0, place.threads ?? 1);
  if (row0 + atlasHeight > maxTextureSize) row0 = 0;
  return { tilesX, tilesY, atlasWidth: tilesX * width, atlasHeight, row0, texHeight: row0 + atlasHeight };
}

export function makeAtlas(width: number, height: number, batch: number, maxTextureSize: number, place: Placement = {}): Atlas {
  const t = atlasTiles(width, height, batch, maxTextureSize, place);
  check(
    t.atlasWidth <= maxTextureSize && t.texHeight <= maxTextureSize,
    `a batch of ${batch} grids of ${width}×${height} needs a ${t.atlasWidth}×${t.texHeight} texture, over this GPU's limit of ${maxTextureSize}: use a smaller batch or grid`,
  );
  return { width, height, batch, ...t };
}

/** Texel coordinates of cell (x, y) of grid b. */
export function atlasTexel(a: Atlas, b: number, x: number, y: number): [number, number] {
  return [(b % a.tilesX) * a.width + x, a.row0 + Math.floor(b / a.tilesX) * a.height + y];
}

/**
 * A texture holding a per-cell tensor of `a` in `layers` layers, `pack` cells to a texel along x
 * (packed.glsl); draws into it cover the atlas's rows only.
 */
export function atlasTexture(rt: Runtime, a: Atlas, layers: number, format: TexFormat, label: string, pack = 1): GpuTexture {
  return rt.texture(Math.ceil(a.atlasWidth / pack), a.texHeight, layers, format, label, { rows: [a.row0, a.atlasHeight] });
}

/** Number of floats in a host state array. */
export function stateLength(a: Atlas): number {
  return a.batch * a.height * a.width * CHANNELS;
}

/**
 * Host state [b][y][x][c] → texture-array upload data: `layers` RGBA layers of the atlas,
 * layer-major, rows in order. With `channels` = 16 that is the 4-layer state.
 */
export function packCells(a: Atlas, src: ArrayLike<number>, channels = CHANNELS): Float32Array {
  const layers = channels / 4;
  const aw = a.atlasWidth;
  const ah = a.texHeight;
  const out = new Float32Array(layers * aw * ah * 4);
  for (let b = 0; b < a.batch; b++) {
    for (let y = 0; y < a.height; y++) {
      for (let x = 0; x < a.width; x++) {
        const [tx, ty] = atlasTexel(a, b, x, y);
        const s = ((b * a.height + y) * a.width + x) * channels;
        for (let l = 0; l < layers; l++) {
          const d = ((l * ah + ty) * aw + tx) * 4;
          out[d] = src[s + 4 * l]!;
          out[d + 1] = src[s + 4 * l + 1]!;
          out[d + 2] = src[s + 4 * l + 2]!;
          out[d + 3] = src[s + 4 * l + 3]!;
        }
      }
    }
  }
  return out;
}

/** Inverse of packCells. */
export function unpackCells(a: Atlas, src: Float32Array, channels = CHANNELS): Float32Array {
  const layers = channels / 4;
  const aw = a.atlasWidth;
  const ah = a.texHeight;
  const out = new Float32Array(a.batch * a.height * a.width * channels);
  for (let b = 0; b < a.batch; b++) {
    for (let y = 0; y < a.height; y++) {
      for (let x = 0; x < a.width; x++) {
        const [tx, ty] = atlasTexel(a, b, x, y);
        const d = ((b * a.height + y) * a.width + x) * channels;
        for (let l = 0; l < layers; l++) {
          const s = ((l * ah + ty) * aw + tx) * 4;
          out[d + 4 * l] = src[s]!;
          out[d + 4 * l + 1] = src[s + 1]!;
          out[d + 4 * l + 2] = src[s + 2]!;
          out[d + 4 * l + 3] = src[s + 3]!;
        }
      }
    }
  }
  return out;
}

/**
 * Parameters: all tensors of a model in one RGBA32F 2D texture, so forward, backward and Adam each
 * bind one texture. A matrix M (out × in) with its bias b is stored with `out/4` rows of `in + 1`
 * texels: texel (i, r) = (M[4r][i], M[4r+1][i], M[4r+2][i], M[4r+3][i]) for i < in, and texel
 * (in, r) = (b[4r], …, b[4r+3]). Then a layer's output quad r is Σ_i texel(i, r)·x_i + texel(in, r),
 * and the transposed product reads the same texels.
 *   rows [0, hidden/4):            w0 | b0   (in = 48)
 *   rows [hidden/4, hidden/4 + 4): w1 | b1   (in = hidden; b1 is zero for a rule without one)
 * Unused texels are zero.
 */
export interface ParamLayout {
  hidden: number;
  width: number;
  height: number;
  /** First row of w1. */
  w1Row: number;
}

export function paramLayout(hidden: number): ParamLayout {
  return { hidden, width: Math.max(PERCEPTION + 1, hidden + 1), height: hidden / 4 + CHANNELS / 4, w1Row: hidden / 4 };
}

/** Weights → RGBA texel data of the parameter texture. */
export function packParams(pl: ParamLayout, w: Weights): Float32Array {
  const out = new Float32Array(pl.width * pl.height * 4);
  const put = (m: Float32Array, bias: Float32Array | undefined, rows: number, cols: number, row0: number) => {
    for (let o = 0; o < rows; o++) {
      const r = row0 + (o >> 2);
      const k = o & 3;
      for (let i = 0; i < cols; i++) out[(r * pl.width + i) * 4 + k] = m[o * cols + i]!;
      if (bias) out[(r * pl.width + cols) * 4 + k] = bias[o]!;
    }
  };
  put(w.w0, w.b0, pl.hidden, PERCEPTION, 0);
  put(w.w1, w.b1, CHANNELS, pl.hidden, pl.w1Row);
  return out;
}

/** Parameter texture data → weights of `rule` (with b1 when the rule has it: hasOutputBias). */
export function unpackParams(pl: ParamLayout, rule: Rule, data: Float32Array, outputBias = false): Weights {
  const get = (rows: number, cols: number, row0: number) => {
    const m = new Float32Array(rows * cols);
    const b = new Float32Array(rows);
    for (let o = 0; o < rows; o++) {
      const r = row0 + (o >> 2);
      const k = o & 3;
      for (let i = 0; i < cols; i++) m[o * cols + i] = data[(r * pl.width + i) * 4 + k]!;
      b[o] = data[(r * pl.width + cols) * 4 + k]!;
    }
    return { m, b };
  };
  const l0 = get(pl.hidden, PERCEPTION, 0);
  const l1 = get(CHANNELS, pl.hidden, pl.w1Row);
  const w: Weights = { w0: l0.m, b0: l0.b, w1: l1.m };
  if (hasOutputBias({ rule, outputBias })) w.b1 = l1.b;
  return w;
}
