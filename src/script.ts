/**
 * The drop-in <script> bundle (dist/nca-gl.js, global `NcaGl`): the whole library, and
 * <nca-canvas> defined as it loads. The ES module (dist/nca-gl.mjs) defines nothing on import;
 * `nca-gl/widget` or `defineNcaCanvas()` does.
 */
import { defineNcaCanvas } from './widget/element';

export * from './index';

defineNcaCanvas();
