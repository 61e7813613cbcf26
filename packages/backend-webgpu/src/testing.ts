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

// cases whose float32/integer inputs reach float64 inside core's composites (not the backend's choice)
const CORE_F64: Record<string, string> = {
  'binary/div/rounding_trunc_int': 'core divides integers with a rounding mode through float64',
  'binary/div/rounding_floor_int': 'core divides integers with a rounding mode through float64',
  'binary/div/rounding_trunc_int_by_zero': 'core divides integers with a rounding mode through float64',
  'binary/div/rounding_floor_int_by_zero': 'core divides integers with a rounding mode through float64',
  'conv/avgPool2d/int64_pad_exclude': 'core averages int64 windows through float64',
  'conv/avgPool2d/int64': 'core averages int64 windows through float64',
  'extras/conv2d/backward_ops_are_adjoints': 'the check itself runs in float64',
  'extras/rng/normal_stream': 'the check draws float64 randn',
  'extras/dropout/eval_identity_keeps_dtype': 'the check makes a float64 tensor',
};

/** Skip reasons for every fixture case that makes or expects a float64 tensor. */
export function float64Skips(families: readonly Family[]): Record<string, string> {
  const skip: Record<string, string> = {};
  for (const f of families) for (const c of f.cases as Case[]) if (JSON.stringify(c).includes('"float64"')) skip[c.id] = F64;
  for (const [id, why] of Object.entries(CORE_F64)) skip[id] = `float64: ${why}, which WebGPU cannot store`;
  return skip;
}
