/**
 * The widget entry (`nca-gl/widget`; dist/nca-gl-widget.mjs, and dist/nca-gl-widget.js for a
 * <script> tag with the global `NcaGl`): inference only — the widget, mount(), the model file
 * decoder and the engine, with the inference shaders and none of training's. Loading it defines
 * <nca-canvas> (unless the name is taken).
 *
 * @module nca-gl/widget
 */
import { defineNcaCanvas } from './element';

export * from './index';
export { NcaGlError, type NcaGlErrorCode } from '../errors';
export { createEngine, Engine, modelEngineOptions, type EngineOptions, type ModelLike } from '../engine/engine';
export { decodeModel, MODEL_FILE_EXTENSION, type ModelFile } from '../io/model-file';
export { VERSION as version } from '../version';

defineNcaCanvas();
