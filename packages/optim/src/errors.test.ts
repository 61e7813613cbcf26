// Errors are part of the API: empty parameter lists, out-of-range options, a parameter in two groups,
// non-leaf parameters, and the checks on groups added later.
import { describe, expect, it } from 'vitest';
import * as F from '@flint/core';
import { Adagrad, Adam, AdamW, OptimizerError, RMSprop, SGD } from './index.js';
import './test-helpers.js';

const param = (): F.Tensor => F.keep(F.zeros([3]).requiresGrad_());

describe('optimizer errors', () => {
  it('an empty parameter list', () => {
    for (const make of [() => new SGD([], { lr: 0.1 }), () => new Adam([]), () => new AdamW([]), () => new RMSprop([]), () => new Adagrad([])]) {
      expect(make).toThrow(OptimizerError);
      expect(make).toThrow(/optimizer got an empty parameter list/);
    }
  });
  it('a single tensor instead of a list', () => {
    expect(() => new Adam(param() as unknown as F.Tensor[])).toThrow(/got a single Tensor; pass \[tensor\]/);
  });
  it.each([
    ['SGD lr', () => new SGD([param()], { lr: -1 }), /SGD: invalid lr -1; it must be >= 0/],
    ['SGD momentum', () => new SGD([param()], { lr: 0.1, momentum: -0.5 }), /SGD: invalid momentum -0.5; it must be >= 0/],
    ['SGD weightDecay', () => new SGD([param()], { lr: 0.1, weightDecay: -1 }), /invalid weightDecay -1/],
    ['SGD nesterov', () => new SGD([param()], { lr: 0.1, nesterov: true }), /Nesterov momentum requires a momentum > 0 and zero dampening/],
    ['SGD without lr', () => new SGD([param()]), /parameter group 0 didn't specify lr/],
    ['Adam lr', () => new Adam([param()], { lr: -0.001 }), /Adam: invalid lr -0.001; it must be >= 0/],
    ['Adam eps', () => new Adam([param()], { eps: -1e-8 }), /Adam: invalid eps -1e-8; it must be >= 0/],
    ['Adam beta1', () => new Adam([param()], { betas: [1, 0.999] }), /Adam: invalid betas\[0\] 1; it must be in \[0, 1\)/],
    ['AdamW beta2', () => new AdamW([param()], { betas: [0.9, -0.1] }), /AdamW: invalid betas\[1\] -0.1; it must be in \[0, 1\)/],
    ['RMSprop alpha', () => new RMSprop([param()], { alpha: -1 }), /RMSprop: invalid alpha -1/],
    ['RMSprop momentum', () => new RMSprop([param()], { momentum: -1 }), /RMSprop: invalid momentum -1/],
    ['Adagrad lrDecay', () => new Adagrad([param()], { lrDecay: -1 }), /Adagrad: invalid lrDecay -1/],
    ['Adagrad initialAccumulatorValue', () => new Adagrad([param()], { initialAccumulatorValue: -1 }), /invalid initialAccumulatorValue -1/],
    ['a group option', () => new Adam([{ params: [param()] }, { params: [param()], lr: -2 }]), /Adam: invalid lr -2/],
  ])('invalid %s', (_name, make, message) => {
    expect(make).toThrow(OptimizerError);
    expect(make).toThrow(message);
  });
  it('a parameter in two groups', () => {
    const p = param();
    expect(() => new SGD([{ params: [p] }, { params: [p, param()] }], { lr: 0.1 })).toThrow(/some parameters appear in more than one parameter group/);
    const opt = new Adam([p]);
    expect(() => opt.addParamGroup({ params: p })).toThrow(/more than one parameter group/);
    expect(() => opt.addParamGroup({ params: [param(), param()].flatMap((q) => [q, q]) })).toThrow(/lists a parameter more than once/);
  });
  it('a non-leaf tensor', () => {
    const p = param();
    expect(() => new Adam([p.mul(2)])).toThrow(/can't optimize a non-leaf Tensor/);
  });
  it('addParamGroup fills defaults and joins the state dict', () => {
    const opt = new Adam([param()], { lr: 0.01 });
    opt.addParamGroup({ params: [param()], betas: [0.5, 0.6] });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.01, betas: [0.5, 0.6], eps: 1e-8 });
    expect(opt.stateDict().param_groups.map((g) => g.params)).toEqual([[0], [1]]);
  });
  it('zeroGrad clears or zeroes gradients, and skipped parameters keep no state', () => {
    const [a, b] = [param(), param()];
    a.grad = F.ones([3]);
    const opt = new SGD([a, b], { lr: 1, momentum: 0.9 });
    opt.step();
    expect(opt.state.has(b)).toBe(false);
    expect(Array.from(a.dataSync() as Float32Array)).toEqual([-1, -1, -1]);
    opt.zeroGrad({ setToNone: false });
    expect(Array.from(a.grad!.dataSync() as Float32Array)).toEqual([0, 0, 0]);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
  });
  it('step(closure) evaluates the loss with grad mode on and returns it, also when async', async () => {
    const p = param();
    const opt = new SGD([p], { lr: 0.5 });
    const closure = (): number => { opt.zeroGrad(); const l = p.sub(1).mul(p.sub(1)).sum(); l.backward(); return l.itemSync() as number; };
    expect(opt.step(closure)).toBe(3);
    expect(Array.from(p.dataSync() as Float32Array)).toEqual([1, 1, 1]);
    expect(await opt.step(async () => { const l = closure(); await Promise.resolve(); return l; })).toBe(0);
  });
});

describe('unknown option keys', () => {
  const loose = (o: Record<string, unknown>): never => o as never;
  it.each([
    ['SGD', () => new SGD([param()], loose({ lr: 0.1, weight_decay: 1e-4 })), /SGD: unknown option 'weight_decay' \(did you mean 'weightDecay'\?\); the options are lr, momentum, dampening, weightDecay, nesterov, maximize/],
    ['Adam', () => new Adam([param()], loose({ beta: [0.9, 0.99] })), /Adam: unknown option 'beta' \(did you mean 'betas'\?\)/],
    ['AdamW', () => new AdamW([param()], loose({ amsGrad: true })), /AdamW: unknown option 'amsGrad' \(did you mean 'amsgrad'\?\)/],
    ['RMSprop', () => new RMSprop([param()], loose({ centred: true })), /RMSprop: unknown option 'centred' \(did you mean 'centered'\?\)/],
    ['Adagrad', () => new Adagrad([param()], loose({ lr_decay: 0.1 })), /Adagrad: unknown option 'lr_decay' \(did you mean 'lrDecay'\?\)/],
  ])('%s rejects a misspelt option', (_name, make, message) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(message);
  });
  it('a group keeps extra keys (as torch) but a near miss of an option is an error', () => {
    const opt = new SGD([{ params: [param()], name: 'backbone' } as never], { lr: 0.1 });
    expect((opt.paramGroups[0] as unknown as { name: string }).name).toBe('backbone');
    expect(() => new SGD([{ params: [param()], weight_decay: 0.1 } as never], { lr: 0.1 })).toThrow(/SGD: parameter group 0 has the key 'weight_decay' \(did you mean 'weightDecay'\?\)/);
  });
});
