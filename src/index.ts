/**
 * nca-gl — neural cellular automata trained and run with WebGL2 fragment shaders.
 * The public API; the drop-in <script> bundle exposes it as the global `NcaGl`.
 */
export { NcaGlError, type NcaGlErrorCode } from './errors';
export { createEngine, Engine, modelEngineOptions, type EngineOptions, type ModelLike } from './engine/engine';
export {
  CHANNELS,
  PERCEPTION,
  type Rule,
  type RuleConfig,
  type Weights,
  initWeights,
  checkWeights,
  weightShapes,
  parameterCount,
} from './engine/model';
export { createTrainer, Trainer, type TrainerState } from './train/trainer';
export type { TrainerOptions, LossKind, TargetLike } from './train/options';
export type { LrSchedule } from './train/schedule';
export { createRegimen, Regimen, targetState, type RegimenOptions, type StepReport, type RegimenState } from './train/regimen';
export { PRESETS, TASKS, preset, type Preset, type Task } from './train/presets';
export { Curriculum, ARTICLE_AXES, type CurriculumConfig, type CurriculumState, type Axis } from './train/curriculum';
export { perturbReference, PerturbPass, NO_PERTURBATION, type Perturbation } from './train/perturb';
export { samplePool } from './train/pool';
export { TrainingSession, type SessionOptions, type Snapshot, type ProgressEvent, type FaultEvent } from './train/session';
export { evaluate, psnr, displayMse, startState, type EvalOptions, type EvalReport, type EvalPoint } from './train/evaluate';
export * as reference from './engine/reference';
export * as hash from './engine/hash';
export * as layout from './engine/layout';
export * as budget from './engine/budget';
export { trainerBytes, regimenBytes, checkTrainingBudget, type TrainShape } from './train/budget';
export * as gl from './gl';
export * from './io/target';
export { SHIPPED_TARGETS, shippedTargetNames } from './io/shipped-targets';
export { bytesToBase64, base64ToBytes } from './io/base64';
export { encodeModel, decodeModel, describeModel, MODEL_FORMAT_VERSION, MODEL_FILE_EXTENSION, type ModelFile } from './io/model-file';
export { Profiler, type PassProfile } from './gl/profiler';
export const version = '0.1.0';
export * from './widget';
