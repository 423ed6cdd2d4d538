/**
 * Training progress on stderr: a one-line bar redrawn in place on a terminal, plain lines
 * otherwise (pipes, CI logs), nothing with --quiet. Messages (faults, checkpoints) go on their own
 * lines above the bar.
 *
 *   [##########----------]  250/500  loss 0.02412  level 38  3.1 it/s  ETA 1m21s
 */
import { safeText } from '../errors';

export interface ProgressState {
  iteration: number;
  total: number;
  loss: number;
  /** Curriculum level (article tasks), or null. */
  level: number | null;
  /** Iterations per second. */
  rate: number;
}

export interface Writable {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** 5s, 1m05s, 2h03m; '--' when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A loss with 4 significant digits (exponent form when tiny or huge). */
export function formatLoss(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-4 || a >= 1e5) ? x.toExponential(3) : String(Number(x.toPrecision(4)));
}

export function formatRate(r: number): string {
  if (!(r > 0)) return '-- it/s';
  return r >= 10 ? `${r.toFixed(0)} it/s` : r >= 1 ? `${r.toFixed(1)} it/s` : `${(1 / r).toFixed(1)} s/it`;
}

export function eta(p: ProgressState): number {
  return p.rate > 0 ? (p.total - p.iteration) / p.rate : NaN;
}

/** The fields after the bar. */
export function formatStatus(p: ProgressState): string {
  const w = String(p.total).length;
  const parts = [`${String(p.iteration).padStart(w)}/${p.total}`, `loss ${formatLoss(p.loss)}`];
  if (p.level !== null) parts.push(`level ${p.level}`);
  parts.push(formatRate(p.rate), `ETA ${formatDuration(eta(p))}`);
  return parts.join('  ');
}

/** The terminal line: a bar sized to fit `columns`, dropped when the terminal is too narrow. */
export function formatBar(p: ProgressState, columns = 80): string {
  const status = formatStatus(p);
  const room = columns - 1 - status.length - 4;
  if (room < 10) return status.slice(0, Math.max(0, columns - 1));
  const width = Math.min(room, 40);
  const filled = p.total > 0 ? Math.min(width, Math.floor((p.iteration / p.total) * width)) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]  ${status}`;
}

/** The plain (non-terminal) line. */
export function formatLine(p: ProgressState): string {
  return `iteration ${formatStatus(p)}`;
}

export interface ProgressOptions {
  quiet?: boolean;
  /** Non-terminal output: a line every n iterations (default: at most one line per `seconds`). */
  logEvery?: number;
  seconds?: number;
  /** Clock (ms), for tests. */
  now?: () => number;
}

export class Progress {
  private readonly tty: boolean;
  private drawn = false;
  private lastLine = -Infinity;
  private last: ProgressState | null = null;

  constructor(
    private readonly out: Writable,
    private readonly o: ProgressOptions = {},
  ) {
    this.tty = out.isTTY === true && !o.logEvery;
  }

  private clear(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }

  /** Shows the state: redraws the bar, or prints a line when one is due (or `force`). */
  update(p: ProgressState, force = false): void {
    this.last = p;
    if (this.o.quiet) return;
    if (this.tty) {
      this.clear();
      this.out.write(formatBar(p, this.out.columns ?? 80));
      this.drawn = true;
      return;
    }
    const now = (this.o.now ?? Date.now)();
    const due = this.o.logEvery ? p.iteration % this.o.logEvery === 0 : now - this.lastLine >= (this.o.seconds ?? 5) * 1000;
    if (due || force || p.iteration >= p.total) {
      this.out.write(formatLine(p) + '\n');
      this.lastLine = now;
    }
  }

  /** A message on its own line (the bar is redrawn below it). Shown even with --quiet when `important`. */
  note(message: string, important = false): void {
    if (this.o.quiet && !important) return;
    this.clear();
    this.out.write(safeText(message, true) + '\n'); // names from files and pages: no raw control or bidi characters
    if (this.tty && this.last && !this.o.quiet) {
      this.out.write(formatBar(this.last, this.out.columns ?? 80));
      this.drawn = true;
    }
  }

  /** A message for logs only (not shown on a terminal, where the bar says enough). */
  info(message: string): void {
    if (!this.tty) this.note(message);
  }

  /** Ends the bar's line. */
  done(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
