// IMDB reviews in the released aclImdb/{train,test}/{pos,neg}/*.txt layout (Node); labels pos = 1, neg = 0.
// The vocabulary always comes from the training reviews, so train and test share word indices. Reviews are
// decoded by decodeText: UTF-8, UTF-16 with a byte-order mark, or windows-1252 when not valid UTF-8.
import { checkOptions, optionKeys } from '@flint/core';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerSpec } from '../dataset.js';
import type { LabelledTexts, TextOptions } from '../datasets/text.js';
import { TextClassificationDataset, textClassification } from '../datasets/text.js';
import { readText } from './files.js';

/**
 * Options of {@link IMDB}.
 * @property split - which split to load (default `'train'`)
 */
export interface IMDBOptions extends TextOptions { split?: 'train' | 'test' }

function readSplit(base: string, split: string): LabelledTexts {
  const texts: string[] = [], labels: number[] = [];
  for (const [dir, label] of [['neg', 0], ['pos', 1]] as const) {
    const d = join(base, split, dir);
    if (!existsSync(d)) throw new Error(`IMDB: directory ${d} not found (expected the aclImdb/{train,test}/{pos,neg} layout)`);
    // numeric order of the released names (id_rating.txt), so the order doesn't depend on the file system
    const files = readdirSync(d).filter((f) => f.endsWith('.txt')).sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || (a < b ? -1 : 1));
    for (const f of files) { texts.push(readText(join(d, f), 'an IMDB review (text)')); labels.push(label); }
  }
  return { texts, labels };
}

/** IMDB reviews from the released aclImdb layout under `root`: [word indices, label] items (pos = 1, neg = 0). */
export class IMDB extends TextClassificationDataset {
  /** The split loaded. */
  readonly split: 'train' | 'test';
  /**
   * @param root - the folder holding `aclImdb` (or aclImdb itself)
   * @param opts - split and sequence options
   */
  constructor(readonly root: string, readonly opts: IMDBOptions = {}) {
    checkOptions('IMDB', opts, optionKeys<IMDBOptions>()('vocabSize', 'maxLen', 'padding', 'truncating', 'split'));
    const base = existsSync(join(root, 'aclImdb')) ? join(root, 'aclImdb') : root;
    const split = opts.split ?? 'train';
    const train = readSplit(base, 'train');
    const { split: _split, ...textOpts } = opts;
    const d = textClassification(train, split === 'train' ? train : readSplit(base, 'test'), textOpts);
    super(d.sequences, d.labels, d.vocabulary);
    this.split = split;
  }
  override workerInit(): WorkerSpec { return { builtin: 'IMDB', args: [this.root, this.opts] }; }
}
