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
import { formatTensor } from './print.js';
import { settleChecks } from './sync.js';
import { canCast } from './dtype-cast.js';

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
  async tolist(): Promise<NestedList> { return nest(await this.data(), this.shape, this.dtype); }
  tolistSync(): NestedList { return nest(this.dataSync(), this.shape, this.dtype); }
  async item(): Promise<number | boolean> { this.checkItem(); return nest(await this.data(), [], this.dtype) as number | boolean; }
  itemSync(): number | boolean { this.checkItem(); return nest(this.dataSync(), [], this.dtype) as number | boolean; }
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
  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  half(): Tensor { return this.to('float16'); }
  int(): Tensor { return this.to('int32'); }
  long(): Tensor { return this.to('int64'); }
  bool(): Tensor { return this.to('bool'); }
  cpu(): Tensor { return this.to('cpu'); }

  // --- autograd members (provided by @flint/autograd) ---
  get requiresGrad(): boolean { return autogradIfInstalled()?.getRequiresGrad(this) ?? false; }
  set requiresGrad(v: boolean) { autograd('requiresGrad').setRequiresGrad(this, v); }
  requiresGrad_(v = true): this { autograd('requiresGrad_').setRequiresGrad(this, v); return this; }
  get grad(): Tensor | null { return autograd('grad').getGrad(this); }
  set grad(g: Tensor | null) { autograd('grad').setGrad(this, g); }
  /** What produced this tensor (null for leaves), as torch's grad_fn. */
  get gradFn(): GradFn | null { return autogradIfInstalled()?.getGradFn(this) ?? null; }
  get isLeaf(): boolean { return autograd('isLeaf').isLeaf(this); }
  retainGrad(): void { autograd('retainGrad').retainGrad(this); }
  backward(gradient?: Tensor, options?: { retainGraph?: boolean; createGraph?: boolean }): void { autograd('backward').backward(this, gradient, options); }
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
  add_(o: TensorLike): this { return this.inPlace('add_', (s) => ops.add(s, o)); }
  sub_(o: TensorLike): this { return this.inPlace('sub_', (s) => ops.sub(s, o)); }
  mul_(o: TensorLike): this { return this.inPlace('mul_', (s) => ops.mul(s, o)); }
  div_(o: TensorLike): this { return this.inPlace('div_', (s) => ops.div(s, o)); }
  clamp_(min?: TensorLike | null, max?: TensorLike | null): this { return this.inPlace('clamp_', (s) => ops.clamp(s, min, max)); }
  zero_(): this { return this.fill_(0); }
  fill_(v: Scalar): this { return this.inPlace('fill_', () => ops.full(this.shape, v, { dtype: this.dtype, device: this.device })); }
  copy_(src: Tensor): this {
    return this.inPlace('copy_', () => {
      const moved = src.device === this.device ? src : ops.toDevice(src, this.device);
      return ops.cast(ops.expand(moved, this.shape), this.dtype);
    });
  }

  // --- elementwise ---
  add(o: TensorLike, opts?: AlphaOptions): Tensor { return ops.add(this, o, opts); }
  sub(o: TensorLike, opts?: AlphaOptions): Tensor { return ops.sub(this, o, opts); }
  mul(o: TensorLike): Tensor { return ops.mul(this, o); }
  div(o: TensorLike, opts?: DivOptions): Tensor { return ops.div(this, o, opts); }
  pow(o: TensorLike): Tensor { return ops.pow(this, o); }
  maximum(o: TensorLike): Tensor { return ops.maximum(this, o); }
  minimum(o: TensorLike): Tensor { return ops.minimum(this, o); }
  remainder(o: TensorLike): Tensor { return ops.remainder(this, o); }
  eq(o: TensorLike): Tensor { return ops.eq(this, o); }
  ne(o: TensorLike): Tensor { return ops.ne(this, o); }
  lt(o: TensorLike): Tensor { return ops.lt(this, o); }
  le(o: TensorLike): Tensor { return ops.le(this, o); }
  gt(o: TensorLike): Tensor { return ops.gt(this, o); }
  ge(o: TensorLike): Tensor { return ops.ge(this, o); }
  logicalAnd(o: TensorLike): Tensor { return ops.logicalAnd(this, o); }
  logicalOr(o: TensorLike): Tensor { return ops.logicalOr(this, o); }
  logicalNot(): Tensor { return ops.logicalNot(this); }
  neg(): Tensor { return ops.neg(this); }
  abs(): Tensor { return ops.abs(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  log1p(): Tensor { return ops.log1p(this); }
  expm1(): Tensor { return ops.expm1(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  rsqrt(): Tensor { return ops.rsqrt(this); }
  reciprocal(): Tensor { return ops.reciprocal(this); }
  sin(): Tensor { return ops.sin(this); }
  cos(): Tensor { return ops.cos(this); }
  tanh(): Tensor { return ops.tanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  relu(): Tensor { return ops.relu(this); }
  sign(): Tensor { return ops.sign(this); }
  floor(): Tensor { return ops.floor(this); }
  ceil(): Tensor { return ops.ceil(this); }
  round(opts?: RoundOptions): Tensor { return ops.round(this, opts); }
  clamp(min?: TensorLike | null, max?: TensorLike | null): Tensor { return ops.clamp(this, min, max); }
  where(cond: Tensor, other: TensorLike): Tensor { return ops.where(cond, this, other); }

  // --- reductions ---
  sum(dim?: Dims, keepdim = false, opts?: SumOptions): Tensor { return ops.sum(this, dim, keepdim, opts); }
  mean(dim?: Dims, keepdim = false): Tensor { return ops.mean(this, dim, keepdim); }
  prod(dim?: number, keepdim = false, opts?: SumOptions): Tensor { return ops.prod(this, dim, keepdim, opts); }
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices { return dim === undefined ? ops.max(this) : ops.max(this, dim, keepdim); }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices { return dim === undefined ? ops.min(this) : ops.min(this, dim, keepdim); }
  amax(dim?: Dims, keepdim = false): Tensor { return ops.amax(this, dim, keepdim); }
  amin(dim?: Dims, keepdim = false): Tensor { return ops.amin(this, dim, keepdim); }
  argmax(dim?: number, keepdim = false): Tensor { return ops.argmax(this, dim, keepdim); }
  argmin(dim?: number, keepdim = false): Tensor { return ops.argmin(this, dim, keepdim); }
  var(dim?: Dims, keepdim = false, opts?: VarOptions): Tensor { return ops.variance(this, dim, keepdim, opts); }
  std(dim?: Dims, keepdim = false, opts?: VarOptions): Tensor { return ops.std(this, dim, keepdim, opts); }
  logsumexp(dim: Dims, keepdim = false): Tensor { return ops.logsumexp(this, dim, keepdim); }
  all(dim?: Dims, keepdim = false): Tensor { return ops.all(this, dim, keepdim); }
  any(dim?: Dims, keepdim = false): Tensor { return ops.any(this, dim, keepdim); }
  softmax(dim: number, opts?: SoftmaxOptions): Tensor { return ops.softmax(this, dim, opts); }
  logSoftmax(dim: number, opts?: SoftmaxOptions): Tensor { return ops.logSoftmax(this, dim, opts); }
  cumsum(dim: number, opts?: SumOptions): Tensor { return ops.cumsum(this, dim, opts); }

  // --- linear algebra ---
  matmul(o: Tensor): Tensor { return ops.matmul(this, o); }
  mm(o: Tensor): Tensor { return ops.mm(this, o); }
  bmm(o: Tensor): Tensor { return ops.bmm(this, o); }

  // --- views and shape ---
  reshape(...shape: ShapeArg[]): Tensor { return ops.reshape(this, ...shape); }
  view(...shape: ShapeArg[]): Tensor { return ops.view(this, ...shape); }
  permute(...dims: ShapeArg[]): Tensor { return ops.permute(this, ...dims); }
  transpose(dim0: number, dim1: number): Tensor { return ops.transpose(this, dim0, dim1); }
  t(): Tensor { return ops.t(this); }
  get T(): Tensor { return ops.permute(this, [...Array(this.ndim).keys()].reverse()); }
  unsqueeze(dim: number): Tensor { return ops.unsqueeze(this, dim); }
  squeeze(dim?: number | readonly number[]): Tensor { return ops.squeeze(this, dim); }
  flatten(startDim = 0, endDim = -1): Tensor { return ops.flatten(this, startDim, endDim); }
  expand(...sizes: ShapeArg[]): Tensor { return ops.expand(this, ...sizes); }
  expandAs(o: Tensor): Tensor { return ops.expand(this, o.shape); }
  broadcastTo(...shape: ShapeArg[]): Tensor { return ops.broadcastTo(this, ...shape); }
  narrow(dim: number, start: number | Tensor, length: number): Tensor { return ops.narrow(this, dim, start, length); }
  select(dim: number, index: number): Tensor { return ops.select(this, dim, index); }
  contiguous(): Tensor { return ops.contiguous(this); }
  clone(): Tensor { return ops.clone(this); }
  split(splitSize: number | readonly number[], dim = 0): Tensor[] { return ops.split(this, splitSize, dim); }
  chunk(chunks: number, dim = 0): Tensor[] { return ops.chunk(this, chunks, dim); }
  indexSelect(dim: number, index: Tensor): Tensor { return ops.indexSelect(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { return ops.gather(this, dim, index); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return ops.scatterAdd(this, dim, index, src); }
  flip(dims: number | readonly number[]): Tensor { return ops.flip(this, dims); }
  repeat(...sizes: ShapeArg[]): Tensor { return ops.repeat(this, ...sizes); }
  tile(...dims: ShapeArg[]): Tensor { return ops.tile(this, ...dims); }
}

const isDType = (s: string): s is DType => (DTYPES as readonly string[]).includes(s);

registerTensorClass(Tensor);
