// Test helpers: whether this process can reach WebGPU, and the conformance cases WebGPU cannot run (float64).
import type { Case, Family } from '@flint/backend-testkit';
import { createWebGPU } from './init.js';

/** Undefined when a WebGPU device can be made here; otherwise why not (the backend's own error). */
export async function probeWebGPU(): Promise<string | undefined> {
  try {
    const b = await createWebGPU({ name: 'webgpu-probe' });
    b.dispose?.();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

const F64 = 'float64: WGSL has no 64-bit floats (the backend refuses float64 with a DTypeError; use the CPU backend)';

/** Skip reasons for every fixture case that makes or expects a float64 tensor. */
export function float64Skips(families: readonly Family[]): Record<string, string> {
  const skip: Record<string, string> = {};
  for (const f of families) for (const c of f.cases as Case[]) if (JSON.stringify(c).includes('"float64"')) skip[c.id] = F64;
  return skip;
}
