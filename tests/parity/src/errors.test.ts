// Bad input fails clearly and leaves nothing half-done: a wrong input shape names the layer and what it
// expected; a bad state dict lists every offending key and changes no weight; a corrupt or truncated
// checkpoint is refused with the file named; an optimizer needs parameters; a failed save leaves the old
// checkpoint intact and no stray file behind.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ShapeError, randn, scope, tensor, zeros, type Tensor } from '@flint/core';
import { Linear, ReLU, SafetensorsError, StateDictError, load, save } from '@flint/nn';
import { Adagrad, Adam, AdamW, OptimizerError, RMSprop, SGD } from '@flint/optim';
import { GRUTagger, MODELS, mlp, vgg } from './models.js';
import { fixtureFile, setUp, stateDictToJson, tearDown, trainStep } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'flint-errors-'));
afterAll(() => { chmodSync(dir, 0o755); rmSync(dir, { recursive: true, force: true }); });

const snapshot = (sd: Record<string, Tensor>): Record<string, number[]> =>
  Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, Array.from(t.dataSync() as ArrayLike<number | bigint>, Number)]));

describe('wrong input shapes name the layer and the shape it expected', () => {
  it('VGG given 1-channel images: the first Conv2d says it wants 3 channels', () => {
    const m = vgg();
    scope(() => expect(() => m.call(randn([4, 1, 10, 10]))).toThrow(
      new ShapeError('Conv2d(3, 50, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)): expected input [N, 3, H, W] or [3, H, W], got [4, 1, 10, 10]')));
    m.dispose();
  });
  it('VGG given 14x14 images: the first Linear sees 400 features where it expects 100', () => {
    const m = vgg();
    scope(() => expect(() => m.call(randn([2, 3, 14, 14]))).toThrow(
      new ShapeError('Linear(in_features=100, out_features=512, bias=True): expected input [..., 100], got [2, 400]')));
    m.dispose();
  });
  it('GRU given the wrong feature size, Embedding given floats', () => {
    const m = new GRUTagger();
    scope(() => {
      expect(() => m.rnn.call(randn([2, 7, 5]))).toThrow(/^GRU\(8, 16, batch_first=True\): expected input \[N, L, 8\] or \[L, 8\], got \[2, 7, 5\]$/);
      expect(() => m.call(randn([2, 7]))).toThrow(/^Embedding\(20, 8\): expected input of integer indices \(int32 or int64\), got \[2, 7\]$/);
    });
    m.dispose();
  });
});

describe('a bad state dict lists every offending key and leaves the model untouched', () => {
  it('missing, unexpected and mis-shaped keys together', () => {
    const model = mlp();
    const before = snapshot(model.stateDict());
    const sd = load(fixtureFile('mlp_sgd_nesterov', 'init'));
    sd['0.weight']!.dispose();
    delete sd['0.weight'];
    sd['4.bias']!.dispose();
    delete sd['4.bias'];
    sd['5.weight'] = zeros([2, 2]);
    sd['2.weight']!.dispose();
    sd['2.weight'] = zeros([32, 31]);
    let err: unknown;
    try { model.loadStateDict(sd); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(StateDictError);
    const e = err as StateDictError;
    expect(e.missingKeys).toEqual(['0.weight', '4.bias']);
    expect(e.unexpectedKeys).toEqual(['5.weight']);
    expect(e.mismatched).toEqual(['2.weight: checkpoint has shape [32, 31], the model has [32, 32]']);
    expect(e.message).toBe([
      'Error(s) in loading state dict for Sequential:',
      '  missing keys: 0.weight, 4.bias',
      '  unexpected keys: 5.weight',
      '  size mismatch for 2.weight: checkpoint has shape [32, 31], the model has [32, 32]',
    ].join('\n'));
    // validation happens before any copy: 0.bias, 2.bias, 4.weight (present and well-shaped) were not loaded
    expect(snapshot(model.stateDict())).toEqual(before);
    for (const t of Object.values(sd)) t.dispose();
    model.dispose();
  });
  it('a shape mismatch is an error even with strict: false', () => {
    const model = mlp();
    const sd = { '0.weight': zeros([32, 11]) };
    expect(() => model.loadStateDict(sd, { strict: false })).toThrow(/size mismatch for 0\.weight: checkpoint has shape \[32, 11\], the model has \[32, 10\]/);
    sd['0.weight'].dispose();
    model.dispose();
  });
  it("an optimizer state dict from another model's optimizer", () => {
    const model = mlp();
    const opt = new Adam(model.parameters());
    const other = MODELS.lstm_adagrad.make();
    const otherOpt = new Adam(other.parameters());
    expect(() => opt.loadStateDict(JSON.parse(stateDictToJson(otherOpt.stateDict())))).toThrow(
      new OptimizerError('Adam.loadStateDict: parameter group 0 has 10 parameters in the state dict, 6 in the optimizer'));
    model.dispose(); other.dispose();
  });
});

describe('corrupt or truncated checkpoints are refused, naming the file', () => {
  const good = readFileSync(fixtureFile('mlp_sgd_nesterov', 'init'));
  const write = (name: string, bytes: Uint8Array): string => { const f = join(dir, name); writeFileSync(f, bytes); return f; };
  it('truncated in the data section', () => {
    const f = write('truncated.safetensors', good.subarray(0, good.length - 100));
    expect(() => load(f)).toThrow(SafetensorsError);
    expect(() => load(f)).toThrow(/outside the \d+-byte data section \(truncated\?\) \(file '.*truncated\.safetensors'\)/);
  });
  it('truncated inside the header, and shorter than the length prefix', () => {
    expect(() => load(write('cut-header.safetensors', good.subarray(0, 40)))).toThrow(/header length \d+ runs past the end of the 40-byte file \(truncated\?\)/);
    expect(() => load(write('tiny.safetensors', good.subarray(0, 5)))).toThrow(/file is 5 bytes, too short/);
  });
  it('a corrupt header: garbage JSON, an absurd length prefix', () => {
    const junk = Uint8Array.from(good);
    junk.fill(0x7b, 8, 20); // '{' x 12
    expect(() => load(write('junk.safetensors', junk))).toThrow(/header is not valid UTF-8 JSON/);
    const huge = Uint8Array.from(good);
    new DataView(huge.buffer).setBigUint64(0, 1n << 60n, true);
    expect(() => load(write('huge.safetensors', huge))).toThrow(/over the 100000000-byte limit \(corrupt file\?\)/);
  });
  it('a missing file', () => {
    expect(() => load(join(dir, 'nope.safetensors'))).toThrow(/load: can't read '.*nope\.safetensors'/);
  });
});

describe('an optimizer needs parameters', () => {
  for (const [name, make] of [
    ['SGD', (p: Iterable<Tensor>) => new SGD(p, { lr: 0.1 })], ['Adam', (p: Iterable<Tensor>) => new Adam(p)],
    ['AdamW', (p: Iterable<Tensor>) => new AdamW(p)], ['RMSprop', (p: Iterable<Tensor>) => new RMSprop(p)],
    ['Adagrad', (p: Iterable<Tensor>) => new Adagrad(p)],
  ] as const) {
    it(`${name} over a model with no parameters`, () => {
      expect(() => make(new ReLU().parameters())).toThrow(new OptimizerError(`${name}: optimizer got an empty parameter list`));
    });
  }
  it('a single tensor instead of a list', () => {
    const lin = new Linear(2, 2);
    expect(() => new SGD(lin.weight as unknown as Iterable<Tensor>, { lr: 0.1 })).toThrow(/params must be an iterable of Tensors or parameter groups, got a single Tensor/);
    lin.dispose();
  });
});

describe('a failed save writes nothing and keeps the old checkpoint', () => {
  const strays = (d: string): string[] => readdirSync(d).filter((f) => f.endsWith('.tmp'));

  it('a state dict that turns out invalid part-way (a disposed tensor after good ones)', async () => {
    const d = join(dir, 'midway');
    mkdirSync(d);
    const file = join(d, 'model.safetensors');
    const run = setUp('mlp_sgd_nesterov');
    await save(run.model.stateDict(), file);
    const old = readFileSync(file);
    trainStep(run);
    const dead = tensor([1, 2, 3]);
    dead.dispose();
    await expect(save({ ...run.model.stateDict(), 'z.dead': dead }, file)).rejects.toThrow(/disposed/);
    expect(readFileSync(file).equals(old)).toBe(true);
    expect(readdirSync(d)).toEqual(['model.safetensors']);
    // the reserved key is refused the same way
    await expect(save({ ...run.model.stateDict(), __metadata__: zeros([1]) }, file)).rejects.toThrow(/'__metadata__' is reserved/);
    expect(readFileSync(file).equals(old)).toBe(true);
    expect(strays(d)).toEqual([]);
    tearDown(run);
  });

  it('a target that cannot be replaced (a directory) leaves no temp file', async () => {
    const d = join(dir, 'target-is-dir');
    mkdirSync(join(d, 'model.safetensors'), { recursive: true });
    const model = mlp();
    await expect(save(model.stateDict(), join(d, 'model.safetensors'))).rejects.toThrow();
    expect(readdirSync(d)).toEqual(['model.safetensors']);
    model.dispose();
  });

  it('a directory that does not exist', async () => {
    const model = mlp();
    await expect(save(model.stateDict(), join(dir, 'no-such-dir', 'model.safetensors'))).rejects.toThrow(/ENOENT/);
    model.dispose();
  });

  // root ignores directory permissions, so this one only runs as an ordinary user
  it.skipIf(process.getuid?.() === 0)('an unwritable directory keeps the old file', async () => {
    const d = join(dir, 'readonly');
    mkdirSync(d);
    const file = join(d, 'model.safetensors');
    copyFileSync(fixtureFile('mlp_sgd_nesterov', 'init'), file);
    const old = readFileSync(file);
    chmodSync(d, 0o555);
    const model = mlp();
    try {
      await expect(save(model.stateDict(), file)).rejects.toThrow(/EACCES|EPERM/);
    } finally { chmodSync(d, 0o755); model.dispose(); }
    expect(readFileSync(file).equals(old)).toBe(true);
    expect(readdirSync(d)).toEqual(['model.safetensors']);
  });
});
