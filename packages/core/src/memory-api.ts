// memory(): live tensors and bytes, per device, for leak checks.
import type { Backend } from './backend.js';
import type { MemoryInfo } from './memory.js';
import { memoryStats } from './memory.js';
import { getBackend, listBackends } from './registry.js';

/** Live tensors and bytes, in all and per device (with each backend's own count): for finding leaks. */
export function memory(): MemoryInfo {
  const backends = new Map<string, Backend>();
  for (const name of listBackends()) {
    try { backends.set(name, getBackend(name)); } catch { /* not started yet */ }
  }
  return memoryStats(backends);
}
