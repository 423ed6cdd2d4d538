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
      target: target(size), checkpointEvery: checkpointEvery ?? 0,
    });
  }

  /** Training: ms per iteration (each awaited, as a training loop reading its loss does). */
  async function train(cfg) {
    const { rule, batch, size, iterations, warmup } = cfg;
    const tr = trainerFor(cfg);
    if (rule === 'seed') tr.setStart(NcaGl.targetState(target(size), batch, size, size));
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

  window.ncaBench = { forward, train, memory };
  window.ncaBenchReady = true;
})();
