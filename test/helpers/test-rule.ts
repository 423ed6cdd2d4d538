/** The test-only rule `residual` (test/fixtures/rules/) in Node: registered for the CPU references. */
import { readFileSync } from 'node:fs';
import type { Rule } from '../../src/engine/model';
import { registerTestRule } from '../../src/engine/rules';
import { RESIDUAL_GLSL_PATH, residualRule } from '../fixtures/rules/residual.mjs';

export const RESIDUAL = 'residual' as Rule;

/** Registers `residual` with its GLSL text; returns the function that removes it. */
export function registerResidual(): () => void {
  return registerTestRule(residualRule(readFileSync(new URL(`../../${RESIDUAL_GLSL_PATH}`, import.meta.url), 'utf8')));
}
