// Elementwise kernels (unary, activation, binary, scalar, compare, where): one launch of a generated
// kernel (kernels/elementwise.gen.cu) over strided views, with the operands' strides in a Geo struct.
import type { Kernel, KernelName } from '@flint/core';
import { GEO, packGeometry, type ArgKind } from '../runtime/args.js';
import { geometry } from '../runtime/geometry.js';
import { BINARY_DTYPES, COMPARE_OPS, UNARY_DTYPES } from './elementwise.gen.js';
import { COMPUTE, base, suffixIn, type CT, type CudaBuffer, type DeviceContext } from './util.js';

const FILE = 'elementwise.gen';

/** The Geo of an output and its inputs. */
export const geoOf = (out: CT, ins: readonly CT[]) =>
  geometry(out.shape, [out, ...ins].map((t) => ({ strides: t.strides, offset: t.offset })));

/** Launches `name` with a Geo for (out, ins) followed by the pointers and scalar arguments. */
export function launchGeo(ctx: DeviceContext, name: string, out: CT, ins: readonly CT[], extra: readonly ArgKind[], setExtra: (p: import('../runtime/args.js').ArgPack, at: number) => void): void {
  const g = geoOf(out, ins);
  if (g.n === 0) return;
  const kinds: ArgKind[] = [GEO, ...ins.map((): ArgKind => 'ptr'), 'ptr', ...extra];
  ctx.rt.launch({ file: FILE, name }, kinds, (p) => {
    packGeometry(p.view, p.offset(0), g);
    ins.forEach((t, i) => p.ptr(1 + i, base(t)));
    p.ptr(1 + ins.length, base(out));
    setExtra(p, 2 + ins.length);
  }, g.n);
}

const unary = (ctx: DeviceContext, op: string): Kernel<CudaBuffer> => ([x], [out], attrs) => {
  const s = suffixIn(op, x!.dtype, UNARY_DTYPES[op]!);
  const a = attrs as Record<string, unknown>;
  if (op === 'gelu') return launchGeo(ctx, `un_gelu_${s}`, out!, [x!], ['i32'], (p, i) => p.i32(i, a.approximate === 'tanh' ? 1 : 0));
  if (op === 'leakyRelu') return launchGeo(ctx, `un_leakyRelu_${s}`, out!, [x!], ['f64'], (p, i) => p.f64(i, Number(a.negativeSlope ?? 0.01)));
  if (op === 'softplus') return launchGeo(ctx, `un_softplus_${s}`, out!, [x!], ['f64', 'f64'], (p, i) => p.f64(i, Number(a.beta ?? 1)).f64(i + 1, Number(a.threshold ?? 20)));
  launchGeo(ctx, `un_${op}_${s}`, out!, [x!], [], () => {});
};

const binary = (ctx: DeviceContext, op: string): Kernel<CudaBuffer> => ([a, b], [out]) => {
  const s = suffixIn(op, a!.dtype, BINARY_DTYPES[op]!);
  launchGeo(ctx, `bin_${op}_${s}`, out!, [a!, b!], ['ptr', 'i32'], (p, i) => p.ptr(i, ctx.rt.errFlag.ptr).i32(i + 1, ctx.rt.site(op)));
};

const scalar = (ctx: DeviceContext, op: string): Kernel<CudaBuffer> => ([x], [out], attrs) => {
  const s = suffixIn(`${op}Scalar`, x!.dtype, BINARY_DTYPES[op]!);
  const a = attrs as { scalar: number; reverse?: boolean };
  launchGeo(ctx, `sc_${op}_${s}`, out!, [x!], ['f64', 'i32', 'ptr', 'i32'], (p, i) =>
    p.f64(i, Number(a.scalar)).i32(i + 1, a.reverse ? 1 : 0).ptr(i + 2, ctx.rt.errFlag.ptr).i32(i + 3, ctx.rt.site(`${op}Scalar`)));
};

const compare = (ctx: DeviceContext, op: string): Kernel<CudaBuffer> => ([a, b], [out]) => {
  launchGeo(ctx, `cmp_${op}_${suffixIn(op, a!.dtype, COMPUTE)}`, out!, [a!, b!], [], () => {});
};

const compareScalar = (ctx: DeviceContext, op: string): Kernel<CudaBuffer> => ([x], [out], attrs) => {
  launchGeo(ctx, `cmps_${op}_${suffixIn(`${op}Scalar`, x!.dtype, COMPUTE)}`, out!, [x!], ['f64'], (p, i) => p.f64(i, Number((attrs as { scalar: number }).scalar)));
};

const where = (ctx: DeviceContext): Kernel<CudaBuffer> => ([c, a, b], [out]) => {
  launchGeo(ctx, `where_${suffixIn('where', a!.dtype, COMPUTE)}`, out!, [c!, a!, b!], [], () => {});
};

/** The elementwise kernels, keyed by schema name. */
export function elementwiseKernels(ctx: DeviceContext): Partial<Record<KernelName, Kernel<CudaBuffer>>> {
  const t: Record<string, Kernel<CudaBuffer>> = {};
  for (const op of Object.keys(UNARY_DTYPES)) t[op] = unary(ctx, op);
  for (const op of Object.keys(BINARY_DTYPES)) { t[op] = binary(ctx, op); t[`${op}Scalar`] = scalar(ctx, op); }
  for (const op of COMPARE_OPS) { t[op] = compare(ctx, op); t[`${op}Scalar`] = compareScalar(ctx, op); }
  t.where = where(ctx);
  return t as Partial<Record<KernelName, Kernel<CudaBuffer>>>;
}

/** Elementwise kernels that take strided views (every other kernel gets dense inputs from core). */
export const STRIDED_ELEMENTWISE = [...Object.keys(UNARY_DTYPES), ...Object.keys(BINARY_DTYPES), ...Object.keys(BINARY_DTYPES).map((o) => `${o}Scalar`),
  ...COMPARE_OPS, ...COMPARE_OPS.map((o) => `${o}Scalar`), 'where'] as readonly string[];
