/**
 * Where the MLP passes read the weights. The parameter texture (layout.ts, paramLayout) is always
 * the one the trainer writes; with the 'uniform-buffer' storage the runtime mirrors two rectangles
 * of it into uniform buffers that glsl/common/mlp.glsl reads instead (PARAMS_UBO):
 *   ParamsW0  rows [0, hidden/4), columns [0, PERCEPTION]      (w0 | b0)
 *   ParamsW1  rows [hidden/4, hidden/4 + 4), columns [0, hidden] (w1 | b1)
 * Which storage is faster depends on the renderer (Runtime.paramStorage); both compute the same
 * products in the same order, so results are identical.
 */
import type { Defines } from '../gl/program';
import type { Runtime, TextureBlock } from '../gl/runtime';
import { PERCEPTION } from './model';

export interface ParamPasses {
  /** Defines for the passes that multiply by the weights (with ruleDefines, which sets PERCEPTION). */
  defines: Defines;
  /** Uniform blocks for Runtime.program (empty with texture storage). */
  blocks: TextureBlock[];
}

/** Byte sizes of the two uniform blocks for `hidden` units. */
export function paramBlockBytes(hidden: number): [number, number] {
  return [(hidden / 4) * (PERCEPTION + 1) * 16, 4 * (hidden + 1) * 16];
}

/** How the MLP passes of a model with `hidden` units read their weights on `rt`. */
export function paramPasses(rt: Runtime, hidden: number): ParamPasses {
  const fits = paramBlockBytes(hidden).every((b) => b <= rt.caps.maxUniformBlockSize);
  const ubo = rt.paramStorage === 'uniform-buffer' && fits;
  const defines: Defines = { PARAMS_UBO: ubo };
  if (!ubo) return { defines, blocks: [] };
  const h4 = hidden / 4;
  return {
    defines,
    blocks: [
      { block: 'ParamsW0', from: 'u_params', rect: [0, 0, PERCEPTION + 1, h4] },
      { block: 'ParamsW1', from: 'u_params', rect: [0, h4, hidden + 1, 4] },
    ],
  };
}
