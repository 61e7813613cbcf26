// Containers: Sequential, ModuleList and ModuleDict. Children are own properties named '0', '1', ...
// (or the dict's keys), so state-dict keys read `0.weight` as in PyTorch.
import type { Tensor } from '@flint/core';
import { Module } from './module.js';

type Slots = Record<string, unknown>;

/** Children registered under their indices: shared by Sequential and ModuleList. */
abstract class IndexedModules extends Module {
  /** The number of submodules. */
  get length(): number { return [...this.children()].length; }
  /** The submodule at index `i` (negative counts from the end); a RangeError when out of range. */
  at(i: number): Module {
    const list = [...this.children()];
    const m = list[i < 0 ? i + list.length : i];
    if (!m) throw new RangeError(`${this.constructor.name}: index ${i} is out of range (length ${list.length})`);
    return m;
  }
  /** Adds `m` at the end; returns this. */
  append(m: Module): this { this.addModule(String(this.length), m); return this; }
  /** Adds each of `ms` at the end; returns this. */
  extend(ms: Iterable<Module>): this { for (const m of ms) this.append(m); return this; }
  /** The submodules, in order. */
  [Symbol.iterator](): Iterator<Module> { return this.children(); }
}

/** Runs its children in order, feeding each one's output to the next. */
export class Sequential extends IndexedModules {
  constructor(...modules: Module[]) {
    super();
    this.extend(modules);
  }
  override forward(input: Tensor): Tensor {
    let x: unknown = input;
    for (const m of this.children()) x = m.call(x);
    return x as Tensor;
  }
}

/** A list of submodules, registered under their indices. */
export class ModuleList extends IndexedModules {
  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }
  override forward(): never { throw new Error('ModuleList: has no forward(); iterate over it and call the modules'); }
}

/** Submodules keyed by name, in insertion order. */
export class ModuleDict extends Module {
  readonly #keys: string[] = [];
  constructor(modules: Record<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    const entries = Symbol.iterator in modules ? [...(modules as Iterable<[string, Module]>)] : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }
  /** Adds (or replaces) the module under `key`; integer-like keys are rejected. */
  set(key: string, m: Module): this {
    if (/^\d+$/.test(key)) throw new Error(`ModuleDict: integer-like key '${key}' is not supported (JavaScript would reorder it)`);
    this.addModule(key, m);
    if (!this.#keys.includes(key)) this.#keys.push(key);
    return this;
  }
  /** The module under `key`, or undefined. */
  get(key: string): Module | undefined { const m = (this as unknown as Slots)[key]; return m instanceof Module ? m : undefined; }
  /** Whether a module is stored under `key`. */
  has(key: string): boolean { return this.get(key) !== undefined; }
  /** The keys, in insertion order. */
  keys(): string[] { return [...this.#keys]; }
  /** The modules, in insertion order. */
  values(): Module[] { return this.#keys.map((k) => this.get(k)!); }
  /** The `[key, module]` pairs, in insertion order. */
  entries(): [string, Module][] { return this.#keys.map((k) => [k, this.get(k)!]); }
  /** The number of modules. */
  get size(): number { return this.#keys.length; }
  override forward(): never { throw new Error('ModuleDict: has no forward(); look modules up by key and call them'); }
}
