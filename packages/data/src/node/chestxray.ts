// ChestX-ray14 from its released layout (Node): Data_Entry_2017.csv, images/*.png (or the release's
// images_001/images ... images_012/images), and train_val_list.txt / test_list.txt when present.
import { checkOptions, optionKeys } from '@flint/core';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerSpec } from '../dataset.js';
import type { ChestXrayOptions } from '../datasets/chestxray.js';
import { ChestXrayDataset } from '../datasets/chestxray.js';
import { parseChestXrayCsv, parseImageList, splitByPatient } from '../formats/chestxray.js';
import type { RawImage } from '../transforms/image.js';
import { findFile, readBytes, readText } from './files.js';

/** Options of {@link ChestXray14}. */
export interface ChestXray14Options<I> extends ChestXrayOptions<I> {
  /** Which split to load (default `'train'`). */
  split?: 'train' | 'test';
  /** Seed of the split by patient, used when the official lists are missing. */
  seed?: number;
  /** Fraction of patients held out for test in that split (default 0.2). */
  testFraction?: number;
}

function imageDirs(root: string): string[] {
  const dirs = [join(root, 'images')];
  for (const d of existsSync(root) ? readdirSync(root).sort() : []) if (/^images_\d+$/.test(d)) dirs.push(join(root, d, 'images'), join(root, d));
  return dirs.filter((d) => existsSync(d));
}

/**
 * ChestX-ray14 from its released layout under `root`: [image, 14-way multi-hot labels] items, the official or a seeded
 * per-patient split.
 */
export class ChestXray14<I = RawImage> extends ChestXrayDataset<I> {
  /** The split loaded. */
  readonly split: 'train' | 'test';
  /** Whether the split came from the official lists (else: by patient, seeded). */
  readonly officialSplit: boolean;
  /**
   * @param root - the folder of the ChestX-ray14 release
   * @param opts - split, transform, mode and pixel cap
   */
  constructor(readonly root: string, opts: ChestXray14Options<I> = {}) {
    checkOptions('ChestXray14', opts, optionKeys<ChestXray14Options<unknown>>()('transform', 'mode', 'maxPixels', 'split', 'seed', 'testFraction'));
    const split = opts.split ?? 'train';
    const csv = findFile('ChestXray14', [root], ['Data_Entry_2017.csv', 'Data_Entry_2017_v2020.csv']);
    const all = parseChestXrayCsv(readText(csv, "ChestX-ray14's metadata CSV"), csv);
    const listFile = join(root, split === 'train' ? 'train_val_list.txt' : 'test_list.txt');
    const official = existsSync(listFile);
    let entries;
    if (official) {
      const names = parseImageList(readText(listFile, `ChestX-ray14's list of ${split} images`));
      entries = all.filter((e) => names.has(e.image));
    } else entries = splitByPatient(all, split, opts.seed ?? 0, opts.testFraction);
    const dirs = imageDirs(root);
    const index = new Map<string, string>();
    for (const d of dirs) for (const f of readdirSync(d)) if (f.endsWith('.png') && !index.has(f)) index.set(f, join(d, f));
    super(entries, (name) => {
      const p = index.get(name);
      if (!p) throw new Error(`ChestXray14: image ${name} not found under ${dirs.join(', ') || join(root, 'images')}`);
      return readBytes(p, { expected: 'a PNG image' });
    }, opts);
    this.split = split;
    this.officialSplit = official;
    this.seed = opts.seed;
  }
  private readonly seed: number | undefined;
  override workerInit(): WorkerSpec | undefined {
    const { mode, maxPixels } = this.opts;
    return this.opts.transform ? undefined : { builtin: 'ChestXray14', args: [this.root, { split: this.split, seed: this.seed, mode, maxPixels }] };
  }
}
