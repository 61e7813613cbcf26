// Counter-based random numbers (Philox4x32-10): element i of a draw depends only on (seed, counter + i),
// so every backend produces the same stream for the same seed.

const M0 = 0xd2511f53, M1 = 0xcd9e8d57, W0 = 0x9e3779b9, W1 = 0xbb67ae85;

function mulhilo(a: number, b: number): [number, number] {
  // 32x32 -> 64-bit product split into hi/lo words without BigInt
  const aH = a >>> 16, aL = a & 0xffff, bH = b >>> 16, bL = b & 0xffff;
  const ll = aL * bL, lh = aL * bH, hl = aH * bL, hh = aH * bH;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  const lo = ((mid & 0xffff) << 16) | (ll & 0xffff);
  const hi = hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16);
  return [hi >>> 0, lo >>> 0];
}

/** Philox4x32-10 of counter (c0, c1, 0, 0) under key (k0, k1): four uint32 words. */
export function philox(k0: number, k1: number, c0: number, c1: number): [number, number, number, number] {
  let x0 = c0 >>> 0, x1 = c1 >>> 0, x2 = 0, x3 = 0, key0 = k0 >>> 0, key1 = k1 >>> 0;
  for (let r = 0; r < 10; r++) {
    const [hi0, lo0] = mulhilo(M0, x0);
    const [hi1, lo1] = mulhilo(M1, x2);
    const y0 = (hi1 ^ x1 ^ key0) >>> 0, y2 = (hi0 ^ x3 ^ key1) >>> 0;
    x0 = y0; x1 = lo1; x2 = y2; x3 = lo0;
    key0 = (key0 + W0) >>> 0; key1 = (key1 + W1) >>> 0;
  }
  return [x0, x1, x2, x3];
}

const TWO_NEG_24 = 2 ** -24;
const split = (counter: number): [number, number] => [counter % 0x100000000, Math.floor(counter / 0x100000000)];

/** Uniform in [0, 1) with 24 bits, for element at `counter`. */
export function uniformAt(k0: number, k1: number, counter: number): number {
  const [c0, c1] = split(counter);
  return (philox(k0, k1, c0, c1)[0] >>> 8) * TWO_NEG_24;
}

/** Standard normal (Box–Muller) for element at `counter`. */
export function normalAt(k0: number, k1: number, counter: number): number {
  const [c0, c1] = split(counter);
  const w = philox(k0, k1, c0, c1);
  const u1 = ((w[0] >>> 8) + 1) * TWO_NEG_24; // (0, 1]
  const u2 = (w[1] >>> 8) * TWO_NEG_24;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

// --- the global generator ---
let key: [number, number] = [0x853c49e6, 0x748fea9b];
let offset = 0;

/** Seed the global generator (the same stream on every backend). */
export function manualSeed(seed: number | bigint): void {
  const s = BigInt.asUintN(64, BigInt(seed));
  key = [Number(s & 0xffffffffn), Number(s >> 32n)];
  offset = 0;
}

/** Reserve n counters from the global generator; returns the key and the first counter. */
export function nextCounters(n: number): { key: [number, number]; counter: number } {
  const counter = offset;
  offset += n;
  return { key: [...key], counter };
}

export function getRngState(): { key: [number, number]; offset: number } { return { key: [...key], offset }; }
export function setRngState(state: { key: [number, number]; offset: number }): void { key = [...state.key]; offset = state.offset; }
