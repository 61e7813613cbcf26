// The table of batching rules, keyed by core's op names like the gradient and forward rules: each runs
// an op on the physical tensors behind its inputs (batch dim in front) and returns physical results.
import type { OpName, Tensor } from '@flint/core';
import { registerBatchRules } from './rules/index.js';

/** What a batching rule sees of one op call at one vmap level. */
export interface BatchContext {
  /** The op's name in core's schema. */
  readonly op: OpName;
  /** The call's attributes (dims are the logical ones, without the batch dim). */
  readonly attrs: Readonly<Record<string, unknown>>;
  /** The logical inputs, as the function saw them. */
  readonly inputs: readonly Tensor[];
  /** The batch size. */
  readonly size: number;
  /** How the vmap treats random ops: 'error', 'different' or 'same'. */
  readonly randomness: 'error' | 'different' | 'same';
  /** Input i's physical tensor (batch dim 0), or null where it is not batched at this level. */
  phys(i: number): Tensor | null;
  /** Input i with a batch dim in front: its physical tensor, or the input expanded over the batch. */
  batched(i: number): Tensor;
}

/** What a batching rule returns to have the op's own implementation run on the logical tensors, each op inside it batched. */
export const RUN_PARTS: unique symbol = Symbol('vmap.runParts');
/**
 * Runs one op batched; returns the op's result shape (a tensor, a list, an object) of physical tensors,
 * undefined to loop instead, or RUN_PARTS where the op is made of public ops that batch on their own.
 */
export type BatchRule = (c: BatchContext) => unknown;

const rules = new Map<string, BatchRule>();
let builtIn = false;
/** Registers the built-in rules once (vmap loads them on first use). */
export function ensureBatchRules(): void {
  if (builtIn) return;
  builtIn = true;
  registerBatchRules();
}

/** Registers (or replaces) the batching rule of core op `op`. */
export function defineBatchRule(op: OpName, rule: BatchRule): void { ensureBatchRules(); rules.set(op, rule); }
/** The batching rule of `op`, if any. */
export const getBatchRule = (op: string): BatchRule | undefined => rules.get(op);
/** The names of the ops that have a batching rule. */
export const batchRuleNames = (): string[] => { ensureBatchRules(); return [...rules.keys()]; };

/** A logical dim (negative from the end of a rank-`ndim` tensor) as the physical dim behind it. */
export const physDim = (d: number, ndim: number): number => (d < 0 ? d + ndim : d) + 1;

/**
 * Physical operands of a broadcasting op: batched ones get size-1 dims after the batch dim up to the
 * largest logical rank, so broadcasting lines up the logical dims; unbatched ones stay as they are.
 */
export function aligned(c: BatchContext, idx: readonly number[] = c.inputs.map((_, i) => i)): Tensor[] {
  const rank = Math.max(...idx.map((i) => c.inputs[i]!.ndim));
  return idx.map((i) => {
    const p = c.phys(i);
    if (!p) return c.inputs[i]!;
    let r = p;
    for (let k = c.inputs[i]!.ndim; k < rank; k++) r = r.unsqueeze(1);
    return r;
  });
}
