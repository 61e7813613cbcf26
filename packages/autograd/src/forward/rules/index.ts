// Every built-in forward-mode rule, registered on first use of forward mode (so a bundle that never calls
// jvp doesn't carry them).
import { registerElementwise } from './elementwise.js';
import { registerReduce } from './reduce.js';
import { registerViews } from './views.js';
import { registerLinalg } from './linalg.js';
import { registerNn } from './nn.js';
import { registerNorms } from './norms.js';
import { registerTransposed } from './transpose.js';
import { registerRnn } from './rnn.js';

/** Registers every built-in forward rule (one module per op family). */
export function registerForwardRules(): void {
  registerElementwise();
  registerReduce();
  registerViews();
  registerLinalg();
  registerNn();
  registerNorms();
  registerTransposed();
  registerRnn();
}
