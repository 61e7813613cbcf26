// CIFAR-10 binary version: records of 1 label byte + 3072 image bytes (1024 R, 1024 G, 1024 B; 32x32 CHW).
import { FormatError } from './errors.js';
import { isGzip } from './gzip.js';

/** Bytes per record of CIFAR-10's binary files: one label byte and a 3x32x32 image. */
export const CIFAR_RECORD = 1 + 3 * 32 * 32;
/** CIFAR-10's ten class names, by label. */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

/** Split a CIFAR-10 binary batch into CHW uint8 images (N x 3072) and labels. */
export function parseCifar10(bytes: Uint8Array, name = 'CIFAR-10 batch'): { images: Uint8Array; labels: Uint8Array; count: number } {
  if (bytes.length === 0) throw new FormatError(`${name}: empty file`);
  if (isGzip(bytes)) throw new FormatError(`${name}: is gzip-compressed; decompress it first (or name it .gz for the CIFAR10 reader)`);
  if (bytes.length % CIFAR_RECORD !== 0) {
    throw new FormatError(`${name}: ${bytes.length} bytes is not a whole number of ${CIFAR_RECORD}-byte records (the last record is short by ${CIFAR_RECORD - (bytes.length % CIFAR_RECORD)} bytes)`);
  }
  const n = bytes.length / CIFAR_RECORD;
  const images = new Uint8Array(n * 3072), labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const label = bytes[i * CIFAR_RECORD]!;
    if (label > 9) throw new FormatError(`${name}: record ${i} has label ${label}; CIFAR-10 labels are 0..9`);
    labels[i] = label;
    images.set(bytes.subarray(i * CIFAR_RECORD + 1, (i + 1) * CIFAR_RECORD), i * 3072);
  }
  return { images, labels, count: n };
}
