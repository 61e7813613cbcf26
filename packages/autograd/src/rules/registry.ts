// The table of gradient rules, keyed by core's op names. Rules are written with public Flint ops,
// so they run on every backend and, recorded themselves, give higher-order gradients.
import type { DType, OpCall, OpName, Tensor } from '@flint/core';

export interface InputInfo { readonly shape: readonly number[]; readonly dtype: DType; readonly device: string }

/** What a gradient rule's backward sees of the call it differentiates. */
export interface GradContext {
  /** The op's name in core's schema. */
  readonly op: OpName;
  /** The call's attributes (dims, options, ...). */
  readonly attrs: Readonly<Record<string, unknown>>;
  /** Shape, dtype and device of each input. */
  readonly inputs: readonly InputInfo[];
  /** Shape, dtype and device of each output. */
  readonly outputs: readonly InputInfo[];
  /** The i-th tensor the rule's `save` returned (throws if it was modified in place since). */
  saved(i: number): Tensor;
  /** Whether input i needs a gradient (skip work for the others). */
  needsGrad(i: number): boolean;
}

/** One gradient per output of an op, null for outputs that took no gradient. */
export type Grads = readonly (Tensor | null)[];

/** The derivative of one core op, registered with {@link defineRule}. */
export interface GradRule {
  /** The tensors backward needs, picked from the call's inputs and outputs. Default: none. */
  save?(call: OpCall): readonly Tensor[];
  /** Gradients for each input (null where none), given the gradients of each output (null if unused). */
  backward(ctx: GradContext, grads: Grads): (Tensor | null)[];
  /** When given and false for a call's attrs, the op is differentiated through its composite parts. */
  when?(attrs: Readonly<Record<string, unknown>>): boolean;
}

const rules = new Map<string, GradRule>();
/** Ops whose outputs never carry gradients (comparisons, indices, integer results). */
const nondifferentiable = new Set<string>();

/** Registers (or replaces) the gradient rule of core op `op`. */
export function defineRule(op: OpName, rule: GradRule): void { rules.set(op, rule); }
/** Ops whose outputs never carry gradients; names beyond core's ops are allowed (randperm is built from tensor()). */
export function defineNondifferentiable(...ops: (OpName | 'randperm')[]): void { for (const op of ops) nondifferentiable.add(op); }
export function getRule(op: string, attrs?: Readonly<Record<string, unknown>>): GradRule | undefined {
  const r = rules.get(op);
  return r && (!r.when || !attrs || r.when(attrs)) ? r : undefined;
}
export const isNondifferentiable = (op: string): boolean => nondifferentiable.has(op);
/** The names of the ops that have a gradient rule. */
export const ruleNames = (): string[] => [...rules.keys()];
