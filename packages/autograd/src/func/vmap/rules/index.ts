// Every built-in batching rule, registered when the first vmap runs (so a bundle that never calls vmap
// doesn't carry them).
import { registerElementwise } from './elementwise.js';
import { registerReduce } from './reduce.js';
import { registerViews } from './views.js';
import { registerLinalg } from './linalg.js';
import { registerNn } from './nn.js';
import { registerFused } from './fused.js';

/** Registers every built-in batching rule (one module per op family). */
export function registerBatchRules(): void {
  registerElementwise();
  registerReduce();
  registerViews();
  registerLinalg();
  registerNn();
  registerFused();
}
