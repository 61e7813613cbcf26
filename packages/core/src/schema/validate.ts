// Checking backends and kernel calls against the schema: a backend at registration (missing or misspelt
// kernels, bad dtypes or capabilities), and single kernel calls (the testkit's mock GPU checks every call
// core makes, which keeps core and the schema honest with each other).
import type { Backend, DTypeSupport, KernelTensor } from '../backend.js';
import { API_VERSION } from '../backend.js';
import type { DType } from '../dtype.js';
import { DTYPES, isFloating } from '../dtype.js';
import { didYouMean } from '../names.js';
import type { KernelName } from './index.js';
import { KERNELS, KERNEL_NAMES, REQUIRED_KERNELS, STORAGE_KERNELS, isKernelName } from './index.js';
import type { AttrDesc, DTypeRule, KernelSpec } from './types.js';

const MIGRATION = 'see "Migrating a v1 backend" in @flint/core\'s BACKENDS.md';

function versionProblems(name: string, v: unknown): string[] {
  const { major, minor } = (typeof v === 'object' && v !== null ? v : { major: v, minor: 0 }) as { major?: unknown; minor?: unknown };
  if (typeof major !== 'number' || typeof minor !== 'number') return [`apiVersion must be { major, minor }, got ${JSON.stringify(v)}`];
  if (major < API_VERSION.major) return [`it implements backend contract ${major}.x, but this @flint/core speaks ${API_VERSION.major}.${API_VERSION.minor}; ${MIGRATION}`];
  if (major > API_VERSION.major || minor > API_VERSION.minor) {
    return [`it implements backend contract ${major}.${minor}, newer than this @flint/core's ${API_VERSION.major}.${API_VERSION.minor}; upgrade @flint/core`];
  }
  return [];
}

function dtypeProblems(dtypes: Readonly<Record<string, DTypeSupport>> | undefined): string[] {
  if (!dtypes || typeof dtypes !== 'object') return ['dtypes must map every dtype to { storage, arithmetic, accelerated }'];
  const out: string[] = [];
  for (const d of DTYPES) {
    const s = dtypes[d];
    if (!s || typeof s.storage !== 'boolean' || typeof s.arithmetic !== 'boolean') { out.push(`dtypes.${d} must be { storage, arithmetic, accelerated }`); continue; }
    if (s.arithmetic && !s.storage) out.push(`dtypes.${d}: arithmetic needs storage`);
    if (s.computeAs !== undefined) {
      if (s.arithmetic || !s.storage) out.push(`dtypes.${d}.computeAs is for dtypes that are stored but not computed in (storage: true, arithmetic: false)`);
      if (!dtypes[s.computeAs]?.arithmetic) out.push(`dtypes.${d}.computeAs is '${s.computeAs}', which the backend doesn't compute in`);
    }
  }
  for (const d of ['float32', 'int32', 'bool'] as const) if (!dtypes[d]?.arithmetic) out.push(`dtypes.${d}.arithmetic must be true: core computes defaults, indices and masks in ${d}`);
  const i64 = dtypes.int64;
  if (i64 && !i64.arithmetic && !i64.computeAs) out.push("dtypes.int64 must be computed in, or stored with computeAs: 'int32' (PyTorch's index dtype)");
  for (const k of Object.keys(dtypes)) if (!(DTYPES as readonly string[]).includes(k)) out.push(`dtypes.${k} is not a dtype${didYouMean(k, DTYPES)}`);
  return out;
}

function kernelProblems(kernels: Readonly<Record<string, unknown>> | undefined): string[] {
  if (!kernels || typeof kernels !== 'object') return ['kernels must be an object keyed by kernel name'];
  const out: string[] = [];
  for (const [k, fn] of Object.entries(kernels)) {
    if (!isKernelName(k)) out.push(`unknown kernel '${k}'${didYouMean(k, KERNEL_NAMES)}`);
    else if (typeof fn !== 'function' && fn !== undefined) out.push(`kernels.${k} must be a function`);
  }
  const missing = REQUIRED_KERNELS.filter((k) => typeof kernels[k] !== 'function');
  if (missing.length) out.push(`missing required kernel${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  return out;
}

/** Every way `b` breaks the contract, as sentences; empty when it is a valid backend. */
export function backendProblems(b: Backend): string[] {
  const out = [...versionProblems(b.name, b.apiVersion), ...dtypeProblems(b.dtypes), ...kernelProblems(b.kernels as Readonly<Record<string, unknown>>)];
  for (const m of ['allocate', 'write', 'read', 'release', 'memory'] as const) if (typeof b[m] !== 'function') out.push(`${m}() is missing`);
  if (b.syncRead && typeof b.readSync !== 'function') out.push('syncRead is true but readSync() is missing');
  if (!(b.limits?.maxBufferBytes > 0)) out.push('limits.maxBufferBytes must be a positive number');
  for (const k of b.capabilities?.stridedKernels ?? []) {
    if (!isKernelName(k)) out.push(`capabilities.stridedKernels: unknown kernel '${String(k)}'${didYouMean(String(k), KERNEL_NAMES)}`);
    else if (!KERNELS[k].strided) out.push(`capabilities.stridedKernels: the schema gives '${k}' dense inputs only`);
  }
  if (b.timing && (typeof b.timing.record !== 'function' || typeof b.timing.elapsedMs !== 'function')) out.push('timing needs record() and elapsedMs()');
  return out;
}

// --- single kernel calls ---

/** Row-major strides at offset 0: what a kernel that doesn't take strided views receives. */
export function isDenseView(t: Pick<KernelTensor, 'shape' | 'strides' | 'offset'>): boolean {
  if (t.offset !== 0) return false;
  let s = 1;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.strides[i] !== s) return false;
    s *= t.shape[i]!;
  }
  return true;
}

/** Whether core may hand kernel `k` strided inputs on a backend with these capabilities. */
export function takesStrided(k: KernelName, caps: Backend['capabilities']): boolean {
  if (k === 'copy') return true;
  if (!KERNELS[k].strided) return false;
  return caps?.stridedKernels ? caps.stridedKernels.includes(k) : true;
}

function attrProblem(name: string, d: AttrDesc, v: unknown): string | null {
  if (v === undefined) return d.optional ? null : `attr '${name}' is missing`;
  if (v === null) return d.nullable ? null : `attr '${name}' is null`;
  const isInt = (x: unknown): boolean => Number.isInteger(x);
  const ok = d.kind === 'number' ? typeof v === 'number'
    : d.kind === 'int' ? isInt(v)
    : d.kind === 'boolean' ? typeof v === 'boolean'
    : d.kind === 'pair' ? Array.isArray(v) && v.length === 2 && v.every(isInt)
    : d.kind === 'key' ? Array.isArray(v) && v.length === 2 && v.every((x) => isInt(x) && (x as number) >= 0 && (x as number) < 2 ** 32)
    : d.kind === 'ints' ? Array.isArray(v) && v.every(isInt)
    : typeof v === 'string' && (d.values ?? []).includes(v);
  return ok ? null : `attr '${name}' must be ${d.kind === 'enum' ? `one of ${d.values!.join(', ')}` : `a${d.kind === 'int' ? 'n int' : ` ${d.kind}`}`}, got ${JSON.stringify(v)}`;
}

function dtypeFits(rule: DTypeRule, d: DType, primary: DType | undefined): boolean {
  switch (rule) {
    case 'any': case 'numeric': return true;
    case 'float': return isFloating(d);
    case 'bool': return d === 'bool';
    case 'index': return d === 'int32' || d === 'int64';
    case 'same': return primary === undefined || d === primary;
  }
}

/**
 * What is wrong with a call of kernel `op`, or null: input and output counts, dtypes against the schema
 * and the backend's arithmetic dtypes, layouts against its capabilities, and attrs.
 */
export function checkKernelCall(op: string, inputs: readonly KernelTensor[], outputs: readonly KernelTensor[], attrs: Readonly<Record<string, unknown>>,
  backend?: Pick<Backend, 'dtypes' | 'capabilities'>): string | null {
  if (!isKernelName(op)) return `'${op}' is not a kernel${didYouMean(op, KERNEL_NAMES)}`;
  const spec: KernelSpec = KERNELS[op];
  const need = spec.inputs.filter((s) => !s.optional).length;
  if (inputs.length < need || inputs.length > spec.inputs.length) return `${op}: ${inputs.length} inputs, the schema has ${need === spec.inputs.length ? need : `${need} to ${spec.inputs.length}`}`;
  if (outputs.length !== spec.outputs.length) return `${op}: ${outputs.length} outputs, the schema has ${spec.outputs.length}`;
  const primary = inputs.find((_, i) => spec.inputs[i]!.dtype !== 'bool' && spec.inputs[i]!.dtype !== 'index')?.dtype;
  const storageOnly = (STORAGE_KERNELS as readonly string[]).includes(op);
  const tensors = [...inputs.map((t, i) => ({ t, s: spec.inputs[i]!, what: `input '${spec.inputs[i]!.name}'` })),
    ...outputs.map((t, i) => ({ t, s: spec.outputs[i]!, what: `output '${spec.outputs[i]!.name}'` }))];
  for (const { t, s, what } of tensors) {
    if (!dtypeFits(s.dtype, t.dtype, primary)) return `${op}: ${what} is ${t.dtype}, the schema wants ${s.dtype === 'same' ? primary : s.dtype}`;
    const support = backend?.dtypes[t.dtype];
    if (support && !(storageOnly ? support.storage : support.arithmetic)) return `${op}: ${what} is ${t.dtype}, which the backend ${storageOnly ? 'cannot store' : 'does not compute in'}`;
  }
  const strided = takesStrided(op, backend?.capabilities);
  for (const [i, t] of inputs.entries()) {
    if (!strided && !isDenseView(t)) return `${op}: input '${spec.inputs[i]!.name}' is a strided view (shape [${t.shape.join(',')}], strides [${t.strides.join(',')}], offset ${t.offset}); this kernel gets dense inputs`;
  }
  for (const [i, t] of outputs.entries()) {
    if (op !== 'copy' && !isDenseView(t)) return `${op}: output '${spec.outputs[i]!.name}' is not dense`;
  }
  for (const k of Object.keys(attrs)) if (!(k in spec.attrs) && attrs[k] !== undefined) return `${op}: unknown attr '${k}'${didYouMean(k, Object.keys(spec.attrs))}`;
  for (const [k, d] of Object.entries(spec.attrs)) {
    const p = attrProblem(k, d, attrs[k]);
    if (p) return `${op}: ${p}`;
  }
  return null;
}
