// torch.autocast: a region where listed ops cast their floating inputs (to the low precision, to float32,
// or to the widest), done by a castInputs dispatch hook that reads the op tables in ./policy.ts.
import { contextVar } from '../context.js';
import { addHook } from '../dispatch.js';
import type { DType } from '../dtype.js';
import { DTypeError } from '../errors.js';
import { checkOptions, optionKeys } from '../names.js';
import { cast } from '../ops/device.js';
import { getBackend } from '../registry.js';
import type { OpName } from '../schema/index.js';
import type { Tensor } from '../tensor.js';
import type { AutocastTable, CastPolicy } from './policy.js';
import { CPU_AUTOCAST, GPU_AUTOCAST } from './policy.js';

/** The dtypes autocast lowers to. */
export type AutocastDType = 'bfloat16' | 'float16';

/**
 * Options of {@link autocast}.
 * @property dtype - the low precision (default: bfloat16 on 'cpu', float16 on GPUs, as torch)
 * @property enabled - false turns autocast off for the device inside the region (default true)
 */
export interface AutocastOptions { dtype?: AutocastDType; enabled?: boolean }
const AUTOCAST_KEYS = optionKeys<AutocastOptions>()('dtype', 'enabled');

interface DeviceState { readonly dtype: AutocastDType; readonly enabled: boolean }
type State = Readonly<Record<string, DeviceState>>;
const state = contextVar<State>({});

/** The op table autocast uses on `device`: torch's CPU list on 'cpu', its CUDA list on every GPU device. */
export const autocastTable = (device: string): AutocastTable => (device === 'cpu' ? CPU_AUTOCAST : GPU_AUTOCAST);

const defaultDType = (device: string): AutocastDType => (device === 'cpu' ? 'bfloat16' : 'float16');

const lowFloat = (d: DType): boolean => d === 'float16' || d === 'bfloat16';
const rank: Partial<Record<DType, number>> = { float16: 1, bfloat16: 1, float32: 2, float64: 3 };

/** The dtype `policy` gives a floating input of dtype `d`, or undefined to leave it. */
function target(policy: CastPolicy, d: DType, low: DType, widest: DType): DType | undefined {
  if (rank[d] === undefined || d === 'float64' || policy === 'asis') return undefined;
  if (policy === 'lower') return d === low ? undefined : low;
  if (policy === 'fp32') return lowFloat(d) ? 'float32' : undefined;
  return d === widest ? undefined : widest;
}

/** The widest floating dtype among `inputs` (float16 and bfloat16 together promote to float32, as in torch). */
function widestOf(inputs: readonly Tensor[]): DType {
  let w: DType | undefined;
  for (const t of inputs) {
    const r = rank[t.dtype];
    if (r === undefined) continue;
    if (w === undefined || r > rank[w]!) w = t.dtype;
    else if (r === rank[w] && t.dtype !== w) w = 'float32';
  }
  return w ?? 'float32';
}

/** The dispatch hook: casts the inputs of listed ops on devices with autocast on (undefined: not a listed op). */
function castInputs(op: OpName, inputs: readonly Tensor[]): readonly Tensor[] | undefined {
  const s = state.get();
  const device = inputs[0]?.device;
  if (device === undefined) return undefined;
  const ds = s[device];
  if (!ds?.enabled) return undefined;
  const policy = autocastTable(device)[op];
  if (!policy) return undefined;
  const widest = policy === 'promote' ? widestOf(inputs) : 'float32';
  let out: Tensor[] | undefined;
  inputs.forEach((t, i) => {
    const d = target(policy, t.dtype, ds.dtype, widest);
    if (d === undefined) return;
    out ??= [...inputs];
    out[i] = cast(t, d);
  });
  // the same array when nothing needed a cast: the op is still autocast's, so its inner ops are left alone
  return out ?? inputs;
}

let installed = false;

/**
 * torch.autocast(device, dtype=...): runs `fn` with autocast on for `device` ('cpu', or a GPU device):
 * listed ops (see {@link autocastTable}) cast their floating inputs to the low precision or to float32.
 * Works with async `fn` (the region lasts until its promise settles), nests (the innermost region decides),
 * and `{ enabled: false }` turns it off inside an outer region. Gradients flow back through the casts:
 * float32 parameters keep float32 gradients. Run backward() after the region, as torch advises.
 */
export function autocast<R>(device: string, opts: AutocastOptions, fn: () => R): R {
  checkOptions('autocast', opts, AUTOCAST_KEYS);
  const dtype = opts.dtype ?? defaultDType(device);
  if (dtype !== 'bfloat16' && dtype !== 'float16') {
    throw new DTypeError(`autocast: dtype must be 'bfloat16' or 'float16', got '${String(dtype)}'`);
  }
  const enabled = opts.enabled ?? true;
  if (enabled) {
    const support = getBackend(device).dtypes[dtype];
    if (!support?.storage || !(support.arithmetic || support.computeAs)) {
      throw new DTypeError(`autocast: device '${device}' can't compute in ${dtype}; use another dtype (the backend declares its dtypes) or { enabled: false }`);
    }
  }
  if (!installed) { addHook({ afterOp: () => {}, castInputs }); installed = true; }
  return state.run({ ...state.get(), [device]: { dtype, enabled } }, fn);
}

/** torch.is_autocast_enabled: whether ops on `device` are autocast here (default 'cpu'). */
export function isAutocastEnabled(device = 'cpu'): boolean {
  return state.get()[device]?.enabled ?? false;
}

/** The autocast dtype of `device` here (its default when no region set one), as torch.get_autocast_*_dtype. */
export function getAutocastDtype(device = 'cpu'): AutocastDType {
  return state.get()[device]?.dtype ?? defaultDType(device);
}
