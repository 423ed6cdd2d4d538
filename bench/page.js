// The nca-gl side of the benchmark, run inside the page (bench/run.mjs drives it).
// window.ncaBench.forward(cfg) → steps/s; window.ncaBench.train(cfg) → ms per iteration, memory and a
// per-pass GPU profile; window.ncaBench.memory(cfg) → the GPU memory of a trainer, without running
// it. Inputs are deterministic (the library's hash), never Math.random.
(() => {
  const { NcaGl } = window;

  const canvas = () => {
    const c = document.createElement('canvas');
    c.width = c.height = 8;
    return c;
  };

  /** A disc with a colour gradient: the synthetic target of every bench config (premultiplied). */
  function target(size) {
    const t = new Float32Array(size * size * 4);
    const c = (size - 1) / 2;
    const r = size * 0.3;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        if (Math.hypot(x - c, y - c) < r) t.set([0.2 + (0.6 * x) / size, 0.5, 0.8 - (0.6 * y) / size, 1], (y * size + x) * 4);
    return t;
  }

  /** Uniform values in [lo, hi) from the project hash. */
  function uniform(n, seed, lo, hi) {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * (NcaGl.hash.draw24(NcaGl.hash.cellKey(seed, 0, 0xbe7c, 0, i), 0) / 16777216);
    return out;
  }

  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

  async function profileOf(obj, run) {
    if (!obj.rt.caps.timerQuery) return null;
    const p = obj.profile();
    await run();
    const r = await p.collect();
    p.dispose();
    return r.passes.map((x) => ({ name: x.name, calls: x.calls, ms: x.ms }));
  }

  /** Forward CA steps per second (growing rule, every cell alive so every cell does full work). */
  async function forward(cfg) {
    const { size, batch, hidden, steps, repeats } = cfg;
    const weights = NcaGl.initWeights('growing', hidden, 1);
    weights.w1.set(uniform(weights.w1.length, 2, -0.02, 0.02));
    const e = NcaGl.createEngine(canvas(), { rule: 'growing', width: size, height: size, batch, hidden, weights, seed: 1 });
    const n = batch * size * size * 16;
    const s = uniform(n, 3, 0, 1);
    e.setState(s);
    const sync = () => e.rt.read(e.stateTexture, 0, [0, 0, 1, 1]);
    e.step(1);
    sync();
    const times = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      e.step(steps);
      sync();
      times.push((performance.now() - t0) / steps);
    }
    const profile = await profileOf(e, async () => {
      e.step(1);
      sync();
    });
    const out = { msPerStep: median(times), times, renderer: e.renderer, profile };
    e.dispose();
    return out;
  }

  /** The trainer of a bench config (bench/configs.mjs fields, plus an optional checkpointEvery). */
  function trainerFor(cfg) {
    const { rule, batch, size, hidden, steps, lossSteps, loss, normalizeGrads, checkpointEvery } = cfg;
    return NcaGl.createTrainer(canvas(), {
      rule, width: size, height: size, batch, hidden, steps, lossSteps, loss, normalizeGrads, seed: 1,
      target: target(size), checkpointEvery: checkpointEvery ?? 0, rasterTile: cfg.rasterTile ?? 'auto',
    });
  }

  /** trainerFor, started where the config says (`start`: 'target' or the rule's own start, the seed for growing). */
  function startedTrainer(cfg) {
    const tr = trainerFor(cfg);
    const start = cfg.start ?? (cfg.rule === 'seed' ? 'target' : 'seed');
    if (start === 'target') tr.setStart(NcaGl.targetState(target(cfg.size), cfg.batch, cfg.size, cfg.size));
    return tr;
  }

  /** Training: ms per iteration (each awaited, as a training loop reading its loss does). */
  async function train(cfg) {
    const { iterations, warmup } = cfg;
    const tr = startedTrainer(cfg);
    const warm = [];
    for (let i = 0; i < warmup; i++) {
      const t0 = performance.now();
      await tr.step();
      warm.push(performance.now() - t0);
    }
    const times = [];
    const losses = [];
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      losses.push(await tr.step());
      times.push(performance.now() - t0);
    }
    const profile = await profileOf(tr, () => tr.step());
    const out = { msPerIteration: median(times), times, warm, losses, memoryBytes: tr.memoryBytes(), renderer: tr.renderer, profile };
    tr.dispose();
    return out;
  }

  /** GPU memory of a trainer for `cfg` (allocation only: nothing runs). */
  function memory(cfg) {
    const tr = trainerFor(cfg);
    const out = { memoryBytes: tr.memoryBytes(), renderer: tr.renderer };
    tr.dispose();
    return out;
  }

  /**
   * The renderer's peak multiply-add rate (the roofline line): a fragment shader over a 256×256
   * RGBA32F target whose loop does 4 independent vec4 multiply-adds per iteration on values in
   * registers (`alu`), or a mat4×vec4 product with the matrix fetched from a texture (`fetch`, the
   * shape of nca-gl's MLP passes). GFLOP/s = 2 × multiply-adds / time, median of `repeats`.
   */
  function peak(cfg) {
    const { iterations = 512, repeats = 5, size = 256 } = cfg ?? {};
    const c = document.createElement('canvas');
    const gl = c.getContext('webgl2');
    if (!gl || !gl.getExtension('EXT_color_buffer_float')) throw new Error('peak: WebGL2 with float render targets needed');
    const vs = `#version 300 es
void main() { vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2); gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0); }`;
    const fsAlu = `#version 300 es
precision highp float;
uniform int u_n; uniform vec4 u_k;
out vec4 o;
void main() {
  vec4 a = gl_FragCoord.xyxy * 1e-3, b = a + 0.1, d = a + 0.2, e = a + 0.3;
  for (int i = 0; i < u_n; i++) { a = a * u_k + u_k.yzwx; b = b * u_k + u_k.zwxy; d = d * u_k + u_k.wxyz; e = e * u_k + u_k; }
  o = a + b + d + e;
}`;
    const fsFetch = `#version 300 es
precision highp float;
uniform int u_n; uniform highp sampler2D u_w;
out vec4 o;
void main() {
  vec4 a = gl_FragCoord.xyxy * 1e-3, b = a + 0.5;
  for (int i = 0; i < u_n; i++) {
    int r = i & 63;
    mat4 m = mat4(texelFetch(u_w, ivec2(0, r), 0), texelFetch(u_w, ivec2(1, r), 0), texelFetch(u_w, ivec2(2, r), 0), texelFetch(u_w, ivec2(3, r), 0));
    a = m * a + b; b = m * b + a;
  }
  o = a + b;
}`;
    const prog = (fs) => {
      const p = gl.createProgram();
      for (const [type, src] of [[gl.VERTEX_SHADER, vs], [gl.FRAGMENT_SHADER, fs]]) {
        const sh = gl.createShader(type);
        gl.shaderSource(sh, src);
        gl.compileShader(sh);
        if (!gl.getShaderParameter(sh, gl.COMPILE_STATUS)) throw new Error('peak: ' + gl.getShaderInfoLog(sh));
        gl.attachShader(p, sh);
      }
      gl.linkProgram(p);
      if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error('peak: ' + gl.getProgramInfoLog(p));
      return p;
    };
    const tex = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.texStorage2D(gl.TEXTURE_2D, 1, gl.RGBA32F, size, size);
    const fb = gl.createFramebuffer();
    gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tex, 0);
    const w = gl.createTexture();
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, w);
    gl.texStorage2D(gl.TEXTURE_2D, 1, gl.RGBA32F, 4, 64);
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, 4, 64, gl.RGBA, gl.FLOAT, uniform(4 * 64 * 4, 9, -0.1, 0.1));
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.viewport(0, 0, size, size);
    const px = new Float32Array(4);
    const run = (p, madsPerIter) => {
      gl.useProgram(p);
      gl.uniform1i(gl.getUniformLocation(p, 'u_n'), iterations);
      const k = gl.getUniformLocation(p, 'u_k');
      if (k) gl.uniform4f(k, 0.999, 0.001, 0.002, 0.003);
      const w = gl.getUniformLocation(p, 'u_w');
      if (w) gl.uniform1i(w, 0);
      const once = () => {
        const t0 = performance.now();
        gl.drawArrays(gl.TRIANGLES, 0, 3);
        gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.FLOAT, px);
        return performance.now() - t0;
      };
      once(); // compile
      const times = Array.from({ length: repeats }, once);
      const ms = median(times);
      return { ms, gflops: (2 * madsPerIter * iterations * size * size) / (ms * 1e6) };
    };
    // alu: 4 vec4 FMAs = 16 multiply-adds per iteration; fetch: 2 mat4×vec4 (32) + 2 vec4 adds (ignored)
    const alu = run(prog(fsAlu), 16);
    const fetch = run(prog(fsFetch), 32);
    const ext = gl.getExtension('WEBGL_lose_context');
    if (ext) ext.loseContext();
    return { alu, fetch };
  }

  window.ncaBench = { forward, train, memory, peak, trainer: startedTrainer };
  window.ncaBenchReady = true;
})();
