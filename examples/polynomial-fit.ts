// PyTorch's "Learning PyTorch with Examples", ported: fit y = sin(x) on [-π, π] with a third-order
// polynomial y = a + b x + c x² + d x³, four ways — tensors with hand-written gradients, autograd,
// nn with a hand-written update, and nn with an optimizer.
//   pnpm --filter @flint/examples exec tsx polynomial-fit.ts
import '@flint/backend-cpu';
import { noGrad } from '@flint/autograd';
import { linspace, pow, randn, scope, sin, stack, type Tensor } from '@flint/core';
import { Flatten, Linear, MSELoss, Sequential } from '@flint/nn';
import { RMSprop } from '@flint/optim';

const x = linspace(-Math.PI, Math.PI, 2000), y = sin(x);
const report = (how: string, loss: number, coef: number[]) =>
  console.log(`${how}: loss ${loss.toFixed(2)}, y = ${coef[0]!.toFixed(3)} + ${coef[1]!.toFixed(3)} x + ${coef[2]!.toFixed(3)} x^2 + ${coef[3]!.toFixed(3)} x^3`);

// 1. Tensors, gradients by hand.
{
  const [a, b, c, d] = [randn([]), randn([]), randn([]), randn([])];
  const lr = 1e-6;
  let loss = 0;
  for (let t = 0; t < 2000; t++) {
    loss = scope(() => {
      const yPred = a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3)));
      const gradYPred = yPred.sub(y).mul(2);
      a.sub_(gradYPred.sum().mul(lr));
      b.sub_(gradYPred.mul(x).sum().mul(lr));
      c.sub_(gradYPred.mul(x.pow(2)).sum().mul(lr));
      d.sub_(gradYPred.mul(x.pow(3)).sum().mul(lr));
      return Number(yPred.sub(y).pow(2).sum().itemSync());
    });
  }
  report('tensors', loss, [a, b, c, d].map((t) => Number(t.itemSync())));
}

// 2. Autograd computes the gradients.
{
  const [a, b, c, d] = [randn([]), randn([]), randn([]), randn([])].map((t) => t.requiresGrad_());
  const lr = 1e-6;
  let loss = 0;
  for (let t = 0; t < 2000; t++) {
    loss = scope(() => {
      const l = a!.add(b!.mul(x)).add(c!.mul(x.pow(2))).add(d!.mul(x.pow(3))).sub(y).pow(2).sum();
      l.backward();
      noGrad(() => { for (const p of [a, b, c, d]) { p!.sub_(p!.grad!.mul(lr)); p!.grad = null; } });
      return Number(l.itemSync());
    });
  }
  report('autograd', loss, [a, b, c, d].map((t) => Number(t!.itemSync())));
}

// 3. nn: the polynomial is a Linear layer over (x, x², x³); the update is still by hand.
const features: Tensor = stack([1, 2, 3].map((p) => pow(x, p)), 1); // [2000, 3]
{
  const model = new Sequential(new Linear(3, 1), new Flatten(0, 1));
  const lossFn = new MSELoss({ reduction: 'sum' });
  const lr = 1e-6;
  let loss = 0;
  for (let t = 0; t < 2000; t++) {
    loss = scope(() => {
      model.zeroGrad();
      const l = lossFn.call(model.call(features), y);
      l.backward();
      noGrad(() => { for (const p of model.parameters()) p.sub_(p.grad!.mul(lr)); });
      return Number(l.itemSync());
    });
  }
  const lin = model.at(0) as Linear;
  report('nn', loss, [Number(lin.bias!.itemSync()), ...Array.from(lin.weight.dataSync() as Float32Array)]);
}

// 4. nn and an optimizer.
{
  const model = new Sequential(new Linear(3, 1), new Flatten(0, 1));
  const lossFn = new MSELoss({ reduction: 'sum' });
  const optimizer = new RMSprop(model.parameters(), { lr: 1e-3 });
  let loss = 0;
  for (let t = 0; t < 2000; t++) {
    loss = scope(() => {
      optimizer.zeroGrad();
      const l = lossFn.call(model.call(features), y);
      l.backward();
      optimizer.step();
      return Number(l.itemSync());
    });
  }
  const lin = model.at(0) as Linear;
  report('optim', loss, [Number(lin.bias!.itemSync()), ...Array.from(lin.weight.dataSync() as Float32Array)]);
}
