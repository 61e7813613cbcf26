// Rank script for fault.test.ts: the last rank dies (SIGKILL) or stops answering (SIGSTOP) before an
// allReduce; the others must fail with the timeout error and end the job. Argument: kill | stop | throw
// (stop, with onTimeout 'throw': rank 0 catches the error, and the group refuses further work) | ddp (stop
// before a DistributedDataParallel backward: the wait at the end of backward times out).
import '@flint/backend-cpu';
import '@flint/autograd';
import { ones } from '@flint/core';
import { Linear } from '@flint/nn';
import { DistributedDataParallel, allReduce, getRank, getWorldSize, initProcessGroup } from '../index.js';

const mode = process.argv[2];
await initProcessGroup({ backend: 'mpi', timeout: Number(process.env.FLINT_TEST_TIMEOUT ?? 3), onTimeout: mode === 'throw' ? 'throw' : 'abort' });
const rank = getRank();
console.log(`READY ${rank} ${process.pid}`);
await allReduce(ones([4])); // everyone is alive here
const ddp = mode === 'ddp' ? new DistributedDataParallel(new Linear(4, 2)) : undefined;
if (rank === getWorldSize() - 1) process.kill(process.pid, mode === 'kill' ? 'SIGKILL' : 'SIGSTOP');
const t0 = Date.now();
if (ddp) ddp.call(ones([3, 4])).sum().backward();
if (mode === 'throw') {
  for (const attempt of ['first', 'second']) {
    try { await allReduce(ones([1000])); } catch (e) { console.log(`CAUGHT ${attempt} after ${Date.now() - t0} ms: ${(e as Error).name}: ${(e as Error).message}`); }
  }
  process.exit(3);
}
await allReduce(ones([1000]));
console.log(`UNEXPECTED rank ${rank} completed after ${Date.now() - t0} ms`);
