// Node: export straight to a file, written atomically (a temporary file beside it, then a rename), so a
// reader never sees half a model and a failed export leaves any earlier file in place.
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import type { Tensor } from '@flint/core';
import { exportOnnx, type Exportable } from './export.js';
import type { ExportOptions } from './options.js';

/**
 * exportOnnx, then writes the bytes to `path` atomically (torch.onnx.export(model, args, f)). Resolves to the
 * bytes written.
 * @param model - a Module, an imported model, or a function of tensors
 * @param args - the example input(s)
 * @param path - the file to write (replaced if it exists)
 * @param options - as for exportOnnx
 */
export async function exportOnnxFile(model: Exportable, args: Tensor | readonly Tensor[], path: string, options: ExportOptions = {}): Promise<Uint8Array> {
  const bytes = await exportOnnx(model, args, options);
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  return bytes;
}
