import { describe, expect, it } from 'vitest';
import { OPTIONAL_KERNELS, REQUIRED_KERNELS, getBackend } from '@flint/core';
import './index.js';

describe('@flint/backend-cpu entry', () => {
  it("registers 'cpu' with every required and optional kernel", () => {
    const b = getBackend('cpu');
    expect(b.name).toBe('cpu');
    for (const k of [...REQUIRED_KERNELS, ...OPTIONAL_KERNELS]) expect(typeof b.kernels[k], k).toBe('function');
  });
});
