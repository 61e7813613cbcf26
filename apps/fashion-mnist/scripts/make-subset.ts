// Writes data/: the first 4000 training and 1000 test images of Fashion-MNIST (and their labels), in the
// released IDX gzip format, so the app runs on a fresh clone. Run once from the full data set:
//   pnpm --filter @flint/app-fashion-mnist exec tsx scripts/make-subset.ts [/usr/share/datasets/fashion-mnist]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { IDX_IMAGES, IDX_LABELS, encodeIdx, parseIdx } from '@flint/data';

const source = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const target = new URL('../data/', import.meta.url).pathname;
const COUNTS = { train: 4000, t10k: 1000 };

for (const [prefix, n] of Object.entries(COUNTS)) {
  for (const [kind, magic] of [['images-idx3', IDX_IMAGES], ['labels-idx1', IDX_LABELS]] as const) {
    const name = `${prefix}-${kind}-ubyte.gz`;
    const idx = parseIdx(new Uint8Array(gunzipSync(readFileSync(join(source, name)))), { expect: magic, name });
    const per = idx.dims.slice(1).reduce((a, b) => a * b, 1);
    const bytes = encodeIdx([n, ...idx.dims.slice(1)], (idx.data as Uint8Array).subarray(0, n * per));
    // level 9 and node's fixed gzip header (mtime 0) make the output reproducible
    writeFileSync(join(target, name), gzipSync(bytes, { level: 9 }));
    console.log(`${name}: ${n} of ${idx.dims[0]}`);
  }
}
