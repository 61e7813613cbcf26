// Casting between dtypes and moving between devices.
import type { DType } from '../dtype.js';
import { allocate, apply } from '../dispatch.js';
import { DeviceError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { castTo, contig } from './util.js';

/** x converted to dtype (a copy, even for the same dtype, is not made: torch returns self). */
export function cast(x: Tensor, dtype: DType): Tensor {
  return apply('cast', [x], { dtype }, () => castTo(x, dtype));
}

function upload(src: Tensor, data: Parameters<Tensor['storage']['backend']['write']>[2], device: string): Tensor {
  const out = allocate(device, src.dtype, src.shape);
  out.storage.backend.write(out.storage.buffer, src.dtype, data, 0);
  return out;
}

/** Copy to another device synchronously (the source backend must support readSync). */
export function toDevice(x: Tensor, device: string): Tensor {
  if (x.device === device) return x;
  return apply('to', [x], { device }, () => {
    const c = contig(x);
    const b = c.storage.backend;
    if (!b.readSync) throw new DeviceError(`to: backend '${b.name}' can't be read synchronously; use 'await x.toAsync("${device}")'`);
    return upload(c, b.readSync(c.storage.buffer, c.dtype, c.offset, c.numel()), device);
  });
}

/**
 * `x` copied to `device`, reading asynchronously where the source device requires it (GPU to CPU); `x` itself when
 * already there.
 */
export async function toDeviceAsync(x: Tensor, device: string): Promise<Tensor> {
  if (x.device === device) return x;
  const c = contig(x);
  const data = await c.storage.backend.read(c.storage.buffer, c.dtype, c.offset, c.numel());
  if (c !== x) c.dispose();
  return apply('to', [x], { device }, () => upload(x, data, device));
}
