// The kernel schema: every kernel of the backend contract, its inputs, outputs, attrs, in-place inputs and
// layout, in one table. Backend types, registration checks, BACKENDS.md and the testkit's mock GPU derive
// from it (tooling/codegen/backends-md.ts renders the docs).
import { OPTIONAL } from './optional.js';
import { REQUIRED } from './required.js';
import type { AttrsOf, KernelSpec } from './types.js';

export type { AttrDesc, AttrKind, AttrSpecs, AttrsOf, DTypeRule, InputSpec, KernelSpec, OutputSpec } from './types.js';
export { OP_NAMES } from './ops.js';
export type { OpName } from './ops.js';

/** The name of a kernel every backend must provide. */
export type RequiredKernel = keyof typeof REQUIRED;
/** The name of a kernel a backend may provide (core falls back to a composite). */
export type OptionalKernel = keyof typeof OPTIONAL;
/** The name of any kernel of the contract. */
export type KernelName = RequiredKernel | OptionalKernel;

type Specs = typeof REQUIRED & typeof OPTIONAL;
/** The attrs a kernel receives, typed from its schema entry: `KernelAttrsOf<'conv2d'>` has stride, padding, ... */
export type KernelAttrsOf<K extends KernelName> = AttrsOf<Specs[K]['attrs']>;

/** Every kernel's entry, required tier first. */
export const KERNELS: Readonly<Record<KernelName, KernelSpec>> = { ...REQUIRED, ...OPTIONAL };

/** Every required kernel's name. */
export const REQUIRED_KERNELS = Object.keys(REQUIRED) as readonly RequiredKernel[];
/** Every optional kernel's name. */
export const OPTIONAL_KERNELS = Object.keys(OPTIONAL) as readonly OptionalKernel[];
/** Every kernel's name. */
export const KERNEL_NAMES = Object.keys(KERNELS) as readonly KernelName[];

/** Whether `name` is a kernel of the contract. */
export const isKernelName = (name: string): name is KernelName => Object.prototype.hasOwnProperty.call(KERNELS, name);

/** copy, cast and fill move data: they see every storage dtype; every other kernel sees only dtypes the backend computes in. */
export const STORAGE_KERNELS: readonly KernelName[] = ['copy', 'cast', 'fill'];

/** Indices of the inputs a kernel writes in place. */
export const inPlaceInputs = (k: KernelName): number[] =>
  KERNELS[k].inputs.flatMap((s, i) => (s.inPlace ? [i] : []));
