// Rank script for fault.test.ts: the last rank dies (SIGKILL) or stops answering (SIGSTOP) before an
// allReduce; the others must fail with the timeout error and end the job. Argument: kill | stop.
import '@flint/backend-cpu';
import { ones } from '@flint/core';
import { allReduce, getRank, getWorldSize, initProcessGroup } from '../index.js';

await initProcessGroup({ backend: 'mpi', timeout: Number(process.env.FLINT_TEST_TIMEOUT ?? 3) });
const rank = getRank();
console.log(`READY ${rank} ${process.pid}`);
await allReduce(ones([4])); // everyone is alive here
if (rank === getWorldSize() - 1) process.kill(process.pid, process.argv[2] === 'stop' ? 'SIGSTOP' : 'SIGKILL');
const t0 = Date.now();
await allReduce(ones([1000]));
console.log(`UNEXPECTED rank ${rank} completed after ${Date.now() - t0} ms`);
