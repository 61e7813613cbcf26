// Counter-based random numbers (Philox4x32-10): element i of a draw depends only on (seed, counter + i),
// so every backend produces the same stream for the same seed.

const M0 = 0xd2511f53, M1 = 0xcd9e8d57, W0 = 0x9e3779b9, W1 = 0xbb67ae85;

/**
 * High 32 bits of the 64-bit product of two uint32s, exactly, as an int32 (callers only xor it and take
 * >>> 0): lo = the product mod 2^32 (Math.imul), and the double product a*b is within 2^11 of the true one
 * (it is below 2^64, where a double's spacing is at most 2^12); subtracting lo rounds once more by at most
 * 2^11, so (a*b - lo) * 2^-32 is within 2^-20 of the integer hi, and adding 1/2 then truncating (| 0)
 * recovers it (mod 2^32), in fewer operations than multiplying 16-bit halves.
 */
function mulhi(a: number, b: number): number {
  return ((a * b - (Math.imul(a, b) >>> 0)) * 2.3283064365386963e-10 + 0.5) | 0;
}

const words = new Uint32Array(4);

/** Philox4x32-10 of counter (c0, c1, 0, 0) under key (k0, k1), written into `out` (four uint32 words). */
export function philoxInto(k0: number, k1: number, c0: number, c1: number, out: Uint32Array): void {
  let x0 = c0 >>> 0, x1 = c1 >>> 0, x2 = 0, x3 = 0, key0 = k0 >>> 0, key1 = k1 >>> 0;
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi(M0, x0), lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulhi(M1, x2), lo1 = Math.imul(M1, x2) >>> 0;
    x0 = (hi1 ^ x1 ^ key0) >>> 0; x1 = lo1;
    x2 = (hi0 ^ x3 ^ key1) >>> 0; x3 = lo0;
    key0 = (key0 + W0) >>> 0; key1 = (key1 + W1) >>> 0;
  }
  out[0] = x0; out[1] = x1; out[2] = x2; out[3] = x3;
}

const words8 = new Uint32Array(8);

/**
 * Two Philox blocks, counters (c0, c1) and (c0 + 1, c1) with c0 + 1 < 2^32, into words8[0..3] and [4..7]:
 * each round is a chain of dependent multiplies, so two interleaved chains run in about the time of one.
 */
function philox2Into(k0: number, k1: number, c0: number, c1: number): void {
  let x0 = c0 >>> 0, x1 = c1 >>> 0, x2 = 0, x3 = 0, y0 = (c0 + 1) >>> 0, y1 = x1, y2 = 0, y3 = 0, key0 = k0 >>> 0, key1 = k1 >>> 0;
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi(M0, x0), lo0 = Math.imul(M0, x0) >>> 0, hi1 = mulhi(M1, x2), lo1 = Math.imul(M1, x2) >>> 0;
    const gi0 = mulhi(M0, y0), go0 = Math.imul(M0, y0) >>> 0, gi1 = mulhi(M1, y2), go1 = Math.imul(M1, y2) >>> 0;
    x0 = (hi1 ^ x1 ^ key0) >>> 0; x1 = lo1; x2 = (hi0 ^ x3 ^ key1) >>> 0; x3 = lo0;
    y0 = (gi1 ^ y1 ^ key0) >>> 0; y1 = go1; y2 = (gi0 ^ y3 ^ key1) >>> 0; y3 = go0;
    key0 = (key0 + W0) >>> 0; key1 = (key1 + W1) >>> 0;
  }
  words8[0] = x0; words8[1] = x1; words8[2] = x2; words8[3] = x3;
  words8[4] = y0; words8[5] = y1; words8[6] = y2; words8[7] = y3;
}

/** Philox4x32-10 of counter (c0, c1, 0, 0) under key (k0, k1): four uint32 words. */
export function philox(k0: number, k1: number, c0: number, c1: number): [number, number, number, number] {
  philoxInto(k0, k1, c0, c1, words);
  return [words[0]!, words[1]!, words[2]!, words[3]!];
}

const TWO_NEG_24 = 2 ** -24;

// Element j of a stream uses Philox block floor(j/4) and its word j%4 (uniform), or block floor(j/2) and
// its words 2(j%2), 2(j%2)+1 (normal, by Box–Muller): one block serves 4 uniform or 2 normal values.
const block = (j: number): [number, number] => [j % 0x100000000, Math.floor(j / 0x100000000)];

/** Uniform in [0, 1) with 24 bits, for stream element j. */
export function uniformAt(k0: number, k1: number, j: number): number {
  const [c0, c1] = block(Math.floor(j / 4));
  philoxInto(k0, k1, c0, c1, words);
  return (words[j % 4]! >>> 8) * TWO_NEG_24;
}

/** Standard normal (Box–Muller) for stream element j. */
export function normalAt(k0: number, k1: number, j: number): number {
  const [c0, c1] = block(Math.floor(j / 2));
  philoxInto(k0, k1, c0, c1, words);
  const w = 2 * (j % 2);
  return boxMuller(words[w]!, words[w + 1]!);
}

function boxMuller(a: number, b: number): number {
  const u1 = ((a >>> 8) + 1) * TWO_NEG_24; // (0, 1]
  const u2 = (b >>> 8) * TWO_NEG_24;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** out[offset + i] = low + (high - low) * uniformAt(k0, k1, counter + i) for i < n, a block at a time. */
export function uniformFill(k0: number, k1: number, counter: number, n: number, out: { [i: number]: number }, offset: number, low: number, high: number): void {
  const scale = (high - low) * TWO_NEG_24;
  let i = 0;
  while (i < n) {
    const j = counter + i, b = Math.floor(j / 4), c0 = b % 0x100000000, c1 = Math.floor(b / 0x100000000);
    if (j === b * 4 && n - i >= 8 && c0 !== 0xffffffff) {
      // two whole blocks at once
      philox2Into(k0, k1, c0, c1);
      for (let w = 0; w < 8; w++, i++) out[offset + i] = low + (words8[w]! >>> 8) * scale;
      continue;
    }
    philoxInto(k0, k1, c0, c1, words);
    for (let w = j - b * 4; w < 4 && i < n; w++, i++) out[offset + i] = low + (words[w]! >>> 8) * scale;
  }
}

/** out[offset + i] = mean + std * normalAt(k0, k1, counter + i) for i < n, a block at a time. */
export function normalFill(k0: number, k1: number, counter: number, n: number, out: { [i: number]: number }, offset: number, mean: number, std: number): void {
  let i = 0;
  while (i < n) {
    const j = counter + i, b = Math.floor(j / 2), c0 = b % 0x100000000, c1 = Math.floor(b / 0x100000000);
    if (j === b * 2 && n - i >= 4 && c0 !== 0xffffffff) {
      philox2Into(k0, k1, c0, c1);
      for (let w = 0; w < 4; w++, i++) out[offset + i] = mean + std * boxMuller(words8[2 * w]!, words8[2 * w + 1]!);
      continue;
    }
    philoxInto(k0, k1, c0, c1, words);
    for (let w = j - b * 2; w < 2 && i < n; w++, i++) out[offset + i] = mean + std * boxMuller(words[2 * w]!, words[2 * w + 1]!);
  }
}

// --- the global generator: one per process, shared by every copy of @flint/core (an ESM and a
// CommonJS build loaded side by side draw from one stream, as they share one registry) ---
interface Generator { key: [number, number]; offset: number }
const RNG = Symbol.for('@flint/core.rng');
const gen: Generator = ((globalThis as unknown as Record<symbol, Generator | undefined>)[RNG] ??= { key: [0x853c49e6, 0x748fea9b], offset: 0 });

/** Seed the global generator (the same stream on every backend). */
export function manualSeed(seed: number | bigint): void {
  const s = BigInt.asUintN(64, BigInt(seed));
  gen.key = [Number(s & 0xffffffffn), Number(s >> 32n)];
  gen.offset = 0;
}

/** Reserve n counters from the global generator; returns the key and the first counter. */
export function nextCounters(n: number): { key: [number, number]; counter: number } {
  const counter = gen.offset;
  gen.offset += n;
  return { key: [...gen.key], counter };
}

/** The global generator's state (its key and counter), to restore later with {@link setRngState}. */
export function getRngState(): { key: [number, number]; offset: number } { return { key: [...gen.key], offset: gen.offset }; }
/** Restores a state from {@link getRngState}. */
export function setRngState(state: { key: [number, number]; offset: number }): void { gen.key = [...state.key]; gen.offset = state.offset; }
