// The Fashion-MNIST subset committed with apps/fashion-mnist (4,000 training and 1,000 test images), shipped
// as static assets and decoded in the browser with @flint/data's IDX and gzip readers.
import { ImageLabelDataset, mnistFromBytes } from '@flint/data';
import trainImages from '../../fashion-mnist/data/train-images-idx3-ubyte.gz?url';
import trainLabels from '../../fashion-mnist/data/train-labels-idx1-ubyte.gz?url';
import testImages from '../../fashion-mnist/data/t10k-images-idx3-ubyte.gz?url';
import testLabels from '../../fashion-mnist/data/t10k-labels-idx1-ubyte.gz?url';

/** The two splits, images as HWC uint8 with their labels. */
export interface DemoData { train: ImageLabelDataset; test: ImageLabelDataset }

async function download(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`could not load ${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** Fetches and decodes both splits (gzipped or not: a server may already have inflated them); keeps the first `testCount` test images. */
export async function loadData(testCount = Infinity): Promise<DemoData> {
  const [a, b, c, d] = await Promise.all([trainImages, trainLabels, testImages, testLabels].map(download));
  const [train, all] = await Promise.all([mnistFromBytes(a!, b!), mnistFromBytes(c!, d!)]);
  if (testCount >= all.length) return { train, test: all };
  const size = all.height * all.width * all.channels;
  const test = new ImageLabelDataset(all.images.subarray(0, testCount * size), all.labels.subarray(0, testCount), all.height, all.width, all.channels);
  return { train, test };
}
