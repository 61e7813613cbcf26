// Unary elementwise kernels (same dtype in and out), required and optional tiers; the loops are
// generated per op in elementwise.gen.ts.
export { unaryKernels } from './elementwise.gen.js';
export { erf, roundHalfEven } from './scalar.js';
