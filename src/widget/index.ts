/**
 * The widget: a trained model in any page. `<nca-canvas model="…">` (registered when the bundle
 * loads in a browser, if the name is free) and `mount(canvas, options)` for pages that bring their
 * own canvas. API and embed snippet: docs/widget.md.
 */
import { defineNcaCanvas } from './element';

export { NcaCanvasElement, defineNcaCanvas, ELEMENT_NAME } from './element';
export { mount, loadModel, NcaWidget, type WidgetOptions, type ModelSource } from './mount';
export { Player, parseColor, MAX_SPEED, type PlayerOptions, type Background } from './player';
export { modelStart, modelTarget, modelTask, taskStart, mildPerturbation, hardestPerturbation, imageState, START_KINDS, type StartKind } from './start';
export { fitGrid, clientToCell, bufferSize, type Fit } from './view';
export { describeFailure } from './message';

if (typeof window !== 'undefined') defineNcaCanvas();
