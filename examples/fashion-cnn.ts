// PyTorch's "Training a Classifier", ported to Fashion-MNIST: a small CNN with Conv2d, BatchNorm2d,
// MaxPool2d and Dropout, a DataLoader with transforms, Adam with StepLR, evaluation in eval mode, and a
// checkpoint saved and reloaded. Runs on the 4000-image subset committed with apps/fashion-mnist.
//   pnpm --filter @flint/examples exec tsx fashion-cnn.ts [--limit 1000] [--epochs 2]
import '@flint/backend-cpu';
import '@flint/autograd';
import { noGrad } from '@flint/autograd';
import { crossEntropy, manualSeed, scope, type Tensor } from '@flint/core';
import { Compose, DataLoader, Normalize, Subset, ToTensor, type RawImage } from '@flint/data';
import { FashionMNIST } from '@flint/data/node';
import { BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential, loadCheckpoint, saveCheckpoint } from '@flint/nn';
import { Adam, StepLR } from '@flint/optim';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { limit: { type: 'string', default: '1000' }, epochs: { type: 'string', default: '2' } } });
const DATA = fileURLToPath(new URL('../apps/fashion-mnist/data', import.meta.url));

class Net extends Module {
  features = new Sequential(
    new Conv2d(1, 8, 3, { padding: 1 }), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2), // 14x14
    new Conv2d(8, 16, 3, { padding: 1 }), new BatchNorm2d(16), new ReLU(), new MaxPool2d(2), // 7x7
  );
  classifier = new Sequential(new Flatten(), new Dropout(0.25), new Linear(16 * 7 * 7, 10));
  override forward(x: Tensor): Tensor { return this.classifier.call(this.features.call(x)); }
}

manualSeed(0);
const transform = new Compose<RawImage, Tensor>([new ToTensor(), new Normalize(0.286, 0.353)]);
const limit = Number(args.limit);
// FashionMNIST<Tensor>: the transform turns each image into a tensor, so batches are [images, labels] tensors
const train = new Subset(new FashionMNIST<Tensor>(DATA, { train: true, transform }), Array.from({ length: limit }, (_, i) => i));
const test = new FashionMNIST<Tensor>(DATA, { train: false, transform });
const trainLoader = new DataLoader(train, { batchSize: 32, shuffle: true, seed: 0 });
const testLoader = new DataLoader(test, { batchSize: 250 });

const net = new Net();
const optimizer = new Adam(net.parameters(), { lr: 2e-3 });
const scheduler = new StepLR(optimizer, 1, { gamma: 0.5 });

async function evaluate(model: Net): Promise<number> {
  model.eval(); // BatchNorm uses its running statistics, Dropout passes everything through
  let correct = 0;
  for await (const [x, y] of testLoader) {
    correct += await noGrad(() => scope(async () => Number(await model.call(x).argmax(1).eq(y).sum().item())));
    x.dispose(); y.dispose();
  }
  model.train();
  return correct / test.length;
}

for (let epoch = 1; epoch <= Number(args.epochs); epoch++) {
  let total = 0, batches = 0;
  for await (const [x, y] of trainLoader) {
    total += await scope(async () => {
      optimizer.zeroGrad();
      const loss = crossEntropy(net.call(x), y);
      loss.backward();
      optimizer.step();
      return Number(await loss.item());
    });
    batches++;
    x.dispose(); y.dispose();
  }
  scheduler.step();
  console.log(`epoch ${epoch}: train loss ${(total / batches).toFixed(4)}, lr ${scheduler.getLastLr()[0]}, test accuracy ${(100 * (await evaluate(net))).toFixed(1)}%`);
}

// a checkpoint of everything needed to resume, and a fresh model that loads it
const dir = mkdtempSync(join(tmpdir(), 'flint-example-'));
const file = join(dir, 'fashion-cnn.ckpt');
await saveCheckpoint(file, { model: net.stateDict(), optimizer: optimizer.stateDict(), scheduler: scheduler.stateDict(), epoch: Number(args.epochs) });
const restored = new Net();
const ckpt = loadCheckpoint(file) as { model: Record<string, Tensor>; epoch: number };
restored.loadStateDict(ckpt.model);
console.log(`reloaded the epoch-${ckpt.epoch} checkpoint: test accuracy ${(100 * (await evaluate(restored))).toFixed(1)}%`);
rmSync(dir, { recursive: true, force: true });
