/**
 * Recording the view: WebM through the browser's MediaRecorder (canvas.captureStream), or an
 * animated GIF encoded here with gifenc, one frame per drawn frame.
 *
 * The GIF holds the grid only (not the margins), at a whole-number scale up to ~256 px, each frame
 * quantised to its own 256-colour palette; it stops by itself after `maxFrames` (default 600, ten
 * seconds at 60 frames per second) so memory stays bounded. Frame delays are the real times between
 * frames, rounded to GIF's 10 ms units, so slow software rendering plays back at the speed it ran.
 */
import { applyPalette, GIFEncoder, quantize, type Encoder } from 'gifenc';
import { NcaGlError } from '../errors';

export type RecordKind = 'gif' | 'webm';

/** The part of the canvas to record, in drawing-buffer pixels, y down. */
export interface Region {
  x: number;
  y: number;
  w: number;
  h: number;
  /** Cells across and down (the GIF's scale is chosen per cell). */
  cellsX: number;
  cellsY: number;
}

export function webmMimeType(): string | null {
  if (typeof MediaRecorder === 'undefined') return null;
  for (const t of ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm']) if (MediaRecorder.isTypeSupported(t)) return t;
  return null;
}

export class Recorder {
  frames = 0;
  private gif: Encoder | null = null;
  private ctx: CanvasRenderingContext2D | null = null;
  private size: [number, number] = [0, 0];
  private last = 0;
  private media: MediaRecorder | null = null;
  private chunks: Blob[] = [];
  private done: Promise<Blob> | null = null;

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly kind: RecordKind,
    private readonly region: () => Region,
    readonly maxFrames = 600,
  ) {
    if (kind === 'webm') {
      const type = webmMimeType();
      if (!type || typeof canvas.captureStream !== 'function') {
        throw new NcaGlError('missing-capability', 'this browser cannot record WebM video (no MediaRecorder for video/webm): record a GIF instead');
      }
      this.media = new MediaRecorder(canvas.captureStream(60), { mimeType: type, videoBitsPerSecond: 4e6 });
      this.media.ondataavailable = (e) => {
        if (e.data.size) this.chunks.push(e.data);
      };
      this.done = new Promise((resolve) => (this.media!.onstop = () => resolve(new Blob(this.chunks, { type: 'video/webm' }))));
      this.media.start(250);
    } else {
      const r = region();
      const s = Math.max(1, Math.floor(256 / Math.max(r.cellsX, r.cellsY)));
      this.size = [r.cellsX * s, r.cellsY * s];
      const c = document.createElement('canvas');
      [c.width, c.height] = this.size;
      this.ctx = c.getContext('2d', { willReadFrequently: true });
      if (!this.ctx) throw new NcaGlError('missing-capability', 'no 2D canvas to read frames for the GIF');
      this.ctx.imageSmoothingEnabled = false;
      this.gif = GIFEncoder();
    }
  }

  /** True once maxFrames frames are in (the caller then stops). */
  get full(): boolean {
    return this.frames >= this.maxFrames;
  }

  /** Adds the canvas as it is now (GIF); WebM records by itself. Call right after drawing. */
  frame(): void {
    this.frames++;
    if (!this.gif || !this.ctx || this.full) return;
    const now = performance.now();
    const delay = this.last ? Math.max(20, Math.round((now - this.last) / 10) * 10) : 20;
    this.last = now;
    const r = this.region();
    const [w, h] = this.size;
    this.ctx.fillStyle = '#fff';
    this.ctx.fillRect(0, 0, w, h);
    this.ctx.drawImage(this.canvas, r.x, r.y, r.w, r.h, 0, 0, w, h);
    const rgba = this.ctx.getImageData(0, 0, w, h).data;
    const palette = quantize(rgba, 256);
    this.gif.writeFrame(applyPalette(rgba, palette), w, h, { palette, delay });
  }

  /** Ends the recording: the GIF or WebM file. */
  async stop(): Promise<Blob> {
    if (this.media) {
      if (this.media.state !== 'inactive') this.media.stop();
      return this.done!;
    }
    const g = this.gif!;
    g.finish();
    const bytes = g.bytes();
    return new Blob([bytes.slice().buffer], { type: 'image/gif' });
  }
}
