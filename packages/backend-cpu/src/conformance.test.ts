// The backend conformance suite (PyTorch-generated fixtures) on the CPU backend, with no skips.
import { describeBackend } from '@flint/backend-testkit/vitest';
import { createCpuBackend } from './backend.js';

describeBackend(createCpuBackend, { name: 'cpu' });
