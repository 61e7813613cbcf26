// Module: PyTorch's nn.Module. Parameters and submodules are found by scanning the instance's own
// properties in definition order (so `this.fc1 = new Linear(4, 8)` registers fc1); buffers are named
// explicitly with registerBuffer. State-dict keys are the property paths, as in PyTorch.
import { DTYPES, DeviceError, DisposedError, FlintError, ShapeError, isFloating as isFloatingDType, isTensor, type DType, type Tensor } from '@flint/core';
import { noGrad } from '@flint/autograd';
import { Parameter } from './parameter.js';

/**
 * What {@link Module.loadStateDict} reports.
 * @property missingKeys - the model's keys the state dict lacked
 * @property unexpectedKeys - the state dict's keys the model lacks
 */
export interface LoadResult { missingKeys: string[]; unexpectedKeys: string[] }
/** A module's state: tensors keyed by their dotted property paths (`fc1.weight`). */
export type StateDict = Record<string, Tensor>;
/** Where {@link Module.to} moves a module: a device name, or a device and/or dtype. */
export type ToTarget = string | { device?: string; dtype?: DType };

/** An error from loadStateDict that lists every offending key. */
export class StateDictError extends Error {
  /**
   * @param message - the error message, listing every offending key
   * @param missingKeys - the model's keys the state dict lacked
   * @param unexpectedKeys - the state dict's keys the model lacks
   * @param mismatched - one line per key whose shapes differ
   */
  constructor(message: string, readonly missingKeys: string[], readonly unexpectedKeys: string[], readonly mismatched: string[]) {
    super(message);
    this.name = 'StateDictError';
  }
}

type Slots = Record<string, unknown>;

/**
 * The base of every layer and model, PyTorch's nn.Module: subclass it, assign layers and parameters as properties,
 * define `forward`.
 */
export class Module {
  /**
   * Whether the module is in training mode (dropout and batch norm behave differently); set by `train()` and `eval()`.
   */
  training = true;
  /** Buffer names in registration order, with their persistent flag. */
  readonly #buffers = new Map<string, boolean>();

  /** The computation; subclasses override it. */
  forward(..._args: unknown[]): unknown {
    throw new Error(`${this.constructor.name}: forward() is not implemented; subclasses of Module must define forward()`);
  }

  /**
   * PyTorch's `module(x)`: runs forward. A Flint error from inside is re-raised with the same class and the
   * innermost module named first (`Linear(in_features=4, ...): matmul: ...`), so a message points at a layer.
   */
  call<M extends Module>(this: M, ...args: Parameters<M['forward']>): ReturnType<M['forward']> {
    try {
      return this.forward(...args) as ReturnType<M['forward']>;
    } catch (e) {
      throw namedByModule(this, e);
    }
  }

  // --- registration ---
  /** Sets parameter `name` (null declares it absent, as for a layer without bias). */
  registerParameter(name: string, p: Parameter | null): void {
    checkName(this, name);
    if (p !== null && !(p instanceof Parameter)) throw new TypeError(`registerParameter: '${name}' must be a Parameter or null; wrap the tensor with new Parameter(t)`);
    (this as unknown as Slots)[name] = p;
  }
  /**
   * Sets buffer `name`, a tensor that is state but not trained (running statistics); non-persistent buffers stay out of
   * the state dict.
   */
  registerBuffer(name: string, t: Tensor | null, persistent = true): void {
    checkName(this, name);
    (this as unknown as Slots)[name] = t;
    this.#buffers.set(name, persistent);
  }
  /** Sets submodule `name` (null declares it absent). */
  addModule(name: string, m: Module | null): void {
    checkName(this, name);
    (this as unknown as Slots)[name] = m;
  }
  /** Same as {@link Module.addModule}. */
  registerModule(name: string, m: Module | null): void { this.addModule(name, m); }

  // --- traversal ---
  #own<T>(kind: abstract new (...a: never[]) => T): [string, T][] {
    const out: [string, T][] = [];
    for (const [k, v] of Object.entries(this)) if (v instanceof kind && !this.#buffers.has(k)) out.push([k, v]);
    return out;
  }
  /** The direct submodules with their property names. */
  *namedChildren(): Generator<[string, Module]> { yield* this.#own(Module); }
  /** The direct submodules. */
  *children(): Generator<Module> { for (const [, m] of this.namedChildren()) yield m; }
  /** This module and every submodule below it, with dotted names, each once. */
  *namedModules(prefix = '', memo = new Set<Module>()): Generator<[string, Module]> {
    if (memo.has(this)) return;
    memo.add(this);
    yield [prefix, this];
    for (const [k, m] of this.namedChildren()) yield* m.namedModules(prefix ? `${prefix}.${k}` : k, memo);
  }
  /** This module and every submodule below it, each once. */
  *modules(): Generator<Module> { for (const [, m] of this.namedModules()) yield m; }

  /** Every parameter with its dotted name, each once (only this module's own when `recurse` is false). */
  *namedParameters(prefix = '', recurse = true): Generator<[string, Parameter]> {
    const seen = new Set<Tensor>();
    const mods: Iterable<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [k, p] of m.#own(Parameter)) {
        if (seen.has(p)) continue;
        seen.add(p);
        yield [mp ? `${mp}.${k}` : k, p];
      }
    }
  }
  /** Every parameter, each once (only this module's own when `recurse` is false): what an optimizer takes. */
  *parameters(recurse = true): Generator<Parameter> { for (const [, p] of this.namedParameters('', recurse)) yield p; }

  /** Every buffer with its dotted name (only this module's own when `recurse` is false). */
  *namedBuffers(prefix = '', recurse = true): Generator<[string, Tensor]> {
    const mods: Iterable<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const k of m.#buffers.keys()) {
        const t = (m as unknown as Slots)[k] as Tensor | null;
        if (t) yield [mp ? `${mp}.${k}` : k, t];
      }
    }
  }
  /** Every buffer (only this module's own when `recurse` is false). */
  *buffers(recurse = true): Generator<Tensor> { for (const [, b] of this.namedBuffers('', recurse)) yield b; }

  // --- modes and bulk operations ---
  /** Sets training mode (`mode` false: eval mode) on this module and every submodule; returns this. */
  train(mode = true): this {
    this.training = mode;
    for (const c of this.children()) c.train(mode);
    return this;
  }
  /** Sets eval mode on this module and every submodule; returns this. */
  eval(): this { return this.train(false); }

  /** Call fn on every submodule (children first), then on this module. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /** Clear (setToNone, the default) or zero every parameter's gradient. */
  zeroGrad({ setToNone = true }: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      const g = p.grad;
      if (!g) continue;
      if (setToNone) { p.grad = null; g.dispose(); } else noGrad(() => g.zero_());
    }
  }

  /**
   * Move and/or cast parameters and buffers: `to('cpu')`, `to('float64')`, `to({ device, dtype })`.
   * dtype casts apply to floating-point tensors only (num_batches_tracked stays int64), as in PyTorch.
   * Parameters are replaced by new Parameter objects, so build optimizers after calling to().
   */
  to(target: ToTarget): this {
    const { device, dtype } = parseTarget(target);
    return this.#convertAll((t) => t.to({ device, dtype: isFloating(t) ? dtype : undefined }));
  }

  /**
   * to(), for a device that reads asynchronously (a GPU to the CPU, or between GPUs): the values are read
   * back without blocking. `await model.toAsync('cpu')`.
   */
  async toAsync(target: ToTarget): Promise<this> {
    const { device, dtype } = parseTarget(target);
    const moved = new Map<Tensor, Tensor>();
    for (const m of this.modules()) {
      const tensors = [...m.#own(Parameter).map(([, p]) => p), ...[...m.#buffers.keys()].map((k) => (m as unknown as Slots)[k] as Tensor | null)];
      for (const t of tensors) if (t && device && t.device !== device && !moved.has(t)) moved.set(t, await t.toAsync(device));
    }
    return this.#convertAll((t) => {
      const m = moved.get(t) ?? t;
      const cast = m.to({ dtype: isFloating(m) ? dtype : undefined });
      if (cast !== m && m !== t) m.dispose();
      return cast;
    });
  }

  /** Replace every parameter and buffer by convert(it) where that is a new tensor (which the module then owns). */
  #convertAll(convert: (t: Tensor) => Tensor): this {
    for (const m of this.modules()) {
      const slots = m as unknown as Slots;
      for (const [k, p] of m.#own(Parameter)) {
        const moved = noGrad(() => convert(p));
        if (moved === p) continue;
        slots[k] = new Parameter(moved, p.requiresGrad);
        moved.dispose();
        p.dispose();
      }
      for (const k of m.#buffers.keys()) {
        const b = slots[k] as Tensor | null;
        if (!b) continue;
        const moved = noGrad(() => convert(b));
        if (moved !== b) { slots[k] = moved; b.dispose(); }
      }
    }
    return this;
  }
  /** Converts floating parameters and buffers to float32, in place; returns this. */
  float(): this { return this.to('float32'); }
  /** Converts floating parameters and buffers to float64, in place; returns this. */
  double(): this { return this.to('float64'); }
  /** Moves parameters and buffers to the `'cpu'` device; returns this. */
  cpu(): this { return this.to('cpu'); }

  /** Free every parameter (with its gradient) and buffer; the module is unusable afterwards. */
  dispose(): void {
    for (const m of this.modules()) {
      for (const [, p] of m.#own(Parameter)) { const g = p.grad; if (g) { p.grad = null; g.dispose(); } p.dispose(); }
      for (const k of m.#buffers.keys()) ((m as unknown as Slots)[k] as Tensor | null)?.dispose();
    }
  }
  /** Disposes the module, for `using model = ...`. */
  [Symbol.dispose](): void { this.dispose(); }

  // --- state ---
  /**
   * name -> tensor for every parameter and persistent buffer, in PyTorch's order and with its keys.
   * The values are the module's own tensors (not copies): don't dispose them.
   */
  stateDict(prefix = '', out: StateDict = {}): StateDict {
    const key = (k: string): string => (prefix ? `${prefix}.${k}` : k);
    for (const [k, p] of this.#own(Parameter)) out[key(k)] = p;
    for (const [k, persistent] of this.#buffers) {
      const b = (this as unknown as Slots)[k] as Tensor | null;
      if (b && persistent) out[key(k)] = b;
    }
    // no de-duplication here: a module reachable by two paths appears under both, as in PyTorch
    for (const [k, m] of this.namedChildren()) m.stateDict(key(k), out);
    return out;
  }

  /** Copy values in place from `dict`; strict (the default) throws on missing or unexpected keys. */
  loadStateDict(dict: StateDict, { strict = true }: { strict?: boolean } = {}): LoadResult {
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in dict));
    const unexpectedKeys = Object.keys(dict).filter((k) => !(k in own));
    const mismatched: string[] = [];
    // everything is checked before anything is copied, so a bad entry leaves the model as it was
    for (const [k, t] of Object.entries(own)) {
      const src = dict[k] as unknown;
      if (src === undefined || src === null) continue;
      if (!isTensor(src)) throw new TypeError(`${this.constructor.name}.loadStateDict: '${k}' is ${typeof src === 'object' ? (src as object).constructor?.name ?? 'an object' : `a ${typeof src}`}, not a Tensor; nothing was loaded`);
      if (src.isDisposed) throw new DisposedError(`${this.constructor.name}.loadStateDict: the tensor for '${k}' (shape ${fmt(src.shape)}) was disposed; nothing was loaded`);
      if (src.device !== t.device && !src.storage.backend.syncRead) {
        throw new DeviceError(`${this.constructor.name}.loadStateDict: '${k}' is on '${src.device}', which reads asynchronously, and the model is on '${t.device}'; move the state dict first (await t.toAsync('${t.device}')); nothing was loaded`);
      }
      if (!sameShape(src.shape, t.shape)) mismatched.push(`${k}: checkpoint has shape ${fmt(src.shape)}, the model has ${fmt(t.shape)}`);
    }
    if (mismatched.length || (strict && (missingKeys.length || unexpectedKeys.length))) {
      const parts = [`Error(s) in loading state dict for ${this.constructor.name}:`];
      if (strict && missingKeys.length) parts.push(`  missing keys: ${missingKeys.join(', ')}`);
      if (strict && unexpectedKeys.length) parts.push(`  unexpected keys: ${unexpectedKeys.join(', ')}`);
      for (const m of mismatched) parts.push(`  size mismatch for ${m}`);
      throw new StateDictError(parts.join('\n'), missingKeys, unexpectedKeys, mismatched);
    }
    noGrad(() => {
      for (const [k, t] of Object.entries(own)) { const src = dict[k]; if (src) t.copy_(src); }
    });
    return { missingKeys, unexpectedKeys };
  }

  // --- printing ---
  /** The part inside the parentheses of this module's line, e.g. `in_features=4, out_features=8, bias=True`. */
  extraRepr(): string { return ''; }

  /** PyTorch's printout of the module: its class, `extraRepr()` and its submodules, indented. */
  toString(): string {
    const lines = [...this.namedChildren()].map(([k, m]) => `(${k}): ${indent(m.toString())}`);
    const extra = this.extraRepr();
    const name = this.constructor.name;
    if (!lines.length) return `${name}(${extra})`;
    const body = [...(extra ? extra.split('\n') : []), ...lines].map((l) => `  ${l}`).join('\n');
    return `${name}(\n${body}\n)`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return this.toString(); }
}

const RESERVED = new Set(['training', 'forward', 'call']);
function checkName(m: Module, name: string): void {
  if (!name || name.includes('.')) throw new Error(`${m.constructor.name}: invalid name '${name}' (must be non-empty and contain no '.')`);
  if (RESERVED.has(name) || (name in m && !Object.prototype.hasOwnProperty.call(m, name))) throw new Error(`${m.constructor.name}: '${name}' is a member of ${m.constructor.name} and can't name a parameter, buffer or submodule`);
}

const indent = (s: string): string => s.split('\n').join('\n  ');
const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
export const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;
const isDTypeName = (s: string): s is DType => (DTYPES as readonly string[]).includes(s);
/** to()'s target as device and dtype. */
const parseTarget = (target: ToTarget): { device?: string; dtype?: DType } =>
  (typeof target === 'string' ? (isDTypeName(target) ? { dtype: target } : { device: target }) : target);
/** dtype casts apply to floating-point tensors only (num_batches_tracked stays int64), as in PyTorch. */
const isFloating = (t: Tensor): boolean => isFloatingDType(t.dtype);

/** PyTorch spells booleans True/False in module prints. */
export const pyBool = (b: boolean): string => (b ? 'True' : 'False');
/** PyTorch prints tuples as (a, b). */
export const pyTuple = (v: number | readonly number[]): string => (typeof v === 'number' ? String(v) : `(${v.join(', ')}${v.length === 1 ? ',' : ''})`);

// errors already named by their innermost module (kept out of the error's own properties, so it compares equal)
const named = new WeakSet<object>();

/** The error with `m` named first, once (outer modules pass it on unchanged). */
function namedByModule(m: Module, e: unknown): unknown {
  if (!(e instanceof FlintError) || named.has(e)) return e;
  const prefix = `${m.constructor.name}(${m.extraRepr()}): `;
  const out = e.message.startsWith(prefix) ? e : Object.assign(Object.create(Object.getPrototypeOf(e) as object) as FlintError, e, { message: `${prefix}${e.message}`, stack: e.stack });
  named.add(out);
  return out;
}

/** A layer's input-shape error: names the layer as printed and the shape it expected. */
export function inputError(m: Module, expected: string, got: readonly number[]): ShapeError {
  return new ShapeError(`${m.constructor.name}(${m.extraRepr()}): expected input ${expected}, got ${fmt(got)}`);
}

/** Python's repr of a float: 1.0, 0.1, 1e-05. */
export function pyFloat(x: number | null): string {
  if (x === null) return 'None';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-4 || a >= 1e16)) return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return String(x);
}
