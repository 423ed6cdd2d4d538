/**
 * Per-pass GPU profiler on EXT_disjoint_timer_query_webgl2: wraps every pass the runtime runs in a
 * TIME_ELAPSED query and sums the times per pass name. Results arrive asynchronously (after the
 * GPU finished and, in Chromium, after a return to the event loop); `collect()` waits for them.
 * Queries are pooled, so profiling allocates nothing per pass once warm.
 */
import { NcaGlError } from '../errors';
import type { PassHook, Runtime } from './runtime';

interface ExtTimer {
  TIME_ELAPSED_EXT: number;
  GPU_DISJOINT_EXT: number;
}

export interface PassProfile {
  name: string;
  calls: number;
  /** Total GPU time, milliseconds. */
  ms: number;
}

export class Profiler implements PassHook {
  private readonly ext: ExtTimer;
  private readonly idle: WebGLQuery[] = [];
  private readonly pending: { name: string; q: WebGLQuery }[] = [];
  private readonly all: WebGLQuery[] = [];
  private open: { name: string; q: WebGLQuery } | null = null;
  private readonly totals = new Map<string, PassProfile>();
  private disjoint = false;

  constructor(private readonly rt: Runtime) {
    const ext = rt.gl.getExtension('EXT_disjoint_timer_query_webgl2') as ExtTimer | null;
    if (!ext) {
      throw new NcaGlError('missing-capability', `GPU profiling needs EXT_disjoint_timer_query_webgl2, which this browser does not offer for ${rt.caps.renderer}`);
    }
    this.ext = ext;
  }

  /** Starts timing every pass of the runtime. */
  attach(): this {
    this.rt.hook = this;
    return this;
  }

  detach(): void {
    if (this.rt.hook === this) this.rt.hook = null;
  }

  begin(name: string): void {
    const gl = this.rt.gl;
    let q = this.idle.pop();
    if (!q) {
      const made = gl.createQuery();
      if (!made) return;
      q = made;
      this.all.push(q);
    }
    gl.beginQuery(this.ext.TIME_ELAPSED_EXT, q);
    this.open = { name, q };
  }

  end(): void {
    if (!this.open) return;
    this.rt.gl.endQuery(this.ext.TIME_ELAPSED_EXT);
    this.pending.push(this.open);
    this.open = null;
  }

  /** Folds in the results that are ready; returns how many are still pending. */
  poll(): number {
    const gl = this.rt.gl;
    if (gl.getParameter(this.ext.GPU_DISJOINT_EXT)) this.disjoint = true;
    let i = 0;
    for (; i < this.pending.length; i++) {
      const { name, q } = this.pending[i]!;
      if (!gl.getQueryParameter(q, gl.QUERY_RESULT_AVAILABLE)) break;
      const ns = gl.getQueryParameter(q, gl.QUERY_RESULT) as number;
      const t = this.totals.get(name) ?? { name, calls: 0, ms: 0 };
      t.calls++;
      t.ms += ns / 1e6;
      this.totals.set(name, t);
      this.idle.push(q);
    }
    this.pending.splice(0, i);
    return this.pending.length;
  }

  /** Waits until every timed pass has a result, then returns the totals, largest first. */
  async collect(timeoutMs = 120_000): Promise<{ passes: PassProfile[]; totalMs: number; disjoint: boolean }> {
    const t0 = performance.now();
    this.rt.gl.flush();
    while (this.poll() > 0) {
      if (performance.now() - t0 > timeoutMs) throw new NcaGlError('gl-error', `GPU timer results did not arrive within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 1));
    }
    const passes = [...this.totals.values()].sort((a, b) => b.ms - a.ms);
    return { passes, totalMs: passes.reduce((s, p) => s + p.ms, 0), disjoint: this.disjoint };
  }

  reset(): void {
    this.totals.clear();
    this.disjoint = false;
  }

  dispose(): void {
    this.detach();
    for (const q of this.all) this.rt.gl.deleteQuery(q);
    this.all.length = 0;
    this.idle.length = 0;
    this.pending.length = 0;
  }
}
