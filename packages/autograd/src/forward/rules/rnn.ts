// Forward-mode rules for the fused recurrent cells, by the chain rule through their gates (the cells'
// backward ops are fused kernels without rules of their own, so the transposition trick can't be used).
import { add, mul, sigmoid, sub, tanh, type Tensor } from '@flint/core';
import { defineForwardRule, sumTerms } from '../registry.js';

/** d σ(a) = σ(1 - σ) da; d tanh(a) = (1 - tanh²) da. */
const dSigmoid = (s: Tensor, d: Tensor): Tensor => mul(mul(s, sub(1, s)), d);
const dTanh = (t: Tensor, d: Tensor): Tensor => mul(sub(1, mul(t, t)), d);

/** Registers the forward rules of the recurrent cells. */
export function registerRnn(): void {
  // gruCell [xGates, hGates, h, hBias?] -> h' = n + z (h - n), r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r h_n)
  defineForwardRule('gruCell', { jvp: (c) => {
    const [xg, hg0, h] = c.inputs as [Tensor, Tensor, Tensor], bias = c.inputs[3] ?? null, H = h.shape[1]!;
    const hg = bias ? add(hg0, bias) : hg0;
    const zero = xg.mul(0);
    const dxg = c.tangent(0) ?? zero, dhg = sumTerms(c.tangent(1), bias ? c.tangent(3) : null) ?? zero;
    const [xr, xz, xn] = xg.split(H, 1) as [Tensor, Tensor, Tensor], [hr, hz, hn] = hg.split(H, 1) as [Tensor, Tensor, Tensor];
    const [dxr, dxz, dxn] = dxg.split(H, 1) as [Tensor, Tensor, Tensor], [dhr, dhz, dhn] = dhg.expand([...xg.shape]).split(H, 1) as [Tensor, Tensor, Tensor];
    const r = sigmoid(add(xr, hr)), z = sigmoid(add(xz, hz)), n = tanh(add(xn, mul(r, hn)));
    const dr = dSigmoid(r, add(dxr, dhr)), dz = dSigmoid(z, add(dxz, dhz));
    const dn = dTanh(n, add(dxn, add(mul(dr, hn), mul(r, dhn))));
    const dh = c.tangent(2);
    const out = add(add(dn, mul(dz, sub(h, n))), mul(z, dh ? sub(dh, dn) : dn.neg()));
    return c.outputs.map((_, i) => (i === 0 ? out : null));
  } });
  // lstmCell [xGates, hGates, c] -> c' = f c + i g, h' = o tanh(c') with i, f, o = σ(.), g = tanh(.)
  defineForwardRule('lstmCell', { jvp: (c) => {
    const [xg, hg, cPrev] = c.inputs as [Tensor, Tensor, Tensor], H = cPrev.shape[1]!;
    const gates = add(xg, hg), dgates = sumTerms(c.tangent(0), c.tangent(1)) ?? gates.mul(0);
    const [gi, gf, gg, go] = gates.split(H, 1) as [Tensor, Tensor, Tensor, Tensor];
    const [di0, df0, dg0, do0] = dgates.split(H, 1) as [Tensor, Tensor, Tensor, Tensor];
    const i = sigmoid(gi), f = sigmoid(gf), g = tanh(gg), o = sigmoid(go);
    const cNew = add(mul(f, cPrev), mul(i, g)), tc = tanh(cNew);
    const dcPrev = c.tangent(2);
    const dc = sumTerms(mul(dSigmoid(f, df0), cPrev), dcPrev ? mul(f, dcPrev) : null, mul(dSigmoid(i, di0), g), mul(i, dTanh(g, dg0)))!;
    const dh = add(mul(dSigmoid(o, do0), tc), mul(o, dTanh(tc, dc)));
    return c.outputs.map((_, k) => (k === 0 ? dh : k === 1 ? dc : null));
  } });
}
