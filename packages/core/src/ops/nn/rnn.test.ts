import { describe, expect, it } from 'vitest';
import * as F from '../../index.js';
import { DEVICES } from './fixtures/harness.js';

const sig = (v: number) => 1 / (1 + Math.exp(-v));
const B = 2, H = 3;
const vals = (n: number, k: number) => Array.from({ length: n }, (_, i) => Math.sin(i * k + 0.3) * 2);

// Scalar references, straight from the formulas in the op docs (PyTorch's gate orders).
function gruRef(xg: number[], hg: number[], h: number[]): number[] {
  return h.map((hv, e) => {
    const b = Math.floor(e / H), j = e % H, g = b * 3 * H;
    const r = sig(xg[g + j]! + hg[g + j]!), z = sig(xg[g + H + j]! + hg[g + H + j]!);
    const n = Math.tanh(xg[g + 2 * H + j]! + r * hg[g + 2 * H + j]!);
    return (1 - z) * n + z * hv;
  });
}
function lstmRef(gates: number[], c: number[]): { h: number[]; c: number[] } {
  const cs = c.map((cv, e) => {
    const b = Math.floor(e / H), j = e % H, g = b * 4 * H;
    return sig(gates[g + H + j]!) * cv + sig(gates[g + j]!) * Math.tanh(gates[g + 2 * H + j]!);
  });
  const hs = cs.map((cv, e) => sig(gates[Math.floor(e / H) * 4 * H + 3 * H + (e % H)]!) * Math.tanh(cv));
  return { h: hs, c: cs };
}

async function close(t: F.Tensor, want: number[], tol: number): Promise<void> {
  const got = Array.from(await t.data() as Float32Array);
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(tol));
}

describe.each(DEVICES)('recurrent cells on %s', (device) => {
  for (const dtype of ['float32', 'float64'] as const) {
    const tol = dtype === 'float32' ? 1e-6 : 1e-12;
    it(`gruCell matches the GRU formulas (${dtype})`, async () => {
      const xg = vals(B * 3 * H, 0.7), hg = vals(B * 3 * H, 1.3), h = vals(B * H, 2.1);
      const t = (v: number[], s: number[]) => F.tensor(v, { dtype, device }).reshape(s);
      const out = F.gruCell(t(xg, [B, 3 * H]), t(hg, [B, 3 * H]), t(h, [B, H]));
      expect(out.dtype).toBe(dtype);
      await close(out, gruRef(xg, hg, h), tol);
      const bias = vals(3 * H, 0.5);
      await close(F.gruCell(t(xg, [B, 3 * H]), t(hg, [B, 3 * H]), t(h, [B, H]), t(bias, [3 * H])), gruRef(xg, hg.map((v, i) => v + bias[i % (3 * H)]!), h), tol);
    });
    it(`lstmCell matches the LSTM formulas (${dtype})`, async () => {
      const g = vals(B * 4 * H, 0.9), gh = vals(B * 4 * H, 0.4), c = vals(B * H, 1.7);
      const t = (v: number[], s: number[]) => F.tensor(v, { dtype, device }).reshape(s);
      const out = F.lstmCell(t(g, [B, 4 * H]), t(gh, [B, 4 * H]), t(c, [B, H]));
      const want = lstmRef(g.map((v, i) => v + gh[i]!), c);
      await close(out.h, want.h, tol);
      await close(out.c, want.c, tol);
    });
  }
  it('takes strided inputs (a transposed view of the gates)', async () => {
    const xg = vals(B * 3 * H, 0.7), hg = vals(B * 3 * H, 1.3), h = vals(B * H, 2.1);
    const xgT = F.tensor(xg).reshape([B, 3 * H]).t().contiguous().t();
    await close(F.gruCell(xgT, F.tensor(hg).reshape([B, 3 * H]), F.tensor(h).reshape([B, H])), gruRef(xg, hg, h), 1e-6);
  });
  it('backward ops: gruCellBackward gives gradXGates and gradHGates that differ only in the n gate by r', async () => {
    const ws = F.rand([4, B, H], { dtype: 'float64', device }), h = F.randn([B, H], { dtype: 'float64', device });
    const g = F.randn([B, H], { dtype: 'float64', device });
    const r = F.gruCellBackward(g, h, ws);
    expect(await r.gradXGates.narrow(1, 0, 2 * H).tolist()).toEqual(await r.gradHGates.narrow(1, 0, 2 * H).tolist());
    const want = r.gradXGates.narrow(1, 2 * H, H).mul(ws.select(0, 0));
    await close(r.gradHGates.narrow(1, 2 * H, H), Array.from(await want.data() as Float64Array), 1e-12);
    await close(r.gradH, Array.from(await g.mul(ws.select(0, 1)).data() as Float64Array), 1e-12);
  });
  it('lstmCellBackward treats a missing gradient as zero', async () => {
    const ws = F.rand([5, B, H], { dtype: 'float64', device }), c = F.randn([B, H], { dtype: 'float64', device });
    const gc = F.randn([B, H], { dtype: 'float64', device });
    const a = F.lstmCellBackward(null, gc, c, ws), b = F.lstmCellBackward(F.zerosLike(gc), gc, c, ws);
    expect(await a.gradGates.tolist()).toEqual(await b.gradGates.tolist());
    expect(await a.gradC.tolist()).toEqual(await gc.mul(ws.select(0, 1)).tolist());
  });
  it('rejects mismatched shapes and dtypes', () => {
    const h = F.zeros([B, H], { device });
    expect(() => F.gruCell(F.zeros([B, 3 * H], { device }), F.zeros([B, 2 * H], { device }), h)).toThrow(/gruCell: hGates \[2,6\] must have shape \[2,9\]/);
    const g = F.zeros([B, 4 * H], { device });
    expect(() => F.gruCell(F.zeros([B, 3 * H], { device }), F.zeros([B, 3 * H], { device }), h, F.zeros([H], { device }))).toThrow(/gruCell: hBias \[3\] must have shape \[9\]/);
    expect(() => F.lstmCell(g, g, F.zeros([B, H], { device, dtype: 'float64' }))).toThrow(F.DTypeError);
    expect(() => F.lstmCell(g, g, F.zeros([H], { device }))).toThrow(/lstmCell: expected c of shape \[B,H\]/);
  });
});
