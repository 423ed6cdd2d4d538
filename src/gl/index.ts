/** The GL layer on its own: context checks, programs with readable errors, the pass runner. */
export { acquireContext, readCapabilities, requireCapabilities, type Capabilities, type StorageFormat } from './context';
export { assemble, linkProgram, formatCompileError } from './program';
export { Runtime, GpuTexture, type Target, type RunOptions, type Uniforms } from './runtime';
export { Profiler, type PassProfile } from './profiler';
export { AsyncReader } from './readback';
