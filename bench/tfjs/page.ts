/**
 * The TF.js bench page: window.tfjsBench(cfg) trains the NCA with TF.js on the 'webgl' or 'wasm'
 * backend and reports per-iteration wall times; window.tfjsCheck(backend) compares one training
 * iteration with nca-gl's CPU reference (src/train/reference.ts) using the same hash masks.
 * Bundled by bench/tfjs/build.mjs to dist/bench/tfjs.js (IIFE); loaded by bench/tfjs/page.html.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { NcaTf, initParams, randomMasks, seedState, syntheticTarget, targetState, type LossKind, type Rule } from './nca-tfjs';
import { tfjsCheck, type CheckResult } from './check';

export interface BenchConfig {
  backend: 'webgl' | 'wasm';
  rule: Rule;
  batch: number;
  size: number;
  hidden: number;
  steps: number;
  lossSteps: number;
  loss: LossKind;
  normalizeGrads: boolean;
  iterations: number;
  warmup: number;
  /** Adam learning rate; default 2e-3 (growing) / 3e-4 (seed). */
  lr?: number;
  /** Where every grid starts: 'seed' (one live centre cell) or 'target' (the target, hidden channels 0); default: seed for growing, target for seed. */
  start?: 'seed' | 'target';
  /** Seed rule: std of the Gaussian noise added to the start state each iteration; default 0.01. */
  noise?: number;
  /** 'native' (TF.js's own depthwise backprop kernel) or 'custom' (see NcaTf); default native on webgl, custom on wasm (no kernel there). */
  perceptionGrad?: 'native' | 'custom';
  /** Base of the RNG seeds; default 1. */
  seed?: number;
  /**
   * wasm: XNNPACK threads (the calling thread included; the threaded build needs cross-origin
   * isolation). Default (or 0): TF.js's own choice, hardwareConcurrency / 2 capped to 1..8. More
   * than that is obtained by reporting more cores to TF.js (see useBackend); 'all': one thread
   * per core the browser reports, as SwiftShader uses for WebGL. Fixed once the
   * backend has started in a page: use a fresh page to change it.
   */
  threads?: number | 'all';
}

export interface BenchResult {
  backend: string;
  threads?: number;
  simd?: boolean;
  /** wasm: navigator.hardwareConcurrency was raised so that TF.js would use cfg.threads threads. */
  coresSpoofed?: boolean;
  msPerIteration: number[];
  medianMs: number;
  msPerStep: number;
  losses: number[];
  renderer: string;
  tfjsVersion: string;
  /** Warmup iterations (first one includes shader compilation / wasm warmup). */
  warmupMs: number[];
  /** Highest tf.memory().numBytes seen during the backward passes (≈ the iteration's peak). */
  peakBytes: number;
  /** wasm: largest size of the wasm heap seen (it only grows). */
  wasmHeapBytes?: number;
  /** tf.memory() after each timed iteration: constant when nothing leaks. */
  memoryBytes: number[];
  numTensors: number[];
  perceptionGrad: 'native' | 'custom';
  /** webgl: backend float precision (TF.js reports 16 on some drivers even with float32 textures) and the float32 flag. */
  floatPrecision?: number;
  float32Enabled?: boolean;
  crossOriginIsolated: boolean;
  config: BenchConfig;
}

declare global {
  interface Window {
    tfjsBench: (cfg: BenchConfig) => Promise<BenchResult>;
    tfjsCheck: (backend: 'webgl' | 'wasm') => Promise<CheckResult>;
    tfjsReady: true;
  }
}

const WASM_DIR = '/node_modules/@tensorflow/tfjs-backend-wasm/dist/';

function webglRenderer(): string {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return 'no WebGL2';
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const r = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return r;
}

let wasmThreads: number | null = null;
let wasmCoresSpoofed = false;

async function useBackend(name: 'webgl' | 'wasm', threads?: number | 'all'): Promise<void> {
  if (name === 'wasm') {
    const want = threads === 'all' ? navigator.hardwareConcurrency || 1 : (threads ?? 0); // 0: TF.js's default
    if (wasmThreads === null) {
      setWasmPaths(new URL(WASM_DIR, location.href).href);
      if (want > 0) {
        // TF.js caps XNNPACK's pool at navigator.hardwareConcurrency / 2 (it assumes 2 hyperthreads
        // per core), read once when the module starts: report more cores to let it use `want`.
        const hc = navigator.hardwareConcurrency || 1;
        if (want > Math.floor(hc / 2)) {
          Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * want, configurable: true });
          wasmCoresSpoofed = true;
        }
        setThreadsCount(want);
      }
      wasmThreads = want;
    } else if (wasmThreads !== want) {
      throw new Error(`the wasm backend of this page already runs with threads = ${wasmThreads}; load a fresh page for ${want}`);
    }
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`TF.js backend '${name}' failed to initialise`);
  await tf.ready();
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

let runCounter = 0;

async function tfjsBench(cfg: BenchConfig): Promise<BenchResult> {
  for (const k of ['batch', 'size', 'hidden', 'steps', 'lossSteps', 'iterations'] as const) {
    if (!Number.isInteger(cfg[k]) || cfg[k] < 1) throw new Error(`tfjsBench: '${k}' must be a positive integer, got ${String(cfg[k])}`);
  }
  if (!Number.isInteger(cfg.warmup) || cfg.warmup < 0) throw new Error(`tfjsBench: 'warmup' must be a non-negative integer`);
  if (cfg.lossSteps > cfg.steps) throw new Error(`tfjsBench: lossSteps (${cfg.lossSteps}) exceeds steps (${cfg.steps})`);
  await useBackend(cfg.backend, cfg.threads);
  const perceptionGrad = cfg.perceptionGrad ?? (cfg.backend === 'wasm' ? 'custom' : 'native');
  const B = cfg.batch;
  const S = cfg.size;
  const spec = { rule: cfg.rule, batch: B, height: S, width: S, hidden: cfg.hidden };
  const train = { steps: cfg.steps, lossSteps: cfg.lossSteps, loss: cfg.loss, normalizeGrads: cfg.normalizeGrads };
  const seed = cfg.seed ?? 1;
  const params = initParams(cfg.rule, cfg.hidden, seed, `nca${++runCounter}_`);
  const model = new NcaTf(spec, params, perceptionGrad === 'custom');
  const targetData = syntheticTarget(S, S);
  const target = tf.tensor3d(targetData, [S, S, 4]);
  const start = cfg.start ?? (cfg.rule === 'growing' ? 'seed' : 'target');
  const x0 = tf.tensor4d(start === 'seed' ? seedState(B, S, S) : targetState(targetData, B, S, S), [B, S, S, 16]);
  const lr = cfg.lr ?? (cfg.rule === 'growing' ? 2e-3 : 3e-4);
  const noise = cfg.noise ?? 0.01;
  // ε explicitly: TF.js's default is backend.epsilon(), 1e-4 on a webgl backend that reports float16
  const optimizer = tf.train.adam(lr, 0.9, 0.999, 1e-8);

  let iteration = 0;
  let peakBytes = 0;
  // wasm: TF.js keeps the whole rollout's tape in the wasm heap, at most 4 GiB (wasm32); when an
  // allocation fails there the page hangs instead of throwing, so stop with an error before that
  const heapBytes = (): number => {
    const w = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
    return w?.HEAPU8?.buffer.byteLength ?? 0;
  };
  const HEAP_LIMIT = 3.75 * 2 ** 30;
  let peakHeap = 0;
  const guard = (where: string): void => {
    if (cfg.backend !== 'wasm') return;
    const h = heapBytes();
    peakHeap = Math.max(peakHeap, h);
    if (h > HEAP_LIMIT) {
      throw new Error(
        `TF.js wasm heap at ${(h / 2 ** 30).toFixed(2)} GiB ${where}: the rollout's tape does not fit the 4 GiB wasm32 heap ` +
          `(${cfg.steps} steps of batch ${B} × ${S}² with hidden ${cfg.hidden})`,
      );
    }
  };
  model.onForwardStep = (t) => guard(`after forward step ${t + 1} of ${cfg.steps}`);
  model.onBackwardStep = () => {
    peakBytes = Math.max(peakBytes, tf.memory().numBytes);
    guard('in the backward pass');
  };
  const runIteration = (): number => {
    const it = iteration++;
    const loss = tf.tidy(() => {
      // seed rule: the start state perturbed by noise, drawn fresh every iteration (SPEC §3)
      const start = cfg.rule === 'seed' ? tf.add(x0, tf.randomNormal(x0.shape, 0, noise, 'float32', seed * 7919 + it)) : x0;
      const masks = randomMasks(spec, (seed * 1_000_003 + it * cfg.steps) % 2147483647);
      const { value, grads } = model.lossAndGrads(start as tf.Tensor4D, target, train, masks);
      NcaTf.apply(optimizer, grads);
      return value;
    });
    // reading the loss back waits for everything issued before it (rollout, backward, Adam)
    const v = loss.dataSync()[0]!;
    loss.dispose();
    return v;
  };

  try {
    const warmupMs: number[] = [];
    for (let i = 0; i < cfg.warmup; i++) {
      const t0 = performance.now();
      runIteration();
      warmupMs.push(performance.now() - t0);
    }
    const msPerIteration: number[] = [];
    const losses: number[] = [];
    const memoryBytes: number[] = [];
    const numTensors: number[] = [];
    for (let i = 0; i < cfg.iterations; i++) {
      const t0 = performance.now();
      losses.push(runIteration());
      msPerIteration.push(performance.now() - t0);
      const mem = tf.memory();
      memoryBytes.push(mem.numBytes);
      numTensors.push(mem.numTensors);
      // let the page breathe between long iterations (timers, protocol messages)
      await new Promise((r) => setTimeout(r, 0));
    }
    const med = median(msPerIteration);
    const result: BenchResult = {
      backend: tf.getBackend(),
      msPerIteration,
      medianMs: med,
      msPerStep: med / cfg.steps,
      losses,
      renderer: webglRenderer(),
      tfjsVersion: tf.version_core,
      warmupMs,
      peakBytes,
      ...(cfg.backend === 'wasm' ? { wasmHeapBytes: peakHeap } : {}),
      memoryBytes,
      numTensors,
      perceptionGrad,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      config: cfg,
    };
    if (cfg.backend === 'wasm') {
      result.simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
      const mt = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean;
      result.threads = mt ? getThreadsCount() : 1;
      result.coresSpoofed = wasmCoresSpoofed;
    } else if (cfg.backend === 'webgl') {
      result.floatPrecision = (tf.backend() as unknown as { floatPrecision(): number }).floatPrecision();
      result.float32Enabled = tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED');
    }
    return result;
  } finally {
    optimizer.dispose();
    model.dispose();
    tf.dispose([target, x0, ...model.variables()]);
  }
}

window.tfjsBench = tfjsBench;
window.tfjsCheck = async (backend) => {
  await useBackend(backend);
  return tfjsCheck(`chk${++runCounter}_`);
};
window.tfjsReady = true;
