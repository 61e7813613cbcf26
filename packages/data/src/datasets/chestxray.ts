// ChestX-ray14 over any image source (browser-safe): entries from Data_Entry_2017.csv, images decoded
// from PNG on access. Items are [image, labels]: a RawImage through `transform`, a Float32Array(14) multi-hot.
import type { WorkerSpec } from '../dataset.js';
import { Dataset, checkIndex } from '../dataset.js';
import type { ChestXrayEntry } from '../formats/chestxray.js';
import type { ImageMode } from '../formats/png.js';
import { decodePng } from '../formats/png.js';
import type { TransformLike } from '../transforms/compose.js';
import { runTransform } from '../transforms/compose.js';
import type { RawImage } from '../transforms/image.js';

/** Options of {@link ChestXrayDataset}. */
export interface ChestXrayOptions<I> {
  /** Applied to each decoded image (a RawImage, HWC). */
  transform?: TransformLike<RawImage, I>;
  /** Convert every image to this many channels ('L' or 'RGB'); as stored when left out. */
  mode?: ImageMode;
  /** Refuse images with more pixels than this (decodePng's maxPixels, default 2^28): caps what an image inflates to. */
  maxPixels?: number;
}

/** ChestX-ray14 items from metadata entries and an image reader: [image, multi-hot labels]. */
export class ChestXrayDataset<I = RawImage> extends Dataset<[I, Float32Array]> {
  /**
   * @param entries - the rows of the metadata CSV this dataset holds
   * @param readImage - reads an image file's bytes by name
   * @param opts - transform, mode and pixel cap
   */
  constructor(
    readonly entries: readonly ChestXrayEntry[],
    private readonly readImage: (name: string) => Uint8Array | Promise<Uint8Array>,
    readonly opts: ChestXrayOptions<I> = {},
  ) { super(); }
  get length(): number { return this.entries.length; }
  getItem(index: number): [I, Float32Array] | Promise<[I, Float32Array]> {
    const e = this.entries[checkIndex('ChestXray14', index, this.length)]!;
    const finish = (bytes: Uint8Array): [I, Float32Array] => {
      const { mode, maxPixels } = this.opts;
      const img = decodePng(bytes, { name: e.image, ...(mode ? { mode } : {}), ...(maxPixels ? { maxPixels } : {}) });
      return [this.opts.transform ? runTransform(this.opts.transform, img) : (img as unknown as I), e.labels.slice()];
    };
    const bytes = this.readImage(e.image);
    return bytes instanceof Promise ? bytes.then(finish) : finish(bytes);
  }
  override workerInit(): WorkerSpec | undefined { return undefined; }
}
