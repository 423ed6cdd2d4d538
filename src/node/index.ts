/** Node-side plumbing shared by the CLI, the benchmark and the browser tests. */
export { findChromium, launchBrowser, probeRenderer, isSoftwareRenderer, softwareRendererName, mesaEglInstalled, machineHasGpu, webglFlags, WEBGL_MODES, type LaunchedBrowser, type WebGLMode } from './browser';
export { serveStatic, type StaticServer } from './server';
