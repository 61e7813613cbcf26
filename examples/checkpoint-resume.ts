// Checkpoint and resume: train, save everything a run needs (model, optimizer, scheduler, epoch, the random
// stream) in one file, and continue from it later with exactly the losses an uninterrupted run gets.
//   tsx checkpoint-resume.ts --epochs 3                      # one uninterrupted run
//   tsx checkpoint-resume.ts --epochs 2 --save run.ckpt      # stop after two epochs ...
//   tsx checkpoint-resume.ts --epochs 3 --resume run.ckpt    # ... and finish later
import '@flint/backend-cpu';
import '@flint/autograd';
import { getRngState, manualSeed, mseLoss, randn, scope, setRngState } from '@flint/core';
import { Dropout, Linear, ReLU, Sequential, loadCheckpoint, saveCheckpoint, type StateDict } from '@flint/nn';
import { CosineAnnealingLR, SGD } from '@flint/optim';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { epochs: { type: 'string', default: '3' }, save: { type: 'string' }, resume: { type: 'string' } } });

manualSeed(42);
const x = randn([256, 8]), y = x.sum(1, true).sin();
const model = new Sequential(new Linear(8, 32), new ReLU(), new Dropout(0.1), new Linear(32, 1));
const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
const scheduler = new CosineAnnealingLR(optimizer, 3);
let start = 1;

if (args.resume) {
  const ckpt = loadCheckpoint(args.resume) as { model: StateDict; optimizer: never; scheduler: never; epoch: number; rng: ReturnType<typeof getRngState> };
  model.loadStateDict(ckpt.model);
  optimizer.loadStateDict(ckpt.optimizer);
  scheduler.loadStateDict(ckpt.scheduler);
  setRngState(ckpt.rng); // dropout masks continue where the saved run stopped
  for (const t of Object.values(ckpt.model)) t.dispose();
  start = ckpt.epoch + 1;
}

for (let epoch = start; epoch <= Number(args.epochs); epoch++) {
  let total = 0;
  for (let i = 0; i < 256; i += 32) {
    total += scope(() => {
      optimizer.zeroGrad();
      const loss = mseLoss(model.call(x.narrow(0, i, 32)), y.narrow(0, i, 32));
      loss.backward();
      optimizer.step();
      return Number(loss.itemSync());
    });
  }
  scheduler.step();
  console.log(`epoch ${epoch}: loss ${(total / 8).toFixed(6)}`);
}

if (args.save) {
  await saveCheckpoint(args.save, { model: model.stateDict(), optimizer: optimizer.stateDict(), scheduler: scheduler.stateDict(), epoch: Number(args.epochs), rng: getRngState() });
  console.log(`saved ${args.save}`);
}
