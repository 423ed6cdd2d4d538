/** When a training loss means the model diverged (TrainingSession rolls back). */

/**
 * A loss past this is divergence even when it is still finite. Every loss nca-gl trains is a mean
 * of (|e| +) e² over RGBA values whose targets lie in [0, 1], so 1e4 means errors of ~100 per value:
 * no model comes back from there. Waiting for the loss to overflow to Infinity instead depends on
 * the renderer (a blown-up state that overflows on SwiftShader stayed finite, 7.6e31, on llvmpipe),
 * and a finite blow-up would otherwise be snapshotted as the last good state and rolled back to.
 */
export const DIVERGED_LOSS = 1e4;

/** True when a training loss means the model diverged (non-finite, or past DIVERGED_LOSS). */
export function diverged(loss: number): boolean {
  return !(Number.isFinite(loss) && loss <= DIVERGED_LOSS);
}
