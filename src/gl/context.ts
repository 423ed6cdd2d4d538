/**
 * WebGL2 context creation and the capability check every nca-gl object runs first.
 * What is missing is named in one clear error instead of surfacing later as a black canvas.
 */
import { NcaGlError } from '../errors';

export type StorageFormat = 'rgba32f' | 'rgba16f';

export interface Capabilities {
  renderer: string;
  vendor: string;
  maxTextureSize: number;
  maxArrayLayers: number;
  maxDrawBuffers: number;
  maxColorAttachments: number;
  maxUniformBlockSize: number;
  maxFragmentUniformVectors: number;
  /** RGBA32F render targets (EXT_color_buffer_float). */
  float32Render: boolean;
  /** RGBA16F render targets (EXT_color_buffer_float or EXT_color_buffer_half_float). */
  float16Render: boolean;
  /** Additive blending into float32 targets (EXT_float_blend). */
  floatBlend: boolean;
  /** GPU timer queries (EXT_disjoint_timer_query_webgl2). */
  timerQuery: boolean;
}

export interface Requirements {
  /** Storage format of the state. Training needs rgba32f; inference can fall back to rgba16f. */
  format: StorageFormat;
  /** Render targets written by one pass (4 for inference, 8 for training). */
  drawBuffers: number;
  /** Texture size needed, in texels on a side. */
  textureSize?: number;
}

export type ContextTarget = HTMLCanvasElement | OffscreenCanvas | WebGL2RenderingContext;

export const CONTEXT_ATTRIBUTES: WebGLContextAttributes = {
  alpha: true,
  antialias: false,
  depth: false,
  stencil: false,
  premultipliedAlpha: true,
  preserveDrawingBuffer: true,
  powerPreference: 'high-performance',
};

function isGL2(x: unknown): x is WebGL2RenderingContext {
  return typeof WebGL2RenderingContext !== 'undefined' && x instanceof WebGL2RenderingContext;
}

/** A WebGL2 context from a canvas (created with nca-gl's attributes) or a context given as is. */
export function acquireContext(target: ContextTarget): WebGL2RenderingContext {
  if (isGL2(target)) return target;
  if (!target || typeof (target as HTMLCanvasElement).getContext !== 'function') {
    throw new NcaGlError('bad-argument', 'expected a <canvas>, an OffscreenCanvas or a WebGL2RenderingContext');
  }
  const gl = (target as HTMLCanvasElement).getContext('webgl2', CONTEXT_ATTRIBUTES) as WebGL2RenderingContext | null;
  if (!gl) {
    throw new NcaGlError(
      'no-webgl2',
      'this browser or device does not provide WebGL2 (or the canvas already has another kind of context). ' +
        'nca-gl needs WebGL2: use a current Chrome, Edge, Firefox or Safari, and check that hardware acceleration is on.',
    );
  }
  return gl;
}

const released = new WeakSet<WebGL2RenderingContext>();

/**
 * Gives a context back to the browser now (WEBGL_lose_context), instead of when the canvas is
 * garbage-collected: browsers keep only a few live contexts and evict the oldest beyond that. The
 * canvas cannot get a new context afterwards.
 */
export function releaseContext(gl: WebGL2RenderingContext): void {
  if (gl.isContextLost()) return;
  released.add(gl);
  gl.getExtension('WEBGL_lose_context')?.loseContext();
}

/** True when `releaseContext` gave this context back. */
export function wasReleased(gl: WebGL2RenderingContext): boolean {
  return released.has(gl);
}

/** Reads limits and enables the extensions nca-gl uses (enabling is what getExtension does). */
export function readCapabilities(gl: WebGL2RenderingContext): Capabilities {
  const dbg = gl.getExtension('WEBGL_debug_renderer_info');
  const cbf = gl.getExtension('EXT_color_buffer_float') !== null;
  const cbhf = gl.getExtension('EXT_color_buffer_half_float') !== null;
  const blend = gl.getExtension('EXT_float_blend') !== null;
  const timer = gl.getExtension('EXT_disjoint_timer_query_webgl2') !== null;
  return {
    renderer: String(gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER)),
    vendor: String(gl.getParameter(dbg ? dbg.UNMASKED_VENDOR_WEBGL : gl.VENDOR)),
    maxTextureSize: gl.getParameter(gl.MAX_TEXTURE_SIZE) as number,
    maxArrayLayers: gl.getParameter(gl.MAX_ARRAY_TEXTURE_LAYERS) as number,
    maxDrawBuffers: gl.getParameter(gl.MAX_DRAW_BUFFERS) as number,
    maxColorAttachments: gl.getParameter(gl.MAX_COLOR_ATTACHMENTS) as number,
    maxUniformBlockSize: gl.getParameter(gl.MAX_UNIFORM_BLOCK_SIZE) as number,
    maxFragmentUniformVectors: gl.getParameter(gl.MAX_FRAGMENT_UNIFORM_VECTORS) as number,
    float32Render: cbf,
    float16Render: cbf || cbhf,
    floatBlend: blend,
    timerQuery: timer,
  };
}

/** Throws one `missing-capability` error listing everything `req` needs that `caps` lacks. */
export function requireCapabilities(caps: Capabilities, req: Requirements): void {
  const missing: string[] = [];
  if (req.format === 'rgba32f' && !caps.float32Render) {
    missing.push('EXT_color_buffer_float (rendering to 32-bit float textures, where the CA state and gradients live)');
  }
  if (req.format === 'rgba16f' && !caps.float16Render) {
    missing.push('EXT_color_buffer_half_float or EXT_color_buffer_float (rendering to 16-bit float textures)');
  }
  const db = Math.min(caps.maxDrawBuffers, caps.maxColorAttachments);
  if (db < req.drawBuffers) missing.push(`${req.drawBuffers} simultaneous render targets (this device has ${db})`);
  if (req.textureSize && caps.maxTextureSize < req.textureSize) {
    missing.push(`textures of ${req.textureSize} texels on a side (this device allows ${caps.maxTextureSize})`);
  }
  if (missing.length > 0) {
    throw new NcaGlError(
      'missing-capability',
      `this WebGL2 device (${caps.renderer}) lacks what nca-gl needs: ${missing.join('; ')}. ` +
        'Try a desktop Chrome, Edge or Firefox with hardware acceleration on' +
        (req.format === 'rgba32f' ? ', or run the model for inference only (it can fall back to half floats).' : '.'),
    );
  }
}

/** The state format to use: float32 when it renders, else float16 where allowed. */
export function chooseFormat(caps: Capabilities, allowHalf: boolean): StorageFormat {
  if (caps.float32Render) return 'rgba32f';
  if (allowHalf && caps.float16Render) return 'rgba16f';
  return 'rgba32f'; // requireCapabilities then names what is missing
}

/**
 * How the tiles of a batch of grids are laid out in an atlas texture (engine/layout.ts): 'rows'
 * (tiles side by side, the next row when the texture's width is full) or 'columns' (stacked).
 */
export type AtlasOrder = 'rows' | 'columns';

/**
 * The atlas order that runs fastest on `caps`'s renderer. Measured with the bench's `reduced`
 * training config (4 grids of 40×40) on a 2-core machine: llvmpipe splits a draw among its threads
 * by 64×64 squares of the render target and the backward pass's targets are packed along x, so
 * stacked tiles keep them several squares high (columns 0.36 it/s, rows 0.33); SwiftShader runs
 * short rows slowly (columns 0.14 it/s, rows 0.17). GPUs: rows, as before (not measured).
 */
export function preferredAtlasOrder(caps: Capabilities): AtlasOrder {
  return /llvmpipe/i.test(caps.renderer) ? 'columns' : 'rows';
}

/**
 * The side of the squares among which `caps`'s renderer shares a draw between its threads, when
 * small atlases should be spread over several of them (layout.ts spreadRows); 0: don't. llvmpipe
 * bins every draw by 64×64 pixels and hands the bins to its threads (one per CPU core); GPUs and
 * SwiftShader need no help.
 */
export function preferredRasterTile(caps: Capabilities): number {
  return /llvmpipe/i.test(caps.renderer) ? 64 : 0;
}

/** Where the MLP passes read their weights: a texture, or uniform buffers mirrored from it. */
export type ParamStorage = 'texture' | 'uniform-buffer';

/**
 * The weight storage that runs fastest on `caps`'s renderer. Measured (bench/, README
 * "Performance"): on llvmpipe every fragment reading the same uniform is one scalar load while a
 * texel fetch is a per-lane gather; SwiftShader is the opposite (uniform-buffer weights ran the
 * forward MLP 2× slower there). GPUs read uniform buffers through their constant caches.
 */
export function preferredParamStorage(caps: Capabilities): ParamStorage {
  if (!caps.float32Render) return 'texture';
  return /swiftshader/i.test(caps.renderer) ? 'texture' : 'uniform-buffer';
}
