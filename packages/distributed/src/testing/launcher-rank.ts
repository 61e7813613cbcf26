// Rank script for launcher.test.ts: prints the rank, the world size and its first argument.
import { destroyProcessGroup, getRank, getWorldSize, initProcessGroup } from '../index.js';

await initProcessGroup({ backend: 'mpi', timeout: 30 });
console.log(`rank ${getRank()} of ${getWorldSize()}: ${process.argv[2]}`);
await destroyProcessGroup();
