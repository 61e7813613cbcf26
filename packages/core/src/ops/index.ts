// Every public op, one barrel.
export * from './util.js';
export * from './creation.js';
export * from './unary.js';
export * from './binary.js';
export * from './reduce.js';
export * from './views.js';
export * from './linalg.js';
export * from './join.js';
export * from './indexing.js';
export * from './device.js';
export * from './nn/index.js';
export * from './optim.js';
