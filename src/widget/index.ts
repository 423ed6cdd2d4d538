/**
 * The widget: a trained model in any page. `<nca-canvas model="…">` and `mount(canvas, options)`
 * for pages that bring their own canvas. Importing this module defines nothing: the element is
 * registered by `defineNcaCanvas()`, which the drop-in script (dist/nca-gl.js) and the widget entry
 * (`nca-gl/widget`) call when they load. API and embed snippet: docs/widget.md.
 */
export { NcaCanvasElement, defineNcaCanvas, ELEMENT_NAME } from './element';
export { mount, loadModel, NcaWidget, prefersReducedMotion, type WidgetOptions, type ModelSource } from './mount';
export { Player, parseColor, MAX_SPEED, type PlayerOptions, type Background } from './player';
export { sharedContext, SharedContext, FRAME_BUDGET_MS, type SharedClient } from './shared';
export { modelStart, modelTarget, modelTask, modelTargetName, modelLabel, modelRollout, taskStart, mildPerturbation, hardestPerturbation, imageState, START_KINDS, type StartKind } from '../tasks/start';
export { restartSteps, parseRestart, RESTART_SHARE, type RestartPolicy } from './restart';
export { fitGrid, clientToCell, bufferSize, type Fit } from './view';
export { describeFailure } from './message';
