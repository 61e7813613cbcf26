// Tensor: a strided view of reference-counted storage, with PyTorch's methods.
// Methods delegate to the op functions in ./ops, so every call goes through dispatch.
import { autograd, autogradIfInstalled, type GradFn } from './autograd-ext.js';
import type { DType } from './dtype.js';
import { DTYPES } from './dtype.js';
import { copyInto, registerTensorClass } from './dispatch.js';
import { scope } from './memory.js';
import { DTypeError, ShapeError, fmtShape } from './errors.js';
import type { NestedList, TensorData } from './tensor-base.js';
import { TensorBase, nest, toTensorData } from './tensor-base.js';
import * as ops from './ops/index.js';
import type { AlphaOptions, Dims, DivOptions, RoundOptions, SoftmaxOptions, SumOptions, ValuesIndices, VarOptions } from './ops/index.js';
import type { ShapeArg, TensorLike, Scalar } from './ops/index.js';
import type { ArgsortOptions, IndexItem, NormOptions, SortOptions, TopkOptions } from './ops/index.js';
import { formatTensor } from './print.js';
import { settleChecks } from './sync.js';
import { canCast } from './dtype-cast.js';

/**
 * An n-dimensional array on a device: a strided view of reference-counted storage, with PyTorch's methods (each
 * delegates to the op function of the same name).
 */
export class Tensor extends TensorBase {
  /** A view of the same storage with another shape/strides/offset (internal; views go through ops). */
  viewAs(shape: readonly number[], strides: readonly number[], offset: number): Tensor {
    return new Tensor(this.storage, shape, strides, offset);
  }

  // --- reading values ---
  /** The values as a flat typed array in row-major order (async: works on every backend). */
  async data<T extends TensorData = TensorData>(): Promise<T> {
    this.assertLive('data');
    const c = ops.contiguous(this);
    let host;
    try {
      host = await c.storage.backend.read(c.storage.buffer, c.dtype, c.offset, c.numel());
    } finally { if (c !== this) c.dispose(); }
    await settleChecks(this.device);
    return toTensorData(this.dtype, host) as T;
  }
  /** Synchronous read, on backends that support it (CPU). */
  dataSync<T extends TensorData = TensorData>(): T {
    this.assertLive('dataSync');
    const b = this.storage.backend;
    if (!b.readSync) throw new DTypeError(`dataSync: backend '${b.name}' reads asynchronously; use 'await tensor.data()'`);
    const c = ops.contiguous(this);
    try { return toTensorData(this.dtype, b.readSync(c.storage.buffer, c.dtype, c.offset, c.numel())) as T; } finally { if (c !== this) c.dispose(); }
  }
  /** The values as nested arrays of numbers (booleans for bool; int64 as numbers), shaped like the tensor. */
  async tolist(): Promise<NestedList> { return nest(await this.data(), this.shape, this.dtype); }
  /** The values as nested arrays, read synchronously (backends that support it, such as the CPU). */
  tolistSync(): NestedList { return nest(this.dataSync(), this.shape, this.dtype); }
  /**
   * The value of a one-element tensor: a number (int64 too, exact up to 2^53), or a boolean for a bool tensor.
   * Typed `number` (what `loss.item()` is): for a bool tensor write `item<boolean>()` (the dtype is not in the type).
   */
  async item<T extends number | boolean = number>(): Promise<T> { this.checkItem(); return nest(await this.data(), [], this.dtype) as T; }
  /** item(), read synchronously (backends that support it, such as the CPU). */
  itemSync<T extends number | boolean = number>(): T { this.checkItem(); return nest(this.dataSync(), [], this.dtype) as T; }
  private checkItem(): void {
    if (this.numel() !== 1) throw new ShapeError(`item: a Tensor with ${this.numel()} elements (shape ${fmtShape(this.shape)}) cannot be converted to a scalar`);
  }
  override toString(): string { return formatTensor(this); }

  // --- device and dtype ---
  /** Move to a device and/or cast: x.to('cpu'), x.to('float64'), x.to({ device, dtype }). */
  to(target: string | { device?: string; dtype?: DType }): Tensor {
    const { device, dtype } = typeof target === 'string' ? (isDType(target) ? { dtype: target, device: undefined } : { device: target, dtype: undefined }) : target;
    let out: Tensor = this;
    if (dtype && dtype !== this.dtype) out = ops.cast(this, dtype);
    if (device && device !== out.device) {
      const moved = ops.toDevice(out, device);
      if (out !== this) out.dispose();
      out = moved;
    }
    return out;
  }
  /** Move to another device when the source can only be read asynchronously (GPU to CPU). */
  async toAsync(device: string): Promise<Tensor> { return ops.toDeviceAsync(this, device); }
  /** A float32 copy (this tensor itself when it is float32 already). */
  float(): Tensor { return this.to('float32'); }
  /** A float64 copy (this tensor itself when it is float64 already). */
  double(): Tensor { return this.to('float64'); }
  /** A float16 copy (this tensor itself when it is float16 already). */
  half(): Tensor { return this.to('float16'); }
  /** A bfloat16 copy (this tensor itself when it is bfloat16 already). */
  bfloat16(): Tensor { return this.to('bfloat16'); }
  /** An int32 copy (this tensor itself when it is int32 already). */
  int(): Tensor { return this.to('int32'); }
  /** An int64 copy (this tensor itself when it is int64 already). */
  long(): Tensor { return this.to('int64'); }
  /** A bool copy (this tensor itself when it is bool already). */
  bool(): Tensor { return this.to('bool'); }
  /** This tensor on the `'cpu'` device (itself when it is there already). */
  cpu(): Tensor { return this.to('cpu'); }

  // --- autograd members (provided by @flint/autograd) ---
  /** Whether autograd records operations on this tensor (false when `@flint/autograd` is not loaded). */
  get requiresGrad(): boolean { return autogradIfInstalled()?.getRequiresGrad(this) ?? false; }
  /** Sets whether autograd records operations on this tensor (leaves only; needs `@flint/autograd`). */
  set requiresGrad(v: boolean) { autograd('requiresGrad').setRequiresGrad(this, v); }
  /** Sets `requiresGrad` in place and returns this tensor. */
  requiresGrad_(v = true): this { autograd('requiresGrad_').setRequiresGrad(this, v); return this; }
  /** The gradient accumulated by `backward()`, or null. */
  get grad(): Tensor | null { return autograd('grad').getGrad(this); }
  /** Sets or clears (null) the accumulated gradient. */
  set grad(g: Tensor | null) { autograd('grad').setGrad(this, g); }
  /** What produced this tensor (null for leaves), as torch's grad_fn. */
  get gradFn(): GradFn | null { return autogradIfInstalled()?.getGradFn(this) ?? null; }
  /** Whether this tensor was created by the user rather than by a recorded op. */
  get isLeaf(): boolean { return autograd('isLeaf').isLeaf(this); }
  /** Keeps `grad` for this non-leaf tensor after `backward()`. */
  retainGrad(): void { autograd('retainGrad').retainGrad(this); }
  /** Accumulates the gradient of this tensor (a scalar, or with `gradient` given) into the leaves' `grad`. */
  backward(gradient?: Tensor, options?: { retainGraph?: boolean; createGraph?: boolean }): void { autograd('backward').backward(this, gradient, options); }
  /**
   * Calls `fn` with this tensor's gradient during backward (its return value replaces it); returns a function that
   * removes the hook.
   */
  registerHook(fn: (grad: Tensor) => Tensor | void): () => void { return autograd('registerHook').registerHook(this, fn); }
  /** A view that shares storage and is cut from the autograd graph. */
  detach(): Tensor { return autogradIfInstalled()?.detach(this) ?? this.viewAs(this.shape, this.strides, this.offset); }

  // --- in place (bump the storage version so saved tensors can be checked) ---
  /** Compute `fn(self)` out of place, then write it into this tensor's storage. */
  private inPlace(op: string, fn: (self: Tensor) => Tensor): this {
    const ag = autogradIfInstalled();
    // Autograd may hand back a copy of `this`, so what the graph saved is not overwritten below.
    const self = ag ? ag.inPlaceSource(op, this) : this;
    // the scope frees whatever fn makes on the way (views, casts) except the result
    const result = scope(() => fn(self));
    try {
      if (!canCast(result.dtype, this.dtype)) throw new DTypeError(`${op}: result type ${result.dtype} can't be cast to the desired output type ${this.dtype}`);
      if (result.ndim !== this.ndim || result.shape.some((d, i) => d !== this.shape[i])) {
        throw new ShapeError(`${op}: output with shape ${fmtShape(this.shape)} doesn't match the broadcast shape ${fmtShape(result.shape)}`);
      }
      const src = result.dtype === this.dtype ? result : ops.cast(result, this.dtype);
      copyInto(this, src);
      ag?.onInPlace(op, this, src);
      if (src !== result) src.dispose();
    } finally {
      result.dispose();
      if (self !== this) self.dispose();
    }
    return this;
  }
  /** In place: this += o; returns this. */
  add_(o: TensorLike): this { return this.inPlace('add_', (s) => ops.add(s, o)); }
  /** In place: this -= o; returns this. */
  sub_(o: TensorLike): this { return this.inPlace('sub_', (s) => ops.sub(s, o)); }
  /** In place: this *= o; returns this. */
  mul_(o: TensorLike): this { return this.inPlace('mul_', (s) => ops.mul(s, o)); }
  /** In place: this /= o; returns this. */
  div_(o: TensorLike): this { return this.inPlace('div_', (s) => ops.div(s, o)); }
  /** In place: clamps to [min, max]; returns this. */
  clamp_(min?: TensorLike | null, max?: TensorLike | null): this { return this.inPlace('clamp_', (s) => ops.clamp(s, min, max)); }
  /** In place: fills with zeros; returns this. */
  zero_(): this { return this.fill_(0); }
  /** In place: fills with `v`; returns this. */
  fill_(v: Scalar): this { return this.inPlace('fill_', () => ops.full(this.shape, v, { dtype: this.dtype, device: this.device })); }
  /** In place: copies `src` (broadcast, cast and moved to this tensor's device) into this tensor; returns this. */
  copy_(src: Tensor): this {
    return this.inPlace('copy_', () => {
      const moved = src.device === this.device ? src : ops.toDevice(src, this.device);
      return ops.cast(ops.expand(moved, this.shape), this.dtype);
    });
  }

  // --- elementwise ---
  /** this + alpha * o, elementwise with broadcasting. */
  add(o: TensorLike, opts?: AlphaOptions): Tensor { return ops.add(this, o, opts); }
  /** this - alpha * o, elementwise with broadcasting. */
  sub(o: TensorLike, opts?: AlphaOptions): Tensor { return ops.sub(this, o, opts); }
  /** this * o, elementwise with broadcasting. */
  mul(o: TensorLike): Tensor { return ops.mul(this, o); }
  /** this / o, elementwise (true division, or rounded with `roundingMode`). */
  div(o: TensorLike, opts?: DivOptions): Tensor { return ops.div(this, o, opts); }
  /** this ** o, elementwise. */
  pow(o: TensorLike): Tensor { return ops.pow(this, o); }
  /** The larger of this and o, elementwise (NaN propagates). */
  maximum(o: TensorLike): Tensor { return ops.maximum(this, o); }
  /** The smaller of this and o, elementwise (NaN propagates). */
  minimum(o: TensorLike): Tensor { return ops.minimum(this, o); }
  /** The remainder of this / o with the sign of o (Python's %), elementwise. */
  remainder(o: TensorLike): Tensor { return ops.remainder(this, o); }
  /** this == o, elementwise, as bool. */
  eq(o: TensorLike): Tensor { return ops.eq(this, o); }
  /** this != o, elementwise, as bool. */
  ne(o: TensorLike): Tensor { return ops.ne(this, o); }
  /** this < o, elementwise, as bool. */
  lt(o: TensorLike): Tensor { return ops.lt(this, o); }
  /** this <= o, elementwise, as bool. */
  le(o: TensorLike): Tensor { return ops.le(this, o); }
  /** this > o, elementwise, as bool. */
  gt(o: TensorLike): Tensor { return ops.gt(this, o); }
  /** this >= o, elementwise, as bool. */
  ge(o: TensorLike): Tensor { return ops.ge(this, o); }
  /** Logical and of this and o (nonzero is true), as bool. */
  logicalAnd(o: TensorLike): Tensor { return ops.logicalAnd(this, o); }
  /** Logical or of this and o (nonzero is true), as bool. */
  logicalOr(o: TensorLike): Tensor { return ops.logicalOr(this, o); }
  /** Logical not (zero becomes true), as bool. */
  logicalNot(): Tensor { return ops.logicalNot(this); }
  /** -this, elementwise. */
  neg(): Tensor { return ops.neg(this); }
  /** |this|, elementwise. */
  abs(): Tensor { return ops.abs(this); }
  /** e ** this, elementwise. */
  exp(): Tensor { return ops.exp(this); }
  /** The natural logarithm, elementwise. */
  log(): Tensor { return ops.log(this); }
  /** log(1 + this), accurate near 0. */
  log1p(): Tensor { return ops.log1p(this); }
  /** exp(this) - 1, accurate near 0. */
  expm1(): Tensor { return ops.expm1(this); }
  /** The square root, elementwise. */
  sqrt(): Tensor { return ops.sqrt(this); }
  /** 1 / sqrt(this), elementwise. */
  rsqrt(): Tensor { return ops.rsqrt(this); }
  /** 1 / this, elementwise. */
  reciprocal(): Tensor { return ops.reciprocal(this); }
  /** The sine, elementwise. */
  sin(): Tensor { return ops.sin(this); }
  /** The cosine, elementwise. */
  cos(): Tensor { return ops.cos(this); }
  /** The hyperbolic tangent, elementwise. */
  tanh(): Tensor { return ops.tanh(this); }
  /** 1 / (1 + exp(-this)), elementwise. */
  sigmoid(): Tensor { return ops.sigmoid(this); }
  /** max(0, this), elementwise. */
  relu(): Tensor { return ops.relu(this); }
  /** -1, 0 or 1 by the sign of each element. */
  sign(): Tensor { return ops.sign(this); }
  /** Rounds down, elementwise. */
  floor(): Tensor { return ops.floor(this); }
  /** Rounds up, elementwise. */
  ceil(): Tensor { return ops.ceil(this); }
  /** Rounds half to even, elementwise (to `decimals` places when given). */
  round(opts?: RoundOptions): Tensor { return ops.round(this, opts); }
  /** Clamps into [min, max] (either may be null), elementwise. */
  clamp(min?: TensorLike | null, max?: TensorLike | null): Tensor { return ops.clamp(this, min, max); }
  /** This where `cond` is true, `other` elsewhere. */
  where(cond: Tensor, other: TensorLike): Tensor { return ops.where(cond, this, other); }

  // --- reductions ---
  /** The sum over `dim` (all dims when omitted). */
  sum(dim?: Dims, keepdim = false, opts?: SumOptions): Tensor { return ops.sum(this, dim, keepdim, opts); }
  /** The mean over `dim` (all dims when omitted). */
  mean(dim?: Dims, keepdim = false): Tensor { return ops.mean(this, dim, keepdim); }
  /** The product over `dim` (all elements when omitted). */
  prod(dim?: number, keepdim = false, opts?: SumOptions): Tensor { return ops.prod(this, dim, keepdim, opts); }
  /** The largest element. */
  max(): Tensor;
  /** The largest values along `dim` and their indices. */
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices { return dim === undefined ? ops.max(this) : ops.max(this, dim, keepdim); }
  /** The smallest element. */
  min(): Tensor;
  /** The smallest values along `dim` and their indices. */
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices { return dim === undefined ? ops.min(this) : ops.min(this, dim, keepdim); }
  /** The largest values over `dim` (all dims when omitted), without indices. */
  amax(dim?: Dims, keepdim = false): Tensor { return ops.amax(this, dim, keepdim); }
  /** The smallest values over `dim` (all dims when omitted), without indices. */
  amin(dim?: Dims, keepdim = false): Tensor { return ops.amin(this, dim, keepdim); }
  /** The index of the largest value along `dim` (of the flattened tensor when omitted). */
  argmax(dim?: number, keepdim = false): Tensor { return ops.argmax(this, dim, keepdim); }
  /** The index of the smallest value along `dim` (of the flattened tensor when omitted). */
  argmin(dim?: number, keepdim = false): Tensor { return ops.argmin(this, dim, keepdim); }
  /** The variance over `dim` (Bessel-corrected unless `correction: 0`). */
  var(dim?: Dims, keepdim = false, opts?: VarOptions): Tensor { return ops.variance(this, dim, keepdim, opts); }
  /** The standard deviation over `dim` (Bessel-corrected unless `correction: 0`). */
  std(dim?: Dims, keepdim = false, opts?: VarOptions): Tensor { return ops.std(this, dim, keepdim, opts); }
  /** log(sum(exp(this))) over `dim`, computed stably. */
  logsumexp(dim: Dims, keepdim = false): Tensor { return ops.logsumexp(this, dim, keepdim); }
  /** Whether every element over `dim` is nonzero, as bool. */
  all(dim?: Dims, keepdim = false): Tensor { return ops.all(this, dim, keepdim); }
  /** Whether any element over `dim` is nonzero, as bool. */
  any(dim?: Dims, keepdim = false): Tensor { return ops.any(this, dim, keepdim); }
  /** Softmax along `dim`. */
  softmax(dim: number, opts?: SoftmaxOptions): Tensor { return ops.softmax(this, dim, opts); }
  /** log(softmax) along `dim`, computed stably. */
  logSoftmax(dim: number, opts?: SoftmaxOptions): Tensor { return ops.logSoftmax(this, dim, opts); }
  /** Cumulative sum along `dim`. */
  cumsum(dim: number, opts?: SumOptions): Tensor { return ops.cumsum(this, dim, opts); }

  // --- linear algebra ---
  /** Matrix product with broadcasting of batch dims (torch.matmul's rules for 1-d operands). */
  matmul(o: Tensor): Tensor { return ops.matmul(this, o); }
  /** Product of two matrices. */
  mm(o: Tensor): Tensor { return ops.mm(this, o); }
  /** Batched product of [B, n, m] and [B, m, p]. */
  bmm(o: Tensor): Tensor { return ops.bmm(this, o); }

  // --- views and shape ---
  /** The same values in a new shape (a view when the strides allow, else a copy); -1 infers one size. */
  reshape(...shape: ShapeArg[]): Tensor { return ops.reshape(this, ...shape); }
  /** A view with a new shape; throws when the strides don't allow one. */
  view(...shape: ShapeArg[]): Tensor { return ops.view(this, ...shape); }
  /** A view with the dims reordered. */
  permute(...dims: ShapeArg[]): Tensor { return ops.permute(this, ...dims); }
  /** A view with dims `dim0` and `dim1` swapped. */
  transpose(dim0: number, dim1: number): Tensor { return ops.transpose(this, dim0, dim1); }
  /** The transpose of a matrix (a 0-d or 1-d tensor as is). */
  t(): Tensor { return ops.t(this); }
  /** A view with all dims reversed. */
  get T(): Tensor { return ops.permute(this, [...Array(this.ndim).keys()].reverse()); }
  /** A view with a size-1 dim inserted at `dim`. */
  unsqueeze(dim: number): Tensor { return ops.unsqueeze(this, dim); }
  /** A view without size-1 dims (only those in `dim` when given). */
  squeeze(dim?: number | readonly number[]): Tensor { return ops.squeeze(this, dim); }
  /** A view (or copy) with dims startDim..endDim merged into one. */
  flatten(startDim = 0, endDim = -1): Tensor { return ops.flatten(this, startDim, endDim); }
  /** A view with size-1 dims repeated to `sizes` (-1 keeps a size), without copying. */
  expand(...sizes: ShapeArg[]): Tensor { return ops.expand(this, ...sizes); }
  /** A view expanded to the shape of `o`. */
  expandAs(o: Tensor): Tensor { return ops.expand(this, o.shape); }
  /** A view broadcast to `shape`, as torch.broadcast_to. */
  broadcastTo(...shape: ShapeArg[]): Tensor { return ops.broadcastTo(this, ...shape); }
  /** A view of `length` entries of `dim` from `start`. */
  narrow(dim: number, start: number | Tensor, length: number): Tensor { return ops.narrow(this, dim, start, length); }
  /** A view of entry `index` of `dim`, without that dim. */
  select(dim: number, index: number): Tensor { return ops.select(this, dim, index); }
  /** This tensor if it is contiguous, else a contiguous copy. */
  contiguous(): Tensor { return ops.contiguous(this); }
  /** A copy with its own storage. */
  clone(): Tensor { return ops.clone(this); }
  /** Views splitting `dim` into pieces of `splitSize` (or of the given sizes). */
  split(splitSize: number | readonly number[], dim = 0): Tensor[] { return ops.split(this, splitSize, dim); }
  /** Views splitting `dim` into `chunks` near-equal pieces. */
  chunk(chunks: number, dim = 0): Tensor[] { return ops.chunk(this, chunks, dim); }
  /** The entries of `dim` at `index` (1-d, integer), copied. */
  indexSelect(dim: number, index: Tensor): Tensor { return ops.indexSelect(this, dim, index); }
  /** Values picked along `dim` at `index` (shaped like the result). */
  gather(dim: number, index: Tensor): Tensor { return ops.gather(this, dim, index); }
  /** A copy with `src` added at `index` along `dim`. */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return ops.scatterAdd(this, dim, index, src); }
  /** A copy with the order of `dims` reversed. */
  flip(dims: number | readonly number[]): Tensor { return ops.flip(this, dims); }
  /** The tensor tiled `sizes` times along each dim (torch.Tensor.repeat). */
  repeat(...sizes: ShapeArg[]): Tensor { return ops.repeat(this, ...sizes); }
  /** The tensor tiled along each dim, as torch.tile (missing leading reps count as 1). */
  tile(...dims: ShapeArg[]): Tensor { return ops.tile(this, ...dims); }

  // --- indexing, sorting, norms (ops/slicing.ts, masked.ts, sort.ts, vector-norm.ts) ---
  /** x[1, ':', null, '::2', '...'] as a view; see index() for the items. */
  slice(...items: IndexItem[]): Tensor { return ops.index(this, ...items); }
  /** A copy with `value` where `mask` (bool, broadcast) is true. */
  maskedFill(mask: Tensor, value: Scalar | Tensor): Tensor { return ops.maskedFill(this, mask, value); }
  /** Sorted values along a dim and the indices they came from. */
  sort(opts?: SortOptions): ValuesIndices { return ops.sort(this, opts); }
  /** The indices that sort along a dim. */
  argsort(opts?: ArgsortOptions): Tensor { return ops.argsort(this, opts); }
  /** The `k` largest (or smallest) values along a dim and their indices. */
  topk(k: number, opts?: TopkOptions): ValuesIndices { return ops.topk(this, k, opts); }
  /** A vector norm over dims (2-norm of all elements by default). */
  norm(opts?: NormOptions): Tensor { return ops.norm(this, opts); }
}

const isDType = (s: string): s is DType => (DTYPES as readonly string[]).includes(s);

registerTensorClass(Tensor);
