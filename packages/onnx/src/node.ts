/**
 * `@flint/onnx/node`: loading ONNX models from files in Node, with external data read from beside the model
 * and never from outside its folder (`..`, absolute paths and symlinks out are OnnxErrors).
 * @module @flint/onnx/node
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, realpathSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { OnnxError } from './errors.js';
import { loadOnnx as loadBytes, type LoadOnnxOptions, type OnnxModel } from './import/model.js';
import { checkLocation, type ExternalDataReader } from './import/tensor-data.js';

export * from './index.js';
export { exportOnnxFile } from './export/file.js';

/** An external-data reader confined to `folder`: a location resolving (through symlinks) outside it is refused. */
export function folderReader(folder: string): ExternalDataReader {
  const root = realpathSync(folder);
  return (location, offset, length, field) => {
    checkLocation(location, `${field}.location`);
    let real: string;
    try {
      real = realpathSync(join(root, location));
    } catch {
      throw new OnnxError(`external data file '${location}' does not exist beside the model (in ${root})`, { field: `${field}.location` });
    }
    if (!real.startsWith(root + sep)) {
      throw new OnnxError(`external data location '${location}' resolves to ${real}, outside the model's folder ${root} (a symlink out)`, { field: `${field}.location` });
    }
    const fd = openSync(real, 'r');
    try {
      const size = fstatSync(fd).size;
      const want = length ?? size - offset;
      if (offset + want > size) {
        throw new OnnxError(`external data '${location}' needs bytes ${offset}..${offset + want} but the file has ${size}`, { field });
      }
      const out = new Uint8Array(want);
      let done = 0;
      while (done < want) {
        const n = readSync(fd, out, done, want - done, offset + done);
        if (n === 0) throw new OnnxError(`external data '${location}' ended early`, { field });
        done += n;
      }
      return out;
    } finally {
      closeSync(fd);
    }
  };
}

/**
 * Loads an ONNX model from a file path (external data beside it is read from the same folder) or from bytes.
 * See the main entry's `loadOnnx` for the checks made.
 */
export async function loadOnnx(source: string | Uint8Array | ArrayBuffer, options: LoadOnnxOptions = {}): Promise<OnnxModel> {
  if (typeof source !== 'string') return loadBytes(source, options);
  return loadBytes(new Uint8Array(readFileSync(source)), { externalData: folderReader(dirname(source)), ...options });
}
