// The WebAssembly SIMD roofline of the machine the bench runs on, measured rather than assumed: a loop of
// independent 128-bit multiply-adds on registers only (no memory traffic), timed at the clock the core
// really runs at. A nominal figure (FLOP per cycle times the clock the OS reports) misses turbo and SMT
// effects: on a Zen 5 VM reporting 2.6 GHz the GEMM reached 122% of such a "peak".
import { BR_IF, CONST, END, F32, F32_ADD, F32X4_ADD, F32X4_MUL, F32X4_RELAXED_MADD, GET, I32, LOOP, SET, SUB, TEE, V128, funcBody, section, simd, str, vec } from '../src/kernels/wasm-asm.js';

const F32X4_SPLAT = 0x13, F32X4_EXTRACT_LANE = 0x1f, F32_CONST = 0x43;
/** Independent accumulator chains: enough to cover an FMA latency of 4-5 cycles at 2 per cycle, under V8's 16 vector registers. */
const CHAINS = 12;

/** run(iters) -> f32: CHAINS multiply-adds per iteration into separate accumulators; returns a lane of their sum (kept live). */
function moduleBytes(fma: boolean): Uint8Array<ArrayBuffer> {
  // locals: 0 = iters (param); 1 = a, 2 = b, 3.. = accumulators (v128)
  const A = 1, B = 2, acc = (i: number): number => 3 + i;
  const body: number[] = [
    // a = b = splat(1.0000001f) built from f32 consts; accumulators start at zero (v128 locals are zeroed)
    F32_CONST, ...new Uint8Array(new Float32Array([1.0000001]).buffer), ...simd(F32X4_SPLAT), SET, A,
    F32_CONST, ...new Uint8Array(new Float32Array([0.9999999]).buffer), ...simd(F32X4_SPLAT), SET, B,
    ...LOOP,
  ];
  for (let i = 0; i < CHAINS; i++) {
    if (fma) body.push(GET, A, GET, B, GET, acc(i), ...simd(F32X4_RELAXED_MADD), SET, acc(i));
    else body.push(GET, acc(i), GET, A, GET, B, ...simd(F32X4_MUL), ...simd(F32X4_ADD), SET, acc(i));
  }
  body.push(GET, 0, CONST, 1, SUB, TEE, 0, BR_IF, 0, END);
  // the sum of the accumulators' first lanes, so no chain is dead code
  body.push(GET, acc(0), ...simd(F32X4_EXTRACT_LANE), 0);
  for (let i = 1; i < CHAINS; i++) body.push(GET, acc(i), ...simd(F32X4_EXTRACT_LANE), 0, F32_ADD);
  body.push(END);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32]]), ...vec([[F32]])]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...str('run'), 0x00, 0]])),
    ...section(10, vec([funcBody([[2 + CHAINS, V128]], body)])),
  ]);
}

/**
 * GFLOP/s of one thread at the 128-bit SIMD peak (relaxed-SIMD FMA where the engine has it, else a multiply
 * and an add per lane), the best of several timed runs of ~50 ms; null where the engine lacks SIMD.
 */
export function measurePeak(): { gflops: number; fma: boolean } | null {
  for (const fma of [true, false]) {
    const bytes = moduleBytes(fma);
    if (!WebAssembly.validate(bytes)) continue;
    const run = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.run as (iters: number) => number;
    let iters = 1 << 16, best = Infinity;
    const time = (): number => { const t0 = performance.now(); run(iters); return performance.now() - t0; };
    // grow the run to ~50 ms (it warms up the tier-up too), then keep the fastest of five
    while (time() < 50) iters *= 2;
    for (let k = 0; k < 5; k++) best = Math.min(best, time());
    // 8 FLOP per lane group (4 lanes x multiply and add)
    return { gflops: (iters * CHAINS * 8) / best / 1e6, fma };
  }
  return null;
}
