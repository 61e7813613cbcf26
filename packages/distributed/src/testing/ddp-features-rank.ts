// Rank script for ddp-features.test.ts: noSync accumulation, findUnusedParameters (a layer unused on every
// rank, one used on rank 0 only), construction-time broadcast and state-dict keys, on a small model whose
// expected gradients each rank computes alone from every rank's inputs.
import '@flint/backend-cpu';
import '@flint/autograd';
import { manualSeed, memory, randn, scope, type Tensor } from '@flint/core';
import { Linear, Module } from '@flint/nn';
import { DistributedDataParallel, destroyProcessGroup, getRank, getWorldSize, initProcessGroup } from '../index.js';
import { report } from './launch.js';

class Net extends Module {
  a = new Linear(4, 3);
  b = new Linear(3, 2);
  never = new Linear(2, 2);
  sometimes = new Linear(3, 2);
  useSometimes = false;
  override forward(x: Tensor): Tensor {
    const h = this.a.call(x).tanh();
    const y = this.b.call(h);
    return this.useSometimes ? y.add(this.sometimes.call(h)) : y;
  }
}

await initProcessGroup({ backend: 'mpi', timeout: 30 });
const rank = getRank(), size = getWorldSize();
const out: Record<string, unknown> = { rank };
const grads = (m: Module): Record<string, number[]> => Object.fromEntries([...m.namedParameters()].map(([k, p]) => [k.replace(/^module\./, ''), p.grad ? Array.from(p.grad.dataSync() as Float32Array) : []]));
const inputs = (r: number, step: number): Tensor => { manualSeed(100 + 10 * r + step); return randn([5, 4]); };

manualSeed(rank); // different weights on each rank before DDP
const net = new Net();
const plain = new Net(); // the reference: rank 0's initial weights, trained by this process alone
const init = new Net();
manualSeed(0);
const rank0 = new Net();
plain.loadStateDict(rank0.stateDict());
init.loadStateDict(net.stateDict());
const ddp = new DistributedDataParallel(net, { findUnusedParameters: true, bucketCapMb: 0.00005 });
out.keys = Object.keys(ddp.stateDict());
out.plainKeys = Object.keys(plain.stateDict());
out.namedParameters = [...ddp.namedParameters()].map(([k]) => k);
out.broadcastWeights = Object.values(ddp.stateDict()).every((t, i) => (t.dataSync() as Float32Array).every((v, j) => v === (Object.values(rank0.stateDict())[i]!.dataSync() as Float32Array)[j]));
out.buckets = ddp.buckets;

// noSync: step 0 accumulates locally, step 1 synchronises the sum; 'sometimes' is used on rank 0 only
net.useSometimes = rank === 0;
ddp.noSync(() => ddp.call(inputs(rank, 0)).sum().backward());
out.afterNoSync = grads(ddp);
ddp.call(inputs(rank, 1)).sum().backward();
out.synced = grads(ddp);
// what the synchronised gradients must be: the mean over ranks of each rank's two-step sum (no grad: zeros)
const want: Record<string, number[]> = {};
for (let r = 0; r < size; r++) {
  plain.zeroGrad();
  plain.useSometimes = r === 0;
  plain.call(inputs(r, 0)).sum().backward();
  plain.call(inputs(r, 1)).sum().backward();
  if (r === rank) out.localWant = grads(plain);
  for (const [k, g] of Object.entries(grads(plain))) {
    const acc = want[k] ?? (want[k] = new Array<number>(plain.stateDict()[k]!.numel()).fill(0));
    g.forEach((v, i) => { acc[i] = Math.fround(acc[i]! + v); });
  }
}
out.want = Object.fromEntries(Object.entries(want).map(([k, v]) => [k, v.map((x) => Math.fround(x / size))]));

// training steps leak nothing: the live tensors after step 2 and step 4 are the same
const live: number[] = [];
for (let i = 0; i < 4; i++) {
  scope(() => { ddp.zeroGrad(); ddp.call(inputs(rank, 10 + i)).sum().backward(); });
  live.push(memory().tensors);
}
out.liveTensors = live;

// without findUnusedParameters, a parameter that gets no gradient is reported at the next forward
const strict = new DistributedDataParallel(new Net());
strict.call(inputs(rank, 2)).sum().backward();
try { strict.call(inputs(rank, 3)); out.strictError = null; } catch (e) { out.strictError = `${(e as Error).name}: ${(e as Error).message}`; }
report(rank, out);
await destroyProcessGroup();
