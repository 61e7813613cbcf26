import { afterEach, describe, expect, it } from 'vitest';
import { CHUNK, STREAM_MIN, channelSlabs, setStreamDisabled, streamAvailable, streamBinary, streamMap, streamSum } from './wasm-stream.js';
import { wasmUnary } from './wasm-math.js';

/** Deterministic values in [-1, 1) with the special cases planted at the start. */
function values(n: number, seed: number): Float32Array {
  const v = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; v[i] = s / 2 ** 31 - 1; }
  v.set([NaN, -0, 0, Infinity, -Infinity, 1e-40, -1e-40, 3.4e38].slice(0, n));
  return v;
}
/** The bits of a float32 value, NaNs as one pattern (quiet NaN payloads are not compared). */
const bits = (x: number): number => (x !== x ? -1 : new Int32Array(new Float32Array([x]).buffer)[0]!);

describe('wasm-stream SIMD loops', () => {
  const on = streamAvailable();
  afterEach(() => setStreamDisabled(false));
  const f = Math.fround;
  const REF = {
    add: (x: number, y: number) => x + y, sub: (x: number, y: number) => x - y, mul: (x: number, y: number) => x * y,
    div: (x: number, y: number) => x / y, reluGrad: (g: number, o: number) => (o > 0 || o !== o ? g : 0),
  };
  for (const [op, ref] of Object.entries(REF) as Array<[keyof typeof REF, (x: number, y: number) => number]>) {
    it.runIf(on)(`${op} gives the JS loop's float32 bits, at offsets, over several chunks and a ragged tail`, () => {
      const n = 2 * CHUNK + 37, a = values(n + 3, 1), b = values(n + 5, 2), d = new Float32Array(n + 2).fill(7);
      b[9] = NaN; b[10] = -0; b[11] = 0;
      expect(streamBinary(op, a, 3, b, 5, d, 1, n)).toBe(true);
      for (let i = 0; i < n; i++) expect(bits(d[1 + i]!)).toBe(bits(f(ref(a[3 + i]!, b[5 + i]!))));
      expect([d[0], d[n + 1]]).toEqual([7, 7]); // nothing written outside the run
    });
  }

  it.runIf(on)('relu (wasm-math) stores +0 for negatives and -0, keeps NaN, positives unchanged', () => {
    const x = values(100, 3), y = new Float32Array(100);
    expect(wasmUnary('relu', x, 0, y, 100)).toBe(true);
    for (let i = 0; i < 100; i++) expect(bits(y[i]!)).toBe(bits(x[i]! > 0 ? x[i]! : x[i]! === x[i]! ? 0 : NaN));
  });

  it.runIf(on)('sums gather strided rows (channel c of [N, C, S]) and add in float64, tails included', () => {
    const finite = (v: number): number => (Math.abs(v) <= 1 ? v : 0.25);
    const N = 3, C = 4, S = CHUNK + 5, x = values(N * C * S, 4).map((v) => finite(v) + 0.5), g = values(N * C * S, 5).map(finite);
    const near = (got: number | null, want: number): void => expect(Math.abs(got! - want)).toBeLessThanOrEqual(1e-12 * Math.abs(want));
    for (let c = 0; c < C; c++) {
      let s = 0, sg = 0, m = 0;
      for (let n = 0; n < N; n++) for (let i = 0; i < S; i++) s += x[(n * C + c) * S + i]!;
      m = s / (N * S);
      let q = 0;
      for (let n = 0; n < N; n++) for (let i = 0; i < S; i++) { const j = (n * C + c) * S + i, d = x[j]! - m; q += d * d; sg += g[j]! * d; }
      near(streamSum('sum', [x], [c * S], N, S, C * S), s);
      near(streamSum('sumSqDev', [x], [c * S], N, S, C * S, m), q);
      near(streamSum('sumProdDev', [g, x], [c * S, c * S], N, S, C * S, m), sg);
    }
  });

  for (const [N, C, S] of [[2, 3, 50], [3, 5, 7], [2, 2, CHUNK + 9]]) {
    it.runIf(on)(`channelSlabs walks [${N}, ${C}, ${S}] by slabs: per-channel sums, (x - mean) scale + bias and the input gradient`, () => {
      const fin = (v: number): number => (Math.abs(v) <= 1 ? v : 0.25);
      const x = values(N * C * S, 6).map(fin), g = values(N * C * S, 7).map(fin);
      const P = Array.from({ length: C }, (_, c) => [0.25 * c - 0.1, 1.5 + c, -0.5 + 0.3 * c, 0.7 - 0.1 * c]); // mean, scale, bias, k
      const sums = new Float64Array(C), prods = new Float64Array(C), y = new Float32Array(x.length), dx = new Float32Array(x.length);
      expect(channelSlabs([g, x], [0, 0], null, 0, N, C, S, (w, c, at, len) => {
        const n4 = len & ~3;
        let s1 = w.sums.sum(at * 4, n4, 0), s2 = w.sums.sumProd(at * 4, n4, 0);
        for (let i = at + n4; i < at + len; i++) { s1 += w.f32[i]!; s2 += w.f32[i]! * w.f32[CHUNK + i]!; }
        sums[c] += s1; prods[c] += s2;
      })).toBe(true);
      channelSlabs([x], [0], y, 0, N, C, S, (w, c, at, len) => w.maps.bnApply(at * 4, (len + 3) & ~3, P[c]![0]!, P[c]![1]!, P[c]![2]!, 0, 0, 0, 0));
      channelSlabs([g, x], [0, 0], dx, 0, N, C, S, (w, c, at, len) => w.maps.bnGrad(at * 4, (len + 3) & ~3, P[c]![3]!, 0.1, P[c]![0]!, 0.3, 0, 0, 0));
      for (let c = 0; c < C; c++) {
        let s1 = 0, s2 = 0;
        const [mean, scale, bias, kk] = P[c]!.map(f);
        for (let n = 0; n < N; n++) {
          for (let i = 0; i < S; i++) {
            const j = (n * C + c) * S + i;
            s1 += g[j]!; s2 += g[j]! * x[j]!;
            expect(y[j]).toBe(f(f(f(x[j]! - mean!) * scale!) + bias!));
            expect(dx[j]).toBe(f(kk! * f(f(g[j]! - f(0.1)) - f(f(x[j]! - mean!) * f(0.3)))));
          }
        }
        expect(Math.abs(sums[c]! - s1)).toBeLessThanOrEqual(1e-12 * N * S);
        expect(Math.abs(prods[c]! - s2)).toBeLessThanOrEqual(1e-12 * N * S);
      }
    });
  }

  it.runIf(on)('adam and sgd updates equal the float32 JS steps bit for bit', () => {
    const n = CHUNK + 11, P = values(n, 8).map((v) => (Number.isFinite(v) ? v : 0.5)), G = values(n, 9).map((v) => (Number.isFinite(v) ? v * 0.1 : 0));
    const M = values(n, 10).map((v) => (Number.isFinite(v) ? Math.abs(v) * 0.01 : 0)), V = M.map((v) => v * v);
    const B1 = f(0.9), OB1 = f(0.1), B2 = f(0.999), OB2 = f(0.001), BC2 = f(Math.sqrt(1 - 0.999 ** 3)), EPS = f(1e-8), NSS = f(-0.001 / (1 - 0.9 ** 3));
    const [p, m, v] = [P.slice(), M.slice(), V.slice()];
    for (let i = 0; i < n; i++) {
      const gi = G[i]!, mi = f(f(m[i]! * B1) + f(gi * OB1)), vi = f(f(v[i]! * B2) + f(f(gi * OB2) * gi));
      m[i] = mi; v[i] = vi; p[i] = f(p[i]! + f(f(mi * NSS) / f(f(f(Math.sqrt(vi)) / BC2) + EPS)));
    }
    streamMap('adam', [P, G, M, V], [0, 0, 0, 0], [P, null, M, V], [0, 0, 0, 0], 1, n, 0, B1, OB1, B2, OB2, BC2, EPS, NSS);
    expect([...P]).toEqual([...p]); expect([...M]).toEqual([...m]); expect([...V]).toEqual([...v]);
    const Q = values(n, 11).map((x) => (Number.isFinite(x) ? x : 0)), Bf = values(n, 12).map((x) => (Number.isFinite(x) ? x : 0));
    const [q, bf] = [Q.slice(), Bf.slice()], MOM = f(0.9), DAMP = f(1), NLR = f(-0.05);
    for (let i = 0; i < n; i++) { const b = f(f(bf[i]! * MOM) + f(G[i]! * DAMP)); bf[i] = b; q[i] = f(q[i]! + f(b * NLR)); }
    streamMap('sgd', [Q, G, Bf], [0, 0, 0], [Q, null, Bf], [0, 0, 0], 1, n, 0, MOM, DAMP, NLR);
    expect([...Q]).toEqual([...q]); expect([...Bf]).toEqual([...bf]);
  });

  it('declines short runs and non-float32 buffers, and steps aside when turned off', () => {
    const a = new Float32Array(STREAM_MIN - 1);
    expect(streamBinary('add', a, 0, a, 0, a, 0, a.length)).toBe(false);
    const d = new Float64Array(STREAM_MIN) as unknown as Float32Array;
    expect(streamBinary('add', d, 0, d, 0, d, 0, STREAM_MIN)).toBe(false);
    setStreamDisabled(true);
    const b = new Float32Array(STREAM_MIN);
    expect(streamBinary('add', b, 0, b, 0, b, 0, STREAM_MIN)).toBe(false);
    expect(streamSum('sum', [b], [0], 1, STREAM_MIN, 0)).toBeNull();
  });
});
