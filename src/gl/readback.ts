/**
 * Asynchronous readback: copies a texture rectangle into a pixel-pack buffer on the GPU, fences,
 * and resolves once the GPU has passed the fence, without stalling the pipeline (WebGL2's
 * fenceSync + getBufferSubData). Used for the loss, which training reads only when asked.
 */
import { NcaGlError } from '../errors';
import type { GpuTexture, Runtime } from './runtime';

export class AsyncReader {
  /** Idle pack buffers (a read in flight owns its buffer until it resolves). */
  private readonly idle: { buf: WebGLBuffer; size: number }[] = [];

  constructor(private readonly rt: Runtime) {}

  private take(bytes: number): { buf: WebGLBuffer; size: number } {
    const gl = this.rt.gl;
    const i = this.idle.findIndex((b) => b.size >= bytes);
    if (i >= 0) return this.idle.splice(i, 1)[0]!;
    const b = { buf: this.rt.buffer(), size: bytes };
    gl.bindBuffer(gl.PIXEL_PACK_BUFFER, b.buf);
    gl.bufferData(gl.PIXEL_PACK_BUFFER, bytes, gl.STREAM_READ);
    gl.bindBuffer(gl.PIXEL_PACK_BUFFER, null);
    return b;
  }

  /** Resolves to float RGBA of `rect` (default: the whole texture) of layer `layer` of `t`. */
  read(t: GpuTexture, layer = 0, rect?: [number, number, number, number]): Promise<Float32Array> {
    const gl = this.rt.gl;
    const [x, y, w, h] = rect ?? [0, 0, t.width, t.height];
    const slot = this.take(w * h * 16);
    const buf = slot.buf;
    gl.bindFramebuffer(gl.READ_FRAMEBUFFER, this.rt.framebuffer([{ tex: t, layer }]));
    gl.readBuffer(gl.COLOR_ATTACHMENT0);
    gl.bindBuffer(gl.PIXEL_PACK_BUFFER, buf);
    // re-specify the storage: Chromium keeps a shadow copy of a READ buffer after the fence, and
    // writing into that same storage again would throw the copy away (a console warning each time)
    gl.bufferData(gl.PIXEL_PACK_BUFFER, slot.size, gl.STREAM_READ);
    gl.readPixels(x, y, w, h, gl.RGBA, gl.FLOAT, 0);
    gl.bindBuffer(gl.PIXEL_PACK_BUFFER, null);
    gl.bindFramebuffer(gl.READ_FRAMEBUFFER, null);
    const sync = gl.fenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0);
    if (!sync) return Promise.reject(new NcaGlError('context-lost', 'could not create a fence: the WebGL context is lost'));
    gl.flush();
    return new Promise((resolve, reject) => {
      const poll = () => {
        if (this.rt.isDisposed || gl.isContextLost()) {
          if (!gl.isContextLost()) gl.deleteSync(sync);
          reject(new NcaGlError(gl.isContextLost() ? 'context-lost' : 'disposed', 'the readback was abandoned: the trainer was disposed or its WebGL context lost'));
          return;
        }
        // getSyncParameter (not clientWaitSync) is what lets Chromium serve getBufferSubData from its
        // readback shadow copy without a stall
        if (gl.getSyncParameter(sync, gl.SYNC_STATUS) !== gl.SIGNALED) {
          setTimeout(poll, 0);
          return;
        }
        gl.deleteSync(sync);
        this.idle.push(slot);
        const out = new Float32Array(w * h * 4);
        gl.bindBuffer(gl.PIXEL_PACK_BUFFER, buf);
        gl.getBufferSubData(gl.PIXEL_PACK_BUFFER, 0, out);
        gl.bindBuffer(gl.PIXEL_PACK_BUFFER, null);
        resolve(out);
      };
      setTimeout(poll, 0);
    });
  }
}
