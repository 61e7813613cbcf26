// The backend registry lives on globalThis so every package sees one; a second, different version of
// core that finds it fails loudly instead of splitting state.
import { version } from '../package.json';
import type { Backend, BackendFactory } from './backend.js';
import { BackendError, DeviceError } from './errors.js';
import { backendProblems } from './schema/validate.js';

/** This package's version, from its package.json at build time. */
export const CORE_VERSION: string = version;
const KEY = Symbol.for('@flint/core.registry');

interface Entry { factory: BackendFactory; priority: number; instance?: Backend; pending?: Promise<Backend> }
interface Registry {
  coreVersion: string;
  entries: Map<string, Entry>;
  defaultDevice?: string;
}

function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  const existing = g[KEY];
  if (existing) {
    if (existing.coreVersion !== CORE_VERSION) {
      throw new BackendError(`@flint/core ${CORE_VERSION} found a registry made by @flint/core ${existing.coreVersion}: ` +
        `two versions of @flint/core are loaded. Make every package use one copy (pnpm dedupe, or one version range).`);
    }
    return existing;
  }
  const created: Registry = { coreVersion: CORE_VERSION, entries: new Map() };
  g[KEY] = created;
  return created;
}

/** The backend, checked against the contract (the kernel schema, dtypes, version); a BackendError lists every problem. */
function checkBackend(name: string, b: Backend): Backend {
  const problems = b && typeof b === 'object' ? backendProblems(b) : [`the factory returned ${String(b)}, not a backend object`];
  if (problems.length) {
    throw new BackendError(`backend '${name}' does not meet the backend contract:\n  - ${problems.join('\n  - ')}`);
  }
  return b;
}

/**
 * Make a backend available under `name` ('cpu', 'webgpu', 'cuda', ...); higher priority wins as default.
 * A synchronous factory runs now and its backend is checked against the contract here, so a missing or
 * misspelt kernel fails at registration; an asynchronous one runs and is checked by `initBackend`.
 */
export function registerBackend(name: string, factory: BackendFactory, priority = 0): void {
  const r = registry();
  const old = r.entries.get(name);
  const entry: Entry = { factory, priority };
  const made = factory();
  if (made instanceof Promise) {
    made.catch(() => {}); // reported by initBackend
    entry.pending = made.then((b) => (entry.instance = checkBackend(name, b)));
    entry.pending.catch(() => {});
  } else {
    entry.instance = checkBackend(name, made);
  }
  if (old?.instance) old.instance.dispose?.();
  r.entries.set(name, entry);
}

/** Unregisters the backend `name`, disposing it (and forgetting it as the default device). */
export function removeBackend(name: string): void {
  const r = registry();
  r.entries.get(name)?.instance?.dispose?.();
  r.entries.delete(name);
  if (r.defaultDevice === name) r.defaultDevice = undefined;
}

export const deviceBackendName = (device: string): string => device.split(':')[0]!;

function missing(device: string): DeviceError {
  const names = [...registry().entries.keys()];
  if (names.length === 0) {
    return new DeviceError(`no backend is registered, so there is no device '${device}'. Install a backend and import it once: ` +
      `npm install @flint/backend-cpu, then import '@flint/backend-cpu'`);
  }
  return new DeviceError(`unknown device '${device}'; registered devices: ${names.join(', ')}. ` +
    `Import the backend package that provides it (e.g. '@flint/backend-${deviceBackendName(device)}')`);
}

/** The backend for a device, created on first use. Async factories must be awaited with `initBackend`. */
export function getBackend(device: string = getDefaultDevice()): Backend {
  const name = deviceBackendName(device);
  const e = registry().entries.get(name);
  if (!e) throw missing(device);
  if (e.instance) return e.instance;
  throw new BackendError(`backend '${name}' starts asynchronously; call 'await initBackend("${name}")' before using it`);
}

/** The backend of `device`, awaiting its start when its factory is asynchronous (GPUs). */
export async function initBackend(device: string = getDefaultDevice()): Promise<Backend> {
  const name = deviceBackendName(device);
  const e = registry().entries.get(name);
  if (!e) throw missing(device);
  if (e.instance) return e.instance;
  return e.pending!;
}

/** The registered backend names, highest priority first. */
export function listBackends(): string[] {
  return [...registry().entries.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([n]) => n);
}

/** Makes `device` the default for tensors created without one. */
export function setDefaultDevice(device: string): void {
  if (!registry().entries.has(deviceBackendName(device))) throw missing(device);
  registry().defaultDevice = device;
}

/**
 * The device tensors are created on by default: the one set, else `'cpu'` when registered, else the highest-priority
 * backend.
 */
export function getDefaultDevice(): string {
  const r = registry();
  if (r.defaultDevice && r.entries.has(deviceBackendName(r.defaultDevice))) return r.defaultDevice;
  if (r.entries.has('cpu')) return 'cpu';
  const first = listBackends()[0];
  if (!first) throw missing('cpu');
  return first;
}
