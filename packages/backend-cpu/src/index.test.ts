import { describe, expect, it } from 'vitest';
import { OPTIONAL_KERNELS, REQUIRED_KERNELS, getBackend } from '@flint/core';
import './index.js';

// Optional kernels the CPU leaves to core's composite, and why.
const COMPOSITE_ON_CPU: Record<string, string> = {
  // the composite is two matmuls and a softmax, which are already the CPU's fast kernels; a fused loop gains
  // nothing without a GPU's shared memory
  scaledDotProductAttention: 'runs as matmul + softmax + matmul',
};

describe('@flint/backend-cpu entry', () => {
  it("registers 'cpu' with every required and optional kernel but the listed composites", () => {
    const b = getBackend('cpu');
    expect(b.name).toBe('cpu');
    for (const k of REQUIRED_KERNELS) expect(typeof b.kernels[k], k).toBe('function');
    for (const k of OPTIONAL_KERNELS) expect(typeof b.kernels[k], k).toBe(k in COMPOSITE_ON_CPU ? 'undefined' : 'function');
  });
});
