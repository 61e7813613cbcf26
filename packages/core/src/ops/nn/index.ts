// Neural-network ops (optional kernel tier with composites built from the required tier).
export * from './conv.js';
export * from './pool.js';
export * from './norm.js';
export * from './dropout.js';
export * from './nll.js';
export * from './loss.js';
export * from './rnn.js';
export * from './rnn-sequence.js';
export * from './interpolate.js';
export * from './attention.js';
export type { IntPair } from './util.js';
