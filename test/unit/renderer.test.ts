/**
 * Choosing the WebGL renderer and what follows from it: software renderer names, Chromium flags
 * per mode, the weight storage preferred per renderer, and the divergence bound of training.
 */
import { describe, expect, it } from 'vitest';
import { isSoftwareRenderer, softwareRendererName, webglFlags, WEBGL_MODES } from '../../src/node/browser';
import { preferredParamStorage } from '../../src/gl/context';
import type { Capabilities } from '../../src/gl/context';
import { DIVERGED_LOSS, diverged } from '../../src/train/divergence';

const LLVMPIPE = 'ANGLE (Mesa/X.org, llvmpipe (LLVM 15.0.6 256 bits), OpenGL ES 3.2)';
const SWIFTSHADER = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';
const H200 = 'ANGLE (NVIDIA, Vulkan 1.4.312 (NVIDIA H200))';

describe('renderers', () => {
  it('names the two software renderers and tells them from GPUs', () => {
    expect(softwareRendererName(LLVMPIPE)).toBe('llvmpipe');
    expect(softwareRendererName(SWIFTSHADER)).toBe('swiftshader');
    expect(softwareRendererName(H200)).toBe(null);
    expect(softwareRendererName(null)).toBe(null);
    expect([LLVMPIPE, SWIFTSHADER, null].every(isSoftwareRenderer)).toBe(true);
    expect(isSoftwareRenderer(H200)).toBe(false);
  });

  it('has a llvmpipe mode that asks ANGLE for EGL, beside egl and swiftshader', () => {
    expect(WEBGL_MODES).toEqual(['auto', 'gpu', 'vulkan', 'egl', 'llvmpipe', 'swiftshader']);
    expect(webglFlags('llvmpipe')).toContain('--use-angle=gl-egl');
    expect(webglFlags('egl')).toContain('--use-angle=gl-egl');
    expect(webglFlags('swiftshader')).toContain('--use-angle=swiftshader');
  });

  it('prefers texture weights on SwiftShader and without float32 readback, uniform buffers elsewhere', () => {
    const caps = (renderer: string, float32Render = true) => ({ renderer, float32Render }) as Capabilities;
    expect(preferredParamStorage(caps(SWIFTSHADER))).toBe('texture');
    expect(preferredParamStorage(caps(LLVMPIPE))).toBe('uniform-buffer');
    expect(preferredParamStorage(caps(H200))).toBe('uniform-buffer');
    expect(preferredParamStorage(caps(H200, false))).toBe('texture');
  });
});

describe('divergence', () => {
  it('treats non-finite losses and finite blow-ups past the bound as divergence, and nothing else', () => {
    for (const l of [NaN, Infinity, -Infinity, 7.6e31, DIVERGED_LOSS * 1.01]) expect(diverged(l)).toBe(true);
    for (const l of [0, 1e-9, 0.15, 30, DIVERGED_LOSS]) expect(diverged(l)).toBe(false);
  });
});
