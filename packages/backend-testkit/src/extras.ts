// Checks that can't come from PyTorch fixtures: the counter-based RNG stream, statistics of random draws,
// disposal errors and memory accounting. Each throws an Error that says what went wrong.
import * as core from '@flint/core';
import type { Tensor } from '@flint/core';

/**
 * A conformance check that no PyTorch fixture can express (RNG stream, random statistics, disposal, memory).
 * @property id - the check's id, `extras/<op>/<what>`
 * @property op - the op it checks (skip keys match it)
 * @property run - runs the check on `device`; rejects with an Error that says what went wrong
 */
export interface ExtraCheck { id: string; op: string; run(device: string): Promise<void> }

/** A core export looked up by name, so the suite type-checks against a core that lacks an op (it fails at run time). */
function op<A extends unknown[]>(name: string): (...args: A) => Tensor {
  const fn = (core as unknown as Record<string, unknown>)[name];
  if (typeof fn !== 'function') throw new Error(`@flint/core exports no function '${name}'`);
  return fn as (...args: A) => Tensor;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

/** The Philox key manualSeed derives from a seed (packages/core/src/random.ts). */
function seedKey(seed: number | bigint): [number, number] {
  const s = BigInt.asUintN(64, BigInt(seed));
  return [Number(s & 0xffffffffn), Number(s >> 32n)];
}

async function values(t: Tensor): Promise<number[]> {
  const d = await t.data();
  const out = Array.from(d, Number);
  t.dispose();
  return out;
}

function moments(v: number[]): { mean: number; std: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const varc = v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1);
  return { mean, std: Math.sqrt(varc) };
}

function expectThrows(fn: () => unknown, ctor: new (...a: never[]) => Error, what: string): void {
  try { fn(); } catch (e) {
    check(e instanceof ctor, `${what}: expected ${ctor.name}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    return;
  }
  throw new Error(`${what}: expected ${ctor.name}, but nothing was thrown`);
}

function live(device: string): { tensors: number; bytes: number; backendBytes: number | undefined } {
  const d = core.memory().devices[device];
  return { tensors: d?.tensors ?? 0, bytes: d?.bytes ?? 0, backendBytes: d?.backendBytes };
}

/** Every extra check the conformance suite runs after the fixture cases. */
export const EXTRA_CHECKS: ExtraCheck[] = [
  {
    id: 'extras/rng/uniform_stream', op: 'rand',
    async run(device) {
      for (const seed of [1234, 2n ** 40n + 5n]) {
        const [k0, k1] = seedKey(seed);
        core.manualSeed(seed);
        const a = await values(core.rand([1000], { device }));
        const b = await values(core.rand([7], { device }));
        a.forEach((v, i) => check(v === Math.fround(uniformAtOf(k0, k1, i)), `seed ${seed}: rand()[${i}] = ${v}, expected uniformAt(${k0}, ${k1}, ${i}) = ${uniformAtOf(k0, k1, i)}`));
        b.forEach((v, i) => check(v === Math.fround(uniformAtOf(k0, k1, 1000 + i)), `seed ${seed}: a second draw must continue at counter 1000; element ${i} = ${v}`));
      }
    },
  },
  {
    id: 'extras/rng/normal_stream', op: 'randn',
    async run(device) {
      const [k0, k1] = seedKey(99);
      core.manualSeed(99);
      const a = await values(core.randn([500], { device, dtype: 'float64' }));
      a.forEach((v, i) => {
        const e = core.normalAt(k0, k1, i);
        check(Math.abs(v - e) <= 1e-9 + 1e-9 * Math.abs(e), `randn(float64)[${i}] = ${v}, expected normalAt(${k0}, ${k1}, ${i}) = ${e}`);
      });
    },
  },
  {
    id: 'extras/rng/same_seed_same_values', op: 'rand',
    async run(device) {
      core.manualSeed(7);
      const a = await values(core.randn([64], { device }));
      core.manualSeed(7);
      const b = await values(core.randn([64], { device }));
      check(a.every((v, i) => v === b[i]), 'manualSeed(7) twice gave different randn() values');
    },
  },
  {
    id: 'extras/rng/rand_statistics', op: 'rand',
    async run(device) {
      core.manualSeed(11);
      const n = 20000, v = await values(core.rand([n], { device }));
      const { mean, std } = moments(v);
      check(v.every((x) => x >= 0 && x < 1), 'rand() produced a value outside [0, 1)');
      check(Math.abs(mean - 0.5) < 5 * Math.sqrt(1 / 12 / n), `rand() mean ${mean} is not within 5 sigma of 0.5`);
      check(Math.abs(std - Math.sqrt(1 / 12)) < 0.01, `rand() std ${std}, expected ${Math.sqrt(1 / 12)}`);
    },
  },
  {
    id: 'extras/rng/randn_statistics', op: 'randn',
    async run(device) {
      core.manualSeed(12);
      const n = 20000, v = await values(core.randn([n], { device }));
      const { mean, std } = moments(v);
      check(Math.abs(mean) < 5 / Math.sqrt(n), `randn() mean ${mean} is not within 5 sigma of 0`);
      check(Math.abs(std - 1) < 0.03, `randn() std ${std}, expected 1`);
    },
  },
  {
    id: 'extras/rng/randint_range', op: 'randint',
    async run(device) {
      core.manualSeed(13);
      const t = core.randint(-3, 4, [2000], { device });
      check(t.dtype === 'int64', `randint() dtype ${t.dtype}, expected int64`);
      const v = await values(t);
      check(v.every((x) => Number.isInteger(x) && x >= -3 && x < 4), 'randint(-3, 4) produced a value outside [-3, 4)');
      check(new Set(v).size === 7, `randint(-3, 4) over 2000 draws hit ${new Set(v).size} of 7 values`);
    },
  },
  {
    id: 'extras/rng/randperm_is_permutation', op: 'randperm',
    async run(device) {
      core.manualSeed(14);
      const t = core.randperm(50, { device });
      check(t.dtype === 'int64' && t.shape.length === 1 && t.shape[0] === 50, `randperm(50): ${t.dtype} [${t.shape.join(',')}], expected int64 [50]`);
      const v = await values(t);
      check([...v].sort((a, b) => a - b).every((x, i) => x === i), `randperm(50) is not a permutation of 0..49: ${v.join(',')}`);
      check(v.some((x, i) => x !== i), 'randperm(50) returned the identity');
    },
  },
  {
    id: 'extras/dropout/statistics', op: 'dropout',
    async run(device) {
      const dropout = op<[Tensor, number, boolean]>('dropout');
      core.manualSeed(15);
      const x = core.ones([10000], { device });
      const v = await values(dropout(x, 0.3, true));
      x.dispose();
      check(v.every((a) => a === 0 || Math.abs(a - 1 / 0.7) < 1e-6), 'dropout(p=0.3) kept values must be scaled by 1/(1-p)');
      const zeros = v.filter((a) => a === 0).length / v.length;
      check(Math.abs(zeros - 0.3) < 0.03, `dropout(p=0.3) zeroed ${zeros} of the values`);
    },
  },
  {
    id: 'extras/dropout/eval_identity_keeps_dtype', op: 'dropout',
    async run(device) {
      const dropout = op<[Tensor, number, boolean]>('dropout');
      const x = core.randn([3, 4], { device, dtype: 'float64' });
      const y = dropout(x, 0.5, false), z = dropout(x, 0.25, true);
      check(y.dtype === 'float64' && z.dtype === 'float64', `dropout changed the dtype: ${y.dtype}, ${z.dtype}`);
      const [a, b] = [await values(y), await values(x)];
      check(a.every((v, i) => v === b[i]), 'dropout(x, p, training=false) must return x unchanged');
      z.dispose();
    },
  },
  {
    id: 'extras/conv2d/backward_ops_are_adjoints', op: 'conv2d',
    async run(device) {
      // <conv(x), g> = <x, dX(g)> = <w, dW(g)>: the backward kernels are the transposes of the forward one
      const opts = { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 };
      const f = (name: string) => op<unknown[]>(name);
      const x = core.randn([2, 4, 7, 6], { device, dtype: 'float64' }), w = core.randn([6, 2, 3, 2], { device, dtype: 'float64' });
      const y = f('conv2d')(x, w, null, opts), g = core.randn([...y.shape], { device, dtype: 'float64' });
      const dot = async (a: Tensor, b: Tensor): Promise<number> => { const p = a.mul(b), s = p.sum(); p.dispose(); return (await values(s))[0]!; };
      const gx = f('conv2dBackwardInput')(g, w, x.shape, opts), gw = f('conv2dBackwardWeight')(g, x, w.shape, opts);
      const lhs = await dot(y, g), viaInput = await dot(x, gx), viaWeight = await dot(w, gw);
      for (const t of [x, w, y, g, gx, gw]) t.dispose();
      check(Math.abs(viaInput - lhs) <= 1e-9 * (1 + Math.abs(lhs)), `<conv(x), g> = ${lhs} but <x, conv2dBackwardInput(g)> = ${viaInput}`);
      check(Math.abs(viaWeight - lhs) <= 1e-9 * (1 + Math.abs(lhs)), `<conv(x), g> = ${lhs} but <w, conv2dBackwardWeight(g)> = ${viaWeight}`);
    },
  },
  {
    id: 'extras/maxPool2d/backward_routes_to_the_maximum', op: 'maxPool2d',
    async run(device) {
      const x = core.tensor([[[[1, 5, 2, 0], [3, 4, 8, 1]]]], { device });
      const { values: v, indices } = op<unknown[]>('maxPool2d')(x, 2, { returnIndices: true }) as unknown as { values: Tensor; indices: Tensor };
      const gy = core.tensor([[[[10, 20]]]], { device });
      const gx = op<unknown[]>('maxPool2dBackward')(gy, indices, x.shape);
      const [vv, iv, gv] = [await values(v), await values(indices), await values(gx)];
      x.dispose(); gy.dispose();
      check(vv.join() === '5,8' && iv.join() === '1,6', `maxPool2d values ${vv}, indices ${iv}; expected 5,8 at 1,6`);
      check(gv.join() === '0,10,0,0,0,0,20,0', `maxPool2dBackward gave ${gv}, expected 0,10,0,0,0,0,20,0`);
    },
  },
  {
    id: 'extras/crossEntropy/all_ignored_mean_is_nan', op: 'crossEntropy',
    async run(device) {
      const logits = core.randn([2, 3], { device }), t = core.tensor([-100n, -100n], { device });
      const [v] = await values(op<unknown[]>('crossEntropy')(logits, t));
      logits.dispose(); t.dispose();
      check(Number.isNaN(v), `crossEntropy over only ignored targets (mean) is NaN in torch, got ${v}`);
    },
  },
  {
    id: 'extras/dispose/use_after_dispose', op: 'dispose',
    async run(device) {
      const x = core.tensor([1, 2, 3], { device });
      const v = x.reshape([3, 1]);
      x.dispose();
      x.dispose(); // idempotent
      check(x.isDisposed, 'isDisposed is false after dispose()');
      expectThrows(() => core.add(x, 1), core.DisposedError, 'add(disposed, 1)');
      const ones = core.ones([3], { device });
      expectThrows(() => core.matmul(ones, x), core.DisposedError, 'matmul(t, disposed)');
      ones.dispose();
      let err: unknown;
      try { await x.data(); } catch (e) { err = e; }
      check(err instanceof core.DisposedError, `data() of a disposed tensor: expected DisposedError, got ${String(err)}`);
      const still = await values(core.add(v, 1)); // a view keeps the storage alive
      check(still.join() === '2,3,4', `a view of a disposed tensor must stay readable, got ${still.join()}`);
      v.dispose();
    },
  },
  {
    id: 'extras/memory/returns_to_start', op: 'memory',
    async run(device) {
      const start = live(device);
      const a = core.tensor([[1, 2], [3, 4]], { device });
      const at = core.transpose(a, 0, 1);
      const results = [core.add(a, 1), core.matmul(a, a), core.sum(a, 1), core.softmax(a, -1), core.var(a), at, core.contiguous(at)];
      for (const r of results) await r.data();
      check(live(device).tensors > start.tensors, 'memory().devices[device].tensors did not count live tensors');
      for (const r of results) r.dispose();
      a.dispose();
      const end = live(device);
      check(end.tensors === start.tensors && end.bytes === start.bytes,
        `memory() went from ${start.tensors} tensors / ${start.bytes} bytes to ${end.tensors} / ${end.bytes} after disposing everything (a composite leaks an intermediate)`);
      check(end.backendBytes === start.backendBytes, `backend memory().bytes went from ${start.backendBytes} to ${end.backendBytes}`);
    },
  },
];

const uniformAtOf = (k0: number, k1: number, i: number): number => core.uniformAt(k0, k1, i);
