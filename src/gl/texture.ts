/**
 * GPU textures as nca-gl tracks them: size, layers and storage format, with their byte count for
 * memory accounting. Created and freed by the Runtime.
 */
import type { StorageFormat } from './context';

export type TexFormat = StorageFormat | 'r8';

export const FORMAT_INFO: Record<TexFormat, { internal: number; format: number; type: number; bytes: number }> = {
  rgba32f: { internal: 0x8814 /* RGBA32F */, format: 0x1908 /* RGBA */, type: 0x1406 /* FLOAT */, bytes: 16 },
  rgba16f: { internal: 0x881a /* RGBA16F */, format: 0x1908, type: 0x1406, bytes: 8 },
  r8: { internal: 0x8229 /* R8 */, format: 0x1903 /* RED */, type: 0x1401 /* UNSIGNED_BYTE */, bytes: 1 },
};

let nextTextureId = 1;

/** A 2D texture (layers = 1, isArray = false) or a 2D texture array. */
export class GpuTexture {
  readonly id = nextTextureId++;
  /** Bumped by the Runtime whenever the contents change (uniform-block mirrors compare it). */
  version = 0;
  /** Rows [first, count] that draws cover when the pass gives no viewport; null: all rows. */
  rows: [number, number] | null = null;
  constructor(
    readonly texture: WebGLTexture,
    readonly width: number,
    readonly height: number,
    readonly layers: number,
    readonly format: TexFormat,
    readonly isArray: boolean,
    readonly label: string,
  ) {}
  get bytes(): number {
    return this.width * this.height * this.layers * FORMAT_INFO[this.format].bytes;
  }
}

/** IEEE half → float. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}
