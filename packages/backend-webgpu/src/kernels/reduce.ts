// Reductions over the trailing reduceDims dims (sum, prod, max, min and the arg-reductions) in workgroup
// memory, one workgroup per output row (one invocation per row when rows are short), and cumsum.
import type { KernelTable } from '@flint/core';
import { BackendError, DTypeError } from '@flint/core';
import type { Gpu } from '../runtime/gpu.js';
import type { WgBuffer } from '../runtime/pool.js';
import type { T } from './common.js';
import { ENTRY, FLAT, PRELUDE, Params, describe, grid, numel, typeOf } from './common.js';
import { windowOf } from './strided.js';

type Red = 'sum' | 'prod' | 'max' | 'min';
const IDENTITY: Record<Red, Record<string, string>> = {
  sum: { f32: '0.0', i32: '0', u32: '0u' },
  prod: { f32: '1.0', i32: '1', u32: '1u' },
  max: { f32: '-inf()', i32: '-2147483647 - 1', u32: '0u' },
  min: { f32: 'inf()', i32: '2147483647', u32: '0xffffffffu' },
};
const COMBINE: Record<Red, Record<string, string>> = {
  sum: { f32: 'a + b', i32: 'a + b', u32: '(a + b) & 255u' },
  prod: { f32: 'a * b', i32: 'a * b', u32: '(a * b) & 255u' },
  max: { f32: 'fmaximum(a, b)', i32: 'max(a, b)', u32: 'max(a, b)' },
  min: { f32: 'fminimum(a, b)', i32: 'min(a, b)', u32: 'min(a, b)' },
};

const rowsOf = (x: T, dims: number): [number, number] => {
  const L = numel(x.shape.slice(x.shape.length - dims));
  return [numel(x.shape.slice(0, x.shape.length - dims)), L];
};

const WGR = 256;

/** sum/prod/max/min: value reductions; argmax/argmin: (value, index) pairs, first best, NaN best. */
function reduce(gpu: Gpu, op: Red | 'argmax' | 'argmin', x: T, out: T, dims: number): void {
  const [R, L] = rowsOf(x, dims);
  if (R === 0) return;
  const t = typeOf(x.dtype);
  if (op === 'sum' && x.dtype === 'bool') throw new DTypeError('sum: bool inputs are cast by core first');
  const arg = op === 'argmax' || op === 'argmin';
  const cmp = op === 'argmax' ? '>' : '<';
  const better = t === 'f32'
    ? `fn better(v1: f32, i1: u32, v2: f32, i2: u32) -> bool { let n1 = isnan(v1); let n2 = isnan(v2); if (n1 || n2) { if (n1 && n2) { return i1 < i2; } return n1; } if (v1 != v2) { return v1 ${cmp} v2; } return i1 < i2; }`
    : `fn better(v1: ${t}, i1: u32, v2: ${t}, i2: u32) -> bool { if (v1 != v2) { return v1 ${cmp} v2; } return i1 < i2; }`;
  const ident = arg ? (op === 'argmax' ? IDENTITY.max[t]! : IDENTITY.min[t]!) : IDENTITY[op][t]!;
  const combine = arg ? '' : `fn combine(a: ${t}, b: ${t}) -> ${t} { return ${COMBINE[op][t]}; }`;
  const outT = arg ? 'i32' : t;
  const short = L <= 32 || R >= 4096 && L <= 256;
  const common = `${PRELUDE}
struct P { rows: u32, len: u32, xo: u32, oo: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<${t}>;
@group(0) @binding(2) var<storage, read_write> out: array<${outT}>;
${arg ? better : combine}`;
  const serial = arg
    ? `var bv = ${ident}; var bi = 0u; var have = false;
  for (var j = START; j < p.len; j += STEP) { let v = x[base + j]; if (!have || better(v, j, bv, bi)) { bv = v; bi = j; have = true; } }`
    : `var acc = ${ident};
  for (var j = START; j < p.len; j += STEP) { acc = combine(acc, x[base + j]); }`;
  const wgsl = short
    ? (): string => `${common}
${ENTRY()} {
  ${FLAT()}
  if (i >= p.rows) { return; }
  let base = p.xo + i * p.len;
  ${serial.replace('START', '0u').replace('STEP', '1u')}
  out[p.oo + i] = ${arg ? 'i32(bi)' : 'acc'};
}`
    : (): string => `${common}
var<workgroup> sv: array<${t}, ${WGR}>;
${arg ? `var<workgroup> si: array<u32, ${WGR}>; var<workgroup> sh: array<u32, ${WGR}>;` : ''}
@compute @workgroup_size(${WGR}) fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  let base = p.xo + row * p.len;
  ${row0(serial)}
  ${arg ? 'sv[lid] = bv; si[lid] = bi; sh[lid] = select(0u, 1u, have);' : 'sv[lid] = acc;'}
  workgroupBarrier();
  for (var s = ${WGR / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      ${arg
    ? 'let o = lid + s; if (sh[o] == 1u && (sh[lid] == 0u || better(sv[o], si[o], sv[lid], si[lid]))) { sv[lid] = sv[o]; si[lid] = si[o]; sh[lid] = 1u; }'
    : 'sv[lid] = combine(sv[lid], sv[lid + s]);'}
    }
    workgroupBarrier();
  }
  if (lid == 0u && row < p.rows) { out[p.oo + row] = ${arg ? 'i32(si[0])' : 'sv[0]'}; }
}`;
  function row0(s: string): string {
    // rows past the end (the 2-D launch rounds up) read nothing, but still reach every barrier
    return `let live = row < p.rows;\n  ${s.replace('START', 'lid').replace('STEP', `${WGR}u`).replace('j < p.len', 'live && j < p.len')}`;
  }
  const key = `${op}:${x.dtype}:${short ? 's' : 'w'}`, align = gpu.limits.minStorageBufferOffsetAlignment;
  const enc = (xb: WgBuffer, x0: number, ob: WgBuffer, o0: number, rows: number, len: number): void => {
    const whole = xb.bytes <= gpu.maxBinding && ob.bytes <= gpu.maxBinding;
    const xw = whole ? { offset: 0, size: xb.bytes, base: 0 } : windowOf(x0, x0 + rows * len - 1, 4, align);
    const ow = whole ? { offset: 0, size: ob.bytes, base: 0 } : windowOf(o0, o0 + rows - 1, 4, align);
    gpu.run({
      kernel: op, key, wgsl, params: new Params().u32(rows, len, x0 - xw.base, o0 - ow.base).done(), groups: short ? grid(rows, gpu) : grid(rows, gpu, 1),
      bindings: [{ buf: xb, offset: xw.offset, size: Math.max(4, xw.size) }, { buf: ob, offset: ow.offset, size: Math.max(4, ow.size) }], describe: describe([x], [out]),
    });
  };
  const room = Math.floor((gpu.maxBinding - align) / 4);
  if (x.buffer.bytes <= gpu.maxBinding && out.buffer.bytes <= gpu.maxBinding) { enc(x.buffer, 0, out.buffer, 0, R, L); return; }
  if (L <= room) {
    // whole rows per chunk, each chunk binding its rows of x and of out
    const per = Math.max(1, Math.floor(room / Math.max(1, L)));
    for (let r0 = 0; r0 < R; r0 += per) enc(x.buffer, r0 * L, out.buffer, r0, Math.min(per, R - r0), L);
    return;
  }
  if (arg) throw new BackendError(`${op}: a reduced row of ${L} elements is past this adapter's storage binding limit (${gpu.maxBinding} bytes)`);
  // rows past the limit: each row's segments reduce into partials, then the partials reduce
  const segs = Math.ceil(L / room), part = gpu.allocate(R * segs * 4, () => `${op} partials`);
  for (let r = 0; r < R; r++) {
    for (let s = 0; s < segs; s++) enc(x.buffer, r * L + s * room, part, r * segs + s, 1, Math.min(room, L - s * room));
  }
  enc(part, 0, out.buffer, 0, R, segs);
  gpu.release(part);
}

function cumsum(gpu: Gpu, x: T, out: T): void {
  const [R, L] = rowsOf(x, 1);
  const t = typeOf(x.dtype);
  if (R === 0 || L === 0) return;
  const add = t === 'u32' ? '(acc + x[base + j]) & 255u' : 'acc + x[base + j]';
  const wgsl = (): string => `
struct P { rows: u32, len: u32, xo: u32, pad1: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<${t}>;
@group(0) @binding(2) var<storage, read_write> out: array<${t}>;
${ENTRY(64)} {
  ${FLAT(64)}
  if (i >= p.rows) { return; }
  let base = p.xo + i * p.len;
  var acc = ${t}(0);
  for (var j = 0u; j < p.len; j++) { acc = ${add}; out[base + j] = acc; }
}`;
  // rows in chunks past the binding limit (x and out are dense and the same shape: one window serves both)
  const align = gpu.limits.minStorageBufferOffsetAlignment, whole = x.buffer.bytes <= gpu.maxBinding && out.buffer.bytes <= gpu.maxBinding;
  const per = whole ? R : Math.floor((gpu.maxBinding - align) / (4 * L));
  if (per < 1) throw new BackendError(`cumsum: a row of ${L} elements is past this adapter's storage binding limit (${gpu.maxBinding} bytes)`);
  for (let r0 = 0; r0 < R; r0 += per) {
    const rows = Math.min(per, R - r0);
    const w = whole ? { offset: 0, size: x.buffer.bytes, base: 0 } : windowOf(r0 * L, (r0 + rows) * L - 1, 4, align);
    gpu.run({
      kernel: 'cumsum', key: `cumsum:${x.dtype}`, wgsl, params: new Params().u32(rows, L, r0 * L - w.base).done(), groups: grid(rows, gpu, 64),
      bindings: [{ buf: x.buffer, offset: w.offset, size: Math.max(4, w.size) }, { buf: out.buffer, offset: w.offset, size: Math.max(4, whole ? out.buffer.bytes : w.size) }], describe: describe([x], [out]),
    });
  }
}

/** The reduction kernels of the required tier. */
export function reduceKernels(gpu: Gpu): KernelTable<WgBuffer> {
  const r = (op: Red | 'argmax' | 'argmin') => ([x]: T[], [out]: T[], a: { reduceDims: number }) => reduce(gpu, op, x!, out!, a.reduceDims);
  return {
    sum: r('sum'), prod: r('prod'), max: r('max'), min: r('min'), argmax: r('argmax'), argmin: r('argmin'),
    cumsum: ([x], [out]) => cumsum(gpu, x!, out!),
  };
}
