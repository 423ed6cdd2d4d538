/**
 * The GL runtime every nca-gl object is built on: the context and its capabilities, textures,
 * cached programs and framebuffers, and `run`, the one function that executes any pass.
 *
 * A pass is a fragment shader run over a rectangle of one or more render targets (layers of
 * texture arrays or 2D textures, up to 8 at once). Inputs and parameters are uniforms bound by
 * name. Every GL object the runtime makes is tracked and freed by `dispose()`.
 */
import { createUniformSetters, setUniforms } from 'twgl.js';
import { NcaGlError } from '../errors';
import {
  acquireContext,
  chooseFormat,
  type Capabilities,
  type ContextTarget,
  readCapabilities,
  requireCapabilities,
  type AtlasOrder,
  type ParamStorage,
  preferredAtlasOrder,
  preferredRasterTile,
  preferredParamStorage,
  type StorageFormat,
  wasReleased,
} from './context';
import { assemble, type Defines, linkProgram } from './program';
import { FORMAT_INFO, GpuTexture, halfToFloat, type TexFormat } from './texture';

export { type AtlasOrder, type ParamStorage, preferredAtlasOrder, preferredParamStorage, preferredRasterTile } from './context';

export { GpuTexture, halfToFloat, type TexFormat } from './texture';

const SAMPLER_TYPES = new Set([
  0x8b5e /* SAMPLER_2D */, 0x8dc1 /* SAMPLER_2D_ARRAY */, 0x8b5f /* SAMPLER_3D */, 0x8b60 /* SAMPLER_CUBE */,
  0x8dca /* INT_SAMPLER_2D */, 0x8dcf /* INT_SAMPLER_2D_ARRAY */, 0x8dd2 /* UNSIGNED_INT_SAMPLER_2D */, 0x8dd7 /* UNSIGNED_INT_SAMPLER_2D_ARRAY */,
]);


/** One render target: a layer of a texture array, or a 2D texture. */
export interface Target {
  tex: GpuTexture;
  layer?: number;
}

/**
 * A uniform block a pass reads, kept as a mirror of a rectangle of one of its texture uniforms:
 * the rectangle's RGBA32F texels, row by row, as a std140 `vec4` array. The runtime copies the
 * rectangle into a uniform buffer (readPixels into a PIXEL_PACK_BUFFER, on the GPU) whenever the
 * texture has changed since the last copy, and binds it before the draw.
 */
export interface TextureBlock {
  /** Name of the uniform block in the shader. */
  block: string;
  /** Name of the sampler uniform whose texture the block mirrors. */
  from: string;
  /** [x, y, width, height] in texels. */
  rect: [number, number, number, number];
}

interface BlockBinding extends TextureBlock {
  binding: number;
}

interface Mirror {
  buffer: WebGLBuffer;
  /** The texture version it holds (GpuTexture.version). */
  version: number;
}

export interface PassProgram {
  name: string;
  program: WebGLProgram;
  /** twgl's uniform setters by name (typed here so the declarations do not need twgl.js, which is bundled). */
  setters: Record<string, (value: unknown) => void>;
  /** Uniform blocks mirrored from textures (TextureBlock), with their binding points. */
  blocks: BlockBinding[];
  /** Sampler uniforms: each is bound on every draw (to null when not given), so a sampler never
   * aliases another sampler's texture unit or a leftover texture from an earlier pass. */
  samplers: string[];
  /**
   * Every uniform the linked program reads (samplers included; not those in uniform blocks): a draw
   * whose uniforms lack one of them is refused, naming it, since WebGL would read it as 0 without a
   * word (a renamed or forgotten uniform).
   */
  uniforms: string[];
}

/** A uniform's value; `null` for a sampler the pass declares but this draw does not read (no texture). */
export type UniformValue = number | boolean | number[] | Float32Array | Int32Array | Uint32Array | GpuTexture | null;
export type Uniforms = Record<string, UniformValue>;

export interface RunOptions {
  targets: Target[];
  uniforms?: Uniforms;
  /** [x, y, width, height] in texels of the targets; the whole target by default. */
  viewport?: [number, number, number, number];
}

/** Optional hook around every pass (the profiler). */
export interface PassHook {
  begin(name: string): void;
  end(name: string): void;
}

export interface RuntimeOptions {
  /**
   * Check gl.getError() after every pass and throw naming the pass (slow: it syncs), and refuse
   * uniforms no compiled pass declares (stale names).
   */
  debug?: boolean;
  /** Let inference fall back to RGBA16F state where float32 targets are missing. */
  allowHalfFloat?: boolean;
  /** Render targets the caller will write at once (8 for training). */
  drawBuffers?: number;
  /**
   * Where MLP passes read their weights (default 'auto': uniform buffers, except on SwiftShader,
   * where texture fetches are faster, and where float32 readback or large enough blocks are missing).
   */
  paramStorage?: ParamStorage | 'auto';
  /** How batches of grids are laid out in atlas textures (default 'auto': per renderer, preferredAtlasOrder). */
  atlasOrder?: AtlasOrder | 'auto';
  /**
   * Side of the squares the renderer's threads share draws by, over which small atlases are spread
   * (default 'auto': preferredRasterTile, 64 on llvmpipe, else 0 = no spreading).
   */
  rasterTile?: number | 'auto';
}

export class Runtime {
  readonly gl: WebGL2RenderingContext;
  readonly caps: Capabilities;
  readonly format: StorageFormat;
  debug: boolean;
  hook: PassHook | null = null;
  private readonly textures = new Set<GpuTexture>();
  private readonly programs = new Map<string, PassProgram>();
  private readonly fbos = new Map<string, WebGLFramebuffer>();
  private readonly fboKeysByTexture = new Map<number, string[]>();
  private readonly vao: WebGLVertexArrayObject;
  private readonly buffers = new Set<WebGLBuffer>();
  /** Uniform-buffer mirrors of textures: texture id → rectangle → mirror. */
  private readonly mirrors = new Map<number, Map<string, Mirror>>();
  /** Where MLP passes read their weights (RuntimeOptions.paramStorage). */
  readonly paramStorage: ParamStorage;
  /** How batches of grids are laid out in atlas textures (RuntimeOptions.atlasOrder). */
  readonly atlasOrder: AtlasOrder;
  /** Squares the renderer's threads share a draw by (RuntimeOptions.rasterTile); 0: none. */
  readonly rasterTile: number;
  /** Threads the renderer shares a draw among (its CPU cores for a software renderer). */
  readonly rasterThreads: number;
  private disposed = false;
  private readonly values: Record<string, unknown> = {};
  /** Every uniform some compiled pass of this runtime declares, and every block's source texture key. */
  private readonly known = new Set<string>();

  constructor(target: ContextTarget, opts: RuntimeOptions = {}) {
    this.gl = acquireContext(target);
    if (this.gl.isContextLost()) {
      throw new NcaGlError(
        'context-lost',
        wasReleased(this.gl)
          ? "this canvas's WebGL2 context was released by dispose() of an earlier engine (option 'releaseContext'): use a new canvas, or create that engine with releaseContext: false"
          : 'the WebGL2 context is lost; wait for it to be restored or use a new canvas',
      );
    }
    this.caps = readCapabilities(this.gl);
    this.format = chooseFormat(this.caps, opts.allowHalfFloat ?? false);
    requireCapabilities(this.caps, { format: this.format, drawBuffers: opts.drawBuffers ?? 4 });
    this.debug = opts.debug ?? false;
    const ps = opts.paramStorage ?? 'auto';
    if (ps === 'uniform-buffer' && !this.caps.float32Render) {
      throw new NcaGlError('missing-capability', `paramStorage 'uniform-buffer' needs float32 readback (EXT_color_buffer_float), which this device (${this.caps.renderer}) lacks: use 'texture' or 'auto'`);
    }
    this.paramStorage = ps === 'auto' ? preferredParamStorage(this.caps) : ps;
    const order = opts.atlasOrder ?? 'auto';
    if (order !== 'auto' && order !== 'rows' && order !== 'columns') {
      throw new NcaGlError('bad-argument', `atlasOrder must be 'auto', 'rows' or 'columns', got ${JSON.stringify(order)}`);
    }
    this.atlasOrder = order === 'auto' ? preferredAtlasOrder(this.caps) : order;
    const tile = opts.rasterTile ?? 'auto';
    if (tile !== 'auto' && !(Number.isInteger(tile) && tile >= 0 && tile <= 1024)) {
      throw new NcaGlError('bad-argument', `rasterTile must be 'auto' or an integer 0..1024, got ${JSON.stringify(tile)}`);
    }
    this.rasterTile = tile === 'auto' ? preferredRasterTile(this.caps) : tile;
    const cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : 0;
    this.rasterThreads = Math.max(2, Math.min(16, cores || 2));
    const vao = this.gl.createVertexArray();
    if (!vao) throw new NcaGlError('context-lost', 'could not create a vertex array: the WebGL context is lost');
    this.vao = vao;
    this.checkFloatTargets();
  }

  /** Renders into a tiny texture array of the state format once, so a broken driver fails here, clearly. */
  private checkFloatTargets(): void {
    const t = this.texture(2, 2, 2, this.format, 'capability probe');
    try {
      this.framebuffer([{ tex: t, layer: 1 }]);
    } finally {
      this.free(t);
    }
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** How atlases are placed in this runtime's textures (layout.ts makeAtlas). */
  get placement(): { order: AtlasOrder; tile: number; threads: number } {
    return { order: this.atlasOrder, tile: this.rasterTile, threads: this.rasterThreads };
  }

  private alive(): void {
    if (this.disposed) throw new NcaGlError('disposed', 'this object was disposed; create a new one');
  }

  /**
   * A texture array (layers ≥ 1) or, with `layers` = 0, a plain 2D texture; contents zero.
   * `opts.rows` = [first, count]: the rows draws into it cover by default (an atlas's rows).
   */
  texture(width: number, height: number, layers: number, format: TexFormat, label: string, opts: { rows?: [number, number] } = {}): GpuTexture {
    this.alive();
    const gl = this.gl;
    const info = FORMAT_INFO[format];
    const isArray = layers > 0;
    const target = isArray ? gl.TEXTURE_2D_ARRAY : gl.TEXTURE_2D;
    const max = this.caps.maxTextureSize;
    if (width > max || height > max || layers > this.caps.maxArrayLayers) {
      throw new NcaGlError(
        'missing-capability',
        `'${label}' needs a ${width}×${height}${isArray ? `×${layers}` : ''} texture; this device allows ${max}×${max}×${this.caps.maxArrayLayers}: use a smaller grid or batch`,
      );
    }
    const tex = gl.createTexture();
    if (!tex) throw new NcaGlError('context-lost', `could not create texture '${label}': the WebGL context is lost`);
    gl.bindTexture(target, tex);
    if (isArray) gl.texStorage3D(target, 1, info.internal, width, height, layers);
    else gl.texStorage2D(target, 1, info.internal, width, height);
    // out of memory is the budget's business, not a broken device: say so, with the sizes
    if (gl.getError() === gl.OUT_OF_MEMORY) {
      gl.bindTexture(target, null);
      gl.deleteTexture(tex);
      const mib = (n: number) => `${Math.round(n / 2 ** 20)} MiB`;
      throw new NcaGlError(
        'over-budget',
        `the GPU ran out of memory for '${label}' (${width}×${height}${isArray ? `×${layers}` : ''}, ${mib(width * height * Math.max(1, layers) * info.bytes)}) with ${mib(this.memoryBytes())} already held: use a smaller grid, batch or hidden layer, or a lower memoryBudget`,
      );
    }
    gl.texParameteri(target, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(target, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(target, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(target, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    gl.bindTexture(target, null);
    const t = new GpuTexture(tex, width, height, Math.max(1, layers), format, isArray, label);
    if (opts.rows) t.rows = opts.rows;
    this.textures.add(t);
    // WebGL hands out new textures zeroed; the clear is kept where the format renders, and skipped for
    // rgba32f on devices without float32 render targets (the parameters of a half-float engine)
    if (format !== 'r8' && (format !== 'rgba32f' || this.caps.float32Render)) this.clear(t);
    return t;
  }

  /** Deletes a texture and the framebuffers that used it. */
  free(t: GpuTexture | null | undefined): void {
    if (!t || !this.textures.has(t)) return;
    for (const key of this.fboKeysByTexture.get(t.id) ?? []) {
      const fbo = this.fbos.get(key);
      if (fbo) this.gl.deleteFramebuffer(fbo);
      this.fbos.delete(key);
    }
    this.fboKeysByTexture.delete(t.id);
    for (const m of this.mirrors.get(t.id)?.values() ?? []) this.gl.deleteBuffer(m.buffer);
    this.mirrors.delete(t.id);
    this.gl.deleteTexture(t.texture);
    this.textures.delete(t);
  }

  /**
   * Bytes of GPU memory held by this runtime's textures (what the budget estimates; the uniform
   * buffers that mirror parameter textures, a few KB, are not counted).
   */
  memoryBytes(): number {
    let n = 0;
    for (const t of this.textures) n += t.bytes;
    return n;
  }

  /** Records that `t` was written outside the runtime (direct GL calls), so its mirrors refresh. */
  written(t: GpuTexture): void {
    t.version++;
  }

  /** Uploads float RGBA data into layers [layer0, layer0 + n) of `t` (or into a 2D texture). */
  upload(t: GpuTexture, data: Float32Array, layer0 = 0): void {
    this.alive();
    const gl = this.gl;
    const per = t.width * t.height * 4;
    if (data.length % per !== 0 || data.length === 0) {
      throw new NcaGlError('bad-shape', `upload to '${t.label}' needs a multiple of ${per} floats, got ${data.length}`);
    }
    const n = data.length / per;
    if (layer0 + n > t.layers) throw new NcaGlError('bad-shape', `upload to '${t.label}' overruns its ${t.layers} layers`);
    t.version++;
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4);
    if (t.isArray) {
      gl.bindTexture(gl.TEXTURE_2D_ARRAY, t.texture);
      gl.texSubImage3D(gl.TEXTURE_2D_ARRAY, 0, 0, 0, layer0, t.width, t.height, n, gl.RGBA, gl.FLOAT, data);
      gl.bindTexture(gl.TEXTURE_2D_ARRAY, null);
    } else {
      gl.bindTexture(gl.TEXTURE_2D, t.texture);
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, t.width, t.height, gl.RGBA, gl.FLOAT, data);
      gl.bindTexture(gl.TEXTURE_2D, null);
    }
  }

  /** Reads one layer (or a rectangle of it) back as float RGBA. Synchronous: use outside hot loops. */
  read(t: GpuTexture, layer = 0, rect?: [number, number, number, number]): Float32Array {
    this.alive();
    const gl = this.gl;
    const [x, y, w, h] = rect ?? [0, 0, t.width, t.height];
    gl.bindFramebuffer(gl.READ_FRAMEBUFFER, this.framebuffer([{ tex: t, layer }]));
    gl.readBuffer(gl.COLOR_ATTACHMENT0);
    let out: Float32Array;
    if (t.format === 'r8') {
      const bytes = new Uint8Array(w * h * 4);
      gl.readPixels(x, y, w, h, gl.RGBA, gl.UNSIGNED_BYTE, bytes);
      out = Float32Array.from(bytes, (v) => v / 255);
    } else if (this.caps.float32Render) {
      out = new Float32Array(w * h * 4);
      gl.readPixels(x, y, w, h, gl.RGBA, gl.FLOAT, out);
    } else {
      const halves = new Uint16Array(w * h * 4);
      gl.readPixels(x, y, w, h, gl.RGBA, gl.HALF_FLOAT, halves);
      out = Float32Array.from(halves, halfToFloat);
    }
    gl.bindFramebuffer(gl.READ_FRAMEBUFFER, null);
    return out;
  }

  /** Reads every layer of `t`, layer-major (the inverse of `upload`). */
  readAll(t: GpuTexture): Float32Array {
    const per = t.width * t.height * 4;
    const out = new Float32Array(per * t.layers);
    for (let l = 0; l < t.layers; l++) out.set(this.read(t, l), l * per);
    return out;
  }

  /** Sets every layer of `t` to `value`. */
  clear(t: GpuTexture, value: [number, number, number, number] = [0, 0, 0, 0]): void {
    this.alive();
    const gl = this.gl;
    t.version++;
    for (let l0 = 0; l0 < t.layers; ) {
      const n = Math.min(this.maxTargets, t.layers - l0);
      const targets = Array.from({ length: n }, (_, i) => ({ tex: t, layer: l0 + i }));
      gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, this.framebuffer(targets));
      for (let i = 0; i < n; i++) gl.clearBufferfv(gl.COLOR, i, value);
      l0 += n;
    }
    gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, null);
  }

  get maxTargets(): number {
    return Math.min(8, this.caps.maxDrawBuffers, this.caps.maxColorAttachments);
  }

  /** The cached, completeness-checked framebuffer writing `targets` in order. */
  framebuffer(targets: Target[]): WebGLFramebuffer {
    const key = targets.map((t) => `${t.tex.id}:${t.layer ?? 0}`).join(',');
    let fbo = this.fbos.get(key);
    if (fbo) return fbo;
    const gl = this.gl;
    const w = targets[0]!.tex.width;
    const h = targets[0]!.tex.height;
    for (const t of targets) {
      if (t.tex.width !== w || t.tex.height !== h) {
        throw new NcaGlError('bad-argument', `render targets of one pass must have one size: '${targets[0]!.tex.label}' is ${w}×${h}, '${t.tex.label}' is ${t.tex.width}×${t.tex.height}`);
      }
    }
    const created = gl.createFramebuffer();
    if (!created) throw new NcaGlError('context-lost', 'could not create a framebuffer: the WebGL context is lost');
    fbo = created;
    gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, fbo);
    targets.forEach((t, i) => {
      if (t.tex.isArray) gl.framebufferTextureLayer(gl.DRAW_FRAMEBUFFER, gl.COLOR_ATTACHMENT0 + i, t.tex.texture, 0, t.layer ?? 0);
      else gl.framebufferTexture2D(gl.DRAW_FRAMEBUFFER, gl.COLOR_ATTACHMENT0 + i, gl.TEXTURE_2D, t.tex.texture, 0);
    });
    gl.drawBuffers(targets.map((_, i) => gl.COLOR_ATTACHMENT0 + i));
    const status = gl.checkFramebufferStatus(gl.DRAW_FRAMEBUFFER);
    gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, null);
    if (status !== gl.FRAMEBUFFER_COMPLETE) {
      gl.deleteFramebuffer(fbo);
      throw new NcaGlError(
        'framebuffer-incomplete',
        `cannot render to ${targets.map((t) => `'${t.tex.label}' (${t.tex.format})`).join(', ')}: framebuffer status 0x${status.toString(16)}. ` +
          'This device cannot render to these float textures.',
      );
    }
    this.fbos.set(key, fbo);
    for (const t of targets) {
      const keys = this.fboKeysByTexture.get(t.tex.id) ?? [];
      keys.push(key);
      this.fboKeysByTexture.set(t.tex.id, keys);
    }
    return fbo;
  }

  /**
   * The program for fragment file `file` with `defines`, compiled once and cached. `blocks` are the
   * uniform blocks it reads as mirrors of textures (TextureBlock); each must exist in the shader
   * with exactly the rectangle's size.
   */
  program(file: string, defines: Defines = {}, extra?: Record<string, string>, blocks: TextureBlock[] = []): PassProgram {
    this.alive();
    const key = file + JSON.stringify(defines) + (extra ? JSON.stringify(extra) : '') + (blocks.length ? JSON.stringify(blocks) : '');
    let p = this.programs.get(key);
    if (!p) {
      const name = file.replace(/\.frag$/, '');
      const gl = this.gl;
      const source = assemble(file, defines, extra);
      const program = linkProgram(gl, name, source);
      // declared uniforms (active or not: a variant may not read one its pass declares) for debug's stale-key check
      for (const m of source.source.matchAll(/^\s*uniform\s+(?:(?:lowp|mediump|highp)\s+)?\w+\s+(\w+)/gm)) this.known.add(m[1]!);
      const samplers: string[] = [];
      const uniforms: string[] = [];
      const n = gl.getProgramParameter(program, gl.ACTIVE_UNIFORMS) as number;
      const inBlock = n > 0 ? (gl.getActiveUniforms(program, Array.from({ length: n }, (_, i) => i), gl.UNIFORM_BLOCK_INDEX) as number[]) : [];
      for (let i = 0; i < n; i++) {
        const info = gl.getActiveUniform(program, i);
        if (!info || inBlock[i] !== -1) continue;
        if (SAMPLER_TYPES.has(info.type)) samplers.push(info.name);
        uniforms.push(info.name.replace(/\[0\]$/, ''));
      }
      const bound: BlockBinding[] = [];
      blocks.forEach((b, binding) => {
        const index = gl.getUniformBlockIndex(program, b.block);
        if (index === gl.INVALID_INDEX) return; // declared but unused: the compiler removed it
        const size = gl.getActiveUniformBlockParameter(program, index, gl.UNIFORM_BLOCK_DATA_SIZE) as number;
        const want = b.rect[2] * b.rect[3] * 16;
        if (size !== want) {
          gl.deleteProgram(program);
          throw new NcaGlError('shader-compile', `pass '${name}': uniform block ${b.block} is ${size} bytes, but it mirrors ${b.rect[2]}×${b.rect[3]} texels of ${b.from} (${want} bytes)`);
        }
        gl.uniformBlockBinding(program, index, binding);
        bound.push({ ...b, binding });
      });
      p = { name, program, setters: createUniformSetters(gl, program), samplers, blocks: bound, uniforms };
      this.programs.set(key, p);
      for (const u of uniforms) this.known.add(u);
      for (const b of blocks) this.known.add(b.from);
    }
    return p;
  }

  /**
   * Runs pass `p` into `opts.targets`: one draw of a fullscreen triangle over the viewport (default:
   * the first target's rows, GpuTexture.rows, else all of it).
   */
  run(p: PassProgram, opts: RunOptions): void {
    this.alive();
    const gl = this.gl;
    const first = opts.targets[0]!.tex;
    gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, this.framebuffer(opts.targets));
    const [x, y, w, h] = opts.viewport ?? (first.rows ? [0, first.rows[0], first.width, first.rows[1]] : [0, 0, first.width, first.height]);
    gl.viewport(x, y, w, h);
    this.draw(p, opts.uniforms ?? {});
    for (const t of opts.targets) t.tex.version++;
  }

  /** Runs pass `p` into the canvas (default framebuffer). */
  runToCanvas(p: PassProgram, uniforms: Uniforms, viewport: [number, number, number, number]): void {
    this.alive();
    const gl = this.gl;
    gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, null);
    gl.viewport(...viewport);
    this.draw(p, uniforms);
  }

  private draw(p: PassProgram, uniforms: Uniforms): void {
    const gl = this.gl;
    gl.disable(gl.BLEND);
    gl.disable(gl.DEPTH_TEST);
    gl.disable(gl.SCISSOR_TEST);
    gl.disable(gl.CULL_FACE);
    gl.bindVertexArray(this.vao);
    for (const u of p.uniforms) {
      if (uniforms[u] === undefined) {
        throw new NcaGlError('bad-argument', `pass '${p.name}' reads the uniform '${u}', which was not given (WebGL would read it as 0): pass it in the draw's uniforms`);
      }
    }
    // with debug: a key no compiled pass of this runtime declares is stale (a uniform renamed or removed
    // in GLSL and still set in TS). Passes share uniform objects, so the test is against all passes.
    if (this.debug) {
      for (const k in uniforms) {
        if (!this.known.has(k)) {
          throw new NcaGlError('bad-argument', `pass '${p.name}' was given the uniform '${k}', which no pass of this runtime declares: remove it, or fix its name`);
        }
      }
    }
    gl.useProgram(p.program);
    const values = this.values;
    for (const k in values) delete values[k];
    for (const s of p.samplers) values[s] = null;
    for (const k in uniforms) {
      const v = uniforms[k];
      values[k] = v instanceof GpuTexture ? v.texture : v;
    }
    setUniforms(p.setters, values);
    for (const b of p.blocks) {
      const src = uniforms[b.from];
      if (!(src instanceof GpuTexture)) {
        throw new NcaGlError('bad-argument', `pass '${p.name}' reads uniform block ${b.block} from the texture '${b.from}', which was not given`);
      }
      gl.bindBufferBase(gl.UNIFORM_BUFFER, b.binding, this.mirror(src, b));
    }
    this.hook?.begin(p.name);
    gl.drawArrays(gl.TRIANGLES, 0, 3);
    this.hook?.end(p.name);
    if (this.debug) this.checkError(`pass '${p.name}'`);
  }

  /** The uniform buffer mirroring `b.rect` of `t`, refreshed (on the GPU) if `t` changed since. */
  private mirror(t: GpuTexture, b: TextureBlock): WebGLBuffer {
    const gl = this.gl;
    let byRect = this.mirrors.get(t.id);
    if (!byRect) this.mirrors.set(t.id, (byRect = new Map()));
    const key = b.rect.join(',');
    let m = byRect.get(key);
    if (!m) {
      const buffer = gl.createBuffer();
      if (!buffer) throw new NcaGlError('context-lost', 'could not create a buffer: the WebGL context is lost');
      gl.bindBuffer(gl.PIXEL_PACK_BUFFER, buffer);
      gl.bufferData(gl.PIXEL_PACK_BUFFER, b.rect[2] * b.rect[3] * 16, gl.DYNAMIC_COPY);
      gl.bindBuffer(gl.PIXEL_PACK_BUFFER, null);
      m = { buffer, version: -1 };
      byRect.set(key, m);
    }
    if (m.version !== t.version) {
      const [x, y, w, h] = b.rect;
      gl.bindFramebuffer(gl.READ_FRAMEBUFFER, this.framebuffer([{ tex: t }]));
      gl.readBuffer(gl.COLOR_ATTACHMENT0);
      gl.bindBuffer(gl.PIXEL_PACK_BUFFER, m.buffer);
      gl.readPixels(x, y, w, h, gl.RGBA, gl.FLOAT, 0);
      gl.bindBuffer(gl.PIXEL_PACK_BUFFER, null);
      gl.bindFramebuffer(gl.READ_FRAMEBUFFER, null);
      m.version = t.version;
    }
    return m.buffer;
  }

  /** Throws a `gl-error` naming `where` if the GL error flag is set. Syncs with the GPU. */
  checkError(where: string): void {
    const e = this.gl.getError();
    if (e !== this.gl.NO_ERROR) {
      if (this.gl.isContextLost()) throw new NcaGlError('context-lost', `the WebGL context was lost (at ${where})`);
      throw new NcaGlError('gl-error', `WebGL error 0x${e.toString(16)} after ${where}`);
    }
  }

  /** A GL buffer, tracked for dispose. */
  buffer(): WebGLBuffer {
    this.alive();
    const b = this.gl.createBuffer();
    if (!b) throw new NcaGlError('context-lost', 'could not create a buffer: the WebGL context is lost');
    this.buffers.add(b);
    return b;
  }

  freeBuffer(b: WebGLBuffer): void {
    if (this.buffers.delete(b)) this.gl.deleteBuffer(b);
  }

  /** Frees every GL object this runtime made. The context itself stays usable by its owner. */
  dispose(): void {
    if (this.disposed) return;
    const gl = this.gl;
    for (const t of [...this.textures]) this.free(t);
    for (const fbo of this.fbos.values()) gl.deleteFramebuffer(fbo);
    this.fbos.clear();
    for (const p of this.programs.values()) gl.deleteProgram(p.program);
    this.programs.clear();
    for (const b of this.buffers) gl.deleteBuffer(b);
    this.buffers.clear();
    for (const byRect of this.mirrors.values()) for (const m of byRect.values()) gl.deleteBuffer(m.buffer);
    this.mirrors.clear();
    gl.deleteVertexArray(this.vao);
    this.disposed = true;
  }
}
