// The whole conformance suite, values and gradients, on the queued mock GPU: kernels run only at a read or
// synchronize, int64 is computed as int32, elementwise kernels get dense inputs, index errors are deferred.
import { describeBackend } from '../src/vitest.js';
import { createMockGpu } from '../src/mock.js';

describeBackend(() => createMockGpu(), { name: 'mockgpu (queued, kernels run at reads)' });
