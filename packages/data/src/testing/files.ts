// Test helpers: dataset files written in their exact released formats (PNG through pngjs's encoder).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PNG } from 'pngjs';

export const tempDir = (name: string): string => mkdtempSync(join(tmpdir(), `flint-data-${name}-`));

export function writeFile(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

/** A PNG written by pngjs's encoder (an independent implementation of the format). */
export function pngBytes(width: number, height: number, opts: { colorType: 0 | 2 | 4 | 6; bitDepth?: 8 | 16; pixel: (x: number, y: number) => number[] }): Uint8Array {
  const png = new PNG({ width, height, colorType: opts.colorType, inputColorType: opts.colorType, bitDepth: opts.bitDepth ?? 8, inputHasAlpha: opts.colorType === 4 || opts.colorType === 6 });
  const ch = { 0: 1, 2: 3, 4: 2, 6: 4 }[opts.colorType];
  // pngjs takes 16-bit input as native-endian uint16 values
  const values = opts.bitDepth === 16 ? new Uint16Array(width * height * ch) : new Uint8Array(width * height * ch);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) opts.pixel(x, y).forEach((v, c) => { values[(y * width + x) * ch + c] = v; });
  png.data = Buffer.from(values.buffer);
  return new Uint8Array(PNG.sync.write(png, { colorType: opts.colorType, inputColorType: opts.colorType, bitDepth: opts.bitDepth ?? 8, inputHasAlpha: opts.colorType === 4 || opts.colorType === 6 }));
}

