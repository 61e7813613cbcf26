// The backend registry lives on globalThis so every package sees one; a second, different version of
// core that finds it fails loudly instead of splitting state.
import type { Backend, BackendFactory } from './backend.js';
import { API_VERSION } from './backend.js';
import { BackendError, DeviceError } from './errors.js';

export const CORE_VERSION = '0.1.0';
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

function checkBackend(name: string, b: Backend): Backend {
  if (b.apiVersion !== API_VERSION) {
    throw new BackendError(`backend '${name}' implements backend apiVersion ${String(b.apiVersion)}, but this @flint/core speaks ${API_VERSION}; upgrade the backend or core`);
  }
  return b;
}

/** Make a backend available under `name` ('cpu', 'webgpu', 'cuda', ...). Higher priority wins as default. */
export function registerBackend(name: string, factory: BackendFactory, priority = 0): void {
  const r = registry();
  const old = r.entries.get(name);
  if (old?.instance) old.instance.dispose?.();
  r.entries.set(name, { factory, priority });
}

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
  const made = e.factory();
  if (made instanceof Promise) {
    e.pending = made.then((b) => (e.instance = checkBackend(name, b)));
    throw new BackendError(`backend '${name}' starts asynchronously; call 'await initBackend("${name}")' before using it`);
  }
  return (e.instance = checkBackend(name, made));
}

export async function initBackend(device: string = getDefaultDevice()): Promise<Backend> {
  const name = deviceBackendName(device);
  const e = registry().entries.get(name);
  if (!e) throw missing(device);
  if (e.instance) return e.instance;
  e.pending ??= Promise.resolve(e.factory()).then((b) => (e.instance = checkBackend(name, b)));
  return e.pending;
}

export function listBackends(): string[] {
  return [...registry().entries.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([n]) => n);
}

export function setDefaultDevice(device: string): void {
  if (!registry().entries.has(deviceBackendName(device))) throw missing(device);
  registry().defaultDevice = device;
}

export function getDefaultDevice(): string {
  const r = registry();
  if (r.defaultDevice && r.entries.has(deviceBackendName(r.defaultDevice))) return r.defaultDevice;
  if (r.entries.has('cpu')) return 'cpu';
  const first = listBackends()[0];
  if (!first) throw missing('cpu');
  return first;
}
