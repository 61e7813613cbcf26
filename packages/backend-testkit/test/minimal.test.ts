// The whole conformance suite on a backend that has only the required kernels: everything else is core's composites.
import { describeBackend } from '../src/vitest.js';
import { createMinimalBackend } from '../src/reference/minimal.js';

describeBackend(createMinimalBackend, { name: 'minimal (required kernels only)' });
