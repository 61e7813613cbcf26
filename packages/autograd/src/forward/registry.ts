// The table of forward-mode (jvp) rules, keyed by core's op names like the gradient rules: each maps the
// tangents of an op's inputs to the tangents of its outputs with public ops, so it runs on every backend
// and composes with the tape (reverse over forward) and with vmap.
import type { OpName, Tensor } from '@flint/core';
import { registerForwardRules } from './rules/index.js';

/** What a forward rule sees of one op call. */
export interface ForwardContext {
  /** The op's name in core's schema. */
  readonly op: OpName;
  /** The call's attributes. */
  readonly attrs: Readonly<Record<string, unknown>>;
  /** The call's tensor inputs (primals). */
  readonly inputs: readonly Tensor[];
  /** The call's outputs (primals). */
  readonly outputs: readonly Tensor[];
  /** The tangent of input i, or null where it has none (a zero tangent). */
  tangent(i: number): Tensor | null;
}

/** The derivative of one op in forward mode, registered with {@link defineForwardRule}. */
export interface ForwardRule {
  /** The tangent of each output (null for outputs that carry none, such as indices). */
  jvp(ctx: ForwardContext): (Tensor | null)[];
  /** When given and false for a call's attrs, the op is differentiated through its composite parts. */
  when?(attrs: Readonly<Record<string, unknown>>): boolean;
}

const rules = new Map<string, ForwardRule>();
let builtIn = false;
/** Registers the built-in rules once (forward mode loads them on first use). */
export function ensureForwardRules(): void {
  if (builtIn) return;
  builtIn = true;
  registerForwardRules();
}

/** Registers (or replaces) the forward-mode rule of core op `op`. */
export function defineForwardRule(op: OpName, rule: ForwardRule): void { ensureForwardRules(); rules.set(op, rule); }
/** The forward rule of `op` that applies to these attrs, if any. */
export function getForwardRule(op: string, attrs?: Readonly<Record<string, unknown>>): ForwardRule | undefined {
  const r = rules.get(op);
  return r && (!r.when || !attrs || r.when(attrs)) ? r : undefined;
}
/** Removes op's forward rule, returning it (tests use this to check the missing-rule error). */
export function removeForwardRule(op: string): ForwardRule | undefined { ensureForwardRules(); const r = rules.get(op); rules.delete(op); return r; }
/** The names of the ops that have a forward-mode rule. */
export const forwardRuleNames = (): string[] => { ensureForwardRules(); return [...rules.keys()]; };

/** Sum of the non-null terms (null when all are null): a tangent is linear in the inputs' tangents. */
export function sumTerms(...terms: (Tensor | null | undefined)[]): Tensor | null {
  let acc: Tensor | null = null;
  for (const t of terms) if (t) acc = acc ? acc.add(t) : t;
  return acc;
}
