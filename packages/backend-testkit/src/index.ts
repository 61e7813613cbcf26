/**
 * `@flint/backend-testkit`: the conformance suite any Flint backend runs (no test framework needed here;
 * the vitest adapter is `@flint/backend-testkit/vitest`).
 * @module @flint/backend-testkit
 */
export { runConformance, uniqueDeviceName } from './runner.js';
export type { ConformanceOptions, Report } from './runner.js';
export type { CaseResult, Status } from './run-case.js';
export { runCase } from './run-case.js';
export { loadFixtures, fixturesDir } from './fixtures.js';
export type { Arg, Case, Expect, Family, GradExpect, GradWeights, TensorSpec, Tolerance, ViewStep } from './fixtures.js';
export { gradcheckCases, toFloat64 } from './gradcheck-cases.js';
export type { GradcheckCase, GradcheckSetup } from './gradcheck-cases.js';
export { runGradCase } from './grad-case.js';
export { loadAutograd } from './autograd.js';
export type { AutogradApi, AutogradLoad } from './autograd.js';
export { EXTRA_CHECKS } from './extras.js';
export { halfChecks, halfSkipReason } from './half.js';
export type { HalfCheck } from './half.js';
export type { ExtraCheck } from './extras.js';
export { DEFAULT_TOL } from './compare.js';
export type { SkipMap, CaseFilter } from './skip.js';
export { withoutKernels } from './without.js';
export { createMinimalBackend } from './reference/minimal.js';
