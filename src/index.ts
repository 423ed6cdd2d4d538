/**
 * nca-gl — neural cellular automata trained and run with WebGL2 fragment shaders.
 * The public API; the drop-in <script> bundle (./script.ts) exposes it as the global `NcaGl`.
 * Importing it has no side effects: <nca-canvas> is defined by `defineNcaCanvas()`, by the script
 * bundle, or by the widget entry `nca-gl/widget` (./widget/bundle.ts).
 *
 * @module nca-gl
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
  hasOutputBias,
} from './engine/model';
export { RULES, RULE_NAMES, registerTestRule, type RuleSpec } from './engine/rules';
export { createTrainer, Trainer, type TrainerState } from './train/trainer';
export type { TrainerOptions, TargetLike } from './train/options';
export type { LossKind } from './tasks/training-defaults';
export type { LrSchedule } from './tasks/schedule';
export { createRegimen, Regimen, type RegimenOptions, type StepReport, type RegimenState } from './train/regimen';
export { adjustedCurriculum, PRESETS, REPLACE_MODES, TASKS, preset, type Preset, type ReplaceMode, type Task } from './tasks/presets';
export { Curriculum, ARTICLE_AXES, ladderLength, shortenLadder, type CurriculumConfig, type CurriculumState, type Axis } from './tasks/curriculum';
export { PerturbPass } from './train/perturb';
export { perturbReference, NO_PERTURBATION, type Perturbation } from './tasks/perturb';
export { samplePool } from './train/pool';
export { TrainingSession, type SessionOptions, type Snapshot, type ProgressEvent, type FaultEvent, type EvaluationEvent, type KeptSnapshot } from './train/session';
export { evaluate, evaluateCut, cutHalf, HALVES, psnr, displayMse, type EvalOptions, type EvalReport, type EvalPoint, type CutOptions, type CutReport, type Half } from './train/evaluate';
export { startState, targetState } from './tasks/start';
export {
  considerBest, pickBest, holdsSteps, qualityEvalOptions, qualityFromReport, describeQuality, storedPsnr,
  EVAL_SEED, KEEP_BEST_DRAWS, QUALITY_DRAWS, QUALITY_HORIZON, FADE_DB, PSNR_CAP, type BestMark, type Quality,
} from './train/keep-best';
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
export type { Q8, Quantization, OriginMeta, QualityMeta, BestMeta } from './io/model-file';
export { widenModel } from './io/widen';
export { importModel, detectImportFormat, IMPORT_LIMITS, DISTILL_GRID, type ImportOptions, type ImportFormat } from './io/import';
export { exportModel, type ExportFormat } from './io/export';
export { stripModel, quantizeModel, type StripOptions } from './io/model-compact';
export { Profiler, type PassProfile } from './gl/profiler';
export { VERSION as version } from './version';
export * from './widget';
